/*
 * test_cpuref.c - lib/bench/cpuref.c and the cpu_reference of every CUDA task in
 * kernels/ (run from the repo root): each CUDA task names one, it compiles
 * and loads, and at a tiny shape it computes what a hand calculation gives.
 * Whether the GPU reference (ref.cu) agrees with it is the device's half
 * (tests/gpu/ref_check.c, make test-gpu).
 */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpuref.h" /* defines: tttd_cpuref_open, tttd_cpuref_run, tttd_cpuref_release */
#include "test.h"

static struct tttd_task *
load(const char *name)
{
	struct tttd_task *t = NULL;
	struct tttd_error e = { 0 };

	if (tttd_task_load(&t, name, &e) < 0) {
		fprintf(stderr, "%s: %s\n", name, e.msg);
		return NULL;
	}
	return t;
}

/* Load t's cpu_reference; NULL-safe, reports why it failed. */
static int
open_ref(struct tttd_cpuref *r, const struct tttd_task *t)
{
	struct tttd_error e = { 0 };

	if (!t)
		return -1;
	if (tttd_cpuref_open(r, t, NULL, &e) < 0) {
		fprintf(stderr, "%s: %s\n", t->name, e.msg);
		return -1;
	}
	return 0;
}

/* bf16 of a float whose low 16 bits are zero (small integers): exact. */
static unsigned short
to_bf16(float f)
{
	unsigned u;

	memcpy(&u, &f, sizeof(u));
	return (unsigned short)(u >> 16);
}

/* C = A * B with A = [1 2 3; 4 5 6], B = [1 -1; 0 2; -2 1]: [-5 6; -8 12]. */
static const float gA[6] = { 1, 2, 3, 4, 5, 6 }, gB[6] = { 1, -1, 0, 2, -2, 1 };
static const float gC[4] = { -5, 6, -8, 12 };

static void
check_gemm(const char *name, int bf16)
{
	struct tttd_task *t = load(name);
	struct tttd_cpuref r;
	struct tttd_shape s = { { 2, 2, 3 } }; /* M N K */
	unsigned short a16[6], b16[6];
	float c[4] = { NAN, NAN, NAN, NAN };
	void *buf[3];
	int i, ok = 1;

	T_CHECK("gemm task loads and names a cpu_reference", t && t->cpu_reference);
	if (open_ref(&r, t) < 0) {
		T_CHECK("gemm cpu_reference compiles", 0);
		tttd_task_free(t);
		return;
	}
	for (i = 0; i < 6; i++) {
		a16[i] = to_bf16(gA[i]);
		b16[i] = to_bf16(gB[i]);
	}
	buf[0] = bf16 ? (void *)a16 : (void *)gA;
	buf[1] = bf16 ? (void *)b16 : (void *)gB;
	buf[2] = c;
	tttd_cpuref_run(&r, t, &s, buf);
	for (i = 0; i < 4; i++)
		ok &= c[i] == gC[i];
	T_CHECK(bf16 ? "gemm (bf16): [1 2 3; 4 5 6] * [1 -1; 0 2; -2 1] = [-5 6; -8 12]"
		     : "gemm_f32: [1 2 3; 4 5 6] * [1 -1; 0 2; -2 1] = [-5 6; -8 12]",
		ok);
	tttd_cpuref_release(&r);
	tttd_task_free(t);
}

static void
check_layernorm(void)
{
	struct tttd_task *t = load("layernorm");
	struct tttd_cpuref r;
	struct tttd_shape s = { { 1, 4 } }; /* R C */
	/* mean 2.5, biased variance 1.25 */
	float x[4] = { 1, 2, 3, 4 }, w[4] = { 1, 2, 1, 1 }, b[4] = { 0, 0, 1, -1 }, y[4];
	void *buf[4] = { x, w, b, y };
	double rs = 1.0 / sqrt(1.25 + 1e-5);
	int i;

	T_CHECK("layernorm names a cpu_reference", t && t->cpu_reference);
	if (open_ref(&r, t) < 0) {
		T_CHECK("layernorm cpu_reference compiles", 0);
		tttd_task_free(t);
		return;
	}
	tttd_cpuref_run(&r, t, &s, buf);
	for (i = 0; i < 4; i++)
		T_NEAR("layernorm of [1 2 3 4]", y[i], (x[i] - 2.5) * rs * w[i] + b[i], 1e-6);
	T_NEAR("layernorm: y[0] = -1.5 / sqrt(1.25)", y[0], -1.3416355, 1e-6);
	tttd_cpuref_release(&r);
	tttd_task_free(t);
}

static void
check_softmax(void)
{
	struct tttd_task *t = load("softmax_cuda");
	struct tttd_cpuref r;
	struct tttd_shape s = { { 2, 3 } }; /* R C */
	/* exp of row 0 is 1, 2, 3 (sum 6); row 1 is constant: 1/3 each. */
	float x[6] = { 0, (float)log(2.0), (float)log(3.0), 50, 50, 50 }, y[6];
	void *buf[2] = { x, y };

	T_CHECK("softmax_cuda names a cpu_reference", t && t->cpu_reference);
	if (open_ref(&r, t) < 0) {
		T_CHECK("softmax_cuda cpu_reference compiles", 0);
		tttd_task_free(t);
		return;
	}
	tttd_cpuref_run(&r, t, &s, buf);
	T_NEAR("softmax [0 ln2 ln3] = 1/6", y[0], 1.0 / 6, 1e-6);
	T_NEAR("softmax [0 ln2 ln3] = 2/6", y[1], 2.0 / 6, 1e-6);
	T_NEAR("softmax [0 ln2 ln3] = 3/6", y[2], 3.0 / 6, 1e-6);
	T_NEAR("softmax of a constant row (50: no overflow) = 1/3", y[4], 1.0 / 3, 1e-6);
	tttd_cpuref_release(&r);
	tttd_task_free(t);
}

/*
 * TriMul with the mask all zero: both projections vanish, so the triangle
 * product is 0, its LayerNorm gives onb, and with the out-gate weights 0
 * the gate is sigmoid(0) = 1/2: y[c] = sum_h onb[h] / 2 * wo[c][h] for any x.
 */
static void
check_trimul(void)
{
	/* clang-format off */
	enum { B = 1, N = 2, C = 3, H = 2, M = B * N * N };
	/* clang-format on */
	struct tttd_task *t = load("trimul");
	struct tttd_cpuref r;
	struct tttd_shape s = { { B, N, C, H } };
	float x[M * C], mask[M] = { 0 }, lnw[C] = { 1, 1, 1 }, lnb[C] = { 0, 0, 0 };
	float wp[4][H * C], wog[H * C] = { 0 }, onw[H] = { 1, 1 }, onb[H] = { 2, -4 };
	float wo[C * H] = { 1, 0, 0, 1, 1, 1 }, y[M * C];
	void *buf[24] = { x, mask, lnw, lnb, wp[0], wp[1], wp[2], wp[3], wog, onw, onb, wo, y };
	int i, ok = 1;

	T_CHECK("trimul names a cpu_reference", t && t->cpu_reference);
	T_CHECK("trimul: 13 buffers, then at most 11 scratch", t && t->nbuf <= 24 && t->nbuf >= 13);
	if (open_ref(&r, t) < 0) {
		T_CHECK("trimul cpu_reference compiles", 0);
		tttd_task_free(t);
		return;
	}
	for (i = 0; i < M * C; i++)
		x[i] = (float)(i % 5) - 2;
	for (i = 0; i < 4 * H * C; i++)
		wp[i / (H * C)][i % (H * C)] = (float)((i * 7) % 11) / 11;
	tttd_cpuref_run(&r, t, &s, buf);
	for (i = 0; i < M; i++) {
		ok &= fabsf(y[i * C + 0] - 1.0f) < 1e-6f; /* onb[0] / 2 */
		ok &= fabsf(y[i * C + 1] + 2.0f) < 1e-6f; /* onb[1] / 2 */
		ok &= fabsf(y[i * C + 2] + 1.0f) < 1e-6f; /* (onb[0] + onb[1]) / 2 */
	}
	T_CHECK("trimul with mask 0 and out gate 0: y = wo * onb / 2", ok);
	tttd_cpuref_release(&r);
	tttd_task_free(t);
}

/* Every CUDA task in kernels/ names a cpu_reference, and every cpu task none. */
static void
check_all_tasks(void)
{
	DIR *d = opendir("kernels");
	struct dirent *de;
	int ncuda = 0;

	T_CHECK("kernels/ opens (run from the repo root)", d != NULL);
	while (d && (de = readdir(d))) {
		char path[300];
		struct tttd_task *t;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "kernels/%s/task", de->d_name);
		if (access(path, R_OK) < 0)
			continue;
		snprintf(path, sizeof(path), "kernels/%s", de->d_name);
		t = load(path);
		T_CHECK("every task in kernels/ loads", t != NULL);
		if (t && strcmp(t->target, "cuda") == 0) {
			ncuda++;
			if (!t->cpu_reference)
				fprintf(stderr, "task '%s' has no cpu_reference\n", t->name);
			T_CHECK("every CUDA task names a cpu_reference", t->cpu_reference != NULL);
		}
		tttd_task_free(t);
	}
	if (d)
		closedir(d);
	T_CHECK("kernels/ has CUDA tasks", ncuda >= 5);
}

int
main(void)
{
	check_gemm("gemm", 1);
	check_gemm("gemm_f32", 0);
	check_layernorm();
	check_softmax();
	check_trimul();
	check_all_tasks();
	return T_DONE();
}
