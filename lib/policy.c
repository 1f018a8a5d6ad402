/*
 * policy.c - the "table" and "uniform" policies behind policy.h: masked
 * autoregressive sampling, log-probabilities with exact gradients, the
 * policy-gradient step with the paper's KL shaping and Adam, and the
 * checkpoint record.
 *
 * Parameters are one flat array of doubles: decision d owns an
 * (nopt(d) + 1) x nopt(d) block at off[d]; row p < nopt(d) is used when the
 * parent chose option p, row nopt(d) when there is no parent (a root) or
 * the parent's option is unknown.  A logit table cannot generalise between
 * parents the way a network would; it is the simplest thing that can learn
 * "from a parent with BM=64, BM=128 tends to be faster".
 *
 * It does not read candidate records or pick what to train on (tools do),
 * and it does not print.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "policy.h"
#include "rec.h" /* defines: tttd_rec_*, tttd_reader_*, tttd_writer_*, tttd_pack_* */

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
 * The root row is all zeros: a root has nothing to keep.
 */
#define CHANGES_TARGET 1.5

struct tttd_policy {
	const struct tttd_task *t;
	enum tttd_policy_kind kind;
	uint64_t seed;
	char id[TTTD_ID_LEN + 1];
	size_t *off;  /* ndec offsets into the parameter arrays */
	size_t np;    /* parameters */
	double *w;    /* current logits */
	double *w0;   /* initial logits (KL penalty) */
	double *m, *v; /* Adam moments */
	int64_t steps;
	size_t maxopt; /* widest decision, for scratch arrays */
};

static const char *const kind_name[] = {"table", "uniform"};

static struct tttd_policy *
alloc_policy(const struct tttd_task *t, enum tttd_policy_kind kind, uint64_t seed)
{
	struct tttd_policy *p = xcalloc(1, sizeof(*p));
	size_t d;

	p->t = t;
	p->kind = kind;
	p->seed = seed;
	p->off = xcalloc(t->ndec ? t->ndec : 1, sizeof(*p->off));
	for (d = 0; d < t->ndec; d++) {
		size_t n = t->dec[d].nopt;

		p->off[d] = p->np;
		p->np += (n + 1) * n;
		if (n > p->maxopt)
			p->maxopt = n;
	}
	p->w = xcalloc(p->np ? p->np : 1, sizeof(double));
	p->w0 = xcalloc(p->np ? p->np : 1, sizeof(double));
	p->m = xcalloc(p->np ? p->np : 1, sizeof(double));
	p->v = xcalloc(p->np ? p->np : 1, sizeof(double));
	return p;
}

static void
init_table(struct tttd_policy *p)
{
	const struct tttd_task *t = p->t;
	size_t d, o;
	double q = t->ndec ? CHANGES_TARGET / (double)t->ndec : 1;

	for (d = 0; d < t->ndec; d++) {
		size_t n = t->dec[d].nopt;
		double qd, b;

		if (n < 2)
			continue;
		qd = q < (double)(n - 1) / n ? q : (double)(n - 1) / n;
		b = log((n - 1) * (1 - qd) / qd);
		for (o = 0; o < n; o++)
			p->w[p->off[d] + o * n + o] = b;
	}
	memcpy(p->w0, p->w, p->np * sizeof(double));
}

int
tttd_policy_new(struct tttd_policy **out, const struct tttd_task *t, enum tttd_policy_kind kind,
		uint64_t seed, struct tttd_error *e)
{
	struct tttd_policy *p;

	*out = NULL;
	TTTD_RETURN_IF(kind != TTTD_POLICY_TABLE && kind != TTTD_POLICY_UNIFORM, e, TTTD_EINVAL,
		       "unknown policy kind %d", (int)kind);
	p = alloc_policy(t, kind, seed);
	/* uniform: all logits zero on every row, so the parent is ignored */
	if (kind == TTTD_POLICY_TABLE)
		init_table(p);
	strcpy(p->id, kind == TTTD_POLICY_UNIFORM ? "uniform" : "init");
	*out = p;
	return TTTD_OK;
}

void
tttd_policy_free(struct tttd_policy *p)
{
	if (!p)
		return;
	free(p->off);
	free(p->w);
	free(p->w0);
	free(p->m);
	free(p->v);
	free(p);
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

/*
 * The masked log-softmax of decision d on row `row` of the logits w:
 * lp[o] = log pi(o) for feasible o, -INFINITY otherwise.  choice[0..d) is
 * the partial choice; choice[d] is used as scratch and left as it was.
 * @return the number of feasible options.
 */
static size_t
masked_logsoftmax(const struct tttd_policy *p, const double *w, size_t d, size_t row, int *choice,
		  double *lp)
{
	const struct tttd_task *t = p->t;
	size_t n = t->dec[d].nopt, o, nf = 0;
	const double *z = w + p->off[d] + row * n;
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
	double *lp = xmalloc((p->maxopt ? p->maxopt : 1) * sizeof(double));
	int attempt;
	size_t d, o;

	for (attempt = 0; attempt <= TTTD_POLICY_MAX_RESTARTS; attempt++) {
		double total = 0;

		for (d = 0; d < t->ndec; d++)
			child[d] = -1;
		for (d = 0; d < t->ndec; d++) {
			size_t n = t->dec[d].nopt, pick = n;
			double u, c = 0;

			if (!masked_logsoftmax(p, p->w, d, row_of(p, parent, d), child, lp))
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
			free(lp);
			if (logp)
				*logp = total;
			return TTTD_OK;
		}
	}
	free(lp);
	return tttd_error_set(e, TTTD_EFORMAT, "task '%s': constraints leave no feasible choice",
			      t->name);
}

/*
 * Per-decision pass shared by logprob and update: for each decision d of
 * child, the masked log-softmax of w and (if lp0 is not NULL) of w0 into
 * lp / lp0, then fn(ctx, d, row).  @return TTTD_OK or TTTD_EINVAL naming an
 * unknown or infeasible decision.
 */
typedef void (*token_fn)(void *ctx, size_t d, size_t row, int c, const double *lp,
			 const double *lp0);

static int
walk_tokens(const struct tttd_policy *p, const int *parent, const int *child, int with_init,
	    token_fn fn, void *ctx, struct tttd_error *e)
{
	const struct tttd_task *t = p->t;
	size_t mo = p->maxopt ? p->maxopt : 1;
	double *lp = xmalloc(2 * mo * sizeof(double)), *lp0 = lp + mo;
	int *work = xmalloc((t->ndec ? t->ndec : 1) * sizeof(int));
	int rc = TTTD_OK;
	size_t d;

	memcpy(work, child, t->ndec * sizeof(int));
	for (d = 0; d < t->ndec; d++) {
		size_t row = row_of(p, parent, d);
		int c = child[d];

		if (c < 0 || (size_t)c >= t->dec[d].nopt) {
			rc = tttd_error_set(e, TTTD_EINVAL, "task '%s': decision '%s' is not set",
					    t->name, t->dec[d].name);
			goto out;
		}
		masked_logsoftmax(p, p->w, d, row, work, lp);
		if (lp[c] == -INFINITY) {
			rc = tttd_error_set(e, TTTD_EINVAL,
					    "task '%s': choice is infeasible at decision '%s' = '%s'",
					    t->name, t->dec[d].name, t->dec[d].opt[c]);
			goto out;
		}
		if (with_init)
			masked_logsoftmax(p, p->w0, d, row, work, lp0);
		fn(ctx, d, row, c, lp, with_init ? lp0 : NULL);
	}
out:
	free(lp);
	free(work);
	return rc;
}

struct logprob_ctx {
	const struct tttd_policy *p;
	double logp;
	double *grad;
	double scale;
};

static void
logprob_token(void *vctx, size_t d, size_t row, int c, const double *lp, const double *lp0)
{
	struct logprob_ctx *x = vctx;
	size_t n = x->p->t->dec[d].nopt, o;
	double *g;

	(void)lp0;
	x->logp += lp[c];
	if (!x->grad)
		return;
	/* d log softmax(z)_c / d z_o = [o == c] - pi_o, over feasible o only */
	g = x->grad + x->p->off[d] + row * n;
	for (o = 0; o < n; o++)
		if (lp[o] != -INFINITY)
			g[o] += x->scale * ((o == (size_t)c) - exp(lp[o]));
}

int
tttd_policy_logprob(const struct tttd_policy *p, const int *parent, const int *child, double *logp,
		    double *grad, double scale, struct tttd_error *e)
{
	struct logprob_ctx x = {p, 0, grad, scale};

	TTTD_TRY(walk_tokens(p, parent, child, 0, logprob_token, &x, e));
	if (logp)
		*logp = x.logp;
	return TTTD_OK;
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
stats_token(void *vctx, size_t d, size_t row, int c, const double *lp, const double *lp0)
{
	struct stats_ctx *x = vctx;
	size_t n = x->p->t->dec[d].nopt, o;

	(void)row;
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
	const double *dt;
	size_t tok;
	double adv, dbar, lambda, loss;
	double *grad;
};

static void
grad_token(void *vctx, size_t d, size_t row, int c, const double *lp, const double *lp0)
{
	struct grad_ctx *x = vctx;
	size_t n = x->p->t->dec[d].nopt, o;
	double at = x->adv + x->lambda * (x->dbar - x->dt[x->tok++]);
	double *g = x->grad + x->p->off[d] + row * n;

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
	struct stats_ctx sx = {p, NULL, 0, 0, 0, 0};
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
	for (i = 0; i < n; i++) {
		rc = walk_tokens(p, ex[i].parent, ex[i].child, 1, stats_token, &sx, e);
		if (rc < 0) {
			tttd_error_prefix(e, "example %zu", i);
			goto out;
		}
		asum += ex[i].advantage;
	}
	grad = xcalloc(p->np ? p->np : 1, sizeof(double));
	memset(&gx, 0, sizeof(gx));
	gx.p = p;
	gx.dt = sx.dt;
	gx.dbar = sx.ntok ? sx.dsum / (double)sx.ntok : 0;
	gx.lambda = o->kl;
	gx.grad = grad;
	for (i = 0; i < n; i++) {
		gx.adv = ex[i].advantage;
		/* cannot fail: the first pass checked every example */
		walk_tokens(p, ex[i].parent, ex[i].child, 1, grad_token, &gx, NULL);
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

/* ---- checkpoints ---- */

/*
 * Checkpoint record keys: v, kind "policy", format, policy ("table" |
 * "uniform"), task, decision_names (array), decision_sizes (array of option
 * counts; not "decisions", which the schema reserves for a map), seed,
 * steps (Adam's t), params, init, adam_m, adam_v (arrays of float64: the
 * table is small, and msgpack floats round-trip exactly).
 */
int
tttd_policy_save(const struct tttd_policy *p, const char *path, struct tttd_error *e)
{
	const struct tttd_task *t = p->t;
	struct tttd_writer *w = NULL;
	struct tttd_rec r;
	struct tttd_pack pk;
	size_t d;
	int rc;

	tttd_rec_init(&r);
	tttd_rec_set_int(&r, "v", TTTD_SCHEMA_VERSION);
	tttd_rec_set_str(&r, "kind", "policy");
	tttd_rec_set_int(&r, "format", TTTD_POLICY_FORMAT);
	tttd_rec_set_str(&r, "policy", kind_name[p->kind]);
	tttd_rec_set_str(&r, "task", t->name);
	tttd_pack_init(&pk);
	msgpack_pack_array(&pk.pk, t->ndec);
	for (d = 0; d < t->ndec; d++)
		tttd_pack_str(&pk.pk, t->dec[d].name);
	tttd_rec_set_pack(&r, "decision_names", &pk);
	tttd_pack_init(&pk);
	msgpack_pack_array(&pk.pk, t->ndec);
	for (d = 0; d < t->ndec; d++)
		msgpack_pack_uint64(&pk.pk, t->dec[d].nopt);
	tttd_rec_set_pack(&r, "decision_sizes", &pk);
	tttd_rec_set_int(&r, "seed", (int64_t)p->seed);
	tttd_rec_set_int(&r, "steps", p->steps);
	tttd_rec_set_doubles(&r, "params", p->w, p->np);
	tttd_rec_set_doubles(&r, "init", p->w0, p->np);
	tttd_rec_set_doubles(&r, "adam_m", p->m, p->np);
	tttd_rec_set_doubles(&r, "adam_v", p->v, p->np);

	rc = tttd_writer_open(&w, path, TTTD_W_FORCE, e);
	if (rc < 0)
		goto out;
	rc = tttd_writer_write(w, &r, e);
	if (rc < 0) {
		tttd_writer_abort(w);
		goto out;
	}
	rc = tttd_writer_close(w, e);
out:
	tttd_rec_release(&r);
	return rc;
}

/* Read all of fd into a hash id. */
static int
hash_fd(int fd, const char *path, char id[TTTD_ID_LEN + 1], struct tttd_error *e)
{
	struct tttd_sha256 s;
	char buf[65536];
	ssize_t k;

	tttd_sha256_init(&s);
	while ((k = read(fd, buf, sizeof(buf))) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return tttd_error_set(e, TTTD_EIO, "cannot read '%s':", path);
		}
		tttd_sha256_update(&s, buf, (size_t)k);
	}
	tttd_sha256_id(&s, id);
	return TTTD_OK;
}

/* Load one double array of exactly n elements. */
static int
get_params(const struct tttd_rec *r, const char *key, double *dst, size_t n, const char *path,
	   struct tttd_error *e)
{
	double *v = NULL;
	size_t k = 0;
	int rc = tttd_rec_get_doubles(r, key, &v, &k);

	if (rc != 1 || k != n) {
		free(v);
		return tttd_error_set(e, TTTD_EFORMAT,
				      "'%s': policy checkpoint: '%s' should hold %zu numbers", path, key,
				      n);
	}
	memcpy(dst, v, n * sizeof(double));
	free(v);
	return TTTD_OK;
}

/* Check the checkpoint's task and decision space against t. */
static int
check_space(const struct tttd_rec *r, const struct tttd_task *t, const char *path,
	    struct tttd_error *e)
{
	msgpack_zone zone;
	msgpack_object names, sizes;
	const char *tn;
	size_t tl, d;
	int rc = TTTD_OK;

	if (tttd_rec_get_strn(r, "task", &tn, &tl) != 1)
		return tttd_error_set(e, TTTD_EFORMAT, "'%s': policy checkpoint has no task", path);
	if (tl != strlen(t->name) || memcmp(tn, t->name, tl) != 0)
		return tttd_error_set(e, TTTD_EFORMAT,
				      "'%s': policy checkpoint is for task '%.*s', not '%s'", path,
				      (int)tl, tn, t->name);
	msgpack_zone_init(&zone, 4096);
	if (tttd_rec_get_object(r, "decision_names", &zone, &names) != 1 ||
	    tttd_rec_get_object(r, "decision_sizes", &zone, &sizes) != 1 ||
	    names.type != MSGPACK_OBJECT_ARRAY || sizes.type != MSGPACK_OBJECT_ARRAY ||
	    names.via.array.size != sizes.via.array.size) {
		rc = tttd_error_set(e, TTTD_EFORMAT,
				    "'%s': policy checkpoint: bad 'decision_names' or 'decision_sizes'", path);
		goto out;
	}
	if (names.via.array.size != t->ndec) {
		rc = tttd_error_set(e, TTTD_EFORMAT,
				    "'%s': policy checkpoint has %u decisions, task '%s' has %zu", path,
				    names.via.array.size, t->name, t->ndec);
		goto out;
	}
	for (d = 0; d < t->ndec; d++) {
		const msgpack_object *nm = &names.via.array.ptr[d];
		const msgpack_object *sz = &sizes.via.array.ptr[d];
		const char *want = t->dec[d].name;

		if (nm->type != MSGPACK_OBJECT_STR || nm->via.str.size != strlen(want) ||
		    memcmp(nm->via.str.ptr, want, nm->via.str.size) != 0) {
			rc = tttd_error_set(e, TTTD_EFORMAT,
					    "'%s': policy checkpoint decision %zu is '%.*s', task '%s' "
					    "has '%s'",
					    path, d,
					    nm->type == MSGPACK_OBJECT_STR ? (int)nm->via.str.size : 1,
					    nm->type == MSGPACK_OBJECT_STR ? nm->via.str.ptr : "?",
					    t->name, want);
			goto out;
		}
		if (sz->type != MSGPACK_OBJECT_POSITIVE_INTEGER || sz->via.u64 != t->dec[d].nopt) {
			rc = tttd_error_set(e, TTTD_EFORMAT,
					    "'%s': policy checkpoint decision '%s' has %llu options, "
					    "task '%s' has %zu",
					    path, want,
					    sz->type == MSGPACK_OBJECT_POSITIVE_INTEGER
						    ? (unsigned long long)sz->via.u64
						    : 0ULL,
					    t->name, t->dec[d].nopt);
			goto out;
		}
	}
out:
	msgpack_zone_destroy(&zone);
	return rc;
}

int
tttd_policy_load(struct tttd_policy **out, const char *path, const struct tttd_task *t,
		 struct tttd_error *e)
{
	struct tttd_policy *p = NULL;
	struct tttd_reader *rd = NULL;
	struct tttd_rec r;
	char id[TTTD_ID_LEN + 1];
	int64_t fmt = 0, steps = 0, seed = 0;
	const char *kn;
	size_t kl;
	enum tttd_policy_kind kind;
	int fd, rc;

	*out = NULL;
	tttd_rec_init(&r);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tttd_error_set(e, errno == ENOENT ? TTTD_ENOENT : TTTD_EIO,
				      "cannot open '%s':", path);
	/* one open file: the id is the hash of exactly the bytes parsed */
	rc = hash_fd(fd, path, id, e);
	if (rc < 0)
		goto out;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		rc = tttd_error_set(e, TTTD_EIO, "cannot seek '%s':", path);
		goto out;
	}
	rd = tttd_reader_fdopen(fd, path);
	rc = tttd_reader_next(rd, &r, e);
	if (rc < 0)
		goto out;
	if (rc == 0 || !tttd_rec_str_is(&r, "kind", "policy")) {
		rc = tttd_error_set(e, TTTD_EFORMAT, "'%s': not a policy checkpoint", path);
		goto out;
	}
	if (tttd_rec_get_int(&r, "format", &fmt) != 1 || fmt != TTTD_POLICY_FORMAT) {
		rc = tttd_error_set(e, TTTD_EFORMAT,
				    "'%s': policy checkpoint format %lld, this tttd reads %d", path,
				    (long long)fmt, TTTD_POLICY_FORMAT);
		goto out;
	}
	if (tttd_rec_get_strn(&r, "policy", &kn, &kl) != 1) {
		rc = tttd_error_set(e, TTTD_EFORMAT, "'%s': policy checkpoint has no 'policy'", path);
		goto out;
	}
	if (kl == 5 && !memcmp(kn, "table", 5)) {
		kind = TTTD_POLICY_TABLE;
	} else if (kl == 7 && !memcmp(kn, "uniform", 7)) {
		kind = TTTD_POLICY_UNIFORM;
	} else {
		rc = tttd_error_set(e, TTTD_EFORMAT, "'%s': unknown policy '%.*s'", path, (int)kl, kn);
		goto out;
	}
	rc = check_space(&r, t, path, e);
	if (rc < 0)
		goto out;
	tttd_rec_get_int(&r, "seed", &seed);
	if (tttd_rec_get_int(&r, "steps", &steps) != 1 || steps < 0) {
		rc = tttd_error_set(e, TTTD_EFORMAT, "'%s': policy checkpoint has no 'steps'", path);
		goto out;
	}
	p = alloc_policy(t, kind, (uint64_t)seed);
	p->steps = steps;
	if ((rc = get_params(&r, "params", p->w, p->np, path, e)) < 0 ||
	    (rc = get_params(&r, "init", p->w0, p->np, path, e)) < 0 ||
	    (rc = get_params(&r, "adam_m", p->m, p->np, path, e)) < 0 ||
	    (rc = get_params(&r, "adam_v", p->v, p->np, path, e)) < 0)
		goto out;
	memcpy(p->id, id, sizeof(id));
	*out = p;
	p = NULL;
	rc = TTTD_OK;
out:
	tttd_policy_free(p);
	tttd_reader_free(rd);
	tttd_rec_release(&r);
	close(fd);
	return rc;
}
