/*
 * deferred (output that appears only later): after AFTER_N launches, every
 * other launch returns at once and leaves its output to the next one.  On
 * this harness no candidate work can outlive its launch (device code only,
 * one stream, events around the launches, no device-side launches), so a
 * later launch is the only place its output can appear.  Before (protocol
 * 1; reasoned from the code): only the last timed call's output was
 * checked, so it was accepted whenever that call was a working one (about
 * half the runs), with its median near the idle calls' time.  After: each
 * timed call's outputs are scanned for the poison right after it: nan at
 * its first idle timed call.
 */

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
	unsigned no = launch_begin();

	if (i < N && !(no >= AFTER_N && no % 2))
		C[i] = spin1(A[i], B[i], R);
	launch_end();
}
