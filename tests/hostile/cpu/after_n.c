/*
 * after_n: honest on the first 21 calls at each shape, then does no work up
 * to call 120 and is honest again from call 121.  The test pins the timed
 * repetitions at 20 (--min-reps 20 --max-reps 20) after the check (call 1)
 * and a warm-up of 1 to 100 runs (100 when the machine is quiet, fewer when
 * 50 ms run out first), so the timed calls are 2 + w .. 21 + w: the last
 * always falls among the skipped ones but for a full warm-up, where it is
 * call 121, the one the old protocol checked, honest.  Before: status ok,
 * timed as doing nothing.  After (protocol 2): every timed call's outputs
 * are scanned for the poison, so a skipped call is found whatever the
 * warm-up (status nan, "timed call").
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
	if (calls > 21 && calls < 121)
		return;
	vadd(buf, dim);
}
