/*
 * kernels/layernorm/ref_cpu.c - the reference on the CPU (task line
 * "cpu_reference"): per row of the R x C matrix x, y = (x - mean) /
 * sqrt(var + 1e-5) * w + b with the biased variance, all in double.
 * ref.cu is checked against it at small shapes (tests/gpu/ref_check.c).
 * buf: x, w, b, y; dim: R, C.
 */
#include <math.h>

void tttd_cpu_reference(void **buf, const long *dim);

void
tttd_cpu_reference(void **buf, const long *dim)
{
	const float *x = buf[0], *w = buf[1], *b = buf[2];
	float *y = buf[3];
	long R = dim[0], C = dim[1], r, i;

	for (r = 0; r < R; r++) {
		const float *xr = x + r * C;
		double s = 0, q = 0, mean, rstd;

		for (i = 0; i < C; i++)
			s += xr[i];
		mean = s / C;
		for (i = 0; i < C; i++)
			q += (xr[i] - mean) * (xr[i] - mean);
		rstd = 1.0 / sqrt(q / C + 1e-5);
		for (i = 0; i < C; i++)
			y[r * C + i] = (float)((xr[i] - mean) * rstd * w[i] + b[i]);
	}
}
