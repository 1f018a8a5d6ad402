/*
 * test_task.c - lib/tasks/task.c: loading kernels/matmul (run from the repo root),
 * decision lookups, feasibility of partial and full choices, rendering of
 * source and cflags, choice_from_map, every malformed fixture in
 * tests/data/tasks/ (TTTD_EFORMAT with the right "file:line:"), and the
 * CUDA fixture's launch plan, the cuda_plan fixture's cuBLAS steps, `when`
 * and per-shape input settings, and malformed plan steps and settings
 * written to a scratch folder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rec.h"
#include "task.h"
#include "tmap.h"
#include "test.h"

/* Set decision name to option text in choice; @return 0 or -1. */
static int
pick(const struct tttd_task *t, int *choice, const char *name, const char *opt)
{
	int d = tttd_task_decision_index(t, name);

	if (d < 0)
		return -1;
	choice[d] = tttd_task_option_index(t, (size_t)d, opt);
	return choice[d] < 0 ? -1 : 0;
}

static void
test_matmul(void)
{
	struct tttd_task *t = NULL;
	struct tttd_error e = { 0 };
	int choice[64], i, d_kernel, d_mr;
	char *src, *cf;
	char *keys[2] = { "KERNEL", "BM" }, *vals[2] = { "micro", "64" };
	struct tttd_shape s = { { 67, 45, 33 } };

	T_CHECK("matmul loads by name", tttd_task_load(&t, "matmul", &e) == TTTD_OK);
	if (!t) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	T_CHECK("name", strcmp(t->name, "matmul") == 0);
	T_CHECK("target", strcmp(t->target, "cpu") == 0);
	T_CHECK("entry default", strcmp(t->entry, "tttd_kernel") == 0);
	T_CHECK("ref_entry default", strcmp(t->ref_entry, "tttd_reference") == 0);
	T_CHECK("dir", strcmp(t->dir, "kernels/matmul") == 0);
	T_CHECK("reference path", strcmp(t->reference, "kernels/matmul/ref.c") == 0);
	T_CHECK("template loaded", t->template_text && strstr(t->template_text, "tttd_kernel"));
	T_CHECK("three dims", t->ndim == 3 && strcmp(t->dim_name[2], "K") == 0);
	T_CHECK("check shapes", t->ncheck >= 3 && t->check[0].dim[0] == 67);
	T_CHECK("bench shapes", t->nbench >= 1);
	T_CHECK("three buffers", t->nbuf == 3 && t->buf[2].role == TTTD_BUF_OUT);
	T_CHECK("buffer count", tttd_task_eval_shape(t, t->buf[0].count, &s) == 67 * 33);
	T_CHECK("flops", tttd_task_eval_shape(t, t->flops, &s) == 2L * 67 * 45 * 33);
	T_CHECK("tolerance", t->rtol > 0 && t->atol > 0);
	T_CHECK("description", t->description && strchr(t->description, '\n'));

	d_kernel = tttd_task_decision_index(t, "KERNEL");
	d_mr = tttd_task_decision_index(t, "MR");
	T_CHECK("decision index", d_kernel == 0 && d_mr > d_kernel);
	T_CHECK("unknown decision", tttd_task_decision_index(t, "NOPE") == -1);
	T_CHECK("option index", tttd_task_option_index(t, (size_t)d_kernel, "micro") == 1);
	T_CHECK("unknown option", tttd_task_option_index(t, (size_t)d_kernel, "fast") == -1);
	T_CHECK("option index out of range", tttd_task_option_index(t, 999, "micro") == -1);
	for (i = 0; i < (int)t->ncon; i++)
		T_CHECK("maxdec set", t->con[i].maxdec >= 0 && t->con[i].maxdec < (int)t->ndec);

	/* Partial choices: KERNEL=simple then MR=4 is infeasible at once. */
	for (i = 0; i < 64; i++)
		choice[i] = 0;
	pick(t, choice, "KERNEL", "simple");
	T_CHECK("nothing chosen is feasible", tttd_task_feasible(t, choice, 0));
	T_CHECK("simple alone is feasible", tttd_task_feasible(t, choice, 1));
	pick(t, choice, "MR", "4");
	T_CHECK("simple with MR 4 infeasible", !tttd_task_feasible(t, choice, (size_t)d_mr + 1));
	T_CHECK("undecided MR skips the constraint", tttd_task_feasible(t, choice, (size_t)d_mr));
	pick(t, choice, "KERNEL", "micro");
	T_CHECK("micro with MR 4 feasible", tttd_task_feasible(t, choice, (size_t)d_mr + 1));
	pick(t, choice, "LOOP", "ijk");
	T_CHECK("micro with LOOP ijk infeasible", !tttd_task_feasible(t, choice, t->ndec));
	pick(t, choice, "LOOP", "ikj");
	T_CHECK("full choice feasible", tttd_task_feasible(t, choice, t->ndec));

	pick(t, choice, "BM", "64");
	pick(t, choice, "OPT", "-O3");
	pick(t, choice, "MARCH", "-march=native");
	pick(t, choice, "REASSOC", "-fassociative-math -fno-signed-zeros -fno-trapping-math");
	src = tttd_task_render(t, choice);
	T_CHECK("render header", strncmp(src, "/* tttd: task matmul, decisions: KERNEL=micro ", 46) == 0);
	T_CHECK("render define", strstr(src, "\n#define BM 64\n") != NULL);
	T_CHECK("render identifier define", strstr(src, "\n#define KERNEL_micro 1\n") != NULL);
	T_CHECK("no identifier define for numbers", strstr(src, "#define BM_64") == NULL);
	T_CHECK("no identifier define for flags", strstr(src, "#define OPT_") == NULL);
	T_CHECK("placeholders replaced", strstr(src, "{{") == NULL &&
						 strstr(src, "#pragma GCC unroll ") != NULL);
	T_CHECK("template follows", strstr(src, "tttd_kernel(void **buf") != NULL);
	free(src);
	cf = tttd_task_render_cflags(t, choice);
	T_CHECK("cflags rendered", strncmp(cf, "-O3 -march=native ", 18) == 0);
	T_CHECK("cflags quoted option", strstr(cf, "-fassociative-math -fno-signed-zeros") != NULL);
	T_CHECK("cflags no double blanks", strstr(cf, "  ") == NULL && cf[strlen(cf) - 1] != ' ');
	free(cf);

	T_CHECK("choice_from_map", tttd_task_choice_from_map(t, keys, vals, 2, choice, &e) == 0);
	T_CHECK("mapped values", choice[d_kernel] == 1 &&
					 choice[tttd_task_decision_index(t, "BM")] ==
						 tttd_task_option_index(t, (size_t)tttd_task_decision_index(t, "BM"), "64"));
	T_CHECK("missing decisions get -1", choice[d_mr] == -1);
	keys[1] = "TILE";
	T_CHECK("unknown decision in map", tttd_task_choice_from_map(t, keys, vals, 2, choice, &e) ==
						   TTTD_EFORMAT);
	T_CHECK("unknown decision named", strstr(e.msg, "'TILE'") != NULL);
	keys[1] = "BM";
	vals[1] = "48";
	T_CHECK("unknown option in map", tttd_task_choice_from_map(t, keys, vals, 2, choice, &e) ==
						 TTTD_EFORMAT);
	T_CHECK("unknown option named", strstr(e.msg, "'48'") && strstr(e.msg, "'BM'"));
	{
		/* The same from a record (tttd_task_choice_from_rec). */
		const char *k[2] = { "KERNEL", "BM" }, *v[2] = { "micro", "64" };
		struct tttd_rec r;

		tttd_rec_init(&r);
		tttd_rec_set_strmap(&r, "decisions", k, v, 2);
		tttd_rec_set_str(&r, "odd", "x");
		T_CHECK("choice_from_rec: present", tttd_task_choice_from_rec(t, &r, "decisions", choice, &e) == 1 &&
							    choice[d_kernel] == 1 && choice[d_mr] == -1);
		T_CHECK("choice_from_rec: absent key, all -1",
			tttd_task_choice_from_rec(t, &r, "parent_decisions", choice, &e) == 0 &&
				choice[d_kernel] == -1);
		T_CHECK("choice_from_rec: not a map",
			tttd_task_choice_from_rec(t, &r, "odd", choice, &e) == TTTD_EFORMAT &&
				strstr(e.msg, "'odd' is not a map of strings") != NULL);
		v[1] = "48";
		tttd_rec_set_strmap(&r, "decisions", k, v, 2);
		T_CHECK("choice_from_rec: unknown option named",
			tttd_task_choice_from_rec(t, &r, "decisions", choice, &e) == TTTD_EFORMAT &&
				strstr(e.msg, "'48'") != NULL);
		tttd_rec_release(&r);
	}
	tttd_task_free(t);
}

static void
test_lookup(void)
{
	struct tttd_task *t = NULL;
	struct tttd_error e = { 0 };

	T_CHECK("load by path with slash", tttd_task_load(&t, "kernels/matmul/", &e) == 0);
	T_CHECK("trailing slash dropped", t && strcmp(t->dir, "kernels/matmul") == 0);
	tttd_task_free(t);
	T_CHECK("softmax loads", tttd_task_load(&t, "softmax", &e) == 0);
	tttd_task_free(t);
	T_CHECK("missing task", tttd_task_load(&t, "no_such_task", &e) == TTTD_ENOENT && !t);
	T_CHECK("missing task named", strstr(e.msg, "'no_such_task'") != NULL);
	T_CHECK("folder without task file", tttd_task_load(&t, "tests/data", &e) == TTTD_ENOENT);
	tttd_task_free(NULL);
}

static const struct {
	const char *dir;
	const char *prefix; /* expected start of the message */
	const char *what;   /* and a fragment of it */
} bad[] = {
	{ "bad_keyword", "tests/data/tasks/bad_keyword/task:8:", "unknown keyword 'tile'" },
	{ "bad_argcount", "tests/data/tasks/bad_argcount/task:8:", "takes 1 value" },
	{ "dup_decision", "tests/data/tasks/dup_decision/task:16:", "duplicate decision 'OPT'" },
	{ "dup_option", "tests/data/tasks/dup_option/task:14:", "duplicate option '1'" },
	{ "empty_domain", "tests/data/tasks/empty_domain/task:15:", "empty domain" },
	{ "bad_number", "tests/data/tasks/bad_number/task:9:", "bad number '1k'" },
	{ "bad_tolerance", "tests/data/tasks/bad_tolerance/task:12:", "bad number 'x'" },
	{ "missing_template", "tests/data/tasks/missing_template/task:5:", "nope.c" },
	{ "missing_reference", "tests/data/tasks/missing_reference/task:4:", "nope_ref.c" },
	{ "unknown_name", "tests/data/tasks/unknown_name/task:16:", "unknown name 'BX' in constraint" },
	{ "dim_in_constraint", "tests/data/tasks/dim_in_constraint/task:16:", "dim 'N'" },
	{ "bad_expr", "tests/data/tasks/bad_expr/task:16:", "col 10:" },
	{ "unsat", "tests/data/tasks/unsat/task:16:", "no choice satisfies" },
	{ "unsat_together", "tests/data/tasks/unsat_together/task:17:", "together" },
	{ "no_shapes", "tests/data/tasks/no_shapes/task:", "no 'shape check'" },
	{ "bad_dtype", "tests/data/tasks/bad_dtype/task:11:", "bad dtype 'f8'" },
	{ "bad_count", "tests/data/tasks/bad_count/task:11:", "unknown name 'Q'" },
	{ "no_tolerance", "tests/data/tasks/no_tolerance/task:", "no 'tolerance'" },
	{ "bad_cflags", "tests/data/tasks/bad_cflags/task:", "'LEVEL'" },
	{ "bad_string_arith", "tests/data/tasks/bad_string_arith/task:16:", "used as a number" },
	{ "cuda_no_launch", "tests/data/tasks/cuda_no_launch/task:", "launch" },
	{ "bad_placeholder", "tests/data/tasks/bad_placeholder/kernel.c:2:", "'NOPE'" },
	{ "bad_table_header", "tests/data/tasks/bad_table_header/times.tsv:1:", "expected decision 'UNROLL'" },
	{ "bad_table_option", "tests/data/tasks/bad_table_option/times.tsv:2:", "no option '8'" },
	{ "bad_table_dup", "tests/data/tasks/bad_table_dup/times.tsv:3:", "has a row already" },
	{ "bad_table_infeasible", "tests/data/tasks/bad_table_infeasible/times.tsv:2:", "breaks a constraint" },
	{ "bad_table_both", "tests/data/tasks/bad_table_both/task:", "exclude each other" },
};

/* A cost table: rows by option text, a 0 row and a missing row both failing. */
static void
test_cost_table(void)
{
	struct tttd_task *t = NULL;
	struct tttd_error e = { 0 };
	int choice[3];

	T_CHECK("table fixture loads", tttd_task_load(&t, "tests/data/tasks/table", &e) == 0);
	if (!t) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	T_CHECK("sparse: one entry per row", t->cost_table_len == 5);
	pick(t, choice, "OPT", "-O2");
	pick(t, choice, "UNROLL", "4");
	pick(t, choice, "MODE", "fast");
	T_CHECK("the optimum's row", tttd_task_model_cost(t, &t->bench[0], choice) == 1000.25);
	pick(t, choice, "MODE", "safe");
	T_CHECK("another row", tttd_task_model_cost(t, &t->bench[0], choice) == 1009);
	pick(t, choice, "UNROLL", "1");
	T_CHECK("a missing row fails", tttd_task_model_cost(t, &t->bench[0], choice) == 0);
	pick(t, choice, "MODE", "fast");
	T_CHECK("a 0 row fails", tttd_task_model_cost(t, &t->bench[0], choice) == 0);
	{
		/* choice is -O2 1 fast = {1, 0, 0} */
		int list[9] = { 1, 1, 1, 0, 0, 0, 1, 0, 1 };

		T_CHECK("choice_in: not in an empty list", !tttd_task_choice_in(t, choice, list, 0));
		T_CHECK("choice_in: not among others", !tttd_task_choice_in(t, choice, list, 3));
		memcpy(list + 6, choice, 3 * sizeof(int));
		T_CHECK("choice_in: found last", tttd_task_choice_in(t, choice, list, 3));
		T_CHECK("choice_in: only within k", !tttd_task_choice_in(t, choice, list, 2));
	}
	tttd_task_free(t);
}

static void
test_malformed(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tttd_task *t = NULL;
		struct tttd_error e = { 0 };
		char *path = xasprintf("tests/data/tasks/%s", bad[i].dir);
		int r = tttd_task_load(&t, path, &e);
		int ok = r == TTTD_EFORMAT && !t &&
			 strncmp(e.msg, bad[i].prefix, strlen(bad[i].prefix)) == 0 &&
			 strstr(e.msg, bad[i].what) != NULL;

		if (!ok)
			fprintf(stderr, "fixture %s: got %d '%s'\n", bad[i].dir, r, e.msg);
		T_CHECK(bad[i].dir, ok);
		free(path);
	}
}

static void
test_cuda(void)
{
	struct tttd_task *t = NULL;
	struct tttd_error e = { 0 };
	struct tttd_shape s = { { 1000, 300, 64 } };
	int choice[4] = { 0 };

	T_CHECK("cuda fixture loads", tttd_task_load(&t, "tests/data/tasks/cuda_gemm", &e) == 0);
	if (!t) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	T_CHECK("target cuda", strcmp(t->target, "cuda") == 0);
	T_CHECK("baseline", t->baseline && strcmp(t->baseline, "cublas_gemm") == 0);
	T_CHECK("one launch", t->nlaunch == 1 && strcmp(t->launch[0].kernel, "gemm_tile") == 0);
	T_CHECK("one ref launch", t->nref_launch == 1 && strcmp(t->ref_launch[0].kernel, "ref_gemm") == 0);
	T_CHECK("scratch buffer", t->nbuf == 4 && t->buf[3].role == TTTD_BUF_SCRATCH);
	T_CHECK("scratch count", tttd_task_eval_shape(t, t->buf[3].count, &s) == 8 * 4);
	T_CHECK("dist default", t->buf[0].dist == TTTD_DIST_NORMAL && t->buf[0].dist_scale == 1.0);
	/* BM=64 BN=128 TM=2 TN=4: grid (300+127)/128 x (1000+63)/64, block 32 x 32 */
	pick(t, choice, "BM", "64");
	pick(t, choice, "BN", "128");
	pick(t, choice, "TM", "2");
	pick(t, choice, "TN", "4");
	T_CHECK("feasible", tttd_task_feasible(t, choice, t->ndec));
	T_CHECK("grid x", tttd_task_eval(t, t->launch[0].grid[0], &s, choice) == 3);
	T_CHECK("grid y", tttd_task_eval(t, t->launch[0].grid[1], &s, choice) == 16);
	T_CHECK("grid z", tttd_task_eval(t, t->launch[0].grid[2], &s, choice) == 1);
	T_CHECK("block x", tttd_task_eval(t, t->launch[0].block[0], &s, choice) == 32);
	T_CHECK("block y", tttd_task_eval(t, t->launch[0].block[1], &s, choice) == 32);
	T_CHECK("smem", tttd_task_eval(t, t->launch[0].smem, &s, choice) == 192 * 4);
	T_CHECK("ref grid", tttd_task_eval(t, t->ref_launch[0].grid[1], &s, NULL) == 63);
	T_CHECK("ref smem absent", t->ref_launch[0].smem == NULL);
	T_CHECK("decision without choice is -1", tttd_task_eval(t, t->launch[0].grid[0], &s, NULL) == -1);
	choice[tttd_task_decision_index(t, "TN")] = -1;
	T_CHECK("unset decision is -1", tttd_task_eval(t, t->launch[0].block[0], &s, choice) == -1);
	pick(t, choice, "BM", "32");
	pick(t, choice, "BN", "32");
	pick(t, choice, "TN", "8");
	pick(t, choice, "TM", "8");
	T_CHECK("too few threads infeasible", !tttd_task_feasible(t, choice, t->ndec));
	T_CHECK("dtype sizes", tttd_dtype_size(TTTD_BF16) == 2 && tttd_dtype_size(TTTD_F64) == 8);
	tttd_task_free(t);
}

/* The cuda_plan fixture: gemm steps, `when`, per-shape input settings. */
static void
test_plan(void)
{
	struct tttd_task *t = NULL;
	struct tttd_error e = { 0 };
	const struct tttd_launch_spec *g;
	struct tttd_shape copy;
	int choice[2] = { 0, 0 }, dist;
	double scale;

	T_CHECK("cuda_plan loads", tttd_task_load(&t, "tests/data/tasks/cuda_plan", &e) == 0);
	if (!t) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	T_CHECK("five candidate steps in order", t->nlaunch == 5 &&
							 t->launch[0].kind == TTTD_STEP_LAUNCH && t->launch[2].kind == TTTD_STEP_GEMM &&
							 t->launch[3].kind == TTTD_STEP_GEMM && t->launch[4].kind == TTTD_STEP_LAUNCH);
	T_CHECK("ref plan: launch then gemm", t->nref_launch == 2 &&
						      t->ref_launch[0].kind == TTTD_STEP_LAUNCH && t->ref_launch[1].kind == TTTD_STEP_GEMM);
	g = &t->launch[3];
	T_CHECK("gemm buffers H WT Y", g->gemm.a == 4 && g->gemm.b == 5 && g->gemm.c == 3);
	T_CHECK("gemm flags", g->gemm.transb && !g->gemm.transa && !g->gemm.tf32);
	T_CHECK("gemm defaults", g->gemm.alpha == 1 && g->gemm.beta == 0 && !g->gemm.batch &&
					 !g->gemm.lda && g->gemm.ldb && !g->gemm.stride_a);
	T_CHECK("gemm m n ldb", tttd_task_eval(t, g->gemm.m, &t->check[0], NULL) == 33 &&
					tttd_task_eval(t, g->gemm.n, &t->check[0], NULL) == 17 &&
					tttd_task_eval(t, g->gemm.ldb, &t->check[0], NULL) == 45);
	T_CHECK("ref gemm explicit batch", t->ref_launch[1].gemm.batch != NULL);
	/* MM=own LAYOUT=nn: scale_rows and own_gemm run, no cuBLAS step */
	T_CHECK("no when: runs", tttd_step_runs(t, &t->launch[0], &t->check[0], choice));
	T_CHECK("own: transpose skipped", !tttd_step_runs(t, &t->launch[1], &t->check[0], choice));
	T_CHECK("own: gemm nn skipped", !tttd_step_runs(t, &t->launch[2], &t->check[0], choice));
	T_CHECK("own: own_gemm runs", tttd_step_runs(t, &t->launch[4], &t->check[0], choice));
	pick(t, choice, "MM", "cublas");
	pick(t, choice, "LAYOUT", "nt");
	T_CHECK("cublas nt: transpose runs", tttd_step_runs(t, &t->launch[1], &t->check[0], choice));
	T_CHECK("cublas nt: gemm nt runs", tttd_step_runs(t, &t->launch[3], &t->check[0], choice));
	T_CHECK("cublas nt: gemm nn skipped", !tttd_step_runs(t, &t->launch[2], &t->check[0], choice));
	T_CHECK("cublas nt: own skipped", !tttd_step_runs(t, &t->launch[4], &t->check[0], choice));
	/* shape settings */
	T_CHECK("shape 0: one setting", tttd_shape_inputs(t, &t->check[0]) &&
						tttd_shape_inputs(t, &t->check[0])->n == 1 && !tttd_shape_inputs(t, &t->bench[0]));
	tttd_shape_dist(t, tttd_shape_inputs(t, &t->check[0]), 2, &dist, &scale);
	T_CHECK("mask=const:1", dist == TTTD_DIST_CONST && scale == 1.0);
	tttd_shape_dist(t, tttd_shape_inputs(t, &t->check[1]), 2, &dist, &scale);
	T_CHECK("mask=mask01:0.3", dist == TTTD_DIST_MASK01 && scale == 0.3);
	tttd_shape_dist(t, tttd_shape_inputs(t, &t->check[1]), 0, &dist, &scale);
	T_CHECK("unnamed buffer keeps its line", dist == TTTD_DIST_NORMAL && scale == 1.0);
	tttd_shape_dist(t, tttd_shape_inputs(t, &t->check[2]), 0, &dist, &scale);
	T_CHECK("*=uniform:2 reaches X", dist == TTTD_DIST_UNIFORM && scale == 2.0);
	tttd_shape_dist(t, tttd_shape_inputs(t, &t->check[2]), 2, &dist, &scale);
	T_CHECK("named beats *, default scale", dist == TTTD_DIST_MASK01 && scale == 0.5);
	tttd_shape_dist(t, NULL, 2, &dist, &scale);
	T_CHECK("no settings: the buffer line", dist == TTTD_DIST_MASK01 && scale == 0.5);
	copy = t->check[0];
	T_CHECK("a copied shape has no settings", !tttd_shape_inputs(t, &copy));
	tttd_task_free(t);
}

/* The head of a small cuda task (11 lines); each case appends lines to it. */
static const char plan_head[] =
	"target cuda\nreference ref.cu\ntemplate kernel.cu\ndims M N\n"
	"shape check 4 4\nshape bench 8 8\n"
	"buffer A in f32 M*N\nbuffer B in bf16 M*N\nbuffer C out f32 M*N\n"
	"tolerance rtol 0 atol 0\ndecision D 1 2\n";

static const struct {
	const char *lines; /* appended to plan_head (line 12 onwards) */
	const char *what;  /* expected in the message; NULL: loads */
} plan_cases[] = {
	{ "gemm A A C m M n N k N when (D == 2)\n", NULL },
	{ "gemm A A C m M n N k N batch 2 lda N ldb N ldc N stride_a 0 stride_b 0 stride_c M*N "
	  "off_a 0 off_b 0 off_c 0 alpha 0.5 beta 1 transa transb tf32\n",
	  NULL },
	{ "launch k grid 1 1 1 block 32 1 1 smem 0 when D\n", NULL },
	{ "shape check 2 2 A=cauchy:3 *=const:-1\nlaunch k grid 1 1 1 block 1 1 1\n", NULL },
	{ "gemm A B C m M n N k N\n", "same dtype" },
	{ "gemm A Q C m M n N k N\n", "unknown buffer 'Q'" },
	{ "gemm A A C m M n N\n", "needs m, n and k" },
	{ "gemm A A C m M n N k N lda\n", "'lda' in 'gemm' takes an expression" },
	{ "gemm A A C m M n N k N m 3\n", "duplicate 'm'" },
	{ "gemm A A C m M n N k N frob 1\n", "unknown 'gemm' option 'frob'" },
	{ "gemm A A C m M n N k N alpha x\n", "takes a number" },
	{ "gemm A A C m M n N k Z\n", "unknown name 'Z'" },
	{ "gemm B B C m M n N k N tf32\n", "tf32 is for f32" },
	{ "launch k grid 1 1 1 block 1 1 1 when\n", "'launch' takes" },
	{ "launch k grid 1 1 1 block 1 1 1 when 1 when 1\n", "duplicate 'when'" },
	{ "shape check 2 2 A=zipf\nlaunch k grid 1 1 1 block 1 1 1\n", "bad distribution" },
	{ "shape check 2 2 A=mask01:2\nlaunch k grid 1 1 1 block 1 1 1\n", "bad scale" },
	{ "shape check 2 2 C=normal\nlaunch k grid 1 1 1 block 1 1 1\n", "not an 'in' buffer" },
	{ "shape check 2 2 Q=normal\nlaunch k grid 1 1 1 block 1 1 1\n", "unknown buffer 'Q'" },
	{ "shape check 2 2 A=normal A=uniform\nlaunch k grid 1 1 1 block 1 1 1\n",
	  "two shape settings" },
	{ "shape check 2 A=normal\nlaunch k grid 1 1 1 block 1 1 1\n", "takes 2 values" },
	{ "tensormap tA B rows M cols N box D 8 ld N off 0 swizzle 0\n"
	  "launch k grid 2 1 1 block 32 1 1 smem 0 cluster D 1 1 tmap tA tmap tA persistent when D\n",
	  NULL },
	{ "tensormap tA Q rows M cols N box 1 8\n", "unknown buffer 'Q' in 'tensormap'" },
	{ "tensormap tA B rows M cols N\n", "needs rows, cols and box" },
	{ "tensormap tA B rows M cols N box 1\n", "'box' in 'tensormap' takes 2" },
	{ "tensormap tA B rows M cols N box 1 8 frob 2\n", "unknown 'tensormap' option 'frob'" },
	{ "tensormap tA B rows M cols Z box 1 8\n", "unknown name 'Z'" },
	{ "launch k grid 1 1 1 block 1 1 1 tmap tQ\n", "unknown tensor map 'tQ'" },
	{ "launch k grid 1 1 1 block 1 1 1 cluster 2 1\n", "'cluster' in 'launch' takes 3" },
	{ "launch k grid 1 1 1 block 1 1 1 persistent persistent\n", "duplicate 'persistent'" },
	{ "launch k grid 1 1 1 block 1 1 1 frob\n", "'launch' takes" },
};

/* Write a scratch folder with task = plan_head + lines and empty sources. */
static char *
write_task(const char *lines)
{
	static int seq;
	const char *names[] = { "task", "ref.cu", "kernel.cu" };
	char *dir = xasprintf("/tmp/tttd_test_task.%ld.%d", (long)getpid(), seq++);

	mkdir(dir, 0700);
	for (size_t i = 0; i < 3; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		FILE *f = fopen(path, "w");

		if (f && i == 0) {
			fputs(plan_head, f);
			fputs(lines, f);
		}
		if (f)
			fclose(f);
		free(path);
	}
	return dir;
}

static void
remove_task(const char *dir)
{
	const char *names[] = { "task", "ref.cu", "kernel.cu" };

	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);

		unlink(p);
		free(p);
	}
	rmdir(dir);
}

static void
test_plan_malformed(void)
{
	for (size_t i = 0; i < sizeof(plan_cases) / sizeof(plan_cases[0]); i++) {
		struct tttd_task *t = NULL;
		struct tttd_error e = { 0 };
		char *dir = write_task(plan_cases[i].lines);
		int r = tttd_task_load(&t, dir, &e), ok;

		if (!plan_cases[i].what)
			ok = r == TTTD_OK && t;
		else
			ok = r == TTTD_EFORMAT && !t && strstr(e.msg, ":12: ") &&
			     strstr(e.msg, plan_cases[i].what);
		if (!ok)
			fprintf(stderr, "plan case %zu: got %d '%s'\n", i, r, e.msg);
		T_CHECK(plan_cases[i].lines, ok);
		if (t && i == 1) {
			const struct tttd_gemm_spec *g = &t->launch[0].gemm;

			T_CHECK("all options parsed", g->transa && g->transb && g->tf32 &&
							      g->alpha == 0.5 && g->beta == 1 && g->stride_c && g->off_c);
		}
		if (t && plan_cases[i].lines[0] == 't' && !plan_cases[i].what) {
			const struct tttd_launch_spec *l = &t->launch[0];

			T_CHECK("tensormap parsed", t->ntmap == 1 && !strcmp(t->tmap[0].name, "tA") &&
							    t->tmap[0].buf == 1 && t->tmap[0].ld && t->tmap[0].off && t->tmap[0].swizzle);
			T_CHECK("launch: cluster, two maps, persistent", l->cluster[2] && l->ntmap == 2 &&
										 l->tmap[1] == 0 && l->persistent && TTTD_LAUNCH_IS_EXT(l));
		}
		if (t && i == 3) {
			const struct tttd_shape_inputs *si = tttd_shape_inputs(t, &t->check[1]);
			int dist;
			double scale;

			tttd_shape_dist(t, si, 1, &dist, &scale);
			T_CHECK("*=const:-1 (negative const)", dist == TTTD_DIST_CONST && scale == -1);
			tttd_shape_dist(t, si, 0, &dist, &scale);
			T_CHECK("A=cauchy:3", dist == TTTD_DIST_CAUCHY && scale == 3);
		}
		tttd_task_free(t);
		remove_task(dir);
		free(dir);
	}
}

/* Candidate ids: 32 hex digits, stable, and sensitive to every part. */
static void
test_candidate_id(void)
{
	struct tttd_task *t = NULL;
	struct tttd_error e;
	char a[33], b[33], c[33], d[33];
	int *ch;
	size_t i;

	T_CHECK("load matmul", tttd_task_load(&t, "kernels/matmul", &e) == TTTD_OK);
	if (!t)
		return;
	ch = calloc(t->ndec, sizeof(int));
	tttd_task_candidate_id(t, "src", "-O2", ch, a);
	tttd_task_candidate_id(t, "src", "-O2", ch, b);
	T_CHECK("id is 32 hex digits", strlen(a) == 32 && strspn(a, "0123456789abcdef") == 32);
	T_CHECK("id is stable", strcmp(a, b) == 0);
	tttd_task_candidate_id(t, "src", "-O3", ch, c);
	T_CHECK("cflags change the id", strcmp(a, c) != 0);
	for (i = 0; i < t->ndec && t->dec[i].nopt < 2; i++)
		;
	if (i < t->ndec)
		ch[i] = 1;
	tttd_task_candidate_id(t, "src", "-O2", ch, d);
	T_CHECK("a decision changes the id", i < t->ndec && strcmp(a, d) != 0);
	free(ch);
	tttd_task_free(t);
}

/* kernels/gemm's tensor maps resolved at shapes TMA can and cannot read (lib/tasks/tmap.c). */
static void
test_tmap(void)
{
	struct tttd_task *t = NULL;
	struct tttd_error e = { 0 };
	struct tttd_tmap_geom g;
	struct tttd_shape big = { { 4096, 4096, 4096 } }, odd = { { 257, 129, 200 } };
	int *choice, ext = -1;
	size_t i;
	char *dir;

	T_CHECK("kernels/gemm loads", tttd_task_load(&t, "kernels/gemm", &e) == 0);
	if (!t) {
		fprintf(stderr, "%s\n", e.msg);
		return;
	}
	choice = xcalloc(t->ndec, sizeof(*choice));
	pick(t, choice, "PATH", "tma");
	T_CHECK("the tma path's first options are feasible", tttd_task_feasible(t, choice, t->ndec));
	T_CHECK("three tensor maps", t->ntmap == 3 && !strcmp(t->tmap[0].name, "tA") && !strcmp(t->tmap[2].name, "tC"));
	for (i = 0; i < t->nlaunch; i++)
		if (TTTD_LAUNCH_IS_EXT(&t->launch[i]) && ext < 0)
			ext = (int)i;
	T_CHECK("gemm_tma is a cluster launch with three maps", ext >= 0 &&
									!strcmp(t->launch[ext].kernel, "gemm_tma") && t->launch[ext].ntmap == 3 &&
									t->launch[ext].cluster[0]);
	if (ext >= 0) {
		T_CHECK("cluster 2 at the first options", tttd_task_eval(t, t->launch[ext].cluster[0], &big, choice) == 2);
		T_CHECK("tma runs at 4096^3", tttd_step_runs(t, &t->launch[ext], &big, choice));
		T_CHECK("tma does not run at N = 129", !tttd_step_runs(t, &t->launch[ext], &odd, choice));
	}
	T_CHECK("tA resolves", tttd_tmap_resolve(t, &t->tmap[0], &big, choice, &g, &e) == 0 &&
				       g.rows == 4096 && g.cols == 4096 && g.ld_bytes == 8192 && g.box_rows == 128 &&
				       g.box_cols == 64 && g.swizzle == 128 && g.esize == 2 && g.buf == 0);
	/* C's stores: fp32 boxes of one consumer's 64 rows by 32 columns (128 bytes, the swizzle's span). */
	T_CHECK("tC resolves over the fp32 output", tttd_tmap_resolve(t, &t->tmap[2], &big, choice, &g, &e) == 0 &&
							    g.rows == 4096 && g.cols == 4096 && g.ld_bytes == 16384 &&
							    g.box_rows == 64 && g.box_cols == 32 && g.swizzle == 128 &&
							    g.esize == 4 && g.buf == 2);
	T_CHECK("tB: N = 129 is no 16-byte stride",
		tttd_tmap_resolve(t, &t->tmap[1], &odd, choice, &g, &e) == TTTD_EINVAL &&
			strstr(e.msg, "tensor map 'tB'") && strstr(e.msg, "multiple of 16"));
	free(choice);
	tttd_task_free(t);

	/* Rules that only show at a shape: a box row wider than the swizzle, a box too tall, reaching past the buffer. */
	dir = write_task("tensormap w A rows M cols N box 2 64 swizzle 64\n"
			 "tensormap h B rows M cols N box 300 8\n"
			 "tensormap p B rows M+1 cols N box 1 8\n"
			 "launch k grid 1 1 1 block 1 1 1 tmap w tmap h tmap p\n");
	T_CHECK("tensor map fixture loads", tttd_task_load(&t, dir, &e) == 0);
	if (t) {
		T_CHECK("a 256-byte box row in a 64-byte swizzle",
			tttd_tmap_resolve(t, &t->tmap[0], &t->bench[0], NULL, &g, &e) == TTTD_EINVAL &&
				strstr(e.msg, "exceeds the 64-byte swizzle"));
		T_CHECK("300 box rows", tttd_tmap_resolve(t, &t->tmap[1], &t->bench[0], NULL, &g, &e) ==
							TTTD_EINVAL &&
						strstr(e.msg, "box 300 x 8"));
		T_CHECK("past the buffer", tttd_tmap_resolve(t, &t->tmap[2], &t->bench[0], NULL, &g, &e) ==
							   TTTD_EINVAL &&
						   strstr(e.msg, "reaches past buffer 'B'"));
		tttd_task_free(t);
	}
	remove_task(dir);
	free(dir);
}

int
main(void)
{

	test_candidate_id();
	test_matmul();
	test_lookup();
	test_malformed();
	test_cost_table();
	test_cuda();
	test_plan();
	test_plan_malformed();
	test_tmap();
	return T_DONE();
}
