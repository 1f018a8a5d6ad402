/*
 * test_entropic.c - adaptive beta, leave-one-out advantages, the mean
 * baseline and constant-group dropping against numbers computed
 * independently in Python (the snippet is below; float64 throughout).
 *
 *   import math
 *   def kl(r,b):
 *       k=len(r); m=max(r); e=[math.exp(b*(x-m)) for x in r]; s=sum(e)
 *       q=[x/s for x in e]
 *       return sum(qi*(math.log(qi)+math.log(k)) for qi in q if qi>0)
 *   def beta(r,d=math.log(2)):
 *       if len(r)<2: return 0.0
 *       lo,hi=0.0,1.0
 *       if kl(r,hi)<d:
 *           while kl(r,hi)<d and hi<1e6: hi*=2
 *           if kl(r,hi)<d: return hi
 *       for _ in range(60):
 *           mid=(lo+hi)/2
 *           if kl(r,mid)<d: lo=mid
 *           else: hi=mid
 *       return hi
 *   def adv(r,b):
 *       k=len(r); m=max(r); e=[math.exp(b*(x-m)) for x in r]; s=sum(e)
 *       return [ei/(((s-ei)/(k-1) if k>1 else ei)+1e-12)-1 for ei in e]
 *   def target(k): return min(math.log(2), 0.5*math.log(k))   # groups of 2, 3
 */
#include <math.h>
#include <stdlib.h>

#include "entropic.h"
#include "test.h"

static const double r1[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const double beta1 = 0.6721501935757863;
static const double adv1[8] = {
	-0.9687158930430095,
	-0.9384682664478063,
	-0.8784696680602595,
	-0.757962161742612,
	-0.5097351343252507,
	0.029246794184271785,
	1.3463866528643988,
	5.7703749758660505,
};
static const double r2[8] = { 0, 0, 0, 5, 0, 0, 0, 0 };
static const double beta2 = 0.4930775673395256;
static const double adv2_lo = -0.6060343237926058, adv2_hi = 10.768045346742342;

static void
test_beta_and_advantages(void)
{
	double b, a[8];

	b = tttd_entropic_beta(r1, 8, TTTD_ENTROPIC_DELTA);
	T_NEAR("beta of 1..8", b, beta1, 1e-12);
	T_NEAR("KL(beta) = ln 2 for 1..8", tttd_entropic_kl(r1, 8, b), log(2.0), 1e-9);
	/* KL grows with beta: the solve must sit on the rising side */
	T_CHECK("KL(beta/2) < ln 2", tttd_entropic_kl(r1, 8, b / 2) < log(2.0) - 1e-3);
	tttd_entropic_advantages(r1, 8, b, a);
	for (int i = 0; i < 8; i++)
		T_NEAR("advantage of 1..8", a[i], adv1[i], 1e-9);
	T_CHECK("advantages increase with reward", a[7] > a[6] && a[1] > a[0]);

	b = tttd_entropic_beta(r2, 8, TTTD_ENTROPIC_DELTA);
	T_NEAR("beta of one outlier", b, beta2, 1e-12);
	T_NEAR("KL(beta) = ln 2 for one outlier", tttd_entropic_kl(r2, 8, b), log(2.0), 1e-9);
	tttd_entropic_advantages(r2, 8, b, a);
	T_NEAR("outlier advantage", a[3], adv2_hi, 1e-9);
	T_NEAR("others' advantage", a[0], adv2_lo, 1e-9);
	T_NEAR("others equal", a[7], a[0], 0);
}

static void
test_invariances(void)
{
	double s[8], a[8], as[8], b, bs;

	/* shift: rewards are max-subtracted, so beta and A do not move */
	for (int i = 0; i < 8; i++)
		s[i] = r1[i] + 1000;
	b = tttd_entropic_beta(r1, 8, TTTD_ENTROPIC_DELTA);
	bs = tttd_entropic_beta(s, 8, TTTD_ENTROPIC_DELTA);
	T_NEAR("beta shift-invariant", bs, b, 1e-9);
	tttd_entropic_advantages(r1, 8, b, a);
	tttd_entropic_advantages(s, 8, bs, as);
	for (int i = 0; i < 8; i++)
		T_NEAR("advantage shift-invariant", as[i], a[i], 1e-9);

	/* scale by 3: beta rescales by 1/3, A stays */
	for (int i = 0; i < 8; i++)
		s[i] = r1[i] * 3;
	bs = tttd_entropic_beta(s, 8, TTTD_ENTROPIC_DELTA);
	T_NEAR("beta rescales", bs, b / 3, 1e-9);
	tttd_entropic_advantages(s, 8, bs, as);
	for (int i = 0; i < 8; i++)
		T_NEAR("advantage scale-invariant", as[i], a[i], 1e-7);

	/* a tiny spread needs beta > 1: exercises the doubling branch */
	for (int i = 0; i < 8; i++)
		s[i] = r1[i] * 1e-3;
	bs = tttd_entropic_beta(s, 8, TTTD_ENTROPIC_DELTA);
	T_NEAR("doubling branch", bs, b * 1e3, 1e-6);
	T_NEAR("doubling branch KL", tttd_entropic_kl(s, 8, bs), log(2.0), 1e-9);
}

static void
test_edges(void)
{
	double one = 3, a[8], c[4] = { 2, 2, 2, 2 };

	T_CHECK("k=1 beta is 0", tttd_entropic_beta(&one, 1, TTTD_ENTROPIC_DELTA) == 0);
	T_CHECK("k=0 beta is 0", tttd_entropic_beta(&one, 0, TTTD_ENTROPIC_DELTA) == 0);
	/* python: adv([3.0], 0.0) = [-1.000088900582341e-12] (Z_i = e_i) */
	tttd_entropic_advantages(&one, 1, 0, a);
	T_NEAR("k=1 advantage", a[0], -1.000088900582341e-12, 1e-24);
	/* constant rewards never reach ln 2: best effort, the first power of 2 >= 1e6 */
	T_CHECK("constant group beta capped",
		tttd_entropic_beta(c, 4, TTTD_ENTROPIC_DELTA) == 1048576.0);
	T_CHECK("KL of constant group is 0", fabs(tttd_entropic_kl(c, 4, 1e6)) < 1e-12);
	/* large beta must not overflow into NaN */
	T_CHECK("KL finite at beta 1e6", isfinite(tttd_entropic_kl(r1, 8, 1e6)));
	T_NEAR("KL saturates at log k", tttd_entropic_kl(r1, 8, 1e6), log(8.0), 1e-9);

	tttd_mean_baseline(r1, 8, a);
	T_NEAR("mean baseline low", a[0], -3.5, 1e-12);
	T_NEAR("mean baseline high", a[7], 3.5, 1e-12);
}

static void
test_batch(void)
{
	/* three interleaved groups: 0 = r1's first four, 1 constant, 2 = outlier */
	double r[12] = { 1, 7, 2, 7, 3, 0, 4, 7, 0, 0, 5, 0 };
	size_t g[12] = { 0, 1, 0, 1, 0, 2, 0, 1, 2, 2, 2, 2 };
	double adv[12], beta[12], ga[4], gr[4] = { 1, 2, 3, 4 };
	double g2[5] = { 0, 0, 0, 5, 0 }, a2[5];
	unsigned char dr[12];
	int kept;

	kept = tttd_advantages_batch(r, g, 12, 3, TTTD_EST_ENTROPIC, adv, beta, dr, NULL);
	T_CHECK("two groups kept", kept == 2);
	T_CHECK("constant group dropped", dr[1] && dr[3] && dr[7]);
	T_CHECK("dropped has no advantage", isnan(adv[1]) && isnan(beta[3]));
	T_CHECK("others kept", !dr[0] && !dr[5] && !dr[10]);
	tttd_entropic_advantages(gr, 4, tttd_entropic_beta(gr, 4, TTTD_ENTROPIC_DELTA), ga);
	T_NEAR("batch = per-group (0)", adv[0], ga[0], 1e-15);
	T_NEAR("batch = per-group (3)", adv[6], ga[3], 1e-15);
	T_NEAR("batch beta", beta[4], tttd_entropic_beta(gr, 4, TTTD_ENTROPIC_DELTA), 0);
	tttd_entropic_advantages(g2, 5, tttd_entropic_beta(g2, 5, TTTD_ENTROPIC_DELTA), a2);
	T_NEAR("batch = per-group (2)", adv[10], a2[3], 1e-15);
	T_NEAR("batch = per-group (2, low)", adv[11], a2[4], 1e-15);

	kept = tttd_advantages_batch(r, g, 12, 3, TTTD_EST_MEAN, adv, beta, dr, NULL);
	T_CHECK("mean: two groups kept", kept == 2 && dr[1]);
	T_NEAR("mean baseline in batch", adv[0], -1.5, 1e-12);
	T_CHECK("mean has no beta", isnan(beta[0]));

	/* every group constant: the group of item 0 (label 1 here) is kept */
	{
		double rc[5] = { 0, 2, 0, 2, 2 };
		size_t gc[5] = { 1, 0, 1, 0, 0 };

		kept = tttd_advantages_batch(rc, gc, 5, 2, TTTD_EST_ENTROPIC, adv, NULL, dr, NULL);
		T_CHECK("all constant: one kept", kept == 1);
		T_CHECK("all constant: first item's group kept", !dr[0] && !dr[2]);
		T_CHECK("all constant: the other dropped", dr[1] && dr[3] && dr[4]);
		T_NEAR("kept constant group has ~0 advantage", adv[0], 0, 1e-9);
	}
	{
		size_t bad[2] = { 0, 5 };
		struct tttd_error e = { 0 };

		T_CHECK("label out of range",
			tttd_advantages_batch(r, bad, 2, 2, TTTD_EST_ENTROPIC, adv, beta, dr, &e) ==
					TTTD_EINVAL &&
				e.msg[0]);
	}
	T_CHECK("empty batch", tttd_advantages_batch(r, g, 0, 0, TTTD_EST_MEAN, adv, beta, dr, NULL) == 0);
}

/*
 * Groups of 2 and 3 (tttd-discover's default --children is 2): the KL target
 * is capped at (ln k)/2, so beta stays finite and the advantages bounded.
 * Before the cap, a group of 2 solved for ln 2 (never reached below beta ->
 * infinity) gave the better child 1e12 - 1.
 */
static void
test_small_groups(void)
{
	/* python: target(2), target(3); 0.5 ln 4 is ln 2 to the bit */
	T_NEAR("target of 2 is (ln 2)/2", tttd_entropic_target(2), 0.34657359027997264, 1e-16);
	T_NEAR("target of 3 is (ln 3)/2", tttd_entropic_target(3), 0.5493061443340549, 1e-16);
	T_CHECK("groups of 4 and 8 keep the paper's ln 2",
		tttd_entropic_target(4) == TTTD_ENTROPIC_DELTA &&
			tttd_entropic_target(8) == TTTD_ENTROPIC_DELTA &&
			tttd_entropic_target(64) == TTTD_ENTROPIC_DELTA);
	T_CHECK("no target below 2", tttd_entropic_target(1) == 0 && tttd_entropic_target(0) == 0);

	/*
	 * k = 2: whatever the gap and scale, the better one's weight is the same
	 * (python: adv([1000,500], beta(..., target(2))) = [7.0886..., -0.8763...]);
	 * a gap too small for beta <= 2^20 tilts less, never more.
	 */
	{
		static const double pairs[][2] = { { 1000, 500 }, { 1, 2 }, { 1e-3, 2e-3 }, { 1e6, 1 }, { 2e-6, 1e9 }, { 5, 5 + 1e-9 } };
		int ok = 1, exact = 1, reach = 1;

		for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
			double b = tttd_entropic_beta(pairs[i], 2, tttd_entropic_target(2)), a[2];
			size_t w = pairs[i][1] > pairs[i][0];

			tttd_entropic_advantages(pairs[i], 2, b, a);
			if (!isfinite(a[0]) || !isfinite(a[1]) || a[w] > 7.0886068279 + 1e-6 ||
			    a[1 - w] < -1 || a[1 - w] > 0 || a[w] < 0)
				ok = 0;
			if (i < 4 && (fabs(a[w] - 7.088606827891555) > 1e-8 ||
				      fabs(a[1 - w] - -0.87636931535074) > 1e-8))
				exact = 0;
			if (i < 4 && !(b < 1048576.0 && fabs(tttd_entropic_kl(pairs[i], 2, b) -
							     tttd_entropic_target(2)) < 1e-9))
				reach = 0;
		}
		T_CHECK("k=2: advantages finite, winner in [0, 7.09], loser in [-1, 0]", ok);
		T_CHECK("k=2: +7.0886 and -0.8764 at any reachable gap and scale", exact);
		T_CHECK("k=2: the target is reached below the beta cap", reach);
	}

	/* k = 3: python values at target(3); a tie at the top keeps the paper's best effort */
	{
		static const double r3[][3] = { { 1000, 500, 250 }, { 3, 2, 1 }, { 1, 0, 0 } };
		static const double a3[][3] = {
			{ 8.981027773347664, -0.7249900264545388, -0.9034593072853037 },
			{ 8.114062551671415, -0.6419593912566884, -0.9421454498596638 },
			{ 9.542212002641586, -0.8267229886680851, -0.8267229886680851 },
		};
		static const double tie[3] = { 1, 1, 0 };
		int exact = 1;
		double a[3], b;

		for (size_t i = 0; i < 3; i++) {
			b = tttd_entropic_beta(r3[i], 3, tttd_entropic_target(3));
			tttd_entropic_advantages(r3[i], 3, b, a);
			for (size_t j = 0; j < 3; j++)
				if (!(fabs(a[j] - a3[i][j]) <= 1e-8))
					exact = 0;
		}
		T_CHECK("k=3: advantages as computed in python, all below 10", exact);
		b = tttd_entropic_beta(tie, 3, tttd_entropic_target(3));
		tttd_entropic_advantages(tie, 3, b, a);
		T_CHECK("k=3 tie at the top: beta capped, advantages 1, 1, -1",
			b == 1048576.0 && fabs(a[0] - 1) < 1e-9 && fabs(a[1] - 1) < 1e-9 &&
				fabs(a[2] + 1) < 1e-9);
	}

	/* through the batch, as tttd-score calls it: a group of 2 and one of 3 */
	{
		double r[5] = { 1000, 250, 500, 1e-3, 1000 }, adv[5], beta[5];
		size_t g[5] = { 1, 0, 1, 0, 0 };
		unsigned char dr[5];
		int ok = 1;

		T_CHECK("batch of 2 and 3: both kept",
			tttd_advantages_batch(r, g, 5, 2, TTTD_EST_ENTROPIC, adv, beta, dr, NULL) == 2);
		for (size_t i = 0; i < 5; i++)
			if (!isfinite(adv[i]) || fabs(adv[i]) > 10 || !(beta[i] < 1048576.0))
				ok = 0;
		T_CHECK("batch of 2 and 3: advantages finite and below 10, beta finite", ok);
		T_NEAR("batch group of 2: the winner", adv[0], 7.088606827891555, 1e-8);
		T_NEAR("batch group of 2: the loser", adv[2], -0.87636931535074, 1e-8);
	}
}

int
main(void)
{
	test_beta_and_advantages();
	test_invariances();
	test_edges();
	test_batch();
	test_small_groups();
	return T_DONE();
}
