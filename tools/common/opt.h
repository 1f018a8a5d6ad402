/*
 * opt.h - the options every tool shares, and strict parsing of option
 * arguments.  Each parser names the option in its usage error and exits 2
 * through usage_die(); never atoi.
 */
#ifndef TTTD_OPT_H
#define TTTD_OPT_H

#include <getopt.h>
#include <stdio.h>

/*
 * The common options (docs/internals.md, "Tool interface").  Every tool has
 * -h/--help, -V/--version and -q/--quiet; these bits name the others a tool
 * has, so that a tool without one refuses it as an unknown option.
 */
enum {
	TOOL_FORCE = 1 << 0,   /* -f, --force: binary records on a terminal */
	TOOL_OUTPUT = 1 << 1,  /* -o, --output FILE */
	TOOL_VERBOSE = 1 << 2, /* -v, --verbose: once more each time */
	TOOL_ZSTD = 1 << 3,    /* -z, --zstd */
};

/* A tool's options: its own, and which common ones it has. */
struct tool_opts {
	void (*usage)(FILE *f);        /* the --help text */
	unsigned common;               /* TOOL_* bits */
	const char *shortopts;         /* its own short options in getopt's syntax ("" for none) */
	const struct option *longopts; /* its own long options, ended by a zeroed entry */
};

/* What the common options set (verbosity is diag.h's). */
struct tool_common {
	const char *output; /* -o (NULL: standard output) */
	int force;          /* -f, for tttd_reader_open */
	unsigned wflags;    /* TTTD_W_FORCE for -f, TTTD_W_ZSTD for -z, for tttd_writer_open */
};

/*
 * getopt_long over t's own options and the common ones it has.  The common
 * ones are handled here: -h prints t->usage to standard output and -V the
 * version, each then exits 0; -q, -v, -f, -o and -z set verbosity and *c.
 * An unknown option or a missing argument is the usage error of
 * getopt_die() (exit 2).  @return the next of the tool's own options
 * (getopt's value for it, optarg set), or -1 when the options end (optind
 * is then the first operand).  Call diag_init() first.
 */
int tool_getopt(const struct tool_opts *t, int argc, char **argv, struct tool_common *c);

long opt_long(const char *arg, const char *optname, long min, long max);
double opt_double(const char *arg, const char *optname, double min, double max);
/*
 * A duration such as "90", "90s", "15m", "2h"; returns seconds, at most
 * OPT_DURATION_MAX (30 days), so that a deadline in nanoseconds fits.
 */
#define OPT_DURATION_MAX 2592000.0
double opt_duration(const char *arg, const char *optname);
/* arg must be one of the NULL-terminated choices; returns its index. */
int opt_choice(const char *arg, const char *optname, const char *const *choices);

#endif
