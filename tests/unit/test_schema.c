/*
 * test_schema.c - docs/schema.md and lib/records/schema.c list the same keys with the
 * same types and owners (both directions), the type check, and the stamp.
 * The doc is found through $TTTD_TOP, else from the current directory (the
 * runner starts tests at the repository root), else ../.. .
 */
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "test.h"

#define MAXROWS 256

struct row {
	char key[64], type[32], owner[64];
};

/* Copy cell i (0-based) of a "| a | b | c |" line, trimmed, into out. */
static int
cell(const char *line, int i, char *out, size_t n)
{
	const char *p = strchr(line, '|'), *q;
	size_t len;

	while (p && i-- > 0)
		p = strchr(p + 1, '|');
	if (!p || !(q = strchr(p + 1, '|')))
		return -1;
	for (p++; *p == ' '; p++)
		;
	for (len = (size_t)(q - p); len > 0 && p[len - 1] == ' '; len--)
		;
	if (len >= n)
		return -1;
	memcpy(out, p, len);
	out[len] = '\0';
	return 0;
}

static FILE *
open_doc(void)
{
	const char *top = getenv("TTTD_TOP");
	char path[4096];
	FILE *f;

	if (top) {
		snprintf(path, sizeof(path), "%s/docs/schema.md", top);
		if ((f = fopen(path, "r")))
			return f;
	}
	if ((f = fopen("docs/schema.md", "r")))
		return f;
	return fopen("../../docs/schema.md", "r");
}

static size_t
read_doc(struct row *rows)
{
	FILE *f = open_doc();
	char line[4096];
	size_t n = 0;
	int in = 0, header = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f) && n < MAXROWS) {
		if (strstr(line, "<!-- schema-table-begin -->")) {
			in = 1;
			continue;
		}
		if (strstr(line, "<!-- schema-table-end -->"))
			break;
		if (!in || line[0] != '|')
			continue;
		if (header++ < 2)
			continue; /* the column names and the |---| line */
		if (cell(line, 0, rows[n].key, sizeof(rows[n].key)) == 0 &&
		    cell(line, 1, rows[n].type, sizeof(rows[n].type)) == 0 &&
		    cell(line, 2, rows[n].owner, sizeof(rows[n].owner)) == 0)
			n++;
	}
	fclose(f);
	return n;
}

static void
test_doc_matches_code(void)
{
	static struct row rows[MAXROWS];
	size_t n = read_doc(rows), i, j;
	int all = 1;

	T_CHECK("doc table found", n > 10);
	for (i = 0; i < n; i++) {
		const struct tttd_schema_key *k = tttd_schema_find(rows[i].key);

		if (!k) {
			fprintf(stderr, "  doc key '%s' missing from lib/records/schema.c\n", rows[i].key);
			all = 0;
		} else if (strcmp(k->type, rows[i].type) || strcmp(k->owner, rows[i].owner)) {
			fprintf(stderr, "  key '%s': doc says %s/%s, code says %s/%s\n", rows[i].key,
				rows[i].type, rows[i].owner, k->type, k->owner);
			all = 0;
		}
	}
	T_CHECK("every doc key is in the code, same type and owner", all);
	all = 1;
	for (j = 0; j < tttd_schema_n; j++) {
		for (i = 0; i < n && strcmp(rows[i].key, tttd_schema[j].key); i++)
			;
		if (i == n) {
			fprintf(stderr, "  code key '%s' missing from docs/schema.md\n",
				tttd_schema[j].key);
			all = 0;
		}
		if (!tttd_schema[j].meaning || !tttd_schema[j].meaning[0])
			all = 0;
	}
	T_CHECK("every code key is in the doc, with a meaning", all);
	T_CHECK("same count", n == tttd_schema_n);
}

static void
test_check_and_stamp(void)
{
	struct tttd_rec r;
	struct tttd_error e;
	int64_t v;

	tttd_rec_init(&r);
	tttd_rec_set_str(&r, "kind", "candidate");
	tttd_rec_set_int(&r, "time_ns", 12); /* float accepts int */
	tttd_rec_set_str(&r, "my_own_key", "passes through");
	tttd_rec_set_bin(&r, "object", "x", 1);
	T_CHECK("good record", tttd_schema_check(&r, &e) == TTTD_OK);
	tttd_rec_set_str(&r, "step", "3");
	T_CHECK("bad type", tttd_schema_check(&r, &e) == TTTD_EFORMAT &&
				    strcmp(e.msg, "key 'step': expected int, got str") == 0);
	tttd_rec_set_double(&r, "step", 3.0);
	T_CHECK("int refuses float", tttd_schema_check(&r, &e) == TTTD_EFORMAT);
	tttd_rec_del(&r, "step");
	tttd_rec_stamp(&r, "tttd-test");
	T_CHECK("stamp sets v", tttd_rec_get_int(&r, "v", &v) == 1 && v == TTTD_SCHEMA_VERSION);
	T_CHECK("stamp sets tool", tttd_rec_str_is(&r, "tool", "tttd-test " TTTD_VERSION));
	tttd_rec_stamp(&r, "tttd-other");
	T_CHECK("restamp replaces", tttd_rec_str_is(&r, "tool", "tttd-other " TTTD_VERSION) &&
					    r.n == 6);
	tttd_rec_set_int(&r, "v", 1);
	T_CHECK("stamped record checks", tttd_schema_check(&r, &e) == TTTD_OK);
	tttd_rec_release(&r);
}

int
main(void)
{
	test_doc_matches_code();
	test_check_and_stamp();
	return T_DONE();
}
