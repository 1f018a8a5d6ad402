/*
 * kernels/gemm/kernel.cu - the candidate template: C = A * B, A (M x K) and B
 * (K x N) row-major bf16, C (M x N) row-major fp32, fp32 accumulation.
 *
 * The rendered header defines the decisions (see ./task):
 *   BM BN BK      block tile        WM WN    warp tile (BM/WM * BN/WN warps)
 *   STAGES        cp.async pipeline depth (shared-memory stages)
 *   SWIZZLE       1: XOR-swizzled 16-byte chunks, 0: rows padded by 16 bytes
 *   GROUP_M       block raster: GROUP_M row-blocks per column sweep (L2 reuse)
 * Tensor cores through mma.sync.m16n8k16 (bf16 in, fp32 accumulate); operand
 * fragments through ldmatrix (.trans for B, which is k-major in shared).
 *
 * Every shape is handled: rows and columns past M, N, K are zero-filled on
 * load (cp.async with src-size 0) and masked on store.  16-byte loads need K
 * and N multiples of 8 (rows 16-byte aligned); otherwise a scalar path fills
 * the same shared layout.  No host headers: bf16 is moved as raw bits.
 */
#ifndef BM
#define BM 128
#define BN 128
#define BK 32
#define WM 64
#define WN 64
#define STAGES 3
#define SWIZZLE 1
#define GROUP_M 8
#endif

#define NWARP ((BM / WM) * (BN / WN))
#define NT (NWARP * 32)
#define MI (WM / 16) /* mma tiles per warp along m */
#define NI (WN / 8)  /* along n */

/* Shared layout, in bf16 elements.  Chunk = 8 elements = 16 bytes. */
#if SWIZZLE
#define A_LD BK
#define B_LD BN
#else
#define A_LD (BK + 8)
#define B_LD (BN + 8)
#endif
#define A_STAGE (BM * A_LD)
#define B_STAGE (BK * B_LD)

typedef unsigned short bf16_t;

/*
 * Swizzle: a warp's ldmatrix reads 8 rows at one chunk column; XOR the chunk
 * with a function of the row so those 8 rows hit 8 different 16-byte bank
 * groups.  With nc chunks per row, 8/nc rows share a 128-byte line.
 */
__device__ __forceinline__ int
swz(int row, int chunk, int nc)
{
#if SWIZZLE
	int per = nc >= 8 ? 1 : 8 / nc;
	int m = nc >= 8 ? 7 : nc - 1;
	return chunk ^ ((row / per) & m);
#else
	return chunk;
#endif
}

__device__ __forceinline__ int
a_off(int r, int c) /* element offset of chunk c of row r in an A stage */
{
	return r * A_LD + swz(r, c, BK / 8) * 8;
}

__device__ __forceinline__ int
b_off(int r, int c)
{
	return r * B_LD + swz(r, c, BN / 8) * 8;
}

__device__ __forceinline__ unsigned
smem_u32(const void *p)
{
	return (unsigned)__cvta_generic_to_shared(p);
}

__device__ __forceinline__ void
cp_async16(unsigned dst, const void *src, int bytes)
{
	asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(bytes));
}

__device__ __forceinline__ void
cp_commit(void)
{
	asm volatile("cp.async.commit_group;\n" ::);
}

template <int N>
__device__ __forceinline__ void
cp_wait(void)
{
	asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

__device__ __forceinline__ void
ldsm_x4(unsigned addr, unsigned &r0, unsigned &r1, unsigned &r2, unsigned &r3)
{
	asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
		     : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3)
		     : "r"(addr));
}

__device__ __forceinline__ void
ldsm_x4_t(unsigned addr, unsigned &r0, unsigned &r1, unsigned &r2, unsigned &r3)
{
	asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
		     : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3)
		     : "r"(addr));
}

__device__ __forceinline__ void
mma_bf16(float *d, const unsigned *a, unsigned b0, unsigned b1)
{
	asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
		     "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
		     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
		     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

/* Stage tile kt (k0 = kt*BK) of A and B into shared stage st. */
__device__ __forceinline__ void
load_tile(bf16_t *sA, bf16_t *sB, const bf16_t *A, const bf16_t *B, long M, long N, long K, long m0,
	  long n0, long k0, int vec, int tid)
{
	if (vec) {
#pragma unroll
		for (int i = tid; i < BM * BK / 8; i += NT) {
			int r = i / (BK / 8), c = i % (BK / 8);
			long gm = m0 + r, gk = k0 + c * 8;
			int ok = gm < M && gk < K;
			const bf16_t *src = ok ? A + gm * K + gk : A;
			cp_async16(smem_u32(sA + a_off(r, c)), src, ok ? 16 : 0);
		}
#pragma unroll
		for (int i = tid; i < BK * BN / 8; i += NT) {
			int r = i / (BN / 8), c = i % (BN / 8);
			long gk = k0 + r, gn = n0 + c * 8;
			int ok = gk < K && gn < N;
			const bf16_t *src = ok ? B + gk * N + gn : B;
			cp_async16(smem_u32(sB + b_off(r, c)), src, ok ? 16 : 0);
		}
	} else {
		/* Scalar path: any K and N, same layout. */
		for (int i = tid; i < BM * BK; i += NT) {
			int r = i / BK, c = i % BK;
			long gm = m0 + r, gk = k0 + c;
			sA[a_off(r, c / 8) + c % 8] = gm < M && gk < K ? A[gm * K + gk] : (bf16_t)0;
		}
		for (int i = tid; i < BK * BN; i += NT) {
			int r = i / BN, c = i % BN;
			long gk = k0 + r, gn = n0 + c;
			sB[b_off(r, c / 8) + c % 8] = gk < K && gn < N ? B[gk * N + gn] : (bf16_t)0;
		}
	}
}

extern "C" __global__ void __launch_bounds__(NT)
gemm(const bf16_t *__restrict__ A, const bf16_t *__restrict__ B, float *__restrict__ C, long M, long N,
     long K)
{
	extern __shared__ __align__(128) unsigned char smem_raw[];
	bf16_t *sA = (bf16_t *)smem_raw;
	bf16_t *sB = sA + STAGES * A_STAGE;

	const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
	const int wm0 = (warp / (BN / WN)) * WM, wn0 = (warp % (BN / WN)) * WN;

	/* Grouped raster: GROUP_M row-blocks share the B column panel in L2. */
	const long gm = (M + BM - 1) / BM, gn = (N + BN - 1) / BN;
	const long bid = blockIdx.x;
	const long per_group = (long)GROUP_M * gn;
	const long group = bid / per_group;
	const long first_m = group * GROUP_M;
	const long rows = gm - first_m < GROUP_M ? gm - first_m : GROUP_M;
	const long bm = first_m + (bid % per_group) % rows;
	const long bn = (bid % per_group) / rows;
	const long m0 = bm * BM, n0 = bn * BN;

	/* 16-byte cp.async needs every row start 16-byte aligned. */
	const int vec = (K % 8 == 0) && (N % 8 == 0) && (((unsigned long)A | (unsigned long)B) % 16 == 0);
	const long KT = (K + BK - 1) / BK;

	float acc[MI][NI][4];
#pragma unroll
	for (int i = 0; i < MI; i++)
#pragma unroll
		for (int j = 0; j < NI; j++)
#pragma unroll
			for (int q = 0; q < 4; q++)
				acc[i][j][q] = 0.f;

#pragma unroll
	for (int s = 0; s < STAGES - 1; s++) {
		if (s < KT)
			load_tile(sA + s * A_STAGE, sB + s * B_STAGE, A, B, M, N, K, m0, n0, (long)s * BK, vec,
				  tid);
		cp_commit();
	}

	for (long kt = 0; kt < KT; kt++) {
		cp_wait<STAGES - 2>();
		__syncthreads(); /* tile kt landed; everyone is done with tile kt-1 */
		{
			long nk = kt + STAGES - 1;
			int ns = (int)(nk % STAGES);
			if (nk < KT)
				load_tile(sA + ns * A_STAGE, sB + ns * B_STAGE, A, B, M, N, K, m0, n0,
					  nk * BK, vec, tid);
			cp_commit();
		}
		const bf16_t *a = sA + (kt % STAGES) * A_STAGE;
		const bf16_t *b = sB + (kt % STAGES) * B_STAGE;
#pragma unroll
		for (int kk = 0; kk < BK; kk += 16) {
			unsigned af[MI][4], bfr[NI][2];
#pragma unroll
			for (int i = 0; i < MI; i++) {
				int r = wm0 + i * 16 + (lane & 15);
				int c = kk / 8 + (lane >> 4);
				ldsm_x4(smem_u32(a + a_off(r, c)), af[i][0], af[i][1], af[i][2], af[i][3]);
			}
#pragma unroll
			for (int j = 0; j < NI; j += 2) {
				int r = kk + (lane & 15);
				int c = (wn0 + j * 8) / 8 + (lane >> 4);
				ldsm_x4_t(smem_u32(b + b_off(r, c)), bfr[j][0], bfr[j][1], bfr[j + 1][0],
					  bfr[j + 1][1]);
			}
#pragma unroll
			for (int i = 0; i < MI; i++)
#pragma unroll
				for (int j = 0; j < NI; j++)
					mma_bf16(acc[i][j], af[i], bfr[j][0], bfr[j][1]);
		}
	}
	cp_wait<0>();

	/* Accumulator fragment: rows lane/4 and +8, columns 2*(lane%4) and +1. */
	const int even = (N % 2) == 0;
#pragma unroll
	for (int i = 0; i < MI; i++) {
#pragma unroll
		for (int j = 0; j < NI; j++) {
			long col = n0 + wn0 + j * 8 + (lane & 3) * 2;
#pragma unroll
			for (int h = 0; h < 2; h++) {
				long row = m0 + wm0 + i * 16 + (lane >> 2) + h * 8;
				if (row >= M)
					continue;
				float *p = C + row * N + col;
				float v0 = acc[i][j][2 * h], v1 = acc[i][j][2 * h + 1];
				if (even && col + 1 < N) {
					*(float2 *)p = make_float2(v0, v1);
				} else {
					if (col < N)
						p[0] = v0;
					if (col + 1 < N)
						p[1] = v1;
				}
			}
		}
	}
}
