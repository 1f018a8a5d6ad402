/*
 * backend.h - a place candidates run: the CPU (always built, the oracle) and
 * CUDA (built when the toolkit is present).  A backend is a small vtable used
 * inside a tttd-bench worker process; the timing protocol, checking and
 * worker management in bench.c are the same for every backend.
 *
 * Buffers are opaque device pointers (host pointers on the CPU).  A kernel
 * handle is whatever load() returns (a dlopen'd function on the CPU, a
 * CUlibrary and its kernels on CUDA).
 */
#ifndef TTTD_BACKEND_H
#define TTTD_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "inputs.h"
#include "task.h"
#include "tttd.h"

struct tttd_backend;

/*
 * The backends are named in the target table (target.h), which is where
 * tttd_backend_open finds them; an ops struct carries no name of its own.
 */
struct tttd_backend_ops {
	/* TTTD_ENODEV with a clear message if the device is absent. */
	int (*open)(struct tttd_backend *b, int device, struct tttd_error *e);
	void (*close)(struct tttd_backend *b);
	/*
	 * Load a compiled object (shared object bytes, cubin) and resolve the
	 * entry points the task needs (entry, or each launch's kernel).
	 */
	int (*load)(struct tttd_backend *b, const struct tttd_task *t, const void *obj, size_t n,
		    const char *entry, void **kernel, struct tttd_error *e);
	/*
	 * Optional: load a candidate (untrusted) rather than the reference; NULL:
	 * load.  The CPU puts it in a sandboxed process of its own.
	 */
	int (*load_candidate)(struct tttd_backend *b, const struct tttd_task *t, const void *obj,
			      size_t n, const char *entry, void **kernel, struct tttd_error *e);
	void (*unload)(struct tttd_backend *b, void *kernel);
	int (*alloc)(struct tttd_backend *b, size_t bytes, void **dev, struct tttd_error *e);
	/* Optional: a buffer a candidate runs on (the CPU: memory its process shares); NULL: alloc. */
	int (*alloc_io)(struct tttd_backend *b, size_t bytes, void **dev, struct tttd_error *e);
	void (*free)(struct tttd_backend *b, void *dev);
	/*
	 * One execution of the kernel (all launches of the plan) on buffers buf
	 * at shape s with decisions choice.  Asynchronous on CUDA; sync() waits
	 * and reports a launch or execution error.
	 */
	int (*run)(struct tttd_backend *b, void *kernel, const struct tttd_task *t,
		   const struct tttd_shape *s, const int *choice, void **buf, struct tttd_error *e);
	int (*sync)(struct tttd_backend *b, struct tttd_error *e);
	/* Evict caches so the next run starts cold (CPU: sweep a large buffer; CUDA: memset an L2-sized buffer). */
	int (*flush)(struct tttd_backend *b, struct tttd_error *e);
	/* Timer around run(): device events on CUDA, CLOCK_MONOTONIC on the CPU. */
	int (*timer_start)(struct tttd_backend *b, struct tttd_error *e);
	int (*timer_stop)(struct tttd_backend *b, double *ns, struct tttd_error *e);
	/*
	 * The case on the device (bench.c), so that nothing of a case crosses to
	 * the host: fill n elements of dev from a distribution (deterministic per
	 * seed; the CPU draws exactly what tttd_fill draws), poison outputs
	 * (tttd_poison's values), copy n bytes between buffers, and compare got
	 * with want as tttd_compare does, adding to c (c->bad counts the
	 * failures).  Ordered after earlier run()s; compare waits for the result.
	 */
	int (*fill)(struct tttd_backend *b, void *dev, enum tttd_dtype d, size_t n,
		    enum tttd_dist dist, double scale, uint64_t seed, struct tttd_error *e);
	int (*poison)(struct tttd_backend *b, void *dev, enum tttd_dtype d, size_t n,
		      struct tttd_error *e);
	int (*copy)(struct tttd_backend *b, void *dst, const void *src, size_t n, struct tttd_error *e);
	int (*compare)(struct tttd_backend *b, struct tttd_cmp *c, enum tttd_dtype d, const void *got,
		       const void *want, size_t n, double rtol, double atol, struct tttd_error *e);
	/*
	 * Optional (NULL: bench.c compares with an all-poison buffer instead):
	 * set *count to the number of elements of dev that still hold the
	 * poison as any kernel sees it, NaN (INT32_MIN for i32).  Ordered after
	 * earlier run()s; waits for the result.
	 */
	int (*count_poison)(struct tttd_backend *b, const void *dev, enum tttd_dtype d, size_t n,
			    size_t *count, struct tttd_error *e);
	/* A human name of the device ("NVIDIA H100 80GB HBM3", CPU model). */
	const char *(*device_name)(struct tttd_backend *b);

	/* Optional members: NULL where the backend has no such thing. */

	/*
	 * Prepare the open backend for task t before any alloc_io or
	 * load_candidate, with timeout_s per sandboxed load or call (the CPU:
	 * size its shared arena for the largest case).
	 */
	int (*prepare)(struct tttd_backend *b, const struct tttd_task *t, double timeout_s,
		       struct tttd_error *e);
	/*
	 * The device's measured ceilings for the physical floor check: bytes
	 * read + written per second and arithmetic per second (backend_cuda.h).
	 * NULL: unknown, and no candidate is "too_fast".
	 */
	int (*peaks)(struct tttd_backend *b, double *bytes_per_s, double *flops_per_s,
		     struct tttd_error *e);
	/*
	 * Builtin baselines timed beside a candidate: is name one, and run it
	 * asynchronously like run() on the task's buffers (backend_cuda.h).
	 */
	int (*baseline_known)(const char *name);
	int (*baseline)(struct tttd_backend *b, const char *name, const struct tttd_task *t,
			const struct tttd_shape *s, void **buf, struct tttd_error *e);
	/* The open device's architecture ("sm_90"), to compile the reference for it. */
	void (*arch)(struct tttd_backend *b, char *buf, size_t n);
};

struct tttd_backend {
	const struct tttd_backend_ops *ops;
	void *state; /* the backend's own */
	int device;
};

/* Named in the target table (target.c); tttd_cuda_ops exists only in CUDA builds. */
extern const struct tttd_backend_ops tttd_cpu_ops;
extern const struct tttd_backend_ops tttd_cuda_ops;
/*
 * The CPU's prepare: size its shared arena for task t (its largest case)
 * and set the sandbox's timeout per load or call.  @return TTTD_OK,
 * TTTD_EIO (cannot map).
 */
int tttd_cpu_prepare(struct tttd_backend *b, const struct tttd_task *t, double timeout_s,
		     struct tttd_error *e);

/*
 * Open the backend of the target called name, or with "auto" the first in
 * the target table's order that opens (the device if built and present,
 * else the host).  @return TTTD_OK, TTTD_ENODEV ("no CUDA device: ..."),
 * TTTD_EINVAL (no such backend).
 */
int tttd_backend_open(struct tttd_backend *b, const char *name, int device, struct tttd_error *e);
void tttd_backend_close(struct tttd_backend *b);

#endif
