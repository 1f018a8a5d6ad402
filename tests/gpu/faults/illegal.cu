/* Writes 1 TiB past its buffer: an illegal address, sticky for the context. */
extern "C" __global__ void k(float *buf, long n)
{
	buf[threadIdx.x + (1L << 38)] = 1.f;
}
