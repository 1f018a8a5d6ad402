/*
 * nvrtc.h - compile CUDA C device code to a cubin with NVRTC, and the one
 * macro generator every GPU check in lib/ comes from.
 *
 * Compiling needs no GPU: only libnvrtc.  The cubin is real SASS for one
 * architecture ("sm_90" or "sm_90a"; "sm_90a" enables wgmma/setmaxnreg), never
 * PTX, so a device runs exactly what was compiled and measured.  The program
 * log is always kept (ptxas's resource report is asked for and lands there);
 * registers, shared memory and spills are read back from that report.
 *
 * This module does not load or run anything (backend_cuda.c does) and does not
 * cache (the caller keys a cache with tttd_nvrtc_version_string()).
 * Built only when the CUDA toolkit is present (TTTD_HAVE_CUDA).
 */
#ifndef TTTD_NVRTC_H
#define TTTD_NVRTC_H

/*
 * nvrtc.c needs the toolkit's <nvrtc.h>, which this file shadows
 * (-Ilib/compile comes first); it defines TTTD_NVRTC_WANT_TOOLKIT and
 * includes <nvrtc.h>.
 */
#ifdef TTTD_NVRTC_WANT_TOOLKIT
#include_next <nvrtc.h>
#endif

#include <stddef.h>

#include "tttd.h"

/*
 * GPU_CHECK_GEN(expr, ok_value, strfn, code, e, action): evaluate expr once;
 * if it is not ok_value, record "'<expr>' failed: <strfn(result)> (file:line)"
 * into e with code, then run action (usually `return rc_` or `goto out`).
 * rc_ is set to code in the enclosing scope by the action wrappers below.
 * NVRTC_TRY / CUDA_TRY / CUBLAS_TRY are thin instances of it (the latter two
 * in backend_cuda.c, which includes the runtime headers).
 */
#define GPU_CHECK_GEN(expr, ok_value, strfn, code, e, action)                         \
	do {                                                                          \
		int gpu_r_ = (int)(expr);                                             \
		if (gpu_r_ != (int)(ok_value)) {                                      \
			tttd_error_set((e), (code), "'%s' failed: %s (%s:%d)", #expr, \
				       strfn(gpu_r_), __FILE__, __LINE__);            \
			action;                                                       \
		}                                                                     \
	} while (0)

/* Resources of one kernel of the cubin, from ptxas's report. */
struct tttd_nvrtc_func {
	char *name;
	int regs;         /* registers per thread */
	int smem;         /* static shared memory, bytes */
	int stack;        /* stack frame, bytes */
	int spill_stores; /* bytes */
	int spill_loads;  /* bytes */
	int cmem;         /* constant bank 0 (parameters), bytes; -1 when not reported */
	int barriers;
};

struct tttd_nvrtc_result {
	int ok;      /* 1: compiled, cubin set */
	void *cubin; /* ELF bytes (owned) */
	size_t ncubin;
	char *log; /* the program log, always set (maybe ""), owned */
	/* The maxima over the kernels (what a resource filter wants). */
	int regs, smem, stack, spill_stores, spill_loads;
	struct tttd_nvrtc_func *func; /* each kernel, in report order (owned) */
	size_t nfunc;
};

/*
 * Compile source (NUL-terminated CUDA C; name is the file name in messages,
 * e.g. "candidate.cu") for arch ("sm_90", "sm_90a", "90"; "compute_*" is
 * refused since a cubin is required).  options is whitespace separated and may
 * be NULL; "-O<n>" is passed to ptxas (NVRTC itself rejects it), everything
 * else goes to NVRTC as is.  out is initialised here; release it with
 * tttd_nvrtc_result_release() whatever the return.
 * @return TTTD_OK (out->ok = 1), TTTD_ECOMPILE (the source did not compile:
 * out->ok = 0, out->log holds the compiler's messages with line numbers),
 * TTTD_EGPU (an NVRTC API failure), TTTD_EINVAL (bad arch).
 */
int tttd_nvrtc_compile(const char *source, const char *name, const char *options, const char *arch,
		       struct tttd_nvrtc_result *out, struct tttd_error *e);
void tttd_nvrtc_result_release(struct tttd_nvrtc_result *r);

/*
 * Parse ptxas's "-v" report (the NVRTC log) into out's func array and
 * maxima.  Exposed for tests.  @return the number of kernels found.
 */
size_t tttd_nvrtc_parse_resources(const char *log, struct tttd_nvrtc_result *out);

/*
 * Read the kernels' registers, stack frame and static shared memory from the
 * cubin itself (ELF sections), into out's func array and maxima; used when
 * the log has no ptxas report (NVRTC served the cubin from its cache).
 * Spills are not recorded in the cubin and stay 0.  @return kernels found.
 */
size_t tttd_nvrtc_parse_cubin(const void *cubin, size_t n, struct tttd_nvrtc_result *out);

/* NVRTC's version as "nvrtc 13.0" (static; part of every cache key). */
const char *tttd_nvrtc_version_string(void);
/* @return TTTD_OK with major/minor, or TTTD_EGPU. */
int tttd_nvrtc_version(int *major, int *minor, struct tttd_error *e);

/* Is the buffer a 64-bit ELF (what a cubin is)? */
int tttd_nvrtc_is_elf(const void *p, size_t n);

#endif
