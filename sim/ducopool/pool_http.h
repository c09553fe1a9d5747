/*
 * pool_http.h - ducopool's REST side (libmicrohttpd), answered from the live
 * accounting: /getPool, /balances/<user>, /miners/<user>, /users/<user>,
 * /mining_key?u=&k=. Same envelopes and field names as the public API.
 *
 * MHD runs in external-epoll mode inside the caller's poll loop (no thread
 * of its own), so handlers read pool_acct without locks. The caller polls
 * pool_http_fd for POLLIN and calls pool_http_run when it is readable or
 * pool_http_timeout has passed. Returns -errno; never prints.
 */
#ifndef POOL_HTTP_H
#define POOL_HTTP_H

#include <stdint.h>

#include "pool_acct.h"
#include "pool_cfg.h"

struct pool_http;

/* Takes ownership of listen_fd (bound, listening). tcp_host/port: /getPool. */
int      pool_http_start(struct pool_http **out, const struct pool_cfg *cfg,
			 struct pool_acct *acct, int listen_fd,
			 const char *tcp_host, uint16_t tcp_port);
void     pool_http_stop(struct pool_http *h);
int      pool_http_fd(const struct pool_http *h);
/* Milliseconds MHD may wait, or -1 for no limit. */
int64_t  pool_http_timeout(const struct pool_http *h);
void     pool_http_run(struct pool_http *h, int64_t now_ms);
uint16_t pool_http_port(const struct pool_http *h);

#endif
