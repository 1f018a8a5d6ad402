/*
 * task_check.c - what a task file must satisfy once every line is read:
 * defaults, the target's own checks (target.c), required lines, every
 * {{NAME}} of the template and flags a decision, every constraint
 * satisfiable and the space not empty, a model task's cost table read; and
 * the reference and template read.  Errors name the file and the line.
 */
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "target.h" /* defines: tttd_target_find, tttd_target_of */
#include "task.h"
#include "task_int.h"

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

/*
 * The largest cost table: 16 M rows.  The space itself may be far larger
 * (the rows are kept sparse, sorted by their choice's index), up to 2^62
 * choices so that the mixed-radix index fits.
 */
#define COST_TABLE_MAX (1UL << 24)
#define COST_SPACE_MAX (1ULL << 62)

struct table_row {
	uint64_t key;
	double v;
	int line;
};

static int
row_cmp(const void *a, const void *b)
{
	const struct table_row *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

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
	struct table_row *rows = NULL;
	size_t nrows = 0, cap = 0, d, i;
	uint64_t n = 1;
	int *choice = xmalloc((t->ndec + 1) * sizeof(int));
	int lineno = 0, header = 0, nw = 0, dup = 0, r = TTTD_OK;
	double v;

	if (tttd_read_file(path, &text, NULL) < 0) {
		free(choice);
		return tttd_task_lerr(ld, "cannot read cost_table '%s':", path);
	}
	for (d = 0; d < t->ndec && n <= COST_SPACE_MAX; d++)
		n = t->dec[d].nopt > COST_SPACE_MAX / n ? COST_SPACE_MAX + 1 : n * t->dec[d].nopt;
	if (!t->ndec || n > COST_SPACE_MAX) {
		r = tttd_task_lerr(ld, "cost_table: the space has more than %llu choices",
				   (unsigned long long)COST_SPACE_MAX);
		goto out;
	}
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
		else if (!tttd_task_feasible(t, choice, t->ndec))
			TERR("this choice breaks a constraint", path, lineno);
		else if (nrows == COST_TABLE_MAX)
			TERR("more than %lu rows", path, lineno, COST_TABLE_MAX);
		else {
			if (nrows == cap) {
				cap = cap ? 2 * cap : 256;
				rows = xrealloc(rows, cap * sizeof(*rows));
			}
			rows[nrows].key = tttd_task_table_index(t, choice);
			rows[nrows].v = v > 0 ? v : 0;
			rows[nrows++].line = lineno;
		}
	}
	if (r == TTTD_OK && !header)
		TERR("no header line", path, lineno);
	if (r == TTTD_OK) {
		/* sorted by choice, then line: a repeat is the later of two equal keys */
		if (nrows)
			qsort(rows, nrows, sizeof(*rows), row_cmp);
		for (i = 1; i < nrows; i++)
			if (rows[i].key == rows[i - 1].key && (!dup || rows[i].line < dup))
				dup = rows[i].line;
		if (dup)
			TERR("this choice has a row already", path, dup);
	}
#undef TERR
	if (r == TTTD_OK) {
		t->cost_table_key = xmalloc((nrows ? nrows : 1) * sizeof(uint64_t));
		t->cost_table = xmalloc((nrows ? nrows : 1) * sizeof(double));
		t->cost_table_len = nrows;
		for (i = 0; i < nrows; i++) {
			t->cost_table_key[i] = rows[i].key;
			t->cost_table[i] = rows[i].v;
		}
	}
out:
	tttd_task_free_words(w, nw);
	free(rows);
	free(choice);
	free(text);
	return r;
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
