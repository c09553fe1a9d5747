/*
 * slave_io.h - the master's side of the ducorig I2C protocol (common/duco_proto.h).
 *
 * Each call is one or a few synchronous bus transactions through struct bus
 * (lib/bus.h), with the frame encoding, CRC checks and bounded retries on
 * CRC errors and NACKs done here, so the state machine above only sees
 * "worked" or a negative error. Nothing here prints, sleeps or spins: a few
 * retries are immediate (a bus transaction is a few ms) and counted in struct
 * slave_io_stats; a wait for the slave is handed back to the caller as
 * -EAGAIN with the time to call again (again_at_us, on the struct mclock
 * given to slave_io_init's caller through s->clock).
 *
 * Return values: 0 or a positive count on success; negative on failure:
 *   -errno from the bus (-ENXIO no slave, -EREMOTEIO data NACK, -EIO, ...),
 *   -EBADMSG  CRC or frame error after all retries,
 *   -EPROTO   the slave answered but not as the protocol says (wrong
 *             protocol version, job id mismatch, REJECT bit set),
 *   -EAGAIN   slave_io_read_result: the slave is still BUSY, poll on.
 *             The commands (identify, send_job, abort, clear_errors): the
 *             slave refused the frame because its main loop had not taken
 *             the previous one yet (REJECT, at most a nonce time); make the
 *             same call again at s->again_at_us. After SLAVE_IO_REJECT_WINDOW_US
 *             of refusals the call fails with -EBADMSG instead.
 *             slave_io_set_addr: under way, call again at s->again_at_us.
 */
#ifndef SLAVE_IO_H
#define SLAVE_IO_H

#include <stdint.h>
#include "bus.h"
#include "duco_proto.h"
#include "mclock.h"

#define SLAVE_IO_RETRIES 3      /* extra attempts after a CRC error or NACK */
/* A REJECT can mean "main loop busy for one nonce": keep asking this long. */
#define SLAVE_IO_REJECT_WINDOW_US (30 * 1000)
#define SLAVE_IO_REJECT_RETRY_US  1000
/* SET_ADDR: EEPROM write (~3.4 ms per byte) before the slave answers anew. */
#define SLAVE_IO_SETADDR_WINDOW_US (300 * 1000)
#define SLAVE_IO_SETADDR_POLL_US   2000

struct slave_io_stats {
	uint32_t xfers;         /* bus transactions issued */
	uint32_t crc_retries;   /* retried because a CRC did not match */
	uint32_t nack_retries;  /* retried because of a NACK */
	uint32_t failures;      /* calls that failed after all retries */
	uint32_t polls;         /* status polls */
};

struct slave_io {
	struct bus *bus;
	const struct mclock *clock;     /* NULL: the real monotonic clock */
	uint8_t addr;
	uint8_t last_status;    /* last status byte seen */
	uint8_t seq;            /* accepted-frame counter the slave last reported */
	uint8_t seq_valid;      /* seq is known (added after v1; 0 after init/reset) */
	int64_t again_at_us;    /* after -EAGAIN: when to make the call again */
	/* the refusals of one command (cmd byte), for SLAVE_IO_REJECT_WINDOW_US */
	int64_t reject_since_us;        /* 0: none */
	uint8_t reject_cmd;
	/* slave_io_set_addr under way (phase 0: none) */
	uint8_t setaddr_phase, setaddr_to, setaddr_base, setaddr_tries;
	int64_t setaddr_t0;
	struct slave_io_stats st;
};

void slave_io_init(struct slave_io *s, struct bus *bus, uint8_t addr);
/* Microseconds from now until s->again_at_us (0 if that has passed). */
int64_t slave_io_again_in_us(const struct slave_io *s);

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
/*
 * SET_ADDR, then confirm with IDENTIFY at the new address; updates s->addr.
 * In steps: -EAGAIN while the slave writes its EEPROM; call again with the
 * same new_addr at s->again_at_us until it returns 0 or another error.
 */
int slave_io_set_addr(struct slave_io *s, uint8_t new_addr);
/* Watchdog reset of the slave (it is gone for a few hundred ms). */
int slave_io_reset(struct slave_io *s);

/*
 * Probe addresses first..last with a 1-byte status read; fills found[] with
 * the addresses that answered, returns how many (<= max).
 */
int slave_io_scan(struct bus *bus, uint8_t first, uint8_t last, uint8_t *found, int max);

#endif
