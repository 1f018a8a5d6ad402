/* Writes far outside C: an illegal address, which leaves the context unusable. */
extern "C" __global__ void vadd(const float *A, const float *B, float *C, long N)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	if (i < N)
		C[i + (1L << 40)] = A[i] + B[i];
}
