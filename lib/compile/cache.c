/*
 * cache.c - the content-addressed compile cache (see cache.h for the layout).
 *
 * It stores and verifies opaque payloads; it does not know what a compile
 * result is (compile.c does), does not evict, and does not lock: atomic
 * rename is the only synchronisation it needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "hash.h"

struct tttd_cache {
	char *dir;
};

/* mkdir -p; @return 0 or -1 with errno. */
static int
mkdirs(const char *path)
{
	char *p = xstrdup(path), *s;
	struct stat st;
	int r = 0;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			r = -1;
			break;
		}
		*s = '/';
	}
	if (r == 0 && mkdir(p, 0777) < 0 && errno != EEXIST)
		r = -1;
	if (r == 0 && (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))) {
		if (errno == 0)
			errno = ENOTDIR;
		r = -1;
	}
	free(p);
	return r;
}

int
tttd_cache_open(struct tttd_cache **out, const char *dir, struct tttd_error *e)
{
	struct tttd_cache *c;

	*out = NULL;
	TTTD_RETURN_IF(!dir || !*dir, e, TTTD_EINVAL, "empty cache directory name");
	errno = 0;
	TTTD_RETURN_IF(mkdirs(dir) < 0, e, TTTD_EIO, "cannot create cache directory '%s':", dir);
	c = xcalloc(1, sizeof(*c));
	c->dir = xstrdup(dir);
	*out = c;
	return TTTD_OK;
}

void
tttd_cache_free(struct tttd_cache *c)
{
	if (!c)
		return;
	free(c->dir);
	free(c);
}

void
tttd_cache_key(char out[33], const char *target, const char *identity, const char *arch,
	       const char *options, const void *src, size_t n)
{
	struct tttd_sha256 s;
	char len[32];

	tttd_sha256_init(&s);
	/* Bump the tag when the key's meaning changes, so old entries miss. */
	tttd_sha256_field(&s, "tttd-cache-key-1");
	tttd_sha256_field(&s, target ? target : "");
	tttd_sha256_field(&s, identity ? identity : "");
	tttd_sha256_field(&s, arch ? arch : "");
	tttd_sha256_field(&s, options ? options : "");
	/* The source last, length-prefixed: it may hold any bytes. */
	snprintf(len, sizeof(len), "%zu", n);
	tttd_sha256_field(&s, len);
	tttd_sha256_update(&s, src, n);
	tttd_sha256_id(&s, out);
}

static int
key_ok(const char *key)
{
	size_t i;

	for (i = 0; key[i]; i++)
		if (!((key[i] >= '0' && key[i] <= '9') || (key[i] >= 'a' && key[i] <= 'f')))
			return 0;
	return i == TTTD_ID_LEN;
}

char *
tttd_cache_path(const struct tttd_cache *c, const char *key)
{
	return xasprintf("%s/%.2s/%s", c->dir, key, key + 2);
}

static void
put_le(unsigned char *p, uint64_t v, int bytes)
{
	int i;

	for (i = 0; i < bytes; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	int i;

	for (i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
header_fill(unsigned char h[TTTD_CACHE_HEADER], const void *payload, size_t n)
{
	struct tttd_sha256 s;

	memset(h, 0, TTTD_CACHE_HEADER);
	memcpy(h, TTTD_CACHE_MAGIC, 8);
	put_le(h + 8, TTTD_CACHE_FORMAT, 4);
	put_le(h + 16, n, 8);
	tttd_sha256_init(&s);
	tttd_sha256_update(&s, payload, n);
	tttd_sha256_final(&s, h + 24);
}

int
tttd_cache_get(struct tttd_cache *c, const char *key, void **payload, size_t *n,
	       struct tttd_error *e)
{
	unsigned char *buf = NULL, want[TTTD_CACHE_HEADER];
	char *path;
	size_t len, plen;
	int fd, r = 0;

	*payload = NULL;
	*n = 0;
	TTTD_RETURN_IF(!key_ok(key), e, TTTD_EINVAL, "malformed cache key '%s'", key);
	path = tttd_cache_path(c, key);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			r = tttd_error_set(e, TTTD_EIO, "cannot open cache entry '%s':", path);
		goto out;
	}
	if (tttd_read_fd(fd, (char **)&buf, &len) < 0) {
		r = tttd_error_set(e, TTTD_EIO, "cannot read cache entry '%s':", path);
		goto out;
	}
	/* Every check below failing means a damaged entry: a miss, removed. */
	if (len < TTTD_CACHE_HEADER || memcmp(buf, TTTD_CACHE_MAGIC, 8) != 0 ||
	    get_le(buf + 8, 4) != TTTD_CACHE_FORMAT)
		goto damaged;
	plen = (size_t)get_le(buf + 16, 8);
	if (plen != len - TTTD_CACHE_HEADER)
		goto damaged;
	header_fill(want, buf + TTTD_CACHE_HEADER, plen);
	if (memcmp(want + 24, buf + 24, 32) != 0)
		goto damaged;
	*payload = xmalloc(plen ? plen : 1);
	memcpy(*payload, buf + TTTD_CACHE_HEADER, plen);
	*n = plen;
	r = 1;
	goto out;
damaged:
	/*
	 * NEEDSWORK: a writer may have renamed a good entry over this path
	 * since we read it; we then remove a good entry, which costs one
	 * recompile, never a wrong object.
	 */
	unlink(path);
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(path);
	return r;
}

int
tttd_cache_put(struct tttd_cache *c, const char *key, const void *payload, size_t n,
	       struct tttd_error *e)
{
	unsigned char h[TTTD_CACHE_HEADER];
	char *sub = NULL, *tmp = NULL, *path = NULL;
	int fd = -1, made = 0, r = TTTD_OK;

	TTTD_RETURN_IF(!key_ok(key), e, TTTD_EINVAL, "malformed cache key '%s'", key);
	sub = xasprintf("%s/%.2s", c->dir, key);
	if (mkdir(sub, 0777) < 0 && errno != EEXIST) {
		r = tttd_error_set(e, TTTD_EIO, "cannot create '%s':", sub);
		goto out;
	}
	/* A unique temporary per writer (threads and processes alike). */
	tmp = xasprintf("%s/.tmp-%s-XXXXXX", sub, key + 2);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = tttd_error_set(e, TTTD_EIO, "cannot create '%s':", tmp);
		goto out;
	}
	made = 1;
	header_fill(h, payload, n);
	if (tttd_write_all(fd, h, sizeof(h)) < 0 || tttd_write_all(fd, payload, n) < 0) {
		r = tttd_error_set(e, TTTD_EIO, "cannot write '%s':", tmp);
		goto out;
	}
	if (close(fd) < 0) {
		fd = -1;
		r = tttd_error_set(e, TTTD_EIO, "cannot write '%s':", tmp);
		goto out;
	}
	fd = -1;
	path = tttd_cache_path(c, key);
	if (rename(tmp, path) < 0) {
		r = tttd_error_set(e, TTTD_EIO, "cannot rename '%s' to '%s':", tmp, path);
		goto out;
	}
out:
	if (fd >= 0)
		close(fd);
	if (r < 0 && made)
		unlink(tmp);
	free(sub);
	free(tmp);
	free(path);
	return r;
}
