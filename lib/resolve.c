/*
 * resolve.c - c-ares on the shared event loop.
 * Assumes c-ares >= 1.16 (ares_getaddrinfo). c-ares tells through its
 * socket-state callback which sockets to watch and closes them itself after
 * saying "not any more", so every fd it used leaves the loop before it is
 * closed. After each call into c-ares the one timer is set to ares_timeout(),
 * which is how retries and time-outs happen without a wait.
 */
#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "resolve.h"

struct resolver {
	struct evloop *el;
	ares_channel ch;
	long long timer;
};

struct resolve_req {
	resolve_fn *fn;         /* NULL: cancelled */
	void *arg;
	int starting;           /* inside resolve_start: keep the answer here */
	int done, rc;
	struct resolve_addrs addrs;
};

static void resolver_arm(struct resolver *r)
{
	struct timeval tv, *t = ares_timeout(r->ch, NULL, &tv);
	int64_t delay = t ? (int64_t)t->tv_sec * 1000000 + t->tv_usec : 3600 * 1000000LL;

	evloop_set_timer_at(r->el, r->timer, evloop_now_us() + delay);
}

static void resolver_on_file(struct evloop *el, int fd, int mask, void *arg)
{
	struct resolver *r = arg;

	ares_process_fd(r->ch, mask & (EVLOOP_READABLE | EVLOOP_HANGUP) ? fd : ARES_SOCKET_BAD,
			mask & EVLOOP_WRITABLE ? fd : ARES_SOCKET_BAD);
	resolver_arm(r);
}

static int64_t resolver_on_timer(struct evloop *el, long long id, void *arg)
{
	struct resolver *r = arg;

	ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	resolver_arm(r);
	return 3600 * 1000000LL;        /* resolver_arm moved it */
}

static void resolver_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolver *r = data;
	int mask = (readable ? EVLOOP_READABLE : 0) | (writable ? EVLOOP_WRITABLE : 0);

	if (mask)
		evloop_add_file(r->el, fd, mask, resolver_on_file, r);
	else
		evloop_del_file(r->el, fd);
}

struct resolver *resolver_new(struct evloop *el, const struct resolve_opts *opts)
{
	struct resolver *r = calloc(1, sizeof(*r));
	struct ares_options ao = {
		.sock_state_cb = resolver_sock_state,
		.timeout = opts && opts->timeout_ms ? opts->timeout_ms : RESOLVE_TIMEOUT_MS,
		.tries = opts && opts->tries ? opts->tries : RESOLVE_TRIES,
	};

	if (!r)
		return NULL;
	ao.sock_state_cb_data = r;
	r->el = el;
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
		goto fail;
	if (ares_init_options(&r->ch, &ao, ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS |
			      ARES_OPT_TRIES) != ARES_SUCCESS)
		goto fail_lib;
	if (opts && opts->servers &&
	    ares_set_servers_ports_csv(r->ch, opts->servers) != ARES_SUCCESS)
		goto fail_ch;
	r->timer = evloop_add_timer(el, 3600 * 1000000LL, resolver_on_timer, r);
	if (r->timer < 0)
		goto fail_ch;
	return r;
fail_ch:
	ares_destroy(r->ch);
fail_lib:
	ares_library_cleanup();
fail:
	free(r);
	errno = ENOMEM;
	return NULL;
}

void resolver_free(struct resolver *r)
{
	if (!r)
		return;
	ares_destroy(r->ch);            /* answers what is pending: ARES_EDESTRUCTION */
	evloop_del_timer(r->el, r->timer);
	ares_library_cleanup();
	free(r);
}

static int resolver_errno(int status)
{
	switch (status) {
	case ARES_SUCCESS:      return 0;
	case ARES_ETIMEOUT:     return -ETIMEDOUT;
	case ARES_EDESTRUCTION:
	case ARES_ECANCELLED:   return -ECANCELED;
	case ARES_ENOMEM:       return -ENOMEM;
	default:                return -EHOSTUNREACH;
	}
}

/*
 * The answer's addresses into out, families alternating: the first
 * answer's family, then the other's first, and so on; when one runs out,
 * the rest of the other in order.
 */
static void resolver_take(const struct ares_addrinfo *res, struct resolve_addrs *out)
{
	const struct ares_addrinfo_node *next[2] = { NULL, NULL };
	int first = -1;

	out->n = 0;
	for (const struct ares_addrinfo_node *n = res ? res->nodes : NULL; n; n = n->ai_next) {
		int f = n->ai_family == AF_INET6;

		if (n->ai_family != AF_INET && n->ai_family != AF_INET6)
			continue;
		if (!next[f])
			next[f] = n;
		if (first < 0)
			first = f;
	}
	for (int turn = first; first >= 0 && out->n < RESOLVE_MAX_ADDRS && (next[0] || next[1]);
	     turn = !turn) {
		const struct ares_addrinfo_node *n = next[turn];
		int fam = turn ? AF_INET6 : AF_INET;

		if (!n)
			continue;
		if (n->ai_addrlen <= sizeof(out->a[0].sa)) {
			memcpy(&out->a[out->n].sa, n->ai_addr, n->ai_addrlen);
			out->a[out->n++].len = n->ai_addrlen;
		}
		for (n = n->ai_next; n && n->ai_family != fam; n = n->ai_next)
			;
		next[turn] = n;
	}
}

static void resolver_answer(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct resolve_req *q = arg;
	struct resolve_addrs a = { .n = 0 };
	int rc = resolver_errno(status);

	if (!rc) {
		resolver_take(res, &a);
		rc = a.n ? 0 : -EHOSTUNREACH;
	}
	if (res)
		ares_freeaddrinfo(res);
	if (q->starting) {
		q->done = 1;
		q->rc = rc;
		q->addrs = a;
		return;
	}
	if (q->fn)
		q->fn(q->arg, rc, rc ? NULL : &a);
	free(q);
}

void resolve_addr_text(const struct resolve_addr *a, char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN] = "?";
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)&a->sa;
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a->sa;

	if (a->sa.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &v6->sin6_addr, ip, sizeof(ip));
		snprintf(out, n, "[%s]:%u", ip, ntohs(v6->sin6_port));
	} else {
		inet_ntop(AF_INET, &v4->sin_addr, ip, sizeof(ip));
		snprintf(out, n, "%s:%u", ip, ntohs(v4->sin_port));
	}
}

/* 1 and *list filled (one address) if host is a numeric IPv4 or IPv6 address. */
static int resolve_numeric(const char *host, unsigned port, struct resolve_addrs *list)
{
	struct resolve_addr *out = &list->a[0];
	struct sockaddr_in *v4 = (struct sockaddr_in *)&out->sa;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&out->sa;

	memset(list, 0, sizeof(*list));
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		out->len = sizeof(*v4);
		list->n = 1;
		return 1;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		out->len = sizeof(*v6);
		list->n = 1;
		return 1;
	}
	return 0;
}

int resolve_start(struct resolver *r, const char *host, const char *port,
		  struct resolve_addrs *now, resolve_fn *fn, void *arg,
		  struct resolve_req **req)
{
	struct ares_addrinfo_hints hints = {
		/* ENVHOSTS: a CARES_HOSTS file in the environment stands in for
		 * /etc/hosts (names for a test pool without root; the tests) */
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = ARES_AI_NUMERICSERV | ARES_AI_ENVHOSTS,
	};
	struct resolve_req *q;
	char *end;
	unsigned long p = strtoul(port, &end, 10);

	*req = NULL;
	if (!*host || !*port || *end || p == 0 || p > 65535)
		return -EINVAL;
	if (resolve_numeric(host, (unsigned)p, now))
		return 1;
	if (!r)
		return -EHOSTUNREACH;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->fn = fn;
	q->arg = arg;
	q->starting = 1;
	ares_getaddrinfo(r->ch, host, port, &hints, resolver_answer, q);
	q->starting = 0;
	if (q->done) {
		/* Answered at once (the hosts file, or a name that cannot be). */
		int rc = q->rc;

		*now = q->addrs;
		free(q);
		return rc < 0 ? rc : 1;
	}
	*req = q;
	resolver_arm(r);
	return 0;
}

void resolve_cancel(struct resolve_req *req)
{
	if (req)
		req->fn = NULL;
}

int resolve_split(const char *hostport, char *host, size_t hlen, char *port, size_t plen)
{
	const char *colon = strrchr(hostport, ':');
	size_t n;

	if (!colon || colon == hostport || !colon[1])
		return -EINVAL;
	n = (size_t)(colon - hostport);
	/* [v6addr]:port */
	if (hostport[0] == '[' && hostport[n - 1] == ']') {
		hostport++;
		n -= 2;
	}
	if (n >= hlen || strlen(colon + 1) >= plen)
		return -ENAMETOOLONG;
	memcpy(host, hostport, n);
	host[n] = '\0';
	memcpy(port, colon + 1, strlen(colon + 1) + 1);
	return 0;
}
