/* The trusted reference of tests/gpu/vadd: one element per thread. */
extern "C" __global__ void vadd_ref(const float *A, const float *B, float *C, long N)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	if (i < N)
		C[i] = A[i] + B[i];
}
