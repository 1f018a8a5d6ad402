/*
 * test_rec.c - records: setters and getters, type errors, replace keeping the
 * position, delete, copy, pack/unpack, and the JSON round trip (bin, nested
 * maps, ints versus floats, non-finite floats, non-UTF-8 strings).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rec.h"
#include "test.h"

/* The record as a JSON line in a malloc'd string. */
static char *
json(const struct tttd_rec *r)
{
	struct tttd_error e;
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (tttd_rec_write_json(r, f, &e) < 0)
		fprintf(f, "ERROR %s", e.msg);
	fclose(f);
	return buf;
}

static void
test_setters_getters(void)
{
	struct tttd_rec r;
	int64_t i;
	double d, *dv;
	int b;
	char *s, **mk, **mv;
	const char *p;
	const void *bp;
	size_t n;
	const double xs[] = { 1.5, -2, 1e300 };
	const char *ks[] = { "tile", "unroll" }, *vs[] = { "32", "4" };

	tttd_rec_init(&r);
	tttd_rec_set_int(&r, "v", 1);
	tttd_rec_set_str(&r, "kind", "candidate");
	tttd_rec_set_double(&r, "time_ns", 12.25);
	tttd_rec_set_bool(&r, "cached", 1);
	tttd_rec_set_bin(&r, "object", "\0\1\2", 3);
	tttd_rec_set_nil(&r, "nothing");
	tttd_rec_set_doubles(&r, "xs", xs, 3);
	tttd_rec_set_strmap(&r, "decisions", ks, vs, 2);
	tttd_rec_set_int(&r, "neg", -5000000000LL);
	T_CHECK("n fields", r.n == 9);
	T_CHECK("int", tttd_rec_get_int(&r, "v", &i) == 1 && i == 1);
	T_CHECK("neg int", tttd_rec_get_int(&r, "neg", &i) == 1 && i == -5000000000LL);
	T_CHECK("double", tttd_rec_get_double(&r, "time_ns", &d) == 1 && d == 12.25);
	T_CHECK("double accepts int", tttd_rec_get_double(&r, "v", &d) == 1 && d == 1.0);
	T_CHECK("int refuses double", tttd_rec_get_int(&r, "time_ns", &i) == TTTD_EFORMAT);
	T_CHECK("bool", tttd_rec_get_bool(&r, "cached", &b) == 1 && b == 1);
	T_CHECK("bool refuses int", tttd_rec_get_bool(&r, "v", &b) == TTTD_EFORMAT);
	T_CHECK("absent", tttd_rec_get_int(&r, "nope", &i) == 0);
	T_CHECK("has", tttd_rec_has(&r, "nothing") && !tttd_rec_has(&r, "nope"));
	T_CHECK("strn", tttd_rec_get_strn(&r, "kind", &p, &n) == 1 && n == 9 &&
				memcmp(p, "candidate", 9) == 0);
	T_CHECK("str is", tttd_rec_str_is(&r, "kind", "candidate"));
	T_CHECK("str is not prefix", !tttd_rec_str_is(&r, "kind", "cand"));
	T_CHECK("str refuses bin", tttd_rec_get_strn(&r, "object", &p, &n) == TTTD_EFORMAT);
	s = NULL;
	T_CHECK("str copy", tttd_rec_get_str(&r, "kind", &s) == 1 && strcmp(s, "candidate") == 0);
	free(s);
	T_CHECK("bin", tttd_rec_get_bin(&r, "object", &bp, &n) == 1 && n == 3 &&
			       memcmp(bp, "\0\1\2", 3) == 0);
	T_CHECK("bin accepts str", tttd_rec_get_bin(&r, "kind", &bp, &n) == 1 && n == 9);
	dv = NULL;
	T_CHECK("doubles", tttd_rec_get_doubles(&r, "xs", &dv, &n) == 1 && n == 3 &&
				   dv[0] == 1.5 && dv[1] == -2 && dv[2] == 1e300);
	free(dv);
	T_CHECK("doubles refuses str", tttd_rec_get_doubles(&r, "kind", &dv, &n) == TTTD_EFORMAT);
	T_CHECK("strmap", tttd_rec_get_strmap(&r, "decisions", &mk, &mv, &n) == 1 && n == 2 &&
				  strcmp(mk[1], "unroll") == 0 && strcmp(mv[1], "4") == 0);
	tttd_strmap_free(mk, mv, n);

	/* Replace keeps the position; a new type is fine. */
	tttd_rec_set_str(&r, "time_ns", "fast");
	T_CHECK("replace keeps n", r.n == 9);
	T_CHECK("replace keeps position", strcmp(r.f[2].key, "time_ns") == 0);
	T_CHECK("replaced value", tttd_rec_str_is(&r, "time_ns", "fast"));
	/* Replace with a value taken from the record itself. */
	tttd_rec_set_raw(&r, "kind", r.f[1].val, r.f[1].vlen);
	T_CHECK("self replace", tttd_rec_str_is(&r, "kind", "candidate"));
	T_CHECK("del", tttd_rec_del(&r, "cached") == 1 && r.n == 8 && !tttd_rec_has(&r, "cached"));
	T_CHECK("del absent", tttd_rec_del(&r, "cached") == 0);
	T_CHECK("del keeps order", strcmp(r.f[3].key, "object") == 0);
	tttd_rec_release(&r);
	T_CHECK("release", r.n == 0 && r.f == NULL);
	tttd_rec_release(&r); /* twice is fine */
}

static void
test_pack_object(void)
{
	struct tttd_rec r, r2;
	struct tttd_pack p;
	msgpack_zone z;
	msgpack_object o;
	struct tttd_error e;
	size_t off = 0;

	tttd_rec_init(&r);
	tttd_rec_init(&r2);
	tttd_rec_set_int(&r, "v", 1);
	tttd_pack_init(&p);
	msgpack_pack_map(&p.pk, 1);
	tttd_pack_str(&p.pk, "n");
	msgpack_pack_array(&p.pk, 2);
	msgpack_pack_int(&p.pk, 7);
	tttd_pack_str(&p.pk, "x");
	tttd_rec_set_pack(&r, "timing", &p);
	msgpack_zone_init(&z, 1024);
	T_CHECK("get object", tttd_rec_get_object(&r, "timing", &z, &o) == 1 &&
				      o.type == MSGPACK_OBJECT_MAP && o.via.map.size == 1 &&
				      o.via.map.ptr[0].val.via.array.size == 2);
	T_CHECK("to object", tttd_rec_to_object(&r, &z, &o) == TTTD_OK &&
				     o.type == MSGPACK_OBJECT_MAP && o.via.map.size == 2);
	T_CHECK("from object", tttd_rec_from_object(&r2, &o, &e) == TTTD_OK && r2.n == 2 &&
				       strcmp(r2.f[1].key, "timing") == 0 &&
				       r2.f[1].vlen == r.f[1].vlen &&
				       memcmp(r2.f[1].val, r.f[1].val, r.f[1].vlen) == 0);
	/* Not a map, and a map with an int key. */
	tttd_pack_init(&p);
	msgpack_pack_array(&p.pk, 0);
	msgpack_pack_map(&p.pk, 1);
	msgpack_pack_int(&p.pk, 1);
	msgpack_pack_int(&p.pk, 2);
	msgpack_unpack(p.sb.data, p.sb.size, &off, &z, &o);
	T_CHECK("from array fails", tttd_rec_from_object(&r2, &o, &e) == TTTD_EFORMAT &&
					    strstr(e.msg, "not a map"));
	msgpack_unpack(p.sb.data, p.sb.size, &off, &z, &o);
	T_CHECK("int key fails", tttd_rec_from_object(&r2, &o, &e) == TTTD_EFORMAT);
	tttd_pack_release(&p);
	msgpack_zone_destroy(&z);
	/* Copy is deep. */
	tttd_rec_copy(&r2, &r);
	tttd_rec_set_int(&r, "v", 2);
	{
		int64_t v;

		T_CHECK("copy is deep", r2.n == 2 && tttd_rec_get_int(&r2, "v", &v) == 1 && v == 1);
	}
	tttd_rec_release(&r);
	tttd_rec_release(&r2);
}

static void
test_json(void)
{
	const char *in = "{\"v\":1,\"kind\":\"parent\",\"i\":3,\"f\":3.0,\"g\":0.1,\"h\":1e+300,"
			 "\"s\":\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\",\"b\":{\"$bin\":\"AAECAw==\"},"
			 "\"m\":{\"x\":[1,2.5,null,true,false,{\"y\":{}}],\"z\":[]},"
			 "\"nan\":{\"$float\":\"nan\"},\"inf\":{\"$float\":\"-inf\"},"
			 "\"min\":-9223372036854775808}";
	struct tttd_rec r, r2;
	struct tttd_error e;
	const void *bp;
	char *out, *out2;
	double d;
	int64_t i;
	size_t n;

	tttd_rec_init(&r);
	tttd_rec_init(&r2);
	T_CHECK("parse", tttd_rec_from_json(&r, in, strlen(in), &e) == TTTD_OK);
	T_CHECK("key order", r.n == 12 && strcmp(r.f[0].key, "v") == 0 &&
				     strcmp(r.f[11].key, "min") == 0 && strcmp(r.f[4].key, "g") == 0);
	T_CHECK("int stays int", tttd_rec_get_int(&r, "i", &i) == 1 && i == 3);
	T_CHECK("3.0 is a float", tttd_rec_get_int(&r, "f", &i) == TTTD_EFORMAT &&
					  tttd_rec_get_double(&r, "f", &d) == 1 && d == 3.0);
	T_CHECK("bin back", tttd_rec_get_bin(&r, "b", &bp, &n) == 1 && n == 4 &&
				    memcmp(bp, "\0\1\2\3", 4) == 0);
	T_CHECK("nan back", tttd_rec_get_double(&r, "nan", &d) == 1 && isnan(d));
	T_CHECK("-inf back", tttd_rec_get_double(&r, "inf", &d) == 1 && isinf(d) && d < 0);
	T_CHECK("int64 min", tttd_rec_get_int(&r, "min", &i) == 1 && i == INT64_MIN);
	out = json(&r);
	T_CHECK("json out equals in", strcmp(out, in) == 0);
	if (strcmp(out, in) != 0)
		fprintf(stderr, "  in:  %s\n  out: %s\n", in, out);
	T_CHECK("reparse", tttd_rec_from_json(&r2, out, strlen(out), &e) == TTTD_OK);
	out2 = json(&r2);
	T_CHECK("round trip stable", strcmp(out, out2) == 0);
	free(out);
	free(out2);

	/* Exact float round trip over awkward values. */
	{
		const double vals[] = { 0.1, 1.0 / 3, 2.0 / 3, 1e-310, 5e-324, 1.7976931348623157e308,
					123456789.123456789, -0.0, 100.0, 1e21 };
		size_t k;
		int all = 1;

		for (k = 0; k < sizeof(vals) / sizeof(vals[0]); k++) {
			tttd_rec_clear(&r);
			tttd_rec_set_double(&r, "x", vals[k]);
			out = json(&r);
			if (tttd_rec_from_json(&r2, out, strlen(out), &e) != 0 ||
			    tttd_rec_get_double(&r2, "x", &d) != 1 ||
			    memcmp(&d, &vals[k], sizeof(d)) != 0 ||
			    tttd_rec_get_int(&r2, "x", &i) != TTTD_EFORMAT) {
				all = 0;
				fprintf(stderr, "  float %.17g -> %s\n", vals[k], out);
			}
			free(out);
		}
		T_CHECK("floats round trip bit for bit and stay floats", all);
	}

	/* A str that is not UTF-8 survives as $str64. */
	tttd_rec_clear(&r);
	tttd_rec_set_strn(&r, "s", "\xff\xfe", 2);
	out = json(&r);
	T_CHECK("non-utf8 str64", strcmp(out, "{\"s\":{\"$str64\":\"//4=\"}}") == 0);
	T_CHECK("str64 back", tttd_rec_from_json(&r2, out, strlen(out), &e) == 0 &&
				      tttd_rec_get_strn(&r2, "s", (const char **)&bp, &n) == 1 &&
				      n == 2 && memcmp(bp, "\xff\xfe", 2) == 0);
	free(out);

	/* Bad JSON inputs. */
	T_CHECK("not an object", tttd_rec_from_json(&r, "[1]", 3, &e) == TTTD_EFORMAT);
	T_CHECK("syntax error", tttd_rec_from_json(&r, "{\"a\":", 5, &e) == TTTD_EFORMAT &&
					e.msg[0] != 0);
	T_CHECK("duplicate keys", tttd_rec_from_json(&r, "{\"a\":1,\"a\":2}", 13, &e) ==
					  TTTD_EFORMAT);
	T_CHECK("bad base64", tttd_rec_from_json(&r, "{\"a\":{\"$bin\":\"A\"}}", 18, &e) ==
				      TTTD_EFORMAT);
	T_CHECK("bad $float", tttd_rec_from_json(&r, "{\"a\":{\"$float\":\"x\"}}", 20, &e) ==
				      TTTD_EFORMAT);
	T_CHECK("failed parse leaves r empty", r.n == 0);
	/* An object that only looks special stays a map. */
	{
		const char *two = "{\"a\":{\"$bin\":\"AA==\",\"x\":1}}";

		out = NULL;
		T_CHECK("two keys is a map",
			tttd_rec_from_json(&r, two, strlen(two), &e) == 0 && (out = json(&r)) &&
				strcmp(out, two) == 0);
	}
	free(out);
	tttd_rec_release(&r);
	tttd_rec_release(&r2);
}

int
main(void)
{
	test_setters_getters();
	test_pack_object();
	test_json();
	return T_DONE();
}
