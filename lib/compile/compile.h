/*
 * compile.h - turning candidate records into compiled candidate records.
 *
 * Two layers:
 *
 *  - A compile target (struct tttd_compile_target) compiles one source with
 *    one set of options for one architecture into object bytes plus a log.
 *    "cpu" (compile_cpu.c) runs the system C compiler into a shared object;
 *    "cuda" (nvrtc.c, adapted in compile.c when built with the CUDA toolkit)
 *    runs NVRTC into a cubin and also reports resources.  A candidate that does not compile is a
 *    result (ok = 0, a log, a reason), not a tttd error; tttd errors are for
 *    tttd's own health (cannot fork, cannot create a temporary directory,
 *    the compiler does not exist).
 *
 *  - The driver (struct tttd_compiler, compile.c) takes records one at a
 *    time, compiles candidates on a pool of worker threads with cache
 *    lookups first, and hands every record back through a callback in input
 *    order, each as soon as it and all before it are done.  Records that are
 *    not candidates, or whose status is set and is not "generated", pass
 *    through unchanged.
 *
 * Keys the driver sets on a compiled candidate (docs/schema.md): status
 * ("compiled" or "compile_error"), reason (failures only), compile_log,
 * compile_ms, cache_key, cached, object (successes only), resources (when
 * the target reports any), tool (when opts.tool is set).
 *
 * Nothing here prints.
 */
#ifndef TTTD_COMPILE_H
#define TTTD_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "rec.h"
#include "tttd.h"

#define TTTD_COMPILE_LOG_MAX (64 * 1024) /* bytes of compiler output kept */

/* What one compile needs.  All borrowed. */
struct tttd_compile_in {
	const char *source; /* NUL-terminated */
	size_t source_len;
	const char *options; /* cflags (cpu) or NVRTC options (cuda), whitespace separated; may be "" */
	const char *arch;    /* "sm_90" for cuda; "" for cpu */
};

/* One named integer a target reports ("registers", "shared_bytes", "spill_bytes"...). */
struct tttd_compile_resource {
	char name[32];
	int64_t value;
};

/*
 * What one compile produced; all owned by the struct and released by
 * tttd_compile_out_release.  A target fills ok, object (when ok), log
 * (always, possibly empty), reason (when !ok: the first error line, or what
 * happened, e.g. "compiler timed out after 60 s") and resources.
 */
struct tttd_compile_out {
	int ok;
	unsigned char *object;
	size_t object_len;
	char *log; /* NUL-terminated, at most TTTD_COMPILE_LOG_MAX bytes + a truncation note */
	char *reason;
	struct tttd_compile_resource *res;
	size_t nres;
	int cacheable; /* 0 for outcomes that depend on the moment (timeouts, signals) */
};

void tttd_compile_out_init(struct tttd_compile_out *o);
void tttd_compile_out_release(struct tttd_compile_out *o);
/* Append a resource (name is truncated to 31 bytes). */
void tttd_compile_out_add_resource(struct tttd_compile_out *o, const char *name, int64_t value);
/*
 * The line of a compile log to quote as a failure's reason: the first one
 * holding "error", else (any_line) the first non-empty one; NULL if none.
 * The caller frees it.
 */
char *tttd_compile_log_reason(const char *log, int any_line);

/* Settings shared by the driver and the targets.  Strings borrowed. */
struct tttd_compile_opts {
	int jobs;          /* worker threads, >= 1 */
	const char *cc;    /* C compiler for "cpu" (default "cc") */
	const char *arch;  /* architecture for "cuda" ("sm_90"); NULL: the target decides */
	const char *cache; /* cache directory, or NULL for no cache */
	double timeout_s;  /* per compile; 0 means 60 */
	const char *tool;  /* "tttd-compile": the stamp (schema.h) of records it changes; or NULL */
};

/*
 * A compile target.  identity() is called once per process for each (target,
 * compiler) pair, before the first compile with it, and names the compiler for the cache key (first
 * line of `cc --version`; the NVRTC version): a different compiler must
 * give a different string.  compile() must be safe to call from several
 * threads at once.  Both return TTTD_OK or a tttd error (and then the
 * driver stops); a source that fails to compile is TTTD_OK with out->ok = 0.
 */
struct tttd_compile_target {
	int (*identity)(const struct tttd_compile_opts *o, char **id, struct tttd_error *e);
	int (*compile)(const struct tttd_compile_opts *o, const struct tttd_compile_in *in,
		       struct tttd_compile_out *out, struct tttd_error *e);
};

/*
 * The compile targets, named in the target table (target.c), where
 * everything else reaches them.  compile_cpu.c: the system C compiler into
 * a shared object.  compile.c: NVRTC into a cubin (lib/compile/nvrtc.c), which
 * exists only in builds with the CUDA toolkit (without it a cuda candidate
 * becomes a compile_error, "cuda target not built"); it needs opts.arch
 * (--arch sm_XY): a compile machine may have no GPU.  model.c: nothing to
 * compile.
 */
extern const struct tttd_compile_target tttd_compile_cpu;
extern const struct tttd_compile_target tttd_compile_cuda;
extern const struct tttd_compile_target tttd_compile_model;

/*
 * The allow-list of options (compile_flags.c): NULL if every whitespace-
 * separated word of options is an optimization, target, math, code-
 * generation, warning, debug or -D/-U flag that target's compiler accepts
 * (through the target table's options_refused; NULL target: the default),
 * else the reason a candidate is refused, naming the first other word
 * ("flag '-wrapper' is not allowed: ...").  The caller frees it.  Targets
 * check their options themselves, and the driver checks before it consults
 * the cache.
 */
char *tttd_compile_flags_refused(const char *target, const char *options);
/* The two lists behind it: the system C compiler's and NVRTC's. */
char *tttd_cc_options_refused(const char *options);
char *tttd_nvrtc_options_refused(const char *options);

/* The compile target of the target called name, or NULL if it is unknown or not built. */
const struct tttd_compile_target *tttd_compile_target_find(const char *name);

/* Counters, for progress and the summary line. */
struct tttd_compile_stats {
	uint64_t in;       /* records submitted */
	uint64_t passed;   /* passed through untouched */
	uint64_t compiled; /* status "compiled", cache hits included */
	uint64_t cached;   /* cache hits */
	uint64_t errors;   /* status "compile_error" */
	uint64_t out;      /* records handed to emit */
};

/*
 * Called with each finished record, in input order, never concurrently
 * with itself (it may run on a worker thread).  It borrows r.  A negative
 * return stops the driver; that error is returned by the next
 * tttd_compiler_submit or tttd_compiler_finish.
 */
typedef int (*tttd_compile_emit_fn)(void *arg, const struct tttd_rec *r, struct tttd_error *e);

struct tttd_compiler;

/*
 * Start a driver with opts (copied) and its worker threads.  emit/arg
 * receive the records.  @return TTTD_OK, TTTD_EIO (cache directory),
 * TTTD_EINVAL.
 */
int tttd_compiler_new(struct tttd_compiler **out, const struct tttd_compile_opts *opts,
		      tttd_compile_emit_fn emit, void *arg, struct tttd_error *e);
/*
 * Queue r; the driver takes its fields (r is left empty and initialised).
 * Blocks while the window of records in flight is full.  @return TTTD_OK or
 * the first error of the driver so far (a target's, the cache's, emit's).
 */
int tttd_compiler_submit(struct tttd_compiler *c, struct tttd_rec *r, struct tttd_error *e);
/* Wait until every submitted record has been emitted.  @return as submit. */
int tttd_compiler_finish(struct tttd_compiler *c, struct tttd_error *e);
/* A snapshot of the counters (thread-safe). */
void tttd_compiler_stats(struct tttd_compiler *c, struct tttd_compile_stats *s);
/* Stop the workers (abandoning queued records) and free.  Accepts NULL. */
void tttd_compiler_free(struct tttd_compiler *c);

/*
 * Compile one record in place, synchronously, on the calling thread (the
 * driver's unit of work; also for tools that compile one thing).  Sets the
 * keys listed above, or leaves r untouched if it is not a candidate to
 * compile.  cache may be NULL.  The target's identity is computed on first
 * use and kept for the process.  *what (may be NULL) gets 0 passed through,
 * 1 compiled, 2 cached, 3 compile error.
 */
struct tttd_cache;
int tttd_compile_rec(const struct tttd_compile_opts *o, struct tttd_cache *cache,
		     struct tttd_rec *r, int *what, struct tttd_error *e);

#endif
