/*
 * discover.c - getPool over the host library's REST client and cJSON.
 * Assumes curl_global_init() was called once at start-up (main.c). The
 * server's answer is untrusted: the address must be a plain host name or IP
 * and the port 1..65535 before the rig connects anywhere.
 */
#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "discover.h"

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

/* The answer: judge it and tell the caller. */
static void discover_answer(void *arg, const struct rest_answer *a)
{
	struct discover *d = arg;
	char hostport[300] = "";
	int rc;

	if (a->rc == -ETIMEDOUT)
		rc = -ETIMEDOUT;
	else if (a->rc)
		rc = a->rc == -EMSGSIZE ? -EMSGSIZE : -EHOSTUNREACH;
	else if (a->status != 200)
		rc = -ECONNREFUSED;
	else
		rc = discover_parse(a->body, hostport, sizeof(hostport)) < 0 ? -EPROTO : 0;
	if (d->done)
		d->done(d->arg, rc, rc ? NULL : hostport);
}

int discover_start(struct discover *d, struct evloop *el, const char *base_url,
		   discover_done_fn *done, void *arg)
{
	int rc;

	discover_cancel(d);
	/* Discovery keeps its own pacing (a retry is 15 s away anyway). */
	rc = rest_init(&d->rest, el, NULL, base_url, REST_INTERVAL_MIN_US, DISCOVER_TIMEOUT_MS);
	if (rc < 0)
		return rc;
	d->ready = 1;
	d->done = done;
	d->arg = arg;
	rc = rest_get(&d->rest, "/getPool", discover_answer, d);
	if (rc < 0)
		discover_cancel(d);
	return rc;
}

void discover_cancel(struct discover *d)
{
	if (d->ready)
		rest_free(&d->rest);
	d->ready = 0;
}

int discover_busy(const struct discover *d)
{
	return d->ready && rest_busy(&d->rest);
}
