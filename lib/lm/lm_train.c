/*
 * lm_train.c - one training step through the training service (see
 * lm_train.h and docs/lm.md): begin, base log-probabilities for the KL
 * shaping, forward_backward per chunk, one optim_step, save for the
 * sampler, and optionally load into a separate sampler.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "hash.h"
#include "lm_train.h"
#include "rec.h"
#include "stream.h"

void
tttd_lm_train_opts_default(struct tttd_lm_train_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->lr = 4e-5;
	o->beta1 = 0.9;
	o->beta2 = 0.95;
	o->eps = 1e-8;
	o->kl = 0.1;
	o->chunk = 8;
	tttd_http_opts_default(&o->http);
}

void
tttd_lm_shape(struct tttd_lm_example *ex, size_t n, double kl, double *mean_d)
{
	double sum = 0, md = 0;
	size_t i, t, count = 0;

	for (i = 0; i < n; i++)
		if (ex[i].base)
			for (t = 0; t < ex[i].ntokens; t++) {
				sum += ex[i].logprobs[t] - ex[i].base[t];
				count++;
			}
	if (count)
		md = sum / (double)count;
	for (i = 0; i < n; i++)
		for (t = 0; t < ex[i].ntokens; t++) {
			double a = ex[i].advantage;

			if (ex[i].base && kl > 0)
				a += kl * (md - (ex[i].logprobs[t] - ex[i].base[t]));
			ex[i].token_adv[t] = a;
		}
	if (mean_d)
		*mean_d = md;
}

void
tttd_lm_adapter_name(const char *prefix, const char *start, const struct tttd_lm_train_opts *o,
		     const struct tttd_lm_example *ex, size_t n, char out[64])
{
	struct tttd_sha256 h;
	char id[33], buf[128];
	size_t i;

	tttd_sha256_init(&h);
	tttd_sha256_field(&h, "tttd-lm-step");
	tttd_sha256_field(&h, start ? start : "base");
	snprintf(buf, sizeof(buf), "%.17g %.17g %.17g %.17g %.17g", o->lr, o->beta1, o->beta2,
		 o->eps, o->kl);
	tttd_sha256_field(&h, buf);
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%.17g", ex[i].advantage);
		tttd_sha256_field(&h, ex[i].id ? ex[i].id : "");
		tttd_sha256_field(&h, buf);
	}
	tttd_sha256_id(&h, id);
	snprintf(out, 64, "%s-%.24s", prefix && *prefix ? prefix : "tttd", id);
}

static json_t *
ints(const int64_t *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_integer((json_int_t)v[i]));
	return a;
}

static json_t *
reals(const double *v, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, json_real(isfinite(v[i]) ? v[i] : 0.0));
	return a;
}

/*
 * POST body (consumed) to url + path; *reply gets the parsed answer (an
 * object).  @return TTTD_OK or TTTD_EIO with the reason.
 */
static int
call(const struct tttd_lm_train_opts *o, const char *base, const char *path, json_t *body,
     json_t **reply, struct tttd_error *e)
{
	struct tttd_http_req r = { 0 };
	json_error_t je;
	char *url = tttd_http_join(base, path), *text = json_dumps(body, JSON_COMPACT);
	int rc = TTTD_OK;

	json_decref(body);
	*reply = NULL;
	r.url = url;
	r.body = text;
	if (tttd_http_post_many(&r, 1, &o->http)) {
		rc = tttd_error_set(e, TTTD_EIO, "training service: %s", r.error);
	} else if (!(*reply = json_loadb(r.reply, r.reply_len, 0, &je)) || !json_is_object(*reply)) {
		rc = tttd_error_set(e, TTTD_EIO, "training service '%s': malformed answer: %s", url,
				    *reply ? "not an object" : je.text);
		json_decref(*reply);
		*reply = NULL;
	}
	tttd_http_req_release(&r);
	free(text);
	free(url);
	return rc;
}

/* The base model's log-probabilities of every example's completion, chunk by chunk. */
static int
base_logprobs(const struct tttd_lm_train_opts *o, struct tttd_lm_example *ex, size_t n,
	      struct tttd_error *e)
{
	size_t nchunk = (n + o->chunk - 1) / o->chunk, c, i, k;
	struct tttd_http_req *req = xcalloc(nchunk + 1, sizeof(*req));
	char *url = tttd_http_join(o->url, "/tttd/v1/logprobs");
	int rc = TTTD_OK;

	for (c = 0; c < nchunk; c++) {
		json_t *b = json_object(), *seqs = json_array();

		for (i = c * o->chunk; i < n && i < (c + 1) * o->chunk; i++) {
			json_t *s = json_object();

			json_object_set_new(s, "prompt_tokens", ints(ex[i].prompt, ex[i].nprompt));
			json_object_set_new(s, "completion_tokens", ints(ex[i].tokens, ex[i].ntokens));
			json_array_append_new(seqs, s);
		}
		json_object_set_new(b, "adapter", json_null());
		json_object_set_new(b, "sequences", seqs);
		req[c].url = url;
		req[c].body = json_dumps(b, JSON_COMPACT);
		json_decref(b);
	}
	tttd_http_post_many(req, nchunk, &o->http);
	for (c = 0; c < nchunk && rc == TTTD_OK; c++) {
		json_t *root, *lp;

		if (req[c].error) {
			rc = tttd_error_set(e, TTTD_EIO, "training service: %s", req[c].error);
			break;
		}
		root = json_loadb(req[c].reply, req[c].reply_len, 0, NULL);
		lp = json_object_get(root, "logprobs");
		for (i = c * o->chunk, k = 0; i < n && i < (c + 1) * o->chunk; i++, k++) {
			json_t *a = json_array_get(lp, k);
			double *v;
			size_t t;

			if (!json_is_array(a) || json_array_size(a) != ex[i].ntokens) {
				rc = tttd_error_set(e, TTTD_EIO,
						    "training service '%s': logprobs of sequence %zu missing or of the wrong length",
						    url, i);
				break;
			}
			v = xmalloc((ex[i].ntokens + 1) * sizeof(double));
			for (t = 0; t < ex[i].ntokens; t++)
				v[t] = json_number_value(json_array_get(a, t));
			ex[i].base = v;
		}
		json_decref(root);
	}
	for (c = 0; c < nchunk; c++) {
		free((char *)req[c].body);
		tttd_http_req_release(&req[c]);
	}
	free(req);
	free(url);
	return rc;
}

int
tttd_lm_train_step(const struct tttd_lm_train_opts *o, const char *prefix, const char *start,
		   struct tttd_lm_example *ex, size_t n, struct tttd_lm_train_result *res,
		   struct tttd_error *e)
{
	json_t *b, *reply = NULL;
	size_t c, i, nchunk;
	int rc = TTTD_OK, done;
	char *path = NULL;

	memset(res, 0, sizeof(*res));
	tttd_lm_adapter_name(prefix, start, o, ex, n, res->adapter);
	for (i = 0; i < n; i++)
		res->tokens += ex[i].ntokens;

	/* begin: the service starts (or resumes) this batch from the start adapter */
	b = json_object();
	json_object_set_new(b, "batch", json_string(res->adapter));
	json_object_set_new(b, "adapter", start ? json_string(start) : json_null());
	if ((rc = call(o, o->url, "/tttd/v1/begin", b, &reply, e)) < 0)
		goto out;
	done = json_is_true(json_object_get(reply, "done"));
	json_decref(reply);
	reply = NULL;
	res->reused = done;

	if (!done) {
		if (o->kl > 0 && (rc = base_logprobs(o, ex, n, e)) < 0)
			goto out;
		tttd_lm_shape(ex, n, o->kl, &res->kl);
		nchunk = (n + o->chunk - 1) / o->chunk;
		for (c = 0; c < nchunk; c++) {
			json_t *data = json_array();

			for (i = c * o->chunk; i < n && i < (c + 1) * o->chunk; i++) {
				json_t *d = json_object();

				json_object_set_new(d, "prompt_tokens", ints(ex[i].prompt, ex[i].nprompt));
				json_object_set_new(d, "completion_tokens",
						    ints(ex[i].tokens, ex[i].ntokens));
				json_object_set_new(d, "logprobs", reals(ex[i].logprobs, ex[i].ntokens));
				json_object_set_new(d, "advantages", reals(ex[i].token_adv, ex[i].ntokens));
				json_array_append_new(data, d);
			}
			b = json_object();
			json_object_set_new(b, "batch", json_string(res->adapter));
			json_object_set_new(b, "chunk", json_integer((json_int_t)c));
			json_object_set_new(b, "loss_fn", json_string("importance_sampling"));
			json_object_set_new(b, "data", data);
			if ((rc = call(o, o->url, "/tttd/v1/forward_backward", b, &reply, e)) < 0)
				goto out;
			res->loss += json_number_value(json_object_get(reply, "loss"));
			json_decref(reply);
			reply = NULL;
		}
		b = json_object();
		json_object_set_new(b, "batch", json_string(res->adapter));
		json_object_set_new(b, "adam", json_pack("{s:f,s:f,s:f,s:f}", "learning_rate", o->lr, "beta1", o->beta1, "beta2", o->beta2, "eps", o->eps));
		if ((rc = call(o, o->url, "/tttd/v1/optim_step", b, &reply, e)) < 0)
			goto out;
		json_decref(reply);
		reply = NULL;
	}
	b = json_object();
	json_object_set_new(b, "batch", json_string(res->adapter));
	json_object_set_new(b, "name", json_string(res->adapter));
	if ((rc = call(o, o->url, "/tttd/v1/save_weights_for_sampler", b, &reply, e)) < 0)
		goto out;
	if (json_is_string(json_object_get(reply, "path")))
		path = xstrdup(json_string_value(json_object_get(reply, "path")));
	json_decref(reply);
	reply = NULL;
	if (o->publish) {
		if (!path) {
			rc = tttd_error_set(e, TTTD_EIO,
					    "training service: save_weights_for_sampler gave no 'path' to publish");
			goto out;
		}
		b = json_pack("{s:s,s:s}", "lora_name", res->adapter, "lora_path", path);
		rc = call(o, o->publish, "/v1/load_lora_adapter", b, &reply, e);
		/* vLLM answers plain text, not JSON: a 2xx is what counts */
		if (rc < 0 && strstr(e->msg, "malformed answer"))
			rc = TTTD_OK;
		json_decref(reply);
		reply = NULL;
	}
out:
	for (i = 0; i < n; i++) {
		free((double *)ex[i].base);
		ex[i].base = NULL;
	}
	free(path);
	return rc;
}

int
tttd_lm_ckpt_write(const char *path, const char *adapter, const char *start,
		   const char *base_model, int64_t step, struct tttd_error *e)
{
	struct tttd_writer *w;
	struct tttd_rec r;
	int rc;

	tttd_rec_init(&r);
	tttd_rec_set_int(&r, "v", TTTD_SCHEMA_VERSION);
	tttd_rec_set_str(&r, "kind", "policy");
	tttd_rec_set_str(&r, "format", "lm");
	tttd_rec_set_str(&r, "adapter", adapter);
	tttd_rec_set_str(&r, "start", start ? start : "base");
	tttd_rec_set_str(&r, "lm_model", base_model ? base_model : "default");
	tttd_rec_set_int(&r, "step", step);
	rc = tttd_writer_open(&w, path, 0, e);
	if (rc == TTTD_OK && (rc = tttd_writer_write(w, &r, e)) < 0)
		tttd_writer_abort(w);
	else if (rc == TTTD_OK)
		rc = tttd_writer_close(w, e);
	tttd_rec_release(&r);
	return rc;
}

int
tttd_lm_ckpt_read(const char *path, char **adapter, struct tttd_error *e)
{
	struct tttd_reader *rd;
	struct tttd_rec r;
	FILE *f;
	int rc, c;

	*adapter = NULL;
	if (!(f = fopen(path, "rb")))
		return tttd_error_set(e, errno == ENOENT ? TTTD_ENOENT : TTTD_EIO,
				      "cannot open checkpoint '%s':", path);
	c = fgetc(f);
	fclose(f);
	if (c == EOF)
		return TTTD_OK; /* empty: the base model */
	TTTD_TRY(tttd_reader_open(&rd, path, 1, e));
	tttd_rec_init(&r);
	rc = tttd_reader_next(rd, &r, e);
	if (rc == 1) {
		rc = TTTD_OK;
		if (!tttd_rec_str_is(&r, "format", "lm") || tttd_rec_get_str(&r, "adapter", adapter) != 1)
			rc = tttd_error_set(e, TTTD_EFORMAT,
					    "'%s' is not a language model's checkpoint (no format 'lm' and 'adapter')",
					    path);
	} else if (rc == 0) {
		rc = TTTD_OK;
	}
	tttd_rec_release(&r);
	tttd_reader_free(rd);
	return rc;
}
