/*
 * lm.h - a language model as tttd's generator: the client of an
 * OpenAI-compatible completions server (vLLM, SGLang, llama.cpp's server,
 * Ollama, the reference service in containers/model-service), the prompt
 * built from a task and a parent, and the contract a model-written
 * candidate must meet (docs/lm.md).
 *
 * The client sends one POST /v1/completions per prompt (n completions each,
 * with logprobs), several prompts in flight at once (http.h), and reads
 * back each completion's text, finish reason, token ids and per-token
 * log-probabilities.  Token ids come from the vLLM-style extensions
 * ("return_token_ids": choice.token_ids and prompt_token_ids;
 * "return_tokens_as_token_ids": logprobs.tokens as "token_id:N"); a server
 * that gives the completion's ids but not the prompt's is asked through
 * POST /tokenize.  A completion without ids is still a candidate; it just
 * cannot be trained on.
 *
 * A failure of the server (unreachable, timeout, an HTTP error, JSON that
 * is not a completion) is reported per prompt in its reply, never as a
 * failure of the call: the generator writes failure records and goes on.
 *
 * Nothing here prints; nothing here knows records beyond reading a parent.
 */
#ifndef TTTD_LM_H
#define TTTD_LM_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "task.h"
#include "tttd.h"

struct tttd_rec;

/* ---- the completions client ---- */

struct tttd_lm_opts {
	const char *url;    /* the server's base URL: http://host:port (paths /v1/... are added) */
	const char *model;  /* "model" of each request: the base model or an adapter's name */
	long max_tokens;    /* per completion (default 2048) */
	double temperature; /* default 1, as the paper */
	double top_p;       /* default 1 */
	struct tttd_http_opts http;
};

void tttd_lm_opts_default(struct tttd_lm_opts *o);

/* One prompt to complete n times. */
struct tttd_lm_query {
	const char *prompt;
	long n;
	uint64_t seed;           /* sent as "seed": reproducible where the server honours it */
	const char *const *stop; /* stop strings (may be NULL) */
	size_t nstop;
};

struct tttd_lm_sample {
	char *text;       /* the completion (NULL when error) */
	char *finish;     /* "stop", "length", ... or NULL */
	int64_t *tokens;  /* completion token ids, ntokens of them; NULL when the server gave none */
	double *logprobs; /* the sampler's log-probability of each token, ntokens; NULL likewise */
	size_t ntokens;
	char *error; /* non-NULL: this completion failed, one line why */
};

struct tttd_lm_reply {
	struct tttd_lm_sample *s; /* n of them (the query's n), always allocated */
	size_t n;
	int64_t *prompt_tokens; /* NULL when unknown */
	size_t nprompt;
	double ms; /* wall time of the request, retries included */
	int attempts;
};

/*
 * Complete queries q[0..nq) on the server of o; out[i] gets q[i]'s reply
 * (its n samples, each with a text or an error).  Never fails as a whole.
 * Release each reply with tttd_lm_reply_release.
 */
void tttd_lm_complete(const struct tttd_lm_opts *o, const struct tttd_lm_query *q, size_t nq,
		      struct tttd_lm_reply *out);
void tttd_lm_reply_release(struct tttd_lm_reply *r);

/*
 * Parse one /v1/completions answer into out, which must have out->n samples
 * allocated (all fields NULL).  Choices are placed by their "index" (else
 * in order); a sample with no choice gets an error.  @return TTTD_OK, or
 * TTTD_EFORMAT when json is not a completion object (every sample then
 * gets the error).  Exposed for tests.
 */
int tttd_lm_parse_reply(const char *json, size_t len, struct tttd_lm_reply *out,
			struct tttd_error *e);

/* ---- the prompt ---- */

struct tttd_lm_prompt_opts {
	const char *hardware; /* "an NVIDIA H200", "Intel Xeon ... (16 cores)"; NULL: not said */
	double target_us;     /* > 0 overrides the task's lm_target */
	const char *wrap;     /* a template with one {{PROMPT}} (a chat format), or NULL */
	int prefill;          /* end the prompt with an opened code fence (the model writes code at once) */
};

/*
 * The prompt for a child of parent (a "parent" record from tttd-select: its
 * source, time_ns and per-shape timing when it is not a root) on task t:
 * what to compute and the reference, the contract, the hardware, the
 * parent's code and measured time per bench shape, the target, and the
 * task's lm_prompt text.  Newly allocated.  @return TTTD_OK, or TTTD_EIO
 * when the reference cannot be read.
 */
int tttd_lm_prompt(const struct tttd_task *t, const struct tttd_rec *parent,
		   const struct tttd_lm_prompt_opts *o, char **out, struct tttd_error *e);

/* The fence language of t's candidates: "c" or "cuda". */
const char *tttd_lm_lang(const struct tttd_task *t);

/* ---- from a completion to a candidate ---- */

/*
 * The code of a completion.  With prefill the prompt opened the fence, so
 * the code is the text up to the first closing fence (or all of it when the
 * server stopped on the fence, finish "stop"); else the last complete
 * fenced block.  @return TTTD_OK with *code newly allocated, or TTTD_ENOENT
 * with the reason in e ("no code block in the completion", "the completion
 * ended (length) inside its code block").
 */
int tttd_lm_extract(const char *completion, const char *finish, int prefill, char **code,
		    struct tttd_error *e);

/*
 * Check that code meets t's contract for a model-written candidate and
 * derive its decisions (docs/lm.md): every entry point is defined (CPU: the
 * task's entry; CUDA: each launch's kernel, __global__), no lm_forbid word
 * occurs, and each decision takes the value of a `#define NAME value` line
 * of the code (which must be one of its options), else the parent's option
 * (parent may be NULL or hold -1), else its first; the choice must satisfy
 * the constraints.  choice gets t->ndec entries.  @return TTTD_OK, or
 * TTTD_EFORMAT with the breach in e (one line).
 */
int tttd_lm_contract(const struct tttd_task *t, const char *code, const int *parent, int *choice,
		     struct tttd_error *e);

/* ---- the generator: parents in, candidate records out ---- */

struct tttd_lm_gen {
	const struct tttd_task *task; /* borrowed */
	struct tttd_lm_opts lm;       /* lm.model: the adapter to sample from, or the base model */
	struct tttd_lm_prompt_opts prompt;
	const char *adapter;    /* recorded as "adapter": the adapter's name, or "base" */
	const char *base_model; /* recorded as "lm_model" */
	long children;          /* completions per parent */
	int split;              /* one request per completion (n = 1) instead of one with n */
	uint64_t seed;
};

/*
 * For each parent record par[i] (rank ranks[i] within its step), ask the
 * server for g->children completions of its prompt and write one candidate
 * record per completion through emit (in parent order, then completion
 * order).  A completion becomes a "generated" candidate (source = its code,
 * decisions from the contract), or a failure record: status "lm_error"
 * (the server failed: unreachable, timeout, HTTP error, malformed answer),
 * "no_code" (no code block) or "contract" (a breach), with the reason.
 * Every record carries the completion's token ids and log-probabilities
 * when the server gave them, the prompt's token ids, the adapter and
 * "logp" (the sum of the token log-probabilities).
 * @return TTTD_OK, or TTTD_EIO/TTTD_EFORMAT for a problem of tttd's own
 * (an unreadable reference, a parent that does not fit the task).
 */
int tttd_lm_generate(const struct tttd_lm_gen *g, struct tttd_rec *const *par, const int64_t *ranks,
		     size_t n, void (*emit)(void *ctx, struct tttd_rec *r), void *ctx,
		     struct tttd_error *e);

#endif
