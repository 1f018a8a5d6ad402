/* The trusted reference of the vadd fixture: C = A + B. */
void tttd_reference(void **buf, const long *dim);

void
tttd_reference(void **buf, const long *dim)
{
	const float *a = buf[0], *b = buf[1];
	float *c = buf[2];
	long i;

	for (i = 0; i < dim[0]; i++)
		c[i] = a[i] + b[i];
}
