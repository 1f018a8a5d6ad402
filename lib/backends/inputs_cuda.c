/*
 * inputs_cuda.c - benchmark cases that live on the GPU: seeded input
 * generation, NaN poisoning, the element-wise comparison of a candidate's
 * outputs with the reference's and the count of poison a timed call left in
 * its outputs, done by small kernels of tttd's own instead of on the host
 * (inputs_cuda.h).
 *
 * Why: on the host, one TriMul candidate cost minutes of generating,
 * uploading, reading back and comparing 4.5 G elements per candidate; on the
 * device it is milliseconds, and inputs stay fresh per candidate (DESIGN.md,
 * "Timing and trust") without a cache of reference outputs.
 *
 * The kernels are CUDA C in the string below, compiled with NVRTC for the
 * open device the first time one is needed in a process, and loaded with
 * cudaLibraryLoadData like a candidate.  Values: element i of a buffer
 * seeded s draws from tttd_mix64(s, i) (tttd_mix64(s, 2i) and (s, 2i + 1)
 * for the normal's two uniforms), so a case is the same for any grid and any
 * GPU, and the distributions are the ones inputs.c draws on the host; the
 * values differ from the host's (a sequential generator there).  The
 * comparison follows tttd_compare exactly (in double).  This file knows
 * nothing of tasks or timing.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cuda_runtime.h>

#include "backend_cuda.h" /* defines: tttd_cuda_arch */
#include "inputs.h"
#include "inputs_cuda.h"
#include "nvrtc.h"

static const char *
cuda_name(int r)
{
	return cudaGetErrorString((cudaError_t)r);
}

#define CUDA_TRY(expr, e, action) GPU_CHECK_GEN(expr, cudaSuccess, cuda_name, TTTD_EGPU, e, action)

/*
 * The device code, stringized (no preprocessor directives inside).  Codes:
 * dtype 0 f32, 1 f64, 2 i32, 3 bf16, 4 f16 (enum tttd_dtype); dist 0 normal,
 * 1 uniform, 2 cauchy, 3 mask01, 4 const (enum tttd_dist), 5 poison.
 */
#define TTTD_CUDA_SOURCE(...) #__VA_ARGS__
static const char support_src[] = TTTD_CUDA_SOURCE(
	typedef unsigned long long u64;

	__device__ u64 mix(u64 a, u64 b) {
		u64 z = (a ^ (b * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull)) + 0x9e3779b97f4a7c15ull;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		return z ^ (z >> 31);
	}

	__device__ double unif(u64 h) {
		return (double)(h >> 11) * 1.1102230246251565e-16;
	}

	__device__ void store(void *p, int dt, u64 i, double v) {
		if (dt == 0) {
			((float *)p)[i] = (float)v;
		} else if (dt == 1) {
			((double *)p)[i] = v;
		} else if (dt == 2) {
			((int *)p)[i] = v != v ? (int)0x80000000u : __double2int_rn(v);
		} else if (dt == 3) {
			unsigned u = __float_as_uint((float)v);
			if (v != v)
				u = 0x7fc00000u;
			else
				u += 0x7fffu + ((u >> 16) & 1u);
			((unsigned short *)p)[i] = (unsigned short)(u >> 16);
		} else {
			unsigned short h;
			float f = (float)v;
			asm("cvt.rn.f16.f32 %0, %1;"
			    : "=h"(h)
			    : "f"(f));
			((unsigned short *)p)[i] = h;
		}
	}

	__device__ double load(const void *p, int dt, u64 i) {
		if (dt == 0)
			return ((const float *)p)[i];
		if (dt == 1)
			return ((const double *)p)[i];
		if (dt == 2)
			return ((const int *)p)[i];
		if (dt == 3)
			return __uint_as_float((unsigned)((const unsigned short *)p)[i] << 16);
		float f;
		unsigned short h = ((const unsigned short *)p)[i];
		asm("cvt.f32.f16 %0, %1;"
		    : "=f"(f)
		    : "h"(h));
		return f;
	}

	extern "C" __global__ void tttd_dev_fill(void *p, int dt, u64 n, int dist, double scale, u64 seed) {
		u64 i = blockIdx.x * (u64)blockDim.x + threadIdx.x, step = (u64)gridDim.x * blockDim.x;

		for (; i < n; i += step) {
			double v, u;
			if (dist == 0) {
				u = unif(mix(seed, 2 * i)) + 5.551115123125783e-17;
				v = scale * sqrt(-2.0 * log(u)) * cospi(2.0 * unif(mix(seed, 2 * i + 1)));
			} else if (dist == 1) {
				v = scale * (2.0 * unif(mix(seed, i)) - 1.0);
			} else if (dist == 2) {
				u = unif(mix(seed, i)) * (1.0 - 9.094947017729282e-13) + 4.547473508864641e-13;
				v = scale * (sinpi(u - 0.5) / cospi(u - 0.5));
			} else if (dist == 3) {
				v = unif(mix(seed, i)) < (scale > 0 && scale < 1 ? scale : 0.5) ? 1.0 : 0.0;
			} else if (dist == 4) {
				v = scale;
			} else {
				v = __longlong_as_double(0x7ff8000000000000ll);
			}
			store(p, dt, i, v);
		}
	}

	extern "C" __global__ void tttd_dev_compare(const void *got, const void *want, int dt, u64 n,
						    double rtol, double atol, u64 *res) {
		u64 i = blockIdx.x * (u64)blockDim.x + threadIdx.x, step = (u64)gridDim.x * blockDim.x;
		u64 bad = 0, nonfinite = 0, first = ~0ull;
		double max_abs = 0, max_rel = 0;

		for (; i < n; i += step) {
			int ok;
			if (dt == 2 && ((const int *)got)[i] == (int)0x80000000u &&
			    ((const int *)want)[i] != (int)0x80000000u) {
				ok = 0;
				nonfinite++;
			} else {
				double a = load(got, dt, i), b = load(want, dt, i);
				if (isfinite(b)) {
					if (!isfinite(a)) {
						ok = 0;
						nonfinite++;
					} else {
						double err = fabs(a - b);
						ok = err <= atol + rtol * fabs(b);
						max_abs = fmax(max_abs, err);
						if (b != 0)
							max_rel = fmax(max_rel, err / fabs(b));
					}
				} else {
					ok = isnan(b) ? isnan(a) : a == b;
				}
			}
			if (!ok) {
				bad++;
				first = i < first ? i : first;
			}
		}
		for (int o = 16; o; o >>= 1) {
			bad += __shfl_xor_sync(0xffffffffu, bad, o);
			nonfinite += __shfl_xor_sync(0xffffffffu, nonfinite, o);
			u64 f = __shfl_xor_sync(0xffffffffu, first, o);
			first = f < first ? f : first;
			max_abs = fmax(max_abs, __shfl_xor_sync(0xffffffffu, max_abs, o));
			max_rel = fmax(max_rel, __shfl_xor_sync(0xffffffffu, max_rel, o));
		}
		if ((threadIdx.x & 31) == 0) {
			if (bad) {
				atomicAdd(&res[0], bad);
				atomicAdd(&res[1], nonfinite);
				atomicMin(&res[2], first);
			}
			atomicMax(&res[3], (u64)__double_as_longlong(max_abs));
			atomicMax(&res[4], (u64)__double_as_longlong(max_rel));
		}
	}

	extern "C" __global__ void tttd_dev_count_poison(const void *p, int dt, u64 n, u64 *res) {
		u64 i = blockIdx.x * (u64)blockDim.x + threadIdx.x, step = (u64)gridDim.x * blockDim.x;
		u64 cnt = 0;

		for (; i < n; i += step) {
			if (dt == 2) {
				cnt += ((const int *)p)[i] == (int)0x80000000u;
			} else {
				double a = load(p, dt, i);
				cnt += a != a;
			}
		}
		for (int o = 16; o; o >>= 1)
			cnt += __shfl_xor_sync(0xffffffffu, cnt, o);
		if ((threadIdx.x & 31) == 0 && cnt)
			atomicAdd(&res[0], cnt);
	});

/* One per process: a worker opens one device. */
static struct {
	cudaLibrary_t lib;
	cudaKernel_t fill, compare, count_poison;
	uint64_t *res; /* device: bad, nonfinite, first, max_abs bits, max_rel bits */
	int ready;
} sup;

#define SUPPORT_BLOCK 256
#define SUPPORT_GRID_MAX 4096 /* grid-stride beyond: enough to fill any GPU */

static int
support_ready(struct tttd_backend *b, struct tttd_error *e)
{
	struct tttd_nvrtc_result res;
	char arch[32];
	int rc;

	if (sup.ready)
		return TTTD_OK;
	tttd_cuda_arch(b, arch, sizeof(arch));
	if ((rc = tttd_cuda_inputs_compile(arch, &res, e)) < 0) {
		tttd_nvrtc_result_release(&res);
		return rc;
	}
	CUDA_TRY(cudaLibraryLoadData(&sup.lib, res.cubin, NULL, NULL, 0, NULL, NULL, 0), e,
		 tttd_nvrtc_result_release(&res);
		 return TTTD_EGPU);
	tttd_nvrtc_result_release(&res);
	CUDA_TRY(cudaLibraryGetKernel(&sup.fill, sup.lib, "tttd_dev_fill"), e, return TTTD_EGPU);
	CUDA_TRY(cudaLibraryGetKernel(&sup.compare, sup.lib, "tttd_dev_compare"), e, return TTTD_EGPU);
	CUDA_TRY(cudaLibraryGetKernel(&sup.count_poison, sup.lib, "tttd_dev_count_poison"), e,
		 return TTTD_EGPU);
	CUDA_TRY(cudaMalloc((void **)&sup.res, 5 * sizeof(uint64_t)), e, return TTTD_EGPU);
	sup.ready = 1;
	return TTTD_OK;
}

int
tttd_cuda_inputs_compile(const char *arch, struct tttd_nvrtc_result *out, struct tttd_error *e)
{
	int rc = tttd_nvrtc_compile(support_src, "tttd_support.cu", "-O3", arch, out, e);

	if (rc < 0)
		tttd_error_prefix(e, "tttd's own device kernels");
	return rc;
}

void
tttd_cuda_inputs_release(void)
{
	if (!sup.ready)
		return;
	cudaFree(sup.res);
	cudaLibraryUnload(sup.lib);
	memset(&sup, 0, sizeof(sup));
}

static unsigned
grid_for(size_t n)
{
	size_t g = (n + SUPPORT_BLOCK - 1) / SUPPORT_BLOCK;

	return g < 1 ? 1 : g > SUPPORT_GRID_MAX ? SUPPORT_GRID_MAX
						: (unsigned)g;
}

/* dist: an enum tttd_dist, or 5 for the poison. */
static int
fill(struct tttd_backend *b, void *dev, enum tttd_dtype d, size_t n, int dist, double scale,
     uint64_t seed, struct tttd_error *e)
{
	int dt = (int)d;
	unsigned long long nn = n, sd = seed;
	void *args[] = { &dev, &dt, &nn, &dist, &scale, &sd };
	dim3 g = { grid_for(n), 1, 1 }, bl = { SUPPORT_BLOCK, 1, 1 };

	if (n == 0)
		return TTTD_OK;
	TTTD_TRY(support_ready(b, e));
	CUDA_TRY(cudaLaunchKernel((const void *)sup.fill, g, bl, args, 0, 0), e, return TTTD_EGPU);
	return TTTD_OK;
}

int
tttd_cuda_fill(struct tttd_backend *b, void *dev, enum tttd_dtype d, size_t n, enum tttd_dist dist,
	       double scale, uint64_t seed, struct tttd_error *e)
{
	/* As tttd_fill: const takes its value as given, the others need a positive scale. */
	if (dist != TTTD_DIST_CONST && !(scale > 0))
		scale = 1.0;
	return fill(b, dev, d, n, (int)dist, scale, seed, e);
}

int
tttd_cuda_poison(struct tttd_backend *b, void *dev, enum tttd_dtype d, size_t n, struct tttd_error *e)
{
	return fill(b, dev, d, n, 5, 0.0, 0, e);
}

int
tttd_cuda_compare(struct tttd_backend *b, struct tttd_cmp *c, enum tttd_dtype d, const void *got,
		  const void *want, size_t n, double rtol, double atol,
		  struct tttd_error *e)
{
	uint64_t r[5] = { 0, 0, UINT64_MAX, 0, 0 };
	int dt = (int)d;
	unsigned long long nn = n;
	void *args[] = { &got, &want, &dt, &nn, &rtol, &atol, &sup.res };
	dim3 g = { grid_for(n), 1, 1 }, bl = { SUPPORT_BLOCK, 1, 1 };
	double max_abs, max_rel;

	if (n == 0)
		return TTTD_OK;
	TTTD_TRY(support_ready(b, e));
	CUDA_TRY(cudaMemcpy(sup.res, r, sizeof(r), cudaMemcpyHostToDevice), e, return TTTD_EGPU);
	CUDA_TRY(cudaLaunchKernel((const void *)sup.compare, g, bl, args, 0, 0), e, return TTTD_EGPU);
	CUDA_TRY(cudaMemcpy(r, sup.res, sizeof(r), cudaMemcpyDeviceToHost), e, return TTTD_EGPU);
	memcpy(&max_abs, &r[3], sizeof(double));
	memcpy(&max_rel, &r[4], sizeof(double));
	if (max_abs > c->max_abs)
		c->max_abs = max_abs;
	if (max_rel > c->max_rel)
		c->max_rel = max_rel;
	c->checked += n;
	c->bad += r[0];
	c->nonfinite += r[1];
	if (r[0] && !c->has_first) {
		/* The first failing pair, read back element by element. */
		size_t es = tttd_dtype_size(d);
		unsigned char ga[8], wa[8];

		CUDA_TRY(cudaMemcpy(ga, (const char *)got + r[2] * es, es, cudaMemcpyDeviceToHost), e,
			 return TTTD_EGPU);
		CUDA_TRY(cudaMemcpy(wa, (const char *)want + r[2] * es, es, cudaMemcpyDeviceToHost), e,
			 return TTTD_EGPU);
		c->has_first = 1;
		c->first = r[2];
		c->first_got = tttd_elem_get(ga, d, 0);
		c->first_want = tttd_elem_get(wa, d, 0);
	}
	return TTTD_OK;
}

int
tttd_cuda_count_poison(struct tttd_backend *b, const void *dev, enum tttd_dtype d, size_t n,
		       size_t *count, struct tttd_error *e)
{
	uint64_t r = 0;
	int dt = (int)d;
	unsigned long long nn = n;
	void *args[] = { &dev, &dt, &nn, &sup.res };
	dim3 g = { grid_for(n), 1, 1 }, bl = { SUPPORT_BLOCK, 1, 1 };

	*count = 0;
	if (n == 0)
		return TTTD_OK;
	TTTD_TRY(support_ready(b, e));
	CUDA_TRY(cudaMemcpy(sup.res, &r, sizeof(r), cudaMemcpyHostToDevice), e, return TTTD_EGPU);
	CUDA_TRY(cudaLaunchKernel((const void *)sup.count_poison, g, bl, args, 0, 0), e,
		 return TTTD_EGPU);
	CUDA_TRY(cudaMemcpy(&r, sup.res, sizeof(r), cudaMemcpyDeviceToHost), e, return TTTD_EGPU);
	*count = (size_t)r;
	return TTTD_OK;
}
