/*
 * after_n: honest on the first 101 calls at each shape (the check and the
 * warm-up of 100 runs that a kernel this small gets), then does no work on
 * every call but the 20th after them: the test pins the timed repetitions
 * at 20 (--min-reps 20 --max-reps 20), so only the last timed call, the one
 * the old protocol checked, is honest.  Before: status ok, timed as doing
 * nothing.  After (protocol 2): every timed call's outputs are scanned for
 * the poison, so the first skipped call is found (status nan, "timed call").
 */
#include "common.h"

void
tttd_kernel(void **buf, const long *dim)
{
	static long last_n = -1, calls;

	if (dim[0] != last_n) {
		last_n = dim[0];
		calls = 0;
	}
	calls++;
	if (calls > 101 && calls < 121)
		return;
	vadd(buf, dim);
}
