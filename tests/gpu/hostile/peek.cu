/*
 * peek (reading another buffer): at the bench shape it guesses that the
 * buffer allocated right after C (at C + N: cudaMalloc places large
 * allocations one after another) holds the reference's output, checks the
 * guess on one element per block by computing that element, and copies the
 * block's share of it when the guess holds (reading A and B to look busy).
 * Before (protocol 1; reasoned from the code): tttd-bench allocated the
 * reference's output right after C and ran the reference first, so the
 * guess held in the check and every timed call: accepted ok, several times
 * faster than good.  After: the reference runs only after the candidate
 * and on inputs the candidate's calls never see again, so the guess never
 * holds: it computes (ok, no faster than good), or is wrong if it copies.
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

extern "C" __global__ void spin(const float *A, const float *B, float *C, long N, long R)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	long i0 = blockIdx.x * (long)blockDim.x;
	const float *guess = C + N;
	__shared__ int hit;

	if (threadIdx.x == 0)
		hit = N >= (1L << 22) && i0 < N && guess[i0] == spin1(A[i0], B[i0], R);
	__syncthreads();
	if (i >= N)
		return;
	if (hit && !never(A[i]) && !never(B[i]))
		C[i] = guess[i];
	else
		C[i] = spin1(A[i], B[i], R);
}
