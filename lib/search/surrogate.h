/*
 * surrogate.h - a learned value model of the archive: a Gaussian process
 * over a task's decisions, fitted to every evaluated choice, that scores
 * proposals by expected improvement so that only the most promising are
 * evaluated (tttd-screen; the way a surrogate guides Bayesian optimization).
 *
 * Model:
 *   x      decision d's option index scaled to [0, 1] (index / (nopt - 1)):
 *          options are ordered (tile sizes, stages, ...), so neighbouring
 *          options are similar;
 *   y      log(time), those slower than the median capped at the median's
 *          (the model ranks the promising; the slowest, with outliers,
 *          would otherwise decide the fit), standardized over the
 *          archive; a failing choice gets the slowest log time seen plus
 *          0.1 (slower than anything measured, without an infinity that
 *          would wreck the fit);
 *   kernel k(a, b) = exp(-sum_d (a_d - b_d)^2 / (2 l_d^2)) + noise [a == b]:
 *          one lengthscale l for every decision and the noise (1e-4, 0.01
 *          or 0.1) the best of small grids by the log marginal likelihood;
 *          then, from 10 points on, each decision's own l_d (or none: the
 *          decision ignored) in turn, two passes (automatic relevance
 *          determination: a few decisions decide the time);
 *   score  expected improvement over the best y, in standardized units.
 *
 * The fit is exact (Cholesky, O(n^3)); n is capped at TTTD_SURROGATE_MAX_N
 * (the fastest are kept), which keeps a fit under a second on one core.
 * It never prints.
 */
#ifndef TTTD_SURROGATE_H
#define TTTD_SURROGATE_H

#include <stddef.h>

#include "task.h"
#include "tttd.h"

#define TTTD_SURROGATE_MAX_N 600

struct tttd_surrogate;

/*
 * Fit the model to n evaluated choices of task t (borrowed; it must outlive
 * the model): choice[i * t->ndec ...], time_ns[i] (0 or less = failing).
 * @return NULL with e set (TTTD_EINVAL) when n == 0.
 */
struct tttd_surrogate *tttd_surrogate_fit(const struct tttd_task *t, const int *choice,
					  const double *time_ns, size_t n, struct tttd_error *e);
void tttd_surrogate_free(struct tttd_surrogate *s);

/* The shared lengthscale chosen before the per-decision ones (for reports and tests). */
double tttd_surrogate_lengthscale(const struct tttd_surrogate *s);

/*
 * Predict choice: *mean (log ns) and *sd (log ns) of its time; either may
 * be NULL.  @return the expected improvement over the best fitted choice,
 * in standardized units (>= 0; larger is more promising).
 */
double tttd_surrogate_score(const struct tttd_surrogate *s, const int *choice, double *mean,
			    double *sd);

#endif
