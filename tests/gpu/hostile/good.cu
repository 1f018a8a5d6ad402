/* good: correct, one element per thread (the reference's work); timed between the hostile ones. */
extern "C" __global__ void spin(const float *A, const float *B, float *C, long N, long R)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	if (i >= N)
		return;
	unsigned h = __float_as_uint(A[i]) ^ 0x9e3779b9u, y = __float_as_uint(B[i]);
	for (long r = 0; r < R; r++)
		h = (h ^ (h >> 15)) * 0x2c1b3c6du + y;
	C[i] = (float)(h >> 8) * (1.0f / 16777216.0f);
}
