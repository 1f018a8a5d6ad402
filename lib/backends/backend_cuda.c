/*
 * backend_cuda.c - the CUDA backend: cubins loaded with cudaLibraryLoadData,
 * launched with cudaLaunchKernel on the legacy default stream, timed with
 * events, L2 flushed with a memset; plan steps that are cuBLAS GEMMs (task
 * "gemm" lines, bounds-checked against the buffers before the call); plus
 * measured peaks and cuBLAS baselines (backend_cuda.h).
 *
 * Only the runtime API (libcudart), never libcuda: the binaries start on a
 * machine with no driver, and open() then fails with TTTD_ENODEV.  After an
 * execution error (illegal address, trap, misaligned access) the CUDA context
 * is unusable for the rest of the process: sync() says so and returns
 * TTTD_EGPU, and the bench layer replaces the worker.  This file does not
 * compile (nvrtc.c), check results or decide how often to run (bench.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "backend.h"
#include "backend_cuda.h"
#include "cuda_tma.h"
#include "inputs_cuda.h" /* defines: tttd_cuda_fill, _poison, _compare, _count_poison */
#include "nvrtc.h"       /* defines: GPU_CHECK_GEN */

static const char *
cuda_name(int r)
{
	return cudaGetErrorString((cudaError_t)r);
}

static const char *
cublas_name(int r)
{
	return cublasGetStatusString((cublasStatus_t)r);
}

#define CUDA_TRY(expr, e, action) GPU_CHECK_GEN(expr, cudaSuccess, cuda_name, TTTD_EGPU, e, action)
#define CUBLAS_TRY(expr, e, action) \
	GPU_CHECK_GEN(expr, CUBLAS_STATUS_SUCCESS, cublas_name, TTTD_EGPU, e, action)

struct cuda_state {
	char name[400];
	int sm_major, sm_minor;
	size_t smem_optin; /* the largest dynamic shared memory a block may ask for */
	void *flush;       /* 2 x L2 */
	size_t nflush;
	unsigned flush_count;
	cudaEvent_t ev0, ev1;
	cublasHandle_t cublas;      /* created on first use */
	double peak_bw, peak_flops; /* measured once */
};

struct cuda_kernel {
	cudaLibrary_t lib;
	/* The plan run() follows: the task's launch lines, or its ref_launch lines for the reference. */
	const struct tttd_launch_spec *plan;
	size_t nplan;
	char **name;
	cudaKernel_t *k;
	size_t n, cap;
};

static int
cuda_open(struct tttd_backend *b, int device, struct tttd_error *e)
{
	struct cuda_state *st;
	struct cudaDeviceProp p;
	int n = 0, v = 0, clk = 0, mclk = 0, l2 = 0;
	cudaError_t r;

	r = cudaGetDeviceCount(&n);
	if (r != cudaSuccess)
		return tttd_error_set(e, TTTD_ENODEV, "no CUDA device: %s", cudaGetErrorString(r));
	if (n == 0)
		return tttd_error_set(e, TTTD_ENODEV, "no CUDA device: none found");
	if (device < 0 || device >= n)
		return tttd_error_set(e, TTTD_ENODEV, "no CUDA device: device %d of %d", device, n);
	r = cudaSetDevice(device);
	if (r != cudaSuccess)
		return tttd_error_set(e, TTTD_ENODEV, "no CUDA device: %s", cudaGetErrorString(r));
	CUDA_TRY(cudaGetDeviceProperties(&p, device), e, return TTTD_EGPU);
	st = xcalloc(1, sizeof(*st));
	st->sm_major = p.major;
	st->sm_minor = p.minor;
	/* Clocks are attributes since CUDA 13 dropped them from the properties. */
	if (cudaDeviceGetAttribute(&clk, cudaDevAttrClockRate, device) != cudaSuccess)
		clk = 0;
	if (cudaDeviceGetAttribute(&mclk, cudaDevAttrMemoryClockRate, device) != cudaSuccess)
		mclk = 0;
	if (clk > 0)
		snprintf(st->name, sizeof(st->name), "%s (sm_%d%d, %d SMs, %d MHz, memory %d MHz)",
			 p.name, p.major, p.minor, p.multiProcessorCount, clk / 1000, mclk / 1000);
	else
		snprintf(st->name, sizeof(st->name), "%s (sm_%d%d, %d SMs)", p.name, p.major, p.minor,
			 p.multiProcessorCount);
	if (cudaDeviceGetAttribute(&v, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) == cudaSuccess)
		st->smem_optin = (size_t)v;
	if (cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device) != cudaSuccess || l2 <= 0)
		l2 = 64 << 20;
	st->nflush = 2 * (size_t)l2;
	b->state = st;
	b->device = device;
	CUDA_TRY(cudaMalloc(&st->flush, st->nflush), e, goto fail);
	CUDA_TRY(cudaEventCreate(&st->ev0), e, goto fail);
	CUDA_TRY(cudaEventCreate(&st->ev1), e, goto fail);
	return TTTD_OK;
fail:
	b->ops->close(b);
	return TTTD_EGPU;
}

static void
cuda_close(struct tttd_backend *b)
{
	struct cuda_state *st = b->state;

	if (!st)
		return;
	tttd_cuda_inputs_release();
	if (st->cublas)
		cublasDestroy(st->cublas);
	if (st->ev0)
		cudaEventDestroy(st->ev0);
	if (st->ev1)
		cudaEventDestroy(st->ev1);
	cudaFree(st->flush);
	free(st);
	b->state = NULL;
}

static int
kernel_add(struct cuda_kernel *k, const char *name, struct tttd_error *e)
{
	cudaKernel_t f;
	size_t i;

	for (i = 0; i < k->n; i++)
		if (!strcmp(k->name[i], name))
			return TTTD_OK;
	if (cudaLibraryGetKernel(&f, k->lib, name) != cudaSuccess) {
		cudaGetLastError(); /* not sticky: clear it */
		return tttd_error_set(e, TTTD_ENOENT, "object has no kernel '%s'", name);
	}
	if (k->n == k->cap) {
		k->cap = k->cap ? 2 * k->cap : 4;
		k->name = xrealloc(k->name, k->cap * sizeof(*k->name));
		k->k = xrealloc(k->k, k->cap * sizeof(*k->k));
	}
	k->name[k->n] = xstrdup(name);
	k->k[k->n++] = f;
	return TTTD_OK;
}

static cudaKernel_t
kernel_find(const struct cuda_kernel *k, const char *name)
{
	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->name[i], name))
			return k->k[i];
	return NULL;
}

static void
cuda_unload(struct tttd_backend *b, void *kernel)
{
	struct cuda_kernel *k = kernel;

	(void)b;
	if (!k)
		return;
	if (k->lib)
		cudaLibraryUnload(k->lib);
	for (size_t i = 0; i < k->n; i++)
		free(k->name[i]);
	free(k->name);
	free(k->k);
	free(k);
}

static int
cuda_load(struct tttd_backend *b, const struct tttd_task *t, const void *obj, size_t n,
	  const char *entry, void **kernel, struct tttd_error *e)
{
	struct cuda_kernel *k = xcalloc(1, sizeof(*k));
	cudaError_t r;
	size_t i, gmem;
	int rc;

	(void)b;
	*kernel = NULL;
	if (!tttd_nvrtc_is_elf(obj, n)) {
		free(k);
		return tttd_error_set(e, TTTD_EFORMAT, "object is not a cubin (no ELF header)");
	}
	gmem = tttd_cuda_static_global(obj, n);
	if (gmem > TTTD_CUDA_MAX_STATIC_GLOBAL) {
		free(k);
		return tttd_error_set(e, TTTD_EFORMAT,
				      "cubin declares %zu bytes of static device memory (limit %zu)", gmem,
				      (size_t)TTTD_CUDA_MAX_STATIC_GLOBAL);
	}
	r = cudaLibraryLoadData(&k->lib, obj, NULL, NULL, 0, NULL, NULL, 0);
	if (r != cudaSuccess) {
		/* A cubin for another architecture lands here; not sticky. */
		cudaGetLastError();
		free(k);
		return tttd_error_set(e, TTTD_EFORMAT, "cannot load cubin: %s", cudaGetErrorString(r));
	}
	if (t) {
		/*
		 * The reference has its own plan: loading under the task's ref_entry
		 * name selects the ref_launch lines (a task without them shares one).
		 */
		const char *ref = t->ref_entry ? t->ref_entry : "tttd_reference";

		k->plan = t->launch;
		k->nplan = t->nlaunch;
		if (t->nref_launch && entry && !strcmp(entry, ref)) {
			k->plan = t->ref_launch;
			k->nplan = t->nref_launch;
		}
	}
	if (k->nplan) {
		/* cuBLAS steps name no kernel of the object. */
		for (i = 0; i < k->nplan; i++)
			if (k->plan[i].kind == TTTD_STEP_LAUNCH &&
			    (rc = kernel_add(k, k->plan[i].kernel, e)) < 0)
				goto fail;
	} else if (entry && *entry) {
		if ((rc = kernel_add(k, entry, e)) < 0)
			goto fail;
	}
	*kernel = k;
	return TTTD_OK;
fail:
	cuda_unload(b, k);
	return rc;
}

static int
cuda_alloc(struct tttd_backend *b, size_t bytes, void **dev, struct tttd_error *e)
{
	(void)b;
	*dev = NULL;
	CUDA_TRY(cudaMalloc(dev, bytes ? bytes : 1), e, return TTTD_EGPU);
	return TTTD_OK;
}

static void
cuda_free(struct tttd_backend *b, void *dev)
{
	(void)b;
	if (dev)
		cudaFree(dev);
}

static int
cuda_copy(struct tttd_backend *b, void *dst, const void *src, size_t n, struct tttd_error *e)
{
	(void)b;
	if (n)
		CUDA_TRY(cudaMemcpyAsync(dst, src, n, cudaMemcpyDeviceToDevice, 0), e, return TTTD_EGPU);
	return TTTD_OK;
}

static int
launch_one(struct cuda_state *st, cudaKernel_t f, const char *name, const unsigned grid[3],
	   const unsigned block[3], size_t smem, void **args, struct tttd_error *e)
{
	cudaError_t r;

	/* Above 48 KiB a block must opt in; past the device's limit it cannot. */
	if (smem > 48 * 1024) {
		if (st->smem_optin && smem > st->smem_optin)
			return tttd_error_set(e, TTTD_EINVAL,
					      "kernel '%s' asks for %zu bytes of shared memory, the device allows %zu",
					      name, smem, st->smem_optin);
		CUDA_TRY(cudaFuncSetAttribute((const void *)f, cudaFuncAttributeMaxDynamicSharedMemorySize,
					      (int)smem),
			 e, cudaGetLastError();
			 e->code = TTTD_EINVAL; return TTTD_EINVAL);
	}
	dim3 g = { grid[0], grid[1], grid[2] }, bl = { block[0], block[1], block[2] };

	r = cudaLaunchKernel((const void *)f, g, bl, args, smem, 0);
	if (r != cudaSuccess) {
		/* Launch errors (bad geometry, too many resources) are not sticky. */
		cudaGetLastError();
		return tttd_error_set(e, TTTD_EINVAL, "cannot launch kernel '%s' grid %u,%u,%u block %u,%u,%u smem %zu: %s",
				      name, grid[0], grid[1], grid[2], block[0], block[1], block[2], smem,
				      cudaGetErrorString(r));
	}
	return TTTD_OK;
}

static cudaDataType
cuda_dtype(enum tttd_dtype d)
{
	return d == TTTD_BF16 ? CUDA_R_16BF : d == TTTD_F16 ? CUDA_R_16F
							    : CUDA_R_32F;
}

/* Evaluate an optional expression of a gemm step; NULL gives def. */
static long
gemm_eval(const struct tttd_task *t, const struct tttd_expr *x, const struct tttd_shape *s,
	  const int *choice, long def)
{
	return x ? tttd_task_eval(t, x, s, choice) : def;
}

/*
 * Check that one operand of a gemm step stays inside its buffer: rows x cols
 * row-major with row stride ld, batch copies stride apart, from off on.
 */
static int
gemm_operand_ok(const struct tttd_task *t, const struct tttd_shape *s, int bi, const char *what,
		long rows, long cols, long ld, long stride, long off, long batch, int line,
		struct tttd_error *e)
{
	long count = tttd_task_eval_shape(t, t->buf[bi].count, s);
	__int128 last;

	if (ld < cols || stride < 0 || off < 0 || ld > 0x7fffffffL)
		return tttd_error_set(e, TTTD_EINVAL,
				      "gemm step (task line %d): %s: ld %ld, stride %ld, offset %ld for "
				      "%ld x %ld",
				      line, what, ld, stride, off, rows, cols);
	last = (__int128)off + (__int128)(batch - 1) * stride + (__int128)(rows - 1) * ld + cols;
	if (last > count)
		return tttd_error_set(e, TTTD_EINVAL,
				      "gemm step (task line %d): %s reaches element %lld of buffer '%s' "
				      "(count %ld)",
				      line, what, (long long)last, t->buf[bi].name, count);
	return TTTD_OK;
}

/*
 * One cuBLAS step: row-major C_i = alpha op(A_i) op(B_i) + beta C_i, made
 * column-major as C^T = op(B)^T op(A)^T, so B's pointer goes first.
 */
static int
gemm_step(struct cuda_state *st, const struct tttd_task *t, const struct tttd_launch_spec *l,
	  const struct tttd_shape *s, const int *choice, void **buf, struct tttd_error *e)
{
	const struct tttd_gemm_spec *g = &l->gemm;
	long m = gemm_eval(t, g->m, s, choice, -1), n = gemm_eval(t, g->n, s, choice, -1);
	long k = gemm_eval(t, g->k, s, choice, -1), batch = gemm_eval(t, g->batch, s, choice, 1);
	long acols = g->transa ? m : k, arows = g->transa ? k : m;
	long bcols = g->transb ? k : n, brows = g->transb ? n : k;
	long lda = gemm_eval(t, g->lda, s, choice, acols), ldb = gemm_eval(t, g->ldb, s, choice, bcols);
	long ldc = gemm_eval(t, g->ldc, s, choice, n);
	long sa = gemm_eval(t, g->stride_a, s, choice, m * k);
	long sb = gemm_eval(t, g->stride_b, s, choice, k * n);
	long sc = gemm_eval(t, g->stride_c, s, choice, m * n);
	long oa = gemm_eval(t, g->off_a, s, choice, 0), ob = gemm_eval(t, g->off_b, s, choice, 0);
	long oc = gemm_eval(t, g->off_c, s, choice, 0);
	enum tttd_dtype ta = t->buf[g->a].dtype, tc = t->buf[g->c].dtype;
	size_t ea = tttd_dtype_size(ta), ec = tttd_dtype_size(tc);
	float alpha = (float)g->alpha, beta = (float)g->beta;

	if (m < 1 || n < 1 || k < 1 || batch < 1 || m > 0x7fffffffL || n > 0x7fffffffL ||
	    k > 0x7fffffffL || batch > 0x7fffffffL)
		return tttd_error_set(e, TTTD_EINVAL,
				      "gemm step (task line %d): m %ld, n %ld, k %ld, batch %ld", l->line,
				      m, n, k, batch);
	TTTD_TRY(gemm_operand_ok(t, s, g->a, "A", arows, acols, lda, sa, oa, batch, l->line, e));
	TTTD_TRY(gemm_operand_ok(t, s, g->b, "B", brows, bcols, ldb, sb, ob, batch, l->line, e));
	TTTD_TRY(gemm_operand_ok(t, s, g->c, "C", m, n, ldc, sc, oc, batch, l->line, e));
	if (!st->cublas)
		CUBLAS_TRY(cublasCreate(&st->cublas), e, return TTTD_EGPU);
	CUBLAS_TRY(cublasGemmStridedBatchedEx(
			   st->cublas, g->transb ? CUBLAS_OP_T : CUBLAS_OP_N,
			   g->transa ? CUBLAS_OP_T : CUBLAS_OP_N, (int)n, (int)m, (int)k, &alpha,
			   (const char *)buf[g->b] + (size_t)ob * ea, cuda_dtype(ta), (int)ldb, sb,
			   (const char *)buf[g->a] + (size_t)oa * ea, cuda_dtype(ta), (int)lda, sa, &beta,
			   (char *)buf[g->c] + (size_t)oc * ec, cuda_dtype(tc), (int)ldc, sc, (int)batch,
			   g->tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F,
			   CUBLAS_GEMM_DEFAULT),
		   e, e->code = TTTD_EINVAL;
		   return TTTD_EINVAL);
	return TTTD_OK;
}

static int
cuda_run(struct tttd_backend *b, void *kernel, const struct tttd_task *t, const struct tttd_shape *s,
	 const int *choice, void **buf, struct tttd_error *e)
{
	struct cuda_kernel *k = kernel;
	void *args[64];
	long dims[TTTD_MAX_DIMS];
	size_t i, j, na = 0, nran = 0;

	if (t->nbuf + t->ndim > sizeof(args) / sizeof(args[0]))
		return tttd_error_set(e, TTTD_EINVAL, "too many kernel arguments");
	for (i = 0; i < t->nbuf; i++)
		args[na++] = &buf[i];
	for (i = 0; i < t->ndim; i++) {
		dims[i] = s->dim[i];
		args[na++] = &dims[i];
	}
	for (i = 0; i < k->nplan; i++) {
		const struct tttd_launch_spec *l = &k->plan[i];
		unsigned grid[3], block[3];
		long v, smem = 0;
		cudaKernel_t f;

		if (!tttd_step_runs(t, l, s, choice))
			continue;
		nran++;
		if (l->kind == TTTD_STEP_GEMM) {
			TTTD_TRY(gemm_step(b->state, t, l, s, choice, buf, e));
			continue;
		}
		f = kernel_find(k, l->kernel);
		if (!f)
			return tttd_error_set(e, TTTD_ENOENT, "object has no kernel '%s'", l->kernel);
		for (j = 0; j < 3; j++) {
			v = tttd_task_eval(t, l->grid[j], s, choice);
			if (v < 1 || v > 0x7fffffffL)
				return tttd_error_set(e, TTTD_EINVAL, "launch '%s': grid[%zu] evaluates to %ld",
						      l->kernel, j, v);
			grid[j] = (unsigned)v;
			v = tttd_task_eval(t, l->block[j], s, choice);
			if (v < 1 || v > 0x7fffffffL)
				return tttd_error_set(e, TTTD_EINVAL, "launch '%s': block[%zu] evaluates to %ld",
						      l->kernel, j, v);
			block[j] = (unsigned)v;
		}
		if (l->smem) {
			smem = tttd_task_eval(t, l->smem, s, choice);
			if (smem < 0)
				return tttd_error_set(e, TTTD_EINVAL, "launch '%s': smem evaluates to %ld",
						      l->kernel, smem);
		}
		if (TTTD_LAUNCH_IS_EXT(l)) { /* clusters, persistent grids, tensor maps: cuda_tma.c */
			TTTD_TRY(tttd_cuda_launch_ext(t, l, s, choice, buf, args, na, (const void *)f, grid,
						      block, (size_t)smem, e));
			continue;
		}
		TTTD_TRY(launch_one(b->state, f, l->kernel, grid, block, (size_t)smem, args, e));
	}
	if (k->nplan && !nran)
		return tttd_error_set(e, TTTD_EINVAL, "no plan step runs at this shape and choice");
	return TTTD_OK;
}

static int
cuda_sync(struct tttd_backend *b, struct tttd_error *e)
{
	cudaError_t r = cudaDeviceSynchronize();

	(void)b;
	if (r != cudaSuccess)
		return tttd_error_set(e, TTTD_EGPU,
				      "kernel failed: %s (%s); the CUDA context is unusable, the worker must exit",
				      cudaGetErrorString(r), cudaGetErrorName(r));
	return TTTD_OK;
}

static int
cuda_flush(struct tttd_backend *b, struct tttd_error *e)
{
	struct cuda_state *st = b->state;

	/* A different byte each time, so nothing can elide the writes. */
	CUDA_TRY(cudaMemsetAsync(st->flush, (int)(++st->flush_count & 0xff), st->nflush, 0), e,
		 return TTTD_EGPU);
	return TTTD_OK;
}

static int
cuda_timer_start(struct tttd_backend *b, struct tttd_error *e)
{
	struct cuda_state *st = b->state;

	CUDA_TRY(cudaEventRecord(st->ev0, 0), e, return TTTD_EGPU);
	return TTTD_OK;
}

static int
cuda_timer_stop(struct tttd_backend *b, double *ns, struct tttd_error *e)
{
	struct cuda_state *st = b->state;
	float ms = 0;

	CUDA_TRY(cudaEventRecord(st->ev1, 0), e, return TTTD_EGPU);
	CUDA_TRY(cudaEventSynchronize(st->ev1), e, return TTTD_EGPU);
	CUDA_TRY(cudaEventElapsedTime(&ms, st->ev0, st->ev1), e, return TTTD_EGPU);
	*ns = (double)ms * 1e6;
	return TTTD_OK;
}

static const char *
cuda_device_name(struct tttd_backend *b)
{
	struct cuda_state *st = b->state;

	return st ? st->name : "cuda";
}

/* --- backend_cuda.h ---------------------------------------------------- */

void
tttd_cuda_arch(struct tttd_backend *b, char *buf, size_t n)
{
	struct cuda_state *st = b->state;

	snprintf(buf, n, "sm_%d%d", st->sm_major, st->sm_minor);
}

int
tttd_cuda_gemm(struct tttd_backend *b, int bf16, const void *A, const void *B, float *C, long M, long N,
	       long K, struct tttd_error *e)
{
	struct cuda_state *st = b->state;
	const float one = 1.f, zero = 0.f;
	cudaDataType ty = bf16 ? CUDA_R_16BF : CUDA_R_32F;

	if (!st->cublas)
		CUBLAS_TRY(cublasCreate(&st->cublas), e, return TTTD_EGPU);
	if (M > 0x7fffffffL || N > 0x7fffffffL || K > 0x7fffffffL)
		return tttd_error_set(e, TTTD_EINVAL, "gemm dims too large for cuBLAS");
	/*
	 * cuBLAS is column-major: row-major C = A B is column-major
	 * C^T (N x M) = B^T (N x K, ld N) A^T (K x M, ld K).
	 */
	CUBLAS_TRY(cublasGemmEx(st->cublas, CUBLAS_OP_N, CUBLAS_OP_N, (int)N, (int)M, (int)K, &one, B, ty,
				(int)N, A, ty, (int)K, &zero, C, CUDA_R_32F, (int)N, CUBLAS_COMPUTE_32F,
				CUBLAS_GEMM_DEFAULT),
		   e, return TTTD_EGPU);
	return TTTD_OK;
}

int
tttd_cuda_baseline_known(const char *name)
{
	return name && (!strcmp(name, "cublas_gemm_bf16") || !strcmp(name, "cublas_gemm_f32"));
}

static long
dim_by_name(const struct tttd_task *t, const struct tttd_shape *s, const char *name)
{
	for (size_t i = 0; i < t->ndim; i++)
		if (!strcmp(t->dim_name[i], name))
			return s->dim[i];
	return -1;
}

int
tttd_cuda_baseline(struct tttd_backend *b, const char *name, const struct tttd_task *t,
		   const struct tttd_shape *s, void **buf, struct tttd_error *e)
{
	long M, N, K;

	if (!tttd_cuda_baseline_known(name))
		return tttd_error_set(e, TTTD_ENOENT, "unknown baseline '%s'", name ? name : "");
	M = dim_by_name(t, s, "M");
	N = dim_by_name(t, s, "N");
	K = dim_by_name(t, s, "K");
	if (M < 0 || N < 0 || K < 0 || t->nbuf < 3)
		return tttd_error_set(e, TTTD_EINVAL, "baseline '%s' needs dims M, N, K and buffers A, B, C",
				      name);
	return tttd_cuda_gemm(b, !strcmp(name, "cublas_gemm_bf16"), buf[0], buf[1], buf[2], M, N, K, e);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
tttd_cuda_peaks(struct tttd_backend *b, double *bytes_per_s, double *flops_per_s, struct tttd_error *e)
{
	struct cuda_state *st = b->state;
	const size_t nb = (size_t)1 << 30;
	const long n = 8192;
	void *x = NULL, *y = NULL, *c = NULL;
	double t[10], ns;
	int i, rc = TTTD_OK;

	if (st->peak_bw > 0 && st->peak_flops > 0)
		goto done;
	CUDA_TRY(cudaMalloc(&x, nb), e, rc = TTTD_EGPU; goto out);
	CUDA_TRY(cudaMalloc(&y, nb), e, rc = TTTD_EGPU; goto out);
	CUDA_TRY(cudaMalloc(&c, (size_t)n * n * 4), e, rc = TTTD_EGPU; goto out);
	/* Not zeros: a GEMM on zeros runs faster than on data (METHOD.md). */
	CUDA_TRY(cudaMemset(x, 0x3c, nb), e, rc = TTTD_EGPU; goto out);
	CUDA_TRY(cudaMemset(y, 0x3b, nb), e, rc = TTTD_EGPU; goto out);
	for (i = -2; i < 10; i++) {
		if ((rc = cuda_timer_start(b, e)) < 0)
			goto out;
		CUDA_TRY(cudaMemcpyAsync(y, x, nb, cudaMemcpyDeviceToDevice, 0), e, rc = TTTD_EGPU; goto out);
		if ((rc = cuda_timer_stop(b, &ns, e)) < 0)
			goto out;
		if (i >= 0)
			t[i] = ns;
	}
	qsort(t, 10, sizeof(t[0]), cmp_double);
	st->peak_bw = 2.0 * (double)nb / ((t[4] + t[5]) / 2 * 1e-9);
	for (i = -2; i < 10; i++) {
		if ((rc = cuda_timer_start(b, e)) < 0)
			goto out;
		if ((rc = tttd_cuda_gemm(b, 1, x, y, c, n, n, n, e)) < 0)
			goto out;
		if ((rc = cuda_timer_stop(b, &ns, e)) < 0)
			goto out;
		if (i >= 0)
			t[i] = ns;
	}
	qsort(t, 10, sizeof(t[0]), cmp_double);
	st->peak_flops = 2.0 * (double)n * n * n / ((t[4] + t[5]) / 2 * 1e-9);
out:
	cudaFree(x);
	cudaFree(y);
	cudaFree(c);
	if (rc < 0)
		return rc;
done:
	if (bytes_per_s)
		*bytes_per_s = st->peak_bw;
	if (flops_per_s)
		*flops_per_s = st->peak_flops;
	return TTTD_OK;
}

const struct tttd_backend_ops tttd_cuda_ops = {
	.open = cuda_open,
	.close = cuda_close,
	.load = cuda_load,
	.unload = cuda_unload,
	.alloc = cuda_alloc,
	.free = cuda_free,
	.run = cuda_run,
	.sync = cuda_sync,
	.flush = cuda_flush,
	.timer_start = cuda_timer_start,
	.timer_stop = cuda_timer_stop,
	.device_name = cuda_device_name,
	.fill = tttd_cuda_fill,
	.poison = tttd_cuda_poison,
	.copy = cuda_copy,
	.compare = tttd_cuda_compare,
	.count_poison = tttd_cuda_count_poison,
	.peaks = tttd_cuda_peaks,
	.baseline_known = tttd_cuda_baseline_known,
	.baseline = tttd_cuda_baseline,
	.arch = tttd_cuda_arch,
};
