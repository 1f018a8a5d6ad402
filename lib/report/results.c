/*
 * results.c - the results index in SQLite (results.h).  One table, results,
 * one row per run's confirmed best; queries pick the fastest row within a
 * (task, shape, device).  The decisions and per-shape timing are kept as the
 * JSON the records carry, so a row can be exported without the task folder.
 */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "candidate.h" /* defines: tttd_cand_read */
#include "results.h"

struct tttd_results {
	sqlite3 *db;
};

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS results ("
	" task TEXT NOT NULL, shape TEXT NOT NULL, device TEXT NOT NULL, version TEXT NOT NULL,"
	" time_ns REAL NOT NULL, ref_ns REAL, speedup REAL,"
	" id TEXT NOT NULL, target TEXT, decisions TEXT NOT NULL, cflags TEXT, source TEXT NOT NULL,"
	" timing TEXT, run TEXT NOT NULL, git_commit TEXT, date TEXT NOT NULL,"
	" UNIQUE (task, shape, device, version, run, id));"
	"CREATE INDEX IF NOT EXISTS results_key ON results (task, shape, device, time_ns);";

/* The columns, in the order every SELECT names them. */
#define COLUMNS                                                                          \
	"task, shape, device, version, time_ns, ref_ns, speedup, id, target, decisions," \
	" cflags, source, timing, run, git_commit, date"

static int
db_error(struct tttd_results *db, struct tttd_error *e, const char *what)
{
	return tttd_error_set(e, TTTD_EIO, "results database: %s: %s", what, sqlite3_errmsg(db->db));
}

char *
tttd_results_default_path(void)
{
	const char *x = getenv("XDG_DATA_HOME"), *home = getenv("HOME");

	if (x && *x == '/')
		return xasprintf("%s/tttd/results.db", x);
	if (home && *home)
		return xasprintf("%s/.local/share/tttd/results.db", home);
	return NULL;
}

/* mkdir -p of the folder holding path. */
static int
make_parent(const char *path, struct tttd_error *e)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *p;
	int r = TTTD_OK;

	if (!slash || slash == dir) {
		free(dir);
		return TTTD_OK;
	}
	*slash = '\0';
	for (p = dir + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;

			*p = '\0';
			if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
				r = tttd_error_set(e, TTTD_EIO, "cannot create '%s':", dir);
				break;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	free(dir);
	return r;
}

int
tttd_results_open(struct tttd_results **out, const char *path, int create, struct tttd_error *e)
{
	struct tttd_results *db;
	int r;

	*out = NULL;
	if (!create && access(path, F_OK) < 0)
		return tttd_error_set(e, TTTD_ENOENT, "no results database at '%s'", path);
	if (create)
		TTTD_TRY(make_parent(path, e));
	db = xcalloc(1, sizeof(*db));
	r = sqlite3_open_v2(path, &db->db,
			    create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READWRITE,
			    NULL);
	if (r != SQLITE_OK) {
		r = tttd_error_set(e, TTTD_EIO, "cannot open results database '%s': %s", path,
				   db->db ? sqlite3_errmsg(db->db) : sqlite3_errstr(r));
		tttd_results_close(db);
		return r;
	}
	/* Runs that end together add together: wait for the lock rather than fail. */
	sqlite3_busy_timeout(db->db, 10000);
	if (sqlite3_exec(db->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK) {
		r = tttd_error_set(e, TTTD_EIO, "results database '%s': %s", path,
				   sqlite3_errmsg(db->db));
		tttd_results_close(db);
		return r;
	}
	*out = db;
	return TTTD_OK;
}

void
tttd_results_close(struct tttd_results *db)
{
	if (!db)
		return;
	sqlite3_close(db->db);
	free(db);
}

static double
obj_num(const msgpack_object *o)
{
	switch (o->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER: return (double)o->via.u64;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER: return (double)o->via.i64;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64: return o->via.f64;
	default: return -1;
	}
}

char *
tttd_results_shape_key(const struct tttd_rec *r)
{
	msgpack_zone zone;
	msgpack_object o;
	char *key = NULL;
	size_t len = 0, cap = 0;

	msgpack_zone_init(&zone, 4096);
	if (tttd_rec_get_object(r, "timing", &zone, &o) != 1 || o.type != MSGPACK_OBJECT_ARRAY)
		goto out;
	for (uint32_t i = 0; i < o.via.array.size; i++) {
		const msgpack_object *m = &o.via.array.ptr[i];

		if (m->type != MSGPACK_OBJECT_MAP)
			continue;
		for (uint32_t j = 0; j < m->via.map.size; j++) {
			const msgpack_object_kv *kv = &m->via.map.ptr[j];

			if (kv->key.type != MSGPACK_OBJECT_STR || kv->key.via.str.size != 5 ||
			    memcmp(kv->key.via.str.ptr, "shape", 5) != 0 ||
			    kv->val.type != MSGPACK_OBJECT_ARRAY)
				continue;
			for (uint32_t k = 0; k < kv->val.via.array.size; k++) {
				XGROW(key, cap, len + 32);
				len += (size_t)snprintf(key + len, cap - len, "%s%.0f",
							k ? "x" : (len ? "," : ""),
							obj_num(&kv->val.via.array.ptr[k]));
			}
		}
	}
out:
	msgpack_zone_destroy(&zone);
	return key;
}

/* The record's decisions as a JSON object text (newly allocated). */
static char *
decisions_json(const struct tttd_rec *r)
{
	char **k = NULL, **v = NULL, *s;
	size_t n = 0;
	json_t *o = json_object();

	if (tttd_rec_get_strmap(r, "decisions", &k, &v, &n) == 1)
		for (size_t i = 0; i < n; i++)
			json_object_set_new(o, k[i], json_string(v[i]));
	tttd_strmap_free(k, v, n);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return s;
}

/* The record's timing as JSON text (newly allocated), or NULL. */
static char *
timing_json(const struct tttd_rec *r)
{
	const struct tttd_field *f = tttd_rec_find(r, "timing");
	struct tttd_rec one;
	struct tttd_error e;
	char *buf = NULL, *out = NULL;
	size_t len = 0;
	FILE *mf;
	json_t *j;

	if (!f)
		return NULL;
	/* Through the record's own JSON writer, then jansson to take the value out. */
	tttd_rec_init(&one);
	tttd_rec_set_raw(&one, "timing", f->val, f->vlen);
	mf = open_memstream(&buf, &len);
	if (mf && tttd_rec_write_json(&one, mf, &e) == 0 && fclose(mf) == 0) {
		mf = NULL;
		j = json_loadb(buf, len, 0, NULL);
		if (j) {
			out = json_dumps(json_object_get(j, "timing"), JSON_COMPACT | JSON_PRESERVE_ORDER);
			json_decref(j);
		}
	}
	if (mf)
		fclose(mf);
	free(buf);
	tttd_rec_release(&one);
	return out;
}

int
tttd_results_add(struct tttd_results *db, const struct tttd_rec *best, const char *run,
		 const struct tttd_env *env, struct tttd_error *e)
{
	static const char sql[] = "INSERT OR REPLACE INTO results (" COLUMNS ") VALUES "
				  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
	char *shape = NULL, *dec = NULL, *timing = NULL;
	sqlite3_stmt *st = NULL;
	struct tttd_cand c;
	int r = TTTD_OK;

	tttd_cand_read(&c, best);
	if (c.st != TTTD_ST_OK) {
		tttd_cand_release(&c);
		return tttd_error_set(e, TTTD_EFORMAT, "the record is not a correct candidate (status ok)");
	}
	if (!c.task || !c.id || !c.device || !c.source || !(c.has & TTTD_CAND_TIME_NS) ||
	    !(c.time_ns > 0) || !(shape = tttd_results_shape_key(best))) {
		r = tttd_error_set(e, TTTD_EFORMAT,
				   "the record lacks one of task, id, device, source, time_ns, timing");
		goto out;
	}
	dec = decisions_json(best);
	timing = timing_json(best);
	if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK) {
		r = db_error(db, e, "prepare");
		goto out;
	}
	sqlite3_bind_text(st, 1, c.task, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, shape, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c.device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, env && env->version ? env->version : TTTD_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 5, c.time_ns);
	if (c.ref_ns > 0)
		sqlite3_bind_double(st, 6, c.ref_ns);
	if (c.speedup > 0)
		sqlite3_bind_double(st, 7, c.speedup);
	sqlite3_bind_text(st, 8, c.id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, c.target, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, dec, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, c.cflags, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, c.source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, timing, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, run, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, env && env->commit ? env->commit : tttd_commit(), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, env && env->date ? env->date : "unknown", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		r = db_error(db, e, "add");
out:
	sqlite3_finalize(st);
	tttd_cand_release(&c);
	free(shape);
	free(dec);
	free(timing);
	return r;
}

static char *
col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? xstrdup((const char *)t) : NULL;
}

static void
row_of(sqlite3_stmt *st, struct tttd_result *r)
{
	memset(r, 0, sizeof(*r));
	r->task = col_text(st, 0);
	r->shape = col_text(st, 1);
	r->device = col_text(st, 2);
	r->version = col_text(st, 3);
	r->time_ns = sqlite3_column_double(st, 4);
	r->ref_ns = sqlite3_column_double(st, 5);
	r->speedup = sqlite3_column_double(st, 6);
	r->id = col_text(st, 7);
	r->target = col_text(st, 8);
	r->decisions = col_text(st, 9);
	r->cflags = col_text(st, 10);
	r->source = col_text(st, 11);
	r->timing = col_text(st, 12);
	r->run = col_text(st, 13);
	r->commit = col_text(st, 14);
	r->date = col_text(st, 15);
}

void
tttd_result_release(struct tttd_result *r)
{
	char **s[] = { &r->task, &r->shape, &r->device, &r->version, &r->id, &r->target,
		       &r->decisions, &r->cflags, &r->source, &r->timing, &r->run, &r->commit,
		       &r->date };

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		free(*s[i]);
		*s[i] = NULL;
	}
}

/* A statement selecting the rows of q, ordered by key and time. */
static int
prepare_query(struct tttd_results *db, const struct tttd_results_query *q, sqlite3_stmt **st,
	      struct tttd_error *e)
{
	static const char sql[] = "SELECT " COLUMNS " FROM results WHERE"
				  " (?1 IS NULL OR task = ?1) AND (?2 IS NULL OR shape = ?2) AND"
				  " (?3 IS NULL OR device = ?3) AND (?4 IS NULL OR version = ?4)"
				  " ORDER BY task, shape, device, time_ns, date";

	if (sqlite3_prepare_v2(db->db, sql, -1, st, NULL) != SQLITE_OK)
		return db_error(db, e, "query");
	sqlite3_bind_text(*st, 1, q->task, -1, SQLITE_STATIC);
	sqlite3_bind_text(*st, 2, q->shape, -1, SQLITE_STATIC);
	sqlite3_bind_text(*st, 3, q->device, -1, SQLITE_STATIC);
	sqlite3_bind_text(*st, 4, q->version, -1, SQLITE_STATIC);
	return TTTD_OK;
}

int
tttd_results_each(struct tttd_results *db, const struct tttd_results_query *q,
		  void (*fn)(const struct tttd_result *row, void *ctx), void *ctx,
		  struct tttd_error *e)
{
	sqlite3_stmt *st;
	struct tttd_result row;
	int rc;

	TTTD_TRY(prepare_query(db, q, &st, e));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_of(st, &row);
		fn(&row, ctx);
		tttd_result_release(&row);
	}
	rc = rc == SQLITE_DONE ? TTTD_OK : db_error(db, e, "query");
	sqlite3_finalize(st);
	return rc;
}

int
tttd_results_best(struct tttd_results *db, const struct tttd_results_query *q,
		  struct tttd_result *out, struct tttd_error *e)
{
	sqlite3_stmt *st;
	struct tttd_result row;
	char *others = NULL;
	const char *what = NULL;
	size_t len = 0, cap = 0;
	int rc, found = 0;

	memset(out, 0, sizeof(*out));
	TTTD_TRY(prepare_query(db, q, &st, e));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_of(st, &row);
		if (!found) {
			*out = row;
			found = 1;
			continue;
		}
		/* Rows come fastest first within a key: a later row of the same key is slower. */
		if (strcmp(row.task, out->task) || strcmp(row.shape, out->shape) ||
		    strcmp(row.device, out->device)) {
			const char *a = strcmp(row.task, out->task)     ? "--task"
					: strcmp(row.shape, out->shape) ? "--shape"
									: "--device";
			const char *v = strcmp(row.task, out->task)     ? row.task
					: strcmp(row.shape, out->shape) ? row.shape
									: row.device;

			if (!what) {
				const char *v0 = strcmp(row.task, out->task)     ? out->task
						 : strcmp(row.shape, out->shape) ? out->shape
										 : out->device;

				what = a;
				XGROW(others, cap, len + strlen(v0) + 3);
				len += (size_t)snprintf(others + len, cap - len, "'%s'", v0);
			}
			if (strcmp(a, what) == 0 && (!others || !strstr(others, v))) {
				XGROW(others, cap, len + strlen(v) + 5);
				len += (size_t)snprintf(others + len, cap - len, ", '%s'", v);
			}
		}
		tttd_result_release(&row);
	}
	rc = rc == SQLITE_DONE ? TTTD_OK : db_error(db, e, "query");
	sqlite3_finalize(st);
	if (rc == TTTD_OK && what)
		rc = tttd_error_set(e, TTTD_EINVAL,
				    "times compare only within one task, shape and device; name one "
				    "with %s: %s",
				    what, others);
	free(others);
	if (rc < 0) {
		tttd_result_release(out);
		return rc;
	}
	return found;
}

static int
is_ident(const char *s)
{
	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (s++; *s; s++)
		if (!(isalnum((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

char *
tttd_result_header(const struct tttd_result *r)
{
	char *buf = NULL, guard[96];
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	json_t *d = r->decisions ? json_loads(r->decisions, 0, NULL) : NULL;
	const char *k;
	json_t *v;

	if (!f)
		BUG("cannot open a memory stream (out of memory)");
	snprintf(guard, sizeof(guard), "TTTD_BEST_%s_H", r->task ? r->task : "KERNEL");
	for (i = 0; guard[i]; i++)
		guard[i] = isalnum((unsigned char)guard[i]) ? (char)toupper((unsigned char)guard[i]) : '_';
	fprintf(f, "/*\n * tttd: the best known kernel for task %s\n", r->task);
	fprintf(f, " *   shape   %s\n *   device  %s\n", r->shape, r->device);
	fprintf(f, " *   time    %.6g ns (geometric mean of the per-shape medians)", r->time_ns);
	if (r->speedup > 0)
		fprintf(f, ", %.2fx the reference re-measured beside it", r->speedup);
	fprintf(f, "\n *   id      %s\n *   run     %s (%s)\n *   tttd    %s, commit %s\n", r->id,
		r->run, r->date ? r->date : "?", r->version, r->commit ? r->commit : "unknown");
	if (r->cflags && *r->cflags)
		fprintf(f, " *   flags   %s\n", r->cflags);
	fputs(" * The decisions, defined as the kernel's own source defines them.\n */\n", f);
	fprintf(f, "#ifndef %s\n#define %s\n\n", guard, guard);
	json_object_foreach(d, k, v) {
		const char *o = json_string_value(v);

		if (!o)
			continue;
		fprintf(f, "#define %s%s%s\n", k, *o ? " " : "", o);
		if (is_ident(o))
			fprintf(f, "#define %s_%s 1\n", k, o);
	}
	fprintf(f, "\n#endif /* %s */\n", guard);
	json_decref(d);
	if (fclose(f) != 0)
		BUG("cannot finish a memory stream (out of memory)");
	return buf;
}
