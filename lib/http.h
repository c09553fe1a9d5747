/*
 * http.h - a small read-only HTTP server for the host programs, on
 * libmicrohttpd in its external-loop mode: MHD's epoll fd is one file event
 * of lib/evloop and its timeout one timer, so the program stays one thread
 * around one loop and a request is answered from the loop like any other
 * event. Only GET and HEAD are served (405 otherwise); the request line and
 * headers together are bounded (HTTP_MAX_REQUEST_BYTES: MHD answers a
 * bigger one with 414 or 431 itself), the path by HTTP_MAX_PATH (414), the
 * number of connections by HTTP_MAX_CONNS; with a token set, every request
 * must carry "Authorization: Bearer <token>" or, for a link a browser can
 * follow, the query parameter access_token=<token> (401 otherwise). What a path
 * returns is up to the program's handler; its answer is copied or handed
 * over and never kept by the server. The listen address is numeric
 * (IPv4 "a.b.c.d:port" or IPv6 "[addr]:port"); port 0 lets the kernel pick
 * one (tests), http_bound() says which.
 *
 * A build without libmicrohttpd (make HTTP=no, or auto without the package:
 * lib/http_none.c) has the same functions; http_available() is 0 there and
 * http_start() fails with -ENOTSUP, so the caller can say which package is
 * missing. Library code: returns -errno, never prints.
 */
#ifndef HTTP_H
#define HTTP_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include "evloop.h"

/* Request line + headers (MHD's per-connection memory, which holds them). */
#define HTTP_MAX_REQUEST_BYTES 8192
#define HTTP_MAX_PATH          256
#define HTTP_MAX_CONNS         32
/* An idle or trickling connection is closed after this long. */
#define HTTP_CONN_TIMEOUT_S    10
#define HTTP_MAX_TOKEN         128

/*
 * What a bearer token may be, for the server's setting and for a client
 * sending it: visible ASCII without spaces (it goes into a header line),
 * at most HTTP_MAX_TOKEN characters. 0, -EINVAL (a character), -E2BIG.
 */
static inline int http_token_check(const char *token)
{
	const char *p;

	for (p = token; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return -EINVAL;
	return p - token > HTTP_MAX_TOKEN ? -E2BIG : 0;
}

struct http_server;

/* What the handler answers. body is copied unless owned is set, in which
 * case it must come from malloc() and the server frees it. */
struct http_reply {
	unsigned status;                /* 0: 200 */
	const char *type;               /* Content-Type; NULL: text/plain */
	const char *body;
	size_t len;
	int owned;
	const char *cache;              /* Cache-Control; NULL: no-store */
};

/* path: the URL's path without its query string, never longer than
 * HTTP_MAX_PATH. Fill rep; a status of 404 with no body gets a short one. */
typedef void http_handler_fn(void *arg, const char *path, struct http_reply *rep);

struct http_opts {
	const char *listen;     /* "127.0.0.1:9550", "[::1]:0", ... (numeric) */
	const char *token;      /* bearer token required when non-empty */
};

/* 1 when built with libmicrohttpd. */
int  http_available(void);
/* Bind, listen and register with the loop. 0, or -errno (-EINVAL: listen is
 * not a numeric ADDR:PORT, -EADDRINUSE, -ENOTSUP: built without HTTP). */
int  http_start(struct http_server **out, struct evloop *el, const struct http_opts *o,
		http_handler_fn *fn, void *arg);
/* The bound address as ADDR:PORT (the kernel's port when 0 was asked). */
const char *http_bound(const struct http_server *h);
/* Requests answered so far, and those refused with a 4xx by the server
 * itself (method, size, token) rather than by the handler. */
uint64_t http_requests(const struct http_server *h);
uint64_t http_refused(const struct http_server *h);
/* Close every connection and the listener. NULL is allowed. */
void http_stop(struct http_server *h);

/* 1 when listen names a loopback address (127.0.0.0/8, ::1), 0 otherwise,
 * -EINVAL when it is not a numeric ADDR:PORT. */
int  http_is_loopback(const char *listen);

#endif
