/*
 * http_none.c - lib/http in a build without libmicrohttpd (make HTTP=no, or
 * HTTP=auto where pkg-config finds no libmicrohttpd, as on a Pi without
 * libmicrohttpd-dev): the same functions, no server. The caller tells the
 * user which package the feature needs.
 */
#include <errno.h>
#include "http.h"

int http_available(void)
{
	return 0;
}

int http_start(struct http_server **out, struct evloop *el, const struct http_opts *o,
	       http_handler_fn *fn, void *arg)
{
	*out = NULL;
	return -ENOTSUP;
}

const char *http_bound(const struct http_server *h)
{
	return "";
}

uint64_t http_requests(const struct http_server *h)
{
	return 0;
}

uint64_t http_refused(const struct http_server *h)
{
	return 0;
}

void http_stop(struct http_server *h)
{
}
