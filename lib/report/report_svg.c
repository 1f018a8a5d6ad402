/*
 * report_svg.c - the best time so far as an SVG, drawn by hand
 * (tttd_report_svg, report.h): a log time axis, the best-so-far
 * staircase, every correct candidate as a dot, failures as ticks, the
 * run's reference dashed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_int.h"

#define SVG_W 800
#define SVG_H 430
#define PL 90 /* plot area: left, top, width, height */
#define PT 46
#define PW 560
#define PH 300

struct axes {
	size_t n;          /* evaluations: x from 1 to n */
	double lmin, lmax; /* log10 of the y range */
};

static double
ax_x(const struct axes *a, double ev)
{
	return PL + (a->n > 1 ? (ev - 1) / (double)(a->n - 1) : 0.5) * PW;
}

static double
ax_y(const struct axes *a, double ns)
{
	return PT + (a->lmax - log10(ns)) / (a->lmax - a->lmin) * PH;
}

void
tttd_report_svg(const struct tttd_run *run, FILE *f)
{
	struct axes a = { run->neval ? run->neval : 1, 0, 1 };
	double lo = 0, hi = 0, conf = run->have_confirmed ? run->confirmedv.time_ns : 0;
	char buf[64];
	size_t i;

	for (i = 0; i < run->neval; i++) {
		double t = run->eval_ns[i];

		if (t > 0 && (!lo || t < lo))
			lo = t;
		if (t > hi)
			hi = t;
	}
	if (run->ref_ns > 0) {
		lo = lo && lo < run->ref_ns ? lo : run->ref_ns;
		hi = hi > run->ref_ns ? hi : run->ref_ns;
	}
	if (conf > 0) {
		lo = lo < conf ? lo : conf;
		hi = hi > conf ? hi : conf;
	}
	if (lo > 0) {
		a.lmin = log10(lo) - 0.05;
		a.lmax = log10(hi) + 0.05;
		if (a.lmax - a.lmin < 0.2) { /* a flat run: show +-25% */
			a.lmin -= 0.1;
			a.lmax += 0.1;
		}
	}
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
		SVG_W, SVG_H, SVG_W, SVG_H);
	fprintf(f, "<title>best time so far against evaluations</title>\n");
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"%d\" y=\"24\" font-size=\"15\">", PL);
	tttd_report_html_escape(f, run->task ? run->task : "?");
	fprintf(f, ": best time so far against evaluations (%zu evaluated, %zu correct)</text>\n",
		run->neval, run->nok);
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n",
		PL, PT, PW, PH);
	/* x ticks: 5 evaluation numbers; steps as faint vertical lines. */
	for (i = 0; i <= 4 && run->neval; i++) {
		size_t ev = 1 + (size_t)llround((double)(run->neval - 1) * (double)i / 4);

		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#444\"/>"
			   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%zu</text>\n",
			ax_x(&a, (double)ev), PT + PH, ax_x(&a, (double)ev), PT + PH + 5,
			ax_x(&a, (double)ev), PT + PH + 19, ev);
	}
	for (i = 1; i < run->nsteps && run->nsteps <= 200; i++)
		fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n",
			ax_x(&a, (double)run->steps[i].first_eval - 0.5), PT, ax_x(&a, (double)run->steps[i].first_eval - 0.5),
			PT + PH);
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">evaluations (steps: faint lines)</text>\n",
		PL + PW / 2, PT + PH + 38);
	/* y ticks: 1-2-5 steps of each decade in range, all nine digits when that gives too few. */
	if (lo > 0) {
		static const int m125[] = { 1, 2, 5 }, m1_9[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
		const int *m = m125;
		size_t nm = 3, nt = 0;

		for (int pass = 0; pass < 2; pass++, m = m1_9, nm = 9) {
			nt = 0;
			for (int d = (int)floor(a.lmin); d <= (int)ceil(a.lmax); d++)
				for (size_t k = 0; k < nm; k++) {
					double l = log10(m[k]) + d;

					nt += l >= a.lmin && l <= a.lmax;
				}
			if (nt >= 3)
				break;
		}
		for (int d = (int)floor(a.lmin); d <= (int)ceil(a.lmax); d++)
			for (size_t k = 0; k < nm; k++) {
				double ns = m[k] * pow(10, d), l = log10(ns);

				if (l < a.lmin || l > a.lmax)
					continue;
				tttd_format_ns(ns, buf, sizeof(buf));
				fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#444\"/>"
					   "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
					   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
					PL - 5, ax_y(&a, ns), PL, ax_y(&a, ns), PL + 1, ax_y(&a, ns), PL + PW - 1,
					ax_y(&a, ns), PL - 8, ax_y(&a, ns) + 4, buf);
			}
		fprintf(f, "<text x=\"18\" y=\"%d\" transform=\"rotate(-90 18 %d)\" text-anchor=\"middle\">"
			   "time (log scale)</text>\n",
			PT + PH / 2, PT + PH / 2);
	}
	/* Failures: red ticks under the plot. */
	for (i = 0; i < run->neval; i++)
		if (!(run->eval_ns[i] > 0))
			fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d62728\"/>\n",
				ax_x(&a, (double)i + 1), PT + PH - 6, ax_x(&a, (double)i + 1), PT + PH);
	if (lo > 0) {
		double best = 0;
		size_t bi = 0;

		/* Every correct candidate, grey. */
		for (i = 0; i < run->neval; i++)
			if (run->eval_ns[i] > 0)
				fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.2\" fill=\"#aaa\"/>\n",
					ax_x(&a, (double)i + 1), ax_y(&a, run->eval_ns[i]));
		if (run->ref_ns > 0) {
			tttd_format_ns(run->ref_ns, buf, sizeof(buf));
			fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d62728\" "
				   "stroke-dasharray=\"6 4\"/>"
				   "<text x=\"%d\" y=\"%.1f\" fill=\"#d62728\">reference %s</text>\n",
				PL, ax_y(&a, run->ref_ns), PL + PW, ax_y(&a, run->ref_ns), PL + PW + 6,
				ax_y(&a, run->ref_ns) + 4, buf);
		}
		/* The best so far: a blue staircase from the first correct candidate. */
		fputs("<path fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2.5\" d=\"", f);
		for (i = 0; i < run->neval; i++) {
			double t = run->eval_ns[i];

			if (!(t > 0) || (best && t >= best))
				continue;
			if (!best)
				fprintf(f, "M%.1f %.1f", ax_x(&a, (double)i + 1), ax_y(&a, t));
			else
				fprintf(f, " H%.1f V%.1f", ax_x(&a, (double)i + 1), ax_y(&a, t));
			best = t;
			bi = i + 1;
		}
		fprintf(f, " H%.1f\"/>\n", ax_x(&a, (double)a.n));
		tttd_format_ns(best, buf, sizeof(buf));
		fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"none\" stroke=\"#1f77b4\" "
			   "stroke-width=\"2\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" fill=\"#1f77b4\" text-anchor=\"%s\">best %s at "
			   "evaluation %zu</text>\n",
			ax_x(&a, (double)bi), ax_y(&a, best), ax_x(&a, (double)bi),
			ax_y(&a, best) - 10, bi > a.n / 2 ? "end" : "start", buf, bi);
		if (conf > 0) {
			tttd_format_ns(conf, buf, sizeof(buf));
			fprintf(f, "<path d=\"M%d %.1f l8 -5 l8 5 l-8 5 z\" fill=\"#2ca02c\"/>"
				   "<text x=\"%d\" y=\"%.1f\" fill=\"#2ca02c\">confirmed %s</text>\n",
				PL + PW + 2, ax_y(&a, conf), PL + PW + 22, ax_y(&a, conf) + 4, buf);
		}
	} else {
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no correct candidate yet</text>\n",
			PL + PW / 2, PT + PH / 2);
	}
	/* Legend. */
	fprintf(f, "<g transform=\"translate(%d %d)\">"
		   "<line x1=\"0\" y1=\"0\" x2=\"22\" y2=\"0\" stroke=\"#1f77b4\" stroke-width=\"2.5\"/>"
		   "<text x=\"28\" y=\"4\">best so far</text>"
		   "<circle cx=\"126\" cy=\"0\" r=\"2.2\" fill=\"#aaa\"/><text x=\"134\" y=\"4\">a correct candidate</text>"
		   "<line x1=\"270\" y1=\"-5\" x2=\"270\" y2=\"5\" stroke=\"#d62728\"/>"
		   "<text x=\"277\" y=\"4\">a failed one</text>"
		   "<line x1=\"370\" y1=\"0\" x2=\"392\" y2=\"0\" stroke=\"#d62728\" stroke-dasharray=\"6 4\"/>"
		   "<text x=\"398\" y=\"4\">the run's reference</text></g>\n",
		PL, SVG_H - 14);
	fputs("</svg>\n", f);
}
