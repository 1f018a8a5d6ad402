/*
 * bench_stats.c - the statistics of the timing protocol (bench.h): the
 * median and its confidence interval, the relative standard error and the
 * stopping rule, the geometric mean over shapes, the physical floor of a
 * shape, and the seed of a benchmark case.  Pure functions of their
 * arguments: no process, device or clock.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_int.h"
#include "rng.h"

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void
tttd_median_ci(size_t n, size_t *lo, size_t *hi)
{
	double half = 0.98 * sqrt((double)n);          /* 1.96 / 2 * sqrt(n) */
	double l = floor((double)n / 2.0 - half);      /* 1-based rank */
	double h = ceil(1.0 + (double)n / 2.0 + half); /* 1-based rank */

	if (l < 1)
		l = 1;
	if (h > (double)n)
		h = (double)n;
	*lo = (size_t)l - 1;
	*hi = (size_t)h - 1;
}

void
tttd_stats_compute(const double *x, size_t n, struct tttd_stats *st)
{
	double *s, sum = 0, ss = 0;
	size_t i, lo, hi;

	memset(st, 0, sizeof(*st));
	if (n == 0)
		return;
	s = xmalloc(n * sizeof(*s));
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	for (i = 0; i < n; i++)
		sum += s[i];
	st->n = n;
	st->mean = sum / (double)n;
	for (i = 0; i < n; i++)
		ss += (s[i] - st->mean) * (s[i] - st->mean);
	st->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
	st->min = s[0];
	st->max = s[n - 1];
	st->median = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
	tttd_median_ci(n, &lo, &hi);
	st->ci_lo = s[lo];
	st->ci_hi = s[hi];
	free(s);
}

double
tttd_rse(const double *x, size_t n)
{
	double sum = 0, ss = 0, mean;
	size_t i;

	if (n < 2)
		return INFINITY;
	for (i = 0; i < n; i++)
		sum += x[i];
	mean = sum / (double)n;
	if (!(mean > 0))
		return INFINITY;
	for (i = 0; i < n; i++)
		ss += (x[i] - mean) * (x[i] - mean);
	return sqrt(ss / (double)(n - 1)) / sqrt((double)n) / mean;
}

double
tttd_geomean(const double *x, size_t n)
{
	double s = 0;
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (!(x[i] > 0))
			return 0;
		s += log(x[i]);
	}
	return exp(s / (double)n);
}

int
tttd_bench_stop(const double *x, size_t n, double elapsed_s, double budget_s,
		const struct tttd_bench_opts *o)
{
	if (n >= (size_t)o->max_reps)
		return 1;
	if (n >= 1 && elapsed_s >= budget_s)
		return 1;
	return n >= (size_t)o->min_reps && tttd_rse(x, n) < o->rse;
}

double
tttd_bench_floor_ns(const struct tttd_task *t, const struct tttd_shape *s, double bytes_per_s,
		    double flops_per_s)
{
	double floor_ns = 0;

	if (t->bytes && bytes_per_s > 0) {
		long v = tttd_task_eval_shape(t, t->bytes, s);

		if (v > 0 && (double)v / bytes_per_s * 1e9 > floor_ns)
			floor_ns = (double)v / bytes_per_s * 1e9;
	}
	if (t->flops && flops_per_s > 0) {
		long v = tttd_task_eval_shape(t, t->flops, s);

		if (v > 0 && (double)v / flops_per_s * 1e9 > floor_ns)
			floor_ns = (double)v / flops_per_s * 1e9;
	}
	return floor_ns;
}

uint64_t
tttd_bench_case_seed(uint64_t seed, const char *id, size_t idx)
{
	/* FNV-1a of the id: ids are already hashes, this only folds them to 64 bits. */
	uint64_t h = 0xcbf29ce484222325ull;
	const unsigned char *p;

	for (p = (const unsigned char *)(id ? id : ""); *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	return tttd_mix64(tttd_mix64(seed, h), (uint64_t)idx) & ((1ull << 53) - 1);
}
