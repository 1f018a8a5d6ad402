/*
 * test_cache.c - the compile cache: round trip, keys, and damaged entries
 * (corrupt, truncated, wrong magic) read as misses and are removed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "test.h"

static int
exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static void
rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(cmd);
}

int
main(void)
{
	char tmpl[] = "/tmp/tttd-test-cache-XXXXXX", *dir, *sub, *path;
	char k1[33], k2[33], k3[33];
	struct tttd_cache *c = NULL;
	struct tttd_error e = { 0 };
	const char data[] = "object bytes\0with a NUL";
	void *got = NULL;
	size_t n = 0;
	FILE *f;
	long sz;

	dir = mkdtemp(tmpl);
	T_CHECK("mkdtemp", dir != NULL);
	sub = xasprintf("%s/a/b/cache", dir);
	T_CHECK("open creates parents", tttd_cache_open(&c, sub, &e) == TTTD_OK);
	T_CHECK("directory exists", exists(sub));

	tttd_cache_key(k1, "cpu", "gcc 12", "x86_64", "-O2", "int x;", 6);
	tttd_cache_key(k2, "cpu", "gcc 12", "x86_64", "-O3", "int x;", 6);
	tttd_cache_key(k3, "cpu", "gcc 12", "x86_64", "-O2", "int x;", 6);
	T_CHECK("key is 32 hex", strlen(k1) == 32 && strspn(k1, "0123456789abcdef") == 32);
	T_CHECK("options change the key", strcmp(k1, k2) != 0);
	T_CHECK("key is deterministic", strcmp(k1, k3) == 0);
	tttd_cache_key(k3, "cpu", "gcc 12", "x86_64-O2", "", "int x;", 6);
	T_CHECK("fields do not run together", strcmp(k1, k3) != 0);
	tttd_cache_key(k3, "cpu", "gcc 13", "x86_64", "-O2", "int x;", 6);
	T_CHECK("compiler identity changes the key", strcmp(k1, k3) != 0);

	T_CHECK("miss before put", tttd_cache_get(c, k1, &got, &n, &e) == 0 && got == NULL);
	T_CHECK("put", tttd_cache_put(c, k1, data, sizeof(data), &e) == TTTD_OK);
	T_CHECK("hit after put", tttd_cache_get(c, k1, &got, &n, &e) == 1);
	T_CHECK("same bytes", got && n == sizeof(data) && memcmp(got, data, n) == 0);
	free(got);
	got = NULL;
	T_CHECK("put again (same key) is fine", tttd_cache_put(c, k1, data, sizeof(data), &e) == 0);
	T_CHECK("other key misses", tttd_cache_get(c, k2, &got, &n, &e) == 0);
	T_CHECK("empty payload", tttd_cache_put(c, k2, "", 0, &e) == 0 &&
					 tttd_cache_get(c, k2, &got, &n, &e) == 1 && n == 0);
	free(got);
	got = NULL;
	T_CHECK("bad key refused", tttd_cache_get(c, "../../etc/passwd", &got, &n, &e) == TTTD_EINVAL);
	T_CHECK("bad key refused on put", tttd_cache_put(c, "ABC", "x", 1, &e) == TTTD_EINVAL);

	path = tttd_cache_path(c, k1);
	T_CHECK("two-level path", strstr(path, "/cache/") && path[strlen(path) - 31] == '/');

	/* Flip one payload byte: the hash no longer matches. */
	f = fopen(path, "r+b");
	T_CHECK("open entry", f != NULL);
	if (f) {
		fseek(f, TTTD_CACHE_HEADER + 3, SEEK_SET);
		fputc('X', f);
		fclose(f);
	}
	T_CHECK("corrupt entry is a miss", tttd_cache_get(c, k1, &got, &n, &e) == 0 && !got);
	T_CHECK("corrupt entry removed", !exists(path));

	/* Truncate: the length no longer matches. */
	tttd_cache_put(c, k1, data, sizeof(data), &e);
	f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fclose(f);
	T_CHECK("entry has header + payload", sz == TTTD_CACHE_HEADER + (long)sizeof(data));
	T_CHECK("truncate", truncate(path, sz - 5) == 0);
	T_CHECK("truncated entry is a miss", tttd_cache_get(c, k1, &got, &n, &e) == 0);
	T_CHECK("truncated entry removed", !exists(path));

	/* Shorter than a header, and a wrong magic. */
	tttd_cache_put(c, k1, data, sizeof(data), &e);
	T_CHECK("truncate to 10", truncate(path, 10) == 0);
	T_CHECK("short entry is a miss", tttd_cache_get(c, k1, &got, &n, &e) == 0 && !exists(path));
	tttd_cache_put(c, k1, data, sizeof(data), &e);
	f = fopen(path, "r+b");
	if (f) {
		fputc('x', f);
		fclose(f);
	}
	T_CHECK("wrong magic is a miss", tttd_cache_get(c, k1, &got, &n, &e) == 0 && !exists(path));
	T_CHECK("put after damage works", tttd_cache_put(c, k1, data, sizeof(data), &e) == 0 &&
						  tttd_cache_get(c, k1, &got, &n, &e) == 1);
	free(got);
	free(path);

	/* A file where the directory should be. */
	path = xasprintf("%s/file", dir);
	f = fopen(path, "w");
	if (f)
		fclose(f);
	tttd_cache_free(c);
	c = NULL;
	T_CHECK("a file is not a cache", tttd_cache_open(&c, path, &e) == TTTD_EIO && !c);
	T_CHECK("message names it", strstr(e.msg, "cannot create cache directory") != NULL);
	free(path);

	tttd_cache_free(NULL);
	free(sub);
	rm_rf(dir);
	return T_DONE();
}
