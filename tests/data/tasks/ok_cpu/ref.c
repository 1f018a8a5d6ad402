/* ref.c - fixture reference: y = 2x (never compiled by the unit tests) */
void tttd_reference(void **buf, const long *dim);
void
tttd_reference(void **buf, const long *dim)
{
	const float *x = buf[0];
	float *y = buf[1];
	long i;

	for (i = 0; i < dim[0]; i++)
		y[i] = 2 * x[i];
}
