/*
 * expr.c - parse and evaluate the small integer expressions of task files.
 *
 * A recursive-descent parser builds a tree; evaluation walks it with a
 * caller-supplied name lookup.  Values are int64 or strings; strings exist
 * only so that a decision whose options are words ("ikj") can be compared
 * with == and != against a "quoted" literal.  Arithmetic wraps like
 * unsigned (no undefined behaviour on overflow); a division or remainder by
 * zero makes the whole expression evaluate to 0 (false), because a
 * constraint or size that divides by zero describes no valid kernel.
 *
 * This module knows nothing about tasks, dims or decisions.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define DEPTH_TEXT STRINGIFY(TTTD_EXPR_MAX_DEPTH)

/* clang-format off */
enum kind { K_NUM, K_NAME, K_STR, K_UNARY, K_BINARY, K_TERNARY };
/* clang-format on */

/* Binary and unary operators; two-character ones get their own codes. */
enum op {
	/* clang-format off */
	OP_NEG = 1, OP_NOT, OP_PLUS,
	OP_MUL, OP_DIV, OP_MOD, OP_ADD, OP_SUB,
	OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
	OP_AND, OP_OR,
	/* clang-format on */
};

struct tttd_expr {
	enum kind kind;
	enum op op;
	int64_t num;
	char *str; /* K_NAME, K_STR */
	struct tttd_expr *a, *b, *c;
	int col;    /* 1-based column where the node starts */
	int height; /* 1 for a leaf; bounded by TTTD_EXPR_MAX_DEPTH */
};

struct parser {
	const char *s;
	size_t pos;
	struct tttd_error *e;
	int err;
	int depth; /* parse_ternary and parse_unary calls in progress */
};

static struct tttd_expr *parse_ternary(struct parser *p);
static struct tttd_expr *fail(struct parser *p, size_t pos, const char *what);

static struct tttd_expr *
node(enum kind k, int col)
{
	struct tttd_expr *x = xcalloc(1, sizeof(*x));

	x->kind = k;
	x->col = col;
	x->height = 1;
	return x;
}

static int
height_of(const struct tttd_expr *x)
{
	return x ? x->height : 0;
}

/*
 * Give x the height its children make, or fail (and free x) when that
 * exceeds the limit: evaluation and freeing recurse along the tree, so a
 * long chain "1+1+...+1" would overflow the stack as surely as deep
 * parentheses.
 */
static struct tttd_expr *
grown(struct parser *p, struct tttd_expr *x)
{
	int h = height_of(x->a);

	if (height_of(x->b) > h)
		h = height_of(x->b);
	if (height_of(x->c) > h)
		h = height_of(x->c);
	x->height = h + 1;
	if (x->height > TTTD_EXPR_MAX_DEPTH) {
		size_t at = (size_t)x->col - 1;

		tttd_expr_free(x);
		return fail(p, at, "expression nested too deeply (more than " DEPTH_TEXT " levels)");
	}
	return x;
}

/* Count one level of parser recursion; 0 (after failing) past the limit. */
static int
enter(struct parser *p)
{
	if (++p->depth > TTTD_EXPR_MAX_DEPTH) {
		fail(p, p->pos, "expression nested too deeply (more than " DEPTH_TEXT " levels)");
		return 0;
	}
	return 1;
}

void
tttd_expr_free(struct tttd_expr *x)
{
	if (!x)
		return;
	tttd_expr_free(x->a);
	tttd_expr_free(x->b);
	tttd_expr_free(x->c);
	free(x->str);
	free(x);
}

static void
skip_space(struct parser *p)
{
	while (p->s[p->pos] && isspace((unsigned char)p->s[p->pos]))
		p->pos++;
}

/* Record the first error only; later ones are consequences of it. */
static struct tttd_expr *
fail(struct parser *p, size_t pos, const char *what)
{
	if (!p->err) {
		if (p->s[pos])
			tttd_error_set(p->e, TTTD_EFORMAT, "col %zu: %s", pos + 1, what);
		else
			tttd_error_set(p->e, TTTD_EFORMAT, "col %zu: %s at end of expression",
				       pos + 1, what);
		p->err = TTTD_EFORMAT;
	}
	return NULL;
}

/* Does the input continue with the operator tok (and not a longer one)? */
static int
accept(struct parser *p, const char *tok)
{
	size_t n = strlen(tok);

	skip_space(p);
	if (strncmp(p->s + p->pos, tok, n) != 0)
		return 0;
	/* "<" must not match "<=", "=" alone is not an operator, "!" not "!=". */
	if (n == 1 && strchr("<>!", tok[0]) && p->s[p->pos + 1] == '=')
		return 0;
	p->pos += n;
	return 1;
}

static struct tttd_expr *
parse_primary(struct parser *p)
{
	struct tttd_expr *x;
	size_t start;
	const char *s = p->s;

	skip_space(p);
	start = p->pos;
	if (isdigit((unsigned char)s[start])) {
		char *end;
		unsigned long long v;

		errno = 0;
		v = strtoull(s + start, &end, 0);
		if (errno || v > INT64_MAX)
			return fail(p, start, "number out of range");
		if (isalnum((unsigned char)*end) || *end == '_')
			return fail(p, start, "bad number");
		x = node(K_NUM, (int)start + 1);
		x->num = (int64_t)v;
		p->pos = (size_t)(end - s);
		return x;
	}
	if (isalpha((unsigned char)s[start]) || s[start] == '_') {
		size_t n = 0;

		while (isalnum((unsigned char)s[start + n]) || s[start + n] == '_')
			n++;
		x = node(K_NAME, (int)start + 1);
		x->str = xstrndup(s + start, n);
		p->pos += n;
		return x;
	}
	if (s[start] == '"') {
		const char *q = strchr(s + start + 1, '"');

		if (!q)
			return fail(p, start, "unterminated string");
		x = node(K_STR, (int)start + 1);
		x->str = xstrndup(s + start + 1, (size_t)(q - (s + start + 1)));
		p->pos = (size_t)(q - s) + 1;
		return x;
	}
	if (s[start] == '(') {
		p->pos++;
		x = parse_ternary(p);
		if (!x)
			return NULL;
		if (!accept(p, ")")) {
			tttd_expr_free(x);
			return fail(p, p->pos, "expected ')'");
		}
		return x;
	}
	if (!s[start])
		return fail(p, start, "expected a value");
	return fail(p, start, "unexpected character");
}

static struct tttd_expr *
parse_unary(struct parser *p)
{
	static const struct {
		const char *tok;
		enum op op;
	} ops[] = {
		{ "-", OP_NEG },
		{ "!", OP_NOT },
		{ "+", OP_PLUS },
	};
	size_t i;

	skip_space(p);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t at = p->pos;

		if (accept(p, ops[i].tok)) {
			struct tttd_expr *x, *a;

			if (!enter(p))
				return NULL;
			a = parse_unary(p);
			p->depth--;
			if (!a)
				return NULL;
			x = node(K_UNARY, (int)at + 1);
			x->op = ops[i].op;
			x->a = a;
			return grown(p, x);
		}
	}
	return parse_primary(p);
}

/*
 * One table drives every binary precedence level, lowest first; each level
 * is left-associative, as in C.
 */
struct binop {
	const char *tok;
	enum op op;
};
static const struct binop lv_or[] = { { "||", OP_OR }, { NULL, 0 } };
static const struct binop lv_and[] = { { "&&", OP_AND }, { NULL, 0 } };
static const struct binop lv_eq[] = { { "==", OP_EQ }, { "!=", OP_NE }, { NULL, 0 } };
static const struct binop lv_rel[] = {
	{ "<=", OP_LE }, { ">=", OP_GE }, { "<", OP_LT }, { ">", OP_GT }, { NULL, 0 }
};
static const struct binop lv_add[] = { { "+", OP_ADD }, { "-", OP_SUB }, { NULL, 0 } };
static const struct binop lv_mul[] = {
	{ "*", OP_MUL }, { "/", OP_DIV }, { "%", OP_MOD }, { NULL, 0 }
};
static const struct binop *const levels[] = { lv_or, lv_and, lv_eq, lv_rel, lv_add, lv_mul };
#define NLEVELS (sizeof(levels) / sizeof(levels[0]))

static struct tttd_expr *
parse_level(struct parser *p, size_t lv)
{
	struct tttd_expr *x;

	if (lv == NLEVELS)
		return parse_unary(p);
	x = parse_level(p, lv + 1);
	while (x) {
		const struct binop *b;
		struct tttd_expr *y, *rhs;
		size_t at;

		skip_space(p);
		at = p->pos;
		for (b = levels[lv]; b->tok; b++) {
			/* "&" alone or "|" alone are not operators here. */
			if (accept(p, b->tok))
				break;
		}
		if (!b->tok)
			break;
		rhs = parse_level(p, lv + 1);
		if (!rhs) {
			tttd_expr_free(x);
			return NULL;
		}
		y = node(K_BINARY, (int)at + 1);
		y->op = b->op;
		y->a = x;
		y->b = rhs;
		x = grown(p, y);
	}
	return x;
}

static struct tttd_expr *parse_ternary_in(struct parser *p);

/* Every nesting (parentheses, ?:) passes here: one depth level each. */
static struct tttd_expr *
parse_ternary(struct parser *p)
{
	struct tttd_expr *x;

	if (!enter(p))
		return NULL;
	x = parse_ternary_in(p);
	p->depth--;
	return x;
}

static struct tttd_expr *
parse_ternary_in(struct parser *p)
{
	struct tttd_expr *x, *t, *f, *c;
	size_t at;

	c = parse_level(p, 0);
	if (!c)
		return NULL;
	skip_space(p);
	at = p->pos;
	if (!accept(p, "?"))
		return c;
	t = parse_ternary(p);
	if (!t) {
		tttd_expr_free(c);
		return NULL;
	}
	if (!accept(p, ":")) {
		tttd_expr_free(c);
		tttd_expr_free(t);
		return fail(p, p->pos, "expected ':'");
	}
	f = parse_ternary(p);
	if (!f) {
		tttd_expr_free(c);
		tttd_expr_free(t);
		return NULL;
	}
	x = node(K_TERNARY, (int)at + 1);
	x->a = c;
	x->b = t;
	x->c = f;
	return grown(p, x);
}

int
tttd_expr_parse(struct tttd_expr **out, const char *text, struct tttd_error *e)
{
	struct parser p = { text, 0, e, 0, 0 };
	struct tttd_expr *x;

	*out = NULL;
	x = parse_ternary(&p);
	if (!x)
		return p.err ? p.err : tttd_error_set(e, TTTD_EFORMAT, "col 1: empty expression");
	skip_space(&p);
	if (text[p.pos]) {
		tttd_expr_free(x);
		fail(&p, p.pos, "unexpected text after expression");
		return p.err;
	}
	*out = x;
	return TTTD_OK;
}

/* A value during evaluation: a number, or a borrowed string. */
struct val {
	int64_t num;
	const char *str; /* non-NULL: a string value */
};

struct evalctx {
	tttd_expr_lookup lookup;
	void *ctx;
	struct tttd_error *e;
	int divzero;
};

static int eval(const struct tttd_expr *x, struct evalctx *c, struct val *v);

static int
eval_num(const struct tttd_expr *x, struct evalctx *c, int64_t *out)
{
	struct val v;

	TTTD_TRY(eval(x, c, &v));
	if (v.str)
		return tttd_error_set(c->e, TTTD_EINVAL,
				      "col %d: string \"%s\" used as a number", x->col, v.str);
	*out = v.num;
	return TTTD_OK;
}

/* Wrapping arithmetic: overflow is not undefined behaviour here. */
static int64_t
wrap(uint64_t u)
{
	int64_t r;

	memcpy(&r, &u, sizeof(r));
	return r;
}

static int
eval_equal(const struct tttd_expr *x, struct evalctx *c, int *eq)
{
	struct val a, b;
	char buf[32];

	TTTD_TRY(eval(x->a, c, &a));
	TTTD_TRY(eval(x->b, c, &b));
	if (!a.str && !b.str) {
		*eq = a.num == b.num;
		return TTTD_OK;
	}
	/* A number meets a string: compare its decimal text, so that a
	 * numeric option can still be written "16". */
	if (!a.str) {
		snprintf(buf, sizeof(buf), "%lld", (long long)a.num);
		a.str = buf;
	} else if (!b.str) {
		snprintf(buf, sizeof(buf), "%lld", (long long)b.num);
		b.str = buf;
	}
	*eq = strcmp(a.str, b.str) == 0;
	return TTTD_OK;
}

static int
eval(const struct tttd_expr *x, struct evalctx *c, struct val *v)
{
	int64_t a, b;
	int eq;

	v->str = NULL;
	v->num = 0;
	switch (x->kind) {
	case K_NUM:
		v->num = x->num;
		return TTTD_OK;
	case K_STR:
		v->str = x->str;
		return TTTD_OK;
	case K_NAME:
		if (!c->lookup || !c->lookup(c->ctx, x->str, &v->num, &v->str))
			return tttd_error_set(c->e, TTTD_EINVAL, "col %d: unknown name '%s'", x->col,
					      x->str);
		return TTTD_OK;
	case K_UNARY:
		TTTD_TRY(eval_num(x->a, c, &a));
		v->num = x->op == OP_NEG ? wrap(0 - (uint64_t)a) : x->op == OP_NOT ? !a
										   : a;
		return TTTD_OK;
	case K_TERNARY:
		TTTD_TRY(eval_num(x->a, c, &a));
		return eval(a ? x->b : x->c, c, v);
	case K_BINARY:
		break;
	}
	switch (x->op) {
	case OP_EQ:
	case OP_NE:
		TTTD_TRY(eval_equal(x, c, &eq));
		v->num = x->op == OP_EQ ? eq : !eq;
		return TTTD_OK;
	case OP_AND:
	case OP_OR:
		/* Short-circuit, as in C: the right side may be undecidable. */
		TTTD_TRY(eval_num(x->a, c, &a));
		if (x->op == OP_AND ? !a : !!a) {
			v->num = x->op == OP_OR;
			return TTTD_OK;
		}
		TTTD_TRY(eval_num(x->b, c, &b));
		v->num = !!b;
		return TTTD_OK;
	default:
		break;
	}
	TTTD_TRY(eval_num(x->a, c, &a));
	TTTD_TRY(eval_num(x->b, c, &b));
	switch (x->op) {
	case OP_MUL: v->num = wrap((uint64_t)a * (uint64_t)b); break;
	case OP_ADD: v->num = wrap((uint64_t)a + (uint64_t)b); break;
	case OP_SUB: v->num = wrap((uint64_t)a - (uint64_t)b); break;
	case OP_DIV:
	case OP_MOD:
		if (b == 0) {
			c->divzero = 1;
			v->num = 0;
		} else if (b == -1) {
			/* INT64_MIN / -1 traps on x86. */
			v->num = x->op == OP_DIV ? wrap(0 - (uint64_t)a) : 0;
		} else {
			v->num = x->op == OP_DIV ? a / b : a % b;
		}
		break;
	case OP_LT: v->num = a < b; break;
	case OP_LE: v->num = a <= b; break;
	case OP_GT: v->num = a > b; break;
	case OP_GE: v->num = a >= b; break;
	default: BUG("bad binary operator");
	}
	return TTTD_OK;
}

int
tttd_expr_eval(const struct tttd_expr *x, tttd_expr_lookup lookup, void *ctx, int64_t *out,
	       struct tttd_error *e)
{
	struct evalctx c = { lookup, ctx, e, 0 };
	struct val v;

	*out = 0;
	TTTD_TRY(eval(x, &c, &v));
	if (v.str)
		return tttd_error_set(e, TTTD_EINVAL, "expression has a string value \"%s\"",
				      v.str);
	*out = c.divzero ? 0 : v.num;
	return TTTD_OK;
}

void
tttd_expr_names(const struct tttd_expr *x, void (*fn)(void *ctx, const char *name), void *ctx)
{
	if (!x)
		return;
	if (x->kind == K_NAME)
		fn(ctx, x->str);
	tttd_expr_names(x->a, fn, ctx);
	tttd_expr_names(x->b, fn, ctx);
	tttd_expr_names(x->c, fn, ctx);
}
