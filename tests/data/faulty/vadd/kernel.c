/* The vadd fixture's template: C = A + B, UNROLL elements per step. */
void tttd_kernel(void **buf, const long *dim);

void
tttd_kernel(void **buf, const long *dim)
{
	const float *a = buf[0], *b = buf[1];
	float *c = buf[2];
	long i = 0, n = dim[0];

	for (; i + {{UNROLL}} <= n; i += {{UNROLL}})
		for (long u = 0; u < {{UNROLL}}; u++)
			c[i + u] = a[i + u] + b[i + u];
	for (; i < n; i++)
		c[i] = a[i] + b[i];
}
