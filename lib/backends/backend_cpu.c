/*
 * backend_cpu.c - the CPU backend: candidates are shared objects built by
 * the system C compiler, loaded with dlopen from a private temporary
 * directory and called directly on host buffers.  It is always built: it is
 * the oracle the other backends are checked against and the target CI runs.
 *
 * It runs inside a tttd-bench worker process, the trusted side.  The task's
 * reference is loaded here and called directly; a candidate is not: it is
 * loaded into a sandboxed process of its own (sandbox.c), and run() times
 * it from here, around a handshake in shared memory, so that nothing the
 * candidate does reaches the worker, its socket to tttd-bench, files,
 * the network or other processes.  The buffers a candidate sees come from
 * a shared arena (alloc_io), mapped before its process is forked; the
 * worker's own copies (pristine inputs, wanted outputs) are private.  This
 * file does not check results or decide how often to run anything.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "sandbox.h"

typedef void (*cpu_entry)(void **buf, const long *dim);

struct cpu_state {
	char dir[64];         /* mkdtemp'd directory for objects */
	unsigned nloaded;     /* objects written so far, for unique names */
	unsigned char *sweep; /* cache flush buffer */
	size_t nsweep;
	volatile unsigned char sink; /* keeps the sweep from being optimised away */
	struct timespec t0;
	char name[256];
	/* The shared arena of candidates' buffers: bump-allocated, reset when all are freed. */
	char *arena;
	size_t arena_len, arena_used;
	unsigned arena_live;
	double timeout_s; /* a sandboxed load or call (tttd_cpu_prepare) */
	int sandboxed;    /* the last run() was a candidate's: its time is last_ns */
	double last_ns;
};

struct cpu_kernel {
	void *dl; /* the reference, loaded here */
	cpu_entry fn;
	struct tttd_sandbox *sb; /* or a candidate, in its own process */
};

/* Arena bytes for one buffer: 64-byte aligned. */
#define ARENA_ROUND(n) (((n) + 63) / 64 * 64)

/*
 * Cache flush size: twice the last-level cache, capped.  A large server's
 * shared L3 (hundreds of MiB) cannot be swept before every repetition at
 * a sane cost, so the cap flushes the private caches and a good part of the
 * shared one.  NEEDSWORK: rotate input copies instead when the LLC is huge.
 */
#define SWEEP_MIN (8u << 20)
#define SWEEP_MAX (32u << 20)

static void
read_cpu_name(char *out, size_t n)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512];

	snprintf(out, n, "cpu");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon;

		if (strncmp(line, "model name", 10) != 0 || !(colon = strchr(line, ':')))
			continue;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, n, "%s", colon);
		break;
	}
	fclose(f);
}

static int
cpu_open(struct tttd_backend *b, int device, struct tttd_error *e)
{
	struct cpu_state *st;
	long llc = -1;
	const char *tmp = getenv("TMPDIR");

	if (device != 0)
		return tttd_error_set(e, TTTD_ENODEV, "cpu backend has only device 0, not %d",
				      device);
	st = xcalloc(1, sizeof(*st));
	snprintf(st->dir, sizeof(st->dir), "%s/tttd-bench.XXXXXX",
		 tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(st->dir)) {
		free(st);
		return tttd_error_set(e, TTTD_EIO, "cannot create a temporary directory:");
	}
#ifdef _SC_LEVEL3_CACHE_SIZE
	llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
	st->nsweep = llc > 0 ? 2 * (size_t)llc : SWEEP_MIN;
	if (st->nsweep < SWEEP_MIN)
		st->nsweep = SWEEP_MIN;
	if (st->nsweep > SWEEP_MAX)
		st->nsweep = SWEEP_MAX;
	st->sweep = xcalloc(1, st->nsweep);
	read_cpu_name(st->name, sizeof(st->name));
	b->state = st;
	b->device = device;
	return TTTD_OK;
}

static void
cpu_close(struct tttd_backend *b)
{
	struct cpu_state *st = b->state;

	if (!st)
		return;
	rmdir(st->dir); /* objects are unlinked right after dlopen */
	if (st->arena)
		munmap(st->arena, st->arena_len);
	free(st->sweep);
	free(st);
	b->state = NULL;
}

static int
cpu_load(struct tttd_backend *b, const struct tttd_task *t, const void *obj, size_t n,
	 const char *entry, void **kernel, struct tttd_error *e)
{
	struct cpu_state *st = b->state;
	struct cpu_kernel *k;
	char path[128];
	void *dl, *sym;
	int fd;

	(void)t;
	/* dlopen caches by path, so every object gets a new name. */
	snprintf(path, sizeof(path), "%s/k%u.so", st->dir, st->nloaded++);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return tttd_error_set(e, TTTD_EIO, "cannot create '%s':", path);
	if (tttd_write_all(fd, obj, n) < 0 || close(fd) < 0) {
		int saved = errno;

		unlink(path);
		errno = saved;
		return tttd_error_set(e, TTTD_EIO, "cannot write '%s':", path);
	}
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	unlink(path);
	if (!dl)
		return tttd_error_set(e, TTTD_EFORMAT, "cannot load object: %s", dlerror());
	sym = dlsym(dl, entry);
	if (!sym) {
		dlclose(dl);
		return tttd_error_set(e, TTTD_EFORMAT, "object has no entry point '%s'", entry);
	}
	k = xcalloc(1, sizeof(*k)); /* no sandbox: a trusted object, called here */
	k->dl = dl;
	/* POSIX guarantees a data pointer from dlsym converts to a function pointer.
	 */
	memcpy(&k->fn, &sym, sizeof(k->fn));
	*kernel = k;
	return TTTD_OK;
}

static void
cpu_unload(struct tttd_backend *b, void *kernel)
{
	struct cpu_kernel *k = kernel;

	(void)b;
	if (!k)
		return;
	if (k->sb)
		tttd_sandbox_close(k->sb);
	else
		dlclose(k->dl);
	free(k);
}

int
tttd_cpu_prepare(struct tttd_backend *b, const struct tttd_task *t, double timeout_s,
		 struct tttd_error *e)
{
	struct cpu_state *st = b->state;
	size_t most = 0, k, i;

	/* The most any one case holds at once (check and bench shapes alike). */
	for (k = 0; k < t->ncheck + t->nbench; k++) {
		const struct tttd_shape *s =
			k < t->ncheck ? &t->check[k] : &t->bench[k - t->ncheck];
		struct tttd_inputs in;
		size_t sum = 0;

		TTTD_TRY(tttd_inputs_sizes(&in, t, s, e));
		for (i = 0; i < in.nbuf; i++)
			sum += ARENA_ROUND(in.bytes[i] ? in.bytes[i] : 1);
		tttd_inputs_release(&in);
		if (sum > most)
			most = sum;
	}
	if (st->arena)
		munmap(st->arena, st->arena_len);
	st->arena_len = most + 4096;
	st->arena = mmap(NULL, st->arena_len, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (st->arena == MAP_FAILED) {
		st->arena = NULL;
		return tttd_error_set(e, TTTD_EIO,
				      "cannot map %zu bytes of shared buffers:", st->arena_len);
	}
	st->arena_used = 0;
	st->arena_live = 0;
	st->timeout_s = timeout_s;
	return TTTD_OK;
}

/*
 * A candidate: its own sandboxed process (sandbox.h), never this one.  Its
 * address space may grow by 1 GiB plus the arena beyond what it inherits.
 */
static int
cpu_load_candidate(struct tttd_backend *b, const struct tttd_task *t, const void *obj, size_t n,
		   const char *entry, void **kernel, struct tttd_error *e)
{
	struct cpu_state *st = b->state;
	struct tttd_sandbox_limits lim;
	struct cpu_kernel *k;
	struct tttd_sandbox *sb;
	int r;

	(void)t;
	TTTD_RETURN_IF(!st->arena, e, TTTD_EINVAL, "the CPU backend was not prepared for a task");
	lim.timeout_s = st->timeout_s > 0 ? st->timeout_s : 10;
	lim.mem_bytes = (1ull << 30) + st->arena_len;
	if ((r = tttd_sandbox_open(&sb, st->arena, st->arena_len, obj, n, entry, &lim, e)) < 0)
		return r;
	k = xcalloc(1, sizeof(*k));
	k->sb = sb;
	*kernel = k;
	return TTTD_OK;
}

/* A buffer a candidate sees: in the shared arena. */
static int
cpu_alloc_io(struct tttd_backend *b, size_t bytes, void **dev, struct tttd_error *e)
{
	struct cpu_state *st = b->state;
	size_t need = ARENA_ROUND(bytes ? bytes : 1);

	TTTD_RETURN_IF(!st->arena, e, TTTD_EINVAL, "the CPU backend was not prepared for a task");
	TTTD_RETURN_IF(st->arena_len - st->arena_used < need, e, TTTD_ENOMEM,
		       "the shared arena (%zu bytes) cannot hold %zu more", st->arena_len, need);
	*dev = st->arena + st->arena_used;
	st->arena_used += need;
	st->arena_live++;
	return TTTD_OK;
}

static int
cpu_alloc(struct tttd_backend *b, size_t bytes, void **dev, struct tttd_error *e)
{
	(void)b;
	(void)e;
	/* 64-byte aligned, rounded up as aligned_alloc requires; never NULL. */
	*dev = aligned_alloc(64, bytes ? (bytes + 63) / 64 * 64 : 64);
	if (!*dev)
		*dev = xmalloc(bytes ? bytes : 1);
	return TTTD_OK;
}

static void
cpu_free(struct tttd_backend *b, void *dev)
{
	struct cpu_state *st = b->state;

	if (st->arena && (char *)dev >= st->arena && (char *)dev < st->arena + st->arena_len) {
		/* Cases come one at a time: when the last buffer goes, start over. */
		if (st->arena_live && --st->arena_live == 0)
			st->arena_used = 0;
		return;
	}
	free(dev);
}

static int
cpu_fill(struct tttd_backend *b, void *dev, enum tttd_dtype d, size_t n, enum tttd_dist dist,
	 double scale, uint64_t seed, struct tttd_error *e)
{
	(void)b;
	(void)e;
	tttd_fill(dev, d, n, dist, scale, seed);
	return TTTD_OK;
}

static int
cpu_poison(struct tttd_backend *b, void *dev, enum tttd_dtype d, size_t n, struct tttd_error *e)
{
	(void)b;
	(void)e;
	tttd_poison(dev, d, n);
	return TTTD_OK;
}

static int
cpu_copy(struct tttd_backend *b, void *dst, const void *src, size_t n, struct tttd_error *e)
{
	(void)b;
	(void)e;
	if (n)
		memcpy(dst, src, n);
	return TTTD_OK;
}

static int
cpu_compare(struct tttd_backend *b, struct tttd_cmp *c, enum tttd_dtype d, const void *got,
	    const void *want, size_t n, double rtol, double atol, struct tttd_error *e)
{
	(void)b;
	(void)e;
	tttd_compare(c, d, got, want, n, rtol, atol);
	return TTTD_OK;
}

static int
cpu_run(struct tttd_backend *b, void *kernel, const struct tttd_task *t, const struct tttd_shape *s,
	const int *choice, void **buf, struct tttd_error *e)
{
	struct cpu_state *st = b->state;
	struct cpu_kernel *k = kernel;

	(void)choice;
	st->sandboxed = k->sb != NULL;
	if (k->sb)
		return tttd_sandbox_call(k->sb, buf, t->nbuf, s->dim, t->ndim, &st->last_ns, e);
	k->fn(buf, s->dim);
	return TTTD_OK;
}

static int
cpu_sync(struct tttd_backend *b, struct tttd_error *e)
{
	(void)b;
	(void)e;
	return TTTD_OK; /* the call has returned: nothing is in flight */
}

static int
cpu_flush(struct tttd_backend *b, struct tttd_error *e)
{
	struct cpu_state *st = b->state;
	unsigned char acc = 0;
	size_t i;

	(void)e;
	/* Read and write every line so dirty and clean lines are both evicted. */
	for (i = 0; i < st->nsweep; i += 64) {
		acc ^= st->sweep[i];
		st->sweep[i] = (unsigned char)(acc + 1);
	}
	st->sink = acc;
	return TTTD_OK;
}

static int
cpu_timer_start(struct tttd_backend *b, struct tttd_error *e)
{
	struct cpu_state *st = b->state;

	(void)e;
	clock_gettime(CLOCK_MONOTONIC, &st->t0);
	return TTTD_OK;
}

static int
cpu_timer_stop(struct tttd_backend *b, double *ns, struct tttd_error *e)
{
	struct cpu_state *st = b->state;
	struct timespec t1;

	(void)e;
	if (st->sandboxed) { /* timed by the sandbox's handshake, from this side */
		*ns = st->last_ns;
		return TTTD_OK;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*ns = (double)(t1.tv_sec - st->t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - st->t0.tv_nsec);
	return TTTD_OK;
}

static const char *
cpu_device_name(struct tttd_backend *b)
{
	struct cpu_state *st = b->state;

	return st ? st->name : "cpu";
}

const struct tttd_backend_ops tttd_cpu_ops = {
	.open = cpu_open,
	.close = cpu_close,
	.load = cpu_load,
	.load_candidate = cpu_load_candidate,
	.alloc_io = cpu_alloc_io,
	.unload = cpu_unload,
	.alloc = cpu_alloc,
	.free = cpu_free,
	.run = cpu_run,
	.sync = cpu_sync,
	.flush = cpu_flush,
	.timer_start = cpu_timer_start,
	.timer_stop = cpu_timer_stop,
	.device_name = cpu_device_name,
	.fill = cpu_fill,
	.poison = cpu_poison,
	.copy = cpu_copy,
	.compare = cpu_compare,
	.prepare = tttd_cpu_prepare,
};
