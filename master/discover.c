/*
 * discover.c - getPool over libcurl (multi-socket interface) and cJSON.
 * Assumes curl_global_init() was called once at start-up (main.c) and
 * libcurl >= 7.62 (CURLOPT_PROTOCOLS_STR needs 7.85). curl_multi_socket_action
 * runs only from the loop's callbacks, never from curl's own; the sockets
 * curl asked for are remembered so that cancelling stops watching every one
 * before curl closes them. The server's answer is untrusted: the address
 * must be a plain host name or IP and the port 1..65535 before the rig
 * connects anywhere.
 */
#include <cJSON.h>
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "discover.h"

static size_t discover_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct discover *d = arg;
	size_t n = size * nmemb;

	if (d->len + n >= sizeof(d->body)) {
		d->overflow = 1;
		return 0;       /* makes curl fail the transfer */
	}
	memcpy(d->body + d->len, ptr, n);
	d->len += n;
	d->body[d->len] = '\0';
	return n;
}

static void discover_on_file(struct evloop *el, int fd, int mask, void *arg);
static void discover_check(struct discover *d);

/* CURLMOPT_SOCKETFUNCTION: watch fd as curl asks. */
static int discover_sock_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
	struct discover *d = userp;
	int mask = (what & CURL_POLL_IN ? EVLOOP_READABLE : 0) |
		   (what & CURL_POLL_OUT ? EVLOOP_WRITABLE : 0);
	int i, slot = -1;

	for (i = 0; i < DISCOVER_MAX_SOCKS; i++)
		if (d->socks[i] == fd || (slot < 0 && d->socks[i] < 0))
			slot = i;
	if (what == CURL_POLL_REMOVE || !mask) {
		evloop_del_file(d->el, fd);
		if (slot >= 0 && d->socks[slot] == fd)
			d->socks[slot] = -1;
		return 0;
	}
	if (slot < 0 || evloop_add_file(d->el, fd, mask, discover_on_file, d) < 0)
		return -1;      /* curl fails the transfer */
	d->socks[slot] = fd;
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: -1 none, else run curl again after timeout_ms. */
static int discover_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct discover *d = userp;
	int64_t when = timeout_ms < 0 ? evloop_now_us() + 3600 * 1000000LL
				      : evloop_now_us() + (int64_t)timeout_ms * 1000;

	return evloop_set_timer_at(d->el, d->timer, when) < 0 ? -1 : 0;
}

static int64_t discover_on_timer(struct evloop *el, long long id, void *arg)
{
	struct discover *d = arg;
	int running;

	curl_multi_socket_action(d->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	discover_check(d);
	return 3600 * 1000000LL;        /* discover_timer_cb sets the real time */
}

static void discover_on_file(struct evloop *el, int fd, int mask, void *arg)
{
	struct discover *d = arg;
	int running, ev = (mask & EVLOOP_READABLE ? CURL_CSELECT_IN : 0) |
			  (mask & EVLOOP_WRITABLE ? CURL_CSELECT_OUT : 0) |
			  (mask & EVLOOP_HANGUP ? CURL_CSELECT_ERR : 0);

	curl_multi_socket_action(d->multi, fd, ev, &running);
	discover_check(d);
}

int discover_start(struct discover *d, struct evloop *el, const char *base_url,
		   discover_done_fn *done, void *arg)
{
	char url[512];
	size_t blen = strlen(base_url);

	discover_cancel(d);
	*d = (struct discover){ .el = el, .done = done, .arg = arg };
	for (int i = 0; i < DISCOVER_MAX_SOCKS; i++)
		d->socks[i] = -1;
	while (blen && base_url[blen - 1] == '/')
		blen--;
	if (snprintf(url, sizeof(url), "%.*s/getPool", (int)blen, base_url) >= (int)sizeof(url))
		return -ENAMETOOLONG;
	d->timer = evloop_add_timer(el, 3600 * 1000000LL, discover_on_timer, d);
	if (d->timer < 0) {
		d->timer = 0;
		return -ENOMEM;
	}
	d->multi = curl_multi_init();
	d->easy = curl_easy_init();
	if (!d->multi || !d->easy) {
		discover_cancel(d);
		return -ENOMEM;
	}
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETFUNCTION, discover_sock_cb);
	curl_multi_setopt(d->multi, CURLMOPT_SOCKETDATA, d);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERFUNCTION, discover_timer_cb);
	curl_multi_setopt(d->multi, CURLMOPT_TIMERDATA, d);
	curl_easy_setopt(d->easy, CURLOPT_URL, url);
	curl_easy_setopt(d->easy, CURLOPT_WRITEFUNCTION, discover_write);
	curl_easy_setopt(d->easy, CURLOPT_WRITEDATA, d);
	curl_easy_setopt(d->easy, CURLOPT_TIMEOUT_MS, (long)DISCOVER_TIMEOUT_MS);
	curl_easy_setopt(d->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(d->easy, CURLOPT_USERAGENT, "ducorig-ducomaster");
	curl_easy_setopt(d->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	d->busy = 1;
	/* Sets the timer (at once): the transfer starts from the loop. */
	if (curl_multi_add_handle(d->multi, d->easy) != CURLM_OK) {
		discover_cancel(d);
		return -ENOMEM;
	}
	return 0;
}

void discover_cancel(struct discover *d)
{
	for (int i = 0; d->el && i < DISCOVER_MAX_SOCKS; i++)
		if (d->socks[i] >= 0) {
			evloop_del_file(d->el, d->socks[i]);
			d->socks[i] = -1;
		}
	if (d->multi && d->easy)
		curl_multi_remove_handle(d->multi, d->easy);
	if (d->easy)
		curl_easy_cleanup(d->easy);
	if (d->multi)
		curl_multi_cleanup(d->multi);
	if (d->timer > 0)
		evloop_del_timer(d->el, d->timer);
	d->timer = 0;
	d->easy = d->multi = NULL;
	d->busy = 0;
}

static int discover_host_ok(const char *h)
{
	size_t n = strlen(h), i;

	if (!n || n > 253)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr(".-:", h[i]))
			return 0;
	return 1;
}

int discover_parse(const char *json, char *hostport, size_t len)
{
	cJSON *root = cJSON_Parse(json);
	const cJSON *ok, *ip, *port;
	int rc = -EPROTO;

	if (!root)
		return -EPROTO;
	ok = cJSON_GetObjectItemCaseSensitive(root, "success");
	ip = cJSON_GetObjectItemCaseSensitive(root, "ip");
	port = cJSON_GetObjectItemCaseSensitive(root, "port");
	if (cJSON_IsFalse(ok)) {
		rc = -ECONNREFUSED;
		goto out;
	}
	if (!cJSON_IsTrue(ok) || !cJSON_IsString(ip) || !discover_host_ok(ip->valuestring))
		goto out;
	if (!cJSON_IsNumber(port) || port->valuedouble < 1 || port->valuedouble > 65535 ||
	    port->valuedouble != (double)port->valueint)
		goto out;
	if (snprintf(hostport, len, strchr(ip->valuestring, ':') ? "[%s]:%d" : "%s:%d",
		     ip->valuestring, port->valueint) >= (int)len)
		goto out;
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

/* After curl ran: if the transfer is over, judge it and tell the caller. */
static void discover_check(struct discover *d)
{
	char hostport[300] = "";
	int left = 0, rc = -EIO;
	long code = 0;
	CURLMsg *msg;
	discover_done_fn *done = d->done;
	void *arg = d->arg;

	msg = curl_multi_info_read(d->multi, &left);
	if (!msg || msg->msg != CURLMSG_DONE)
		return;
	curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &code);
	if (msg->data.result == CURLE_OPERATION_TIMEDOUT)
		rc = -ETIMEDOUT;
	else if (msg->data.result != CURLE_OK || d->overflow)
		rc = d->overflow ? -EMSGSIZE : -EHOSTUNREACH;
	else if (code != 200)
		rc = -ECONNREFUSED;
	else
		rc = discover_parse(d->body, hostport, sizeof(hostport)) < 0 ? -EPROTO : 0;
	discover_cancel(d);
	if (done)
		done(arg, rc, rc ? NULL : hostport);
}
