/*
 * lm.c - the completions client (see lm.h): request bodies, the batch of
 * POSTs, and reading the answers back into samples with token ids and
 * log-probabilities.  The prompt and the contract are in lm_prompt.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lm.h"

void
tttd_lm_opts_default(struct tttd_lm_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_tokens = 2048;
	o->temperature = 1.0;
	o->top_p = 1.0;
	tttd_http_opts_default(&o->http);
}

void
tttd_lm_reply_release(struct tttd_lm_reply *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		free(r->s[i].text);
		free(r->s[i].finish);
		free(r->s[i].tokens);
		free(r->s[i].logprobs);
		free(r->s[i].error);
	}
	free(r->s);
	r->s = NULL;
	r->n = 0;
	free(r->prompt_tokens);
	r->prompt_tokens = NULL;
	r->nprompt = 0;
}

static char *
request_body(const struct tttd_lm_opts *o, const struct tttd_lm_query *q)
{
	json_t *b = json_object(), *stop;
	char *s;
	size_t i;

	json_object_set_new(b, "model", json_string(o->model ? o->model : "default"));
	json_object_set_new(b, "prompt", json_string(q->prompt));
	json_object_set_new(b, "n", json_integer(q->n));
	json_object_set_new(b, "max_tokens", json_integer(o->max_tokens));
	json_object_set_new(b, "temperature", json_real(o->temperature));
	json_object_set_new(b, "top_p", json_real(o->top_p));
	/* the sampled token's log-probability; 1 is the smallest value every server accepts */
	json_object_set_new(b, "logprobs", json_integer(1));
	json_object_set_new(b, "seed", json_integer((json_int_t)(q->seed & 0x7fffffff)));
	/* vLLM's extensions for RL: exact token ids (servers that do not know them ignore them) */
	json_object_set_new(b, "return_token_ids", json_true());
	json_object_set_new(b, "return_tokens_as_token_ids", json_true());
	if (q->nstop) {
		stop = json_array();
		for (i = 0; i < q->nstop; i++)
			json_array_append_new(stop, json_string(q->stop[i]));
		json_object_set_new(b, "stop", stop);
	}
	s = json_dumps(b, JSON_COMPACT);
	json_decref(b);
	if (!s)
		BUG("json_dumps failed");
	return s;
}

/* An array of integers (token ids) as a new int64 array; -1 if it is not one. */
static int
int_array(json_t *a, int64_t **out, size_t *n)
{
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(a))
		return -1;
	*out = xmalloc((json_array_size(a) + 1) * sizeof(int64_t));
	for (i = 0; i < json_array_size(a); i++) {
		json_t *v = json_array_get(a, i);

		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			free(*out);
			*out = NULL;
			return -1;
		}
		(*out)[i] = json_integer_value(v);
	}
	*n = json_array_size(a);
	return 0;
}

/* logprobs.tokens as ids when every entry reads "token_id:N" (return_tokens_as_token_ids). */
static int
ids_from_token_strings(json_t *a, int64_t **out, size_t *n)
{
	size_t i;

	*out = NULL;
	*n = 0;
	if (!json_is_array(a))
		return -1;
	*out = xmalloc((json_array_size(a) + 1) * sizeof(int64_t));
	for (i = 0; i < json_array_size(a); i++) {
		const char *s = json_string_value(json_array_get(a, i));
		char *end;
		long long v;

		if (!s || strncmp(s, "token_id:", 9) != 0)
			goto bad;
		errno = 0;
		v = strtoll(s + 9, &end, 10);
		if (errno || *end || end == s + 9 || v < 0)
			goto bad;
		(*out)[i] = v;
	}
	*n = json_array_size(a);
	return 0;
bad:
	free(*out);
	*out = NULL;
	return -1;
}

static void
sample_error(struct tttd_lm_sample *s, const char *msg)
{
	if (!s->error && !s->text)
		s->error = xstrdup(msg);
}

/* Fill s from one choice object; a malformed choice sets s->error. */
static void
read_choice(json_t *c, struct tttd_lm_sample *s)
{
	json_t *text = json_object_get(c, "text"), *lp = json_object_get(c, "logprobs");
	json_t *fin = json_object_get(c, "finish_reason");
	int64_t *ids = NULL;
	size_t nids = 0, i;

	if (!json_is_string(text)) {
		sample_error(s, "malformed completion: a choice without a 'text' string");
		return;
	}
	s->text = xstrndup(json_string_value(text), json_string_length(text));
	if (json_is_string(fin))
		s->finish = xstrdup(json_string_value(fin));
	if (int_array(json_object_get(c, "token_ids"), &ids, &nids) < 0 && json_is_object(lp))
		ids_from_token_strings(json_object_get(lp, "tokens"), &ids, &nids);
	if (json_is_object(lp)) {
		json_t *tl = json_object_get(lp, "token_logprobs");

		if (json_is_array(tl) && ids && json_array_size(tl) == nids) {
			s->logprobs = xmalloc((nids + 1) * sizeof(double));
			for (i = 0; i < nids; i++) {
				json_t *v = json_array_get(tl, i);

				if (!json_is_number(v))
					break;
				s->logprobs[i] = json_number_value(v);
			}
			if (i < nids) { /* a null log-probability: unusable for training */
				free(s->logprobs);
				s->logprobs = NULL;
			}
		}
	}
	if (ids && s->logprobs) {
		s->tokens = ids;
		s->ntokens = nids;
	} else {
		free(ids);
		free(s->logprobs);
		s->logprobs = NULL;
	}
}

int
tttd_lm_parse_reply(const char *json, size_t len, struct tttd_lm_reply *out, struct tttd_error *e)
{
	json_error_t je;
	json_t *root = json_loadb(json, len, 0, &je), *choices, *pt;
	size_t i, next = 0;
	char msg[300];

	if (!root || !json_is_object(root) || !json_is_array(choices = json_object_get(root, "choices"))) {
		if (!root)
			snprintf(msg, sizeof(msg), "malformed answer from the server: %s (line %d)",
				 je.text, je.line);
		else
			snprintf(msg, sizeof(msg),
				 "malformed answer from the server: no 'choices' array");
		for (i = 0; i < out->n; i++)
			sample_error(&out->s[i], msg);
		json_decref(root);
		return tttd_error_set(e, TTTD_EFORMAT, "%s", msg);
	}
	pt = json_object_get(root, "prompt_token_ids");
	for (i = 0; i < json_array_size(choices); i++) {
		json_t *c = json_array_get(choices, i), *ix;
		size_t k = next;

		if (!json_is_object(c))
			continue;
		ix = json_object_get(c, "index");
		if (json_is_integer(ix) && json_integer_value(ix) >= 0)
			k = (size_t)json_integer_value(ix);
		next = k + 1;
		if (k >= out->n || out->s[k].text || out->s[k].error)
			continue; /* more choices than asked, or a repeated index */
		read_choice(c, &out->s[k]);
		if (!pt)
			pt = json_object_get(c, "prompt_token_ids");
	}
	if (!out->prompt_tokens)
		int_array(pt, &out->prompt_tokens, &out->nprompt);
	for (i = 0; i < out->n; i++)
		if (!out->s[i].text && !out->s[i].error) {
			snprintf(msg, sizeof(msg), "the server returned %zu of %zu completions",
				 json_array_size(choices), out->n);
			out->s[i].error = xstrdup(msg);
		}
	json_decref(root);
	return TTTD_OK;
}

/* POST /tokenize for each reply that has token ids but no prompt ids. */
static void
tokenize_prompts(const struct tttd_lm_opts *o, const struct tttd_lm_query *q, size_t nq,
		 struct tttd_lm_reply *out)
{
	struct tttd_http_req *req = xcalloc(nq + 1, sizeof(*req));
	size_t *which = xcalloc(nq + 1, sizeof(*which)), nr = 0, i, k;
	char *url = tttd_http_join(o->url, "/tokenize");

	for (i = 0; i < nq; i++) {
		int need = 0;

		for (k = 0; k < out[i].n; k++)
			need |= out[i].s[k].tokens != NULL;
		if (need && !out[i].prompt_tokens) {
			json_t *b = json_object();

			json_object_set_new(b, "model", json_string(o->model ? o->model : "default"));
			json_object_set_new(b, "prompt", json_string(q[i].prompt));
			req[nr].url = url;
			req[nr].body = json_dumps(b, JSON_COMPACT);
			json_decref(b);
			which[nr++] = i;
		}
	}
	tttd_http_post_many(req, nr, &o->http);
	for (k = 0; k < nr; k++) {
		json_t *root = req[k].reply ? json_loadb(req[k].reply, req[k].reply_len, 0, NULL) : NULL;

		if (root)
			int_array(json_object_get(root, "tokens"), &out[which[k]].prompt_tokens,
				  &out[which[k]].nprompt);
		json_decref(root);
		free((char *)req[k].body);
		tttd_http_req_release(&req[k]);
	}
	free(url);
	free(req);
	free(which);
}

void
tttd_lm_complete(const struct tttd_lm_opts *o, const struct tttd_lm_query *q, size_t nq,
		 struct tttd_lm_reply *out)
{
	struct tttd_http_req *req = xcalloc(nq + 1, sizeof(*req));
	char *url = tttd_http_join(o->url, "/v1/completions");
	size_t i, k;

	for (i = 0; i < nq; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].n = (size_t)(q[i].n > 0 ? q[i].n : 1);
		out[i].s = xcalloc(out[i].n, sizeof(*out[i].s));
		req[i].url = url;
		req[i].body = request_body(o, &q[i]);
	}
	tttd_http_post_many(req, nq, &o->http);
	for (i = 0; i < nq; i++) {
		out[i].ms = req[i].ms;
		out[i].attempts = req[i].attempts;
		if (req[i].error) {
			for (k = 0; k < out[i].n; k++)
				out[i].s[k].error = xstrdup(req[i].error);
		} else {
			tttd_lm_parse_reply(req[i].reply, req[i].reply_len, &out[i], NULL);
		}
		free((char *)req[i].body);
		tttd_http_req_release(&req[i]);
	}
	free(req);
	free(url);
	tokenize_prompts(o, q, nq, out);
}
