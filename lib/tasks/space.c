/*
 * space.c - enumerate a task's decision space depth first, in task order,
 * pruning a prefix as soon as a constraint it can decide fails (the same
 * partial check the policies mask with), and carry along the probability
 * that tttd-generate --uniform draws each prefix.  Two passes over a model
 * task: the first finds the optimum, the second counts what lies within
 * the target of it; the times are not stored, so memory does not grow with
 * the space.  See space.h for what "uniform" means here.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "space.h"
#include "target.h" /* defines: tttd_target_of */

double
tttd_space_model_time(const struct tttd_task *t, const int *choice)
{
	double lt = 0;
	size_t i;

	for (i = 0; i < t->nbench; i++) {
		double c = tttd_task_model_cost(t, &t->bench[i], choice);

		if (c <= 0)
			return 0;
		lt += log(c);
	}
	/* as model.c: the geometric mean of the shapes' times */
	return t->nbench ? exp(lt / (double)t->nbench) : 0;
}

double
tttd_space_geometric_median(double p)
{
	if (!(p > 0))
		return INFINITY;
	if (p >= 1)
		return 1;
	/* log1p keeps a tiny p (one point in millions) exact */
	return ceil(log(2) / -log1p(-p));
}

struct walk {
	const struct tttd_task *t;
	int *choice;
	unsigned char *feas; /* [d * maxopt + o]: option o of decision d is feasible after choice[0..d) */
	size_t maxopt;
	uint64_t visited, max;
	int pass;     /* 1: find the optimum; 2: count within the limit */
	double limit; /* pass 2 */
	double feasible, ok, best, within;
	double mass, mass_within;                /* draw probability of complete choices, of hits */
	int (*fn)(const int *choice, void *arg); /* tttd_space_each: called on every full choice */
	void *arg;
};

/*
 * Visit the prefix choice[0..d) drawn with probability m.  @return -1 when
 * over the limit, -2 when w->fn stopped the walk.
 */
static int
walk(struct walk *w, size_t d, double m)
{
	const struct tttd_task *t = w->t;
	unsigned char *feas = w->feas + d * w->maxopt;
	size_t o, nf = 0;

	if (++w->visited > w->max)
		return -1;
	if (d == t->ndec && w->fn)
		return w->fn(w->choice, w->arg) < 0 ? -2 : 0;
	if (d == t->ndec) {
		double tm = tttd_space_model_time(t, w->choice);

		w->feasible++;
		w->mass += m;
		if (tm > 0) {
			w->ok++;
			if (w->pass == 1 && (w->best == 0 || tm < w->best))
				w->best = tm;
			if (w->pass == 2 && tm <= w->limit) {
				w->within++;
				w->mass_within += m;
			}
		}
		return 0;
	}
	/* the sampler picks uniformly among the feasible options of decision d */
	for (o = 0; o < t->dec[d].nopt; o++) {
		w->choice[d] = (int)o;
		feas[o] = tttd_task_feasible(t, w->choice, d + 1) != 0;
		nf += feas[o];
	}
	for (o = 0; o < t->dec[d].nopt && nf; o++) {
		w->choice[d] = (int)o;
		if (feas[o]) {
			int r = walk(w, d + 1, m / (double)nf);

			if (r < 0)
				return r;
		}
	}
	/* a dead end (nf == 0) loses its mass: the sampler restarts, which renormalises */
	w->choice[d] = -1;
	return 0;
}

/* A walk over t's feasible choices with every bookkeeping field zero. */
static void
walk_init(struct walk *w, const struct tttd_task *t, uint64_t max_choices)
{
	size_t d;

	memset(w, 0, sizeof(*w));
	w->t = t;
	w->max = max_choices;
	w->choice = xmalloc((t->ndec + 1) * sizeof(int));
	for (d = 0; d < t->ndec; d++) {
		w->choice[d] = -1;
		if (t->dec[d].nopt > w->maxopt)
			w->maxopt = t->dec[d].nopt;
	}
	w->feas = xmalloc(t->ndec * w->maxopt + 1);
}

int
tttd_space_each(const struct tttd_task *t, uint64_t max_choices,
		int (*fn)(const int *choice, void *arg), void *arg, struct tttd_error *e)
{
	struct walk w;
	int r;

	walk_init(&w, t, max_choices);
	w.fn = fn;
	w.arg = arg;
	r = walk(&w, 0, 1);
	free(w.choice);
	free(w.feas);
	if (r == -1)
		return tttd_error_set(e, TTTD_EINVAL, "task '%s': more than %llu choices to enumerate",
				      t->name, (unsigned long long)max_choices);
	return r < 0 ? TTTD_EIO : TTTD_OK;
}

int
tttd_space_model_stats(const struct tttd_task *t, double rel, uint64_t max_choices,
		       struct tttd_space_stats *st, struct tttd_error *e)
{
	struct walk w;
	int rc = TTTD_OK;

	TTTD_RETURN_IF(!tttd_target_of(t) || !tttd_target_of(t)->evaluate, e, TTTD_EINVAL,
		       "task '%s' is not a model task (its times are measured, not known)",
		       t->name);
	TTTD_RETURN_IF(!(rel >= 0), e, TTTD_EINVAL, "the distance to the optimum must be >= 0");
	walk_init(&w, t, max_choices);
	w.pass = 1;
	if (walk(&w, 0, 1) < 0)
		goto big;
	w.limit = w.best * (1 + rel);
	w.feasible = w.ok = w.mass = 0;
	w.visited = 0;
	w.pass = 2;
	walk(&w, 0, 1); /* the same walk: it fits */
	memset(st, 0, sizeof(*st));
	st->feasible = w.feasible;
	st->ok = w.ok;
	st->best_ns = w.best;
	st->limit_ns = w.limit;
	st->within = w.within;
	st->p = w.mass > 0 ? w.mass_within / w.mass : 0;
	st->median = tttd_space_geometric_median(st->p);
	st->mean = st->p > 0 ? 1 / st->p : INFINITY;
	goto out;
big:
	rc = tttd_error_set(e, TTTD_EINVAL, "task '%s': more than %llu choices to enumerate",
			    t->name, (unsigned long long)max_choices);
out:
	free(w.choice);
	free(w.feas);
	return rc;
}
