/* good: correct, and timed. */
void tttd_kernel(void **buf, const long *dim);

void
tttd_kernel(void **buf, const long *dim)
{
	const float *a = buf[0], *b = buf[1];
	float *c = buf[2];
	long i, n = dim[0];

	for (i = 0; i < n; i++)
		c[i] = a[i] + b[i];
}
