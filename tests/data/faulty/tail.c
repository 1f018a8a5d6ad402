/* tail: never writes the last n % 8 elements (status nan: the poisoned
 * outputs it skipped stay NaN). */
void tttd_kernel(void **buf, const long *dim);

void
tttd_kernel(void **buf, const long *dim)
{
	const float *a = buf[0], *b = buf[1];
	float *c = buf[2];
	long i, n = dim[0];

	for (i = 0; i + 8 <= n; i += 8)
		for (long u = 0; u < 8; u++)
			c[i + u] = a[i + u] + b[i + u];
}
