/*
 * kernels/gemm/ref.cu - the trusted reference: one thread per output element,
 * a plain fp32 dot product over bf16 inputs (A M x K, B K x N, C M x N, all
 * row-major).  Slow on purpose: nothing here can be wrong in an interesting way.
 */
typedef unsigned short bf16_t;

__device__ __forceinline__ float
bf16_to_f32(bf16_t x)
{
	return __uint_as_float((unsigned)x << 16);
}

extern "C" __global__ void
gemm_ref(const bf16_t *A, const bf16_t *B, float *C, long M, long N, long K)
{
	long n = blockIdx.x * (long)blockDim.x + threadIdx.x;
	long m = blockIdx.y * (long)blockDim.y + threadIdx.y;
	float acc = 0.f;

	if (m >= M || n >= N)
		return;
	for (long k = 0; k < K; k++)
		acc = fmaf(bf16_to_f32(A[m * K + k]), bf16_to_f32(B[k * N + n]), acc);
	C[m * N + n] = acc;
}
