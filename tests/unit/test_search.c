/*
 * Unit tests of the search modules of issue 16: choiceset.h (a set of
 * choices that grows), surrogate.h (the Gaussian-process value model fits
 * what it saw and prefers the better of two unseen choices on a smooth
 * landscape) and localsearch.h (hill climbing and annealing on the model
 * task tests/data/tasks/synthetic: every evaluation counted, none asked
 * twice, the optimum found).
 */
#include <stdlib.h>
#include <string.h>

#include "choiceset.h"
#include "localsearch.h"
#include "space.h"
#include "surrogate.h"
#include "task.h"
#include "test.h"

static void
test_choiceset(void)
{
	struct tttd_choiceset s;
	int c[3], i, ok = 1;

	tttd_choiceset_init(&s, 3);
	T_CHECK("empty set finds nothing", tttd_choiceset_find(&s, (int[]){ 1, 2, 3 }) == -1);
	for (i = 0; i < 1000; i++) {
		c[0] = i % 10;
		c[1] = (i / 10) % 10;
		c[2] = i / 100;
		tttd_choiceset_put(&s, c, i);
	}
	T_CHECK("1000 distinct choices kept", s.n == 1000);
	for (i = 0; i < 1000; i++) {
		long k;

		c[0] = i % 10;
		c[1] = (i / 10) % 10;
		c[2] = i / 100;
		k = tttd_choiceset_find(&s, c);
		if (k < 0 || s.value[k] != i)
			ok = 0;
	}
	T_CHECK("every choice found with its value after growing", ok);
	tttd_choiceset_put(&s, (int[]){ 3, 4, 5 }, -1);
	T_CHECK("a repeated put updates, not adds", s.n == 1000 &&
							    s.value[tttd_choiceset_find(&s, (int[]){ 3, 4, 5 })] == -1);
	tttd_choiceset_free(&s);
}

struct counter {
	const struct tttd_task *t;
	struct tttd_choiceset seen;
	long calls, repeats;
	double best;
};

static double
count_eval(const int *choice, void *arg, struct tttd_error *e)
{
	struct counter *c = arg;
	double v = tttd_space_model_time(c->t, choice);

	(void)e;
	c->calls++;
	if (tttd_choiceset_find(&c->seen, choice) >= 0)
		c->repeats++;
	tttd_choiceset_put(&c->seen, choice, v);
	if (v > 0 && (c->best == 0 || v < c->best))
		c->best = v;
	return v;
}

int
main(void)
{
	struct tttd_error e = { 0 };
	struct tttd_task *t = NULL;
	int m;

	test_choiceset();
	if (tttd_task_load(&t, "tests/data/tasks/synthetic", &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}

	/* The value model on 60 choices along A and C (the rest at the optimum's). */
	{
		int ch[60 * 6], i, a, cc;
		double tm[60], mean, sd, s_good, s_bad;
		struct tttd_surrogate *s;
		int good[6] = { 5, 2, 6, 1, 3, 4 }, bad[6] = { 0, 7, 0, 1, 3, 4 };

		for (i = 0; i < 60; i++) {
			a = i % 8;
			cc = (i * 3) % 8;
			if (a == 5 && cc == 6)
				cc = 2; /* keep the optimum itself unseen */
			memcpy(ch + i * 6, good, sizeof(good));
			ch[i * 6 + 0] = a;
			ch[i * 6 + 2] = cc;
			tm[i] = tttd_space_model_time(t, ch + i * 6);
		}
		T_CHECK("no model without points", tttd_surrogate_fit(t, ch, tm, 0, &e) == NULL);
		s = tttd_surrogate_fit(t, ch, tm, 60, &e);
		T_CHECK("the model fits", s != NULL);
		/* the fastest fitted point (times slower than the median are capped in the fit) */
		for (a = 0, i = 1; i < 60; i++)
			if (tm[i] < tm[a])
				a = i;
		tttd_surrogate_score(s, ch + a * 6, &mean, &sd);
		T_NEAR("a fitted point is predicted (log ns)", mean, log(tm[a]), 0.02);
		T_CHECK("a fitted point is certain", sd < 0.05);
		s_good = tttd_surrogate_score(s, good, &mean, NULL);
		s_bad = tttd_surrogate_score(s, bad, NULL, NULL);
		T_CHECK("the unseen optimum is predicted fast", mean < log(1100));
		T_CHECK("the optimum's expected improvement beats a far corner's", s_good > s_bad);
		T_CHECK("expected improvement is never negative", s_bad >= 0);
		tttd_surrogate_free(s);
	}

	/* Both local searches: the budget spent exactly, no choice asked twice, the optimum found. */
	for (m = 0; m < 2; m++) {
		struct tttd_local_opts o;
		struct counter c = { t, { 0 }, 0, 0, 0 };
		long used;

		tttd_local_opts_default(&o);
		o.method = m ? TTTD_LOCAL_ANNEAL : TTTD_LOCAL_CLIMB;
		o.budget = 400;
		o.seed = 2;
		tttd_choiceset_init(&c.seen, t->ndec);
		used = tttd_local_search(t, &o, count_eval, &c, &e);
		T_CHECK("the evaluations returned are the calls made", used == c.calls);
		T_CHECK("at most the budget", used <= 400 && used > 0);
		if (used > 400 || used <= 0)
			fprintf(stderr, "method %d: %ld evaluations\n", m, used);
		T_CHECK("no choice asked twice", c.repeats == 0);
		T_NEAR("the optimum found (seed 2)", c.best, 1000, 1e-6);
		tttd_choiceset_free(&c.seen);
	}
	{
		enum tttd_local_method lm;

		T_CHECK("method names parse", tttd_local_method_parse("anneal", &lm) == 0 &&
						      lm == TTTD_LOCAL_ANNEAL && tttd_local_method_parse("walk", &lm) < 0);
	}
	tttd_task_free(t);
	return T_DONE();
}
