/*
 * inputs.c - seeded inputs, NaN poisoning and element-wise comparison for
 * benchmark cases (see inputs.h).
 *
 * bf16 and f16 are converted by hand rather than through _Float16 so the
 * code stays plain C11 and the rounding (nearest even) is the same on every
 * compiler.  Nothing here runs a kernel or touches a device.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "inputs.h"
#include "rng.h"

#define ARENA_ALIGN 64 /* bytes: a cache line, and enough for any vector load */

static uint32_t
f32_bits(float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	return u;
}

static float
bits_f32(uint32_t u)
{
	float f;

	memcpy(&f, &u, 4);
	return f;
}

static uint16_t
to_bf16(double v)
{
	uint32_t u = f32_bits((float)v);

	if (isnan(v))
		return 0x7fc0;
	/* Round to nearest even on the 16 bits that are dropped. */
	u += 0x7fff + ((u >> 16) & 1);
	return (uint16_t)(u >> 16);
}

static double
from_bf16(uint16_t h)
{
	return bits_f32((uint32_t)h << 16);
}

static uint16_t
to_f16(double v)
{
	uint32_t u = f32_bits((float)v);
	uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
	int e = (int)((u >> 23) & 0xff) - 127 + 15;
	uint32_t mant = u & 0x7fffff;
	uint32_t h, rem, half;
	int shift;

	if (isnan(v))
		return sign | 0x7e00;
	if (((u >> 23) & 0xff) == 0xff || e >= 31)
		return sign | 0x7c00; /* inf, or too large */
	if (e <= 0) {
		/* Subnormal half (or zero). */
		if (e < -10)
			return sign;
		mant |= 0x800000;
		shift = 14 - e;
		h = mant >> shift;
		rem = mant & ((1u << shift) - 1);
		half = 1u << (shift - 1);
	} else {
		h = ((uint32_t)e << 10) | (mant >> 13);
		rem = mant & 0x1fff;
		half = 0x1000;
	}
	/* A carry out of the mantissa correctly bumps the exponent (to inf at the top). */
	if (rem > half || (rem == half && (h & 1)))
		h++;
	return sign | (uint16_t)h;
}

static double
from_f16(uint16_t h)
{
	int e = (h >> 10) & 0x1f;
	int m = h & 0x3ff;
	double v;

	if (e == 0)
		v = ldexp(m, -24);
	else if (e == 31)
		v = m ? NAN : INFINITY;
	else
		v = ldexp(1024 + m, e - 25);
	return (h & 0x8000) ? -v : v;
}

double
tttd_elem_get(const void *p, enum tttd_dtype d, size_t i)
{
	switch (d) {
	case TTTD_F32:
		return ((const float *)p)[i];
	case TTTD_F64:
		return ((const double *)p)[i];
	case TTTD_I32:
		return ((const int32_t *)p)[i];
	case TTTD_BF16:
		return from_bf16(((const uint16_t *)p)[i]);
	case TTTD_F16:
		return from_f16(((const uint16_t *)p)[i]);
	}
	return NAN;
}

void
tttd_elem_set(void *p, enum tttd_dtype d, size_t i, double v)
{
	switch (d) {
	case TTTD_F32:
		((float *)p)[i] = (float)v;
		break;
	case TTTD_F64:
		((double *)p)[i] = v;
		break;
	case TTTD_I32:
		((int32_t *)p)[i] = (int32_t)lrint(v);
		break;
	case TTTD_BF16:
		((uint16_t *)p)[i] = to_bf16(v);
		break;
	case TTTD_F16:
		((uint16_t *)p)[i] = to_f16(v);
		break;
	}
}

static double
draw(struct tttd_rng *r, enum tttd_dist dist, double scale)
{
	double u;

	switch (dist) {
	case TTTD_DIST_NORMAL:
		return scale * tttd_rng_normal(r);
	case TTTD_DIST_UNIFORM:
		return scale * (2.0 * tttd_rng_uniform(r) - 1.0);
	case TTTD_DIST_CAUCHY:
		/* Keep u off 0 and 1 so tan() stays finite: heavy tails, never inf. */
		u = tttd_rng_uniform(r) * (1.0 - 0x1.0p-40) + 0x1.0p-41;
		return scale * tan(M_PI * (u - 0.5));
	case TTTD_DIST_MASK01:
		return tttd_rng_uniform(r) < (scale > 0 && scale < 1 ? scale : 0.5) ? 1.0 : 0.0;
	case TTTD_DIST_CONST:
		return scale;
	}
	return 0.0;
}

void
tttd_fill(void *p, enum tttd_dtype d, size_t n, enum tttd_dist dist, double scale, uint64_t seed)
{
	struct tttd_rng r;
	size_t i;

	/* const takes its value as given (0 included); the others need a positive scale. */
	if (dist != TTTD_DIST_CONST && !(scale > 0))
		scale = 1.0;
	tttd_rng_seed(&r, seed);
	for (i = 0; i < n; i++)
		tttd_elem_set(p, d, i, draw(&r, dist, scale));
}

void
tttd_poison(void *p, enum tttd_dtype d, size_t n)
{
	size_t i;

	if (d == TTTD_I32) {
		for (i = 0; i < n; i++)
			((int32_t *)p)[i] = INT32_MIN;
		return;
	}
	for (i = 0; i < n; i++)
		tttd_elem_set(p, d, i, NAN);
}

int
tttd_inputs_sizes(struct tttd_inputs *in, const struct tttd_task *t, const struct tttd_shape *s,
		  struct tttd_error *e)
{
	size_t i;

	memset(in, 0, sizeof(*in));
	{
		const struct tttd_shape_inputs *si = tttd_shape_inputs(t, s);

		if (si)
			in->settings = *si;
	}
	in->nbuf = t->nbuf;
	in->host = xcalloc(t->nbuf ? t->nbuf : 1, sizeof(*in->host));
	in->count = xcalloc(t->nbuf ? t->nbuf : 1, sizeof(*in->count));
	in->bytes = xcalloc(t->nbuf ? t->nbuf : 1, sizeof(*in->bytes));
	for (i = 0; i < t->nbuf; i++) {
		const struct tttd_buffer *b = &t->buf[i];
		long c = tttd_task_eval_shape(t, b->count, s);

		if (c < 0) {
			tttd_inputs_release(in);
			return tttd_error_set(e, TTTD_EFORMAT,
					      "buffer '%s': count '%s' evaluates to %ld", b->name,
					      b->count_text ? b->count_text : "?", c);
		}
		in->count[i] = (size_t)c;
		in->bytes[i] = (size_t)c * tttd_dtype_size(b->dtype);
	}
	return TTTD_OK;
}

int
tttd_inputs_init(struct tttd_inputs *in, const struct tttd_task *t, const struct tttd_shape *s,
		 struct tttd_error *e)
{
	size_t i, off = 0;
	size_t *offs;

	TTTD_TRY(tttd_inputs_sizes(in, t, s, e));
	offs = xcalloc(t->nbuf ? t->nbuf : 1, sizeof(*offs));
	for (i = 0; i < t->nbuf; i++) {
		offs[i] = off;
		if (t->buf[i].role != TTTD_BUF_SCRATCH)
			off += (in->bytes[i] + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
	}
	in->arena = aligned_alloc(ARENA_ALIGN, off ? off : ARENA_ALIGN);
	if (!in->arena)
		in->arena = xmalloc(off ? off : ARENA_ALIGN); /* xmalloc dies on OOM */
	memset(in->arena, 0, off);
	for (i = 0; i < t->nbuf; i++)
		if (t->buf[i].role != TTTD_BUF_SCRATCH)
			in->host[i] = (char *)in->arena + offs[i];
	free(offs);
	return TTTD_OK;
}

void
tttd_inputs_release(struct tttd_inputs *in)
{
	free(in->arena);
	free(in->host);
	free(in->count);
	free(in->bytes);
	memset(in, 0, sizeof(*in));
}

void
tttd_inputs_draw(const struct tttd_inputs *in, const struct tttd_task *t, size_t i, uint64_t seed,
		 enum tttd_dist *dist, double *scale, uint64_t *stream)
{
	int d;

	/* The shape's own setting for this buffer, if it has one. */
	tttd_shape_dist(t, in->settings.n ? &in->settings : NULL, i, &d, scale);
	*dist = (enum tttd_dist)d;
	*stream = tttd_mix64(seed, i);
}

void
tttd_inputs_generate(struct tttd_inputs *in, const struct tttd_task *t, uint64_t seed)
{
	size_t i;

	for (i = 0; i < in->nbuf; i++) {
		const struct tttd_buffer *b = &t->buf[i];
		enum tttd_dist dist;
		double scale;
		uint64_t stream;

		if (b->role == TTTD_BUF_IN) {
			tttd_inputs_draw(in, t, i, seed, &dist, &scale, &stream);
			tttd_fill(in->host[i], b->dtype, in->count[i], dist, scale, stream);
		} else if (b->role == TTTD_BUF_OUT) {
			tttd_poison(in->host[i], b->dtype, in->count[i]);
		}
	}
}

void
tttd_inputs_poison(struct tttd_inputs *in, const struct tttd_task *t)
{
	size_t i;

	for (i = 0; i < in->nbuf; i++)
		if (t->buf[i].role == TTTD_BUF_OUT)
			tttd_poison(in->host[i], t->buf[i].dtype, in->count[i]);
}

void
tttd_cmp_init(struct tttd_cmp *c)
{
	memset(c, 0, sizeof(*c));
}

size_t
tttd_compare(struct tttd_cmp *c, enum tttd_dtype d, const void *got, const void *want, size_t n,
	     double rtol, double atol)
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++) {
		double a = tttd_elem_get(got, d, i);
		double b = tttd_elem_get(want, d, i);
		int ok;

		if (d == TTTD_I32 && ((const int32_t *)got)[i] == INT32_MIN &&
		    ((const int32_t *)want)[i] != INT32_MIN) {
			/* The poison sentinel survived: the element was never written. */
			ok = 0;
			c->nonfinite++;
		} else if (isfinite(b)) {
			if (!isfinite(a)) {
				ok = 0;
				c->nonfinite++;
			} else {
				double abs_err = fabs(a - b);

				ok = abs_err <= atol + rtol * fabs(b);
				if (abs_err > c->max_abs)
					c->max_abs = abs_err;
				if (b != 0 && abs_err / fabs(b) > c->max_rel)
					c->max_rel = abs_err / fabs(b);
			}
		} else {
			ok = isnan(b) ? isnan(a) : a == b;
		}
		if (!ok) {
			if (!c->has_first) {
				c->has_first = 1;
				c->first = i;
				c->first_got = a;
				c->first_want = b;
			}
			bad++;
		}
	}
	c->checked += n;
	c->bad += bad;
	return bad;
}
