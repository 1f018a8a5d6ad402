/* Skips the second half of the work: only poisoning or full checks catch it. */
extern "C" __global__ void k(float *buf, long n)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	if (i < n / 2)
		buf[i] = (float)i;
}
