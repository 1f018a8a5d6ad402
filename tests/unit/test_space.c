/*
 * test_space.c - the exact enumeration of a model task's space: the
 * geometric median, counts and the optimum of tests/data/tasks/synthetic,
 * the draw probability of the sequential uniform sampler under constraints
 * (not uniform over the feasible choices) and at a dead end, the model time
 * agreeing with tttd_model_bench, and the refusals (not a model task, a
 * space larger than allowed).
 *
 * Small tasks are written to a temporary folder; the synthetic task is read
 * from the repository (the runner starts in its root).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model.h"
#include "rec.h"
#include "space.h"
#include "task.h"
#include "test.h"

static char dir[64];

/* A model task named name in dir/name with the given decision, constraint and cost lines. */
static struct tttd_task *
make_task(const char *name, const char *lines)
{
	struct tttd_task *t = NULL;
	struct tttd_error e = { 0 };
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mkdir(path, 0700) < 0)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s/kernel.txt", dir, name);
	f = fopen(path, "w");
	fputs("/* model */\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s/task", dir, name);
	f = fopen(path, "w");
	fprintf(f,
		"name %s\ntarget model\ntemplate kernel.txt\ndims N\nshape check 1\nshape bench 1\n"
		"buffer y out f32 N\ntolerance rtol 0 atol 0\nref_cost 1000\n%s",
		name, lines);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (tttd_task_load(&t, path, &e) < 0)
		fprintf(stderr, "%s\n", e.msg);
	return t;
}

static void
geometric(void)
{
	double p[] = { 1e-6, 0.01, 0.1, 0.3, 0.5, 0.9 }, m;
	size_t i;

	T_CHECK("p = 0: never", isinf(tttd_space_geometric_median(0)));
	T_NEAR("p = 1: the first draw", tttd_space_geometric_median(1), 1, 0);
	T_NEAR("p = 0.5: one draw is a coin flip", tttd_space_geometric_median(0.5), 1, 0);
	T_NEAR("p = 0.1: 7 draws", tttd_space_geometric_median(0.1), 7, 0);
	for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
		m = tttd_space_geometric_median(p[i]);
		/* the smallest m with P(hit within m draws) >= 1/2 */
		T_CHECK("median: half the runs have hit by then", 1 - pow(1 - p[i], m) >= 0.5);
		T_CHECK("median: not yet one draw earlier", 1 - pow(1 - p[i], m - 1) < 0.5);
	}
}

static void
synthetic(void)
{
	struct tttd_task *t = NULL;
	struct tttd_error e = { 0 };
	struct tttd_space_stats st;
	int opt[6] = { 5, 2, 6, 1, 3, 4 };

	if (tttd_task_load(&t, "tests/data/tasks/synthetic", &e) < 0) {
		T_CHECK("synthetic task loads (run from the repository root)", 0);
		return;
	}
	T_CHECK("synthetic: enumerates", tttd_space_model_stats(t, 0.01, 1 << 22, &st, &e) == 0);
	T_NEAR("synthetic: 8^6 feasible", st.feasible, 262144, 0);
	T_NEAR("synthetic: A=0,B=0 fails (8^4 choices)", st.ok, 262144 - 4096, 0);
	T_NEAR("synthetic: optimum 1000 ns", st.best_ns, 1000, 1e-9);
	T_NEAR("synthetic: only the optimum within 1%", st.within, 1, 0);
	T_NEAR("synthetic: p = 1 / 8^6", st.p, 1.0 / 262144, 1e-18);
	T_NEAR("synthetic: median 181705 draws (ln 2 x 262143.5)", st.median, 181705, 0);
	T_NEAR("synthetic: the optimum's model time", tttd_space_model_time(t, opt), 1000, 1e-9);
	T_CHECK("synthetic: 5% takes in more", tttd_space_model_stats(t, 0.05, 1 << 22, &st, &e) == 0 &&
						       st.within > 1 && st.median < 181705);
	T_CHECK("too large: refused",
		tttd_space_model_stats(t, 0.01, 1000, &st, &e) == TTTD_EINVAL &&
			strstr(e.msg, "more than 1000 choices") != NULL);
	tttd_task_free(t);
}

static void
constrained(void)
{
	struct tttd_task *t;
	struct tttd_error e = { 0 };
	struct tttd_space_stats st;

	/*
	 * A in {0,1}, B in {0,1,2}, A + B <= 2: five feasible choices, but the
	 * sampler draws A first (1/2 each), so (1,0) has probability 1/4 and
	 * each A=0 choice 1/6.  (0,2) fails.
	 */
	t = make_task("con", "decision A 0 1\ndecision B 0 1 2\nconstraint A + B <= 2\n"
			     "cost (A == 0 && B == 2) ? 0 : 100 + 10*B + 5*(1-A)\n");
	T_CHECK("constrained task loads", t != NULL);
	if (!t)
		return;
	T_CHECK("constrained: enumerates", tttd_space_model_stats(t, 0.01, 1000, &st, &e) == 0);
	T_NEAR("constrained: 5 feasible", st.feasible, 5, 0);
	T_NEAR("constrained: 4 ok", st.ok, 4, 0);
	T_NEAR("constrained: optimum 100", st.best_ns, 100, 1e-9);
	T_NEAR("constrained: p is the sampler's 1/4, not 1/5", st.p, 0.25, 1e-12);
	T_NEAR("constrained: median 3 draws", st.median, 3, 0);
	T_CHECK("constrained: 5%", tttd_space_model_stats(t, 0.05, 1000, &st, &e) == 0);
	T_NEAR("constrained: 5% adds (0,0) at 1/6", st.p, 0.25 + 1.0 / 6, 1e-12);
	T_NEAR("constrained: 5% within", st.within, 2, 0);
	tttd_task_free(t);

	/* A=1 passes the partial check but leaves B nothing: a restart */
	t = make_task("dead", "decision A 0 1\ndecision B 0 1\nconstraint A == 0 || B == 5\n"
			      "cost 10 + B\n");
	T_CHECK("dead-end task loads", t != NULL);
	if (!t)
		return;
	T_CHECK("dead end: enumerates", tttd_space_model_stats(t, 0, 1000, &st, &e) == 0);
	T_NEAR("dead end: 2 feasible", st.feasible, 2, 0);
	T_NEAR("dead end: restarts renormalise, p = 1/2", st.p, 0.5, 1e-12);
	tttd_task_free(t);
}

static void
agrees_with_model_bench(void)
{
	struct tttd_task *t;
	struct tttd_error e = { 0 };
	struct tttd_rec r;
	/* clang-format off */
	const char *names[] = {"A", "B"}, *vals[2];
	const char *opts[] = {"0", "1", "2", "3"};
	/* clang-format on */
	int c[2], a, b, mismatch = 0;
	double tm;

	t = make_task("two", "shape bench 2\ndecision A 0 1 2 3\ndecision B 0 1 2 3\n"
			     "cost (A == 3) ? 0 : 50 + 7*A*N + B*B\n");
	T_CHECK("two-shape task loads", t != NULL);
	if (!t)
		return;
	for (a = 0; a < 4; a++) {
		for (b = 0; b < 4; b++) {
			c[0] = a;
			c[1] = b;
			vals[0] = opts[a];
			vals[1] = opts[b];
			tttd_rec_init(&r);
			tttd_rec_set_strmap(&r, "decisions", names, vals, 2);
			if (tttd_model_bench(t, &r, &e) < 0) {
				mismatch++;
			} else if (tttd_rec_get_double(&r, "time_ns", &tm) == 1) {
				mismatch += fabs(tm - tttd_space_model_time(t, c)) > 1e-9 * tm;
			} else {
				mismatch += tttd_space_model_time(t, c) != 0; /* failing: no time */
			}
			tttd_rec_release(&r);
		}
	}
	T_CHECK("model time equals tttd_model_bench's on all 16 choices", mismatch == 0);
	tttd_task_free(t);
}

static void
refusals(void)
{
	struct tttd_task *t = NULL;
	struct tttd_error e = { 0 };
	struct tttd_space_stats st;

	if (tttd_task_load(&t, "tests/data/tasks/ok_cpu", &e) < 0) {
		T_CHECK("ok_cpu task loads", 0);
		return;
	}
	T_CHECK("a cpu task: refused", tttd_space_model_stats(t, 0.01, 1000, &st, &e) == TTTD_EINVAL);
	T_CHECK("a cpu task: says why", strstr(e.msg, "not a model task") != NULL);
	tttd_task_free(t);
}

int
main(void)
{
	char cmd[128];

	strcpy(dir, "/tmp/tttd-test-space-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	geometric();
	synthetic();
	constrained();
	agrees_with_model_bench();
	refusals();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	return T_DONE();
}
