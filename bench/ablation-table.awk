# ablation-table.awk: the markdown table of bench/ablation.sh from its
# series.tsv (method, seed, evaluation, best time so far in ns).  Per method:
# the best reward at budgets n/8, n/4, n/2 and n (median [min-max] over the
# seeds; reward = reward_scale / time in us, 0 before a correct candidate)
# and the evaluations needed to get within the target of the best known
# time (within, default 0.01: 1%).
# Variables: opt (ns), within, n (budget), rs (reward scale), methods, task, seeds,
# groups, children, optsrc; sumfile (optional) gets "method median min max
# reached" per method, for tests; exact_median and exact_p (optional, model
# tasks: tttd-space) add the row "uniform, exact" (the median of uniform
# search's geometric evaluations-to-target, "inf" if it never gets there),
# also written to sumfile as "uniform-exact median".  It reads nothing else
# and plots nothing.

BEGIN { if (within == "") within = 0.01 }
function median(a, k,    i, j, t) { # sorts a[1..k] in place
	for (i = 2; i <= k; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
	if (k % 2) return a[(k + 1) / 2]
	return (a[k / 2] + a[k / 2 + 1]) / 2
}
function rew(t) { return t == "inf" ? 0 : rs * 1000 / t }
function fmt(x) { return x >= 1e6 ? sprintf("%.4g", x) : x >= 100 ? sprintf("%.1f", x) : sprintf("%.4g", x) }
function ev(x) { return x > n ? "> " n : x == int(x) ? sprintf("%d", x) : sprintf("%.1f", x) } # a median of an even count may end in .5

{
	best[$1, $2, $3] = $4
	if (!(($1 SUBSEP $2) in seen)) { seen[$1, $2] = 1; ns[$1]++; sd[$1, ns[$1]] = $2 }
	if ($3 > last[$1, $2]) last[$1, $2] = $3
	if (!(($1 SUBSEP $2) in hit) && $4 != "inf" && $4 + 0 <= opt * (1 + within)) hit[$1, $2] = $3
}
END {
	pct = sprintf("%g%%%%", within * 100)
	nb = split(sprintf("%d %d %d %d", n / 8, n / 4, n / 2, n), bud, " ")
	printf "Task `%s`: %d evaluations per run, %d seeds, %d groups x %d children per step.\n", task, n, seeds, groups, children
	printf "Best known time: %s ns (%s); reward = %s / time in us.\n\n", fmt(opt), optsrc, fmt(rs)
	printf "| method | reward @ %d | reward @ %d | reward @ %d | reward @ %d | evaluations to within " pct " of best known: median [min-max] | seeds that got there |\n", bud[1], bud[2], bud[3], bud[4]
	printf "|---|---|---|---|---|---|---|\n"
	nm = split(methods, ml, ",")
	for (mi = 1; mi <= nm; mi++) {
		m = ml[mi]
		k = ns[m]
		if (!k) continue
		printf "| %s |", m
		for (b = 1; b <= nb; b++) {
			lo = ""; hi = ""
			for (i = 1; i <= k; i++) {
				s = sd[m, i]
				e = bud[b] < last[m, s] ? bud[b] : last[m, s]
				v[i] = rew(best[m, s, e])
				if (lo == "" || v[i] < lo) lo = v[i]
				if (hi == "" || v[i] > hi) hi = v[i]
			}
			printf " %s [%s-%s] |", fmt(median(v, k)), fmt(lo), fmt(hi)
		}
		got = 0
		for (i = 1; i <= k; i++) {
			s = sd[m, i]
			if ((m SUBSEP s) in hit) { w[i] = hit[m, s]; got++ } else w[i] = n + 1
		}
		med = median(w, k)
		if (k % 2 == 0 && w[k / 2 + 1] > n) med = n + 1 # half the seeds never got there
		printf " %s [%s-%s] | %d/%d |\n", ev(med), ev(w[1]), ev(w[k]), got, k
		if (sumfile != "") printf "%s\t%s\t%d\t%d\t%d\n", m, (med > n ? "inf" : med), w[1], w[k], got >sumfile
	}
	if (exact_median != "") {
		printf "| uniform, exact | | | | | %s (geometric, p = %.4g per evaluation) | |\n", exact_median == "inf" ? "never" : sprintf("%d", exact_median), exact_p
		if (sumfile != "") printf "uniform-exact\t%s\n", exact_median == "inf" ? "inf" : sprintf("%d", exact_median) >sumfile
	}
	printf "\n\"> %d\": not within " pct " of the best known time after the budget; a median over seeds counts those as later than any.\n", n
	if (exact_median != "")
		printf "\"uniform, exact\": uniform search's median evaluations to within " pct " of the exact optimum, from an enumeration of the space (tttd-space): the draws are independent, so the count is geometric, median ceil(ln 2 / -ln(1 - p)).\n"
}
