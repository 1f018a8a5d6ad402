/*
 * test_policy.c - the table and uniform policies: masked sampling never
 * yields an infeasible choice, sampled and recomputed log-probabilities
 * agree, the gradient matches finite differences, training moves
 * probability towards a rewarded child, checkpoints round-trip and refuse a
 * different decision space, and sampling is a pure function of the seed.
 *
 * The same checks run on the MLP (with a float-sized finite-difference
 * step), plus: its initial distribution equals the table's, training on
 * rewarded children, a checkpoint round trip, and the warm start rule.
 *
 * The task is built by hand (no task folder needed) with constraints that
 * mask options in the middle of the autoregressive order.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expr.h"
#include "policy.h"
#include "rng.h"
#include "task.h"
#include "test.h"

static void
add_decision(struct tttd_task *t, const char *name, const char *const *opts, size_t n)
{
	struct tttd_decision *d = &t->dec[t->ndec++];
	size_t i;

	d->name = xstrdup(name);
	d->opt = xcalloc(n, sizeof(char *));
	for (i = 0; i < n; i++)
		d->opt[i] = xstrdup(opts[i]);
	d->nopt = n;
}

struct maxdec_ctx {
	const struct tttd_task *t;
	int max;
};

static void
note_name(void *vctx, const char *name)
{
	struct maxdec_ctx *x = vctx;
	int d = tttd_task_decision_index(x->t, name);

	if (d > x->max)
		x->max = d;
}

/* As the loader does: parse, and record the last decision it mentions. */
static void
add_constraint(struct tttd_task *t, const char *text)
{
	struct tttd_constraint *c = &t->con[t->ncon++];
	struct tttd_error e = { 0 };
	struct maxdec_ctx x = { t, -1 };

	c->text = xstrdup(text);
	if (tttd_expr_parse(&c->expr, text, &e) < 0) {
		fprintf(stderr, "cannot parse '%s': %s\n", text, e.msg);
		exit(1);
	}
	tttd_expr_names(c->expr, note_name, &x);
	c->maxdec = x.max;
}

/* BM x BN x ORDER x UNROLL with two constraints; extra adds a 5th decision. */
static struct tttd_task *
make_task(const char *name, int extra)
{
	/* clang-format off */
	static const char *const bm[] = {"16", "32", "64", "128"};
	static const char *const bn[] = {"16", "32", "64"};
	static const char *const order[] = {"ijk", "ikj"};
	static const char *const unroll[] = {"1", "2", "4", "8"};
	static const char *const vec[] = {"1", "4"};
	/* clang-format on */
	struct tttd_task *t = xcalloc(1, sizeof(*t));

	t->name = xstrdup(name);
	t->target = xstrdup("cpu");
	t->template_text = xstrdup("/* BM={{BM}} */\n");
	t->cflags = xstrdup("-O2");
	t->dec = xcalloc(5, sizeof(*t->dec));
	t->con = xcalloc(4, sizeof(*t->con));
	add_decision(t, "BM", bm, 4);
	add_decision(t, "BN", bn, 3);
	add_decision(t, "ORDER", order, 2);
	add_decision(t, "UNROLL", unroll, 4);
	if (extra)
		add_decision(t, "VEC", vec, 2);
	add_constraint(t, "BM * BN <= 2048");
	add_constraint(t, "ORDER == \"ikj\" || UNROLL <= 2");
	return t;
}

static int
same(const int *a, const int *b, size_t n)
{
	return memcmp(a, b, n * sizeof(int)) == 0;
}

static void
test_sampling(struct tttd_task *t, struct tttd_policy *p)
{
	struct tttd_rng rng;
	int parent[4] = { 3, 0, 0, 1 }; /* 128, 16, ijk, 2: feasible */
	int child[4];
	size_t i, d, bad = 0, mismatch = 0, changed = 0, n = 2000;
	double lp, lp2;

	T_CHECK("the test parent is feasible", tttd_task_feasible(t, parent, 4));
	tttd_rng_seed(&rng, 7);
	for (i = 0; i < n; i++) {
		const int *par = (i & 1) ? parent : NULL;

		if (tttd_policy_sample(p, par, &rng, child, &lp, NULL) < 0) {
			bad++;
			continue;
		}
		if (!tttd_task_feasible(t, child, 4))
			bad++;
		if (tttd_policy_logprob(p, par, child, &lp2, NULL, 1, NULL) < 0 || fabs(lp - lp2) > 1e-12)
			mismatch++;
		if (par)
			for (d = 0; d < 4; d++)
				changed += child[d] != parent[d];
	}
	T_CHECK("sampling never yields an infeasible choice", bad == 0);
	T_CHECK("the sampled logp equals the recomputed logp", mismatch == 0);
	/* about 1.5 decisions of 4 change (the prior in policy.c); masking shifts it a little */
	T_CHECK("children are mutations of their parent",
		changed / (double)(n / 2) > 0.8 && changed / (double)(n / 2) < 2.2);
}

static void
test_gradient(struct tttd_task *t, struct tttd_policy *p)
{
	size_t np = tttd_policy_nparams(p), i, bad = 0;
	double *w = tttd_policy_params(p), *g = xcalloc(np, sizeof(double));
	int parent[4] = { 1, 2, 1, 3 }, child[4] = { 2, 1, 1, 2 };
	struct tttd_rng rng;
	double lp, lp1, lp2, h = 1e-6;

	/* random logits so that no symmetry hides a wrong index */
	tttd_rng_seed(&rng, 3);
	for (i = 0; i < np; i++)
		w[i] += tttd_rng_normal(&rng);
	T_CHECK("the gradient-check child is feasible", tttd_task_feasible(t, child, 4));
	T_CHECK("logprob with gradient succeeds",
		tttd_policy_logprob(p, parent, child, &lp, g, 1, NULL) == 0);
	for (i = 0; i < np; i++) {
		double save = w[i], fd;

		w[i] = save + h;
		tttd_policy_logprob(p, parent, child, &lp1, NULL, 1, NULL);
		w[i] = save - h;
		tttd_policy_logprob(p, parent, child, &lp2, NULL, 1, NULL);
		w[i] = save;
		fd = (lp1 - lp2) / (2 * h);
		if (fabs(fd - g[i]) > 1e-6)
			bad++;
	}
	T_CHECK("the gradient matches central finite differences", bad == 0);
	free(g);
}

static double
prob_of(struct tttd_policy *p, const int *parent, const int *child)
{
	double lp = -INFINITY;

	tttd_policy_logprob(p, parent, child, &lp, NULL, 1, NULL);
	return exp(lp);
}

static void
test_training(struct tttd_task *t)
{
	struct tttd_policy *p, *q = NULL, *u;
	struct tttd_policy_train_opts o;
	struct tttd_policy_stats st;
	struct tttd_policy_example ex[2];
	struct tttd_error e = { 0 };
	int parent[4] = { 0, 0, 0, 0 }, good[4] = { 1, 2, 1, 3 }, other[4] = { 0, 1, 0, 1 };
	double before, after, lp, s1, s2;
	char path[] = "/tmp/test_policy.XXXXXX";
	struct tttd_rng r1, r2;
	int a[4], b[4], k, all_same = 1, fd;

	tttd_policy_new(&p, t, TTTD_POLICY_TABLE, 1, NULL);
	tttd_policy_train_opts_default(&o);
	T_NEAR("default lr", o.lr, 0.1, 0);
	ex[0] = (struct tttd_policy_example){ parent, good, 1.0 };
	ex[1] = (struct tttd_policy_example){ parent, other, -1.0 };
	before = prob_of(p, parent, good);
	for (k = 0; k < 5; k++)
		T_CHECK("update succeeds", tttd_policy_update(p, ex, 2, &o, &st, &e) == 0);
	after = prob_of(p, parent, good);
	T_CHECK("positive advantage raises the child's probability", after > 2 * before);
	T_CHECK("negative advantage lowers the other child's probability",
		prob_of(p, parent, other) < before);
	T_CHECK("one optimizer step per update", tttd_policy_steps(p) == 5);
	T_CHECK("stats count the examples", st.trained == 2);
	T_NEAR("mean advantage", st.mean_advantage, 0.0, 1e-12);
	T_CHECK("entropy is positive and at most ln 4", st.entropy > 0 && st.entropy <= log(4) + 1e-9);
	T_CHECK("kl to the initial policy grew", st.kl > 0);

	/* with kl = 0 and one example, the loss is exactly -A * logp */
	o.kl = 0;
	tttd_policy_logprob(p, parent, good, &lp, NULL, 1, NULL);
	tttd_policy_update(p, ex, 1, &o, &st, NULL);
	T_NEAR("loss is -A logp", st.loss, -lp, 1e-12);

	/* an infeasible example is refused and changes nothing */
	{
		int infeas[4] = { 3, 2, 0, 0 }; /* 128*64 > 2048 */
		struct tttd_policy_example bad = { NULL, infeas, 1.0 };
		int64_t steps = tttd_policy_steps(p);

		T_CHECK("an infeasible example is refused",
			tttd_policy_update(p, &bad, 1, &o, &st, &e) == TTTD_EINVAL);
		T_CHECK("the message names the decision", strstr(e.msg, "'BN'") != NULL);
		T_CHECK("a refused update takes no step", tttd_policy_steps(p) == steps);
	}

	/* save / load round trip */
	fd = mkstemp(path);
	close(fd);
	T_CHECK("save succeeds", tttd_policy_save(p, path, &e) == 0);
	T_CHECK("load succeeds", tttd_policy_load(&q, path, t, &e) == 0);
	if (q) {
		T_CHECK("loaded parameters are identical",
			tttd_policy_nparams(q) == tttd_policy_nparams(p) &&
				memcmp(tttd_policy_params(q), tttd_policy_params(p),
				       tttd_policy_nparams(p) * sizeof(double)) == 0);
		T_CHECK("loaded step count", tttd_policy_steps(q) == tttd_policy_steps(p));
		T_CHECK("loaded id is a 32-digit hash", strlen(tttd_policy_id(q)) == 32);
		tttd_rng_seed(&r1, 99);
		tttd_rng_seed(&r2, 99);
		for (k = 0; k < 200; k++) {
			tttd_policy_sample(p, parent, &r1, a, &s1, NULL);
			tttd_policy_sample(q, parent, &r2, b, &s2, NULL);
			if (!same(a, b, 4) || s1 != s2)
				all_same = 0;
		}
		T_CHECK("save/load gives identical samples", all_same);
		/* the Adam state round-trips too: one more identical step on both */
		o.kl = 0.1;
		tttd_policy_update(p, ex, 2, &o, &st, NULL);
		tttd_policy_update(q, ex, 2, &o, &st, NULL);
		T_CHECK("training continues identically after a reload",
			memcmp(tttd_policy_params(q), tttd_policy_params(p),
			       tttd_policy_nparams(p) * sizeof(double)) == 0);
		tttd_policy_free(q);
		q = NULL;
	}

	/* a different decision space is refused with a clear message */
	{
		struct tttd_task *t5 = make_task("toy", 1), *other_name = make_task("other", 0);

		T_CHECK("a checkpoint for another space is refused",
			tttd_policy_load(&q, path, t5, &e) == TTTD_EFORMAT && q == NULL);
		T_CHECK("the message gives both decision counts",
			strstr(e.msg, "4 decisions") && strstr(e.msg, "has 5"));
		t5->ndec = 4;
		t5->dec[1].nopt = 2; /* same names, a smaller domain */
		T_CHECK("a different domain size is refused",
			tttd_policy_load(&q, path, t5, &e) == TTTD_EFORMAT);
		T_CHECK("the message names the decision", strstr(e.msg, "'BN' has 3 options") != NULL);
		t5->dec[1].nopt = 3;
		t5->ndec = 5;
		T_CHECK("a checkpoint for another task is refused",
			tttd_policy_load(&q, path, other_name, &e) == TTTD_EFORMAT);
		T_CHECK("the message names the task", strstr(e.msg, "task 'toy'") != NULL);
		tttd_task_free(t5);
		tttd_task_free(other_name);
	}
	unlink(path);
	T_CHECK("a missing checkpoint is ENOENT",
		tttd_policy_load(&q, "/nonexistent/policy", t, &e) == TTTD_ENOENT);

	/* uniform: equal probabilities among feasible options, not trainable */
	tttd_policy_new(&u, t, TTTD_POLICY_UNIFORM, 1, NULL);
	T_CHECK("uniform id", strcmp(tttd_policy_id(u), "uniform") == 0);
	T_CHECK("uniform ignores the parent",
		fabs(prob_of(u, parent, good) - prob_of(u, NULL, good)) < 1e-15);
	{
		int c1[4] = { 0, 0, 1, 3 }; /* ikj: all 4 unrolls allowed */
		/* BM: 4 feasible, BN: 3, ORDER: 2, UNROLL: 4 */
		T_NEAR("uniform probability", prob_of(u, NULL, c1), 1.0 / (4 * 3 * 2 * 4), 1e-12);
	}
	T_CHECK("uniform cannot be trained",
		tttd_policy_update(u, ex, 2, &o, &st, &e) == TTTD_EINVAL);
	tttd_policy_free(u);
	tttd_policy_free(p);
}

static void
test_determinism(struct tttd_policy *p)
{
	struct tttd_rng r1, r2, r3;
	int a[4], b[4], c[4], k, eq = 1, differ = 0;
	int parent[4] = { 2, 1, 1, 0 };

	tttd_rng_seed(&r1, 5);
	tttd_rng_seed(&r2, 5);
	tttd_rng_seed(&r3, 6);
	for (k = 0; k < 100; k++) {
		tttd_policy_sample(p, parent, &r1, a, NULL, NULL);
		tttd_policy_sample(p, parent, &r2, b, NULL, NULL);
		tttd_policy_sample(p, parent, &r3, c, NULL, NULL);
		eq &= same(a, b, 4);
		differ |= !same(a, c, 4);
	}
	T_CHECK("same seed, same samples", eq);
	T_CHECK("another seed, other samples", differ);
}

static void
test_no_feasible(void)
{
	struct tttd_task *t = make_task("stuck", 0);
	struct tttd_policy *p;
	struct tttd_rng rng;
	struct tttd_error e = { 0 };
	int child[4];

	/* BN is decided second and has no option left: every sample dead-ends */
	add_constraint(t, "BN > 64");
	tttd_policy_new(&p, t, TTTD_POLICY_TABLE, 0, NULL);
	tttd_rng_seed(&rng, 1);
	T_CHECK("a space with no feasible choice is an error",
		tttd_policy_sample(p, NULL, &rng, child, NULL, &e) == TTTD_EFORMAT);
	T_CHECK("the message names the task",
		strcmp(e.msg, "task 'stuck': constraints leave no feasible choice") == 0);
	tttd_policy_free(p);
	tttd_task_free(t);
}

static void
test_mlp_gradient(struct tttd_task *t, struct tttd_policy *p)
{
	size_t np = tttd_policy_nparams(p), i, bad = 0;
	double *w = tttd_policy_params(p), *g = xcalloc(np, sizeof(double)), worst = 0;
	int parent[4] = { 1, 2, 1, 3 }, child[4] = { 2, 1, 1, 2 };
	struct tttd_rng rng;
	double lp, lp1, lp2, h = 1e-2;

	tttd_rng_seed(&rng, 3);
	for (i = 0; i < np; i++)
		w[i] += 0.3 * tttd_rng_normal(&rng); /* the output layer starts at zero */
	T_CHECK("mlp logprob with gradient",
		tttd_policy_logprob(p, parent, child, &lp, g, 1, NULL) == 0);
	for (i = 0; i < np; i++) {
		double save = w[i], fd;

		w[i] = save + h;
		tttd_policy_logprob(p, parent, child, &lp1, NULL, 1, NULL);
		w[i] = save - h;
		tttd_policy_logprob(p, parent, child, &lp2, NULL, 1, NULL);
		w[i] = save;
		fd = (lp1 - lp2) / (2 * h);
		/* float passes: the step is large and the tolerance relative */
		if (fabs(fd - g[i]) > 2e-3 + 1e-2 * fabs(fd))
			bad++;
		worst = fmax(worst, fabs(fd - g[i]));
	}
	T_CHECK("mlp gradient matches finite differences", bad == 0);
	if (bad)
		fprintf(stderr, "mlp gradcheck: %zu of %zu off, worst %g\n", bad, np, worst);
	free(g);
}

static void
test_mlp(struct tttd_task *t)
{
	struct tttd_policy *m, *tb, *q = NULL, *w2;
	struct tttd_policy_train_opts o;
	struct tttd_policy_stats st;
	struct tttd_policy_example ex[2];
	struct tttd_error e = { 0 };
	struct tttd_task *t5 = make_task("toy5", 1);
	int parent[4] = { 0, 0, 0, 0 }, good[4] = { 1, 2, 1, 3 }, other[4] = { 0, 1, 0, 1 };
	int a[4], b[4], k, eq = 1;
	double before, lp1, lp2;
	char path[] = "/tmp/test_policy_mlp.XXXXXX";
	struct tttd_rng r1, r2;
	size_t copied = 99;
	int fd;

	T_CHECK("new mlp policy", tttd_policy_new(&m, t, TTTD_POLICY_MLP, 1, NULL) == 0);
	T_CHECK("kind mlp", tttd_policy_kind(m) == TTTD_POLICY_MLP);
	tttd_policy_new(&tb, t, TTTD_POLICY_TABLE, 1, NULL);
	/* zero output layer + the table's keep bonus: the same sampler */
	tttd_rng_seed(&r1, 11);
	tttd_rng_seed(&r2, 11);
	for (k = 0; k < 200; k++) {
		tttd_policy_sample(m, (k & 1) ? parent : NULL, &r1, a, &lp1, NULL);
		tttd_policy_sample(tb, (k & 1) ? parent : NULL, &r2, b, &lp2, NULL);
		eq &= same(a, b, 4) && fabs(lp1 - lp2) < 1e-9;
	}
	T_CHECK("the initial mlp samples what the initial table samples", eq);
	test_sampling(t, m);
	test_determinism(m);

	tttd_policy_train_opts_default(&o);
	ex[0] = (struct tttd_policy_example){ parent, good, 1.0 };
	ex[1] = (struct tttd_policy_example){ parent, other, -1.0 };
	before = prob_of(m, parent, good);
	for (k = 0; k < 5; k++)
		T_CHECK("mlp update", tttd_policy_update(m, ex, 2, &o, &st, &e) == 0);
	T_CHECK("mlp: positive advantage raises the child's probability",
		prob_of(m, parent, good) > 2 * before);
	T_CHECK("mlp: negative advantage lowers the other", prob_of(m, parent, other) < before);
	T_CHECK("mlp: kl grew", st.kl > 0);

	/* checkpoint round trip */
	fd = mkstemp(path);
	close(fd);
	T_CHECK("mlp save", tttd_policy_save(m, path, &e) == 0);
	T_CHECK("mlp load", tttd_policy_load(&q, path, t, &e) == 0);
	T_CHECK("loaded kind", q && tttd_policy_kind(q) == TTTD_POLICY_MLP);
	T_CHECK("loaded steps", q && tttd_policy_steps(q) == 5);
	T_CHECK("loaded parameters",
		q && tttd_policy_nparams(q) == tttd_policy_nparams(m) &&
			!memcmp(tttd_policy_params(q), tttd_policy_params(m),
				tttd_policy_nparams(m) * sizeof(double)));
	T_NEAR("loaded policy gives the same probability", prob_of(q, parent, good),
	       prob_of(m, parent, good), 1e-12);
	T_CHECK("a trained policy cannot be warm-started",
		tttd_policy_init_from(q, path, NULL, &e) == TTTD_EINVAL);

	/* warm start, same space: everything; another space: the hidden layer */
	tttd_policy_new(&w2, t, TTTD_POLICY_MLP, 2, NULL);
	T_CHECK("warm start, same space", tttd_policy_init_from(w2, path, &copied, &e) == 0);
	T_CHECK("every parameter copied", copied == tttd_policy_nparams(w2));
	T_NEAR("the warm start samples like the source", prob_of(w2, parent, good),
	       prob_of(m, parent, good), 1e-12);
	tttd_policy_free(w2);
	tttd_policy_new(&w2, t5, TTTD_POLICY_MLP, 2, NULL);
	T_CHECK("warm start, other space", tttd_policy_init_from(w2, path, &copied, &e) == 0);
	T_CHECK("only the hidden-to-hidden layer copied",
		copied == TTTD_POLICY_WIDTH * TTTD_POLICY_WIDTH + TTTD_POLICY_WIDTH);
	tttd_policy_free(w2);
	T_CHECK("a table checkpoint cannot warm-start",
		tttd_policy_save(tb, path, NULL) == 0 &&
			tttd_policy_new(&w2, t, TTTD_POLICY_MLP, 2, NULL) == 0 &&
			tttd_policy_init_from(w2, path, NULL, &e) == TTTD_EINVAL);
	tttd_policy_free(w2);
	T_CHECK("backend switch: cpu accepted, unknown refused",
		tttd_policy_set_backend(m, "cpu", &e) == 0 &&
			tttd_policy_set_backend(m, "tpu", &e) == TTTD_EINVAL);
	unlink(path);
	tttd_policy_free(q);
	tttd_policy_free(tb);
	tttd_policy_free(m);

	tttd_policy_new(&m, t, TTTD_POLICY_MLP, 4, NULL);
	test_mlp_gradient(t, m);
	tttd_policy_free(m);
	tttd_task_free(t5);
}

int
main(void)
{
	struct tttd_task *t = make_task("toy", 0);
	struct tttd_policy *p;

	T_CHECK("new table policy", tttd_policy_new(&p, t, TTTD_POLICY_TABLE, 1, NULL) == 0);
	T_CHECK("fresh id is init", strcmp(tttd_policy_id(p), "init") == 0);
	T_CHECK("parameter count", tttd_policy_nparams(p) == 5 * 4 + 4 * 3 + 3 * 2 + 5 * 4);
	test_sampling(t, p);
	test_determinism(p);
	test_gradient(t, p);
	tttd_policy_free(p);
	test_training(t);
	test_no_feasible();
	test_mlp(t);
	tttd_task_free(t);
	return T_DONE();
}
