/* Skips the second half of the work: only output poisoning catches it. */
extern "C" __global__ void vadd(const float *A, const float *B, float *C, long N)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	if (i < N / 2)
		C[i] = A[i] + B[i];
}
