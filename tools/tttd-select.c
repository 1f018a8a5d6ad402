/*
 * tttd-select - replay a run's archive and write the parent states of the
 * next step, chosen by PUCT.  Wiring only: the archive, the scores and the
 * selection live in lib/search/puct.c.
 *
 * It reads candidate records (other kinds are ignored) in step order and
 * writes one "parent" record per pick, best first.  With --best it instead
 * writes the best valid candidate records of the archive, for reports.
 * Selection is deterministic: no seed.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candidate.h" /* defines: tttd_cand_read */
#include "diag.h"
#include "opt.h"
#include "puct.h" /* defines: tttd_puct_* */
#include "rec.h"
#include "stream.h" /* defines: tttd_reader_*, tttd_writer_* */
#include "task.h"   /* defines: tttd_task_load */
#include "schema.h" /* defines: tttd_rec_stamp */

#define SYNOPSIS                                                                             \
	"tttd-select [-fhqVz] [-o file] [--best n] [--c x] [--groups n] [--max-archive n]\n" \
	"                   [--objective time|baseline] [--step n] [--task name] [file ...]"

static struct tool_common com; /* -f, -o, -z */
static long opt_best = -1;
static long opt_step = -1; /* -1: the archive's last step + 1 */
static const char *opt_task;
static enum tttd_objective opt_obj = TTTD_OBJ_TIME;
static struct tttd_puct_opts popts;

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s\n", SYNOPSIS);
	fputs("Pick the parent states of the next step from a run's archive by PUCT.\n"
	      "\n"
	      "  -f, --force            read or write binary records on a terminal\n"
	      "  -h, --help             print this help and exit\n"
	      "  -o, --output FILE      write to FILE (FILE.tmp, renamed when done)\n"
	      "  -q, --quiet            print errors only\n"
	      "  -V, --version          print the version and exit\n"
	      "  -z, --zstd             compress the output (implied by -o x.zst)\n"
	      "      --best N           write the N best valid candidate records instead\n"
	      "      --c X              exploration constant (default 1)\n"
	      "      --groups N         root states and parents per step (default 64)\n"
	      "      --max-archive N    archive cap (default 1000)\n"
	      "      --objective O      what makes a state better: time (default: the\n"
	      "                         fastest), or baseline (the largest\n"
	      "                         baseline_ratio, from tttd-bench --paired)\n"
	      "      --step N           the step number to give the parents (default: the\n"
	      "                         archive's last step + 1)\n"
	      "      --task NAME        task of the run (default: the records'; required\n"
	      "                         when the archive is empty)\n"
	      "\n"
	      "The archive is every scored candidate of the run in step order; with no\n"
	      "file, or when file is -, read standard input.  An empty archive gives the\n"
	      "task's root states.  Exit status: 0 success, 1 bad input or I/O error,\n"
	      "2 usage.\n",
	      f);
}

/*
 * What a parent record carries of each state after the roots, by state
 * index - groups, as packed msgpack values (copied from its candidate
 * record): its decisions, and for a language model's prompt its source,
 * time and per-shape timing.
 */
struct packed {
	char *p;
	size_t n;
};
static const char *const state_keys[] = { "decisions", "source", "time_ns", "timing" };
#define NSTATE_KEYS (sizeof(state_keys) / sizeof(state_keys[0]))
static struct packed (*decs)[NSTATE_KEYS];
static size_t ndecs, capdecs;

/* --best: the best new valid candidates so far, best first. */
static struct best {
	struct tttd_rec rec;
	double value;
} * best;
static size_t nbest;

static void
best_offer(const struct tttd_rec *r, double value)
{
	size_t i;

	if (opt_best <= 0 || (nbest == (size_t)opt_best && value <= best[nbest - 1].value))
		return;
	if (nbest < (size_t)opt_best)
		tttd_rec_init(&best[nbest++].rec);
	/* Drop the last, shift the worse ones down; equal values keep the earlier first. */
	for (i = nbest - 1; i > 0 && best[i - 1].value < value; i--) {
		struct tttd_rec t = best[i].rec;

		best[i] = best[i - 1];
		best[i - 1].rec = t;
	}
	tttd_rec_copy(&best[i].rec, r);
	best[i].value = value;
}

static const char *
need_str(const char *s, const char *key, uint64_t idx)
{
	if (!s)
		die("record %llu: candidate without a string '%s'", (unsigned long long)idx, key);
	return s;
}

/* Feed one candidate record (the idx-th record of the input) to the archive. */
static void
replay(struct tttd_puct **pp, char **task, const struct tttd_rec *r, uint64_t idx)
{
	struct tttd_puct_cand c;
	struct tttd_cand v;
	struct tttd_error e;
	const struct tttd_field *f;
	const char *rtask;
	double cost;
	char why[200];
	int rc;

	tttd_cand_read(&v, r);
	rtask = v.task;
	if (v.bad & TTTD_CAND_TASK)
		die("record %llu: 'task' is not a string", (unsigned long long)idx);
	if (!*pp) {
		*task = xstrdup(opt_task ? opt_task : rtask ? rtask
							    : "");
		if (!**task)
			die("record %llu: candidate without a 'task' (use --task)",
			    (unsigned long long)idx);
		if (!(*pp = tttd_puct_new(*task, &popts, &e)))
			die_err(&e);
	}
	if (rtask && strcmp(rtask, *task) != 0)
		die("record %llu: task '%s' is not the run's task '%s'", (unsigned long long)idx,
		    rtask, *task);

	c.id = need_str(v.id, "id", idx);
	c.parent = need_str(v.parent, "parent", idx);
	need_str(v.status, "status", idx);
	if (!(v.has & TTTD_CAND_STEP))
		die("record %llu: candidate without an integer 'step'", (unsigned long long)idx);
	c.step = v.step;
	c.ok = v.st == TTTD_ST_OK;
	if (tttd_cand_cost(&v, opt_obj, &cost, why, sizeof(why)) < 0)
		die("record %llu: %s", (unsigned long long)idx, why);
	c.value = -cost; /* (microseconds, or the time over the baseline's) higher is better */
	if ((rc = tttd_puct_add(*pp, &c, &e)) < 0)
		die("record %llu: %s", (unsigned long long)idx, e.msg);
	if (rc == 1) {
		XGROW(decs, capdecs, ndecs + 1);
		for (size_t k = 0; k < NSTATE_KEYS; k++) {
			struct packed *pk = &decs[ndecs][k];

			f = tttd_rec_find(r, state_keys[k]);
			pk->n = f ? f->vlen : 0;
			pk->p = NULL;
			if (f) { /* packed msgpack: may hold 0 bytes, so no string copy */
				pk->p = xmalloc(f->vlen);
				memcpy(pk->p, f->val, f->vlen);
			}
		}
		ndecs++;
		best_offer(r, c.value);
	}
	tttd_cand_release(&v);
}

static void
write_parents(struct tttd_puct *p, const char *task, struct tttd_writer *w)
{
	struct tttd_puct_info *pk = xcalloc(popts.groups, sizeof(*pk));
	struct tttd_error e;
	struct tttd_rec r;
	int64_t step = opt_step >= 0 ? opt_step : tttd_puct_last_step(p) + 1; /* -1 when empty: 0 */
	size_t n = tttd_puct_select(p, pk, popts.groups);

	tttd_rec_init(&r);
	for (size_t i = 0; i < n; i++) {
		tttd_rec_clear(&r);
		tttd_rec_set_int(&r, "v", TTTD_SCHEMA_VERSION);
		tttd_rec_set_str(&r, "kind", "parent");
		tttd_rec_set_str(&r, "id", pk[i].id);
		tttd_rec_set_str(&r, "task", task);
		tttd_rec_set_int(&r, "step", step);
		if (pk[i].root || !decs[pk[i].state - popts.groups][0].p)
			tttd_rec_set_raw(&r, "decisions", "\x80", 1); /* empty map */
		else
			tttd_rec_set_raw(&r, "decisions", decs[pk[i].state - popts.groups][0].p,
					 decs[pk[i].state - popts.groups][0].n);
		tttd_rec_set_double(&r, "value", pk[i].value);
		tttd_rec_set_double(&r, "puct", pk[i].score);
		tttd_rec_set_int(&r, "visits", pk[i].visits);
		tttd_rec_set_bool(&r, "root", pk[i].root);
		tttd_rec_set_int(&r, "rank", (int64_t)i);
		/* a language model's prompt shows the parent's code and measured times */
		for (size_t k = 1; !pk[i].root && k < NSTATE_KEYS; k++) {
			const struct packed *sp = &decs[pk[i].state - popts.groups][k];

			if (sp->p)
				tttd_rec_set_raw(&r, state_keys[k], sp->p, sp->n);
		}
		tttd_rec_stamp(&r, "tttd-select");
		if (tttd_writer_write(w, &r, &e) < 0) {
			tttd_writer_abort(w);
			die_err(&e);
		}
	}
	note(1, "%zu parents for step %lld from %zu archive states (%lld rollouts)", n,
	     (long long)step, tttd_puct_size(p), (long long)tttd_puct_total(p));
	tttd_rec_release(&r);
	free(pk);
}

int
main(int argc, char **argv)
{
	/* clang-format off */
	enum { OPT_BEST = 256, OPT_C, OPT_GROUPS, OPT_MAX_ARCHIVE, OPT_OBJECTIVE, OPT_STEP, OPT_TASK };
	/* clang-format on */
	static const struct option longopts[] = {
		{ "best", required_argument, NULL, OPT_BEST },
		{ "c", required_argument, NULL, OPT_C },
		{ "groups", required_argument, NULL, OPT_GROUPS },
		{ "max-archive", required_argument, NULL, OPT_MAX_ARCHIVE },
		{ "objective", required_argument, NULL, OPT_OBJECTIVE },
		{ "step", required_argument, NULL, OPT_STEP },
		{ "task", required_argument, NULL, OPT_TASK },
		{ NULL, 0, NULL, 0 },
	};
	static const struct tool_opts topts = {
		.usage = usage,
		.common = TOOL_FORCE | TOOL_OUTPUT | TOOL_ZSTD,
		.shortopts = "",
		.longopts = longopts,
	};
	struct tttd_puct *p = NULL;
	struct tttd_writer *w;
	struct tttd_error e;
	struct tttd_rec r;
	char *task = NULL;
	uint64_t idx = 0;
	int c, nin;

	diag_init("tttd-select", SYNOPSIS);
	tttd_puct_opts_default(&popts);
	while ((c = tool_getopt(&topts, argc, argv, &com)) != -1) {
		switch (c) {
		case OPT_BEST: opt_best = opt_long(optarg, "--best", 1, 1000000); break;
		case OPT_C: popts.c = opt_double(optarg, "--c", 0, 1e9); break;
		case OPT_GROUPS: popts.groups = (size_t)opt_long(optarg, "--groups", 1, 100000); break;
		case OPT_MAX_ARCHIVE:
			popts.max_archive = (size_t)opt_long(optarg, "--max-archive", 1, 100000000);
			break;
		case OPT_OBJECTIVE:
			opt_obj = (enum tttd_objective)opt_choice(optarg, "--objective", tttd_objective_names);
			break;
		case OPT_STEP: opt_step = opt_long(optarg, "--step", 0, 100000000); break;
		case OPT_TASK: opt_task = optarg; break;
		}
	}
	if (opt_best > 0)
		best = xcalloc((size_t)opt_best, sizeof(*best));
	if (opt_task) {
		/*
		 * The task must exist (a misspelt one would name roots of no
		 * task, and the step would fail later and further away); one
		 * given by path: records and root ids use its name.
		 */
		struct tttd_task *t;

		if (tttd_task_load(&t, opt_task, &e) < 0)
			die_err(&e);
		if (opt_obj == TTTD_OBJ_BASELINE && !t->baseline)
			die("task '%s' has no baseline: --objective baseline ranks by baseline_ratio, "
			    "which only a task with a 'baseline' line gives",
			    t->name);
		opt_task = xstrdup(t->name);
		tttd_task_free(t);
	}

	nin = argc - optind;
	tttd_rec_init(&r);
	for (int i = 0; i < (nin ? nin : 1); i++) {
		struct tttd_reader *rd;
		int rc;

		if (tttd_reader_open(&rd, nin ? argv[optind + i] : NULL, com.force, &e) < 0)
			die_err(&e);
		while ((rc = tttd_reader_next(rd, &r, &e)) > 0) {
			if (tttd_rec_str_is(&r, "kind", "candidate"))
				replay(&p, &task, &r, idx);
			idx++;
		}
		if (rc < 0)
			die_err(&e);
		tttd_reader_free(rd);
	}
	tttd_rec_release(&r);
	if (!p && opt_best <= 0) {
		if (!opt_task)
			die("empty archive: --task is required to name the root states");
		task = xstrdup(opt_task);
		if (!(p = tttd_puct_new(task, &popts, &e)))
			die_err(&e);
	}

	if (tttd_writer_open(&w, com.output, com.wflags, &e) < 0)
		die_err(&e);
	if (opt_best > 0) {
		for (size_t i = 0; i < nbest; i++)
			if (tttd_writer_write(w, &best[i].rec, &e) < 0) {
				tttd_writer_abort(w);
				die_err(&e);
			}
	} else {
		write_parents(p, task, w);
	}
	if (tttd_writer_close(w, &e) < 0)
		die_err(&e);

	for (size_t i = 0; i < nbest; i++)
		tttd_rec_release(&best[i].rec);
	free(best);
	for (size_t i = 0; i < ndecs; i++)
		for (size_t k = 0; k < NSTATE_KEYS; k++)
			free(decs[i][k].p);
	free(decs);
	free(task);
	tttd_puct_free(p);
	close_stdout();
	return 0;
}
