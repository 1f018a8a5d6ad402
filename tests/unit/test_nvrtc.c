/*
 * test_nvrtc.c - NVRTC compilation without a GPU: a kernel becomes an sm_90
 * cubin (ELF), a syntax error becomes ok = 0 with the line in the log, and
 * ptxas's resource report is parsed.  Without the toolkit (no TTTD_HAVE_CUDA)
 * there is nothing to test and the suite reports 0/0.
 */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "tttd.h"

#ifdef TTTD_HAVE_CUDA
#include "inputs_cuda.h"
#include "nvrtc.h"

static const char good[] =
	"extern \"C\" __global__ void axpy(float *y, const float *x, long n)\n"
	"{\n"
	"	__shared__ float s[64];\n"
	"	long i = blockIdx.x * (long)blockDim.x + threadIdx.x;\n"
	"	s[threadIdx.x & 63] = i < n ? x[i] : 0.f;\n"
	"	__syncthreads();\n"
	"	if (i < n)\n"
	"		y[i] += 2.f * s[(threadIdx.x + 1) & 63];\n"
	"}\n"
	"extern \"C\" __global__ void zero(float *y) { y[threadIdx.x] = 0.f; }\n";

static const char bad[] =
	"extern \"C\" __global__ void k(float *y)\n"
	"{\n"
	"	y[0] = 1.f\n" /* missing ';' on line 3 */
	"}\n";

static const char report[] =
	"ptxas info    : 0 bytes gmem\n"
	"ptxas info    : Compiling entry function 'a' for 'sm_90a'\n"
	"ptxas info    : Function properties for a\n"
	"ptxas         .     16 bytes stack frame, 8 bytes spill stores, 4 bytes spill loads\n"
	"ptxas info    : Used 40 registers, used 1 barriers, 256 bytes smem, 380 bytes cmem[0]\n"
	"ptxas info    : Compiling entry function 'b' for 'sm_90a'\n"
	"ptxas info    : Function properties for b\n"
	"ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"
	"ptxas info    : Used 128 registers, used 0 barriers, 4096 bytes smem\n";

/* NVRTC 13's report when a kernel calls an out-of-line libdevice slow path. */
static const char report_sub[] =
	"ptxas info    : Compiling entry function 'fill' for 'sm_90'\n"
	"ptxas info    : Function properties for fill\n"
	"ptxas         .     40 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"
	"ptxas info    : Used 32 registers, used 0 barriers, 40 bytes cumulative stack size\n"
	"ptxas info    : Compile time = 42.305 ms\n"
	"ptxas info    : Function properties for __internal_trig_reduction_slowpathd\n"
	"ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n";

int
main(void)
{
	struct tttd_nvrtc_result r;
	struct tttd_error e = { 0 };
	int rc, ma = 0, mi = 0;

	rc = tttd_nvrtc_compile(good, "good.cu", "-O3 --use_fast_math", "sm_90", &r, &e);
	T_CHECK("good kernel compiles", rc == TTTD_OK && r.ok);
	if (rc)
		fprintf(stderr, "%s\n%s\n", e.msg, r.log);
	T_CHECK("cubin is an ELF", tttd_nvrtc_is_elf(r.cubin, r.ncubin));
	/* NVRTC may serve a cached cubin with no ptxas report: then the ELF speaks. */
	T_CHECK("log kept", r.log != NULL);
	T_CHECK("two kernels reported", r.nfunc == 2);
	T_CHECK("registers > 0", r.regs > 0);
	T_CHECK("static smem 256 (+1 KiB reserved when read from the cubin)", r.smem == 256 || r.smem == 1280);
	T_CHECK("no spills", r.spill_stores == 0 && r.spill_loads == 0);
	{
		struct tttd_nvrtc_result c;
		int regs = r.regs;

		memset(&c, 0, sizeof(c));
		T_CHECK("cubin: two kernels", tttd_nvrtc_parse_cubin(r.cubin, r.ncubin, &c) == 2);
		T_CHECK("cubin: same registers as the report", c.regs == regs);
		T_CHECK("cubin: shared section holds the 256 bytes", c.smem >= 256);
		T_CHECK("cubin: garbage is no ELF", tttd_nvrtc_parse_cubin("junk", 4, &c) == 0);
		tttd_nvrtc_result_release(&c);
	}
	tttd_nvrtc_result_release(&r);
	T_CHECK("release clears", r.cubin == NULL && r.log == NULL && r.nfunc == 0);

	rc = tttd_nvrtc_compile(good, "good.cu", NULL, "sm_90a", &r, &e);
	T_CHECK("sm_90a compiles", rc == TTTD_OK && r.ok);
	tttd_nvrtc_result_release(&r);

	rc = tttd_nvrtc_compile(bad, "bad.cu", NULL, "sm_90", &r, &e);
	T_CHECK("syntax error is ECOMPILE", rc == TTTD_ECOMPILE);
	T_CHECK("ok = 0, no cubin", !r.ok && r.cubin == NULL && r.ncubin == 0);
	T_CHECK("log names the file and line", r.log && strstr(r.log, "bad.cu(") != NULL &&
						       (strstr(r.log, "(3)") || strstr(r.log, "(4)")));
	T_CHECK("message names the file", strstr(e.msg, "'bad.cu'") != NULL);
	tttd_nvrtc_result_release(&r);

	rc = tttd_nvrtc_compile(good, "good.cu", "--no-such-flag", "sm_90", &r, &e);
	T_CHECK("unknown option is ECOMPILE with a log", rc == TTTD_ECOMPILE && r.log && r.log[0]);
	tttd_nvrtc_result_release(&r);

	rc = tttd_nvrtc_compile(good, "good.cu", NULL, "compute_90", &r, &e);
	T_CHECK("compute_ arch refused", rc == TTTD_EINVAL && strstr(e.msg, "compute_90"));
	tttd_nvrtc_result_release(&r);
	rc = tttd_nvrtc_compile(good, "good.cu", NULL, "sm_9", &r, &e);
	T_CHECK("short arch refused", rc == TTTD_EINVAL);
	tttd_nvrtc_result_release(&r);

	memset(&r, 0, sizeof(r));
	T_CHECK("report: two kernels", tttd_nvrtc_parse_resources(report, &r) == 2);
	T_CHECK("report: names", r.nfunc == 2 && !strcmp(r.func[0].name, "a") && !strcmp(r.func[1].name, "b"));
	T_CHECK("report: a", r.func[0].regs == 40 && r.func[0].stack == 16 && r.func[0].spill_stores == 8 &&
				     r.func[0].spill_loads == 4 && r.func[0].smem == 256 &&
				     r.func[0].cmem == 380 && r.func[0].barriers == 1);
	T_CHECK("report: b cmem absent", r.func[1].cmem == -1 && r.func[1].regs == 128);
	T_CHECK("report: maxima", r.regs == 128 && r.smem == 4096 && r.stack == 16 && r.spill_stores == 8);
	tttd_nvrtc_result_release(&r);
	memset(&r, 0, sizeof(r));
	T_CHECK("report: a device function's line is not the kernel's",
		tttd_nvrtc_parse_resources(report_sub, &r) == 1 && r.func[0].stack == 40 &&
			r.stack == 40 && r.regs == 32);
	tttd_nvrtc_result_release(&r);

	/* tttd's own device kernels (inputs_cuda.c): they must build wherever NVRTC does. */
	rc = tttd_cuda_inputs_compile("sm_90", &r, &e);
	T_CHECK("support kernels compile", rc == TTTD_OK && r.ok && tttd_nvrtc_is_elf(r.cubin, r.ncubin));
	if (rc != TTTD_OK)
		printf("%s\n%s\n", e.msg, r.log);
	T_CHECK("support kernels: fill, compare and count_poison, no spills",
		r.nfunc == 3 && r.spill_stores == 0 && r.stack == 0);
	if (r.nfunc != 3 || r.stack != 0)
		printf("%s\n", r.log);
	{
		/* The same read from the cubin alone (NVRTC's cache can drop the report). */
		struct tttd_nvrtc_result c;

		memset(&c, 0, sizeof(c));
		T_CHECK("support kernels from the cubin: three kernels, no stack",
			tttd_nvrtc_parse_cubin(r.cubin, r.ncubin, &c) == 3 && c.stack == 0);
		tttd_nvrtc_result_release(&c);
	}
	tttd_nvrtc_result_release(&r);

	T_CHECK("version", tttd_nvrtc_version(&ma, &mi, &e) == TTTD_OK && ma >= 11);
	T_CHECK("version string", !strncmp(tttd_nvrtc_version_string(), "nvrtc ", 6));
	return T_DONE();
}
#else
int
main(void)
{
	printf("test_nvrtc: skipped (built without the CUDA toolkit)\n");
	return T_DONE();
}
#endif
