/*
 * bench_int.h - what the files of the bench module share and nothing else
 * includes.  bench.h is the module's interface; this header is how
 * bench.c (the parent: spawning, feeding and reaping workers),
 * bench_frame.c (the socket's frames and error replies), bench_worker.c
 * (the worker process and its requests), bench_eval.c (a case on the
 * device, checking a candidate's outputs, the timing protocol) and
 * bench_stats.c (the statistics) reach each other.
 */
#ifndef TTTD_BENCH_INT_H
#define TTTD_BENCH_INT_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "bench.h"
#include "inputs.h"
#include "rec.h"
#include "task.h"
#include "tttd.h"

#define WARMUP_NS 50000000.0  /* ns of warm-up per shape */
#define WARMUP_MAX 100        /* runs */
#define START_TIMEOUT_S 60.0  /* opening a backend (CUDA context creation is slow) */
#define FRAME_MAX (1u << 30)  /* bytes: an object larger than this is not a kernel */
#define TOO_FAST 0.9          /* a median below this share of the physical floor is "too_fast" */
#define STDERR_KEEP 4096      /* bytes of a candidate's stderr kept in its record */
#define STDERR_FILE 65536     /* bytes it may write per candidate; a write past them fails */
#define MEM_BASE (1ull << 30) /* bytes a CPU worker may hold beyond 4x the task's buffers */
#define MEM_POLL_MS 20        /* how often the worker's memory is read while it works */
/*
 * Timed calls per bench shape whose outputs are compared with the
 * reference's, chosen at random after the calls (bench.h): at least
 * TIMED_CHECKS_MIN, more while they cost at most TIMED_CHECK_SHARE of the
 * shape's timing budget (a cheap reference), never more than
 * TIMED_CHECKS_MAX or more than TIMED_CHECK_BYTES of kept outputs beyond
 * the minimum.
 */
#define TIMED_CHECKS_MIN 2
#define TIMED_CHECKS_MAX 8
#define TIMED_CHECK_SHARE 0.25
#define TIMED_CHECK_BYTES (512ull << 20)

/* ---- frames (bench_frame.c) ---- */

enum { RECV_OK = 1,
       RECV_EOF = 0,
       RECV_TIMEOUT = -100 };

/*
 * Send record r as one frame (4-byte little-endian length, msgpack) on
 * the socket fd.  @return 0, or -1 (the peer is gone: EPIPE, never SIGPIPE).
 */
int tttd_bench_send_rec(int fd, const struct tttd_rec *r);
/*
 * Receive one frame into r (initialised) before deadline_ns (0: none).
 * @return RECV_OK, RECV_EOF, RECV_TIMEOUT, or a tttd error (a bad frame).
 */
int tttd_bench_recv_rec(int fd, struct tttd_rec *r, uint64_t deadline_ns, struct tttd_error *e);
/* Put error e in reply p (keys _code, _error: for the parent only). */
void tttd_bench_reply_error(struct tttd_rec *p, const struct tttd_error *e);
/*
 * The other side of tttd_bench_reply_error: if reply p carries an error,
 * set e to it and @return its code, else @return TTTD_OK.
 */
int tttd_bench_reply_get_error(const struct tttd_rec *p, struct tttd_error *e);

/* ---- the worker (bench_worker.c) ---- */

/* A worker process's state: the task, the options, its backend and the loaded reference. */
struct worker {
	const struct tttd_task *t;
	const struct tttd_bench_opts *o;
	const unsigned char *ref_obj; /* NULL: compile it (first worker) */
	size_t ref_len;
	const char *ref_src, *ref_path;
	size_t ref_src_len;
	struct tttd_backend be;
	void *ref;                  /* the loaded reference */
	double peak_bw, peak_flops; /* measured by the first worker, handed on by the parent */
	/*
	 * The task's builtin baseline (cuBLAS) per bench shape, timed once per
	 * worker with the candidates' protocol on the first candidate's inputs
	 * (paired: one baseline call after each of the candidate's timed calls,
	 * on its inputs; tttd_bench_time_kernel).
	 */
	double *base_med;
	int have_base; /* 1 measured, 0 not yet, -1 failed or none */
};

/*
 * The worker's life: open the backend, compile and load the reference,
 * then answer requests on fd until it closes; stderr goes to errfd.
 * Never returns (_exit).
 */
void tttd_bench_worker_main(struct worker *w, int fd, int errfd) __attribute__((noreturn));

/* ---- a case, its checks and its timing (bench_eval.c) ---- */

/*
 * One task at one shape, all of it on the device: the buffers, a pristine
 * copy of each input (to catch a candidate that writes its inputs) and the
 * reference's outputs.  Nothing crosses to the host but verdicts.
 */
struct bcase {
	struct tttd_inputs in; /* sizes only */
	void **dev;
	void **orig; /* inputs as generated */
	/*
	 * Outputs kept beside dev: the reference's (protocol 1), or the
	 * candidate's while the reference then runs on the same inputs
	 * (protocol 2: no reference output exists while candidate code runs).
	 */
	void **want;
	void **pois;   /* an all-poison copy of each output, for a backend without count_poison */
	uint64_t seed; /* the inputs' seed; timed call i draws from tttd_mix64(seed, i) */
	double ref_s;  /* wall seconds of one reference run here (0: not run) */
	int ref_nan;   /* the reference's own outputs hold NaN here: no poison scan */
};

/* Outcome of evaluating one candidate in the worker. */
struct verdict {
	const char *status; /* NULL while all is well */
	char reason[512];
	int restart; /* the backend may be poisoned: the worker must be replaced */
};

/* A timed call's outputs, kept until the checks after the calls. */
struct slot {
	void **out;    /* a copy of each output (NULL for the other buffers) */
	uint64_t seed; /* its inputs */
	size_t call;   /* 1-based */
};

/* What tttd_bench_time_kernel checks of a candidate's timed calls, and what it found. */
struct timed_check {
	struct verdict *v;
	struct tttd_cmp *total;
	size_t calls, checked; /* timed calls made; compared with the reference */
	/*
	 * pair = 1 (in): a call of the task's builtin baseline follows each
	 * timed call, same protocol, so that both see the same clocks; out: its
	 * times' statistics, and the 95% confidence interval of the median of
	 * the per-call ratios baseline / candidate.  pair becomes 0 if the
	 * baseline cannot run (then nothing is paired).
	 */
	int pair;
	struct tttd_stats base;
	double ratio_lo, ratio_hi;
};

/* Set up case c of shape s with inputs drawn from seed; release it. */
int tttd_bench_case_setup(struct worker *w, const struct tttd_shape *s, uint64_t seed,
			  struct bcase *c, struct tttd_error *e);
void tttd_bench_case_release(struct worker *w, struct bcase *c);
/* Set v's status and reason (printf); a backend error r as "crash" or "launch_error". */
void tttd_bench_verdict_set(struct verdict *v, const char *status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tttd_bench_verdict_backend(struct verdict *v, int r, const struct tttd_error *e);
/* "MxNxK" of shape s into buf. */
void tttd_bench_format_shape(const struct tttd_task *t, const struct tttd_shape *s, char *buf,
			     size_t n);
/*
 * Compare outputs got with want at case c (what names them in a reason),
 * adding to total; a mismatch sets v.  @return TTTD_OK or a backend error.
 */
int tttd_bench_check_outputs(struct worker *w, struct bcase *c, const struct tttd_shape *s,
			     const char *what, void **got, void **want, struct tttd_cmp *total,
			     struct verdict *v, struct tttd_error *e);
/*
 * The check at one case: the candidate (kernel, choice) and the reference on
 * the same inputs, outputs compared, inputs checked unchanged.
 */
int tttd_bench_check_case(struct worker *w, void *kernel, const int *choice,
			  const struct tttd_shape *s, int is_bench, struct bcase *c,
			  struct tttd_cmp *total, struct verdict *v, struct tttd_error *e);
/*
 * Time kernel (NULL: the task's builtin baseline) at case c within
 * budget_s under the timing protocol (bench.h) into st; tc (may be NULL)
 * checks sampled timed calls.
 */
int tttd_bench_time_kernel(struct worker *w, void *kernel, const int *choice,
			   const struct tttd_shape *s, struct bcase *c, double budget_s,
			   struct tttd_stats *st, struct timed_check *tc, struct tttd_error *e);
/* Whether the task's builtin baseline can run in this worker (then base_med exists). */
int tttd_bench_baseline_usable(struct worker *w);
/* Time the task's builtin baseline at bench shape i, once per worker (unless paired calls did). */
int tttd_bench_time_baseline(struct worker *w, size_t i, const struct tttd_shape *s,
			     struct bcase *c, struct tttd_error *e);
/* Shape k of the check shapes then the bench shapes; *is_bench says which. */
const struct tttd_shape *tttd_bench_nth_shape(const struct tttd_task *t, size_t k, int *is_bench);
/* A shape's dims, and one shape's timing (with the baseline's when base_ns > 0), packed. */
void tttd_bench_pack_shape(msgpack_packer *pk, const struct tttd_task *t,
			   const struct tttd_shape *s);
void tttd_bench_pack_stats(msgpack_packer *pk, const struct tttd_task *t,
			   const struct tttd_shape *s, const struct tttd_stats *st, double base_ns,
			   const double *ratio_ci);

#endif
