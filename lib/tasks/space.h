/*
 * space.h - exact facts about a task's decision space, by enumerating every
 * choice: how many are feasible, and for a "model" task (whose time is an
 * expression, model.h) the exact optimum and how likely one uniform draw is
 * to land within a given distance of it.
 *
 * It exists so that the ablation benchmark (bench/ablation.sh) can give
 * uniform random search's evaluations-to-target exactly instead of
 * censoring it at the budget: draws are independent, so the number of
 * evaluations until the first hit is geometric.
 *
 * "Uniform" means what tttd-generate --uniform draws: each decision in task
 * order uniformly among the options that keep the partial choice feasible,
 * restarting at a dead end.  Without constraints that is uniform over all
 * choices; with constraints it is not, and the probability here is the
 * sampler's, computed exactly.  It does not sample, run or print anything.
 */
#ifndef TTTD_SPACE_H
#define TTTD_SPACE_H

#include <stddef.h>
#include <stdint.h>

#include "task.h"
#include "tttd.h"

struct tttd_space_stats {
	double feasible; /* full choices that satisfy every constraint */
	double ok;       /* of them, with a positive model cost at every bench shape */
	double best_ns;  /* the least model time among them (0 if none is ok) */
	double limit_ns; /* the target: best_ns * (1 + rel) */
	double within;   /* ok choices with time <= limit_ns */
	double p;        /* probability that one uniform draw is within */
	double median;   /* median draws to the first hit, ceil(ln 2 / -ln(1 - p)); INFINITY if p = 0 */
	double mean;     /* mean draws to the first hit, 1 / p; INFINITY if p = 0 */
};

/*
 * The model time of a full choice: the geometric mean over t's bench shapes
 * of the model cost (expression or table), as tttd-bench reports it for a
 * model task.
 * @return the time in ns, or 0 when the cost is not positive at some shape
 * (the model's way to mark a failing configuration).
 */
double tttd_space_model_time(const struct tttd_task *t, const int *choice);

/*
 * Enumerate every feasible choice of model task t (borrowed) and fill *st
 * for the target "within rel of the optimum" (rel = 0.01 for 1%).  At most
 * max_choices partial or full choices are visited.
 * @return TTTD_OK; TTTD_EINVAL when t is not a model task, rel < 0, or the
 * space is larger than max_choices (the message says so; nothing is filled).
 */
int tttd_space_model_stats(const struct tttd_task *t, double rel, uint64_t max_choices,
			   struct tttd_space_stats *st, struct tttd_error *e);

/*
 * Call fn(choice, arg) on every feasible full choice of t (any target), in
 * task order: the last decision's option varies fastest.  At most
 * max_choices partial or full choices are visited.
 * @return TTTD_OK; TTTD_EINVAL when the space is larger than max_choices
 * (the message says so, after fn has seen the first ones); TTTD_EIO when fn
 * returned < 0 (fn sets its own error).
 */
int tttd_space_each(const struct tttd_task *t, uint64_t max_choices,
		    int (*fn)(const int *choice, void *arg), void *arg, struct tttd_error *e);

/* The median of a geometric distribution with success probability p: ceil(ln 2 / -ln(1 - p)). */
double tttd_space_geometric_median(double p);

#endif
