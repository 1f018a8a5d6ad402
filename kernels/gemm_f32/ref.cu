/* kernels/gemm_f32/ref.cu - the trusted reference: one thread per C element, fp32 FMA in k order. */
extern "C" __global__ void
sgemm_ref(const float *A, const float *B, float *C, long M, long N, long K)
{
	long r = (long)blockIdx.y * 16 + threadIdx.y, c = (long)blockIdx.x * 16 + threadIdx.x;
	float acc = 0.f;

	if (r >= M || c >= N)
		return;
	for (long k = 0; k < K; k++)
		acc = fmaf(A[r * K + k], B[k * N + c], acc);
	C[r * N + c] = acc;
}
