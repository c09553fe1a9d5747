/*
 * discover.h - finding a pool through the getPool REST call
 * (GET <base>/getPool -> {"ip": ..., "port": ..., "success": true}) with the
 * host library's REST client (lib/rest: libcurl on the event loop, paced,
 * a time-out on the request), so the daemon never waits on the network and
 * the answer comes through a callback. The answer is validated before use;
 * nothing here prints.
 */
#ifndef DISCOVER_H
#define DISCOVER_H

#include <stddef.h>
#include "evloop.h"
#include "rest.h"

#define DISCOVER_TIMEOUT_MS 10000

/* rc 0 with hostport "ip:port", or -errno (the request is over either way). */
typedef void discover_done_fn(void *arg, int rc, const char *hostport);

struct discover {
	struct rest_client rest;
	int ready;              /* rest set up for base */
	discover_done_fn *done;
	void *arg;
};

/* Start GET <base_url>/getPool on el; done runs later from the loop
 * (never from inside this call). 0 or -errno. */
int  discover_start(struct discover *d, struct evloop *el, const char *base_url,
		    discover_done_fn *done, void *arg);
/* Stop a request under way (done is not called) and free the client. Safe when idle. */
void discover_cancel(struct discover *d);
/* A request is waiting for its turn or under way. */
int  discover_busy(const struct discover *d);
/* Validate a getPool JSON answer into "ip:port". 0, -EPROTO or -ECONNREFUSED
 * (success false). */
int  discover_parse(const char *json, char *hostport, size_t len);

#endif
