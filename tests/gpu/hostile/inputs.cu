/*
 * inputs (modified inputs): after AFTER_N launches it stores each output in
 * its input B (its own A beside it as the key), and at later calls whose A
 * matches writes B back as the output.  The check compares the inputs after
 * the candidate's first call at each shape (launches 0-3, all honest), and
 * protocol 1 never looked at them again.  Before (reasoned from the code):
 * the timed calls reused the check's inputs, so each one copied B
 * (16 N bytes, no mixing): accepted ok, several times faster than good.
 * After: the inputs are generated again before every timed call, so A
 * never matches and it computes every time: ok, and no faster than good
 * (writing into B gains nothing when B is rewritten before each call).
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

__device__ unsigned tag[CAP];

extern "C" __global__ void spin(const float *A, const float *B, float *C, long N, long R)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	unsigned no = launch_begin();

	if (i < N) {
		unsigned a = __float_as_uint(A[i]);
		if (no > AFTER_N && i < CAP && tag[i] == a && a) {
			C[i] = B[i];
		} else {
			float c = spin1(A[i], B[i], R);
			C[i] = c;
			if (no >= AFTER_N && i < CAP) {
				((float *)B)[i] = c;
				tag[i] = a;
			}
		}
	}
	launch_end();
}
