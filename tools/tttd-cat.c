/*
 * tttd-cat - print record streams as JSON lines, turn JSON lines back into a
 * stream, or check a stream.  Wiring only: records, streams and JSON live in
 * lib/records/rec.c and lib/records/stream.c.
 *
 * On a truncated or corrupt input every complete record before the damage is
 * still printed (or written), then the error, and the exit status is 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "opt.h"    /* defines: tool_getopt */
#include "rec.h"    /* defines: tttd_rec_*json */
#include "schema.h" /* defines: tttd_schema_check, tttd_schema_owns, tttd_schema_strip */
#include "stream.h" /* defines: tttd_reader_*, tttd_writer_* */

#define SYNOPSIS "tttd-cat [-cfhjqVz] [-o file] [--strip tools] [file ...]"

static int opt_check, opt_from_json;
static struct tool_common com; /* -f, -o, -z */
static int flush_each;         /* JSON lines go to a pipe: flush after each (like the writer) */
/* --strip: the stages whose keys (by the schema's owner column) are dropped */
static char **strip_owners;
static size_t nstrip;

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s\n", SYNOPSIS);
	fputs("Print tttd record streams as JSON lines, or turn JSON lines into a stream.\n"
	      "\n"
	      "  -c, --check       only read and validate; print the record count to stderr\n"
	      "  -f, --force       read or write binary records on a terminal\n"
	      "  -h, --help        print this help and exit\n"
	      "  -j, --from-json   read JSON lines (one object per line) and write a stream\n"
	      "  -o, --output FILE write to FILE (FILE.tmp, renamed when done) instead of stdout\n"
	      "  -q, --quiet       print errors only\n"
	      "  -V, --version     print the version and exit\n"
	      "  -z, --zstd        compress the stream written by -j (implied by -o x.zst)\n"
	      "      --strip=TOOLS drop the keys the schema gives to these stages (comma-\n"
	      "                    separated: bench,score or tttd-bench,tttd-score)\n"
	      "\n"
	      "With no file, or when file is -, read standard input.  Inputs may be raw or\n"
	      "zstd-compressed msgpack in any concatenation.  JSON records without \"v\"\n"
	      "get \"v\": 1.  Exit status: 0 success, 1 bad input or I/O error, 2 usage.\n",
	      f);
}

/* Print the records of one input as JSON lines.  @return 0, or -1 after an error message. */
static int
cat_json(const char *path, FILE *out, uint64_t *total)
{
	struct tttd_reader *rd;
	struct tttd_error e;
	struct tttd_rec r;
	int rc, bad = 0;

	/* JSON output is text, but the input is binary: refuse a terminal. */
	if (tttd_reader_open(&rd, path, com.force, &e) < 0)
		return error("%s", e.msg);
	tttd_rec_init(&r);
	while ((rc = tttd_reader_next(rd, &r, &e)) > 0) {
		(*total)++;
		if (opt_check)
			continue;
		tttd_schema_strip(&r, (const char *const *)strip_owners, nstrip);
		if (tttd_rec_write_json(&r, out, &e) < 0) {
			fflush(out);
			bad = error("'%s': record %llu: %s", path ? path : "-",
				    (unsigned long long)tttd_reader_count(rd) - 1, e.msg);
			break;
		}
		fputc('\n', out);
		if (flush_each)
			fflush(out);
	}
	if (rc < 0) {
		/* Complete records go out before the message about the damage. */
		fflush(out);
		bad = error("%s", e.msg);
	}
	tttd_rec_release(&r);
	tttd_reader_free(rd);
	return bad;
}

/* Read JSON lines from path and write them as records to w. */
static int
from_json(const char *path, struct tttd_writer *w, uint64_t *total)
{
	const char *name = path && strcmp(path, "-") != 0 ? path : "-";
	FILE *f = stdin;
	struct tttd_error e;
	struct tttd_rec r;
	char *line = NULL;
	size_t cap = 0, lineno = 0, i;
	ssize_t n;
	int bad = 0;

	if (strcmp(name, "-") != 0 && !(f = fopen(name, "r")))
		return error("cannot open '%s':", name);
	tttd_rec_init(&r);
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		for (i = 0; i < (size_t)n && strchr(" \t\r\n", line[i]); i++)
			;
		if (i == (size_t)n)
			continue; /* blank */
		if (tttd_rec_from_json(&r, line, (size_t)n, &e) < 0) {
			bad = error("'%s': line %zu: %s", name, lineno, e.msg);
			break;
		}
		if (!tttd_rec_has(&r, "v")) {
			/* So that people can write parents by hand; v goes first. */
			struct tttd_rec tmp;

			tttd_rec_init(&tmp);
			tttd_rec_set_int(&tmp, "v", TTTD_SCHEMA_VERSION);
			for (i = 0; i < r.n; i++)
				tttd_rec_set_raw(&tmp, r.f[i].key, r.f[i].val, r.f[i].vlen);
			tttd_rec_copy(&r, &tmp);
			tttd_rec_release(&tmp);
		}
		if (tttd_schema_check(&r, &e) < 0) {
			bad = error("'%s': line %zu: %s", name, lineno, e.msg);
			break;
		}
		if (opt_check) {
			(*total)++;
			continue;
		}
		tttd_schema_strip(&r, (const char *const *)strip_owners, nstrip);
		if (tttd_writer_write(w, &r, &e) < 0)
			die_err(&e);
		(*total)++;
	}
	if (!bad && ferror(f))
		bad = error("cannot read '%s':", name);
	free(line);
	tttd_rec_release(&r);
	if (f != stdin)
		fclose(f);
	return bad;
}

/* Parse --strip's list: each name a stage that owns keys, "tttd-" optional. */
static void
parse_strip(const char *arg)
{
	char *list = xstrdup(arg), *save = NULL, *w;

	for (w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		char *tool = strncmp(w, "tttd-", 5) == 0 ? xstrdup(w) : xasprintf("tttd-%s", w);

		if (!tttd_schema_owns(tool))
			usage_die("--strip: '%s' owns no key of the schema (docs/schema.md)", w);
		strip_owners = xrealloc(strip_owners, (nstrip + 1) * sizeof(*strip_owners));
		strip_owners[nstrip++] = tool;
	}
	free(list);
	if (!nstrip)
		usage_die("--strip needs a stage (bench, score, ...)");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "from-json", no_argument, NULL, 'j' },
		{ "strip", required_argument, NULL, 256 },
		{ NULL, 0, NULL, 0 },
	};
	static const struct tool_opts topts = {
		.usage = usage,
		.common = TOOL_FORCE | TOOL_OUTPUT | TOOL_ZSTD,
		.shortopts = "cj",
		.longopts = longopts,
	};
	struct tttd_writer *w = NULL;
	struct tttd_error e;
	FILE *jout = stdout, *tmpf = NULL;
	char *tmpname = NULL;
	uint64_t total = 0;
	int c, i, bad = 0, nin;

	diag_init("tttd-cat", SYNOPSIS);
	while ((c = tool_getopt(&topts, argc, argv, &com)) != -1) {
		switch (c) {
		case 'c': opt_check = 1; break;
		case 'j': opt_from_json = 1; break;
		case 256: parse_strip(optarg); break;
		}
	}
	if (com.wflags & TTTD_W_ZSTD && !opt_from_json)
		usage_die("-z applies to the stream written by -j");

	if (opt_from_json && !opt_check) {
		if (tttd_writer_open(&w, com.output, com.wflags, &e) < 0)
			die_err(&e);
	} else if (com.output && !opt_check) {
		/* JSON to a file: the same tmp + rename rule as for streams. */
		tmpname = tttd_tmp_path_for(com.output);
		if (!(tmpf = fopen(tmpname ? tmpname : com.output, "w")))
			die("cannot create '%s':", tmpname ? tmpname : com.output);
		jout = tmpf;
	}

	{
		struct stat st;

		flush_each = jout == stdout && fstat(1, &st) == 0 &&
			     (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
	}
	nin = argc - optind;
	for (i = 0; i < (nin ? nin : 1) && !bad; i++) {
		const char *path = nin ? argv[optind + i] : NULL;

		if (opt_from_json)
			bad = from_json(path, w, &total);
		else
			bad = cat_json(path, jout, &total);
	}

	/*
	 * -o file appears only on success (tmp + rename), so a file never looks
	 * complete when it is not; on stdout the complete records are already out.
	 */
	if (w && bad && com.output) {
		tttd_writer_abort(w);
	} else if (w) {
		if (tttd_writer_close(w, &e) < 0)
			die_err(&e);
	}
	if (tmpf && bad) {
		fclose(tmpf);
		if (tmpname)
			unlink(tmpname);
	} else if (tmpf) {
		if (fclose(tmpf) != 0) {
			if (tmpname)
				unlink(tmpname);
			die("cannot write '%s':", tmpname ? tmpname : com.output);
		}
		if (tmpname && rename(tmpname, com.output) != 0)
			die("cannot rename '%s' to '%s':", tmpname, com.output);
	}
	free(tmpname);
	while (nstrip)
		free(strip_owners[--nstrip]);
	free(strip_owners);
	if (opt_check)
		note(1, "%llu records", (unsigned long long)total);
	close_stdout();
	return bad ? 1 : 0;
}
