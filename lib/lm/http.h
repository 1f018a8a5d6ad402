/*
 * http.h - JSON over HTTP for the services tttd drives: a language model's
 * completions server and its training service (docs/lm.md).
 *
 * One call sends a batch of POST requests, at most `jobs` in flight at once
 * (libcurl's multi interface, one thread), each with a total timeout and a
 * number of retries.  A transport failure (cannot connect, timeout, reset),
 * HTTP 429 and HTTP 5xx are retried after a short backoff (0.25 s, doubled
 * each time, at most 4 s); any other status is final.  Every request ends
 * with either a body (status 200..299) or a one-line error saying why,
 * naming the URL; the batch as a whole does not fail because one request
 * did.  This is what lets a generator turn an unreachable server into a
 * failure record and go on.
 *
 * It does not parse JSON (lm.c and lm_train.c do) and never prints.
 */
#ifndef TTTD_HTTP_H
#define TTTD_HTTP_H

#include <stddef.h>

struct tttd_http_opts {
	double timeout_s;    /* per attempt, whole transfer (default 600) */
	double connect_s;    /* connect timeout (default 10) */
	int retries;         /* attempts after the first (default 2) */
	int jobs;            /* requests in flight at once (default 8) */
	const char *api_key; /* "Authorization: Bearer <key>" when not NULL */
};

void tttd_http_opts_default(struct tttd_http_opts *o);

/* One request: url and body are borrowed; the rest is filled in. */
struct tttd_http_req {
	const char *url;
	const char *body; /* JSON, sent with Content-Type: application/json */
	/* results */
	long status; /* HTTP status of the last attempt, 0 if none came */
	char *reply; /* the body (NUL-terminated) when status is 2xx, else NULL */
	size_t reply_len;
	char *error; /* NULL on success, else one line: "cannot reach 'url': ..." */
	int attempts;
	double ms; /* wall time of all attempts */
};

/*
 * Send reqs[0..n) as above.  Results are written into each request (free
 * them with tttd_http_req_release).  @return the number of requests that
 * failed (0..n); never negative: a failure of libcurl itself to start is a
 * failure of every request, with the reason in each.
 */
size_t tttd_http_post_many(struct tttd_http_req *reqs, size_t n, const struct tttd_http_opts *o);

/* Frees reply and error (accepts a request that was never sent). */
void tttd_http_req_release(struct tttd_http_req *r);

/*
 * Join a base URL and a path without doubling or losing the slash:
 * ("http://h:8000/", "/v1/completions") -> "http://h:8000/v1/completions".
 * Newly allocated.
 */
char *tttd_http_join(const char *base, const char *path);

#endif
