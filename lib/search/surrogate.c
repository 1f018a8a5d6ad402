/* surrogate.c - a Gaussian-process value model of the archive; see surrogate.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "surrogate.h"
#include "tttd.h"

/* Lengthscales tried (inputs are in [0, 1] per decision). */
static const double lengthscales[] = { 0.15, 0.25, 0.4, 0.6, 1.0 };
/* Per-decision lengthscales tried after the shared one (0 = the decision ignored). */
static const double ard_scales[] = { 0.15, 0.25, 0.4, 0.6, 1.0, 2.0, 0 };
/* Noise variances tried (standardized units). */
static const double noises[] = { 1e-4, 1e-2, 0.1 };

struct tttd_surrogate {
	const struct tttd_task *t;
	size_t n, dim;
	double *x;                /* n x dim */
	double *L;                /* n x n, lower Cholesky factor of K */
	double *alpha;            /* K^-1 y */
	double ymean, ysd, ybest; /* standardization; best standardized y */
	double ls;                /* the shared lengthscale chosen first */
	double *w;                /* dim: 1 / lengthscale^2 per decision (0 = ignored) */
	double noise;
	double *kv; /* scratch: n */
};

static void
scale_choice(const struct tttd_task *t, const int *c, double *x)
{
	size_t d;

	for (d = 0; d < t->ndec; d++)
		x[d] = t->dec[d].nopt > 1 ? (double)c[d] / (double)(t->dec[d].nopt - 1) : 0.5;
}

static double
kern(const double *a, const double *b, size_t dim, const double *w)
{
	double s = 0;
	size_t d;

	for (d = 0; d < dim; d++)
		s += w[d] * (a[d] - b[d]) * (a[d] - b[d]);
	return exp(-0.5 * s);
}

/* In-place Cholesky of the n x n matrix A (lower).  @return 0, or -1 if not positive definite. */
static int
cholesky(double *A, size_t n)
{
	size_t i, j, k;

	for (j = 0; j < n; j++) {
		double s = A[j * n + j];

		for (k = 0; k < j; k++)
			s -= A[j * n + k] * A[j * n + k];
		if (s <= 0)
			return -1;
		s = sqrt(s);
		A[j * n + j] = s;
		for (i = j + 1; i < n; i++) {
			double v = A[i * n + j];

			for (k = 0; k < j; k++)
				v -= A[i * n + k] * A[j * n + k];
			A[i * n + j] = v / s;
		}
	}
	return 0;
}

/* Solve L z = b (forward), in place in b. */
static void
forward(const double *L, size_t n, double *b)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		double v = b[i];

		for (k = 0; k < i; k++)
			v -= L[i * n + k] * b[k];
		b[i] = v / L[i * n + i];
	}
}

/* Solve L^T z = b (backward), in place in b. */
static void
backward(const double *L, size_t n, double *b)
{
	size_t i, k;

	for (i = n; i-- > 0;) {
		double v = b[i];

		for (k = i + 1; k < n; k++)
			v -= L[k * n + i] * b[k];
		b[i] = v / L[i * n + i];
	}
}

struct rank {
	double y;
	size_t i;
};

static int
by_y(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;

	return x->y < y->y ? -1 : x->y > y->y ? 1
					      : (x->i > y->i) - (x->i < y->i);
}

/*
 * Factor K = k(x, x) + noise I into K (lower Cholesky) and solve alpha =
 * K^-1 y into a, for the weights w.  @return the log marginal likelihood
 * (without its constant), or -INFINITY when K is not positive definite.
 */
static double
try_fit(const struct tttd_surrogate *s, const double *y, double *K, double *a, size_t m,
	const double *w, double noise)
{
	double ll = 0;
	size_t i, j;

	for (i = 0; i < m; i++)
		for (j = 0; j <= i; j++) {
			double k = kern(s->x + i * s->dim, s->x + j * s->dim, s->dim, w);

			K[i * m + j] = K[j * m + i] = k + (i == j ? noise : 0);
		}
	if (cholesky(K, m) < 0)
		return -INFINITY;
	memcpy(a, y, m * sizeof(double));
	forward(K, m, a);
	for (i = 0; i < m; i++)
		ll -= 0.5 * a[i] * a[i] + log(K[i * m + i]);
	backward(K, m, a);
	return ll;
}

struct tttd_surrogate *
tttd_surrogate_fit(const struct tttd_task *t, const int *choice, const double *time_ns, size_t n,
		   struct tttd_error *e)
{
	struct tttd_surrogate *s;
	struct rank *rk;
	double *y, *K, *a, worst = -INFINITY, sum = 0, sq = 0, best_ll = -INFINITY;
	size_t i, m, nok = 0, g;

	if (n == 0) {
		tttd_error_set(e, TTTD_EINVAL, "no evaluated choice to fit a model to");
		return NULL;
	}
	/* log times; a failing choice just slower than the slowest seen */
	rk = xmalloc(n * sizeof(*rk));
	for (i = 0; i < n; i++) {
		rk[i].i = i;
		rk[i].y = time_ns[i] > 0 ? log(time_ns[i]) : NAN;
		if (time_ns[i] > 0) {
			nok++;
			if (rk[i].y > worst)
				worst = rk[i].y;
		}
	}
	for (i = 0; i < n; i++)
		if (isnan(rk[i].y))
			rk[i].y = nok ? worst + 0.1 : 0;
	/* at most TTTD_SURROGATE_MAX_N points: the fastest (they decide where to look) */
	qsort(rk, n, sizeof(*rk), by_y);
	m = n < TTTD_SURROGATE_MAX_N ? n : TTTD_SURROGATE_MAX_N;

	s = xcalloc(1, sizeof(*s));
	s->t = t;
	s->n = m;
	s->dim = t->ndec;
	s->x = xmalloc(m * s->dim * sizeof(double) + 1);
	s->L = xmalloc(m * m * sizeof(double));
	s->alpha = xmalloc(m * sizeof(double));
	s->kv = xmalloc(m * sizeof(double));
	y = xmalloc(m * sizeof(double));
	K = xmalloc(m * m * sizeof(double));
	a = xmalloc(m * sizeof(double));
	for (i = 0; i < m; i++) {
		scale_choice(t, choice + rk[i].i * t->ndec, s->x + i * s->dim);
		y[i] = rk[i].y;
	}
	/*
	 * Slower than the median is slow enough: those times are capped at the
	 * median's.  Why: the model is there to rank the promising, and the
	 * slowest choices (a 400x spread of log times on a measured CPU space,
	 * with outliers) otherwise dominate the fit and its lengthscales.
	 */
	if (m >= 4)
		for (i = m / 2; i < m; i++)
			y[i] = y[m / 2];
	for (i = 0; i < m; i++)
		sum += y[i];
	s->ymean = sum / (double)m;
	for (i = 0; i < m; i++)
		sq += (y[i] - s->ymean) * (y[i] - s->ymean);
	s->ysd = m > 1 ? sqrt(sq / (double)m) : 1;
	if (s->ysd < 1e-9)
		s->ysd = 1;
	for (i = 0; i < m; i++)
		y[i] = (y[i] - s->ymean) / s->ysd;
	s->ybest = y[0]; /* sorted: the fastest first */

	/*
	 * Hyperparameters by the log marginal likelihood: first one lengthscale
	 * shared by every decision and the noise, over grids; then, with enough
	 * points, each decision's own lengthscale in turn (automatic relevance
	 * determination), twice over.  Why per decision: on real spaces a few
	 * decisions decide the time (the exp routine, -O3, the tile) and the
	 * others barely matter; one shared lengthscale must then be short
	 * everywhere, so the model cannot carry "this option is slow" over to
	 * the rest of the space and expects improvement wherever it has not
	 * looked.  Why the noise: measured times carry noise and outliers that
	 * an interpolating model chases.
	 */
	s->w = xmalloc((s->dim + 1) * sizeof(double));
	{
		double *w = xmalloc((s->dim + 1) * sizeof(double));
		size_t ng, d, pass, q, nw = sizeof(ard_scales) / sizeof(ard_scales[0]);
		/* per-decision lengthscales only with 10 points or more: fewer overfit */
		int ard = m >= 10;

#define TRY(noise_)                                               \
	do {                                                      \
		double ll_ = try_fit(s, y, K, a, m, w, (noise_)); \
		if (ll_ > best_ll + 1e-9) {                       \
			best_ll = ll_;                            \
			memcpy(s->w, w, s->dim * sizeof(double)); \
			s->noise = (noise_);                      \
			memcpy(s->L, K, m *m * sizeof(double));   \
			memcpy(s->alpha, a, m * sizeof(double));  \
		}                                                 \
	} while (0)
		for (g = 0; g < sizeof(lengthscales) / sizeof(lengthscales[0]); g++)
			for (ng = 0; ng < sizeof(noises) / sizeof(noises[0]); ng++) {
				double before = best_ll;

				for (d = 0; d < s->dim; d++)
					w[d] = 1 / (lengthscales[g] * lengthscales[g]);
				TRY(noises[ng]);
				if (best_ll > before)
					s->ls = lengthscales[g];
			}
		for (pass = 0; ard && best_ll > -INFINITY && pass < 2; pass++)
			for (d = 0; d < s->dim; d++) {
				if (t->dec[d].nopt < 2)
					continue;
				for (q = 0; q < nw; q++) {
					memcpy(w, s->w, s->dim * sizeof(double));
					w[d] = ard_scales[q] > 0 ? 1 / (ard_scales[q] * ard_scales[q]) : 0;
					if (w[d] == s->w[d])
						continue;
					TRY(s->noise);
				}
			}
#undef TRY
		free(w);
	}
	if (!(best_ll > -INFINITY)) {
		/* cannot happen with the noise term, but stay defined: a flat model */
		s->ls = lengthscales[0];
		s->noise = noises[0];
		for (i = 0; i < s->dim; i++)
			s->w[i] = 1 / (s->ls * s->ls);
		for (i = 0; i < m; i++) {
			memset(s->L + i * m, 0, m * sizeof(double));
			s->L[i * m + i] = 1;
			s->alpha[i] = 0;
		}
	}
	free(rk);
	free(y);
	free(K);
	free(a);
	return s;
}

void
tttd_surrogate_free(struct tttd_surrogate *s)
{
	if (!s)
		return;
	free(s->x);
	free(s->L);
	free(s->alpha);
	free(s->w);
	free(s->kv);
	free(s);
}

double
tttd_surrogate_lengthscale(const struct tttd_surrogate *s)
{
	return s->ls;
}

double
tttd_surrogate_score(const struct tttd_surrogate *s, const int *choice, double *mean, double *sd)
{
	double x[64], *xp = s->dim <= 64 ? x : xmalloc(s->dim * sizeof(double));
	double mu = 0, var = 1, sdv, z, ei;
	size_t i;

	scale_choice(s->t, choice, xp);
	for (i = 0; i < s->n; i++) {
		s->kv[i] = kern(xp, s->x + i * s->dim, s->dim, s->w);
		mu += s->kv[i] * s->alpha[i];
	}
	forward(s->L, s->n, s->kv);
	for (i = 0; i < s->n; i++)
		var -= s->kv[i] * s->kv[i];
	sdv = sqrt(var > 1e-12 ? var : 1e-12);
	if (xp != x)
		free(xp);
	if (mean)
		*mean = mu * s->ysd + s->ymean;
	if (sd)
		*sd = sdv * s->ysd;
	/* expected improvement (minimising y) */
	z = (s->ybest - mu) / sdv;
	ei = sdv * (z * 0.5 * erfc(-z / sqrt(2)) + exp(-0.5 * z * z) / sqrt(2 * M_PI));
	return ei > 0 ? ei : 0;
}
