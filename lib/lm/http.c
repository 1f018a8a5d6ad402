/*
 * http.c - batched JSON POSTs with timeouts, retries and bounded
 * concurrency through libcurl's multi interface (see http.h).
 *
 * libcurl's global init is done once, lazily; tttd tools are single
 * threaded, so that is safe here.  Requests waiting for a retry sit in a
 * queue with the time they become due; the loop sleeps in curl_multi_poll
 * until a transfer finishes or a retry is due.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "http.h"
#include "tttd.h"

void
tttd_http_opts_default(struct tttd_http_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_s = 600;
	o->connect_s = 10;
	o->retries = 2;
	o->jobs = 8;
}

void
tttd_http_req_release(struct tttd_http_req *r)
{
	if (!r)
		return;
	free(r->reply);
	r->reply = NULL;
	free(r->error);
	r->error = NULL;
	r->reply_len = 0;
}

char *
tttd_http_join(const char *base, const char *path)
{
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	while (*path == '/')
		path++;
	return xasprintf("%.*s/%s", (int)n, base, path);
}

/* The state of one request across its attempts. */
struct slot {
	struct tttd_http_req *req;
	CURL *h;
	struct curl_slist *hdr;
	char *buf;
	size_t len, cap;
	char errbuf[CURL_ERROR_SIZE];
	uint64_t due_ns; /* when a retry may start; 0: now */
	uint64_t start_ns;
	/* clang-format off */
	enum { SLOT_PENDING, SLOT_ACTIVE, SLOT_WAIT, SLOT_DONE } state;
	/* clang-format on */
};

static size_t
on_data(char *p, size_t size, size_t nmemb, void *user)
{
	struct slot *s = user;
	size_t n = size * nmemb;

	XGROW(s->buf, s->cap, s->len + n + 1);
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return n;
}

static void
set_error(struct tttd_http_req *r, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(r->error);
	r->error = xstrdup(buf);
}

static int
start(CURLM *m, struct slot *s, const struct tttd_http_opts *o)
{
	s->h = curl_easy_init();
	if (!s->h)
		return -1;
	s->len = 0;
	s->errbuf[0] = '\0';
	s->hdr = curl_slist_append(NULL, "Content-Type: application/json");
	s->hdr = curl_slist_append(s->hdr, "Accept: application/json");
	/* curl adds "Expect: 100-continue" to large POSTs; servers like python's http.server stall on it */
	s->hdr = curl_slist_append(s->hdr, "Expect:");
	if (o->api_key) {
		char *a = xasprintf("Authorization: Bearer %s", o->api_key);

		s->hdr = curl_slist_append(s->hdr, a);
		free(a);
	}
	curl_easy_setopt(s->h, CURLOPT_URL, s->req->url);
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdr);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, s->req->body);
	curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(s->req->body));
	curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->h, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(s->h, CURLOPT_TIMEOUT_MS, (long)(o->timeout_s * 1000));
	curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT_MS, (long)(o->connect_s * 1000));
	curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
	/* only http and https, also on redirects */
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(s->h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(s->h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	s->req->attempts++;
	s->state = SLOT_ACTIVE;
	if (!s->start_ns)
		s->start_ns = tttd_now_ns();
	return curl_multi_add_handle(m, s->h) == CURLM_OK ? 0 : -1;
}

static void
stop(CURLM *m, struct slot *s)
{
	curl_multi_remove_handle(m, s->h);
	curl_easy_cleanup(s->h);
	s->h = NULL;
	curl_slist_free_all(s->hdr);
	s->hdr = NULL;
}

/* The first line of a reply, shortened, for an error message. */
static void
first_line(const char *p, size_t n, char *out, size_t cap)
{
	size_t i, k = 0;

	for (i = 0; i < n && k + 1 < cap && p[i] != '\n'; i++)
		out[k++] = (p[i] == '\r' || p[i] == '\t') ? ' ' : p[i];
	out[k] = '\0';
}

/*
 * One attempt of s ended with curl result rc.  @return 1 when the request
 * is finished (success or final failure), 0 when it is to be retried.
 */
static int
finish_attempt(struct slot *s, CURLcode rc, const struct tttd_http_opts *o)
{
	struct tttd_http_req *r = s->req;
	long status = 0;
	int retry;

	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	r->status = status;
	if (rc == CURLE_OK && status >= 200 && status < 300) {
		r->reply = s->buf ? s->buf : xstrdup("");
		r->reply_len = s->len;
		s->buf = NULL;
		s->cap = s->len = 0;
		free(r->error);
		r->error = NULL;
		return 1;
	}
	if (rc != CURLE_OK) {
		set_error(r, "cannot reach '%s': %s", r->url,
			  s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
		retry = 1;
	} else {
		char line[160];

		first_line(s->buf ? s->buf : "", s->len, line, sizeof(line));
		set_error(r, "'%s' answered HTTP %ld%s%s", r->url, status, line[0] ? ": " : "",
			  line);
		retry = status == 429 || status >= 500;
	}
	if (retry && r->attempts <= o->retries) {
		double backoff = 0.25 * (double)(1u << (r->attempts - 1 < 4 ? r->attempts - 1 : 4));

		s->due_ns = tttd_now_ns() + (uint64_t)(backoff * 1e9);
		return 0;
	}
	if (r->attempts > 1) {
		char *m = xasprintf("%s (%d attempts)", r->error, r->attempts);

		free(r->error);
		r->error = m;
	}
	return 1;
}

/* May another request start now? */
static int
startable(const struct slot *s, size_t n, size_t running, int jobs)
{
	uint64_t now = tttd_now_ns();
	size_t i;

	if (running >= (size_t)jobs)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i].state == SLOT_PENDING || (s[i].state == SLOT_WAIT && s[i].due_ns <= now))
			return 1;
	return 0;
}

size_t
tttd_http_post_many(struct tttd_http_req *reqs, size_t n, const struct tttd_http_opts *o)
{
	static int inited;
	struct slot *s;
	size_t i, done = 0, failed = 0, running = 0;
	CURLM *m;
	int jobs = o->jobs > 0 ? o->jobs : 1;

	for (i = 0; i < n; i++) {
		reqs[i].status = 0;
		reqs[i].reply = NULL;
		reqs[i].reply_len = 0;
		reqs[i].error = NULL;
		reqs[i].attempts = 0;
		reqs[i].ms = 0;
	}
	if (n == 0)
		return 0;
	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			for (i = 0; i < n; i++)
				set_error(&reqs[i], "cannot start libcurl");
			return n;
		}
		inited = 1;
	}
	m = curl_multi_init();
	if (!m) {
		for (i = 0; i < n; i++)
			set_error(&reqs[i], "cannot start libcurl");
		return n;
	}
	s = xcalloc(n, sizeof(*s));
	for (i = 0; i < n; i++)
		s[i].req = &reqs[i];

	while (done < n) {
		uint64_t now = tttd_now_ns(), wait_ns = 100000000ull; /* poll at least every 100 ms */
		CURLMsg *msg;
		int still = 0, left;

		/* Start what may start, in request order; a retry waits for its due time. */
		for (i = 0; i < n && running < (size_t)jobs; i++) {
			if (s[i].state != SLOT_PENDING && s[i].state != SLOT_WAIT)
				continue;
			if (s[i].state == SLOT_WAIT && s[i].due_ns > now) {
				if (s[i].due_ns - now < wait_ns)
					wait_ns = s[i].due_ns - now;
				continue;
			}
			if (start(m, &s[i], o) < 0) {
				set_error(s[i].req, "cannot start a request to '%s'", s[i].req->url);
				if (s[i].h)
					stop(m, &s[i]);
				s[i].state = SLOT_DONE;
				done++;
				failed++;
				continue;
			}
			running++;
		}
		if (running > 0)
			curl_multi_perform(m, &still);
		while ((msg = curl_multi_info_read(m, &left))) {
			struct slot *sl = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&sl);
			if (finish_attempt(sl, msg->data.result, o)) {
				sl->req->ms = (double)(tttd_now_ns() - sl->start_ns) / 1e6;
				done++;
				if (sl->req->error)
					failed++;
				stop(m, sl);
				sl->state = SLOT_DONE;
			} else {
				stop(m, sl);
				sl->state = SLOT_WAIT;
			}
			running--;
		}
		if (done < n && !startable(s, n, running, jobs))
			curl_multi_poll(m, NULL, 0, (int)(wait_ns / 1000000) + 1, NULL);
	}
	for (i = 0; i < n; i++)
		free(s[i].buf);
	free(s);
	curl_multi_cleanup(m);
	return failed;
}
