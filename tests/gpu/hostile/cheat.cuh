/*
 * cheat.cuh - what the hostile candidates share: a real candidate is one
 * source, so tests/gpu/hostile.sh (and the compile test) send each cheat as
 * this file followed by its own, never as an #include.
 */

/*
 * Launch numbers, the same for every block of a launch: each block reads
 * the count when it starts, and the last block to finish adds one.  A block
 * that starts late still reads the old count, since the count moves only
 * after every block of the launch, itself included, has finished.
 * launch_end() returns 1 in thread 0 of that last block.
 */
__device__ unsigned launches, finished;

__device__ unsigned launch_begin(void)
{
	__shared__ unsigned no;
	if (threadIdx.x == 0)
		no = *(volatile unsigned *)&launches;
	__syncthreads();
	return no;
}

__device__ int launch_end(void)
{
	__syncthreads();
	if (threadIdx.x == 0) {
		__threadfence();
		if (atomicAdd(&finished, 1u) == gridDim.x - 1) {
			atomicExch(&finished, 0u);
			atomicAdd(&launches, 1u);
			return 1;
		}
	}
	return 0;
}

/* The task's function of one element (as ref.cu). */
__device__ float spin1(float a, float b, long R)
{
	unsigned h = __float_as_uint(a) ^ 0x9e3779b9u, y = __float_as_uint(b);
	for (long r = 0; r < R; r++)
		h = (h ^ (h >> 15)) * 0x2c1b3c6du + y;
	return (float)(h >> 8) * (1.0f / 16777216.0f);
}

/*
 * Reads x without using it, as a cheat that wants to stay above the task's
 * floor (12 N bytes) must: never true for the inputs this task draws.
 */
__device__ int never(float x)
{
	return __float_as_uint(x) == 0x7f800001u;
}
