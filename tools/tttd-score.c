/*
 * tttd-score - turn a step's benchmarked candidates into rewards and
 * per-group advantages for training.  Wiring only: the estimators live in
 * lib/search/entropic.c.
 *
 * reward = scale / time in microseconds for status "ok", 0 for anything
 * else (TTT-Discover 4.1), or with --objective baseline scale * baseline_ratio
 * (candidate.h says why); the group is the record's "group" key.  The whole
 * input is buffered, because a group is complete only at the end of the
 * input; records go out in input order, and records of other kinds pass
 * through untouched.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candidate.h" /* defines: tttd_cand_read */
#include "diag.h"
#include "entropic.h" /* defines: tttd_advantages_batch, TTTD_ADVANTAGE_MAX */
#include "opt.h"
#include "rec.h"
#include "schema.h" /* defines: tttd_rec_stamp */
#include "stream.h" /* defines: tttd_reader_*, tttd_writer_* */
#include "task.h"   /* defines: tttd_task_load (for the reward scale) */

#define SYNOPSIS                                                                                  \
	"tttd-score [-fhqVz] [-o file] [--estimator entropic|mean] [--objective time|baseline]\n" \
	"                  [--task name] [--scale x] [file ...]"
#define DEFAULT_SCALE 1000.0

static struct tool_common com; /* -f, -o, -z */
static const char *opt_task;
static double opt_scale = NAN;
static enum tttd_estimator opt_est = TTTD_EST_ENTROPIC;
static enum tttd_objective opt_obj = TTTD_OBJ_TIME;

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s\n", SYNOPSIS);
	fputs("Set reward, group advantage, beta and dropped on benchmarked candidates.\n"
	      "\n"
	      "  -f, --force            read or write binary records on a terminal\n"
	      "  -h, --help             print this help and exit\n"
	      "  -o, --output FILE      write to FILE (FILE.tmp, renamed when done)\n"
	      "  -q, --quiet            print errors only\n"
	      "  -V, --version          print the version and exit\n"
	      "  -z, --zstd             compress the output (implied by -o x.zst)\n"
	      "      --estimator NAME   entropic (adaptive beta, the default) or mean\n"
	      "      --objective O      what the reward rewards: time (default), or\n"
	      "                         baseline, the speed-up over the task's baseline\n"
	      "                         (baseline_ratio, from tttd-bench --paired)\n"
	      "      --scale X          reward = X / time in microseconds (default: the\n"
	      "                         task's reward scale, else 1000), or with the\n"
	      "                         baseline objective X * baseline_ratio (default 1)\n"
	      "      --task NAME        task for the reward scale (default: each record's)\n"
	      "\n"
	      "Candidates with status \"ok\" get reward X / (time_ns / 1000), others 0.\n"
	      "A group whose rewards are all equal is dropped (no advantage, no beta)\n"
	      "unless every group is.  Other records pass through unchanged.  With no\n"
	      "file, or when file is -, read standard input.\n"
	      "Exit status: 0 success, 1 bad input or I/O error, 2 usage.\n",
	      f);
}

/* The reward scale of a task, loaded once per name (small cache). */
static double
task_scale(const char *name)
{
	static char *names[16];
	static double scales[16];
	static size_t n;
	struct tttd_task *t = NULL;
	double s = DEFAULT_SCALE;

	if (!isnan(opt_scale))
		return opt_scale;
	if (!name)
		return DEFAULT_SCALE;
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return scales[i];
	/* A task that does not load (not installed here) keeps the default scale. */
	if (tttd_task_load(&t, name, NULL) == TTTD_OK && t->reward_scale > 0)
		s = t->reward_scale;
	tttd_task_free(t);
	if (n < 16) {
		names[n] = xstrdup(name);
		scales[n++] = s;
	}
	return s;
}

struct cand {
	size_t rec; /* index in the record array */
	char *group;
	size_t label; /* dense group label */
	double reward;
};

static int
cmp_group(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c = strcmp(x->group, y->group);

	return c ? c : (x->rec > y->rec) - (x->rec < y->rec);
}

static int
cmp_rec(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	return (x->rec > y->rec) - (x->rec < y->rec);
}

/* Read every record of every input into *recs. */
static size_t
read_all(int nin, char **in, struct tttd_rec **recs)
{
	size_t n = 0, cap = 0;

	for (int i = 0; i < (nin ? nin : 1); i++) {
		struct tttd_reader *rd;
		struct tttd_error e;
		int rc;

		if (tttd_reader_open(&rd, nin ? in[i] : NULL, com.force, &e) < 0)
			die_err(&e);
		for (;;) {
			XGROW(*recs, cap, n + 1);
			tttd_rec_init(&(*recs)[n]);
			if ((rc = tttd_reader_next(rd, &(*recs)[n], &e)) <= 0)
				break;
			n++;
		}
		tttd_rec_release(&(*recs)[n]);
		if (rc < 0)
			die_err(&e);
		tttd_reader_free(rd);
	}
	return n;
}

/* Reward of candidate c (record i); dies on a record missing what it needs. */
static double
reward_of(const struct tttd_cand *c, size_t i)
{
	double cost, s;
	char why[200];

	if (!(c->has & TTTD_CAND_STATUS))
		die("record %zu: missing or non-string 'status'", i);
	if (tttd_cand_cost(c, opt_obj, &cost, why, sizeof(why)) < 0)
		die("record %zu: %s", i, why);
	if (c->st != TTTD_ST_OK)
		return 0;
	if (!opt_task && c->bad & TTTD_CAND_TASK)
		die("record %zu: 'task' is not a string", i);
	/* (the baseline objective's reward is the speed-up itself: no task scale) */
	s = opt_obj == TTTD_OBJ_BASELINE ? (isnan(opt_scale) ? 1 : opt_scale)
					 : task_scale(opt_task ? opt_task : c->task);
	if (!isfinite(s / cost))
		die("record %zu: '%s' %g gives a reward that is not finite", i,
		    opt_obj == TTTD_OBJ_BASELINE ? "baseline_ratio" : "time_ns",
		    opt_obj == TTTD_OBJ_BASELINE ? c->baseline_ratio : c->time_ns);
	return s / cost;
}

int
main(int argc, char **argv)
{
	/* clang-format off */
	enum { OPT_ESTIMATOR = 256, OPT_OBJECTIVE, OPT_SCALE, OPT_TASK };
	/* clang-format on */
	static const struct option longopts[] = {
		{ "estimator", required_argument, NULL, OPT_ESTIMATOR },
		{ "objective", required_argument, NULL, OPT_OBJECTIVE },
		{ "scale", required_argument, NULL, OPT_SCALE },
		{ "task", required_argument, NULL, OPT_TASK },
		{ NULL, 0, NULL, 0 },
	};
	static const struct tool_opts topts = {
		.usage = usage,
		.common = TOOL_FORCE | TOOL_OUTPUT | TOOL_ZSTD,
		.shortopts = "",
		.longopts = longopts,
	};
	static const char *const estimators[] = { "entropic", "mean", NULL };
	struct tttd_rec *recs = NULL;
	struct cand *cand = NULL;
	size_t nrec, ncand = 0, ccap = 0, ngroups = 0, ndropped = 0, *label;
	double *reward, *adv, *beta;
	unsigned char *dropped;
	struct tttd_writer *w;
	struct tttd_error e;
	int c, kept;

	diag_init("tttd-score", SYNOPSIS);
	while ((c = tool_getopt(&topts, argc, argv, &com)) != -1) {
		switch (c) {
		case OPT_ESTIMATOR:
			opt_est = opt_choice(optarg, "--estimator", estimators) == 0 ? TTTD_EST_ENTROPIC
										     : TTTD_EST_MEAN;
			break;
		case OPT_OBJECTIVE:
			opt_obj = (enum tttd_objective)opt_choice(optarg, "--objective", tttd_objective_names);
			break;
		case OPT_SCALE: opt_scale = opt_double(optarg, "--scale", 1e-300, 1e300); break;
		case OPT_TASK: opt_task = optarg; break;
		}
	}

	nrec = read_all(argc - optind, argv + optind, &recs);
	for (size_t i = 0; i < nrec; i++) {
		struct tttd_cand v;

		tttd_cand_read(&v, &recs[i]);
		if (!v.candidate) {
			tttd_cand_release(&v);
			continue;
		}
		XGROW(cand, ccap, ncand + 1);
		cand[ncand].rec = i;
		if (!v.group)
			die("record %zu: candidate without a string 'group'", i);
		cand[ncand].group = v.group;
		v.group = NULL; /* cand owns it */
		cand[ncand].reward = reward_of(&v, i);
		tttd_cand_release(&v);
		ncand++;
	}

	/*
	 * Dense group labels: sort by group name and give each run a label,
	 * then back to input order, so that "the first group" (kept when all
	 * are constant) is the first candidate's.
	 */
	qsort(cand, ncand, sizeof(*cand), cmp_group);
	for (size_t i = 0; i < ncand; i++) {
		if (i > 0 && strcmp(cand[i].group, cand[i - 1].group) != 0)
			ngroups++;
		cand[i].label = ngroups;
	}
	if (ncand)
		ngroups++;
	qsort(cand, ncand, sizeof(*cand), cmp_rec);
	label = xmalloc((ncand ? ncand : 1) * sizeof(*label));
	reward = xmalloc((ncand ? ncand : 1) * sizeof(*reward));
	adv = xmalloc((ncand ? ncand : 1) * sizeof(*adv));
	beta = xmalloc((ncand ? ncand : 1) * sizeof(*beta));
	dropped = xmalloc(ncand ? ncand : 1);
	for (size_t i = 0; i < ncand; i++) {
		label[i] = cand[i].label;
		reward[i] = cand[i].reward;
		free(cand[i].group);
	}

	kept = tttd_advantages_batch(reward, label, ncand, ngroups, opt_est, adv, beta, dropped, &e);
	if (kept < 0)
		die_err(&e);
	/* Never write an advantage tttd-train would refuse: say which record made it. */
	for (size_t i = 0; i < ncand; i++)
		if (!dropped[i] && (!isfinite(adv[i]) || fabs(adv[i]) > TTTD_ADVANTAGE_MAX))
			die("record %zu: advantage %g is out of range (at most %g in magnitude; "
			    "reward %g)",
			    cand[i].rec, adv[i], TTTD_ADVANTAGE_MAX, reward[i]);

	for (size_t i = 0; i < ncand; i++) {
		struct tttd_rec *r = &recs[cand[i].rec];

		tttd_rec_set_double(r, "reward", reward[i]);
		/* A re-scored record must not keep a stale advantage. */
		tttd_rec_del(r, "advantage");
		tttd_rec_del(r, "beta");
		if (!dropped[i]) {
			tttd_rec_set_double(r, "advantage", adv[i]);
			if (!isnan(beta[i]))
				tttd_rec_set_double(r, "beta", beta[i]);
		} else {
			ndropped++;
		}
		tttd_rec_set_bool(r, "dropped", dropped[i]);
		tttd_rec_stamp(r, "tttd-score");
	}

	if (tttd_writer_open(&w, com.output, com.wflags, &e) < 0)
		die_err(&e);
	for (size_t i = 0; i < nrec; i++)
		if (tttd_writer_write(w, &recs[i], &e) < 0) {
			tttd_writer_abort(w);
			die_err(&e);
		}
	if (tttd_writer_close(w, &e) < 0)
		die_err(&e);
	note(1, "scored %zu candidates in %zu groups, dropped %zu (%zu candidates)", ncand,
	     ngroups, ngroups - (size_t)kept, ndropped);

	for (size_t i = 0; i < nrec; i++)
		tttd_rec_release(&recs[i]);
	free(recs);
	free(cand);
	free(label);
	free(reward);
	free(adv);
	free(beta);
	free(dropped);
	close_stdout();
	return 0;
}
