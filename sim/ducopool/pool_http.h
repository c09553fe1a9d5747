/*
 * pool_http.h - ducopool's REST side (libmicrohttpd), answered from the live
 * accounting: /getPool, /balances/<user>, /miners/<user>, /users/<user>,
 * /mining_key?u=&k=. Same envelopes and field names as the public API.
 *
 * MHD runs in external-epoll mode on the shared event loop (no thread of
 * its own): its epoll fd is a file event and its timeout a timer, so
 * handlers read pool_acct without locks. Returns -errno; never prints.
 */
#ifndef POOL_HTTP_H
#define POOL_HTTP_H

#include <stdint.h>

#include "evloop.h"
#include "pool_acct.h"
#include "pool_cfg.h"

struct pool_http;

/* Takes ownership of listen_fd (bound, listening) and serves it on el.
 * tcp_host/port: what /getPool answers. */
int      pool_http_start(struct pool_http **out, const struct pool_cfg *cfg,
			 struct pool_acct *acct, int listen_fd,
			 const char *tcp_host, uint16_t tcp_port, struct evloop *el);
void     pool_http_stop(struct pool_http *h);
/*
 * What the HTTP side answers to one request (method, url without the query,
 * arg(ctx, key) a query argument or NULL): the JSON body (the caller
 * cJSON_Delete()s it; NULL when out of memory) and the HTTP status. The
 * handlers without the server, for the fuzz harness.
 */
struct cJSON;
typedef const char *pool_http_arg_fn(void *ctx, const char *key);
struct cJSON *pool_http_answer(const struct pool_cfg *cfg, struct pool_acct *acct,
			       const char *tcp_host, uint16_t tcp_port, int64_t now_ms,
			       const char *method, const char *url, pool_http_arg_fn *arg,
			       void *ctx, unsigned *status);
uint16_t pool_http_port(const struct pool_http *h);

#endif
