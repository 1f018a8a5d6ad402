/*
 * puct.h - the PUCT archive of a run (tttd-select): replay the archive's
 * candidates step by step, then pick the parent states of the next step.
 *
 * This is TTT-Discover's PUCTSampler (reference/ttt-discover.md section 3):
 *
 *   score(i) = Q(i) + c * scale * P(i) * sqrt(1 + T) / (1 + n(i))
 *   Q(i)     = m(i) if n(i) > 0 and i has had a valid child, else value(i)
 *   P(i)     = (N - rank(i)) / sum_j (N - rank(j)), rank 0 = best value
 *   scale    = max - min value over the non-root archive states (all
 *              states if there are none), at least 1e-6
 *
 * where value = -time in microseconds (higher is better), m(i) is the best
 * value among i's direct children ever seen, n(i) counts the rollouts started
 * from i or from any descendant of i, T counts all rollouts.  The archive
 * starts with `groups` root states (ids sha256("root", task, "<i>"), value
 * -1e6 as in the paper); a root with no children has Q = value = -1e6.
 * After each step it keeps the top 2 children per parent and at most
 * max_archive states (the roots plus the best by value).  Selection is
 * greedy over (score, value) descending, ties by id, and skips any state in
 * the lineage (ancestor or descendant) of a state already picked.
 *
 * States removed from the archive stay in a side table: their parent links
 * carry visit counts and lineage for the states below them.
 *
 * Where tttd deviates from the paper (each also said at the code):
 *   - identity is the candidate id (a hash of what makes the candidate)
 *     instead of the code string; one state per id, so an id seen before,
 *     even one pruned since, is a duplicate (the paper would re-admit a
 *     pruned code under its new parent; keeping one state per id keeps the
 *     lineage a tree);
 *   - a duplicate still updates m of the parent that produced it;
 *   - ties in rank (equal values) are broken by archive order, ties in
 *     selection by id, so a replay is deterministic.
 *
 * The module knows nothing of records: the tool feeds it ids, parents, steps
 * and values.  It never prints.
 */
#ifndef TTTD_PUCT_H
#define TTTD_PUCT_H

#include <stddef.h>
#include <stdint.h>

#include "tttd.h"

struct tttd_puct_opts {
	size_t groups;      /* root states, and picks per step (paper: 64) */
	size_t max_archive; /* archive cap (paper: 1000) */
	size_t topk;        /* children kept per parent at a flush (paper: 2) */
	double c;           /* exploration constant (paper: 1.0) */
	double root_value;  /* value of a root state (paper, TriMul: -1e6) */
};

/* The paper's settings: 64 groups, cap 1000, top-2, c = 1, root value -1e6. */
void tttd_puct_opts_default(struct tttd_puct_opts *o);

/* One rollout of the archive, as the tool reads it from a candidate record. */
struct tttd_puct_cand {
	const char *id;     /* candidate id (borrowed, copied when kept) */
	const char *parent; /* id of the state it was generated from */
	int64_t step;
	int ok;       /* 1: status "ok", valid, with a value */
	double value; /* -time_ns / 1000 (microseconds); used only when ok */
};

/* What the archive knows of one state (for picks, tests and reports). */
struct tttd_puct_info {
	size_t state;   /* state index: roots 0..groups-1, then the order tttd_puct_add returned 1 */
	const char *id; /* borrowed: lives as long as the puct */
	double value;
	double q;       /* Q(i) */
	double prior;   /* P(i); 0 when not in the archive */
	double score;   /* PUCT score; NAN when not in the archive */
	double m;       /* best direct child value; NAN if none */
	int64_t visits; /* n(i) */
	int64_t rank;   /* rank by value in the archive, -1 when not in it */
	int root;
	int in_archive;
	size_t parent; /* state index of the parent; (size_t)-1 for a root */
};

struct tttd_puct;

/*
 * A new archive holding the o->groups roots of task (copied).
 * @return NULL with e set (TTTD_EINVAL) when groups is 0, topk is 0 or
 * max_archive < 1.  Free with tttd_puct_free (accepts NULL).
 */
struct tttd_puct *tttd_puct_new(const char *task, const struct tttd_puct_opts *o,
				struct tttd_error *e);
void tttd_puct_free(struct tttd_puct *p);

/*
 * Replay one rollout.  A step greater than the current one ends the current
 * step first (tttd_puct_end_step).  Every rollout adds 1 to T and to n of its
 * parent and of all the parent's ancestors.  A valid rollout sets
 * m(parent) = max(m(parent), value) and, if its id is new, becomes a state
 * in the archive as a child of parent.
 * @return 1 when c became a new state (its index is the next one), 0 when it
 * only counted (failure, duplicate), or TTTD_EFORMAT when the step goes
 * backwards or the parent is unknown, TTTD_EINVAL for a missing id.
 */
int tttd_puct_add(struct tttd_puct *p, const struct tttd_puct_cand *c, struct tttd_error *e);

/*
 * End the current step: keep the topk best children of each parent (by
 * value; ties: the earlier one), then, if the archive holds more than
 * max_archive states, keep the roots and the best others up to the cap.
 * Idempotent: a second call without a rollout in between does nothing.
 */
void tttd_puct_end_step(struct tttd_puct *p);

/*
 * Pick up to max (normally groups) lineage-disjoint states, best score first
 * (ending the current step first if it has rollouts not yet flushed).
 * out[0..return) are filled; ids are borrowed from p.  @return the count.
 */
size_t tttd_puct_select(struct tttd_puct *p, struct tttd_puct_info *out, size_t max);

/* ---- inspection (tests, reports) ---- */

/* Fill *out for the state called id.  @return 1 found, 0 unknown. */
int tttd_puct_info(struct tttd_puct *p, const char *id, struct tttd_puct_info *out);
/* T, the archive size, the current scale, the last step replayed (-1 if none). */
int64_t tttd_puct_total(const struct tttd_puct *p);
size_t tttd_puct_size(const struct tttd_puct *p);
double tttd_puct_scale(const struct tttd_puct *p);
int64_t tttd_puct_last_step(const struct tttd_puct *p);
/* The id of root i (0 <= i < groups), borrowed. */
const char *tttd_puct_root_id(const struct tttd_puct *p, size_t i);

#endif
