/* kernel.cu - fixture template: a BM x BN tile per block, TM x TN per thread */
extern "C" __global__ void
gemm_tile(const float *A, const float *B, float *C, long M, long N, long K)
{
	long i0 = blockIdx.y * (long)BM + threadIdx.y * TM;
	long j0 = blockIdx.x * (long)BN + threadIdx.x * TN;

	for (int a = 0; a < TM; a++)
		for (int b = 0; b < TN; b++) {
			long i = i0 + a, j = j0 + b;
			float s = 0.0f;

			if (i >= M || j >= N)
				continue;
			for (long k = 0; k < K; k++)
				s += A[i * K + k] * B[k * N + j];
			C[i * N + j] = s;
		}
}
