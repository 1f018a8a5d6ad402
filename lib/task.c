/*
 * task.c - load a task folder (the "task" file, its reference and template),
 * answer questions about its decision space, and render a choice into
 * source and compile flags.  The file format is docs/task-format.md.
 *
 * Everything a task author can get wrong is caught at load time and named by
 * file and line: unknown keywords and names, bad numbers, duplicates, empty
 * domains, missing files, {{NAME}}s in the template that are no decision,
 * constraints no choice can satisfy.  After a successful load, the policy
 * and the tools can trust the task.
 *
 * This module does not compile, run or time anything.
 */
#include <ctype.h>
#include <math.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "expr.h"
#include "hash.h"
#include "rec.h"
#include "target.h" /* defines: tttd_target_find, tttd_target_of */
#include "task.h"
#include "task_int.h"


/* ---- small helpers ---------------------------------------------------- */


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

/* ---- names in expressions --------------------------------------------- */

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

/* What an expression may mention, and what a load-time check found. */
struct namecheck {
	const struct tttd_task *t;
	int dims_ok, decs_ok;
	const char *bad; /* first name not allowed */
	int bad_is_dim;
	int maxdec;
};

static void
check_name(void *ctx, const char *name)
{
	struct namecheck *nc = ctx;
	int d;

	if (nc->bad)
		return;
	if (tttd_task_dim_index(nc->t, name) >= 0) {
		if (!nc->dims_ok) {
			nc->bad = name;
			nc->bad_is_dim = 1;
		}
		return;
	}
	d = tttd_task_decision_index(nc->t, name);
	if (d >= 0 && nc->decs_ok) {
		if (d > nc->maxdec)
			nc->maxdec = d;
		return;
	}
	nc->bad = name;
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

/* ---- the loader ------------------------------------------------------- */


int
tttd_task_lerr(struct loader *ld, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errno = saved;
	if (msg[0] && msg[strlen(msg) - 1] == ':')
		return tttd_error_set(ld->e, TTTD_EFORMAT, "%s:%d: %s %s", ld->file, ld->line, msg,
				      strerror(saved));
	return tttd_error_set(ld->e, TTTD_EFORMAT, "%s:%d: %s", ld->file, ld->line, msg);
}

/*
 * Split s into words: whitespace separates, except inside parentheses (so
 * "(M + 1) * K" stays one expression) and double quotes (stripped, so ""
 * is an empty word; kept inside parentheses, where they quote an
 * expression's string).  @return the count, or -1 on an unbalanced quote or
 * parenthesis.
 */
int
tttd_task_split_words(const char *s, char ***out)
{
	char **w = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	for (;;) {
		struct sbuf b = { 0 };
		int depth = 0, quoted = 0;

		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		for (; *s; s++) {
			/*
			 * Inside parentheses a quote is kept: it belongs to an
			 * expression's string ("when (MM == "own")").
			 */
			if (quoted) {
				if (*s == '"') {
					quoted = 0;
					if (depth > 0)
						sb_add(&b, s, 1);
					continue;
				}
			} else if (*s == '"') {
				quoted = 1;
				if (depth > 0)
					sb_add(&b, s, 1);
				continue;
			} else if (isspace((unsigned char)*s) && depth == 0) {
				break;
			} else if (*s == '(') {
				depth++;
			} else if (*s == ')') {
				if (depth == 0) {
					depth = -1; /* unbalanced: reported below */
					break;
				}
				depth--;
			}
			sb_add(&b, s, 1);
		}
		XGROW(w, cap, n + 1);
		w[n++] = sb_take(&b);
		if (quoted || depth != 0) {
			*out = w;
			return -1 - (int)n;
		}
	}
	*out = w;
	return (int)n;
}

void
tttd_task_free_words(char **w, int n)
{
	int i;

	if (n < 0)
		n = -1 - n;
	for (i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

/* Parse an expression from a task line, naming the line and the column. */
int
tttd_task_parse_expr(struct loader *ld, const char *text, const char *what, int dims_ok, int decs_ok,
		     struct tttd_expr **out, int *maxdec)
{
	struct tttd_error pe = { 0 };
	struct namecheck nc = { ld->t, dims_ok, decs_ok, NULL, 0, -1 };

	if (tttd_expr_parse(out, text, &pe) < 0) {
		/* Quote a long expression by its start only: one line stays readable. */
		if (strlen(text) > 60)
			return tttd_task_lerr(ld, "%s in %s '%.50s...'", pe.msg, what, text);
		return tttd_task_lerr(ld, "%s in %s '%s'", pe.msg, what, text);
	}
	tttd_expr_names(*out, check_name, &nc);
	if (nc.bad) {
		if (nc.bad_is_dim)
			tttd_task_lerr(ld, "dim '%s' in %s: a choice must hold at every shape", nc.bad, what);
		else
			tttd_task_lerr(ld, "unknown name '%s' in %s", nc.bad, what);
		tttd_expr_free(*out);
		*out = NULL;
		return TTTD_EFORMAT;
	}
	if (maxdec)
		*maxdec = nc.maxdec;
	return TTTD_OK;
}

static char *
path_in(const char *dir, const char *file)
{
	if (file[0] == '/')
		return xstrdup(file);
	return xasprintf("%s/%s", dir, file);
}

static int
set_string(struct loader *ld, char **field, const char *kw, char **w, int nw)
{
	if (nw != 2)
		return tttd_task_lerr(ld, "'%s' takes 1 argument, got %d", kw, nw - 1);
	if (*field)
		return tttd_task_lerr(ld, "duplicate '%s'", kw);
	*field = xstrdup(w[1]);
	return TTTD_OK;
}

static int
set_rest(struct loader *ld, char **field, const char *kw, const char *rest)
{
	if (*field)
		return tttd_task_lerr(ld, "duplicate '%s'", kw);
	*field = xstrdup(rest);
	return TTTD_OK;
}

static int
kw_dims(struct loader *ld, char **w, int nw)
{
	struct tttd_task *t = ld->t;
	int i;

	if (t->ndim)
		return tttd_task_lerr(ld, "duplicate 'dims'");
	if (nw < 2)
		return tttd_task_lerr(ld, "'dims' needs at least 1 name");
	if (nw - 1 > TTTD_MAX_DIMS)
		return tttd_task_lerr(ld, "too many dims (%d, at most %d)", nw - 1, TTTD_MAX_DIMS);
	if (t->ndec)
		return tttd_task_lerr(ld, "'dims' must come before the first 'decision'");
	for (i = 1; i < nw; i++) {
		if (!tttd_task_is_ident(w[i]))
			return tttd_task_lerr(ld, "bad dim name '%s'", w[i]);
		if (tttd_task_dim_index(t, w[i]) >= 0)
			return tttd_task_lerr(ld, "duplicate dim '%s'", w[i]);
		t->dim_name[t->ndim++] = xstrdup(w[i]);
	}
	return TTTD_OK;
}

int
tttd_task_buffer_index(const struct tttd_task *t, const char *name)
{
	for (size_t i = 0; i < t->nbuf; i++)
		if (strcmp(t->buf[i].name, name) == 0)
			return (int)i;
	return -1;
}

static const char *const dist_names[] = { "normal", "uniform", "cauchy", "mask01", "const" };
#define NDIST (sizeof(dist_names) / sizeof(dist_names[0]))

static int
dist_index(const char *name)
{
	for (size_t i = 0; i < NDIST; i++)
		if (strcmp(name, dist_names[i]) == 0)
			return (int)i;
	return -1;
}

/* The default scale of a distribution (mask01: P(1) = 0.5; const: 1). */
static double
dist_default_scale(int dist)
{
	return dist == TTTD_DIST_MASK01 ? 0.5 : 1.0;
}

/* Is scale valid for dist?  const takes any finite value, others a positive one. */
static int
scale_ok(int dist, double scale)
{
	if (dist == TTTD_DIST_CONST)
		return 1;
	return scale > 0 && (dist != TTTD_DIST_MASK01 || scale <= 1);
}

/* <buf>=<dist>[:<scale>] or *=<dist>[:<scale>]; the buffer is resolved later. */
static int
shape_input(struct loader *ld, const char *word, struct tttd_shape_input *in, char **name)
{
	const char *eq = strchr(word, '='), *colon;
	char *dist;
	int d;

	*name = NULL;
	if (!eq || eq == word)
		return tttd_task_lerr(ld, "bad shape setting '%s' (buffer=dist[:scale])", word);
	colon = strchr(eq + 1, ':');
	dist = colon ? xstrndup(eq + 1, (size_t)(colon - eq - 1)) : xstrdup(eq + 1);
	d = dist_index(dist);
	free(dist);
	if (d < 0)
		return tttd_task_lerr(ld, "bad distribution in '%s' (normal, uniform, cauchy, mask01 or const)",
				      word);
	in->dist = d;
	in->scale = dist_default_scale(d);
	if (colon && (!tttd_task_parse_double(colon + 1, &in->scale) || !scale_ok(d, in->scale)))
		return tttd_task_lerr(ld, "bad scale in '%s'", word);
	in->buf = -1;
	if (!(eq - word == 1 && word[0] == '*')) {
		*name = xstrndup(word, (size_t)(eq - word));
		if (!tttd_task_is_ident(*name)) {
			free(*name);
			*name = NULL;
			return tttd_task_lerr(ld, "bad buffer name in '%s'", word);
		}
	}
	return TTTD_OK;
}

static int
kw_shape(struct loader *ld, char **w, int nw)
{
	struct tttd_task *t = ld->t;
	struct tttd_shape sh;
	struct tttd_shape_inputs si;
	struct tttd_shape **list;
	struct tttd_shape_inputs **ilist;
	size_t *n, nd;
	int i, nv;

	if (!t->ndim)
		return tttd_task_lerr(ld, "'shape' before 'dims'");
	if (nw < 2 || (strcmp(w[1], "bench") && strcmp(w[1], "check")))
		return tttd_task_lerr(ld, "'shape' takes bench or check, then one value per dim");
	/* Values first, then settings (words with '='). */
	for (nv = 2; nv < nw && !strchr(w[nv], '='); nv++)
		;
	nd = (size_t)(nv - 2);
	if (nd != t->ndim)
		return tttd_task_lerr(ld, "'shape %s' takes %zu value%s (one per dim), got %zu", w[1], t->ndim,
				      t->ndim == 1 ? "" : "s", nd);
	if (nw - nv > TTTD_MAX_SHAPE_INPUTS)
		return tttd_task_lerr(ld, "'shape %s' has %d input settings (at most %d)", w[1], nw - nv,
				      TTTD_MAX_SHAPE_INPUTS);
	memset(&sh, 0, sizeof(sh));
	memset(&si, 0, sizeof(si));
	for (i = 2; i < nv; i++) {
		int64_t v;

		if (!tttd_task_parse_i64(w[i], &v) || v < 1 || v > (int64_t)1 << 40)
			return tttd_task_lerr(ld, "bad number '%s' for dim '%s'", w[i], t->dim_name[i - 2]);
		sh.dim[i - 2] = (long)v;
	}
	list = w[1][0] == 'b' ? &t->bench : &t->check;
	n = w[1][0] == 'b' ? &t->nbench : &t->ncheck;
	ilist = w[1][0] == 'b' ? &t->bench_inputs : &t->check_inputs;
	for (i = nv; i < nw; i++) {
		char *name;

		TTTD_TRY(shape_input(ld, w[i], &si.in[si.n], &name));
		if (name) {
			struct pending_input *p;

			ld->pend = xrealloc(ld->pend, (ld->npend + 1) * sizeof(*ld->pend));
			p = &ld->pend[ld->npend++];
			p->bench = w[1][0] == 'b';
			p->si = *n;
			p->ii = si.n;
			p->name = name;
			p->line = ld->line;
		}
		si.n++;
	}
	*list = xrealloc(*list, (*n + 1) * sizeof(**list));
	*ilist = xrealloc(*ilist, (*n + 1) * sizeof(**ilist));
	(*ilist)[*n] = si;
	(*list)[(*n)++] = sh;
	return TTTD_OK;
}

/* Name the buffers of the shapes' input settings: each must be an input, once per shape. */
int
tttd_task_resolve_inputs(struct loader *ld)
{
	struct tttd_task *t = ld->t;

	for (size_t i = 0; i < ld->npend; i++) {
		struct pending_input *p = &ld->pend[i];
		struct tttd_shape_inputs *sh = p->bench ? &t->bench_inputs[p->si]
							: &t->check_inputs[p->si];
		int b = tttd_task_buffer_index(t, p->name);

		ld->line = p->line;
		if (b < 0)
			return tttd_task_lerr(ld, "unknown buffer '%s' in shape setting", p->name);
		if (t->buf[b].role != TTTD_BUF_IN)
			return tttd_task_lerr(ld, "shape setting for '%s', which is not an 'in' buffer", p->name);
		for (int j = 0; j < p->ii; j++)
			if (sh->in[j].buf == b)
				return tttd_task_lerr(ld, "two shape settings for '%s'", p->name);
		sh->in[p->ii].buf = b;
	}
	return TTTD_OK;
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

static int
kw_buffer(struct loader *ld, char **w, int nw)
{
	static const char *const roles[] = { "in", "out", "scratch" };
	static const char *const dtypes[] = { "f32", "f64", "i32", "bf16", "f16" };
	struct tttd_task *t = ld->t;
	struct tttd_buffer b;
	size_t i;
	int r, role = -1, dtype = -1, dist = TTTD_DIST_NORMAL;
	double scale = -1;

	if (nw < 5 || nw > 7)
		return tttd_task_lerr(ld, "'buffer' takes name, role, dtype, count [dist [scale]], got %d "
					  "arguments",
				      nw - 1);
	if (!t->ndim)
		return tttd_task_lerr(ld, "'buffer' before 'dims'");
	if (!tttd_task_is_ident(w[1]))
		return tttd_task_lerr(ld, "bad buffer name '%s'", w[1]);
	if (tttd_task_buffer_index(t, w[1]) >= 0)
		return tttd_task_lerr(ld, "duplicate buffer '%s'", w[1]);
	for (i = 0; i < 3; i++)
		if (strcmp(w[2], roles[i]) == 0)
			role = (int)i;
	if (role < 0)
		return tttd_task_lerr(ld, "bad buffer role '%s' (in, out or scratch)", w[2]);
	for (i = 0; i < 5; i++)
		if (strcmp(w[3], dtypes[i]) == 0)
			dtype = (int)i;
	if (dtype < 0)
		return tttd_task_lerr(ld, "bad dtype '%s' (f32, f64, i32, bf16 or f16)", w[3]);
	if (nw >= 6) {
		dist = dist_index(w[5]);
		if (dist < 0)
			return tttd_task_lerr(ld, "bad distribution '%s' (normal, uniform, cauchy, mask01 or "
						  "const)",
					      w[5]);
		if (role != TTTD_BUF_IN)
			return tttd_task_lerr(ld, "a distribution is for 'in' buffers only");
	}
	if (nw == 7 && (!tttd_task_parse_double(w[6], &scale) || !scale_ok(dist, scale)))
		return tttd_task_lerr(ld, "bad scale '%s'", w[6]);
	memset(&b, 0, sizeof(b));
	r = tttd_task_parse_expr(ld, w[4], "buffer count", 1, 0, &b.count, NULL);
	if (r < 0)
		return r;
	b.name = xstrdup(w[1]);
	b.role = (enum tttd_buf_role)role;
	b.dtype = (enum tttd_dtype)dtype;
	b.count_text = xstrdup(w[4]);
	b.dist = (enum tttd_dist)dist;
	b.dist_scale = nw == 7 ? scale : dist_default_scale(dist);
	t->buf = xrealloc(t->buf, (t->nbuf + 1) * sizeof(*t->buf));
	t->buf[t->nbuf++] = b;
	return TTTD_OK;
}

static int
kw_tolerance(struct loader *ld, char **w, int nw)
{
	double rtol, atol;

	if (ld->seen_tolerance)
		return tttd_task_lerr(ld, "duplicate 'tolerance' (first at line %d)", ld->seen_tolerance);
	if (nw != 5 || strcmp(w[1], "rtol") || strcmp(w[3], "atol"))
		return tttd_task_lerr(ld, "'tolerance' takes: rtol <x> atol <y>");
	if (!tttd_task_parse_double(w[2], &rtol) || rtol < 0)
		return tttd_task_lerr(ld, "bad number '%s' for rtol", w[2]);
	if (!tttd_task_parse_double(w[4], &atol) || atol < 0)
		return tttd_task_lerr(ld, "bad number '%s' for atol", w[4]);
	ld->t->rtol = rtol;
	ld->t->atol = atol;
	ld->seen_tolerance = ld->line;
	return TTTD_OK;
}

static int
kw_reward(struct loader *ld, char **w, int nw)
{
	double v;

	if (ld->seen_reward)
		return tttd_task_lerr(ld, "duplicate 'reward' (first at line %d)", ld->seen_reward);
	if (nw != 2)
		return tttd_task_lerr(ld, "'reward' takes 1 argument, got %d", nw - 1);
	if (!tttd_task_parse_double(w[1], &v) || v <= 0)
		return tttd_task_lerr(ld, "bad number '%s' for reward scale", w[1]);
	ld->t->reward_scale = v;
	ld->seen_reward = ld->line;
	return TTTD_OK;
}

static int
kw_decision(struct loader *ld, char **w, int nw)
{
	struct tttd_task *t = ld->t;
	struct tttd_decision d;
	int i, j;

	if (nw < 2)
		return tttd_task_lerr(ld, "'decision' takes a name and its options");
	if (!tttd_task_is_ident(w[1]))
		return tttd_task_lerr(ld, "bad decision name '%s'", w[1]);
	if (tttd_task_decision_index(t, w[1]) >= 0)
		return tttd_task_lerr(ld, "duplicate decision '%s' (first at line %d)", w[1],
				      t->dec[tttd_task_decision_index(t, w[1])].line);
	if (tttd_task_dim_index(t, w[1]) >= 0)
		return tttd_task_lerr(ld, "decision '%s' has the name of a dim", w[1]);
	if (nw < 3)
		return tttd_task_lerr(ld, "empty domain for decision '%s'", w[1]);
	for (i = 2; i < nw; i++)
		for (j = 2; j < i; j++)
			if (strcmp(w[i], w[j]) == 0)
				return tttd_task_lerr(ld, "duplicate option '%s' in decision '%s'", w[i], w[1]);
	d.name = xstrdup(w[1]);
	d.nopt = (size_t)(nw - 2);
	d.opt = xmalloc(d.nopt * sizeof(*d.opt));
	for (i = 2; i < nw; i++)
		d.opt[i - 2] = xstrdup(w[i]);
	d.line = ld->line;
	t->dec = xrealloc(t->dec, (t->ndec + 1) * sizeof(*t->dec));
	t->dec[t->ndec++] = d;
	return TTTD_OK;
}

static int
kw_constraint(struct loader *ld, const char *rest)
{
	struct tttd_task *t = ld->t;
	struct tttd_constraint c;
	int r;

	if (!*rest)
		return tttd_task_lerr(ld, "'constraint' needs an expression");
	memset(&c, 0, sizeof(c));
	r = tttd_task_parse_expr(ld, rest, "constraint", 0, 1, &c.expr, &c.maxdec);
	if (r < 0)
		return r;
	c.text = xstrdup(rest);
	c.line = ld->line;
	t->con = xrealloc(t->con, (t->ncon + 1) * sizeof(*t->con));
	t->con[t->ncon++] = c;
	return TTTD_OK;
}

static int
kw_size_expr(struct loader *ld, struct tttd_expr **field, const char *kw, const char *rest)
{
	if (*field)
		return tttd_task_lerr(ld, "duplicate '%s'", kw);
	if (!*rest)
		return tttd_task_lerr(ld, "'%s' needs an expression", kw);
	if (!ld->t->ndim)
		return tttd_task_lerr(ld, "'%s' before 'dims'", kw);
	return tttd_task_parse_expr(ld, rest, kw, 1, 0, field, NULL);
}

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

/* Check and keep the path of a file named on the current line (reference or template; read in tttd_task_finish()). */
static int
kw_file(struct loader *ld, char **field, const char *kw, char **w, int nw)
{
	struct stat st;
	char *p;

	if (nw != 2)
		return tttd_task_lerr(ld, "'%s' takes 1 argument, got %d", kw, nw - 1);
	if (*field)
		return tttd_task_lerr(ld, "duplicate '%s'", kw);
	p = path_in(ld->t->dir, w[1]);
	if (stat(p, &st) < 0) {
		tttd_task_lerr(ld, "cannot open %s '%s':", kw, p);
		free(p);
		return TTTD_EFORMAT;
	}
	*field = p;
	return TTTD_OK;
}

static int
do_line(struct loader *ld, char *line)
{
	struct tttd_task *t = ld->t;
	char **w, *kw, *rest;
	size_t kwlen;
	int nw, r;

	while (isspace((unsigned char)*line))
		line++;
	kwlen = strcspn(line, " \t\r\n");
	rest = line + kwlen;
	while (isspace((unsigned char)*rest))
		rest++;
	kw = xstrndup(line, kwlen);

	/* Keywords whose argument is the rest of the line, as written. */
	r = 1;
	if (strcmp(kw, "about") == 0) {
		char *d = t->description ? xasprintf("%s\n%s", t->description, rest)
					 : xstrdup(rest);
		free(t->description);
		t->description = d;
		r = TTTD_OK;
	} else if (strcmp(kw, "cflags") == 0) {
		r = set_rest(ld, &t->cflags, kw, rest);
	} else if (strcmp(kw, "ref_cflags") == 0) {
		r = set_rest(ld, &t->ref_cflags, kw, rest);
	} else if (strcmp(kw, "constraint") == 0) {
		r = kw_constraint(ld, rest);
	} else if (strcmp(kw, "flops") == 0) {
		r = kw_size_expr(ld, &t->flops, kw, rest);
	} else if (strcmp(kw, "bytes") == 0) {
		r = kw_size_expr(ld, &t->bytes, kw, rest);
	} else if (strcmp(kw, "cost") == 0 || strcmp(kw, "ref_cost") == 0) {
		struct tttd_expr **f = kw[0] == 'c' ? &t->cost : &t->ref_cost;

		if (*f)
			r = tttd_task_lerr(ld, "duplicate '%s'", kw);
		else if (!*rest)
			r = tttd_task_lerr(ld, "'%s' needs an expression", kw);
		else /* over dims and the decisions declared above it */
			r = tttd_task_parse_expr(ld, rest, kw, 1, kw[0] == 'c', f, NULL);
	}
	if (r != 1) {
		free(kw);
		return r;
	}

	nw = tttd_task_split_words(line, &w);
	if (nw < 0) {
		r = tttd_task_lerr(ld, "unbalanced quote or parenthesis");
	} else if (strcmp(kw, "name") == 0) {
		r = set_string(ld, &t->name, kw, w, nw);
		if (r == TTTD_OK && !tttd_task_is_ident(t->name))
			r = tttd_task_lerr(ld, "bad task name '%s'", t->name);
	} else if (strcmp(kw, "target") == 0) {
		r = set_string(ld, &t->target, kw, w, nw);
		if (r == TTTD_OK && !tttd_target_find(t->target))
			r = tttd_task_lerr(ld, "bad target '%s' (cpu, cuda or model)", t->target);
	} else if (strcmp(kw, "entry") == 0 || strcmp(kw, "ref_entry") == 0) {
		char **f = kw[0] == 'e' ? &t->entry : &t->ref_entry;

		r = set_string(ld, f, kw, w, nw);
		if (r == TTTD_OK && !tttd_task_is_ident(*f))
			r = tttd_task_lerr(ld, "bad symbol name '%s'", *f);
	} else if (strcmp(kw, "baseline") == 0) {
		r = set_string(ld, &t->baseline, kw, w, nw);
	} else if (strcmp(kw, "reference") == 0) {
		r = kw_file(ld, &t->reference, kw, w, nw);
	} else if (strcmp(kw, "cpu_reference") == 0) {
		r = kw_file(ld, &t->cpu_reference, kw, w, nw);
	} else if (strcmp(kw, "template") == 0) {
		r = kw_file(ld, &t->template_path, kw, w, nw);
	} else if (strcmp(kw, "cost_table") == 0) {
		r = kw_file(ld, &t->cost_table_path, kw, w, nw);
	} else if (strcmp(kw, "lm_prompt") == 0) {
		r = kw_file(ld, &t->lm_prompt_path, kw, w, nw);
	} else if (strcmp(kw, "lm_start") == 0) {
		r = kw_file(ld, &t->lm_start_path, kw, w, nw);
	} else if (strcmp(kw, "lm_target") == 0) {
		char *end;

		if (nw != 2)
			r = tttd_task_lerr(ld, "'%s' takes 1 argument (microseconds), got %d", kw, nw - 1);
		else if (t->lm_target_us > 0)
			r = tttd_task_lerr(ld, "duplicate '%s'", kw);
		else if ((t->lm_target_us = strtod(w[1], &end)), *end || !(t->lm_target_us > 0) ||
									 !isfinite(t->lm_target_us))
			r = tttd_task_lerr(ld, "'%s': '%s' is not a positive number of microseconds", kw, w[1]);
		else
			r = TTTD_OK;
	} else if (strcmp(kw, "lm_sets") == 0) {
		if (t->lm_sets_line) {
			r = tttd_task_lerr(ld, "duplicate '%s'", kw);
		} else {
			t->lm_sets_line = ld->line;
			t->lm_sets_names = xcalloc((size_t)nw, sizeof(char *));
			for (int i = 1; i < nw; i++)
				t->lm_sets_names[t->nlm_sets++] = xstrdup(w[i]);
			r = TTTD_OK;
		}
	} else if (strcmp(kw, "lm_forbid") == 0) {
		if (nw < 2) {
			r = tttd_task_lerr(ld, "'%s' needs at least one word", kw);
		} else {
			for (int i = 1; i < nw; i++) {
				XGROW(t->lm_forbid, ld->lm_forbid_cap, t->nlm_forbid + 1);
				t->lm_forbid[t->nlm_forbid++] = xstrdup(w[i]);
			}
			r = TTTD_OK;
		}
	} else if (strcmp(kw, "dims") == 0) {
		r = kw_dims(ld, w, nw);
	} else if (strcmp(kw, "shape") == 0) {
		r = kw_shape(ld, w, nw);
	} else if (strcmp(kw, "buffer") == 0) {
		r = kw_buffer(ld, w, nw);
	} else if (strcmp(kw, "tolerance") == 0) {
		r = kw_tolerance(ld, w, nw);
	} else if (strcmp(kw, "reward") == 0) {
		r = kw_reward(ld, w, nw);
	} else if (strcmp(kw, "decision") == 0) {
		r = kw_decision(ld, w, nw);
	} else if (strcmp(kw, "launch") == 0) {
		r = tttd_task_kw_launch(ld, w, nw, &t->launch, &t->nlaunch);
	} else if (strcmp(kw, "ref_launch") == 0) {
		r = tttd_task_kw_launch(ld, w, nw, &t->ref_launch, &t->nref_launch);
	} else if (strcmp(kw, "tensormap") == 0) {
		r = tttd_task_kw_tensormap(ld, w, nw);
	} else if (strcmp(kw, "gemm") == 0) {
		r = tttd_task_kw_gemm(ld, w, nw, &t->launch, &t->nlaunch);
	} else if (strcmp(kw, "ref_gemm") == 0) {
		r = tttd_task_kw_gemm(ld, w, nw, &t->ref_launch, &t->nref_launch);
	} else {
		r = tttd_task_lerr(ld, "unknown keyword '%s'", kw);
	}
	tttd_task_free_words(w, nw);
	free(kw);
	return r;
}

/* ---- whole-task checks ------------------------------------------------ */

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

struct usedctx {
	const struct tttd_task *t;
	char *used; /* per decision: mentioned? */
};

static void
mark_dec(void *ctx, const char *name)
{
	struct usedctx *u = ctx;
	int d = tttd_task_decision_index(u->t, name);

	if (d >= 0)
		u->used[d] = 1;
}

/*
 * Can constraint c hold at all?  Enumerate the decisions it mentions (up to
 * ENUM_CAP combinations).  @return TTTD_OK or TTTD_EFORMAT at its line.
 */
static int
check_constraint(struct loader *ld, const struct tttd_constraint *c)
{
	struct tttd_task *t = ld->t;
	char *used = xcalloc(t->ndec ? t->ndec : 1, 1);
	struct usedctx u = { t, used };
	int *choice = xmalloc((t->ndec ? t->ndec : 1) * sizeof(int));
	long combos = 1, k;
	size_t d;
	int r = TTTD_OK, ok = 0;

	tttd_expr_names(c->expr, mark_dec, &u);
	for (d = 0; d < t->ndec; d++) {
		choice[d] = used[d] ? 0 : -1;
		if (used[d] && combos <= ENUM_CAP)
			combos *= (long)t->dec[d].nopt;
	}
	ld->line = c->line;
	if (combos > ENUM_CAP)
		goto out;
	for (k = 0; k < combos && !ok; k++) {
		struct tttd_error ee = { 0 };
		int h = tttd_task_con_holds(t, c, choice, t->ndec, &ee);

		if (h < 0) {
			r = tttd_task_lerr(ld, "%s in constraint", ee.msg);
			goto out;
		}
		ok = h;
		/* odometer over the used decisions */
		for (d = 0; d < t->ndec; d++) {
			if (!used[d])
				continue;
			if ((size_t)++choice[d] < t->dec[d].nopt)
				break;
			choice[d] = 0;
		}
	}
	if (!ok)
		r = tttd_task_lerr(ld, "no choice satisfies constraint '%s'", c->text);
out:
	free(used);
	free(choice);
	return r;
}

/* Depth-first search for one full feasible choice; @return 1, 0, or 2 (gave up). */
static int
dfs(const struct tttd_task *t, int *choice, size_t d, long *budget)
{
	size_t o;

	if (d == t->ndec)
		return 1;
	for (o = 0; o < t->dec[d].nopt; o++) {
		int r;

		if (--*budget < 0)
			return 2;
		choice[d] = (int)o;
		if (!tttd_task_feasible(t, choice, d + 1))
			continue;
		r = dfs(t, choice, d + 1, budget);
		if (r)
			return r;
	}
	choice[d] = -1;
	return 0;
}

/*
 * Every {{NAME}} in text must be a decision.  what names the text in
 * messages: the template's path (then lines count within it) or NULL for
 * the cflags line of the task file.
 */
static int
check_placeholders(struct loader *ld, const char *text, const char *what)
{
	const char *p = text, *q;
	int line = 1;

	while ((q = strstr(p, "{{")) != NULL) {
		const char *end = strstr(q + 2, "}}");
		char *name;

		for (; p < q; p++)
			line += *p == '\n';
		if (!end) {
			if (what)
				return tttd_error_set(ld->e, TTTD_EFORMAT, "%s:%d: unterminated '{{'",
						      what, line);
			return tttd_task_lerr(ld, "unterminated '{{'");
		}
		name = xstrndup(q + 2, (size_t)(end - q - 2));
		if (tttd_task_decision_index(ld->t, name) < 0) {
			int r;

			if (what)
				r = tttd_error_set(ld->e, TTTD_EFORMAT,
						   "%s:%d: unknown decision '%s' in '{{%s}}'", what,
						   line, name, name);
			else
				r = tttd_task_lerr(ld, "unknown decision '%s' in '{{%s}}'", name, name);
			free(name);
			return r;
		}
		free(name);
		p = end + 2;
	}
	return TTTD_OK;
}

/* A full choice's place in the dense cost table (mixed radix over the decisions' options). */
size_t
tttd_task_table_index(const struct tttd_task *t, const int *choice)
{
	size_t d, k = 0;

	for (d = 0; d < t->ndec; d++)
		k = k * t->dec[d].nopt + (size_t)choice[d];
	return k;
}

/* The largest cost table: 16 M choices of 8 bytes. */
#define COST_TABLE_MAX (1UL << 24)

/*
 * Read the cost table: '#' comments and blank lines aside, a header naming
 * every decision in task order and then time_ns, and one row per measured
 * choice: its options' texts and its time in ns (0 or less: failing).  Rows
 * that are missing leave their choice failing; a repeated row, an unknown
 * option, an infeasible choice or a bad time is an error naming the line.
 */
static int
load_cost_table(struct loader *ld)
{
	struct tttd_task *t = ld->t;
	const char *path = t->cost_table_path;
	char *text = NULL, *line, *next, **w = NULL;
	unsigned char *seen = NULL;
	size_t n = 1, d, k;
	int *choice = xmalloc((t->ndec + 1) * sizeof(int));
	int lineno = 0, header = 0, nw = 0, r = TTTD_OK;
	double v;

	if (tttd_read_file(path, &text, NULL) < 0) {
		free(choice);
		return tttd_task_lerr(ld, "cannot read cost_table '%s':", path);
	}
	for (d = 0; d < t->ndec && n <= COST_TABLE_MAX; d++)
		n *= t->dec[d].nopt;
	if (!t->ndec || n > COST_TABLE_MAX) {
		r = tttd_task_lerr(ld, "cost_table: the space has more than %lu choices", COST_TABLE_MAX);
		goto out;
	}
	t->cost_table = xcalloc(n, sizeof(double));
	t->cost_table_len = n;
	seen = xcalloc(n, 1);
#define TERR(...) (r = tttd_error_set(ld->e, TTTD_EFORMAT, "%s:%d: " \
							   "cost_table: " __VA_ARGS__))
	for (line = text; line && r == TTTD_OK; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		tttd_task_free_words(w, nw);
		w = NULL;
		line[strcspn(line, "#")] = '\0';
		nw = tttd_task_split_words(line, &w);
		if (nw == 0)
			continue;
		if (nw < 0) {
			TERR("unbalanced quote or parenthesis", path, lineno);
			break;
		}
		if ((size_t)nw != t->ndec + 1) {
			TERR("%d fields, expected %zu (the decisions and time_ns)", path, lineno, nw,
			     t->ndec + 1);
			break;
		}
		if (!header) {
			for (d = 0; d < t->ndec && r == TTTD_OK; d++)
				if (strcmp(w[d], t->dec[d].name))
					TERR("header field %zu is '%s', expected decision '%s'", path,
					     lineno, d + 1, w[d], t->dec[d].name);
			if (r == TTTD_OK && strcmp(w[t->ndec], "time_ns"))
				TERR("the header's last field must be time_ns", path, lineno);
			header = 1;
			continue;
		}
		for (d = 0; d < t->ndec; d++) {
			choice[d] = tttd_task_option_index(t, d, w[d]);
			if (choice[d] < 0)
				break;
		}
		if (d < t->ndec)
			TERR("no option '%s' for decision '%s'", path, lineno, w[d], t->dec[d].name);
		else if (!tttd_task_parse_double(w[t->ndec], &v))
			TERR("bad time '%s'", path, lineno, w[t->ndec]);
		else if (seen[k = tttd_task_table_index(t, choice)])
			TERR("this choice has a row already", path, lineno);
		else if (!tttd_task_feasible(t, choice, t->ndec))
			TERR("this choice breaks a constraint", path, lineno);
		else {
			seen[k] = 1;
			t->cost_table[k] = v > 0 ? v : 0;
		}
	}
	if (r == TTTD_OK && !header)
		TERR("no header line", path, lineno);
#undef TERR
out:
	tttd_task_free_words(w, nw);
	free(seen);
	free(choice);
	free(text);
	return r;
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
	if (!t->cost_table)
		return (double)tttd_task_eval(t, t->cost, s, choice);
	return t->cost_table[tttd_task_table_index(t, choice)];
}

int
tttd_task_finish(struct loader *ld, int nlines)
{
	struct tttd_task *t = ld->t;
	int *choice, r;
	long budget = DFS_CAP;
	size_t i, nout = 0;
	const char *why;

	ld->line = nlines;
	if (!t->target)
		t->target = xstrdup(TTTD_TARGET_DEFAULT);
	if (!t->entry)
		t->entry = xstrdup("tttd_kernel");
	if (!t->ref_entry)
		t->ref_entry = xstrdup("tttd_reference");
	if (!t->cflags)
		t->cflags = xstrdup("");
	if (!t->ref_cflags)
		t->ref_cflags = xstrdup("");
	/* What the target asks of its tasks (target.c), before the lines every task needs. */
	if ((why = tttd_target_of(t)->check_task(t)))
		return tttd_task_lerr(ld, "%s", why);
	if (!t->template_path)
		return tttd_task_lerr(ld, "no 'template' line");
	if (!t->ndim)
		return tttd_task_lerr(ld, "no 'dims' line");
	if (!t->ncheck)
		return tttd_task_lerr(ld, "no 'shape check' lines");
	if (!t->nbench)
		return tttd_task_lerr(ld, "no 'shape bench' lines");
	if (!t->nbuf)
		return tttd_task_lerr(ld, "no 'buffer' lines");
	for (i = 0; i < t->nbuf; i++)
		nout += t->buf[i].role == TTTD_BUF_OUT;
	if (!nout)
		return tttd_task_lerr(ld, "no 'out' buffer");
	if (!ld->seen_tolerance)
		return tttd_task_lerr(ld, "no 'tolerance' line");
	TTTD_TRY(tttd_task_resolve_inputs(ld));

	if (tttd_read_file(t->template_path, &t->template_text, NULL) < 0)
		return tttd_task_lerr(ld, "cannot read template '%s':", t->template_path);
	if (t->lm_prompt_path && tttd_read_file(t->lm_prompt_path, &t->lm_prompt, NULL) < 0)
		return tttd_task_lerr(ld, "cannot read lm_prompt '%s':", t->lm_prompt_path);
	if (t->lm_start_path && tttd_read_file(t->lm_start_path, &t->lm_start, NULL) < 0)
		return tttd_task_lerr(ld, "cannot read lm_start '%s':", t->lm_start_path);
	t->lm_settable = xcalloc(t->ndec + 1, 1);
	for (i = 0; i < t->ndec; i++)
		t->lm_settable[i] = !t->lm_sets_line;
	for (i = 0; i < t->nlm_sets; i++) {
		int d = tttd_task_decision_index(t, t->lm_sets_names[i]);

		if (d < 0) {
			ld->line = t->lm_sets_line;
			return tttd_task_lerr(ld, "'lm_sets': unknown decision '%s'", t->lm_sets_names[i]);
		}
		t->lm_settable[d] = 1;
	}
	TTTD_TRY(check_placeholders(ld, t->template_text, t->template_path));
	TTTD_TRY(check_placeholders(ld, t->cflags, NULL));

	for (i = 0; i < t->ncon; i++)
		TTTD_TRY(check_constraint(ld, &t->con[i]));
	if (t->cost_table_path)
		TTTD_TRY(load_cost_table(ld));
	/* Each constraint can hold; can they all hold together? */
	choice = xmalloc((t->ndec ? t->ndec : 1) * sizeof(int));
	for (i = 0; i < t->ndec; i++)
		choice[i] = -1;
	r = dfs(t, choice, 0, &budget);
	free(choice);
	if (r == 0) {
		ld->line = t->ncon ? t->con[t->ncon - 1].line : nlines;
		return tttd_task_lerr(ld, "no choice satisfies all constraints together");
	}
	return TTTD_OK;
}

/*
 * Resolve a name or path to the task's folder (newly allocated), or NULL.
 * A bare name is looked up in ./kernels, then beside the running tool:
 * <bin>/../share/tttd/kernels (installed under any prefix) and
 * <bin>/../kernels (a checkout's bin/).  Nothing is compiled in, so an
 * install under another prefix, or a moved one, finds its tasks.
 */
static char *
find_dir(const char *name)
{
	static const char *const beside[] = { "../share/tttd/kernels", "../kernels" };
	struct stat st;
	char *p, *bin;

	if (strchr(name, '/') || (stat(name, &st) == 0 && S_ISDIR(st.st_mode)))
		return xstrdup(name);
	p = xasprintf("kernels/%s", name);
	if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
		return p;
	free(p);
	if (!(bin = tttd_exe_dir()))
		return NULL;
	for (size_t i = 0; i < sizeof(beside) / sizeof(beside[0]); i++) {
		p = xasprintf("%s/%s/%s", bin, beside[i], name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			free(bin);
			return p;
		}
		free(p);
	}
	free(bin);
	return NULL;
}

int
tttd_task_load(struct tttd_task **out, const char *path_or_name, struct tttd_error *e)
{
	struct tttd_task *t;
	struct loader ld = { 0 };
	char *dir, *file = NULL, *line = NULL;
	size_t cap = 0, len;
	FILE *f = NULL;
	int r = TTTD_OK;

	*out = NULL;
	dir = find_dir(path_or_name);
	if (!dir)
		return tttd_error_set(e, TTTD_ENOENT,
				      "no task '%s' (not a folder, nor in ./kernels or the tasks beside the tools)",
				      path_or_name);
	/* "kernels/mm/" and "kernels/mm" name the same task. */
	len = strlen(dir);
	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
	t = xcalloc(1, sizeof(*t));
	t->dir = dir;
	t->reward_scale = 1000.0;
	file = xasprintf("%s/task", dir);
	f = fopen(file, "r");
	if (!f) {
		r = tttd_error_set(e, errno == ENOENT ? TTTD_ENOENT : TTTD_EIO,
				   "cannot open '%s':", file);
		goto out;
	}
	ld.t = t;
	ld.file = file;
	ld.e = e;
	while (getline(&line, &cap, f) >= 0) {
		char *p = line;

		ld.line++;
		len = strlen(p);
		while (len && (p[len - 1] == '\n' || p[len - 1] == '\r' || p[len - 1] == ' ' ||
			       p[len - 1] == '\t'))
			p[--len] = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		r = do_line(&ld, p);
		if (r < 0)
			goto out;
	}
	if (ferror(f)) {
		r = tttd_error_set(e, TTTD_EIO, "cannot read '%s':", file);
		goto out;
	}
	if (!t->name) {
		const char *b = strrchr(dir, '/');

		t->name = xstrdup(b ? b + 1 : dir);
	}
	r = tttd_task_finish(&ld, ld.line);
out:
	if (f)
		fclose(f);
	free(line);
	free(file);
	for (size_t i = 0; i < ld.npend; i++)
		free(ld.pend[i].name);
	free(ld.pend);
	if (r < 0) {
		tttd_task_free(t);
		return r;
	}
	*out = t;
	return TTTD_OK;
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

/* ---- queries ---------------------------------------------------------- */

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

/* Replace every {{NAME}} in text by the chosen option of NAME. */
static void
substitute(struct sbuf *b, const struct tttd_task *t, const int *choice, const char *text)
{
	const char *p = text, *q;

	while ((q = strstr(p, "{{")) != NULL) {
		const char *end = strstr(q + 2, "}}");
		char name[256];
		size_t n;
		int d;

		if (!end)
			break;
		n = (size_t)(end - q - 2);
		sb_add(b, p, (size_t)(q - p));
		if (n < sizeof(name)) {
			memcpy(name, q + 2, n);
			name[n] = '\0';
			d = tttd_task_decision_index(t, name);
		} else {
			d = -1;
		}
		/* Load checked the names; an unknown one is left as written. */
		if (d >= 0 && choice[d] >= 0 && (size_t)choice[d] < t->dec[d].nopt)
			sb_puts(b, t->dec[d].opt[choice[d]]);
		else
			sb_add(b, q, (size_t)(end + 2 - q));
		p = end + 2;
	}
	sb_puts(b, p);
}

static const char *
opt_text(const struct tttd_task *t, const int *choice, size_t d)
{
	if (choice[d] < 0 || (size_t)choice[d] >= t->dec[d].nopt)
		return "?";
	return t->dec[d].opt[choice[d]];
}

char *
tttd_task_render(const struct tttd_task *t, const int *choice)
{
	struct sbuf b = { 0 };
	size_t d;

	sb_puts(&b, "/* tttd: task ");
	sb_puts(&b, t->name);
	sb_puts(&b, ", decisions:");
	for (d = 0; d < t->ndec; d++) {
		sb_puts(&b, " ");
		sb_puts(&b, t->dec[d].name);
		sb_puts(&b, "=");
		sb_puts(&b, opt_text(t, choice, d));
	}
	sb_puts(&b, " */\n");
	for (d = 0; d < t->ndec; d++) {
		const char *o = opt_text(t, choice, d);

		sb_puts(&b, "#define ");
		sb_puts(&b, t->dec[d].name);
		if (*o) {
			sb_puts(&b, " ");
			sb_puts(&b, o);
		}
		sb_puts(&b, "\n");
		if (tttd_task_is_ident(o)) {
			sb_puts(&b, "#define ");
			sb_puts(&b, t->dec[d].name);
			sb_puts(&b, "_");
			sb_puts(&b, o);
			sb_puts(&b, " 1\n");
		}
	}
	substitute(&b, t, choice, t->template_text);
	return sb_take(&b);
}

char *
tttd_task_render_cflags(const struct tttd_task *t, const int *choice)
{
	struct sbuf b = { 0 };
	char *s, *r, *w;
	int space = 0;

	substitute(&b, t, choice, t->cflags);
	s = sb_take(&b);
	/* Empty options leave runs of blanks: collapse them, trim the ends. */
	for (r = w = s; *r; r++) {
		if (isspace((unsigned char)*r)) {
			space = w != s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = 0;
		*w++ = *r;
	}
	*w = '\0';
	return s;
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

void
tttd_task_candidate_rec(const struct tttd_task *t, const int *choice, int64_t step,
			const char *parent, const char *group, const void *pdec, size_t pdec_len,
			struct tttd_rec *out)
{
	char *source = tttd_task_render(t, choice);

	tttd_task_candidate_rec_src(t, choice, source, step, parent, group, pdec, pdec_len, out);
	free(source);
}

void
tttd_task_candidate_rec_src(const struct tttd_task *t, const int *choice, const char *source,
			    int64_t step, const char *parent, const char *group, const void *pdec,
			    size_t pdec_len, struct tttd_rec *out)
{
	const char **names = xmalloc((t->ndec + 1) * sizeof(char *));
	const char **texts = xmalloc((t->ndec + 1) * sizeof(char *));
	char id[33], *cflags = tttd_task_render_cflags(t, choice);
	size_t d;

	tttd_task_candidate_id(t, source, cflags, choice, id);
	for (d = 0; d < t->ndec; d++) {
		names[d] = t->dec[d].name;
		texts[d] = t->dec[d].opt[choice[d]];
	}
	tttd_rec_clear(out);
	tttd_rec_set_int(out, "v", TTTD_SCHEMA_VERSION);
	tttd_rec_set_str(out, "kind", "candidate");
	tttd_rec_set_str(out, "id", id);
	tttd_rec_set_str(out, "task", t->name);
	tttd_rec_set_str(out, "target", t->target);
	tttd_rec_set_int(out, "step", step);
	tttd_rec_set_str(out, "parent", parent);
	tttd_rec_set_str(out, "group", group);
	tttd_rec_set_strmap(out, "decisions", names, texts, t->ndec);
	if (pdec)
		tttd_rec_set_raw(out, "parent_decisions", pdec, pdec_len);
	else
		tttd_rec_set_strmap(out, "parent_decisions", NULL, NULL, 0);
	tttd_rec_set_str(out, "source", source);
	tttd_rec_set_str(out, "cflags", cflags);
	free(cflags);
	free(names);
	free(texts);
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

void
tttd_task_candidate_id(const struct tttd_task *t, const char *source, const char *cflags,
		       const int *choice, char id[33])
{
	struct tttd_sha256 s;
	size_t d;

	tttd_sha256_init(&s);
	tttd_sha256_field(&s, t->name);
	tttd_sha256_field(&s, t->target);
	tttd_sha256_field(&s, cflags);
	tttd_sha256_field(&s, source);
	for (d = 0; d < t->ndec; d++) {
		char *kv = xasprintf("%s=%s", t->dec[d].name, t->dec[d].opt[choice[d]]);

		tttd_sha256_field(&s, kv);
		free(kv);
	}
	tttd_sha256_id(&s, id);
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
