/*
 * tttd-localsearch - simulated annealing or random-restart hill climbing
 * over a model task's decision neighbourhood (lib/search/localsearch.h): the
 * sequential classic searches that bench/ablation.sh compares test-time
 * training with.
 *
 * A model task's time is known without running anything (a cost expression
 * or a replayed table), so the search runs in one process: each evaluation
 * is one call of the model, in the order the search asks, and becomes one
 * candidate record on stdout (step = the evaluation's number, 0-based;
 * status "ok" with time_ns, or "wrong" for a failing choice), the records
 * tttd-discover's archive holds.  A search evaluates one choice at a time
 * and learns from each answer before the next, which a step of the
 * pipeline (a batch) cannot express; for a live task use tttd-discover.
 *
 * Output is a pure function of the task, --method, --budget and --seed.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "localsearch.h"
#include "opt.h"
#include "rec.h"
#include "schema.h"
#include "space.h"
#include "stream.h" /* defines: tttd_reader_*, tttd_writer_* */
#include "target.h" /* defines: tttd_target_of */
#include "task.h"
#include "tttd.h"

#define SYNOPSIS                                                                                \
	"tttd-localsearch [-fhqVz] [-o file] [--budget n] [--method climb|anneal] [--seed n]\n" \
	"                        [--t0 x] [--t1 x] task"

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s\n", SYNOPSIS);
	fputs("\n"
	      "Run hill climbing with random restarts or simulated annealing on a model\n"
	      "task; write every evaluation as a candidate record.\n"
	      "\n"
	      "  -f, --force          write binary on a terminal\n"
	      "  -h, --help           print this help and exit\n"
	      "  -o, --output=FILE    write to FILE (via FILE.tmp and rename)\n"
	      "  -q, --quiet          print errors only\n"
	      "  -V, --version        print the version and exit\n"
	      "  -z, --zstd           compress the output with zstd\n"
	      "      --budget=N       evaluations (default 512)\n"
	      "      --method=M       climb (first-improvement hill climbing over the\n"
	      "                       one-decision neighbourhood, restarting from a\n"
	      "                       uniform draw at a local optimum; the default) or\n"
	      "                       anneal (simulated annealing over the same moves)\n"
	      "      --seed=N         random seed (default 0)\n"
	      "      --t0=X, --t1=X   anneal: the first and last temperature, as a\n"
	      "                       relative slowdown accepted with probability 1/e\n"
	      "                       (default 0.05 and 0.002, falling geometrically)\n"
	      "\n"
	      "Neither search asks for a choice twice: a revisit reads what it learnt.\n"
	      "Exit status: 0 success, 1 bad input or I/O error, 2 usage.\n",
	      f);
}

/* clang-format off */
enum { OPT_BUDGET = 256, OPT_METHOD, OPT_SEED, OPT_T0, OPT_T1 };
/* clang-format on */

static const struct option longopts[] = {
	{ "budget", required_argument, NULL, OPT_BUDGET },
	{ "method", required_argument, NULL, OPT_METHOD },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "t0", required_argument, NULL, OPT_T0 },
	{ "t1", required_argument, NULL, OPT_T1 },
	{ NULL, 0, NULL, 0 },
};
static const struct tool_opts topts = {
	.usage = usage,
	.common = TOOL_FORCE | TOOL_OUTPUT | TOOL_ZSTD,
	.shortopts = "",
	.longopts = longopts,
};

struct emitter {
	const struct tttd_task *task;
	struct tttd_writer *w;
	struct tttd_rec r;
	const char *method;
	uint64_t seed;
	int64_t n;
};

/* One evaluation: the model's time, written as a candidate record. */
static double
evaluate(const int *choice, void *arg, struct tttd_error *e)
{
	struct emitter *em = arg;
	double t = tttd_space_model_time(em->task, choice);
	char *group = xasprintf("%s/%llu", em->method, (unsigned long long)em->seed);

	tttd_task_candidate_rec(em->task, choice, em->n, "", group, NULL, 0, &em->r);
	free(group);
	tttd_rec_set_str(&em->r, "policy", em->method);
	tttd_rec_stamp_seed(&em->r, "tttd-localsearch", em->seed);
	if (t > 0) {
		tttd_rec_set_str(&em->r, "status", "ok");
		tttd_rec_set_double(&em->r, "time_ns", t);
	} else {
		tttd_rec_set_str(&em->r, "status", "wrong");
		tttd_rec_set_str(&em->r, "reason", "the model marks this choice as failing");
	}
	em->n++;
	if (tttd_writer_write(em->w, &em->r, e) < 0)
		return -1;
	return t;
}

int
main(int argc, char **argv)
{
	struct tttd_error e = { 0 };
	struct tttd_local_opts lo;
	struct tttd_task *task = NULL;
	struct emitter em = { 0 };
	const char *method = "climb";
	struct tool_common com = { 0 };
	long used;
	int c;

	diag_init("tttd-localsearch", SYNOPSIS);
	tttd_local_opts_default(&lo);
	while ((c = tool_getopt(&topts, argc, argv, &com)) != -1) {
		switch (c) {
		case OPT_BUDGET:
			lo.budget = (size_t)opt_long(optarg, "--budget", 1, 100000000);
			break;
		case OPT_METHOD:
			if (tttd_local_method_parse(optarg, &lo.method) < 0)
				usage_die("--method: '%s' is not climb or anneal", optarg);
			method = optarg;
			break;
		case OPT_SEED:
			lo.seed = (uint64_t)opt_long(optarg, "--seed", 0, INT64_MAX);
			break;
		case OPT_T0:
			lo.t0 = opt_double(optarg, "--t0", 1e-9, 1e6);
			break;
		case OPT_T1:
			lo.t1 = opt_double(optarg, "--t1", 1e-9, 1e6);
			break;
		}
	}
	if (argc - optind != 1)
		usage_die(argc - optind ? "one task only" : "a task is required");
	if (tttd_task_load(&task, argv[optind], &e) < 0)
		die_err(&e);
	if (!tttd_target_of(task)->evaluate)
		die("task '%s': a local search runs on a model task only (its times are measured: "
		    "use tttd-discover)",
		    task->name);
	if (tttd_writer_open(&em.w, com.output, com.wflags, &e) < 0)
		die_err(&e);
	em.task = task;
	em.method = method;
	em.seed = lo.seed;
	tttd_rec_init(&em.r);
	used = tttd_local_search(task, &lo, evaluate, &em, &e);
	if (used < 0)
		die_err(&e);
	if (tttd_writer_close(em.w, &e) < 0)
		die_err(&e);
	note(1, "task '%s': %s, %ld evaluations", task->name, method, used);
	tttd_rec_release(&em.r);
	tttd_task_free(task);
	close_stdout();
	return 0;
}
