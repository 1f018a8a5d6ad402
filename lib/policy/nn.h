/*
 * nn.h - a multilayer perceptron on a tensor.h backend: layers
 * dims[0] -> dims[1] -> ... -> dims[L], tanh after every layer but the
 * last, which is linear (it produces logits).  Forward keeps the
 * activations so that the next backward can use them; backward gives the
 * gradient of sum(dY * Y) with respect to every parameter.
 *
 * Parameters are one flat float array, layer by layer: W_l (dims[l+1] x
 * dims[l], row-major: out x in) then b_l (dims[l+1]).  The host owns the
 * authoritative copy; tttd_nn_set_params uploads it.  Inputs and outputs
 * cross the interface as host arrays whatever the backend.
 *
 * It knows nothing of tasks, decisions or training rules (policy.c does);
 * it never prints.
 */
#ifndef TTTD_NN_H
#define TTTD_NN_H

#include <stddef.h>
#include <stdint.h>

#include "tensor.h"
#include "tttd.h"

#define TTTD_NN_MAX_LAYERS 8

struct tttd_nn;

/*
 * A network of nlayers layers (1..TTTD_NN_MAX_LAYERS) over dims[0..nlayers]
 * on backend be (borrowed: it must outlive the network).  Parameters start
 * at zero.  @return TTTD_OK, TTTD_EINVAL for bad sizes, or the backend's
 * error.  Free with tttd_nn_free (accepts NULL).
 */
int tttd_nn_new(struct tttd_nn **out, struct tttd_tensor_be *be, const size_t *dims, size_t nlayers,
		struct tttd_error *e);
void tttd_nn_free(struct tttd_nn *nn);

/* Parameter count for these sizes, and where layer l's W and b start. */
size_t tttd_nn_count(const size_t *dims, size_t nlayers);
size_t tttd_nn_layer_offset(const size_t *dims, size_t l);
size_t tttd_nn_nparams(const struct tttd_nn *nn);

/*
 * Glorot-uniform weights (+-sqrt(6 / (in + out))) and zero biases for
 * every layer into w (tttd_nn_count floats), drawn from seed alone.
 */
void tttd_nn_init_params(const size_t *dims, size_t nlayers, uint64_t seed, float *w);

/* Upload w (tttd_nn_nparams floats, host). */
int tttd_nn_set_params(struct tttd_nn *nn, const float *w, struct tttd_error *e);

/*
 * Y = f(X) for n rows: x is n x dims[0], y gets n x dims[L] (host arrays).
 * The activations are kept for tttd_nn_backward.
 */
int tttd_nn_forward(struct tttd_nn *nn, const float *x, size_t n, float *y, struct tttd_error *e);

/*
 * After a forward of n rows: dy (n x dims[L], host) is d loss / d Y;
 * grad (tttd_nn_nparams floats, host) gets d loss / d params (overwritten).
 */
int tttd_nn_backward(struct tttd_nn *nn, const float *dy, float *grad, struct tttd_error *e);

#endif
