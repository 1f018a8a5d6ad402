/*
 * bench.h - checking and timing compiled candidates in killable worker
 * processes (tttd-bench).
 *
 * A struct tttd_bench serves one task.  It forks a worker process that owns
 * a backend (the parent never touches a device); the first worker compiles
 * the task's reference for its device and hands the bytes back, so the
 * reference is compiled once per process.  The parent sends it one request per candidate over a socket; the
 * worker loads the object, checks it against the reference on fresh seeded
 * inputs at every check and bench shape (outputs poisoned with NaN before
 * each call), times it with the protocol below, and replies with the keys to
 * set.  A case lives on the device: the backend fills the inputs, poisons
 * and compares (backend.h), so no buffer crosses to the host.  The parent enforces a per-candidate timeout: a worker that hangs is
 * killed (status "timeout"), one that dies is reaped (status "crash", the
 * signal in the reason), one whose resident memory passes the task's limit
 * (CPU target: 1 GiB plus 4x the largest shape's buffers) is killed (status
 * "oom"), and a fresh worker serves the next candidate.  What a candidate
 * writes to stderr goes into its record ("stderr", the first 4 KiB).
 *
 * The check at each shape runs the candidate first and the reference after
 * it on the same inputs, so no reference output for a candidate's inputs
 * exists while its code runs.
 *
 * Timing protocol (2), the same for every backend, at each bench shape:
 * warm-up runs on the check's inputs (at least one, up to about 50 ms),
 * then timed calls, each on inputs no call has seen: generated on the
 * device from a new seed, tttd_mix64(case seed ^ salt, call number) (salt
 * from getrandom after the candidate is loaded, so it cannot draw them), then the
 * outputs poisoned, a backend flush (unless disabled), and the backend's
 * timer around run() only; until the relative standard error of the mean
 * is below opts.rse after opts.min_reps, or opts.max_reps, or the shape's
 * share of opts.max_time_s.  Right after each call (after sync), its
 * outputs are scanned: an element still NaN (the poison) fails the
 * candidate ("nan": work skipped, or left to a later call; skipped where
 * the reference's own outputs hold NaN).  A uniform random sample of the
 * calls (reservoir sampling, drawn from getrandom after each call, so the
 * candidate cannot know which) keeps its outputs; after the last call the
 * reference runs on each kept call's inputs, generated again, and every
 * element is compared ("wrong"/"nan", naming the call).  At least 2 calls
 * are sampled per shape, up to 8 while their reference runs cost at most a
 * quarter of the shape's timing budget.  So replaying a memo keyed on the
 * inputs, replaying an earlier call, deferring output or changing
 * behaviour after N launches either gains nothing or fails.
 * time_ns is the geometric mean of the per-shape medians.
 *
 * On the CPU target the candidate runs in a sandboxed process of its own
 * (sandbox.h), apart from the worker that times and checks it and speaks to
 * the parent; its buffers are memory the two share, it is stopped while
 * the worker reads them, and its resident memory counts toward the limit.
 *
 * Protocol 1 (TTTD_BENCH_PROTOCOL=1 in the environment; kept only to
 * measure what protocol 2 costs, bench/trust-cost.sh): the reference ran
 * first, every timed call reused the check's inputs, and only the last
 * timed call's outputs were checked.
 *
 * The statistics helpers are pure functions, exported for the unit tests.
 * Nothing here prints.
 */
#ifndef TTTD_BENCH_H
#define TTTD_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "rec.h"
#include "task.h"
#include "tttd.h"

struct tttd_backend;

struct tttd_bench_opts {
	const char *backend; /* "cpu", "cuda" or "auto" (auto: the task's target); borrowed */
	int device;
	double timeout_s;  /* per candidate, whole evaluation; default 10 */
	double max_time_s; /* timing budget per candidate, split over bench shapes; default 2 */
	double rse;        /* target relative standard error of the mean; default 0.01 */
	long min_reps;     /* default 5 */
	long max_reps;     /* default 200 */
	int flush;         /* flush caches before each repetition; default 1 */
	uint64_t seed;     /* default 1 */
	const char *cc;    /* C compiler for the cpu reference; NULL: "cc" */
	const char *arch;  /* architecture for a cuda reference; NULL: the compiler decides */
	/*
	 * Time the reference again right before each candidate, and interleave
	 * the task's builtin baseline with the candidate's timed calls (one
	 * baseline call after each, same protocol), so ref_ns, baseline_ns and
	 * time_ns are adjacent measurements (A/B pairs) rather than minutes
	 * apart on a machine whose speed drifts: a GPU's clocks follow its
	 * power and heat and moved a baseline timed once by 15%.  Default 0:
	 * each once per process.
	 */
	int paired;
	/*
	 * With paired: time the reference once per process all the same, and
	 * pair only the baseline (a search's steps, whose speed-ups divide the
	 * run's one reference, tttd-bench --ref-ns, and whose ranking needs only
	 * baseline_ratio: re-timing a slow reference per candidate would double
	 * the cost of an evaluation for nothing).  Default 0.
	 */
	int paired_baseline_only;
	/*
	 * The timing protocol (above): 2, or 1 where the environment has
	 * TTTD_BENCH_PROTOCOL=1 (tttd_bench_opts_init reads it).
	 */
	int protocol;
};

/* Fill o with the defaults above. */
void tttd_bench_opts_init(struct tttd_bench_opts *o);

/* ---- statistics (pure) ---- */

struct tttd_stats {
	double median, mean, stddev, min, max;
	double ci_lo, ci_hi; /* 95% confidence interval of the median (order statistics) */
	size_t n;
};

/*
 * Summarise n samples (not modified; a sorted copy is made).  stddev is the
 * sample standard deviation (n - 1), 0 when n < 2.  All fields 0 for n = 0.
 */
void tttd_stats_compute(const double *x, size_t n, struct tttd_stats *st);
/*
 * The 0-based indexes into the sorted samples of a distribution-free 95%
 * confidence interval of the median: ranks n/2 -+ 0.98 sqrt(n) (normal
 * approximation of the binomial), clamped to the sample.  n >= 1.
 */
void tttd_median_ci(size_t n, size_t *lo, size_t *hi);
/* Relative standard error of the mean: (stddev / sqrt(n)) / mean; +inf when n < 2 or mean <= 0. */
double tttd_rse(const double *x, size_t n);
/* Geometric mean of n positive values; 0 if n = 0 or any value <= 0. */
double tttd_geomean(const double *x, size_t n);
/*
 * The adaptive stop rule after n timed repetitions taking elapsed_s so far
 * (of a budget of budget_s): stop at max_reps; at budget_s once n >= 1; or
 * once n >= min_reps and the rse is below o->rse.  @return 1 to stop.
 */
int tttd_bench_stop(const double *x, size_t n, double elapsed_s, double budget_s,
		    const struct tttd_bench_opts *o);
/*
 * The physical floor of the task at shape s: max(bytes / bytes_per_s,
 * flops / flops_per_s) in ns, using whichever of the task's flops/bytes
 * expressions exist and whichever peak is > 0.  0 when nothing is known.
 */
double tttd_bench_floor_ns(const struct tttd_task *t, const struct tttd_shape *s,
			   double bytes_per_s, double flops_per_s);
/*
 * The input seed of check number idx (check shapes first, then bench
 * shapes) of candidate id under run seed.  Below 2^53 so that JSON tools
 * (jq) read it back exactly.
 */
uint64_t tttd_bench_case_seed(uint64_t seed, const char *id, size_t idx);

/* ---- the driver (parent side) ---- */

struct tttd_bench;

/*
 * Prepare to bench candidates of task t (borrowed: it must outlive the
 * bench) with opts o (copied; its strings are borrowed).  Reads the
 * reference source.  Starts nothing yet.  A task whose target evaluates
 * candidates itself (the model target) gets a bench with no worker and no
 * reference: tttd_bench_run evaluates in this process, whatever o->backend.
 * @return TTTD_OK, TTTD_EINVAL (backend does not match the task's target),
 * TTTD_ENODEV (the task's compile target is not built), TTTD_EIO.
 */
int tttd_bench_new(struct tttd_bench **out, const struct tttd_task *t,
		   const struct tttd_bench_opts *o, struct tttd_error *e);

/*
 * Start a worker (if none is running) and, the first time, time the
 * reference at the bench shapes.  Called by tttd_bench_run; call it early to
 * fail fast.  @return TTTD_OK, TTTD_ENODEV ("no CUDA device: ..."), TTTD_EGPU,
 * TTTD_ECOMPILE (the reference does not compile: the compiler's first error),
 * or TTTD_EIO (cannot fork; the reference crashed or timed out).
 */
int tttd_bench_start(struct tttd_bench *b, struct tttd_error *e);

/*
 * Benchmark candidate r (a record with status "compiled", "id" and
 * "object") and set on it: status (ok, wrong, nan, crash, timeout, oom,
 * load_error, too_fast, launch_error), reason (failures), time_ns, ref_ns,
 * speedup, timing, check (as far as it got), device, bench_ms, and stderr
 * (what the candidate wrote there, if anything).  "object" is
 * removed unless keep_object.  A failing candidate is TTTD_OK: the error
 * return is for tttd's own failures (as tttd_bench_start).
 */
int tttd_bench_run(struct tttd_bench *b, struct tttd_rec *r, int keep_object, struct tttd_error *e);

/* The device the worker reported (after a successful start), else "". */
const char *tttd_bench_device(const struct tttd_bench *b);
/* The reference time (geometric mean of medians), 0 before it is measured. */
double tttd_bench_ref_ns(const struct tttd_bench *b);
/* Kill the worker, free.  Accepts NULL. */
void tttd_bench_free(struct tttd_bench *b);

#endif
