/*
 * replay: computes honestly for its first 6 calls, then replays the output
 * of its last call of the same size without reading its inputs.  Under
 * protocol 1 every timed call reused the check's inputs, so the replay was
 * right and accepted, timed at the cost of a copy; under protocol 2 each
 * timed call has fresh inputs and the sampled checks find it wrong.
 */
#include <string.h>

void tttd_kernel(void **buf, const long *dim);

static float memo[65536];
static long calls, last_n = -1;

void
tttd_kernel(void **buf, const long *dim)
{
	const float *a = buf[0], *b = buf[1];
	float *c = buf[2];
	long i, n = dim[0];

	if (++calls > 6 && n == last_n) {
		memcpy(c, memo, (size_t)n * sizeof(*c));
		return;
	}
	for (i = 0; i < n; i++)
		c[i] = a[i] + b[i];
	if (n <= 65536) {
		memcpy(memo, c, (size_t)n * sizeof(*c));
		last_n = n;
	}
}
