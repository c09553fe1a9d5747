/*
 * sim_rig.h - ducosim's simulated I2C bus: the slaves on it, simulated time,
 * the one transfer in flight, and fault injection.
 *
 * The rig owns simulated time (ns since start) and advances every slave in
 * round-robin slices, so many AVRs run in one process in lock-step to within
 * one slice. Transfers are serialised as on a real bus. Faults are kept per
 * address, the way a master sees them (a flipped bit on the wire, a NACKed
 * address, a slave that stops answering, a reset). Library module: returns
 * -errno, never prints.
 */
#ifndef SIM_RIG_H
#define SIM_RIG_H

#include <stdint.h>
#include "sim_slave.h"

#define SIM_RIG_MAX_SLAVES 128

struct sim_fault {
	uint32_t flip;                  /* transfers still to get a flipped bit */
	uint32_t nack;                  /* transfers still to get an address NACK */
	uint8_t  silent;                /* 1: the address does not answer */
	uint64_t silent_until_ns;       /* 0 = until cleared */
	uint32_t flip_ppm;              /* per data byte, parts per million */
	uint8_t  hang;                  /* 1: transfers time out (SCL held) */
	uint64_t hang_until_ns;         /* 0 = until cleared */
};

/* A finished transfer as a slave's recent history keeps it (crash reports). */
#define SIM_RIG_XLOG      4     /* transfers kept per slave */
#define SIM_RIG_XLOG_DATA 8     /* bytes kept per direction */
struct sim_rig_xlog {
	uint64_t start_ns, done_ns;
	uint8_t  addr, result;
	uint16_t wlen, rlen;
	uint8_t  w[SIM_RIG_XLOG_DATA], r[SIM_RIG_XLOG_DATA];
};

struct sim_rig_history {
	struct sim_rig_xlog x[SIM_RIG_XLOG];
	uint8_t head, n;
};

struct sim_rig_stats {
	uint64_t xfers, addr_nacks, data_nacks, bus_errors, timeouts, flips, resets;
};

struct sim_rig {
	struct sim_slave *slave[SIM_RIG_MAX_SLAVES];
	int       count;
	uint32_t  bus_hz;
	uint64_t  now_ns;
	uint64_t  slice_ns;             /* round-robin slice while a transfer runs */
	uint64_t  idle_slice_ns;        /* slice while the bus is idle */
	uint64_t  timeout_ns;           /* SCL held this long beyond a transfer's own
					 * bus time: the adapter gives up (TIMEOUT) */

	struct sim_xfer  *cur;          /* transfer in flight, or NULL */
	struct sim_slave *cur_slave;    /* who answers it (NULL: nobody) */
	uint64_t  cur_start_ns;
	int       cur_flip_read;        /* flip a bit of the read data at the end */
	uint32_t  cur_flip_ppm;         /* and each read byte with this chance */

	struct sim_fault fault[128];
	uint32_t  flip_seq;             /* picks which bit a FLIP_BIT fault hits */
	uint32_t  flip_rng;             /* duco_rand state of FLIP_RATE's draws */
	struct sim_rig_stats st;

	/* each slave's last transfers, and who hears of a crashed chip */
	struct sim_rig_history hist[SIM_RIG_MAX_SLAVES];
	void    (*on_event)(void *ctx, int slave, const struct sim_slave_event *ev);
	void     *event_ctx;
};

void sim_rig_init(struct sim_rig *r, uint32_t bus_hz);
int  sim_rig_add(struct sim_rig *r, struct sim_slave *s);
void sim_rig_destroy(struct sim_rig *r);

/* Put x on the bus now; -EBUSY while another transfer is in flight. */
int  sim_rig_begin(struct sim_rig *r, struct sim_xfer *x);
/*
 * Advance simulated time towards until_ns. Returns 1 as soon as the transfer
 * in flight has finished (time stops there), 0 when until_ns was reached.
 */
int  sim_rig_run(struct sim_rig *r, uint64_t until_ns);
/* begin + run until done (the rig's timeout ends it); 0 or -errno. */
int  sim_rig_xfer(struct sim_rig *r, struct sim_xfer *x);
/*
 * A transfer to one particular slave, whatever its address and the faults:
 * ducosim uses it at start-up to give identical images their addresses.
 */
int  sim_rig_xfer_to(struct sim_rig *r, struct sim_slave *s, struct sim_xfer *x);
/* Slave i's last transfers, oldest first, at most max; returns how many. */
int  sim_rig_history(const struct sim_rig *r, int i, struct sim_rig_xlog *out, int max);
/* One SCL period in ns. */
uint64_t sim_rig_scl_ns(const struct sim_rig *r);

/* Inject a fault at addr (enum simbus_fault); 0, -EINVAL or -ENODEV. */
int  sim_rig_fault(struct sim_rig *r, uint8_t addr, uint8_t kind, uint32_t param);
/* The first slave answering addr now, or NULL. */
struct sim_slave *sim_rig_find(struct sim_rig *r, uint8_t addr);

#endif
