/* NaN where the reference is finite. */
extern "C" __global__ void vadd(const float *A, const float *B, float *C, long N)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	if (i < N)
		C[i] = (i == N / 2) ? __int_as_float(0x7fc00000) : A[i] + B[i];
}
