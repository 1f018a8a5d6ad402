/*
 * kernels/softmax_cuda/ref_cpu.c - the reference on the CPU (task line
 * "cpu_reference"): a softmax over each row of the R x C matrix x, with the
 * row maximum subtracted first, in double.  ref.cu is checked against it at
 * small shapes (tests/gpu/ref_check.c).  buf: x, y; dim: R, C.
 */
#include <math.h>

void tttd_cpu_reference(void **buf, const long *dim);

void
tttd_cpu_reference(void **buf, const long *dim)
{
	const float *x = buf[0];
	float *y = buf[1];
	long R = dim[0], C = dim[1], r, i;

	for (r = 0; r < R; r++) {
		const float *xr = x + r * C;
		double m = -INFINITY, s = 0;

		for (i = 0; i < C; i++)
			m = xr[i] > m ? xr[i] : m;
		for (i = 0; i < C; i++)
			s += exp(xr[i] - m);
		for (i = 0; i < C; i++)
			y[r * C + i] = (float)(exp(xr[i] - m) / s);
	}
}
