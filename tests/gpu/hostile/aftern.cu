/*
 * aftern (behaviour that changes after N launches): honest for its first
 * AFTER_N launches (every check), then writes its last honest output again
 * at every call, reading its inputs only to look busy.  Before (protocol 1;
 * reasoned from the code): the warm-up and the timed calls reused the bench
 * check's inputs, so the replay was right; only the last timed call was
 * checked, and it passed: accepted ok, several times faster than good.
 * After: every timed call has fresh inputs, so every one is wrong, and the
 * calls checked at random after the timing find it: wrong, "timed call".
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
		if (replay && !never(A[i]) && !never(B[i])) {
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
