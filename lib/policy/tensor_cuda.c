/*
 * tensor_cuda.c - the CUDA backend of tensor.h: buffers in device memory,
 * the GEMMs through cublasSgemm, bias add as a rank-1 update (cublasSger
 * with a vector of ones) and the bias gradient as a matrix-vector product
 * (cublasSgemv with the same ones), so that everything with a reduction or
 * a large operand runs in cuBLAS.  tanh and its derivative are elementwise
 * over a few thousand values: they are done on the host through a copy
 * down and up, which costs two small transfers per layer and keeps this
 * file free of hand-written kernels (and of NVRTC); for the policy
 * network's sizes the transfers are below a millisecond per step.
 *
 * Row-major tensor.h matrices are column-major transposes for cuBLAS, so
 * C = op(A) op(B) is computed as C^T = op(B)^T op(A)^T with the operands
 * swapped.  Built only with CUDA=1 (the Makefile filters lib/cuda_*.c).
 * It never prints.
 */
#include <stdlib.h>
#include <string.h>

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "nvrtc.h" /* defines: GPU_CHECK_GEN */
#include "tensor.h"

struct cuda_ctx {
	cublasHandle_t h;
	float *ones; /* device vector of ones, nones long */
	size_t nones;
	float *host; /* scratch for the elementwise work */
	size_t nhost;
};

static const char *
cuda_str(int r)
{
	return cudaGetErrorString((cudaError_t)r);
}

static const char *
cublas_str(int r)
{
	return cublasGetStatusString((cublasStatus_t)r);
}

#define CUDA_TRY(expr, e) GPU_CHECK_GEN(expr, cudaSuccess, cuda_str, TTTD_EGPU, e, return TTTD_EGPU)
#define CUBLAS_TRY(expr, e) \
	GPU_CHECK_GEN(expr, CUBLAS_STATUS_SUCCESS, cublas_str, TTTD_EGPU, e, return TTTD_EGPU)

static int
cu_open(void **out, struct tttd_error *e)
{
	struct cuda_ctx *c;
	int n = 0;
	cudaError_t r = cudaGetDeviceCount(&n);

	*out = NULL;
	if (r != cudaSuccess || n < 1)
		return tttd_error_set(e, TTTD_ENODEV, "tensor backend 'cuda': no CUDA device (%s)",
				      r != cudaSuccess ? cudaGetErrorString(r) : "none found");
	c = xcalloc(1, sizeof(*c));
	if (cublasCreate(&c->h) != CUBLAS_STATUS_SUCCESS) {
		free(c);
		return tttd_error_set(e, TTTD_EGPU, "tensor backend 'cuda': cublasCreate failed");
	}
	/* full fp32: TF32 tensor cores would round the GEMM inputs to 10 bits */
	cublasSetMathMode(c->h, CUBLAS_DEFAULT_MATH);
	*out = c;
	return TTTD_OK;
}

static void
cu_close(void *vc)
{
	struct cuda_ctx *c = vc;

	if (!c)
		return;
	cudaFree(c->ones);
	cublasDestroy(c->h);
	free(c->host);
	free(c);
}

static int
cu_alloc(void *vc, float **p, size_t n, struct tttd_error *e)
{
	(void)vc;
	*p = NULL;
	CUDA_TRY(cudaMalloc((void **)p, (n ? n : 1) * sizeof(float)), e);
	CUDA_TRY(cudaMemset(*p, 0, (n ? n : 1) * sizeof(float)), e);
	return TTTD_OK;
}

static void
cu_release(void *vc, float *p)
{
	(void)vc;
	cudaFree(p);
}

static int
cu_upload(void *vc, float *dst, const float *src, size_t n, struct tttd_error *e)
{
	(void)vc;
	if (n)
		CUDA_TRY(cudaMemcpy(dst, src, n * sizeof(float), cudaMemcpyHostToDevice), e);
	return TTTD_OK;
}

static int
cu_download(void *vc, float *dst, const float *src, size_t n, struct tttd_error *e)
{
	(void)vc;
	if (n)
		CUDA_TRY(cudaMemcpy(dst, src, n * sizeof(float), cudaMemcpyDeviceToHost), e);
	return TTTD_OK;
}

static int
cu_gemm(void *vc, int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *a,
	const float *b, float beta, float *c, struct tttd_error *e)
{
	struct cuda_ctx *x = vc;
	int lda = (int)(ta ? m : k), ldb = (int)(tb ? k : n);

	if (!m || !n)
		return TTTD_OK;
	CUBLAS_TRY(cublasSgemm(x->h, tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
			       (int)n, (int)m, (int)k, &alpha, b, ldb, a, lda, &beta, c, (int)n),
		   e);
	CUDA_TRY(cudaDeviceSynchronize(), e);
	return TTTD_OK;
}

/* Make x->ones at least n long. */
static int
need_ones(struct cuda_ctx *x, size_t n, struct tttd_error *e)
{
	float *h;
	size_t i;

	if (x->nones >= n)
		return TTTD_OK;
	cudaFree(x->ones);
	x->ones = NULL;
	x->nones = 0;
	CUDA_TRY(cudaMalloc((void **)&x->ones, n * sizeof(float)), e);
	h = xmalloc(n * sizeof(float));
	for (i = 0; i < n; i++)
		h[i] = 1;
	if (cudaMemcpy(x->ones, h, n * sizeof(float), cudaMemcpyHostToDevice) != cudaSuccess) {
		free(h);
		return tttd_error_set(e, TTTD_EGPU, "tensor backend 'cuda': cannot fill a vector");
	}
	free(h);
	x->nones = n;
	return TTTD_OK;
}

static int
cu_bias_add(void *vc, float *y, const float *bias, size_t rows, size_t cols, struct tttd_error *e)
{
	struct cuda_ctx *x = vc;
	const float one = 1;

	if (!rows || !cols)
		return TTTD_OK;
	TTTD_TRY(need_ones(x, rows, e));
	/* column-major Y^T (cols x rows) += bias * ones^T */
	CUBLAS_TRY(cublasSger(x->h, (int)cols, (int)rows, &one, bias, 1, x->ones, 1, y, (int)cols), e);
	CUDA_TRY(cudaDeviceSynchronize(), e);
	return TTTD_OK;
}

static int
cu_bias_grad(void *vc, const float *dy, size_t rows, size_t cols, float *db, struct tttd_error *e)
{
	struct cuda_ctx *x = vc;
	const float one = 1, zero = 0;

	if (!cols)
		return TTTD_OK;
	if (!rows)
		return cudaMemset(db, 0, cols * sizeof(float)) == cudaSuccess
			       ? TTTD_OK
			       : tttd_error_set(e, TTTD_EGPU, "tensor backend 'cuda': cudaMemset failed");
	TTTD_TRY(need_ones(x, rows, e));
	/* db = dY^T (column-major cols x rows) * ones */
	CUBLAS_TRY(cublasSgemv(x->h, CUBLAS_OP_N, (int)cols, (int)rows, &one, dy, (int)cols, x->ones,
			       1, &zero, db, 1),
		   e);
	CUDA_TRY(cudaDeviceSynchronize(), e);
	return TTTD_OK;
}

/* Host scratch of at least n floats. */
static float *
host_scratch(struct cuda_ctx *x, size_t n)
{
	if (x->nhost < n) {
		x->host = xrealloc(x->host, n * sizeof(float));
		x->nhost = n;
	}
	return x->host;
}

static int
cu_tanh_fwd(void *vc, float *y, size_t n, struct tttd_error *e)
{
	float *h;

	if (!n)
		return TTTD_OK;
	h = host_scratch(vc, n);
	TTTD_TRY(cu_download(vc, h, y, n, e));
	TTTD_TRY(tttd_tensor_cpu_ops.tanh_fwd(NULL, h, n, e));
	return cu_upload(vc, y, h, n, e);
}

static int
cu_tanh_bwd(void *vc, const float *y, float *dy, size_t n, struct tttd_error *e)
{
	float *h;

	if (!n)
		return TTTD_OK;
	h = host_scratch(vc, 2 * n);
	TTTD_TRY(cu_download(vc, h, y, n, e));
	TTTD_TRY(cu_download(vc, h + n, dy, n, e));
	TTTD_TRY(tttd_tensor_cpu_ops.tanh_bwd(NULL, h, h + n, n, e));
	return cu_upload(vc, dy, h + n, n, e);
}

const struct tttd_tensor_ops tttd_tensor_cuda_ops = {
	/* clang-format off */
	cu_open,     cu_close,     cu_alloc,    cu_release,  cu_upload,
	cu_download, cu_gemm,    cu_bias_add,  cu_bias_grad, cu_tanh_fwd, cu_tanh_bwd,
	/* clang-format on */
};
