/*
 * bench/trimul-steps.cu - a standalone per-launch profiler for the TriMul
 * template (kernels/trimul/kernel.cu), built by bench/trimul-steps.sh with
 * nvcc for one configuration given as -D flags (as tttd renders a choice:
 * -DPBM=64 ... -DTRI=cublas -DTRI_cublas=1).
 *
 * Per shape (the 7 ranked `shape bench` lines of kernels/trimul/task, with
 * their mask and x settings; -t adds the 18 `shape check` lines, checked but
 * not timed) it allocates the task's buffers, fills the inputs on the device
 * from a hash (normal by Box-Muller, Cauchy, 0/1 mask at p = 0.5, constant
 * 1; scales as in ./task), runs the fp32 reference plan (ref.cu and an exact
 * fp32 cublasSgemmStridedBatched, as the task's ref_gemm) and the candidate
 * plan exactly as the task's launch/gemm lines launch it, compares y with
 * rtol = atol = 2e-2 on the device (a mismatch prints loudly and makes the
 * exit status 1), then times each step with CUDA events (L2 flushed before
 * each repetition, median of -n reps after warm-up) and the whole sequence
 * alone, and prints one table: per-step and total us, the floor (x read + y
 * write at 3.0e12 B/s or FLOPs at 7.5e14, whichever is larger) and
 * total/floor, then the geometric mean of the totals.
 *
 * It is a developer's tool, not part of tttd: it does not go through
 * tttd-bench, its inputs are not tttd's seeded streams, and the launch plan
 * below is a copy of ./task's that must be kept in step with it by hand
 * (plan_candidate()).  Exits 0 when all checks pass, 1 on a mismatch or a
 * CUDA error, 2 on a usage error.
 */
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kernels/trimul/kernel.cu"
#include "../kernels/trimul/ref.cu"

/* Dynamic shared memory of the candidate's launches, as ./task's smem expressions. */
#define PROJ_SMEM_BYTES(C) ((size_t)PBM * ((C) + 8) * 2)
#define PHG_OF(bm) ((PNW * 16 * PRF / (bm)) * 8 * PNT)
#define PROJW_SMEM_BYTES(bm, C)                                                                   \
	((size_t)(bm) * ((C) + 8) * 2 + PSTG * 400 * PHG_OF(bm) +                                      \
	 (2 * PHG_OF(bm) * ((bm) + 8) + (bm) * (PHG_OF(bm) + 8)) * 2)
#define PROJG_SMEM_BYTES(bm, C)                                                                   \
	((size_t)1024 + (bm) * (C) * 2 + PGS * 5 * PGN_OF(C) * 128 +                              \
	 (2 * PGN_OF(C) * ((bm) + 8) + (bm) * (PGN_OF(C) + 8)) * 2)
#define PROJG1_SMEM_BYTES(C)                                                                      \
	((size_t)1024 + 64 * (C) * 2 + PGS * 5 * (PGN == 16 ? 16 : 32) * 128 +                        \
	 (2 * (PGN == 16 ? 16 : 32) * 72 + 64 * ((PGN == 16 ? 16 : 32) + 8)) * 2)
#define PGR_GN (PGN == 32 ? 32 : 16)
#define PROJR_SMEM_BYTES(C)                                                                       \
	((size_t)1024 + 640 * (C) * 2 + 2 * (64 * (C) * 2 + (2 * PGR_GN * 72 + 64 * (PGR_GN + 8)) * 2))
#define PROJP_SMEM_BYTES(C)                                                                       \
	((size_t)1024 + 128 * (C) * 2 + PGS * 5 * PGN_OF(C) * 128 +                                 \
	 (2 * PGN_OF(C) * 136 + 128 * (PGN_OF(C) + 8)) * 2)
#ifndef PXL
#define PXL 0
#endif
#define TRI_SMEM_BYTES 0
#define OUT_SMEM_BYTES 0
#define OUT2_SMEM_BYTES ((size_t)128 * (EBM + 8) * 2 + EBM * 136 * 2 + 1024)

#ifndef PBC
#define PBC 384
#endif

#ifndef TRIMUL_CONFIG
#define TRIMUL_CONFIG "(the template's defaults)"
#endif

#define CK(x)                                                                                    \
	do {                                                                                     \
		cudaError_t e_ = (x);                                                            \
		if (e_ != cudaSuccess) {                                                         \
			fprintf(stderr, "trimul-steps: '%s' failed: %s (%s:%d)\n", #x,           \
				cudaGetErrorString(e_), __FILE__, __LINE__);                     \
			exit(1);                                                                 \
		}                                                                                \
	} while (0)
#define CB(x)                                                                                    \
	do {                                                                                     \
		cublasStatus_t s_ = (x);                                                         \
		if (s_ != CUBLAS_STATUS_SUCCESS) {                                               \
			fprintf(stderr, "trimul-steps: '%s' failed: cublas status %d (%s:%d)\n", \
				#x, (int)s_, __FILE__, __LINE__);                                \
			exit(1);                                                                 \
		}                                                                                \
	} while (0)

enum dist { D_NORMAL, D_CAUCHY, D_MASK01, D_CONST };

struct shape {
	int bench; /* 1: ranked (timed), 0: test shape (checked only) */
	long B, N, C;
	int masked, cauchy; /* mask=mask01:0.5 (else const 1); x=cauchy:2 (else normal 1) */
};

/* kernels/trimul/task, in file order: the 18 check shapes, then the 7 bench shapes. */
static const struct shape shapes[] = {
	{0, 1, 32, 128, 0, 0},	  {0, 1, 32, 128, 1, 0},   {0, 2, 64, 256, 0, 0},
	{0, 2, 64, 256, 1, 0},	  {0, 1, 128, 768, 0, 0},  {0, 1, 256, 128, 0, 0},
	{0, 1, 256, 128, 1, 0},	  {0, 2, 768, 128, 0, 0},  {0, 1, 1024, 384, 1, 0},
	{0, 1, 1024, 768, 0, 0},  {0, 1, 1024, 768, 1, 0}, {0, 1, 32, 128, 0, 1},
	{0, 2, 64, 256, 0, 1},	  {0, 1, 128, 768, 0, 1},  {0, 1, 256, 128, 0, 1},
	{0, 2, 768, 128, 0, 1},	  {0, 1, 1024, 384, 1, 1}, {0, 1, 1024, 768, 1, 1},
	{1, 2, 256, 128, 0, 0},	  {1, 1, 768, 128, 0, 1},  {1, 2, 256, 384, 1, 0},
	{1, 1, 512, 128, 0, 0},	  {1, 1, 1024, 128, 0, 1}, {1, 1, 768, 384, 1, 0},
	{1, 1, 1024, 384, 0, 0},
};

/* The task's buffers, in task order (the kernels' argument order). */
struct bufs {
	float *x, *mask, *lnw, *lnb, *wlp, *wrp, *wlg, *wrg, *wog, *onw, *onb, *wo, *y;
	float *f_left, *f_right, *f_og, *f_tri;
	h16 *h_left, *h_right, *h_og, *h_tri, *h_w;
	float *y_ref;
	long B, N, C, H;
};

#define KARGS(b)                                                                                    \
	(b).x, (b).mask, (b).lnw, (b).lnb, (b).wlp, (b).wrp, (b).wlg, (b).wrg, (b).wog, (b).onw,    \
	    (b).onb, (b).wo, (b).y, (b).f_left, (b).f_right, (b).f_og, (b).f_tri, (b).h_left,       \
	    (b).h_right, (b).h_og, (b).h_tri, (b).h_w, (b).B, (b).N, (b).C, (b).H

static __device__ unsigned long long
mix64(unsigned long long z)
{
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static __global__ void
fill(float *p, long n, int d, float scale, unsigned long long seed)
{
	for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n;
	     i += (long)gridDim.x * blockDim.x) {
		unsigned long long h = mix64(seed * 0x100000001b3ull ^ (unsigned long long)i);
		/* 23-bit uniforms in (0, 1): k + 0.5 is exact in fp32, so u never rounds to 1. */
		float u1 = ((float)(h >> 41) + 0.5f) * (1.0f / 8388608.0f);
		float u2 = ((float)(h & 0x7fffff) + 0.5f) * (1.0f / 8388608.0f);
		float v;
		if (d == D_NORMAL)
			v = scale * sqrtf(-2.0f * logf(u1)) * cospif(2.0f * u2);
		else if (d == D_CAUCHY)
			v = scale * sinpif(u1 - 0.5f) / cospif(u1 - 0.5f);
		else if (d == D_MASK01)
			v = u2 < scale ? 1.0f : 0.0f;
		else
			v = scale;
		p[i] = v;
	}
}

static __global__ void
poison(float *p, long n)
{
	for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n;
	     i += (long)gridDim.x * blockDim.x)
		p[i] = __int_as_float(0x7fc00000);
}

/* bad: elements with !(|a - r| <= atol + rtol |r|) (NaN counts); maxerr: bits of max |a - r|. */
static __global__ void
compare(const float *a, const float *r, long n, unsigned long long *bad, unsigned *maxerr)
{
	unsigned long long nb = 0;
	float me = 0;
	for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n;
	     i += (long)gridDim.x * blockDim.x) {
		float d = fabsf(a[i] - r[i]);
		if (!(d <= 2e-2f + 2e-2f * fabsf(r[i])))
			nb++;
		if (d != d)
			d = INFINITY;
		me = fmaxf(me, d);
	}
	if (nb)
		atomicAdd(bad, nb);
	atomicMax(maxerr, __float_as_uint(me)); /* non-negative floats order as their bits */
}

static cublasHandle_t cublas;

static void
fill_buf(float *p, long n, int d, float scale, unsigned long long seed)
{
	fill<<<1024, 256>>>(p, n, d, scale, seed);
	CK(cudaGetLastError());
}

static void
alloc_case(struct bufs *b, const struct shape *s)
{
	long B = s->B, N = s->N, C = s->C, H = 128, M = B * N * N;
	size_t f = sizeof(float), h = sizeof(h16);

	memset(b, 0, sizeof(*b));
	b->B = B, b->N = N, b->C = C, b->H = H;
	CK(cudaMalloc(&b->x, M * C * f));
	CK(cudaMalloc(&b->mask, M * f));
	CK(cudaMalloc(&b->lnw, C * f));
	CK(cudaMalloc(&b->lnb, C * f));
	CK(cudaMalloc(&b->wlp, H * C * f));
	CK(cudaMalloc(&b->wrp, H * C * f));
	CK(cudaMalloc(&b->wlg, H * C * f));
	CK(cudaMalloc(&b->wrg, H * C * f));
	CK(cudaMalloc(&b->wog, H * C * f));
	CK(cudaMalloc(&b->onw, H * f));
	CK(cudaMalloc(&b->onb, H * f));
	CK(cudaMalloc(&b->wo, C * H * f));
	CK(cudaMalloc(&b->y, M * C * f));
	CK(cudaMalloc(&b->y_ref, M * C * f));
	CK(cudaMalloc(&b->f_left, B * H * N * N * f));
	CK(cudaMalloc(&b->f_right, B * H * N * N * f));
	CK(cudaMalloc(&b->f_og, M * H * f));
	CK(cudaMalloc(&b->f_tri, B * H * N * N * f));
	/* + 512 per h row: room for PDBG=5's padded rows (kernel.cu). */
	CK(cudaMalloc(&b->h_left, B * H * (N * N + 512) * h));
	CK(cudaMalloc(&b->h_right, B * H * (N * N + 512) * h));
	CK(cudaMalloc(&b->h_og, M * H * h));
	CK(cudaMalloc(&b->h_tri, B * H * N * N * h));
	CK(cudaMalloc(&b->h_w, 6 * H * C * h));

	/* Scales as kernels/trimul/task: weights randn/sqrt(H), W_o randn/sqrt(C). */
	float ws = 1.0f / sqrtf((float)H), wos = 1.0f / sqrtf((float)C);
	unsigned long long seed = 1000 * (unsigned long long)(N + C + B);
	fill_buf(b->x, M * C, s->cauchy ? D_CAUCHY : D_NORMAL, s->cauchy ? 2.0f : 1.0f, seed + 1);
	fill_buf(b->mask, M, s->masked ? D_MASK01 : D_CONST, s->masked ? 0.5f : 1.0f, seed + 2);
	fill_buf(b->lnw, C, D_NORMAL, 1, seed + 3);
	fill_buf(b->lnb, C, D_NORMAL, 1, seed + 4);
	fill_buf(b->wlp, H * C, D_NORMAL, ws, seed + 5);
	fill_buf(b->wrp, H * C, D_NORMAL, ws, seed + 6);
	fill_buf(b->wlg, H * C, D_NORMAL, ws, seed + 7);
	fill_buf(b->wrg, H * C, D_NORMAL, ws, seed + 8);
	fill_buf(b->wog, H * C, D_NORMAL, ws, seed + 9);
	fill_buf(b->onw, H, D_NORMAL, 1, seed + 10);
	fill_buf(b->onb, H, D_NORMAL, 1, seed + 11);
	fill_buf(b->wo, C * H, D_NORMAL, wos, seed + 12);
}

static void
free_case(struct bufs *b)
{
	void *p[] = {b->x,	b->mask,   b->lnw,  b->lnb,   b->wlp,	 b->wrp,    b->wlg,
		     b->wrg,	b->wog,	   b->onw,  b->onb,   b->wo,	 b->y,	    b->y_ref,
		     b->f_left, b->f_right, b->f_og, b->f_tri, b->h_left, b->h_right, b->h_og,
		     b->h_tri,	b->h_w};
	for (size_t i = 0; i < sizeof(p) / sizeof(p[0]); i++)
		CK(cudaFree(p[i]));
}

static void
smem_optin(const void *f, size_t bytes)
{
	if (bytes > 48 * 1024)
		CK(cudaFuncSetAttribute(f, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes));
}

/* ./task: ref_launch trimul_ref_proj, ref_gemm (exact fp32), ref_launch trimul_ref_out. */
static void
plan_reference(struct bufs *b)
{
	long B = b->B, N = b->N, C = b->C, H = b->H, M = B * N * N;
	size_t smem = (16 * C + 5 * 8 * 129) * 4;
	float one = 1, zero = 0;

	smem_optin((const void *)trimul_ref_proj, smem);
	trimul_ref_proj<<<(M + 15) / 16, 128, smem>>>(KARGS(*b));
	CK(cudaGetLastError());
	/* Row-major C_i = A_i B_i^T (m = n = k = N, transb): column-major C^T = B A^T. */
	CB(cublasSetMathMode(cublas, CUBLAS_PEDANTIC_MATH));
	CB(cublasSgemmStridedBatched(cublas, CUBLAS_OP_T, CUBLAS_OP_N, (int)N, (int)N, (int)N, &one,
				     b->f_right, (int)N, N * N, b->f_left, (int)N, N * N, &zero,
				     b->f_tri, (int)N, N * N, (int)(B * H)));
	CB(cublasSetMathMode(cublas, CUBLAS_DEFAULT_MATH));
	trimul_ref_out<<<(M + 15) / 16, 128>>>(KARGS(*b));
	CK(cudaGetLastError());
}

#define NSTEP 4

/*
 * ./task's candidate plan, step by step (keep in step with the launch and
 * gemm lines there).  Step 2 is trimul_tri (TRI=own) or the cuBLAS gemm step
 * h_left h_right h_tri m N n N k N batch B*H transb, which lib/backends/backend_cuda.c
 * turns into cublasGemmStridedBatchedEx(OP_T, OP_N, n, m, k, B=h_right ldb k,
 * A=h_left lda k, C ldc n, fp16, CUBLAS_COMPUTE_32F, GEMM_DEFAULT).
 */
static void
plan_step(struct bufs *b, int step)
{
	long B = b->B, N = b->N, C = b->C, H = b->H, M = B * N * N;

	switch (step) {
	case 0:
		trimul_prep<<<264, 256>>>(KARGS(*b));
		break;
	case 1: {
#if PSW == 1
		if (C <= PBC || PBM <= 64) {
			size_t smem = PROJW_SMEM_BYTES(PBM, C);
			smem_optin((const void *)trimul_projw, smem);
			trimul_projw<<<M / PBM, PNW * 32, smem>>>(KARGS(*b));
		} else {
			size_t smem = PROJW_SMEM_BYTES(64, C);
			smem_optin((const void *)trimul_projw64, smem);
			trimul_projw64<<<M / 64, PNW * 32, smem>>>(KARGS(*b));
		}
#elif PSW == 2
		if (C <= 384 || PGW == 1) {
			size_t smem = PROJG_SMEM_BYTES(64 * PGW, C);
			const void *f = PGN_OF(C) == 16 ? (const void *)trimul_projg16
							 : (const void *)trimul_projg32;
			smem_optin(f, smem);
			if (PGN_OF(C) == 16)
				trimul_projg16<<<M / (64 * PGW), 128 * PGW, smem>>>(KARGS(*b));
			else
				trimul_projg32<<<M / (64 * PGW), 128 * PGW, smem>>>(KARGS(*b));
		} else {
			size_t smem = PROJG1_SMEM_BYTES(C);
			smem_optin((const void *)trimul_projg1, smem);
			trimul_projg1<<<M / 64, 128, smem>>>(KARGS(*b));
		}
#elif PSW == 3
		long pg = M / 128 < PGP ? M / 128 : PGP;
		if (PXL == 1 && C > 128 && (C <= 384 || PGW == 1)) {
			size_t smem = PROJG_SMEM_BYTES(64 * PGW, C);
			const void *f = PGN_OF(C) == 16 ? (const void *)trimul_projg16
							 : (const void *)trimul_projg32;
			smem_optin(f, smem);
			if (PGN_OF(C) == 16)
				trimul_projg16<<<M / (64 * PGW), 128 * PGW, smem>>>(KARGS(*b));
			else
				trimul_projg32<<<M / (64 * PGW), 128 * PGW, smem>>>(KARGS(*b));
		} else if (C == 128 && PRS == 1) {
			size_t smem = PROJR_SMEM_BYTES(C);
			smem_optin((const void *)trimul_projr, smem);
			trimul_projr<<<pg, 256, smem>>>(KARGS(*b));
		} else if (C <= 384 && PXL == 0) {
			size_t smem = PROJP_SMEM_BYTES(C);
			const void *f = PGN_OF(C) == 16 ? (const void *)trimul_projp16
							 : (const void *)trimul_projp32;
			smem_optin(f, smem);
			if (PGN_OF(C) == 16)
				trimul_projp16<<<pg, 256, smem>>>(KARGS(*b));
			else
				trimul_projp32<<<pg, 256, smem>>>(KARGS(*b));
		} else {
			size_t smem = PROJG1_SMEM_BYTES(C);
			smem_optin((const void *)trimul_projg1, smem);
			trimul_projg1<<<M / 64, 128, smem>>>(KARGS(*b));
		}
#else
		size_t smem = PROJ_SMEM_BYTES(C);
		smem_optin((const void *)trimul_proj, smem);
		trimul_proj<<<M / PBM, PNW * 32, smem>>>(KARGS(*b));
#endif
		break;
	}
	case 2: {
#if defined(TRI_cublas)
		float one = 1, zero = 0;
		CB(cublasGemmStridedBatchedEx(cublas, CUBLAS_OP_T, CUBLAS_OP_N, (int)N, (int)N, (int)N,
					      &one, b->h_right, CUDA_R_16F, (int)N, N * N, b->h_left,
					      CUDA_R_16F, (int)N, N * N, &zero, b->h_tri, CUDA_R_16F,
					      (int)N, N * N, (int)(B * H), CUBLAS_COMPUTE_32F,
					      CUBLAS_GEMM_DEFAULT));
#else
		dim3 grid((N + TBN - 1) / TBN, (N + TBM - 1) / TBM, B * H);
		trimul_tri<<<grid, (TBM / TWM) * (TBN / TWN) * 32, TRI_SMEM_BYTES>>>(KARGS(*b));
#endif
		break;
	}
	case 3:
#if EV >= 1
		smem_optin((const void *)trimul_out2, OUT2_SMEM_BYTES);
		trimul_out2<<<M / EBM, ENW * 32, OUT2_SMEM_BYTES>>>(KARGS(*b));
#else
		trimul_out<<<M / EBM, ENW * 32, OUT_SMEM_BYTES>>>(KARGS(*b));
#endif
		break;
	}
	CK(cudaGetLastError());
}

static float *flushbuf;
static size_t flushbytes;

static void
flush_l2(void)
{
	CK(cudaMemsetAsync(flushbuf, 0, flushbytes));
}

static int
cmpf(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

static float
median(float *v, int n)
{
	qsort(v, n, sizeof(*v), cmpf);
	return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

/* Check y against y_ref; returns 0 when every element is within tolerance. */
static int
check(struct bufs *b, const char *label, int quiet)
{
	static unsigned long long *bad;
	static unsigned *maxerr;
	long n = b->B * b->N * b->N * b->C;
	unsigned long long nb;
	unsigned me;

	if (!bad) {
		CK(cudaMalloc(&bad, sizeof(*bad)));
		CK(cudaMalloc(&maxerr, sizeof(*maxerr)));
	}
	CK(cudaMemset(bad, 0, sizeof(*bad)));
	CK(cudaMemset(maxerr, 0, sizeof(*maxerr)));
	compare<<<1024, 256>>>(b->y, b->y_ref, n, bad, maxerr);
	CK(cudaGetLastError());
	CK(cudaMemcpy(&nb, bad, sizeof(nb), cudaMemcpyDeviceToHost));
	CK(cudaMemcpy(&me, maxerr, sizeof(me), cudaMemcpyDeviceToHost));
	float mef;
	memcpy(&mef, &me, sizeof(mef));
	if (nb) {
		fprintf(stderr,
			"trimul-steps: !!!!! MISMATCH at %s: %llu of %ld elements outside rtol = atol "
			"= 2e-2, max abs error %g !!!!!\n",
			label, nb, n, mef);
		return 1;
	}
	if (!quiet)
		fprintf(stderr, "trimul-steps: %s: ok (max abs error %.3g)\n", label, mef);
	return 0;
}

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: trimul-steps [-ht] [-n reps] [-s shape] [-w warmup]\n\n"
		    "Check and time the TriMul template, compiled in with its decisions as -D flags,\n"
		    "launch by launch at the 7 ranked shapes of kernels/trimul/task.\n\n"
		    "  -n reps    timed repetitions per shape (median; default 30, at least 5)\n"
		    "  -w warmup  untimed runs first (default 3)\n"
		    "  -s k       only the k-th ranked shape (1-7; for a profiler)\n"
		    "  -t         also check (not time) the 18 test shapes\n"
		    "  -h         this help\n");
}

int
main(int argc, char **argv)
{
	int reps = 30, warmup = 3, tests = 0, fails = 0, only = 0, c;
	double lsum = 0;
	int nbench = 0;

	while ((c = getopt(argc, argv, "hn:s:tw:")) != -1) {
		char *end;
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'n':
			reps = (int)strtol(optarg, &end, 10);
			if (*end || reps < 5 || reps > 10000) {
				fprintf(stderr, "trimul-steps: bad -n '%s'\n", optarg);
				return 2;
			}
			break;
		case 'w':
			warmup = (int)strtol(optarg, &end, 10);
			if (*end || warmup < 0 || warmup > 1000) {
				fprintf(stderr, "trimul-steps: bad -w '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			only = (int)strtol(optarg, &end, 10);
			if (*end || only < 1 || only > 7) {
				fprintf(stderr, "trimul-steps: bad -s '%s' (a ranked shape, 1-7)\n", optarg);
				return 2;
			}
			break;
		case 't':
			tests = 1;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	cudaDeviceProp prop;
	CK(cudaGetDeviceProperties(&prop, 0));
	CB(cublasCreate(&cublas));
	flushbytes = 2 * (size_t)prop.l2CacheSize;
	CK(cudaMalloc(&flushbuf, flushbytes));
	printf("# %s, %d SMs; config: %s\n", prop.name, prop.multiProcessorCount, TRIMUL_CONFIG);
	printf("# us, median of %d; total = the plan alone; floor = max(8BN^2C B / 3.0e12 B/s, "
	       "FLOPs / 7.5e14)\n",
	       reps);
	printf("%-24s %8s %8s %8s %8s %9s %8s %7s\n", "shape", "prep", "proj", "tri", "out", "total",
	       "floor", "x floor");

	cudaEvent_t ev[NSTEP + 1];
	for (int i = 0; i <= NSTEP; i++)
		CK(cudaEventCreate(&ev[i]));
	float *t = (float *)malloc(sizeof(float) * (NSTEP + 1) * reps);

	for (size_t si = 0; si < sizeof(shapes) / sizeof(shapes[0]); si++) {
		const struct shape *s = &shapes[si];
		struct bufs b;
		char label[64];

		if (!s->bench && !tests)
			continue;
		if (only && (!s->bench || (int)(si - (sizeof(shapes) / sizeof(shapes[0]) - 7)) != only - 1))
			continue;
		snprintf(label, sizeof(label), "B%ld N%ld C%ld%s%s", s->B, s->N, s->C,
			 s->masked ? " mask" : "", s->cauchy ? " cauchy" : "");
		alloc_case(&b, s);
		long M = b.B * b.N * b.N;
		/* The reference into y_ref (it writes y: swap the pointers around it). */
		float *y = b.y;
		b.y = b.y_ref;
		plan_reference(&b);
		b.y = y;
		poison<<<1024, 256>>>(b.y, M * b.C);
		for (int st = 0; st < NSTEP; st++)
			plan_step(&b, st);
		CK(cudaDeviceSynchronize());
		fails += check(&b, label, 0);
		if (!s->bench) {
			free_case(&b);
			continue;
		}

		for (int i = 0; i < warmup; i++)
			for (int st = 0; st < NSTEP; st++)
				plan_step(&b, st);
		/* Per step: events between the launches. */
		for (int r = 0; r < reps; r++) {
			flush_l2();
			CK(cudaEventRecord(ev[0]));
			for (int st = 0; st < NSTEP; st++) {
				plan_step(&b, st);
				CK(cudaEventRecord(ev[st + 1]));
			}
			CK(cudaEventSynchronize(ev[NSTEP]));
			for (int st = 0; st < NSTEP; st++)
				CK(cudaEventElapsedTime(&t[st * reps + r], ev[st], ev[st + 1]));
		}
		/* The whole sequence with no events inside it. */
		for (int r = 0; r < reps; r++) {
			flush_l2();
			CK(cudaEventRecord(ev[0]));
			for (int st = 0; st < NSTEP; st++)
				plan_step(&b, st);
			CK(cudaEventRecord(ev[1]));
			CK(cudaEventSynchronize(ev[1]));
			CK(cudaEventElapsedTime(&t[NSTEP * reps + r], ev[0], ev[1]));
		}
		/* The timed runs must still give the right answer (no state carried between runs). */
		fails += check(&b, label, 1);

		float med[NSTEP + 1];
		for (int st = 0; st <= NSTEP; st++)
			med[st] = 1000 * median(&t[st * reps], reps);
		double bytes = 8.0 * M * b.C;
		double flops = 12.0 * M * b.C * b.H + 2.0 * b.B * b.N * b.N * b.N * b.H;
		double floor_us = 1e6 * fmax(bytes / 3.0e12, flops / 7.5e14);
		printf("%-24s %8.1f %8.1f %8.1f %8.1f %9.1f %8.1f %7.2f\n", label, med[0], med[1],
		       med[2], med[3], med[4], floor_us, med[4] / floor_us);
		fflush(stdout);
		lsum += log(med[4]);
		nbench++;
		free_case(&b);
	}
	if (nbench)
		printf("%-24s %8s %8s %8s %8s %9.1f\n", "geomean", "", "", "", "", exp(lsum / nbench));
	printf("# %s\n", fails ? "MISMATCH: some checks FAILED" : "all checks passed");
	free(t);
	CK(cudaFree(flushbuf));
	CB(cublasDestroy(cublas));
	return fails ? 1 : 0;
}
