/*
 * task_plan.c - a CUDA task's launch plan as its task file gives it: the
 * "launch" and "gemm" lines (and their ref_ forms) in order, and the
 * "tensormap" lines they may pass.  Called by the loader (task_load.c) for
 * those keywords; the plan is checked against the target in task_check.c
 * and run by the CUDA backend.
 */
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "task.h"
#include "task_int.h"

void
tttd_task_tmap_release(struct tttd_tmap_spec *m)
{
	free(m->name);
	tttd_expr_free(m->rows);
	tttd_expr_free(m->cols);
	tttd_expr_free(m->ld);
	tttd_expr_free(m->off);
	tttd_expr_free(m->box_rows);
	tttd_expr_free(m->box_cols);
	tttd_expr_free(m->swizzle);
}

void
tttd_task_launch_release(struct tttd_launch_spec *l)
{
	struct tttd_gemm_spec *g = &l->gemm;

	free(l->kernel);
	for (int i = 0; i < 3; i++) {
		tttd_expr_free(l->grid[i]);
		tttd_expr_free(l->block[i]);
	}
	tttd_expr_free(l->smem);
	for (int i = 0; i < 3; i++)
		tttd_expr_free(l->cluster[i]);
	tttd_expr_free(l->when);
	tttd_expr_free(g->m);
	tttd_expr_free(g->n);
	tttd_expr_free(g->k);
	tttd_expr_free(g->batch);
	tttd_expr_free(g->lda);
	tttd_expr_free(g->ldb);
	tttd_expr_free(g->ldc);
	tttd_expr_free(g->stride_a);
	tttd_expr_free(g->stride_b);
	tttd_expr_free(g->stride_c);
	tttd_expr_free(g->off_a);
	tttd_expr_free(g->off_b);
	tttd_expr_free(g->off_c);
}

static void
plan_append(struct loader *ld, struct tttd_launch_spec *l, struct tttd_launch_spec **list,
	    size_t *n)
{
	l->line = ld->line;
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	(*list)[(*n)++] = *l;
}

static int
tmap_index(const struct tttd_task *t, const char *name)
{
	for (size_t i = 0; i < t->ntmap; i++)
		if (strcmp(t->tmap[i].name, name) == 0)
			return (int)i;
	return -1;
}

/*
 * launch <kernel> grid <e> <e> <e> block <e> <e> <e> [smem <e>]
 * [cluster <e> <e> <e>] [tmap <name>]... [persistent] [when <e>]
 */
int
tttd_task_kw_launch(struct loader *ld, char **w, int nw, struct tttd_launch_spec **list, size_t *n)
{
	struct tttd_launch_spec l;
	int i, r = TTTD_OK;

	if (nw < 10 || strcmp(w[2], "grid") || strcmp(w[6], "block"))
		goto usage;
	if (!tttd_task_is_ident(w[1]))
		return tttd_task_lerr(ld, "bad kernel name '%s'", w[1]);
	memset(&l, 0, sizeof(l));
	l.kind = TTTD_STEP_LAUNCH;
	for (i = 0; i < 3 && r == TTTD_OK; i++) {
		r = tttd_task_parse_expr(ld, w[3 + i], "grid", 1, 1, &l.grid[i], NULL);
		if (r == TTTD_OK)
			r = tttd_task_parse_expr(ld, w[7 + i], "block", 1, 1, &l.block[i], NULL);
	}
	for (i = 10; i < nw && r == TTTD_OK; i++) {
		if (!strcmp(w[i], "persistent")) {
			if (l.persistent)
				r = tttd_task_lerr(ld, "duplicate '%s' in '%s'", w[i], w[0]);
			l.persistent = 1;
		} else if (!strcmp(w[i], "cluster")) {
			if (i + 3 >= nw) {
				r = tttd_task_lerr(ld, "'cluster' in '%s' takes 3 expressions", w[0]);
				break;
			}
			if (l.cluster[0]) {
				r = tttd_task_lerr(ld, "duplicate '%s' in '%s'", w[i], w[0]);
				break;
			}
			for (int j = 0; j < 3 && r == TTTD_OK; j++)
				r = tttd_task_parse_expr(ld, w[i + 1 + j], "cluster", 1, 1, &l.cluster[j], NULL);
			i += 3;
		} else if (!strcmp(w[i], "tmap")) {
			int k;

			if (i + 1 >= nw) {
				r = tttd_task_lerr(ld, "'tmap' in '%s' takes a tensor map name", w[0]);
			} else if ((k = tmap_index(ld->t, w[i + 1])) < 0) {
				r = tttd_task_lerr(ld, "unknown tensor map '%s' in '%s' (declare it with 'tensormap' first)",
						   w[i + 1], w[0]);
			} else if (l.ntmap == TTTD_MAX_LAUNCH_TMAPS) {
				r = tttd_task_lerr(ld, "more than %d tensor maps in '%s'", TTTD_MAX_LAUNCH_TMAPS, w[0]);
			} else {
				l.tmap[l.ntmap++] = k;
			}
			i++;
		} else if (!strcmp(w[i], "smem") || !strcmp(w[i], "when")) {
			struct tttd_expr **f = w[i][0] == 's' ? &l.smem : &l.when;

			if (i + 1 >= nw)
				goto usage_free;
			if (*f)
				r = tttd_task_lerr(ld, "duplicate '%s' in '%s'", w[i], w[0]);
			else
				r = tttd_task_parse_expr(ld, w[i + 1], w[i], 1, 1, f, NULL);
			i++;
		} else {
			goto usage_free;
		}
	}
	if (r < 0) {
		tttd_task_launch_release(&l);
		return r;
	}
	l.kernel = xstrdup(w[1]);
	plan_append(ld, &l, list, n);
	return TTTD_OK;
usage_free:
	tttd_task_launch_release(&l);
usage:
	return tttd_task_lerr(ld, "'%s' takes: <kernel> grid <x> <y> <z> block <x> <y> <z> "
				  "[smem <bytes>] [cluster <x> <y> <z>] [tmap <name>]... [persistent] "
				  "[when <expr>]",
			      w[0]);
}

/*
 * tensormap <name> <buffer> rows <e> cols <e> box <e> <e> [ld <e>] [off <e>]
 * [swizzle <e>]
 */
int
tttd_task_kw_tensormap(struct loader *ld, char **w, int nw)
{
	struct tttd_task *t = ld->t;
	struct tttd_tmap_spec m;
	int i, r = TTTD_OK;

	if (nw < 3)
		goto usage;
	if (!tttd_task_is_ident(w[1]))
		return tttd_task_lerr(ld, "bad tensor map name '%s'", w[1]);
	if (tmap_index(t, w[1]) >= 0)
		return tttd_task_lerr(ld, "duplicate tensor map '%s'", w[1]);
	memset(&m, 0, sizeof(m));
	m.buf = tttd_task_buffer_index(t, w[2]);
	if (m.buf < 0)
		return tttd_task_lerr(ld, "unknown buffer '%s' in 'tensormap' (declare buffers first)", w[2]);
	for (i = 3; i < nw && r == TTTD_OK; i++) {
		static const char *const keys[] = { "rows", "cols", "ld", "off", "swizzle" };
		struct tttd_expr **f[] = { &m.rows, &m.cols, &m.ld, &m.off, &m.swizzle };
		size_t j;

		if (!strcmp(w[i], "box")) {
			if (i + 2 >= nw) {
				r = tttd_task_lerr(ld, "'box' in 'tensormap' takes 2 expressions (rows, cols)");
			} else if (m.box_rows) {
				r = tttd_task_lerr(ld, "duplicate 'box' in 'tensormap'");
			} else {
				r = tttd_task_parse_expr(ld, w[i + 1], "box", 1, 1, &m.box_rows, NULL);
				if (r == TTTD_OK)
					r = tttd_task_parse_expr(ld, w[i + 2], "box", 1, 1, &m.box_cols, NULL);
			}
			i += 2;
			continue;
		}
		for (j = 0; j < sizeof(keys) / sizeof(keys[0]); j++)
			if (!strcmp(w[i], keys[j]))
				break;
		if (j == sizeof(keys) / sizeof(keys[0]))
			r = tttd_task_lerr(ld, "unknown 'tensormap' option '%s'", w[i]);
		else if (i + 1 >= nw)
			r = tttd_task_lerr(ld, "'%s' in 'tensormap' takes an expression", w[i]);
		else if (*f[j])
			r = tttd_task_lerr(ld, "duplicate '%s' in 'tensormap'", w[i]);
		else
			r = tttd_task_parse_expr(ld, w[i + 1], w[i], 1, 1, f[j], NULL);
		i++;
	}
	if (r == TTTD_OK && (!m.rows || !m.cols || !m.box_rows))
		r = tttd_task_lerr(ld, "'tensormap' needs rows, cols and box");
	if (r < 0) {
		tttd_task_tmap_release(&m);
		return r;
	}
	m.name = xstrdup(w[1]);
	m.line = ld->line;
	t->tmap = xrealloc(t->tmap, (t->ntmap + 1) * sizeof(*t->tmap));
	t->tmap[t->ntmap++] = m;
	return TTTD_OK;
usage:
	return tttd_task_lerr(ld, "'tensormap' takes: <name> <buffer> rows <e> cols <e> box <rows> <cols> "
				  "[ld <e>] [off <e>] [swizzle <bytes>]");
}

/*
 * gemm <A> <B> <C> m <e> n <e> k <e> [batch|lda|ldb|ldc|stride_a|stride_b|
 * stride_c|off_a|off_b|off_c <e>] [alpha|beta <number>] [transa] [transb]
 * [tf32] [when <e>]
 */
int
tttd_task_kw_gemm(struct loader *ld, char **w, int nw, struct tttd_launch_spec **list, size_t *n)
{
	struct tttd_task *t = ld->t;
	struct tttd_launch_spec l;
	struct tttd_gemm_spec *g = &l.gemm;
	int i, r = TTTD_OK, *ix[3] = { &g->a, &g->b, &g->c };
	const struct tttd_buffer *ba, *bb, *bc;

	if (nw < 4)
		return tttd_task_lerr(ld, "'%s' takes: <A> <B> <C> m <e> n <e> k <e> [options] [when <expr>]",
				      w[0]);
	memset(&l, 0, sizeof(l));
	l.kind = TTTD_STEP_GEMM;
	g->alpha = 1;
	g->beta = 0;
	for (i = 0; i < 3; i++) {
		*ix[i] = tttd_task_buffer_index(t, w[1 + i]);
		if (*ix[i] < 0)
			return tttd_task_lerr(ld, "unknown buffer '%s' in '%s' (declare buffers before plan "
						  "steps)",
					      w[1 + i], w[0]);
	}
	ba = &t->buf[g->a];
	bb = &t->buf[g->b];
	bc = &t->buf[g->c];
	if (ba->dtype != bb->dtype)
		return tttd_task_lerr(ld, "'%s': A and B must have the same dtype", w[0]);
	if (ba->dtype != TTTD_F32 && ba->dtype != TTTD_BF16 && ba->dtype != TTTD_F16)
		return tttd_task_lerr(ld, "'%s': A and B must be f32, bf16 or f16", w[0]);
	if (bc->dtype != TTTD_F32 && bc->dtype != ba->dtype)
		return tttd_task_lerr(ld, "'%s': C must be f32 or A's dtype", w[0]);
	for (i = 4; i < nw && r == TTTD_OK; i++) {
		static const char *const ekeys[] = { "m", "n", "k", "batch", "lda", "ldb", "ldc",
						     "stride_a", "stride_b", "stride_c", "off_a",
						     "off_b", "off_c", "when" };
		struct tttd_expr **ef[] = { &g->m, &g->n, &g->k, &g->batch, &g->lda, &g->ldb,
					    &g->ldc, &g->stride_a, &g->stride_b, &g->stride_c,
					    &g->off_a, &g->off_b, &g->off_c, &l.when };
		size_t j;

		if (!strcmp(w[i], "transa") || !strcmp(w[i], "transb") || !strcmp(w[i], "tf32")) {
			int *f = !strcmp(w[i], "tf32") ? &g->tf32 : w[i][5] == 'a' ? &g->transa
										   : &g->transb;

			if (*f)
				r = tttd_task_lerr(ld, "duplicate '%s' in '%s'", w[i], w[0]);
			*f = 1;
			continue;
		}
		if (!strcmp(w[i], "alpha") || !strcmp(w[i], "beta")) {
			double *f = w[i][0] == 'a' ? &g->alpha : &g->beta;

			if (i + 1 >= nw || !tttd_task_parse_double(w[i + 1], f))
				r = tttd_task_lerr(ld, "'%s' in '%s' takes a number", w[i], w[0]);
			i++;
			continue;
		}
		for (j = 0; j < sizeof(ekeys) / sizeof(ekeys[0]); j++)
			if (!strcmp(w[i], ekeys[j]))
				break;
		if (j == sizeof(ekeys) / sizeof(ekeys[0]))
			r = tttd_task_lerr(ld, "unknown '%s' option '%s'", w[0], w[i]);
		else if (i + 1 >= nw)
			r = tttd_task_lerr(ld, "'%s' in '%s' takes an expression", w[i], w[0]);
		else if (*ef[j])
			r = tttd_task_lerr(ld, "duplicate '%s' in '%s'", w[i], w[0]);
		else
			r = tttd_task_parse_expr(ld, w[i + 1], w[i], 1, 1, ef[j], NULL);
		i++;
	}
	if (r == TTTD_OK && g->tf32 && ba->dtype != TTTD_F32)
		r = tttd_task_lerr(ld, "'%s': tf32 is for f32 inputs", w[0]);
	if (r == TTTD_OK && (!g->m || !g->n || !g->k))
		r = tttd_task_lerr(ld, "'%s' needs m, n and k", w[0]);
	if (r < 0) {
		tttd_task_launch_release(&l);
		return r;
	}
	l.kernel = xstrdup("cublas_gemm");
	plan_append(ld, &l, list, n);
	return TTTD_OK;
}
