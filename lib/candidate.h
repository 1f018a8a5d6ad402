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
};

struct tttd_cand {
	int candidate; /* "kind" is "candidate" */
	/* Owned NUL-terminated copies; NULL when absent or not a string. */
	char *id, *parent, *task, *target, *status, *reason, *source, *cflags, *group, *device;
	int64_t step;   /* 0 when absent */
	double time_ns; /* ns; 0 when absent */
	double ref_ns;  /* ns; 0 when absent */
	double speedup; /* 0 when absent */
	unsigned has;   /* tttd_cand_key bits: present with the schema's type */
	unsigned bad;   /* tttd_cand_key bits: present with another type */
};

/*
 * Read r's keys into c (which it initialises; release with
 * tttd_cand_release).  Never fails: a missing key is a clear bit of has,
 * a key of the wrong type a set bit of bad, for the caller to judge.
 */
void tttd_cand_read(struct tttd_cand *c, const struct tttd_rec *r);
/* Free c's strings; accepts a zeroed struct. */
void tttd_cand_release(struct tttd_cand *c);
/* 1 if c's status is status exactly. */
int tttd_cand_status_is(const struct tttd_cand *c, const char *status);

#endif
