/* surrogate.c - a Gaussian-process value model of the archive; see surrogate.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "surrogate.h"
#include "tttd.h"

/* Lengthscales tried (inputs are in [0, 1] per decision). */
static const double lengthscales[] = { 0.15, 0.25, 0.4, 0.6, 1.0 };
#define NOISE 1e-4

struct tttd_surrogate {
	const struct tttd_task *t;
	size_t n, dim;
	double *x;                /* n x dim */
	double *L;                /* n x n, lower Cholesky factor of K */
	double *alpha;            /* K^-1 y */
	double ymean, ysd, ybest; /* standardization; best standardized y */
	double ls;
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
kern(const double *a, const double *b, size_t dim, double ls)
{
	double s = 0;
	size_t d;

	for (d = 0; d < dim; d++)
		s += (a[d] - b[d]) * (a[d] - b[d]);
	return exp(-0.5 * s / (ls * ls));
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

struct tttd_surrogate *
tttd_surrogate_fit(const struct tttd_task *t, const int *choice, const double *time_ns, size_t n,
		   struct tttd_error *e)
{
	struct tttd_surrogate *s;
	struct rank *rk;
	double *y, *K, *a, worst = -INFINITY, sum = 0, sq = 0, best_ll = -INFINITY;
	size_t i, j, m, nok = 0, g;

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
		sum += y[i];
	}
	s->ymean = sum / (double)m;
	for (i = 0; i < m; i++)
		sq += (y[i] - s->ymean) * (y[i] - s->ymean);
	s->ysd = m > 1 ? sqrt(sq / (double)m) : 1;
	if (s->ysd < 1e-9)
		s->ysd = 1;
	for (i = 0; i < m; i++)
		y[i] = (y[i] - s->ymean) / s->ysd;
	s->ybest = y[0]; /* sorted: the fastest first */

	/* the lengthscale of the grid with the best marginal likelihood */
	for (g = 0; g < sizeof(lengthscales) / sizeof(lengthscales[0]); g++) {
		double ls = lengthscales[g], ll = 0;

		for (i = 0; i < m; i++) {
			for (j = 0; j <= i; j++) {
				double k = kern(s->x + i * s->dim, s->x + j * s->dim, s->dim, ls);

				K[i * m + j] = K[j * m + i] = k + (i == j ? NOISE : 0);
			}
		}
		if (cholesky(K, m) < 0)
			continue;
		memcpy(a, y, m * sizeof(double));
		forward(K, m, a);
		for (i = 0; i < m; i++)
			ll -= 0.5 * a[i] * a[i] + log(K[i * m + i]);
		if (ll > best_ll) {
			best_ll = ll;
			s->ls = ls;
			memcpy(s->L, K, m * m * sizeof(double));
			backward(K, m, a);
			memcpy(s->alpha, a, m * sizeof(double));
		}
	}
	if (!(best_ll > -INFINITY)) {
		/* cannot happen with the noise term, but stay defined: a flat model */
		s->ls = lengthscales[0];
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
		s->kv[i] = kern(xp, s->x + i * s->dim, s->dim, s->ls);
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
