/*
 * kernels/gemm/kernel.cu - the candidate template: C = A * B, A (M x K) and B
 * (K x N) row-major bf16, C (M x N) row-major fp32, fp32 accumulation.
 *
 * The rendered header defines the decisions (see ./task):
 *   BM BN BK      block tile        WM WN    warp tile (BM/WM * BN/WN warps)
 *   STAGES        cp.async pipeline depth (shared-memory stages)
 *   SWIZZLE       1: XOR-swizzled 16-byte chunks, 0: rows padded by 16 bytes
 *   GROUP_M       block raster: GROUP_M row-blocks per column sweep (L2 reuse)
 *   MINB          __launch_bounds__ minimum blocks per SM (2 caps registers)
 *   SPLITK        blockIdx.z takes one of SPLITK slices of K (whole BK tiles)
 *                 and adds its partial sums into C with atomicAdd; the plan
 *                 zeroes C first (zero_c, launched only when SPLITK > 1).
 *                 For skinny outputs with a long K (256 x 256 x 16384).
 * Tensor cores through mma.sync.m16n8k16 (bf16 in, fp32 accumulate); operand
 * fragments through ldmatrix (.trans for B, which is k-major in shared),
 * double-buffered across the k16 steps; one barrier per k-tile.  Not here:
 * wgmma/TMA (sm_90a), a bf16 output.
 *
 * Every shape is handled: rows and columns past M, N, K are zero-filled on
 * load (cp.async with src-size 0) and masked on store.  16-byte loads need K
 * and N multiples of 8 (rows 16-byte aligned); otherwise a scalar path fills
 * the same shared layout.  No host headers: bf16 is moved as raw bits.
 */
#ifndef BM
#define BM 256
#define BN 128
#define BK 32
#define WM 64
#define WN 64
#define STAGES 4
#define SWIZZLE 1
#define GROUP_M 8
#define MINB 1
#endif
#ifndef SPLITK
#define SPLITK 1
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

/*
 * Per-thread copy plan for one k-tile: the chunk column of a thread is the
 * same on every pass (NT is a multiple of the chunks per row), so the global
 * pointers are computed once and advance by BK (A) or BK rows (B) per tile;
 * only the k bound changes from tile to tile.
 */
#define A_CPR (BK / 8) /* 16-byte chunks per row */
#define B_CPR (BN / 8)
#define A_RSTEP (NT / A_CPR) /* rows one pass of all threads covers */
#define B_RSTEP (NT / B_CPR)
#define A_PASS ((BM + A_RSTEP - 1) / A_RSTEP)
#define B_PASS ((BK + B_RSTEP - 1) / B_RSTEP)

/* Stage tile k0 of A and B into shared stage (sA, sB): the 16-byte path. */
__device__ __forceinline__ void
load_vec(unsigned sA, unsigned sB, const bf16_t *gA, const bf16_t *gB, long K, long KE, long N, int a_r0,
	 int a_c, int b_r0, int b_c, unsigned a_rowok, int b_colok, long k0)
{
	int ka = (k0 + a_c * 8) < KE;
#pragma unroll
	for (int p = 0; p < A_PASS; p++) {
		int r = a_r0 + p * A_RSTEP;
		if (BM % A_RSTEP == 0 || r < BM) {
			int ok = ka && ((a_rowok >> p) & 1);
			cp_async16(sA + 2 * a_off(r, a_c), ok ? gA + (long)p * A_RSTEP * K + k0 : gA, ok ? 16 : 0);
		}
	}
#pragma unroll
	for (int p = 0; p < B_PASS; p++) {
		int r = b_r0 + p * B_RSTEP;
		if (BK % B_RSTEP == 0 || r < BK) {
			int ok = b_colok && k0 + r < KE;
			cp_async16(sB + 2 * b_off(r, b_c), ok ? gB + (k0 + p * B_RSTEP) * N : gB, ok ? 16 : 0);
		}
	}
}

/* The scalar path: any K and N (rows not 16-byte aligned), same layout. */
__device__ __noinline__ void
load_scalar(bf16_t *sA, bf16_t *sB, const bf16_t *A, const bf16_t *B, long M, long N, long K, long KE,
	    long m0, long n0, long k0, int tid)
{
	for (int i = tid; i < BM * BK; i += NT) {
		int r = i / BK, c = i % BK;
		long gm = m0 + r, gk = k0 + c;
		sA[a_off(r, c / 8) + c % 8] = gm < M && gk < KE ? A[gm * K + gk] : (bf16_t)0;
	}
	for (int i = tid; i < BK * BN; i += NT) {
		int r = i / BN, c = i % BN;
		long gk = k0 + r, gn = n0 + c;
		sB[b_off(r, c / 8) + c % 8] = gk < KE && gn < N ? B[gk * N + gn] : (bf16_t)0;
	}
}

/* Fragments of k16 step kk of a stage (a, b: shared addresses of the stage). */
__device__ __forceinline__ void
load_frags(unsigned a, unsigned b, int kk, int lane, int wm0, int wn0, unsigned (*af)[4], unsigned (*bf)[2])
{
#pragma unroll
	for (int i = 0; i < MI; i++) {
		int r = wm0 + i * 16 + (lane & 15);
		int c = kk * 2 + (lane >> 4);
		ldsm_x4(a + 2 * a_off(r, c), af[i][0], af[i][1], af[i][2], af[i][3]);
	}
#pragma unroll
	for (int j = 0; j < NI; j += 2) {
		int r = kk * 16 + (lane & 15);
		int c = (wn0 + j * 8) / 8 + (lane >> 4);
		ldsm_x4_t(b + 2 * b_off(r, c), bf[j][0], bf[j][1], bf[j + 1][0], bf[j + 1][1]);
	}
}

extern "C" __global__ void __launch_bounds__(NT, MINB)
gemm(const bf16_t *__restrict__ A, const bf16_t *__restrict__ B, float *__restrict__ C, long M, long N,
     long K)
{
	extern __shared__ __align__(128) unsigned char smem_raw[];
	bf16_t *sA = (bf16_t *)smem_raw;
	bf16_t *sB = sA + STAGES * A_STAGE;
	const unsigned sA0 = smem_u32(sA), sB0 = smem_u32(sB);

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
	/* This block's slice of K: [kb, KE), whole BK tiles except at K. */
	const long ktiles = (K + BK - 1) / BK, per = (ktiles + SPLITK - 1) / SPLITK;
	const long kb = SPLITK > 1 ? (long)blockIdx.z * per * BK : 0;
	const long KE = SPLITK > 1 ? (kb + per * BK < K ? kb + per * BK : K) : K;
	const int KT = KE > kb ? (int)((KE - kb + BK - 1) / BK) : 0;

	/* Copy plan (see A_CPR): rows in range are a bit mask over the passes. */
	const int a_c = tid % A_CPR, a_r0 = tid / A_CPR;
	const int b_c = tid % B_CPR, b_r0 = tid / B_CPR;
	unsigned a_rowok = 0;
#pragma unroll
	for (int p = 0; p < A_PASS; p++)
		a_rowok |= (unsigned)(m0 + a_r0 + p * A_RSTEP < M) << p;
	const int b_colok = n0 + b_c * 8 < N;
	const bf16_t *gA = A + (m0 + a_r0 < M ? (m0 + a_r0) * K + a_c * 8 : 0);
	const bf16_t *gB = B + (b_colok ? (long)b_r0 * N + n0 + b_c * 8 : 0);

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
		if (s < KT) {
			if (vec)
				load_vec(sA0 + 2 * s * A_STAGE, sB0 + 2 * s * B_STAGE, gA, gB, K, KE, N, a_r0, a_c,
					 b_r0, b_c, a_rowok, b_colok, kb + (long)s * BK);
			else
				load_scalar(sA + s * A_STAGE, sB + s * B_STAGE, A, B, M, N, K, KE, m0, n0,
					    kb + (long)s * BK, tid);
		}
		cp_commit();
	}

	/*
	 * Main loop, one barrier per k-tile.  Fragments are double-buffered:
	 * step kk+1's are loaded before step kk's mma.  At the last step the next
	 * tile is awaited and its first fragments loaded; by then every thread
	 * has read all of this tile, so after that barrier the stage just
	 * consumed can be refilled (at step 0 of the next tile).
	 */
	unsigned af[2][MI][4], bfr[2][NI][2];
	int rs = 0;		 /* stage being read */
	int ws = STAGES - 1;	 /* stage to fill next */
	long nk = kb + (long)(STAGES - 1) * BK; /* k0 of the tile to fill next */
	cp_wait<STAGES - 2>();
	__syncthreads();
	load_frags(sA0, sB0, 0, lane, wm0, wn0, af[0], bfr[0]);

	for (int kt = 0; kt < KT; kt++) {
#pragma unroll
		for (int kk = 0; kk < BK / 16; kk++) {
			if (kk == BK / 16 - 1) {
				rs = rs == STAGES - 1 ? 0 : rs + 1;
				cp_wait<STAGES - 2>();
				__syncthreads();
			}
			{
				int nkk = (kk + 1) % (BK / 16);
				load_frags(sA0 + 2 * rs * A_STAGE, sB0 + 2 * rs * B_STAGE, nkk, lane, wm0, wn0,
					   af[(kk + 1) & 1], bfr[(kk + 1) & 1]);
			}
			if (kk == 0) {
				if (nk < KE) {
					if (vec)
						load_vec(sA0 + 2 * ws * A_STAGE, sB0 + 2 * ws * B_STAGE, gA, gB, K, KE,
							 N, a_r0, a_c, b_r0, b_c, a_rowok, b_colok, nk);
					else
						load_scalar(sA + ws * A_STAGE, sB + ws * B_STAGE, A, B, M, N, K, KE,
							    m0, n0, nk, tid);
				}
				cp_commit();
				ws = ws == STAGES - 1 ? 0 : ws + 1;
				nk += BK;
			}
#pragma unroll
			for (int i = 0; i < MI; i++)
#pragma unroll
				for (int j = 0; j < NI; j++)
					mma_bf16(acc[i][j], af[kk & 1][i], bfr[kk & 1][j][0], bfr[kk & 1][j][1]);
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
				if (SPLITK > 1) {
					if (col < N)
						atomicAdd(p, v0);
					if (col + 1 < N)
						atomicAdd(p + 1, v1);
				} else if (even && col + 1 < N) {
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

/* Split-K only: C must start at zero for the atomic partial sums. */
extern "C" __global__ void
zero_c(const bf16_t *A, const bf16_t *B, float *C, long M, long N, long K)
{
	long i = (long)blockIdx.x * blockDim.x + threadIdx.x;

	if (i < M * N)
		C[i] = 0.f;
}
