/*
 * compile.c - the compile driver: per-record work (target dispatch, cache
 * lookup, record keys) and a pool of worker threads that keeps records in
 * input order while compiling several at once.
 *
 * Threads, not a child process per compile: the compilers themselves are
 * child processes already (compile_cpu.c), NVRTC is thread-safe, and results
 * then need no serialisation.  The order is kept by a ring of slots indexed
 * by submission number; whoever finishes the slot at the head emits it and
 * every finished slot after it, one emitter at a time.
 *
 * It does not read or write streams (the tool does, through the emit
 * callback) and never prints.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cache.h"
#include "candidate.h" /* defines: tttd_cand_read */
#include "compile.h"
#include "schema.h" /* defines: tttd_rec_stamp */
#include "target.h" /* defines: tttd_target_find, TTTD_TARGET_HOST */
#ifdef TTTD_HAVE_CUDA
#include "nvrtc.h" /* defines: tttd_nvrtc_compile, tttd_nvrtc_version_string */
#endif

/*
 * Keep every target's log within TTTD_COMPILE_LOG_MAX plus a truncation note
 * (compile.h).  The CPU target already caps while it reads (which bounds its
 * memory), and its note is short, so a capped log passes through unchanged.
 */
#define LOG_NOTE_MAX 100

static void
cap_log(struct tttd_compile_out *out)
{
	size_t n = out->log ? strlen(out->log) : 0;
	char *t;

	if (n <= TTTD_COMPILE_LOG_MAX + LOG_NOTE_MAX)
		return;
	t = xasprintf("%.*s\n[compile log truncated: %zu more bytes]\n", TTTD_COMPILE_LOG_MAX,
		      out->log, n - TTTD_COMPILE_LOG_MAX);
	free(out->log);
	out->log = t;
}

char *
tttd_compile_log_reason(const char *log, int any_line)
{
	const char *p = strstr(log, "error"), *s, *t;

	if (p) {
		s = p;
		while (s > log && s[-1] != '\n')
			s--;
	} else if (any_line) {
		s = log;
		while (*s == '\n' || *s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return NULL;
	} else {
		return NULL;
	}
	t = s + strcspn(s, "\n");
	return xstrndup(s, (size_t)(t - s));
}

/* ---- results ---- */

void
tttd_compile_out_init(struct tttd_compile_out *o)
{
	memset(o, 0, sizeof(*o));
}

void
tttd_compile_out_release(struct tttd_compile_out *o)
{
	if (!o)
		return;
	free(o->object);
	free(o->log);
	free(o->reason);
	free(o->res);
	memset(o, 0, sizeof(*o));
}

void
tttd_compile_out_add_resource(struct tttd_compile_out *o, const char *name, int64_t value)
{
	size_t cap = o->nres;

	XGROW(o->res, cap, o->nres + 1);
	memset(&o->res[o->nres], 0, sizeof(o->res[0]));
	snprintf(o->res[o->nres].name, sizeof(o->res[0].name), "%s", name);
	o->res[o->nres].value = value;
	o->nres++;
}

/* ---- targets ---- */

#ifdef TTTD_HAVE_CUDA
/*
 * The "cuda" target: an adapter from lib/compile/nvrtc.c's interface to the target
 * shape.  NVRTC's version names the compiler; the arch is required because
 * a compile machine need not have a GPU to ask.
 */
static int
cuda_identity(const struct tttd_compile_opts *o, char **id, struct tttd_error *e)
{
	*id = xstrdup(tttd_nvrtc_version_string());
	return TTTD_OK;
}


static int
cuda_compile(const struct tttd_compile_opts *o, const struct tttd_compile_in *in,
	     struct tttd_compile_out *out, struct tttd_error *e)
{
	struct tttd_nvrtc_result nr;
	int rc;

	TTTD_RETURN_IF(!in->arch || !*in->arch, e, TTTD_EINVAL,
		       "cuda candidates need an architecture (--arch sm_XY)");
	if ((out->reason = tttd_nvrtc_options_refused(in->options))) {
		out->log = xstrdup("");
		return TTTD_OK;
	}
	rc = tttd_nvrtc_compile(in->source, "candidate.cu", in->options, in->arch, &nr, e);
	if (rc < 0 && rc != TTTD_ECOMPILE) {
		tttd_nvrtc_result_release(&nr);
		return rc;
	}
	out->ok = rc == TTTD_OK && nr.ok;
	out->cacheable = 1;
	out->log = xstrdup(nr.log ? nr.log : "");
	if (out->ok) {
		out->object = xmalloc(nr.ncubin ? nr.ncubin : 1);
		memcpy(out->object, nr.cubin, nr.ncubin);
		out->object_len = nr.ncubin;
		tttd_compile_out_add_resource(out, "registers", nr.regs);
		tttd_compile_out_add_resource(out, "shared_bytes", nr.smem);
		tttd_compile_out_add_resource(out, "stack_bytes", nr.stack);
		tttd_compile_out_add_resource(out, "spill_stores", nr.spill_stores);
		tttd_compile_out_add_resource(out, "spill_loads", nr.spill_loads);
	} else {
		out->reason = tttd_compile_log_reason(out->log, 0);
		if (!out->reason)
			out->reason = xstrdup("nvrtc compile failed");
	}
	tttd_nvrtc_result_release(&nr);
	return TTTD_OK;
}

const struct tttd_compile_target tttd_compile_cuda = {
	.identity = cuda_identity,
	.compile = cuda_compile,
};

#endif

const struct tttd_compile_target *
tttd_compile_target_find(const char *name)
{
	const struct tttd_target *t = tttd_target_find(name);

	return t ? t->compile : NULL;
}

/*
 * Identities are computed once per (target, compiler) for the life of the
 * process: `cc --version` costs a process, and every compile needs it.
 */
struct ident {
	struct ident *next;
	const struct tttd_compile_target *t;
	char *cc;
	char *id;
};
static struct ident *idents;
static pthread_mutex_t ident_mu = PTHREAD_MUTEX_INITIALIZER;

static int
identity(const struct tttd_compile_target *t, const struct tttd_compile_opts *o, const char **id,
	 struct tttd_error *e)
{
	const char *cc = o->cc ? o->cc : "";
	struct ident *p;
	char *s = NULL;
	int r;

	pthread_mutex_lock(&ident_mu);
	for (p = idents; p; p = p->next)
		if (p->t == t && !strcmp(p->cc, cc))
			break;
	if (!p) {
		/* Under the lock: a second thread waits instead of running it twice. */
		r = t->identity(o, &s, e);
		if (r < 0) {
			pthread_mutex_unlock(&ident_mu);
			return r;
		}
		p = xcalloc(1, sizeof(*p));
		p->t = t;
		p->cc = xstrdup(cc);
		p->id = s;
		p->next = idents;
		idents = p;
	}
	pthread_mutex_unlock(&ident_mu);
	*id = p->id;
	return TTTD_OK;
}

/* ---- cache payload: the result of one compile ---- */

/*
 * Layout (host byte order: a cache belongs to one machine's run):
 * "TTCR", u32 ok, u64 object_len, u64 log_len, u64 reason_len, u64 nres,
 * then the object, log and reason bytes, then nres x (name[32], i64).
 */
#define PAYLOAD_HEAD (4 + 4 + 4 * 8)

static void *
payload_pack(const struct tttd_compile_out *o, size_t *n)
{
	uint64_t lens[4] = { o->object_len, o->log ? strlen(o->log) : 0,
			     o->reason ? strlen(o->reason) : 0, o->nres };
	uint32_t ok = (uint32_t)o->ok;
	size_t total = PAYLOAD_HEAD + lens[0] + lens[1] + lens[2] + o->nres * sizeof(o->res[0]);
	unsigned char *p = xmalloc(total), *q = p;

	memcpy(q, "TTCR", 4), q += 4;
	memcpy(q, &ok, 4), q += 4;
	memcpy(q, lens, sizeof(lens)), q += sizeof(lens);
	if (lens[0])
		memcpy(q, o->object, lens[0]), q += lens[0];
	if (lens[1])
		memcpy(q, o->log, lens[1]), q += lens[1];
	if (lens[2])
		memcpy(q, o->reason, lens[2]), q += lens[2];
	if (o->nres)
		memcpy(q, o->res, o->nres * sizeof(o->res[0]));
	*n = total;
	return p;
}

/* @return 0, or -1 if p is not a payload (then o is left released). */
static int
payload_unpack(const unsigned char *p, size_t n, struct tttd_compile_out *o)
{
	uint64_t lens[4];
	uint32_t ok;
	size_t need;

	tttd_compile_out_init(o);
	if (n < PAYLOAD_HEAD || memcmp(p, "TTCR", 4) != 0)
		return -1;
	memcpy(&ok, p + 4, 4);
	memcpy(lens, p + 8, sizeof(lens));
	if (lens[0] > n || lens[1] > n || lens[2] > n || lens[3] > n / sizeof(o->res[0]))
		return -1;
	need = PAYLOAD_HEAD + lens[0] + lens[1] + lens[2] + lens[3] * sizeof(o->res[0]);
	if (need != n)
		return -1;
	p += PAYLOAD_HEAD;
	o->ok = ok != 0;
	o->object_len = lens[0];
	o->object = xmalloc(lens[0] + 1);
	memcpy(o->object, p, lens[0]), p += lens[0];
	o->log = xstrndup((const char *)p, lens[1]), p += lens[1];
	if (lens[2])
		o->reason = xstrndup((const char *)p, lens[2]);
	p += lens[2];
	if (lens[3]) {
		o->res = xmalloc(lens[3] * sizeof(o->res[0]));
		memcpy(o->res, p, lens[3] * sizeof(o->res[0]));
		o->nres = lens[3];
	}
	o->cacheable = 1;
	return 0;
}

/* ---- one record ---- */

/* Mark r a compile_error with reason (and an empty log) without compiling. */
static void
reject(struct tttd_rec *r, const struct tttd_compile_opts *o, const char *reason)
{
	tttd_rec_set_str(r, "status", "compile_error");
	tttd_rec_set_str(r, "reason", reason);
	tttd_rec_set_str(r, "compile_log", "");
	tttd_rec_set_double(r, "compile_ms", 0);
	tttd_rec_set_bool(r, "cached", 0);
	if (o->tool)
		tttd_rec_stamp(r, o->tool);
}

/* The architecture in the cache key: --arch for device code, the machine for host code. */
static const char *
key_arch(const struct tttd_target *t, const struct tttd_compile_opts *o, char *buf,
	 size_t n)
{
	struct utsname u;

	if (!(t->flags & TTTD_TARGET_HOST))
		return o->arch ? o->arch : "";
	/*
	 * NEEDSWORK: -march=native in cflags makes the object depend on the
	 * CPU model too; a cache shared between machines of one architecture
	 * but different models would hand out objects with the wrong ISA.
	 */
	if (uname(&u) < 0)
		return "";
	snprintf(buf, n, "%s", u.machine);
	return buf;
}

int
tttd_compile_rec(const struct tttd_compile_opts *o, struct tttd_cache *cache, struct tttd_rec *r,
		 int *what, struct tttd_error *e)
{
	const struct tttd_compile_target *t;
	const struct tttd_target *tg;
	struct tttd_compile_out out;
	struct tttd_compile_in in;
	struct tttd_cand c;
	char key[33], archbuf[80];
	const char *id, *arch, *target, *source, *cflags;
	void *payload = NULL;
	size_t plen;
	uint64_t t0;
	int ret = TTTD_OK, hit = 0;

	tttd_compile_out_init(&out);
	if (what)
		*what = 0;
	tttd_cand_read(&c, r);
	/* A record that is past this stage (or failed before it) is not ours. */
	if (!c.candidate || (c.st != TTTD_ST_NONE && c.st != TTTD_ST_GENERATED)) {
		tttd_cand_release(&c);
		return TTTD_OK;
	}
	if (what)
		*what = 3;
	if (c.bad & TTTD_CAND_TARGET) {
		reject(r, o, "target is not a string");
		goto out;
	}
	if (!c.source) {
		reject(r, o, "candidate has no source");
		goto out;
	}
	if (c.bad & TTTD_CAND_CFLAGS) {
		reject(r, o, "cflags is not a string");
		goto out;
	}
	target = c.target ? c.target : TTTD_TARGET_DEFAULT;
	source = c.source;
	cflags = c.cflags;
	tg = tttd_target_find(target);
	t = tg ? tg->compile : NULL;
	if (!t) {
		char *why = tg ? xstrdup(tg->absent) : xasprintf("unknown target '%s'", target);

		reject(r, o, why);
		free(why);
		goto out;
	}
	{
		/* Before the cache: an object built with a refused flag is never handed out. */
		char *why = tg->options_refused ? tg->options_refused(cflags ? cflags : "") : NULL;

		if (why) {
			reject(r, o, why);
			free(why);
			goto out;
		}
	}
	ret = identity(t, o, &id, e);
	if (ret < 0)
		goto out;
	arch = key_arch(tg, o, archbuf, sizeof(archbuf));
	in.source = source;
	in.source_len = strlen(source);
	in.options = cflags ? cflags : "";
	in.arch = tg->flags & TTTD_TARGET_HOST ? "" : (o->arch ? o->arch : "");
	tttd_cache_key(key, tg->name, id, arch, in.options, in.source, in.source_len);

	t0 = tttd_now_ns();
	if (cache) {
		ret = tttd_cache_get(cache, key, &payload, &plen, e);
		if (ret < 0)
			goto out;
		hit = ret == 1 && payload_unpack(payload, plen, &out) == 0;
		ret = TTTD_OK;
	}
	if (!hit) {
		ret = t->compile(o, &in, &out, e);
		if (ret < 0)
			goto out;
		cap_log(&out);
		/*
		 * Only successes are cached: a failure may come from the
		 * moment (a full /tmp, a killed compiler) and must not stick.
		 */
		if (cache && out.ok && out.cacheable) {
			void *pp = payload_pack(&out, &plen);

			/* A cache that cannot be written costs speed, not results. */
			tttd_cache_put(cache, key, pp, plen, NULL);
			free(pp);
		}
	}

	tttd_rec_set_str(r, "status", out.ok ? "compiled" : "compile_error");
	if (!out.ok)
		tttd_rec_set_str(r, "reason", out.reason ? out.reason : "compile failed");
	tttd_rec_set_str(r, "compile_log", out.log ? out.log : "");
	tttd_rec_set_double(r, "compile_ms", hit ? 0 : (double)(tttd_now_ns() - t0) / 1e6);
	tttd_rec_set_str(r, "cache_key", key);
	tttd_rec_set_bool(r, "cached", hit);
	if (out.ok)
		tttd_rec_set_bin(r, "object", out.object, out.object_len);
	if (out.nres) {
		struct tttd_pack pk;
		size_t i;

		tttd_pack_init(&pk);
		msgpack_pack_map(&pk.pk, out.nres);
		for (i = 0; i < out.nres; i++) {
			tttd_pack_str(&pk.pk, out.res[i].name);
			msgpack_pack_int64(&pk.pk, out.res[i].value);
		}
		tttd_rec_set_pack(r, "resources", &pk);
	}
	if (o->tool)
		tttd_rec_stamp(r, o->tool);
	if (what)
		*what = !out.ok ? 3 : hit ? 2
					  : 1;
out:
	tttd_compile_out_release(&out);
	free(payload);
	tttd_cand_release(&c);
	return ret;
}

/* ---- the driver ---- */

/* clang-format off */
enum slot_state { SLOT_FREE, SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };
/* clang-format on */

struct slot {
	struct tttd_rec rec;
	enum slot_state state;
	int what;
};

struct tttd_compiler {
	struct tttd_compile_opts o;
	char *cc, *arch, *tool; /* owned copies behind o's pointers */
	struct tttd_cache *cache;
	tttd_compile_emit_fn emit;
	void *arg;

	pthread_mutex_t mu;
	pthread_cond_t work;  /* a slot became QUEUED, or stop */
	pthread_cond_t space; /* the head moved: room in the ring, or all done */
	struct slot *ring;
	size_t window;
	uint64_t head; /* next to emit */
	uint64_t next; /* next to hand to a worker */
	uint64_t tail; /* next submission number */
	int emitting, stop;
	int err;
	struct tttd_error err_e;
	struct tttd_compile_stats st;

	pthread_t *th;
	int nth;
};

#define SLOT(c, i) (&(c)->ring[(i) % (c)->window])

static void
fail_locked(struct tttd_compiler *c, int code, const struct tttd_error *e)
{
	if (c->err)
		return;
	c->err = code;
	if (e)
		c->err_e = *e;
	else
		tttd_error_set(&c->err_e, code, "%s", tttd_strerror(code));
	pthread_cond_broadcast(&c->space);
}

/*
 * Emit every finished record at the head, in order.  Called with mu held;
 * drops it around emit() so workers keep going while a slow consumer reads.
 * Only one thread emits at a time (the emitting flag), which keeps the order.
 */
static void
emit_ready(struct tttd_compiler *c)
{
	if (c->emitting)
		return;
	c->emitting = 1;
	while (c->head < c->tail && SLOT(c, c->head)->state == SLOT_DONE) {
		struct slot *s = SLOT(c, c->head);
		struct tttd_rec r = s->rec;
		struct tttd_error e = { 0 };
		int rc = 0, failed = c->err != 0;

		tttd_rec_init(&s->rec);
		s->state = SLOT_FREE;
		c->head++;
		pthread_cond_broadcast(&c->space);
		pthread_mutex_unlock(&c->mu);
		if (!failed)
			rc = c->emit(c->arg, &r, &e);
		tttd_rec_release(&r);
		pthread_mutex_lock(&c->mu);
		if (rc < 0)
			fail_locked(c, rc, &e);
		else if (!failed)
			c->st.out++;
	}
	c->emitting = 0;
	pthread_cond_broadcast(&c->space);
}

static void
count(struct tttd_compiler *c, int what)
{
	switch (what) {
	case 0: c->st.passed++; break;
	case 1: c->st.compiled++; break;
	case 2: c->st.compiled++, c->st.cached++; break;
	default: c->st.errors++; break;
	}
}

static void *
worker(void *arg)
{
	struct tttd_compiler *c = arg;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		struct tttd_error e = { 0 };
		struct slot *s;
		int rc, what = 0;

		while (!c->stop && !c->err && c->next < c->tail && SLOT(c, c->next)->state != SLOT_QUEUED)
			c->next++;
		if (c->stop)
			break;
		if (c->err || c->next >= c->tail) {
			pthread_cond_wait(&c->work, &c->mu);
			continue;
		}
		s = SLOT(c, c->next++);
		s->state = SLOT_RUNNING;
		pthread_mutex_unlock(&c->mu);
		/* The slot is ours while RUNNING: nobody else touches s->rec. */
		rc = tttd_compile_rec(&c->o, c->cache, &s->rec, &what, &e);
		pthread_mutex_lock(&c->mu);
		if (rc < 0)
			fail_locked(c, rc, &e);
		s->state = SLOT_DONE;
		count(c, what);
		emit_ready(c);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

int
tttd_compiler_new(struct tttd_compiler **out, const struct tttd_compile_opts *opts,
		  tttd_compile_emit_fn emit, void *arg, struct tttd_error *e)
{
	struct tttd_compiler *c;
	int i, r;

	*out = NULL;
	TTTD_RETURN_IF(!emit, e, TTTD_EINVAL, "no emit callback");
	c = xcalloc(1, sizeof(*c));
	c->o = *opts;
	if (c->o.jobs < 1)
		c->o.jobs = 1;
	c->o.cc = c->cc = opts->cc ? xstrdup(opts->cc) : NULL;
	c->o.arch = c->arch = opts->arch ? xstrdup(opts->arch) : NULL;
	c->o.tool = c->tool = opts->tool ? xstrdup(opts->tool) : NULL;
	c->o.cache = NULL; /* the handle below is what workers use */
	if (opts->cache) {
		r = tttd_cache_open(&c->cache, opts->cache, e);
		if (r < 0) {
			free(c->cc), free(c->arch), free(c->tool), free(c);
			return r;
		}
	}
	c->emit = emit;
	c->arg = arg;
	/* Enough records in flight to keep every worker busy behind a slow head. */
	c->window = (size_t)c->o.jobs * 4 + 16;
	c->ring = xcalloc(c->window, sizeof(*c->ring));
	for (i = 0; i < (int)c->window; i++)
		tttd_rec_init(&c->ring[i].rec);
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->work, NULL);
	pthread_cond_init(&c->space, NULL);
	c->th = xcalloc((size_t)c->o.jobs, sizeof(*c->th));
	for (i = 0; i < c->o.jobs; i++) {
		errno = pthread_create(&c->th[i], NULL, worker, c);
		if (errno != 0) {
			tttd_compiler_free(c);
			return tttd_error_set(e, TTTD_ENOMEM, "cannot start a compile thread:");
		}
		c->nth++;
	}
	*out = c;
	return TTTD_OK;
}

static int
error_out(struct tttd_compiler *c, struct tttd_error *e)
{
	if (e)
		*e = c->err_e;
	return c->err;
}

int
tttd_compiler_submit(struct tttd_compiler *c, struct tttd_rec *r, struct tttd_error *e)
{
	struct slot *s;
	int rc;

	pthread_mutex_lock(&c->mu);
	while (!c->err && c->tail - c->head >= c->window)
		pthread_cond_wait(&c->space, &c->mu);
	if (c->err) {
		rc = error_out(c, e);
		pthread_mutex_unlock(&c->mu);
		return rc;
	}
	s = SLOT(c, c->tail);
	tttd_rec_release(&s->rec);
	s->rec = *r;
	tttd_rec_init(r);
	c->tail++;
	c->st.in++;
	s->state = SLOT_QUEUED;
	pthread_cond_signal(&c->work);
	pthread_mutex_unlock(&c->mu);
	return TTTD_OK;
}

int
tttd_compiler_finish(struct tttd_compiler *c, struct tttd_error *e)
{
	int rc = TTTD_OK;

	pthread_mutex_lock(&c->mu);
	while (!c->err && (c->head < c->tail || c->emitting))
		pthread_cond_wait(&c->space, &c->mu);
	if (c->err)
		rc = error_out(c, e);
	pthread_mutex_unlock(&c->mu);
	return rc;
}

void
tttd_compiler_stats(struct tttd_compiler *c, struct tttd_compile_stats *s)
{
	pthread_mutex_lock(&c->mu);
	*s = c->st;
	pthread_mutex_unlock(&c->mu);
}

void
tttd_compiler_free(struct tttd_compiler *c)
{
	size_t i;
	int k;

	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_broadcast(&c->work);
	pthread_mutex_unlock(&c->mu);
	for (k = 0; k < c->nth; k++)
		pthread_join(c->th[k], NULL);
	for (i = 0; i < c->window; i++)
		tttd_rec_release(&c->ring[i].rec);
	pthread_cond_destroy(&c->work);
	pthread_cond_destroy(&c->space);
	pthread_mutex_destroy(&c->mu);
	tttd_cache_free(c->cache);
	free(c->ring);
	free(c->th);
	free(c->cc);
	free(c->arch);
	free(c->tool);
	free(c);
}
