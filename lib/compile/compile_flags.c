/*
 * compile_flags.c - the allow-lists of compiler options a candidate (or a
 * task's cflags line) may carry, one per compile target (compile.h).
 *
 * Why an allow-list: the options reach the system C compiler and NVRTC as
 * argv words, and several of them do far more than shape code.  gcc's
 * -wrapper runs any program, -B and -specs pick the programs and scripts
 * it runs, -fplugin loads a shared object into it, -MF / -save-temps /
 * -fdump-*=file write files anywhere, @file and -include read any file
 * into the compile (and so into the compile log, which lands in the
 * archive), -l / -Wl, link and load other libraries.  NVRTC's --time and
 * --fdevice-time-trace write files, -I and --pre-include read them.  A
 * deny-list would have to know every such option of every compiler
 * version; an allow-list only has to know what tuning needs: optimization
 * levels and passes, the target ISA, floating-point semantics, code
 * generation, warnings, debug info and preprocessor macros.
 *
 * Options are split exactly as the targets split them (whitespace, no
 * shell), so what is checked is what runs.  Nothing here runs a compiler
 * or prints.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "target.h" /* defines: tttd_target_find */

/*
 * -f options (with or without "no-", with or without "=value") that only
 * change how code is optimized or generated.  Options that read or write
 * files (-fplugin, -fdump-*, -fprofile-*, -fopt-info, -fstack-usage,
 * -fbranch-probabilities, -fauto-profile, -fsave-optimization-record,
 * -fcallgraph-info) or pull in a runtime library (-fopenmp, -fsanitize,
 * -fprofile-arcs) are absent on purpose.
 */
static const char *const gcc_f[] = {
	/* clang-format off */
	"PIC", "PIE", "aggressive-loop-optimizations", "align-functions", "align-jumps",
	"align-labels", "align-loops", "associative-math", "asynchronous-unwind-tables",
	"builtin", "caller-saves", "cf-protection", "combine-stack-adjustments", "common",
	"cprop-registers", "cse-follow-jumps", "cx-limited-range", "data-sections",
	"delete-null-pointer-checks", "early-inlining", "excess-precision", "expensive-optimizations",
	"fast-math", "finite-math-only", "fp-contract", "freestanding", "function-sections", "gcse",
	"gcse-after-reload", "hoist-adjacent-loads", "if-conversion", "if-conversion2", "inline",
	"inline-functions", "inline-functions-called-once", "inline-limit", "inline-small-functions",
	"ipa-cp", "ipa-cp-clone", "ipa-icf", "ipa-pta", "ipa-ra", "ipa-sra", "ipa-vrp", "ivopts",
	"isolate-erroneous-paths-dereference", "loop-interchange", "loop-unroll-and-jam", "math-errno",
	"modulo-sched", "move-loop-invariants", "omit-frame-pointer", "openmp-simd",
	"optimize-sibling-calls", "peel-loops", "pic", "pie", "plt", "predictive-commoning",
	"prefetch-loop-arrays", "reciprocal-math", "rename-registers", "reorder-blocks",
	"reorder-blocks-algorithm", "reorder-functions", "rounding-math", "sched-pressure",
	"schedule-insns", "schedule-insns2", "semantic-interposition", "shrink-wrap", "signaling-nans",
	"signed-zeros", "simd-cost-model", "single-precision-constant", "slp-vectorize",
	"split-loops", "ssa-phiopt", "stack-clash-protection", "stack-protector",
	"stack-protector-all", "stack-protector-strong", "strict-aliasing", "strict-overflow",
	"tracer", "trapping-math", "trapv", "tree-ccp", "tree-ch", "tree-copy-prop", "tree-dce",
	"tree-dse", "tree-forwprop", "tree-loop-distribute-patterns", "tree-loop-distribution",
	"tree-loop-im", "tree-loop-ivcanon", "tree-loop-vectorize", "tree-partial-pre", "tree-pre",
	"tree-sink", "tree-slp-vectorize", "tree-slsr", "tree-sra", "tree-switch-conversion",
	"tree-tail-merge", "tree-ter", "tree-vectorize", "tree-vrp", "unroll-all-loops",
	"unroll-loops", "unsafe-math-optimizations", "unswitch-loops", "unwind-tables",
	"vect-cost-model", "vectorize", "version-loops-for-strides", "visibility", "web", "wrapv",
	/* clang-format on */
	NULL,
};

static int
in_list(const char *const *list, const char *s, size_t n)
{
	for (; *list; list++)
		if (strlen(*list) == n && !strncmp(*list, s, n))
			return 1;
	return 0;
}

/* Every character of s is alphanumeric or one of extra. */
static int
all_of(const char *s, const char *extra)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(extra, *s))
			return 0;
	return 1;
}

/* A C identifier, for -D / -U (the part before any '='). */
static int
is_macro(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || isdigit((unsigned char)s[0]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

/* -DNAME, -DNAME=anything (a macro body cannot act on the machine), -UNAME. */
static int
macro_ok(const char *w, const char *dopt, const char *uopt)
{
	size_t dl = strlen(dopt), ul = strlen(uopt);

	if (!strncmp(w, dopt, dl))
		return is_macro(w + dl, strcspn(w + dl, "="));
	if (!strncmp(w, uopt, ul))
		return is_macro(w + ul, strlen(w + ul));
	return 0;
}

static int
gcc_word_ok(const char *w)
{
	const char *v;

	if (!strcmp(w, "-O") || !strcmp(w, "-Os") || !strcmp(w, "-Ofast") || !strcmp(w, "-Og") ||
	    !strcmp(w, "-Oz") || (w[0] == '-' && w[1] == 'O' && w[2] >= '0' && w[2] <= '3' && !w[3]))
		return 1;
	if (macro_ok(w, "-D", "-U"))
		return 1;
	if (!strcmp(w, "-g") || !strcmp(w, "-ggdb") ||
	    (w[0] == '-' && w[1] == 'g' && w[2] >= '0' && w[2] <= '3' && !w[3]))
		return 1;
	if (!strcmp(w, "-w") || !strcmp(w, "-pipe") || !strcmp(w, "-pedantic") ||
	    !strcmp(w, "-pedantic-errors") || !strcmp(w, "-ansi"))
		return 1;
	if (!strncmp(w, "-std=", 5))
		return w[5] && all_of(w + 5, "+");
	/* -W<warning>, but never -Wl, -Wa, -Wp, (options passed on to the linker, assembler, cpp). */
	if (w[0] == '-' && w[1] == 'W')
		return w[2] && all_of(w + 2, "-_=+");
	/* Target: -march=, -mtune=, -mavx2, -mno-fma, -mprefer-vector-width=512 ... */
	if (w[0] == '-' && w[1] == 'm' && w[2]) {
		v = strchr(w, '=');
		if (v)
			return v > w + 2 && all_of(v + 1, "_.,+-") && v[1];
		return all_of(w + 2, "_.-");
	}
	if (w[0] == '-' && w[1] == 'f' && w[2]) {
		const char *name = w + 2;
		size_t n;

		if (!strncmp(name, "no-", 3))
			name += 3;
		n = strcspn(name, "=");
		if (!in_list(gcc_f, name, n))
			return 0;
		return !name[n] || (name[n + 1] && all_of(name + n + 1, "_.,+-"));
	}
	if (!strncmp(w, "--param=", 8)) {
		v = strchr(w + 8, '=');
		return v && v > w + 8 && v[1] && all_of(w + 8, "_=-");
	}
	return 0;
}

/* ptxas options NVRTC may pass on (--ptxas-options=X). */
static int
ptxas_ok(const char *v)
{
	if (v[0] == '-' && v[1] == 'O' && v[2] >= '0' && v[2] <= '3' && !v[3])
		return 1;
	if (!strcmp(v, "-v") || !strcmp(v, "--verbose") || !strcmp(v, "--warn-on-spills") ||
	    !strcmp(v, "-warn-spills"))
		return 1;
	if (!strncmp(v, "--maxrregcount=", 15) || !strncmp(v, "-maxrregcount=", 14)) {
		v = strchr(v, '=') + 1;
		return *v && all_of(v, "") && strspn(v, "0123456789") == strlen(v);
	}
	if (!strncmp(v, "-dlcm=", 6) || !strncmp(v, "-dscm=", 6) ||
	    !strncmp(v, "--allow-expensive-optimizations=", 32))
		return all_of(strchr(v, '=') + 1, "") && strchr(v, '=')[1];
	return 0;
}

/* word equals one of the two spellings ("--x" / "-x"), optionally followed by "=". */
static const char *
nv_opt(const char *w, const char *name)
{
	size_t n = strlen(name);

	if (!strncmp(w, "--", 2) && !strncmp(w + 2, name, n))
		return w + 2 + n;
	if (w[0] == '-' && w[1] != '-' && !strncmp(w + 1, name, n))
		return w + 1 + n;
	return NULL;
}

static int
nvrtc_word_ok(const char *w)
{
	static const char *const bare[] = {
		/* clang-format off */
		"use_fast_math", "extra-device-vectorization", "restrict", "lineinfo",
		"generate-line-info", "device-debug", "disable-warnings", "default-device",
		"device-as-default-execution-space", NULL,
		/* clang-format on */
	};
	static const char *const boolean[] = { "ftz", "prec-div", "prec-sqrt", "fmad", NULL };
	const char *rest;
	size_t i;

	if (w[0] == '-' && w[1] == 'O' && w[2] >= '0' && w[2] <= '3' && !w[3])
		return 1;
	if (!strcmp(w, "-G") || !strcmp(w, "-w"))
		return 1;
	if (macro_ok(w, "-D", "-U") || macro_ok(w, "--define-macro=", "--undefine-macro="))
		return 1;
	for (i = 0; bare[i]; i++)
		if ((rest = nv_opt(w, bare[i])) && !*rest)
			return 1;
	for (i = 0; boolean[i]; i++)
		if ((rest = nv_opt(w, boolean[i])) && (!strcmp(rest, "=true") || !strcmp(rest, "=false")))
			return 1;
	if ((rest = nv_opt(w, "dopt")) && (!strcmp(rest, "=on") || !strcmp(rest, "=off")))
		return 1;
	if ((rest = nv_opt(w, "maxrregcount=")))
		return *rest && strspn(rest, "0123456789") == strlen(rest);
	if ((rest = nv_opt(w, "std=")))
		return *rest && all_of(rest, "+");
	if ((rest = nv_opt(w, "diag-suppress=")) || (rest = nv_opt(w, "diag-warn=")) ||
	    (rest = nv_opt(w, "diag-error=")))
		return *rest && strspn(rest, "0123456789,") == strlen(rest);
	if ((rest = nv_opt(w, "ptxas-options=")) || (rest = nv_opt(w, "Xptxas=")))
		return ptxas_ok(rest);
	return 0;
}

/*
 * The first word of options that ok() refuses, as the reason a candidate is
 * refused; NULL if none.  cuda names NVRTC's candidates in the message and
 * adds the note that the architecture is not the candidate's to choose.
 */
static char *
refused(const char *options, int (*ok)(const char *), int cuda)
{
	char *s = xstrdup(options ? options : ""), *tok, *save = NULL, *why = NULL;

	for (tok = strtok_r(s, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (ok(tok))
			continue;
		if (cuda && (nv_opt(tok, "arch") || nv_opt(tok, "gpu-architecture")))
			why = xasprintf("flag '%.200s' is not allowed: the architecture comes from "
					"--arch",
					tok);
		else
			why = xasprintf(
				"flag '%.200s' is not allowed: %s candidates take only optimization, "
				"target, math, code-generation, warning, debug and -D/-U flags "
				"(docs/trust.md)",
				tok, cuda ? "cuda" : "cpu");
		break;
	}
	free(s);
	return why;
}

char *
tttd_cc_options_refused(const char *options)
{
	return refused(options, gcc_word_ok, 0);
}

char *
tttd_nvrtc_options_refused(const char *options)
{
	return refused(options, nvrtc_word_ok, 1);
}

char *
tttd_compile_flags_refused(const char *target, const char *options)
{
	const struct tttd_target *t = tttd_target_find(target ? target : TTTD_TARGET_DEFAULT);

	/* An unknown target is refused elsewhere; "model" compiles nothing. */
	return t && t->options_refused ? t->options_refused(options) : NULL;
}
