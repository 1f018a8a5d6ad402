/*
 * model.c - the model target's compile target (nothing to compile) and its
 * evaluation: "benchmark" a candidate by evaluating the task's
 * cost expressions at each bench shape.  Deterministic by construction; see
 * model.h for why it exists and what it must never be used for.
 */
#include <math.h>
#include <stdlib.h>

#include "compile.h" /* defines: struct tttd_compile_target */
#include "model.h"

/*
 * The model target compiles nothing: its candidates are timed by
 * evaluating the task's cost expressions (below).
 */
static int
model_identity(const struct tttd_compile_opts *o, char **id, struct tttd_error *e)
{
	*id = xstrdup("model");
	return TTTD_OK;
}

static int
model_compile(const struct tttd_compile_opts *o, const struct tttd_compile_in *in,
	      struct tttd_compile_out *out, struct tttd_error *e)
{
	out->ok = 1;
	out->cacheable = 0;
	out->log = xstrdup("");
	return TTTD_OK;
}

const struct tttd_compile_target tttd_compile_model = {
	.identity = model_identity,
	.compile = model_compile,
};

int
tttd_model_bench(const struct tttd_task *t, struct tttd_rec *r, struct tttd_error *e)
{
	char **keys = NULL, **vals = NULL;
	size_t n = 0, i, d;
	int *choice = xcalloc(t->ndec ? t->ndec : 1, sizeof(int));
	double lt = 0, lr = 0;
	int rc, failed = 0;
	struct tttd_pack p;

	rc = tttd_rec_get_strmap(r, "decisions", &keys, &vals, &n);
	if (rc != 1) {
		free(choice);
		return tttd_error_set(e, TTTD_EFORMAT, "candidate without a 'decisions' map");
	}
	rc = tttd_task_choice_from_map(t, keys, vals, n, choice, e);
	tttd_strmap_free(keys, vals, n);
	for (d = 0; rc == TTTD_OK && d < t->ndec; d++)
		if (choice[d] < 0)
			rc = tttd_error_set(e, TTTD_EFORMAT, "decision '%s' is missing", t->dec[d].name);
	if (rc < 0) {
		free(choice);
		return rc;
	}

	tttd_pack_init(&p);
	msgpack_pack_array(&p.pk, t->nbench);
	for (i = 0; i < t->nbench; i++) {
		const struct tttd_shape *s = &t->bench[i];
		double c = tttd_task_model_cost(t, s, choice);
		double ref = (double)tttd_task_eval(t, t->ref_cost, s, NULL);

		if (c <= 0)
			failed = 1;
		lt += log(c > 0 ? c : 1);
		lr += log(ref > 0 ? ref : 1);
		msgpack_pack_map(&p.pk, 9);
		tttd_pack_str(&p.pk, "shape");
		msgpack_pack_array(&p.pk, t->ndim);
		for (d = 0; d < t->ndim; d++)
			msgpack_pack_int64(&p.pk, s->dim[d]);
		static const char *const stat[] = { "median_ns", "mean_ns", "min_ns", "max_ns",
						    "ci_lo_ns", "ci_hi_ns" };
		for (d = 0; d < sizeof(stat) / sizeof(stat[0]); d++) {
			tttd_pack_str(&p.pk, stat[d]);
			msgpack_pack_double(&p.pk, c);
		}
		tttd_pack_str(&p.pk, "stddev_ns");
		msgpack_pack_double(&p.pk, 0);
		tttd_pack_str(&p.pk, "n");
		msgpack_pack_int64(&p.pk, 1);
	}
	tttd_rec_set_pack(r, "timing", &p);
	free(choice);

	tttd_rec_del(r, "object");
	tttd_rec_set_str(r, "device", "model"); /* the record says what timed it */
	tttd_rec_set_double(r, "bench_ms", 0);
	tttd_pack_init(&p);
	msgpack_pack_map(&p.pk, 1);
	tttd_pack_str(&p.pk, "checked");
	msgpack_pack_int64(&p.pk, 0);
	tttd_rec_set_pack(r, "check", &p);
	tttd_rec_set_double(r, "ref_ns", exp(lr / (double)t->nbench));
	if (failed) {
		tttd_rec_set_str(r, "status", "wrong");
		tttd_rec_set_str(r, "reason", "the model marks this configuration as failing");
		tttd_rec_del(r, "time_ns");
		tttd_rec_del(r, "speedup");
		return TTTD_OK;
	}
	tttd_rec_set_str(r, "status", "ok");
	tttd_rec_set_double(r, "time_ns", exp(lt / (double)t->nbench));
	tttd_rec_set_double(r, "speedup", exp((lr - lt) / (double)t->nbench));
	return TTTD_OK;
}
