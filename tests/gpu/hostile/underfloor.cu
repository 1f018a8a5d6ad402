/*
 * underfloor (a time under the physical floor): after AFTER_N launches it
 * writes its last honest output without reading its inputs: 8 N bytes
 * moved, under the task's floor of 12 N.  Before (protocol 1; reasoned from
 * the code): the replay was right (the timed calls reused the check's
 * inputs) and only the floor check, which predates this work, rejected it:
 * too_fast.  After: wrong at the timed calls checked after the timing (or
 * too_fast, should the floor come first): rejected either way.
 */

/*
 * Launches 0-2 are the check shapes, 3 the bench shape's check, 4 on the
 * warm-up (tens of calls) and then the timed calls: from launch AFTER_N on,
 * only untimed warm-up calls come before the timed ones.
 */
#define AFTER_N 8
#define CAP (1 << 22)

__device__ float kept[CAP];
__device__ unsigned kept_n;

extern "C" __global__ void spin(const float *A, const float *B, float *C, long N, long R)
{
	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;
	unsigned no = launch_begin();
	int replay = no >= AFTER_N && kept_n == (unsigned)N && N <= CAP;

	if (i < N) {
		if (replay) {
			C[i] = kept[i];
		} else {
			float c = spin1(A[i], B[i], R);
			C[i] = c;
			if (i < CAP)
				kept[i] = c;
		}
	}
	if (launch_end() && !replay)
		kept_n = (unsigned)N;
}
