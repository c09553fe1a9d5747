/*
 * discover.h - finding a pool through the getPool REST call
 * (GET <base>/getPool -> {"ip": ..., "port": ..., "success": true}), with
 * libcurl's multi-socket interface on the event loop, so the daemon never
 * waits on the network: curl's sockets are file events, its time-outs one
 * timer, and the answer comes through a callback. The answer is validated
 * before use; nothing here prints.
 */
#ifndef DISCOVER_H
#define DISCOVER_H

#include <stddef.h>
#include "evloop.h"

#define DISCOVER_TIMEOUT_MS 10000
#define DISCOVER_MAX_SOCKS  4

/* rc 0 with hostport "ip:port", or -errno (the request is over either way). */
typedef void discover_done_fn(void *arg, int rc, const char *hostport);

struct discover {
	struct evloop *el;
	void *multi;            /* CURLM * */
	void *easy;             /* CURL * */
	long long timer;        /* curl's time-out, 0 none */
	int socks[DISCOVER_MAX_SOCKS];  /* fds curl asked to watch, -1 free */
	char body[4096];
	size_t len;
	int overflow;
	int busy;
	discover_done_fn *done;
	void *arg;
};

/* Start GET <base_url>/getPool on el; done runs later from the loop
 * (never from inside this call). 0 or -errno. */
int  discover_start(struct discover *d, struct evloop *el, const char *base_url,
		    discover_done_fn *done, void *arg);
/* Stop a request under way (done is not called). Safe when idle. */
void discover_cancel(struct discover *d);
/* Validate a getPool JSON answer into "ip:port". 0, -EPROTO or -ECONNREFUSED
 * (success false). */
int  discover_parse(const char *json, char *hostport, size_t len);

#endif
