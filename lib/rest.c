/*
 * rest.c - paced GET requests over libcurl's multi-socket interface.
 * Assumes libcurl >= 7.66 (CURLINFO_RETRY_AFTER; CURLOPT_PROTOCOLS_STR needs
 * 7.85). curl_multi_socket_action runs only from the loop's callbacks, never
 * from curl's own; the sockets curl asked for are remembered so that a
 * cancel stops watching every one before curl closes them. One multi and one
 * easy handle live as long as the client, so connections are reused between
 * ticks (one TCP/TLS set-up per run, not per request).
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http.h"
#include "rest.h"

#define REST_HOUR_US (3600 * 1000000LL)

static int64_t rest_now(const struct rest_client *c)
{
	return mclock_now_us(c->clk);
}

static size_t rest_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct rest_client *c = arg;
	size_t n = size * nmemb;

	if (c->len + n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap : 8192;
		char *b;

		while (cap < c->len + n + 1)
			cap *= 2;
		if (cap > REST_BODY_MAX) {
			c->overflow = 1;
			return 0;       /* makes curl fail the transfer */
		}
		b = realloc(c->body, cap);
		if (!b) {
			c->overflow = 1;
			return 0;
		}
		c->body = b;
		c->cap = cap;
	}
	memcpy(c->body + c->len, ptr, n);
	c->len += n;
	c->body[c->len] = '\0';
	return n;
}

static void rest_on_file(struct evloop *el, int fd, int mask, void *arg);
static void rest_check(struct rest_client *c);

/* CURLMOPT_SOCKETFUNCTION: watch fd as curl asks. */
static int rest_sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct rest_client *c = userp;
	int mask = (what & CURL_POLL_IN ? EVLOOP_READABLE : 0) |
		   (what & CURL_POLL_OUT ? EVLOOP_WRITABLE : 0);
	int i, slot = -1;

	for (i = 0; i < REST_MAX_SOCKS; i++)
		if (c->socks[i] == fd || (slot < 0 && c->socks[i] < 0))
			slot = i;
	if (what == CURL_POLL_REMOVE || !mask) {
		evloop_del_file(c->el, fd);
		if (slot >= 0 && c->socks[slot] == fd)
			c->socks[slot] = -1;
		return 0;
	}
	if (slot < 0 || evloop_add_file(c->el, fd, mask, rest_on_file, c) < 0)
		return -1;      /* curl fails the transfer */
	c->socks[slot] = fd;
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: -1 none, else run curl again after timeout_ms. */
static int rest_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct rest_client *c = userp;
	int64_t now = rest_now(c);

	return evloop_set_timer_at(c->el, c->curl_timer, timeout_ms < 0 ? now + REST_HOUR_US :
				   now + (int64_t)timeout_ms * 1000) < 0 ? -1 : 0;
}

static int64_t rest_on_curl_timer(struct evloop *el, long long id, void *arg)
{
	struct rest_client *c = arg;
	int running;

	curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	rest_check(c);
	return REST_HOUR_US;    /* rest_timer_cb sets the real time */
}

static void rest_on_file(struct evloop *el, int fd, int mask, void *arg)
{
	struct rest_client *c = arg;
	int running, ev = (mask & EVLOOP_READABLE ? CURL_CSELECT_IN : 0) |
			  (mask & EVLOOP_WRITABLE ? CURL_CSELECT_OUT : 0) |
			  (mask & EVLOOP_HANGUP ? CURL_CSELECT_ERR : 0);

	curl_multi_socket_action(c->multi, fd, ev, &running);
	rest_check(c);
}

int64_t rest_next_start_us(const struct rest_client *c)
{
	int64_t t = c->last_start_us ? c->last_start_us + c->interval_us : 0;

	return t > c->not_before_us ? t : c->not_before_us;
}

/* The request's turn has come: hand it to curl. */
static void rest_start(struct rest_client *c)
{
	int64_t now = rest_now(c);
	struct rest_answer a = { .rc = -ENOMEM, .body = "", .content_type = "", .url = c->url };
	rest_done_fn *done = c->done;

	if (c->last_start_us && (now - c->last_start_us < c->min_gap_us || !c->min_gap_us))
		c->min_gap_us = now - c->last_start_us;
	c->last_start_us = now;
	c->started_us = now;
	c->len = 0;
	c->overflow = 0;
	c->ctype[0] = '\0';
	if (c->body)
		c->body[0] = '\0';
	c->requests++;
	curl_easy_setopt(c->easy, CURLOPT_URL, c->url);
	c->state = REST_RUNNING;
	/* Sets curl's timer at once: the transfer itself starts from the loop. */
	if (curl_multi_add_handle(c->multi, c->easy) == CURLM_OK)
		return;
	c->state = REST_IDLE;
	c->failures++;
	c->failures_total++;
	if (done)
		done(c->arg, &a);
}

static int64_t rest_on_start_timer(struct evloop *el, long long id, void *arg)
{
	struct rest_client *c = arg;

	if (c->state == REST_WAITING) {
		int64_t when = rest_next_start_us(c);

		if (when > rest_now(c)) {       /* a failure moved the turn on */
			evloop_set_timer_at(el, id, when);
			return REST_HOUR_US;
		}
		rest_start(c);
	}
	return -1;
}

int rest_init(struct rest_client *c, struct evloop *el, const struct mclock *clk,
	      const char *base_url, int64_t interval_us, long timeout_ms)
{
	size_t blen = strlen(base_url);

	*c = (struct rest_client){ .el = el, .clk = clk, .timeout_ms = timeout_ms > 0 ?
				   timeout_ms : REST_TIMEOUT_MS };
	for (int i = 0; i < REST_MAX_SOCKS; i++)
		c->socks[i] = -1;
	c->interval_us = interval_us < REST_INTERVAL_MIN_US ? REST_INTERVAL_MIN_US : interval_us;
	while (blen && base_url[blen - 1] == '/')
		blen--;
	if (!blen || blen >= sizeof(c->base))
		return -ENAMETOOLONG;
	memcpy(c->base, base_url, blen);
	c->base[blen] = '\0';
	snprintf(c->agent, sizeof(c->agent), "ducorig");
	c->curl_timer = evloop_add_timer(el, REST_HOUR_US, rest_on_curl_timer, c);
	if (c->curl_timer < 0) {
		c->curl_timer = 0;
		return -ENOMEM;
	}
	c->multi = curl_multi_init();
	c->easy = curl_easy_init();
	if (!c->multi || !c->easy) {
		rest_free(c);
		return -ENOMEM;
	}
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, rest_sock_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, rest_timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	curl_easy_setopt(c->easy, CURLOPT_WRITEFUNCTION, rest_write);
	curl_easy_setopt(c->easy, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->easy, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(c->easy, CURLOPT_CONNECTTIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(c->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->easy, CURLOPT_USERAGENT, c->agent);
	curl_easy_setopt(c->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->easy, CURLOPT_ACCEPT_ENCODING, "");
	return 0;
}

/* Stop watching curl's sockets and take the handle out of the multi. */
static void rest_detach(struct rest_client *c)
{
	for (int i = 0; c->el && i < REST_MAX_SOCKS; i++)
		if (c->socks[i] >= 0) {
			evloop_del_file(c->el, c->socks[i]);
			c->socks[i] = -1;
		}
	if (c->state == REST_RUNNING && c->multi && c->easy)
		curl_multi_remove_handle(c->multi, c->easy);
	if (c->start_timer > 0)
		evloop_del_timer(c->el, c->start_timer);
	c->start_timer = 0;
	c->state = REST_IDLE;
}

void rest_cancel(struct rest_client *c)
{
	rest_detach(c);
}

int rest_set_bearer(struct rest_client *c, const char *token)
{
	char line[32 + HTTP_MAX_TOKEN];
	struct curl_slist *h;

	if (!*token || http_token_check(token))
		return -EINVAL;
	snprintf(line, sizeof(line), "Authorization: Bearer %s", token);
	h = curl_slist_append(NULL, line);
	if (!h)
		return -ENOMEM;
	curl_slist_free_all(c->headers);
	c->headers = h;
	curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, h);
	return 0;
}

void rest_free(struct rest_client *c)
{
	rest_detach(c);
	if (c->easy)
		curl_easy_cleanup(c->easy);
	if (c->multi)
		curl_multi_cleanup(c->multi);
	curl_slist_free_all(c->headers);
	c->headers = NULL;
	if (c->curl_timer > 0)
		evloop_del_timer(c->el, c->curl_timer);
	free(c->body);
	c->body = NULL;
	c->cap = c->len = 0;
	c->curl_timer = 0;
	c->easy = c->multi = NULL;
}

int rest_busy(const struct rest_client *c)
{
	return c->state != REST_IDLE;
}

int rest_get(struct rest_client *c, const char *path, rest_done_fn *done, void *arg)
{
	int64_t when;

	if (c->state != REST_IDLE)
		return -EBUSY;
	if (snprintf(c->url, sizeof(c->url), "%s%s", c->base, path) >= (int)sizeof(c->url))
		return -ENAMETOOLONG;
	c->done = done;
	c->arg = arg;
	when = rest_next_start_us(c);
	/* Always through a timer: done never runs inside this call. */
	c->start_timer = evloop_add_timer(c->el, 0, rest_on_start_timer, c);
	if (c->start_timer < 0) {
		c->start_timer = 0;
		return -ENOMEM;
	}
	if (when > rest_now(c))
		evloop_set_timer_at(c->el, c->start_timer, when);
	c->state = REST_WAITING;
	return 0;
}

/* A failed request: the next one waits longer, doubling per failure in a row. */
static void rest_backoff(struct rest_client *c, int64_t retry_after_us)
{
	int64_t gap = REST_BACKOFF_BASE_US;

	for (unsigned i = 1; i < c->failures && gap < REST_BACKOFF_MAX_US; i++)
		gap *= 2;
	if (gap > REST_BACKOFF_MAX_US)
		gap = REST_BACKOFF_MAX_US;
	if (retry_after_us > gap)
		gap = retry_after_us < REST_BACKOFF_MAX_US ? retry_after_us : REST_BACKOFF_MAX_US;
	c->not_before_us = rest_now(c) + gap;
}

/* After curl ran: if the transfer is over, judge it and tell the caller. */
static void rest_check(struct rest_client *c)
{
	struct rest_answer a = { .body = "", .content_type = "", .url = c->url };
	int left = 0;
	char *ct = NULL;
	curl_off_t retry = 0;
	CURLMsg *msg;
	rest_done_fn *done = c->done;

	if (c->state != REST_RUNNING)
		return;
	msg = curl_multi_info_read(c->multi, &left);
	if (!msg || msg->msg != CURLMSG_DONE)
		return;
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &a.status);
	curl_easy_getinfo(c->easy, CURLINFO_CONTENT_TYPE, &ct);
	curl_easy_getinfo(c->easy, CURLINFO_RETRY_AFTER, &retry);
	if (ct)
		snprintf(c->ctype, sizeof(c->ctype), "%s", ct);
	if (msg->data.result == CURLE_OPERATION_TIMEDOUT)
		a.rc = -ETIMEDOUT;
	else if (c->overflow)
		a.rc = -EMSGSIZE;
	else if (msg->data.result == CURLE_COULDNT_CONNECT ||
		 msg->data.result == CURLE_COULDNT_RESOLVE_HOST)
		a.rc = -EHOSTUNREACH;
	else if (msg->data.result != CURLE_OK)
		a.rc = -EIO;
	rest_detach(c);
	a.body = c->body && !a.rc ? c->body : "";
	a.len = a.rc ? 0 : c->len;
	a.content_type = c->ctype;
	a.elapsed_ms = (double)(rest_now(c) - c->started_us) / 1000.0;
	c->answers += !a.rc;
	if (a.status == 429)
		c->throttled++;
	if (a.rc || a.status < 200 || a.status > 299) {
		c->failures++;
		c->failures_total++;
		rest_backoff(c, (int64_t)retry * 1000000);
		c->last_ok = 0;
	} else {
		c->failures = 0;
		c->not_before_us = 0;
		c->last_ok = 1;
	}
	if (done)
		done(c->arg, &a);
}

void rest_penalize(struct rest_client *c)
{
	if (!c->last_ok)
		return;         /* already counted as a failure */
	c->last_ok = 0;
	c->failures++;
	c->failures_total++;
	rest_backoff(c, 0);
}

int rest_escape(const char *s, char *out, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
			if (n + 1 >= len)
				return -ENAMETOOLONG;
			out[n++] = (char)ch;
		} else {
			if (n + 3 >= len)
				return -ENAMETOOLONG;
			out[n++] = '%';
			out[n++] = hex[ch >> 4];
			out[n++] = hex[ch & 15];
		}
	}
	if (!len)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}
