/*
 * kernels/gemm_f32/kernel.cu - the candidate template: C = A * B, A (M x K),
 * B (K x N), C (M x N), all row-major fp32, fp32 FMA on the CUDA cores
 * (exact fp32: no TF32, so the tolerance stays that of a summation order).
 *
 * Decisions (task):
 *   BM BN BK   block tile          TM TN   thread tile (BM/TM x BN/TN threads)
 *   VEC        float4 global loads when K and N are multiples of 4 and the
 *              buffers 16-byte aligned (else the scalar path runs anyway)
 *   DBUF       two shared stages: the next tile is fetched into registers
 *              while this one is computed, one barrier per tile
 * Every shape is handled: loads past M, N, K read zero, stores are masked.
 * This template does not use tensor cores or split K.
 */
#ifndef BM
#define BM 64
#define BN 64
#define BK 8
#define TM 4
#define TN 4
#define VEC 1
#define DBUF 1
#endif

#define NT ((BM / TM) * (BN / TN))
#define NSTAGE (DBUF ? 2 : 1)
/* elements each thread stages per tile */
#define A_PER ((BM * BK + NT - 1) / NT)
#define B_PER ((BK * BN + NT - 1) / NT)
#define A_PER4 ((BM * BK / 4 + NT - 1) / NT)
#define B_PER4 ((BK * BN / 4 + NT - 1) / NT)

/* Fetch tile k0 into registers ra/rb: A element (r, c) of the tile, B (r, c). */
__device__ __forceinline__ void
fetch(const float *A, const float *B, long M, long N, long K, long m0, long n0, long k0, int tid,
      int vec, float4 *ra4, float4 *rb4, float *ra, float *rb)
{
	if (VEC && vec) {
#pragma unroll
		for (int p = 0; p < A_PER4; p++) {
			int i = tid + p * NT, r = i / (BK / 4), c = (i % (BK / 4)) * 4;
			long gm = m0 + r, gk = k0 + c;
			ra4[p] = i < BM * BK / 4 && gm < M && gk < K ? *(const float4 *)(A + gm * K + gk)
								      : make_float4(0.f, 0.f, 0.f, 0.f);
		}
#pragma unroll
		for (int p = 0; p < B_PER4; p++) {
			int i = tid + p * NT, r = i / (BN / 4), c = (i % (BN / 4)) * 4;
			long gk = k0 + r, gn = n0 + c;
			rb4[p] = i < BK * BN / 4 && gk < K && gn < N ? *(const float4 *)(B + gk * N + gn)
								      : make_float4(0.f, 0.f, 0.f, 0.f);
		}
		return;
	}
#pragma unroll
	for (int p = 0; p < A_PER; p++) {
		int i = tid + p * NT, r = i / BK, c = i % BK;
		long gm = m0 + r, gk = k0 + c;
		ra[p] = i < BM * BK && gm < M && gk < K ? A[gm * K + gk] : 0.f;
	}
#pragma unroll
	for (int p = 0; p < B_PER; p++) {
		int i = tid + p * NT, r = i / BN, c = i % BN;
		long gk = k0 + r, gn = n0 + c;
		rb[p] = i < BK * BN && gk < K && gn < N ? B[gk * N + gn] : 0.f;
	}
}

/* Store fetched registers into shared stage (As transposed: As[k][m]). */
__device__ __forceinline__ void
stash(float (*As)[BM], float (*Bs)[BN], int tid, int vec, const float4 *ra4, const float4 *rb4,
      const float *ra, const float *rb)
{
	if (VEC && vec) {
#pragma unroll
		for (int p = 0; p < A_PER4; p++) {
			int i = tid + p * NT, r = i / (BK / 4), c = (i % (BK / 4)) * 4;
			if (i < BM * BK / 4) {
				As[c][r] = ra4[p].x;
				As[c + 1][r] = ra4[p].y;
				As[c + 2][r] = ra4[p].z;
				As[c + 3][r] = ra4[p].w;
			}
		}
#pragma unroll
		for (int p = 0; p < B_PER4; p++) {
			int i = tid + p * NT, r = i / (BN / 4), c = (i % (BN / 4)) * 4;
			if (i < BK * BN / 4)
				*(float4 *)&Bs[r][c] = rb4[p];
		}
		return;
	}
#pragma unroll
	for (int p = 0; p < A_PER; p++) {
		int i = tid + p * NT;
		if (i < BM * BK)
			As[i % BK][i / BK] = ra[p];
	}
#pragma unroll
	for (int p = 0; p < B_PER; p++) {
		int i = tid + p * NT;
		if (i < BK * BN)
			Bs[i / BN][i % BN] = rb[p];
	}
}

extern "C" __global__ void __launch_bounds__(NT)
sgemm(const float *__restrict__ A, const float *__restrict__ B, float *__restrict__ C, long M, long N,
      long K)
{
	__shared__ __align__(16) float As[NSTAGE][BK][BM];
	__shared__ __align__(16) float Bs[NSTAGE][BK][BN];
	const int tid = threadIdx.x, tx = tid % (BN / TN), ty = tid / (BN / TN);
	const long m0 = (long)blockIdx.y * BM, n0 = (long)blockIdx.x * BN;
	const int vec = K % 4 == 0 && N % 4 == 0 && (((unsigned long)A | (unsigned long)B) % 16 == 0);
	float acc[TM][TN];
	float4 ra4[A_PER4], rb4[B_PER4];
	float ras[A_PER], rbs[B_PER]; /* the scalar path */

#pragma unroll
	for (int i = 0; i < TM; i++)
#pragma unroll
		for (int j = 0; j < TN; j++)
			acc[i][j] = 0.f;

	fetch(A, B, M, N, K, m0, n0, 0, tid, vec, ra4, rb4, ras, rbs);
	stash(As[0], Bs[0], tid, vec, ra4, rb4, ras, rbs);
	__syncthreads();
	int st = 0;
	for (long k0 = 0; k0 < K; k0 += BK) {
		const int more = k0 + BK < K;

		if (DBUF && more) /* in flight while this tile is computed */
			fetch(A, B, M, N, K, m0, n0, k0 + BK, tid, vec, ra4, rb4, ras, rbs);
#pragma unroll
		for (int kk = 0; kk < BK; kk++) {
			float a[TM], b[TN];
#pragma unroll
			for (int i = 0; i < TM; i += 4)
				*(float4 *)&a[i] = *(const float4 *)&As[st][kk][ty * TM + i];
#pragma unroll
			for (int j = 0; j < TN; j += 4)
				*(float4 *)&b[j] = *(const float4 *)&Bs[st][kk][tx * TN + j];
#pragma unroll
			for (int i = 0; i < TM; i++)
#pragma unroll
				for (int j = 0; j < TN; j++)
					acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
		}
		if (!more)
			break;
		if (DBUF) {
			/* the other stage was last read before the previous barrier */
			stash(As[st ^ 1], Bs[st ^ 1], tid, vec, ra4, rb4, ras, rbs);
			st ^= 1;
			__syncthreads();
		} else {
			__syncthreads();
			fetch(A, B, M, N, K, m0, n0, k0 + BK, tid, vec, ra4, rb4, ras, rbs);
			stash(As[0], Bs[0], tid, vec, ra4, rb4, ras, rbs);
			__syncthreads();
		}
	}
#pragma unroll
	for (int i = 0; i < TM; i++) {
		long row = m0 + ty * TM + i;
		if (row >= M)
			continue;
#pragma unroll
		for (int j = 0; j < TN; j += 4) {
			long col = n0 + tx * TN + j;
			float *p = C + row * N + col;
			if (vec && col + 3 < N) {
				*(float4 *)p = make_float4(acc[i][j], acc[i][j + 1], acc[i][j + 2], acc[i][j + 3]);
			} else {
				for (int q = 0; q < 4; q++)
					if (col + q < N)
						p[q] = acc[i][j + q];
			}
		}
	}
}
