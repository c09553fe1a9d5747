/*
 * sim_duco.h - the ducorig I2C protocol v1 spoken over ducosim's rig, for the
 * one-shot mode, the benchmark and the firmware-in-simulator tests.
 *
 * Each helper is one or two real bus transfers on the simulated bus, framed
 * with common/duco_proto.h exactly as the master frames them. Return values:
 * 0, a positive enum simbus_result when the bus said no (address or data
 * NACK, bus error), -EBADMSG for a frame that fails its CRC or length check,
 * -EPROTO when the slave did not accept a frame, or another -errno.
 */
#ifndef SIM_DUCO_H
#define SIM_DUCO_H

#include <stdint.h>
#include "duco_proto.h"
#include "sim_rig.h"

/*
 * One transfer: routed by address (s NULL), or privately to slave s whatever
 * answers addr. 0, the bus's enum simbus_result, or -errno.
 */
int sim_duco_xfer_to(struct sim_rig *r, struct sim_slave *s, uint8_t addr,
		     const uint8_t *w, uint16_t wlen, uint8_t *rd, uint16_t rlen);
int sim_duco_write(struct sim_rig *r, uint8_t addr, const uint8_t *frame, uint16_t n);
int sim_duco_read(struct sim_rig *r, uint8_t addr, uint8_t *buf, uint16_t n);
/* 2-byte checked status read. */
int sim_duco_status(struct sim_rig *r, uint8_t addr, uint8_t *status);
/* Whole read frame with the result body; *status set in any case. */
int sim_duco_result(struct sim_rig *r, uint8_t addr, uint8_t *status,
		    struct duco_result *res);
int sim_duco_identify(struct sim_rig *r, uint8_t addr, struct duco_identity *id);
/* Send a JOB frame and confirm by status that it was accepted. */
int sim_duco_job(struct sim_rig *r, uint8_t addr, const struct duco_job *job);

/* One job through one simulated firmware slave (ducosim's one-shot mode). */
struct sim_oneshot {
	/* in */
	const char *elf, *mcu;
	uint32_t freq, bus_hz;
	struct duco_job job;
	uint32_t poll_us;               /* status poll period while hashing, 0 = none */
	uint8_t  poll_len;              /* bytes per poll: 1 or 2 */
	uint64_t max_cycles;            /* give up after this many cycles of hashing */
	/* out */
	uint8_t  addr;                  /* the address the firmware chose */
	struct duco_result res;
	uint64_t cycles;                /* JOB frame's STOP -> firmware idle again */
	uint64_t polls;                 /* status polls while hashing */
	uint32_t max_stretch;           /* longest SCL stretch, cycles */
	uint8_t  max_stretch_status;    /* TWSR status of the event it followed */
	uint64_t boot_cycles;           /* reset -> TWI slave enabled */
};
int sim_oneshot_run(struct sim_oneshot *o);

#endif
