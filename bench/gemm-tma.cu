/*
 * bench/gemm-tma.cu - a standalone check and timing of kernels/gemm's Hopper
 * path (gemm_tma) for one configuration, built by bench/gemm-tma.sh with
 * nvcc -DHBM=... (the decisions as macros).  It encodes the tensor maps and
 * makes the cluster launch itself (the same rules as lib/backends/cuda_tma.c), checks
 * C against cuBLAS (bf16 in, fp32 accumulate and out) at every shape given,
 * and prints the first mismatches by row and column, which is what a wrong
 * descriptor or barrier shows first.  With -t it times gemm_tma and cuBLAS
 * one after the other at each shape (events, an L2-sized memset between
 * calls, median of -n calls).  It is a development tool: tttd's own numbers
 * come from tttd-compile | tttd-bench (bench/gemm-tma.sh runs both).
 *
 * With -t, the timed calls are checked too (the last one's C against cuBLAS):
 * stream-K (-DHSK=1) must leave its flags ready for the next launch.
 *
 * usage: gemm-tma [-t] [-n reps] M,N,K ...     exit 1 on any mismatch or error
 */
#include <cuda.h>
#include <cudaTypedefs.h>
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../kernels/gemm/kernel.cu"

#ifndef HPERS
#define HPERS 1
#endif
#ifndef HGRP
#define HGRP 8
#endif

#define CK(x)                                                                                   \
	do {                                                                                    \
		cudaError_t r_ = (x);                                                           \
		if (r_ != cudaSuccess) {                                                        \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #x, cudaGetErrorString(r_)); \
			exit(1);                                                                \
		}                                                                               \
	} while (0)

#ifndef HXPROMO /* a diagnostic: the L2 promotion of the tensor maps */
#define HXPROMO CU_TENSOR_MAP_L2_PROMOTION_L2_256B
#endif

static PFN_cuTensorMapEncodeTiled_v12000 encode_fn;

/* A row-major rows x cols matrix (bf16, or fp32 when f32) in boxes of box_rows x 128 bytes, 128-byte swizzle. */
static CUtensorMap
make_map(const void *p, long rows, long cols, int box_rows, int f32 = 0)
{
	CUtensorMap m;
	const int es_bytes = f32 ? 4 : 2;
	cuuint64_t dim[2] = { (cuuint64_t)cols, (cuuint64_t)rows }, stride[1] = { (cuuint64_t)cols * es_bytes };
	cuuint32_t box[2] = { (cuuint32_t)(128 / es_bytes), (cuuint32_t)box_rows }, es[2] = { 1, 1 };
	CUresult r = encode_fn(&m, f32 ? CU_TENSOR_MAP_DATA_TYPE_FLOAT32 : CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 2,
			       (void *)p, dim, stride, box, es,
			       CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
			       HXPROMO, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
	if (r != CUDA_SUCCESS) {
		fprintf(stderr, "cuTensorMapEncodeTiled failed: %d\n", (int)r);
		exit(1);
	}
	return m;
}

__global__ void
fill(bf16_t *x, long n, unsigned seed)
{
	for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < n; i += (long)gridDim.x * blockDim.x) {
		unsigned h = (unsigned)i * 2654435761u ^ seed;
		h ^= h >> 15;
		h *= 2246822519u;
		h ^= h >> 13;
		float v = ((h & 0xffff) / 32768.0f) - 1.0f; /* uniform [-1, 1) */
		x[i] = (bf16_t)(__float_as_uint(v) >> 16);
	}
}

static int grid_x; /* the last launch's grid, for the report */

static void
launch(const bf16_t *A, const bf16_t *B, float *C, float *W, long M, long N, long K, const CUtensorMap &ta,
       const CUtensorMap &tb, const CUtensorMap &tc)
{
	size_t smem = HST * (HBM + HBN) * 128 + HEPI * (1 + HPP) * HBM * 128 + 1024 + 16 * (HST + HPP);
	long tiles = ((M + HCL * HBM - 1) / (HCL * HBM)) * ((N + HBN - 1) / HBN) * HCL;
	cudaLaunchConfig_t cfg = {};
	cudaLaunchAttribute at[1] = {};
	static int fit = -1;

	CK(cudaFuncSetAttribute(gemm_tma, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem));
	cfg.blockDim = dim3(HNT, 1, 1);
	cfg.dynamicSmemBytes = smem;
	at[0].id = cudaLaunchAttributeClusterDimension;
	at[0].val.clusterDim.x = HCL;
	at[0].val.clusterDim.y = 1;
	at[0].val.clusterDim.z = 1;
	cfg.attrs = at;
	cfg.numAttrs = 1;
	cfg.gridDim = dim3((unsigned)tiles, 1, 1);
	if (fit < 0) {
		int n = 0;
		CK(cudaOccupancyMaxActiveClusters(&n, gemm_tma, &cfg));
		fit = n * HCL;
		printf("  resident: %d clusters of %d (%d CTAs)\n", n, HCL, fit);
	}
#ifdef HCAP /* at most HCAP clusters (a diagnostic of co-residency) */
	if (HPERS && fit > HCAP * HCL)
		fit = HCAP * HCL;
#endif
	if (HPERS && fit > 0 && fit < tiles)
		cfg.gridDim.x = fit;
	grid_x = (int)cfg.gridDim.x;
	void *args[] = { (void *)&A, (void *)&B, (void *)&C, (void *)&W, (void *)&M, (void *)&N, (void *)&K, (void *)&ta, (void *)&tb, (void *)&tc };
	CK(cudaLaunchKernelExC(&cfg, (const void *)gemm_tma, args));
}

static void
cublas_ref(cublasHandle_t h, const bf16_t *A, const bf16_t *B, float *C, long M, long N, long K)
{
	const float one = 1.f, zero = 0.f;

	if (cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, (int)N, (int)M, (int)K, &one, B, CUDA_R_16BF, (int)N, A,
			 CUDA_R_16BF, (int)K, &zero, C, CUDA_R_32F, (int)N, CUBLAS_COMPUTE_32F,
			 CUBLAS_GEMM_DEFAULT) != CUBLAS_STATUS_SUCCESS) {
		fprintf(stderr, "cublasGemmEx failed\n");
		exit(1);
	}
}

/* C against cuBLAS's R: print the first mismatches and a summary line; @return the mismatches. */
static long
compare(const float *C, const float *R, long M, long N, long K, const char *what)
{
	std::vector<float> c(M * N), r(M * N);
	long nbad = 0;
	double maxerr = 0;

	CK(cudaMemcpy(c.data(), C, M * N * 4, cudaMemcpyDeviceToHost));
	CK(cudaMemcpy(r.data(), R, M * N * 4, cudaMemcpyDeviceToHost));
	for (long j = 0; j < M * N; j++) {
		double d = fabs((double)c[j] - r[j]);
		if (!(d <= 2e-3 + 2e-3 * fabs(r[j]))) {
			if (nbad < 6)
				printf("  %ldx%ldx%ld: C[%ld][%ld] = %g, want %g\n", M, N, K, j / N, j % N, c[j], r[j]);
			nbad++;
		}
		if (d > maxerr || d != d)
			maxerr = d;
	}
	printf("  %s%ldx%ldx%ld: grid %d, %s (%ld of %ld bad, max abs err %.3g)\n", what, M, N, K, grid_x,
	       nbad ? "WRONG" : "ok", nbad, M * N, maxerr);
	return nbad;
}

static double
median(std::vector<double> v)
{
	std::sort(v.begin(), v.end());
	return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int
main(int argc, char **argv)
{
	int timing = 0, reps = 20, bad = 0, i;
	cublasHandle_t h;
	void *flush;
	size_t nflush = 256u << 20;
	enum cudaDriverEntryPointQueryResult q;

	printf("gemm_tma HBM=%d HBN=%d HST=%d HCL=%d HGRP=%d HPERS=%d HMC=%d HSTC=%d HSK=%d HEPI=%d HPP=%d\n", HBM, HBN, HST, HCL, HGRP, HPERS, HMC, HSTC, HSK, HEPI, HPP);
	CK(cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", (void **)&encode_fn, 12000, cudaEnableDefault, &q));
	if (cublasCreate(&h) != CUBLAS_STATUS_SUCCESS)
		return 1;
	CK(cudaMalloc(&flush, nflush));
	for (i = 1; i < argc; i++) {
		long M, N, K;

		if (!strcmp(argv[i], "-t")) {
			timing = 1;
			continue;
		}
		if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			reps = atoi(argv[++i]);
			continue;
		}
		if (sscanf(argv[i], "%ld,%ld,%ld", &M, &N, &K) != 3) {
			fprintf(stderr, "bad shape '%s'\n", argv[i]);
			return 2;
		}
		bf16_t *A, *B;
		float *C, *R, *W;
		/* The stream-K workspace, sized as ./task's buffer W; all bytes 0xff, never zeros (tttd-bench does not initialise it). */
		long slots = 2 * ((M + 255) / 256) * ((N + 127) / 128);
		CK(cudaMalloc(&A, M * K * 2));
		CK(cudaMalloc(&B, K * N * 2));
		CK(cudaMalloc(&C, M * N * 4));
		CK(cudaMalloc(&R, M * N * 4));
		CK(cudaMalloc(&W, (HSK_FLAGS + 32768 * (slots < 512 ? slots : 512)) * 4));
		CK(cudaMemset(W, 0xff, (HSK_FLAGS + 32768 * (slots < 512 ? slots : 512)) * 4));
		fill<<<1024, 256>>>(A, M * K, 12345u + (unsigned)i);
		fill<<<1024, 256>>>(B, K * N, 999u + (unsigned)i);
		CK(cudaMemset(C, 0xff, M * N * 4)); /* NaN */
		CUtensorMap ta = make_map(A, M, K, HBM), tb = make_map(B, K, N, 64), tcm = make_map(C, M, N, HPP ? HBM : HBM / 2, 1);
		launch(A, B, C, W, M, N, K, ta, tb, tcm);
		cublas_ref(h, A, B, R, M, N, K);
		CK(cudaDeviceSynchronize());
		long nbad = compare(C, R, M, N, K, "");
#if defined(HXNOMMA) || defined(HXNOEPI) || defined(HXNOSTORE)
		nbad = 0; /* a diagnostic variant: its C is not the product */
#endif
		bad |= nbad != 0;
		if (timing && !nbad) {
			cudaEvent_t e0, e1;
			std::vector<double> tk, tc;
			CK(cudaEventCreate(&e0));
			CK(cudaEventCreate(&e1));
			for (int rr = -3; rr < reps; rr++) {
				float ms;
				CK(cudaMemsetAsync(flush, rr & 0xff, nflush));
				CK(cudaEventRecord(e0));
				launch(A, B, C, W, M, N, K, ta, tb, tcm);
				CK(cudaEventRecord(e1));
				CK(cudaEventSynchronize(e1));
				CK(cudaEventElapsedTime(&ms, e0, e1));
				if (rr >= 0)
					tk.push_back(ms * 1e3);
				CK(cudaMemsetAsync(flush, rr & 0xff, nflush));
				CK(cudaEventRecord(e0));
				cublas_ref(h, A, B, R, M, N, K);
				CK(cudaEventRecord(e1));
				CK(cudaEventSynchronize(e1));
				CK(cudaEventElapsedTime(&ms, e0, e1));
				if (rr >= 0)
					tc.push_back(ms * 1e3);
			}
#ifdef HDBG
			{ /* the last timed launch: when each CTA started and ended */
				std::vector<unsigned long long> d(2 * grid_x);
				CK(cudaMemcpyFromSymbol(d.data(), hdbg, d.size() * 8));
				unsigned long long s0 = ~0ull, s1 = 0, e0 = ~0ull, e1 = 0;
				int late = 0;
				for (int c = 0; c < grid_x; c++) {
					s0 = std::min(s0, d[2 * c]), s1 = std::max(s1, d[2 * c]);
					e0 = std::min(e0, d[2 * c + 1]), e1 = std::max(e1, d[2 * c + 1]);
				}
				for (int c = 0; c < grid_x; c++)
					late += d[2 * c] > s0 + 5000;
				printf("  CTAS %ldx%ldx%ld: %d CTAs, starts within %.1f us (%d later than 5 us), ends %.1f .. %.1f us\n",
				       M, N, K, grid_x, (s1 - s0) * 1e-3, late, (e0 - s0) * 1e-3, (e1 - s0) * 1e-3);
			}
#endif
#if !defined(HXNOMMA) && !defined(HXNOEPI) && !defined(HXNOSTORE)
			bad |= compare(C, R, M, N, K, "after the timed calls: ") != 0;
#endif
			double a = median(tk), b = median(tc);
			printf("  TIME %ldx%ldx%ld: gemm_tma %.1f us (%.0f TFLOP/s), cuBLAS %.1f us, ratio %.3f\n", M, N, K,
			       a, 2.0 * M * N * K / a * 1e-6, b, b / a);
		}
		CK(cudaFree(A));
		CK(cudaFree(B));
		CK(cudaFree(C));
		CK(cudaFree(R));
		CK(cudaFree(W));
	}
	return bad;
}
