/* Never finishes: the bench timeout must kill the worker. */
extern "C" __global__ void vadd(const float *A, const float *B, float *C, long N)
{
	volatile int spin = 1;
	while (spin)
		;
}
