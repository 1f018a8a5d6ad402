/*
 * policy_ckpt.c - a policy as a checkpoint record and back (policy.h):
 * saving (tmp + rename), loading with every check a damaged or foreign
 * file can fail (format, the task's space, finite weights, a non-negative
 * Adam v), and the warm start of one policy from another's checkpoint.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "policy.h"
#include "policy_int.h"
#include "rec.h"    /* defines: tttd_rec_*, tttd_pack_* */
#include "stream.h" /* defines: tttd_reader_*, tttd_writer_* */

/*
 * Checkpoint record keys: v, kind "policy", format (2; format 1 had no
 * "mlp" and is still read), policy ("table" | "uniform" | "mlp"), task, decision_names (array), decision_sizes (array of option
 * counts; not "decisions", which the schema reserves for a map), seed,
 * steps (Adam's t), params, init, adam_m, adam_v (arrays of float64: the
 * table is small, and msgpack floats round-trip exactly), and for "mlp"
 * layers (array of layer sizes: input, hidden..., output; the parameter
 * layout is nn.h's followed by one keep bonus per decision).
 */
int
tttd_policy_save(const struct tttd_policy *p, const char *path, struct tttd_error *e)
{
	const struct tttd_task *t = p->t;
	struct tttd_writer *w = NULL;
	struct tttd_rec r;
	struct tttd_pack pk;
	size_t d;
	int rc;

	tttd_rec_init(&r);
	tttd_rec_set_int(&r, "v", TTTD_SCHEMA_VERSION);
	tttd_rec_set_str(&r, "kind", "policy");
	tttd_rec_set_int(&r, "format", TTTD_POLICY_FORMAT);
	tttd_rec_set_str(&r, "policy", tttd_policy_kind_name(p->kind));
	if (p->kind == TTTD_POLICY_MLP) {
		tttd_pack_init(&pk);
		msgpack_pack_array(&pk.pk, p->nl + 1);
		for (d = 0; d <= p->nl; d++)
			msgpack_pack_uint64(&pk.pk, p->dims[d]);
		tttd_rec_set_pack(&r, "layers", &pk);
	}
	tttd_rec_set_str(&r, "task", t->name);
	tttd_pack_init(&pk);
	msgpack_pack_array(&pk.pk, t->ndec);
	for (d = 0; d < t->ndec; d++)
		tttd_pack_str(&pk.pk, t->dec[d].name);
	tttd_rec_set_pack(&r, "decision_names", &pk);
	tttd_pack_init(&pk);
	msgpack_pack_array(&pk.pk, t->ndec);
	for (d = 0; d < t->ndec; d++)
		msgpack_pack_uint64(&pk.pk, t->dec[d].nopt);
	tttd_rec_set_pack(&r, "decision_sizes", &pk);
	tttd_rec_set_int(&r, "seed", (int64_t)p->seed);
	tttd_rec_set_int(&r, "steps", p->steps);
	tttd_rec_set_doubles(&r, "params", p->w, p->np);
	tttd_rec_set_doubles(&r, "init", p->w0, p->np);
	tttd_rec_set_doubles(&r, "adam_m", p->m, p->np);
	tttd_rec_set_doubles(&r, "adam_v", p->v, p->np);

	rc = tttd_writer_open(&w, path, TTTD_W_FORCE, e);
	if (rc < 0)
		goto out;
	rc = tttd_writer_write(w, &r, e);
	if (rc < 0) {
		tttd_writer_abort(w);
		goto out;
	}
	rc = tttd_writer_close(w, e);
out:
	tttd_rec_release(&r);
	return rc;
}

/* Read all of fd into a hash id. */
static int
hash_fd(int fd, const char *path, char id[TTTD_ID_LEN + 1], struct tttd_error *e)
{
	struct tttd_sha256 s;
	char buf[65536];
	ssize_t k;

	tttd_sha256_init(&s);
	while ((k = read(fd, buf, sizeof(buf))) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return tttd_error_set(e, TTTD_EIO, "cannot read '%s':", path);
		}
		tttd_sha256_update(&s, buf, (size_t)k);
	}
	tttd_sha256_id(&s, id);
	return TTTD_OK;
}

/* Load one double array of exactly n elements. */
static int
get_params(const struct tttd_rec *r, const char *key, double *dst, size_t n, const char *path,
	   struct tttd_error *e)
{
	double *v = NULL;
	size_t k = 0;
	int rc = tttd_rec_get_doubles(r, key, &v, &k);

	if (rc != 1 || k != n) {
		free(v);
		return tttd_error_set(e, TTTD_EFORMAT,
				      "'%s': policy checkpoint: '%s' should hold %zu numbers", path, key,
				      n);
	}
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]) || (v[i] < 0 && !strcmp(key, "adam_v"))) {
			/* a NaN here spreads to every choice the policy makes */
			rc = tttd_error_set(e, TTTD_EFORMAT,
					    "'%s': policy checkpoint: '%s'[%zu] is %g, not a finite%s "
					    "number (a damaged checkpoint)",
					    path, key, i, v[i], strcmp(key, "adam_v") ? "" : " non-negative");
			free(v);
			return rc;
		}
	if (n)
		memcpy(dst, v, n * sizeof(double));
	free(v);
	return TTTD_OK;
}

/* Check the checkpoint's decision space (and task name if same_name) against t. */
static int
check_space(const struct tttd_rec *r, const struct tttd_task *t, const char *path, int same_name,
	    struct tttd_error *e)
{
	msgpack_zone zone;
	msgpack_object names, sizes;
	const char *tn;
	size_t tl, d;
	int rc = TTTD_OK;

	if (tttd_rec_get_strn(r, "task", &tn, &tl) != 1)
		return tttd_error_set(e, TTTD_EFORMAT, "'%s': policy checkpoint has no task", path);
	if (same_name && (tl != strlen(t->name) || memcmp(tn, t->name, tl) != 0))
		return tttd_error_set(e, TTTD_EFORMAT,
				      "'%s': policy checkpoint is for task '%.*s', not '%s'", path,
				      (int)tl, tn, t->name);
	msgpack_zone_init(&zone, 4096);
	if (tttd_rec_get_object(r, "decision_names", &zone, &names) != 1 ||
	    tttd_rec_get_object(r, "decision_sizes", &zone, &sizes) != 1 ||
	    names.type != MSGPACK_OBJECT_ARRAY || sizes.type != MSGPACK_OBJECT_ARRAY ||
	    names.via.array.size != sizes.via.array.size) {
		rc = tttd_error_set(e, TTTD_EFORMAT,
				    "'%s': policy checkpoint: bad 'decision_names' or 'decision_sizes'", path);
		goto out;
	}
	if (names.via.array.size != t->ndec) {
		rc = tttd_error_set(e, TTTD_EFORMAT,
				    "'%s': policy checkpoint has %u decisions, task '%s' has %zu", path,
				    names.via.array.size, t->name, t->ndec);
		goto out;
	}
	for (d = 0; d < t->ndec; d++) {
		const msgpack_object *nm = &names.via.array.ptr[d];
		const msgpack_object *sz = &sizes.via.array.ptr[d];
		const char *want = t->dec[d].name;

		if (nm->type != MSGPACK_OBJECT_STR || nm->via.str.size != strlen(want) ||
		    memcmp(nm->via.str.ptr, want, nm->via.str.size) != 0) {
			rc = tttd_error_set(e, TTTD_EFORMAT,
					    "'%s': policy checkpoint decision %zu is '%.*s', task '%s' "
					    "has '%s'",
					    path, d,
					    nm->type == MSGPACK_OBJECT_STR ? (int)nm->via.str.size : 1,
					    nm->type == MSGPACK_OBJECT_STR ? nm->via.str.ptr : "?",
					    t->name, want);
			goto out;
		}
		if (sz->type != MSGPACK_OBJECT_POSITIVE_INTEGER || sz->via.u64 != t->dec[d].nopt) {
			rc = tttd_error_set(e, TTTD_EFORMAT,
					    "'%s': policy checkpoint decision '%s' has %llu options, "
					    "task '%s' has %zu",
					    path, want,
					    sz->type == MSGPACK_OBJECT_POSITIVE_INTEGER
						    ? (unsigned long long)sz->via.u64
						    : 0ULL,
					    t->name, t->dec[d].nopt);
			goto out;
		}
	}
out:
	msgpack_zone_destroy(&zone);
	return rc;
}

/*
 * Open path, hash its bytes into id, read its one record into r and check
 * that it is a policy checkpoint of a format this tttd reads; *kind and
 * (for "mlp") dims[0..*nl] are filled.  The caller releases r.
 */
static int
read_ckpt(const char *path, struct tttd_rec *r, char id[TTTD_ID_LEN + 1],
	  enum tttd_policy_kind *kind, size_t *dims, size_t *nl, struct tttd_error *e)
{
	struct tttd_reader *rd = NULL;
	int64_t fmt = 0;
	const char *kn;
	size_t kl;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tttd_error_set(e, errno == ENOENT ? TTTD_ENOENT : TTTD_EIO,
				      "cannot open '%s':", path);
	/* one open file: the id is the hash of exactly the bytes parsed */
	rc = hash_fd(fd, path, id, e);
	if (rc < 0)
		goto out;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		rc = tttd_error_set(e, TTTD_EIO, "cannot seek '%s':", path);
		goto out;
	}
	rd = tttd_reader_fdopen(fd, path);
	rc = tttd_reader_next(rd, r, e);
	if (rc < 0)
		goto out;
	if (rc == 0 || !tttd_rec_str_is(r, "kind", "policy")) {
		rc = tttd_error_set(e, TTTD_EFORMAT, "'%s': not a policy checkpoint", path);
		goto out;
	}
	if (tttd_rec_get_int(r, "format", &fmt) != 1 || fmt < 1 || fmt > TTTD_POLICY_FORMAT) {
		rc = tttd_error_set(e, TTTD_EFORMAT,
				    "'%s': policy checkpoint format %lld, this tttd reads 1 to %d",
				    path, (long long)fmt, TTTD_POLICY_FORMAT);
		goto out;
	}
	if (tttd_rec_get_strn(r, "policy", &kn, &kl) != 1) {
		rc = tttd_error_set(e, TTTD_EFORMAT, "'%s': policy checkpoint has no 'policy'", path);
		goto out;
	}
	if (kl == 5 && !memcmp(kn, "table", 5)) {
		*kind = TTTD_POLICY_TABLE;
	} else if (kl == 7 && !memcmp(kn, "uniform", 7)) {
		*kind = TTTD_POLICY_UNIFORM;
	} else if (kl == 3 && !memcmp(kn, "mlp", 3) && fmt >= 2) {
		msgpack_zone zone;
		msgpack_object lay;
		uint32_t k;

		*kind = TTTD_POLICY_MLP;
		msgpack_zone_init(&zone, 1024);
		rc = TTTD_OK;
		if (tttd_rec_get_object(r, "layers", &zone, &lay) != 1 ||
		    lay.type != MSGPACK_OBJECT_ARRAY || lay.via.array.size < 2 ||
		    lay.via.array.size > TTTD_NN_MAX_LAYERS + 1) {
			rc = tttd_error_set(e, TTTD_EFORMAT,
					    "'%s': policy checkpoint: bad 'layers'", path);
		} else {
			*nl = lay.via.array.size - 1;
			for (k = 0; k < lay.via.array.size; k++) {
				const msgpack_object *o = &lay.via.array.ptr[k];

				if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 < 1 ||
				    o->via.u64 > 1u << 20) {
					rc = tttd_error_set(e, TTTD_EFORMAT,
							    "'%s': policy checkpoint: bad 'layers'",
							    path);
					break;
				}
				dims[k] = (size_t)o->via.u64;
			}
		}
		msgpack_zone_destroy(&zone);
		if (rc < 0)
			goto out;
	} else {
		rc = tttd_error_set(e, TTTD_EFORMAT, "'%s': unknown policy '%.*s'", path, (int)kl, kn);
		goto out;
	}
	rc = TTTD_OK;
out:
	tttd_reader_free(rd);
	close(fd);
	return rc;
}

int
tttd_policy_load(struct tttd_policy **out, const char *path, const struct tttd_task *t,
		 struct tttd_error *e)
{
	struct tttd_policy *p = NULL;
	struct tttd_rec r;
	char id[TTTD_ID_LEN + 1];
	int64_t steps = 0, seed = 0;
	enum tttd_policy_kind kind;
	size_t dims[TTTD_NN_MAX_LAYERS + 1], nl = 0;
	int rc;

	*out = NULL;
	tttd_rec_init(&r);
	if ((rc = read_ckpt(path, &r, id, &kind, dims, &nl, e)) < 0)
		goto out;
	rc = check_space(&r, t, path, 1, e);
	if (rc < 0)
		goto out;
	tttd_rec_get_int(&r, "seed", &seed);
	if (tttd_rec_get_int(&r, "steps", &steps) != 1 || steps < 0) {
		rc = tttd_error_set(e, TTTD_EFORMAT, "'%s': policy checkpoint has no 'steps'", path);
		goto out;
	}
	p = tttd_policy_alloc(t, kind, (uint64_t)seed, dims + 1, nl ? nl - 1 : 0);
	if (kind == TTTD_POLICY_MLP && (dims[0] != p->dims[0] || dims[nl] != p->dims[p->nl])) {
		rc = tttd_error_set(e, TTTD_EFORMAT,
				    "'%s': policy checkpoint: network of %zu inputs and %zu outputs, "
				    "task '%s' needs %zu and %zu",
				    path, dims[0], dims[nl], t->name, p->dims[0], p->dims[p->nl]);
		goto out;
	}
	p->steps = steps;
	if ((rc = get_params(&r, "params", p->w, p->np, path, e)) < 0 ||
	    (rc = get_params(&r, "init", p->w0, p->np, path, e)) < 0 ||
	    (rc = get_params(&r, "adam_m", p->m, p->np, path, e)) < 0 ||
	    (rc = get_params(&r, "adam_v", p->v, p->np, path, e)) < 0)
		goto out;
	memcpy(p->id, id, sizeof(id));
	*out = p;
	p = NULL;
	rc = TTTD_OK;
out:
	tttd_policy_free(p);
	tttd_rec_release(&r);
	return rc;
}

int
tttd_policy_init_from(struct tttd_policy *p, const char *path, size_t *copied,
		      struct tttd_error *e)
{
	struct tttd_rec r;
	char id[TTTD_ID_LEN + 1];
	enum tttd_policy_kind kind;
	size_t dims[TTTD_NN_MAX_LAYERS + 1], nl = 0, np, l, n = 0;
	double *src = NULL;
	int rc;

	if (copied)
		*copied = 0;
	TTTD_RETURN_IF(p->kind != TTTD_POLICY_MLP, e, TTTD_EINVAL,
		       "--init-from: the %s policy cannot be warm-started (use mlp)",
		       tttd_policy_kind_name(p->kind));
	TTTD_RETURN_IF(p->steps != 0, e, TTTD_EINVAL,
		       "--init-from: the policy was already trained (%lld steps)",
		       (long long)p->steps);
	tttd_rec_init(&r);
	if ((rc = read_ckpt(path, &r, id, &kind, dims, &nl, e)) < 0)
		goto out;
	if (kind != TTTD_POLICY_MLP) {
		rc = tttd_error_set(e, TTTD_EINVAL, "'%s': a %s checkpoint, not an mlp", path,
				    tttd_policy_kind_name(kind));
		goto out;
	}
	np = tttd_nn_count(dims, nl);
	if (tttd_rec_get_doubles(&r, "params", &src, &n) != 1 || n < np) {
		rc = tttd_error_set(e, TTTD_EFORMAT, "'%s': policy checkpoint: bad 'params'", path);
		goto out;
	}
	for (l = 0; l < n; l++)
		if (!isfinite(src[l])) {
			rc = tttd_error_set(e, TTTD_EFORMAT,
					    "'%s': policy checkpoint: 'params'[%zu] is %g, not a finite "
					    "number (a damaged checkpoint)",
					    path, l, src[l]);
			goto out;
		}
	if (nl == p->nl && !memcmp(dims, p->dims, (nl + 1) * sizeof(size_t)) &&
	    n == p->np && check_space(&r, p->t, path, 0, NULL) == TTTD_OK) {
		/* the same decision space: everything means the same thing */
		memcpy(p->w, src, p->np * sizeof(double));
		if (copied)
			*copied = p->np;
	} else {
		/* only hidden-to-hidden layers: they read and write hidden units */
		for (l = 1; l + 1 < p->nl && l + 1 < nl; l++) {
			size_t sz = p->dims[l + 1] * p->dims[l] + p->dims[l + 1];

			if (dims[l] != p->dims[l] || dims[l + 1] != p->dims[l + 1])
				continue;
			memcpy(p->w + tttd_nn_layer_offset(p->dims, l),
			       src + tttd_nn_layer_offset(dims, l), sz * sizeof(double));
			if (copied)
				*copied += sz;
		}
	}
	memcpy(p->w0, p->w, p->np * sizeof(double));
	rc = TTTD_OK;
out:
	free(src);
	tttd_rec_release(&r);
	return rc;
}
