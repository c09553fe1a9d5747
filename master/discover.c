/*
 * discover.c - getPool over libcurl (multi interface) and cJSON.
 * Assumes curl_global_init() was called once at start-up (main.c). The
 * server's answer is untrusted: the address must be a plain host name or IP
 * and the port 1..65535 before the rig connects anywhere.
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

int discover_start(struct discover *d, const char *base_url)
{
	char url[512];
	size_t blen = strlen(base_url);

	discover_cancel(d);
	*d = (struct discover){ .len = 0 };
	while (blen && base_url[blen - 1] == '/')
		blen--;
	if (snprintf(url, sizeof(url), "%.*s/getPool", (int)blen, base_url) >= (int)sizeof(url))
		return -ENAMETOOLONG;
	d->multi = curl_multi_init();
	d->easy = curl_easy_init();
	if (!d->multi || !d->easy) {
		discover_cancel(d);
		return -ENOMEM;
	}
	curl_easy_setopt(d->easy, CURLOPT_URL, url);
	curl_easy_setopt(d->easy, CURLOPT_WRITEFUNCTION, discover_write);
	curl_easy_setopt(d->easy, CURLOPT_WRITEDATA, d);
	curl_easy_setopt(d->easy, CURLOPT_TIMEOUT_MS, (long)DISCOVER_TIMEOUT_MS);
	curl_easy_setopt(d->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(d->easy, CURLOPT_USERAGENT, "ducorig-ducomaster");
	curl_easy_setopt(d->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_multi_add_handle(d->multi, d->easy);
	d->busy = 1;
	return 0;
}

void discover_cancel(struct discover *d)
{
	if (d->multi && d->easy)
		curl_multi_remove_handle(d->multi, d->easy);
	if (d->easy)
		curl_easy_cleanup(d->easy);
	if (d->multi)
		curl_multi_cleanup(d->multi);
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

int discover_poll(struct discover *d, char *hostport, size_t len)
{
	int running = 0, left = 0, rc = -EIO;
	long code = 0;
	CURLMsg *msg;

	if (!d->busy)
		return -EINVAL;
	curl_multi_perform(d->multi, &running);
	if (running)
		return 0;
	msg = curl_multi_info_read(d->multi, &left);
	if (msg && msg->msg == CURLMSG_DONE) {
		curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &code);
		if (msg->data.result == CURLE_OPERATION_TIMEDOUT)
			rc = -ETIMEDOUT;
		else if (msg->data.result != CURLE_OK || d->overflow)
			rc = d->overflow ? -EMSGSIZE : -EHOSTUNREACH;
		else if (code != 200)
			rc = -ECONNREFUSED;
		else
			rc = discover_parse(d->body, hostport, len) < 0 ? -EPROTO : 1;
	}
	discover_cancel(d);
	return rc;
}
