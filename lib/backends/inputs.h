/*
 * inputs.h - what a benchmark case is made of: the sizes of a task's
 * buffers at a shape, how each input is drawn (distribution, parameter,
 * stream seed), the element-level fill, NaN poisoning and comparison (the
 * CPU backend's fill/poison/compare are these functions; the CUDA backend's
 * do the same on the device), and a host-side form of a whole case, one
 * allocation carved into the task's buffers (STYLE rule 13), which the unit
 * tests use as the reference for what tttd-bench draws.  Scratch buffers get
 * no host memory: they are device workspace, neither generated nor checked.
 *
 * This module does not touch a device and does not run anything.
 */
#ifndef TTTD_INPUTS_H
#define TTTD_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "task.h"
#include "tttd.h"

struct tttd_inputs {
	void *arena;                       /* the one allocation */
	size_t nbuf;                       /* = task nbuf */
	void **host;                       /* per buffer, into arena (NULL for scratch) */
	size_t *count;                     /* elements */
	size_t *bytes;                     /* count * dtype size */
	struct tttd_shape_inputs settings; /* the init shape's input settings (n = 0: none) */
};

/*
 * Size every buffer of t at shape s and allocate the arena (zeroed).  When
 * s points into t->check or t->bench, its input settings are kept for
 * generate.
 * @return TTTD_OK, or TTTD_EFORMAT when a count expression is negative or
 * cannot be evaluated ("buffer 'C': count 'M*N' evaluates to -1").
 */
int tttd_inputs_init(struct tttd_inputs *in, const struct tttd_task *t, const struct tttd_shape *s,
		     struct tttd_error *e);
/*
 * As tttd_inputs_init, but only count and bytes: no arena, every host[i]
 * NULL (a case that lives on the device, bench.c).
 */
int tttd_inputs_sizes(struct tttd_inputs *in, const struct tttd_task *t,
		      const struct tttd_shape *s, struct tttd_error *e);
/* Free the arena; accepts a released or zeroed struct. */
void tttd_inputs_release(struct tttd_inputs *in);

/*
 * How input buffer i of a case seeded seed is drawn: the distribution and
 * parameter the init shape's settings give it (tttd_shape_dist), else its
 * buffer line's, and its own stream seed (seed, i), so adding a buffer does
 * not change the others.  tttd_inputs_generate fills host buffers with it;
 * tttd-bench (bench.c) hands the same draw to the backend's fill.
 */
void tttd_inputs_draw(const struct tttd_inputs *in, const struct tttd_task *t, size_t i,
		      uint64_t seed, enum tttd_dist *dist, double *scale, uint64_t *stream);

/*
 * Fill every input buffer from seed (buffer i draws from its own stream
 * seeded with (seed, i), so adding a buffer does not change the others),
 * poison the outputs, zero nothing else.  Deterministic per seed.  Each
 * input draws from the distribution the init shape's settings give it
 * (tttd_shape_dist), else its buffer line's.
 */
void tttd_inputs_generate(struct tttd_inputs *in, const struct tttd_task *t, uint64_t seed);
/* Poison every output buffer (tttd_poison). */
void tttd_inputs_poison(struct tttd_inputs *in, const struct tttd_task *t);

/* ---- element level, usable without a task ---- */

/* (Bytes per element: tttd_dtype_size in task.h.) */

/*
 * Fill n elements at p from distribution dist with parameter scale (normal:
 * stddev; uniform: half-range, values in [-scale, scale); cauchy: scale;
 * mask01: 0 or 1, 1 with probability scale when 0 < scale < 1, else 1/2;
 * const: every element is scale).  Except for const, scale <= 0 means 1.  Integers are rounded to nearest.
 */
void tttd_fill(void *p, enum tttd_dtype d, size_t n, enum tttd_dist dist, double scale,
	       uint64_t seed);
/*
 * Poison n elements: quiet NaN for floating types; INT32_MIN for i32 (an
 * integer has no NaN; the sentinel is what a skipped element keeps).
 */
void tttd_poison(void *p, enum tttd_dtype d, size_t n);
/* Element i of p as a double (bf16/f16 widened exactly). */
double tttd_elem_get(const void *p, enum tttd_dtype d, size_t i);
/* Store v as element i of p (rounded to nearest even for bf16/f16). */
void tttd_elem_set(void *p, enum tttd_dtype d, size_t i, double v);

/*
 * Comparison result, accumulated over several buffers and shapes.  A
 * candidate element a passes against reference b when both are finite and
 * |a - b| <= atol + rtol * |b|, or when b is not finite and a is the same
 * non-finite value (NaN with NaN, +inf with +inf).  A NaN or infinity where
 * the reference is finite never passes and is counted in nonfinite.
 */
struct tttd_cmp {
	size_t checked;   /* elements compared */
	size_t bad;       /* elements that failed (nonfinite included) */
	size_t nonfinite; /* failed because the candidate was NaN/inf and the reference finite */
	int has_first;    /* first_* are set */
	size_t first;     /* index of the first failure within its buffer */
	double first_got, first_want;
	double max_abs, max_rel; /* over finite pairs; rel is abs / |ref| where ref != 0 */
};

void tttd_cmp_init(struct tttd_cmp *c);
/*
 * Compare n elements of got with want and add to c.  @return the number of
 * failures in this call (0 = all passed).
 */
size_t tttd_compare(struct tttd_cmp *c, enum tttd_dtype d, const void *got, const void *want,
		    size_t n, double rtol, double atol);

#endif
