/*
 * test_trimul.c - kernels/trimul without a GPU: the task loads with the 18
 * GPU MODE test shapes (random 0/1 masks at seven, Cauchy inputs at seven)
 * and the 7 ranked shapes; the double-precision CPU reference
 * (kernels/trimul/ref_cpu.c) at small shapes obeys what TriMul must: node
 * relabelling commutes with it, an all-zero mask leaves only the out-norm
 * bias path, a mask of ones equals no mask, LayerNorm makes it blind to a
 * per-row affine change of x, and zeroing node k in the mask equals deleting
 * k from the sum over k.  The device code itself is checked by
 * tests/gpu/trimul_check.sh.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "inputs.h"
#include "task.h"
#include "test.h"
#include "tttd.h"

#include "../../kernels/trimul/ref_cpu.c"

/* clang-format off */
enum { B = 2, N = 5, C = 8, H = 6, M = B * N * N };
/* clang-format on */

struct w {
	float lnw[C], lnb[C], wp[5][H * C], onw[H], onb[H], wo[C * H];
};

static void
weights(struct w *w, uint64_t seed)
{
	int j;

	tttd_fill(w->lnw, TTTD_F32, C, TTTD_DIST_NORMAL, 1, seed + 1);
	tttd_fill(w->lnb, TTTD_F32, C, TTTD_DIST_NORMAL, 1, seed + 2);
	for (j = 0; j < 5; j++)
		tttd_fill(w->wp[j], TTTD_F32, H * C, TTTD_DIST_NORMAL, 1 / sqrt(H), seed + 3 + j);
	tttd_fill(w->onw, TTTD_F32, H, TTTD_DIST_NORMAL, 1, seed + 9);
	tttd_fill(w->onb, TTTD_F32, H, TTTD_DIST_NORMAL, 1, seed + 10);
	tttd_fill(w->wo, TTTD_F32, C * H, TTTD_DIST_NORMAL, 1 / sqrt(C), seed + 11);
}

static int
run(const struct w *w, const float *x, const float *mask, float *y, long n)
{
	return trimul_ref_cpu(x, mask, w->lnw, w->lnb, w->wp[0], w->wp[1], w->wp[2], w->wp[3],
			      w->wp[4], w->onw, w->onb, w->wo, y, B, n, C, H);
}

static double
maxdiff(const float *a, const float *b, size_t n)
{
	double d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d = fmax(d, fabs((double)a[i] - b[i]));
	return d;
}

int
main(void)
{
	static float x[M * C], x2[M * C], mask[M], mask2[M], y[M * C], y2[M * C];
	static float xs[B * (N - 1) * (N - 1) * C], ms[B * (N - 1) * (N - 1)], ys[B * (N - 1) * (N - 1) * C];
	static struct w w;
	struct tttd_task *t = NULL;
	struct tttd_error e;
	int perm[N] = { 3, 0, 4, 1, 2 };
	long b, i, j, k, c, h, del = 2;
	size_t s;
	int masked = 0, cauchy = 0;

	/* The task file. */
	T_CHECK("trimul task loads", tttd_task_load(&t, "kernels/trimul", &e) == TTTD_OK);
	if (!t)
		return 1;
	T_CHECK("18 check shapes", t->ncheck == 18);
	T_CHECK("7 bench shapes", t->nbench == 7);
	T_CHECK("tolerance 2e-2", t->rtol == 2e-2 && t->atol == 2e-2);
	for (s = 0; s < t->ncheck; s++) {
		int n;
		for (n = 0; n < t->check_inputs[s].n; n++) {
			const struct tttd_shape_input *in = &t->check_inputs[s].in[n];
			if (in->buf >= 0 && strcmp(t->buf[in->buf].name, "mask") == 0 &&
			    in->dist == TTTD_DIST_MASK01)
				masked++;
			if (in->buf >= 0 && strcmp(t->buf[in->buf].name, "x") == 0 &&
			    in->dist == TTTD_DIST_CAUCHY && in->scale == 2)
				cauchy++;
		}
	}
	T_CHECK("seven check shapes with a random 0/1 mask", masked == 7);
	T_CHECK("seven check shapes with Cauchy(2) inputs", cauchy == 7);
	T_CHECK("first bench shape is B2 N256 C128 H128",
		t->bench[0].dim[0] == 2 && t->bench[0].dim[1] == 256 && t->bench[0].dim[2] == 128 &&
			t->bench[0].dim[3] == 128);
	tttd_task_free(t);

	/* The CPU reference. */
	weights(&w, 100);
	tttd_fill(x, TTTD_F32, M * C, TTTD_DIST_NORMAL, 1, 7);
	tttd_fill(mask, TTTD_F32, M, TTTD_DIST_MASK01, 0.5, 8);
	T_CHECK("reference runs", run(&w, x, mask, y, N) == 0);
	{
		int finite = 1, nonzero = 0;
		for (s = 0; s < M * C; s++) {
			finite &= isfinite(y[s]);
			nonzero += y[s] != 0;
		}
		T_CHECK("output finite", finite);
		T_CHECK("output not trivially zero", nonzero > M * C / 2);
	}

	/* Relabel the nodes: x'[b,p(i),p(k)] = x[b,i,k] gives y'[b,p(i),p(j)] = y[b,i,j]. */
	for (b = 0; b < B; b++)
		for (i = 0; i < N; i++)
			for (k = 0; k < N; k++) {
				long from = (b * N + i) * N + k, to = (b * N + perm[i]) * N + perm[k];
				memcpy(x2 + to * C, x + from * C, sizeof(float) * C);
				mask2[to] = mask[from];
			}
	run(&w, x2, mask2, y2, N);
	{
		double d = 0;
		for (b = 0; b < B; b++)
			for (i = 0; i < N; i++)
				for (j = 0; j < N; j++)
					for (c = 0; c < C; c++)
						d = fmax(d, fabs(y[((b * N + i) * N + j) * C + c] -
								 y2[((b * N + perm[i]) * N + perm[j]) * C + c]));
		T_NEAR("node relabelling commutes", d, 0, 1e-5);
	}
	/* A random mask changes the result (the mask is applied). */
	{
		for (s = 0; s < M; s++)
			mask2[s] = 1;
		run(&w, x, mask2, y2, N);
		T_CHECK("a 0/1 mask changes the output", maxdiff(y, y2, M * C) > 1e-3);
	}
	/* All-zero mask: T = 0, LayerNorm_H(0) = onb, so y = (onb * og) W_o^T. */
	{
		for (s = 0; s < M; s++)
			mask2[s] = 0;
		run(&w, x, mask2, y2, N);
		double d = 0;
		for (s = 0; s < M; s++) {
			double mu = 0, q = 0, xn[C];
			for (c = 0; c < C; c++)
				mu += x[s * C + c] / C;
			for (c = 0; c < C; c++)
				q += (x[s * C + c] - mu) * (x[s * C + c] - mu) / C;
			for (c = 0; c < C; c++)
				xn[c] = (x[s * C + c] - mu) / sqrt(q + 1e-5) * w.lnw[c] + w.lnb[c];
			for (c = 0; c < C; c++) {
				double want = 0;
				for (h = 0; h < H; h++) {
					double a = 0;
					for (k = 0; k < C; k++)
						a += xn[k] * w.wp[4][h * C + k];
					want += w.onb[h] / (1 + exp(-a)) * w.wo[c * H + h];
				}
				d = fmax(d, fabs(want - y2[s * C + c]));
			}
		}
		T_NEAR("zero mask leaves the out-norm bias through the gate", d, 0, 1e-5);
	}
	/* Per-row affine change of x: LayerNorm removes it (up to eps). */
	{
		for (s = 0; s < M; s++)
			for (c = 0; c < C; c++)
				x2[s * C + c] = 3.0f * x[s * C + c] + (float)(s % 7) - 3.0f;
		run(&w, x2, mask, y2, N);
		T_NEAR("blind to a per-row scale and shift of x", maxdiff(y, y2, M * C), 0, 2e-3);
	}
	/*
	 * Mask out node del as a k for rows i != del: for pairs (i, j) with
	 * i, j != del that equals the TriMul of the graph without node del.
	 */
	{
		long n1 = N - 1, ii, jj;
		memcpy(mask2, mask, sizeof(mask));
		for (b = 0; b < B; b++)
			for (i = 0; i < N; i++)
				mask2[(b * N + i) * N + del] = 0;
		run(&w, x, mask2, y2, N);
		for (b = 0; b < B; b++)
			for (i = 0, ii = 0; i < N; i++) {
				if (i == del)
					continue;
				for (k = 0, jj = 0; k < N; k++) {
					if (k == del)
						continue;
					long to = (b * n1 + ii) * n1 + jj, from = (b * N + i) * N + k;
					memcpy(xs + to * C, x + from * C, sizeof(float) * C);
					ms[to] = mask[from];
					jj++;
				}
				ii++;
			}
		trimul_ref_cpu(xs, ms, w.lnw, w.lnb, w.wp[0], w.wp[1], w.wp[2], w.wp[3], w.wp[4], w.onw,
			       w.onb, w.wo, ys, B, n1, C, H);
		double d = 0;
		for (b = 0; b < B; b++)
			for (i = 0, ii = 0; i < N; i++) {
				if (i == del)
					continue;
				for (j = 0, jj = 0; j < N; j++) {
					if (j == del)
						continue;
					for (c = 0; c < C; c++)
						d = fmax(d, fabs(ys[((b * n1 + ii) * n1 + jj) * C + c] -
								 y2[((b * N + i) * N + j) * C + c]));
					jj++;
				}
				ii++;
			}
		T_NEAR("a masked-out node is a deleted node", d, 0, 1e-5);
	}
	T_DONE();
}
