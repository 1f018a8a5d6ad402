/*
 * lazy: after its first 6 calls, every other call returns without writing
 * its output, as if the work were left to a later call.  Under protocol 1
 * only the last timed call was checked, so it passed whenever that call was
 * a working one; under protocol 2 each timed call's outputs are scanned
 * for the poison right after it.
 */
void tttd_kernel(void **buf, const long *dim);

static long calls;

void
tttd_kernel(void **buf, const long *dim)
{
	const float *a = buf[0], *b = buf[1];
	float *c = buf[2];
	long i, n = dim[0];

	if (++calls > 6 && calls % 2)
		return;
	for (i = 0; i < n; i++)
		c[i] = a[i] + b[i];
}
