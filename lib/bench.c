/*
 * bench.c - tttd-bench's engine: the statistics of the timing protocol, the
 * worker process that checks and times candidates through a backend, and
 * the parent side that feeds it, enforces the timeout and replaces it when a
 * candidate kills it.  See bench.h for the protocol.
 *
 * Parent and worker talk over a socketpair (sent with MSG_NOSIGNAL, so a
 * dead worker is an EPIPE to handle, never a SIGPIPE that would kill
 * tttd-bench) in frames of a 4-byte little-endian length and one msgpack
 * record.  The worker replies with the very keys to set on the candidate;
 * reply keys that start with '_' are for the parent only.
 *
 * The worker is forked before any device is touched, so the parent never
 * holds a device context and a fresh worker starts clean.  Its stdin and
 * stdout are /dev/null: a candidate that prints cannot corrupt the record
 * stream.  It always leaves through _exit, so it never flushes the parent's
 * buffered records a second time.  Its stderr is a sealed memory file of
 * STDERR_FILE bytes that the parent reads after each candidate into the
 * record's "stderr" key: a candidate that writes 50 MB to stderr fills that
 * much and no more, and never floods the step log.
 *
 * This file does not parse options, print, or decide what a failing
 * candidate means for the run: that is the tool's and tttd-score's business.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h> /* defines: memfd_create */
#include <sys/prctl.h>
#include <sys/random.h> /* defines: getrandom */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backend.h"
#include "bench.h"
#include "bench_int.h"
#include "compile.h" /* defines: tttd_compile_target_find, tttd_compile_out_* */
#include "inputs.h"
#include "rng.h"
#include "target.h" /* defines: tttd_target_of, tttd_target_find, TTTD_TARGET_HOST */


void
tttd_bench_opts_init(struct tttd_bench_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->backend = "auto";
	o->device = 0;
	o->timeout_s = 10.0;
	o->max_time_s = 2.0;
	o->rse = 0.01;
	o->min_reps = 5;
	o->max_reps = 200;
	o->flush = 1;
	o->seed = 1;
	/* The protocol before issue 12, kept only to measure what the new one costs. */
	o->protocol = getenv("TTTD_BENCH_PROTOCOL") && !strcmp(getenv("TTTD_BENCH_PROTOCOL"), "1") ? 1 : 2;
}

/* ---- statistics ---- */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void
tttd_median_ci(size_t n, size_t *lo, size_t *hi)
{
	double half = 0.98 * sqrt((double)n); /* 1.96 / 2 * sqrt(n) */
	double l = floor((double)n / 2.0 - half);     /* 1-based rank */
	double h = ceil(1.0 + (double)n / 2.0 + half); /* 1-based rank */

	if (l < 1)
		l = 1;
	if (h > (double)n)
		h = (double)n;
	*lo = (size_t)l - 1;
	*hi = (size_t)h - 1;
}

void
tttd_stats_compute(const double *x, size_t n, struct tttd_stats *st)
{
	double *s, sum = 0, ss = 0;
	size_t i, lo, hi;

	memset(st, 0, sizeof(*st));
	if (n == 0)
		return;
	s = xmalloc(n * sizeof(*s));
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	for (i = 0; i < n; i++)
		sum += s[i];
	st->n = n;
	st->mean = sum / (double)n;
	for (i = 0; i < n; i++)
		ss += (s[i] - st->mean) * (s[i] - st->mean);
	st->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0.0;
	st->min = s[0];
	st->max = s[n - 1];
	st->median = n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
	tttd_median_ci(n, &lo, &hi);
	st->ci_lo = s[lo];
	st->ci_hi = s[hi];
	free(s);
}

double
tttd_rse(const double *x, size_t n)
{
	double sum = 0, ss = 0, mean;
	size_t i;

	if (n < 2)
		return INFINITY;
	for (i = 0; i < n; i++)
		sum += x[i];
	mean = sum / (double)n;
	if (!(mean > 0))
		return INFINITY;
	for (i = 0; i < n; i++)
		ss += (x[i] - mean) * (x[i] - mean);
	return sqrt(ss / (double)(n - 1)) / sqrt((double)n) / mean;
}

double
tttd_geomean(const double *x, size_t n)
{
	double s = 0;
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (!(x[i] > 0))
			return 0;
		s += log(x[i]);
	}
	return exp(s / (double)n);
}

int
tttd_bench_stop(const double *x, size_t n, double elapsed_s, double budget_s,
		const struct tttd_bench_opts *o)
{
	if (n >= (size_t)o->max_reps)
		return 1;
	if (n >= 1 && elapsed_s >= budget_s)
		return 1;
	return n >= (size_t)o->min_reps && tttd_rse(x, n) < o->rse;
}

double
tttd_bench_floor_ns(const struct tttd_task *t, const struct tttd_shape *s, double bytes_per_s,
		    double flops_per_s)
{
	double floor_ns = 0;

	if (t->bytes && bytes_per_s > 0) {
		long v = tttd_task_eval_shape(t, t->bytes, s);

		if (v > 0 && (double)v / bytes_per_s * 1e9 > floor_ns)
			floor_ns = (double)v / bytes_per_s * 1e9;
	}
	if (t->flops && flops_per_s > 0) {
		long v = tttd_task_eval_shape(t, t->flops, s);

		if (v > 0 && (double)v / flops_per_s * 1e9 > floor_ns)
			floor_ns = (double)v / flops_per_s * 1e9;
	}
	return floor_ns;
}

uint64_t
tttd_bench_case_seed(uint64_t seed, const char *id, size_t idx)
{
	/* FNV-1a of the id: ids are already hashes, this only folds them to 64 bits. */
	uint64_t h = 0xcbf29ce484222325ull;
	const unsigned char *p;

	for (p = (const unsigned char *)(id ? id : ""); *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	return tttd_mix64(tttd_mix64(seed, h), (uint64_t)idx) & ((1ull << 53) - 1);
}

/*
 * The hook for the physical floor: peak bandwidth and arithmetic rate of
 * the backend's device, 0 when unknown.  The CPU reports nothing (its peaks
 * depend on vector width and clocks that are not worth guessing here, so
 * CPU candidates are never "too_fast"); the CUDA backend measures them once
 * per worker.  A failed measurement only disables the check.
 */
static void
backend_peaks(struct tttd_backend *be, double *bytes_per_s, double *flops_per_s)
{
	*bytes_per_s = 0;
	*flops_per_s = 0;
	if (be->ops->peaks) {
		struct tttd_error ignored;

		if (be->ops->peaks(be, bytes_per_s, flops_per_s, &ignored) < 0)
			*bytes_per_s = *flops_per_s = 0;
	}
}

/* ---- framing ---- */

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

/* ---- the worker ---- */



void
tttd_bench_case_release(struct worker *w, struct bcase *c)
{
	size_t i;

	for (i = 0; i < c->in.nbuf; i++) {
		if (c->dev && c->dev[i])
			w->be.ops->free(&w->be, c->dev[i]);
		if (c->orig && c->orig[i])
			w->be.ops->free(&w->be, c->orig[i]);
		if (c->want && c->want[i])
			w->be.ops->free(&w->be, c->want[i]);
		if (c->pois && c->pois[i])
			w->be.ops->free(&w->be, c->pois[i]);
	}
	free(c->dev);
	free(c->orig);
	free(c->want);
	free(c->pois);
	tttd_inputs_release(&c->in);
	memset(c, 0, sizeof(*c));
}

/* Fill every input of bufs (c->dev, or c->orig) from seed (as tttd_inputs_draw says). */
static int
case_fill_to(struct worker *w, struct bcase *c, void **bufs, uint64_t seed, struct tttd_error *e)
{
	size_t i;

	for (i = 0; i < w->t->nbuf; i++) {
		enum tttd_dist dist;
		double scale;
		uint64_t stream;

		if (w->t->buf[i].role != TTTD_BUF_IN)
			continue;
		tttd_inputs_draw(&c->in, w->t, i, seed, &dist, &scale, &stream);
		TTTD_TRY(w->be.ops->fill(&w->be, bufs[i], w->t->buf[i].dtype, c->in.count[i], dist,
					 scale, stream, e));
	}
	return TTTD_OK;
}

static int
case_fill(struct worker *w, struct bcase *c, uint64_t seed, struct tttd_error *e)
{
	return case_fill_to(w, c, c->dev, seed, e);
}

/*
 * Allocate the device buffers, fill the inputs from seed (as
 * tttd_inputs_draw says) and keep their copies.  Outputs are left as
 * allocated: every run poisons them first (run_once, tttd_bench_time_kernel).
 */
int
tttd_bench_case_setup(struct worker *w, const struct tttd_shape *s, uint64_t seed, struct bcase *c,
	   struct tttd_error *e)
{
	const struct tttd_task *t = w->t;
	const struct tttd_backend_ops *ops = w->be.ops;
	size_t i;
	int r;

	memset(c, 0, sizeof(*c));
	c->seed = seed;
	TTTD_TRY(tttd_inputs_sizes(&c->in, t, s, e));
	c->dev = xcalloc(t->nbuf + 1, sizeof(*c->dev));
	c->orig = xcalloc(t->nbuf + 1, sizeof(*c->orig));
	c->want = xcalloc(t->nbuf + 1, sizeof(*c->want));
	for (i = 0; i < t->nbuf; i++) {
		const struct tttd_buffer *b = &t->buf[i];
		size_t bytes = c->in.bytes[i] ? c->in.bytes[i] : 1;
		enum tttd_dist dist;
		double scale;
		uint64_t stream;

		/* What the candidate sees: on the CPU, memory its sandboxed process shares. */
		if ((r = (ops->alloc_io ? ops->alloc_io : ops->alloc)(&w->be, bytes, &c->dev[i], e)) < 0)
			goto fail;
		if (b->role == TTTD_BUF_IN) {
			tttd_inputs_draw(&c->in, t, i, seed, &dist, &scale, &stream);
			if ((r = ops->fill(&w->be, c->dev[i], b->dtype, c->in.count[i], dist, scale,
					   stream, e)) < 0 ||
			    (r = ops->alloc(&w->be, bytes, &c->orig[i], e)) < 0 ||
			    (r = ops->copy(&w->be, c->orig[i], c->dev[i], c->in.bytes[i], e)) < 0)
				goto fail;
		} else if (b->role == TTTD_BUF_OUT) {
			if ((r = ops->alloc(&w->be, bytes, &c->want[i], e)) < 0)
				goto fail;
		}
	}
	return TTTD_OK;
fail:
	tttd_bench_case_release(w, c);
	return r;
}

/* Poison the outputs before a run. */
static int
case_poison(struct worker *w, struct bcase *c, struct tttd_error *e)
{
	size_t i;

	for (i = 0; i < c->in.nbuf; i++)
		if (w->t->buf[i].role == TTTD_BUF_OUT)
			TTTD_TRY(w->be.ops->poison(&w->be, c->dev[i], w->t->buf[i].dtype, c->in.count[i],
						   e));
	return TTTD_OK;
}

/* Copy the outputs just computed into c->want (see struct bcase). */
static int
case_keep_want(struct worker *w, struct bcase *c, struct tttd_error *e)
{
	size_t i;

	for (i = 0; i < c->in.nbuf; i++)
		if (w->t->buf[i].role == TTTD_BUF_OUT)
			TTTD_TRY(w->be.ops->copy(&w->be, c->want[i], c->dev[i], c->in.bytes[i], e));
	return TTTD_OK;
}

/*
 * One asynchronous execution: the loaded kernel's plan, or with kernel NULL
 * the task's builtin baseline (CUDA only).
 */
static int
run_plan(struct worker *w, void *kernel, const int *choice, const struct tttd_shape *s,
	 struct bcase *c, struct tttd_error *e)
{
	if (!kernel)
		return w->be.ops->baseline(&w->be, w->t->baseline, w->t, s, c->dev, e);
	return w->be.ops->run(&w->be, kernel, w->t, s, choice, c->dev, e);
}

/* Poison, run once, wait.  @return TTTD_OK or the backend's error. */
static int
run_once(struct worker *w, void *kernel, const int *choice, const struct tttd_shape *s,
	 struct bcase *c, struct tttd_error *e)
{
	TTTD_TRY(case_poison(w, c, e));
	TTTD_TRY(run_plan(w, kernel, choice, s, c, e));
	return w->be.ops->sync(&w->be, e);
}

void
tttd_bench_format_shape(const struct tttd_task *t, const struct tttd_shape *s, char *buf, size_t n)
{
	size_t i, off = 0;

	off += (size_t)snprintf(buf + off, n - off, "[");
	for (i = 0; i < t->ndim && off < n; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s%ld", i ? "," : "", s->dim[i]);
	if (off < n)
		snprintf(buf + off, n - off, "]");
}

void
tttd_bench_pack_shape(msgpack_packer *pk, const struct tttd_task *t, const struct tttd_shape *s)
{
	size_t i;

	msgpack_pack_array(pk, t->ndim);
	for (i = 0; i < t->ndim; i++)
		msgpack_pack_int64(pk, s->dim[i]);
}

void
tttd_bench_pack_stats(msgpack_packer *pk, const struct tttd_task *t, const struct tttd_shape *s,
	   const struct tttd_stats *st, double base_ns)
{
	msgpack_pack_map(pk, base_ns > 0 ? 11 : 9);
	if (base_ns > 0) { /* this shape's baseline median, same worker and protocol */
		tttd_pack_str(pk, "baseline_ns");
		msgpack_pack_double(pk, base_ns);
		tttd_pack_str(pk, "baseline_ratio");
		msgpack_pack_double(pk, st->median > 0 ? base_ns / st->median : 0);
	}
	tttd_pack_str(pk, "shape");
	tttd_bench_pack_shape(pk, t, s);
	tttd_pack_str(pk, "median_ns");
	msgpack_pack_double(pk, st->median);
	tttd_pack_str(pk, "mean_ns");
	msgpack_pack_double(pk, st->mean);
	tttd_pack_str(pk, "stddev_ns");
	msgpack_pack_double(pk, st->stddev);
	tttd_pack_str(pk, "min_ns");
	msgpack_pack_double(pk, st->min);
	tttd_pack_str(pk, "max_ns");
	msgpack_pack_double(pk, st->max);
	tttd_pack_str(pk, "ci_lo_ns");
	msgpack_pack_double(pk, st->ci_lo);
	tttd_pack_str(pk, "ci_hi_ns");
	msgpack_pack_double(pk, st->ci_hi);
	tttd_pack_str(pk, "n");
	msgpack_pack_uint64(pk, st->n);
}



void
tttd_bench_verdict_set(struct verdict *v, const char *status, const char *fmt, ...)
{
	va_list ap;

	v->status = status;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

/*
 * A run()/sync() error.  TTTD_EGPU is an execution error (illegal address,
 * trap): sticky on CUDA, so "crash".  Anything else is a launch the device
 * refused (geometry, resources): "launch_error".  Either way the worker is
 * replaced, as the cheap way to be sure nothing of the candidate lingers.
 */
void
tttd_bench_verdict_backend(struct verdict *v, int r, const struct tttd_error *e)
{
	tttd_bench_verdict_set(v, r == TTTD_EGPU ? "crash" : "launch_error", "%s", e->msg);
	v->restart = 1;
}

/*
 * Compare the candidate's outputs got with the reference's want (arrays
 * indexed by buffer, on the device); the first failing buffer decides the
 * verdict.  what names them in the reason ("output", "timed output", ...).
 * @return TTTD_OK or the backend's error.
 */
int
tttd_bench_check_outputs(struct worker *w, struct bcase *c, const struct tttd_shape *s, const char *what,
	      void **got, void **want, struct tttd_cmp *total, struct verdict *v,
	      struct tttd_error *e)
{
	const struct tttd_task *t = w->t;
	size_t i;

	for (i = 0; i < t->nbuf; i++) {
		struct tttd_cmp cmp;
		char sh[160];

		if (t->buf[i].role != TTTD_BUF_OUT)
			continue;
		tttd_cmp_init(&cmp);
		TTTD_TRY(w->be.ops->compare(&w->be, &cmp, t->buf[i].dtype, got[i], want[i],
					    c->in.count[i], t->rtol, t->atol, e));
		total->checked += cmp.checked;
		if (cmp.max_abs > total->max_abs)
			total->max_abs = cmp.max_abs;
		if (cmp.max_rel > total->max_rel)
			total->max_rel = cmp.max_rel;
		if (!cmp.bad || v->status)
			continue;
		tttd_bench_format_shape(t, s, sh, sizeof(sh));
		if (cmp.nonfinite)
			tttd_bench_verdict_set(v, "nan",
				    "%s '%s' at shape %s: %zu of %zu elements are NaN or inf where "
				    "the reference is finite; first bad index %zu: got %.9g, want %.9g",
				    what, t->buf[i].name, sh, cmp.nonfinite, cmp.checked, cmp.first,
				    cmp.first_got, cmp.first_want);
		else
			tttd_bench_verdict_set(v, "wrong",
				    "%s '%s' at shape %s: %zu of %zu elements differ; first bad index "
				    "%zu: got %.9g, want %.9g",
				    what, t->buf[i].name, sh, cmp.bad, cmp.checked, cmp.first,
				    cmp.first_got, cmp.first_want);
	}
	return TTTD_OK;
}

/* Did the candidate write into its inputs?  Inputs must be read-only (exact compare). */
static int
check_inputs(struct worker *w, struct bcase *c, const struct tttd_shape *s, struct verdict *v,
	     struct tttd_error *e)
{
	const struct tttd_task *t = w->t;
	size_t i;

	for (i = 0; i < t->nbuf && !v->status; i++) {
		struct tttd_cmp cmp;
		char sh[160];

		if (t->buf[i].role != TTTD_BUF_IN || c->in.bytes[i] == 0)
			continue;
		tttd_cmp_init(&cmp);
		TTTD_TRY(w->be.ops->compare(&w->be, &cmp, t->buf[i].dtype, c->dev[i], c->orig[i],
					    c->in.count[i], 0.0, 0.0, e));
		if (cmp.bad) {
			tttd_bench_format_shape(t, s, sh, sizeof(sh));
			tttd_bench_verdict_set(v, "wrong", "input '%s' at shape %s was modified by the candidate",
				    t->buf[i].name, sh);
		}
	}
	return TTTD_OK;
}

/*
 * How many elements of the outputs in bufs (c->dev or a kept copy) still
 * hold the poison, into *left (buffer *which).  Through the backend's
 * count_poison, or by comparing with an all-poison copy (made once per case):
 * the comparison passes exactly where got is NaN (INT32_MIN for i32).
 */
static int
count_left(struct worker *w, struct bcase *c, void **bufs, size_t *left, size_t *which,
	   struct tttd_error *e)
{
	const struct tttd_task *t = w->t;
	size_t i;

	*left = 0;
	for (i = 0; i < t->nbuf && !*left; i++) {
		size_t n = c->in.count[i], k;

		if (t->buf[i].role != TTTD_BUF_OUT || n == 0)
			continue;
		if (w->be.ops->count_poison) {
			TTTD_TRY(w->be.ops->count_poison(&w->be, bufs[i], t->buf[i].dtype, n, &k, e));
		} else {
			struct tttd_cmp cmp;

			if (!c->pois)
				c->pois = xcalloc(t->nbuf + 1, sizeof(*c->pois));
			if (!c->pois[i]) {
				TTTD_TRY(w->be.ops->alloc(&w->be, c->in.bytes[i], &c->pois[i], e));
				TTTD_TRY(w->be.ops->poison(&w->be, c->pois[i], t->buf[i].dtype, n, e));
			}
			tttd_cmp_init(&cmp);
			TTTD_TRY(w->be.ops->compare(&w->be, &cmp, t->buf[i].dtype, bufs[i], c->pois[i], n,
						    0.0, 0.0, e));
			k = n - cmp.bad;
		}
		*left = k;
		*which = i;
	}
	return TTTD_OK;
}


static void
slot_free(struct worker *w, struct slot *sl)
{
	size_t i;

	if (!sl->out)
		return;
	for (i = 0; i < w->t->nbuf; i++)
		if (sl->out[i])
			w->be.ops->free(&w->be, sl->out[i]);
	free(sl->out);
	sl->out = NULL;
}

/* Copy the outputs of c->dev into slot sl (allocated on first use). */
static int
slot_keep(struct worker *w, struct bcase *c, struct slot *sl, struct tttd_error *e)
{
	const struct tttd_task *t = w->t;
	size_t i;

	if (!sl->out) {
		sl->out = xcalloc(t->nbuf + 1, sizeof(*sl->out));
		for (i = 0; i < t->nbuf; i++)
			if (t->buf[i].role == TTTD_BUF_OUT &&
			    w->be.ops->alloc(&w->be, c->in.bytes[i] ? c->in.bytes[i] : 1, &sl->out[i],
					     e) < 0) {
				slot_free(w, sl);
				return e->code ? e->code : TTTD_EGPU;
			}
	}
	for (i = 0; i < t->nbuf; i++)
		if (t->buf[i].role == TTTD_BUF_OUT)
			TTTD_TRY(w->be.ops->copy(&w->be, sl->out[i], c->dev[i], c->in.bytes[i], e));
	return TTTD_OK;
}

/*
 * How many timed calls to check at this shape: TIMED_CHECKS_MIN, up to
 * TIMED_CHECKS_MAX while the reference runs they cost stay within
 * TIMED_CHECK_SHARE of budget_s and the kept outputs within
 * TIMED_CHECK_BYTES.
 */
static size_t
timed_checks(struct worker *w, const struct bcase *c, double budget_s)
{
	double k = c->ref_s > 0 ? TIMED_CHECK_SHARE * budget_s / c->ref_s : TIMED_CHECKS_MAX;
	uint64_t out = 0;
	size_t i;

	for (i = 0; i < w->t->nbuf; i++)
		if (w->t->buf[i].role == TTTD_BUF_OUT)
			out += c->in.bytes[i];
	if (out > 0 && k > (double)(TIMED_CHECK_BYTES / out))
		k = (double)(TIMED_CHECK_BYTES / out);
	return k < TIMED_CHECKS_MIN ? TIMED_CHECKS_MIN : k > TIMED_CHECKS_MAX ? TIMED_CHECKS_MAX : (size_t)k;
}

/*
 * After the timed calls: run the reference on each kept call's inputs
 * (generated again from its seed) and compare the call's outputs with it.
 * The reference's outputs exist only now, when no candidate code runs.
 */
static int
check_slots(struct worker *w, struct bcase *c, const struct tttd_shape *s, struct slot *slots,
	    size_t nslot, struct timed_check *tc, struct tttd_error *e)
{
	size_t j;

	for (j = 0; j < nslot && !tc->v->status; j++) {
		char what[160];

		TTTD_TRY(case_fill(w, c, slots[j].seed, e));
		if (run_once(w, w->ref, NULL, s, c, e) < 0) {
			tttd_error_prefix(e, "reference, checking a timed call");
			return e->code;
		}
		snprintf(what, sizeof(what),
			 "timed call %zu of %zu (checked at random after the calls): output",
			 slots[j].call, tc->calls);
		TTTD_TRY(tttd_bench_check_outputs(w, c, s, what, slots[j].out, c->dev, tc->total, tc->v, e));
		tc->checked++;
	}
	return TTTD_OK;
}

/*
 * The timing protocol at one shape (see bench.h).  budget_s: this shape's
 * share.  tc: the candidate's (NULL for trusted code, the reference and the
 * baseline, whose outputs are not checked): protocol 2 scans each timed
 * call's outputs for poison right after it and keeps some calls' outputs
 * for check_slots; a failure goes into tc->v and ends the timing.
 */
int
tttd_bench_time_kernel(struct worker *w, void *kernel, const int *choice, const struct tttd_shape *s,
	    struct bcase *c, double budget_s, struct tttd_stats *st, struct timed_check *tc,
	    struct tttd_error *e)
{
	const struct tttd_bench_opts *o = w->o;
	int fresh = o->protocol != 1;
	double *x = xcalloc((size_t)o->max_reps + 1, sizeof(*x));
	uint64_t t0 = tttd_now_ns(), rng = 0, salt = 0;
	struct slot slots[TIMED_CHECKS_MAX];
	size_t n = 0, warm = 0, cap = 0, nslot = 0, j;
	int r = TTTD_OK;

	memset(slots, 0, sizeof(slots));
	do {
		if ((r = run_once(w, kernel, choice, s, c, e)) < 0)
			goto out;
		warm++;
	} while (warm < WARMUP_MAX && (double)(tttd_now_ns() - t0) < WARMUP_NS);
	if (tc && fresh) {
		cap = timed_checks(w, c, budget_s);
		/*
		 * The timed calls' seeds are salted: a CPU candidate's process is a
		 * fork of this one and holds its id and the run's seed, from which
		 * tttd_mix64(case seed, n) alone would let it draw every timed call's
		 * inputs during its untimed calls and replay outputs computed there.
		 */
		if (getrandom(&salt, sizeof(salt), 0) != (ssize_t)sizeof(salt))
			salt = tttd_mix64(tttd_now_ns(), (uint64_t)getpid());
	}
	t0 = tttd_now_ns();
	for (;;) {
		uint64_t seed = tttd_mix64(c->seed ^ salt, n + 1);
		double ns = 0;

		/*
		 * Inputs no call has seen (protocol 2), generated before the flush
		 * so that they are not left in the cache for the timed call.
		 */
		if (fresh && (r = case_fill(w, c, seed, e)) < 0)
			goto out;
		if ((r = case_poison(w, c, e)) < 0)
			goto out;
		if (o->flush && (r = w->be.ops->flush(&w->be, e)) < 0)
			goto out;
		if ((r = w->be.ops->timer_start(&w->be, e)) < 0)
			goto out;
		if ((r = run_plan(w, kernel, choice, s, c, e)) < 0)
			goto out;
		if ((r = w->be.ops->timer_stop(&w->be, &ns, e)) < 0)
			goto out;
		if ((r = w->be.ops->sync(&w->be, e)) < 0)
			goto out;
		x[n++] = ns;
		if (tc && fresh) {
			size_t left = 0, which = 0;

			tc->calls = n;
			/* Every call: its outputs must be complete when its time ends. */
			if (!c->ref_nan && (r = count_left(w, c, c->dev, &left, &which, e)) < 0)
				goto out;
			if (left) {
				char sh[160];

				tttd_bench_format_shape(w->t, s, sh, sizeof(sh));
				tttd_bench_verdict_set(tc->v, "nan",
					    "timed call %zu at shape %s: %zu of %zu elements of output '%s' "
					    "still held the NaN poison when the call ended (work skipped, "
					    "or left to a later call)",
					    n, sh, left, c->in.count[which], w->t->buf[which].name);
				goto out;
			}
			/*
			 * A uniform sample of cap calls (reservoir sampling), drawn from
			 * the kernel's entropy after each call: nothing the candidate can
			 * read (the record's seeds, device memory, even this process's
			 * memory) tells it which of its calls will be compared.
			 */
			if (getrandom(&rng, sizeof(rng), 0) != (ssize_t)sizeof(rng))
				rng = tttd_mix64(rng ^ tttd_now_ns(), n);
			j = n <= cap ? n - 1 : (size_t)(rng % n);
			if (j < cap) {
				struct tttd_error ae;

				if (slot_keep(w, c, &slots[j], &ae) < 0) {
					/* Too little memory for this many: check fewer. */
					if (j < TIMED_CHECKS_MIN) {
						*e = ae;
						r = ae.code ? ae.code : TTTD_EGPU;
						goto out;
					}
					cap = j;
				} else {
					slots[j].seed = seed;
					slots[j].call = n;
					if (j + 1 > nslot)
						nslot = j + 1;
					/*
					 * Its inputs as drawn (a candidate may not use them
					 * as scratch, or tag them for a memo).
					 */
					if ((r = case_fill_to(w, c, c->orig, seed, e)) < 0 ||
					    (r = check_inputs(w, c, s, tc->v, e)) < 0 || tc->v->status)
						goto out;
				}
			}
		}
		if (tttd_bench_stop(x, n, (double)(tttd_now_ns() - t0) / 1e9, budget_s, o))
			break;
	}
	if (tc && fresh)
		r = check_slots(w, c, s, slots, nslot, tc, e);
	tttd_stats_compute(x, n, st);
out:
	for (j = 0; j < TIMED_CHECKS_MAX; j++)
		slot_free(w, &slots[j]);
	free(x);
	return r;
}

/*
 * Time the task's builtin baseline at bench shape number i on case c (whose
 * inputs are the candidate's), once per worker: the first candidate to reach
 * a shape measures it, later ones reuse it.  A baseline that cannot run
 * (the task lacks M/N/K, cuBLAS fails) is dropped, not the candidate; but an
 * execution error leaves the context unusable, so that one is returned.
 */
int
tttd_bench_time_baseline(struct worker *w, size_t i, const struct tttd_shape *s, struct bcase *c,
	      struct tttd_error *e)
{
	const struct tttd_task *t = w->t;
	struct tttd_stats st;
	struct tttd_error be;
	int r;

	if (w->have_base < 0 || !t->baseline || !w->be.ops->baseline_known ||
	    !w->be.ops->baseline || !w->be.ops->baseline_known(t->baseline)) {
		w->have_base = -1;
		return TTTD_OK;
	}
	if (!w->base_med)
		w->base_med = xcalloc(t->nbench + 1, sizeof(*w->base_med));
	if (w->base_med[i] > 0)
		return TTTD_OK;
	r = tttd_bench_time_kernel(w, NULL, NULL, s, c, w->o->max_time_s / (double)t->nbench, &st, NULL, &be);
	if (r == TTTD_EGPU) {
		*e = be;
		return r;
	}
	if (r < 0) {
		w->have_base = -1;
		return TTTD_OK;
	}
	w->base_med[i] = st.median;
	if (i + 1 == t->nbench)
		w->have_base = 1;
	return TTTD_OK;
}

/*
 * The check at one case: the candidate runs once, the reference on the same
 * inputs, and their outputs are compared (all of them, every element).
 * Protocol 2 runs the candidate first and the reference only after it, so
 * that no reference output for the inputs a candidate is given exists
 * while its code runs (it could otherwise find that buffer and copy it);
 * protocol 1 ran the reference first.  At a bench shape it also notes the
 * reference's run time (how many timed calls to check) and whether its
 * outputs hold NaN (then no poison scan).  A failing candidate goes into v;
 * @return TTTD_OK or tttd's own error.
 */
int
tttd_bench_check_case(struct worker *w, void *kernel, const int *choice, const struct tttd_shape *s,
	   int is_bench, struct bcase *c, struct tttd_cmp *total, struct verdict *v,
	   struct tttd_error *e)
{
	struct tttd_error be;
	uint64_t t1;
	int r;

	if (w->o->protocol == 1 &&
	    ((r = run_once(w, w->ref, NULL, s, c, e)) < 0 || (r = case_keep_want(w, c, e)) < 0)) {
		tttd_error_prefix(e, "reference");
		return r;
	}
	if ((r = run_once(w, kernel, choice, s, c, &be)) < 0) {
		tttd_bench_verdict_backend(v, r, &be);
		return TTTD_OK;
	}
	TTTD_TRY(check_inputs(w, c, s, v, e));
	if (w->o->protocol == 1)
		return tttd_bench_check_outputs(w, c, s, "output", c->dev, c->want, total, v, e);
	if (v->status)
		return TTTD_OK; /* it wrote into its inputs: nothing to run the reference on */
	TTTD_TRY(case_keep_want(w, c, e));
	t1 = tttd_now_ns();
	if ((r = run_once(w, w->ref, NULL, s, c, e)) < 0) {
		tttd_error_prefix(e, "reference");
		return r;
	}
	c->ref_s = (double)(tttd_now_ns() - t1) / 1e9;
	if (is_bench) {
		size_t left, which;

		TTTD_TRY(count_left(w, c, c->dev, &left, &which, e));
		c->ref_nan = left > 0;
	}
	return tttd_bench_check_outputs(w, c, s, "output", c->want, c->dev, total, v, e);
}

const struct tttd_shape *
tttd_bench_nth_shape(const struct tttd_task *t, size_t k, int *is_bench)
{
	*is_bench = k >= t->ncheck;
	return k < t->ncheck ? &t->check[k] : &t->bench[k - t->ncheck];
}

/*
 * Evaluate one candidate (request q) into reply p.  @return TTTD_OK (the
 * verdict is in the reply) or a tttd error that ends the worker.
 */
static int
worker_eval(struct worker *w, const struct tttd_rec *q, struct tttd_rec *p, struct tttd_error *e)
{
	const struct tttd_task *t = w->t;
	const void *obj = NULL;
	size_t nobj = 0, k, nk = t->ncheck + t->nbench, nb = 0;
	char *id = NULL;
	int *choice = NULL;
	void *kernel = NULL;
	struct verdict v = { 0 };
	struct tttd_cmp total;
	struct tttd_stats *st = xcalloc(t->nbench + 1, sizeof(*st));
	double *medians = xcalloc(t->nbench + 1, sizeof(*medians));
	double *floors = xcalloc(t->nbench + 1, sizeof(*floors));
	uint64_t *seeds = xcalloc(nk + 1, sizeof(*seeds));
	struct tttd_pack pk;
	int r = TTTD_OK, loaded = 0;
	size_t ncase = 0, timed_calls = 0, timed_checked = 0;

	tttd_cmp_init(&total);
	if (tttd_rec_get_str(q, "id", &id) != 1)
		id = xstrdup("");
	if (tttd_rec_get_bin(q, "object", &obj, &nobj) != 1 || nobj == 0) {
		tttd_bench_verdict_set(&v, "load_error", "the record has no 'object'");
		goto reply;
	}
	if (t->ndec > 0 && tttd_rec_has(q, "decisions")) {
		struct tttd_error ce;

		choice = xcalloc(t->ndec, sizeof(*choice));
		if (tttd_task_choice_from_rec(t, q, "decisions", choice, &ce) != 1) {
			tttd_bench_verdict_set(&v, "load_error", "decisions do not fit task '%s'", t->name);
			goto reply;
		}
	}
	{
		struct tttd_error le;

		if ((w->be.ops->load_candidate ? w->be.ops->load_candidate : w->be.ops->load)(
			    &w->be, t, obj, nobj, t->entry ? t->entry : "tttd_kernel", &kernel, &le) < 0) {
			tttd_bench_verdict_set(&v, "load_error", "%s", le.msg);
			goto reply;
		}
		loaded = 1;
	}

	for (k = 0; k < nk && !v.status; k++) {
		int is_bench;
		const struct tttd_shape *s = tttd_bench_nth_shape(t, k, &is_bench);
		struct bcase c;
		struct tttd_error be;

		seeds[k] = tttd_bench_case_seed(w->o->seed, id, k);
		ncase = k + 1;
		if ((r = tttd_bench_case_setup(w, s, seeds[k], &c, e)) < 0)
			goto out;
		if ((r = tttd_bench_check_case(w, kernel, choice, s, is_bench, &c, &total, &v, e)) < 0) {
			tttd_bench_case_release(w, &c);
			goto out;
		}
		if (is_bench && !v.status) {
			struct timed_check tc = { &v, &total, 0, 0 };

			r = tttd_bench_time_kernel(w, kernel, choice, s, &c, w->o->max_time_s / (double)t->nbench,
					&st[nb], &tc, &be);
			timed_calls += tc.calls;
			timed_checked += tc.checked;
			if (r < 0) {
				tttd_bench_verdict_backend(&v, r, &be);
				r = TTTD_OK;
			} else if (w->o->protocol == 1 &&
				   (r = tttd_bench_check_outputs(w, &c, s, "timed output", c.dev, c.want, &total, &v,
						      e)) < 0) {
				tttd_bench_case_release(w, &c);
				goto out;
			} else {
				medians[nb] = st[nb].median;
				if (!v.status && (r = tttd_bench_time_baseline(w, nb, s, &c, e)) < 0) {
					tttd_bench_case_release(w, &c);
					goto out;
				}
				nb++;
			}
		}
		tttd_bench_case_release(w, &c);
	}
	if (!v.status && nb == t->nbench && nb > 0) {
		size_t i;

		for (i = 0; i < nb; i++) {
			double fl = tttd_bench_floor_ns(t, &t->bench[i], w->peak_bw, w->peak_flops);
			char sh[160];

			floors[i] = fl;
			/*
			 * The peaks are medians of measurements, so a real kernel can
			 * land a little under the floor; 10% under cannot be honest.
			 */
			/* Every floor is kept (floor_ns is their geomean), the first too-fast shape named. */
			if (!v.status && fl > 0 && st[i].median < TOO_FAST * fl) {
				tttd_bench_format_shape(t, &t->bench[i], sh, sizeof(sh));
				tttd_bench_verdict_set(&v, "too_fast",
					    "shape %s: median %.0f ns is below the physical floor %.0f ns",
					    sh, st[i].median, fl);
			}
		}
	}

reply:
	tttd_rec_set_str(p, "status", v.status ? v.status : "ok");
	if (v.status)
		tttd_rec_set_str(p, "reason", v.reason);
	if (v.restart)
		tttd_rec_set_bool(p, "_restart", 1);
	if (nb > 0 && nb == t->nbench && (!v.status || strcmp(v.status, "too_fast") == 0)) {
		size_t i;

		double tns = tttd_geomean(medians, nb), fl = tttd_geomean(floors, nb);

		tttd_rec_set_double(p, "time_ns", tns);
		if (fl > 0)
			tttd_rec_set_double(p, "floor_ns", fl);
		if (w->have_base == 1 && tns > 0) {
			double bns = tttd_geomean(w->base_med, nb);

			tttd_rec_set_str(p, "baseline", t->baseline);
			tttd_rec_set_double(p, "baseline_ns", bns);
			tttd_rec_set_double(p, "baseline_ratio", bns / tns);
		}
		tttd_pack_init(&pk);
		msgpack_pack_array(&pk.pk, nb);
		for (i = 0; i < nb; i++)
			tttd_bench_pack_stats(&pk.pk, t, &t->bench[i], &st[i],
				   w->have_base == 1 ? w->base_med[i] : 0);
		tttd_rec_set_pack(p, "timing", &pk);
	}
	if (loaded) {
		size_t i;
		int dummy;

		tttd_pack_init(&pk);
		msgpack_pack_map(&pk.pk, 8);
		tttd_pack_str(&pk.pk, "shapes");
		msgpack_pack_array(&pk.pk, ncase);
		for (i = 0; i < ncase; i++)
			tttd_bench_pack_shape(&pk.pk, t, tttd_bench_nth_shape(t, i, &dummy));
		tttd_pack_str(&pk.pk, "seeds");
		msgpack_pack_array(&pk.pk, ncase);
		for (i = 0; i < ncase; i++)
			msgpack_pack_uint64(&pk.pk, seeds[i]);
		tttd_pack_str(&pk.pk, "max_abs_err");
		msgpack_pack_double(&pk.pk, total.max_abs);
		tttd_pack_str(&pk.pk, "max_rel_err");
		msgpack_pack_double(&pk.pk, total.max_rel);
		tttd_pack_str(&pk.pk, "checked");
		msgpack_pack_uint64(&pk.pk, total.checked);
		tttd_pack_str(&pk.pk, "protocol");
		msgpack_pack_int(&pk.pk, w->o->protocol);
		tttd_pack_str(&pk.pk, "timed_calls");
		msgpack_pack_uint64(&pk.pk, timed_calls);
		tttd_pack_str(&pk.pk, "timed_checked");
		msgpack_pack_uint64(&pk.pk, timed_checked);
		tttd_rec_set_pack(p, "check", &pk);
	}
out:
	if (kernel)
		w->be.ops->unload(&w->be, kernel);
	free(choice);
	free(id);
	free(st);
	free(medians);
	free(floors);
	free(seeds);
	return r;
}

/* Time the reference at every bench shape; reply time_ns and timing. */
static int
worker_ref(struct worker *w, struct tttd_rec *p, struct tttd_error *e)
{
	const struct tttd_task *t = w->t;
	struct tttd_stats *st = xcalloc(t->nbench + 1, sizeof(*st));
	double *med = xcalloc(t->nbench + 1, sizeof(*med));
	struct tttd_pack pk;
	size_t i;
	int r = TTTD_OK;

	for (i = 0; i < t->nbench; i++) {
		struct bcase c;

		r = tttd_bench_case_setup(w, &t->bench[i], tttd_bench_case_seed(w->o->seed, "reference", i), &c,
			       e);
		if (r < 0)
			goto out;
		r = tttd_bench_time_kernel(w, w->ref, NULL, &t->bench[i], &c,
				w->o->max_time_s / (double)t->nbench, &st[i], NULL, e);
		tttd_bench_case_release(w, &c);
		if (r < 0)
			goto out;
		med[i] = st[i].median;
	}
	tttd_rec_set_double(p, "time_ns", tttd_geomean(med, t->nbench));
	tttd_pack_init(&pk);
	msgpack_pack_array(&pk.pk, t->nbench);
	for (i = 0; i < t->nbench; i++)
		tttd_bench_pack_stats(&pk.pk, t, &t->bench[i], &st[i], 0);
	tttd_rec_set_pack(p, "timing", &pk);
out:
	free(st);
	free(med);
	return r;
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

/*
 * Compile the task's reference with its ref_cflags.  It runs in the worker,
 * after the backend opened, so a CUDA reference is compiled for the device
 * that runs it; the parent keeps the bytes for the workers that follow, so
 * it is compiled once per tttd-bench process.
 */
static int
compile_reference(struct worker *w, struct tttd_compile_out *out, struct tttd_error *e)
{
	const struct tttd_task *t = w->t;
	const struct tttd_target *tg = tttd_target_of(t);
	const struct tttd_compile_target *tgt = tg ? tg->compile : NULL;
	struct tttd_compile_opts co = { 0 };
	struct tttd_compile_in ci = { 0 };
	char archbuf[32];
	int r;

	TTTD_RETURN_IF(!tgt, e, TTTD_ENODEV, "task '%s': target '%s' is not built", t->name,
		       t->target);
	co.jobs = 1;
	co.cc = w->o->cc ? w->o->cc : "cc";
	co.arch = w->o->arch;
	ci.source = w->ref_src;
	ci.source_len = w->ref_src_len;
	ci.options = t->ref_cflags && *t->ref_cflags ? t->ref_cflags : tg->ref_options;
	ci.arch = w->o->arch ? w->o->arch : "";
	/* Compiled here, in the worker, for the device that will run it. */
	if (!w->o->arch && w->be.ops->arch) {
		w->be.ops->arch(&w->be, archbuf, sizeof(archbuf));
		co.arch = ci.arch = archbuf;
	}
	r = tgt->compile(&co, &ci, out, e);
	if (r == TTTD_OK && !out->ok)
		r = tttd_error_set(e, TTTD_ECOMPILE, "reference '%s' does not compile: %s",
				   w->ref_path, out->reason ? out->reason : "(no message)");
	if (r < 0)
		tttd_error_prefix(e, "task '%s'", t->name);
	return r;
}

void __attribute__((noreturn))
tttd_bench_worker_main(struct worker *w, int fd, int errfd)
{
	struct tttd_error e = { 0 };
	struct tttd_compile_out ref;
	struct tttd_rec q, p;
	int devnull, r;

	/* Die with the parent; keep the record stream away from candidates. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	devnull = open("/dev/null", O_RDWR);
	if (devnull >= 0) {
		dup2(devnull, 0);
		dup2(devnull, 1);
		if (devnull > 2)
			close(devnull);
	}
	if (errfd >= 0) {
		dup2(errfd, 2);
		close(errfd);
	}
	tttd_rec_init(&q);
	tttd_rec_init(&p);
	tttd_compile_out_init(&ref);
	r = tttd_backend_open(&w->be, w->o->backend, w->o->device, &e);
	/* The CPU's sandbox needs its shared arena before any case or candidate. */
	if (r == TTTD_OK && w->be.ops->prepare)
		r = w->be.ops->prepare(&w->be, w->t, w->o->timeout_s + 5, &e);
	if (r == TTTD_OK && !w->ref_obj) {
		r = compile_reference(w, &ref, &e);
		w->ref_obj = ref.object;
		w->ref_len = ref.object_len;
		if (r == TTTD_OK)
			tttd_rec_set_bin(&p, "_ref_object", ref.object, ref.object_len);
	}
	if (r == TTTD_OK) {
		r = w->be.ops->load(&w->be, w->t, w->ref_obj, w->ref_len,
				    w->t->ref_entry ? w->t->ref_entry : "tttd_reference", &w->ref, &e);
		if (r < 0)
			tttd_error_prefix(&e, "cannot load the reference of task '%s'", w->t->name);
	}
	if (r < 0) {
		tttd_bench_reply_error(&p, &e);
		tttd_bench_send_rec(fd, &p);
		_exit(1);
	}
	if (!(w->peak_bw > 0 || w->peak_flops > 0)) {
		backend_peaks(&w->be, &w->peak_bw, &w->peak_flops);
		tttd_rec_set_double(&p, "_peak_bw", w->peak_bw);
		tttd_rec_set_double(&p, "_peak_flops", w->peak_flops);
	}
	tttd_rec_set_str(&p, "device", w->be.ops->device_name(&w->be));
	if (tttd_bench_send_rec(fd, &p) < 0)
		_exit(1);
	while (tttd_bench_recv_rec(fd, &q, 0, &e) == RECV_OK) {
		tttd_rec_clear(&p);
		if (tttd_rec_str_is(&q, "op", "ref"))
			r = worker_ref(w, &p, &e);
		else
			r = worker_eval(w, &q, &p, &e);
		if (r < 0) {
			tttd_rec_clear(&p);
			tttd_bench_reply_error(&p, &e);
		}
		if (tttd_bench_send_rec(fd, &p) < 0 || r < 0)
			_exit(1);
		if (tttd_rec_has(&p, "_restart"))
			_exit(0);
	}
	_exit(0);
}

/* ---- the parent ---- */

static int stderr_file(void);

/*
 * The resident memory a CPU worker may reach: its cases hold each buffer
 * up to three times (device, original inputs, expected outputs), so 4x the
 * largest shape's buffers plus MEM_BASE for code, the reference and the
 * candidate's own scratch.  A candidate past it is stopped as "oom" before
 * it takes the machine down or thrashes into a misleading "timeout".  On
 * the CUDA target a candidate is device code and holds no host memory.
 */
static uint64_t
mem_limit_of(const struct tttd_task *t)
{
	uint64_t most = 0;
	size_t k;

	for (k = 0; k < t->ncheck + t->nbench; k++) {
		const struct tttd_shape *s = k < t->ncheck ? &t->check[k] : &t->bench[k - t->ncheck];
		struct tttd_inputs in;
		uint64_t sum = 0;

		if (tttd_inputs_sizes(&in, t, s, NULL) < 0)
			continue; /* the worker reports it */
		for (size_t i = 0; i < in.nbuf; i++)
			sum += in.bytes[i];
		tttd_inputs_release(&in);
		if (sum > most)
			most = sum;
	}
	return MEM_BASE + 4 * most;
}

/* Resident bytes of process pid alone (/proc/pid/statm), 0 if unknown. */
static uint64_t
resident_bytes_of(pid_t pid)
{
	char path[64];
	unsigned long long size = 0, rss = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	if (fscanf(f, "%llu %llu", &size, &rss) != 2)
		rss = 0;
	fclose(f);
	return (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

/*
 * Resident bytes of the worker and its children: on the CPU target the
 * candidate runs in a child of the worker (its sandbox), and its memory is
 * what the limit is for.
 */
static uint64_t
resident_bytes(pid_t pid)
{
	char path[96];
	uint64_t sum = resident_bytes_of(pid);
	int child;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	if (!(f = fopen(path, "r")))
		return sum;
	while (fscanf(f, "%d", &child) == 1)
		sum += resident_bytes_of(child);
	fclose(f);
	return sum;
}


struct tttd_bench {
	const struct tttd_task *t;
	struct tttd_bench_opts o;
	char backend[16];
	char *ref_src, *ref_path; /* the reference source and where it came from */
	size_t ref_src_len;
	unsigned char *ref_obj; /* compiled by the first worker, or NULL */
	size_t ref_len;
	double peak_bw, peak_flops; /* measured by the first worker (0: unknown) */
	pid_t pid;                   /* the worker, or 0 */
	int fd;
	int errfd; /* the workers' stderr: a sealed memfd, or -1 (then stderr is ours) */
	uint64_t mem_limit; /* bytes of resident memory a worker may hold (0: no limit) */
	int have_ref;
	double ref_ns;
	char device[256];
	/* A target that evaluates candidates in this process (model): no worker, no reference. */
	int (*evaluate)(const struct tttd_task *t, struct tttd_rec *r, struct tttd_error *e);
};

int
tttd_bench_new(struct tttd_bench **out, const struct tttd_task *t, const struct tttd_bench_opts *o,
	       struct tttd_error *e)
{
	const struct tttd_target *tg = tttd_target_of(t);
	struct tttd_bench *b;
	char *path, *src = NULL;
	size_t len = 0, cap = 0;
	FILE *f;
	int r;

	*out = NULL;
	if (tg && tg->evaluate) {
		/* Nothing runs, so any --backend will do: the target times its candidates itself. */
		b = xcalloc(1, sizeof(*b));
		b->t = t;
		b->o = *o;
		b->fd = b->errfd = -1;
		b->evaluate = tg->evaluate;
		*out = b;
		return TTTD_OK;
	}
	if (strcmp(o->backend, "auto") != 0 && strcmp(o->backend, t->target) != 0)
		return tttd_error_set(e, TTTD_EINVAL, "backend '%s' cannot run task '%s' (target %s)",
				      o->backend, t->name, t->target);
	TTTD_RETURN_IF(!tg || !tg->compile, e, TTTD_ENODEV,
		       "task '%s': target '%s' is not built", t->name, t->target);
	/* The reference path is relative to the task folder unless it names a file as it is. */
	path = t->reference[0] == '/' || access(t->reference, R_OK) == 0
		       ? xstrdup(t->reference)
		       : xasprintf("%s/%s", t->dir, t->reference);
	f = fopen(path, "r");
	if (!f) {
		r = tttd_error_set(e, TTTD_EIO, "cannot open '%s':", path);
		free(path);
		return r;
	}
	for (;;) {
		size_t got;

		XGROW(src, cap, len + 4097);
		got = fread(src + len, 1, 4096, f);
		len += got;
		if (got < 4096)
			break;
	}
	src[len] = '\0';
	r = ferror(f);
	fclose(f);
	if (r) {
		free(src);
		r = tttd_error_set(e, TTTD_EIO, "cannot read '%s'", path);
		free(path);
		return r;
	}

	b = xcalloc(1, sizeof(*b));
	b->t = t;
	b->o = *o;
	snprintf(b->backend, sizeof(b->backend), "%s",
		 strcmp(o->backend, "auto") == 0 ? t->target : o->backend);
	b->o.backend = b->backend;
	b->fd = -1;
	b->errfd = stderr_file();
	/* Host code shares this machine's memory: its worker is held to a limit. */
	tg = tttd_target_find(b->backend);
	b->mem_limit = tg && tg->flags & TTTD_TARGET_HOST ? mem_limit_of(t) : 0;
	b->ref_src = src;
	b->ref_src_len = len;
	b->ref_path = path;
	*out = b;
	return TTTD_OK;
}

/*
 * A memory file of STDERR_FILE bytes that cannot grow: a write that would
 * pass its end fails (EPERM) instead of filling memory or a disk.  Room
 * beyond STDERR_KEEP tells a truncated stderr from one that fit.  @return the fd
 * (close-on-exec), or -1 where memfd or sealing is missing (the worker then
 * writes to our stderr, as it did before).
 */
static int
stderr_file(void)
{
	int fd = memfd_create("tttd-bench-stderr", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -1;
	if (ftruncate(fd, STDERR_FILE) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Move what the worker wrote to stderr since the last call into r's
 * "stderr" (NULL r: discard it), and rewind the file.  The worker's fd 2
 * shares the file offset with b->errfd, so the offset is how much it wrote.
 */
static void
stderr_take(struct tttd_bench *b, struct tttd_rec *r)
{
	char buf[STDERR_KEEP + 64];
	off_t end;
	ssize_t n;

	if (b->errfd < 0)
		return;
	end = lseek(b->errfd, 0, SEEK_CUR);
	if (end > 0 && r) {
		n = pread(b->errfd, buf, (size_t)(end < STDERR_KEEP ? end : STDERR_KEEP), 0);
		if (n > 0) {
			if (end > STDERR_KEEP)
				n += snprintf(buf + n, sizeof(buf) - (size_t)n,
					      "\n[stderr truncated at %d bytes]", STDERR_KEEP);
			tttd_rec_set_strn(r, "stderr", buf, (size_t)n);
		}
	}
	lseek(b->errfd, 0, SEEK_SET);
}

enum { RECV_MEMORY = -101 };

/*
 * Wait for the worker's reply until deadline_ns as tttd_bench_recv_rec does, reading
 * the worker's resident memory every MEM_POLL_MS meanwhile.
 * @return tttd_bench_recv_rec's codes, or RECV_MEMORY (*rss set) when the worker holds
 * more than b->mem_limit.
 */
static int
await_reply(struct tttd_bench *b, struct tttd_rec *p, uint64_t deadline_ns, uint64_t *rss,
	    struct tttd_error *e)
{
	while (b->mem_limit) {
		struct pollfd pfd = { .fd = b->fd, .events = POLLIN };
		uint64_t now = tttd_now_ns();
		int r;

		if (now >= deadline_ns)
			return RECV_TIMEOUT;
		r = poll(&pfd, 1, (int)fmin(MEM_POLL_MS, (double)(deadline_ns - now) / 1e6 + 1));
		if (r > 0)
			break; /* a reply (or the worker's end) is there */
		if (r < 0 && errno != EINTR)
			return tttd_error_set(e, TTTD_EIO, "cannot poll the worker:");
		if ((*rss = resident_bytes(b->pid)) > b->mem_limit)
			return RECV_MEMORY;
	}
	return tttd_bench_recv_rec(b->fd, p, deadline_ns, e);
}

static void
describe_exit(int status, char *buf, size_t n)
{
	if (WIFSIGNALED(status)) {
		const char *abbr = sigabbrev_np(WTERMSIG(status));

		if (abbr)
			snprintf(buf, n, "killed by signal SIG%s", abbr);
		else
			snprintf(buf, n, "killed by signal %d", WTERMSIG(status));
	} else if (WIFEXITED(status)) {
		snprintf(buf, n, "worker exited with status %d", WEXITSTATUS(status));
	} else {
		snprintf(buf, n, "worker stopped");
	}
}

/*
 * Reap the worker, killing it first if kill_first or if it does not exit
 * within a second of closing its socket.  why gets how it ended.
 */
static void
worker_reap(struct tttd_bench *b, int kill_first, char *why, size_t n)
{
	int status = 0, i;
	pid_t r = 0;

	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
	if (!b->pid)
		return;
	if (kill_first)
		kill(b->pid, SIGKILL);
	for (i = 0; i < 100 && !kill_first; i++) {
		r = waitpid(b->pid, &status, WNOHANG);
		if (r != 0)
			break;
		usleep(10000);
	}
	if (r == 0) {
		kill(b->pid, SIGKILL);
		r = waitpid(b->pid, &status, 0);
	}
	if (why)
		describe_exit(status, why, n);
	b->pid = 0;
}

static int
worker_start(struct tttd_bench *b, struct tttd_error *e)
{
	struct worker w = { 0 };
	struct tttd_rec hello;
	char why[128];
	int sv[2], r;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return tttd_error_set(e, TTTD_EIO, "cannot create a socket pair:");
	/* Nothing buffered may be written twice. */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return tttd_error_set(e, TTTD_EIO, "cannot fork a worker:");
	}
	if (pid == 0) {
		close(sv[0]);
		w.t = b->t;
		w.o = &b->o;
		w.ref_obj = b->ref_obj;
		w.ref_len = b->ref_len;
		w.ref_src = b->ref_src;
		w.ref_src_len = b->ref_src_len;
		w.ref_path = b->ref_path;
		w.peak_bw = b->peak_bw;
		w.peak_flops = b->peak_flops;
		tttd_bench_worker_main(&w, sv[1], b->errfd);
	}
	close(sv[1]);
	b->pid = pid;
	b->fd = sv[0];
	tttd_rec_init(&hello);
	r = tttd_bench_recv_rec(b->fd, &hello,
		     tttd_now_ns() + (uint64_t)(fmax(START_TIMEOUT_S, b->o.timeout_s) * 1e9), e);
	if (r == RECV_OK && tttd_rec_has(&hello, "_error")) {
		r = tttd_bench_reply_get_error(&hello, e);
	} else if (r == RECV_OK) {
		const char *p;
		size_t n;

		if (tttd_rec_get_strn(&hello, "device", &p, &n) == 1)
			snprintf(b->device, sizeof(b->device), "%.*s", (int)n, p);
		/* Measuring peaks takes a second: replacement workers inherit them. */
		tttd_rec_get_double(&hello, "_peak_bw", &b->peak_bw);
		tttd_rec_get_double(&hello, "_peak_flops", &b->peak_flops);
		if (!b->ref_obj && tttd_rec_get_bin(&hello, "_ref_object", (const void **)&p, &n) == 1) {
			b->ref_obj = xmalloc(n ? n : 1);
			memcpy(b->ref_obj, p, n);
			b->ref_len = n;
		}
		r = TTTD_OK;
	} else if (r == RECV_EOF || r == RECV_TIMEOUT) {
		worker_reap(b, r == RECV_TIMEOUT, why, sizeof(why));
		r = tttd_error_set(e, TTTD_EIO, "the worker did not start: %s",
				   r == RECV_TIMEOUT ? "timed out" : why);
	}
	tttd_rec_release(&hello);
	if (r < 0 && b->pid)
		worker_reap(b, 1, NULL, 0);
	return r;
}

int
tttd_bench_start(struct tttd_bench *b, struct tttd_error *e)
{
	struct tttd_rec q, p;
	double tmo;
	char why[128];
	int r;

	if (b->evaluate)
		return TTTD_OK;
	if (!b->pid) {
		TTTD_TRY(worker_start(b, e));
		stderr_take(b, NULL);
	}
	if (b->have_ref)
		return TTTD_OK;
	tttd_rec_init(&q);
	tttd_rec_init(&p);
	tttd_rec_set_str(&q, "op", "ref");
	/* The reference may be slow by design: give it the timing budget on top. */
	tmo = b->o.timeout_s + b->o.max_time_s + START_TIMEOUT_S;
	if (tttd_bench_send_rec(b->fd, &q) < 0)
		r = RECV_EOF;
	else
		r = tttd_bench_recv_rec(b->fd, &p, tttd_now_ns() + (uint64_t)(tmo * 1e9), e);
	if (r == RECV_OK && tttd_rec_has(&p, "_error")) {
		r = tttd_bench_reply_get_error(&p, e);
		tttd_error_prefix(e, "timing the reference of task '%s'", b->t->name);
		worker_reap(b, 1, NULL, 0);
	} else if (r == RECV_OK) {
		tttd_rec_get_double(&p, "time_ns", &b->ref_ns);
		b->have_ref = 1;
		r = TTTD_OK;
	} else if (r == RECV_EOF || r == RECV_TIMEOUT) {
		worker_reap(b, r == RECV_TIMEOUT, why, sizeof(why));
		r = tttd_error_set(e, TTTD_EIO, "timing the reference of task '%s': %s", b->t->name,
				   r == RECV_TIMEOUT ? "timed out" : why);
	} else {
		worker_reap(b, 1, NULL, 0);
	}
	stderr_take(b, NULL); /* the reference and the worker's start are trusted code */
	tttd_rec_release(&q);
	tttd_rec_release(&p);
	return r;
}

static void
copy_field(struct tttd_rec *dst, const struct tttd_rec *src, const char *key)
{
	const struct tttd_field *f = tttd_rec_find(src, key);

	if (f)
		tttd_rec_set_raw(dst, key, f->val, f->vlen);
}

int
tttd_bench_run(struct tttd_bench *b, struct tttd_rec *r, int keep_object, struct tttd_error *e)
{
	uint64_t t0 = tttd_now_ns(), rss = 0;
	struct tttd_rec q, p;
	char why[128];
	double tns;
	int rc;
	size_t i;

	if (b->evaluate) {
		rc = b->evaluate(b->t, r, e);
		if (rc < 0) {
			char *id = NULL;

			tttd_rec_get_str(r, "id", &id);
			tttd_error_prefix(e, "candidate '%s'", id ? id : "");
			free(id);
		}
		return rc;
	}
	if (b->o.paired)
		b->have_ref = 0; /* measure the reference now, next to the candidate */
	TTTD_TRY(tttd_bench_start(b, e));
	tttd_rec_init(&q);
	tttd_rec_init(&p);
	tttd_rec_set_str(&q, "op", "run");
	copy_field(&q, r, "id");
	copy_field(&q, r, "object");
	copy_field(&q, r, "decisions");
	if (tttd_bench_send_rec(b->fd, &q) < 0)
		rc = RECV_EOF;
	else
		rc = await_reply(b, &p, t0 + (uint64_t)(b->o.timeout_s * 1e9), &rss, e);
	/* Keys an earlier bench may have left would now lie. */
	tttd_rec_del(r, "reason");
	tttd_rec_del(r, "time_ns");
	tttd_rec_del(r, "speedup");
	tttd_rec_del(r, "timing");
	tttd_rec_del(r, "check");
	tttd_rec_del(r, "floor_ns");
	tttd_rec_del(r, "baseline");
	tttd_rec_del(r, "baseline_ns");
	tttd_rec_del(r, "baseline_ratio");
	tttd_rec_del(r, "stderr");
	if (rc == RECV_MEMORY) {
		worker_reap(b, 1, NULL, 0);
		tttd_rec_set_str(r, "status", "oom");
		snprintf(why, sizeof(why),
			 "out of memory: held %.0f MiB, more than the %.0f MiB a candidate of "
			 "this task may",
			 (double)rss / 1048576.0, (double)b->mem_limit / 1048576.0);
		tttd_rec_set_str(r, "reason", why);
	} else if (rc == RECV_TIMEOUT) {
		worker_reap(b, 1, NULL, 0);
		tttd_rec_set_str(r, "status", "timeout");
		snprintf(why, sizeof(why), "no result within %g s", b->o.timeout_s);
		tttd_rec_set_str(r, "reason", why);
	} else if (rc == RECV_EOF) {
		worker_reap(b, 0, why, sizeof(why));
		tttd_rec_set_str(r, "status", "crash");
		tttd_rec_set_str(r, "reason", why);
	} else if (rc == RECV_OK && tttd_rec_has(&p, "_error")) {
		rc = tttd_bench_reply_get_error(&p, e);
		worker_reap(b, 1, NULL, 0);
		goto out;
	} else if (rc == RECV_OK) {
		for (i = 0; i < p.n; i++)
			if (p.f[i].key[0] != '_')
				tttd_rec_set_raw(r, p.f[i].key, p.f[i].val, p.f[i].vlen);
		if (tttd_rec_has(&p, "_restart"))
			worker_reap(b, 0, NULL, 0);
	} else {
		worker_reap(b, 1, NULL, 0);
		goto out;
	}
	rc = TTTD_OK;
	stderr_take(b, r);
	tttd_rec_set_double(r, "ref_ns", b->ref_ns);
	if (tttd_rec_str_is(r, "status", "ok") && tttd_rec_get_double(r, "time_ns", &tns) == 1 &&
	    tns > 0)
		tttd_rec_set_double(r, "speedup", b->ref_ns / tns);
	tttd_rec_set_str(r, "device", b->device);
	tttd_rec_set_double(r, "bench_ms", (double)(tttd_now_ns() - t0) / 1e6);
	if (!keep_object)
		tttd_rec_del(r, "object");
out:
	stderr_take(b, NULL); /* after a tool error: nothing to attach it to */
	tttd_rec_release(&q);
	tttd_rec_release(&p);
	return rc;
}

const char *
tttd_bench_device(const struct tttd_bench *b)
{
	return b->device;
}

double
tttd_bench_ref_ns(const struct tttd_bench *b)
{
	return b->have_ref ? b->ref_ns : 0;
}

void
tttd_bench_free(struct tttd_bench *b)
{
	if (!b)
		return;
	worker_reap(b, 0, NULL, 0); /* closing the socket ends a healthy worker */
	if (b->errfd >= 0)
		close(b->errfd);
	free(b->ref_obj);
	free(b->ref_src);
	free(b->ref_path);
	free(b);
}
