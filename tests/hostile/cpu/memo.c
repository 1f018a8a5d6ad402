/*
 * memo: correct, but remembers its last output keyed on a hash of its
 * inputs and replays it when the inputs repeat, so a timed call on inputs
 * it has seen is a copy.  It prints M on stderr for every call that had to
 * compute (a miss).  Before: timed repetitions reused the inputs of the
 * check, so almost every timed call was a replay (M only once per shape).
 * After: every timed call sees fresh inputs: at least one miss per timed call.
 */
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static float memo_c[1 << 17];
static uint64_t memo_key;
static long memo_n;

void
tttd_kernel(void **buf, const long *dim)
{
	const unsigned char *a = buf[0], *b = buf[1];
	long n = dim[0], i;
	uint64_t h = 1469598103934665603ull;

	for (i = 0; i < n * 4; i += 64)
		h = (h ^ a[i] ^ ((uint64_t)b[i] << 8)) * 1099511628211ull;
	if (n == memo_n && h == memo_key && n <= (long)(sizeof(memo_c) / sizeof(float))) {
		memcpy(buf[2], memo_c, (size_t)n * sizeof(float));
		return;
	}
	if (write(2, "M", 1) < 0)
		return;
	vadd(buf, dim);
	if (n <= (long)(sizeof(memo_c) / sizeof(float))) {
		memcpy(memo_c, buf[2], (size_t)n * sizeof(float));
		memo_key = h;
		memo_n = n;
	}
}
