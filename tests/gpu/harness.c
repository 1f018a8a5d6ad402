/*
 * tests/gpu/harness.c - a standalone GPU check and timing harness for the CUDA
 * tasks, built by tests/gpu/run.sh against build/libtttd.a.  It uses the real
 * pieces (task loading and rendering, NVRTC, the CUDA backend, the cuBLAS
 * baseline, measured peaks) without tttd-bench, so the CUDA target can be
 * validated before the tools exist.  Not installed, not part of make check.
 *
 *   harness peaks
 *   harness task <dir> [--all] [config ...]   config: "BM=128,BN=128,..."
 *   harness fault <file.cu> <kernel> <grid> <block> <smem> <timeout_s>
 *
 * task: for each config, render + compile, check every check shape and the
 * bench shape against the task's reference kernel (ref_launch), then time the
 * bench shape (3 warm-ups, 20 runs each after an L2 flush, median).  One line
 * per config; a summary line at the end.  fault: run one kernel in a forked
 * child with a timeout and print its classification (ok, timeout,
 * illegal-address, launch-error, nan) - what the bench workers must do.
 */
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cuda_runtime.h>

#include "backend.h"
#include "cuda_extra.h"
#include "nvrtc.h"
#include "task.h"
#include "tttd.h"

static struct tttd_backend be;
static char arch[16];

static void
fail(const char *what, const struct tttd_error *e)
{
	fprintf(stderr, "harness: %s: %s\n", what, e ? e->msg : "");
	exit(1);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *s;
	long n;

	if (!f) {
		perror(path);
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	s = xmalloc((size_t)n + 1);
	if (fread(s, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	s[n] = 0;
	fclose(f);
	return s;
}

static uint64_t rs = 0x9e3779b97f4a7c15ull;

static double
urand(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return ((rs >> 11) + 0.5) / 9007199254740992.0;
}

static double
nrand(void)
{
	return sqrt(-2 * log(urand())) * cos(6.283185307179586 * urand());
}

static uint16_t
to_bf16(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	u += 0x7fff + ((u >> 16) & 1); /* round to nearest even */
	return (uint16_t)(u >> 16);
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct bufs {
	void *dev[8];
	void *host[8];
	size_t bytes[8];
};

static void
bufs_make(const struct tttd_task *t, const struct tttd_shape *s, struct bufs *b)
{
	struct tttd_error e;

	for (size_t i = 0; i < t->nbuf; i++) {
		long n = tttd_task_eval_shape(t, t->buf[i].count, s);
		size_t es = tttd_dtype_size(t->buf[i].dtype);

		b->bytes[i] = (size_t)n * es;
		b->host[i] = xmalloc(b->bytes[i] + 1);
		if (be.ops->alloc(&be, b->bytes[i], &b->dev[i], &e))
			fail("alloc", &e);
		if (t->buf[i].role == TTTD_BUF_IN) {
			for (long j = 0; j < n; j++) {
				float v = (float)(nrand() * t->buf[i].dist_scale);
				if (t->buf[i].dtype == TTTD_BF16)
					((uint16_t *)b->host[i])[j] = to_bf16(v);
				else
					((float *)b->host[i])[j] = v;
			}
			if (be.ops->put(&be, b->dev[i], b->host[i], b->bytes[i], &e))
				fail("put", &e);
		}
	}
}

static void
bufs_free(const struct tttd_task *t, struct bufs *b)
{
	for (size_t i = 0; i < t->nbuf; i++) {
		be.ops->free(&be, b->dev[i]);
		free(b->host[i]);
	}
}

/* Poison outputs (NaN bytes), run, fetch outputs into out[i]. */
static int
run_get(const struct tttd_task *t, void *k, const struct tttd_shape *s, const int *choice,
	struct bufs *b, float **out, struct tttd_error *e)
{
	for (size_t i = 0; i < t->nbuf; i++)
		if (t->buf[i].role == TTTD_BUF_OUT && cudaMemset(b->dev[i], 0xff, b->bytes[i]))
			return tttd_error_set(e, TTTD_EGPU, "memset");
	TTTD_TRY(be.ops->run(&be, k, t, s, choice, b->dev, e));
	TTTD_TRY(be.ops->sync(&be, e));
	for (size_t i = 0; i < t->nbuf; i++)
		if (t->buf[i].role == TTTD_BUF_OUT) {
			out[i] = xmalloc(b->bytes[i]);
			TTTD_TRY(be.ops->get(&be, out[i], b->dev[i], b->bytes[i], e));
		}
	return TTTD_OK;
}

/* Worst |a-r| / (atol + rtol |r|) over the outputs; > 1 fails; NaN -> inf. */
static double
compare(const struct tttd_task *t, struct bufs *b, float **got, float **ref)
{
	double worst = 0;

	for (size_t i = 0; i < t->nbuf; i++) {
		if (t->buf[i].role != TTTD_BUF_OUT)
			continue;
		for (size_t j = 0; j < b->bytes[i] / 4; j++) {
			double d = fabs((double)got[i][j] - ref[i][j]);
			double q = d / (t->atol + t->rtol * fabs(ref[i][j]));
			if (isnan(got[i][j]) || isnan(q))
				return INFINITY;
			if (q > worst)
				worst = q;
		}
	}
	return worst;
}

static double
time_ns(const struct tttd_task *t, void *k, const struct tttd_shape *s, const int *choice,
	struct bufs *b, const char *baseline)
{
	struct tttd_error e;
	double x[20], ns;

	for (int i = -3; i < 20; i++) {
		if (be.ops->flush(&be, &e) || be.ops->timer_start(&be, &e))
			fail("timer", &e);
		if (baseline ? tttd_cuda_baseline(&be, baseline, t, s, b->dev, &e)
			     : be.ops->run(&be, k, t, s, choice, b->dev, &e))
			return -1;
		if (be.ops->timer_stop(&be, &ns, &e) || be.ops->sync(&be, &e))
			return -1;
		if (i >= 0)
			x[i] = ns;
	}
	qsort(x, 20, sizeof(x[0]), cmpd);
	return (x[9] + x[10]) / 2;
}

static void *
compile_load(const struct tttd_task *t, const char *src, const char *name, const char *flags,
	     struct tttd_nvrtc_result *r, char *why, size_t nwhy)
{
	struct tttd_error e = { 0 };
	void *k = NULL;

	if (tttd_nvrtc_compile(src, name, flags, arch, r, &e)) {
		snprintf(why, nwhy, "compile: %s: %.300s", e.msg, r->log);
		return NULL;
	}
	if (be.ops->load(&be, t, r->cubin, r->ncubin, NULL, &k, &e)) {
		snprintf(why, nwhy, "load: %s", e.msg);
		return NULL;
	}
	return k;
}

/* Parse "A=1,B=2" onto a choice. */
static int
parse_config(const struct tttd_task *t, const char *cfg, int *choice)
{
	char *s = xstrdup(cfg), *tok, *save = NULL, *keys[32], *vals[32];
	size_t n = 0;
	struct tttd_error e;
	int r;

	for (tok = strtok_r(s, ", ", &save); tok && n < 32; tok = strtok_r(NULL, ", ", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = 0;
		keys[n] = tok;
		vals[n++] = eq + 1;
	}
	r = tttd_task_choice_from_map(t, keys, vals, n, choice, &e);
	if (r)
		fprintf(stderr, "harness: config '%s': %s\n", cfg, e.msg);
	for (size_t d = 0; d < t->ndec && !r; d++)
		if (choice[d] < 0)
			choice[d] = 0;
	free(s);
	return r;
}

static void
config_text(const struct tttd_task *t, const int *choice, char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = 0;
	for (size_t d = 0; d < t->ndec && o < n; d++)
		o += (size_t)snprintf(buf + o, n - o, "%s%s=%s", d ? "," : "", t->dec[d].name,
				      t->dec[d].opt[choice[d]]);
}

static int
cmd_task(int argc, char **argv)
{
	struct tttd_task *t, rt;
	struct tttd_error e = { 0 };
	struct tttd_nvrtc_result rr;
	char why[600], cfgtxt[256], *refsrc, *refpath;
	void *refk;
	int nconf = 0, npass = 0, all = 0;
	double bw = 0, fl = 0, best = 0, base_ns = 0;
	int choice[32];
	char **cfgs = NULL;
	size_t ncfg = 0;

	if (tttd_task_load(&t, argv[0], &e))
		fail("task", &e);
	rt = *t;
	rt.launch = t->ref_launch;
	rt.nlaunch = t->nref_launch;
	refpath = xasprintf("%s/%s", t->dir, t->reference);
	refsrc = slurp(access(refpath, R_OK) == 0 ? refpath : t->reference);
	refk = compile_load(&rt, refsrc, "ref.cu", t->ref_cflags, &rr, why, sizeof(why));
	if (!refk) {
		fprintf(stderr, "harness: reference: %s\n", why);
		return 1;
	}
	tttd_cuda_peaks(&be, &bw, &fl, &e);
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--all"))
			all = 1;
	if (all) {
		/* Every feasible configuration, in odometer order. */
		int c[32] = { 0 };
		for (;;) {
			if (tttd_task_feasible(t, c, t->ndec)) {
				config_text(t, c, cfgtxt, sizeof(cfgtxt));
				cfgs = xrealloc(cfgs, (ncfg + 1) * sizeof(*cfgs));
				cfgs[ncfg++] = xstrdup(cfgtxt);
			}
			size_t d = 0;
			while (d < t->ndec && ++c[d] == (int)t->dec[d].nopt)
				c[d++] = 0;
			if (d == t->ndec)
				break;
		}
	} else {
		for (int i = 1; i < argc; i++) {
			cfgs = xrealloc(cfgs, (ncfg + 1) * sizeof(*cfgs));
			cfgs[ncfg++] = argv[i];
		}
	}

	/* Reference outputs per shape, computed once. */
	size_t nsh = t->ncheck + t->nbench;
	struct tttd_shape *sh = xmalloc(nsh * sizeof(*sh));
	struct bufs *bb = xcalloc(nsh, sizeof(*bb));
	float *(*ref)[8] = xcalloc(nsh, sizeof(*ref));
	memcpy(sh, t->check, t->ncheck * sizeof(*sh));
	memcpy(sh + t->ncheck, t->bench, t->nbench * sizeof(*sh));
	for (size_t s = 0; s < nsh; s++) {
		bufs_make(t, &sh[s], &bb[s]);
		if (run_get(&rt, refk, &sh[s], NULL, &bb[s], ref[s], &e))
			fail("reference run", &e);
	}
	if (t->baseline && t->nbench) {
		float *bo[8] = { 0 };
		base_ns = time_ns(t, NULL, &t->bench[0], NULL, &bb[t->ncheck], t->baseline);
		/* The baseline must agree with the reference too (checks the reference). */
		if (!tttd_cuda_baseline(&be, t->baseline, t, &t->bench[0], bb[t->ncheck].dev, &e) &&
		    !be.ops->sync(&be, &e)) {
			size_t oi = 2;
			bo[oi] = xmalloc(bb[t->ncheck].bytes[oi]);
			be.ops->get(&be, bo[oi], bb[t->ncheck].dev[oi], bb[t->ncheck].bytes[oi], &e);
			printf("%s baseline %s: %.1f us, vs reference err %.3g\n", t->name, t->baseline,
			       base_ns / 1e3, compare(t, &bb[t->ncheck], bo, ref[t->ncheck]));
			free(bo[oi]);
		}
	}
	for (size_t c = 0; c < ncfg; c++) {
		struct tttd_nvrtc_result r;
		double worst = 0, ns = -1;
		char *src, *flags;
		void *k;

		if (parse_config(t, cfgs[c], choice))
			continue;
		nconf++;
		config_text(t, choice, cfgtxt, sizeof(cfgtxt));
		if (!tttd_task_feasible(t, choice, t->ndec)) {
			printf("%-70s infeasible\n", cfgtxt);
			continue;
		}
		src = tttd_task_render(t, choice);
		flags = tttd_task_render_cflags(t, choice);
		k = compile_load(t, src, "kernel.cu", flags, &r, why, sizeof(why));
		if (!k) {
			printf("%-70s FAIL %s\n", cfgtxt, why);
			goto next;
		}
		for (size_t s = 0; s < nsh; s++) {
			float *got[8] = { 0 };
			double q;
			if (run_get(t, k, &sh[s], choice, &bb[s], got, &e)) {
				printf("%-70s FAIL run: %s\n", cfgtxt, e.msg);
				worst = INFINITY;
				if (strstr(e.msg, "unusable"))
					exit(1);
				break;
			}
			q = compare(t, &bb[s], got, ref[s]);
			for (int i = 0; i < 8; i++)
				free(got[i]);
			if (q > worst)
				worst = q;
			if (q > 1) {
				printf("%-70s FAIL wrong at shape %zu (err %.3g of tolerance)\n", cfgtxt, s, q);
				break;
			}
		}
		if (worst <= 1 && t->nbench) {
			ns = time_ns(t, k, &t->bench[0], choice, &bb[t->ncheck], NULL);
			double flops = t->flops ? (double)tttd_task_eval_shape(t, t->flops, &t->bench[0]) : 0;
			double bytes = t->bytes ? (double)tttd_task_eval_shape(t, t->bytes, &t->bench[0]) : 0;
			npass++;
			printf("%-70s ok err %.2f  %9.1f us  %7.1f TFLOP/s  %6.0f GB/s  regs %d smem %d spill %d",
			       cfgtxt, worst, ns / 1e3, flops / ns / 1e3, bytes / ns, r.regs, r.smem,
			       r.spill_stores);
			if (base_ns > 0)
				printf("  %.0f%% of %s", 100 * base_ns / ns, t->baseline);
			if (bw > 0 && bytes > 0)
				printf("  %.0f%% of bw floor", 100 * (bytes / bw * 1e9) / ns);
			printf("\n");
			if (best == 0 || ns < best)
				best = ns;
		}
		be.ops->unload(&be, k);
	next:
		fflush(stdout);
		tttd_nvrtc_result_release(&r);
		free(src);
		free(flags);
	}
	if (t->nbench && best > 0) {
		double flops = t->flops ? (double)tttd_task_eval_shape(t, t->flops, &t->bench[0]) : 0;
		double bytes = t->bytes ? (double)tttd_task_eval_shape(t, t->bytes, &t->bench[0]) : 0;
		printf("SUMMARY %s: %d/%d configs correct; best %.1f us = %.1f TFLOP/s, %.0f GB/s", t->name,
		       npass, nconf, best / 1e3, flops / best / 1e3, bytes / best);
		if (base_ns > 0)
			printf(", %.0f%% of %s (%.1f us)", 100 * base_ns / best, t->baseline, base_ns / 1e3);
		if (bw > 0)
			printf(", %.0f%% of the bandwidth floor (%.0f GB/s measured)", 100 * (bytes / bw * 1e9) / best,
			       bw / 1e9);
		printf("\n");
	}
	return npass == nconf ? 0 : 2;
}

static int
cmd_fault(char **argv)
{
	struct tttd_nvrtc_result r;
	struct tttd_error e = { 0 };
	char *src = slurp(argv[0]);
	unsigned grid[3] = { (unsigned)atoi(argv[2]), 1, 1 }, block[3] = { (unsigned)atoi(argv[3]), 1, 1 };
	size_t smem = (size_t)atol(argv[4]);
	int timeout = atoi(argv[5]), st;
	pid_t pid;

	memset(&r, 0, sizeof(r));
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* The worker: its own context, so a sticky error dies with it. */
		struct tttd_backend w;
		void *k, *buf;
		float host[256];
		long n = 256;
		void *args[2] = { &buf, &n };

		/* Everything in the child: the parent stays free of CUDA and NVRTC state. */
		if (tttd_nvrtc_compile(src, argv[0], NULL, arch, &r, &e)) {
			fprintf(stderr, "  (%s)\n", e.msg);
			_exit(15);
		}
		if (tttd_backend_open(&w, "cuda", 0, &e) || w.ops->load(&w, NULL, r.cubin, r.ncubin, argv[1], &k, &e) ||
		    w.ops->alloc(&w, sizeof(host), &buf, &e)) {
			fprintf(stderr, "  setup: %s\n", e.msg);
			_exit(10);
		}
		cudaMemset(buf, 0, sizeof(host));
		if (tttd_cuda_launch(&w, k, argv[1], grid, block, smem, args, &e)) {
			fprintf(stderr, "  (%s)\n", e.msg);
			_exit(11);
		}
		if (w.ops->sync(&w, &e)) {
			fprintf(stderr, "  (%s)\n", e.msg);
			_exit(12);
		}
		if (w.ops->get(&w, host, buf, sizeof(host), &e))
			_exit(12);
		for (int i = 0; i < 256; i++)
			if (isnan(host[i]))
				_exit(13);
		for (int i = 0; i < 256; i++)
			if (host[i] != (float)i)
				_exit(14);
		_exit(0);
	}
	for (int i = 0; i < timeout * 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			goto done;
		usleep(100000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	printf("timeout\n");
	return 0;
done:
	if (!WIFEXITED(st)) {
		printf("crash\n");
		return 0;
	}
	switch (WEXITSTATUS(st)) {
	case 0: printf("ok\n"); break;
	case 11: printf("launch-error\n"); break;
	case 12: printf("exec-error\n"); break;
	case 13: printf("nan\n"); break;
	case 14: printf("wrong\n"); break;
	case 15: printf("compile-error\n"); break;
	default: printf("setup-error\n"); break;
	}
	tttd_nvrtc_result_release(&r);
	return 0;
}

int
main(int argc, char **argv)
{
	struct tttd_error e = { 0 };
	int maj = 0, min = 0;

	if (argc < 2)
		return 2;
	if (!strcmp(argv[1], "fault")) {
		/* The parent never touches CUDA: forked children need a clean process. */
		if (argc < 8)
			return 2;
		snprintf(arch, sizeof(arch), "%s", getenv("TTTD_ARCH") ? getenv("TTTD_ARCH") : "sm_90");
		return cmd_fault(argv + 2);
	}
	if (tttd_backend_open(&be, "cuda", 0, &e))
		fail("open", &e);
	cudaDeviceGetAttribute(&maj, cudaDevAttrComputeCapabilityMajor, 0);
	cudaDeviceGetAttribute(&min, cudaDevAttrComputeCapabilityMinor, 0);
	snprintf(arch, sizeof(arch), "sm_%d%d%s", maj, min, maj == 9 ? "a" : "");
	printf("device: %s, %s, arch %s\n", be.ops->device_name(&be), tttd_nvrtc_version_string(), arch);
	if (!strcmp(argv[1], "peaks")) {
		double bw, fl;
		if (tttd_cuda_peaks(&be, &bw, &fl, &e))
			fail("peaks", &e);
		printf("peaks: copy bandwidth %.0f GB/s, cuBLAS bf16 8192^3 %.1f TFLOP/s\n", bw / 1e9, fl / 1e12);
		return 0;
	}
	if (!strcmp(argv[1], "task") && argc >= 3)
		return cmd_task(argc - 2, argv + 2);
	return 2;
}
