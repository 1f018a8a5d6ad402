/*
 * diag.h - messages and exits for tools (never used by lib/: libtttd-tool.a).
 *
 * Every message starts with "progname: "; a format ending in ':' gets
 * strerror(errno) appended.  die() exits 1, usage_die() prints the message,
 * the synopsis and "Try 'prog --help'" and exits 2.
 */
#ifndef TTTD_DIAG_H
#define TTTD_DIAG_H

#include <stdio.h>

struct tttd_error;

extern const char *progname;
/* 0 = -q (errors only), 1 = default (warnings, summary), 2 = -v, 3 = -vv. */
extern int verbosity;

/* Set progname and the synopsis printed by usage_die(). */
void diag_init(const char *name, const char *synopsis);

void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void usage_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print at verbosity >= level. */
void note(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * The usage error for what getopt_long returned when it is not an option of
 * the tool: ':' (an option lacks its argument; the optstring starts with
 * ':') or '?' (unknown option).  Exits 2 like usage_die().
 */
void getopt_die(int c, char **argv) __attribute__((noreturn));
/* die() with the message lib/ left in e. */
void die_err(const struct tttd_error *e) __attribute__((noreturn));

/* --version output. */
void print_version(void);

/*
 * Progress: one '\r' line on stderr, only when enabled (isatty(2) or
 * --progress); progress_end() finishes it with a newline.
 */
extern int progress_enabled;
void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void progress_end(void);

/* fflush + ferror + fclose(stdout); dies with status 1 on failure. */
void close_stdout(void);

#endif
