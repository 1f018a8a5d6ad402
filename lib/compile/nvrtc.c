/*
 * nvrtc.c - CUDA C to cubin through NVRTC, with the log always kept and the
 * kernels' resources read from ptxas's report.
 *
 * Resources come from "--ptxas-options=-v" (NVRTC 12+ accepts it and puts
 * ptxas's report in the program log) rather than from the cubin's .nv.info
 * sections: the report is documented text, the EIATTR encoding is not, and
 * the log is kept anyway.  The compile options are built here; the caller's
 * string is split on whitespace.
 *
 * It does not load, run or cache anything.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The toolkit's header has the same name as ours and -Ilib/compile comes
 * first in the search path: ours pulls the toolkit's in with #include_next
 * when asked.
 */
#define TTTD_NVRTC_WANT_TOOLKIT
#include <nvrtc.h>

#define NVRTC_TRY(expr, e, action) \
	GPU_CHECK_GEN(expr, NVRTC_SUCCESS, nvrtc_name, TTTD_EGPU, e, action)

static const char *
nvrtc_name(int r)
{
	return nvrtcGetErrorString((nvrtcResult)r);
}

int
tttd_nvrtc_is_elf(const void *p, size_t n)
{
	const unsigned char *b = p;

	/* \x7fELF, ELFCLASS64 */
	return p && n >= 5 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F' && b[4] == 2;
}

int
tttd_nvrtc_version(int *major, int *minor, struct tttd_error *e)
{
	NVRTC_TRY(nvrtcVersion(major, minor), e, return TTTD_EGPU);
	return TTTD_OK;
}

const char *
tttd_nvrtc_version_string(void)
{
	static char buf[32];
	int ma = 0, mi = 0;

	if (!buf[0]) {
		if (tttd_nvrtc_version(&ma, &mi, NULL) == TTTD_OK)
			snprintf(buf, sizeof(buf), "nvrtc %d.%d", ma, mi);
		else
			snprintf(buf, sizeof(buf), "nvrtc unknown");
	}
	return buf;
}

void
tttd_nvrtc_result_release(struct tttd_nvrtc_result *r)
{
	size_t i;

	if (!r)
		return;
	free(r->cubin);
	free(r->log);
	for (i = 0; i < r->nfunc; i++)
		free(r->func[i].name);
	free(r->func);
	memset(r, 0, sizeof(*r));
}

/* The integer before `unit` in line (e.g. "32 registers"), or -1. */
static int
num_before(const char *line, const char *end, const char *unit)
{
	const char *p = strstr(line, unit);
	const char *q;

	if (!p || p >= end)
		return -1;
	q = p;
	while (q > line && q[-1] == ' ')
		q--;
	while (q > line && isdigit((unsigned char)q[-1]))
		q--;
	if (!isdigit((unsigned char)*q))
		return -1;
	return atoi(q); /* digits only, bounded by the report's own numbers */
}

static int
imax(int a, int b)
{
	return a > b ? a : b;
}

/*
 * ptxas -v prints, per kernel:
 *   ptxas info    : Compiling entry function 'k' for 'sm_90a'
 *   ptxas info    : Function properties for k
 *   ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
 *   ptxas info    : Used 32 registers, used 1 barriers, 256 bytes smem, 368 bytes cmem[0]
 * Lines after "Compiling entry function" belong to that kernel, up to a
 * "Function properties for" line that names another (non-inlined) function.
 */
size_t
tttd_nvrtc_parse_resources(const char *log, struct tttd_nvrtc_result *out)
{
	const char *line = log, *end;
	struct tttd_nvrtc_func *f = NULL;
	size_t cap = 0;
	int v;

	while (log && *line) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		const char *p = strstr(line, "Compiling entry function '");
		if (p && p < end) {
			const char *nm = p + strlen("Compiling entry function '");
			const char *q = memchr(nm, '\'', (size_t)(end - nm));
			XGROW(out->func, cap, out->nfunc + 1);
			f = &out->func[out->nfunc++];
			memset(f, 0, sizeof(*f));
			f->cmem = -1;
			f->name = xstrndup(nm, q ? (size_t)(q - nm) : (size_t)(end - nm));
		} else if ((p = strstr(line, "Function properties for ")) && p < end) {
			/*
			 * A non-inlined device function (a libdevice slow path, say)
			 * has its own properties line after the kernel's: it is not
			 * the kernel's, so lines stay unowned until the next kernel.
			 */
			const char *nm = p + strlen("Function properties for ");
			size_t nl = (size_t)(end - nm);

			while (nl > 0 && (nm[nl - 1] == ' ' || nm[nl - 1] == '\r'))
				nl--;
			if (f && (strlen(f->name) != nl || strncmp(f->name, nm, nl)))
				f = NULL;
		} else if (f) {
			if ((v = num_before(line, end, " bytes stack frame")) >= 0)
				f->stack = v;
			if ((v = num_before(line, end, " bytes spill stores")) >= 0)
				f->spill_stores = v;
			if ((v = num_before(line, end, " bytes spill loads")) >= 0)
				f->spill_loads = v;
			if ((v = num_before(line, end, " registers")) >= 0)
				f->regs = v;
			if ((v = num_before(line, end, " barriers")) >= 0)
				f->barriers = v;
			if ((v = num_before(line, end, " bytes smem")) >= 0)
				f->smem = v;
			if ((v = num_before(line, end, " bytes cmem[0]")) >= 0)
				f->cmem = v;
		}
		line = *end ? end + 1 : end;
	}
	for (size_t i = 0; i < out->nfunc; i++) {
		out->regs = imax(out->regs, out->func[i].regs);
		out->smem = imax(out->smem, out->func[i].smem);
		out->stack = imax(out->stack, out->func[i].stack);
		out->spill_stores = imax(out->spill_stores, out->func[i].spill_stores);
		out->spill_loads = imax(out->spill_loads, out->func[i].spill_loads);
	}
	return out->nfunc;
}

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t
rd64(const unsigned char *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static struct tttd_nvrtc_func *
func_named(struct tttd_nvrtc_result *out, size_t *cap, const char *name, size_t n)
{
	for (size_t i = 0; i < out->nfunc; i++)
		if (strlen(out->func[i].name) == n && !memcmp(out->func[i].name, name, n))
			return &out->func[i];
	XGROW(out->func, *cap, out->nfunc + 1);
	memset(&out->func[out->nfunc], 0, sizeof(out->func[0]));
	out->func[out->nfunc].cmem = -1;
	out->func[out->nfunc].name = xstrndup(name, n);
	return &out->func[out->nfunc++];
}

/*
 * Is name a kernel (a symbol marked STO_CUDA_ENTRY, 0x10 in st_other) rather
 * than a device function that ptxas kept out of line?  Without a symbol
 * table every .text section counts.
 */
static int
is_entry(const unsigned char *b, size_t n, uint64_t symoff, uint64_t symsz, uint64_t symstr,
	 const char *name)
{
	uint64_t p;

	if (!symoff)
		return 1;
	for (p = symoff; p + 24 <= symoff + symsz; p += 24) {
		uint32_t sn = rd32(b + p);

		if (symstr + sn >= n || !memchr(b + symstr + sn, 0, n - symstr - sn))
			continue;
		if (!strcmp((const char *)b + symstr + sn, name) && (b[p + 4] & 0xf) == 2) /* STT_FUNC */
			return (b[p + 5] & 0x10) != 0;
	}
	return 0;
}

/*
 * The cubin's own record, for when ptxas did not run (NVRTC served the
 * cubin from its cache and the log has no report; seen with NVRTC 13).
 * Kernels are the .text.<name> sections; static shared memory is the size of
 * .nv.shared.<name> (on sm_90 that includes 1 KiB the system reserves);
 * registers (EIATTR_REGCOUNT, 0x2f) and stack frame (EIATTR_FRAME_SIZE,
 * 0x11) are (symbol, value) pairs in .nv.info.  Spills are not recorded there.
 */
size_t
tttd_nvrtc_parse_cubin(const void *cubin, size_t n, struct tttd_nvrtc_result *out)
{
	const unsigned char *b = cubin;
	uint64_t shoff, symoff = 0, symsz = 0, symstr = 0;
	unsigned shentsize, shnum, shstrndx, i;
	size_t cap = out->nfunc;

	if (!tttd_nvrtc_is_elf(cubin, n) || n < 64)
		return 0;
	shoff = rd64(b + 0x28);
	shentsize = b[0x3a] | b[0x3b] << 8;
	shnum = b[0x3c] | b[0x3d] << 8;
	shstrndx = b[0x3e] | b[0x3f] << 8;
	if (shentsize < 64 || shoff > n || (uint64_t)shnum * shentsize > n - shoff || shstrndx >= shnum)
		return 0;
#define SH(k) (b + shoff + (uint64_t)(k)*shentsize)
	uint64_t strs = rd64(SH(shstrndx) + 0x18), strsz = rd64(SH(shstrndx) + 0x20);
	if (strs > n || strsz > n - strs)
		return 0;
	for (i = 0; i < shnum; i++) {
		uint32_t type = rd32(SH(i) + 4), link = rd32(SH(i) + 0x28);
		uint64_t off = rd64(SH(i) + 0x18), size = rd64(SH(i) + 0x20);

		if (type == 2 && off <= n && size <= n - off && link < shnum) { /* SHT_SYMTAB */
			symoff = off;
			symsz = size;
			symstr = rd64(SH(link) + 0x18);
		}
	}
	if (symstr >= n)
		symoff = symsz = symstr = 0;
	for (i = 0; i < shnum; i++) {
		uint32_t nm = rd32(SH(i));
		uint64_t size = rd64(SH(i) + 0x20);
		const char *name;

		if (nm >= strsz || !memchr(b + strs + nm, 0, strsz - nm))
			continue;
		name = (const char *)b + strs + nm;
		if (!strncmp(name, ".text.", 6) && is_entry(b, n, symoff, symsz, symstr, name + 6))
			func_named(out, &cap, name + 6, strlen(name + 6));
		else if (!strncmp(name, ".nv.shared.", 11) && strncmp(name, ".nv.shared.reserved", 19))
			func_named(out, &cap, name + 11, strlen(name + 11))->smem = (int)size;
	}
	for (i = 0; i < shnum && symoff; i++) {
		uint32_t nm = rd32(SH(i));
		uint64_t off = rd64(SH(i) + 0x18), size = rd64(SH(i) + 0x20), p;

		if (nm >= strsz || strcmp((const char *)b + strs + nm, ".nv.info") || off > n || size > n - off)
			continue;
		for (p = off; p + 4 <= off + size;) {
			unsigned fmt = b[p], attr = b[p + 1], len;

			if (fmt != 4) { /* only sized values carry (symbol, value) */
				p += fmt == 1 ? 2 : 4;
				continue;
			}
			len = b[p + 2] | b[p + 3] << 8;
			if (p + 4 + len > off + size)
				break;
			if (len == 8 && (attr == 0x2f || attr == 0x11)) {
				uint32_t sym = rd32(b + p + 4), val = rd32(b + p + 8);
				uint64_t se = symoff + (uint64_t)sym * 24;
				if (se + 24 <= symoff + symsz && symstr) {
					uint32_t sn = rd32(b + se);
					const char *fn = (const char *)b + symstr + sn;
					if (symstr + sn < n && memchr(fn, 0, n - symstr - sn) &&
					    is_entry(b, n, symoff, symsz, symstr, fn)) {
						struct tttd_nvrtc_func *f = func_named(out, &cap, fn, strlen(fn));
						if (attr == 0x2f)
							f->regs = (int)val;
						else
							f->stack = (int)val;
					}
				}
			}
			p += 4 + len;
		}
	}
#undef SH
	for (size_t k = 0; k < out->nfunc; k++) {
		out->regs = imax(out->regs, out->func[k].regs);
		out->smem = imax(out->smem, out->func[k].smem);
		out->stack = imax(out->stack, out->func[k].stack);
	}
	return out->nfunc;
}

/* "sm_90" / "90" / "sm_90a" -> "-arch=sm_90a"-style option, or NULL. */
static char *
arch_option(const char *arch)
{
	const char *p = arch;
	size_t i;

	if (!arch || !*arch)
		return NULL;
	if (!strncmp(p, "sm_", 3))
		p += 3;
	for (i = 0; isdigit((unsigned char)p[i]); i++)
		;
	if (i < 2 || i > 3 || (p[i] && strcmp(p + i, "a") && strcmp(p + i, "f")))
		return NULL;
	return xasprintf("-arch=sm_%s", p);
}

int
tttd_nvrtc_compile(const char *source, const char *name, const char *options, const char *arch,
		   struct tttd_nvrtc_result *out, struct tttd_error *e)
{
	nvrtcProgram prog = NULL;
	char *optbuf = NULL, *archopt = NULL, *tok, *save = NULL;
	char **argv = NULL;
	size_t argc = 0, cap = 0, n = 0, i;
	nvrtcResult cr;
	int rc = TTTD_OK;

	memset(out, 0, sizeof(*out));
	out->log = xstrdup("");
	archopt = arch_option(arch);
	if (!archopt) {
		rc = tttd_error_set(e, TTTD_EINVAL, "bad CUDA architecture '%s' (want e.g. sm_90)",
				    arch ? arch : "");
		goto out;
	}
	XGROW(argv, cap, 4);
	argv[argc++] = xstrdup(archopt);
	/* Why: the resource report is how resources are read (see the top). */
	argv[argc++] = xstrdup("--ptxas-options=-v");
	optbuf = xstrdup(options ? options : "");
	for (tok = strtok_r(optbuf, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		XGROW(argv, cap, argc + 1);
		/* NVRTC rejects -O3 but ptxas takes it: keep the flag's meaning. */
		if (tok[0] == '-' && tok[1] == 'O' && isdigit((unsigned char)tok[2]) && !tok[3])
			argv[argc++] = xasprintf("--ptxas-options=%s", tok);
		else
			argv[argc++] = xstrdup(tok);
	}

	NVRTC_TRY(nvrtcCreateProgram(&prog, source, name ? name : "kernel.cu", 0, NULL, NULL), e,
		  rc = TTTD_EGPU;
		  goto out);
	cr = nvrtcCompileProgram(prog, (int)argc, (const char *const *)argv);
	/* The log first, whatever the status (STYLE rule 9). */
	NVRTC_TRY(nvrtcGetProgramLogSize(prog, &n), e, rc = TTTD_EGPU; goto out);
	free(out->log);
	out->log = xcalloc(1, n + 1);
	if (n)
		NVRTC_TRY(nvrtcGetProgramLog(prog, out->log), e, rc = TTTD_EGPU; goto out);
	if (cr != NVRTC_SUCCESS) {
		rc = tttd_error_set(e, TTTD_ECOMPILE, "cannot compile '%s': %s", name ? name : "kernel.cu",
				    nvrtcGetErrorString(cr));
		goto out;
	}
	NVRTC_TRY(nvrtcGetCUBINSize(prog, &n), e, rc = TTTD_EGPU; goto out);
	if (n == 0) {
		rc = tttd_error_set(e, TTTD_ECOMPILE, "cannot compile '%s': no cubin for '%s'",
				    name ? name : "kernel.cu", arch);
		goto out;
	}
	out->cubin = xmalloc(n);
	NVRTC_TRY(nvrtcGetCUBIN(prog, out->cubin), e, rc = TTTD_EGPU; goto out);
	out->ncubin = n;
	if (tttd_nvrtc_parse_resources(out->log, out) == 0)
		tttd_nvrtc_parse_cubin(out->cubin, out->ncubin, out); /* a cache hit: no report */
	out->ok = 1;
out:
	if (prog)
		nvrtcDestroyProgram(&prog);
	if (!out->ok && out->cubin) {
		free(out->cubin);
		out->cubin = NULL;
		out->ncubin = 0;
	}
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
	free(optbuf);
	free(archopt);
	return rc;
}
