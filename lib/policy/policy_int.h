/*
 * policy_int.h - what the files of the policy module share and nothing else
 * includes: the policy's struct, which policy.h keeps opaque, and its
 * allocation.  policy.c samples, scores and trains; policy_ckpt.c saves
 * and loads checkpoints.
 */
#ifndef TTTD_POLICY_INT_H
#define TTTD_POLICY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "nn.h"
#include "policy.h"
#include "task.h"
#include "tensor.h"

struct tttd_policy {
	const struct tttd_task *t;
	enum tttd_policy_kind kind;
	uint64_t seed;
	char id[TTTD_ID_LEN + 1];
	size_t *off;   /* table: ndec offsets into the parameter arrays */
	size_t np;     /* parameters */
	double *w;     /* current parameters */
	double *w0;    /* initial parameters (KL penalty) */
	double *m, *v; /* Adam moments */
	int64_t steps;
	size_t maxopt; /* widest decision, for scratch arrays */
	/* mlp only */
	size_t dims[TTTD_NN_MAX_LAYERS + 1], nl; /* the network's layer sizes */
	size_t nnp;                              /* network parameters (w[0..nnp)); keep bonus at w[nnp + d] */
	size_t S;                                /* sum of option counts */
	size_t *goff;                            /* decision d's options start at goff[d] in a one-hot block */
	struct tttd_tensor_be *be;
	struct tttd_nn *nn;
	float *wf; /* nnp floats: parameters converted for upload */
};

/*
 * A policy of kind for task t with its parameters allocated, all zero
 * (tttd_policy_new then sets the initial ones; a checkpoint's load, the
 * saved ones).  hidden: the MLP's nh hidden layer sizes, ignored for the
 * other kinds.  Aborts through BUG() only if the CPU backend
 * cannot open, which cannot happen.
 */
struct tttd_policy *tttd_policy_alloc(const struct tttd_task *t, enum tttd_policy_kind kind, uint64_t seed,
				      const size_t *hidden, size_t nh);

#endif
