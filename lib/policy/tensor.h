/*
 * tensor.h - the few dense float operations a small neural network needs
 * (GEMM with transposes, bias add and its gradient, tanh and its
 * derivative), behind a backend interface with two implementations:
 *   "cpu"   plain C loops (tensor_cpu.c): the reference, always built;
 *   "cuda"  cuBLAS for the GEMMs and the bias operations (cublasSgemm,
 *           cublasSger, cublasSgemv), tanh on the host through a copy
 *           (tensor_cuda.c, built with CUDA=1 only).
 *
 * Matrices are row-major and contiguous (leading dimension = columns).
 * Buffers belong to a backend: tttd_tensor_alloc gives host memory on the
 * CPU and device memory on CUDA, and data moves only through
 * tttd_tensor_upload / tttd_tensor_download, so the caller never touches
 * a device pointer.  Every operation is synchronous: when it returns, its
 * result can be downloaded.
 *
 * It does not know about layers, parameters or training (nn.h does) and it
 * never prints.
 */
#ifndef TTTD_TENSOR_H
#define TTTD_TENSOR_H

#include <stddef.h>

#include "tttd.h"

/* Named in the target table (target.h): a target's "tensor" member. */
struct tttd_tensor_ops {
	int (*open)(void **ctx, struct tttd_error *e);
	void (*close)(void *ctx);
	int (*alloc)(void *ctx, float **p, size_t n, struct tttd_error *e);
	void (*release)(void *ctx, float *p);
	int (*upload)(void *ctx, float *dst, const float *src, size_t n, struct tttd_error *e);
	int (*download)(void *ctx, float *dst, const float *src, size_t n, struct tttd_error *e);
	/* C[m x n] = alpha op(A) op(B) + beta C; op(A) is m x k, op(B) k x n */
	int (*gemm)(void *ctx, int ta, int tb, size_t m, size_t n, size_t k, float alpha,
		    const float *a, const float *b, float beta, float *c, struct tttd_error *e);
	/* Y[r][c] += bias[c] */
	int (*bias_add)(void *ctx, float *y, const float *bias, size_t rows, size_t cols,
			struct tttd_error *e);
	/* db[c] = sum_r dY[r][c] */
	int (*bias_grad)(void *ctx, const float *dy, size_t rows, size_t cols, float *db,
			 struct tttd_error *e);
	/* y = tanh(y), in place */
	int (*tanh_fwd)(void *ctx, float *y, size_t n, struct tttd_error *e);
	/* dy *= 1 - y^2, in place (y is tanh's output) */
	int (*tanh_bwd)(void *ctx, const float *y, float *dy, size_t n, struct tttd_error *e);
};

/* An open backend: the operations and their context (a cuBLAS handle, ...). */
struct tttd_tensor_be {
	const struct tttd_tensor_ops *ops;
	void *ctx;
};

/*
 * Open the backend called name ("cpu" or "cuda") into *out (heap; free
 * with tttd_tensor_be_free, which accepts NULL).
 * @return TTTD_OK; TTTD_EINVAL for an unknown name; TTTD_ENODEV when
 * "cuda" was not built in or no device can be used (the message says
 * which); TTTD_EGPU when cuBLAS cannot start.
 */
int tttd_tensor_be_new(struct tttd_tensor_be **out, const char *name, struct tttd_error *e);
void tttd_tensor_be_free(struct tttd_tensor_be *be);

/* Short wrappers: be->ops->x(be->ctx, ...). */
int tttd_tensor_alloc(struct tttd_tensor_be *be, float **p, size_t n, struct tttd_error *e);
void tttd_tensor_release(struct tttd_tensor_be *be, float *p);
int tttd_tensor_upload(struct tttd_tensor_be *be, float *dst, const float *src, size_t n,
		       struct tttd_error *e);
int tttd_tensor_download(struct tttd_tensor_be *be, float *dst, const float *src, size_t n,
			 struct tttd_error *e);

#ifdef TTTD_HAVE_CUDA
extern const struct tttd_tensor_ops tttd_tensor_cuda_ops;
#endif
extern const struct tttd_tensor_ops tttd_tensor_cpu_ops;

#endif
