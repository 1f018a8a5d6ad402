/*
 * results.h - the results index: one SQLite database across runs that
 * every discovery adds its confirmed best to, keyed by task, shape, device
 * and tttd version, so that "the best known kernel for this task at this
 * shape on this device" is one query, and its decisions export as a C header.
 *
 * A row is one run's confirmed best (best/record.json, re-measured beside
 * the reference in the final A/B): its time, the reference's time in the same
 * A/B, the speed-up, the decisions, compile flags, source and per-shape
 * timing, the run folder, the commit and the date.  Adding the same run's
 * best again replaces its row (a resumed run re-measures).  The shape key is
 * the record's bench shapes, each dims joined by 'x', joined by ','
 * ("320x320x320,384x256x288"): times are comparable only within one key.
 *
 * The default database is $XDG_DATA_HOME/tttd/results.db, else
 * ~/.local/share/tttd/results.db.  SQLite's own locking lets concurrent runs
 * add (a busy database is retried for a few seconds).  Nothing here prints.
 */
#ifndef TTTD_RESULTS_H
#define TTTD_RESULTS_H

#include "env.h"
#include "rec.h"
#include "tttd.h"

struct tttd_results;

struct tttd_result {
	char *task, *shape, *device, *version;
	double time_ns, ref_ns, speedup;
	char *id, *target, *decisions;  /* decisions: a JSON object, name -> option text, in task order */
	char *cflags, *source, *timing; /* timing: the record's per-shape JSON array */
	char *run, *commit, *date;
};

/* Which rows a query takes; NULL fields match anything. */
struct tttd_results_query {
	const char *task, *shape, *device, *version;
};

/* The default database path (newly allocated), or NULL when neither XDG_DATA_HOME nor HOME is set. */
char *tttd_results_default_path(void);

/*
 * Open (create = 1: create it, its folder and its table if missing) the
 * database at path.  @return TTTD_OK, TTTD_ENOENT (no database and !create),
 * TTTD_EIO (SQLite's message).
 */
int tttd_results_open(struct tttd_results **out, const char *path, int create,
		      struct tttd_error *e);
/* Close; accepts NULL. */
void tttd_results_close(struct tttd_results *db);

/*
 * Add best, a confirmed best record (status ok, time_ns, timing with shapes,
 * device, decisions, source), found by the run in folder run (stored as
 * given; pass an absolute path), measured on the machine env describes
 * (version, commit and date come from it).  @return TTTD_OK, TTTD_EFORMAT
 * (the record lacks a key the index needs, named), TTTD_EIO.
 */
int tttd_results_add(struct tttd_results *db, const struct tttd_rec *best, const char *run,
		     const struct tttd_env *env, struct tttd_error *e);

/*
 * Call fn for every row matching q, fastest first within each (task, shape,
 * device), groups in name order.  fn borrows the row.  @return TTTD_OK or TTTD_EIO.
 */
int tttd_results_each(struct tttd_results *db, const struct tttd_results_query *q,
		      void (*fn)(const struct tttd_result *row, void *ctx), void *ctx,
		      struct tttd_error *e);

/*
 * The fastest row for q into out (release it with tttd_result_release).
 * Times are compared only within one (task, shape, device): when the rows
 * matching q span several, that is TTTD_EINVAL naming them ("name one with
 * --shape: a, b").  @return 1 found, 0 none, TTTD_EINVAL, TTTD_EIO.
 */
int tttd_results_best(struct tttd_results *db, const struct tttd_results_query *q,
		      struct tttd_result *out, struct tttd_error *e);
void tttd_result_release(struct tttd_result *r);

/*
 * The row's decisions as a C header (newly allocated): a comment saying what
 * was measured where, then "#define NAME value" for each decision, and
 * "#define NAME_value 1" when the value is an identifier, exactly as the
 * kernel's own source defines them (tttd_task_render), inside an include
 * guard TTTD_BEST_<TASK>_H.
 */
char *tttd_result_header(const struct tttd_result *r);

/* The shape key of a record's timing ("320x320x320,384x256x288"), newly allocated, or NULL. */
char *tttd_results_shape_key(const struct tttd_rec *r);

#endif
