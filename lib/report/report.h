/*
 * report.h - how a run went, for people (tttd-report).
 *
 * tttd_run_load reads a run directory: its config, every complete step file
 * (steps/NNNNNN.mp, in order; their concatenation is the archive), and the
 * best kernel confirmed by the final A/B re-measurement (best/record.json)
 * with the A/B's other candidates (best/confirm.jsonl), if any.  Evaluations are numbered 1, 2, ... in archive order, every
 * candidate counting, failures included (as bench/ablation.sh counts them).
 *
 * The run's reference time is the one its speed-ups are against: the first
 * benchmarked candidate's ref_ns (tttd-discover measures the reference once,
 * in its first step, and hands that time to every later step's tttd-bench).
 *
 * The writers render what was loaded: summary.json (per step: evaluated,
 * failures by kind, best so far and where it was found), an SVG of the best
 * time so far against evaluations, an HTML page with both, the best kernel's
 * per-shape table and source, and the best kernel's report.md with the
 * machine (env.h).  They write to a FILE and never print anything else.
 */
#ifndef TTTD_REPORT_H
#define TTTD_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "candidate.h"
#include "env.h"
#include "rec.h"
#include "tttd.h"

/* How many candidates ended in one status ("wrong", "compile_error", ...). */
struct tttd_status_count {
	char *status;
	size_t n;
};

struct tttd_run_step {
	long step;                      /* from the file name */
	size_t first_eval;              /* evaluation number of its first candidate (1-based) */
	size_t evaluated, ok;           /* candidates in this step, and those with status ok */
	struct tttd_status_count *fail; /* failures by status, in order of first appearance */
	size_t nfail;
	double best_ns;          /* best ok time of this step; 0 if none */
	double best_so_far_ns;   /* best ok time of the run up to this step; 0 if none */
	size_t best_so_far_eval; /* the evaluation that found it (0: none) */
	long best_so_far_step;
};

/*
 * One candidate of the final A/B (best/confirm.jsonl): the search's fastest
 * few, each re-measured right after the reference, with what the search had
 * measured for it.
 */
struct tttd_run_ab {
	char *id, *status;
	double time_ns, ref_ns, speedup; /* the A/B re-measurement (0: failed) */
	double search_ns;                /* its time when the search measured it (0: not in the archive) */
	size_t eval;                     /* its evaluation number in the archive (0: not there) */
	long step;
};

struct tttd_run {
	char *dir;
	char *task;    /* from config, else the first candidate's */
	char *config;  /* the config file, as it is (NULL if none) */
	char *device;  /* the first benchmarked candidate's device */
	double ref_ns; /* the run's reference time (0: none benchmarked yet) */
	struct tttd_run_step *steps;
	size_t nsteps;
	double *eval_ns; /* per evaluation: the ok time, or 0 for a failure */
	size_t neval;
	char **ids; /* per evaluation: the candidate's id */
	size_t nids;
	size_t nok;
	struct tttd_status_count *fail; /* over the whole run */
	size_t nfail;
	struct tttd_rec best;   /* the archive's fastest ok candidate (empty if none) */
	struct tttd_cand bestv; /* its view */
	size_t best_eval;       /* its evaluation number (0: none) */
	long best_step;
	struct tttd_rec confirmed;   /* best/record.json (empty if none) */
	struct tttd_cand confirmedv; /* its view */
	int have_confirmed;
	struct tttd_run_ab *ab; /* best/confirm.jsonl, in its order */
	size_t nab;
	size_t confirmed_ab; /* index in ab of the confirmed best + 1 (0: none) */
};

/*
 * Load run directory dir.  A damaged step file is an error naming it (the
 * archive must be whole to be summarised; tttd-discover repairs runs).
 * @return TTTD_OK, TTTD_ENOENT (no such directory, or no config and no step),
 * TTTD_EFORMAT (a damaged step file or best/record.json), TTTD_EIO.
 */
int tttd_run_load(struct tttd_run **out, const char *dir, struct tttd_error *e);
/* Free; accepts NULL. */
void tttd_run_free(struct tttd_run *run);

/* summary.json: one JSON object (docs/internals.md, "Run reports"). */
int tttd_report_summary(const struct tttd_run *run, const struct tttd_env *env, FILE *f,
			struct tttd_error *e);
/* The best time so far against evaluations, as a standalone SVG 1.1 document. */
void tttd_report_svg(const struct tttd_run *run, FILE *f);
/* A self-contained HTML page: the summary, the SVG inline, the best kernel. */
void tttd_report_html(const struct tttd_run *run, const struct tttd_env *env, FILE *f);
/* The best kernel's report.md (the confirmed best; the archive's best if there is none). */
void tttd_report_md(const struct tttd_run *run, const struct tttd_env *env, FILE *f);

/*
 * Write summary.json, best-so-far.svg and report.html into dir, and
 * report.md into dir/best when the run has a confirmed best, each as
 * name.tmp renamed into place.  @return TTTD_OK or TTTD_EIO naming the file.
 */
int tttd_report_write(const struct tttd_run *run, const struct tttd_env *env, const char *dir,
		      struct tttd_error *e);

#endif
