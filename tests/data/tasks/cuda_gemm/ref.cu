/* ref.cu - fixture reference (CUDA C for NVRTC): C = A * B, one thread per element */
extern "C" __global__ void
ref_gemm(const float *A, const float *B, float *C, long M, long N, long K)
{
	long i = blockIdx.y * (long)blockDim.y + threadIdx.y;
	long j = blockIdx.x * (long)blockDim.x + threadIdx.x;
	float s = 0.0f;

	if (i >= M || j >= N)
		return;
	for (long k = 0; k < K; k++)
		s += A[i * K + k] * B[k * N + j];
	C[i * N + j] = s;
}
