/*
 * pool_tcp.h - ducopool's mining side: the listening socket and one
 * lock-step state machine per connection, driven by the shared event loop
 * (lib/evloop.h): the listener and every connection are file events, and
 * one timer runs at the earliest connection deadline. Injected delays and
 * idle timeouts are per-connection deadlines, never sleeps, so one slow
 * client cannot hold up the others. Assumes non-blocking sockets.
 */
#ifndef POOL_TCP_H
#define POOL_TCP_H

#include <stdint.h>

#include "evloop.h"
#include "pool_acct.h"
#include "pool_cfg.h"
#include "pool_rng.h"

struct pool_tcp;

/* Watches listen_fd (bound, listening) on el; takes ownership of it on
 * success. NULL when out of memory or the loop refuses the fd. */
struct pool_tcp *pool_tcp_new(const struct pool_cfg *cfg, struct pool_acct *acct,
			      struct pool_rng *rng, int listen_fd, struct evloop *el);
void    pool_tcp_free(struct pool_tcp *t);
/* The TCP port actually bound. */
uint16_t pool_tcp_port(const struct pool_tcp *t);
/*
 * Serve a connected non-blocking stream socket as if the listener had
 * accepted it from ip:port (the pool owns fd from now on): for tests and
 * the fuzz harness, which feed a socketpair. 0 or -ENOMEM (fd closed).
 */
int      pool_tcp_adopt(struct pool_tcp *t, int fd, const char *ip, uint16_t port);

#endif
