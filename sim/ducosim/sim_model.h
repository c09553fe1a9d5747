/*
 * sim_model.h - a host model slave on ducosim's bus: the firmware's portable
 * slave state machine (common/slave.c) compiled for the host, with
 * DUCO-S1 hashing done on the host and paced to a configured hashrate.
 *
 * It lets a rig of 50-112 slaves run in one process for scale tests of the
 * master, next to (or instead of) real firmware images. The protocol side is
 * the firmware's own code; only the TWI driver and the hashing core are
 * replaced. Byte timing on the bus follows the bus clock; the model answers
 * every event at once (it never stretches SCL).
 */
#ifndef SIM_MODEL_H
#define SIM_MODEL_H

#include <stdint.h>
#include "sim_slave.h"

int sim_model_create(struct sim_slave **out, uint8_t addr, double hashrate,
		     uint32_t bus_hz, uint32_t index, const char *name);
/* Speak protocol version (DUCO_PROTO_V1 or _V2, the default); reboots it. */
void sim_model_set_proto(struct sim_slave *s, uint8_t version);

#endif
