/*
 * diag.c - the message family for tools: die, usage_die, warn, error, note,
 * progress.  Only tools link against these; lib/ modules report through
 * struct tttd_error instead.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "tttd.h"

const char *progname = "tttd";
int verbosity = 1;
int progress_enabled = -1; /* -1: decide by isatty(2) */
static const char *synopsis_text;
static int progress_open;

void
diag_init(const char *name, const char *synopsis)
{
	progname = name;
	synopsis_text = synopsis;
}

static void
vmsg(const char *prefix, const char *fmt, va_list ap)
{
	int saved_errno = errno;
	size_t len = strlen(fmt);

	if (progress_open)
		progress_end();
	fprintf(stderr, "%s: %s", progname, prefix);
	vfprintf(stderr, fmt, ap);
	if (len > 0 && fmt[len - 1] == ':')
		fprintf(stderr, " %s", strerror(saved_errno));
	fputc('\n', stderr);
}

void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	exit(1);
}

void
usage_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	if (synopsis_text)
		fprintf(stderr, "usage: %s\n", synopsis_text);
	fprintf(stderr, "Try '%s --help' for more information.\n", progname);
	exit(2);
}

void
warn(const char *fmt, ...)
{
	va_list ap;

	if (verbosity < 1)
		return;
	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

int
error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
	return -1;
}

void
note(int level, const char *fmt, ...)
{
	va_list ap;

	if (verbosity < level)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void
die_err(const struct tttd_error *e)
{
	die("%s", e->msg[0] ? e->msg : tttd_strerror(e->code));
}

void
print_version(void)
{
	printf("%s %s\n", progname, TTTD_VERSION);
}

void
progress(const char *fmt, ...)
{
	va_list ap;

	if (progress_enabled < 0)
		progress_enabled = isatty(2);
	if (!progress_enabled)
		return;
	fprintf(stderr, "\r%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\033[K", stderr);
	fflush(stderr);
	progress_open = 1;
}

void
progress_end(void)
{
	if (!progress_open)
		return;
	progress_open = 0;
	fputc('\n', stderr);
}

void
close_stdout(void)
{
	int bad = fflush(stdout) != 0 || ferror(stdout);

	if (fclose(stdout) != 0)
		bad = 1;
	if (bad && errno != EPIPE)
		die("cannot write standard output:");
}

void
getopt_die(int c, char **argv)
{
	/* argv[optind - 1] is the word getopt stopped at: "-o", "--task", "--bogus". */
	if (c == ':')
		usage_die("option '%s' needs an argument", argv[optind - 1]);
	if (optopt > 0 && optopt < 256)
		usage_die("unknown option '-%c'", optopt);
	usage_die("unknown option '%s'", argv[optind - 1]);
}
