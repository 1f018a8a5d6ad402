/*
 * report.c - a run directory read once (tttd_run_load) and rendered as
 * summary.json, an SVG of the best time so far, an HTML page and the best
 * kernel's report.md (report.h).  It reads what the pipeline wrote; it
 * measures nothing and trusts no number it cannot point to in a record.
 */
#include <dirent.h>
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


/* ---- loading ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Complete step files steps/NNNNNN.mp, sorted (names newly allocated). */
static int
list_steps(const char *dir, char ***names, size_t *n, struct tttd_error *e)
{
	char *path = xasprintf("%s/steps", dir);
	DIR *d = opendir(path);
	struct dirent *de;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		int r = errno == ENOENT ? TTTD_OK : tttd_error_set(e, TTTD_EIO, "cannot read '%s':", path);

		free(path);
		return r;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name), i;

		if (len < 4 || strcmp(de->d_name + len - 3, ".mp") != 0)
			continue;
		for (i = 0; i < len - 3; i++)
			if (de->d_name[i] < '0' || de->d_name[i] > '9')
				break;
		if (i != len - 3 || i == 0)
			continue;
		XGROW(*names, cap, *n + 1);
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
	free(path);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_str);
	return TTTD_OK;
}

static void
count_status(struct tttd_status_count **v, size_t *n, const char *status)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp((*v)[i].status, status) == 0) {
			(*v)[i].n++;
			return;
		}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].status = xstrdup(status);
	(*v)[*n].n = 1;
	(*n)++;
}

static void
free_counts(struct tttd_status_count *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].status);
	free(v);
}

/* One step file into run: candidates only, in order. */
static int
load_step(struct tttd_run *run, const char *path, long stepno, size_t *cap_eval,
	  struct tttd_error *e)
{
	struct tttd_reader *rd;
	struct tttd_run_step *st;
	struct tttd_rec r;
	int rc;

	TTTD_TRY(tttd_reader_open(&rd, path, 1, e));
	run->steps = xrealloc(run->steps, (run->nsteps + 1) * sizeof(*run->steps));
	st = &run->steps[run->nsteps++];
	memset(st, 0, sizeof(*st));
	st->step = stepno;
	st->first_eval = run->neval + 1;
	tttd_rec_init(&r);
	while ((rc = tttd_reader_next(rd, &r, e)) > 0) {
		char *status = NULL;
		double t = 0;

		if (!tttd_rec_str_is(&r, "kind", "candidate"))
			continue;
		XGROW(run->eval_ns, *cap_eval, run->neval + 1);
		run->ids = xrealloc(run->ids, *cap_eval * sizeof(*run->ids));
		run->ids[run->neval] = NULL;
		tttd_rec_get_str(&r, "id", &run->ids[run->neval]);
		if (!run->ids[run->neval])
			run->ids[run->neval] = xstrdup("");
		run->nids = run->neval + 1;
		run->neval++;
		st->evaluated++;
		if (!run->ref_ns)
			tttd_rec_get_double(&r, "ref_ns", &run->ref_ns);
		if (!run->device)
			tttd_rec_get_str(&r, "device", &run->device);
		if (!run->task)
			tttd_rec_get_str(&r, "task", &run->task);
		if (tttd_rec_str_is(&r, "status", "ok") && tttd_rec_get_double(&r, "time_ns", &t) == 1 &&
		    t > 0) {
			run->eval_ns[run->neval - 1] = t;
			run->nok++;
			st->ok++;
			if (!st->best_ns || t < st->best_ns)
				st->best_ns = t;
			if (!run->best_eval || t < run->eval_ns[run->best_eval - 1]) {
				run->best_eval = run->neval;
				run->best_step = stepno;
				tttd_rec_copy(&run->best, &r);
			}
			continue;
		}
		run->eval_ns[run->neval - 1] = 0;
		if (tttd_rec_get_str(&r, "status", &status) != 1)
			status = xstrdup("unknown");
		count_status(&st->fail, &st->nfail, status);
		count_status(&run->fail, &run->nfail, status);
		free(status);
	}
	tttd_rec_release(&r);
	tttd_reader_free(rd);
	if (rc < 0)
		return rc;
	if (run->best_eval) {
		st->best_so_far_ns = run->eval_ns[run->best_eval - 1];
		st->best_so_far_eval = run->best_eval;
		st->best_so_far_step = run->best_step;
	}
	return TTTD_OK;
}

/* Where the archive first has candidate id with status ok: evaluation number and time. */
static void
search_time(const struct tttd_run *run, const char *dir, const char *id, struct tttd_run_ab *ab)
{
	(void)dir;
	for (size_t i = 0; i < run->nids; i++)
		if (run->eval_ns[i] > 0 && strcmp(run->ids[i], id) == 0) {
			ab->eval = i + 1;
			ab->search_ns = run->eval_ns[i];
			for (size_t k = 0; k < run->nsteps; k++)
				if (run->steps[k].first_eval <= i + 1)
					ab->step = run->steps[k].step;
			return;
		}
}

/* best/confirm.jsonl: the A/B candidates, each matched to its search-time measurement. */
static int
load_ab(struct tttd_run *run, struct tttd_error *e)
{
	char *path = xasprintf("%s/best/confirm.jsonl", run->dir), *text = NULL, *line, *nl;
	char *cid = run->have_confirmed ? tttd_report_get_s(&run->confirmed, "id") : NULL;
	struct tttd_rec r;
	size_t len;
	int rc = TTTD_OK, lineno = 0;

	if (tttd_read_file(path, &text, &len) < 0) {
		rc = errno == ENOENT ? TTTD_OK : tttd_error_set(e, TTTD_EIO, "cannot read '%s':", path);
		free(path);
		free(cid);
		return rc;
	}
	tttd_rec_init(&r);
	for (line = text; *line; line = nl ? nl + 1 : line + strlen(line)) {
		struct tttd_run_ab *ab;

		nl = strchr(line, '\n');
		lineno++;
		if (nl == line)
			continue;
		if (tttd_rec_from_json(&r, line, nl ? (size_t)(nl - line) : strlen(line), e) < 0) {
			rc = tttd_error_prefix(e, "%s:%d", path, lineno);
			break;
		}
		if (!tttd_rec_str_is(&r, "kind", "candidate"))
			continue;
		run->ab = xrealloc(run->ab, (run->nab + 1) * sizeof(*run->ab));
		ab = &run->ab[run->nab++];
		memset(ab, 0, sizeof(*ab));
		ab->id = tttd_report_get_s(&r, "id");
		ab->status = tttd_report_get_s(&r, "status");
		if (tttd_rec_str_is(&r, "status", "ok")) {
			ab->time_ns = tttd_report_get_d(&r, "time_ns");
			ab->speedup = tttd_report_get_d(&r, "speedup");
		}
		ab->ref_ns = tttd_report_get_d(&r, "ref_ns");
		if (ab->id)
			search_time(run, run->dir, ab->id, ab);
		if (cid && ab->id && !run->confirmed_ab && strcmp(cid, ab->id) == 0)
			run->confirmed_ab = run->nab;
	}
	tttd_rec_release(&r);
	free(text);
	free(path);
	free(cid);
	return rc;
}

int
tttd_run_load(struct tttd_run **out, const char *dir, struct tttd_error *e)
{
	struct tttd_run *run;
	struct stat sb;
	char **names = NULL, *path, *text = NULL;
	size_t n = 0, cap_eval = 0, len;
	int r;

	*out = NULL;
	if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
		return tttd_error_set(e, TTTD_ENOENT, "no run directory '%s'", dir);
	TTTD_TRY(list_steps(dir, &names, &n, e));
	run = xcalloc(1, sizeof(*run));
	run->dir = xstrdup(dir);
	tttd_rec_init(&run->best);
	tttd_rec_init(&run->confirmed);
	path = xasprintf("%s/config", dir);
	if (tttd_read_file(path, &run->config, NULL) == 0) {
		char *p = strstr(run->config, "task=");

		if (p && (p == run->config || p[-1] == '\n'))
			run->task = xstrndup(p + 5, strcspn(p + 5, "\n"));
	}
	free(path);
	r = TTTD_OK;
	if (!run->config && !n)
		r = tttd_error_set(e, TTTD_ENOENT, "'%s' is not a run directory (no config, no steps)",
				   dir);
	for (size_t i = 0; i < n && r == TTTD_OK; i++) {
		path = xasprintf("%s/steps/%s", dir, names[i]);
		r = load_step(run, path, strtol(names[i], NULL, 10), &cap_eval, e);
		free(path);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (r == TTTD_OK) {
		path = xasprintf("%s/best/record.json", dir);
		if (tttd_read_file(path, &text, &len) == 0) {
			r = tttd_rec_from_json(&run->confirmed, text, len, e);
			if (r < 0)
				tttd_error_prefix(e, "%s", path);
			run->have_confirmed = r == TTTD_OK;
		} else if (errno != ENOENT) {
			r = tttd_error_set(e, TTTD_EIO, "cannot read '%s':", path);
		}
		free(text);
		free(path);
	}
	if (r == TTTD_OK)
		r = load_ab(run, e);
	if (r < 0) {
		tttd_run_free(run);
		return r;
	}
	*out = run;
	return TTTD_OK;
}

void
tttd_run_free(struct tttd_run *run)
{
	if (!run)
		return;
	for (size_t i = 0; i < run->nsteps; i++)
		free_counts(run->steps[i].fail, run->steps[i].nfail);
	free(run->steps);
	free_counts(run->fail, run->nfail);
	free(run->eval_ns);
	for (size_t i = 0; i < run->nids; i++)
		free(run->ids[i]);
	free(run->ids);
	for (size_t i = 0; i < run->nab; i++) {
		free(run->ab[i].id);
		free(run->ab[i].status);
	}
	free(run->ab);
	tttd_rec_release(&run->best);
	tttd_rec_release(&run->confirmed);
	free(run->dir);
	free(run->task);
	free(run->config);
	free(run->device);
	free(run);
}

/* ---- helpers shared by the writers ---- */

/* The record the report is about: the confirmed best, else the archive's. */
static const struct tttd_rec *
report_rec(const struct tttd_run *run)
{
	if (run->have_confirmed)
		return &run->confirmed;
	return run->best_eval ? &run->best : NULL;
}

double
tttd_report_get_d(const struct tttd_rec *r, const char *key)
{
	double v = 0;

	if (r)
		tttd_rec_get_double(r, key, &v);
	return v;
}

/* A string key as a NUL-terminated static-lifetime-enough copy (caller frees). */
char *
tttd_report_get_s(const struct tttd_rec *r, const char *key)
{
	char *s = NULL;

	if (!r || tttd_rec_get_str(r, key, &s) != 1)
		return NULL;
	return s;
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
				}
			}
			(*n)++;
		}
	}
	msgpack_zone_destroy(&zone);
	return rows;
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
	const struct tttd_rec *c = run->have_confirmed ? &run->confirmed : NULL;
	char *s;
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
		s = tttd_report_get_s(&run->best, "id");
		json_object_set_new(b, "id", s ? json_string(s) : json_null());
		free(s);
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
		s = tttd_report_get_s(c, "id");
		json_object_set_new(b, "id", s ? json_string(s) : json_null());
		free(s);
		json_object_set_new(b, "time_ns", num_or_null(tttd_report_get_d(c, "time_ns")));
		json_object_set_new(b, "ref_ns", num_or_null(tttd_report_get_d(c, "ref_ns")));
		json_object_set_new(b, "speedup", num_or_null(tttd_report_get_d(c, "speedup")));
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

/* ---- the plot ---- */

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
	double lo = 0, hi = 0, conf = run->have_confirmed ? tttd_report_get_d(&run->confirmed, "time_ns") : 0;
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
		g->time_ns = tttd_report_get_d(&run->confirmed, "time_ns");
		g->ab_ref_ns = tttd_report_get_d(&run->confirmed, "ref_ns");
		g->ab_speedup = tttd_report_get_d(&run->confirmed, "speedup");
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
	struct shape_row *rows;
	struct figures g;
	char **dk, **dv, *src, *cflags, *id, buf[64], buf2[64];
	size_t nrows, nd, i;

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
	id = tttd_report_get_s(r, "id");
	fputs("<h2>The best kernel</h2>\n<p>id <code>", f);
	tttd_report_html_escape(f, id ? id : "?");
	free(id);
	fputs("</code></p>\n<table>\n<tr><th>shape</th><th>median</th><th>95% CI of the median</th>"
	      "<th>repetitions</th></tr>\n",
	      f);
	rows = shape_rows(r, &nrows);
	for (i = 0; i < nrows; i++) {
		char lo[64], hi[64];

		tttd_format_ns(rows[i].median, buf, sizeof(buf));
		tttd_format_ns(rows[i].lo, lo, sizeof(lo));
		tttd_format_ns(rows[i].hi, hi, sizeof(hi));
		fprintf(f, "<tr><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s - %s</td>"
			   "<td class=\"n\">%ld</td></tr>\n",
			rows[i].shape, buf, lo, hi, rows[i].n);
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
	if ((cflags = tttd_report_get_s(r, "cflags"))) {
		fputs("<p>Compile flags: <code>", f);
		tttd_report_html_escape(f, cflags);
		fputs("</code></p>\n", f);
		free(cflags);
	}
	fputs("<h3>Source</h3>\n<pre><code>", f);
	src = tttd_report_get_s(r, "source");
	tttd_report_html_escape(f, src ? src : "(no source in the record)");
	free(src);
	fputs("</code></pre>\n</body>\n</html>\n", f);
}

void
tttd_report_md(const struct tttd_run *run, const struct tttd_env *env, FILE *f)
{
	const struct tttd_rec *r = report_rec(run);
	struct shape_row *rows;
	struct figures g;
	char **dk, **dv, *id, *cflags, *target, buf[64], lo[64], hi[64];
	size_t nrows, nd, i;

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
	if (r && (id = tttd_report_get_s(r, "id"))) {
		fprintf(f, "| id | %s |\n", id);
		free(id);
	}
	env_rows_md(f, env);
	if (!r) {
		fputs("\nNo correct candidate yet.\n", f);
		return;
	}
	fputs("\n## Timing per bench shape\n\n| shape | median | 95% CI of the median | n |\n"
	      "|---|---|---|---|\n",
	      f);
	rows = shape_rows(r, &nrows);
	for (i = 0; i < nrows; i++) {
		tttd_format_ns(rows[i].median, buf, sizeof(buf));
		tttd_format_ns(rows[i].lo, lo, sizeof(lo));
		tttd_format_ns(rows[i].hi, hi, sizeof(hi));
		fprintf(f, "| %s | %s | %s - %s | %ld |\n", rows[i].shape, buf, lo, hi, rows[i].n);
	}
	free(rows);
	ab_table(run, f, 1);
	fputs("\n## Decisions\n\n", f);
	decisions(r, &dk, &dv, &nd);
	for (i = 0; i < nd; i++)
		fprintf(f, "- %s = %s\n", dk[i], dv[i]);
	tttd_strmap_free(dk, dv, nd);
	if ((cflags = tttd_report_get_s(r, "cflags"))) {
		fprintf(f, "\nCompile flags: `%s`\n", cflags);
		free(cflags);
	}
	target = tttd_report_get_s(r, "target");
	/* The file the pipeline wrote is named by the target's source extension. */
	const struct tttd_target *tg = tttd_target_find(target ? target : TTTD_TARGET_DEFAULT);
	fprintf(f, "\nSource: `kernel.%s` beside this report; the full record is `record.json`; the run's "
		   "summary, plot and page are `../summary.json`, `../best-so-far.svg` and `../report.html`.\n",
		tg ? tg->ext : "c");
	free(target);
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
