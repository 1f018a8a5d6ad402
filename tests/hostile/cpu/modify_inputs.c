/*
 * modify_inputs: computes the right answer, then on every call but the
 * first at each shape flips the lowest bit of input A[0] (a tag a memo could
 * use to recognise inputs it has seen; the outputs stay within tolerance).
 * Before: status ok (inputs were compared only after the first call).
 * After: the inputs of the timed calls kept for checking are compared
 * too (status wrong, "was modified").
 */
#include <string.h>

#include "common.h"

void
tttd_kernel(void **buf, const long *dim)
{
	static long last_n = -1;
	unsigned int u;

	vadd(buf, dim);
	if (dim[0] == last_n) {
		memcpy(&u, buf[0], sizeof(u));
		u ^= 1;
		memcpy(buf[0], &u, sizeof(u));
	}
	last_n = dim[0];
}
