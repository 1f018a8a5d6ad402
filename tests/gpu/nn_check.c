/*
 * nn_check.c - GPU check of the policy network's tensor backends: the same
 * MLP forward and backward (policy-sized: 121 -> 64 -> 64 -> 60, 512 rows,
 * and a tiny 7 -> 5 -> 3 one) on the CPU reference and on CUDA (cuBLAS),
 * printing the largest absolute difference of outputs and gradients and
 * PASS or FAIL.  Exit 0 on PASS, 1 on FAIL, 2 when no GPU can be used.
 *
 * Build (after `make CUDA=1`):
 *   cc -std=c11 -D_GNU_SOURCE -DTTTD_HAVE_CUDA -Ilib/core -Ilib/... (each folder of lib/) -I/usr/local/cuda/include \
 *      -o build/nn_check tests/gpu/nn_check.c build/libtttd.a \
 *      -L/usr/local/cuda/lib64 -Wl,-rpath,/usr/local/cuda/lib64 \
 *      -lnvrtc -lcudart -lcublas -lmsgpackc -lzstd -ljansson -lm -lpthread -ldl
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn.h"
#include "rng.h"
#include "tensor.h"

static int
check(struct tttd_tensor_be *cpu, struct tttd_tensor_be *gpu, const size_t *dims, size_t nl,
      size_t rows)
{
	struct tttd_error e = {0};
	struct tttd_nn *a = NULL, *b = NULL;
	struct tttd_rng r;
	size_t np = tttd_nn_count(dims, nl), nin = rows * dims[0], nout = rows * dims[nl], i;
	float *w = malloc(np * sizeof(float)), *ga = malloc(np * sizeof(float));
	float *gb = malloc(np * sizeof(float)), *x = malloc(nin * sizeof(float));
	float *dy = malloc(nout * sizeof(float)), *ya = malloc(nout * sizeof(float));
	float *yb = malloc(nout * sizeof(float));
	double dyy = 0, dgg = 0, sy = 0, sg = 0;
	int ok;

	tttd_rng_seed(&r, 1);
	tttd_nn_init_params(dims, nl, 2, w);
	for (i = 0; i < np; i++)
		w[i] += (float)(0.05 * tttd_rng_normal(&r)); /* non-zero biases and head */
	for (i = 0; i < nin; i++)
		x[i] = tttd_rng_uniform(&r) < 0.1; /* one-hot-like inputs, as the policy's */
	for (i = 0; i < nout; i++)
		dy[i] = (float)tttd_rng_normal(&r);
	if (tttd_nn_new(&a, cpu, dims, nl, &e) < 0 || tttd_nn_new(&b, gpu, dims, nl, &e) < 0 ||
	    tttd_nn_set_params(a, w, &e) < 0 || tttd_nn_set_params(b, w, &e) < 0 ||
	    tttd_nn_forward(a, x, rows, ya, &e) < 0 || tttd_nn_forward(b, x, rows, yb, &e) < 0 ||
	    tttd_nn_backward(a, dy, ga, &e) < 0 || tttd_nn_backward(b, dy, gb, &e) < 0) {
		printf("nn_check: %s\n", e.msg);
		ok = 0;
		goto out;
	}
	for (i = 0; i < nout; i++) {
		dyy = fmax(dyy, fabs(ya[i] - yb[i]));
		sy = fmax(sy, fabs(ya[i]));
	}
	for (i = 0; i < np; i++) {
		dgg = fmax(dgg, fabs(ga[i] - gb[i]));
		sg = fmax(sg, fabs(ga[i]));
	}
	/* fp32 with different summation orders: relative to the largest value */
	ok = dyy <= 1e-4 * (1 + sy) && dgg <= 1e-4 * (1 + sg);
	printf("nn_check: %zu layers, %zu rows, %zu params: forward max abs diff %.3g (max |y| %.3g), "
	       "backward %.3g (max |g| %.3g): %s\n",
	       nl, rows, np, dyy, sy, dgg, sg, ok ? "PASS" : "FAIL");
out:
	tttd_nn_free(a);
	tttd_nn_free(b);
	free(w);
	free(ga);
	free(gb);
	free(x);
	free(dy);
	free(ya);
	free(yb);
	return ok;
}

int
main(void)
{
	static const size_t big[] = {121, 64, 64, 60}, tiny[] = {7, 5, 3};
	struct tttd_tensor_be *cpu, *gpu;
	struct tttd_error e = {0};
	int ok;

	if (tttd_tensor_be_new(&gpu, "cuda", &e) < 0) {
		printf("nn_check: SKIP: %s\n", e.msg);
		return 2;
	}
	tttd_tensor_be_new(&cpu, "cpu", &e);
	ok = check(cpu, gpu, tiny, 2, 3);
	ok &= check(cpu, gpu, big, 3, 512);
	printf("nn_check: %s\n", ok ? "PASS" : "FAIL");
	tttd_tensor_be_free(cpu);
	tttd_tensor_be_free(gpu);
	return ok ? 0 : 1;
}
