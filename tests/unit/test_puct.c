/*
 * test_puct.c - the PUCT archive on a small tree worked by hand.
 *
 * Three roots R0 R1 R2 (value -1e6), c = 1, top-2, cap 1000.
 *
 * step 0:  a  <- R0  ok  -100
 *          b  <- R0  ok   -50
 *          f1 <- R0  failed
 *          c  <- R1  ok   -80
 *          a  <- R2  ok   -90   duplicate id: a visit, m(R2) = -90, no state
 *   T = 5; n: R0 3, R1 1, R2 1; m: R0 -50, R1 -80, R2 -90
 *   archive R0 R1 R2 a b c (N = 6, sum of N - rank = 21)
 *   ranks b0 c1 a2 R0 3 R1 4 R2 5; scale = -50 - -100 = 50; sqrt(1+T) = sqrt 6
 *   score = Q + 50 P sqrt6 / (1 + n):
 *     b  -50 + 50*6/21*sqrt6/1 = -15.007289388811742
 *     R0 -50 + 50*3/21*sqrt6/4 = -45.625911173601466   (Q = m = -50)
 *     c  -80 + 50*5/21*sqrt6/1 = -50.83940782400978
 *     R1 -80 + 50*2/21*sqrt6/2 = -74.16788156480196
 *     a -100 + 50*4/21*sqrt6/1 = -76.67152625920784
 *     R2 -90 + 50*1/21*sqrt6/2 = -87.08394078240097
 *   picks (3): b; R0 is b's ancestor; c; R1 is c's ancestor; a  -> b c a
 *
 * step 1:  d  <- b  ok  -40
 *          e  <- b  ok  -60
 *          g  <- b  ok  -45   third child of b: e (the worst) is pruned
 *          f2 <- c  failed
 *          h  <- a  ok  -30
 *   T = 10; n: b 3, a 1, c 1, R0 3+3+1 = 7, R1 2, R2 1
 *   m: b -40, a -30, c none (only a failure: Q(c) = value)
 *   archive R0 R1 R2 a b c d g h (N = 9, sum 45), e in the side table
 *   ranks h0 d1 g2 b3 c4 a5 R0 6 R1 7 R2 8; scale = -30 - -100 = 70
 *     h  -30 + 70*9/45*sqrt11/1 = 16.4327470649756
 *     d  -40 + 70*8/45*sqrt11/1 = 1.2735529466449762
 *     g  -45 + 70*7/45*sqrt11/1 = -8.885641171685648
 *     a  -30 + 70*4/45*sqrt11/2 = -19.681611763338758   (Q = m = -30)
 *     b  -40 + 70*6/45*sqrt11/4 = -32.26120882250407
 *     R0 -50 + 70*3/45*sqrt11/8 = -48.06530220562602
 *     c  -80 + 70*5/45*sqrt11/2 = -67.10201470417344
 *     R1 -80 + 70*2/45*sqrt11/3 = -76.56053725444625
 *     R2 -90 + 70*1/45*sqrt11/2 = -87.42040294083469
 *   picks (3): h d g (cousins, not lineage); with room for 9:
 *   h d g, a (h's parent) b (d's) R0 skipped, c, R1 (c's parent) skipped,
 *   R2 -> 5 picks
 */
#include <math.h>
#include <string.h>

#include "puct.h"
#include "test.h"

static struct tttd_puct *
make(size_t groups, size_t cap, double root_value)
{
	struct tttd_puct_opts o;

	tttd_puct_opts_default(&o);
	o.groups = groups;
	o.max_archive = cap;
	o.root_value = root_value;
	return tttd_puct_new("toy", &o, NULL);
}

static int
add(struct tttd_puct *p, const char *id, const char *parent, int step, int ok, double v)
{
	struct tttd_puct_cand c = { id, parent, step, ok, v };

	return tttd_puct_add(p, &c, NULL);
}

static struct tttd_puct_info
info(struct tttd_puct *p, const char *id)
{
	struct tttd_puct_info in;

	memset(&in, 0, sizeof(in));
	if (!tttd_puct_info(p, id, &in))
		in.id = NULL;
	return in;
}

static void
step0(struct tttd_puct *p, const char *r0, const char *r1, const char *r2)
{
	T_CHECK("a new", add(p, "a", r0, 0, 1, -100) == 1);
	T_CHECK("b new", add(p, "b", r0, 0, 1, -50) == 1);
	T_CHECK("failure only counts", add(p, "f1", r0, 0, 0, 0) == 0);
	T_CHECK("c new", add(p, "c", r1, 0, 1, -80) == 1);
	T_CHECK("duplicate only counts", add(p, "a", r2, 0, 1, -90) == 0);
}

static void
step1(struct tttd_puct *p)
{
	add(p, "d", "b", 1, 1, -40);
	add(p, "e", "b", 1, 1, -60);
	add(p, "g", "b", 1, 1, -45);
	add(p, "f2", "c", 1, 0, 0);
	add(p, "h", "a", 1, 1, -30);
}

static void
test_tree(void)
{
	struct tttd_puct *p = make(3, 1000, -1e6);
	struct tttd_puct_info pk[9], in;
	char r0[33], r1[33], r2[33];
	size_t n;

	strcpy(r0, tttd_puct_root_id(p, 0));
	strcpy(r1, tttd_puct_root_id(p, 1));
	strcpy(r2, tttd_puct_root_id(p, 2));
	T_CHECK("root ids differ", strcmp(r0, r1) && strcmp(r1, r2) && strlen(r0) == 32);

	/* empty archive: every root, best prior (first) first */
	T_CHECK("empty scale floor", tttd_puct_scale(p) == 1e-6);
	n = tttd_puct_select(p, pk, 3);
	T_CHECK("empty: 3 roots", n == 3 && pk[0].root && !strcmp(pk[0].id, r0) &&
					  !strcmp(pk[2].id, r2));
	T_CHECK("empty: root Q is its value", pk[0].q == -1e6 && pk[0].visits == 0);
	T_CHECK("last step none", tttd_puct_last_step(p) == -1);

	step0(p, r0, r1, r2);
	T_CHECK("T after step 0", tttd_puct_total(p) == 5);
	in = info(p, r0);
	T_CHECK("n(R0) = 3", in.visits == 3);
	T_CHECK("m(R0) = -50", in.m == -50 && in.q == -50);
	in = info(p, r2);
	T_CHECK("duplicate: n(R2) = 1, m(R2) = -90", in.visits == 1 && in.m == -90);
	in = info(p, "a");
	T_CHECK("duplicate kept first parent", in.value == -100 && in.parent == 0);
	T_CHECK("failure is not a state", info(p, "f1").id == NULL);
	T_CHECK("archive 6", tttd_puct_size(p) == 6);
	T_NEAR("scale step 0", tttd_puct_scale(p), 50, 1e-12);
	in = info(p, "b");
	T_CHECK("rank(b) = 0", in.rank == 0);
	T_NEAR("P(b) = 6/21", in.prior, 6.0 / 21, 1e-15);
	T_NEAR("score(b)", in.score, -15.007289388811742, 1e-9);
	T_NEAR("score(R0)", info(p, r0).score, -45.625911173601466, 1e-9);
	T_NEAR("score(c)", info(p, "c").score, -50.83940782400978, 1e-9);
	T_NEAR("score(R1)", info(p, r1).score, -74.16788156480196, 1e-9);
	T_NEAR("score(a)", info(p, "a").score, -76.67152625920784, 1e-9);
	T_NEAR("score(R2)", info(p, r2).score, -87.08394078240097, 1e-9);
	n = tttd_puct_select(p, pk, 3);
	T_CHECK("step 0 picks b c a", n == 3 && !strcmp(pk[0].id, "b") && !strcmp(pk[1].id, "c") &&
					      !strcmp(pk[2].id, "a"));

	step1(p);
	T_CHECK("step 1 pending", tttd_puct_last_step(p) == 1);
	T_CHECK("T after step 1", tttd_puct_total(p) == 10);
	tttd_puct_end_step(p);
	in = info(p, "e");
	T_CHECK("third child pruned", in.id && !in.in_archive && in.rank == -1);
	T_CHECK("kept children", info(p, "d").in_archive && info(p, "g").in_archive);
	T_CHECK("archive 9", tttd_puct_size(p) == 9);
	in = info(p, r0);
	T_CHECK("n(R0) = 7 (visits reach every ancestor)", in.visits == 7);
	T_CHECK("m(R0) unchanged by grandchildren", in.m == -50);
	in = info(p, "c");
	T_CHECK("c: n 1, no m, Q = value", in.visits == 1 && isnan(in.m) && in.q == -80);
	T_CHECK("b: n 3, Q = -40", info(p, "b").visits == 3 && info(p, "b").q == -40);
	T_NEAR("scale step 1", tttd_puct_scale(p), 70, 1e-12);
	T_NEAR("P(h) = 9/45", info(p, "h").prior, 0.2, 1e-15);
	T_NEAR("P(R2) = 1/45", info(p, r2).prior, 1.0 / 45, 1e-15);
	T_NEAR("score(h)", info(p, "h").score, 16.4327470649756, 1e-9);
	T_NEAR("score(d)", info(p, "d").score, 1.2735529466449762, 1e-9);
	T_NEAR("score(g)", info(p, "g").score, -8.885641171685648, 1e-9);
	T_NEAR("score(a)", info(p, "a").score, -19.681611763338758, 1e-9);
	T_NEAR("score(b)", info(p, "b").score, -32.26120882250407, 1e-9);
	T_NEAR("score(R0)", info(p, r0).score, -48.06530220562602, 1e-9);
	T_NEAR("score(c)", info(p, "c").score, -67.10201470417344, 1e-9);
	T_NEAR("score(R1)", info(p, r1).score, -76.56053725444625, 1e-9);
	T_NEAR("score(R2)", info(p, r2).score, -87.42040294083469, 1e-9);

	n = tttd_puct_select(p, pk, 3);
	T_CHECK("step 1 picks h d g", n == 3 && !strcmp(pk[0].id, "h") && !strcmp(pk[1].id, "d") &&
					      !strcmp(pk[2].id, "g"));
	T_NEAR("pick carries its score", pk[0].score, 16.4327470649756, 1e-9);
	n = tttd_puct_select(p, pk, 9);
	T_CHECK("ancestors of picks skipped: 5 picks", n == 5);
	T_CHECK("then c R2", n == 5 && !strcmp(pk[3].id, "c") && !strcmp(pk[4].id, r2));

	/* errors */
	T_CHECK("step backwards", add(p, "z", "h", 0, 1, -1) == TTTD_EFORMAT);
	T_CHECK("unknown parent", add(p, "z", "nope", 2, 1, -1) == TTTD_EFORMAT);
	T_CHECK("missing id", add(p, "", "h", 2, 1, -1) == TTTD_EINVAL);
	tttd_puct_free(p);
}

/* A root better than its only child: the child is a descendant of a pick. */
static void
test_descendant_excluded(void)
{
	struct tttd_puct *p = make(2, 1000, 0);
	struct tttd_puct_info pk[3];
	char r0[33];
	size_t n;

	strcpy(r0, tttd_puct_root_id(p, 0));
	add(p, "x", r0, 0, 1, -10);
	/*
	 * N = 3: ranks R0 0, R1 1, x 2; scale floor 1e-6 (one non-root).
	 * R1: 0 + tiny; R0: Q = m = -10 plus 1e-6*3/6*sqrt2/2; x: -10 +
	 * 1e-6*1/6*sqrt2  ->  R1, R0, then x is R0's descendant.
	 */
	n = tttd_puct_select(p, pk, 3);
	T_CHECK("descendant of a pick skipped", n == 2 && pk[1].state == 0 && pk[0].state == 1);
	tttd_puct_free(p);
}

/* The cap keeps the roots and the best others; pruned states keep lineage. */
static void
test_cap(void)
{
	struct tttd_puct *p = make(2, 4, -1e6);
	struct tttd_puct_info pk[4];
	char r0[33], r1[33];
	size_t n;

	strcpy(r0, tttd_puct_root_id(p, 0));
	strcpy(r1, tttd_puct_root_id(p, 1));
	add(p, "p1", r0, 0, 1, -10);
	add(p, "p2", r0, 0, 1, -20);
	add(p, "q1", r1, 0, 1, -5);
	add(p, "q2", r1, 0, 1, -30);
	tttd_puct_end_step(p);
	T_CHECK("cap 4", tttd_puct_size(p) == 4);
	T_CHECK("roots stay", info(p, r0).in_archive && info(p, r1).in_archive);
	T_CHECK("best two stay", info(p, "q1").in_archive && info(p, "p1").in_archive);
	T_CHECK("others pruned", !info(p, "p2").in_archive && !info(p, "q2").in_archive);
	/* a child of a pruned state still counts for its ancestors and lineage */
	add(p, "z", "p2", 1, 1, -1);
	T_CHECK("visit through pruned", info(p, r0).visits == 3 && info(p, "p2").visits == 1);
	n = tttd_puct_select(p, pk, 4);
	T_CHECK("z first", n >= 1 && !strcmp(pk[0].id, "z"));
	for (size_t i = 1; i < n; i++)
		T_CHECK("R0 is z's ancestor through a pruned state", strcmp(pk[i].id, r0) != 0);
	T_CHECK("re-seen pruned id stays pruned", add(p, "q2", r1, 2, 1, -2) == 0 &&
							  !info(p, "q2").in_archive);
	tttd_puct_free(p);
}

static void
test_determinism(void)
{
	struct tttd_puct_info a[3], b[3];
	struct tttd_puct *p = make(3, 1000, -1e6), *q = make(3, 1000, -1e6);
	char r[3][33];
	size_t na, nb;

	for (int i = 0; i < 3; i++)
		strcpy(r[i], tttd_puct_root_id(p, i));
	T_CHECK("same task, same roots", !strcmp(r[1], tttd_puct_root_id(q, 1)));
	step0(p, r[0], r[1], r[2]);
	step0(q, r[0], r[1], r[2]);
	step1(p);
	step1(q);
	na = tttd_puct_select(p, a, 3);
	nb = tttd_puct_select(q, b, 3);
	T_CHECK("same picks", na == nb);
	for (size_t i = 0; i < na && i < nb; i++)
		T_CHECK("same pick", !strcmp(a[i].id, b[i].id) && a[i].score == b[i].score);
	nb = tttd_puct_select(p, b, 3);
	T_CHECK("select twice is stable", na == nb && !strcmp(a[2].id, b[2].id));
	tttd_puct_free(p);
	tttd_puct_free(q);
}

int
main(void)
{
	test_tree();
	test_descendant_excluded();
	test_cap();
	test_determinism();
	return T_DONE();
}
