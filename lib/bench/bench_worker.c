/*
 * bench_worker.c - the worker process of a bench: it opens the backend,
 * compiles and loads the reference, and answers the parent's requests (time
 * the reference; check and time a candidate) one frame at a time, until the
 * socket closes.  It is forked before any device is touched, so a fresh
 * worker starts clean.  Its stdin and stdout are /dev/null: a candidate
 * that prints cannot corrupt the record stream.  It always leaves through
 * _exit, so it never flushes the parent's buffered records a second time.
 */
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "backend.h"
#include "bench.h"
#include "bench_int.h"
#include "compile.h" /* defines: tttd_compile_target_find, tttd_compile_out_* */
#include "inputs.h"
#include "target.h" /* defines: tttd_target_of, tttd_target_find, TTTD_TARGET_HOST */

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
	double *ratio_ci = xcalloc(2 * t->nbench + 2, sizeof(*ratio_ci)); /* paired: per shape, lo hi */
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
	/*
	 * Paired: this candidate's own baseline times, from calls interleaved
	 * with its timed calls at each shape (tttd_bench_time_kernel), so
	 * baseline_ratio compares adjacent measurements (the clocks of a GPU
	 * follow the heat: a baseline timed once, minutes earlier, moved ratios
	 * by several percent).
	 */
	if (w->o->paired && w->have_base >= 0 && w->base_med) {
		memset(w->base_med, 0, (t->nbench + 1) * sizeof(*w->base_med));
		w->have_base = 0;
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
			struct timed_check tc;

			memset(&tc, 0, sizeof(tc));
			tc.v = &v;
			tc.total = &total;
			tc.pair = w->o->paired && tttd_bench_baseline_usable(w);

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
				if (tc.pair && tc.base.median > 0) { /* interleaved with the candidate's calls */
					w->base_med[nb] = tc.base.median;
					ratio_ci[2 * nb] = tc.ratio_lo;
					ratio_ci[2 * nb + 1] = tc.ratio_hi;
				}
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
					      w->have_base == 1 ? w->base_med[i] : 0, ratio_ci + 2 * i);
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
	free(ratio_ci);
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
		tttd_bench_pack_stats(&pk.pk, t, &t->bench[i], &st[i], 0, NULL);
	tttd_rec_set_pack(p, "timing", &pk);
out:
	free(st);
	free(med);
	return r;
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
