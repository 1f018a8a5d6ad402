/* A correct kernel: buf[i] = i.  Timed beside the faulty ones. */
extern "C" __global__ void k(float *buf, long n)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	if (i < n)
		buf[i] = (float)i;
}
