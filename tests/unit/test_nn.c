/*
 * test_nn.c - the tensor backends and the MLP: the CPU GEMM against a
 * hand-computed product for every transpose combination, the network's
 * backward pass against central finite differences (in CI), and, where a
 * GPU is usable, the same forward and backward on the CUDA backend
 * (cuBLAS) agreeing with the CPU within float tolerance.  Without a GPU
 * the CUDA half is skipped with a note on stderr.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "rng.h"
#include "tensor.h"
#include "test.h"

static void
test_gemm(void)
{
	/* A = [1 2 3; 4 5 6] (2x3), B = [1 0; 0 1; 1 1] (3x2): AB = [4 5; 10 11] */
	const float a[] = { 1, 2, 3, 4, 5, 6 }, at[] = { 1, 4, 2, 5, 3, 6 };
	const float b[] = { 1, 0, 0, 1, 1, 1 }, bt[] = { 1, 0, 1, 0, 1, 1 };
	const float want[] = { 4, 5, 10, 11 };
	struct tttd_tensor_be *be;
	struct tttd_error e = { 0 };
	float c[4];
	int ta, tb, i, ok;

	T_CHECK("cpu backend opens", tttd_tensor_be_new(&be, "cpu", &e) == TTTD_OK);
	for (ta = 0; ta < 2; ta++) {
		for (tb = 0; tb < 2; tb++) {
			for (i = 0; i < 4; i++)
				c[i] = NAN; /* beta 0 must not read C */
			be->ops->gemm(be->ctx, ta, tb, 2, 2, 3, 1, ta ? at : a, tb ? bt : b, 0, c, &e);
			for (ok = 1, i = 0; i < 4; i++)
				ok &= c[i] == want[i];
			T_CHECK("gemm with transposes", ok);
		}
	}
	c[0] = 1;
	be->ops->gemm(be->ctx, 0, 0, 1, 1, 3, 2, a, b, 0.5f, c, &e);
	/* 1x1 = [1 2 3] . [1 0 0] (B read as 3x1) */
	T_NEAR("gemm alpha and beta", c[0], 2 * 1 + 0.5, 1e-6);
	tttd_tensor_be_free(be);
	T_CHECK("unknown backend", tttd_tensor_be_new(&be, "tpu", &e) == TTTD_EINVAL && !be);
}

static const size_t dims[] = { 7, 5, 4, 3 };
#define NL 3
#define ROWS 6

/* loss = sum_i c_i * y_i with fixed coefficients c */
static double
loss_of(struct tttd_nn *nn, const float *w, const float *x, const float *c)
{
	float y[ROWS * 3];
	double s = 0;
	size_t i;

	tttd_nn_set_params(nn, w, NULL);
	tttd_nn_forward(nn, x, ROWS, y, NULL);
	for (i = 0; i < ROWS * 3; i++)
		s += (double)c[i] * y[i];
	return s;
}

static void
fill(struct tttd_rng *r, float *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = (float)(2 * tttd_rng_uniform(r) - 1);
}

static void
test_gradcheck(void)
{
	struct tttd_tensor_be *be;
	struct tttd_nn *nn;
	struct tttd_error e = { 0 };
	struct tttd_rng r;
	size_t np = tttd_nn_count(dims, NL), i, bad = 0;
	float *w = xmalloc(np * sizeof(float)), *g = xmalloc(np * sizeof(float));
	float x[ROWS * 7], c[ROWS * 3], y[ROWS * 3];
	double worst = 0;

	tttd_rng_seed(&r, 42);
	tttd_nn_init_params(dims, NL, 7, w);
	for (i = 0; i < np; i++)
		w[i] += (float)(0.1 * (2 * tttd_rng_uniform(&r) - 1)); /* non-zero biases */
	fill(&r, x, sizeof(x) / sizeof(x[0]));
	fill(&r, c, sizeof(c) / sizeof(c[0]));
	tttd_tensor_be_new(&be, "cpu", &e);
	T_CHECK("network builds", tttd_nn_new(&nn, be, dims, NL, &e) == TTTD_OK);
	T_CHECK("parameter count", tttd_nn_nparams(nn) == (7 * 5 + 5) + (5 * 4 + 4) + (4 * 3 + 3));
	tttd_nn_set_params(nn, w, &e);
	tttd_nn_forward(nn, x, ROWS, y, &e);
	T_CHECK("backward", tttd_nn_backward(nn, c, g, &e) == TTTD_OK);
	for (i = 0; i < np; i++) {
		float keep = w[i];
		double h = 1e-2, lp, lm, fd;

		w[i] = keep + (float)h;
		lp = loss_of(nn, w, x, c);
		w[i] = keep - (float)h;
		lm = loss_of(nn, w, x, c);
		w[i] = keep;
		fd = (lp - lm) / (2 * h);
		if (fabs(fd - g[i]) > 2e-3 + 2e-3 * fabs(fd))
			bad++;
		if (fabs(fd - g[i]) > worst)
			worst = fabs(fd - g[i]);
	}
	T_CHECK("backward matches finite differences for every parameter", bad == 0);
	if (bad)
		fprintf(stderr, "gradcheck: %zu of %zu off, worst %g\n", bad, np, worst);
	tttd_nn_free(nn);
	T_CHECK("no layer refused", tttd_nn_new(&nn, be, dims, 0, &e) == TTTD_EINVAL && !nn);
	tttd_tensor_be_free(be);
	free(w);
	free(g);
}

/* The same pass on the CPU and on CUDA; skipped with a note where no GPU. */
static void
test_cuda_agrees(void)
{
	struct tttd_tensor_be *cpu, *gpu;
	struct tttd_nn *a, *b;
	struct tttd_error e = { 0 };
	struct tttd_rng r;
	size_t np = tttd_nn_count(dims, NL), i;
	float *w = xmalloc(np * sizeof(float)), *ga = xmalloc(np * sizeof(float));
	float *gb = xmalloc(np * sizeof(float));
	float x[ROWS * 7], c[ROWS * 3], ya[ROWS * 3], yb[ROWS * 3];
	double dy = 0, dg = 0;

	if (tttd_tensor_be_new(&gpu, "cuda", &e) < 0) {
		fprintf(stderr, "note: CUDA half of test_nn skipped: %s\n", e.msg);
		free(w);
		free(ga);
		free(gb);
		return;
	}
	tttd_rng_seed(&r, 9);
	tttd_nn_init_params(dims, NL, 3, w);
	fill(&r, x, sizeof(x) / sizeof(x[0]));
	fill(&r, c, sizeof(c) / sizeof(c[0]));
	tttd_tensor_be_new(&cpu, "cpu", &e);
	T_CHECK("cpu net", tttd_nn_new(&a, cpu, dims, NL, &e) == TTTD_OK);
	T_CHECK("cuda net", tttd_nn_new(&b, gpu, dims, NL, &e) == TTTD_OK);
	tttd_nn_set_params(a, w, &e);
	tttd_nn_set_params(b, w, &e);
	T_CHECK("cpu forward", tttd_nn_forward(a, x, ROWS, ya, &e) == TTTD_OK);
	T_CHECK("cuda forward", tttd_nn_forward(b, x, ROWS, yb, &e) == TTTD_OK);
	T_CHECK("cpu backward", tttd_nn_backward(a, c, ga, &e) == TTTD_OK);
	T_CHECK("cuda backward", tttd_nn_backward(b, c, gb, &e) == TTTD_OK);
	for (i = 0; i < ROWS * 3; i++)
		dy = fmax(dy, fabs(ya[i] - yb[i]));
	for (i = 0; i < np; i++)
		dg = fmax(dg, fabs(ga[i] - gb[i]));
	T_CHECK("forward agrees", dy < 1e-4);
	T_CHECK("backward agrees", dg < 1e-4);
	fprintf(stderr, "note: cuda vs cpu: forward %g, backward %g max abs diff\n", dy, dg);
	tttd_nn_free(a);
	tttd_nn_free(b);
	tttd_tensor_be_free(cpu);
	tttd_tensor_be_free(gpu);
	free(w);
	free(ga);
	free(gb);
}

int
main(void)
{
	test_gemm();
	test_gradcheck();
	test_cuda_agrees();
	return T_DONE();
}
