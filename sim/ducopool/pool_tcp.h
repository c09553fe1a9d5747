/*
 * pool_tcp.h - ducopool's mining side: the listening socket and one
 * lock-step state machine per connection, driven by the caller's poll loop.
 *
 * The caller asks for pollfds (pool_tcp_prepare), polls them together with
 * its own fds, hands the results back (pool_tcp_dispatch) and sleeps no
 * longer than pool_tcp_deadline. Injected delays and idle timeouts are
 * per-connection deadlines, never sleeps, so one slow client cannot hold up
 * the others. Assumes non-blocking sockets and a monotonic ms clock.
 */
#ifndef POOL_TCP_H
#define POOL_TCP_H

#include <poll.h>
#include <stdint.h>

#include "pool_acct.h"
#include "pool_cfg.h"
#include "pool_rng.h"

struct pool_tcp;

/* Takes ownership of listen_fd (already bound and listening). */
struct pool_tcp *pool_tcp_new(const struct pool_cfg *cfg, struct pool_acct *acct,
			      struct pool_rng *rng, int listen_fd, int64_t now_ms);
void    pool_tcp_free(struct pool_tcp *t);
/* How many pollfds the next prepare may fill. */
int     pool_tcp_poll_count(const struct pool_tcp *t);
/* Fill pfd[0..] (listen socket first, then connections); returns the count. */
int     pool_tcp_prepare(struct pool_tcp *t, struct pollfd *pfd, int cap);
/* Handle the revents of the fds prepare filled, then every due deadline. */
void    pool_tcp_dispatch(struct pool_tcp *t, const struct pollfd *pfd, int n,
			  int64_t now_ms);
/* Earliest connection deadline, INT64_MAX when there is none. */
int64_t pool_tcp_deadline(const struct pool_tcp *t);
/* The TCP port actually bound. */
uint16_t pool_tcp_port(const struct pool_tcp *t);

#endif
