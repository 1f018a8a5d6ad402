/*
 * expr.h - small integer expressions for task files: constraints between
 * decisions, buffer sizes and FLOP/byte counts in terms of dims.
 *
 * Grammar (C precedence): ?: || && == != < <= > >= + - * / % unary - ! ( )
 * integer literals, identifiers, and "quoted strings" (only for == and !=
 * against an identifier whose value is a string).  Arithmetic is int64;
 * division by zero evaluates to 0 and makes the expression false.
 *
 * Nesting is bounded: parentheses, unary operators and ?: may nest at most
 * TTTD_EXPR_MAX_DEPTH deep, and the tree (a chain "a+b+c..." included) may
 * be at most that high, so that parsing, evaluating and freeing, which
 * recurse, never overflow the stack on hostile input.
 */
#ifndef TTTD_EXPR_H
#define TTTD_EXPR_H

#include <stdint.h>

#include "tttd.h"

struct tttd_expr;

#define TTTD_EXPR_MAX_DEPTH 256

/*
 * Parse text.  @return TTTD_OK or TTTD_EFORMAT with a message naming the
 * column ("col 7: expected ')'").
 */
int tttd_expr_parse(struct tttd_expr **out, const char *text, struct tttd_error *e);
void tttd_expr_free(struct tttd_expr *x);

/*
 * The value of an identifier: either a number or a string.  lookup returns
 * 1 and fills *num or *str; 0 if the name is unknown (then the evaluation
 * fails).
 */
typedef int (*tttd_expr_lookup)(void *ctx, const char *name, int64_t *num, const char **str);

/* @return TTTD_OK with *out set, or TTTD_EINVAL (unknown name, type error). */
int tttd_expr_eval(const struct tttd_expr *x, tttd_expr_lookup lookup, void *ctx, int64_t *out,
		   struct tttd_error *e);

/* Call fn for every identifier the expression mentions. */
void tttd_expr_names(const struct tttd_expr *x, void (*fn)(void *ctx, const char *name), void *ctx);

#endif
