/*
 * bench_eval.c - the worker's check-and-time of one candidate through a
 * backend (bench.h gives the protocol): a benchmark case on the device
 * (buffers, seeded inputs, poison, kept outputs), the checks of a
 * candidate's outputs and inputs against the reference's, the timing
 * protocol with its sampled checks of timed calls, the builtin baseline,
 * and the timing keys of a record.  Called by the worker (bench_worker.c);
 * nothing here knows of processes or sockets.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h> /* defines: getrandom */
#include <sys/types.h>
#include <unistd.h>

#include "backend.h"
#include "bench.h"
#include "bench_int.h"
#include "inputs.h"
#include "rng.h"

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
		      const struct tttd_stats *st, double base_ns, const double *ratio_ci)
{
	int ci = base_ns > 0 && ratio_ci && ratio_ci[0] > 0;

	msgpack_pack_map(pk, (base_ns > 0 ? 11 : 9) + (ci ? 1 : 0));
	if (base_ns > 0) { /* this shape's baseline median, same worker and protocol */
		tttd_pack_str(pk, "baseline_ns");
		msgpack_pack_double(pk, base_ns);
		tttd_pack_str(pk, "baseline_ratio");
		msgpack_pack_double(pk, st->median > 0 ? base_ns / st->median : 0);
	}
	if (ci) { /* paired calls: the per-call ratios' median's 95% interval */
		tttd_pack_str(pk, "baseline_ratio_ci");
		msgpack_pack_array(pk, 2);
		msgpack_pack_double(pk, ratio_ci[0]);
		msgpack_pack_double(pk, ratio_ci[1]);
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
	return k < TIMED_CHECKS_MIN ? TIMED_CHECKS_MIN : k > TIMED_CHECKS_MAX ? TIMED_CHECKS_MAX
									      : (size_t)k;
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
 * The paired baseline's statistics, and the 95% confidence interval of the
 * median of the per-call ratios y[i] / x[i]: adjacent calls share the
 * clocks, so the ratio's spread is the kernels', not the machine's drift.
 */
static void
pair_stats(const double *x, const double *y, size_t n, struct timed_check *tc)
{
	double *q = xcalloc(n + 1, sizeof(*q));
	struct tttd_stats rs;
	size_t i, k = 0;

	tttd_stats_compute(y, n, &tc->base);
	for (i = 0; i < n; i++)
		if (x[i] > 0 && y[i] > 0)
			q[k++] = y[i] / x[i];
	tttd_stats_compute(q, k, &rs);
	tc->ratio_lo = rs.ci_lo;
	tc->ratio_hi = rs.ci_hi;
	free(q);
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
	int fresh = o->protocol != 1, pair = tc && tc->pair == 1;
	double *x = xcalloc((size_t)o->max_reps + 1, sizeof(*x));
	double *y = pair ? xcalloc((size_t)o->max_reps + 1, sizeof(*y)) : NULL;
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
	if (pair) {
		struct tttd_error be;

		/* The baseline's calls take their share of the time too: the candidate keeps as many. */
		budget_s *= 2;
		/* Two untimed calls first (a warm-up, as the candidate had): a library picks and loads its kernel on its first calls. */
		for (j = 0; j < 2 && pair; j++)
			if (run_once(w, NULL, NULL, s, c, &be) < 0) {
				if (be.code == TTTD_EGPU) { /* the context is lost */
					*e = be;
					r = be.code;
					goto out;
				}
				pair = 0; /* it cannot run here: time the candidate alone */
			}
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
		/*
		 * Paired: the baseline's call right after, on this call's inputs,
		 * with the same poison and flush; its outputs are not looked at.
		 */
		if (pair) {
			double bns = 0;

			if ((r = case_poison(w, c, e)) < 0 || (o->flush && (r = w->be.ops->flush(&w->be, e)) < 0) ||
			    (r = w->be.ops->timer_start(&w->be, e)) < 0)
				goto out;
			if ((r = run_plan(w, NULL, NULL, s, c, e)) < 0 ||
			    (r = w->be.ops->timer_stop(&w->be, &bns, e)) < 0 || (r = w->be.ops->sync(&w->be, e)) < 0)
				goto out;
			y[n - 1] = bns;
		}
		if (tttd_bench_stop(x, n, (double)(tttd_now_ns() - t0) / 1e9, budget_s, o))
			break;
	}
	if (tc && fresh)
		r = check_slots(w, c, s, slots, nslot, tc, e);
	tttd_stats_compute(x, n, st);
	if (tc) {
		tc->pair = pair;
		if (pair)
			pair_stats(x, y, n, tc);
	}
out:
	for (j = 0; j < TIMED_CHECKS_MAX; j++)
		slot_free(w, &slots[j]);
	free(x);
	free(y);
	return r;
}

/* Whether the task has a builtin baseline this worker can run (then base_med exists). */
int
tttd_bench_baseline_usable(struct worker *w)
{
	const struct tttd_task *t = w->t;

	if (w->have_base < 0 || !t->baseline || !w->be.ops->baseline_known || !w->be.ops->baseline ||
	    !w->be.ops->baseline_known(t->baseline)) {
		w->have_base = -1;
		return 0;
	}
	if (!w->base_med)
		w->base_med = xcalloc(t->nbench + 1, sizeof(*w->base_med));
	return 1;
}

/*
 * Time the task's builtin baseline at bench shape number i on case c (whose
 * inputs are the candidate's), once per worker: the first candidate to reach
 * a shape measures it, later ones reuse it (paired: the calls interleaved
 * with the candidate's did).  A baseline that cannot run (the task lacks
 * M/N/K, cuBLAS fails) is dropped, not the candidate; but an execution error
 * leaves the context unusable, so that one is returned.
 */
int
tttd_bench_time_baseline(struct worker *w, size_t i, const struct tttd_shape *s, struct bcase *c,
			 struct tttd_error *e)
{
	const struct tttd_task *t = w->t;
	struct tttd_stats st;
	struct tttd_error be;
	int r;

	if (!tttd_bench_baseline_usable(w))
		return TTTD_OK;
	if (w->base_med[i] > 0) { /* this worker's earlier one, or the paired calls' */
		if (i + 1 == t->nbench && w->have_base == 0)
			w->have_base = 1;
		return TTTD_OK;
	}
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
