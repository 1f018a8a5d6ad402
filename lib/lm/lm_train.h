/*
 * lm_train.h - test-time training of a language model through a training
 * service (the protocol is docs/lm.md, "The training protocol").
 *
 * One training step of tttd-train, as the paper takes it
 * (reference/ttt-discover.md section 2): every scored completion of the
 * batch with an advantage A_i (tttd-score's entropic advantage of its group)
 * contributes its completion tokens; each token t gets the advantage
 *
 *     A_t = A_i + kl * (mean_d - d_t),   d_t = logp_sampler(t) - logp_base(t)
 *
 * (the KL shaping to the base model: mean_d is the mean of d_t over every
 * token of the batch; with kl = 0 the base is not asked), and the service
 * takes the importance-sampling loss
 *
 *     loss = - sum over tokens of exp(logp_theta(t) - logp_sampler(t)) * A_t
 *
 * (no length normalisation, no clipping), one forward_backward per chunk of
 * sequences, then ONE Adam step, then saves the adapter for the sampler
 * under a new name.  The name is a content hash of the start adapter, the
 * settings and the ids of the trained candidates, so a step repeated after a
 * crash asks for the same adapter and the service answers from what it
 * already did (every call is idempotent by that name).
 *
 * This module holds the arithmetic (tttd_lm_shape, testable without a
 * service) and the calls; it never prints.
 */
#ifndef TTTD_LM_TRAIN_H
#define TTTD_LM_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "tttd.h"

struct tttd_lm_train_opts {
	const char *url;              /* the training service's base URL */
	const char *publish;          /* a sampler to load each new adapter into (vLLM's
	                           /v1/load_lora_adapter), or NULL */
	double lr, beta1, beta2, eps; /* Adam: the paper's 4e-5, 0.9, 0.95, 1e-8 */
	double kl;                    /* KL shaping coefficient to the base (paper: 0.1) */
	size_t chunk;                 /* sequences per forward_backward request (default 8) */
	struct tttd_http_opts http;
};

void tttd_lm_train_opts_default(struct tttd_lm_train_opts *o);

/* One trained completion (arrays borrowed). */
struct tttd_lm_example {
	const char *id;
	const int64_t *prompt; /* prompt token ids */
	size_t nprompt;
	const int64_t *tokens;  /* completion token ids */
	const double *logprobs; /* the sampler's, one per completion token */
	size_t ntokens;
	double advantage;   /* A_i */
	double *token_adv;  /* out: A_t, ntokens (owned by the caller) */
	const double *base; /* the base model's log-probabilities, or NULL */
};

/*
 * The per-token advantages of every example (ex[i].token_adv, allocated by
 * the caller): A_t = A_i + kl * (mean_d - d_t) where the base log-probs are
 * given, A_i where they are not or kl is 0.  *mean_d (may be NULL) gets the
 * batch mean of d_t, an estimate of KL(sampler || base) per token (0 when
 * no base is given).
 */
void tttd_lm_shape(struct tttd_lm_example *ex, size_t n, double kl, double *mean_d);

struct tttd_lm_train_result {
	char adapter[64]; /* the new adapter's name */
	double loss;      /* the service's loss, summed over chunks */
	double kl;        /* mean_d */
	size_t tokens;    /* completion tokens trained on */
	int reused;       /* the service had this adapter already (a repeated step) */
};

/*
 * The name of the adapter one step makes (see above): "<prefix>-" and 24
 * hex digits.  prefix may be NULL ("tttd").
 */
void tttd_lm_adapter_name(const char *prefix, const char *start, const struct tttd_lm_train_opts *o,
			  const struct tttd_lm_example *ex, size_t n, char out[64]);

/*
 * One training step on ex[0..n) starting from adapter start (NULL: a new
 * adapter on the base model), as described above; the new adapter is saved
 * for the sampler and, with o->publish, loaded into that sampler.
 * ex[i].token_adv must be allocated; ex[i].base is filled in here (and
 * freed before returning).  @return TTTD_OK, or TTTD_EIO with the
 * service's failure ("training service 'url': ...").
 */
int tttd_lm_train_step(const struct tttd_lm_train_opts *o, const char *prefix, const char *start,
		       struct tttd_lm_example *ex, size_t n, struct tttd_lm_train_result *res,
		       struct tttd_error *e);

/*
 * A language model's checkpoint: one record of kind "policy" with format
 * "lm" naming the adapter (and its start adapter, base model, step).
 * write: atomically (tmp + rename).  read: *adapter gets the adapter's name
 * (newly allocated), or NULL for an empty file (the base model: a run's
 * untrained steps).  @return TTTD_OK, TTTD_ENOENT, TTTD_EIO, or
 * TTTD_EFORMAT when the file is not an lm checkpoint.
 */
int tttd_lm_ckpt_write(const char *path, const char *adapter, const char *start,
		       const char *base_model, int64_t step, struct tttd_error *e);
int tttd_lm_ckpt_read(const char *path, char **adapter, struct tttd_error *e);

#endif
