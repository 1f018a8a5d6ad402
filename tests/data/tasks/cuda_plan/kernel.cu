/* tests/data/tasks/cuda_plan: the candidate's kernels (see task). */
extern "C" __global__ void
scale_rows(const float *X, const float *W, const float *mask, float *Y, float *H, float *WT,
	   long M, long N, long K)
{
	long i = (long)blockIdx.x * blockDim.x + threadIdx.x;

	if (i < M * K)
		H[i] = X[i] * mask[i / K];
}

/* WT (N x K) = W^T, for the transb cuBLAS step. */
extern "C" __global__ void
transpose(const float *X, const float *W, const float *mask, float *Y, float *H, float *WT,
	  long M, long N, long K)
{
	long i = (long)blockIdx.x * blockDim.x + threadIdx.x;

	if (i < K * N)
		WT[(i % N) * K + i / N] = W[i];
}

extern "C" __global__ void
own_gemm(const float *X, const float *W, const float *mask, float *Y, float *H, float *WT,
	 long M, long N, long K)
{
	long r = (long)blockIdx.y * 16 + threadIdx.y, c = (long)blockIdx.x * 16 + threadIdx.x;
	float acc = 0.f;

	if (r >= M || c >= N)
		return;
	for (long k = 0; k < K; k++)
		acc += H[r * K + k] * W[k * N + c];
	Y[r * N + c] = acc;
}
