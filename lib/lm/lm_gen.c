/*
 * lm_gen.c - the language-model generator (see lm.h): prompts for a batch
 * of parents, one batch of completions requests, and a candidate record or
 * a failure record per completion.  The records are the same as a template
 * candidate's (task.c builds them), so compile, bench, score, select and
 * resume treat both alike; the keys only a model's candidate has
 * (completion, prompt_tokens, completion_tokens, token_logprobs, adapter)
 * are what tttd-train sends to the training service.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "candidate.h" /* defines: tttd_cand_read, tttd_status_name */
#include "hash.h"
#include "lm.h"
#include "rec.h"
#include "rng.h"
#include "schema.h"

static void
set_ints(struct tttd_rec *r, const char *key, const int64_t *v, size_t n)
{
	struct tttd_pack p;
	size_t i;

	tttd_pack_init(&p);
	msgpack_pack_array(&p.pk, (uint32_t)n);
	for (i = 0; i < n; i++)
		msgpack_pack_int64(&p.pk, v[i]);
	tttd_rec_set_pack(r, key, &p);
}

/* A failure's id: unique per completion, so that no two rollouts share one. */
static void
failure_id(const char *group, size_t k, const char *status, const char *what, char id[33])
{
	struct tttd_sha256 h;
	char kb[32];

	snprintf(kb, sizeof(kb), "%zu", k);
	tttd_sha256_init(&h);
	tttd_sha256_field(&h, "lm-failure");
	tttd_sha256_field(&h, group);
	tttd_sha256_field(&h, kb);
	tttd_sha256_field(&h, status);
	tttd_sha256_field(&h, what ? what : "");
	tttd_sha256_id(&h, id);
}

struct parent_info {
	struct tttd_cand v; /* the parent record's view */
	char *group;
	int *choice;
	const struct tttd_field *pdec;
};

static void
emit_sample(const struct tttd_lm_gen *g, const struct parent_info *pi, const struct tttd_lm_reply *rep,
	    const struct tttd_lm_sample *s, size_t k, void (*emit)(void *, struct tttd_rec *), void *ctx)
{
	const struct tttd_task *t = g->task;
	struct tttd_error ce = { 0 };
	struct tttd_rec out;
	char *code = NULL;
	enum tttd_status st = TTTD_ST_GENERATED;
	int *choice = xmalloc((t->ndec + 1) * sizeof(int));
	size_t d;

	for (d = 0; d < t->ndec; d++)
		choice[d] = pi->choice[d] >= 0 ? pi->choice[d] : 0;
	if (s->error) {
		st = TTTD_ST_LM_ERROR;
		snprintf(ce.msg, sizeof(ce.msg), "%s", s->error);
	} else if (tttd_lm_extract(s->text, s->finish, g->prompt.prefill, &code, &ce) < 0) {
		st = TTTD_ST_NO_CODE;
	} else if (tttd_lm_contract(t, code, pi->choice, choice, &ce) < 0) {
		st = TTTD_ST_CONTRACT;
		for (d = 0; d < t->ndec; d++)
			choice[d] = pi->choice[d] >= 0 ? pi->choice[d] : 0;
	}
	tttd_rec_init(&out);
	tttd_task_candidate_rec_src(t, choice, code ? code : "", pi->v.step, pi->v.id, pi->group,
				    pi->pdec ? pi->pdec->val : NULL, pi->pdec ? pi->pdec->vlen : 0, &out);
	if (t->lm_sets_line) {
		/* the decisions the code set; the others are the task's business, not this code's */
		const char **names = xmalloc((t->ndec + 1) * sizeof(char *));
		const char **texts = xmalloc((t->ndec + 1) * sizeof(char *));
		size_t m = 0;

		for (d = 0; d < t->ndec; d++)
			if (t->lm_settable[d]) {
				names[m] = t->dec[d].name;
				texts[m++] = t->dec[d].opt[choice[d]];
			}
		tttd_rec_set_strmap(&out, "decisions", names, texts, m);
		free(names);
		free(texts);
	}
	if (st != TTTD_ST_GENERATED) {
		char id[33];

		failure_id(pi->group, k, tttd_status_name(st), s->text ? s->text : s->error, id);
		tttd_rec_set_str(&out, "id", id);
	}
	if (s->ntokens) {
		double logp = 0;

		for (d = 0; d < s->ntokens; d++)
			logp += s->logprobs[d];
		tttd_rec_set_double(&out, "logp", logp);
	}
	tttd_rec_set_str(&out, "policy", g->adapter ? g->adapter : "base");
	tttd_rec_set_str(&out, "adapter", g->adapter ? g->adapter : "base");
	tttd_rec_set_str(&out, "lm_model", g->base_model ? g->base_model : g->lm.model);
	tttd_rec_set_int(&out, "seed", (int64_t)g->seed);
	if (s->text)
		tttd_rec_set_str(&out, "completion", s->text);
	if (s->finish)
		tttd_rec_set_str(&out, "finish_reason", s->finish);
	if (rep->prompt_tokens && s->ntokens)
		set_ints(&out, "prompt_tokens", rep->prompt_tokens, rep->nprompt);
	if (s->ntokens) {
		set_ints(&out, "completion_tokens", s->tokens, s->ntokens);
		tttd_rec_set_doubles(&out, "token_logprobs", s->logprobs, s->ntokens);
	}
	tttd_rec_set_double(&out, "lm_ms", rep->ms);
	tttd_rec_stamp(&out, "tttd-generate");
	tttd_rec_set_str(&out, "status", tttd_status_name(st));
	if (st != TTTD_ST_GENERATED)
		tttd_rec_set_str(&out, "reason", ce.msg);
	emit(ctx, &out);
	tttd_rec_release(&out);
	free(code);
	free(choice);
}

int
tttd_lm_generate(const struct tttd_lm_gen *g, struct tttd_rec *const *par, const int64_t *ranks,
		 size_t n, void (*emit)(void *ctx, struct tttd_rec *r), void *ctx,
		 struct tttd_error *e)
{
	const struct tttd_task *t = g->task;
	struct parent_info *pi = xcalloc(n + 1, sizeof(*pi));
	size_t per = g->split ? (size_t)g->children : 1, nq = n * per, i, j, k;
	struct tttd_lm_query *q = xcalloc(nq + 1, sizeof(*q));
	struct tttd_lm_reply *rep = xcalloc(nq + 1, sizeof(*rep));
	char **prompts = xcalloc(n + 1, sizeof(char *));
	const char *stop[] = { "```" };
	int rc = TTTD_OK;

	for (i = 0; i < n; i++) {
		struct tttd_rng rng;
		uint64_t seed;

		tttd_cand_read(&pi[i].v, par[i]);
		if (!pi[i].v.id) {
			rc = tttd_error_set(e, TTTD_EFORMAT, "parent %zu has no 'id'", i);
			goto out;
		}
		if (pi[i].v.bad & TTTD_CAND_STEP || pi[i].v.step < 0) {
			rc = tttd_error_set(e, TTTD_EFORMAT, "parent '%s': bad 'step'", pi[i].v.id);
			goto out;
		}
		pi[i].choice = xmalloc((t->ndec + 1) * sizeof(int));
		if (tttd_task_choice_from_rec(t, par[i], "decisions", pi[i].choice, e) < 0) {
			rc = tttd_error_prefix(e, "parent '%s'", pi[i].v.id);
			goto out;
		}
		pi[i].pdec = tttd_rec_find(par[i], "decisions");
		pi[i].group = xasprintf("%lld/%s", (long long)pi[i].v.step, pi[i].v.id);
		if ((rc = tttd_lm_prompt(t, par[i], &g->prompt, &prompts[i], e)) < 0)
			goto out;
		/* the template generator's seeding: a regenerated step asks the same */
		tttd_rng_seed2(&rng, g->seed, tttd_mix64((uint64_t)pi[i].v.step, (uint64_t)ranks[i]));
		seed = tttd_rng_u64(&rng);
		for (j = 0; j < per; j++) {
			struct tttd_lm_query *qq = &q[i * per + j];

			qq->prompt = prompts[i];
			qq->n = g->split ? 1 : g->children;
			qq->seed = seed + j;
			if (g->prompt.prefill) {
				qq->stop = stop;
				qq->nstop = 1;
			}
		}
	}
	tttd_lm_complete(&g->lm, q, nq, rep);
	for (i = 0; i < n; i++)
		for (j = 0; j < per; j++)
			for (k = 0; k < rep[i * per + j].n; k++)
				emit_sample(g, &pi[i], &rep[i * per + j], &rep[i * per + j].s[k],
					    j * rep[i * per + j].n + k, emit, ctx);
out:
	for (i = 0; i < nq; i++)
		tttd_lm_reply_release(&rep[i]);
	for (i = 0; i < n; i++) {
		tttd_cand_release(&pi[i].v);
		free(pi[i].group);
		free(pi[i].choice);
		free(prompts[i]);
	}
	free(pi);
	free(q);
	free(rep);
	free(prompts);
	return rc;
}
