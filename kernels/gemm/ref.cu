/*
 * kernels/gemm/ref.cu - the trusted reference: C = A * B with bf16 A (M x K)
 * and B (K x N), fp32 C, all row-major.  Each C element is one fp32 fmaf
 * chain in k order, the plainest sum there is; the only cleverness is where
 * the operands come from.  Timing protocol 2 runs the reference once for
 * every sampled timed call, so a one-thread-per-element kernel (110 ms at
 * 4096^3) made checking cost more than timing; here a 16 x 16 block keeps a
 * 64 x 64 tile of C, 4 x 4 elements a thread, and reads A and B through
 * shared memory 16 k at a time.  The k order and the fmaf per term are the
 * same as the one-thread kernel's, so every element is bit for bit what that
 * kernel gives.  Checked against ref_cpu.c by tests/gpu/ref_check.c.
 * W is the task's stream-K workspace (every launch gets every buffer); unused.
 */
typedef unsigned short bf16_t;

#define RT 64 /* C tile edge */
#define RK 16 /* k per shared-memory step */

__device__ __forceinline__ float
bf16_to_f32(bf16_t x)
{
	return __uint_as_float((unsigned)x << 16);
}

extern "C" __global__ void __launch_bounds__(256)
gemm_ref(const bf16_t *A, const bf16_t *B, float *C, float *W, long M, long N, long K)
{
	/* As is k-major with a padded row so that the transposing store is
	 * free of bank conflicts. */
	__shared__ float As[RK][RT + 1];
	__shared__ float Bs[RK][RT];
	int tx = threadIdx.x, ty = threadIdx.y, t = ty * 16 + tx;
	long m0 = (long)blockIdx.y * RT, n0 = (long)blockIdx.x * RT;
	float acc[4][4] = {};

	for (long k0 = 0; k0 < K; k0 += RK) {
		int kn = K - k0 < RK ? (int)(K - k0) : RK;

		for (int i = 0; i < 4; i++) {
			int idx = t + 256 * i;
			int am = idx / RK, ak = idx % RK; /* A: 64 rows of 16 k */
			int bk = idx / RT, bn = idx % RT; /* B: 16 k-rows of 64 */
			long gm = m0 + am, gn = n0 + bn;

			As[ak][am] = gm < M && ak < kn ? bf16_to_f32(A[gm * K + k0 + ak]) : 0.f;
			Bs[bk][bn] = gn < N && bk < kn ? bf16_to_f32(B[(k0 + bk) * N + gn]) : 0.f;
		}
		__syncthreads();
		for (int kk = 0; kk < kn; kk++) {
			float a[4], b[4];

			for (int i = 0; i < 4; i++) {
				a[i] = As[kk][ty + 16 * i];
				b[i] = Bs[kk][tx + 16 * i];
			}
			for (int i = 0; i < 4; i++)
				for (int j = 0; j < 4; j++)
					acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
		}
		__syncthreads();
	}
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++) {
			long m = m0 + ty + 16 * i, n = n0 + tx + 16 * j;

			if (m < M && n < N)
				C[m * N + n] = acc[i][j];
		}
}
