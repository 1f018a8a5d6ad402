/*
 * stream.c - record streams: readers that take raw or zstd msgpack (in any
 * concatenation) and writers that write either, with tmp+rename for paths.
 *
 * Reader.  Two buffers: `in` holds bytes as read from the input, `out` the
 * decoded stream (a plain copy of raw bytes, or zstd output).  At every
 * record boundary in raw mode the next byte is sniffed: a record is a map, so
 * its first byte is never 0x28, the first byte of the zstd magic; when the
 * magic is found the raw bytes not yet parsed go back to `in` and are
 * decompressed.  At the end of each zstd frame the next input bytes decide
 * between another frame and raw msgpack.  This is what makes raw+raw,
 * zstd+zstd and raw+zstd concatenations all valid streams.
 *
 * Records are not parsed with msgpack_unpacker: it swallows every byte it is
 * fed, and the boundary sniffing needs the exact extent of each record.  So a
 * small scanner (mp_extent) finds where a record ends without allocating
 * anything (a corrupt header claiming 2^32 elements costs nothing until the
 * bytes are there), and only a complete record is handed to msgpack_unpack.
 *
 * Writer.  Records are packed into a buffer and written with write(2) when
 * it fills, at each record for pipes, and at close; with zstd each such
 * drain is one whole frame, so a killed writer leaves whole frames only.
 *
 * Neither side knows what the keys mean beyond the schema version "v".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "rec.h"
#include "stream.h"

#define CHUNK (64 * 1024)
#define WBUF_MAX (256 * 1024) /* bytes of packed records per drain (and zstd frame) */

/* clang-format off */
enum mode { RAW, FRAME };
/* clang-format on */

struct tttd_reader {
	int fd; /* -1 for a memory reader */
	int own_fd;
	int eof; /* fd has reported end of file */
	char *name;
	unsigned char *in;
	size_t in_pos, in_len, in_cap;
	unsigned char *out;
	size_t out_pos, out_len, out_cap;
	size_t raw_start; /* in RAW mode, out[raw_start..] are raw input bytes */
	uint64_t base;    /* decoded offset of out[0] */
	uint64_t count;
	enum mode mode;
	int compressed;
	ZSTD_DCtx *dctx;
	msgpack_zone zone;
	int err; /* sticky error code, with errmsg */
	char errmsg[sizeof(((struct tttd_error *)0)->msg)];
};

static const unsigned char zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };

static struct tttd_reader *
reader_new(int fd, const char *name)
{
	struct tttd_reader *rd = xcalloc(1, sizeof(*rd));

	rd->fd = fd;
	rd->name = xstrdup(name ? name : "-");
	rd->mode = RAW;
	msgpack_zone_init(&rd->zone, 4096);
	return rd;
}

int
tttd_reader_open(struct tttd_reader **out, const char *path, int force, struct tttd_error *e)
{
	int fd = 0;

	*out = NULL;
	if (path && strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		TTTD_RETURN_IF(fd < 0, e, errno == ENOENT ? TTTD_ENOENT : TTTD_EIO,
			       "cannot open '%s':", path);
	}
	if (!force && isatty(fd)) {
		if (fd != 0)
			close(fd);
		return tttd_error_set(e, TTTD_EINVAL,
				      "refusing to read binary records from a terminal (use -f)");
	}
	*out = reader_new(fd, path ? path : "-");
	(*out)->own_fd = fd != 0;
	return TTTD_OK;
}

struct tttd_reader *
tttd_reader_fdopen(int fd, const char *name)
{
	return reader_new(fd, name);
}

struct tttd_reader *
tttd_reader_mem(const void *p, size_t n, const char *name)
{
	struct tttd_reader *rd = reader_new(-1, name);

	rd->eof = 1;
	rd->in = xmalloc(n ? n : 1);
	if (n)
		memcpy(rd->in, p, n);
	rd->in_len = rd->in_cap = n;
	return rd;
}

void
tttd_reader_free(struct tttd_reader *rd)
{
	if (!rd)
		return;
	if (rd->own_fd)
		close(rd->fd);
	ZSTD_freeDCtx(rd->dctx);
	msgpack_zone_destroy(&rd->zone);
	free(rd->in);
	free(rd->out);
	free(rd->name);
	free(rd);
}

uint64_t
tttd_reader_count(const struct tttd_reader *rd)
{
	return rd->count;
}

uint64_t
tttd_reader_offset(const struct tttd_reader *rd)
{
	return rd->base + rd->out_pos;
}

int
tttd_reader_compressed(const struct tttd_reader *rd)
{
	return rd->compressed;
}

/* Keep err as the reader's sticky error and give it to the caller (e may be NULL). */
static int
stick(struct tttd_reader *rd, struct tttd_error *e, const struct tttd_error *err)
{
	rd->err = err->code;
	memcpy(rd->errmsg, err->msg, sizeof(rd->errmsg));
	return tttd_error_set(e, err->code, "%s", err->msg);
}

/* Make the error sticky and give it to the caller. */
static int
fail(struct tttd_reader *rd, struct tttd_error *e, int code, const char *what, const char *detail)
{
	struct tttd_error tmp;

	tttd_error_set(&tmp, code, "'%s': %s record %" PRIu64 " at byte %" PRIu64 "%s%s",
		       rd->name, what, rd->count, rd->base + rd->out_pos, detail ? ": " : "",
		       detail ? detail : "");
	return stick(rd, e, &tmp);
}

/* Make in hold at least need unread bytes, or all that is left.  @return < 0 on error. */
static int
fill_in(struct tttd_reader *rd, size_t need, struct tttd_error *e)
{
	ssize_t got;

	while (rd->in_len - rd->in_pos < need && !rd->eof) {
		if (rd->in_pos > 0) {
			memmove(rd->in, rd->in + rd->in_pos, rd->in_len - rd->in_pos);
			rd->in_len -= rd->in_pos;
			rd->in_pos = 0;
		}
		XGROW(rd->in, rd->in_cap, rd->in_len + CHUNK);
		got = read(rd->fd, rd->in + rd->in_len, rd->in_cap - rd->in_len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			struct tttd_error tmp;

			tttd_error_set(&tmp, TTTD_EIO, "cannot read '%s':", rd->name);
			return stick(rd, e, &tmp);
		}
		if (got == 0)
			rd->eof = 1;
		rd->in_len += (size_t)got;
	}
	return TTTD_OK;
}

static void
out_reserve(struct tttd_reader *rd, size_t extra)
{
	XGROW(rd->out, rd->out_cap, rd->out_len + extra);
}

/*
 * Move raw input bytes into out (at most a chunk, or as much as is already
 * buffered there, so a large record costs geometric, not quadratic, work).
 * @return bytes moved (0 at end of input), or < 0.
 */
static int64_t
pull_raw(struct tttd_reader *rd, struct tttd_error *e)
{
	size_t n, want = rd->out_len - rd->out_pos;

	if (want < CHUNK)
		want = CHUNK;
	TTTD_TRY(fill_in(rd, 1, e));
	n = rd->in_len - rd->in_pos;
	if (n > want)
		n = want;
	if (n == 0)
		return 0;
	out_reserve(rd, n);
	memcpy(rd->out + rd->out_len, rd->in + rd->in_pos, n);
	rd->out_len += n;
	rd->in_pos += n;
	return (int64_t)n;
}

static int
is_frame_start(const unsigned char *p, size_t n)
{
	if (n < 4)
		return 0;
	if (memcmp(p, zstd_magic, 4) == 0)
		return 1;
	/* Skippable frames (0x184D2A5?, little endian); ZSTD_decompressStream skips them. */
	return (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18;
}

/* Decompress some more into out.  @return 1 progress, 0 input ended inside a frame, < 0. */
static int
pull_zstd(struct tttd_reader *rd, struct tttd_error *e)
{
	ZSTD_inBuffer ib;
	ZSTD_outBuffer ob;
	size_t ret;

	TTTD_TRY(fill_in(rd, 1, e));
	if (rd->in_pos == rd->in_len)
		return 0;
	if (!rd->dctx)
		rd->dctx = ZSTD_createDCtx();
	if (!rd->dctx)
		return tttd_error_set(e, TTTD_ENOMEM, "cannot create a zstd context");
	out_reserve(rd, ZSTD_DStreamOutSize());
	ib.src = rd->in + rd->in_pos;
	ib.size = rd->in_len - rd->in_pos;
	ib.pos = 0;
	ob.dst = rd->out + rd->out_len;
	ob.size = rd->out_cap - rd->out_len;
	ob.pos = 0;
	ret = ZSTD_decompressStream(rd->dctx, &ob, &ib);
	if (ZSTD_isError(ret)) {
		char detail[160];

		snprintf(detail, sizeof(detail), "zstd: %s", ZSTD_getErrorName(ret));
		return fail(rd, e, TTTD_EFORMAT, "corrupt", detail);
	}
	rd->in_pos += ib.pos;
	rd->out_len += ob.pos;
	if (ret == 0) {
		/*
		 * End of a frame.  Do not peek at the input now: on a live pipe
		 * that would hold back the record just decoded until the next
		 * one arrives.  Raw mode sniffs at the next record boundary, and
		 * the caller checks for a frame continuing a split record.
		 */
		rd->mode = RAW;
		rd->raw_start = rd->out_len;
	}
	return 1;
}

static uint64_t
be(const unsigned char *p, int k)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < k; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Find the length of the msgpack object at p without building it.
 * @return 1 complete (*len set), 0 needs more bytes, -1 not msgpack.
 */
static int
mp_extent(const unsigned char *p, size_t n, size_t *len)
{
	uint64_t pending = 1, body, items;
	size_t i = 0;
	int k; /* bytes of the length/count field after the type byte */

	while (pending > 0) {
		unsigned c;

		if (i >= n)
			return 0;
		c = p[i];
		pending--;
		body = items = 0;
		k = 0;
		if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
			;
		else if (c <= 0x8f)
			items = 2 * (uint64_t)(c & 0x0f);
		else if (c <= 0x9f)
			items = c & 0x0f;
		else if (c <= 0xbf)
			body = c & 0x1f;
		else if (c == 0xc1)
			return -1;
		else if (c >= 0xc4 && c <= 0xc6)
			k = 1 << (c - 0xc4); /* bin 8/16/32 */
		else if (c >= 0xc7 && c <= 0xc9)
			k = 1 << (c - 0xc7), body = 1; /* ext 8/16/32: + type byte */
		else if (c == 0xca)
			body = 4;
		else if (c == 0xcb)
			body = 8;
		else if (c >= 0xcc && c <= 0xcf)
			body = 1u << (c - 0xcc);
		else if (c >= 0xd0 && c <= 0xd3)
			body = 1u << (c - 0xd0);
		else if (c >= 0xd4 && c <= 0xd8)
			body = 1 + (1u << (c - 0xd4)); /* fixext */
		else if (c >= 0xd9 && c <= 0xdb)
			k = 1 << (c - 0xd9); /* str 8/16/32 */
		else if (c == 0xdc || c == 0xdd)
			k = c == 0xdc ? 2 : 4, items = 1; /* array: count below */
		else                                      /* 0xde, 0xdf: map */
			k = c == 0xde ? 2 : 4, items = 2;
		i++;
		if (k) {
			uint64_t v;

			if (n - i < (size_t)k)
				return 0;
			v = be(p + i, k);
			i += (size_t)k;
			if (items)
				items *= v;
			else
				body += v;
		}
		if (body > n - i)
			return 0;
		i += (size_t)body;
		pending += items;
	}
	*len = i;
	return 1;
}

static int
is_map_byte(unsigned char c)
{
	return (c >= 0x80 && c <= 0x8f) || c == 0xde || c == 0xdf;
}

/* Decode the complete record of len bytes at out_pos into r. */
static int
decode(struct tttd_reader *rd, size_t len, struct tttd_rec *r, struct tttd_error *e)
{
	struct tttd_error sub;
	msgpack_object o;
	size_t off = 0;
	int64_t v;
	int rc;

	msgpack_zone_clear(&rd->zone);
	rc = msgpack_unpack((const char *)rd->out + rd->out_pos, len, &off, &rd->zone, &o);
	if (rc != MSGPACK_UNPACK_SUCCESS && rc != MSGPACK_UNPACK_EXTRA_BYTES)
		return fail(rd, e, TTTD_EFORMAT, "corrupt",
			    rc == MSGPACK_UNPACK_NOMEM_ERROR ? "nested too deep" : "bad msgpack");
	if (tttd_rec_from_object(r, &o, &sub) < 0)
		return fail(rd, e, TTTD_EFORMAT, "corrupt", sub.msg);
	rc = tttd_rec_get_int(r, "v", &v);
	if (rc == 0)
		return fail(rd, e, TTTD_EFORMAT, "corrupt", "no schema version \"v\"");
	if (rc < 0 || v < 1 || v > TTTD_SCHEMA_VERSION) {
		char detail[64];

		if (rc < 0)
			snprintf(detail, sizeof(detail), "\"v\" is not an integer");
		else
			snprintf(detail, sizeof(detail), "unknown schema version %" PRId64, v);
		return fail(rd, e, TTTD_EFORMAT, "corrupt", detail);
	}
	return TTTD_OK;
}

int
tttd_reader_next(struct tttd_reader *rd, struct tttd_rec *r, struct tttd_error *e)
{
	int64_t got;
	size_t avail, len;
	int x;

	if (rd->err)
		return tttd_error_set(e, rd->err, "%s", rd->errmsg);
	/* Drop what earlier records used; cheap because it is done rarely. */
	if (rd->out_pos > 0 && (rd->out_pos == rd->out_len || rd->out_pos >= CHUNK)) {
		if (rd->out_len > rd->out_pos)
			memmove(rd->out, rd->out + rd->out_pos, rd->out_len - rd->out_pos);
		rd->base += rd->out_pos;
		rd->raw_start = rd->raw_start > rd->out_pos ? rd->raw_start - rd->out_pos : 0;
		rd->out_len -= rd->out_pos;
		rd->out_pos = 0;
	}
	for (;;) {
		avail = rd->out_len - rd->out_pos;
		if (rd->mode == RAW && rd->out_pos >= rd->raw_start && avail < 4 && !rd->eof) {
			/* Enough bytes to sniff at the boundary. */
			got = pull_raw(rd, e);
			if (got < 0)
				return (int)got;
			if (got > 0)
				continue;
		}
		avail = rd->out_len - rd->out_pos;
		if (rd->mode == RAW && rd->out_pos >= rd->raw_start && avail == 0) {
			got = pull_raw(rd, e);
			if (got < 0)
				return (int)got;
			if (got == 0)
				return 0; /* clean end between records */
			continue;
		}
		if (rd->mode == RAW && rd->out_pos >= rd->raw_start &&
		    is_frame_start(rd->out + rd->out_pos, avail)) {
			/* The unparsed tail is raw input: give it back and decompress. */
			size_t tail = avail, left = rd->in_len - rd->in_pos;

			if (rd->in_pos >= tail) {
				rd->in_pos -= tail;
			} else {
				XGROW(rd->in, rd->in_cap, tail + left);
				memmove(rd->in + tail, rd->in + rd->in_pos, left);
				rd->in_pos = 0;
				rd->in_len = tail + left;
			}
			memcpy(rd->in + rd->in_pos, rd->out + rd->out_pos, tail);
			rd->out_len = rd->out_pos;
			rd->mode = FRAME;
			rd->compressed = 1;
			if (rd->dctx)
				ZSTD_DCtx_reset(rd->dctx, ZSTD_reset_session_only);
			continue;
		}
		if (avail > 0) {
			if (!is_map_byte(rd->out[rd->out_pos]))
				return fail(rd, e, TTTD_EFORMAT, "corrupt", "not a map");
			x = mp_extent(rd->out + rd->out_pos, avail, &len);
			if (x < 0)
				return fail(rd, e, TTTD_EFORMAT, "corrupt", "bad msgpack");
			if (x == 1) {
				TTTD_TRY(decode(rd, len, r, e));
				rd->out_pos += len;
				rd->count++;
				return 1;
			}
		}
		if (rd->mode == RAW && rd->out_pos < rd->raw_start && rd->raw_start == rd->out_len) {
			/* A frame ended inside this record: does another frame go on? */
			TTTD_TRY(fill_in(rd, 4, e));
			if (is_frame_start(rd->in + rd->in_pos, rd->in_len - rd->in_pos)) {
				rd->mode = FRAME;
				continue;
			}
		}
		got = rd->mode == FRAME ? pull_zstd(rd, e) : pull_raw(rd, e);
		if (got < 0)
			return (int)got;
		if (got == 0)
			return fail(rd, e, TTTD_EFORMAT, "truncated", NULL);
	}
}

/* ---- writer ---- */

struct tttd_writer {
	int fd;
	char *path; /* final path, NULL for stdout */
	char *tmp;  /* path being written, NULL when appending or stdout */
	char *name; /* for messages */
	unsigned flags;
	int per_record;
	ZSTD_CCtx *cctx;
	msgpack_sbuffer buf;
	msgpack_packer pk;
	void *zbuf;
	size_t zcap;
};

static int
has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && strcmp(s + n - m, suf) == 0;
}

static void
writer_free(struct tttd_writer *w)
{
	if (w->fd > 1)
		close(w->fd);
	ZSTD_freeCCtx(w->cctx);
	msgpack_sbuffer_destroy(&w->buf);
	free(w->zbuf);
	free(w->path);
	free(w->tmp);
	free(w->name);
	free(w);
}

int
tttd_writer_open(struct tttd_writer **out, const char *path, unsigned flags, struct tttd_error *e)
{
	struct tttd_writer *w;
	struct stat st;

	*out = NULL;
	w = xcalloc(1, sizeof(*w));
	w->fd = 1;
	if (path && strcmp(path, "-") != 0) {
		w->path = xstrdup(path);
		w->name = xasprintf("'%s'", path);
		if (has_suffix(path, ".zst"))
			flags |= TTTD_W_ZSTD;
		if (flags & TTTD_W_APPEND) {
			w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		} else {
			w->tmp = tttd_tmp_path_for(path);
			w->fd = open(w->tmp ? w->tmp : path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
				     0666);
		}
		if (w->fd < 0) {
			tttd_error_set(e, TTTD_EIO, "cannot create '%s':", w->tmp ? w->tmp : path);
			w->fd = -1;
			writer_free(w);
			return TTTD_EIO;
		}
	} else {
		w->name = xstrdup("standard output");
	}
	w->flags = flags;
	if (!(flags & TTTD_W_FORCE) && isatty(w->fd)) {
		tttd_writer_abort(w);
		return tttd_error_set(e, TTTD_EINVAL,
				      "refusing to write binary records to a terminal "
				      "(use -f or tttd-cat)");
	}
	w->per_record = (flags & TTTD_W_UNBUFFERED) ||
			(fstat(w->fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)));
	msgpack_sbuffer_init(&w->buf);
	msgpack_packer_init(&w->pk, &w->buf, msgpack_sbuffer_write);
	*out = w;
	return TTTD_OK;
}

static int
write_all(struct tttd_writer *w, const void *p, size_t n, struct tttd_error *e)
{
	TTTD_RETURN_IF(tttd_write_all(w->fd, p, n) < 0, e, TTTD_EIO, "cannot write %s:", w->name);
	return TTTD_OK;
}

/* Write out the buffered records (one whole zstd frame when compressing). */
static int
drain(struct tttd_writer *w, struct tttd_error *e)
{
	size_t n = w->buf.size, bound, z;
	int rc;

	if (n == 0)
		return TTTD_OK;
	if (!(w->flags & TTTD_W_ZSTD)) {
		rc = write_all(w, w->buf.data, n, e);
	} else {
		if (!w->cctx) {
			w->cctx = ZSTD_createCCtx();
			TTTD_RETURN_IF(!w->cctx, e, TTTD_ENOMEM, "cannot create a zstd context");
			/* A checksum per frame: a flipped bit is an error, not a wrong record. */
			ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
		}
		bound = ZSTD_compressBound(n);
		if (bound > w->zcap) {
			w->zbuf = xrealloc(w->zbuf, bound);
			w->zcap = bound;
		}
		z = ZSTD_compress2(w->cctx, w->zbuf, w->zcap, w->buf.data, n);
		TTTD_RETURN_IF(ZSTD_isError(z), e, TTTD_EIO, "zstd: %s", ZSTD_getErrorName(z));
		rc = write_all(w, w->zbuf, z, e);
	}
	w->buf.size = 0;
	return rc;
}

int
tttd_writer_write(struct tttd_writer *w, const struct tttd_rec *r, struct tttd_error *e)
{
	tttd_rec_pack(r, &w->pk);
	if (w->per_record || w->buf.size >= WBUF_MAX)
		return drain(w, e);
	return TTTD_OK;
}

int
tttd_writer_flush(struct tttd_writer *w, struct tttd_error *e)
{
	return drain(w, e);
}

int
tttd_writer_close(struct tttd_writer *w, struct tttd_error *e)
{
	int rc;

	if (!w)
		return TTTD_OK;
	rc = drain(w, e);
	if (rc == TTTD_OK && w->fd > 1 && close(w->fd) != 0)
		rc = tttd_error_set(e, TTTD_EIO, "cannot close %s:", w->name);
	if (w->fd > 1)
		w->fd = -1; /* closed (or failed to), either way not ours any more */
	if (rc == TTTD_OK && w->tmp && rename(w->tmp, w->path) != 0)
		rc = tttd_error_set(e, TTTD_EIO, "cannot rename '%s' to '%s':", w->tmp, w->path);
	if (rc != TTTD_OK && w->tmp)
		unlink(w->tmp);
	writer_free(w);
	return rc;
}

void
tttd_writer_abort(struct tttd_writer *w)
{
	if (!w)
		return;
	if (w->fd > 1)
		close(w->fd);
	w->fd = -1;
	if (w->tmp)
		unlink(w->tmp);
	writer_free(w);
}
