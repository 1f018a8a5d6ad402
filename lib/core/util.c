/*
 * util.c - error context, allocation wrappers, whole-file I/O and the clock
 * shared by lib/.
 * Nothing here prints except the OOM handler and BUG(), which end the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tttd.h"

const char *
tttd_strerror(int err)
{
	switch (err) {
	case TTTD_OK: return "success";
	case TTTD_EIO: return "input/output error";
	case TTTD_EFORMAT: return "malformed input";
	case TTTD_ENOMEM: return "out of memory";
	case TTTD_ENODEV: return "no device";
	case TTTD_EGPU: return "device error";
	case TTTD_ECOMPILE: return "compile error";
	case TTTD_EINVAL: return "invalid argument";
	case TTTD_ENOENT: return "not found";
	}
	return "unknown error";
}

static void
vset(char *buf, size_t n, const char *fmt, va_list ap, int saved_errno)
{
	size_t len;

	vsnprintf(buf, n, fmt, ap);
	len = strlen(buf);
	if (len > 0 && buf[len - 1] == ':')
		snprintf(buf + len, n - len, " %s", strerror(saved_errno));
}

int
tttd_error_set(struct tttd_error *e, int code, const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vset(e->msg, sizeof(e->msg), fmt, ap, saved_errno);
	va_end(ap);
	return code;
}

int
tttd_error_prefix(struct tttd_error *e, const char *fmt, ...)
{
	char pre[512], old[sizeof(e->msg)];
	va_list ap;

	if (!e)
		return TTTD_EINVAL;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof(old));
	snprintf(e->msg, sizeof(e->msg), "%.500s: %.500s", pre, old);
	return e->code;
}

void
tttd_bug(const char *file, int line, const char *msg)
{
	fprintf(stderr, "BUG: %s:%d: %s\n", file, line, msg);
	abort();
}

static void __attribute__((noreturn))
oom(size_t n)
{
	fprintf(stderr, "tttd: out of memory allocating %zu bytes\n", n);
	exit(1);
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	if (n) /* an empty msgpack string may come with a NULL pointer */
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
xgrow(void **p, size_t *cap, size_t need, size_t sz)
{
	size_t c = *cap ? *cap : 8;

	if (need <= *cap)
		return;
	while (c < need)
		c *= 2;
	*p = xrealloc(*p, c * sz);
	*cap = c;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	int n;
	char *s;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	s = xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

uint64_t
tttd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int
tttd_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int
tttd_read_fd(int fd, char **out, size_t *n)
{
	char *buf = NULL;
	size_t len = 0, cap = 0;

	for (;;) {
		ssize_t r;

		XGROW(buf, cap, len + 65536);
		r = read(fd, buf + len, cap - len - 1); /* room for the NUL */
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;

			free(buf);
			errno = saved;
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*out = buf;
	*n = len;
	return 0;
}

char *
tttd_tmp_path_for(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return NULL;
	return xasprintf("%s.tmp", path);
}

int
tttd_read_file(const char *path, char **out, size_t *n)
{
	size_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r, saved;

	if (fd < 0)
		return -1;
	r = tttd_read_fd(fd, out, &len);
	saved = errno;
	close(fd);
	errno = saved;
	if (r == 0 && n)
		*n = len;
	return r;
}

char *
tttd_exe_dir(void)
{
	char buf[4096], *slash;
	ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (n <= 0 || (size_t)n >= sizeof(buf) - 1)
		return NULL;
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	return xstrdup(slash == buf ? "/" : buf);
}

void
tttd_format_ns(double ns, char *buf, size_t n)
{
	if (!(ns > 0))
		snprintf(buf, n, "-");
	else if (ns >= 1e6)
		snprintf(buf, n, "%.3f ms", ns / 1e6);
	else if (ns >= 1e4)
		snprintf(buf, n, "%.1f us", ns / 1e3);
	else
		snprintf(buf, n, "%.2f us", ns / 1e3);
}
