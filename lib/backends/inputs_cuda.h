/*
 * inputs_cuda.h - benchmark cases on the device (inputs_cuda.c), the GPU's
 * counterpart of inputs.h and the CUDA backend's fill, poison, compare and
 * count_poison: seeded inputs, NaN poisoning, the comparison and the count
 * of poison left, by tttd's own kernels (compiled with NVRTC at first use
 * in a process).  CUDA builds only.
 */
#ifndef TTTD_INPUTS_CUDA_H
#define TTTD_INPUTS_CUDA_H

#include <stddef.h>
#include <stdint.h>

#include "backend.h" /* defines: struct tttd_backend; and inputs.h's types */
#include "tttd.h"

struct tttd_nvrtc_result;

/*
 * The backend's fill, poison and compare: seeded inputs, NaN poisoning and
 * the comparison.  Values are a function of (seed, element index) only.
 * compare follows tttd_compare and waits for its result.  @return TTTD_OK,
 * TTTD_EGPU, or TTTD_ECOMPILE if the kernels cannot be built.
 */
int tttd_cuda_fill(struct tttd_backend *b, void *dev, enum tttd_dtype d, size_t n,
		   enum tttd_dist dist, double scale, uint64_t seed, struct tttd_error *e);
int tttd_cuda_poison(struct tttd_backend *b, void *dev, enum tttd_dtype d, size_t n,
		     struct tttd_error *e);
int tttd_cuda_compare(struct tttd_backend *b, struct tttd_cmp *c, enum tttd_dtype d,
		      const void *got, const void *want, size_t n, double rtol, double atol,
		      struct tttd_error *e);
/*
 * Count the elements of dev that still hold the poison as any kernel sees
 * it (NaN; INT32_MIN for i32): a timed call's outputs are scanned with it
 * right after the call (bench.c).  Waits for the result.
 */
int tttd_cuda_count_poison(struct tttd_backend *b, const void *dev, enum tttd_dtype d, size_t n,
			   size_t *count, struct tttd_error *e);
/* Compile those kernels for arch (no device needed; CI checks they build). */
int tttd_cuda_inputs_compile(const char *arch, struct tttd_nvrtc_result *out,
			     struct tttd_error *e);
/* Unload those kernels (the backend's close). */
void tttd_cuda_inputs_release(void);

#endif
