/*
 * tttd.h - the parts of libtttd every module and tool shares: the error space,
 * the error context, allocation wrappers and the version.
 *
 * lib/ never prints to stdout and never exits (except through the OOM handler
 * and BUG()).  A function that can fail returns a negative enum tttd_err and,
 * when the caller passed a struct tttd_error, leaves a one-line message there
 * (lowercase, no final period, the subject quoted) that a tool can print as it is.
 */
#ifndef TTTD_H
#define TTTD_H

#include <stddef.h>
#include <stdint.h>

#define TTTD_VERSION "0.1.0"
#define TTTD_SCHEMA_VERSION 1

/* Stable numbers: they appear in records ("errno"-like) and must not move. */
enum tttd_err {
	TTTD_OK = 0,
	TTTD_EIO = -1,     /* read/write/open failed */
	TTTD_EFORMAT = -2, /* malformed stream, task file or record */
	TTTD_ENOMEM = -3,
	TTTD_ENODEV = -4,   /* no device / backend not built */
	TTTD_EGPU = -5,     /* device API error */
	TTTD_ECOMPILE = -6, /* a compiler failed (the candidate, not tttd) */
	TTTD_EINVAL = -7,   /* bad argument */
	TTTD_ENOENT = -8,   /* a named thing does not exist */
};

/* Where lib/ leaves the message of the last failure. */
struct tttd_error {
	int code;
	char msg[1024];
};

/* Return a static name for an enum tttd_err ("malformed input", ...). */
const char *tttd_strerror(int err);

/*
 * Set *e (may be NULL) to code and the printf-style message; a message
 * ending in ':' gets ": strerror(errno)" appended.  @return code, so that
 * `return tttd_error_set(e, TTTD_EIO, "cannot open '%s':", path);` reads well.
 */
int tttd_error_set(struct tttd_error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix an existing message: "ctx: old message". @return e->code. */
int tttd_error_prefix(struct tttd_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define TTTD_RETURN_IF(cond, e, code, ...)                               \
	do {                                                             \
		if (cond)                                                \
			return tttd_error_set((e), (code), __VA_ARGS__); \
	} while (0)

#define TTTD_TRY(expr)                      \
	do {                                \
		int tttd_try_r_ = (expr);   \
		if (tttd_try_r_ < 0)        \
			return tttd_try_r_; \
	} while (0)

/* A bug in tttd itself: print file:line and abort. */
#define BUG(msg) tttd_bug(__FILE__, __LINE__, (msg))
void tttd_bug(const char *file, int line, const char *msg) __attribute__((noreturn));

/*
 * Allocation never fails for the caller: on failure the OOM handler prints
 * the size to stderr and exits 1.  Call sites never check for NULL.
 */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grow *p (an array of *cap elements of size sz) to hold at least need. */
void xgrow(void **p, size_t *cap, size_t need, size_t sz);
#define XGROW(p, cap, need) xgrow((void **)&(p), &(cap), (need), sizeof(*(p)))
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Monotonic clock in nanoseconds. */
uint64_t tttd_now_ns(void);

/*
 * Whole-file I/O with EINTR retried and short counts looped, shared by the
 * task loader, the compile cache, the CPU compiler and the stream writer.
 * @return 0, or -1 with errno set (nothing allocated on failure).
 */
int tttd_write_all(int fd, const void *p, size_t n);
/* Read fd to its end into a new buffer with a NUL after the n bytes. */
int tttd_read_fd(int fd, char **out, size_t *n);
/* tttd_read_fd of the file at path (n may be NULL). */
int tttd_read_file(const char *path, char **out, size_t *n);
/*
 * The name to write before renaming onto path ("path.tmp", newly allocated),
 * so that path never holds a half-written file; or NULL where path exists and
 * is not a plain file (/dev/null, a FIFO, /dev/stdout): renaming over those
 * would replace the device or the link itself (as root, /dev/null becomes a
 * file), so such a path is written in place.
 */
char *tttd_tmp_path_for(const char *path);
/*
 * The folder of the running executable (/proc/self/exe without its last
 * component), newly allocated, or NULL where it cannot be read.  Tools find
 * what was installed with them (tasks) relative to it.
 */
char *tttd_exe_dir(void);

/*
 * A time for people, the one format every tool and report uses so that the
 * same measurement reads the same everywhere: "1.234 ms" from 1 ms up,
 * "812.3 us" from 10 us, "4.56 us" below; "-" for none (ns <= 0).
 */
void tttd_format_ns(double ns, char *buf, size_t n);

#endif
