/*
 * render.h - a candidate that carries decisions but no source, completed as
 * tttd-generate would have written it: the task's template rendered into
 * the source, the compile flags rendered, the content id, in the same key
 * order, so that any generator (a script in another language, a tuner) may
 * emit decisions only (tttd-render).
 *
 * Bad decisions are data, not an error: an unknown decision, an option the
 * decision does not have, a missing decision or a violated constraint make
 * a failure record (status "invalid" or "infeasible", and a reason) that
 * flows through the rest of a step like any failed candidate.
 *
 * This module does not read streams or load tasks; the tool does.
 */
#ifndef TTTD_RENDER_H
#define TTTD_RENDER_H

#include <stdint.h>

#include "rec.h"
#include "task.h"

/* What tttd_render_rec made. */
enum tttd_render_result {
	TTTD_RENDER_DONE = 1,  /* out is the complete candidate */
	TTTD_RENDER_FAILED = 2 /* out is a failure record */
};

/*
 * Is r for rendering: a "candidate" with no "source" whose status is
 * "generated" or absent?  Every other record (a parent, a rendered or
 * model-written candidate, a failure of an earlier stage) passes through
 * unchanged.  @return 1 or 0.
 */
int tttd_render_wanted(const struct tttd_rec *r);

/*
 * Complete candidate in of task t into out (cleared first; in is borrowed).
 * in names its parent ("parent", the id of the state it was generated
 * from); "step", "group" and "parent_decisions" are taken from in when it
 * has them, else from parent (that state's record as tttd-select wrote it,
 * may be NULL) and "group" is "<step>/<parent>".  The keys tttd-generate
 * sets come first in its order, then in's other keys in their order (logp,
 * policy, seed, what the generator adds), then the tool stamp and status.
 * index (the record's position in its stream) goes into a failure's id, so
 * that two failures of one group get distinct ids.
 * @return TTTD_RENDER_DONE or TTTD_RENDER_FAILED; TTTD_EFORMAT when in can
 * make no candidate at all (no "parent"; no step or parent decisions known),
 * with the message in e and out unspecified.
 */
int tttd_render_rec(const struct tttd_task *t, const struct tttd_rec *in,
		    const struct tttd_rec *parent, uint64_t index, struct tttd_rec *out,
		    struct tttd_error *e);

#endif
