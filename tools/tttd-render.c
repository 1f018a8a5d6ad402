/*
 * tttd-render - complete candidates that carry decisions but no source: the
 * task's template rendered into the source, the flags rendered, the content
 * id, exactly as tttd-generate writes them, so that any generator may emit
 * decisions only.  Wiring only: the rendering is lib/tasks/render.c's.
 *
 * Records that already carry a source, and records of other kinds, pass
 * through unchanged; bad decisions become failure records (status invalid or
 * infeasible, a reason), not an error.  A candidate that names no parent, or
 * whose step or parent decisions nothing gives, is a malformed stream: exit 1.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "opt.h" /* defines: tool_getopt */
#include "rec.h"
#include "render.h"
#include "stream.h"
#include "task.h"
#include "tttd.h"

#define SYNOPSIS "tttd-render [-fhqvVz] [-o file] [--parents file] [--task name] [file ...]"

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s\n", SYNOPSIS);
	fputs("\n"
	      "Render the source of candidates that carry decisions only.\n"
	      "\n"
	      "  -f, --force          read or write binary on a terminal\n"
	      "  -h, --help           print this help and exit\n"
	      "  -o, --output=FILE    write to FILE (via FILE.tmp and rename)\n"
	      "  -q, --quiet          print errors only\n"
	      "  -v, --verbose        print one line per failure on stderr\n"
	      "  -V, --version        print the version and exit\n"
	      "  -z, --zstd           compress the output with zstd\n"
	      "      --parents=FILE   the parent records the candidates were generated\n"
	      "                       from (tttd-select's output): a candidate's step and\n"
	      "                       parent decisions default to its parent's\n"
	      "      --task=NAME      task folder or name (default: each record's task)\n"
	      "\n"
	      "A candidate to render has \"kind\": \"candidate\", \"parent\" (the id of\n"
	      "its parent) and \"decisions\" (name to option text, every decision of the\n"
	      "task), no \"source\", and status \"generated\" or none.  Other records pass\n"
	      "through unchanged.  Bad decisions make a failure record (status invalid\n"
	      "or infeasible, with a reason).  With no file, or when file is -, read\n"
	      "standard input.  Exit status: 0 success, 1 bad input or I/O error, 2 usage.\n",
	      f);
}

/* clang-format off */
enum { OPT_PARENTS = 256, OPT_TASK };
/* clang-format on */

static const struct option longopts[] = {
	{ "parents", required_argument, NULL, OPT_PARENTS },
	{ "task", required_argument, NULL, OPT_TASK },
	{ NULL, 0, NULL, 0 },
};
static const struct tool_opts topts = {
	.usage = usage,
	.common = TOOL_FORCE | TOOL_OUTPUT | TOOL_VERBOSE | TOOL_ZSTD,
	.shortopts = "",
	.longopts = longopts,
};

static struct {
	struct tool_common com; /* -f, -o, -z */
	const char *parents, *task;
} opt;

/* The task in use; reloaded only when a record names another one. */
static struct tttd_task *task;
static char *task_key;

/* The parents, in file order (a step has a handful: looked up linearly). */
static struct tttd_rec *parents;
static char **parent_ids;
static size_t nparents;

static void
use_task(const char *name)
{
	struct tttd_error e = { 0 };

	if (task_key && strcmp(task_key, name) == 0)
		return;
	tttd_task_free(task);
	task = NULL;
	free(task_key);
	task_key = xstrdup(name);
	if (tttd_task_load(&task, name, &e) < 0)
		die_err(&e);
}

static void
read_parents(const char *path)
{
	struct tttd_error e = { 0 };
	struct tttd_reader *rd;
	struct tttd_rec r;
	size_t cap = 0;
	int rc;

	if (tttd_reader_open(&rd, path, opt.com.force, &e) < 0)
		die_err(&e);
	tttd_rec_init(&r);
	while ((rc = tttd_reader_next(rd, &r, &e)) > 0) {
		char *id = NULL;

		if (!tttd_rec_str_is(&r, "kind", "parent") || tttd_rec_get_str(&r, "id", &id) != 1)
			continue;
		if (nparents == cap) {
			XGROW(parents, cap, nparents + 1);
			parent_ids = xrealloc(parent_ids, cap * sizeof(*parent_ids));
		}
		tttd_rec_init(&parents[nparents]);
		tttd_rec_copy(&parents[nparents], &r);
		parent_ids[nparents++] = id;
	}
	if (rc < 0)
		die_err(&e);
	tttd_rec_release(&r);
	tttd_reader_free(rd);
}

static const struct tttd_rec *
find_parent(const struct tttd_rec *r)
{
	const char *id;
	size_t n, i;

	if (tttd_rec_get_strn(r, "parent", &id, &n) != 1)
		return NULL;
	for (i = 0; i < nparents; i++)
		if (strlen(parent_ids[i]) == n && memcmp(parent_ids[i], id, n) == 0)
			return &parents[i];
	return NULL;
}

int
main(int argc, char **argv)
{
	struct tttd_error e = { 0 };
	struct tttd_writer *w = NULL;
	struct tttd_rec r, out;
	uint64_t rendered = 0, failed = 0, passed = 0, index = 0;
	char *const stdin_only[] = { "-" };
	char *const *inputs;
	int c, i, nin;
	size_t k;

	diag_init("tttd-render", SYNOPSIS);
	while ((c = tool_getopt(&topts, argc, argv, &opt.com)) != -1) {
		switch (c) {
		case OPT_PARENTS:
			opt.parents = optarg;
			break;
		case OPT_TASK:
			opt.task = optarg;
			break;
		}
	}
	/* fail before reading anything when the task is known */
	if (opt.task)
		use_task(opt.task);
	if (opt.parents)
		read_parents(opt.parents);
	nin = argc - optind;
	inputs = nin ? argv + optind : stdin_only;
	if (!nin)
		nin = 1;
	if (tttd_writer_open(&w, opt.com.output, opt.com.wflags, &e) < 0)
		die_err(&e);
	tttd_rec_init(&r);
	tttd_rec_init(&out);
	for (i = 0; i < nin; i++) {
		struct tttd_reader *rd;
		const char *in = strcmp(inputs[i], "-") ? inputs[i] : "(stdin)";

		if (tttd_reader_open(&rd, inputs[i], opt.com.force, &e) < 0)
			die_err(&e);
		for (;;) {
			uint64_t at = tttd_reader_count(rd);
			const struct tttd_rec *res = &r;

			c = tttd_reader_next(rd, &r, &e);
			if (c < 0)
				die_err(&e);
			if (c == 0)
				break;
			if (tttd_render_wanted(&r)) {
				if (!opt.task) {
					char *tn = NULL;

					if (tttd_rec_get_str(&r, "task", &tn) != 1)
						die("%s: record %llu: candidate has no 'task' (use --task)",
						    in, (unsigned long long)at);
					use_task(tn);
					free(tn);
				}
				c = tttd_render_rec(task, &r, find_parent(&r), index, &out, &e);
				if (c < 0)
					die("%s: record %llu: %s", in, (unsigned long long)at, e.msg);
				if (c == TTTD_RENDER_FAILED) {
					char *why = NULL;

					tttd_rec_get_str(&out, "reason", &why);
					note(2, "%s: record %llu: %s", in, (unsigned long long)at, why);
					free(why);
					failed++;
				} else {
					rendered++;
				}
				res = &out;
			} else {
				passed++;
			}
			index++;
			if (tttd_writer_write(w, res, &e) < 0)
				die_err(&e);
		}
		tttd_reader_free(rd);
	}
	if (tttd_writer_close(w, &e) < 0)
		die_err(&e);
	note(1, "%llu rendered, %llu failed, %llu passed through", (unsigned long long)rendered,
	     (unsigned long long)failed, (unsigned long long)passed);
	tttd_rec_release(&r);
	tttd_rec_release(&out);
	for (k = 0; k < nparents; k++) {
		tttd_rec_release(&parents[k]);
		free(parent_ids[k]);
	}
	free(parents);
	free(parent_ids);
	tttd_task_free(task);
	free(task_key);
	close_stdout();
	return 0;
}
