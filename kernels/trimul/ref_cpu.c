/*
 * kernels/trimul/ref_cpu.c - TriMul on the CPU in double precision, for the
 * unit test (tests/unit/test_trimul.c includes this file) and for reading:
 * the same computation as ref.cu, one loop nest per step of the reference
 * module (ttt-discover.md 5.1), no tiling, no threads.  Buffers as in ./task:
 * x [B,N,N,C], mask [B,N,N], lnw/lnb [C], the five weights [H,C] (left proj,
 * right proj, left gate, right gate, out gate), onw/onb [H], wo [C,H], y
 * [B,N,N,C].  Small shapes only: O(B N^3 H) with no blocking.  It is the
 * task's "cpu_reference" too (tttd_cpu_reference below): ref.cu, the
 * reference tttd-bench runs, is checked against it at small shapes
 * (tests/gpu/ref_check.c).
 */
#include <math.h>
#include <stdlib.h>

static double
trimul_sig(double v)
{
	return 1.0 / (1.0 + exp(-v));
}

/*
 * y = TriMul(x, mask) with the given weights.  Returns 0, or -1 when memory
 * for the intermediates cannot be had (y untouched then).
 */
static int
trimul_ref_cpu(const float *x, const float *mask, const float *lnw, const float *lnb,
	       const float *wlp, const float *wrp, const float *wlg, const float *wrg,
	       const float *wog, const float *onw, const float *onb, const float *wo, float *y,
	       long B, long N, long C, long H)
{
	long M = B * N * N, m, c, h, i, j, k, b;
	double *xn = malloc(sizeof(double) * (size_t)(M * C));
	double *l = malloc(sizeof(double) * (size_t)(M * H));
	double *r = malloc(sizeof(double) * (size_t)(M * H));
	double *og = malloc(sizeof(double) * (size_t)(M * H));
	double *v = malloc(sizeof(double) * (size_t)H);
	int rc = -1;

	if (!xn || !l || !r || !og || !v)
		goto out;
	/* LayerNorm over C (biased variance, eps 1e-5), affine. */
	for (m = 0; m < M; m++) {
		double s = 0, q = 0;
		for (c = 0; c < C; c++)
			s += x[m * C + c];
		s /= C;
		for (c = 0; c < C; c++)
			q += (x[m * C + c] - s) * (x[m * C + c] - s);
		q = 1.0 / sqrt(q / C + 1e-5);
		for (c = 0; c < C; c++)
			xn[m * C + c] = (x[m * C + c] - s) * q * lnw[c] + lnb[c];
	}
	/* Projections, mask, gates. */
	for (m = 0; m < M; m++)
		for (h = 0; h < H; h++) {
			double a[5] = {0, 0, 0, 0, 0};
			for (c = 0; c < C; c++) {
				double xv = xn[m * C + c];
				a[0] += xv * wlp[h * C + c];
				a[1] += xv * wrp[h * C + c];
				a[2] += xv * wlg[h * C + c];
				a[3] += xv * wrg[h * C + c];
				a[4] += xv * wog[h * C + c];
			}
			l[m * H + h] = a[0] * mask[m] * trimul_sig(a[2]);
			r[m * H + h] = a[1] * mask[m] * trimul_sig(a[3]);
			og[m * H + h] = trimul_sig(a[4]);
		}
	/* out[b,i,j,h] = sum_k left[b,i,k,h] right[b,j,k,h]; LayerNorm over H; gate; W_o. */
	for (b = 0; b < B; b++)
		for (i = 0; i < N; i++)
			for (j = 0; j < N; j++) {
				long mo = (b * N + i) * N + j;
				double s = 0, q = 0;
				for (h = 0; h < H; h++) {
					double t = 0;
					for (k = 0; k < N; k++)
						t += l[((b * N + i) * N + k) * H + h] *
						     r[((b * N + j) * N + k) * H + h];
					v[h] = t;
					s += t;
				}
				s /= H;
				for (h = 0; h < H; h++)
					q += (v[h] - s) * (v[h] - s);
				q = 1.0 / sqrt(q / H + 1e-5);
				for (h = 0; h < H; h++)
					v[h] = ((v[h] - s) * q * onw[h] + onb[h]) * og[mo * H + h];
				for (c = 0; c < C; c++) {
					double t = 0;
					for (h = 0; h < H; h++)
						t += v[h] * wo[c * H + h];
					y[mo * C + c] = (float)t;
				}
			}
	rc = 0;
out:
	free(xn);
	free(l);
	free(r);
	free(og);
	free(v);
	return rc;
}

void tttd_cpu_reference(void **buf, const long *dim);

/*
 * The task's cpu_reference entry: buf in the task's buffer order (x, mask,
 * lnw, lnb, wlp, wrp, wlg, wrg, wog, onw, onb, wo, y, then scratch), dim =
 * B, N, C, H.  Out of memory leaves y as it was (poisoned), so the check
 * fails rather than passes.
 */
void
tttd_cpu_reference(void **buf, const long *dim)
{
	float **f = (float **)buf;

	trimul_ref_cpu(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10], f[11],
		       f[12], dim[0], dim[1], dim[2], dim[3]);
}
