/*
 * task_int.h - what the files of the task module share and nothing else
 * includes: the loader's state, its error helper, the word splitter and
 * the expression parser of task lines, the launch plan's keywords, and a
 * small string builder.  task.h is the module's interface; this header is
 * how task.c (queries), task_load.c (the task file's lines),
 * task_plan.c (a CUDA task's launch plan), task_check.c (the checks once
 * every line is read), task_render.c (templates) and candidate.c
 * (candidate records) reach each other.
 */
#ifndef TTTD_TASK_INT_H
#define TTTD_TASK_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "expr.h"
#include "task.h"
#include "tttd.h"

/* Load-time enumeration caps: beyond these, satisfiability is assumed. */
#define ENUM_CAP 1000000L
#define DFS_CAP 200000L

/* ---- a string builder (rendering, word splitting) ---- */

struct sbuf {
	char *s;
	size_t len, cap;
};

static inline void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	XGROW(b->s, b->cap, b->len + n + 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static inline void
sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static inline char *
sb_take(struct sbuf *b)
{
	if (!b->s)
		return xstrdup("");
	return b->s;
}

/* ---- the loader (task_load.c) ---- */

/* The state of one task file being read. */
struct loader {
	struct tttd_task *t;
	const char *file; /* the task file's path, for messages */
	int line;
	struct tttd_error *e;
	/* lines where single-valued keywords were first seen */
	int seen_tolerance, seen_reward;
	/* shape input settings name buffers that may come later: resolved in tttd_task_finish() */
	struct pending_input {
		int bench;  /* which list */
		size_t si;  /* shape index */
		int ii;     /* setting index */
		char *name; /* buffer name */
		int line;
	} * pend;
	size_t npend;
	size_t lm_forbid_cap;
};

/*
 * A load error at the current line: "file:line: message" in ld->e (a
 * message ending in ':' gets strerror(errno)).  @return TTTD_EFORMAT.
 */
int tttd_task_lerr(struct loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Split s into words: whitespace separates, except inside parentheses and
 * double quotes (task-format.md).  *out (heap, free with
 * tttd_task_free_words).  @return the count, or -1 on an unbalanced quote or
 * parenthesis.
 */
int tttd_task_split_words(const char *s, char ***out);
void tttd_task_free_words(char **w, int n);
/*
 * Parse an expression of a task line (what names it in messages) that may
 * mention dims (dims_ok) and decisions (decs_ok); *maxdec (may be NULL)
 * gets the highest decision index it mentions.  @return TTTD_OK or a
 * tttd_task_lerr.
 */
int tttd_task_parse_expr(struct loader *ld, const char *text, const char *what, int dims_ok,
			 int decs_ok, struct tttd_expr **out, int *maxdec);
/* The index of buffer name or dim name, -1 if none. */
int tttd_task_buffer_index(const struct tttd_task *t, const char *name);
int tttd_task_dim_index(const struct tttd_task *t, const char *name);
/* Resolve the shape lines' input settings that name buffers (once every buffer is known). */
int tttd_task_resolve_inputs(struct loader *ld);

/* ---- lexical checks (task.c) ---- */

/* Is s a C identifier? */
int tttd_task_is_ident(const char *s);
/* A whole-string int64 or finite-or-infinite double; @return 1 and *v, or 0. */
int tttd_task_parse_i64(const char *s, int64_t *v);
int tttd_task_parse_double(const char *s, double *v);
/*
 * Evaluate constraint c at a choice whose first upto decisions are set:
 * 1 holds, 0 not, -1 an evaluation error in e (callers count it as false).
 */
int tttd_task_con_holds(const struct tttd_task *t, const struct tttd_constraint *c,
			const int *choice, size_t upto, struct tttd_error *e);
/* A full choice's index into a model task's cost table (mixed radix). */
uint64_t tttd_task_table_index(const struct tttd_task *t, const int *choice);

/* ---- a CUDA task's launch plan (task_plan.c) ---- */

/* The "launch"/"ref_launch", "gemm"/"ref_gemm" and "tensormap" lines, appended to list. */
int tttd_task_kw_launch(struct loader *ld, char **w, int nw, struct tttd_launch_spec **list,
			size_t *n);
int tttd_task_kw_gemm(struct loader *ld, char **w, int nw, struct tttd_launch_spec **list,
		      size_t *n);
int tttd_task_kw_tensormap(struct loader *ld, char **w, int nw);
/* Free what a plan step or a tensor map owns (the struct itself is the caller's). */
void tttd_task_launch_release(struct tttd_launch_spec *l);
void tttd_task_tmap_release(struct tttd_tmap_spec *m);

/* ---- once every line is read (task_check.c) ---- */

/*
 * Defaults, the checks that need the whole file (the target's own, required
 * lines, placeholders, constraints), and the files it names read.
 * nlines: the file's line count, for messages.  @return TTTD_OK or an error.
 */
int tttd_task_finish(struct loader *ld, int nlines);

#endif
