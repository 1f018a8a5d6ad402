/* kernel.c - fixture template: y = 2x, unrolled by UNROLL */
void tttd_kernel(void **buf, const long *dim);
void
tttd_kernel(void **buf, const long *dim)
{
	const float *x = buf[0];
	float *y = buf[1];
	long i;

#pragma GCC unroll {{UNROLL}}
	for (i = 0; i < dim[0]; i++)
		y[i] = 2 * x[i];
}
