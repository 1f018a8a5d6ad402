/* segv: writes to address 64, in the unmapped first page (status crash, SIGSEGV).
 * Not through a literal NULL: GCC deletes a store it can prove is undefined. */
void tttd_kernel(void **buf, const long *dim);

void
tttd_kernel(void **buf, const long *dim)
{
	const float *a = buf[0], *b = buf[1];
	float *c = buf[2];
	long i, n = dim[0];
	volatile float *bad = (volatile float *)64;

	for (i = 0; i < n; i++)
		c[i] = a[i] + b[i];
	*bad = 1.0f;
}
