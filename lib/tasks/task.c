/*
 * task.c - questions about a loaded task (task.h): names and options by
 * index, shape inputs, feasibility of a choice under the constraints, the
 * model target's cost, expression evaluation at a shape, freeing, and bench
 * shapes given on the command line.  Loading is task_load.c (the lines),
 * task_plan.c (a CUDA task's launch plan) and task_check.c (the whole-file
 * checks); rendering a choice is task_render.c; candidate records are
 * candidate.c.
 *
 * This module does not compile, run or time anything.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "rec.h"
#include "task.h"
#include "task_int.h"

int
tttd_task_is_ident(const char *s)
{
	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

/* A whole-string int64 ("16", "-3"); @return 1 and *v, or 0. */
int
tttd_task_parse_i64(const char *s, int64_t *v)
{
	char *end;
	long long r;

	if (!*s || isspace((unsigned char)*s))
		return 0;
	errno = 0;
	r = strtoll(s, &end, 10);
	if (errno || *end)
		return 0;
	*v = r;
	return 1;
}

int
tttd_task_parse_double(const char *s, double *v)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return 0;
	errno = 0;
	*v = strtod(s, &end);
	return !errno && !*end && *v == *v;
}

int
tttd_task_dim_index(const struct tttd_task *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ndim; i++)
		if (strcmp(t->dim_name[i], name) == 0)
			return (int)i;
	return -1;
}

int
tttd_task_decision_index(const struct tttd_task *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ndec; i++)
		if (strcmp(t->dec[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
tttd_task_option_index(const struct tttd_task *t, size_t d, const char *text)
{
	size_t i;

	if (d >= t->ndec)
		return -1;
	for (i = 0; i < t->dec[d].nopt; i++)
		if (strcmp(t->dec[d].opt[i], text) == 0)
			return (int)i;
	return -1;
}

/* Evaluation context: dims at a shape (or none), a (partial) choice. */
struct evalctx {
	const struct tttd_task *t;
	const struct tttd_shape *s;
	const int *choice;
	size_t upto;
};

static int
lookup(void *ctx, const char *name, int64_t *num, const char **str)
{
	struct evalctx *c = ctx;
	const char *opt;
	int i;

	if (c->s && (i = tttd_task_dim_index(c->t, name)) >= 0) {
		*num = c->s->dim[i];
		return 1;
	}
	if (c->choice && (i = tttd_task_decision_index(c->t, name)) >= 0) {
		if ((size_t)i >= c->upto || c->choice[i] < 0 ||
		    (size_t)c->choice[i] >= c->t->dec[i].nopt)
			return 0;
		opt = c->t->dec[i].opt[c->choice[i]];
		/* Numeric options are numbers; words are strings. */
		if (!tttd_task_parse_i64(opt, num))
			*str = opt;
		return 1;
	}
	return 0;
}

const struct tttd_shape_inputs *
tttd_shape_inputs(const struct tttd_task *t, const struct tttd_shape *s)
{
	const struct tttd_shape_inputs *si = NULL;

	/* By address: two shapes may have the same dims and different settings. */
	if (t->ncheck && s >= t->check && s < t->check + t->ncheck)
		si = &t->check_inputs[s - t->check];
	else if (t->nbench && s >= t->bench && s < t->bench + t->nbench)
		si = &t->bench_inputs[s - t->bench];
	return si && si->n ? si : NULL;
}

void
tttd_shape_dist(const struct tttd_task *t, const struct tttd_shape_inputs *si, size_t i, int *dist,
		double *scale)
{
	int named = 0;

	*dist = (int)t->buf[i].dist;
	*scale = t->buf[i].dist_scale;
	if (!si)
		return;
	for (int j = 0; j < si->n && j < TTTD_MAX_SHAPE_INPUTS; j++) {
		const struct tttd_shape_input *in = &si->in[j];

		if (in->buf == (int)i || (in->buf == -1 && !named)) {
			*dist = in->dist;
			*scale = in->scale;
			named |= in->buf == (int)i;
		}
	}
}

int
tttd_step_runs(const struct tttd_task *t, const struct tttd_launch_spec *l,
	       const struct tttd_shape *s, const int *choice)
{
	return !l->when || tttd_task_eval(t, l->when, s, choice) != 0;
}

/* Evaluate constraint c at a partial choice; errors count as "false". */
int
tttd_task_con_holds(const struct tttd_task *t, const struct tttd_constraint *c, const int *choice,
		    size_t upto, struct tttd_error *e)
{
	struct evalctx ctx = { t, NULL, choice, upto };
	int64_t v;

	if (tttd_expr_eval(c->expr, lookup, &ctx, &v, e) < 0)
		return -1;
	return v != 0;
}

/* A full choice's index, mixed radix over the decisions' options: the cost table's row key. */
uint64_t
tttd_task_table_index(const struct tttd_task *t, const int *choice)
{
	uint64_t k = 0;
	size_t d;

	for (d = 0; d < t->ndec; d++)
		k = k * t->dec[d].nopt + (size_t)choice[d];
	return k;
}

int
tttd_task_choice_in(const struct tttd_task *t, const int *c, const int *list, size_t k)
{
	size_t j;

	for (j = 0; j < k; j++)
		if (memcmp(list + j * t->ndec, c, t->ndec * sizeof(int)) == 0)
			return 1;
	return 0;
}

double
tttd_task_model_cost(const struct tttd_task *t, const struct tttd_shape *s, const int *choice)
{
	uint64_t k;
	size_t lo = 0, hi;

	if (!t->cost_table)
		return (double)tttd_task_eval(t, t->cost, s, choice);
	/* binary search of the sorted rows */
	k = tttd_task_table_index(t, choice);
	hi = t->cost_table_len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->cost_table_key[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->cost_table_len && t->cost_table_key[lo] == k ? t->cost_table[lo] : 0;
}

void
tttd_task_free(struct tttd_task *t)
{
	size_t i, j;

	if (!t)
		return;
	free(t->name);
	free(t->dir);
	free(t->target);
	tttd_expr_free(t->cost);
	tttd_expr_free(t->ref_cost);
	free(t->cost_table_path);
	free(t->cost_table);
	free(t->cost_table_key);
	free(t->lm_prompt_path);
	free(t->lm_prompt);
	free(t->lm_start_path);
	free(t->lm_start);
	for (i = 0; i < t->nlm_forbid; i++)
		free(t->lm_forbid[i]);
	free(t->lm_forbid);
	for (i = 0; i < t->nlm_sets; i++)
		free(t->lm_sets_names[i]);
	free(t->lm_sets_names);
	free(t->lm_settable);
	free(t->entry);
	free(t->ref_entry);
	free(t->reference);
	free(t->baseline);
	free(t->template_path);
	free(t->template_text);
	free(t->cflags);
	free(t->ref_cflags);
	free(t->cpu_reference);
	for (i = 0; i < t->ndim; i++)
		free(t->dim_name[i]);
	free(t->bench);
	free(t->check);
	free(t->bench_inputs);
	free(t->check_inputs);
	for (i = 0; i < t->nbuf; i++) {
		free(t->buf[i].name);
		free(t->buf[i].count_text);
		tttd_expr_free(t->buf[i].count);
	}
	free(t->buf);
	tttd_expr_free(t->flops);
	tttd_expr_free(t->bytes);
	for (i = 0; i < t->ndec; i++) {
		free(t->dec[i].name);
		for (j = 0; j < t->dec[i].nopt; j++)
			free(t->dec[i].opt[j]);
		free(t->dec[i].opt);
	}
	free(t->dec);
	for (i = 0; i < t->ncon; i++) {
		free(t->con[i].text);
		tttd_expr_free(t->con[i].expr);
	}
	free(t->con);
	for (i = 0; i < t->nlaunch; i++)
		tttd_task_launch_release(&t->launch[i]);
	free(t->launch);
	for (i = 0; i < t->nref_launch; i++)
		tttd_task_launch_release(&t->ref_launch[i]);
	free(t->ref_launch);
	for (i = 0; i < t->ntmap; i++)
		tttd_task_tmap_release(&t->tmap[i]);
	free(t->tmap);
	free(t->description);
	free(t);
}

int
tttd_task_feasible(const struct tttd_task *t, const int *choice, size_t upto)
{
	size_t i;

	if (upto > t->ndec)
		upto = t->ndec;
	for (i = 0; i < t->ncon; i++) {
		const struct tttd_constraint *c = &t->con[i];

		/* Not yet decidable: it mentions a decision not chosen yet. */
		if (c->maxdec >= (int)upto)
			continue;
		if (tttd_task_con_holds(t, c, choice, upto, NULL) != 1)
			return 0;
	}
	return 1;
}

int
tttd_task_violated(const struct tttd_task *t, const int *choice)
{
	size_t i;

	for (i = 0; i < t->ncon; i++)
		if (tttd_task_con_holds(t, &t->con[i], choice, t->ndec, NULL) != 1)
			return (int)i;
	return -1;
}

int
tttd_task_choice_from_map(const struct tttd_task *t, char **keys, char **vals, size_t n,
			  int *choice, struct tttd_error *e)
{
	size_t i;

	for (i = 0; i < t->ndec; i++)
		choice[i] = -1;
	for (i = 0; i < n; i++) {
		int d = tttd_task_decision_index(t, keys[i]), o;

		if (d < 0)
			return tttd_error_set(e, TTTD_EFORMAT, "unknown decision '%s' in task '%s'",
					      keys[i], t->name);
		o = tttd_task_option_index(t, (size_t)d, vals[i]);
		if (o < 0)
			return tttd_error_set(e, TTTD_EFORMAT,
					      "unknown option '%s' for decision '%s' in task '%s'",
					      vals[i], keys[i], t->name);
		choice[d] = o;
	}
	return TTTD_OK;
}

int
tttd_task_choice_from_rec(const struct tttd_task *t, const struct tttd_rec *r, const char *key,
			  int *choice, struct tttd_error *e)
{
	char **keys = NULL, **vals = NULL;
	size_t n = 0, d;
	int rc = tttd_rec_get_strmap(r, key, &keys, &vals, &n);

	for (d = 0; d < t->ndec; d++)
		choice[d] = -1;
	if (rc < 0)
		return tttd_error_set(e, TTTD_EFORMAT, "'%s' is not a map of strings", key);
	if (rc == 1 && tttd_task_choice_from_map(t, keys, vals, n, choice, e) < 0)
		rc = TTTD_EFORMAT;
	tttd_strmap_free(keys, vals, n);
	return rc;
}

long
tttd_task_eval_shape(const struct tttd_task *t, const struct tttd_expr *x,
		     const struct tttd_shape *s)
{
	return tttd_task_eval(t, x, s, NULL);
}

long
tttd_task_eval(const struct tttd_task *t, const struct tttd_expr *x, const struct tttd_shape *s,
	       const int *choice)
{
	struct evalctx ctx = { t, s, choice, t->ndec };
	int64_t v;

	if (!x)
		return 0;
	if (tttd_expr_eval(x, lookup, &ctx, &v, NULL) < 0)
		return -1;
	return (long)v;
}

size_t
tttd_dtype_size(enum tttd_dtype d)
{
	switch (d) {
	case TTTD_F32: return 4;
	case TTTD_F64: return 8;
	case TTTD_I32: return 4;
	case TTTD_BF16: return 2;
	case TTTD_F16: return 2;
	}
	return 0;
}

/* ---- bench shapes given on the command line (--shape) ---- */

int
tttd_task_set_bench_shapes(struct tttd_task *t, const char *spec, struct tttd_error *e)
{
	struct tttd_shape *shapes = NULL;
	size_t n = 0, cap = 0;
	const char *p = spec;
	char names[TTTD_MAX_DIMS * 24] = "";

	for (size_t d = 0, off = 0; d < t->ndim && off < sizeof(names); d++)
		off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s", d ? "x" : "",
					t->dim_name[d]);
	if (!*spec)
		return tttd_error_set(e, TTTD_EINVAL, "empty shape (task '%s' takes %s)", t->name,
				      names);
	while (*p) {
		struct tttd_shape sh;
		size_t nd = 0;

		memset(&sh, 0, sizeof(sh));
		for (;;) {
			char *end;
			long long v;

			errno = 0;
			v = *p >= '0' && *p <= '9' ? strtoll(p, &end, 10) : (end = (char *)p, 0);
			if (end == p || errno || v < 1 || v > (1LL << 40) || nd == TTTD_MAX_DIMS ||
			    (*end && *end != 'x' && *end != ',')) {
				free(shapes);
				return tttd_error_set(e, TTTD_EINVAL,
						      "bad shape '%s' (task '%s' takes %s: a positive integer "
						      "per dim joined by x, shapes joined by commas)",
						      spec, t->name, names);
			}
			sh.dim[nd++] = (long)v;
			p = end;
			if (*p != 'x')
				break;
			p++;
		}
		if (nd != t->ndim) {
			free(shapes);
			return tttd_error_set(e, TTTD_EINVAL,
					      "shape '%s' has %zu value%s; task '%s' takes %zu (%s)", spec,
					      nd, nd == 1 ? "" : "s", t->name, t->ndim, names);
		}
		XGROW(shapes, cap, n + 1);
		shapes[n++] = sh;
		if (*p == ',')
			p++;
	}
	free(t->bench);
	free(t->bench_inputs);
	t->bench = shapes;
	t->nbench = n;
	/* The task's per-shape input settings belonged to its own shapes. */
	t->bench_inputs = xcalloc(n, sizeof(*t->bench_inputs));
	return TTTD_OK;
}
