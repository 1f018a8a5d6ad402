/*
 * kernels/trimul/ref.cu - the trusted reference: TriMul in fp32 (LayerNorm
 * statistics in double), two plain launches around one cuBLAS fp32 step, with
 * fp32 intermediates in the f_* scratch buffers:
 *
 *   trimul_ref_proj  16 rows per block: LayerNorm over C, then thread h
 *                    computes the five projections of each row from weight
 *                    tiles staged in shared memory; gates and mask; left and
 *                    right hidden-major [B,H,N,N], out gate [B*N*N,H]
 *   (ref_gemm)       per (b,h): T[i][j] = sum_k left[i][k] right[j][k], a
 *                    cuBLAS strided batched GEMM in exact fp32 (no TF32)
 *   trimul_ref_out   16 rows per block: LayerNorm over H (double statistics),
 *                    times the out gate, times W_o^T, fp32 out
 *
 * The weights come scaled as GPU MODE draws them (./task: 1/sqrt(H) for the
 * five projections, 1/sqrt(C) for W_o, set per shape).  Requirements:
 * H == 128, C a multiple of 8.  Dynamic shared memory of trimul_ref_proj:
 * (RR * C + 5 * RK * 129) * 4 bytes (./task).  Not tuned: it only has to be
 * right and finish well under a second per shape.
 */
typedef unsigned short h16; /* the candidate's fp16 scratch, unused here */

#define RARGS                                                                                     \
	const float *x, const float *mask, const float *lnw, const float *lnb, const float *wlp,   \
	    const float *wrp, const float *wlg, const float *wrg, const float *wog, const float *onw, \
	    const float *onb, const float *wo, float *y, float *f_left, float *f_right, float *f_og, \
	    float *f_tri, h16 *h_left, h16 *h_right, h16 *h_og, h16 *h_tri, h16 *h_w, long B,      \
	    long N, long C, long H

#define RR 16 /* rows per block */
#define RK 8 /* weight rows (c) per shared tile */

__device__ float
ref_sigmoid(float v)
{
	return 1.0f / (1.0f + expf(-v));
}

/* Block: 128 threads (thread = h), RR rows.  Shared: the normalized rows. */
extern "C" __global__ void
trimul_ref_proj(RARGS)
{
	extern __shared__ float xs[]; /* [RR][C], then ws[5][RK][129] */
	float (*ws)[RK][129] = (float (*)[RK][129])(xs + RR * C);
	const float *W[5] = {wlp, wlg, wrp, wrg, wog};
	long NN = N * N, M = B * NN, m0 = (long)blockIdx.x * RR;
	int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
	float acc[5][RR];

	for (int r = warp; r < RR; r += 4) {
		long m = m0 + r;
		double s = 0, q = 0;
		if (m < M) {
			for (long c = lane; c < C; c += 32)
				s += x[m * C + c];
			for (int o = 16; o; o >>= 1)
				s += __shfl_xor_sync(0xffffffffu, s, o);
			double mean = s / C;
			for (long c = lane; c < C; c += 32)
				q += (x[m * C + c] - mean) * (x[m * C + c] - mean);
			for (int o = 16; o; o >>= 1)
				q += __shfl_xor_sync(0xffffffffu, q, o);
			float rstd = (float)(1.0 / sqrt(q / C + 1e-5));
			for (long c = lane; c < C; c += 32)
				xs[r * C + c] = (float)(x[m * C + c] - mean) * rstd * lnw[c] + lnb[c];
		} else {
			for (long c = lane; c < C; c += 32)
				xs[r * C + c] = 0;
		}
	}
	for (int j = 0; j < 5; j++)
		for (int r = 0; r < RR; r++)
			acc[j][r] = 0;
	__syncthreads();
	for (long c0 = 0; c0 < C; c0 += RK) {
		/* Stage W[j][h][c0 .. c0+RK) transposed: ws[j][c][h]. */
		for (int e = tid; e < 5 * 128 * RK; e += 128) {
			int j = e / (128 * RK), rem = e % (128 * RK), h = rem / RK, c = rem % RK;
			ws[j][c][h] = W[j][h * C + c0 + c];
		}
		__syncthreads();
		for (int c = 0; c < RK; c++) {
			float w0 = ws[0][c][tid], w1 = ws[1][c][tid], w2 = ws[2][c][tid];
			float w3 = ws[3][c][tid], w4 = ws[4][c][tid];
			for (int r = 0; r < RR; r++) {
				float v = xs[r * C + c0 + c];
				acc[0][r] += v * w0;
				acc[1][r] += v * w1;
				acc[2][r] += v * w2;
				acc[3][r] += v * w3;
				acc[4][r] += v * w4;
			}
		}
		__syncthreads();
	}
	for (int r = 0; r < RR; r++) {
		long m = m0 + r;
		if (m >= M)
			break;
		long b = m / NN, pos = m - b * NN, hm = (b * H + tid) * NN + pos;
		float mk = mask[m];
		f_left[hm] = acc[0][r] * mk * ref_sigmoid(acc[1][r]);
		f_right[hm] = acc[2][r] * mk * ref_sigmoid(acc[3][r]);
		f_og[m * H + tid] = ref_sigmoid(acc[4][r]);
	}
}

/* Block: 128 threads, RR rows; thread = h while normalizing, = c while projecting. */
extern "C" __global__ void
trimul_ref_out(RARGS)
{
	__shared__ float vs[RR][129], ws[32][129];
	long NN = N * N, M = B * NN, m0 = (long)blockIdx.x * RR;
	int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;

	for (int r = 0; r < RR; r++) {
		long m = m0 + r;
		if (m < M) {
			long b = m / NN, pos = m - b * NN;
			vs[r][tid] = f_tri[(b * H + tid) * NN + pos];
		} else {
			vs[r][tid] = 0;
		}
	}
	__syncthreads();
	for (int r = warp; r < RR; r += 4) {
		long m = m0 + r;
		double s = 0, q = 0;
		for (int h = lane; h < 128; h += 32)
			s += vs[r][h];
		for (int o = 16; o; o >>= 1)
			s += __shfl_xor_sync(0xffffffffu, s, o);
		double mean = s / 128;
		for (int h = lane; h < 128; h += 32)
			q += (vs[r][h] - mean) * (vs[r][h] - mean);
		for (int o = 16; o; o >>= 1)
			q += __shfl_xor_sync(0xffffffffu, q, o);
		float rstd = (float)(1.0 / sqrt(q / 128 + 1e-5));
		__syncwarp();
		for (int h = lane; h < 128; h += 32) {
			float og = m < M ? f_og[m * H + h] : 0;
			vs[r][h] = ((float)(vs[r][h] - mean) * rstd * onw[h] + onb[h]) * og;
		}
	}
	__syncthreads();
	for (long c0 = 0; c0 < C; c0 += 128) {
		float acc[RR];
		long c = c0 + tid;
		for (int r = 0; r < RR; r++)
			acc[r] = 0;
		for (int h0 = 0; h0 < 128; h0 += 32) {
			/* ws[h][c] = W_o[c0 + c][h0 + h] */
			for (int e = tid; e < 32 * 128; e += 128) {
				int cc = e / 32, h = e % 32;
				ws[h][cc] = c0 + cc < C ? wo[(c0 + cc) * H + h0 + h] : 0;
			}
			__syncthreads();
			for (int h = 0; h < 32; h++) {
				float w = ws[h][tid];
				for (int r = 0; r < RR; r++)
					acc[r] += vs[r][h0 + h] * w;
			}
			__syncthreads();
		}
		if (c < C)
			for (int r = 0; r < RR; r++)
				if (m0 + r < M)
					y[(m0 + r) * C + c] = acc[r];
	}
}
