/*
 * tttd-results - the results index across runs: add a run's confirmed best,
 * list what is known, answer "the best known kernel for this task, shape and
 * device", and export it (its decisions as a C header, its source).  Wiring
 * only: the database lives in lib/report/results.c.
 */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "opt.h"     /* defines: tool_getopt */
#include "env.h"     /* defines: tttd_env_load, tttd_env_probe */
#include "results.h" /* defines: tttd_results_* */

#define SYNOPSIS                                                                              \
	"tttd-results [-hqV] [--db file] add run ...\n"                                       \
	"       tttd-results [-hqV] [--db file] [--device d] [--json] [--shape s] [--task t]" \
	" [--tttd-version v] best|list\n"                                                     \
	"       tttd-results [-hqV] [--db file] [--device d] [--header file] [--shape s]"     \
	" [--source file] [--task t] [--tttd-version v] export"

/* clang-format off */
enum { OPT_DB = 256, OPT_DEVICE, OPT_HEADER, OPT_JSON, OPT_SHAPE, OPT_SOURCE, OPT_TASK, OPT_VERSION_KEY };
/* clang-format on */

static const char *opt_db, *opt_header, *opt_source;
static int opt_json;

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s\n", SYNOPSIS);
	fputs("The results index: every discovery run adds its confirmed best, keyed by\n"
	      "task, shape, device and tttd version.\n"
	      "\n"
	      "  add run ...          add each run's confirmed best (run/best/record.json)\n"
	      "  best                 the fastest known kernel for --task (and --shape,\n"
	      "                       --device where the index holds several)\n"
	      "  list                 every row, fastest first per task, shape and device\n"
	      "  export               the best kernel's decisions as a C header (stdout, or\n"
	      "                       --header file) and its source (--source file)\n"
	      "\n"
	      "  -h, --help           print this help and exit\n"
	      "  -q, --quiet          print errors only\n"
	      "  -V, --version        print the version and exit\n"
	      "      --db FILE        the database (default $XDG_DATA_HOME/tttd/results.db,\n"
	      "                       else ~/.local/share/tttd/results.db)\n"
	      "      --device D       only this device (as the records name it)\n"
	      "      --header FILE    export: write the header to FILE\n"
	      "      --json           best, list: JSON lines instead of text\n"
	      "      --shape S        only this shape key: bench shapes, dims joined by x,\n"
	      "                       shapes by commas (320x320x320,384x256x288)\n"
	      "      --source FILE    export: write the kernel's source to FILE\n"
	      "      --task T         only this task\n"
	      "      --tttd-version V only rows added by this tttd version\n"
	      "\n"
	      "Times are compared only within one task, shape and device.  Exit status:\n"
	      "0 success, 1 nothing matches or an error, 2 usage.\n",
	      f);
}

static void
print_json(const struct tttd_result *r, int full)
{
	json_t *o = json_object(), *d = r->decisions ? json_loads(r->decisions, 0, NULL) : NULL;
	json_t *t = r->timing ? json_loads(r->timing, 0, NULL) : NULL;
	char *s;

	json_object_set_new(o, "task", json_string(r->task));
	json_object_set_new(o, "shape", json_string(r->shape));
	json_object_set_new(o, "device", json_string(r->device));
	json_object_set_new(o, "tttd_version", json_string(r->version));
	json_object_set_new(o, "time_ns", json_real(r->time_ns));
	json_object_set_new(o, "ref_ns", r->ref_ns > 0 ? json_real(r->ref_ns) : json_null());
	json_object_set_new(o, "speedup", r->speedup > 0 ? json_real(r->speedup) : json_null());
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "decisions", d ? d : json_object());
	json_object_set_new(o, "cflags", r->cflags ? json_string(r->cflags) : json_null());
	if (full) {
		json_object_set_new(o, "timing", t ? t : json_null());
		json_object_set_new(o, "source", json_string(r->source ? r->source : ""));
	} else {
		json_decref(t);
	}
	json_object_set_new(o, "run", json_string(r->run));
	json_object_set_new(o, "commit", r->commit ? json_string(r->commit) : json_null());
	json_object_set_new(o, "date", r->date ? json_string(r->date) : json_null());
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12));
	puts(s);
	free(s);
	json_decref(o);
}

static void
format_time(double ns, char *buf, size_t n)
{
	tttd_format_ns(ns, buf, n);
}

static void
list_row(const struct tttd_result *r, void *ctx)
{
	char t[64];

	(void)ctx;
	if (opt_json) {
		print_json(r, 0);
		return;
	}
	format_time(r->time_ns, t, sizeof(t));
	printf("%s\t%s\t%s\t%s\t", r->task, r->shape, r->device, t);
	if (r->speedup > 0)
		printf("%.2fx", r->speedup);
	printf("\t%s\t%s\t%s\n", r->version, r->date ? r->date : "", r->run);
}

static void
print_best(const struct tttd_result *r)
{
	char t[64], ref[64];

	if (opt_json) {
		print_json(r, 1);
		return;
	}
	format_time(r->time_ns, t, sizeof(t));
	printf("task      %s\nshape     %s\ndevice    %s\ntime      %s", r->task, r->shape, r->device, t);
	if (r->ref_ns > 0 && r->speedup > 0) {
		format_time(r->ref_ns, ref, sizeof(ref));
		printf(" (the reference %s beside it: %.2fx)", ref, r->speedup);
	}
	printf("\nid        %s\ncflags    %s\ndecisions %s\nrun       %s\ndate      %s\n"
	       "tttd      %s, commit %s\n",
	       r->id, r->cflags ? r->cflags : "", r->decisions ? r->decisions : "{}", r->run,
	       r->date ? r->date : "?", r->version, r->commit ? r->commit : "unknown");
}

static void
write_text(const char *path, const char *text)
{
	FILE *f;
	char *tmp;

	if (strcmp(path, "-") == 0) {
		fputs(text, stdout);
		return;
	}
	tmp = tttd_tmp_path_for(path);
	if (!(f = fopen(tmp ? tmp : path, "w")))
		die("cannot write '%s':", tmp ? tmp : path);
	if (fputs(text, f) == EOF || ferror(f) | fclose(f) || (tmp && rename(tmp, path) < 0)) {
		if (tmp)
			unlink(tmp);
		die("cannot write '%s':", path);
	}
	free(tmp);
}

/* Add run dir's confirmed best. */
static void
add_run(struct tttd_results *db, const char *dir)
{
	struct tttd_env env;
	struct tttd_error e;
	struct tttd_rec r;
	char *path, *text = NULL, abs[PATH_MAX];
	size_t len;

	path = xasprintf("%s/best/record.json", dir);
	if (tttd_read_file(path, &text, &len) < 0)
		die("cannot read '%s' (a run adds its best once tttd-discover has re-measured it):",
		    path);
	tttd_rec_init(&r);
	if (tttd_rec_from_json(&r, text, len, &e) < 0)
		die("'%s': %s", path, e.msg);
	free(text);
	free(path);
	/* The machine that re-measured it: best/environment.json, else this one. */
	path = xasprintf("%s/best/environment.json", dir);
	if (tttd_env_load(&env, path, &e) < 0)
		tttd_env_probe(&env, 0);
	free(path);
	if (!realpath(dir, abs))
		die("cannot resolve '%s':", dir);
	if (tttd_results_add(db, &r, abs, &env, &e) < 0)
		die("'%s': %s", dir, e.msg);
	note(2, "added the best of '%s'", abs);
	tttd_env_release(&env);
	tttd_rec_release(&r);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, OPT_DB },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "header", required_argument, NULL, OPT_HEADER },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "shape", required_argument, NULL, OPT_SHAPE },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "task", required_argument, NULL, OPT_TASK },
		{ "tttd-version", required_argument, NULL, OPT_VERSION_KEY },
		{ NULL, 0, NULL, 0 },
	};
	static const struct tool_opts topts = {
		.usage = usage,
		.common = TOOL_VERBOSE,
		.shortopts = "",
		.longopts = longopts,
	};
	struct tttd_results_query q = { 0 };
	struct tttd_results *db;
	struct tttd_result best;
	struct tttd_error e;
	const char *cmd;
	char *path;
	struct tool_common com = { 0 }; /* none of -f, -o, -z: only -v */
	int c, rc;

	diag_init("tttd-results", SYNOPSIS);
	while ((c = tool_getopt(&topts, argc, argv, &com)) != -1) {
		switch (c) {
		case OPT_DB: opt_db = optarg; break;
		case OPT_DEVICE: q.device = optarg; break;
		case OPT_HEADER: opt_header = optarg; break;
		case OPT_JSON: opt_json = 1; break;
		case OPT_SHAPE: q.shape = optarg; break;
		case OPT_SOURCE: opt_source = optarg; break;
		case OPT_TASK: q.task = optarg; break;
		case OPT_VERSION_KEY: q.version = optarg; break;
		}
	}
	if (optind == argc)
		usage_die("no command (add, best, list or export)");
	cmd = argv[optind++];
	if (strcmp(cmd, "add") && strcmp(cmd, "best") && strcmp(cmd, "list") && strcmp(cmd, "export"))
		usage_die("unknown command '%s' (add, best, list or export)", cmd);
	if (strcmp(cmd, "add") == 0 && optind == argc)
		usage_die("add: no run folder given");
	if (strcmp(cmd, "add") != 0 && optind < argc)
		usage_die("unexpected argument '%s'", argv[optind]);
	if ((opt_header || opt_source) && strcmp(cmd, "export") != 0)
		usage_die("--header and --source are for export");
	if ((strcmp(cmd, "best") == 0 || strcmp(cmd, "export") == 0) && !q.task)
		usage_die("%s needs --task", cmd);
	path = opt_db ? xstrdup(opt_db) : tttd_results_default_path();
	if (!path)
		die("no --db and neither XDG_DATA_HOME nor HOME is set");
	if (tttd_results_open(&db, path, strcmp(cmd, "add") == 0, &e) < 0)
		die_err(&e);
	if (strcmp(cmd, "add") == 0) {
		for (; optind < argc; optind++)
			add_run(db, argv[optind]);
	} else if (strcmp(cmd, "list") == 0) {
		if (tttd_results_each(db, &q, list_row, NULL, &e) < 0)
			die_err(&e);
	} else {
		rc = tttd_results_best(db, &q, &best, &e);
		if (rc < 0)
			die_err(&e);
		if (rc == 0)
			die("no result for task '%s'%s%s%s%s in '%s'", q.task, q.shape ? " at shape " : "",
			    q.shape ? q.shape : "", q.device ? " on " : "", q.device ? q.device : "", path);
		if (strcmp(cmd, "best") == 0) {
			print_best(&best);
		} else {
			char *h = tttd_result_header(&best);

			if (opt_header || !opt_source)
				write_text(opt_header ? opt_header : "-", h);
			if (opt_source)
				write_text(opt_source, best.source ? best.source : "");
			free(h);
		}
		tttd_result_release(&best);
	}
	tttd_results_close(db);
	free(path);
	close_stdout();
	return 0;
}
