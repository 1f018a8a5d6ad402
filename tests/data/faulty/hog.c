/* hog: allocates and touches up to 3 GiB in 64 MiB pieces, then answers
 * correctly (status oom: the worker is stopped at the task's memory limit,
 * about 1 GiB here, instead of taking the machine or its timeout). */
#include <stdlib.h>
#include <string.h>

void tttd_kernel(void **buf, const long *dim);

void
tttd_kernel(void **buf, const long *dim)
{
	static int once;
	const float *a = buf[0], *b = buf[1];
	float *c = buf[2];
	long i, n = dim[0];

	if (!once) {
		once = 1;
		for (i = 0; i < 48; i++) {
			char *p = malloc(64L << 20);

			if (!p)
				break;
			memset(p, 1, 64L << 20); /* resident, not just reserved */
		}
	}
	for (i = 0; i < n; i++)
		c[i] = a[i] + b[i];
}
