/* localsearch.c - simulated annealing and random-restart hill climbing; see localsearch.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "choiceset.h"
#include "localsearch.h"
#include "rng.h"
#include "task.h"
#include "tttd.h"

int
tttd_local_method_parse(const char *name, enum tttd_local_method *m)
{
	if (strcmp(name, "climb") == 0)
		*m = TTTD_LOCAL_CLIMB;
	else if (strcmp(name, "anneal") == 0)
		*m = TTTD_LOCAL_ANNEAL;
	else
		return -1;
	return 0;
}

void
tttd_local_opts_default(struct tttd_local_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->method = TTTD_LOCAL_CLIMB;
	o->budget = 512;
	o->t0 = 0.05;
	o->t1 = 0.002;
}

struct search {
	const struct tttd_task *t;
	const struct tttd_local_opts *o;
	tttd_local_eval_fn eval;
	void *arg;
	struct tttd_error *e;
	struct tttd_rng rng;
	struct tttd_choiceset memo; /* every choice evaluated, and its time */
	long used;                  /* evaluations so far */
	int *ok;                    /* scratch: feasible options */
	int *nb;                    /* scratch: neighbour list, (decision, option) pairs */
	size_t nbcap;
};

/* Draw as tttd-generate --uniform does; @return 1, or 0 after 64 dead ends. */
static int
draw_uniform(struct search *s, int *c)
{
	const struct tttd_task *t = s->t;
	int tries;

	for (tries = 0; tries < 64; tries++) {
		size_t d, o, n = 0;

		for (d = 0; d < t->ndec; d++) {
			for (n = 0, o = 0; o < t->dec[d].nopt; o++) {
				c[d] = (int)o;
				if (tttd_task_feasible(t, c, d + 1))
					s->ok[n++] = (int)o;
			}
			if (n == 0)
				break;
			c[d] = s->ok[tttd_rng_below(&s->rng, n)];
		}
		if (d == t->ndec)
			return 1;
	}
	return 0;
}

/*
 * The time of c: from memory, or one evaluation.  *fresh = 1 when it was
 * evaluated now.  @return the time (0 = failing), or < 0 on the callee's
 * error.
 */
static double
value_of(struct search *s, const int *c, int *fresh)
{
	long k = tttd_choiceset_find(&s->memo, c);
	double v;

	*fresh = 0;
	if (k >= 0)
		return s->memo.value[k];
	v = s->eval(c, s->arg, s->e);
	if (v < 0)
		return v;
	tttd_choiceset_put(&s->memo, c, v);
	s->used++;
	*fresh = 1;
	return v;
}

/* Every feasible one-decision move of c, as (decision, option) pairs; @return their count. */
static size_t
neighbours(struct search *s, int *c)
{
	const struct tttd_task *t = s->t;
	size_t d, o, n = 0;

	for (d = 0; d < t->ndec; d++) {
		int keep = c[d];

		for (o = 0; o < t->dec[d].nopt; o++) {
			if ((int)o == keep)
				continue;
			c[d] = (int)o;
			if (tttd_task_feasible(t, c, t->ndec)) {
				if (2 * (n + 1) > s->nbcap) {
					s->nbcap = 2 * (n + 1) + 64;
					s->nb = xrealloc(s->nb, s->nbcap * sizeof(int));
				}
				s->nb[2 * n] = (int)d;
				s->nb[2 * n + 1] = (int)o;
				n++;
			}
		}
		c[d] = keep;
	}
	return n;
}

/* The time of a fresh uniform draw into c (from memory when known). */
static double
restart(struct search *s, int *c, int *fresh)
{
	if (!draw_uniform(s, c)) {
		tttd_error_set(s->e, TTTD_EFORMAT, "task '%s': no feasible choice found in 64 draws",
			       s->t->name);
		return -1;
	}
	return value_of(s, c, fresh);
}

static int
faster(double a, double b) /* a beats b; 0 = failing, beaten by anything */
{
	return a > 0 && (b <= 0 || a < b);
}

static long
climb(struct search *s, int *cur, int *cand)
{
	const struct tttd_task *t = s->t;
	double vcur;
	int fresh;
	uint64_t stale = 0; /* restarts in a row that found nothing new */

	vcur = restart(s, cur, &fresh);
	if (vcur < 0)
		return -1;
	while (s->used < (long)s->o->budget) {
		size_t n = neighbours(s, cur), i;
		int moved = 0;

		/* a random order of the neighbourhood (Fisher-Yates over the pairs) */
		for (i = n; i > 1; i--) {
			size_t j = tttd_rng_below(&s->rng, i);
			int d = s->nb[2 * (i - 1)], o = s->nb[2 * (i - 1) + 1];

			s->nb[2 * (i - 1)] = s->nb[2 * j];
			s->nb[2 * (i - 1) + 1] = s->nb[2 * j + 1];
			s->nb[2 * j] = d;
			s->nb[2 * j + 1] = o;
		}
		for (i = 0; i < n && s->used < (long)s->o->budget; i++) {
			double v;

			memcpy(cand, cur, t->ndec * sizeof(int));
			cand[s->nb[2 * i]] = s->nb[2 * i + 1];
			v = value_of(s, cand, &fresh);
			if (v < 0)
				return -1;
			if (faster(v, vcur)) {
				memcpy(cur, cand, t->ndec * sizeof(int));
				vcur = v;
				moved = 1;
				break;
			}
		}
		if (moved || s->used >= (long)s->o->budget)
			continue;
		/* a local optimum: start again somewhere new */
		do {
			vcur = restart(s, cur, &fresh);
			if (vcur < 0)
				return -1;
		} while (!fresh && ++stale < 100000);
		if (!fresh)
			break; /* the whole space seems known */
		stale = 0;
	}
	return s->used;
}

static long
anneal(struct search *s, int *cur, int *cand)
{
	const struct tttd_task *t = s->t;
	const struct tttd_local_opts *o = s->o;
	double vcur;
	int fresh;
	uint64_t idle = 0; /* proposals in a row that were known already */

	vcur = restart(s, cur, &fresh);
	if (vcur < 0)
		return -1;
	while (s->used < (long)o->budget) {
		size_t n = neighbours(s, cur), i;
		double v, temp, frac;

		if (n == 0) {
			vcur = restart(s, cur, &fresh);
			if (vcur < 0)
				return -1;
			continue;
		}
		i = tttd_rng_below(&s->rng, n);
		memcpy(cand, cur, t->ndec * sizeof(int));
		cand[s->nb[2 * i]] = s->nb[2 * i + 1];
		v = value_of(s, cand, &fresh);
		if (v < 0)
			return -1;
		if (!fresh && ++idle > 100000)
			break;
		if (fresh)
			idle = 0;
		frac = o->budget > 1 ? (double)s->used / (double)(o->budget - 1) : 1;
		temp = o->t0 * pow(o->t1 / o->t0, frac > 1 ? 1 : frac);
		if (v <= 0)
			continue; /* never into a failing choice */
		if (faster(v, vcur) || vcur <= 0 ||
		    tttd_rng_uniform(&s->rng) < exp(-(v / vcur - 1) / temp)) {
			memcpy(cur, cand, t->ndec * sizeof(int));
			vcur = v;
		}
	}
	return s->used;
}

long
tttd_local_search(const struct tttd_task *t, const struct tttd_local_opts *o,
		  tttd_local_eval_fn eval, void *arg, struct tttd_error *e)
{
	struct search s = { t, o, eval, arg, e, { { 0 } }, { 0 }, 0, NULL, NULL, 0 };
	int *cur = xmalloc((t->ndec + 1) * sizeof(int));
	int *cand = xmalloc((t->ndec + 1) * sizeof(int));
	size_t d, maxopt = 1;
	long r;

	for (d = 0; d < t->ndec; d++)
		if (t->dec[d].nopt > maxopt)
			maxopt = t->dec[d].nopt;
	s.ok = xmalloc(maxopt * sizeof(int));
	tttd_rng_seed2(&s.rng, o->seed, 0x6c6f63616cull); /* "local" */
	tttd_choiceset_init(&s.memo, t->ndec);
	r = o->method == TTTD_LOCAL_ANNEAL ? anneal(&s, cur, cand) : climb(&s, cur, cand);
	if (r < 0)
		r = e && e->code < 0 ? e->code : tttd_error_set(e, TTTD_EIO, "evaluation failed");
	tttd_choiceset_free(&s.memo);
	free(s.ok);
	free(s.nb);
	free(cur);
	free(cand);
	return r;
}
