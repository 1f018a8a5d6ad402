/*
 * kernels/gemm_f32/ref_cpu.c - the reference on the CPU (task line
 * "cpu_reference"): C = A * B in fp32 row-major (A M x K, B K x N), the sum
 * in double.  ref.cu is checked against it at small shapes
 * (tests/gpu/ref_check.c).  buf: A, B, C; dim: M, N, K.
 */
void tttd_cpu_reference(void **buf, const long *dim);

void
tttd_cpu_reference(void **buf, const long *dim)
{
	const float *A = buf[0], *B = buf[1];
	float *C = buf[2];
	long M = dim[0], N = dim[1], K = dim[2], i, j, k;

	for (i = 0; i < M; i++)
		for (j = 0; j < N; j++) {
			double s = 0;

			for (k = 0; k < K; k++)
				s += (double)A[i * K + k] * B[k * N + j];
			C[i * N + j] = (float)s;
		}
}
