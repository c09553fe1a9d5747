/*
 * sim_slave.h - what ducosim's bus needs from one simulated slave.
 *
 * ducosim's rig holds two kinds of slave on one I2C bus: real firmware
 * images running in simavr (sim_avr.c) and host model slaves running the
 * portable slave state machine (sim_model.c). Both sit behind this ops
 * table, so the bus, the fault injection and the socket server never care
 * which kind answers. Time is the rig's simulated time in nanoseconds; a
 * slave converts it to its own clock. One transfer is in flight on the bus at
 * a time (the rig serialises them), and a slave is only ever driven from the
 * rig's one thread.
 */
#ifndef SIM_SLAVE_H
#define SIM_SLAVE_H

#include <stdint.h>
#include "simbus_proto.h"

/* One I2C transfer as the bus master issues it (simbus TRANSFER op). */
struct sim_xfer {
	uint8_t  addr;                  /* 7-bit address */
	uint8_t  flags;                 /* SIMBUS_XF_* */
	uint16_t wlen, rlen;            /* RECV_LEN: the slave adds the count to rlen */
	uint8_t  w[SIMBUS_MAX_DATA];
	uint8_t  r[SIMBUS_MAX_DATA];
	/* filled in by the slave (or the rig for an unanswered address) */
	uint8_t  result;                /* enum simbus_result */
	uint16_t wacked;                /* write bytes ACKed */
	uint8_t  done;                  /* 1 once result and r[] are final */
	uint64_t done_ns;               /* bus time when the STOP ended it */
};

struct sim_slave;

/* What a slave's chip did on its own that the rig reports (poll_event). */
enum sim_slave_event_kind {
	SIM_SLAVE_CRASHED = 1,  /* the simulator stopped the core: the program
				 * counter left the flash, or a bad memory access */
	SIM_SLAVE_STOPPED,      /* the core stopped itself (SLEEP, interrupts off) */
};

struct sim_slave_event {
	uint8_t  kind;                  /* enum sim_slave_event_kind */
	uint8_t  restarted;             /* 1: it runs on from address 0 */
	uint32_t pc;                    /* byte address where it stopped */
	uint16_t sp;                    /* stack pointer then */
	uint64_t cycle;                 /* its cycle count then */
	char     why[128];              /* what the simulator said, if anything */
	/* the instructions before it, oldest first (only with a crash trace) */
	uint16_t ntrace;
	const uint32_t *trace_pc;       /* byte addresses */
	const uint16_t *trace_sp;
};

struct sim_slave_ops {
	const char *kind;               /* "avr", "model" */
	/* 1 when the slave would ACK addr right now */
	int  (*matches)(struct sim_slave *s, uint8_t addr);
	/* start x on the bus at time now_ns; the slave completes it while it runs */
	void (*begin)(struct sim_slave *s, struct sim_xfer *x, uint64_t now_ns);
	/* run the slave up to time t_ns */
	void (*advance)(struct sim_slave *s, uint64_t t_ns);
	/* hardware reset (external reset pin) */
	void (*reset)(struct sim_slave *s);
	/* give up on the transfer in flight (bus timeout); the slave forgets it */
	void (*abort)(struct sim_slave *s);
	/* optional: 1 and *ev filled when the chip crashed or stopped since the
	 * last call (valid until the next call) */
	int  (*poll_event)(struct sim_slave *s, struct sim_slave_event *ev);
	void (*destroy)(struct sim_slave *s);
};

struct sim_slave {
	const struct sim_slave_ops *ops;
	char     name[32];              /* for the log: "avr0", "model3" */
	uint32_t freq;                  /* Hz of the slave's clock */
	uint32_t bus_hz;                /* SCL frequency */
	void    *priv;
};

/* Nanoseconds <-> cycles of a clock of freq Hz, without overflow. */
static inline uint64_t sim_ns_to_cycles(uint64_t ns, uint32_t freq)
{
	return (uint64_t)(((unsigned __int128)ns * freq) / 1000000000u);
}
static inline uint64_t sim_cycles_to_ns(uint64_t cycles, uint32_t freq)
{
	return (uint64_t)(((unsigned __int128)cycles * 1000000000u + freq - 1) / freq);
}

#endif
