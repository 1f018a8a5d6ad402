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
