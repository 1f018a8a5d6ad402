/*
 * rec.c - records as ordered lists of (key, packed msgpack value) fields;
 * their JSON form is rec_json.c's.
 *
 * A field keeps its value as the packed bytes it arrived in, so a stage that
 * does not know a key passes it through byte for byte.  Getters unpack the
 * one value they are asked for.
 *
 * This file does not read or write streams (stream.c) and knows no key's
 * meaning (schema.c).  It never prints.
 */
#include <stdlib.h>
#include <string.h>

#include "rec.h"

/* ---- lifecycle ---- */

void
tttd_rec_init(struct tttd_rec *r)
{
	r->f = NULL;
	r->n = 0;
	r->cap = 0;
}

void
tttd_rec_clear(struct tttd_rec *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->f[i].key);
		free(r->f[i].val);
	}
	r->n = 0;
}

void
tttd_rec_release(struct tttd_rec *r)
{
	if (!r)
		return;
	tttd_rec_clear(r);
	free(r->f);
	r->f = NULL;
	r->cap = 0;
}

void
tttd_rec_append_raw(struct tttd_rec *r, const char *key, size_t klen, const void *val, size_t vlen)
{
	struct tttd_field *f;

	XGROW(r->f, r->cap, r->n + 1);
	f = &r->f[r->n++];
	f->key = xstrndup(key, klen);
	f->val = xmalloc(vlen);
	memcpy(f->val, val, vlen);
	f->vlen = vlen;
}

void
tttd_rec_copy(struct tttd_rec *dst, const struct tttd_rec *src)
{
	size_t i;

	if (dst == src)
		return;
	tttd_rec_clear(dst);
	for (i = 0; i < src->n; i++)
		tttd_rec_append_raw(dst, src->f[i].key, strlen(src->f[i].key), src->f[i].val,
				    src->f[i].vlen);
}

/* ---- packing helpers ---- */

void
tttd_pack_init(struct tttd_pack *p)
{
	msgpack_sbuffer_init(&p->sb);
	msgpack_packer_init(&p->pk, &p->sb, msgpack_sbuffer_write);
}

void
tttd_pack_release(struct tttd_pack *p)
{
	msgpack_sbuffer_destroy(&p->sb);
	p->sb.data = NULL;
	p->sb.size = 0;
	p->sb.alloc = 0;
}

void
tttd_pack_str(msgpack_packer *pk, const char *s)
{
	size_t n = strlen(s);

	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

void
tttd_rec_pack(const struct tttd_rec *r, msgpack_packer *pk)
{
	size_t i;

	msgpack_pack_map(pk, r->n);
	for (i = 0; i < r->n; i++) {
		tttd_pack_str(pk, r->f[i].key);
		/* The value is already packed: hand its bytes to the packer's sink. */
		pk->callback(pk->data, r->f[i].val, r->f[i].vlen);
	}
}

int
tttd_rec_from_object(struct tttd_rec *r, const msgpack_object *obj, struct tttd_error *e)
{
	struct tttd_pack p;
	uint32_t i;

	TTTD_RETURN_IF(obj->type != MSGPACK_OBJECT_MAP, e, TTTD_EFORMAT, "not a map");
	for (i = 0; i < obj->via.map.size; i++) {
		const msgpack_object *k = &obj->via.map.ptr[i].key;

		TTTD_RETURN_IF(k->type != MSGPACK_OBJECT_STR, e, TTTD_EFORMAT,
			       "key %u is not a string", (unsigned)i);
		/* Keys are kept as C strings. */
		TTTD_RETURN_IF(k->via.str.size && memchr(k->via.str.ptr, 0, k->via.str.size), e, TTTD_EFORMAT,
			       "key %u contains a NUL byte", (unsigned)i);
	}
	tttd_rec_clear(r);
	tttd_pack_init(&p);
	for (i = 0; i < obj->via.map.size; i++) {
		const msgpack_object_kv *kv = &obj->via.map.ptr[i];

		p.sb.size = 0;
		msgpack_pack_object(&p.pk, kv->val);
		tttd_rec_append_raw(r, kv->key.via.str.ptr, kv->key.via.str.size, p.sb.data, p.sb.size);
	}
	tttd_pack_release(&p);
	return TTTD_OK;
}

int
tttd_rec_to_object(const struct tttd_rec *r, msgpack_zone *zone, msgpack_object *out)
{
	struct tttd_pack p;
	size_t off = 0;
	char *copy;
	int rc;

	tttd_pack_init(&p);
	tttd_rec_pack(r, &p.pk);
	/* Unpacked strings point into their buffer: keep it alive in the zone. */
	copy = msgpack_zone_malloc(zone, p.sb.size ? p.sb.size : 1);
	if (!copy) {
		tttd_pack_release(&p);
		return TTTD_ENOMEM;
	}
	memcpy(copy, p.sb.data, p.sb.size);
	rc = msgpack_unpack(copy, p.sb.size, &off, zone, out);
	tttd_pack_release(&p);
	return rc == MSGPACK_UNPACK_SUCCESS ? TTTD_OK : TTTD_EFORMAT;
}

/* ---- setters ---- */

static struct tttd_field *
find(const struct tttd_rec *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->f[i].key, key) == 0)
			return &r->f[i];
	return NULL;
}

void
tttd_rec_set_raw(struct tttd_rec *r, const char *key, const void *packed, size_t len)
{
	struct tttd_field *f = find(r, key);
	char *v;

	if (!f) {
		tttd_rec_append_raw(r, key, strlen(key), packed, len);
		return;
	}
	/* Copy first: packed may point into the old value. */
	v = xmalloc(len);
	memcpy(v, packed, len);
	free(f->val);
	f->val = v;
	f->vlen = len;
}

/* Pack one value with fn into a scratch buffer and store it under key. */
#define SET_WITH(r, key, stmt)                                        \
	do {                                                          \
		struct tttd_pack p_;                                  \
		msgpack_packer *pk = &p_.pk;                          \
		tttd_pack_init(&p_);                                  \
		stmt;                                                 \
		tttd_rec_set_raw((r), (key), p_.sb.data, p_.sb.size); \
		tttd_pack_release(&p_);                               \
	} while (0)

void
tttd_rec_set_nil(struct tttd_rec *r, const char *key)
{
	SET_WITH(r, key, msgpack_pack_nil(pk));
}

void
tttd_rec_set_bool(struct tttd_rec *r, const char *key, int v)
{
	SET_WITH(r, key, v ? msgpack_pack_true(pk) : msgpack_pack_false(pk));
}

void
tttd_rec_set_int(struct tttd_rec *r, const char *key, int64_t v)
{
	SET_WITH(r, key, msgpack_pack_int64(pk, v));
}

void
tttd_rec_set_double(struct tttd_rec *r, const char *key, double v)
{
	SET_WITH(r, key, msgpack_pack_double(pk, v));
}

void
tttd_rec_set_str(struct tttd_rec *r, const char *key, const char *s)
{
	tttd_rec_set_strn(r, key, s, strlen(s));
}

void
tttd_rec_set_strn(struct tttd_rec *r, const char *key, const char *s, size_t n)
{
	SET_WITH(r, key, (msgpack_pack_str(pk, n), msgpack_pack_str_body(pk, s, n)));
}

void
tttd_rec_set_bin(struct tttd_rec *r, const char *key, const void *p, size_t n)
{
	SET_WITH(r, key, (msgpack_pack_bin(pk, n), msgpack_pack_bin_body(pk, p, n)));
}

void
tttd_rec_set_doubles(struct tttd_rec *r, const char *key, const double *v, size_t n)
{
	size_t i;

	SET_WITH(r, key, {
		msgpack_pack_array(pk, n);
		for (i = 0; i < n; i++)
			msgpack_pack_double(pk, v[i]);
	});
}

void
tttd_rec_set_strmap(struct tttd_rec *r, const char *key, const char *const *keys,
		    const char *const *vals, size_t n)
{
	size_t i;

	SET_WITH(r, key, {
		msgpack_pack_map(pk, n);
		for (i = 0; i < n; i++) {
			tttd_pack_str(pk, keys[i]);
			tttd_pack_str(pk, vals[i]);
		}
	});
}

void
tttd_rec_set_pack(struct tttd_rec *r, const char *key, struct tttd_pack *p)
{
	tttd_rec_set_raw(r, key, p->sb.data, p->sb.size);
	tttd_pack_release(p);
}

int
tttd_rec_del(struct tttd_rec *r, const char *key)
{
	struct tttd_field *f = find(r, key);
	size_t i;

	if (!f)
		return 0;
	i = (size_t)(f - r->f);
	free(f->key);
	free(f->val);
	memmove(&r->f[i], &r->f[i + 1], (r->n - i - 1) * sizeof(*r->f));
	r->n--;
	return 1;
}

/* ---- getters ---- */

const struct tttd_field *
tttd_rec_find(const struct tttd_rec *r, const char *key)
{
	return find(r, key);
}

int
tttd_rec_has(const struct tttd_rec *r, const char *key)
{
	return find(r, key) != NULL;
}

/*
 * Unpack field key into zone.  Strings and bins of the result point into the
 * record's own storage (msgpack_unpack does not copy them), which is what the
 * borrowing getters want.  @return 1, 0 absent, TTTD_EFORMAT undecodable.
 */
static int
peek(const struct tttd_rec *r, const char *key, msgpack_zone *zone, msgpack_object *o)
{
	const struct tttd_field *f = find(r, key);
	size_t off = 0;

	if (!f)
		return 0;
	if (msgpack_unpack(f->val, f->vlen, &off, zone, o) != MSGPACK_UNPACK_SUCCESS)
		return TTTD_EFORMAT;
	return 1;
}

/* A zone for scalar getters: small values never allocate much. */
#define WITH_ZONE(z)    \
	msgpack_zone z; \
	msgpack_zone_init(&z, 256)

static int
obj_int(const msgpack_object *o, int64_t *out)
{
	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
		if (o->via.u64 > INT64_MAX)
			return TTTD_EFORMAT;
		*out = (int64_t)o->via.u64;
		return 1;
	}
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
		*out = o->via.i64;
		return 1;
	}
	return TTTD_EFORMAT;
}

static int
obj_double(const msgpack_object *o, double *out)
{
	switch (o->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER: *out = (double)o->via.u64; return 1;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: *out = (double)o->via.i64; return 1;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: *out = o->via.f64; return 1;
	default: return TTTD_EFORMAT;
	}
}

int
tttd_rec_get_int(const struct tttd_rec *r, const char *key, int64_t *out)
{
	msgpack_object o;
	int rc;
	WITH_ZONE(z);

	rc = peek(r, key, &z, &o);
	if (rc == 1)
		rc = obj_int(&o, out);
	msgpack_zone_destroy(&z);
	return rc;
}

int
tttd_rec_get_double(const struct tttd_rec *r, const char *key, double *out)
{
	msgpack_object o;
	int rc;
	WITH_ZONE(z);

	rc = peek(r, key, &z, &o);
	if (rc == 1)
		rc = obj_double(&o, out);
	msgpack_zone_destroy(&z);
	return rc;
}

int
tttd_rec_get_bool(const struct tttd_rec *r, const char *key, int *out)
{
	msgpack_object o;
	int rc;
	WITH_ZONE(z);

	rc = peek(r, key, &z, &o);
	if (rc == 1) {
		if (o.type == MSGPACK_OBJECT_BOOLEAN)
			*out = o.via.boolean;
		else
			rc = TTTD_EFORMAT;
	}
	msgpack_zone_destroy(&z);
	return rc;
}

/* Borrowed str (want_bin: bin or str) bytes of key. */
static int
get_bytes(const struct tttd_rec *r, const char *key, int want_bin, const char **p, size_t *n)
{
	msgpack_object o;
	int rc;
	WITH_ZONE(z);

	rc = peek(r, key, &z, &o);
	if (rc == 1) {
		if (o.type == MSGPACK_OBJECT_STR) {
			*p = o.via.str.ptr;
			*n = o.via.str.size;
		} else if (want_bin && o.type == MSGPACK_OBJECT_BIN) {
			*p = o.via.bin.ptr;
			*n = o.via.bin.size;
		} else {
			rc = TTTD_EFORMAT;
		}
	}
	msgpack_zone_destroy(&z);
	return rc;
}

int
tttd_rec_get_strn(const struct tttd_rec *r, const char *key, const char **p, size_t *n)
{
	return get_bytes(r, key, 0, p, n);
}

int
tttd_rec_get_str(const struct tttd_rec *r, const char *key, char **out)
{
	const char *p;
	size_t n;
	int rc = get_bytes(r, key, 0, &p, &n);

	if (rc == 1)
		*out = xstrndup(p, n);
	return rc;
}

int
tttd_rec_str_is(const struct tttd_rec *r, const char *key, const char *s)
{
	const char *p;
	size_t n;

	return get_bytes(r, key, 0, &p, &n) == 1 && n == strlen(s) && memcmp(p, s, n) == 0;
}

int
tttd_rec_get_bin(const struct tttd_rec *r, const char *key, const void **p, size_t *n)
{
	const char *q;
	int rc = get_bytes(r, key, 1, &q, n);

	if (rc == 1)
		*p = q;
	return rc;
}

int
tttd_rec_get_doubles(const struct tttd_rec *r, const char *key, double **out, size_t *n)
{
	msgpack_object o;
	double *v = NULL;
	uint32_t i;
	int rc;
	WITH_ZONE(z);

	rc = peek(r, key, &z, &o);
	if (rc == 1 && o.type != MSGPACK_OBJECT_ARRAY)
		rc = TTTD_EFORMAT;
	if (rc == 1) {
		v = xmalloc((o.via.array.size ? o.via.array.size : 1) * sizeof(*v));
		for (i = 0; i < o.via.array.size && rc == 1; i++)
			rc = obj_double(&o.via.array.ptr[i], &v[i]);
		if (rc == 1) {
			*out = v;
			*n = o.via.array.size;
			v = NULL;
		}
	}
	free(v);
	msgpack_zone_destroy(&z);
	return rc;
}

int
tttd_rec_get_object(const struct tttd_rec *r, const char *key, msgpack_zone *zone,
		    msgpack_object *out)
{
	const struct tttd_field *f = find(r, key);
	size_t off = 0;
	char *copy;

	if (!f)
		return 0;
	/* The object must outlive later changes to r: give it its own bytes. */
	copy = msgpack_zone_malloc(zone, f->vlen);
	if (!copy)
		return TTTD_ENOMEM;
	memcpy(copy, f->val, f->vlen);
	if (msgpack_unpack(copy, f->vlen, &off, zone, out) != MSGPACK_UNPACK_SUCCESS)
		return TTTD_EFORMAT;
	return 1;
}

void
tttd_strmap_free(char **keys, char **vals, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (keys)
			free(keys[i]);
		if (vals)
			free(vals[i]);
	}
	free(keys);
	free(vals);
}

int
tttd_rec_get_strmap(const struct tttd_rec *r, const char *key, char ***keys, char ***vals,
		    size_t *n)
{
	msgpack_object o;
	char **k = NULL, **v = NULL;
	uint32_t i, m;
	int rc;
	WITH_ZONE(z);

	rc = peek(r, key, &z, &o);
	if (rc == 1 && o.type != MSGPACK_OBJECT_MAP)
		rc = TTTD_EFORMAT;
	if (rc == 1) {
		m = o.via.map.size;
		for (i = 0; i < m; i++)
			if (o.via.map.ptr[i].key.type != MSGPACK_OBJECT_STR ||
			    o.via.map.ptr[i].val.type != MSGPACK_OBJECT_STR)
				rc = TTTD_EFORMAT;
	}
	if (rc == 1) {
		k = xcalloc(m ? m : 1, sizeof(*k));
		v = xcalloc(m ? m : 1, sizeof(*v));
		for (i = 0; i < m; i++) {
			const msgpack_object_kv *kv = &o.via.map.ptr[i];

			k[i] = xstrndup(kv->key.via.str.ptr, kv->key.via.str.size);
			v[i] = xstrndup(kv->val.via.str.ptr, kv->val.via.str.size);
		}
		*keys = k;
		*vals = v;
		*n = m;
	}
	msgpack_zone_destroy(&z);
	return rc;
}
