/*
 * slave_io.h - the master's side of the ducorig I2C protocol (common/duco_proto.h).
 *
 * Each call is one or a few synchronous bus transactions through struct bus
 * (lib/bus.h), with the frame encoding, CRC checks and bounded retries on
 * CRC errors and NACKs done here, so the state machine above only sees
 * "worked" or a negative error. Nothing here prints or sleeps; retries are
 * immediate (a bus transaction is a few ms) and counted in struct slave_io_stats.
 *
 * Return values: 0 or a positive count on success; negative on failure:
 *   -errno from the bus (-ENXIO no slave, -EREMOTEIO data NACK, -EIO, ...),
 *   -EBADMSG  CRC or frame error after all retries,
 *   -EPROTO   the slave answered but not as the protocol says (wrong
 *             protocol version, job id mismatch, REJECT bit set),
 *   -EAGAIN   (slave_io_read_result only) the slave is still BUSY: poll on.
 */
#ifndef SLAVE_IO_H
#define SLAVE_IO_H

#include <stdint.h>
#include "bus.h"
#include "duco_proto.h"

#define SLAVE_IO_RETRIES 3      /* extra attempts after a CRC error or NACK */

struct slave_io_stats {
	uint32_t xfers;         /* bus transactions issued */
	uint32_t crc_retries;   /* retried because a CRC did not match */
	uint32_t nack_retries;  /* retried because of a NACK */
	uint32_t failures;      /* calls that failed after all retries */
	uint32_t polls;         /* status polls */
};

struct slave_io {
	struct bus *bus;
	uint8_t addr;
	uint8_t last_status;    /* last status byte seen */
	uint8_t seq;            /* accepted-frame counter the slave last reported */
	uint8_t seq_valid;      /* seq is known (added after v1; 0 after init/reset) */
	struct slave_io_stats st;
};

void slave_io_init(struct slave_io *s, struct bus *bus, uint8_t addr);

/* IDENTIFY + read the identity frame; checks the protocol version. */
int slave_io_identify(struct slave_io *s, struct duco_identity *id);

/* Send a JOB frame and confirm (status read) that the slave accepted it. */
int slave_io_send_job(struct slave_io *s, const struct duco_job *job);

/*
 * Status poll. checked = 0: 1-byte read (cheapest, unchecked); checked = 1:
 * 2-byte read with CRC. Returns the status byte (>= 0) or a negative error.
 */
int slave_io_poll(struct slave_io *s, int checked);

/* Read the result frame (state DONE); checks CRC and job id. */
int slave_io_read_result(struct slave_io *s, uint16_t job_id, struct duco_result *r);

int slave_io_abort(struct slave_io *s);
int slave_io_clear_errors(struct slave_io *s);
/* SET_ADDR, then confirm with IDENTIFY at the new address; updates s->addr. */
int slave_io_set_addr(struct slave_io *s, uint8_t new_addr);
/* Watchdog reset of the slave (it is gone for a few hundred ms). */
int slave_io_reset(struct slave_io *s);

/*
 * Probe addresses first..last with a 1-byte status read; fills found[] with
 * the addresses that answered, returns how many (<= max).
 */
int slave_io_scan(struct bus *bus, uint8_t first, uint8_t last, uint8_t *found, int max);

#endif
