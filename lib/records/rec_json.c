/*
 * rec_json.c - a record as one line of JSON and back (rec.h).  Written by
 * hand, not through a jansson tree, so that key order, duplicate keys, the
 * int/float distinction and the shortest exactly round-tripping float text
 * are all under our control; read with jansson, the fields appended in the
 * order they come (duplicates kept).  bin values, and strings that are not
 * UTF-8, are base64 under a marker key ({"$bin": ...}, {"$str64": ...}) so
 * that nothing is lost.  It never prints except into the FILE it is given.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rec.h"

/* A zone for unpacking a record (as rec.c's getters make one). */
#define WITH_ZONE(z)    \
	msgpack_zone z; \
	msgpack_zone_init(&z, 256)

/* ---- JSON out ---- */

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
put_base64(FILE *f, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];

		putc(b64chars[v >> 18], f);
		putc(b64chars[(v >> 12) & 63], f);
		putc(b64chars[(v >> 6) & 63], f);
		putc(b64chars[v & 63], f);
	}
	if (n - i == 1) {
		unsigned v = (unsigned)p[i] << 16;

		fprintf(f, "%c%c==", b64chars[v >> 18], b64chars[(v >> 12) & 63]);
	} else if (n - i == 2) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8;

		fprintf(f, "%c%c%c=", b64chars[v >> 18], b64chars[(v >> 12) & 63],
			b64chars[(v >> 6) & 63]);
	}
}

/* Length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		len = 2, c = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, c = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and out-of-range code points are not UTF-8. */
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return len;
}

static int
utf8_valid(const char *s, size_t n)
{
	size_t i = 0, l;

	while (i < n) {
		l = utf8_len((const unsigned char *)s + i, n - i);
		if (!l)
			return 0;
		i += l;
	}
	return 1;
}

/* A JSON string; the bytes must be valid UTF-8. */
static void
put_jstr(FILE *f, const char *s, size_t n)
{
	size_t i;

	putc('"', f);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\t': fputs("\\t", f); break;
		case '\r': fputs("\\r", f); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				putc(c, f);
		}
	}
	putc('"', f);
}

/*
 * The shortest %.Ng text that reads back as exactly d, always with a '.' or
 * an exponent so that a JSON reader sees a real, not an integer.
 */
static void
put_double(FILE *f, double d)
{
	char buf[40];
	int prec;

	if (isnan(d)) {
		fputs("{\"$float\":\"nan\"}", f);
		return;
	}
	if (isinf(d)) {
		fputs(d > 0 ? "{\"$float\":\"inf\"}" : "{\"$float\":\"-inf\"}", f);
		return;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (!strpbrk(buf, ".eE"))
		strcat(buf, ".0");
	fputs(buf, f);
}

static int
put_object(FILE *f, const msgpack_object *o, struct tttd_error *e)
{
	uint32_t i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL: fputs("null", f); break;
	case MSGPACK_OBJECT_BOOLEAN: fputs(o->via.boolean ? "true" : "false", f); break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER: fprintf(f, "%" PRIu64, o->via.u64); break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: fprintf(f, "%" PRId64, o->via.i64); break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: put_double(f, o->via.f64); break;
	case MSGPACK_OBJECT_STR:
		if (utf8_valid(o->via.str.ptr, o->via.str.size)) {
			put_jstr(f, o->via.str.ptr, o->via.str.size);
		} else {
			/* Lossless for bytes JSON cannot hold as a string. */
			fputs("{\"$str64\":\"", f);
			put_base64(f, (const unsigned char *)o->via.str.ptr, o->via.str.size);
			fputs("\"}", f);
		}
		break;
	case MSGPACK_OBJECT_BIN:
		fputs("{\"$bin\":\"", f);
		put_base64(f, (const unsigned char *)o->via.bin.ptr, o->via.bin.size);
		fputs("\"}", f);
		break;
	case MSGPACK_OBJECT_ARRAY:
		putc('[', f);
		for (i = 0; i < o->via.array.size; i++) {
			if (i)
				putc(',', f);
			TTTD_TRY(put_object(f, &o->via.array.ptr[i], e));
		}
		putc(']', f);
		break;
	case MSGPACK_OBJECT_MAP:
		putc('{', f);
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object *k = &o->via.map.ptr[i].key;

			TTTD_RETURN_IF(k->type != MSGPACK_OBJECT_STR ||
					       !utf8_valid(k->via.str.ptr, k->via.str.size),
				       e, TTTD_EFORMAT, "map key is not a UTF-8 string");
			if (i)
				putc(',', f);
			put_jstr(f, k->via.str.ptr, k->via.str.size);
			putc(':', f);
			TTTD_TRY(put_object(f, &o->via.map.ptr[i].val, e));
		}
		putc('}', f);
		break;
	default:
		return tttd_error_set(e, TTTD_EFORMAT, "msgpack ext values have no JSON form");
	}
	return TTTD_OK;
}

int
tttd_rec_write_json(const struct tttd_rec *r, FILE *out, struct tttd_error *e)
{
	msgpack_object o;
	char *buf = NULL;
	size_t i, len = 0;
	FILE *f;
	int rc = TTTD_OK;
	WITH_ZONE(z);

	/* Build the line in memory so that a record that fails writes nothing. */
	f = open_memstream(&buf, &len);
	if (!f) {
		msgpack_zone_destroy(&z);
		return tttd_error_set(e, TTTD_ENOMEM, "cannot open a memory stream:");
	}
	putc('{', f);
	for (i = 0; i < r->n && rc == TTTD_OK; i++) {
		size_t off = 0;

		if (!utf8_valid(r->f[i].key, strlen(r->f[i].key))) {
			rc = tttd_error_set(e, TTTD_EFORMAT, "key %zu is not UTF-8", i);
			break;
		}
		if (i)
			putc(',', f);
		put_jstr(f, r->f[i].key, strlen(r->f[i].key));
		putc(':', f);
		msgpack_zone_clear(&z);
		if (msgpack_unpack(r->f[i].val, r->f[i].vlen, &off, &z, &o) !=
		    MSGPACK_UNPACK_SUCCESS)
			rc = tttd_error_set(e, TTTD_EFORMAT, "value of '%s' is not msgpack",
					    r->f[i].key);
		else
			rc = put_object(f, &o, e);
	}
	putc('}', f);
	fclose(f);
	msgpack_zone_destroy(&z);
	if (rc == TTTD_OK && (fwrite(buf, 1, len, out) != len || ferror(out)))
		rc = tttd_error_set(e, TTTD_EIO, "cannot write JSON:");
	free(buf);
	return rc;
}

/* ---- JSON in ---- */

static int
b64val(int c)
{
	const char *p = c ? strchr(b64chars, c) : NULL;

	return p ? (int)(p - b64chars) : -1;
}

/* Decode base64 s into a new buffer; @return 0, or -1 if s is not base64. */
static int
base64_decode(const char *s, size_t n, unsigned char **out, size_t *outn)
{
	unsigned char *p = xmalloc(n / 4 * 3 + 3);
	size_t i, o = 0;
	int v[4], j;

	if (n % 4)
		goto bad;
	for (i = 0; i < n; i += 4) {
		for (j = 0; j < 4; j++)
			v[j] = s[i + j] == '=' && i + 4 == n && j >= 2 ? -2 : b64val(s[i + j]);
		if (v[0] < 0 || v[1] < 0 || v[2] == -1 || v[3] == -1 || (v[2] == -2 && v[3] != -2))
			goto bad;
		p[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (v[2] >= 0)
			p[o++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (v[3] >= 0)
			p[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	*out = p;
	*outn = o;
	return 0;
bad:
	free(p);
	return -1;
}

/* {"$bin": "..."} and friends: @return the tag's value, or NULL. */
static const char *
special(json_t *j, const char *tag)
{
	json_t *v;

	if (!json_is_object(j) || json_object_size(j) != 1)
		return NULL;
	v = json_object_get(j, tag);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int
pack_json(msgpack_packer *pk, json_t *j, struct tttd_error *e)
{
	const char *s, *k;
	unsigned char *bytes;
	size_t n, i, klen;
	json_t *v;

	if ((s = special(j, "$bin")) || (s = special(j, "$str64"))) {
		int is_bin = json_object_get(j, "$bin") != NULL;

		TTTD_RETURN_IF(base64_decode(s, strlen(s), &bytes, &n) < 0, e, TTTD_EFORMAT,
			       "bad base64 in %s", is_bin ? "$bin" : "$str64");
		if (is_bin) {
			msgpack_pack_bin(pk, n);
			msgpack_pack_bin_body(pk, bytes, n);
		} else {
			msgpack_pack_str(pk, n);
			msgpack_pack_str_body(pk, bytes, n);
		}
		free(bytes);
		return TTTD_OK;
	}
	if ((s = special(j, "$float"))) {
		if (strcmp(s, "nan") == 0)
			msgpack_pack_double(pk, NAN);
		else if (strcmp(s, "inf") == 0)
			msgpack_pack_double(pk, INFINITY);
		else if (strcmp(s, "-inf") == 0)
			msgpack_pack_double(pk, -INFINITY);
		else
			return tttd_error_set(e, TTTD_EFORMAT, "bad $float '%s'", s);
		return TTTD_OK;
	}
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		msgpack_pack_map(pk, json_object_size(j));
		json_object_keylen_foreach(j, k, klen, v) {
			msgpack_pack_str(pk, klen);
			msgpack_pack_str_body(pk, k, klen);
			TTTD_TRY(pack_json(pk, v, e));
		}
		break;
	case JSON_ARRAY:
		msgpack_pack_array(pk, json_array_size(j));
		json_array_foreach(j, i, v)
			TTTD_TRY(pack_json(pk, v, e));
		break;
	case JSON_STRING:
		msgpack_pack_str(pk, json_string_length(j));
		msgpack_pack_str_body(pk, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER: msgpack_pack_int64(pk, json_integer_value(j)); break;
	case JSON_REAL: msgpack_pack_double(pk, json_real_value(j)); break;
	case JSON_TRUE: msgpack_pack_true(pk); break;
	case JSON_FALSE: msgpack_pack_false(pk); break;
	case JSON_NULL: msgpack_pack_nil(pk); break;
	}
	return TTTD_OK;
}

int
tttd_rec_from_json(struct tttd_rec *r, const char *text, size_t len, struct tttd_error *e)
{
	json_error_t je;
	json_t *root, *v;
	struct tttd_pack p;
	const char *k;
	size_t klen;
	int rc = TTTD_OK;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	TTTD_RETURN_IF(!root, e, TTTD_EFORMAT, "%s", je.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return tttd_error_set(e, TTTD_EFORMAT, "not a JSON object");
	}
	tttd_rec_clear(r);
	tttd_pack_init(&p);
	/* jansson (>= 2.8) iterates objects in insertion order: key order is kept. */
	json_object_keylen_foreach(root, k, klen, v) {
		if (memchr(k, 0, klen)) {
			rc = tttd_error_set(e, TTTD_EFORMAT, "a key contains a NUL byte");
			break;
		}
		p.sb.size = 0;
		rc = pack_json(&p.pk, v, e);
		if (rc < 0)
			break;
		tttd_rec_append_raw(r, k, strlen(k), p.sb.data, p.sb.size);
	}
	tttd_pack_release(&p);
	json_decref(root);
	if (rc < 0)
		tttd_rec_clear(r);
	return rc;
}
