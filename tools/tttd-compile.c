/*
 * tttd-compile - compile candidate records: C sources into shared objects
 * with the system compiler (target "cpu"), CUDA sources into cubins with
 * NVRTC (target "cuda", in builds with the CUDA toolkit).  Wiring only: the
 * compile targets, the cache and the ordered parallel driver are lib/compile*.c
 * and lib/compile/cache.c.
 *
 * Records stream: each is written as soon as it and every record before it
 * are done, so a downstream tttd-bench starts before the input ends.  A
 * candidate that does not compile is a record (status compile_error), never
 * a failure of the tool.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "candidate.h" /* defines: tttd_cand_read */
#include "compile.h"   /* defines: tttd_compiler_* */
#include "diag.h"
#include "opt.h"
#include "rec.h"
#include "stream.h" /* defines: tttd_reader_*, tttd_writer_* */

#define SYNOPSIS                                                                           \
	"tttd-compile [-fhqvVz] [-j n] [-o file] [--arch sm_XY] [--cache dir] [--cc path]" \
	" [--timeout s] [file ...]"

enum {
	OPT_ARCH = 256,
	OPT_CACHE,
	OPT_CC,
	OPT_NO_PROGRESS,
	OPT_PROGRESS,
	OPT_TIMEOUT,
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s\n", SYNOPSIS);
	fputs("Compile candidate records into shared objects (cpu) or cubins (cuda).\n"
	      "\n"
	      "  -f, --force           read or write binary records on a terminal\n"
	      "  -h, --help            print this help and exit\n"
	      "  -j, --jobs N          compile N candidates at once (default: online CPUs)\n"
	      "  -o, --output FILE     write to FILE (FILE.tmp, renamed when done)\n"
	      "  -q, --quiet           print errors only\n"
	      "  -v, --verbose         one line per failed candidate, and progress\n"
	      "  -V, --version         print the version and exit\n"
	      "  -z, --zstd            compress the output (implied by -o x.zst)\n"
	      "      --arch SM         CUDA architecture, e.g. sm_90 (needed for cuda)\n"
	      "      --cache DIR       compile cache directory (default: no cache)\n"
	      "      --cc PATH         C compiler for the cpu target (default cc)\n"
	      "      --progress        show progress on stderr (--no-progress: never)\n"
	      "      --timeout S       per-compile limit, e.g. 60 or 2m (default 60)\n"
	      "\n"
	      "With no file, or when file is -, read standard input.  Candidates with\n"
	      "status \"generated\" get status compiled or compile_error, with object,\n"
	      "compile_log, compile_ms, cache_key, cached, and reason on failure; other\n"
	      "records pass through, in order.  Exit status: 0 success (candidates that\n"
	      "fail to compile included), 1 runtime error (bad input, I/O, no compiler),\n"
	      "2 usage.\n",
	      f);
}

/* Where compiled records go; called by the driver in input order. */
struct sink {
	struct tttd_writer *w;
	struct tttd_compiler *c;
};

static int
emit(void *arg, const struct tttd_rec *r, struct tttd_error *e)
{
	struct sink *s = arg;
	struct tttd_compile_stats st;

	if (verbosity >= 2 && tttd_rec_has(r, "compile_log")) {
		struct tttd_cand c;

		tttd_cand_read(&c, r);
		if (c.st == TTTD_ST_COMPILE_ERROR)
			note(2, "%s: compile_error: %s", c.id ? c.id : "(no id)",
			     c.reason ? c.reason : "");
		tttd_cand_release(&c);
	}
	TTTD_TRY(tttd_writer_write(s->w, r, e));
	if (s->c) {
		tttd_compiler_stats(s->c, &st);
		progress("%llu compiled (%llu cached), %llu errors",
			 (unsigned long long)st.compiled, (unsigned long long)st.cached,
			 (unsigned long long)st.errors);
	}
	return TTTD_OK;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "arch", required_argument, NULL, OPT_ARCH },
		{ "cache", required_argument, NULL, OPT_CACHE },
		{ "cc", required_argument, NULL, OPT_CC },
		{ "jobs", required_argument, NULL, 'j' },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ NULL, 0, NULL, 0 },
	};
	static const struct tool_opts topts = {
		.usage = usage,
		.common = TOOL_FORCE | TOOL_OUTPUT | TOOL_VERBOSE | TOOL_ZSTD,
		.shortopts = "j:",
		.longopts = longopts,
	};
	struct tttd_compile_opts o = { .cc = "cc", .timeout_s = 60, .tool = "tttd-compile" };
	struct tttd_compile_stats st;
	struct sink sink = { 0 };
	struct tttd_error e;
	struct tttd_rec r;
	struct tool_common com = { 0 };
	int c, i, nin, rc, want_progress = -1;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	diag_init("tttd-compile", SYNOPSIS);
	o.jobs = ncpu > 0 ? (int)(ncpu < 256 ? ncpu : 256) : 1;
	while ((c = tool_getopt(&topts, argc, argv, &com)) != -1) {
		switch (c) {
		case 'j': o.jobs = (int)opt_long(optarg, "-j", 1, 1024); break;
		case OPT_ARCH: o.arch = optarg; break;
		case OPT_CACHE: o.cache = optarg; break;
		case OPT_CC:
			if (!*optarg)
				usage_die("--cc needs a compiler");
			o.cc = optarg;
			break;
		case OPT_NO_PROGRESS: want_progress = 0; break;
		case OPT_PROGRESS: want_progress = 1; break;
		case OPT_TIMEOUT: o.timeout_s = opt_duration(optarg, "--timeout"); break;
		}
	}
	if (!(o.timeout_s > 0))
		usage_die("--timeout must be positive");
	if (want_progress >= 0)
		progress_enabled = want_progress;
	else if (verbosity >= 2)
		progress_enabled = 1;

	if (tttd_writer_open(&sink.w, com.output, com.wflags,
			     &e) < 0)
		die_err(&e);
	if (tttd_compiler_new(&sink.c, &o, emit, &sink, &e) < 0) {
		tttd_writer_abort(sink.w);
		die_err(&e);
	}
	tttd_rec_init(&r);
	nin = argc - optind;
	for (i = 0; i < (nin ? nin : 1); i++) {
		struct tttd_reader *rd;
		const char *path = nin ? argv[optind + i] : NULL;

		if (tttd_reader_open(&rd, path, com.force, &e) < 0)
			goto fail;
		while ((rc = tttd_reader_next(rd, &r, &e)) > 0)
			if (tttd_compiler_submit(sink.c, &r, &e) < 0) {
				tttd_reader_free(rd);
				goto fail;
			}
		tttd_reader_free(rd);
		if (rc < 0) {
			/* Write out the complete records before it, then report the damage. */
			struct tttd_error we;

			if (tttd_compiler_finish(sink.c, &we) == 0)
				tttd_writer_close(sink.w, &we);
			else
				tttd_writer_abort(sink.w);
			tttd_compiler_free(sink.c);
			progress_end();
			die_err(&e);
		}
	}
	if (tttd_compiler_finish(sink.c, &e) < 0)
		goto fail;
	tttd_compiler_stats(sink.c, &st);
	tttd_compiler_free(sink.c);
	sink.c = NULL;
	if (tttd_writer_close(sink.w, &e) < 0)
		die_err(&e);
	progress_end();
	if (st.compiled + st.errors > 0)
		note(1, "%llu candidates: %llu compiled (%llu cached), %llu compile errors",
		     (unsigned long long)(st.compiled + st.errors), (unsigned long long)st.compiled,
		     (unsigned long long)st.cached, (unsigned long long)st.errors);
	tttd_rec_release(&r);
	close_stdout();
	return 0;
fail:
	tttd_compiler_free(sink.c);
	tttd_writer_abort(sink.w);
	progress_end();
	die_err(&e);
}
