/*
 * tmap.h - a task's tensor map ("tensormap" line) resolved at one shape and
 * choice: the numbers cuTensorMapEncodeTiled takes, checked against the
 * rules the copy engine (TMA) imposes, so that a plan that would break them
 * fails with a message naming the rule instead of an opaque driver error or
 * an out-of-bounds read.
 *
 * Pure C: lib/backends/cuda_tma.c encodes the result on a machine with a driver; the
 * checks here run (and are tested) anywhere.  It does not look at device
 * pointers (their 16-byte alignment is checked when encoding).
 */
#ifndef TTTD_TMAP_H
#define TTTD_TMAP_H

#include <stdint.h>

#include "task.h"

struct tttd_tmap_geom {
	int buf; /* buffer index */
	enum tttd_dtype dtype;
	uint64_t esize;      /* bytes per element */
	uint64_t rows, cols; /* the matrix, in elements */
	uint64_t ld_bytes;   /* row stride */
	uint64_t off_bytes;  /* first element, from the buffer's start */
	uint32_t box_rows, box_cols;
	int swizzle; /* 0, 32, 64 or 128 bytes */
};

/*
 * Resolve tensor map m of t at shape s under choice (may be NULL when the
 * expressions use dims only).  Checks: rows, cols >= 1 and < 2^32; ld >= cols
 * and the row stride a multiple of 16 bytes below 2^40; the offset a
 * multiple of 16 bytes; every element inside the buffer (its count at s);
 * boxes of 1..256 rows and columns with box_cols * esize a multiple of 16
 * bytes and, when swizzled, at most the swizzle span.
 * @return TTTD_OK, or TTTD_EINVAL with "tensor map 'tA' (task line 30): ..." in e.
 */
int tttd_tmap_resolve(const struct tttd_task *t, const struct tttd_tmap_spec *m,
		      const struct tttd_shape *s, const int *choice, struct tttd_tmap_geom *g,
		      struct tttd_error *e);

#endif
