/*
 * kernel.c - the candidate template of kernels/softmax: Y[r, :] =
 * softmax(X[r, :]) for each of R rows of C floats.
 *
 * tttd prepends one #define per decision (see the task file).  Decision
 * points:
 *   PASSES  three:  max; sum of exp; exp again, scale   (reads X three times)
 *           store:  max; y = exp and sum; scale y       (one exp per element)
 *           online: running max and sum in one pass, rescaling the sum when
 *                   the max grows; then y = exp / sum   (X read twice)
 *   EXP     libm expf, or an inline Cody-Waite reduction with a polynomial
 *           of degree 5 or 6 that the compiler can vectorise
 *   ACC     independent partial max/sum accumulators: breaks the dependency
 *           chain of the reductions without reassociation flags
 *   SCALE   divide each element by the sum, or multiply by its reciprocal
 *   VEC     "GCC ivdep" on the element loops, or nothing
 * Every row length is handled: ACC lanes leave a scalar remainder.
 *
 * It does not spawn threads.  Rows are independent and processed in order.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#if VEC_ivdep
#define IVDEP _Pragma("GCC ivdep")
#else
#define IVDEP
#endif

void tttd_kernel(void **buf, const long *dim);

#if EXP_libm
#define EXPF(v) expf(v)
#else
/*
 * exp(v) for v <= 0 (all arguments here are x - max): v = n ln2 + t with
 * |t| <= ln2/2, exp(t) by Taylor terms up to t^5 or t^6 (relative error about
 * 2.5e-6 at degree 5, 1.2e-7 at 6), 2^n built in the exponent bits.  Below
 * 2^-126 the result is flushed to 0: the row sum is >= 1, so such terms are
 * far below the tolerance.  The clamp is done on the integer n because a
 * float compare stops GCC from vectorising the loop; it needs v > -2^31 ln2,
 * which the task's normal(0, 3) inputs guarantee by a wide margin.
 */
static inline float
exp_poly(float v)
{
	float n, t, p, scale;
	int32_t ni, bits;

	/* round to nearest (v <= 0): a plain conversion vectorises, roundf not */
	ni = (int32_t)(v * 1.44269504f - 0.5f);
	n = (float)ni;
	t = v - n * 0.693145752f;   /* ln2, high part */
	t = t - n * 1.42860677e-6f; /* ln2, low part */
#if EXP_poly5
	p = 1.0f + t * (1.0f + t * (0.5f + t * (1.0f / 6 + t * (1.0f / 24 + t * (1.0f / 120)))));
#else
	p = 1.0f + t * (1.0f + t * (0.5f + t * (1.0f / 6 + t * (1.0f / 24 +
	    t * (1.0f / 120 + t * (1.0f / 720))))));
#endif
	bits = ni < -126 ? 0 : (ni + 127) << 23;
	memcpy(&scale, &bits, sizeof(scale));
	return p * scale;
}
#define EXPF(v) exp_poly(v)
#endif

/* max over x[0..n) with ACC independent lanes */
static float
row_max(const float *x, long n)
{
	float acc[ACC], m;
	long j = 0;
	int a;

	for (a = 0; a < ACC; a++)
		acc[a] = -INFINITY;
	for (; j + ACC <= n; j += ACC)
		for (a = 0; a < ACC; a++)
			acc[a] = x[j + a] > acc[a] ? x[j + a] : acc[a];
	m = -INFINITY;
	for (a = 0; a < ACC; a++)
		m = acc[a] > m ? acc[a] : m;
	for (; j < n; j++)
		m = x[j] > m ? x[j] : m;
	return m;
}

#if PASSES_online
/*
 * One pass: per lane a running max and a sum relative to it.  When the max
 * grows the sum is rescaled by exp(old - new); the lanes are merged the
 * same way at the end.  @return the row max; *sum the sum of exp(x - max).
 */
static float
row_online(const float *x, long n, float *sum)
{
	float m[ACC], s[ACC], M = -INFINITY, S = 0.0f;
	long j = 0;
	int a;

	for (a = 0; a < ACC; a++) {
		m[a] = -INFINITY;
		s[a] = 0.0f;
	}
	for (; j + ACC <= n; j += ACC)
		for (a = 0; a < ACC; a++) {
			const float v = x[j + a];

			if (v > m[a]) {
				/* the first element of a lane has nothing to rescale */
				s[a] = s[a] == 0.0f ? 1.0f : s[a] * EXPF(m[a] - v) + 1.0f;
				m[a] = v;
			} else {
				s[a] += EXPF(v - m[a]);
			}
		}
	for (; j < n; j++) {
		if (x[j] > m[0]) {
			s[0] = s[0] == 0.0f ? 1.0f : s[0] * EXPF(m[0] - x[j]) + 1.0f;
			m[0] = x[j];
		} else {
			s[0] += EXPF(x[j] - m[0]);
		}
	}
	for (a = 0; a < ACC; a++)
		M = m[a] > M ? m[a] : M;
	for (a = 0; a < ACC; a++)
		if (s[a] > 0.0f)
			S += s[a] * EXPF(m[a] - M);
	*sum = S;
	return M;
}
#endif

void
tttd_kernel(void **buf, const long *dim)
{
	const float *X = buf[0];
	float *Y = buf[1];
	const long R = dim[0], C = dim[1];
	long r, j;

	for (r = 0; r < R; r++) {
		const float *restrict x = X + r * C;
		float *restrict y = Y + r * C;
		float m, s = 0.0f, acc[ACC];
		int a;

		for (a = 0; a < ACC; a++)
			acc[a] = 0.0f;
#if PASSES_online
		m = row_online(x, C, &s);
		(void)acc;
#else
		m = row_max(x, C);
		j = 0;
#if PASSES_store
		for (; j + ACC <= C; j += ACC)
			for (a = 0; a < ACC; a++) {
				y[j + a] = EXPF(x[j + a] - m);
				acc[a] += y[j + a];
			}
		for (; j < C; j++) {
			y[j] = EXPF(x[j] - m);
			acc[0] += y[j];
		}
#else
		for (; j + ACC <= C; j += ACC)
			for (a = 0; a < ACC; a++)
				acc[a] += EXPF(x[j + a] - m);
		for (; j < C; j++)
			acc[0] += EXPF(x[j] - m);
#endif
		for (a = 0; a < ACC; a++)
			s += acc[a];
#endif

#if PASSES_store
		{
#if SCALE_recip
			const float inv = 1.0f / s;

			IVDEP
			for (j = 0; j < C; j++)
				y[j] *= inv;
#else
			IVDEP
			for (j = 0; j < C; j++)
				y[j] /= s;
#endif
		}
#else
		{
#if SCALE_recip
			const float inv = 1.0f / s;

			IVDEP
			for (j = 0; j < C; j++)
				y[j] = EXPF(x[j] - m) * inv;
#else
			IVDEP
			for (j = 0; j < C; j++)
				y[j] = EXPF(x[j] - m) / s;
#endif
		}
#endif
	}
}
