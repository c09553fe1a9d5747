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
 *   -ENOSPC, -EBUSY, -EEXIST  slave_io_submit (below).
 *
 * Protocol version 2 (docs/i2c-protocol.md): the board holds up to
 * DUCO_SLOTS jobs: one running, one queued, the rest kept results, each
 * tagged with its job id until the master drops it. slave_io keeps the ids
 * the board holds (s->live, in the order they were submitted, which is the
 * order they run and finish in) from its own frames, which is exact: only
 * the master's frames change that set. The master's loop with v2:
 *   slave_io_submit(job)        while slave_io_free_slots() > 0 (and the
 *                               queue is free: -EBUSY otherwise)
 *   slave_io_poll()             duco_state_has_result(state): a result waits
 *   slave_io_take_result(&r)    the oldest kept result (r.job_id says whose)
 *   slave_io_drop(r.job_id)     acknowledged: its slot is free again
 * slave_io_drop also cancels a queued job or stops a running one (then the
 * queued one starts). The same calls drive a version-1 board (s->proto 1,
 * or no IDENTIFY yet) with one slot: submit sends JOB, drop sends ABORT
 * (which clears the job, running or done, so the board shows IDLE after a
 * drop on either version). After the board rebooted (its identity
 * shows a new reset, or the sequence counter jumped), call slave_io_forget.
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
	/* protocol version 2 (from slave_io_identify; 0 before: driven as v1) */
	uint8_t proto;
	uint16_t fw_version;            /* from slave_io_identify (0 before) */
	/* slave_io_health under way (phase 0: none) */
	uint8_t health_phase, health_seq;
	int64_t health_t0;
	uint8_t nlive;                  /* ids in live[] */
	uint16_t live[DUCO_SLOTS];      /* job ids the board holds, oldest first */
	struct slave_io_stats st;
};

void slave_io_init(struct slave_io *s, struct bus *bus, uint8_t addr);
/* Microseconds from now until s->again_at_us (0 if that has passed). */
int64_t slave_io_again_in_us(const struct slave_io *s);

/* IDENTIFY + read the identity frame; checks the protocol version (1 or 2)
 * and records it in s->proto. */
int slave_io_identify(struct slave_io *s, struct duco_identity *id);

/* Send a JOB frame and confirm (status read) that the slave accepted it.
 * JOB clears everything the board held: afterwards only job->job_id lives. */
int slave_io_send_job(struct slave_io *s, const struct duco_job *job);

/*
 * Status poll. checked = 0: 1-byte read (cheapest, unchecked); checked = 1:
 * 2-byte read with CRC. Returns the status byte (>= 0) or a negative error.
 */
int slave_io_poll(struct slave_io *s, int checked);

/* Read the result frame (a state with a result); checks CRC and job id. */
int slave_io_read_result(struct slave_io *s, uint16_t job_id, struct duco_result *r);

/* ABORT: nothing runs, is queued or kept (either version). */
int slave_io_abort(struct slave_io *s);
int slave_io_clear_errors(struct slave_io *s);
/*
 * SET_ADDR, then confirm with IDENTIFY at the new address; updates s->addr.
 * In steps: -EAGAIN while the slave writes its EEPROM; call again with the
 * same new_addr at s->again_at_us until it returns 0 or another error.
 */
int slave_io_set_addr(struct slave_io *s, uint8_t new_addr);
/*
 * The board's health answer (docs/i2c-protocol.md HEALTH): sends HEALTH,
 * then reads the body its main loop puts up, in steps: -EAGAIN while that
 * is not there yet (or a kept result is offered first: take it and call
 * again), call again at s->again_at_us; -ETIMEDOUT when it did not come
 * within SLAVE_IO_HEALTH_WINDOW_US, -EBUSY when a kept result was still
 * offered in its place at the end (take and drop it first), -EPROTO for a
 * body with values no firmware sends (duco_decode_health); -EOPNOTSUPP
 * for a board without HEALTH (protocol 1, firmware before
 * DUCO_HEALTH_FW_MIN, or no IDENTIFY yet).
 * Any other frame sent meanwhile ends the health view: the next call starts
 * over. Nothing is measured on request: the readings are the board's latest.
 */
#define SLAVE_IO_HEALTH_POLL_US   2000
#define SLAVE_IO_HEALTH_WINDOW_US (200 * 1000)
int slave_io_health(struct slave_io *s, struct duco_health *h);
/* 1 when the board answers HEALTH (by its identity). */
int slave_io_has_health(const struct slave_io *s);
/* Watchdog reset of the slave (it is gone for a few hundred ms). */
int slave_io_reset(struct slave_io *s);

/* --- job queue (protocol version 2, with a version-1 fallback) ------------ */

/* Jobs the board holds at once: DUCO_SLOTS for version 2, else 1. */
int slave_io_slots(const struct slave_io *s);
/* Slots not held by a live job (submit may be called that many times). */
int slave_io_free_slots(const struct slave_io *s);
/*
 * Give the board a job tagged with job->job_id: it runs at once when none
 * runs, else it waits as the queued job and starts the instant the running
 * one ends. 0 when the board accepted it (the id is live from then on).
 * -ENOSPC: every slot is held (take and drop a result first); -EBUSY: a job
 * is queued already (this call looked with one status read; poll later);
 * -EEXIST: the id is live; -EINVAL: bad nonce range; or as the commands.
 * Version 1: JOB, only with no live id (-ENOSPC otherwise).
 */
int slave_io_submit(struct slave_io *s, const struct duco_job *job);
/*
 * Read the oldest kept result, whichever job it belongs to (r->job_id, one
 * of the live ids); it stays kept until slave_io_drop. -EAGAIN: none kept
 * yet, a job is hashing; -EPROTO: none kept and nothing hashing, or the
 * result is of an id the board should not hold.
 */
int slave_io_take_result(struct slave_io *s, struct duco_result *r);
/*
 * Forget job job_id on the board: its kept result (the acknowledgement
 * that frees its slot), its place in the queue, or its run (the queued job
 * starts then). An id that is not live is a no-op (0, nothing sent).
 */
int slave_io_drop(struct slave_io *s, uint16_t job_id);
/* The board lost everything (it rebooted): no id is live any more. */
void slave_io_forget(struct slave_io *s);

/*
 * Probe addresses first..last with a 1-byte status read; fills found[] with
 * the addresses that answered, returns how many (<= max).
 */
int slave_io_scan(struct bus *bus, uint8_t first, uint8_t last, uint8_t *found, int max);

#endif
