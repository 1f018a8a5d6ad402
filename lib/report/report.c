/*
 * report.c - a run directory (read by report_load.c) rendered as
 * summary.json, an HTML page with the plot (report_svg.c) inline and the
 * best kernel's report.md (report.h).  It reads what the pipeline wrote; it
 * measures nothing and trusts no number it cannot point to in a record.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
#include "report_int.h"
#include "target.h" /* defines: tttd_target_find */


/* ---- helpers shared by the writers ---- */

/* The record the report is about: the confirmed best, else the archive's. */
static const struct tttd_rec *
report_rec(const struct tttd_run *run)
{
	if (run->have_confirmed)
		return &run->confirmed;
	return run->best_eval ? &run->best : NULL;
}

/* report_rec's view. */
static const struct tttd_cand *
report_view(const struct tttd_run *run)
{
	if (run->have_confirmed)
		return &run->confirmedv;
	return run->best_eval ? &run->bestv : NULL;
}

void
tttd_report_html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* "wrong=2, timeout=1" or "none" */
static void
fails_text(FILE *f, const struct tttd_status_count *v, size_t n)
{
	if (!n) {
		fputs("none", f);
		return;
	}
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s=%zu", i ? ", " : "", v[i].status, v[i].n);
}

/* One bench shape's timing, unpacked from a record's "timing" array. */
struct shape_row {
	char shape[96];
	double median, lo, hi;
	long n;
	/* a builtin baseline (cuBLAS) timed beside it: its median, baseline / this, the ratio's interval */
	double base, ratio, rlo, rhi;
};

static double
obj_num(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER: return (double)o->via.u64;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: return (double)o->via.i64;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: return o->via.f64;
	default: return 0;
	}
}

static int
key_is(const msgpack_object_kv *kv, const char *k)
{
	return kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == strlen(k) &&
	       memcmp(kv->key.via.str.ptr, k, kv->key.via.str.size) == 0;
}

/* The per-shape rows of r's "timing" (newly allocated; *n = 0 when absent). */
static struct shape_row *
shape_rows(const struct tttd_rec *r, size_t *n)
{
	msgpack_zone zone;
	msgpack_object o;
	struct shape_row *rows = NULL;

	*n = 0;
	if (!r)
		return NULL;
	msgpack_zone_init(&zone, 4096);
	if (tttd_rec_get_object(r, "timing", &zone, &o) == 1 && o.type == MSGPACK_OBJECT_ARRAY) {
		rows = xcalloc(o.via.array.size + 1, sizeof(*rows));
		for (uint32_t i = 0; i < o.via.array.size; i++) {
			const msgpack_object *m = &o.via.array.ptr[i];
			struct shape_row *row = &rows[*n];

			if (m->type != MSGPACK_OBJECT_MAP)
				continue;
			for (uint32_t j = 0; j < m->via.map.size; j++) {
				const msgpack_object_kv *kv = &m->via.map.ptr[j];

				if (key_is(kv, "shape") && kv->val.type == MSGPACK_OBJECT_ARRAY) {
					size_t off = 0;

					for (uint32_t k = 0; k < kv->val.via.array.size; k++)
						off += (size_t)snprintf(
							row->shape + off,
							off < sizeof(row->shape) ? sizeof(row->shape) - off : 0,
							"%s%.0f", k ? "x" : "",
							obj_num(&kv->val.via.array.ptr[k]));
				} else if (key_is(kv, "median_ns")) {
					row->median = obj_num(&kv->val);
				} else if (key_is(kv, "ci_lo_ns")) {
					row->lo = obj_num(&kv->val);
				} else if (key_is(kv, "ci_hi_ns")) {
					row->hi = obj_num(&kv->val);
				} else if (key_is(kv, "n")) {
					row->n = (long)obj_num(&kv->val);
				} else if (key_is(kv, "baseline_ns")) {
					row->base = obj_num(&kv->val);
				} else if (key_is(kv, "baseline_ratio")) {
					row->ratio = obj_num(&kv->val);
				} else if (key_is(kv, "baseline_ratio_ci") && kv->val.type == MSGPACK_OBJECT_ARRAY &&
					   kv->val.via.array.size == 2) {
					row->rlo = obj_num(&kv->val.via.array.ptr[0]);
					row->rhi = obj_num(&kv->val.via.array.ptr[1]);
				}
			}
			(*n)++;
		}
	}
	msgpack_zone_destroy(&zone);
	return rows;
}

/* Whether any row has a baseline (then the tables get its columns). */
static int
rows_have_base(const struct shape_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].base > 0)
			return 1;
	return 0;
}

/* "1.015 [1.012, 1.018]", or "1.015" without an interval, or "-" without a baseline. */
static void
format_ratio(const struct shape_row *row, char *buf, size_t n)
{
	if (row->base <= 0)
		snprintf(buf, n, "-");
	else if (row->rlo > 0)
		snprintf(buf, n, "%.3f [%.3f, %.3f]", row->ratio, row->rlo, row->rhi);
	else
		snprintf(buf, n, "%.3f", row->ratio);
}

/* The decisions of r as parallel arrays (tttd_strmap_free them); n = 0 when absent. */
static void
decisions(const struct tttd_rec *r, char ***k, char ***v, size_t *n)
{
	*k = *v = NULL;
	*n = 0;
	if (r && tttd_rec_get_strmap(r, "decisions", k, v, n) != 1) {
		*k = *v = NULL;
		*n = 0;
	}
}

/* ---- summary.json ---- */

static json_t *
counts_json(const struct tttd_status_count *v, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, v[i].status, json_integer((json_int_t)v[i].n));
	return o;
}

static json_t *
num_or_null(double v)
{
	return v > 0 ? json_real(v) : json_null();
}

int
tttd_report_summary(const struct tttd_run *run, const struct tttd_env *env, FILE *f,
		    struct tttd_error *e)
{
	json_t *o = json_object(), *steps = json_array(), *b;
	const struct tttd_cand *c = run->have_confirmed ? &run->confirmedv : NULL;
	int r = TTTD_OK;

	json_object_set_new(o, "run", json_string(run->dir));
	json_object_set_new(o, "task", run->task ? json_string(run->task) : json_null());
	json_object_set_new(o, "device", run->device ? json_string(run->device) : json_null());
	json_object_set_new(o, "evaluated", json_integer((json_int_t)run->neval));
	json_object_set_new(o, "ok", json_integer((json_int_t)run->nok));
	json_object_set_new(o, "failures", counts_json(run->fail, run->nfail));
	json_object_set_new(o, "reference_ns", num_or_null(run->ref_ns));
	if (run->best_eval) {
		b = json_object();
		json_object_set_new(b, "id", run->bestv.id ? json_string(run->bestv.id) : json_null());
		json_object_set_new(b, "time_ns", json_real(run->eval_ns[run->best_eval - 1]));
		json_object_set_new(b, "evaluation", json_integer((json_int_t)run->best_eval));
		json_object_set_new(b, "step", json_integer(run->best_step));
		if (run->ref_ns > 0)
			json_object_set_new(b, "speedup",
					    json_real(run->ref_ns / run->eval_ns[run->best_eval - 1]));
		json_object_set_new(o, "best", b);
	} else {
		json_object_set_new(o, "best", json_null());
	}
	if (c) {
		b = json_object();
		json_object_set_new(b, "id", c->id ? json_string(c->id) : json_null());
		json_object_set_new(b, "time_ns", num_or_null(c->time_ns));
		json_object_set_new(b, "ref_ns", num_or_null(c->ref_ns));
		json_object_set_new(b, "speedup", num_or_null(c->speedup));
		json_object_set_new(o, "confirmed", b);
	} else {
		json_object_set_new(o, "confirmed", json_null());
	}
	for (size_t i = 0; i < run->nsteps; i++) {
		const struct tttd_run_step *st = &run->steps[i];
		json_t *j = json_object();

		json_object_set_new(j, "step", json_integer(st->step));
		json_object_set_new(j, "evaluated", json_integer((json_int_t)st->evaluated));
		json_object_set_new(j, "ok", json_integer((json_int_t)st->ok));
		json_object_set_new(j, "failures", counts_json(st->fail, st->nfail));
		json_object_set_new(j, "best_ns", num_or_null(st->best_ns));
		json_object_set_new(j, "best_so_far_ns", num_or_null(st->best_so_far_ns));
		json_object_set_new(j, "best_found_at_evaluation",
				    st->best_so_far_eval ? json_integer((json_int_t)st->best_so_far_eval)
							 : json_null());
		json_object_set_new(j, "best_found_at_step",
				    st->best_so_far_eval ? json_integer(st->best_so_far_step) : json_null());
		json_array_append_new(steps, j);
	}
	json_object_set_new(o, "steps", steps);
	if (env) {
		json_t *m = json_object();

#define ENVSET(k) json_object_set_new(m, #k, env->k ? json_string(env->k) : json_null())
		ENVSET(cpu);
		ENVSET(gpu);
		ENVSET(gpu_clocks);
		ENVSET(driver);
		ENVSET(cc);
		ENVSET(nvrtc);
		ENVSET(version);
		ENVSET(commit);
		ENVSET(date);
#undef ENVSET
		json_object_set_new(o, "environment", m);
	}
	if (json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ||
	    fputc('\n', f) == EOF)
		r = tttd_error_set(e, TTTD_EIO, "cannot write the summary");
	json_decref(o);
	return r;
}

/* ---- the HTML page and report.md ---- */

static void
env_rows_html(FILE *f, const struct tttd_env *env)
{
	struct {
		const char *label, *v;
	} rows[] = {
		{ "CPU", env ? env->cpu : NULL },
		{ "GPU", env ? env->gpu : NULL },
		{ "GPU clocks", env ? env->gpu_clocks : NULL },
		{ "driver", env ? env->driver : NULL },
		{ "C compiler", env ? env->cc : NULL },
		{ "NVRTC", env ? env->nvrtc : NULL },
		{ "tttd", env ? env->version : NULL },
		{ "commit", env ? env->commit : NULL },
		{ "measured on", env ? env->date : NULL },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		if (!rows[i].v)
			continue;
		fprintf(f, "<tr><th>%s</th><td>", rows[i].label);
		tttd_report_html_escape(f, rows[i].v);
		fputs("</td></tr>\n", f);
	}
}

static void
env_rows_md(FILE *f, const struct tttd_env *env)
{
	if (!env)
		return;
	fprintf(f, "| CPU | %s |\n", env->cpu ? env->cpu : "unknown");
	if (env->ncpu > 0)
		fprintf(f, "| CPUs online | %ld |\n", env->ncpu);
	fprintf(f, "| GPU | %s |\n", env->gpu ? env->gpu : "none found");
	if (env->gpu_clocks)
		fprintf(f, "| GPU clocks | %s |\n", env->gpu_clocks);
	if (env->driver)
		fprintf(f, "| NVIDIA driver | %s |\n", env->driver);
	fprintf(f, "| C compiler | %s |\n", env->cc ? env->cc : "unknown");
	fprintf(f, "| NVRTC | %s |\n", env->nvrtc ? env->nvrtc : "not built (CPU target only)");
	fprintf(f, "| tttd | %s, commit %s |\n", env->version ? env->version : "?",
		env->commit ? env->commit : "unknown");
	fprintf(f, "| measured on | %s |\n", env->date ? env->date : "unknown");
}

/* The time of the best and the speed-ups a reader compares, each with what it is against. */
struct figures {
	double time_ns, ab_ref_ns, ab_speedup; /* the confirmed best (A/B), or the archive's */
	int confirmed;
	double found_ns;   /* the reported kernel's time when the search measured it */
	size_t found_eval; /* and where (0: unknown) */
	long found_step;
};

static void
figures_of(const struct tttd_run *run, struct figures *g)
{
	memset(g, 0, sizeof(*g));
	if (run->have_confirmed) {
		g->confirmed = 1;
		g->time_ns = run->confirmedv.time_ns;
		g->ab_ref_ns = run->confirmedv.ref_ns;
		g->ab_speedup = run->confirmedv.speedup;
		if (run->confirmed_ab) {
			const struct tttd_run_ab *ab = &run->ab[run->confirmed_ab - 1];

			g->found_ns = ab->search_ns;
			g->found_eval = ab->eval;
			g->found_step = ab->step;
		}
	} else if (run->best_eval) {
		g->time_ns = run->eval_ns[run->best_eval - 1];
		g->found_ns = g->time_ns;
		g->found_eval = run->best_eval;
		g->found_step = run->best_step;
	}
}

/* The final A/B as table rows; md selects markdown, else HTML. */
static void
ab_table(const struct tttd_run *run, FILE *f, int md)
{
	char a[32], b[32], c[32];

	if (!run->nab)
		return;
	if (md)
		fputs("\n## The final A/B\n\nThe search's fastest candidates, each re-measured right "
		      "after the reference in one tttd-bench run:\n\n"
		      "| id | as the search timed it | re-measured | reference beside it | speed-up |\n"
		      "|---|---|---|---|---|\n",
		      f);
	else
		fputs("<h2>The final A/B</h2>\n<p>The search's fastest candidates, each re-measured "
		      "right after the reference in one tttd-bench run.</p>\n<table>\n<tr><th>id</th>"
		      "<th>as the search timed it</th><th>re-measured</th><th>reference beside it</th>"
		      "<th>speed-up</th></tr>\n",
		      f);
	for (size_t i = 0; i < run->nab; i++) {
		const struct tttd_run_ab *ab = &run->ab[i];
		char sp[32] = "-", srch[96] = "-";
		const char *mark = i + 1 == run->confirmed_ab ? (md ? " (best)" : " <b>best</b>") : "";

		tttd_format_ns(ab->time_ns, a, sizeof(a));
		tttd_format_ns(ab->ref_ns, b, sizeof(b));
		if (ab->search_ns > 0) {
			tttd_format_ns(ab->search_ns, c, sizeof(c));
			snprintf(srch, sizeof(srch), "%s (evaluation %zu)", c, ab->eval);
		}
		if (ab->speedup > 0)
			snprintf(sp, sizeof(sp), "%.2fx", ab->speedup);
		if (ab->time_ns <= 0 && ab->status)
			snprintf(a, sizeof(a), "%.24s", ab->status);
		if (md)
			fprintf(f, "| %.12s%s | %s | %s | %s | %s |\n", ab->id ? ab->id : "?", mark, srch, a,
				b, sp);
		else
			fprintf(f, "<tr><td><code>%.12s</code>%s</td><td class=\"n\">%s</td><td class=\"n\">"
				   "%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
				ab->id ? ab->id : "?", mark, srch, a, b, sp);
	}
	if (!md)
		fputs("</table>\n", f);
}

void
tttd_report_html(const struct tttd_run *run, const struct tttd_env *env, FILE *f)
{
	const struct tttd_rec *r = report_rec(run);
	const struct tttd_cand *v = report_view(run);
	struct shape_row *rows;
	struct figures g;
	char **dk, **dv, buf[64], buf2[64];
	size_t nrows, nd, i;
	int base;

	figures_of(run, &g);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>tttd: ", f);
	tttd_report_html_escape(f, run->task ? run->task : "run");
	fputs(" (", f);
	tttd_report_html_escape(f, run->dir);
	fputs(")</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:2em;max-width:64em;color:#222}\n"
	      "table{border-collapse:collapse;margin:.5em 0 1.5em}\n"
	      "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}\n"
	      "td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	      "pre{background:#f6f6f6;border:1px solid #ddd;padding:1em;overflow:auto;font-size:85%}\n"
	      "</style>\n</head>\n<body>\n<h1>tttd: ",
	      f);
	tttd_report_html_escape(f, run->task ? run->task : "run");
	fputs("</h1>\n<table>\n<tr><th>run</th><td>", f);
	tttd_report_html_escape(f, run->dir);
	fputs("</td></tr>\n", f);
	if (run->device) {
		fputs("<tr><th>device</th><td>", f);
		tttd_report_html_escape(f, run->device);
		fputs("</td></tr>\n", f);
	}
	fprintf(f, "<tr><th>candidates evaluated</th><td>%zu (%zu correct; failures: ", run->neval,
		run->nok);
	fails_text(f, run->fail, run->nfail);
	fputs(")</td></tr>\n", f);
	if (g.time_ns > 0) {
		tttd_format_ns(g.time_ns, buf, sizeof(buf));
		fprintf(f, "<tr><th>best time</th><td><b>%s</b>%s</td></tr>\n", buf,
			g.confirmed ? " (re-measured beside the reference, an A/B pair)"
				    : " (as the search measured it; not re-measured)");
	}
	if (g.confirmed && g.ab_ref_ns > 0) {
		tttd_format_ns(g.ab_ref_ns, buf, sizeof(buf));
		fprintf(f, "<tr><th>reference, same A/B</th><td>%s: %.2fx</td></tr>\n", buf,
			g.ab_speedup);
	}
	if (run->ref_ns > 0) {
		tttd_format_ns(run->ref_ns, buf, sizeof(buf));
		fprintf(f, "<tr><th>the run's reference</th><td>%s (measured once, first step)", buf);
		if (g.time_ns > 0)
			fprintf(f, ": %.2fx", run->ref_ns / g.time_ns);
		fputs("</td></tr>\n", f);
	}
	if (g.found_eval) {
		tttd_format_ns(g.found_ns, buf, sizeof(buf));
		fprintf(f, "<tr><th>found</th><td>at evaluation %zu of %zu (step %ld), timed %s then</td></tr>\n",
			g.found_eval, run->neval, g.found_step, buf);
	}
	env_rows_html(f, env);
	fputs("</table>\n<h2>Best time so far</h2>\n<figure>\n", f);
	tttd_report_svg(run, f);
	fputs("</figure>\n<h2>Steps</h2>\n<table>\n<tr><th>step</th><th>evaluated</th><th>correct</th>"
	      "<th>failures</th><th>best of the step</th><th>best so far</th><th>found at</th></tr>\n",
	      f);
	for (i = 0; i < run->nsteps; i++) {
		const struct tttd_run_step *st = &run->steps[i];

		buf[0] = buf2[0] = '\0';
		if (st->best_ns > 0)
			tttd_format_ns(st->best_ns, buf, sizeof(buf));
		if (st->best_so_far_ns > 0)
			tttd_format_ns(st->best_so_far_ns, buf2, sizeof(buf2));
		fprintf(f, "<tr><td class=\"n\">%ld</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td><td>",
			st->step, st->evaluated, st->ok);
		fails_text(f, st->fail, st->nfail);
		fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>", buf, buf2);
		if (st->best_so_far_eval)
			fprintf(f, "evaluation %zu (step %ld)", st->best_so_far_eval, st->best_so_far_step);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	ab_table(run, f, 0);
	if (!r) {
		fputs("<p>No correct candidate yet.</p>\n</body>\n</html>\n", f);
		return;
	}
	fputs("<h2>The best kernel</h2>\n<p>id <code>", f);
	tttd_report_html_escape(f, v->id ? v->id : "?");
	rows = shape_rows(r, &nrows);
	base = rows_have_base(rows, nrows);
	fprintf(f, "</code></p>\n<table>\n<tr><th>shape</th><th>median</th><th>95%% CI of the median</th>"
		   "<th>repetitions</th>%s</tr>\n",
		base ? "<th>baseline</th><th>baseline / this [95% CI]</th>" : "");
	for (i = 0; i < nrows; i++) {
		char lo[64], hi[64], bs[64], ratio[96];

		tttd_format_ns(rows[i].median, buf, sizeof(buf));
		tttd_format_ns(rows[i].lo, lo, sizeof(lo));
		tttd_format_ns(rows[i].hi, hi, sizeof(hi));
		fprintf(f, "<tr><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s - %s</td>"
			   "<td class=\"n\">%ld</td>",
			rows[i].shape, buf, lo, hi, rows[i].n);
		if (base) {
			tttd_format_ns(rows[i].base, bs, sizeof(bs));
			format_ratio(&rows[i], ratio, sizeof(ratio));
			fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td>", rows[i].base > 0 ? bs : "-",
				ratio);
		}
		fputs("</tr>\n", f);
	}
	free(rows);
	fputs("</table>\n<h3>Decisions</h3>\n<table>\n", f);
	decisions(r, &dk, &dv, &nd);
	for (i = 0; i < nd; i++) {
		fputs("<tr><th>", f);
		tttd_report_html_escape(f, dk[i]);
		fputs("</th><td><code>", f);
		tttd_report_html_escape(f, dv[i]);
		fputs("</code></td></tr>\n", f);
	}
	tttd_strmap_free(dk, dv, nd);
	fputs("</table>\n", f);
	if (v->cflags) {
		fputs("<p>Compile flags: <code>", f);
		tttd_report_html_escape(f, v->cflags);
		fputs("</code></p>\n", f);
	}
	fputs("<h3>Source</h3>\n<pre><code>", f);
	tttd_report_html_escape(f, v->source ? v->source : "(no source in the record)");
	fputs("</code></pre>\n</body>\n</html>\n", f);
}

void
tttd_report_md(const struct tttd_run *run, const struct tttd_env *env, FILE *f)
{
	const struct tttd_rec *r = report_rec(run);
	const struct tttd_cand *v = report_view(run);
	struct shape_row *rows;
	struct figures g;
	char **dk, **dv, buf[64], lo[64], hi[64];
	size_t nrows, nd, i;
	int base;

	figures_of(run, &g);
	fprintf(f, "# tttd: best kernel for task %s\n\n| | |\n|---|---|\n",
		run->task ? run->task : "?");
	fprintf(f, "| device | %s |\n", run->device ? run->device : "unknown");
	fprintf(f, "| candidates evaluated | %zu (%zu correct; failures: ", run->neval, run->nok);
	fails_text(f, run->fail, run->nfail);
	fputs(") |\n", f);
	if (g.time_ns > 0) {
		tttd_format_ns(g.time_ns, buf, sizeof(buf));
		fprintf(f, "| best time (geomean of per-shape medians) | %s%s |\n", buf,
			g.confirmed ? ", re-measured beside the reference" : ", as the search measured it");
	}
	if (g.confirmed && g.ab_ref_ns > 0) {
		tttd_format_ns(g.ab_ref_ns, buf, sizeof(buf));
		fprintf(f, "| reference, same A/B re-measurement | %s |\n", buf);
		fprintf(f, "| speed-up over the reference (A/B) | %.2fx |\n", g.ab_speedup);
	}
	if (run->ref_ns > 0 && g.time_ns > 0) {
		tttd_format_ns(run->ref_ns, buf, sizeof(buf));
		fprintf(f, "| the run's reference (measured once, first step) | %s: %.2fx |\n", buf,
			run->ref_ns / g.time_ns);
	}
	if (g.found_eval) {
		tttd_format_ns(g.found_ns, buf, sizeof(buf));
		fprintf(f, "| found | evaluation %zu of %zu (step %ld), timed %s then |\n", g.found_eval,
			run->neval, g.found_step, buf);
	}
	if (v && v->id)
		fprintf(f, "| id | %s |\n", v->id);
	env_rows_md(f, env);
	if (!r) {
		fputs("\nNo correct candidate yet.\n", f);
		return;
	}
	rows = shape_rows(r, &nrows);
	base = rows_have_base(rows, nrows);
	fprintf(f, "\n## Timing per bench shape\n\n| shape | median | 95%% CI of the median | n |%s\n|---|---|---|---|%s\n",
		base ? " baseline | baseline / this [95% CI] |" : "", base ? "---|---|" : "");
	for (i = 0; i < nrows; i++) {
		tttd_format_ns(rows[i].median, buf, sizeof(buf));
		tttd_format_ns(rows[i].lo, lo, sizeof(lo));
		tttd_format_ns(rows[i].hi, hi, sizeof(hi));
		fprintf(f, "| %s | %s | %s - %s | %ld |", rows[i].shape, buf, lo, hi, rows[i].n);
		if (base) {
			char bs[64], ratio[96];

			tttd_format_ns(rows[i].base, bs, sizeof(bs));
			format_ratio(&rows[i], ratio, sizeof(ratio));
			fprintf(f, " %s | %s |", rows[i].base > 0 ? bs : "-", ratio);
		}
		fputc('\n', f);
	}
	free(rows);
	ab_table(run, f, 1);
	fputs("\n## Decisions\n\n", f);
	decisions(r, &dk, &dv, &nd);
	for (i = 0; i < nd; i++)
		fprintf(f, "- %s = %s\n", dk[i], dv[i]);
	tttd_strmap_free(dk, dv, nd);
	if (v->cflags)
		fprintf(f, "\nCompile flags: `%s`\n", v->cflags);
	/* The file the pipeline wrote is named by the target's source extension. */
	const struct tttd_target *tg = tttd_target_find(v->target ? v->target : TTTD_TARGET_DEFAULT);
	fprintf(f, "\nSource: `kernel.%s` beside this report; the full record is `record.json`; the run's "
		   "summary, plot and page are `../summary.json`, `../best-so-far.svg` and `../report.html`.\n",
		tg ? tg->ext : "c");
	if (g.confirmed)
		fputs("Re-measured for this report in one tttd-bench run, the reference timed again right "
		      "before each of the top candidates (an A/B pair; confirm.jsonl holds them).\n",
		      f);
}

/* ---- writing the files ---- */

typedef void (*render_fn)(const struct tttd_run *, const struct tttd_env *, FILE *);

static void
svg_render(const struct tttd_run *run, const struct tttd_env *env, FILE *f)
{
	(void)env;
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	tttd_report_svg(run, f);
}

static void
summary_render(const struct tttd_run *run, const struct tttd_env *env, FILE *f)
{
	struct tttd_error e;

	tttd_report_summary(run, env, f, &e); /* a write error shows in ferror(f) */
}

static int
write_one(const struct tttd_run *run, const struct tttd_env *env, const char *path, render_fn fn,
	  struct tttd_error *e)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int r = TTTD_OK;

	if (!f) {
		r = tttd_error_set(e, TTTD_EIO, "cannot write '%s':", tmp);
		free(tmp);
		return r;
	}
	fn(run, env, f);
	if (ferror(f) | fclose(f) || rename(tmp, path) < 0) {
		r = tttd_error_set(e, TTTD_EIO, "cannot write '%s':", path);
		unlink(tmp);
	}
	free(tmp);
	return r;
}

int
tttd_report_write(const struct tttd_run *run, const struct tttd_env *env, const char *dir,
		  struct tttd_error *e)
{
	static const struct {
		const char *name;
		render_fn fn;
	} files[] = {
		{ "summary.json", summary_render },
		{ "best-so-far.svg", svg_render },
		{ "report.html", tttd_report_html },
	};
	char *path;
	int r = TTTD_OK;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]) && r == TTTD_OK; i++) {
		path = xasprintf("%s/%s", dir, files[i].name);
		r = write_one(run, env, path, files[i].fn, e);
		free(path);
	}
	if (r == TTTD_OK && run->have_confirmed) {
		path = xasprintf("%s/best", dir);
		mkdir(path, 0777);
		free(path);
		path = xasprintf("%s/best/report.md", dir);
		r = write_one(run, env, path, tttd_report_md, e);
		free(path);
	}
	return r;
}
