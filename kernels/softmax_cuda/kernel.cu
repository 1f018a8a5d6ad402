/*
 * kernels/softmax_cuda/kernel.cu - the candidate template: y = softmax(x) along
 * each row of an R x C row-major fp32 matrix.
 *
 * Decisions (./task):
 *   WARP     1: one warp per row, 4 rows per 128-thread block (narrow rows);
 *            0: one block of THREADS per row (wide rows)
 *   THREADS  threads per block when WARP = 0
 *   VEC      4: float4 loads and stores when C % 4 == 0 and rows are 16-byte
 *            aligned (checked at run time, else scalar); 1: scalar
 *   ONEPASS  1: online max and sum in one sweep; 0: a max sweep, then a sum sweep
 * Then one more sweep writes exp(x - max) / sum.  Memory-bound: the row is
 * read from DRAM once, later sweeps mostly hit L1/L2.
 */
#ifndef WARP
#define WARP 0
#define THREADS 256
#define VEC 4
#define ONEPASS 1
#endif

#if WARP
#define NT 128
#define ROWS (NT / 32)
#else
#define NT THREADS
#define ROWS 1
#endif

/* No host headers under NVRTC: spell -inf by its bits. */
#define NEG_INF __int_as_float(0xff800000)

struct ms {
	float m, s; /* running max and sum of exp(x - m) */
};

__device__ __forceinline__ ms
ms_merge(ms a, ms b)
{
	float m = fmaxf(a.m, b.m);
	if (m == NEG_INF)
		return a;
	ms r = { m, a.s * __expf(a.m - m) + b.s * __expf(b.m - m) };
	return r;
}

__device__ __forceinline__ ms
ms_add(ms a, float x)
{
	if (x > a.m) {
		a.s = a.s * __expf(a.m - x) + 1.f;
		a.m = x;
	} else {
		a.s += __expf(x - a.m);
	}
	return a;
}

__device__ __forceinline__ ms
warp_ms(ms v)
{
#pragma unroll
	for (int o = 16; o > 0; o >>= 1) {
		ms u = { __shfl_xor_sync(0xffffffffu, v.m, o), __shfl_xor_sync(0xffffffffu, v.s, o) };
		v = ms_merge(v, u);
	}
	return v;
}

__device__ __forceinline__ float
warp_max(float v)
{
#pragma unroll
	for (int o = 16; o > 0; o >>= 1)
		v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
	return v;
}

__device__ __forceinline__ float
warp_sum(float v)
{
#pragma unroll
	for (int o = 16; o > 0; o >>= 1)
		v += __shfl_xor_sync(0xffffffffu, v, o);
	return v;
}

/* Reduce across the threads that share a row (a warp, or the whole block). */
__device__ __forceinline__ ms
row_ms(ms v)
{
	v = warp_ms(v);
#if !WARP
	__shared__ ms part[NT / 32];
	__shared__ ms all;
	int w = threadIdx.x >> 5;
	__syncthreads(); /* part[] and all may still be read by a previous call */
	if ((threadIdx.x & 31) == 0)
		part[w] = v;
	__syncthreads();
	if (threadIdx.x < 32) {
		ms u = threadIdx.x < NT / 32 ? part[threadIdx.x] : ms{ NEG_INF, 0.f };
		u = warp_ms(u);
		if (threadIdx.x == 0)
			all = u;
	}
	__syncthreads();
	v = all;
#endif
	return v;
}

extern "C" __global__ void __launch_bounds__(NT)
softmax(const float *__restrict__ x, float *__restrict__ y, long R, long C)
{
#if WARP
	const long row = (long)blockIdx.x * ROWS + (threadIdx.x >> 5);
	const int t = threadIdx.x & 31, nt = 32;
	if (row >= R)
		return; /* whole warps leave together: no block barrier in this mode */
#else
	const long row = blockIdx.x;
	const int t = threadIdx.x, nt = NT;
#endif
	const float *xr = x + row * C;
	float *yr = y + row * C;
	const int vec = VEC == 4 && C % 4 == 0 && ((unsigned long)x % 16 == 0) && ((unsigned long)y % 16 == 0);
	ms acc = { NEG_INF, 0.f };

#if ONEPASS
	if (vec) {
		for (long i = t; i < C / 4; i += nt) {
			float4 v = ((const float4 *)xr)[i];
			acc = ms_add(ms_add(ms_add(ms_add(acc, v.x), v.y), v.z), v.w);
		}
	} else {
		for (long i = t; i < C; i += nt)
			acc = ms_add(acc, xr[i]);
	}
	acc = row_ms(acc);
#else
	float m = NEG_INF, s = 0.f;
	if (vec) {
		for (long i = t; i < C / 4; i += nt) {
			float4 v = ((const float4 *)xr)[i];
			m = fmaxf(m, fmaxf(fmaxf(v.x, v.y), fmaxf(v.z, v.w)));
		}
	} else {
		for (long i = t; i < C; i += nt)
			m = fmaxf(m, xr[i]);
	}
	{
		ms u = { m, 0.f };
		m = row_ms(u).m; /* merge of zero sums: just the max */
	}
	if (vec) {
		for (long i = t; i < C / 4; i += nt) {
			float4 v = ((const float4 *)xr)[i];
			s += __expf(v.x - m) + __expf(v.y - m) + __expf(v.z - m) + __expf(v.w - m);
		}
	} else {
		for (long i = t; i < C; i += nt)
			s += __expf(xr[i] - m);
	}
	{
		ms u = { m, s };
		acc = row_ms(u);
	}
#endif
	const float mx = acc.m, inv = 1.f / acc.s;
	if (vec) {
		for (long i = t; i < C / 4; i += nt) {
			float4 v = ((const float4 *)xr)[i];
			v.x = __expf(v.x - mx) * inv;
			v.y = __expf(v.y - mx) * inv;
			v.z = __expf(v.z - mx) * inv;
			v.w = __expf(v.w - mx) * inv;
			((float4 *)yr)[i] = v;
		}
	} else {
		for (long i = t; i < C; i += nt)
			yr[i] = __expf(xr[i] - mx) * inv;
	}
}
