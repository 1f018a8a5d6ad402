/*
 * cuda_tma.c - tensor maps, cluster launches and persistent grids for the
 * plan's launch steps (cuda_tma.h).
 *
 * cuTensorMapEncodeTiled is a driver function; tttd never links libcuda, so
 * it is fetched once through cudaGetDriverEntryPointByVersion.  A map is
 * encoded at every launch because buffers may move between calls; encoding
 * is host arithmetic (no device work).  The maps are 2-D, not interleaved,
 * with 256-byte L2 promotion and zeros for elements out of range.  The
 * occupancy behind a persistent grid is cached per (kernel, block, shared
 * memory, cluster): a stale entry can only mis-size the grid, and a
 * persistent kernel must be correct for any grid.
 *
 * This file does not decide what a candidate computes or check its results.
 */
#include <string.h>

#include <cuda.h> /* CUtensorMap and its enums only: no libcuda symbol is linked */
#include <cudaTypedefs.h>
#include <cuda_runtime.h>

#include "cuda_tma.h"
#include "tmap.h"

static PFN_cuTensorMapEncodeTiled_v12000 encode_tiled;

static int
encoder(struct tttd_error *e)
{
	enum cudaDriverEntryPointQueryResult q = cudaDriverEntryPointSuccess;
	void *fn = NULL;
	cudaError_t r;

	if (encode_tiled)
		return TTTD_OK;
	r = cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &fn, 12000, cudaEnableDefault, &q);
	if (r != cudaSuccess || q != cudaDriverEntryPointSuccess || !fn) {
		cudaGetLastError();
		return tttd_error_set(e, TTTD_EGPU,
				      "the driver has no cuTensorMapEncodeTiled (tensor maps need CUDA 12): %s",
				      cudaGetErrorString(r));
	}
	encode_tiled = (PFN_cuTensorMapEncodeTiled_v12000)fn;
	return TTTD_OK;
}

static CUtensorMapDataType
map_dtype(enum tttd_dtype d)
{
	switch (d) {
	case TTTD_BF16:
		return CU_TENSOR_MAP_DATA_TYPE_BFLOAT16;
	case TTTD_F16:
		return CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
	case TTTD_F64:
		return CU_TENSOR_MAP_DATA_TYPE_FLOAT64;
	case TTTD_I32:
		return CU_TENSOR_MAP_DATA_TYPE_INT32;
	default:
		return CU_TENSOR_MAP_DATA_TYPE_FLOAT32;
	}
}

static CUtensorMapSwizzle
map_swizzle(int bytes)
{
	return bytes == 128  ? CU_TENSOR_MAP_SWIZZLE_128B
	       : bytes == 64 ? CU_TENSOR_MAP_SWIZZLE_64B
	       : bytes == 32 ? CU_TENSOR_MAP_SWIZZLE_32B
			     : CU_TENSOR_MAP_SWIZZLE_NONE;
}

/* Encode tensor map m over the task's buffers at shape s into *out. */
static int
encode(const struct tttd_task *t, const struct tttd_tmap_spec *m, const struct tttd_shape *s,
       const int *choice, void **buf, CUtensorMap *out, struct tttd_error *e)
{
	struct tttd_tmap_geom g;
	cuuint64_t dim[2], stride[1];
	cuuint32_t box[2], estride[2] = { 1, 1 };
	char *base;
	CUresult r;

	TTTD_TRY(tttd_tmap_resolve(t, m, s, choice, &g, e));
	TTTD_TRY(encoder(e));
	base = (char *)buf[g.buf] + g.off_bytes;
	if ((uintptr_t)base % 16)
		return tttd_error_set(e, TTTD_EINVAL, "tensor map '%s': buffer '%s' is not 16-byte aligned",
				      m->name, t->buf[g.buf].name);
	dim[0] = g.cols;
	dim[1] = g.rows;
	stride[0] = g.ld_bytes;
	box[0] = g.box_cols;
	box[1] = g.box_rows;
	r = encode_tiled(out, map_dtype(g.dtype), 2, base, dim, stride, box, estride,
			 CU_TENSOR_MAP_INTERLEAVE_NONE, map_swizzle(g.swizzle),
			 CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
	if (r != CUDA_SUCCESS)
		return tttd_error_set(e, TTTD_EINVAL,
				      "tensor map '%s' (task line %d): cuTensorMapEncodeTiled failed (CUresult %d)",
				      m->name, m->line, (int)r);
	return TTTD_OK;
}

/* Blocks of func resident at once, whole clusters of csize blocks; 0 when unknown. */
struct occ_entry {
	const void *func;
	unsigned threads, cl[3];
	size_t smem;
	long blocks;
};

static struct occ_entry occ_cache[16];
static unsigned occ_next;

static long
resident_blocks(const void *func, const cudaLaunchConfig_t *cfg, const unsigned cl[3])
{
	unsigned threads = cfg->blockDim.x * cfg->blockDim.y * cfg->blockDim.z;
	long blocks = 0;
	int n = 0, dev = 0, sms = 0;
	size_t i;

	for (i = 0; i < sizeof(occ_cache) / sizeof(occ_cache[0]); i++) {
		const struct occ_entry *o = &occ_cache[i];

		if (o->func == func && o->threads == threads && o->smem == cfg->dynamicSmemBytes &&
		    !memcmp(o->cl, cl, sizeof(o->cl)))
			return o->blocks;
	}
	if (cl[0] * cl[1] * cl[2] > 1) {
		if (cudaOccupancyMaxActiveClusters(&n, func, cfg) == cudaSuccess)
			blocks = (long)n * cl[0] * cl[1] * cl[2];
	} else if (cudaOccupancyMaxActiveBlocksPerMultiprocessor(&n, func, (int)threads,
								 cfg->dynamicSmemBytes) == cudaSuccess &&
		   cudaGetDevice(&dev) == cudaSuccess &&
		   cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) == cudaSuccess) {
		blocks = (long)n * sms;
	}
	cudaGetLastError(); /* a failed query is not sticky: the launch says what is wrong */
	if (blocks > 0) {
		struct occ_entry *o = &occ_cache[occ_next++ % (sizeof(occ_cache) / sizeof(occ_cache[0]))];

		o->func = func;
		o->threads = threads;
		o->smem = cfg->dynamicSmemBytes;
		memcpy(o->cl, cl, sizeof(o->cl));
		o->blocks = blocks;
	}
	return blocks;
}

int
tttd_cuda_launch_ext(const struct tttd_task *t, const struct tttd_launch_spec *l,
		     const struct tttd_shape *s, const int *choice, void **buf, void **args,
		     size_t nargs, const void *func, const unsigned grid[3], const unsigned block[3],
		     size_t smem, struct tttd_error *e)
{
	CUtensorMap maps[TTTD_MAX_LAUNCH_TMAPS];
	void *a[64 + TTTD_MAX_LAUNCH_TMAPS];
	cudaLaunchAttribute attr[1];
	cudaLaunchConfig_t cfg;
	unsigned cl[3] = { 1, 1, 1 };
	cudaError_t r;
	int i;

	if (nargs > 64)
		return tttd_error_set(e, TTTD_EINVAL, "too many kernel arguments");
	memcpy(a, args, nargs * sizeof(*a));
	for (i = 0; i < l->ntmap; i++) {
		TTTD_TRY(encode(t, &t->tmap[l->tmap[i]], s, choice, buf, &maps[i], e));
		a[nargs + i] = &maps[i];
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.gridDim = (dim3){ grid[0], grid[1], grid[2] };
	cfg.blockDim = (dim3){ block[0], block[1], block[2] };
	cfg.dynamicSmemBytes = smem;
	cfg.stream = 0;
	if (l->cluster[0]) {
		for (i = 0; i < 3; i++) {
			long v = tttd_task_eval(t, l->cluster[i], s, choice);

			if (v < 1 || v > 16 || grid[i] % v)
				return tttd_error_set(e, TTTD_EINVAL,
						      "launch '%s': cluster[%d] is %ld for grid %u (1..16, "
						      "dividing the grid)",
						      l->kernel, i, v, grid[i]);
			cl[i] = (unsigned)v;
		}
		memset(attr, 0, sizeof(attr));
		attr[0].id = cudaLaunchAttributeClusterDimension;
		attr[0].val.clusterDim.x = cl[0];
		attr[0].val.clusterDim.y = cl[1];
		attr[0].val.clusterDim.z = cl[2];
		cfg.attrs = attr;
		cfg.numAttrs = 1;
	}
	/* Above 48 KiB a block must opt in (before the occupancy query, which depends on it). */
	if (smem > 48 * 1024 &&
	    (r = cudaFuncSetAttribute(func, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem)) != cudaSuccess) {
		cudaGetLastError();
		return tttd_error_set(e, TTTD_EINVAL, "kernel '%s' cannot have %zu bytes of shared memory: %s",
				      l->kernel, smem, cudaGetErrorString(r));
	}
	if (l->persistent) {
		long fit = resident_blocks(func, &cfg, cl), per = (long)grid[1] * grid[2];
		long gx = fit > 0 ? fit / per / cl[0] * cl[0] : 0;

		if (gx >= (long)cl[0] && gx < (long)grid[0])
			cfg.gridDim.x = (unsigned)gx;
	}
	r = cudaLaunchKernelExC(&cfg, func, a);
	if (r != cudaSuccess) {
		cudaGetLastError(); /* launch errors are not sticky */
		return tttd_error_set(e, TTTD_EINVAL,
				      "cannot launch kernel '%s' grid %u,%u,%u block %u,%u,%u cluster %u,%u,%u "
				      "smem %zu: %s",
				      l->kernel, cfg.gridDim.x, grid[1], grid[2], block[0],
				      block[1], block[2], cl[0], cl[1], cl[2], smem, cudaGetErrorString(r));
	}
	return TTTD_OK;
}
