/*
 * candidate.h - a typed view of a candidate record: the keys every stage
 * reads (docs/schema.md), read once from the record into a struct, so that
 * tools and library code ask c->status or c->time_ns instead of each
 * looking keys up by string in its own words.  The record stays the data:
 * a stage that changes a candidate sets keys on the record; the view is
 * for reading.  Building a candidate from a choice is task.h's
 * (tttd_task_candidate_rec, in candidate.c beside this).
 */
#ifndef TTTD_CANDIDATE_H
#define TTTD_CANDIDATE_H

#include <stdint.h>

#include "rec.h"

/* One bit per key of the view, for c->has and c->bad. */
enum tttd_cand_key {
	TTTD_CAND_ID = 1 << 0,
	TTTD_CAND_TASK = 1 << 1,
	TTTD_CAND_TARGET = 1 << 2,
	TTTD_CAND_STATUS = 1 << 3,
	TTTD_CAND_REASON = 1 << 4,
	TTTD_CAND_SOURCE = 1 << 5,
	TTTD_CAND_CFLAGS = 1 << 6,
	TTTD_CAND_GROUP = 1 << 7,
	TTTD_CAND_STEP = 1 << 8,
	TTTD_CAND_TIME_NS = 1 << 9,
	TTTD_CAND_REF_NS = 1 << 10,
	TTTD_CAND_SPEEDUP = 1 << 11,
	TTTD_CAND_OBJECT = 1 << 12,
	TTTD_CAND_PARENT = 1 << 13,
	TTTD_CAND_DEVICE = 1 << 14,
	TTTD_CAND_RANK = 1 << 15,
	TTTD_CAND_SEED = 1 << 16,
	TTTD_CAND_POLICY = 1 << 17,
	TTTD_CAND_BASELINE_RATIO = 1 << 18,
};

/*
 * A record's "status" as a value (docs/schema.md lists the strings), so
 * that a stage's test of a status is checked by the compiler rather than
 * spelled again; the record keeps the string, and c->status holds it for
 * messages and counts.  TTTD_ST_NONE: no status key (each stage says
 * whether it takes that as "generated").  TTTD_ST_OTHER: a string not in
 * the list, or a status that is not a string (c->bad says which).
 */
enum tttd_status {
	TTTD_ST_NONE = 0,
	TTTD_ST_GENERATED,
	TTTD_ST_COMPILED,
	TTTD_ST_OK,
	TTTD_ST_COMPILE_ERROR,
	TTTD_ST_LOAD_ERROR,
	TTTD_ST_CRASH,
	TTTD_ST_TIMEOUT,
	TTTD_ST_OOM,
	TTTD_ST_WRONG,
	TTTD_ST_NAN,
	TTTD_ST_TOO_FAST,
	TTTD_ST_LAUNCH_ERROR,
	TTTD_ST_UNVERIFIED,
	TTTD_ST_INFEASIBLE,
	TTTD_ST_INVALID,
	TTTD_ST_LM_ERROR,
	TTTD_ST_NO_CODE,
	TTTD_ST_CONTRACT,
	TTTD_ST_OTHER
};

struct tttd_cand {
	int candidate;       /* "kind" is "candidate" */
	int parent_kind;     /* "kind" is "parent" (tttd-select's: a candidate's keys and a rank) */
	enum tttd_status st; /* "status" as a value */
	/* Owned NUL-terminated copies; NULL when absent or not a string. */
	char *id, *parent, *task, *target, *status, *reason, *source, *cflags, *group, *device,
		*policy;
	int64_t step;          /* 0 when absent */
	int64_t rank;          /* a parent's rank in its step (tttd-select); 0 when absent */
	int64_t seed;          /* 0 when absent */
	double time_ns;        /* ns; 0 when absent */
	double ref_ns;         /* ns; 0 when absent */
	double speedup;        /* 0 when absent */
	double baseline_ratio; /* the baseline's time over the candidate's; 0 when absent */
	unsigned has;          /* tttd_cand_key bits: present with the schema's type */
	unsigned bad;          /* tttd_cand_key bits: present with another type */
};

/*
 * Read r's keys into c (which it initialises; release with
 * tttd_cand_release).  Never fails: a missing key is a clear bit of has,
 * a key of the wrong type a set bit of bad, for the caller to judge.
 */
void tttd_cand_read(struct tttd_cand *c, const struct tttd_rec *r);
/* Free c's strings; accepts a zeroed struct. */
void tttd_cand_release(struct tttd_cand *c);
/* The status a string names: TTTD_ST_OTHER for one not in the list, NONE for NULL. */
enum tttd_status tttd_status_of(const char *s);
/* The string of a status in the list; NULL for NONE and OTHER. */
const char *tttd_status_name(enum tttd_status st);

/*
 * What a search minimises: the cost of a candidate that ran ("ok"), read
 * by tttd-score (reward = scale / cost), tttd-select (value = -cost) and
 * tttd-screen (its value model fits log cost), so that the three rank alike.
 *   TTTD_OBJ_TIME      time_ns in microseconds;
 *   TTTD_OBJ_BASELINE  the candidate's time over the baseline's, 1 /
 *                      baseline_ratio.  With tttd-bench --paired each
 *                      candidate's calls alternate with the baseline's, so
 *                      the cost compares calls made under the same clocks: a
 *                      GPU at its power limit drifts by several percent
 *                      between candidates timed minutes apart, more than the
 *                      gaps a converged search has to rank.
 */
enum tttd_objective {
	TTTD_OBJ_TIME = 0,
	TTTD_OBJ_BASELINE = 1,
};
/* "time", "baseline", NULL: in enum order (for opt_choice). */
extern const char *const tttd_objective_names[];
/*
 * The cost of c under o.  @return 1 with *cost positive and finite; 0 when
 * c is not "ok" (no cost); -1 when c is "ok" without what o needs, with
 * why (one line, naming the key) filled.
 */
int tttd_cand_cost(const struct tttd_cand *c, enum tttd_objective o, double *cost, char *why,
		   size_t nwhy);

#endif
