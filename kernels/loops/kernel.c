/*
 * kernel.c - the candidate template of kernels/loops: C = A * B as one loop
 * nest over i (rows of C), j (columns of C) and k (the sum), in the order
 * the decision ORDER names, outermost first.  Every order adds the products
 * of one element in the same k order, so all are exact against each other;
 * only the memory walk differs.
 */
void tttd_kernel(void **buf, const long *dim);

#define FOR(v, n) for (long v = 0; v < (n); v++)
#if ORDER_ijk
#define NEST FOR(i, M) FOR(j, N) FOR(k, K)
#elif ORDER_ikj
#define NEST FOR(i, M) FOR(k, K) FOR(j, N)
#elif ORDER_jik
#define NEST FOR(j, N) FOR(i, M) FOR(k, K)
#elif ORDER_jki
#define NEST FOR(j, N) FOR(k, K) FOR(i, M)
#elif ORDER_kij
#define NEST FOR(k, K) FOR(i, M) FOR(j, N)
#else
#define NEST FOR(k, K) FOR(j, N) FOR(i, M)
#endif

void
tttd_kernel(void **buf, const long *dim)
{
	const float *A = buf[0], *B = buf[1];
	float *C = buf[2];
	long M = dim[0], N = dim[1], K = dim[2];

	FOR(x, M * N)
		C[x] = 0.0f;
	NEST
		C[i * N + j] += A[i * K + k] * B[k * N + j];
}
