/*
 * kernel.c - the candidate template of kernels/matmul: C = A * B, fp32,
 * row-major, A is M x K, B is K x N, C is M x N.
 *
 * tttd prepends one #define per decision (see the task file), so every
 * "#if" below is a decision point; a decision name in double braces is
 * replaced by the option text.
 * The structure is the classic one: cache blocks of BM x BN x BK over the
 * matrices (0 = no blocking in that dimension), B optionally packed into a
 * contiguous block (or NR-wide panels for the micro-kernel), and inside a
 * block either a plain loop nest in order LOOP, or an MR x NR register tile
 * of accumulators (KERNEL micro), written with plain floats or GCC vector
 * types (VEC vecext).  Every shape is handled: tiles that do not fit at the
 * right and bottom edges fall back to the plain ikj nest.
 *
 * The template does not spawn threads: the landscape is one core's.
 */
#include <stdlib.h>
#include <string.h>

#if RESTRICT_yes
#define R restrict
#else
#define R
#endif

#if LOOP_ijk
#define ORDER_IJK 1
#else
#define ORDER_IJK 0
#endif
#if LOOP_kij
#define ORDER_KIJ 1
#else
#define ORDER_KIJ 0
#endif

#if VEC_ivdep
#define IVDEP _Pragma("GCC ivdep")
#else
#define IVDEP
#endif

void tttd_kernel(void **buf, const long *dim);

static long
min_l(long a, long b)
{
	return a < b ? a : b;
}

/*
 * The plain nest over one block: C[i0:i1, j0:j1] += A[i0:i1, k0:k1] *
 * B[k0:k1, j0:j1], where B's element (k, j) is at Bb[(k - k0) * ldb + (j - j0)].
 */
static void
nest(const float *R A, const float *R Bb, long ldb, float *R C, long i0, long i1, long j0,
     long j1, long k0, long k1, long K, long N, int order_ijk, int order_kij)
{
	long i, j, k;

	if (order_ijk) {
		for (i = i0; i < i1; i++)
			for (j = j0; j < j1; j++) {
				float s = C[i * N + j];

#pragma GCC unroll {{KUNROLL}}
				for (k = k0; k < k1; k++)
					s += A[i * K + k] * Bb[(k - k0) * ldb + (j - j0)];
				C[i * N + j] = s;
			}
	} else if (order_kij) {
		for (k = k0; k < k1; k++)
			for (i = i0; i < i1; i++) {
				const float a = A[i * K + k];
				const float *R b = Bb + (k - k0) * ldb - j0;
				float *R c = C + i * N;

				IVDEP
				for (j = j0; j < j1; j++)
					c[j] += a * b[j];
			}
	} else {
		for (i = i0; i < i1; i++) {
			float *R c = C + i * N;

#pragma GCC unroll {{KUNROLL}}
			for (k = k0; k < k1; k++) {
				const float a = A[i * K + k];
				const float *R b = Bb + (k - k0) * ldb - j0;

				IVDEP
				for (j = j0; j < j1; j++)
					c[j] += a * b[j];
			}
		}
	}
}

#if KERNEL_micro
#if VEC_vecext
typedef float v8f __attribute__((vector_size(32)));
#endif

/*
 * One MR x NR tile of C at (i, j) over k0..k1.  The B row for k is at
 * brow + (k - k0) * bstride: a panel of the packed block (stride NR) or the
 * matrix itself (stride ldb).
 */
static void
tile(const float *R A, const float *R brow, long bstride, float *R C, long i, long j, long k0,
     long k1, long K, long N)
{
	long k;
	int r, c;
#if VEC_vecext
	v8f acc[MR][NR / 8];

	for (r = 0; r < MR; r++)
		for (c = 0; c < NR / 8; c++)
			memcpy(&acc[r][c], C + (i + r) * N + j + 8 * c, sizeof(v8f));
#pragma GCC unroll {{KUNROLL}}
	for (k = k0; k < k1; k++) {
		const float *b = brow + (k - k0) * bstride;
		v8f bv[NR / 8];

		for (c = 0; c < NR / 8; c++)
			memcpy(&bv[c], b + 8 * c, sizeof(v8f));
		for (r = 0; r < MR; r++) {
			const float a = A[(i + r) * K + k];

			for (c = 0; c < NR / 8; c++)
				acc[r][c] += a * bv[c];
		}
	}
	for (r = 0; r < MR; r++)
		for (c = 0; c < NR / 8; c++)
			memcpy(C + (i + r) * N + j + 8 * c, &acc[r][c], sizeof(v8f));
#else
	float acc[MR][NR];

	for (r = 0; r < MR; r++)
		for (c = 0; c < NR; c++)
			acc[r][c] = C[(i + r) * N + j + c];
#pragma GCC unroll {{KUNROLL}}
	for (k = k0; k < k1; k++) {
		const float *R b = brow + (k - k0) * bstride;

		for (r = 0; r < MR; r++) {
			const float a = A[(i + r) * K + k];

			IVDEP
			for (c = 0; c < NR; c++)
				acc[r][c] += a * b[c];
		}
	}
	for (r = 0; r < MR; r++)
		for (c = 0; c < NR; c++)
			C[(i + r) * N + j + c] = acc[r][c];
#endif
}
#endif

/*
 * One block.  Bb/ldb address B's block as in nest(); panels, when not NULL,
 * is the same block packed as NR-wide panels of (k1 - k0) rows.
 */
static void
block(const float *R A, const float *R Bb, long ldb, const float *R panels, float *R C, long i0,
      long i1, long j0, long j1, long k0, long k1, long K, long N)
{
#if KERNEL_micro
	long i = i0, j;

	for (; i + MR <= i1; i += MR) {
		for (j = j0; j + NR <= j1; j += NR) {
			if (panels)
				tile(A, panels + (j - j0) * (k1 - k0), NR, C, i, j, k0, k1, K, N);
			else
				tile(A, Bb + (j - j0), ldb, C, i, j, k0, k1, K, N);
		}
		if (j < j1)
			nest(A, Bb + (j - j0), ldb, C, i, i + MR, j, j1, k0, k1, K, N, 0, 0);
	}
	if (i < i1)
		nest(A, Bb, ldb, C, i, i1, j0, j1, k0, k1, K, N, 0, 0);
#else
	(void)panels;
	nest(A, Bb, ldb, C, i0, i1, j0, j1, k0, k1, K, N, ORDER_IJK, ORDER_KIJ);
#endif
}

/* Copy B[k0:k1, j0:j1] into dst: NR-wide panels for the micro-kernel, else rows of j1 - j0. */
static void
pack(const float *R B, float *R dst, long k0, long k1, long j0, long j1, long N)
{
	long k, j;
#if KERNEL_micro
	long p;

	for (p = j0; p + NR <= j1; p += NR)
		for (k = k0; k < k1; k++)
			for (j = 0; j < NR; j++)
				*dst++ = B[k * N + p + j];
#else
	for (k = k0; k < k1; k++)
		for (j = j0; j < j1; j++)
			*dst++ = B[k * N + j];
#endif
}

void
tttd_kernel(void **buf, const long *dim)
{
	const float *R A = buf[0];
	const float *R B = buf[1];
	float *R C = buf[2];
	const long M = dim[0], N = dim[1], K = dim[2];
	const long bm = BM ? BM : M, bn = BN ? BN : N, bk = BK ? BK : K;
	float *packed = NULL;
	long i0, j0, k0;

	memset(C, 0, (size_t)(M * N) * sizeof(*C));
	if (M <= 0 || N <= 0 || K <= 0)
		return;
#if PACK_yes
	packed = malloc((size_t)(min_l(bk, K) * min_l(bn, N)) * sizeof(*packed));
	if (!packed)
		return; /* C stays zero: the check reports it */
#endif
	for (j0 = 0; j0 < N; j0 += bn) {
		const long j1 = min_l(j0 + bn, N);

		for (k0 = 0; k0 < K; k0 += bk) {
			const long k1 = min_l(k0 + bk, K);
			const float *Bb = B + k0 * N + j0, *panels = NULL;
			long ldb = N;

			if (packed) {
				pack(B, packed, k0, k1, j0, j1, N);
#if KERNEL_micro
				panels = packed;
#else
				Bb = packed;
				ldb = j1 - j0;
#endif
			}
			for (i0 = 0; i0 < M; i0 += bm)
				block(A, Bb, ldb, panels, C, i0, min_l(i0 + bm, M), j0, j1, k0, k1, K,
				      N);
		}
	}
	free(packed);
}
