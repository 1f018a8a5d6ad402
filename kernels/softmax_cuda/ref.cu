/*
 * kernels/softmax_cuda/ref.cu - the trusted reference: one thread per row, three
 * plain sweeps (max, sum, write) with expf.  Slow and obviously right.
 */
/* No host headers under NVRTC: spell -inf by its bits. */
#define NEG_INF __int_as_float(0xff800000)

extern "C" __global__ void
softmax_ref(const float *x, float *y, long R, long C)
{
	long r = blockIdx.x * (long)blockDim.x + threadIdx.x;
	float m = NEG_INF, s = 0.f;

	if (r >= R)
		return;
	for (long i = 0; i < C; i++)
		m = fmaxf(m, x[r * C + i]);
	for (long i = 0; i < C; i++)
		s += expf(x[r * C + i] - m);
	for (long i = 0; i < C; i++)
		y[r * C + i] = expf(x[r * C + i] - m) / s;
}
