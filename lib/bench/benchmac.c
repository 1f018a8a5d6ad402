/*
 * benchmac.c - the key and the HMAC of measured records (benchmac.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "benchmac.h"
#include "hash.h"

/*
 * What a measurement is: every key tttd-bench sets, in this order, but
 * "seed" and "tool", which every later stage stamps with its own (the
 * bench's seed is in the context).  The identity of the candidate (id,
 * task) is in too, so a MAC cannot be moved to another record.
 */
static const char *const measured[] = {
	"id",
	"task",
	"status",
	"reason",
	"time_ns",
	"ref_ns",
	"speedup",
	"timing",
	"check",
	"floor_ns",
	"baseline",
	"baseline_ns",
	"baseline_ratio",
	"device",
	"bench_ms",
	"stderr",
	NULL,
};

void
tttd_hmac_sha256(const unsigned char *key, size_t klen, const void *msg, size_t n,
		 unsigned char out[32])
{
	unsigned char k[64] = { 0 }, pad[64], inner[32];
	struct tttd_sha256 s;
	size_t i;

	if (klen > 64) {
		tttd_sha256_init(&s);
		tttd_sha256_update(&s, key, klen);
		tttd_sha256_final(&s, k);
	} else {
		memcpy(k, key, klen);
	}
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x36;
	tttd_sha256_init(&s);
	tttd_sha256_update(&s, pad, 64);
	tttd_sha256_update(&s, msg, n);
	tttd_sha256_final(&s, inner);
	for (i = 0; i < 64; i++)
		pad[i] = k[i] ^ 0x5c;
	tttd_sha256_init(&s);
	tttd_sha256_update(&s, pad, 64);
	tttd_sha256_update(&s, inner, 32);
	tttd_sha256_final(&s, out);
}

struct buf {
	char *p;
	size_t len, cap;
};

static void
put(struct buf *b, const void *p, size_t n)
{
	XGROW(b->p, b->cap, b->len + n + 1);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
put_u64(struct buf *b, uint64_t v)
{
	put(b, &v, sizeof(v));
}

/*
 * A value in a form that survives a trip through JSON (tttd-cat, jq): every
 * number as the double it denotes (jq writes 4657.0 as 4657), strings and
 * binaries as their bytes, arrays and maps in order, each with a tag and a
 * length, so that no two values serialize alike.
 */
static void
canon(struct buf *b, const msgpack_object *o)
{
	double d;
	uint32_t i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL: put(b, "n", 1); break;
	case MSGPACK_OBJECT_BOOLEAN: put(b, o->via.boolean ? "t" : "f", 1); break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		d = o->type == MSGPACK_OBJECT_POSITIVE_INTEGER   ? (double)o->via.u64
		    : o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ? (double)o->via.i64
								 : o->via.f64;
		put(b, "d", 1);
		put(b, &d, sizeof(d));
		break;
	case MSGPACK_OBJECT_STR:
		put(b, "s", 1);
		put_u64(b, o->via.str.size);
		put(b, o->via.str.ptr, o->via.str.size);
		break;
	case MSGPACK_OBJECT_BIN:
		put(b, "b", 1);
		put_u64(b, o->via.bin.size);
		put(b, o->via.bin.ptr, o->via.bin.size);
		break;
	case MSGPACK_OBJECT_ARRAY:
		put(b, "a", 1);
		put_u64(b, o->via.array.size);
		for (i = 0; i < o->via.array.size; i++)
			canon(b, &o->via.array.ptr[i]);
		break;
	case MSGPACK_OBJECT_MAP:
		put(b, "m", 1);
		put_u64(b, o->via.map.size);
		for (i = 0; i < o->via.map.size; i++) {
			canon(b, &o->via.map.ptr[i].key);
			canon(b, &o->via.map.ptr[i].val);
		}
		break;
	default: /* ext: not a measurement; its bytes are what they are */
		put(b, "x", 1);
		put_u64(b, o->via.ext.size);
		put(b, o->via.ext.ptr, o->via.ext.size);
		break;
	}
}

/* The MAC of r's measured keys in context, as 64 hex digits. */
static void
mac_hex(const unsigned char *key, const char *context, const struct tttd_rec *r, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	const char *tag = "tttd-bench-mac 1";
	struct buf b = { 0 };
	unsigned char d[32];
	size_t i;

	/* Each part with its length first, so no two messages concatenate alike. */
	put(&b, tag, strlen(tag) + 1);
	put_u64(&b, strlen(context));
	put(&b, context, strlen(context));
	for (i = 0; measured[i]; i++) {
		const struct tttd_field *f = tttd_rec_find(r, measured[i]);

		put(&b, measured[i], strlen(measured[i]) + 1);
		if (!f) {
			put(&b, "-", 1); /* absent */
			continue;
		}
		{
			msgpack_unpacked u;
			size_t off = 0;

			msgpack_unpacked_init(&u);
			if (msgpack_unpack_next(&u, f->val, f->vlen, &off) == MSGPACK_UNPACK_SUCCESS)
				canon(&b, &u.data);
			else
				put(&b, "?", 1);
			msgpack_unpacked_destroy(&u);
		}
	}
	tttd_hmac_sha256(key, TTTD_BENCH_KEY_LEN, b.p, b.len, d);
	free(b.p);
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[64] = '\0';
}

void
tttd_bench_mac_set(const unsigned char *key, const char *context, struct tttd_rec *r)
{
	char mac[65];

	mac_hex(key, context, r, mac);
	tttd_rec_set_str(r, "bench_mac", mac);
}

int
tttd_bench_mac_ok(const unsigned char *key, const char *context, const struct tttd_rec *r)
{
	char want[65];
	const char *got;
	size_t n, i;
	unsigned char diff = 0;

	if (tttd_rec_get_strn(r, "bench_mac", &got, &n) != 1 || n != 64)
		return 0;
	mac_hex(key, context, r, want);
	for (i = 0; i < 64; i++) /* in constant time, out of habit */
		diff |= (unsigned char)(want[i] ^ got[i]);
	return diff == 0;
}

void
tttd_bench_mac_strip(struct tttd_rec *r)
{
	static const char *const keys[] = { "time_ns", "ref_ns", "speedup", "timing", "check",
					    "floor_ns", "baseline", "baseline_ns",
					    "baseline_ratio", "bench_ms", "bench_mac", NULL };
	size_t i;

	for (i = 0; keys[i]; i++)
		tttd_rec_del(r, keys[i]);
}

int
tttd_bench_measured(const struct tttd_rec *r)
{
	return tttd_rec_str_is(r, "status", "ok") || tttd_rec_has(r, "time_ns") ||
	       tttd_rec_has(r, "timing");
}

/* A page for the key that forked children see zeroed. */
static unsigned char *
key_page(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	unsigned char *p = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				-1, 0);

	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_WIPEONFORK
	madvise(p, (size_t)pg, MADV_WIPEONFORK);
#endif
#ifdef MADV_DONTDUMP
	madvise(p, (size_t)pg, MADV_DONTDUMP);
#endif
	return p;
}

void
tttd_bench_key_free(unsigned char *key)
{
	if (key) {
		memset(key, 0, TTTD_BENCH_KEY_LEN);
		munmap(key, (size_t)sysconf(_SC_PAGESIZE));
	}
}

/* mkdir -p of dir's components with mode 0700 for those made. */
static int
mkdirs(const char *dir)
{
	char *p = xstrdup(dir), *s;
	int rc = 0;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			rc = -1;
		*s = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* Read or create the key file at path into key.  @return 0, or -1 with *why set. */
static int
key_file(const char *path, unsigned char *key, char **why)
{
	struct stat st;
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd >= 0) {
		if (getrandom(key, TTTD_BENCH_KEY_LEN, 0) != TTTD_BENCH_KEY_LEN ||
		    tttd_write_all(fd, key, TTTD_BENCH_KEY_LEN) < 0 || close(fd) < 0) {
			*why = xasprintf("cannot write '%s': %s", path, strerror(errno));
			unlink(path);
			return -1;
		}
		return 0;
	}
	if (errno != EEXIST) {
		*why = xasprintf("cannot create '%s': %s", path, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		*why = xasprintf("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	/* A key others can read or replace proves nothing. */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077)) {
		close(fd);
		*why = xasprintf("'%s' is not a private file of this user (mode 0600)", path);
		return -1;
	}
	n = read(fd, key, TTTD_BENCH_KEY_LEN);
	close(fd);
	if (n != TTTD_BENCH_KEY_LEN) {
		*why = xasprintf("'%s' does not hold a %d-byte key", path, TTTD_BENCH_KEY_LEN);
		return -1;
	}
	return 0;
}

int
tttd_bench_key_load(unsigned char **out, char **where, char **why, struct tttd_error *e)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	unsigned char *key = key_page();
	char *dir = NULL, *path = NULL;

	*out = NULL;
	*where = NULL;
	*why = NULL;
	TTTD_RETURN_IF(!key, e, TTTD_EIO, "cannot map a page for the bench key:");
	if (xdg && xdg[0] == '/')
		dir = xasprintf("%s/tttd", xdg);
	else if (home && home[0] == '/')
		dir = xasprintf("%s/.local/share/tttd", home);
	if (!dir) {
		*why = xstrdup("neither XDG_DATA_HOME nor HOME is set");
	} else if (mkdirs(dir) < 0) {
		*why = xasprintf("cannot create '%s': %s", dir, strerror(errno));
	} else {
		path = xasprintf("%s/bench.key", dir);
		if (key_file(path, key, why) == 0)
			*where = path, path = NULL;
	}
	free(dir);
	free(path);
	if (!*where && getrandom(key, TTTD_BENCH_KEY_LEN, 0) != TTTD_BENCH_KEY_LEN) {
		tttd_bench_key_free(key);
		return tttd_error_set(e, TTTD_EIO, "no random bytes for a bench key:");
	}
	*out = key;
	return TTTD_OK;
}
