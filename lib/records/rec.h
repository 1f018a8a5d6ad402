/*
 * rec.h - records: one record in memory, its fields, and a record as a line
 * of JSON (rec.c, rec_json.c).  Streams of records are stream.h's.
 *
 * A record is one msgpack map with string keys.  tttd keeps it as an ordered
 * list of (key, packed value) fields: a stage reads the keys it needs, sets the
 * keys it owns, and every other key passes through byte for byte, so a new
 * stage can be inserted without changing the others.
 *
 * This module owns msgpack; it does not know what any key means (see
 * schema.h for that).  It never prints.
 */
#ifndef TTTD_REC_H
#define TTTD_REC_H

#include <stdint.h>
#include <stdio.h>

#include <msgpack.h>

#include "tttd.h"

struct tttd_field {
	char *key; /* NUL-terminated copy */
	char *val; /* packed msgpack bytes of the value, owned */
	size_t vlen;
};

struct tttd_rec {
	struct tttd_field *f;
	size_t n, cap;
};

/* Lifecycle.  init: empty record; release: frees fields (accepts a released rec). */
void tttd_rec_init(struct tttd_rec *r);
void tttd_rec_release(struct tttd_rec *r);
/* Remove every field but keep the allocation. */
void tttd_rec_clear(struct tttd_rec *r);
/* Deep copy src into dst (dst must be initialised; its old fields are dropped). */
void tttd_rec_copy(struct tttd_rec *dst, const struct tttd_rec *src);

/*
 * Decode one packed msgpack map into r (replacing its fields).
 * @return TTTD_OK, or TTTD_EFORMAT if obj is not a map with string keys.
 */
int tttd_rec_from_object(struct tttd_rec *r, const msgpack_object *obj, struct tttd_error *e);
/* Pack r as a map into pk. */
void tttd_rec_pack(const struct tttd_rec *r, msgpack_packer *pk);
/* Unpack the whole record into a msgpack_object allocated in zone (for walking/JSON). */
int tttd_rec_to_object(const struct tttd_rec *r, msgpack_zone *zone, msgpack_object *out);

/*
 * Append key (klen bytes) with packed value val as a new field, even when
 * the key is present: a reader keeps a record's fields as they came,
 * duplicates included (rec_json.c, tttd_rec_from_object).
 */
void tttd_rec_append_raw(struct tttd_rec *r, const char *key, size_t klen, const void *val,
			 size_t vlen);

/* ---- setters: replace the key if present (keeps its position), else append ---- */
void tttd_rec_set_raw(struct tttd_rec *r, const char *key, const void *packed, size_t len);
void tttd_rec_set_nil(struct tttd_rec *r, const char *key);
void tttd_rec_set_bool(struct tttd_rec *r, const char *key, int v);
void tttd_rec_set_int(struct tttd_rec *r, const char *key, int64_t v);
void tttd_rec_set_double(struct tttd_rec *r, const char *key, double v);
void tttd_rec_set_str(struct tttd_rec *r, const char *key, const char *s);
void tttd_rec_set_strn(struct tttd_rec *r, const char *key, const char *s, size_t n);
void tttd_rec_set_bin(struct tttd_rec *r, const char *key, const void *p, size_t n);
void tttd_rec_set_doubles(struct tttd_rec *r, const char *key, const double *v, size_t n);
/* A map of string -> string, from parallel arrays. */
void tttd_rec_set_strmap(struct tttd_rec *r, const char *key, const char *const *keys,
			 const char *const *vals, size_t n);
/* Remove key; @return 1 if it was present. */
int tttd_rec_del(struct tttd_rec *r, const char *key);

/*
 * Build a nested value with a packer, then store it:
 *   struct tttd_pack p; tttd_pack_init(&p);
 *   msgpack_pack_map(&p.pk, 2); ...;
 *   tttd_rec_set_pack(r, "timing", &p);   (consumes p)
 */
struct tttd_pack {
	msgpack_sbuffer sb;
	msgpack_packer pk;
};
void tttd_pack_init(struct tttd_pack *p);
void tttd_pack_release(struct tttd_pack *p);
void tttd_pack_str(msgpack_packer *pk, const char *s); /* helper: pack a C string */
void tttd_rec_set_pack(struct tttd_rec *r, const char *key, struct tttd_pack *p);

/* ---- getters: @return 1 found with the right type, 0 absent, TTTD_EFORMAT wrong type ---- */
const struct tttd_field *tttd_rec_find(const struct tttd_rec *r, const char *key);
int tttd_rec_has(const struct tttd_rec *r, const char *key);
int tttd_rec_get_int(const struct tttd_rec *r, const char *key, int64_t *out);
/* Accepts int or float values. */
int tttd_rec_get_double(const struct tttd_rec *r, const char *key, double *out);
int tttd_rec_get_bool(const struct tttd_rec *r, const char *key, int *out);
/* Borrowed pointer into the record's storage (not NUL-terminated) and its length. */
int tttd_rec_get_strn(const struct tttd_rec *r, const char *key, const char **p, size_t *n);
/* Newly allocated NUL-terminated copy (caller frees). */
int tttd_rec_get_str(const struct tttd_rec *r, const char *key, char **out);
/* 1 if key holds the string s exactly. */
int tttd_rec_str_is(const struct tttd_rec *r, const char *key, const char *s);
/* Borrowed bin (or str) bytes. */
int tttd_rec_get_bin(const struct tttd_rec *r, const char *key, const void **p, size_t *n);
/* Newly allocated array of doubles (caller frees); accepts int or float elements. */
int tttd_rec_get_doubles(const struct tttd_rec *r, const char *key, double **out, size_t *n);
/* Unpack one value into zone for walking (maps, arrays). */
int tttd_rec_get_object(const struct tttd_rec *r, const char *key, msgpack_zone *zone,
			msgpack_object *out);
/* String->string map, newly allocated parallel arrays (free with tttd_strmap_free). */
int tttd_rec_get_strmap(const struct tttd_rec *r, const char *key, char ***keys, char ***vals,
			size_t *n);
void tttd_strmap_free(char **keys, char **vals, size_t n);

/* ---- JSON (for tttd-cat and tests) ---- */

/*
 * One record as one line of JSON (no newline added) into f, keys in record
 * order.  bin values are written as {"$bin": "<base64>"}; non-finite floats as
 * {"$float": "nan"|"inf"|"-inf"}; a str that is not UTF-8 as {"$str64":
 * "<base64>"}; finite floats as the shortest text that reads back exactly,
 * always with a '.' or an exponent (so 2.0 stays a float).  msgpack ext
 * values and non-string map keys are TTTD_EFORMAT.  Integers above INT64_MAX
 * are written exactly but tttd_rec_from_json cannot read them back.
 */
int tttd_rec_write_json(const struct tttd_rec *r, FILE *f, struct tttd_error *e);
/*
 * Parse one JSON object (one line) into r, replacing its fields.  Integers
 * stay integers, reals become float64, the $bin/$float/$str64 objects above
 * turn back into their values; duplicate keys are TTTD_EFORMAT.
 */
int tttd_rec_from_json(struct tttd_rec *r, const char *text, size_t len, struct tttd_error *e);

#endif
