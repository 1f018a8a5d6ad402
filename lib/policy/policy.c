/*
 * policy.c - the "mlp", "table" and "uniform" policies behind policy.h:
 * masked autoregressive sampling, log-probabilities with exact gradients,
 * the policy-gradient step with the paper's KL shaping and Adam.  The
 * checkpoint record and the warm start are policy_ckpt.c's.
 *
 * Parameters are one flat array of doubles (the master copy Adam updates
 * and the checkpoint stores).
 *   table: decision d owns an (nopt(d) + 1) x nopt(d) block at off[d];
 *     row p < nopt(d) is used when the parent chose option p, row nopt(d)
 *     when there is no parent (a root) or the parent's option is unknown.
 *   mlp: the network's parameters (nn.h layout, converted to float for
 *     each pass), then one "keep" bonus per decision.  A token (one
 *     decision d of one child) is the input vector
 *       [parent one-hot over all S options | root flag |
 *        child-so-far one-hot over all S options | one-hot of d]
 *     (length 2S + 1 + D); the network maps it to S outputs, of which
 *     decision d reads its own block goff[d] .. goff[d] + nopt(d) (one
 *     output head per decision on a shared trunk), and the parent's own
 *     option gets keep[d] added.  The keep bonus starts at the table's
 *     mutation prior and the output layer at zero, so the initial MLP
 *     samples exactly what the initial table does; the trunk is what lets
 *     it generalise between parents.
 *
 * It does not read candidate records or pick what to train on (tools do),
 * and it does not print.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "nn.h"
#include "entropic.h" /* defines: TTTD_ADVANTAGE_MAX */
#include "policy.h"
#include "policy_int.h"
#include "rec.h"    /* defines: tttd_rec_*, tttd_pack_* */
#include "stream.h" /* defines: tttd_reader_*, tttd_writer_* */
#include "target.h" /* defines: tttd_target_find, tttd_target_host */

/*
 * The initial table makes children mutations of their parent: on the
 * parent's row, the logit of "keep the parent's option" gets a bonus chosen
 * per decision so that each of the D decisions changes with probability
 * q = KEEP_TARGET / D (before masking), i.e. about KEEP_TARGET decisions
 * change per child whatever the size of the space.  A fixed bonus such as
 * ln 3 would change half of the decisions of a 4-option space and most of
 * a 10-option one, which is a random restart rather than a mutation.  With
 * n options, P(change) = (n-1) / (e^b + n - 1) = q gives
 * b = ln((n-1)(1-q)/q); q is capped at (n-1)/n (b = 0, uniform) so that
 * tiny spaces are never pushed to change more than uniform sampling would.
 * The root row is all zeros: a root has nothing to keep.  The MLP's keep
 * bonus starts at the same b.
 */
#define CHANGES_TARGET 1.5

static const char *const kind_name[] = { "table", "uniform", "mlp" };

int
tttd_policy_kind_parse(const char *name, enum tttd_policy_kind *kind)
{
	size_t k;

	for (k = 0; k < sizeof(kind_name) / sizeof(kind_name[0]); k++) {
		if (!strcmp(name, kind_name[k])) {
			*kind = (enum tttd_policy_kind)k;
			return 0;
		}
	}
	return -1;
}

const char *
tttd_policy_kind_name(enum tttd_policy_kind kind)
{
	return (size_t)kind < sizeof(kind_name) / sizeof(kind_name[0]) ? kind_name[kind] : "?";
}

/* (Re)create the network on backend name; p keeps its old one on error. */
static int
open_backend(struct tttd_policy *p, const char *name, struct tttd_error *e)
{
	struct tttd_tensor_be *be = NULL;
	struct tttd_nn *nn = NULL;
	int rc;

	TTTD_TRY(tttd_tensor_be_new(&be, name, e));
	rc = tttd_nn_new(&nn, be, p->dims, p->nl, e);
	if (rc < 0) {
		tttd_tensor_be_free(be);
		return rc;
	}
	tttd_nn_free(p->nn);
	tttd_tensor_be_free(p->be);
	p->nn = nn;
	p->be = be;
	return TTTD_OK;
}

/*
 * hidden: the MLP's hidden layer sizes (nh of them), ignored for the other
 * kinds.  Aborts through BUG() only if the CPU backend cannot open, which
 * cannot happen.
 */
struct tttd_policy *
tttd_policy_alloc(const struct tttd_task *t, enum tttd_policy_kind kind, uint64_t seed,
		  const size_t *hidden, size_t nh)
{
	struct tttd_policy *p = xcalloc(1, sizeof(*p));
	size_t d, l;

	p->t = t;
	p->kind = kind;
	p->seed = seed;
	p->off = xcalloc(t->ndec ? t->ndec : 1, sizeof(*p->off));
	p->goff = xcalloc(t->ndec ? t->ndec : 1, sizeof(*p->goff));
	for (d = 0; d < t->ndec; d++) {
		size_t n = t->dec[d].nopt;

		p->off[d] = p->np;
		p->np += (n + 1) * n;
		p->goff[d] = p->S;
		p->S += n;
		if (n > p->maxopt)
			p->maxopt = n;
	}
	if (kind == TTTD_POLICY_MLP) {
		p->nl = nh + 1;
		p->dims[0] = 2 * p->S + 1 + t->ndec;
		for (l = 0; l < nh; l++)
			p->dims[l + 1] = hidden[l];
		p->dims[p->nl] = p->S ? p->S : 1;
		p->nnp = tttd_nn_count(p->dims, p->nl);
		p->np = p->nnp + t->ndec;
		p->wf = xcalloc(p->nnp, sizeof(float));
		if (open_backend(p, tttd_target_host()->name, NULL) < 0)
			BUG("the CPU tensor backend failed to open");
	}
	p->w = xcalloc(p->np ? p->np : 1, sizeof(double));
	p->w0 = xcalloc(p->np ? p->np : 1, sizeof(double));
	p->m = xcalloc(p->np ? p->np : 1, sizeof(double));
	p->v = xcalloc(p->np ? p->np : 1, sizeof(double));
	return p;
}

/* The mutation prior's keep bonus of decision d (see CHANGES_TARGET). */
static double
keep_bonus(const struct tttd_task *t, size_t d)
{
	size_t n = t->dec[d].nopt;
	double q = t->ndec ? CHANGES_TARGET / (double)t->ndec : 1, qd;

	if (n < 2)
		return 0;
	qd = q < (double)(n - 1) / n ? q : (double)(n - 1) / n;
	return log((n - 1) * (1 - qd) / qd);
}

static void
init_table(struct tttd_policy *p)
{
	const struct tttd_task *t = p->t;
	size_t d, o;

	for (d = 0; d < t->ndec; d++) {
		size_t n = t->dec[d].nopt;
		double b = keep_bonus(t, d);

		for (o = 0; o < n; o++)
			p->w[p->off[d] + o * n + o] = b;
	}
	memcpy(p->w0, p->w, p->np * sizeof(double));
}

static void
init_mlp(struct tttd_policy *p)
{
	size_t d, i, head = tttd_nn_layer_offset(p->dims, p->nl - 1);

	/* the trunk from the seed; the output layer (from head on) stays zero */
	tttd_nn_init_params(p->dims, p->nl, tttd_mix64(p->seed, 0x6d6c70), p->wf);
	for (i = 0; i < head; i++)
		p->w[i] = p->wf[i];
	for (d = 0; d < p->t->ndec; d++)
		p->w[p->nnp + d] = keep_bonus(p->t, d);
	memcpy(p->w0, p->w, p->np * sizeof(double));
}

int
tttd_policy_new(struct tttd_policy **out, const struct tttd_task *t, enum tttd_policy_kind kind,
		uint64_t seed, struct tttd_error *e)
{
	static const size_t hidden[TTTD_POLICY_DEPTH] = { TTTD_POLICY_WIDTH, TTTD_POLICY_WIDTH };
	struct tttd_policy *p;

	*out = NULL;
	TTTD_RETURN_IF(kind != TTTD_POLICY_TABLE && kind != TTTD_POLICY_UNIFORM &&
			       kind != TTTD_POLICY_MLP,
		       e, TTTD_EINVAL, "unknown policy kind %d", (int)kind);
	p = tttd_policy_alloc(t, kind, seed, hidden, TTTD_POLICY_DEPTH);
	/* uniform: all logits zero on every row, so the parent is ignored */
	if (kind == TTTD_POLICY_TABLE)
		init_table(p);
	else if (kind == TTTD_POLICY_MLP)
		init_mlp(p);
	strcpy(p->id, kind == TTTD_POLICY_UNIFORM ? "uniform" : "init");
	*out = p;
	return TTTD_OK;
}

void
tttd_policy_free(struct tttd_policy *p)
{
	if (!p)
		return;
	tttd_nn_free(p->nn);
	tttd_tensor_be_free(p->be);
	free(p->wf);
	free(p->goff);
	free(p->off);
	free(p->w);
	free(p->w0);
	free(p->m);
	free(p->v);
	free(p);
}

int
tttd_policy_set_backend(struct tttd_policy *p, const char *name, struct tttd_error *e)
{
	if (p->kind != TTTD_POLICY_MLP) {
		TTTD_RETURN_IF(tttd_target_find(name) != tttd_target_host(), e, TTTD_EINVAL,
			       "the %s policy runs on the CPU only", kind_name[p->kind]);
		return TTTD_OK;
	}
	return open_backend(p, name, e);
}

const char *
tttd_policy_id(const struct tttd_policy *p)
{
	return p->id;
}

enum tttd_policy_kind
tttd_policy_kind(const struct tttd_policy *p)
{
	return p->kind;
}

int64_t
tttd_policy_steps(const struct tttd_policy *p)
{
	return p->steps;
}

size_t
tttd_policy_nparams(const struct tttd_policy *p)
{
	return p->np;
}

double *
tttd_policy_params(struct tttd_policy *p)
{
	return p->np ? p->w : NULL;
}

/* The table row decision d uses given the parent (NULL = root). */
static size_t
row_of(const struct tttd_policy *p, const int *parent, size_t d)
{
	size_t n = p->t->dec[d].nopt;

	if (!parent || parent[d] < 0 || (size_t)parent[d] >= n)
		return n;
	return (size_t)parent[d];
}

/* The parent's option of decision d, or -1 (root or unknown). */
static int
parent_opt(const struct tttd_policy *p, const int *parent, size_t d)
{
	size_t r = row_of(p, parent, d);

	return r == p->t->dec[d].nopt ? -1 : (int)r;
}

/*
 * The MLP's input row for decision d: parent (NULL = root) and
 * child[0..d) (entries < 0 are left out).
 */
static void
mlp_input(const struct tttd_policy *p, const int *parent, const int *child, size_t d, float *x)
{
	const struct tttd_task *t = p->t;
	size_t k;

	memset(x, 0, p->dims[0] * sizeof(float));
	if (!parent)
		x[p->S] = 1;
	for (k = 0; k < t->ndec; k++) {
		int po = parent_opt(p, parent, k);

		if (po >= 0)
			x[p->goff[k] + (size_t)po] = 1;
		if (k < d && child[k] >= 0 && (size_t)child[k] < t->dec[k].nopt)
			x[p->S + 1 + p->goff[k] + (size_t)child[k]] = 1;
	}
	x[2 * p->S + 1 + d] = 1;
}

/* Upload w (the current or the initial parameters) to the network. */
static int
mlp_load(const struct tttd_policy *p, const double *w, struct tttd_error *e)
{
	size_t i;

	for (i = 0; i < p->nnp; i++)
		p->wf[i] = (float)w[i];
	return tttd_nn_set_params(p->nn, p->wf, e);
}

/* Decision d's logits z[0..nopt) from the network output row y and keep bonuses of w. */
static void
mlp_logits(const struct tttd_policy *p, const double *w, const float *y, const int *parent,
	   size_t d, double *z)
{
	size_t n = p->t->dec[d].nopt, o;
	int po = parent_opt(p, parent, d);

	for (o = 0; o < n; o++)
		z[o] = y[p->goff[d] + o];
	if (po >= 0)
		z[po] += w[p->nnp + d];
}

/*
 * The masked log-softmax of decision d with logits z[0..nopt(d)):
 * lp[o] = log pi(o) for feasible o, -INFINITY otherwise.  choice[0..d) is
 * the partial choice; choice[d] is used as scratch and left as it was.
 * @return the number of feasible options.
 */
static size_t
masked_logsoftmax(const struct tttd_policy *p, const double *z, size_t d, int *choice, double *lp)
{
	const struct tttd_task *t = p->t;
	size_t n = t->dec[d].nopt, o, nf = 0;
	double mx = -INFINITY, s = 0;
	int saved = choice[d];

	for (o = 0; o < n; o++) {
		choice[d] = (int)o;
		if (tttd_task_feasible(t, choice, d + 1)) {
			lp[o] = z[o];
			if (z[o] > mx)
				mx = z[o];
			nf++;
		} else {
			lp[o] = -INFINITY;
		}
	}
	choice[d] = saved;
	if (!nf)
		return 0;
	for (o = 0; o < n; o++)
		if (lp[o] != -INFINITY)
			s += exp(lp[o] - mx);
	s = mx + log(s);
	for (o = 0; o < n; o++)
		if (lp[o] != -INFINITY)
			lp[o] -= s;
	return nf;
}

int
tttd_policy_sample(const struct tttd_policy *p, const int *parent, struct tttd_rng *rng, int *child,
		   double *logp, struct tttd_error *e)
{
	const struct tttd_task *t = p->t;
	size_t mo = p->maxopt ? p->maxopt : 1;
	double *lp = xmalloc(2 * mo * sizeof(double)), *z = lp + mo;
	float *x = NULL, *y = NULL;
	int attempt, rc = TTTD_OK;
	size_t d, o;

	if (p->kind == TTTD_POLICY_MLP) {
		x = xmalloc(p->dims[0] * sizeof(float));
		y = xmalloc(p->dims[p->nl] * sizeof(float));
		if ((rc = mlp_load(p, p->w, e)) < 0)
			goto out;
	}
	for (attempt = 0; attempt <= TTTD_POLICY_MAX_RESTARTS; attempt++) {
		double total = 0;

		for (d = 0; d < t->ndec; d++)
			child[d] = -1;
		for (d = 0; d < t->ndec; d++) {
			size_t n = t->dec[d].nopt, pick = n;
			double u, c = 0;

			if (p->kind == TTTD_POLICY_MLP) {
				mlp_input(p, parent, child, d, x);
				if ((rc = tttd_nn_forward(p->nn, x, 1, y, e)) < 0)
					goto out;
				mlp_logits(p, p->w, y, parent, d, z);
			} else {
				memcpy(z, p->w + p->off[d] + row_of(p, parent, d) * n,
				       n * sizeof(double));
			}
			if (!masked_logsoftmax(p, z, d, child, lp))
				break; /* dead end: restart */
			u = tttd_rng_uniform(rng);
			for (o = 0; o < n; o++) {
				if (lp[o] == -INFINITY)
					continue;
				pick = o; /* the last feasible one absorbs rounding */
				c += exp(lp[o]);
				if (u < c)
					break;
			}
			child[d] = (int)pick;
			total += lp[pick];
		}
		if (d == t->ndec) {
			if (logp)
				*logp = total;
			goto out;
		}
	}
	rc = tttd_error_set(e, TTTD_EFORMAT, "task '%s': constraints leave no feasible choice",
			    t->name);
out:
	free(lp);
	free(x);
	free(y);
	return rc;
}

/*
 * The per-token pass shared by logprob and update, over examples
 * ex[0..n): for each decision d of each child, the masked log-softmax of
 * the current parameters into lp and (if with_init) of the initial ones
 * into lp0, then fn(ctx, i, d, c, lp, lp0, gz), where gz (NULL when grad
 * is NULL) receives d loss / d z for decision d's logits.  When grad is
 * not NULL those are carried back to the parameters and ADDED into grad.
 * @return TTTD_OK, TTTD_EINVAL naming an unknown or infeasible decision
 * ("example i: " prefixed when with_init, i.e. for an update), or a
 * backend error.
 */
typedef void (*token_fn)(void *ctx, size_t i, size_t d, int c, const double *lp,
			 const double *lp0, double *gz);

static int
walk_tokens(const struct tttd_policy *p, const struct tttd_policy_example *ex, size_t n,
	    int with_init, token_fn fn, void *ctx, double *grad, struct tttd_error *e)
{
	const struct tttd_task *t = p->t;
	size_t mo = p->maxopt ? p->maxopt : 1, D = t->ndec, T = n * D, i, d, o;
	int mlp = p->kind == TTTD_POLICY_MLP, rc = TTTD_OK;
	double *lp = xmalloc(3 * mo * sizeof(double)), *lp0 = lp + mo, *z = lp + 2 * mo;
	int *work = xmalloc((D ? D : 1) * sizeof(int));
	double *dz = NULL;
	float *x = NULL, *y = NULL, *y0 = NULL, *gf = NULL;

	for (i = 0; i < n; i++) {
		for (d = 0; d < D; d++) {
			int c = ex[i].child[d];

			if (c < 0 || (size_t)c >= t->dec[d].nopt) {
				rc = tttd_error_set(e, TTTD_EINVAL,
						    "task '%s': decision '%s' is not set", t->name,
						    t->dec[d].name);
				goto fail;
			}
		}
	}
	if (mlp && T) {
		size_t in = p->dims[0], S = p->dims[p->nl];

		x = xmalloc(T * in * sizeof(float));
		y = xmalloc(T * S * sizeof(float));
		for (i = 0; i < n; i++)
			for (d = 0; d < D; d++)
				mlp_input(p, ex[i].parent, ex[i].child, d, x + (i * D + d) * in);
		if (with_init) {
			/* the initial parameters first: backward needs the current pass */
			y0 = xmalloc(T * S * sizeof(float));
			if ((rc = mlp_load(p, p->w0, e)) < 0 ||
			    (rc = tttd_nn_forward(p->nn, x, T, y0, e)) < 0)
				goto out;
		}
		if ((rc = mlp_load(p, p->w, e)) < 0 || (rc = tttd_nn_forward(p->nn, x, T, y, e)) < 0)
			goto out;
		if (grad)
			dz = xcalloc(T * mo, sizeof(double));
	}
	for (i = 0; i < n; i++) {
		const int *parent = ex[i].parent;

		memcpy(work, ex[i].child, D * sizeof(int));
		for (d = 0; d < D; d++) {
			size_t nd = t->dec[d].nopt, tok = i * D + d, row = row_of(p, parent, d);
			int c = ex[i].child[d];
			double *gz = NULL;

			if (mlp)
				mlp_logits(p, p->w, y + tok * p->dims[p->nl], parent, d, z);
			else
				memcpy(z, p->w + p->off[d] + row * nd, nd * sizeof(double));
			masked_logsoftmax(p, z, d, work, lp);
			if (lp[c] == -INFINITY) {
				rc = tttd_error_set(
					e, TTTD_EINVAL,
					"task '%s': choice is infeasible at decision '%s' = '%s'",
					t->name, t->dec[d].name, t->dec[d].opt[c]);
				goto fail;
			}
			if (with_init) {
				if (mlp)
					mlp_logits(p, p->w0, y0 + tok * p->dims[p->nl], parent, d, z);
				else
					memcpy(z, p->w0 + p->off[d] + row * nd, nd * sizeof(double));
				masked_logsoftmax(p, z, d, work, lp0);
			}
			if (grad)
				gz = mlp ? dz + tok * mo : grad + p->off[d] + row * nd;
			fn(ctx, i, d, c, lp, with_init ? lp0 : NULL, gz);
		}
	}
	if (mlp && grad && T) {
		size_t S = p->dims[p->nl];
		float *dy = y; /* y is no longer needed */

		for (i = 0; i < n; i++) {
			for (d = 0; d < D; d++) {
				size_t tok = i * D + d;
				int po = parent_opt(p, ex[i].parent, d);

				memset(dy + tok * S, 0, S * sizeof(float));
				for (o = 0; o < t->dec[d].nopt; o++)
					dy[tok * S + p->goff[d] + o] = (float)dz[tok * mo + o];
				if (po >= 0)
					grad[p->nnp + d] += dz[tok * mo + (size_t)po];
			}
		}
		gf = xmalloc(p->nnp * sizeof(float));
		if ((rc = tttd_nn_backward(p->nn, dy, gf, e)) < 0)
			goto out;
		for (o = 0; o < p->nnp; o++)
			grad[o] += gf[o];
	}
	goto out;
fail:
	if (with_init) /* an update: say which example */
		tttd_error_prefix(e, "example %zu", i);
out:
	free(lp);
	free(work);
	free(dz);
	free(x);
	free(y);
	free(y0);
	free(gf);
	return rc;
}

struct logprob_ctx {
	const struct tttd_policy *p;
	double logp;
	double scale;
};

static void
logprob_token(void *vctx, size_t i, size_t d, int c, const double *lp, const double *lp0,
	      double *g)
{
	struct logprob_ctx *x = vctx;
	size_t n = x->p->t->dec[d].nopt, o;

	(void)i;
	(void)lp0;
	x->logp += lp[c];
	if (!g)
		return;
	/* d log softmax(z)_c / d z_o = [o == c] - pi_o, over feasible o only */
	for (o = 0; o < n; o++)
		if (lp[o] != -INFINITY)
			g[o] += x->scale * ((o == (size_t)c) - exp(lp[o]));
}

int
tttd_policy_logprob(const struct tttd_policy *p, const int *parent, const int *child, double *logp,
		    double *grad, double scale, struct tttd_error *e)
{
	struct logprob_ctx x = { p, 0, scale };
	struct tttd_policy_example ex = { parent, child, 0 };

	TTTD_TRY(walk_tokens(p, &ex, 1, 0, logprob_token, &x, grad, e));
	if (logp)
		*logp = x.logp;
	return TTTD_OK;
}

double
tttd_policy_default_lr(enum tttd_policy_kind kind)
{
	return kind == TTTD_POLICY_MLP ? TTTD_POLICY_MLP_LR : TTTD_POLICY_LR;
}

void
tttd_policy_train_opts_default(struct tttd_policy_train_opts *o)
{
	o->lr = TTTD_POLICY_LR;
	o->kl = TTTD_POLICY_KL;
	o->beta1 = 0.9;
	o->beta2 = 0.95;
	o->eps = 1e-8;
}

/* First pass of an update: statistics and d_t = logp_sampler - logp_init per token. */
struct stats_ctx {
	const struct tttd_policy *p;
	double *dt; /* one per token, in order */
	size_t ntok;
	double dsum, ent, kl;
};

static void
stats_token(void *vctx, size_t i, size_t d, int c, const double *lp, const double *lp0, double *g)
{
	struct stats_ctx *x = vctx;
	size_t n = x->p->t->dec[d].nopt, o;

	(void)i;
	(void)g;
	for (o = 0; o < n; o++) {
		double pi;

		if (lp[o] == -INFINITY)
			continue;
		pi = exp(lp[o]);
		x->ent -= pi * lp[o];
		x->kl += pi * (lp[o] - lp0[o]);
	}
	x->dt[x->ntok] = lp[c] - lp0[c];
	x->dsum += x->dt[x->ntok];
	x->ntok++;
}

/* Second pass: the gradient of -sum_t A_t logp_t. */
struct grad_ctx {
	const struct tttd_policy *p;
	const struct tttd_policy_example *ex;
	const double *dt;
	size_t tok;
	double dbar, lambda, loss;
};

static void
grad_token(void *vctx, size_t i, size_t d, int c, const double *lp, const double *lp0, double *g)
{
	struct grad_ctx *x = vctx;
	size_t n = x->p->t->dec[d].nopt, o;
	double at = x->ex[i].advantage + x->lambda * (x->dbar - x->dt[x->tok++]);

	(void)lp0;
	x->loss -= at * lp[c];
	for (o = 0; o < n; o++)
		if (lp[o] != -INFINITY)
			g[o] -= at * ((o == (size_t)c) - exp(lp[o]));
}

int
tttd_policy_update(struct tttd_policy *p, const struct tttd_policy_example *ex, size_t n,
		   const struct tttd_policy_train_opts *o, struct tttd_policy_stats *st,
		   struct tttd_error *e)
{
	struct tttd_policy_train_opts def;
	struct stats_ctx sx = { p, NULL, 0, 0, 0, 0 };
	struct grad_ctx gx;
	double *grad = NULL, asum = 0, b1t, b2t;
	int rc = TTTD_OK;
	size_t i;

	if (!o) {
		tttd_policy_train_opts_default(&def);
		o = &def;
	}
	memset(st, 0, sizeof(*st));
	TTTD_RETURN_IF(p->kind == TTTD_POLICY_UNIFORM, e, TTTD_EINVAL,
		       "the uniform policy has no parameters to train");
	if (!n)
		return TTTD_OK;
	sx.dt = xmalloc((n * p->t->ndec + 1) * sizeof(double));
	rc = walk_tokens(p, ex, n, 1, stats_token, &sx, NULL, e);
	if (rc < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (!isfinite(ex[i].advantage) || fabs(ex[i].advantage) > TTTD_ADVANTAGE_MAX) {
			rc = tttd_error_set(e, TTTD_EINVAL,
					    "example %zu: advantage %g is out of range (at most %g in "
					    "magnitude)",
					    i, ex[i].advantage, TTTD_ADVANTAGE_MAX);
			goto out;
		}
		asum += ex[i].advantage;
	}
	grad = xcalloc(p->np ? p->np : 1, sizeof(double));
	memset(&gx, 0, sizeof(gx));
	gx.p = p;
	gx.ex = ex;
	gx.dt = sx.dt;
	gx.dbar = sx.ntok ? sx.dsum / (double)sx.ntok : 0;
	gx.lambda = o->kl;
	/*
	 * The first pass checked every example; only a backend can fail now.
	 * No initial-policy pass: the gradient needs only the current policy
	 * (the KL terms d_t were taken by the first pass).
	 */
	rc = walk_tokens(p, ex, n, 0, grad_token, &gx, grad, e);
	if (rc < 0)
		goto out;
	/* Checked before Adam touches anything: a refused step leaves p as it was. */
	for (i = 0; i < p->np; i++)
		if (!isfinite(grad[i] * grad[i])) { /* (its square goes into Adam's v) */
			rc = tttd_error_set(e, TTTD_EINVAL,
					    "the gradient of parameter %zu is %g, too large: step "
					    "refused (advantages or weights out of range)",
					    i, grad[i]);
			goto out;
		}

	/* Adam with bias correction, one step for the whole batch */
	p->steps++;
	b1t = 1 - pow(o->beta1, (double)p->steps);
	b2t = 1 - pow(o->beta2, (double)p->steps);
	for (i = 0; i < p->np; i++) {
		double mh, vh;

		p->m[i] = o->beta1 * p->m[i] + (1 - o->beta1) * grad[i];
		p->v[i] = o->beta2 * p->v[i] + (1 - o->beta2) * grad[i] * grad[i];
		mh = p->m[i] / b1t;
		vh = p->v[i] / b2t;
		p->w[i] -= o->lr * mh / (sqrt(vh) + o->eps);
	}

	st->loss = gx.loss;
	st->mean_advantage = asum / (double)n;
	st->entropy = sx.ntok ? sx.ent / (double)sx.ntok : 0;
	st->kl = sx.ntok ? sx.kl / (double)sx.ntok : 0;
	st->trained = n;
out:
	free(sx.dt);
	free(grad);
	return rc;
}
