/*
 * bench_frame.c - what parent and worker say to each other over their
 * socketpair: frames of a 4-byte little-endian length and one msgpack
 * record, sent with MSG_NOSIGNAL (a dead peer is an EPIPE to handle, never
 * a SIGPIPE that would kill tttd-bench) and read against a deadline; and
 * the error a worker replies with (keys _code, _error: for the parent only).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "bench.h"
#include "bench_int.h"

static int
send_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = send(fd, c, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* @return 0, or -1 with errno set (EPIPE: the peer is gone). */
int
tttd_bench_send_rec(int fd, const struct tttd_rec *r)
{
	struct tttd_pack p;
	unsigned char hdr[4];
	int rc;

	tttd_pack_init(&p);
	tttd_rec_pack(r, &p.pk);
	hdr[0] = (unsigned char)(p.sb.size & 0xff);
	hdr[1] = (unsigned char)((p.sb.size >> 8) & 0xff);
	hdr[2] = (unsigned char)((p.sb.size >> 16) & 0xff);
	hdr[3] = (unsigned char)((p.sb.size >> 24) & 0xff);
	rc = send_all(fd, hdr, 4) < 0 || send_all(fd, p.sb.data, p.sb.size) < 0 ? -1 : 0;
	tttd_pack_release(&p);
	return rc;
}

/*
 * Read exactly n bytes before deadline_ns (0: no deadline).
 * @return RECV_OK, RECV_EOF (peer closed, possibly mid-frame), RECV_TIMEOUT, TTTD_EIO.
 */
static int
recv_all(int fd, void *p, size_t n, uint64_t deadline_ns, struct tttd_error *e)
{
	char *c = p;

	while (n > 0) {
		ssize_t r;

		if (deadline_ns) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			uint64_t now = tttd_now_ns();
			int ms;

			if (now >= deadline_ns)
				return RECV_TIMEOUT;
			ms = (int)((deadline_ns - now + 999999) / 1000000);
			r = poll(&pfd, 1, ms);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				return tttd_error_set(e, TTTD_EIO, "cannot poll the worker:");
			}
			if (r == 0)
				continue; /* the deadline check above ends it */
		}
		r = read(fd, c, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECONNRESET)
				return RECV_EOF;
			return tttd_error_set(e, TTTD_EIO, "cannot read from the worker:");
		}
		if (r == 0)
			return RECV_EOF;
		c += r;
		n -= (size_t)r;
	}
	return RECV_OK;
}

int
tttd_bench_recv_rec(int fd, struct tttd_rec *r, uint64_t deadline_ns, struct tttd_error *e)
{
	unsigned char hdr[4];
	size_t len, off = 0;
	char *buf;
	msgpack_unpacked u;
	int rc;

	rc = recv_all(fd, hdr, 4, deadline_ns, e);
	if (rc != RECV_OK)
		return rc;
	len = (size_t)hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16 | (size_t)hdr[3] << 24;
	TTTD_RETURN_IF(len == 0 || len > FRAME_MAX, e, TTTD_EFORMAT,
		       "worker sent a frame of %zu bytes", len);
	buf = xmalloc(len);
	rc = recv_all(fd, buf, len, deadline_ns, e);
	if (rc != RECV_OK) {
		free(buf);
		return rc;
	}
	msgpack_unpacked_init(&u);
	if (msgpack_unpack_next(&u, buf, len, &off) != MSGPACK_UNPACK_SUCCESS)
		rc = tttd_error_set(e, TTTD_EFORMAT, "worker sent a corrupt frame");
	else
		rc = tttd_rec_from_object(r, &u.data, e) < 0 ? TTTD_EFORMAT : RECV_OK;
	msgpack_unpacked_destroy(&u);
	free(buf);
	return rc;
}

void
tttd_bench_reply_error(struct tttd_rec *p, const struct tttd_error *e)
{
	tttd_rec_set_int(p, "_code", e->code ? e->code : TTTD_EIO);
	tttd_rec_set_str(p, "_error", e->msg);
}

/*
 * The other side of tttd_bench_reply_error: if reply p carries an error, set e to it
 * (its code, "worker failed" without a message) and @return that code,
 * else @return TTTD_OK.
 */
int
tttd_bench_reply_get_error(const struct tttd_rec *p, struct tttd_error *e)
{
	int64_t code = TTTD_EIO;
	char *msg = NULL;
	int rc;

	if (!tttd_rec_has(p, "_error"))
		return TTTD_OK;
	tttd_rec_get_int(p, "_code", &code);
	tttd_rec_get_str(p, "_error", &msg);
	rc = tttd_error_set(e, (int)code, "%s", msg ? msg : "worker failed");
	free(msg);
	return rc;
}
