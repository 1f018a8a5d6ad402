/*
 * schema.h - the record keys of docs/schema.md as code: each key's type, the
 * tool that owns it and what it means, a type check for records, and the
 * stamp every tool puts on the records it writes.
 *
 * tests/unit/test_schema.c checks this table against the one in
 * docs/schema.md in both directions: change both together.  Keys not in the
 * table are allowed and pass through unchecked.
 */
#ifndef TTTD_SCHEMA_H
#define TTTD_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "rec.h"

struct tttd_schema_key {
	const char *key;
	const char *type;  /* int, float (int accepted), str, bool, bin, map, array, any */
	const char *owner; /* the tool that sets it, or "any" */
	const char *meaning;
};

extern const struct tttd_schema_key tttd_schema[];
extern const size_t tttd_schema_n;

/* The table entry for key, or NULL when the schema does not list it. */
const struct tttd_schema_key *tttd_schema_find(const char *key);

/*
 * Check the type of every known key present in r.
 * @return TTTD_OK, or TTTD_EFORMAT with "key 'step': expected int, got str".
 */
int tttd_schema_check(const struct tttd_rec *r, struct tttd_error *e);

/* How many keys of the table tool ("tttd-bench") owns: 0 names no stage of the schema. */
size_t tttd_schema_owns(const char *tool);

/*
 * Remove from r every key the table gives to one of the n tools in owners
 * ("tttd-bench", "tttd-score"): what a record holds from those stages, so
 * that it can go through them again.  Keys of owner "any" (status, reason,
 * seed, tool) are never removed.  @return the number of keys removed.
 */
size_t tttd_schema_strip(struct tttd_rec *r, const char *const *owners, size_t n);

/*
 * Mark r as written by tool: set "v" to TTTD_SCHEMA_VERSION when absent and
 * "tool" to "<tool> <TTTD_VERSION>" (replacing an earlier stamp in place).
 */
void tttd_rec_stamp(struct tttd_rec *r, const char *tool);
/*
 * The same, for a tool that draws at random: "seed" set to seed first (the
 * rule: the seed and the tool's version go into every record it writes).
 * Every record a tool writes is stamped by one of these two.
 */
void tttd_rec_stamp_seed(struct tttd_rec *r, const char *tool, uint64_t seed);

#endif
