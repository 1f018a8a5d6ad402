/*
 * skip (skipped work): when its inputs look unchanged (N and three sampled
 * elements) it skips the work and writes its last output.  Before (protocol
 * 1; reasoned from the code): the timed calls reused the check's inputs, so
 * every timed call skipped (12 N bytes moved, no mixing) and it was accepted
 * ok, several times faster than good.  After: the sampled elements differ at
 * every timed call, so it always computes: ok, and no faster than good.
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

/*
 * Launches 0-2 are the check shapes, 3 the bench shape's check, 4 on the
 * warm-up (tens of calls) and then the timed calls: from launch AFTER_N on,
 * only untimed warm-up calls come before the timed ones.
 */
#define AFTER_N 8
#define CAP (1 << 22)

__device__ float last[CAP];
__device__ unsigned key[3], key_n;

extern "C" __global__ void spin(const float *A, const float *B, float *C, long N, long R)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	__shared__ int same;

	launch_begin();
	if (threadIdx.x == 0)
		same = N <= CAP && key_n == (unsigned)N && key[0] == __float_as_uint(A[0]) &&
		       key[1] == __float_as_uint(B[N / 2]) && key[2] == __float_as_uint(A[N - 1]);
	__syncthreads();
	if (i < N) {
		if (same && !never(A[i]) && !never(B[i])) {
			C[i] = last[i];
		} else {
			float c = spin1(A[i], B[i], R);
			C[i] = c;
			if (i < CAP)
				last[i] = c;
		}
	}
	/* The key moves only once every block of this launch has kept its outputs. */
	if (launch_end() && !same) {
		key[0] = __float_as_uint(A[0]);
		key[1] = __float_as_uint(B[N / 2]);
		key[2] = __float_as_uint(A[N - 1]);
		key_n = (unsigned)N;
	}
}
