/*
 * nn.c - the multilayer perceptron of nn.h: every operation goes through
 * the tensor backend, so the same code runs on the CPU reference and on
 * cuBLAS, and the two can be compared (tests/unit/test_nn.c,
 * tests/gpu/nn_check.c).
 *
 * Device buffers: the parameters and their gradient (one block each), the
 * activations a_0 = X, a_1, ..., a_L of the last forward, and two delta
 * buffers as wide as the widest layer; they grow with the batch and are
 * kept between calls.  It never prints.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
#include "rng.h"

struct tttd_nn {
	struct tttd_tensor_be *be;
	size_t dims[TTTD_NN_MAX_LAYERS + 1];
	size_t nl, np, maxw;
	float *w, *g;                       /* device: parameters, gradient */
	float *act[TTTD_NN_MAX_LAYERS + 1]; /* device: activations, cap rows each */
	float *d0, *d1;                     /* device: deltas, cap x maxw */
	size_t cap, n;                      /* rows allocated, rows of the last forward */
};

size_t
tttd_nn_count(const size_t *dims, size_t nlayers)
{
	return tttd_nn_layer_offset(dims, nlayers);
}

size_t
tttd_nn_layer_offset(const size_t *dims, size_t l)
{
	size_t i, off = 0;

	for (i = 0; i < l; i++)
		off += dims[i + 1] * dims[i] + dims[i + 1];
	return off;
}

size_t
tttd_nn_nparams(const struct tttd_nn *nn)
{
	return nn->np;
}

void
tttd_nn_init_params(const size_t *dims, size_t nlayers, uint64_t seed, float *w)
{
	struct tttd_rng r;
	size_t l, i;

	tttd_rng_seed(&r, seed);
	for (l = 0; l < nlayers; l++) {
		float *wl = w + tttd_nn_layer_offset(dims, l);
		size_t nw = dims[l + 1] * dims[l];
		double a = sqrt(6.0 / (double)(dims[l] + dims[l + 1]));

		for (i = 0; i < nw; i++)
			wl[i] = (float)(a * (2 * tttd_rng_uniform(&r) - 1));
		memset(wl + nw, 0, dims[l + 1] * sizeof(float));
	}
}

static void
free_batch(struct tttd_nn *nn)
{
	size_t l;

	for (l = 0; l <= nn->nl; l++) {
		tttd_tensor_release(nn->be, nn->act[l]);
		nn->act[l] = NULL;
	}
	tttd_tensor_release(nn->be, nn->d0);
	tttd_tensor_release(nn->be, nn->d1);
	nn->d0 = nn->d1 = NULL;
	nn->cap = 0;
}

/* Room for n rows of activations and deltas. */
static int
reserve(struct tttd_nn *nn, size_t n, struct tttd_error *e)
{
	size_t l, cap;

	if (n <= nn->cap)
		return TTTD_OK;
	cap = nn->cap ? nn->cap : 16;
	while (cap < n)
		cap *= 2;
	free_batch(nn);
	for (l = 0; l <= nn->nl; l++)
		TTTD_TRY(tttd_tensor_alloc(nn->be, &nn->act[l], cap * nn->dims[l], e));
	TTTD_TRY(tttd_tensor_alloc(nn->be, &nn->d0, cap * nn->maxw, e));
	TTTD_TRY(tttd_tensor_alloc(nn->be, &nn->d1, cap * nn->maxw, e));
	nn->cap = cap;
	return TTTD_OK;
}

int
tttd_nn_new(struct tttd_nn **out, struct tttd_tensor_be *be, const size_t *dims, size_t nlayers,
	    struct tttd_error *e)
{
	struct tttd_nn *nn;
	size_t l;
	int rc;

	*out = NULL;
	TTTD_RETURN_IF(nlayers < 1 || nlayers > TTTD_NN_MAX_LAYERS, e, TTTD_EINVAL,
		       "network: %zu layers (1 to %d)", nlayers, TTTD_NN_MAX_LAYERS);
	for (l = 0; l <= nlayers; l++)
		TTTD_RETURN_IF(dims[l] < 1 || dims[l] > 1u << 20, e, TTTD_EINVAL,
			       "network: layer size %zu out of range", dims[l]);
	nn = xcalloc(1, sizeof(*nn));
	nn->be = be;
	nn->nl = nlayers;
	for (l = 0; l <= nlayers; l++) {
		nn->dims[l] = dims[l];
		if (dims[l] > nn->maxw)
			nn->maxw = dims[l];
	}
	nn->np = tttd_nn_count(dims, nlayers);
	if ((rc = tttd_tensor_alloc(be, &nn->w, nn->np, e)) < 0 ||
	    (rc = tttd_tensor_alloc(be, &nn->g, nn->np, e)) < 0) {
		tttd_nn_free(nn);
		return rc;
	}
	*out = nn;
	return TTTD_OK;
}

void
tttd_nn_free(struct tttd_nn *nn)
{
	if (!nn)
		return;
	free_batch(nn);
	tttd_tensor_release(nn->be, nn->w);
	tttd_tensor_release(nn->be, nn->g);
	free(nn);
}

int
tttd_nn_set_params(struct tttd_nn *nn, const float *w, struct tttd_error *e)
{
	return tttd_tensor_upload(nn->be, nn->w, w, nn->np, e);
}

int
tttd_nn_forward(struct tttd_nn *nn, const float *x, size_t n, float *y, struct tttd_error *e)
{
	const struct tttd_tensor_ops *o = nn->be->ops;
	void *c = nn->be->ctx;
	size_t l;

	TTTD_TRY(reserve(nn, n ? n : 1, e));
	nn->n = n;
	if (!n)
		return TTTD_OK;
	TTTD_TRY(tttd_tensor_upload(nn->be, nn->act[0], x, n * nn->dims[0], e));
	for (l = 0; l < nn->nl; l++) {
		size_t in = nn->dims[l], out = nn->dims[l + 1];
		const float *wl = nn->w + tttd_nn_layer_offset(nn->dims, l);

		/* a_{l+1} = a_l W_l^T + b_l */
		TTTD_TRY(o->gemm(c, 0, 1, n, out, in, 1, nn->act[l], wl, 0, nn->act[l + 1], e));
		TTTD_TRY(o->bias_add(c, nn->act[l + 1], wl + out * in, n, out, e));
		if (l + 1 < nn->nl)
			TTTD_TRY(o->tanh_fwd(c, nn->act[l + 1], n * out, e));
	}
	return tttd_tensor_download(nn->be, y, nn->act[nn->nl], n * nn->dims[nn->nl], e);
}

int
tttd_nn_backward(struct tttd_nn *nn, const float *dy, float *grad, struct tttd_error *e)
{
	const struct tttd_tensor_ops *o = nn->be->ops;
	void *c = nn->be->ctx;
	size_t n = nn->n, l;
	float *delta = nn->d0, *next = nn->d1, *t;

	if (!n) {
		memset(grad, 0, nn->np * sizeof(float));
		return TTTD_OK;
	}
	TTTD_TRY(tttd_tensor_upload(nn->be, delta, dy, n * nn->dims[nn->nl], e));
	for (l = nn->nl; l-- > 0;) {
		size_t in = nn->dims[l], out = nn->dims[l + 1];
		size_t off = tttd_nn_layer_offset(nn->dims, l);

		/* dW_l = delta^T a_l (out x in); db_l = column sums of delta */
		TTTD_TRY(o->gemm(c, 1, 0, out, in, n, 1, delta, nn->act[l], 0, nn->g + off, e));
		TTTD_TRY(o->bias_grad(c, delta, n, out, nn->g + off + out * in, e));
		if (l == 0)
			break;
		/* through W_l, then through the tanh that made a_l */
		TTTD_TRY(o->gemm(c, 0, 0, n, in, out, 1, delta, nn->w + off, 0, next, e));
		TTTD_TRY(o->tanh_bwd(c, nn->act[l], next, n * in, e));
		t = delta;
		delta = next;
		next = t;
	}
	return tttd_tensor_download(nn->be, grad, nn->g, nn->np, e);
}
