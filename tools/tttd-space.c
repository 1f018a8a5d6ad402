/*
 * tttd-space - exact facts about a model task's decision space, for
 * ablations: enumerate every feasible choice, find the optimum, and give
 * how likely one uniform draw (tttd-generate --uniform) lands within a
 * distance of it and the median number of draws until one does (uniform
 * search's evaluations-to-target, a geometric distribution).  One record
 * of kind "space" on stdout.
 *
 * It does not sample or benchmark anything, and it refuses a task whose
 * times are measured (cpu, cuda): their optimum is not known.  What it can
 * do for such a task is --list: every feasible choice as a candidate
 * record, for tttd-compile | tttd-bench to measure the whole space once
 * (bench/space-sweep.sh), which a model task's cost_table can then replay.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "opt.h"
#include "rec.h"    /* defines: tttd_rec_* */
#include "schema.h" /* defines: tttd_rec_stamp */
#include "space.h"  /* defines: tttd_space_model_stats */
#include "stream.h" /* defines: tttd_reader_*, tttd_writer_* */
#include "target.h" /* defines: tttd_target_of */
#include "task.h"
#include "tttd.h"

#define SYNOPSIS "tttd-space [-fhqVz] [-o file] [--list | --table] [--max n] [--within x] task"

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s\n", SYNOPSIS);
	fputs("\n"
	      "Enumerate a model task's space: its optimum and uniform search's odds.\n"
	      "With --list, write every feasible choice of any task as a candidate.\n"
	      "\n"
	      "  -f, --force          write binary on a terminal\n"
	      "  -h, --help           print this help and exit\n"
	      "  -o, --output=FILE    write to FILE (via FILE.tmp and rename)\n"
	      "  -q, --quiet          print errors only\n"
	      "  -V, --version        print the version and exit\n"
	      "  -z, --zstd           compress the output with zstd\n"
	      "      --list           write one candidate record (status generated, step\n"
	      "                       0) per feasible choice, in task order, instead\n"
	      "                       of the space record\n"
	      "      --table          write a model task's landscape as text: a header of\n"
	      "                       the decision names and time_ns, then one line per\n"
	      "                       feasible choice, its options and its model time in\n"
	      "                       ns (0 = failing); the format of a cost_table, which\n"
	      "                       search baselines outside tttd (bench/peers.py) read\n"
	      "      --max=N          give up beyond N choices visited (default 100000000)\n"
	      "      --within=X       the target: at most (1 + X) times the optimum's time\n"
	      "                       (default 0.01, i.e. within 1%)\n",
	      f);
}

/* clang-format off */
enum { OPT_MAX = 256, OPT_WITHIN, OPT_LIST, OPT_TABLE };
/* clang-format on */

static const struct option longopts[] = {
	{ "list", no_argument, NULL, OPT_LIST },
	{ "max", required_argument, NULL, OPT_MAX },
	{ "table", no_argument, NULL, OPT_TABLE },
	{ "within", required_argument, NULL, OPT_WITHIN },
	{ NULL, 0, NULL, 0 },
};
static const struct tool_opts topts = {
	.usage = usage,
	.common = TOOL_FORCE | TOOL_OUTPUT | TOOL_ZSTD,
	.shortopts = "",
	.longopts = longopts,
};

struct lister {
	const struct tttd_task *task;
	struct tttd_writer *w;
	struct tttd_rec r;
	struct tttd_error *e;
	uint64_t n;
};

static int
list_one(const int *choice, void *arg)
{
	struct lister *l = arg;

	tttd_task_candidate_rec(l->task, choice, 0, "", "0/space", NULL, 0, &l->r);
	tttd_rec_stamp(&l->r, "tttd-space");
	tttd_rec_set_str(&l->r, "status", "generated");
	l->n++;
	return tttd_writer_write(l->w, &l->r, l->e);
}

/* --list: every feasible choice as a candidate record. */
static void
list_space(const struct tttd_task *task, struct tttd_writer *w, uint64_t max)
{
	struct tttd_error e = { 0 };
	struct lister l = { task, w, { 0 }, &e, 0 };

	tttd_rec_init(&l.r);
	if (tttd_space_each(task, max, list_one, &l, &e) < 0)
		die_err(&e);
	tttd_rec_release(&l.r);
	note(1, "task '%s': %llu candidates", task->name, (unsigned long long)l.n);
}

struct tabler {
	const struct tttd_task *task;
	FILE *f;
	uint64_t n;
};

static int
table_one(const int *choice, void *arg)
{
	struct tabler *t = arg;
	size_t d;

	for (d = 0; d < t->task->ndec; d++)
		fprintf(t->f, "%s\t", t->task->dec[d].opt[choice[d]]);
	/* 10 digits: the time tttd-bench reports, to far below the 1% targets */
	fprintf(t->f, "%.10g\n", tttd_space_model_time(t->task, choice));
	t->n++;
	return 0;
}

/*
 * --table: the model landscape as text (the cost_table format), for search
 * baselines that live outside tttd and must see the same times.
 */
static void
table_space(const struct tttd_task *task, const char *output, uint64_t max)
{
	struct tttd_error e = { 0 };
	struct tabler t = { task, stdout, 0 };
	char *tmp = NULL;
	size_t d;

	if (!tttd_target_of(task)->evaluate)
		die("task '%s': --table needs a model task (its times are measured, not known)",
		    task->name);
	if (output) {
		tmp = tttd_tmp_path_for(output);
		t.f = fopen(tmp ? tmp : output, "w");
		if (!t.f)
			die("cannot write '%s': %s", tmp ? tmp : output, strerror(errno));
	}
	fprintf(t.f, "# %s: every feasible choice and its model time in ns (tttd-space --table)\n",
		task->name);
	for (d = 0; d < task->ndec; d++)
		fprintf(t.f, "%s\t", task->dec[d].name);
	fprintf(t.f, "time_ns\n");
	if (tttd_space_each(task, max, table_one, &t, &e) < 0)
		die_err(&e);
	if (fflush(t.f) != 0 || ferror(t.f))
		die("cannot write '%s': %s", output ? output : "(stdout)", strerror(errno));
	if (output) {
		if (fclose(t.f) != 0 || (tmp && rename(tmp, output) != 0))
			die("cannot write '%s': %s", output, strerror(errno));
		free(tmp);
	}
	note(1, "task '%s': %llu feasible choices", task->name, (unsigned long long)t.n);
}

/* The space record, and its one-line summary on stderr. */
static void
write_stats(const struct tttd_task *task, const struct tttd_space_stats *st, double within,
	    struct tttd_writer *w)
{
	struct tttd_error e = { 0 };
	struct tttd_rec r;

	tttd_rec_init(&r);
	tttd_rec_set_int(&r, "v", TTTD_SCHEMA_VERSION);
	tttd_rec_set_str(&r, "kind", "space");
	tttd_rec_set_str(&r, "task", task->name);
	tttd_rec_set_int(&r, "feasible", (int64_t)st->feasible);
	tttd_rec_set_int(&r, "ok", (int64_t)st->ok);
	tttd_rec_set_double(&r, "within", within);
	tttd_rec_set_double(&r, "best_ns", st->best_ns);
	tttd_rec_set_double(&r, "limit_ns", st->limit_ns);
	tttd_rec_set_int(&r, "hits", (int64_t)st->within);
	tttd_rec_set_double(&r, "p", st->p);
	/* never reached (p = 0): left out, JSON has no infinity */
	if (st->p > 0) {
		tttd_rec_set_double(&r, "median_draws", st->median);
		tttd_rec_set_double(&r, "mean_draws", st->mean);
	}
	tttd_rec_stamp(&r, "tttd-space");
	if (tttd_writer_write(w, &r, &e) < 0)
		die_err(&e);
	tttd_rec_release(&r);
	note(1, "task '%s': %.0f feasible choices, optimum %.6g ns, %.0f within %g%%; "
		"uniform search: median %.0f draws",
	     task->name, st->feasible, st->best_ns, st->within, within * 100, st->median);
}

int
main(int argc, char **argv)
{
	struct tttd_error e = { 0 };
	struct tttd_writer *w = NULL;
	struct tttd_task *task = NULL;
	struct tttd_space_stats st;
	struct tool_common com = { 0 };
	long max = 100000000;
	double within = 0.01;
	int c, list = 0, table = 0;

	diag_init("tttd-space", SYNOPSIS);
	while ((c = tool_getopt(&topts, argc, argv, &com)) != -1) {
		switch (c) {
		case OPT_LIST:
			list = 1;
			break;
		case OPT_TABLE:
			table = 1;
			break;
		case OPT_MAX:
			max = opt_long(optarg, "--max", 1, INT64_MAX);
			break;
		case OPT_WITHIN:
			within = opt_double(optarg, "--within", 0, 1e6);
			break;
		}
	}
	if (argc - optind != 1)
		usage_die(argc - optind ? "one task only" : "a task is required");
	if (list && table)
		usage_die("--list and --table cannot be used together");
	if (tttd_task_load(&task, argv[optind], &e) < 0)
		die_err(&e);
	if (table) {
		table_space(task, com.output, (uint64_t)max);
		tttd_task_free(task);
		close_stdout();
		return 0;
	}
	/* the stats first, so that a task with no known optimum leaves no output */
	if (!list && tttd_space_model_stats(task, within, (uint64_t)max, &st, &e) < 0)
		die_err(&e);
	if (tttd_writer_open(&w, com.output, com.wflags, &e) < 0)
		die_err(&e);
	if (list)
		list_space(task, w, (uint64_t)max);
	else
		write_stats(task, &st, within, w);
	if (tttd_writer_close(w, &e) < 0)
		die_err(&e);
	tttd_task_free(task);
	close_stdout();
	return 0;
}
