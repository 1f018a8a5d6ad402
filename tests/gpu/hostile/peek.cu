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
