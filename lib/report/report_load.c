/*
 * report_load.c - a run directory read once (tttd_run_load, report.h): its
 * steps in order (the candidates evaluated and correct, failures by status,
 * each step's best and the best so far), the search time, the A/B of the
 * best and the configuration.  It reads what the pipeline wrote; it
 * measures nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "candidate.h" /* defines: tttd_cand_read */
#include "report.h"
#include "report_int.h"
#include "stream.h" /* defines: tttd_reader_*, tttd_writer_* */

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
		struct tttd_cand c;
		double t;

		tttd_cand_read(&c, &r);
		if (!c.candidate) {
			tttd_cand_release(&c);
			continue;
		}
		XGROW(run->eval_ns, *cap_eval, run->neval + 1);
		run->ids = xrealloc(run->ids, *cap_eval * sizeof(*run->ids));
		run->ids[run->neval] = c.id ? c.id : xstrdup("");
		c.id = NULL; /* run->ids owns it */
		run->nids = run->neval + 1;
		run->neval++;
		st->evaluated++;
		if (!run->ref_ns)
			run->ref_ns = c.ref_ns;
		if (!run->device && c.device) {
			run->device = c.device;
			c.device = NULL;
		}
		if (!run->task && c.task) {
			run->task = c.task;
			c.task = NULL;
		}
		t = c.time_ns;
		if (c.st == TTTD_ST_OK && c.has & TTTD_CAND_TIME_NS && t > 0) {
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
			tttd_cand_release(&c);
			continue;
		}
		run->eval_ns[run->neval - 1] = 0;
		count_status(&st->fail, &st->nfail, c.status ? c.status : "unknown");
		count_status(&run->fail, &run->nfail, c.status ? c.status : "unknown");
		tttd_cand_release(&c);
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
	const char *cid = run->have_confirmed ? run->confirmedv.id : NULL;
	struct tttd_rec r;
	size_t len;
	int rc = TTTD_OK, lineno = 0;

	if (tttd_read_file(path, &text, &len) < 0) {
		rc = errno == ENOENT ? TTTD_OK : tttd_error_set(e, TTTD_EIO, "cannot read '%s':", path);
		free(path);
		return rc;
	}
	tttd_rec_init(&r);
	for (line = text; *line; line = nl ? nl + 1 : line + strlen(line)) {
		struct tttd_run_ab *ab;
		struct tttd_cand c;

		nl = strchr(line, '\n');
		lineno++;
		if (nl == line)
			continue;
		if (tttd_rec_from_json(&r, line, nl ? (size_t)(nl - line) : strlen(line), e) < 0) {
			rc = tttd_error_prefix(e, "%s:%d", path, lineno);
			break;
		}
		tttd_cand_read(&c, &r);
		if (!c.candidate) {
			tttd_cand_release(&c);
			continue;
		}
		run->ab = xrealloc(run->ab, (run->nab + 1) * sizeof(*run->ab));
		ab = &run->ab[run->nab++];
		memset(ab, 0, sizeof(*ab));
		ab->id = c.id; /* ab owns them */
		ab->status = c.status;
		c.id = c.status = NULL;
		if (c.st == TTTD_ST_OK) {
			ab->time_ns = c.time_ns;
			ab->speedup = c.speedup;
		}
		ab->ref_ns = c.ref_ns;
		tttd_cand_release(&c);
		if (ab->id)
			search_time(run, run->dir, ab->id, ab);
		if (cid && ab->id && !run->confirmed_ab && strcmp(cid, ab->id) == 0)
			run->confirmed_ab = run->nab;
	}
	tttd_rec_release(&r);
	free(text);
	free(path);
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
	tttd_cand_read(&run->bestv, &run->best); /* the archive's best is chosen */
	if (r == TTTD_OK) {
		path = xasprintf("%s/best/record.json", dir);
		if (tttd_read_file(path, &text, &len) == 0) {
			r = tttd_rec_from_json(&run->confirmed, text, len, e);
			if (r < 0)
				tttd_error_prefix(e, "%s", path);
			run->have_confirmed = r == TTTD_OK;
			tttd_cand_read(&run->confirmedv, &run->confirmed);
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
	tttd_cand_release(&run->bestv);
	tttd_cand_release(&run->confirmedv);
	free(run->dir);
	free(run->task);
	free(run->config);
	free(run->device);
	free(run);
}
