/*
 * task_load.c - read a task folder's "task" file line by line into a
 * struct tttd_task (docs/task-format.md): the word splitter, expressions
 * checked for the names they may mention, and one function per keyword.
 * A CUDA task's plan lines are task_plan.c's; the checks that need the
 * whole file, and reading the files it names, are task_check.c's.
 *
 * Everything a task author can get wrong is caught at load time and named by
 * file and line: unknown keywords and names, bad numbers, duplicates, empty
 * domains, missing files, {{NAME}}s in the template that are no decision,
 * constraints no choice can satisfy.  After a successful load, the policy
 * and the tools can trust the task.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "expr.h"
#include "target.h" /* defines: tttd_target_find, tttd_target_of */
#include "task.h"
#include "task_int.h"

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
