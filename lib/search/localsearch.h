/*
 * localsearch.h - two classic searches over a task's decision space, the
 * sequential baselines that bench/ablation.sh compares test-time training
 * with: simulated annealing and random-restart hill climbing.
 *
 * The neighbourhood of a choice is every feasible choice that differs in
 * exactly one decision.  Both searches ask an evaluation function for the
 * time of one choice at a time (0 = a failing choice) and remember every
 * answer, so they never ask for a choice twice: a revisit reads the memory,
 * as any tuner with a results cache would, and costs nothing.
 *
 *   climb   start at a uniformly drawn feasible choice; evaluate its
 *           neighbours in random order and move to the first one that is
 *           faster (first improvement); at a local optimum (every neighbour
 *           known and none faster) restart from a new uniform draw.
 *   anneal  start at a uniform draw; propose a uniformly drawn neighbour;
 *           accept it if faster, else with probability exp(-r / T), where r
 *           is its relative slowdown (t_new / t_cur - 1) and T falls
 *           geometrically from t0 to t1 over the budget of evaluations;
 *           a failing choice is never accepted.
 *
 * Uniform draws are those of tttd-generate --uniform (each decision in task
 * order among the options that keep the partial choice feasible).  The
 * module runs nothing itself and never prints.
 */
#ifndef TTTD_LOCALSEARCH_H
#define TTTD_LOCALSEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "task.h"
#include "tttd.h"

enum tttd_local_method {
	TTTD_LOCAL_CLIMB,
	TTTD_LOCAL_ANNEAL,
};

/* "climb", "anneal" -> method.  @return 0, or -1 for another name. */
int tttd_local_method_parse(const char *name, enum tttd_local_method *m);

struct tttd_local_opts {
	enum tttd_local_method method;
	size_t budget; /* evaluations */
	uint64_t seed;
	double t0, t1; /* anneal: first and last temperature (relative slowdown) */
};

/* budget 512, seed 0, t0 0.05, t1 0.002 (a 5% slowdown is accepted with p = 1/e at first). */
void tttd_local_opts_default(struct tttd_local_opts *o);

/*
 * The evaluation: the time in ns of choice (t->ndec option indices), 0 for
 * a failing choice, < 0 to stop the search with an error (the callee sets
 * it in e).
 */
typedef double (*tttd_local_eval_fn)(const int *choice, void *arg, struct tttd_error *e);

/*
 * Run the search until o->budget evaluations (fewer only when the whole
 * space is known, or when annealing has settled where every neighbour is
 * known and 100000 proposals in a row found nothing new).  @return the number of evaluations made, or
 * TTTD_EFORMAT when no feasible choice is found, or the evaluation's error.
 */
long tttd_local_search(const struct tttd_task *t, const struct tttd_local_opts *o,
		       tttd_local_eval_fn eval, void *arg, struct tttd_error *e);

#endif
