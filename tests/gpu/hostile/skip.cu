/*
 * skip (skipped work): when its inputs look unchanged (N and three sampled
 * elements) it skips the work and writes its last output.  Before (protocol
 * 1; reasoned from the code): the timed calls reused the check's inputs, so
 * every timed call skipped (12 N bytes moved, no mixing) and it was accepted
 * ok, several times faster than good.  After: the sampled elements differ at
 * every timed call, so it always computes: ok, and no faster than good.
 */

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
