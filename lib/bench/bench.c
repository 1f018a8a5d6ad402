/*
 * bench.c - tttd-bench's engine, the parent side: a bench per task, the
 * worker processes it forks (bench_worker.c), feeds and times out, and
 * replaces when a candidate kills one; the candidate's record gets the
 * worker's reply.  See bench.h for the protocol; the statistics are
 * bench_stats.c's, the frames bench_frame.c's, the check-and-time of a
 * candidate bench_eval.c's.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h> /* defines: memfd_create */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "bench_int.h"
#include "inputs.h"
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
	pid_t pid;                  /* the worker, or 0 */
	int fd;
	int errfd;          /* the workers' stderr: a sealed memfd, or -1 (then stderr is ours) */
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
	if (b->o.paired && !b->o.paired_baseline_only)
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
