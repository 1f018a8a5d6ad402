/*
 * backend_cuda.h - what the CUDA backend (backend_cuda.c) offers beyond the
 * backend vtable:
 * the device's measured ceilings (for the physical floor check) and builtin
 * cuBLAS baselines (for ratio reporting).  Both need an open "cuda" backend
 * (tttd_cuda_ops); neither exists in a build without the toolkit.
 */
#ifndef TTTD_BACKEND_CUDA_H
#define TTTD_BACKEND_CUDA_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h"
#include "task.h"
#include "tttd.h"

/*
 * Measure once per process (cached in the backend): device-to-device copy
 * bandwidth (bytes read + bytes written per second, 1 GiB copies, median of
 * 10) and the dense bf16 matrix rate (a cuBLAS 8192^3 bf16 GEMM with fp32
 * accumulation, median of 10).  Either pointer may be NULL.
 * @return TTTD_OK or TTTD_EGPU / TTTD_ENOMEM (the device has too little memory).
 */
int tttd_cuda_peaks(struct tttd_backend *b, double *bytes_per_s, double *flops_per_s,
		    struct tttd_error *e);

/* Is name a builtin baseline ("cublas_gemm_bf16", "cublas_gemm_f32")? */
int tttd_cuda_baseline_known(const char *name);

/*
 * Run builtin baseline name asynchronously (like ops->run, so timer_start /
 * timer_stop and sync() apply) on the task's buffers buf at shape s.  The
 * GEMM baselines read dims named M, N, K and the first three buffers as
 * A (M x K), B (K x N) row-major inputs and C (M x N) row-major fp32 output;
 * bf16: A and B bf16; f32: A and B fp32 (cuBLAS default math, no TF32).
 * @return TTTD_OK, TTTD_ENOENT (unknown name), TTTD_EINVAL (the task lacks
 * M/N/K or three buffers), TTTD_EGPU.
 */
int tttd_cuda_baseline(struct tttd_backend *b, const char *name, const struct tttd_task *t,
		       const struct tttd_shape *s, void **buf, struct tttd_error *e);

/* The same GEMM without a task (used by peaks and tests). */
int tttd_cuda_gemm(struct tttd_backend *b, int bf16, const void *A, const void *B, float *C, long M,
		   long N, long K, struct tttd_error *e);

/*
 * The open device's architecture as "sm_90" (no "a": a reference needs no
 * arch-specific instructions), for compiling the reference in the worker.
 */
void tttd_cuda_arch(struct tttd_backend *b, char *buf, size_t n);

/* Static device memory (__device__ arrays) a candidate may declare; more is a load_error. */
#define TTTD_CUDA_MAX_STATIC_GLOBAL ((size_t)64 << 20)

/*
 * Bytes of static device memory a cubin declares: the sizes of its
 * .nv.global* sections (zero-filled and initialised __device__ data).
 * Pure ELF reading, defined in backend.c so that it builds without the
 * toolkit.  0 for anything that is not a well-formed 64-bit ELF.
 */
size_t tttd_cuda_static_global(const void *cubin, size_t n);

#endif
