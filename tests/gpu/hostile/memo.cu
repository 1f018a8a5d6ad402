/*
 * memo (memoized replay across calls): keeps each element's inputs and
 * output, and returns the kept output when both inputs have the same bits:
 * always correct.  Before (protocol 1; reasoned from the code, not run on a
 * GPU): the warm-up and every timed call reused the check's inputs, so every
 * timed call hit (20 N bytes read, no mixing) and it was timed several times
 * faster than good and accepted ok.  After: each timed call has inputs no
 * call has seen, every element misses, and it does the work and stores the
 * memo besides: ok, and no faster than good.
 */

/*
 * Launches 0-2 are the check shapes, 3 the bench shape's check, 4 on the
 * warm-up (tens of calls) and then the timed calls: from launch AFTER_N on,
 * only untimed warm-up calls come before the timed ones.
 */
#define AFTER_N 8
#define CAP (1 << 22)

__device__ unsigned kA[CAP], kB[CAP];
__device__ float val[CAP];

extern "C" __global__ void spin(const float *A, const float *B, float *C, long N, long R)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	if (i >= N)
		return;
	unsigned a = __float_as_uint(A[i]), b = __float_as_uint(B[i]);
	if (i < CAP && (a | b) && kA[i] == a && kB[i] == b) {
		C[i] = val[i];
		return;
	}
	float c = spin1(A[i], B[i], R);
	C[i] = c;
	if (i < CAP) {
		kA[i] = a;
		kB[i] = b;
		val[i] = c;
	}
}
