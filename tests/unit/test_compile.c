/*
 * test_compile.c - the cpu compile target and the driver: a good source
 * becomes a shared object whose function computes the right thing, a syntax
 * error becomes a compile_error record with the compiler's message, the
 * second compile hits the cache, the parallel driver keeps input order,
 * records that are not ours pass through, a hung compiler times out, and a
 * missing compiler is a tttd error.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "compile.h"
#include "test.h"

static const char good_src[] = "void tttd_kernel(void **buf, const long *dim)\n"
			       "{\n"
			       "\tconst float *a = buf[0]; float *b = buf[1];\n"
			       "\tfor (long i = 0; i < dim[0]; i++)\n"
			       "\t\tb[i] = 2.0f * a[i] + 1.0f;\n"
			       "}\n";
static const char bad_src[] = "void tttd_kernel(void **buf, const long *dim)\n"
			      "{\n"
			      "\tint x = \n"
			      "}\n";

static void
candidate(struct tttd_rec *r, const char *src, const char *target)
{
	tttd_rec_init(r);
	tttd_rec_set_int(r, "v", 1);
	tttd_rec_set_str(r, "kind", "candidate");
	tttd_rec_set_str(r, "status", "generated");
	if (target)
		tttd_rec_set_str(r, "target", target);
	tttd_rec_set_str(r, "cflags", "-O2 -std=c11");
	tttd_rec_set_str(r, "source", src);
}

/* Write the object to a file and dlopen it; run it on a few values. */
static int
object_works(const void *obj, size_t n)
{
	char path[] = "/tmp/tttd-test-so-XXXXXX";
	void (*fn)(void **, const long *);
	float a[4] = { 0, 1, 2, -3 }, b[4] = { 0 };
	void *buf[2] = { a, b }, *h;
	long dim[1] = { 4 };
	int fd = mkstemp(path), ok = 0;

	if (fd < 0)
		return 0;
	if (write(fd, obj, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	unlink(path);
	if (!h)
		return 0;
	*(void **)&fn = dlsym(h, "tttd_kernel");
	if (fn) {
		fn(buf, dim);
		ok = b[0] == 1.0f && b[1] == 3.0f && b[2] == 5.0f && b[3] == -5.0f;
	}
	dlclose(h);
	return ok;
}

/* The emit callback for the driver tests: collect records in arrival order. */
struct sink {
	struct tttd_rec *r;
	size_t n, cap;
};

static int
collect(void *arg, const struct tttd_rec *r, struct tttd_error *e)
{
	struct sink *s = arg;

	XGROW(s->r, s->cap, s->n + 1);
	tttd_rec_init(&s->r[s->n]);
	tttd_rec_copy(&s->r[s->n++], r);
	return 0;
}

static int
refuse(void *arg, const struct tttd_rec *r, struct tttd_error *e)
{
	return tttd_error_set(e, TTTD_EIO, "cannot write 'out'");
}

int
main(void)
{
	char tmpl[] = "/tmp/tttd-test-compile-XXXXXX", *dir, *cachedir, *log = NULL, *s = NULL;
	struct tttd_compile_opts o = { .jobs = 1, .cc = "cc", .timeout_s = 60, .tool = "t" };
	struct tttd_compile_stats st;
	struct tttd_compiler *drv = NULL;
	struct tttd_error e = { 0 };
	struct tttd_cache *cache = NULL;
	struct sink sink = { 0 };
	struct tttd_rec r, r2;
	const void *obj;
	size_t n, i;
	int what = -1, b = -1, order_ok;
	double ms = -1;

	/* The allow-lists (compile_flags.c): tuning passes, anything else is named. */
	{
		static const char *const cpu_ok[] = {
			"-O3 -march=native -funroll-loops",
			"-O2 -fno-associative-math",
			"-fassociative-math -fno-signed-zeros -fno-trapping-math",
			"-DMODE=2 -UFOO -g",
			"-Ofast -mavx2 -mno-fma -mprefer-vector-width=512 -ffp-contract=fast",
			"-std=c11 -Wall -Wno-unused -w --param=max-unroll-times=4",
			"",
			NULL,
		};
		static const char *const cpu_bad[][2] = {
			/* clang-format off */
			{ "-O2 -wrapper sh,-c,true", "-wrapper" }, { "-MD -MF /tmp/x", "-MD" },
			{ "@/etc/hostname", "@/etc/hostname" }, { "-B/tmp", "-B/tmp" },
			{ "-fplugin=/tmp/p.so", "-fplugin=/tmp/p.so" }, { "-Wl,-rpath,/x", "-Wl,-rpath,/x" },
			{ "-include /etc/passwd", "-include" }, { "-I/etc", "-I/etc" },
			{ "-fdump-tree-all=/tmp/d", "-fdump-tree-all=/tmp/d" }, { "-lm", "-lm" },
			{ "-save-temps", "-save-temps" }, { "-specs=/tmp/s", "-specs=/tmp/s" },
			{ "-o /tmp/x.so", "-o" }, { "/etc/passwd", "/etc/passwd" }, { "-D", "-D" },
			{ "-fprofile-generate", "-fprofile-generate" }, { "-march=../x", "-march=../x" },
			{ "-O2\t-Wp,-MD,/tmp/x", "-Wp,-MD,/tmp/x" }, { "-fopenmp", "-fopenmp" },
			/* clang-format on */
		};
		static const char *const nv_ok[] = {
			"-O3 --use_fast_math",
			"--ftz=true -prec-div=false --fmad=true -DTILE=64",
			"--maxrregcount=128 -lineinfo --std=c++17 --ptxas-options=-O3",
			"-w --dopt=on",
			NULL,
		};
		static const char *const nv_bad[][2] = {
			{ "--time=/tmp/t.csv", "--time=/tmp/t.csv" },
			{ "--fdevice-time-trace=/tmp/t", "--fdevice-time-trace=/tmp/t" },
			/* clang-format off */
			{ "-I/etc", "-I/etc" }, { "--pre-include=/etc/passwd", "--pre-include=/etc/passwd" },
			{ "-rdc=true", "-rdc=true" }, { "-arch=sm_80", "-arch=sm_80" },
			/* clang-format on */
			{ "--ptxas-options=--output-file=/tmp/x", "--ptxas-options=--output-file=/tmp/x" },
		};
		char *why;
		int ok = 1;

		for (i = 0; cpu_ok[i]; i++)
			if ((why = tttd_compile_flags_refused("cpu", cpu_ok[i]))) {
				fprintf(stderr, "cpu refused '%s': %s\n", cpu_ok[i], why);
				free(why);
				ok = 0;
			}
		T_CHECK("cpu allow-list: tuning flags pass", ok);
		ok = 1;
		for (i = 0; i < sizeof(cpu_bad) / sizeof(cpu_bad[0]); i++) {
			char *want = xasprintf("flag '%s' is not allowed", cpu_bad[i][1]);

			why = tttd_compile_flags_refused("cpu", cpu_bad[i][0]);
			if (!why || strncmp(why, want, strlen(want))) {
				fprintf(stderr, "cpu '%s': %s\n", cpu_bad[i][0], why ? why : "passed");
				ok = 0;
			}
			free(why);
			free(want);
		}
		T_CHECK("cpu allow-list: the rest is refused, the flag named", ok);
		ok = 1;
		for (i = 0; nv_ok[i]; i++)
			if ((why = tttd_compile_flags_refused("cuda", nv_ok[i]))) {
				fprintf(stderr, "cuda refused '%s': %s\n", nv_ok[i], why);
				free(why);
				ok = 0;
			}
		T_CHECK("nvrtc allow-list: tuning options pass", ok);
		ok = 1;
		for (i = 0; i < sizeof(nv_bad) / sizeof(nv_bad[0]); i++) {
			char *want = xasprintf("flag '%s' is not allowed", nv_bad[i][1]);

			why = tttd_compile_flags_refused("cuda", nv_bad[i][0]);
			if (!why || strncmp(why, want, strlen(want))) {
				fprintf(stderr, "cuda '%s': %s\n", nv_bad[i][0], why ? why : "passed");
				ok = 0;
			}
			free(why);
			free(want);
		}
		T_CHECK("nvrtc allow-list: the rest is refused, the flag named", ok);
		T_CHECK("model target: nothing to check", !tttd_compile_flags_refused("model", "-anything"));
	}

	dir = mkdtemp(tmpl);
	cachedir = xasprintf("%s/cache", dir);
	T_CHECK("cache opens", tttd_cache_open(&cache, cachedir, &e) == 0);

	/* A refused flag is a compile_error naming it, before any compiler runs. */
	{
		char *mark = xasprintf("%s/wrapped", dir), *flags;

		flags = xasprintf("-O2 -wrapper /bin/sh,-c,touch\t%s", mark);
		candidate(&r, good_src, "cpu");
		tttd_rec_set_str(&r, "cflags", flags);
		T_CHECK("refused flag: TTTD_OK", tttd_compile_rec(&o, cache, &r, &what, &e) == TTTD_OK);
		T_CHECK("refused flag: compile_error", tttd_rec_str_is(&r, "status", "compile_error") &&
							       what == 3);
		T_CHECK("refused flag: the reason names it",
			tttd_rec_get_str(&r, "reason", &s) == 1 &&
				!strncmp(s, "flag '-wrapper' is not allowed", 30));
		free(s);
		s = NULL;
		T_CHECK("refused flag: the wrapper never ran", access(mark, F_OK) != 0);
		tttd_rec_release(&r);
		free(flags);
		free(mark);
	}

	/* A good source compiles and the object runs. */
	candidate(&r, good_src, "cpu");
	T_CHECK("compile good", tttd_compile_rec(&o, cache, &r, &what, &e) == TTTD_OK);
	T_CHECK("what = compiled", what == 1);
	T_CHECK("status compiled", tttd_rec_str_is(&r, "status", "compiled"));
	T_CHECK("no reason on success", !tttd_rec_has(&r, "reason"));
	T_CHECK("object present", tttd_rec_get_bin(&r, "object", &obj, &n) == 1 && n > 0);
	T_CHECK("object is ELF", n > 4 && memcmp(obj, "\177ELF", 4) == 0);
	T_CHECK("object loads and computes", object_works(obj, n));
	T_CHECK("not cached", tttd_rec_get_bool(&r, "cached", &b) == 1 && b == 0);
	T_CHECK("compile_ms > 0", tttd_rec_get_double(&r, "compile_ms", &ms) == 1 && ms > 0);
	T_CHECK("cache_key set", tttd_rec_get_str(&r, "cache_key", &s) == 1 && strlen(s) == 32);
	T_CHECK("tool set", tttd_rec_str_is(&r, "tool", "t " TTTD_VERSION));
	T_CHECK("other keys kept", tttd_rec_str_is(&r, "source", good_src));

	/* The same candidate again: a cache hit with the same object. */
	candidate(&r2, good_src, "cpu");
	T_CHECK("compile again", tttd_compile_rec(&o, cache, &r2, &what, &e) == TTTD_OK);
	T_CHECK("what = cached", what == 2);
	T_CHECK("cached = true", tttd_rec_get_bool(&r2, "cached", &b) == 1 && b == 1);
	T_CHECK("compile_ms = 0 on a hit", tttd_rec_get_double(&r2, "compile_ms", &ms) == 1 && ms == 0);
	T_CHECK("same key", tttd_rec_str_is(&r2, "cache_key", s));
	{
		const void *obj2;
		size_t n2;

		T_CHECK("same object from the cache",
			tttd_rec_get_bin(&r2, "object", &obj2, &n2) == 1 && n2 == n &&
				memcmp(obj, obj2, n) == 0);
	}
	free(s);
	s = NULL;
	tttd_rec_release(&r2);

	/* Different flags: a different key, a miss. */
	candidate(&r2, good_src, "cpu");
	tttd_rec_set_str(&r2, "cflags", "-O1");
	tttd_compile_rec(&o, cache, &r2, &what, &e);
	T_CHECK("other cflags miss", what == 1);
	tttd_rec_release(&r2);
	tttd_rec_release(&r);

	/* A syntax error is a record, not an error. */
	candidate(&r, bad_src, "cpu");
	T_CHECK("bad source is not a tttd error", tttd_compile_rec(&o, cache, &r, &what, &e) == TTTD_OK);
	T_CHECK("what = error", what == 3);
	T_CHECK("status compile_error", tttd_rec_str_is(&r, "status", "compile_error"));
	T_CHECK("log has the compiler's error",
		tttd_rec_get_str(&r, "compile_log", &log) == 1 && strstr(log, "error") != NULL);
	T_CHECK("log names k.c, not the temp dir", log && strstr(log, "k.c:") && !strstr(log, "/tmp/"));
	T_CHECK("reason is one error line", tttd_rec_get_str(&r, "reason", &s) == 1 &&
						    strstr(s, "error") && !strchr(s, '\n'));
	T_CHECK("no object on failure", !tttd_rec_has(&r, "object"));
	free(log);
	free(s);
	log = s = NULL;
	tttd_rec_release(&r);

	/* Not ours: pass through unchanged. */
	candidate(&r, bad_src, "cpu");
	tttd_rec_set_str(&r, "status", "wrong");
	n = r.n;
	tttd_compile_rec(&o, cache, &r, &what, &e);
	T_CHECK("failed candidate passes", what == 0 && r.n == n && tttd_rec_str_is(&r, "status", "wrong"));
	tttd_rec_set_str(&r, "kind", "parent");
	tttd_rec_set_str(&r, "status", "generated");
	tttd_compile_rec(&o, cache, &r, &what, &e);
	T_CHECK("parent passes", what == 0 && r.n == n && !tttd_rec_has(&r, "compile_log"));
	tttd_rec_release(&r);

	/* Unknown target, missing source. */
	candidate(&r, good_src, "fpga");
	tttd_compile_rec(&o, cache, &r, &what, &e);
	T_CHECK("unknown target", what == 3 && tttd_rec_str_is(&r, "reason", "unknown target 'fpga'"));
	tttd_rec_release(&r);
	candidate(&r, good_src, "cpu");
	tttd_rec_del(&r, "source");
	tttd_compile_rec(&o, cache, &r, &what, &e);
	T_CHECK("no source", what == 3 && tttd_rec_str_is(&r, "reason", "candidate has no source"));
	tttd_rec_release(&r);

#ifdef TTTD_HAVE_CUDA
	/* The NVRTC hook: without --arch it is a tttd error (a machine may have no GPU). */
	candidate(&r, "extern \"C\" __global__ void k(float *x) { x[threadIdx.x] = 1.0f; }\n", "cuda");
	tttd_rec_set_str(&r, "cflags", "");
	T_CHECK("cuda without arch", tttd_compile_rec(&o, NULL, &r, &what, &e) == TTTD_EINVAL);
	o.arch = "sm_90";
	T_CHECK("cuda with arch", tttd_compile_rec(&o, NULL, &r, &what, &e) == TTTD_OK);
	T_CHECK("cuda compiled", what == 1 && tttd_rec_str_is(&r, "status", "compiled"));
	T_CHECK("cuda resources", tttd_rec_has(&r, "resources"));
	o.arch = NULL;
	tttd_rec_release(&r);
#else
	candidate(&r, "__global__ void k(void) {}\n", "cuda");
	tttd_compile_rec(&o, cache, &r, &what, &e);
	T_CHECK("cuda not built", what == 3 && tttd_rec_str_is(&r, "reason", "cuda target not built"));
	tttd_rec_release(&r);
#endif

	/* A hung compiler is killed and the candidate says so. */
	{
		char *slow = xasprintf("%s/slowcc", dir);
		FILE *f = fopen(slow, "w");
		struct tttd_compile_opts so = o;

		fputs("#!/bin/sh\ncase \"$1\" in --version) echo slowcc 1; exit 0;; esac\nsleep 30\n", f);
		fclose(f);
		chmod(slow, 0755);
		so.cc = slow;
		so.timeout_s = 0.3;
		candidate(&r, good_src, "cpu");
		T_CHECK("timeout is not a tttd error", tttd_compile_rec(&so, cache, &r, &what, &e) == 0);
		T_CHECK("timeout reason", what == 3 && tttd_rec_get_str(&r, "reason", &s) == 1 &&
						  strstr(s, "timed out") != NULL);
		free(s);
		s = NULL;
		tttd_rec_release(&r);
		free(slow);
	}

	/* A compiler that does not exist is tttd's problem. */
	{
		struct tttd_compile_opts no = o;

		no.cc = "/nonexistent/tttd-cc";
		candidate(&r, good_src, "cpu");
		T_CHECK("missing compiler", tttd_compile_rec(&no, NULL, &r, &what, &e) == TTTD_ENOENT);
		T_CHECK("message names it", strstr(e.msg, "/nonexistent/tttd-cc") != NULL);
		tttd_rec_release(&r);
	}

	/*
	 * The driver with 4 workers over 24 records: good, bad and pass-through
	 * mixed, each tagged with its index; output must be in input order.
	 * Sources differ (a comment) so nothing hits the cache.
	 */
	o.jobs = 4;
	o.cache = cachedir;
	T_CHECK("driver starts", tttd_compiler_new(&drv, &o, collect, &sink, &e) == 0);
	for (i = 0; i < 24; i++) {
		char *src = xasprintf("/* %zu */\n%s", i, i % 5 == 3 ? bad_src : good_src);

		candidate(&r, src, "cpu");
		if (i % 7 == 6)
			tttd_rec_set_str(&r, "kind", "train");
		tttd_rec_set_int(&r, "idx", (int64_t)i);
		T_CHECK("submit", tttd_compiler_submit(drv, &r, &e) == 0);
		T_CHECK("submit empties r", r.n == 0);
		tttd_rec_release(&r);
		free(src);
	}
	T_CHECK("finish", tttd_compiler_finish(drv, &e) == 0);
	tttd_compiler_stats(drv, &st);
	tttd_compiler_free(drv);
	drv = NULL;
	T_CHECK("all emitted", sink.n == 24 && st.out == 24 && st.in == 24);
	order_ok = 1;
	for (i = 0; i < sink.n; i++) {
		int64_t idx = -1;

		tttd_rec_get_int(&sink.r[i], "idx", &idx);
		if (idx != (int64_t)i)
			order_ok = 0;
	}
	T_CHECK("input order kept", order_ok);
	T_CHECK("stats", st.passed == 3 && st.errors == 4 && st.compiled == 17 && st.cached == 0);
	T_CHECK("bad one failed", sink.n > 3 && tttd_rec_str_is(&sink.r[3], "status", "compile_error"));
	T_CHECK("train one untouched", sink.n > 6 && !tttd_rec_has(&sink.r[6], "compile_log") &&
					       tttd_rec_str_is(&sink.r[6], "status", "generated"));
	T_CHECK("good one compiled", sink.n > 0 && tttd_rec_str_is(&sink.r[0], "status", "compiled"));
	for (i = 0; i < sink.n; i++)
		tttd_rec_release(&sink.r[i]);
	sink.n = 0;

	/* Again: every good one compiled before is a hit (6 was a train record then). */
	T_CHECK("driver restarts", tttd_compiler_new(&drv, &o, collect, &sink, &e) == 0);
	for (i = 0; i < 8; i++) {
		char *src = xasprintf("/* %zu */\n%s", i, i % 5 == 3 ? bad_src : good_src);

		candidate(&r, src, "cpu");
		tttd_compiler_submit(drv, &r, &e);
		tttd_rec_release(&r);
		free(src);
	}
	T_CHECK("finish 2", tttd_compiler_finish(drv, &e) == 0);
	tttd_compiler_stats(drv, &st);
	tttd_compiler_free(drv);
	drv = NULL;
	T_CHECK("hits on the second pass", st.cached == 6 && st.compiled == 7 && st.errors == 1 && sink.n == 8);
	for (i = 0; i < sink.n; i++)
		tttd_rec_release(&sink.r[i]);
	free(sink.r);

	/* An emit failure stops the driver and is reported. */
	o.cache = NULL;
	T_CHECK("driver 3", tttd_compiler_new(&drv, &o, refuse, NULL, &e) == 0);
	candidate(&r, good_src, "cpu");
	tttd_rec_set_str(&r, "kind", "parent"); /* pass-through: quick */
	tttd_compiler_submit(drv, &r, &e);
	tttd_rec_release(&r);
	T_CHECK("emit error surfaces", tttd_compiler_finish(drv, &e) == TTTD_EIO &&
					       strstr(e.msg, "cannot write") != NULL);
	tttd_compiler_free(drv);

	tttd_cache_free(cache);
	{
		char *cmd = xasprintf("rm -rf '%s'", dir);

		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", dir);
		free(cmd);
	}
	free(cachedir);
	{
		/* The failure's reason quoted from a log. */
		char *la = tttd_compile_log_reason("x.c: warning: w\nx.c:3: error: bad\nmore\n", 0);
		char *lb = tttd_compile_log_reason("\n  ld: cannot find -lfoo\nnext\n", 1);
		char *lc = tttd_compile_log_reason("\n  ld: cannot find -lfoo\n", 0);
		char *ld = tttd_compile_log_reason(" \n\n", 1);

		T_CHECK("log reason: the error line", la && strcmp(la, "x.c:3: error: bad") == 0);
		T_CHECK("log reason: else the first non-empty line", lb && strcmp(lb, "ld: cannot find -lfoo") == 0);
		T_CHECK("log reason: strict gives none without 'error'", lc == NULL);
		T_CHECK("log reason: blank log gives none", ld == NULL);
		free(la);
		free(lb);
	}
	return T_DONE();
}
