/*
 * test_inputs.c - seeded input generation, NaN poisoning, half-precision
 * conversion and the element-wise comparison of lib/backends/inputs.c.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "inputs.h"
#include "test.h"

static void
test_fill(void)
{
	float a[1000], b[1000], c[1000];
	double sum = 0, ss = 0, lo = 1e9, hi = -1e9;
	int i, ones = 0, differ = 0;

	tttd_fill(a, TTTD_F32, 1000, TTTD_DIST_NORMAL, 2.0, 42);
	tttd_fill(b, TTTD_F32, 1000, TTTD_DIST_NORMAL, 2.0, 42);
	tttd_fill(c, TTTD_F32, 1000, TTTD_DIST_NORMAL, 2.0, 43);
	T_CHECK("same seed, same inputs", memcmp(a, b, sizeof(a)) == 0);
	for (i = 0; i < 1000; i++) {
		differ += a[i] != c[i];
		sum += a[i];
		ss += (double)a[i] * a[i];
	}
	T_CHECK("another seed, other inputs", differ > 990);
	T_NEAR("normal mean near 0", sum / 1000, 0, 0.3);
	T_NEAR("normal stddev near the scale", sqrt(ss / 1000), 2.0, 0.2);

	tttd_fill(a, TTTD_F32, 1000, TTTD_DIST_UNIFORM, 3.0, 1);
	for (i = 0; i < 1000; i++) {
		lo = fmin(lo, a[i]);
		hi = fmax(hi, a[i]);
	}
	T_CHECK("uniform within [-scale, scale)", lo >= -3.0 && hi < 3.0);
	T_CHECK("uniform spreads over the range", lo < -2.8 && hi > 2.8);

	tttd_fill(a, TTTD_F32, 1000, TTTD_DIST_MASK01, 0.25, 1);
	for (i = 0; i < 1000; i++)
		ones += a[i] == 1.0f;
	for (i = 0; i < 1000 && (a[i] == 0.0f || a[i] == 1.0f); i++)
		;
	T_CHECK("mask01 is 0 or 1", i == 1000);
	T_CHECK("mask01 keeps its probability", ones > 180 && ones < 320);

	tttd_fill(a, TTTD_F32, 1000, TTTD_DIST_CAUCHY, 1.0, 5);
	for (i = 0; i < 1000 && isfinite(a[i]); i++)
		;
	T_CHECK("cauchy stays finite", i == 1000);
	for (i = 0, hi = 0; i < 1000; i++)
		hi = fmax(hi, fabs(a[i]));
	T_CHECK("cauchy has heavy tails", hi > 20);
}

static void
test_poison_and_halves(void)
{
	float f[4];
	double d[4];
	int32_t n[4];
	uint16_t h[4];
	int i;

	tttd_poison(f, TTTD_F32, 4);
	tttd_poison(d, TTTD_F64, 4);
	tttd_poison(n, TTTD_I32, 4);
	tttd_poison(h, TTTD_BF16, 4);
	for (i = 0; i < 4; i++) {
		T_CHECK("f32 poisoned with NaN", isnan(f[i]));
		T_CHECK("f64 poisoned with NaN", isnan(d[i]));
		T_CHECK("i32 poisoned with the sentinel", n[i] == INT32_MIN);
		T_CHECK("bf16 poisoned with NaN", isnan(tttd_elem_get(h, TTTD_BF16, (size_t)i)));
	}
	tttd_poison(h, TTTD_F16, 4);
	T_CHECK("f16 poisoned with NaN", isnan(tttd_elem_get(h, TTTD_F16, 0)));

	/* Exact values round-trip; others round to nearest even. */
	tttd_elem_set(h, TTTD_F16, 0, 1.5);
	T_CHECK("f16 1.5 exact", h[0] == 0x3e00 && tttd_elem_get(h, TTTD_F16, 0) == 1.5);
	tttd_elem_set(h, TTTD_F16, 0, 65504.0);
	T_CHECK("f16 max", h[0] == 0x7bff);
	tttd_elem_set(h, TTTD_F16, 0, 1e6);
	T_CHECK("f16 overflow is inf", isinf(tttd_elem_get(h, TTTD_F16, 0)));
	tttd_elem_set(h, TTTD_F16, 0, ldexp(1, -24));
	T_CHECK("f16 smallest subnormal", h[0] == 0x0001);
	tttd_elem_set(h, TTTD_F16, 0, 1.0 + ldexp(1, -11)); /* halfway: ties to even (1.0) */
	T_CHECK("f16 ties to even", h[0] == 0x3c00);
	tttd_elem_set(h, TTTD_F16, 0, -2.0);
	T_CHECK("f16 negative", h[0] == 0xc000);
	tttd_elem_set(h, TTTD_BF16, 0, 1.0 + ldexp(1, -8)); /* halfway: ties to even */
	T_CHECK("bf16 ties to even", h[0] == 0x3f80);
	tttd_elem_set(h, TTTD_BF16, 0, 1.0 + 3 * ldexp(1, -8)); /* halfway: rounds up to even */
	T_CHECK("bf16 rounds to even upward", h[0] == 0x3f82);
	tttd_elem_set(h, TTTD_BF16, 0, -3.0);
	T_CHECK("bf16 value", tttd_elem_get(h, TTTD_BF16, 0) == -3.0);
	tttd_elem_set(n, TTTD_I32, 0, 2.6);
	T_CHECK("i32 rounds to nearest", n[0] == 3);
}

static void
test_compare(void)
{
	float want[5] = { 1, 2, 3, 0, -4 };
	float got[5];
	struct tttd_cmp c;
	size_t bad;
	int32_t iw[3] = { 1, 2, 3 }, ig[3] = { 1, INT32_MIN, 3 };

	memcpy(got, want, sizeof(got));
	tttd_cmp_init(&c);
	T_CHECK("equal passes", tttd_compare(&c, TTTD_F32, got, want, 5, 0, 0) == 0);
	T_CHECK("counts checked", c.checked == 5 && c.bad == 0 && c.max_abs == 0);

	/* Tolerance edge: atol 0.5 + rtol 0.25 * |2| = 1.0. */
	got[1] = 3.0f;
	tttd_cmp_init(&c);
	T_CHECK("exactly at the tolerance passes", tttd_compare(&c, TTTD_F32, got, want, 5, 0.25, 0.5) == 0);
	T_NEAR("max_abs", c.max_abs, 1.0, 1e-12);
	T_NEAR("max_rel", c.max_rel, 0.5, 1e-12);
	got[1] = 3.01f;
	tttd_cmp_init(&c);
	bad = tttd_compare(&c, TTTD_F32, got, want, 5, 0.25, 0.5);
	T_CHECK("just past the tolerance fails", bad == 1 && c.bad == 1 && c.nonfinite == 0);
	T_CHECK("first failure recorded", c.has_first && c.first == 1 && c.first_want == 2.0);

	/* NaN where the reference is finite never passes, whatever the tolerance. */
	memcpy(got, want, sizeof(got));
	got[3] = NAN;
	got[4] = INFINITY;
	tttd_cmp_init(&c);
	bad = tttd_compare(&c, TTTD_F32, got, want, 5, 1e30, 1e30);
	T_CHECK("NaN and inf fail under a huge tolerance", bad == 2 && c.nonfinite == 2);
	T_CHECK("first bad is the NaN", c.first == 3 && isnan(c.first_got));

	/* Non-finite reference: the same class passes, anything else fails. */
	want[0] = NAN;
	want[1] = INFINITY;
	memcpy(got, want, sizeof(got));
	tttd_cmp_init(&c);
	T_CHECK("NaN matches NaN reference, inf matches inf", tttd_compare(&c, TTTD_F32, got, want, 5, 0, 0) == 0);
	got[1] = -INFINITY;
	got[0] = 1.0f;
	tttd_cmp_init(&c);
	T_CHECK("wrong class fails", tttd_compare(&c, TTTD_F32, got, want, 5, 1, 1) == 2);

	/* Accumulates over calls. */
	T_CHECK("accumulates", tttd_compare(&c, TTTD_F32, want, want, 5, 0, 0) == 0 && c.checked == 10 && c.bad == 2);

	tttd_cmp_init(&c);
	T_CHECK("i32 unwritten sentinel fails", tttd_compare(&c, TTTD_I32, ig, iw, 3, 1e9, 1e9) == 1 && c.nonfinite == 1);
}

/* A whole case of the vadd fixture: sizes, generation, poisoning, reproducibility. */
static void
test_case(void)
{
	struct tttd_task *t = NULL;
	struct tttd_error e;
	struct tttd_inputs in, in2;
	struct tttd_shape s = { { 37 } };

	if (tttd_task_load(&t, "tests/data/faulty/vadd", &e) < 0) {
		T_CHECK(e.msg, 0);
		return;
	}
	T_CHECK("init", tttd_inputs_init(&in, t, &s, &e) == TTTD_OK);
	T_CHECK("counts from the task", in.nbuf == 3 && in.count[0] == 37 && in.bytes[2] == 37 * 4);
	T_CHECK("buffers 64-byte aligned", ((uintptr_t)in.host[1] & 63) == 0);
	tttd_inputs_generate(&in, t, 9);
	T_CHECK("output poisoned", isnan(((float *)in.host[2])[36]));
	{
		size_t i, beyond1 = 0;
		int inside = 1;

		for (i = 0; i < in.count[1]; i++) {
			float b = ((float *)in.host[1])[i];

			inside &= b >= -2.0f && b < 2.0f;
			beyond1 += fabsf(b) > 1.0f;
		}
		T_CHECK("input B uniform scale 2", inside && beyond1 > 0);
	}
	T_CHECK("A and B differ", memcmp(in.host[0], in.host[1], in.bytes[0]) != 0);
	tttd_inputs_init(&in2, t, &s, &e);
	tttd_inputs_generate(&in2, t, 9);
	T_CHECK("same seed, same case", memcmp(in.host[0], in2.host[0], in.bytes[0]) == 0 &&
						memcmp(in.host[1], in2.host[1], in.bytes[1]) == 0);
	tttd_inputs_generate(&in2, t, 10);
	T_CHECK("new seed, new case", memcmp(in.host[0], in2.host[0], in.bytes[0]) != 0);
	((float *)in.host[2])[0] = 1.0f;
	tttd_inputs_poison(&in, t);
	T_CHECK("poison again", isnan(((float *)in.host[2])[0]));
	tttd_inputs_release(&in);
	tttd_inputs_release(&in2);
	T_CHECK("release clears", in.arena == NULL && in.nbuf == 0);
	tttd_inputs_release(&in); /* twice is fine */
	tttd_task_free(t);
}

/* Per-shape input settings (tests/data/tasks/cuda_plan) reach generation. */
static void
test_shape_settings(void)
{
	struct tttd_task *t = NULL;
	struct tttd_error e;
	struct tttd_inputs in;
	struct tttd_shape copy;
	float v[5];
	size_t i, ones = 0, zeros = 0;
	int bounded = 1;

	tttd_fill(v, TTTD_F32, 5, TTTD_DIST_CONST, 0.0, 1);
	T_CHECK("const 0 is 0, not 1", v[0] == 0.0f && v[4] == 0.0f);
	tttd_fill(v, TTTD_F32, 5, TTTD_DIST_CONST, -2.5, 1);
	T_CHECK("const -2.5", v[2] == -2.5f);
	if (tttd_task_load(&t, "tests/data/tasks/cuda_plan", &e) < 0) {
		T_CHECK(e.msg, 0);
		return;
	}
	/* check 0: mask=const:1 -> all ones (the buffer line says mask01) */
	T_CHECK("init check 0", tttd_inputs_init(&in, t, &t->check[0], &e) == TTTD_OK);
	tttd_inputs_generate(&in, t, 5);
	for (i = 0; i < in.count[2]; i++)
		ones += ((float *)in.host[2])[i] == 1.0f;
	T_CHECK("mask all ones", ones == 33);
	T_CHECK("scratch has no host copy", in.host[4] == NULL && in.host[5] == NULL);
	tttd_inputs_release(&in);
	/* the same dims copied out of the task: the buffer line (mask01) again */
	copy = t->check[0];
	tttd_inputs_init(&in, t, &copy, &e);
	tttd_inputs_generate(&in, t, 5);
	for (i = 0, ones = 0; i < in.count[2]; i++)
		ones += ((float *)in.host[2])[i] == 1.0f;
	T_CHECK("copied shape: random mask", ones > 0 && ones < 33);
	tttd_inputs_release(&in);
	/* check 1: mask=mask01:0.3 over 64 rows */
	tttd_inputs_init(&in, t, &t->check[1], &e);
	tttd_inputs_generate(&in, t, 5);
	for (i = 0, ones = 0; i < in.count[2]; i++) {
		float m = ((float *)in.host[2])[i];

		ones += m == 1.0f;
		zeros += m == 0.0f;
	}
	T_CHECK("mask01:0.3 is 0/1", ones + zeros == 64);
	T_CHECK("mask01:0.3 mostly zeros", ones > 5 && ones < 32);
	tttd_inputs_release(&in);
	/* check 2: *=uniform:2 -> X and W in [-2, 2], some beyond 1 */
	tttd_inputs_init(&in, t, &t->check[2], &e);
	tttd_inputs_generate(&in, t, 5);
	for (i = 0, ones = 0; i < in.count[0]; i++) {
		float x = ((float *)in.host[0])[i];

		bounded &= x >= -2.0f && x <= 2.0f;
		ones += fabsf(x) > 1.0f;
	}
	T_CHECK("*=uniform:2 bounds X", bounded && ones > 0);
	tttd_inputs_release(&in);
	tttd_task_free(t);
}

int
main(void)
{
	test_shape_settings();
	test_case();
	test_fill();
	test_poison_and_halves();
	test_compare();
	return T_DONE();
}
