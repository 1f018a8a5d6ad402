/* noentry: has no tttd_kernel symbol (status load_error). */
void not_the_kernel(void **buf, const long *dim);

void
not_the_kernel(void **buf, const long *dim)
{
	(void)buf;
	(void)dim;
}
