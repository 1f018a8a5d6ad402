/* tests/data/tasks/cuda_plan: the reference's row scaling (its GEMM is a ref_gemm step). */
extern "C" __global__ void
ref_scale(const float *X, const float *W, const float *mask, float *Y, float *H, float *WT,
	  long M, long N, long K)
{
	long i = (long)blockIdx.x * blockDim.x + threadIdx.x;

	if (i < M * K)
		H[i] = mask[i / K] != 0.f ? X[i] : 0.f;
}
