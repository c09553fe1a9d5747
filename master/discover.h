/*
 * discover.h - finding a pool through the getPool REST call
 * (GET <base>/getPool -> {"ip": ..., "port": ..., "success": true}), with
 * libcurl's multi interface so the event loop never waits on the network:
 * the rig starts a request and calls discover_poll() from a short timer.
 * The answer is validated before use; nothing here prints.
 */
#ifndef DISCOVER_H
#define DISCOVER_H

#include <stddef.h>

#define DISCOVER_TIMEOUT_MS 10000

struct discover {
	void *multi;            /* CURLM * */
	void *easy;             /* CURL * */
	char body[4096];
	size_t len;
	int overflow;
	int busy;
};

/* Start GET <base_url>/getPool. 0 or -errno. */
int  discover_start(struct discover *d, const char *base_url);
/* 0: still running; 1: done, hostport filled; -errno: failed (finished). */
int  discover_poll(struct discover *d, char *hostport, size_t len);
void discover_cancel(struct discover *d);
/* Validate a getPool JSON answer into "ip:port". 0, -EPROTO or -ECONNREFUSED
 * (success false). */
int  discover_parse(const char *json, char *hostport, size_t len);

#endif
