/*
 * ref.c - the trusted reference for kernels/softmax: each row of X (R rows
 * of C floats) becomes softmax(row) in Y, computed the textbook way in three
 * passes (max, sum of exp, exp again and divide) with libm's expf and double
 * precision for nothing.  Compiled with -O2 (ref_cflags); deliberately not
 * tuned.  Subtracting the row maximum is what keeps expf from overflowing.
 *
 * buf[0] = X (R x C), buf[1] = Y (R x C), row-major; dim[0..1] = R, C.
 */
#include <math.h>

void tttd_reference(void **buf, const long *dim);

void
tttd_reference(void **buf, const long *dim)
{
	const float *X = buf[0];
	float *Y = buf[1];
	long R = dim[0], C = dim[1], r, j;

	for (r = 0; r < R; r++) {
		const float *x = X + r * C;
		float *y = Y + r * C;
		float m = -INFINITY, s = 0.0f;

		for (j = 0; j < C; j++)
			if (x[j] > m)
				m = x[j];
		for (j = 0; j < C; j++)
			s += expf(x[j] - m);
		for (j = 0; j < C; j++)
			y[j] = expf(x[j] - m) / s;
	}
}
