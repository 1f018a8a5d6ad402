/*
 * kernels/layernorm/kernel.cu - the candidate template: per row of an R x C
 * row-major fp32 matrix, y = (x - mean) / sqrt(var + 1e-5) * w + b, with w and
 * b of length C (var is the biased variance, as in PyTorch).
 *
 * Decisions (./task):
 *   WARP     1: one warp per row, 4 rows per 128-thread block; 0: a block per row
 *   THREADS  threads per block when WARP = 0
 *   VEC      4: float4 access when C % 4 == 0 and pointers are 16-byte aligned
 *   TWOPASS  1: mean, then the mean of squared deviations (exact);
 *            0: sum and sum of squares in one sweep
 * Memory-bound: the floor is 8*R*C bytes (+ 8*C) over the bandwidth.
 */
#ifndef WARP
#define WARP 0
#define THREADS 256
#define VEC 4
#define TWOPASS 1
#endif

#if WARP
#define NT 128
#define ROWS (NT / 32)
#else
#define NT THREADS
#define ROWS 1
#endif

__device__ __forceinline__ float
warp_sum(float v)
{
#pragma unroll
	for (int o = 16; o > 0; o >>= 1)
		v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

/* Sum two values across the threads of a row. */
__device__ __forceinline__ float2
row_sum2(float a, float b)
{
	a = warp_sum(a);
	b = warp_sum(b);
#if !WARP
	__shared__ float2 part[NT / 32];
	__shared__ float2 all;
	int w = threadIdx.x >> 5;
	__syncthreads(); /* part[] may still be read by a previous call */
	if ((threadIdx.x & 31) == 0)
		part[w] = make_float2(a, b);
	__syncthreads();
	if (threadIdx.x < 32) {
		float2 u = threadIdx.x < NT / 32 ? part[threadIdx.x] : make_float2(0.f, 0.f);
		u.x = warp_sum(u.x);
		u.y = warp_sum(u.y);
		if (threadIdx.x == 0)
			all = u;
	}
	__syncthreads();
	a = all.x;
	b = all.y;
#endif
	return make_float2(a, b);
}

extern "C" __global__ void __launch_bounds__(NT)
layernorm(const float *__restrict__ x, const float *__restrict__ w, const float *__restrict__ b,
	  float *__restrict__ y, long R, long C)
{
#if WARP
	const long row = (long)blockIdx.x * ROWS + (threadIdx.x >> 5);
	const int t = threadIdx.x & 31, nt = 32;
	if (row >= R)
		return;
#else
	const long row = blockIdx.x;
	const int t = threadIdx.x, nt = NT;
#endif
	const float *xr = x + row * C;
	float *yr = y + row * C;
	const int vec = VEC == 4 && C % 4 == 0 &&
			(((unsigned long)x | (unsigned long)y | (unsigned long)w | (unsigned long)b) % 16 == 0);
	float s = 0.f, q = 0.f, mean, rstd;

	if (vec) {
		for (long i = t; i < C / 4; i += nt) {
			float4 v = ((const float4 *)xr)[i];
			s += (v.x + v.y) + (v.z + v.w);
#if !TWOPASS
			q += (v.x * v.x + v.y * v.y) + (v.z * v.z + v.w * v.w);
#endif
		}
	} else {
		for (long i = t; i < C; i += nt) {
			float v = xr[i];
			s += v;
#if !TWOPASS
			q += v * v;
#endif
		}
	}
	float2 r2 = row_sum2(s, q);
	mean = r2.x / (float)C;
#if TWOPASS
	q = 0.f;
	if (vec) {
		for (long i = t; i < C / 4; i += nt) {
			float4 v = ((const float4 *)xr)[i];
			float a0 = v.x - mean, a1 = v.y - mean, a2 = v.z - mean, a3 = v.w - mean;
			q += (a0 * a0 + a1 * a1) + (a2 * a2 + a3 * a3);
		}
	} else {
		for (long i = t; i < C; i += nt) {
			float a = xr[i] - mean;
			q += a * a;
		}
	}
	r2 = row_sum2(q, 0.f);
	rstd = rsqrtf(r2.x / (float)C + 1e-5f);
#else
	rstd = rsqrtf(fmaxf(r2.y / (float)C - mean * mean, 0.f) + 1e-5f);
#endif
	if (vec) {
		for (long i = t; i < C / 4; i += nt) {
			float4 v = ((const float4 *)xr)[i];
			float4 g = ((const float4 *)w)[i], h = ((const float4 *)b)[i];
			v.x = (v.x - mean) * rstd * g.x + h.x;
			v.y = (v.y - mean) * rstd * g.y + h.y;
			v.z = (v.z - mean) * rstd * g.z + h.z;
			v.w = (v.w - mean) * rstd * g.w + h.w;
			((float4 *)yr)[i] = v;
		}
	} else {
		for (long i = t; i < C; i += nt)
			yr[i] = (xr[i] - mean) * rstd * w[i] + b[i];
	}
}
