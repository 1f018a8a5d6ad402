/*
 * render.c - decisions-only candidates completed (render.h).  The source,
 * flags and id come from lib/tasks/task.c's tttd_task_candidate_rec, the one
 * place that builds a candidate from a choice, so a rendered record cannot
 * drift from one tttd-generate writes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "render.h"
#include "schema.h" /* defines: tttd_rec_stamp */

int
tttd_render_wanted(const struct tttd_rec *r)
{
	return tttd_rec_str_is(r, "kind", "candidate") && !tttd_rec_has(r, "source") &&
	       (!tttd_rec_has(r, "status") || tttd_rec_str_is(r, "status", "generated"));
}

/*
 * Why choice (from in's decisions) makes no candidate: NULL when it makes
 * one, else a reason (newly allocated) and *status.
 */
static char *
why_not(const struct tttd_task *t, const struct tttd_rec *in, int *choice, const char **status)
{
	struct tttd_error ce = { 0 };
	size_t d, missing = 0, first = 0;
	int rc, c;

	*status = "invalid";
	rc = tttd_task_choice_from_rec(t, in, "decisions", choice, &ce);
	if (rc < 0)
		return xstrdup(ce.msg);
	if (rc == 0)
		return xstrdup("candidate has no 'decisions'");
	for (d = 0; d < t->ndec; d++)
		if (choice[d] < 0 && !missing++)
			first = d;
	if (missing == 1)
		return xasprintf("no option for decision '%s' of task '%s'", t->dec[first].name,
				 t->name);
	if (missing)
		return xasprintf("no option for decision '%s' of task '%s' (nor for %zu others)",
				 t->dec[first].name, t->name, missing - 1);
	c = tttd_task_violated(t, choice);
	if (c >= 0) {
		*status = "infeasible";
		return xasprintf("the decisions violate the constraint '%s' (line %d of task '%s')",
				 t->con[c].text, t->con[c].line, t->name);
	}
	*status = "generated";
	return NULL;
}

/* A failure's id: what the generator wrote and where, so no two failures share one. */
static void
failure_id(const struct tttd_task *t, const struct tttd_rec *in, const char *group,
	   const char *reason, uint64_t index, char id[33])
{
	const struct tttd_field *dec = tttd_rec_find(in, "decisions");
	struct tttd_sha256 h;
	char ib[32];

	snprintf(ib, sizeof(ib), "%llu", (unsigned long long)index);
	tttd_sha256_init(&h);
	tttd_sha256_field(&h, "render-failure");
	tttd_sha256_field(&h, t->name);
	tttd_sha256_field(&h, group);
	tttd_sha256_field(&h, reason);
	tttd_sha256_field(&h, ib);
	if (dec)
		tttd_sha256_update(&h, dec->val, dec->vlen);
	tttd_sha256_id(&h, id);
}

int
tttd_render_rec(const struct tttd_task *t, const struct tttd_rec *in,
		const struct tttd_rec *parent, uint64_t index, struct tttd_rec *out,
		struct tttd_error *e)
{
	const struct tttd_field *pdec;
	const char *status = "generated";
	char *pid = NULL, *group = NULL, *reason = NULL;
	int *choice = xmalloc((t->ndec + 1) * sizeof(int));
	int64_t step;
	size_t i;
	int rc;

	if (tttd_rec_get_str(in, "parent", &pid) != 1) {
		rc = tttd_error_set(e, TTTD_EFORMAT,
				    "candidate has no 'parent' (the id of the state it was generated from)");
		goto out;
	}
	if (tttd_rec_get_int(in, "step", &step) != 1 &&
	    !(parent && tttd_rec_get_int(parent, "step", &step) == 1)) {
		rc = tttd_error_set(e, TTTD_EFORMAT,
				    "candidate has no 'step', and no parent record '%s' gives one", pid);
		goto out;
	}
	if (tttd_rec_get_str(in, "group", &group) != 1)
		group = xasprintf("%lld/%s", (long long)step, pid);
	pdec = tttd_rec_find(in, "parent_decisions");
	if (!pdec && parent)
		pdec = tttd_rec_find(parent, "decisions");
	if (!pdec) {
		rc = tttd_error_set(e, TTTD_EFORMAT,
				    "candidate has no 'parent_decisions', and no parent record '%s' gives them",
				    pid);
		goto out;
	}

	reason = why_not(t, in, choice, &status);
	if (!reason) {
		tttd_task_candidate_rec(t, choice, step, pid, group, pdec->val, pdec->vlen, out);
	} else {
		/*
		 * A failure keeps its parent's decisions (the first option where
		 * the parent has none), as a model-written candidate that breaks
		 * its contract does (lib/lm/lm_gen.c): every record of an archive
		 * then names a choice the task has, which its readers rely on.
		 */
		struct tttd_rec pd;
		struct tttd_error ignored = { 0 };
		char id[33];
		size_t d;

		tttd_rec_init(&pd);
		tttd_rec_set_raw(&pd, "d", pdec->val, pdec->vlen);
		if (tttd_task_choice_from_rec(t, &pd, "d", choice, &ignored) < 0)
			for (d = 0; d < t->ndec; d++)
				choice[d] = -1;
		tttd_rec_release(&pd);
		for (d = 0; d < t->ndec; d++)
			if (choice[d] < 0)
				choice[d] = 0;
		tttd_task_candidate_rec_src(t, choice, "", step, pid, group, pdec->val, pdec->vlen,
					    out);
		failure_id(t, in, group, reason, index, id);
		tttd_rec_set_str(out, "id", id);
	}
	/* The generator's own keys (logp, policy, seed, ...) pass through. */
	for (i = 0; i < in->n; i++)
		if (!tttd_rec_has(out, in->f[i].key))
			tttd_rec_set_raw(out, in->f[i].key, in->f[i].val, in->f[i].vlen);
	tttd_rec_stamp(out, "tttd-render");
	tttd_rec_set_str(out, "status", status);
	if (reason)
		tttd_rec_set_str(out, "reason", reason);
	rc = reason ? TTTD_RENDER_FAILED : TTTD_RENDER_DONE;
out:
	free(pid);
	free(group);
	free(reason);
	free(choice);
	return rc;
}
