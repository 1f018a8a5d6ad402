/*
 * test_bench.c - the statistics of the timing protocol in lib/bench/bench.c:
 * median and its order-statistic confidence interval, the relative standard
 * error, the geometric mean, the adaptive stop rule on synthetic samples,
 * the physical floor and the per-check seeds.  The worker processes are
 * exercised end to end by tests/pipeline/bench_faults.sh.
 */
#include <math.h>
#include <string.h>

#include "bench.h"
#include "rng.h"
#include "test.h"

static void
test_stats(void)
{
	double odd[5] = { 5, 1, 4, 2, 3 };
	double even[4] = { 10, 40, 20, 30 };
	double x[100];
	struct tttd_stats st;
	size_t lo, hi, i;

	tttd_stats_compute(odd, 5, &st);
	T_CHECK("median of odd n", st.median == 3 && st.n == 5);
	T_CHECK("min max", st.min == 1 && st.max == 5);
	T_NEAR("mean", st.mean, 3, 1e-12);
	T_NEAR("sample stddev (n - 1)", st.stddev, sqrt(2.5), 1e-12);
	T_CHECK("input not reordered", odd[0] == 5 && odd[4] == 3);
	tttd_stats_compute(even, 4, &st);
	T_CHECK("median of even n averages the middle two", st.median == 25);
	tttd_stats_compute(even, 1, &st);
	T_CHECK("one sample", st.median == 10 && st.stddev == 0 && st.ci_lo == 10 && st.ci_hi == 10);
	tttd_stats_compute(even, 0, &st);
	T_CHECK("no samples", st.n == 0 && st.median == 0);

	/* Ranks 40 and 61 (1-based) for n = 100: the textbook 95% interval. */
	tttd_median_ci(100, &lo, &hi);
	T_CHECK("CI ranks for n = 100", lo == 39 && hi == 60);
	tttd_median_ci(10, &lo, &hi);
	T_CHECK("CI for small n spans the sample", lo == 0 && hi == 9);
	tttd_median_ci(1, &lo, &hi);
	T_CHECK("CI for n = 1", lo == 0 && hi == 0);
	for (i = 0; i < 100; i++)
		x[i] = (double)(99 - i); /* 99..0 */
	tttd_stats_compute(x, 100, &st);
	T_CHECK("CI from the sorted order statistics", st.ci_lo == 39 && st.ci_hi == 60);
	T_CHECK("CI brackets the median", st.ci_lo <= st.median && st.median <= st.ci_hi);
}

static void
test_rse_geomean(void)
{
	double c[3] = { 7, 7, 7 };
	double v[4] = { 9, 11, 9, 11 };
	double g[3] = { 1, 10, 100 };

	T_CHECK("rse of constants is 0", tttd_rse(c, 3) == 0);
	/* mean 10, stddev sqrt(4/3), se = stddev / 2 */
	T_NEAR("rse", tttd_rse(v, 4), sqrt(4.0 / 3.0) / 2.0 / 10.0, 1e-12);
	T_CHECK("rse needs two samples", isinf(tttd_rse(v, 1)));
	T_NEAR("geometric mean", tttd_geomean(g, 3), 10, 1e-9);
	T_CHECK("geometric mean of nothing", tttd_geomean(g, 0) == 0);
	g[1] = 0;
	T_CHECK("geometric mean with a zero", tttd_geomean(g, 3) == 0);
}

static void
test_stop(void)
{
	struct tttd_bench_opts o;
	struct tttd_rng r;
	double x[300];
	size_t n;

	tttd_bench_opts_init(&o);
	T_CHECK("defaults", o.min_reps == 5 && o.max_reps == 200 && o.rse == 0.01 &&
				    o.timeout_s == 10 && o.max_time_s == 2 && o.flush == 1);

	/* Quiet samples: stop as soon as min_reps is reached. */
	for (n = 0; n < 300; n++)
		x[n] = 1000.0 + (double)(n % 2);
	for (n = 1; !tttd_bench_stop(x, n, 0, 1, &o); n++)
		;
	T_CHECK("quiet: stops at min_reps", n == 5);

	/* Noisy samples (20% stddev): rse 0.01 needs about (0.2/0.01)^2 = 400 > max_reps. */
	tttd_rng_seed(&r, 3);
	for (n = 0; n < 300; n++)
		x[n] = 1000.0 * (1.0 + 0.2 * tttd_rng_normal(&r));
	for (n = 1; !tttd_bench_stop(x, n, 0, 1, &o); n++)
		;
	T_CHECK("noisy: stops at max_reps", n == 200);
	o.rse = 0.05; /* (0.2/0.05)^2 = 16 samples, give or take */
	for (n = 1; !tttd_bench_stop(x, n, 0, 1, &o); n++)
		;
	T_CHECK("noisy: looser rse stops in between", n > 5 && n < 60);
	T_CHECK("and the rse is then below target", tttd_rse(x, n) < 0.05 && tttd_rse(x, n - 1) >= 0.05);

	/* Out of time: stop after one sample, even before min_reps. */
	o.rse = 0.01;
	T_CHECK("budget spent stops", tttd_bench_stop(x, 1, 2.0, 1.0, &o));
	T_CHECK("budget left goes on", !tttd_bench_stop(x, 1, 0.5, 1.0, &o));
	T_CHECK("never stops with no sample", !tttd_bench_stop(x, 0, 5.0, 1.0, &o));
}

static void
test_floor_and_seeds(void)
{
	struct tttd_task *t = NULL;
	struct tttd_error e;
	struct tttd_shape s = { { 1000 } };
	uint64_t a, b;

	if (tttd_task_load(&t, "tests/data/faulty/vadd", &e) < 0) {
		T_CHECK(e.msg, 0);
		return;
	}
	/* bytes 12*N = 12000 at 1e9 B/s = 12000 ns; flops N = 1000 at 1e12 = 1 ns. */
	T_NEAR("floor from bytes", tttd_bench_floor_ns(t, &s, 1e9, 1e12), 12000, 1e-6);
	T_NEAR("floor from flops when larger", tttd_bench_floor_ns(t, &s, 1e15, 1e8), 10000, 1e-6);
	T_CHECK("no peaks, no floor", tttd_bench_floor_ns(t, &s, 0, 0) == 0);
	tttd_task_free(t);

	a = tttd_bench_case_seed(1, "abc", 0);
	b = tttd_bench_case_seed(1, "abc", 0);
	T_CHECK("case seed deterministic", a == b);
	T_CHECK("differs per check", a != tttd_bench_case_seed(1, "abc", 1));
	T_CHECK("differs per candidate", a != tttd_bench_case_seed(1, "abd", 0));
	T_CHECK("differs per run seed", a != tttd_bench_case_seed(2, "abc", 0));
	T_CHECK("below 2^53", a < (1ull << 53) && tttd_bench_case_seed(99, "zz", 7) < (1ull << 53));
}

int
main(void)
{
	test_stats();
	test_rse_geomean();
	test_stop();
	test_floor_and_seeds();
	return T_DONE();
}
