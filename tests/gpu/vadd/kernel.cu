/* The template of tests/gpu/vadd (TPB = {{TPB}}): one element per thread. */
extern "C" __global__ void vadd(const float *A, const float *B, float *C, long N)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	if (i < N)
		C[i] = A[i] + B[i];
}
