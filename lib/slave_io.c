/*
 * slave_io.c - the master's side of the ducorig I2C protocol (slave_io.h).
 *
 * Every command goes out as ONE combined transaction: the write frame, a
 * repeated START, then a read of the status (or of the whole identity
 * frame). The slave acts on a frame at the repeated START (docs/
 * i2c-protocol.md), so that read already tells whether the frame was
 * accepted: REJECT clear and the accepted-frame counter one past the value
 * seen before. When the answer is damaged or missing, the frame is not sent
 * again blindly: the status is read first, because a frame that did arrive
 * must not be executed twice. A slave rejects a second frame that comes
 * before its main loop took the first (at most one nonce time, a few ms), so
 * rejected frames are retried a few times at once and then, within a short
 * time window, by the caller at the time -EAGAIN names. Assumes the caller
 * serialises calls on one bus; nothing here prints, sleeps or spins, and
 * time is read only through s->clock.
 */
#include <errno.h>
#include <string.h>

#include "slave_io.h"
#include "duco_crc8.h"

/* Scan: an address that NACKs is probed once more before it counts as empty. */
#define SLAVE_IO_SCAN_TRIES        2

static int64_t slave_io_now_us(const struct slave_io *s)
{
	return mclock_now_us(s->clock);
}

int64_t slave_io_again_in_us(const struct slave_io *s)
{
	int64_t d = s->again_at_us - slave_io_now_us(s);

	return d > 0 ? d : 0;
}

/* Hand a wait back to the caller: call again after delay_us. */
static int slave_io_again(struct slave_io *s, int64_t now, int64_t delay_us)
{
	s->again_at_us = now + delay_us;
	return -EAGAIN;
}

static int slave_io_is_nack(int rc)
{
	return rc == -ENXIO || rc == -EREMOTEIO;
}

/* A failing public call is counted once, whatever its retries did. */
static int slave_io_done(struct slave_io *s, int rc)
{
	if (rc < 0 && rc != -EAGAIN)
		s->st.failures++;
	return rc;
}

static int slave_io_xfer(struct slave_io *s, const uint8_t *w, uint8_t wlen,
			 uint8_t *r, uint8_t rlen)
{
	s->st.xfers++;
	return bus_xfer(s->bus, s->addr, w, wlen, r, rlen);
}

void slave_io_init(struct slave_io *s, struct bus *bus, uint8_t addr)
{
	*s = (struct slave_io){
		.bus = bus, .addr = addr, .last_status = 0, .seq = 0, .seq_valid = 0,
	};
}

/* The command is settled (accepted or failed): its refusal window closes. */
static int slave_io_settled(struct slave_io *s, int rc)
{
	s->reject_since_us = 0;
	return rc;
}

/*
 * Read n (>= 2) bytes of the read frame with NACK and CRC retries; the
 * status CRC is always checked, the whole frame when full is set.
 */
static int slave_io_read(struct slave_io *s, uint8_t *r, uint8_t n, int full)
{
	int tries, rc = -EIO;

	for (tries = 0; tries <= SLAVE_IO_RETRIES; tries++) {
		if (tries > 0) {
			if (slave_io_is_nack(rc))
				s->st.nack_retries++;
			else
				s->st.crc_retries++;
		}
		rc = slave_io_xfer(s, NULL, 0, r, n);
		if (slave_io_is_nack(rc))
			continue;
		if (rc < 0)
			return rc;
		if (duco_read_check(r, full ? n : 2) != DUCO_OK) {
			rc = -EBADMSG;
			continue;
		}
		s->last_status = r[0];
		s->seq = DUCO_STATUS_SEQ(r[0]);
		s->seq_valid = 1;
		return 0;
	}
	return rc;
}

/*
 * Send frame w[0..wlen-1] and read rlen (>= 2) bytes back in the same
 * transaction, retrying until the slave confirms it accepted the frame
 * exactly once. On success r holds a checked read (whole frame if
 * full) taken after acceptance; returns the status byte. Still refused
 * after the immediate retries: -EAGAIN while the refusal window is open.
 */
static int slave_io_command(struct slave_io *s, const uint8_t *w, uint8_t wlen,
			    uint8_t *r, uint8_t rlen, int full)
{
	int64_t now = slave_io_now_us(s);
	int tries = 0, send = 1, sent, rejected = 0, rc;
	uint8_t base, want, seq, status;

	if (s->reject_since_us && s->reject_cmd != w[0])
		s->reject_since_us = 0;         /* another command: a window of its own */
	if (!s->seq_valid) {
		rc = slave_io_read(s, r, 2, 0);
		if (rc < 0)
			return slave_io_settled(s, rc);
	}
	base = s->seq;
	want = (uint8_t)((base + 1) & 0x0f);

	for (;;) {
		if (tries > SLAVE_IO_RETRIES) {
			if (!rejected)
				return slave_io_settled(s, rc);
			if (!s->reject_since_us) {
				s->reject_since_us = now;
				s->reject_cmd = w[0];
			} else if (now - s->reject_since_us >= SLAVE_IO_REJECT_WINDOW_US) {
				return slave_io_settled(s, rc);
			}
			return slave_io_again(s, now, SLAVE_IO_REJECT_RETRY_US);
		}
		tries++;
		rejected = 0;
		sent = send;
		rc = send ? slave_io_xfer(s, w, wlen, r, rlen)
			  : slave_io_xfer(s, NULL, 0, r, rlen);
		if (slave_io_is_nack(rc)) {
			/* Did the frame get in before the NACK? Look before resending. */
			s->st.nack_retries++;
			send = 0;
			continue;
		}
		if (rc < 0)
			return slave_io_settled(s, rc);
		if (duco_read_check(r, full ? rlen : 2) != DUCO_OK) {
			s->st.crc_retries++;
			rc = -EBADMSG;
			send = 0;
			continue;
		}
		status = r[0];
		seq = DUCO_STATUS_SEQ(status);
		s->last_status = status;
		if (seq == want && !(status & DUCO_STATUS_REJECT)) {
			s->seq = seq;
			s->seq_valid = 1;
			return slave_io_settled(s, status);
		}
		if (seq != base) {
			/*
			 * Our idea of the counter is stale: the slave rebooted, or
			 * another program (ducoctl) sent it frames. REJECT clear right
			 * after our own frame means the slave accepted it; otherwise
			 * resynchronise and send again.
			 */
			s->seq = seq;
			s->seq_valid = 1;
			if (sent && !(status & DUCO_STATUS_REJECT))
				return slave_io_settled(s, status);
			base = seq;
			want = (uint8_t)((base + 1) & 0x0f);
		}
		/* Not accepted: damaged on the way (REJECT) or never arrived. */
		if (status & DUCO_STATUS_REJECT) {
			s->st.crc_retries++;
			rejected = 1;
		} else if (sent) {
			s->st.nack_retries++;   /* went to no one, or to another address */
		}
		rc = -EBADMSG;
		send = 1;
	}
}

static int slave_io_simple(struct slave_io *s, uint8_t cmd)
{
	uint8_t w[DUCO_MAX_WRITE_FRAME], r[2];
	uint8_t n = duco_encode_simple(w, cmd);
	int rc = slave_io_command(s, w, n, r, sizeof(r), 0);

	return slave_io_done(s, rc < 0 ? rc : 0);
}

int slave_io_identify(struct slave_io *s, struct duco_identity *id)
{
	uint8_t w[DUCO_MAX_WRITE_FRAME], r[DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY)];
	uint8_t n = duco_encode_simple(w, DUCO_CMD_IDENTIFY);
	int rc;

	rc = slave_io_command(s, w, n, r, sizeof(r), 1);
	if (rc < 0)
		return slave_io_done(s, rc);
	if (duco_decode_identity(r, sizeof(r), id) != DUCO_OK)
		return slave_io_done(s, -EPROTO);
	if (id->proto_version < DUCO_PROTO_V1 || id->proto_version > DUCO_PROTO_VERSION)
		return slave_io_done(s, -EPROTO);
	s->proto = id->proto_version;
	s->fw_version = id->fw_version;
	return 0;
}

int slave_io_has_health(const struct slave_io *s)
{
	return s->proto >= DUCO_PROTO_V2 && s->fw_version >= DUCO_HEALTH_FW_MIN;
}

int slave_io_health(struct slave_io *s, struct duco_health *h)
{
	uint8_t w[DUCO_MAX_WRITE_FRAME], r[DUCO_READ_FRAME_SIZE(DUCO_HEALTH_BODY)];
	int64_t now = slave_io_now_us(s);
	int rc;

	if (!slave_io_has_health(s))
		return -EOPNOTSUPP;
	if (s->health_phase == 0) {
		rc = slave_io_command(s, w, duco_encode_simple(w, DUCO_CMD_HEALTH), r, 2, 0);
		if (rc < 0)
			return slave_io_done(s, rc);
		s->health_phase = 1;
		s->health_seq = s->seq;
		s->health_t0 = now;
		/* the main loop answers between two nonces: look again shortly */
		return slave_io_again(s, now, SLAVE_IO_HEALTH_POLL_US);
	}
	rc = slave_io_read(s, r, sizeof(r), 1);
	if (rc < 0) {
		s->health_phase = 0;
		return slave_io_done(s, rc);
	}
	if (s->seq != s->health_seq) {          /* another frame: the view is gone */
		s->health_phase = 0;
		return slave_io_again(s, now, 0);
	}
	if (r[2] == DUCO_HEALTH_BODY && !duco_state_has_result(DUCO_STATUS_STATE(r[0]))) {
		rc = duco_decode_health(r, sizeof(r), h);
		if (rc == DUCO_OK || rc == -DUCO_E_ARG) {
			/* impossible values under a good CRC: no reading */
			s->health_phase = 0;
			return rc ? slave_io_done(s, -EPROTO) : 0;
		}
	}
	if (now - s->health_t0 >= SLAVE_IO_HEALTH_WINDOW_US) {
		s->health_phase = 0;
		/* the board offers a kept result before its health for as long
		 * as it keeps it: say so rather than that the bus is slow */
		return slave_io_done(s, duco_state_has_result(DUCO_STATUS_STATE(r[0])) ?
					-EBUSY : -ETIMEDOUT);
	}
	return slave_io_again(s, now, SLAVE_IO_HEALTH_POLL_US);
}

int slave_io_send_job(struct slave_io *s, const struct duco_job *job)
{
	uint8_t w[DUCO_MAX_WRITE_FRAME], r[2];
	uint8_t n;
	int rc;

	if (job->start_nonce > job->end_nonce)
		return slave_io_done(s, -EINVAL);
	n = duco_encode_job(w, job);
	rc = slave_io_command(s, w, n, r, sizeof(r), 0);
	if (rc < 0)
		return slave_io_done(s, rc);
	/* JOB clears the board: only this job lives now (even if its status
	 * below is wrong: the frame was accepted). */
	s->live[0] = job->job_id;
	s->nlive = 1;
	/* A tiny job may already be DONE; anything else means it did not start. */
	if (DUCO_STATUS_STATE(rc) != DUCO_ST_BUSY && DUCO_STATUS_STATE(rc) != DUCO_ST_DONE)
		return slave_io_done(s, -EPROTO);
	return 0;
}

int slave_io_poll(struct slave_io *s, int checked)
{
	uint8_t r[2];
	int tries, rc = -EIO;

	s->st.polls++;
	if (checked) {
		rc = slave_io_read(s, r, 2, 0);
		return slave_io_done(s, rc < 0 ? rc : r[0]);
	}
	for (tries = 0; tries <= SLAVE_IO_RETRIES; tries++) {
		if (tries > 0)
			s->st.nack_retries++;
		rc = slave_io_xfer(s, NULL, 0, r, 1);
		if (rc == 0) {
			s->last_status = r[0];
			return r[0];
		}
		if (!slave_io_is_nack(rc))
			break;
	}
	return slave_io_done(s, rc);
}

int slave_io_read_result(struct slave_io *s, uint16_t job_id, struct duco_result *res)
{
	uint8_t r[DUCO_READ_FRAME_SIZE(DUCO_RESULT_BODY)];
	int rc;

	/* A shorter frame (BUSY: empty body) still checks: padding follows it. */
	rc = slave_io_read(s, r, sizeof(r), 1);
	if (rc < 0)
		return slave_io_done(s, rc);
	if (!duco_state_has_result(DUCO_STATUS_STATE(r[0])))
		return slave_io_done(s, duco_state_hashing(DUCO_STATUS_STATE(r[0])) ? -EAGAIN : -EPROTO);
	/* DONE: the body must be a result (not the identity) and intact. */
	rc = -EBADMSG;
	for (int tries = 0; tries <= SLAVE_IO_RETRIES; tries++) {
		if (tries > 0) {
			s->st.crc_retries++;
			rc = slave_io_read(s, r, sizeof(r), 1);
			if (rc < 0)
				return slave_io_done(s, rc);
		}
		rc = duco_decode_result(r, sizeof(r), res);
		if (rc == -DUCO_E_CRC) {
			rc = -EBADMSG;
			continue;
		}
		if (rc != DUCO_OK)
			return slave_io_done(s, -EPROTO);
		if (res->job_id != job_id)
			return slave_io_done(s, -EPROTO);
		return 0;
	}
	return slave_io_done(s, rc);
}

int slave_io_abort(struct slave_io *s)
{
	int rc = slave_io_simple(s, DUCO_CMD_ABORT);

	if (rc == 0)
		s->nlive = 0;
	return rc;
}

/* --- job queue ------------------------------------------------------------ */

int slave_io_slots(const struct slave_io *s)
{
	return s->proto >= DUCO_PROTO_V2 ? DUCO_SLOTS : 1;
}

int slave_io_free_slots(const struct slave_io *s)
{
	return slave_io_slots(s) - s->nlive;
}

void slave_io_forget(struct slave_io *s)
{
	s->nlive = 0;
	s->health_phase = 0;
}

/* Index of job_id in s->live, or -1. */
static int slave_io_live_at(const struct slave_io *s, uint16_t job_id)
{
	for (int i = 0; i < s->nlive; i++)
		if (s->live[i] == job_id)
			return i;
	return -1;
}

static void slave_io_unlive(struct slave_io *s, int at)
{
	for (int i = at; i + 1 < s->nlive; i++)
		s->live[i] = s->live[i + 1];
	s->nlive--;
}

int slave_io_submit(struct slave_io *s, const struct duco_job *job)
{
	uint8_t w[DUCO_MAX_WRITE_FRAME], r[2];
	int rc;

	if (job->start_nonce > job->end_nonce)
		return slave_io_done(s, -EINVAL);
	if (slave_io_live_at(s, job->job_id) >= 0)
		return slave_io_done(s, -EEXIST);
	if (slave_io_free_slots(s) <= 0)
		return -ENOSPC;         /* the caller's to wait for: not a failure */
	if (s->proto < DUCO_PROTO_V2)
		return slave_io_send_job(s, job);
	/*
	 * A QUEUE while a job waits would replace it. The last status may be
	 * old, but only this side queues jobs: "nothing queued" stays true,
	 * "queued" is looked at again.
	 */
	if (duco_state_queued(DUCO_STATUS_STATE(s->last_status))) {
		rc = slave_io_read(s, r, 2, 0);
		if (rc < 0)
			return slave_io_done(s, rc);
		if (duco_state_queued(DUCO_STATUS_STATE(r[0])))
			return -EBUSY;
	}
	rc = slave_io_command(s, w, duco_encode_queue(w, job), r, sizeof(r), 0);
	if (rc < 0)
		return slave_io_done(s, rc);
	s->live[s->nlive++] = job->job_id;
	/* accepted, so it runs or waits (or, tiny, is done already) */
	if (DUCO_STATUS_STATE(rc) == DUCO_ST_IDLE || DUCO_STATUS_STATE(rc) == DUCO_ST_ERROR)
		return slave_io_done(s, -EPROTO);
	return 0;
}

int slave_io_take_result(struct slave_io *s, struct duco_result *res)
{
	uint8_t r[DUCO_READ_FRAME_SIZE(DUCO_RESULT_BODY)];
	int rc = -EBADMSG, st;

	for (int tries = 0; tries <= SLAVE_IO_RETRIES; tries++) {
		if (tries > 0)
			s->st.crc_retries++;
		rc = slave_io_read(s, r, sizeof(r), 0);
		if (rc < 0)
			return slave_io_done(s, rc);
		st = DUCO_STATUS_STATE(r[0]);
		if (!duco_state_has_result(st))
			return slave_io_done(s, duco_state_hashing(st) ? -EAGAIN : -EPROTO);
		rc = duco_decode_result(r, sizeof(r), res);
		if (rc == -DUCO_E_CRC) {
			rc = -EBADMSG;
			continue;
		}
		if (rc != DUCO_OK || slave_io_live_at(s, res->job_id) < 0)
			return slave_io_done(s, -EPROTO);
		return 0;
	}
	return slave_io_done(s, rc);
}

int slave_io_drop(struct slave_io *s, uint16_t job_id)
{
	uint8_t w[DUCO_MAX_WRITE_FRAME], r[2];
	int at = slave_io_live_at(s, job_id), rc = 0;

	if (at < 0)
		return 0;
	if (s->proto >= DUCO_PROTO_V2)
		rc = slave_io_command(s, w, duco_encode_drop(w, job_id), r, sizeof(r), 0);
	else    /* version 1 holds this one job, running or done: ABORT clears
		 * it, so the board shows IDLE afterwards as a version-2 one does */
		rc = slave_io_simple(s, DUCO_CMD_ABORT);
	if (rc < 0)
		return slave_io_done(s, rc);
	slave_io_unlive(s, at);
	return 0;
}

int slave_io_clear_errors(struct slave_io *s)
{
	return slave_io_simple(s, DUCO_CMD_CLEAR_ERR);
}

/*
 * SET_ADDR and RESET act in the slave's main loop, possibly before the read
 * half of a combined transaction (the slave would then NACK it or vanish
 * mid-transfer), so they go out as plain writes and are confirmed after.
 * Returns 0 when the write went through, -errno when NACKed throughout.
 */
static int slave_io_write_frame(struct slave_io *s, const uint8_t *w, uint8_t wlen)
{
	int tries, rc = -EIO;

	for (tries = 0; tries <= SLAVE_IO_RETRIES; tries++) {
		if (tries > 0)
			s->st.nack_retries++;
		rc = slave_io_xfer(s, w, wlen, NULL, 0);
		if (!slave_io_is_nack(rc))
			return rc;
	}
	return rc;
}

/* 1 when the slave is still at its old address and refused the last frame. */
static int slave_io_refused(struct slave_io *s, uint8_t base)
{
	uint8_t r[2];

	if (slave_io_xfer(s, NULL, 0, r, 2) < 0 || duco_read_check(r, 2) != DUCO_OK)
		return 0;
	s->last_status = r[0];
	return DUCO_STATUS_SEQ(r[0]) == base && (r[0] & DUCO_STATUS_REJECT);
}

enum {
	SLAVE_IO_SETADDR_IDLE = 0,
	SLAVE_IO_SETADDR_SEND,          /* the SET_ADDR frame goes out next */
	SLAVE_IO_SETADDR_CONFIRM,       /* IDENTIFY at the new address until it answers */
};

/* Give up (or finish) a set_addr under way. */
static int slave_io_setaddr_end(struct slave_io *s, int rc)
{
	s->setaddr_phase = SLAVE_IO_SETADDR_IDLE;
	return slave_io_done(s, rc);
}

/* One IDENTIFY at the new address; its bus work is counted on s. */
static int slave_io_setaddr_confirm(struct slave_io *s, struct duco_identity *id)
{
	struct slave_io moved;
	int rc;

	slave_io_init(&moved, s->bus, s->setaddr_to);
	moved.clock = s->clock;
	rc = slave_io_identify(&moved, id);
	s->st.xfers += moved.st.xfers;
	s->st.crc_retries += moved.st.crc_retries;
	s->st.nack_retries += moved.st.nack_retries;
	if (rc == 0 && id->i2c_addr == s->setaddr_to) {
		s->addr = s->setaddr_to;
		s->seq = moved.seq;
		s->seq_valid = moved.seq_valid;
		s->last_status = moved.last_status;
	}
	return rc;
}

int slave_io_set_addr(struct slave_io *s, uint8_t new_addr)
{
	uint8_t w[DUCO_MAX_WRITE_FRAME], r[2];
	struct duco_identity id;
	int64_t now = slave_io_now_us(s);
	int rc;

	if (new_addr < DUCO_ADDR_MIN || new_addr > DUCO_ADDR_MAX)
		return slave_io_done(s, -EINVAL);
	if (s->setaddr_phase == SLAVE_IO_SETADDR_IDLE || s->setaddr_to != new_addr) {
		rc = slave_io_read(s, r, 2, 0);
		if (rc < 0)
			return slave_io_setaddr_end(s, rc);
		s->setaddr_to = new_addr;
		s->setaddr_base = s->seq;
		s->setaddr_tries = 0;
		s->setaddr_phase = SLAVE_IO_SETADDR_SEND;
	}
	if (s->setaddr_phase == SLAVE_IO_SETADDR_SEND) {
		rc = slave_io_write_frame(s, w, duco_encode_set_addr(w, new_addr));
		if (rc < 0)
			return slave_io_setaddr_end(s, rc);
		/* The main loop writes EEPROM (a few ms), then answers at new_addr. */
		s->setaddr_t0 = now;
		s->setaddr_phase = SLAVE_IO_SETADDR_CONFIRM;
		return slave_io_again(s, now, SLAVE_IO_SETADDR_POLL_US);
	}
	rc = slave_io_setaddr_confirm(s, &id);
	if (rc == 0)
		return slave_io_setaddr_end(s, id.i2c_addr == new_addr ? 0 : -EPROTO);
	if ((slave_io_is_nack(rc) || rc == -EAGAIN) &&
	    now - s->setaddr_t0 < SLAVE_IO_SETADDR_WINDOW_US)
		return slave_io_again(s, now, SLAVE_IO_SETADDR_POLL_US);
	if (!slave_io_is_nack(rc) || !slave_io_refused(s, s->setaddr_base) ||
	    ++s->setaddr_tries > SLAVE_IO_RETRIES)
		return slave_io_setaddr_end(s, rc);
	/* The frame arrived damaged: the slave stayed put. Send it again. */
	s->st.crc_retries++;
	s->setaddr_phase = SLAVE_IO_SETADDR_SEND;
	return slave_io_again(s, now, 0);
}

int slave_io_reset(struct slave_io *s)
{
	uint8_t w[DUCO_MAX_WRITE_FRAME], r[2];
	uint8_t n = duco_encode_reset(w);
	uint8_t base;
	int rc, tries;

	rc = slave_io_read(s, r, 2, 0);
	if (rc < 0)
		return slave_io_done(s, rc);
	base = s->seq;
	/* The slave reboots with its counter at 0, holding no job. */
	s->seq_valid = 0;
	s->nlive = 0;
	for (tries = 0; tries <= SLAVE_IO_RETRIES; tries++) {
		if (tries > 0)
			s->st.crc_retries++;
		rc = slave_io_write_frame(s, w, n);
		if (rc < 0)
			return slave_io_done(s, rc);
		/* Gone, rebooted or accepted all mean the reset is under way. */
		if (!slave_io_refused(s, base))
			return 0;
	}
	return slave_io_done(s, -EBADMSG);
}

int slave_io_scan(struct bus *bus, uint8_t first, uint8_t last, uint8_t *found, int max)
{
	uint8_t r[1];
	int nfound = 0, tries, rc;

	if (first < DUCO_ADDR_MIN)
		first = DUCO_ADDR_MIN;
	if (last > DUCO_ADDR_MAX)
		last = DUCO_ADDR_MAX;
	for (unsigned a = first; a <= last; a++) {
		for (tries = 0; tries < SLAVE_IO_SCAN_TRIES; tries++) {
			rc = bus_xfer(bus, (uint8_t)a, NULL, 0, r, 1);
			if (rc == 0 || (!slave_io_is_nack(rc) && rc != -EIO && rc != -ETIMEDOUT))
				break;
		}
		if (rc == 0) {
			if (nfound < max)
				found[nfound] = (uint8_t)a;
			nfound++;
		} else if (!slave_io_is_nack(rc) && rc != -EIO && rc != -ETIMEDOUT) {
			return rc;      /* the bus itself failed, not one address */
		}
	}
	return nfound < max ? nfound : max;
}
