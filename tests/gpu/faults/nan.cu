/* Writes NaN everywhere: must fail the check, not crash anything. */
extern "C" __global__ void k(float *buf, long n)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	if (i < n)
		buf[i] = __int_as_float(0x7fc00000);
}
