/*
 * http.c - lib/http on libmicrohttpd (see http.h). MHD runs without a
 * thread of its own (MHD_USE_EPOLL without MHD_USE_INTERNAL_POLLING_THREAD):
 * its epoll fd is watched by the loop and MHD_run() is called when it is
 * readable or when MHD's own timeout (idle connections) is due. Assumes
 * libmicrohttpd >= 0.9.71 (enum MHD_Result) built with epoll, as Debian's
 * is, and SIGPIPE ignored by the program (MHD writes to sockets a client
 * may have closed).
 */
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "http_addr.h"
#include "mclock.h"

#define HTTP_IDLE_US (3600 * 1000000LL)

struct http_server {
	struct MHD_Daemon *mhd;
	struct evloop *el;
	long long timer;
	int epoll_fd;
	http_handler_fn *fn;
	void *arg;
	char token[HTTP_MAX_TOKEN + 1];
	size_t token_len;
	char bound[80];
	uint64_t requests, refused;
};

int http_available(void)
{
	return 1;
}

static enum MHD_Result http_send(struct MHD_Connection *conn, unsigned status, const char *type,
				 const char *body, size_t len, int owned, const char *cache)
{
	struct MHD_Response *resp;
	enum MHD_Result rc;

	resp = MHD_create_response_from_buffer(len, (void *)body,
					       owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY);
	if (!resp) {
		if (owned)
			free((void *)body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type ? type : "text/plain; charset=utf-8");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, cache ? cache : "no-store");
	/* The answers are data, never to be guessed into another type. */
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"ducorig\"");
	rc = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return rc;
}

static enum MHD_Result http_refuse(struct http_server *h, struct MHD_Connection *conn,
				   unsigned status, const char *text)
{
	h->refused++;
	return http_send(conn, status, NULL, text, strlen(text), 0, NULL);
}

/* Compare without an early exit, so the time taken says nothing about
 * how much of the token was right. */
static int http_token_is(const struct http_server *h, const char *auth)
{
	size_t n = strlen(auth);
	unsigned diff;

	diff = n != h->token_len;
	for (size_t i = 0; i < h->token_len; i++)
		diff |= (unsigned)(h->token[i] ^ (i < n ? auth[i] : 0));
	return diff == 0;
}

/* "Authorization: Bearer <token>", or the access_token query parameter
 * (RFC 6750 2.3), which a browser can carry in a link to the dashboard. */
static int http_token_ok(const struct http_server *h, struct MHD_Connection *conn)
{
	const char *prefix = "Bearer ", *q;
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	size_t plen = strlen(prefix);

	if (auth && !strncasecmp(auth, prefix, plen))
		return http_token_is(h, auth + plen);
	q = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "access_token");
	return !auth && q && http_token_is(h, q);
}

/* A GET or HEAD that announces a body is not one this server reads. */
static int http_has_body(struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (cl && strcmp(cl, "0")) ||
	       MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

static enum MHD_Result http_handle(void *cls, struct MHD_Connection *conn, const char *url,
				   const char *method, const char *version,
				   const char *upload_data, size_t *upload_data_size,
				   void **con_cls)
{
	struct http_server *h = cls;
	struct http_reply rep = { 0 };
	static const char not_found[] = "not found\n";

	h->requests++;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return http_refuse(h, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (*upload_data_size || http_has_body(conn))
		return http_refuse(h, conn, MHD_HTTP_BAD_REQUEST, "no request body\n");
	if (strlen(url) > HTTP_MAX_PATH)
		return http_refuse(h, conn, MHD_HTTP_URI_TOO_LONG, "path too long\n");
	if (h->token_len && !http_token_ok(h, conn))
		return http_refuse(h, conn, MHD_HTTP_UNAUTHORIZED, "bearer token required\n");
	h->fn(h->arg, url, &rep);
	if (!rep.status)
		rep.status = MHD_HTTP_OK;
	if (!rep.body && rep.status == MHD_HTTP_NOT_FOUND) {
		rep.body = not_found;
		rep.len = sizeof(not_found) - 1;
		rep.owned = 0;
	}
	return http_send(conn, rep.status, rep.type, rep.body ? rep.body : "", rep.body ? rep.len : 0,
			 rep.body ? rep.owned : 0, rep.cache);
}

/* Let MHD work, then wake again when its timeout says so. */
static void http_run(struct http_server *h)
{
	MHD_UNSIGNED_LONG_LONG ms;
	int64_t now = mclock_now_us(NULL), delay = HTTP_IDLE_US;

	MHD_run(h->mhd);
	if (MHD_get_timeout(h->mhd, &ms) == MHD_YES && (int64_t)ms * 1000 < delay)
		delay = (int64_t)ms * 1000;
	evloop_set_timer_at(h->el, h->timer, now + delay);
}

static void http_on_epoll(struct evloop *el, int fd, int mask, void *arg)
{
	http_run(arg);
}

static int64_t http_on_timer(struct evloop *el, long long id, void *arg)
{
	http_run(arg);
	return HTTP_IDLE_US;    /* unless http_run moved it sooner */
}

static int http_listen(const char *addr, char *bound, size_t blen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char host[INET6_ADDRSTRLEN];
	int fd, one = 1, rc;

	rc = http_parse_listen(addr, &ss, &len);
	if (rc < 0)
		return rc;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(bound, blen, "%s:%u", host, (unsigned)ntohs(in->sin_port));
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(bound, blen, "[%s]:%u", host, (unsigned)ntohs(in6->sin6_port));
	}
	return fd;
}

int http_start(struct http_server **out, struct evloop *el, const struct http_opts *o,
	       http_handler_fn *fn, void *arg)
{
	struct http_server *h;
	const union MHD_DaemonInfo *info;
	int fd, rc;

	*out = NULL;
	if (o->token && strlen(o->token) > HTTP_MAX_TOKEN)
		return -EINVAL;
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) != MHD_YES)
		return -ENOTSUP;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	fd = http_listen(o->listen, h->bound, sizeof(h->bound));
	if (fd < 0) {
		free(h);
		return fd;
	}
	h->el = el;
	h->fn = fn;
	h->arg = arg;
	if (o->token) {
		snprintf(h->token, sizeof(h->token), "%s", o->token);
		h->token_len = strlen(h->token);
	}
	h->mhd = MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, http_handle, h,
				  MHD_OPTION_LISTEN_SOCKET, fd,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONN_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_MAX_CONNS,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MAX_REQUEST_BYTES,
				  MHD_OPTION_END);
	if (!h->mhd) {
		close(fd);
		free(h);
		return -EIO;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info) {
		rc = -EIO;
		goto fail;
	}
	h->epoll_fd = info->epoll_fd;
	h->timer = evloop_add_timer(el, 0, http_on_timer, h);
	if (h->timer < 0) {
		rc = (int)h->timer;
		goto fail;
	}
	rc = evloop_add_file(el, h->epoll_fd, EVLOOP_READABLE, http_on_epoll, h);
	if (rc < 0) {
		evloop_del_timer(el, h->timer);
		goto fail;
	}
	*out = h;
	return 0;
fail:
	MHD_stop_daemon(h->mhd);        /* closes the listener it was given */
	free(h);
	return rc;
}

const char *http_bound(const struct http_server *h)
{
	return h ? h->bound : "";
}

uint64_t http_requests(const struct http_server *h)
{
	return h ? h->requests : 0;
}

uint64_t http_refused(const struct http_server *h)
{
	return h ? h->refused : 0;
}

void http_stop(struct http_server *h)
{
	if (!h)
		return;
	evloop_del_file(h->el, h->epoll_fd);
	evloop_del_timer(h->el, h->timer);
	MHD_stop_daemon(h->mhd);
	free(h);
}
