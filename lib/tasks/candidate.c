/*
 * candidate.c - a choice of a task made into a candidate record: its
 * rendered source and flags, its id (a hash of what makes it run), its
 * decisions and the keys docs/schema.md gives a generated candidate; and
 * the typed view of a candidate record that stages read (candidate.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candidate.h"
#include "hash.h"
#include "rec.h"
#include "task.h"
#include "task_int.h"

void
tttd_task_candidate_rec(const struct tttd_task *t, const int *choice, int64_t step,
			const char *parent, const char *group, const void *pdec, size_t pdec_len,
			struct tttd_rec *out)
{
	char *source = tttd_task_render(t, choice);

	tttd_task_candidate_rec_src(t, choice, source, step, parent, group, pdec, pdec_len, out);
	free(source);
}

void
tttd_task_candidate_rec_src(const struct tttd_task *t, const int *choice, const char *source,
			    int64_t step, const char *parent, const char *group, const void *pdec,
			    size_t pdec_len, struct tttd_rec *out)
{
	const char **names = xmalloc((t->ndec + 1) * sizeof(char *));
	const char **texts = xmalloc((t->ndec + 1) * sizeof(char *));
	char id[33], *cflags = tttd_task_render_cflags(t, choice);
	size_t d;

	tttd_task_candidate_id(t, source, cflags, choice, id);
	for (d = 0; d < t->ndec; d++) {
		names[d] = t->dec[d].name;
		texts[d] = t->dec[d].opt[choice[d]];
	}
	tttd_rec_clear(out);
	tttd_rec_set_int(out, "v", TTTD_SCHEMA_VERSION);
	tttd_rec_set_str(out, "kind", "candidate");
	tttd_rec_set_str(out, "id", id);
	tttd_rec_set_str(out, "task", t->name);
	tttd_rec_set_str(out, "target", t->target);
	tttd_rec_set_int(out, "step", step);
	tttd_rec_set_str(out, "parent", parent);
	tttd_rec_set_str(out, "group", group);
	tttd_rec_set_strmap(out, "decisions", names, texts, t->ndec);
	if (pdec)
		tttd_rec_set_raw(out, "parent_decisions", pdec, pdec_len);
	else
		tttd_rec_set_strmap(out, "parent_decisions", NULL, NULL, 0);
	tttd_rec_set_str(out, "source", source);
	tttd_rec_set_str(out, "cflags", cflags);
	free(cflags);
	free(names);
	free(texts);
}

void
tttd_task_candidate_id(const struct tttd_task *t, const char *source, const char *cflags,
		       const int *choice, char id[33])
{
	struct tttd_sha256 s;
	size_t d;

	tttd_sha256_init(&s);
	tttd_sha256_field(&s, t->name);
	tttd_sha256_field(&s, t->target);
	tttd_sha256_field(&s, cflags);
	tttd_sha256_field(&s, source);
	for (d = 0; d < t->ndec; d++) {
		char *kv = xasprintf("%s=%s", t->dec[d].name, t->dec[d].opt[choice[d]]);

		tttd_sha256_field(&s, kv);
		free(kv);
	}
	tttd_sha256_id(&s, id);
}

/* ---- the typed view (candidate.h) ---- */

/* Note a getter's answer for bit: 1 present, < 0 present but of another type. */
static int
noted(struct tttd_cand *c, int rc, unsigned bit)
{
	if (rc == 1)
		c->has |= bit;
	else if (rc < 0)
		c->bad |= bit;
	return rc == 1;
}

static void
read_str(struct tttd_cand *c, const struct tttd_rec *r, const char *key, unsigned bit, char **out)
{
	if (!noted(c, tttd_rec_get_str(r, key, out), bit))
		*out = NULL;
}

static void
read_double(struct tttd_cand *c, const struct tttd_rec *r, const char *key, unsigned bit,
	    double *out)
{
	if (!noted(c, tttd_rec_get_double(r, key, out), bit))
		*out = 0;
}

static void
read_int(struct tttd_cand *c, const struct tttd_rec *r, const char *key, unsigned bit,
	 int64_t *out)
{
	if (!noted(c, tttd_rec_get_int(r, key, out), bit))
		*out = 0;
}

/* Indexed by enum tttd_status; the strings of docs/schema.md. */
static const char *const status_names[] = {
	[TTTD_ST_GENERATED] = "generated",
	[TTTD_ST_COMPILED] = "compiled",
	[TTTD_ST_OK] = "ok",
	[TTTD_ST_COMPILE_ERROR] = "compile_error",
	[TTTD_ST_LOAD_ERROR] = "load_error",
	[TTTD_ST_CRASH] = "crash",
	[TTTD_ST_TIMEOUT] = "timeout",
	[TTTD_ST_OOM] = "oom",
	[TTTD_ST_WRONG] = "wrong",
	[TTTD_ST_NAN] = "nan",
	[TTTD_ST_TOO_FAST] = "too_fast",
	[TTTD_ST_LAUNCH_ERROR] = "launch_error",
	[TTTD_ST_UNVERIFIED] = "unverified",
	[TTTD_ST_INFEASIBLE] = "infeasible",
	[TTTD_ST_INVALID] = "invalid",
	[TTTD_ST_LM_ERROR] = "lm_error",
	[TTTD_ST_NO_CODE] = "no_code",
	[TTTD_ST_CONTRACT] = "contract",
};
/* a status added to the enum without its string fails here */
_Static_assert(sizeof(status_names) / sizeof(status_names[0]) == TTTD_ST_OTHER,
	       "status_names covers every named status");

enum tttd_status
tttd_status_of(const char *s)
{
	int i;

	if (!s)
		return TTTD_ST_NONE;
	for (i = TTTD_ST_NONE + 1; i < TTTD_ST_OTHER; i++)
		if (strcmp(s, status_names[i]) == 0)
			return (enum tttd_status)i;
	return TTTD_ST_OTHER;
}

const char *
tttd_status_name(enum tttd_status st)
{
	return st > TTTD_ST_NONE && st < TTTD_ST_OTHER ? status_names[st] : NULL;
}

void
tttd_cand_read(struct tttd_cand *c, const struct tttd_rec *r)
{
	memset(c, 0, sizeof(*c));
	c->candidate = tttd_rec_str_is(r, "kind", "candidate");
	c->parent_kind = tttd_rec_str_is(r, "kind", "parent");
	read_str(c, r, "id", TTTD_CAND_ID, &c->id);
	read_str(c, r, "parent", TTTD_CAND_PARENT, &c->parent);
	read_str(c, r, "task", TTTD_CAND_TASK, &c->task);
	read_str(c, r, "target", TTTD_CAND_TARGET, &c->target);
	read_str(c, r, "status", TTTD_CAND_STATUS, &c->status);
	read_str(c, r, "reason", TTTD_CAND_REASON, &c->reason);
	read_str(c, r, "source", TTTD_CAND_SOURCE, &c->source);
	read_str(c, r, "cflags", TTTD_CAND_CFLAGS, &c->cflags);
	read_str(c, r, "group", TTTD_CAND_GROUP, &c->group);
	read_str(c, r, "device", TTTD_CAND_DEVICE, &c->device);
	read_str(c, r, "policy", TTTD_CAND_POLICY, &c->policy);
	read_int(c, r, "step", TTTD_CAND_STEP, &c->step);
	read_int(c, r, "rank", TTTD_CAND_RANK, &c->rank);
	read_int(c, r, "seed", TTTD_CAND_SEED, &c->seed);
	c->st = c->bad & TTTD_CAND_STATUS ? TTTD_ST_OTHER : tttd_status_of(c->status);
	read_double(c, r, "time_ns", TTTD_CAND_TIME_NS, &c->time_ns);
	read_double(c, r, "ref_ns", TTTD_CAND_REF_NS, &c->ref_ns);
	read_double(c, r, "speedup", TTTD_CAND_SPEEDUP, &c->speedup);
	read_double(c, r, "baseline_ratio", TTTD_CAND_BASELINE_RATIO, &c->baseline_ratio);
	if (tttd_rec_has(r, "object"))
		c->has |= TTTD_CAND_OBJECT;
}

void
tttd_cand_release(struct tttd_cand *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->parent);
	free(c->task);
	free(c->target);
	free(c->status);
	free(c->reason);
	free(c->source);
	free(c->cflags);
	free(c->group);
	free(c->device);
	free(c->policy);
	memset(c, 0, sizeof(*c));
}

const char *const tttd_objective_names[] = { "time", "baseline", NULL };

int
tttd_cand_cost(const struct tttd_cand *c, enum tttd_objective o, double *cost, char *why, size_t nwhy)
{
	const char *key = o == TTTD_OBJ_BASELINE ? "baseline_ratio" : "time_ns";
	unsigned bit = o == TTTD_OBJ_BASELINE ? TTTD_CAND_BASELINE_RATIO : TTTD_CAND_TIME_NS;
	double x = o == TTTD_OBJ_BASELINE ? c->baseline_ratio : c->time_ns;

	*cost = 0;
	if (c->st != TTTD_ST_OK)
		return 0;
	if (!(c->has & bit)) {
		snprintf(why, nwhy, "status 'ok' without a numeric '%s'%s", key,
			 o == TTTD_OBJ_BASELINE ? " (the baseline objective needs records from "
						  "tttd-bench --paired on a task with a baseline)"
						: "");
		return -1;
	}
	/* (a forged 1e-300 would give an infinite cost or reward, and NaN advantages) */
	*cost = o == TTTD_OBJ_BASELINE ? 1 / x : x / 1000;
	if (!(x > 0) || !isfinite(x) || !isfinite(*cost) || !(*cost > 0)) {
		snprintf(why, nwhy, "'%s' must be positive and finite, not %g", key, x);
		*cost = 0;
		return -1;
	}
	return 1;
}
