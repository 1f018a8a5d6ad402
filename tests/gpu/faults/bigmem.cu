/* Declares 128 MiB of static device memory: over the loader's 64 MiB limit. */
__device__ float big[32L << 20];
extern "C" __global__ void vadd(const float *A, const float *B, float *C, long N)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	if (i < N) {
		big[i & ((32L << 20) - 1)] = A[i];
		C[i] = A[i] + B[i];
	}
}
