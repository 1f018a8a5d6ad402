/*
 * kernels/gemm/ref_cpu.c - the reference on the CPU (task line
 * "cpu_reference"): C = A * B with bf16 A (M x K) and B (K x N), row-major,
 * fp32 C, the sum in double.  ref.cu is checked against it at small shapes
 * (tests/gpu/ref_check.c).  buf: A, B, C; dim: M, N, K.
 */
#include <string.h>

void tttd_cpu_reference(void **buf, const long *dim);

/* bf16 is the high half of an fp32 word. */
static double
bf16(unsigned short v)
{
	unsigned u = (unsigned)v << 16;
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

void
tttd_cpu_reference(void **buf, const long *dim)
{
	const unsigned short *A = buf[0], *B = buf[1];
	float *C = buf[2];
	long M = dim[0], N = dim[1], K = dim[2], i, j, k;

	for (i = 0; i < M; i++)
		for (j = 0; j < N; j++) {
			double s = 0;

			for (k = 0; k < K; k++)
				s += bf16(A[i * K + k]) * bf16(B[k * N + j]);
			C[i * N + j] = (float)s;
		}
}
