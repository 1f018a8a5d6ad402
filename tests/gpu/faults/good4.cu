/* Correct: a grid-stride loop, so any grid covers N. */
extern "C" __global__ void vadd(const float *A, const float *B, float *C, long N)
{
	for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < N; i += (long)gridDim.x * blockDim.x)
		C[i] = A[i] + B[i];
}
