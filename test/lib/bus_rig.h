/*
 * bus_rig.h - a struct bus whose slaves are ducosim's, in this process: a
 * test fixture.
 *
 * The bus ops run an in-process sim_rig (sim/ducosim/sim_rig.c) holding
 * host model slaves (sim_model.c, i.e. common/slave.c, the firmware's own
 * protocol code), so a test drives lib/ and master/ code against the same
 * slave the simulator serves, with the rig's faults (NACK, silent, flip,
 * reset), instead of an imitation written for the test. Simulated time
 * follows an mclock (fake or real): before each transfer the rig runs up to
 * the clock, then the transfer takes its bus time, which the clock does not
 * see (keep the bus fast for fake-clock tests). One fault the rig has no
 * kind for is added here: lie_nonce makes every result read back carry
 * nonce + 1, re-encoded with common/duco_proto.c, as from a slave that
 * hashes wrongly. Assumes one thread; never prints.
 */
#ifndef BUS_RIG_H
#define BUS_RIG_H

#include <stdint.h>

#include "bus.h"
#include "mclock.h"
#include "sim_rig.h"

struct bus_rig {
	struct sim_rig rig;
	const struct mclock *clock;
	int      lie_nonce;     /* 1: results read back say nonce + 1 */
	unsigned job_frames;    /* JOB and QUEUE frames written to the bus */
};

/* An empty rig at bus_hz behind b (b->ops, b->priv, b->spec "rig"). */
void bus_rig_init(struct bus *b, struct bus_rig *br, const struct mclock *clock,
		  uint32_t bus_hz);
/* A model slave at addr hashing at hashrate H/s; 0 or -errno. */
int  bus_rig_add_model(struct bus_rig *br, uint8_t addr, double hashrate);
/* Inject enum simbus_fault kind at addr, as ducosim's FAULT request does. */
int  bus_rig_fault(struct bus_rig *br, uint8_t addr, uint8_t kind, uint32_t param);
void bus_rig_destroy(struct bus_rig *br);

#endif
