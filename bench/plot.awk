# plot.awk: an SVG line plot of bench/ablation.sh's series.tsv (method, seed,
# evaluation, best time so far in ns): per method, the median over seeds of
# the best time so far against evaluations, with a min-max band; y is the
# best time over the best known time (opt), on a log scale, so 1 is the
# optimum and the dashed line is the target above it.  Variables: opt, n (budget), within (default 0.01),
# methods (comma-separated, the legend order), title.  Writes SVG 1.1 to
# stdout; draws nothing else and needs no plotting package.

function median(a, k,    i, j, t) {
	for (i = 2; i <= k; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	if (k % 2) return a[(k + 1) / 2]
	return (a[k / 2] + a[k / 2 + 1]) / 2
}
function X(e) { return L + (e - 1) / (n > 1 ? n - 1 : 1) * W }
function Y(r) { return T + (log(ymax) - log(r)) / (log(ymax) - log(ymin)) * H }
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); return s }

{
	v = $4 == "inf" ? 1e300 : $4 / opt
	val[$1, $3, ++cnt[$1, $3]] = v
	if ($3 > emax[$1]) emax[$1] = $3
	if ($4 != "inf" && v > yseen) yseen = v
}
END {
	L = 70; T = 40; W = 620; H = 360; R = 170; B = 50
	ymin = 0.98
	ymax = yseen > 1.05 ? yseen * 1.1 : 1.1
	split("#1f77b4 #ff7f0e #2ca02c #d62728 #9467bd #8c564b #e377c2 #7f7f7f #bcbd22 #17becf #000000 #aec7e8 #ffbb78", col, " ")
	printf "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", L + W + R, T + H + B
	printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
	printf "<text x=\"%d\" y=\"22\" font-size=\"14\">%s</text>\n", L, esc(title)
	# axes and ticks
	printf "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n", L, T, W, H
	for (i = 0; i <= 4; i++) {
		e = 1 + (n - 1) * i / 4
		printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#444\"/>", X(e), T + H, X(e), T + H + 5
		printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>\n", X(e), T + H + 18, e
	}
	printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">evaluations</text>\n", L + W / 2, T + H + 38
	if (within == "") within = 0.01
	tgt = 1 + within
	for (t = 1; t <= ymax; t *= 2) ticks[++nt] = t
	ticks[++nt] = tgt
	if (ymax < 4) { ticks[++nt] = 1.5; ticks[++nt] = 1.25 }
	for (i = 1; i <= nt; i++) {
		if (ticks[i] > ymax) continue
		printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" %s/>", L, Y(ticks[i]), L + W, Y(ticks[i]), ticks[i] == tgt ? "stroke=\"#888\" stroke-dasharray=\"4 3\"" : "stroke=\"#ddd\""
		if (ticks[i] != tgt) printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>", L - 6, Y(ticks[i]) + 4, ticks[i]
		printf "\n"
	}
	printf "<text transform=\"translate(18,%d) rotate(-90)\" text-anchor=\"middle\">best time so far / best known (log)</text>\n", T + H / 2
	nm = split(methods, ml, ",")
	for (mi = 1; mi <= nm; mi++) {
		m = ml[mi]
		if (!emax[m]) continue
		up = ""; dn = ""; line = ""
		for (e = 1; e <= emax[m] && e <= n; e++) {
			k = cnt[m, e]
			lo = 1e300; hi = 0
			for (i = 1; i <= k; i++) {
				a[i] = val[m, e, i]
				if (a[i] < lo) lo = a[i]
				if (a[i] > hi) hi = a[i]
			}
			md = median(a, k)
			if (hi > ymax) hi = ymax
			if (lo <= ymax) {
				up = up sprintf("%.1f,%.1f ", X(e), Y(hi))
				dn = sprintf("%.1f,%.1f ", X(e), Y(lo)) dn
			}
			if (md <= ymax) line = line sprintf("%.1f,%.1f ", X(e), Y(md))
		}
		if (up != "") printf "<polygon points=\"%s%s\" fill=\"%s\" fill-opacity=\"0.12\" stroke=\"none\"/>\n", up, dn, col[mi]
		if (line != "") printf "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>\n", line, col[mi]
		ly = T + 10 + mi * 20
		printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>", L + W + 12, ly, L + W + 36, ly, col[mi]
		printf "<text x=\"%d\" y=\"%d\">%s</text>\n", L + W + 42, ly + 4, esc(m)
	}
	printf "<text x=\"%d\" y=\"%d\" fill=\"#666\">dashed: %g%% above best</text>\n", L + W + 12, T + 10 + (nm + 1) * 20 + 4, within * 100
	printf "</svg>\n"
}
