/*
 * entropic.h - advantages for one training batch (tttd-score): the entropic
 * estimator with adaptive beta, the mean baseline, and the dropping of groups
 * whose rewards are all equal.
 *
 * This follows TTT-Discover (reference/ttt-discover.md sections 2.1 and 2.2)
 * line by line: beta is solved per group so that KL(softmax(beta r) || U) =
 * ln 2, advantages are leave-one-out normalised exponential weights minus
 * one, with no std normalisation and no clipping.  One departure, for groups
 * smaller than the paper's 8: the KL target is capped at half of ln k
 * (tttd_entropic_target), since ln 2 is out of reach for k = 2.
 *
 * Pure arithmetic over arrays of doubles: this module knows nothing of
 * records, never prints and never allocates except in tttd_advantages_batch.
 */
#ifndef TTTD_ENTROPIC_H
#define TTTD_ENTROPIC_H

#include <stddef.h>

#include "tttd.h"

/* The paper's KL target, ln 2: the tilted weights have perplexity k/2. */
#define TTTD_ENTROPIC_DELTA 0.69314718055994530942

/*
 * The cap on the target for small groups, as a fraction of ln k.  KL to the
 * uniform distribution over k samples is below ln k for every finite beta
 * (ln k is all the weight on one sample, reached only as beta -> infinity),
 * so with k = 2 the paper's ln 2 is never reached: the beta search runs to
 * its cap, the loser's weight underflows to 0 and the winner's leave-one-out
 * advantage becomes 1 / 1e-12 - 1 = 1e12 - 1 (Adam's second moment ~1e22
 * after one step).  Half of ln k keeps beta finite for every k >= 2 and is
 * exactly the paper's ln 2 for k = 4 and never binds above it, so groups of
 * 4 or more are scored as in the paper; k = 2 gets (ln 2)/2 (the better
 * child's weight 0.89, advantages about +7.1 and -0.88, whatever the reward
 * gap), k = 3 gets (ln 3)/2.
 */
#define TTTD_ENTROPIC_SMALL_GROUP 0.5

/* Beta search bounds (the paper's): doubling stops at this cap. */
#define TTTD_ENTROPIC_BETA_CAP 1e6
#define TTTD_ENTROPIC_BISECT 60

/*
 * The largest advantage a record may carry.  The entropic leave-one-out
 * advantage is e / (z + 1e-12) - 1 with e <= 1, so it stays below 1e12;
 * a mean-baseline one is a difference of rewards (scale * 1000 / time_ns,
 * 1e6 for a 1 ns kernel at the default scale).  Anything larger is forged
 * or a bug, and one such value would swamp Adam's second moment (or
 * overflow it to inf, and the weights to NaN): refused, not trained on.
 */
#define TTTD_ADVANTAGE_MAX 1e12

enum tttd_estimator {
	TTTD_EST_ENTROPIC = 0, /* adaptive beta, leave-one-out (the paper's final choice) */
	TTTD_EST_MEAN = 1,     /* A = r - mean r (the GRPO-like baseline, for ablations) */
};

/*
 * KL(softmax(beta * (r - max r)) || uniform over k) in nats, computed with
 * log-sum-exp so that large beta neither overflows nor yields NaN.
 * r[0..k) are borrowed.  @return 0 for k < 2.
 */
double tttd_entropic_kl(const double *r, size_t k, double beta);

/*
 * The KL target of a group of k: min(TTTD_ENTROPIC_DELTA,
 * TTTD_ENTROPIC_SMALL_GROUP * ln k); 0 for k < 2.
 */
double tttd_entropic_target(size_t k);

/*
 * The adaptive inverse temperature of one group: the beta >= 0 with
 * tttd_entropic_kl(r, k, beta) = delta.  As in the paper: hi starts at 1 and
 * doubles while KL(hi) < delta and hi < 1e6; then 60 bisection steps on
 * [0, hi] and the upper end is returned (so KL(beta) >= delta up to
 * rounding).  A group that cannot reach delta (constant rewards) gets the
 * capped hi, "best effort".  @return 0 when k < 2.
 */
double tttd_entropic_beta(const double *r, size_t k, double delta);

/*
 * Leave-one-out entropic advantages of one group at the given beta:
 *   e_i = exp(beta (r_i - max r)), Z_i = (sum e - e_i) / (k - 1),
 *   A_i = e_i / (Z_i + 1e-12) - 1;   k == 1: Z_i = e_i.
 * r[0..k) borrowed, adv[0..k) written (may not alias r).  k == 0: nothing.
 */
void tttd_entropic_advantages(const double *r, size_t k, double beta, double *adv);

/* Mean baseline of one group: adv_i = r_i - mean r.  k == 0: nothing. */
void tttd_mean_baseline(const double *r, size_t k, double *adv);

/*
 * Advantages for a whole batch in which item i belongs to group grp[i]
 * (dense labels 0..ngroups-1, in any order; members of a group need not be
 * adjacent).  For every group:
 *   - if all its rewards are exactly equal, the group is dropped:
 *     dropped[i] = 1, adv[i] = NAN, beta[i] = NAN, unless every group of the
 *     batch is constant, in which case the group of item 0 is kept so that
 *     the batch is not empty (the paper's remove_constant_reward_groups);
 *   - otherwise dropped[i] = 0 and adv[i] comes from est; with
 *     TTTD_EST_ENTROPIC beta[i] is the group's adaptive beta (delta =
 *     tttd_entropic_target(k) for a group of k), with TTTD_EST_MEAN
 *     beta[i] = NAN.
 * A kept constant group gets advantages of zero (mean) or about -1e-12
 * (entropic: every weight is 1, and the 1e-12 guard shows).
 * r, grp borrowed; adv, beta, dropped (n each) written; beta may be NULL.
 * @return the number of groups kept (>= 1 when n > 0), or TTTD_EINVAL when a
 * label is >= ngroups or est is unknown.
 */
int tttd_advantages_batch(const double *r, const size_t *grp, size_t n, size_t ngroups,
			  enum tttd_estimator est, double *adv, double *beta,
			  unsigned char *dropped, struct tttd_error *e);

#endif
