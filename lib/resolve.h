/*
 * resolve.h - host name resolution that never blocks the event loop: c-ares
 * driven by lib/evloop (its sockets are file events, its retries a timer).
 * A numeric address (IPv4, IPv6) is converted at once without a query, so
 * the common configuration never waits for a name server. Answers arrive
 * through a callback from the loop; a request can be cancelled at any time
 * and its callback then never runs. Assumes one thread; returns -errno and
 * never prints.
 */
#ifndef RESOLVE_H
#define RESOLVE_H

#include <sys/socket.h>
#include "evloop.h"

struct resolver;
struct resolve_req;

struct resolve_opts {
	const char *servers;    /* "ip[:port],..." instead of resolv.conf; NULL: system */
	int timeout_ms;         /* per try; 0: RESOLVE_TIMEOUT_MS */
	int tries;              /* 0: RESOLVE_TRIES */
};

/* A name server that does not answer costs at most about 2 x 2 s. */
#define RESOLVE_TIMEOUT_MS 2000
#define RESOLVE_TRIES      2

struct resolve_addr {
	struct sockaddr_storage sa;
	socklen_t len;
};

/*
 * Every address of a name, to try in turn (a name with an IPv6 address on a
 * host without an IPv6 route must still reach its IPv4 one): in the
 * resolver's order, but the families alternating from the first answer's
 * on (as RFC 8305 orders them), so a family that does not work costs one
 * attempt, not one per address of it.
 */
#define RESOLVE_MAX_ADDRS 8
struct resolve_addrs {
	int n;
	struct resolve_addr a[RESOLVE_MAX_ADDRS];
};

/* rc 0 with at least one address, or -errno (-EHOSTUNREACH: no such name,
 * -ETIMEDOUT: no answer, -ECANCELED: the resolver was freed). */
typedef void resolve_fn(void *arg, int rc, const struct resolve_addrs *addrs);

/* NULL opts: the system's configuration. NULL on failure (errno set). */
struct resolver *resolver_new(struct evloop *el, const struct resolve_opts *opts);
/* Pending requests are answered with -ECANCELED (unless cancelled). */
void resolver_free(struct resolver *r);

/*
 * Numeric host, or a name answered at once (the hosts file): fills *now
 * and returns 1 (no callback, *req NULL). Otherwise starts a query, sets
 * *req and returns 0; fn runs later from the loop, exactly once unless
 * cancelled. -errno when the name cannot be resolved at all or the query
 * cannot start. port is numeric.
 */
int  resolve_start(struct resolver *r, const char *host, const char *port,
		   struct resolve_addrs *now, resolve_fn *fn, void *arg,
		   struct resolve_req **req);
/* "1.2.3.4:port" or "[v6]:port", for messages. */
void resolve_addr_text(const struct resolve_addr *a, char *out, size_t n);
/* The callback of req will not run. NULL is allowed. */
void resolve_cancel(struct resolve_req *req);

/* Split "host:port" or "[v6]:port". 0 or -EINVAL / -ENAMETOOLONG. */
int  resolve_split(const char *hostport, char *host, size_t hlen, char *port, size_t plen);

#endif
