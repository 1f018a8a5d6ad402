/*
 * tensor_cpu.c - the CPU reference backend of tensor.h (plain C loops,
 * accumulating in double so that it is the better-rounded side when the
 * CUDA backend is compared with it), and the backend registry.
 *
 * It favours obviousness over speed: the policy network is small (a few
 * thousand parameters, a few hundred tokens per step).  It never prints.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "target.h" /* defines: tttd_target_find */
#include "tensor.h"

static int
cpu_open(void **ctx, struct tttd_error *e)
{
	(void)e;
	*ctx = NULL;
	return TTTD_OK;
}

static void
cpu_close(void *ctx)
{
	(void)ctx;
}

static int
cpu_alloc(void *ctx, float **p, size_t n, struct tttd_error *e)
{
	(void)ctx;
	(void)e;
	*p = xcalloc(n ? n : 1, sizeof(float));
	return TTTD_OK;
}

static void
cpu_release(void *ctx, float *p)
{
	(void)ctx;
	free(p);
}

static int
cpu_copy(void *ctx, float *dst, const float *src, size_t n, struct tttd_error *e)
{
	(void)ctx;
	(void)e;
	if (n)
		memmove(dst, src, n * sizeof(float));
	return TTTD_OK;
}

static int
cpu_gemm(void *ctx, int ta, int tb, size_t m, size_t n, size_t k, float alpha, const float *a,
	 const float *b, float beta, float *c, struct tttd_error *e)
{
	size_t i, j, l;

	(void)ctx;
	(void)e;
	for (i = 0; i < m; i++) {
		for (j = 0; j < n; j++) {
			double s = 0;

			for (l = 0; l < k; l++) {
				double x = ta ? a[l * m + i] : a[i * k + l];
				double y = tb ? b[j * k + l] : b[l * n + j];

				s += x * y;
			}
			/* beta == 0 overwrites, so C may hold garbage (NaN) */
			c[i * n + j] = (float)(alpha * s + (beta != 0 ? beta * (double)c[i * n + j] : 0));
		}
	}
	return TTTD_OK;
}

static int
cpu_bias_add(void *ctx, float *y, const float *bias, size_t rows, size_t cols,
	     struct tttd_error *e)
{
	size_t r, c;

	(void)ctx;
	(void)e;
	for (r = 0; r < rows; r++)
		for (c = 0; c < cols; c++)
			y[r * cols + c] += bias[c];
	return TTTD_OK;
}

static int
cpu_bias_grad(void *ctx, const float *dy, size_t rows, size_t cols, float *db,
	      struct tttd_error *e)
{
	size_t r, c;

	(void)ctx;
	(void)e;
	for (c = 0; c < cols; c++) {
		double s = 0;

		for (r = 0; r < rows; r++)
			s += dy[r * cols + c];
		db[c] = (float)s;
	}
	return TTTD_OK;
}

static int
cpu_tanh_fwd(void *ctx, float *y, size_t n, struct tttd_error *e)
{
	size_t i;

	(void)ctx;
	(void)e;
	for (i = 0; i < n; i++)
		y[i] = tanhf(y[i]);
	return TTTD_OK;
}

static int
cpu_tanh_bwd(void *ctx, const float *y, float *dy, size_t n, struct tttd_error *e)
{
	size_t i;

	(void)ctx;
	(void)e;
	for (i = 0; i < n; i++)
		dy[i] *= 1 - y[i] * y[i];
	return TTTD_OK;
}

const struct tttd_tensor_ops tttd_tensor_cpu_ops = {
	/* clang-format off */
	cpu_open,     cpu_close,     cpu_alloc,    cpu_release, cpu_copy,
	cpu_copy,      cpu_gemm,     cpu_bias_add,  cpu_bias_grad, cpu_tanh_fwd, cpu_tanh_bwd,
	/* clang-format on */
};

int
tttd_tensor_be_new(struct tttd_tensor_be **out, const char *name, struct tttd_error *e)
{
	const struct tttd_target *t = tttd_target_find(name);
	const struct tttd_tensor_ops *ops = t ? t->tensor : NULL;
	struct tttd_tensor_be *be;
	int rc;

	*out = NULL;
	if (!ops && t && t->absent)
		return tttd_error_set(e, TTTD_ENODEV,
				      "tensor backend '%s': this tttd was built without CUDA", name);
	if (!ops)
		return tttd_error_set(e, TTTD_EINVAL, "unknown tensor backend '%s' (cpu or cuda)",
				      name);
	be = xcalloc(1, sizeof(*be));
	be->ops = ops;
	rc = ops->open(&be->ctx, e);
	if (rc < 0) {
		free(be);
		return rc;
	}
	*out = be;
	return TTTD_OK;
}

void
tttd_tensor_be_free(struct tttd_tensor_be *be)
{
	if (!be)
		return;
	be->ops->close(be->ctx);
	free(be);
}

int
tttd_tensor_alloc(struct tttd_tensor_be *be, float **p, size_t n, struct tttd_error *e)
{
	return be->ops->alloc(be->ctx, p, n, e);
}

void
tttd_tensor_release(struct tttd_tensor_be *be, float *p)
{
	if (p)
		be->ops->release(be->ctx, p);
}

int
tttd_tensor_upload(struct tttd_tensor_be *be, float *dst, const float *src, size_t n,
		   struct tttd_error *e)
{
	return be->ops->upload(be->ctx, dst, src, n, e);
}

int
tttd_tensor_download(struct tttd_tensor_be *be, float *dst, const float *src, size_t n,
		     struct tttd_error *e)
{
	return be->ops->download(be->ctx, dst, src, n, e);
}
