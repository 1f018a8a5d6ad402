/*
 * ref.c - the trusted reference for kernels/loops: C = A * B in fp32, the
 * plain i, j, k loop nest with one float accumulator per element, -O2.
 *
 * buf[0] = A (M x K), buf[1] = B (K x N), buf[2] = C (M x N), row-major;
 * dim[0..2] = M, N, K.
 */
void tttd_reference(void **buf, const long *dim);

void
tttd_reference(void **buf, const long *dim)
{
	const float *A = buf[0], *B = buf[1];
	float *C = buf[2];
	long M = dim[0], N = dim[1], K = dim[2], i, j, k;

	for (i = 0; i < M; i++)
		for (j = 0; j < N; j++) {
			float s = 0.0f;

			for (k = 0; k < K; k++)
				s += A[i * K + k] * B[k * N + j];
			C[i * N + j] = s;
		}
}
