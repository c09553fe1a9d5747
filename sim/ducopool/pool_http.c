/*
 * pool_http.c - the REST handlers of ducopool.
 *
 * Only GET. Every answer is JSON: success as {"result": ..., "success": true,
 * "server": name}, failure as {"message": ..., "success": false}, except
 * /getPool and /mining_key, which have their own flat shapes in the public
 * API. A miner row is listed while its last share is younger than
 * --miner-ttl, like the public API's rows that vanish after about 5 minutes.
 */
#include "pool_http.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mclock.h"

struct pool_http {
	const struct pool_cfg *cfg;
	struct pool_acct *acct;
	struct MHD_Daemon *mhd;
	struct evloop *el;
	long long timer;              /* MHD's own timeout (idle connections) */
	int      epoll_fd;
	uint16_t port;
	char     tcp_host[64];
	uint16_t tcp_port;
	int64_t  now_ms;              /* the loop's clock, for row ages */
};

static enum MHD_Result pool_http_reply(struct MHD_Connection *conn, unsigned status,
				       cJSON *body)
{
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	struct MHD_Response *resp;
	enum MHD_Result rc;

	cJSON_Delete(body);
	if (!text)
		return MHD_NO;
	resp = MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static cJSON *pool_http_fail(const char *message)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "message", message);
	cJSON_AddBoolToObject(o, "success", 0);
	return o;
}

static cJSON *pool_http_ok(const struct pool_http *h, cJSON *result)
{
	cJSON *o = cJSON_CreateObject();

	if (!o || !result) {
		cJSON_Delete(o);
		cJSON_Delete(result);
		return NULL;
	}
	cJSON_AddItemToObject(o, "result", result);
	cJSON_AddBoolToObject(o, "success", 1);
	cJSON_AddStringToObject(o, "server", h->cfg->name);
	return o;
}

static cJSON *pool_http_miners(const struct pool_http *h, const struct pool_user *u)
{
	cJSON *list = cJSON_CreateArray();
	int64_t ttl = (int64_t)(h->cfg->miner_ttl_s * 1000.0);

	for (const struct pool_worker *w = h->acct->workers; list && w; w = w->next) {
		if (w->user != u || !w->last_share_ms || h->now_ms - w->last_share_ms >= ttl)
			continue;
		cJSON_AddItemToArray(list, pool_acct_miner_json(h->acct, w));
	}
	return list;
}

/* Every listed miner, by user: {"<user>": [rows...]} (what ducowatch top-avr reads). */
static cJSON *pool_http_all_miners(const struct pool_http *h)
{
	cJSON *all = cJSON_CreateObject();

	for (const struct pool_user *u = h->acct->users; all && u; u = u->next) {
		cJSON *list = pool_http_miners(h, u);

		if (!list) {
			cJSON_Delete(all);
			return NULL;
		}
		if (cJSON_GetArraySize(list) == 0)
			cJSON_Delete(list);
		else
			cJSON_AddItemToObject(all, u->name, list);
	}
	return all;
}

static cJSON *pool_http_get_pool(const struct pool_http *h)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", h->cfg->name);
	cJSON_AddStringToObject(o, "ip", h->tcp_host);
	cJSON_AddNumberToObject(o, "port", h->tcp_port);
	cJSON_AddStringToObject(o, "server", h->cfg->name);
	cJSON_AddStringToObject(o, "client", "ducopool");
	cJSON_AddBoolToObject(o, "success", 1);
	return o;
}

static cJSON *pool_http_mining_key(const struct pool_http *h, const char *user,
				   const char *key)
{
	cJSON *o;
	int has_key = 0, match = 0;

	if (!user || !*user)
		return pool_http_fail("No username specified");
	for (int i = 0; i < h->cfg->nkeys; i++)
		if (strcmp(h->cfg->keys[i].user, user) == 0) {
			has_key = 1;
			match = key && strcmp(h->cfg->keys[i].key, key) == 0;
		}
	o = cJSON_CreateObject();
	/* Public API: no key set counts as success, a wrong key does not. */
	cJSON_AddBoolToObject(o, "success", !has_key || match);
	cJSON_AddBoolToObject(o, "has_key", has_key);
	return o;
}

/* The answer to one request; the routing and the handlers, without MHD. */
static cJSON *pool_http_route(const struct pool_http *h, const char *method, const char *url,
			      pool_http_arg_fn *arg, void *ctx, unsigned *status)
{
	const struct pool_user *u = NULL;
	const char *name = NULL;
	cJSON *body;

	*status = MHD_HTTP_OK;
	if (strcmp(method, "GET") != 0) {
		*status = MHD_HTTP_METHOD_NOT_ALLOWED;
		return pool_http_fail("Only GET is supported");
	}
	if (strcmp(url, "/getPool") == 0)
		return pool_http_get_pool(h);
	if (strcmp(url, "/mining_key") == 0)
		return pool_http_mining_key(h, arg(ctx, "u"), arg(ctx, "k"));

	if (strcmp(url, "/miners") == 0 || strcmp(url, "/miners/") == 0)
		return pool_http_ok(h, pool_http_all_miners(h));
	if (strncmp(url, "/balances/", 10) == 0)
		name = url + 10;
	else if (strncmp(url, "/miners/", 8) == 0)
		name = url + 8;
	else if (strncmp(url, "/users/", 7) == 0)
		name = url + 7;
	else {
		*status = MHD_HTTP_NOT_FOUND;
		return pool_http_fail("Unknown endpoint");
	}
	if (*name)
		u = pool_acct_user(h->acct, name, 0);
	if (!u)
		return pool_http_fail("User not found");

	if (url[1] == 'b') {
		body = pool_http_ok(h, pool_acct_balance_json(u));
	} else if (url[1] == 'm') {
		body = pool_http_ok(h, pool_http_miners(h, u));
	} else {
		cJSON *r = cJSON_CreateObject();

		if (r) {
			cJSON_AddItemToObject(r, "balance", pool_acct_balance_json(u));
			cJSON_AddItemToObject(r, "miners", pool_http_miners(h, u));
			/* A local pool moves no coins: the list stays empty. */
			cJSON_AddItemToObject(r, "transactions", cJSON_CreateArray());
		}
		body = pool_http_ok(h, r);
	}
	return body;
}

cJSON *pool_http_answer(const struct pool_cfg *cfg, struct pool_acct *acct, const char *tcp_host,
			uint16_t tcp_port, int64_t now_ms, const char *method, const char *url,
			pool_http_arg_fn *arg, void *ctx, unsigned *status)
{
	struct pool_http h = { .cfg = cfg, .acct = acct, .tcp_port = tcp_port, .now_ms = now_ms };

	snprintf(h.tcp_host, sizeof(h.tcp_host), "%s", tcp_host);
	return pool_http_route(&h, method, url, arg, ctx, status);
}

static const char *pool_http_get_arg(void *conn, const char *key)
{
	return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

static enum MHD_Result pool_http_handle(void *cls, struct MHD_Connection *conn,
					const char *url, const char *method,
					const char *version, const char *upload_data,
					size_t *upload_data_size, void **con_cls)
{
	unsigned status;
	cJSON *body = pool_http_route(cls, method, url, pool_http_get_arg, conn, &status);

	return pool_http_reply(conn, status, body);
}

/* Let MHD do its work, then wake again when MHD's timeout says so. */
static void pool_http_run(struct pool_http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;
	int64_t now = mclock_now_us(NULL);

	h->now_ms = now / 1000;
	MHD_run(h->mhd);
	if (MHD_get_timeout(h->mhd, &ms) != MHD_YES)
		ms = 3600 * 1000;       /* no connection to time out */
	if (ms > 3600 * 1000)
		ms = 3600 * 1000;
	evloop_set_timer_at(h->el, h->timer, now + (int64_t)ms * 1000);
}

static void pool_http_on_epoll(struct evloop *el, int fd, int mask, void *arg)
{
	pool_http_run(arg);
}

static int64_t pool_http_on_timer(struct evloop *el, long long id, void *arg)
{
	pool_http_run(arg);
	return 3600 * 1000000LL;       /* unless pool_http_run set it sooner */
}

int pool_http_start(struct pool_http **out, const struct pool_cfg *cfg,
		    struct pool_acct *acct, int listen_fd, const char *tcp_host,
		    uint16_t tcp_port, struct evloop *el)
{
	struct pool_http *h = calloc(1, sizeof(*h));
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int rc;

	if (!h) {
		rc = -ENOMEM;
		goto fail_fd;
	}
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) != MHD_YES) {
		rc = -ENOTSUP;
		goto fail_h;
	}
	h->cfg = cfg;
	h->acct = acct;
	h->tcp_port = tcp_port;
	snprintf(h->tcp_host, sizeof(h->tcp_host), "%s", tcp_host);
	if (getsockname(listen_fd, (struct sockaddr *)&sa, &salen) == 0)
		h->port = ntohs(sa.sin_port);
	h->mhd = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, pool_http_handle, h,
				  MHD_OPTION_LISTEN_SOCKET, listen_fd,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				  MHD_OPTION_END);
	if (!h->mhd) {
		rc = -EIO;
		goto fail_h;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		rc = -EIO;
		goto fail_mhd;
	}
	h->epoll_fd = info->epoll_fd;
	h->el = el;
	h->timer = evloop_add_timer(el, 0, pool_http_on_timer, h);
	if (h->timer < 0) {
		rc = (int)h->timer;
		goto fail_mhd;
	}
	rc = evloop_add_file(el, h->epoll_fd, EVLOOP_READABLE, pool_http_on_epoll, h);
	if (rc < 0) {
		evloop_del_timer(el, h->timer);
		goto fail_mhd;
	}
	*out = h;
	return 0;
fail_mhd:
	MHD_stop_daemon(h->mhd);   /* it owns listen_fd now */
	free(h);
	return rc;
fail_h:
	free(h);
fail_fd:
	close(listen_fd);
	return rc;
}

void pool_http_stop(struct pool_http *h)
{
	if (!h)
		return;
	evloop_del_file(h->el, h->epoll_fd);
	evloop_del_timer(h->el, h->timer);
	MHD_stop_daemon(h->mhd);
	free(h);
}

uint16_t pool_http_port(const struct pool_http *h)
{
	return h->port;
}
