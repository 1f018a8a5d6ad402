/*
 * policy.h - the generative policy: given a parent state (a choice over the
 * task's decisions, or none for a root) it samples a child choice,
 * autoregressively over the decisions in task order with infeasible options
 * masked, reports log-probabilities and their gradients, and takes one
 * training step (policy gradient with entropic advantages, an optional KL
 * penalty to the initial policy, Adam), as in TTT-Discover sections 2.2-2.3.
 *
 * The interface is deliberately small so that a neural network can replace
 * the implementation: everything a tool touches is an opaque struct
 * tttd_policy and the functions below.  The implementations are
 *   "mlp"     a neural network (nn.h) on a tensor backend (tensor.h: the
 *             CPU, or cuBLAS): a shared tanh trunk reads the parent's
 *             decisions, the child's decisions chosen so far and which
 *             decision is next, and one output block per decision gives
 *             that decision's logits, plus a learned per-decision "keep
 *             the parent's option" bonus (see policy.c and docs/policy.md);
 *   "table"   per decision d a logit table logits[d][p][o]: p is the
 *             parent's option of the same decision (p = nopt(d) for "no
 *             parent", a root), o the child's option;
 *   "uniform" every feasible option equally likely (search without
 *             learning, the baseline); it cannot be trained.
 *
 * A checkpoint is one msgpack record of kind "policy" (see policy.c for its
 * keys) written atomically through tttd_writer (tmp + rename).
 *
 * This module does not read candidate records or decide which ones to train
 * on: tools do that and hand it plain choices and advantages.  It never
 * prints.
 */
#ifndef TTTD_POLICY_H
#define TTTD_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "task.h"
#include "tttd.h"

#define TTTD_POLICY_FORMAT 2 /* checkpoint format version written (1 is still read) */
#define TTTD_POLICY_MAX_RESTARTS 100

enum tttd_policy_kind {
	TTTD_POLICY_TABLE,
	TTTD_POLICY_UNIFORM,
	TTTD_POLICY_MLP,
};

/* The MLP's hidden layers: TTTD_POLICY_DEPTH tanh layers of TTTD_POLICY_WIDTH. */
#define TTTD_POLICY_WIDTH 32
#define TTTD_POLICY_DEPTH 2

/* "table", "uniform", "mlp" -> kind.  @return 0, or -1 for another name. */
int tttd_policy_kind_parse(const char *name, enum tttd_policy_kind *kind);
/* The name of kind ("table", ...); static. */
const char *tttd_policy_kind_name(enum tttd_policy_kind kind);

struct tttd_policy;

/*
 * Create the initial policy of kind for task t (borrowed: it must outlive
 * the policy).  seed is recorded in the checkpoint; the table's initial
 * logits do not depend on it (they are a fixed prior, see policy.c); the
 * MLP's trunk weights are drawn from it, and its output layer starts at
 * zero, so that its initial distribution is exactly the table's (the same
 * mutation prior) whatever the seed.  Its id (tttd_policy_id) is "init",
 * or "uniform".  The MLP starts on the CPU backend.
 * @return TTTD_OK.  Free with tttd_policy_free.
 */
int tttd_policy_new(struct tttd_policy **out, const struct tttd_task *t, enum tttd_policy_kind kind,
		    uint64_t seed, struct tttd_error *e);
/* Accepts NULL. */
void tttd_policy_free(struct tttd_policy *p);

/*
 * Load a checkpoint from path for task t (borrowed).  The policy's id
 * becomes the hash of the file's bytes (32 hex digits).
 * @return TTTD_OK; TTTD_ENOENT if path does not exist, TTTD_EIO if it
 * cannot be read, TTTD_EFORMAT if it is not a policy record or was made for
 * a different task or decision space (the message says which decision).
 */
int tttd_policy_load(struct tttd_policy **out, const char *path, const struct tttd_task *t,
		     struct tttd_error *e);

/*
 * Write p to path atomically (path.tmp, then rename).  A path ending in
 * ".zst" is compressed.  @return TTTD_OK or TTTD_EIO.
 */
int tttd_policy_save(const struct tttd_policy *p, const char *path, struct tttd_error *e);

/*
 * Run the MLP's forward and backward passes on tensor backend name ("cpu"
 * or "cuda"); the other kinds accept only "cpu".  Results agree within
 * float rounding, so a run may switch.  @return TTTD_OK, or the backend's
 * error (TTTD_ENODEV where no GPU can be used); p is unchanged on error.
 */
int tttd_policy_set_backend(struct tttd_policy *p, const char *name, struct tttd_error *e);

/*
 * Warm start: copy weights from the MLP checkpoint at path (another run,
 * maybe of a related task) into p, an MLP that has not been trained yet.
 * When the two decision spaces are identical (same decision names and
 * option counts, whatever the task's name: another shape of the same
 * problem) every parameter is copied.  Otherwise only the hidden-to-hidden
 * trunk layers whose shapes match are copied: the input layer and the
 * output blocks are tied to one space's options.  What was copied becomes
 * the initial policy too (the KL penalty anchors to it).  *copied (may be
 * NULL) gets the number of parameters copied (0 is not an error).
 * @return TTTD_OK; TTTD_ENOENT/TTTD_EIO/TTTD_EFORMAT as tttd_policy_load;
 * TTTD_EINVAL if p or the checkpoint is not an MLP or p was trained.
 */
int tttd_policy_init_from(struct tttd_policy *p, const char *path, size_t *copied,
			  struct tttd_error *e);

/* "init", "uniform" or the checkpoint hash; borrowed. */
const char *tttd_policy_id(const struct tttd_policy *p);
enum tttd_policy_kind tttd_policy_kind(const struct tttd_policy *p);
/* Optimizer steps taken so far. */
int64_t tttd_policy_steps(const struct tttd_policy *p);

/*
 * Sample a child choice (t->ndec entries written to child) given parent
 * (t->ndec entries, -1 = unknown, or NULL for a root).  Each decision is
 * drawn from the softmax of its logits over the options that keep the
 * partial choice feasible (tttd_task_feasible(t, child, d + 1)).  If a
 * decision has no feasible option the sample restarts, at most
 * TTTD_POLICY_MAX_RESTARTS times.  *logp (may be NULL) gets the log
 * probability of the child under the masked distribution (the sum over
 * decisions), which tttd_policy_logprob reproduces.
 * @return TTTD_OK, or TTTD_EFORMAT "task 'x': constraints leave no feasible
 * choice".
 */
int tttd_policy_sample(const struct tttd_policy *p, const int *parent, struct tttd_rng *rng,
		       int *child, double *logp, struct tttd_error *e);

/*
 * Log-probability of child given parent (as in tttd_policy_sample) and, if
 * grad is not NULL, its gradient added (scaled by scale) into grad, an
 * array of tttd_policy_nparams(p) doubles.
 * @return TTTD_OK, or TTTD_EINVAL if child has an unknown (-1) or infeasible
 * decision (the message names it).
 */
int tttd_policy_logprob(const struct tttd_policy *p, const int *parent, const int *child,
			double *logp, double *grad, double scale, struct tttd_error *e);

/* Number of parameters, and a borrowed pointer to them (for tests). */
size_t tttd_policy_nparams(const struct tttd_policy *p);
double *tttd_policy_params(struct tttd_policy *p);

/* One trained example: a child, its parent (NULL = root) and its advantage. */
struct tttd_policy_example {
	const int *parent;
	const int *child;
	double advantage;
};

struct tttd_policy_train_opts {
	double lr; /* Adam step size; see TTTD_POLICY_LR */
	double kl; /* KL penalty coefficient lambda (0 = off) */
	double beta1, beta2, eps;
};

/*
 * Defaults: lr 0.1, kl 0.1, beta1 0.9, beta2 0.95, eps 1e-8.  The paper's
 * lr 4e-5 was for a rank-32 LoRA of a 120B model; Adam moves every
 * parameter by about lr per step whatever the gradient's scale, and a
 * logit moved by 4e-5 per step would barely change after 50 steps, while
 * 0.1 per step lets one decision go from uniform to strongly preferred
 * (about 2-3 nats) over a 50-step run without collapsing in one step.
 */
#define TTTD_POLICY_LR 0.1
#define TTTD_POLICY_KL 0.1
/*
 * The MLP's default lr: Adam moves each of thousands of weights by about
 * lr, and a logit is a sum over many of them, so 0.1 collapses the policy
 * (entropy 0.19 nats after 6 steps on one matmul batch); 0.01 moves it as
 * much as the table moves at 0.1 (KL 0.079 vs 0.085; docs/policy.md).
 */
#define TTTD_POLICY_MLP_LR 0.01
/* The default lr of kind. */
double tttd_policy_default_lr(enum tttd_policy_kind kind);
void tttd_policy_train_opts_default(struct tttd_policy_train_opts *o);

struct tttd_policy_stats {
	double loss;           /* -sum_examples sum_decisions A_t * logp_t */
	double mean_advantage; /* mean of the examples' advantages (before KL shaping) */
	double entropy;        /* mean per-decision entropy of the masked distributions */
	double kl;             /* mean per-decision KL(policy || initial policy) */
	size_t trained;        /* examples used */
};

/*
 * One optimizer step on the whole batch ex[0..n): loss = -sum_i sum_t A_t
 * logp_theta(child_i,t | parent_i, child_i,<t), with A_t = A_i + kl *
 * (mean d - d_t) and d_t = logp_sampler,t - logp_init,t (the sampler is the
 * current policy: training is on-policy, so the importance ratio of the
 * paper is 1).  Statistics are measured before the step.  n == 0 is valid
 * and changes nothing.
 * @return TTTD_OK; TTTD_EINVAL for the uniform policy or an infeasible
 * example (nothing is changed then).
 */
int tttd_policy_update(struct tttd_policy *p, const struct tttd_policy_example *ex, size_t n,
		       const struct tttd_policy_train_opts *o, struct tttd_policy_stats *st,
		       struct tttd_error *e);

#endif
