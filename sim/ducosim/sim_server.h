/*
 * sim_server.h - ducosim's bus on a Unix stream socket (common/simbus_proto.h).
 *
 * Non-blocking, driven by the shared event loop (lib/evloop.h): the
 * listener and each connection are file events. One request in flight per
 * connection and one
 * transfer on the bus at a time: complete requests are served in arrival
 * order across all connections. TRANSFER requests go on the rig and are
 * answered when the rig finishes them (in real-time mode that is when their
 * bus time has passed); INFO and FAULT are answered at once. Library
 * module: returns -errno, never prints.
 */
#ifndef SIM_SERVER_H
#define SIM_SERVER_H

#include <stdint.h>
#include "evloop.h"
#include "sim_rig.h"

#define SIM_SERVER_MAX_CLIENTS 32

struct sim_server_client {
	int      fd;                    /* -1: free slot */
	uint8_t  buf[SIMBUS_HDR_SIZE + SIMBUS_MAX_DATA];
	uint32_t have;                  /* bytes in buf */
	uint64_t arrival;               /* order of its pending request */
	int      reading;               /* fd is watched for input */
};

struct sim_server {
	struct evloop *el;
	int      lfd;
	char     path[108];
	struct sim_server_client cl[SIM_SERVER_MAX_CLIENTS];
	uint64_t arrivals;
	int      cur;                   /* client whose transfer is on the bus, -1 none */
	int      cur_gone;              /* that client hung up meanwhile */
	struct sim_xfer x;
	uint16_t flags;                 /* reported by INFO (bit 0: fast mode) */
	uint64_t cur_start_ns;          /* when the transfer on the bus began */
	/* optional: called for every finished TRANSFER (ducosim --trace) */
	void   (*on_done)(void *ctx, const struct sim_xfer *x, uint64_t start_ns);
	/* called when a request became complete (the caller dispatches it) */
	void   (*on_request)(void *ctx);
	void    *ctx;
	uint64_t served;
};

/*
 * Listen on path and watch it on el (sv is zeroed first: set the hooks after).
 * A stale socket at path is replaced; -ENOTSOCK if something else is there,
 * -EADDRINUSE if a server listens on it (both left as they are).
 */
int  sim_server_open(struct sim_server *sv, const char *path, struct evloop *el);
void sim_server_close(struct sim_server *sv);
/* A server with no socket of its own (clients come by sim_server_adopt). */
void sim_server_init(struct sim_server *sv, struct evloop *el);
/* Serve a connected non-blocking stream socket as a client (the server owns
 * it from now on). Its slot, or -EMFILE (fd closed) when all are taken. */
int  sim_server_adopt(struct sim_server *sv, int fd);
/* 1 when a complete request waits and the bus is free for it. */
int  sim_server_pending(const struct sim_server *sv);
/*
 * Serve waiting requests in arrival order until one occupies the bus. The
 * caller brings the rig's time up to date first: a transfer starts at the
 * rig's current time.
 */
void sim_server_dispatch(struct sim_server *sv, struct sim_rig *r);
/* The rig finished sv's transfer: answer it and start the next request. */
void sim_server_done(struct sim_server *sv, struct sim_rig *r);

#endif
