/*
 * test_expr.c - lib/tasks/expr.c: precedence, associativity, ternary, strings,
 * short-circuit, division by zero, unknown names, parse errors with columns.
 */
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "test.h"

/* Names for the tests: A=6 B=4 Z=0 LOOP="ikj" BIG=2^62. */
static int
lookup(void *ctx, const char *name, int64_t *num, const char **str)
{
	(void)ctx;
	if (strcmp(name, "A") == 0)
		*num = 6;
	else if (strcmp(name, "B") == 0)
		*num = 4;
	else if (strcmp(name, "Z") == 0)
		*num = 0;
	else if (strcmp(name, "BIG") == 0)
		*num = (int64_t)1 << 62;
	else if (strcmp(name, "LOOP") == 0)
		*str = "ikj";
	else
		return 0;
	return 1;
}

/* Parse and evaluate; @return the value, or -999 on any error (msg in *e). */
static int64_t
ev(const char *s, struct tttd_error *e)
{
	struct tttd_expr *x;
	int64_t v;
	int r;

	memset(e, 0, sizeof(*e));
	if (tttd_expr_parse(&x, s, e) < 0)
		return -999;
	r = tttd_expr_eval(x, lookup, NULL, &v, e);
	tttd_expr_free(x);
	return r < 0 ? -999 : v;
}

static void
count_name(void *ctx, const char *name)
{
	(void)name;
	(*(int *)ctx)++;
}

int
main(void)
{
	struct tttd_error e;
	struct tttd_expr *x;
	int n;

	T_CHECK("mul before add", ev("1 + 2 * 3", &e) == 7);
	T_CHECK("parentheses", ev("(1 + 2) * 3", &e) == 9);
	T_CHECK("sub is left-assoc", ev("10 - 3 - 2", &e) == 5);
	T_CHECK("div is left-assoc", ev("64 / 4 / 2", &e) == 8);
	T_CHECK("mod", ev("17 % 5", &e) == 2);
	T_CHECK("unary minus binds tighter", ev("-2 * 3", &e) == -6);
	T_CHECK("double negation", ev("- -4", &e) == 4);
	T_CHECK("not", ev("!0 + !5", &e) == 1);
	T_CHECK("relational before equality", ev("1 < 2 == 1", &e) == 1);
	T_CHECK("<= and >=", ev("(3 <= 3) + (2 >= 3)", &e) == 1);
	T_CHECK("and before or", ev("1 || 0 && 0", &e) == 1);
	T_CHECK("comparison before and", ev("A > 5 && B < 5", &e) == 1);
	T_CHECK("names", ev("A * B", &e) == 24);
	T_CHECK("hex literal", ev("0x10", &e) == 16);
	T_CHECK("int64 arithmetic", ev("BIG / 1024 / 1024", &e) == (int64_t)1 << 42);
	T_CHECK("overflow wraps instead of trapping", ev("BIG * 4", &e) == 0);

	T_CHECK("ternary true", ev("A > B ? 10 : 20", &e) == 10);
	T_CHECK("ternary false", ev("A < B ? 10 : 20", &e) == 20);
	T_CHECK("ternary right-assoc", ev("0 ? 1 : 0 ? 2 : 3", &e) == 3);
	T_CHECK("ternary lowest precedence", ev("1 ? 2 : 3 + 4", &e) == 2);

	T_CHECK("string equal", ev("LOOP == \"ikj\"", &e) == 1);
	T_CHECK("string not equal", ev("LOOP != \"ijk\"", &e) == 1);
	T_CHECK("string on the left", ev("\"ijk\" == LOOP", &e) == 0);
	T_CHECK("number against string text", ev("A == \"6\"", &e) == 1);
	T_CHECK("string in arithmetic is an error", ev("LOOP + 1", &e) == -999);
	T_CHECK("error is EINVAL", e.code == TTTD_EINVAL);
	T_CHECK("string value as a result is an error", ev("LOOP", &e) == -999);

	T_CHECK("division by zero makes it 0", ev("A / Z", &e) == 0);
	T_CHECK("division by zero makes a comparison false", ev("A / Z + 10 > 5", &e) == 0);
	T_CHECK("modulo by zero too", ev("1 + A % Z", &e) == 0);
	T_CHECK("INT64_MIN / -1 does not trap", ev("(-BIG - BIG) / -1 < 0", &e) == 1);

	T_CHECK("unknown name fails", ev("A + Q", &e) == -999);
	T_CHECK("unknown name is named", strstr(e.msg, "'Q'") != NULL);
	T_CHECK("and short-circuits unknowns", ev("0 && Q", &e) == 0);
	T_CHECK("or short-circuits unknowns", ev("1 || Q", &e) == 1);
	T_CHECK("ternary evaluates one branch", ev("1 ? 5 : Q", &e) == 5);

	ev("1 + * 2", &e);
	T_CHECK("parse error is EFORMAT", e.code == TTTD_EFORMAT);
	T_CHECK("parse error names the column", strncmp(e.msg, "col 5:", 6) == 0);
	ev("(1 + 2", &e);
	T_CHECK("missing paren", strstr(e.msg, "col 7: expected ')'") != NULL);
	ev("1 ? 2", &e);
	T_CHECK("missing colon", strstr(e.msg, "expected ':'") != NULL);
	ev("A = 2", &e);
	T_CHECK("single = is rejected at its column", strncmp(e.msg, "col 3:", 6) == 0);
	ev("2 3", &e);
	T_CHECK("trailing text", strncmp(e.msg, "col 3:", 6) == 0);
	ev("\"abc", &e);
	T_CHECK("unterminated string", strstr(e.msg, "unterminated") != NULL);
	ev("12ab", &e);
	T_CHECK("bad number", strstr(e.msg, "bad number") != NULL);
	ev("", &e);
	T_CHECK("empty expression", e.code == TTTD_EFORMAT);
	ev("99999999999999999999", &e);
	T_CHECK("number out of range", strstr(e.msg, "out of range") != NULL);
	ev("a & b", &e);
	T_CHECK("single & is not an operator", e.code == TTTD_EFORMAT);

	/* Hostile nesting is an error, not a stack overflow (20,000 levels of
	 * parentheses crashed every tool that loads a task). */
	{
		size_t k, deep = 20000;
		char *buf = malloc(4 * deep + 8);

		for (k = 0; k < deep; k++)
			buf[k] = '(';
		buf[deep] = '1';
		for (k = 0; k < deep; k++)
			buf[deep + 1 + k] = ')';
		buf[2 * deep + 1] = '\0';
		T_CHECK("20,000 parentheses are refused", ev(buf, &e) == -999 &&
								  e.code == TTTD_EFORMAT && strstr(e.msg, "nested too deeply") != NULL);
		for (k = 0; k < deep; k++)
			buf[k] = '-';
		buf[deep] = '1';
		buf[deep + 1] = '\0';
		T_CHECK("20,000 unary minuses are refused",
			ev(buf, &e) == -999 && strstr(e.msg, "nested too deeply") != NULL);
		/* A flat chain builds a tree as high as it is long. */
		for (k = 0; k < 2 * deep; k += 2) {
			buf[k] = '1';
			buf[k + 1] = '+';
		}
		buf[2 * deep - 1] = '\0';
		T_CHECK("a chain of 20,000 additions is refused",
			ev(buf, &e) == -999 && strstr(e.msg, "nested too deeply") != NULL);
		/* "1?1:1?1:...1": the else branches nest. */
		for (k = 0; k < 4 * deep; k += 4)
			memcpy(buf + k, "1?1:", 4);
		strcpy(buf + 4 * deep, "1");
		T_CHECK("20,000 nested ?: are refused",
			ev(buf, &e) == -999 && strstr(e.msg, "nested too deeply") != NULL);
		free(buf);
		/* Nesting just under the limit still parses. */
		buf = malloc(2 * TTTD_EXPR_MAX_DEPTH + 8);
		for (k = 0; k + 1 < TTTD_EXPR_MAX_DEPTH; k++)
			buf[k] = '(';
		buf[k] = '7';
		for (size_t j = 0; j < k; j++)
			buf[k + 1 + j] = ')';
		buf[2 * k + 1] = '\0';
		T_CHECK("nesting up to the limit still parses", ev(buf, &e) == 7);
		free(buf);
	}

	n = 0;
	T_CHECK("parse for names", tttd_expr_parse(&x, "A * (B + A) ? LOOP == \"x\" : C", &e) == 0);
	tttd_expr_names(x, count_name, &n);
	T_CHECK("names visits every identifier", n == 5);
	tttd_expr_free(x);
	tttd_expr_free(NULL);
	return T_DONE();
}
