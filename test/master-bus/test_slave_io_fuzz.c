/*
 * test_slave_io_fuzz.c - slave_io's frame handling under corrupted transfers.
 *
 * A bus backend defined here drives the firmware's own slave state machine
 * (common/slave.c, built for the host) byte by byte, exactly as the
 * TWI driver does, and corrupts a share of the transfers on the way: bit
 * flips and random bytes in either direction, NACKs, short reads. Thousands
 * of identify / job / result / abort calls then check the property that
 * matters to the pool: whatever slave_io reports as success is exactly what
 * the slave holds (identity, job id, nonce), and a failure is an error code,
 * never a crash or a hang. The job queue (protocol version 2) gets the same:
 * submit / take_result / drop with jobs that end at random moments; no
 * result is reported twice, out of order or with a wrong nonce, and on a
 * clean bus every job's result arrives exactly once. Deterministic (fixed
 * seeds). Prints TAP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "duco_proto.h"
#include "duco_rand.h"
#include "slave.h"
#include "slave_io.h"
#include "../tap.h"

#define FUZZ_ADDR   0x08
#define FUZZ_ROUNDS 3000
#define FUZZ_MAX_WRITE 256

static struct slave fuzz_slave;
static uint32_t fuzz_rng = 12345;
static unsigned fuzz_percent;           /* chance a transfer is damaged */
static uint32_t fuzz_damaged;

static uint32_t fuzz_rand(void)
{
	return duco_rand(&fuzz_rng);
}

/*
 * Version 2: the firmware's main loop with the queue, minus the hashing: it
 * follows each frame's act, and a running job ends at a random transfer
 * (1 in 3) with the known answer start + 7.
 */
static struct { int on, running, has_next; uint8_t gen; uint16_t id, next_id;
		uint32_t start, next_start; } fuzz_q;

static void fuzz_q_take(void)
{
	uint8_t gen;
	const uint8_t *f = slave_frame_take(&fuzz_slave, &gen);

	if (!f)
		return;
	switch (slave_frame_act(&fuzz_slave)) {
	case SLAVE_ACT_START:
		fuzz_q.running = 1;
		fuzz_q.gen = gen;
		fuzz_q.id = duco_get_u16(f + 2);
		fuzz_q.start = duco_get_u32(f + 4);
		fuzz_q.has_next = 0;
		break;
	case SLAVE_ACT_QUEUE:
		fuzz_q.has_next = 1;
		fuzz_q.next_id = duco_get_u16(f + 2);
		fuzz_q.next_start = duco_get_u32(f + 4);
		break;
	case SLAVE_ACT_STOP:
		fuzz_q.running = fuzz_q.has_next = 0;
		break;
	case SLAVE_ACT_PROMOTE:
		fuzz_q.running = 1;
		fuzz_q.gen = gen;
		fuzz_q.id = fuzz_q.next_id;
		fuzz_q.start = fuzz_q.next_start;
		fuzz_q.has_next = 0;
		break;
	case SLAVE_ACT_UNQUEUE:
		fuzz_q.has_next = 0;
		break;
	default:
		break;
	}
	slave_frame_release(&fuzz_slave);
}

static void fuzz_q_main_loop(void)
{
	int rc;

	fuzz_q_take();
	if (!fuzz_q.running || fuzz_rand() % 3)
		return;
	struct duco_result r = { .job_id = fuzz_q.id, .found = 1, .nonce = fuzz_q.start + 7,
				 .elapsed_us = 1000 };
	while ((rc = slave_publish_result(&fuzz_slave, fuzz_q.gen, &r)) == -SLAVE_E_PENDING)
		fuzz_q_take();
	if (rc == SLAVE_PROMOTED) {
		fuzz_q.gen++;
		fuzz_q.id = fuzz_q.next_id;
		fuzz_q.start = fuzz_q.next_start;
		fuzz_q.has_next = 0;
	} else if (rc == SLAVE_OK) {
		fuzz_q.running = 0;
	}
}

/* What the firmware's main loop does with a taken frame, minus the hashing. */
static void fuzz_main_loop(void)
{
	const uint8_t *f;
	uint8_t gen;

	if (fuzz_q.on) {
		fuzz_q_main_loop();
		return;
	}
	f = slave_frame_take(&fuzz_slave, &gen);
	if (f == NULL)
		return;
	if (f[0] == DUCO_CMD_JOB) {
		struct duco_result r = {
			.job_id = duco_get_u16(f + 2),
			.found = 1,
			.nonce = duco_get_u32(f + 4) + 7,       /* a known "answer" */
			.elapsed_us = 1000,
		};
		slave_frame_release(&fuzz_slave);
		slave_publish_result(&fuzz_slave, gen, &r);
		return;
	}
	slave_frame_release(&fuzz_slave);
}

static void fuzz_damage(uint8_t *p, uint16_t n)
{
	if (n == 0)
		return;
	if (fuzz_rand() % 2)
		p[fuzz_rand() % n] ^= (uint8_t)(1u << (fuzz_rand() % 8));
	else
		p[fuzz_rand() % n] = (uint8_t)fuzz_rand();
}

static int fuzz_open(struct bus *b, const char *spec)
{
	(void)spec;
	b->fd = -1;
	return 0;
}

static void fuzz_close(struct bus *b)
{
	(void)b;
}

static int fuzz_xfer(struct bus *b, uint8_t addr, const uint8_t *w, uint16_t wlen,
		     uint8_t *r, uint16_t rlen)
{
	uint8_t wbuf[FUZZ_MAX_WRITE];
	unsigned kind = 0;

	(void)b;
	if (addr != FUZZ_ADDR)
		return -ENXIO;
	if (fuzz_rand() % 100 < fuzz_percent) {
		kind = 1 + fuzz_rand() % 4;
		fuzz_damaged++;
	}
	if (kind == 1)
		return -ENXIO;                  /* address NACK: nothing happened */
	if (wlen > sizeof(wbuf))
		return -EINVAL;
	if (wlen > 0)
		memcpy(wbuf, w, wlen);
	if (kind == 2)
		fuzz_damage(wbuf, wlen);        /* damaged on the way to the slave */
	if (wlen > 0) {
		slave_ev_addr_write(&fuzz_slave);
		for (uint16_t i = 0; i < wlen; i++)
			slave_ev_rx_byte(&fuzz_slave, wbuf[i]);
	}
	if (rlen > 0) {
		r[0] = slave_ev_addr_read(&fuzz_slave);
		for (uint16_t i = 1; i < rlen; i++)
			r[i] = slave_ev_tx_byte(&fuzz_slave);
	}
	slave_ev_stop(&fuzz_slave);
	fuzz_main_loop();
	if (kind == 3)
		fuzz_damage(r, rlen);           /* damaged on the way back */
	if (kind == 4 && rlen > 1)
		return -EREMOTEIO;              /* transfer cut short */
	return 0;
}

static const struct bus_ops fuzz_ops = {
	.name = "fuzz", .open = fuzz_open, .close = fuzz_close, .xfer = fuzz_xfer,
};

/* Simulated time: a call refused for a while (-EAGAIN) is made again at the
 * time it names, and the refusal window runs out in simulated time too. */
static struct mclock fuzz_clock;

#define AGAIN(sio, call) ({                                                    \
	int again_rc_;                                                         \
	while ((again_rc_ = (call)) == -EAGAIN)                                \
		fuzz_clock.fake_us = (sio)->again_at_us;                       \
	again_rc_;                                                             \
})

/*
 * The queue under damage. The host submits jobs with fresh ids and start
 * nonces whenever a slot is free, takes and drops results; each result
 * reported must be of the oldest job submitted and not yet seen (the board
 * runs them in order), with its nonce. A call that fails leaves the board's
 * holdings unknown (a frame may or may not have been executed): the host
 * then ABORTs, which clears both sides, and starts a new epoch.
 */
static void fuzz_queue(unsigned percent, unsigned *ok, unsigned *bad, unsigned *errs,
		       unsigned *odd, unsigned *lost)
{
	struct slave_io s;
	struct duco_identity id = { 0 };
	struct bus bus = { .ops = &fuzz_ops, .fd = -1 };
	uint16_t want[64], next_id = 1;
	uint32_t want_start[64];
	int nwant = 0, rc;

	snprintf(bus.spec, sizeof(bus.spec), "fuzz");
	fuzz_percent = 0;
	slave_io_init(&s, &bus, FUZZ_ADDR);
	s.clock = &fuzz_clock;
	if (AGAIN(&s, slave_io_identify(&s, &id)) != 0 || s.proto != DUCO_PROTO_V2) {
		(*errs)++;
		return;
	}
	fuzz_percent = percent;
	for (int i = 0; i < FUZZ_ROUNDS; i++) {
		struct duco_result res;

		rc = 0;
		if (slave_io_free_slots(&s) > 0 && fuzz_rand() % 2) {
			struct duco_job job = { .job_id = next_id++, .start_nonce = fuzz_rand() % 100000,
						.end_nonce = 200000 };

			rc = AGAIN(&s, slave_io_submit(&s, &job));
			if (rc == 0) {
				want[nwant] = job.job_id;
				want_start[nwant++] = job.start_nonce;
			} else if (rc == -EBUSY || rc == -ENOSPC) {
				rc = 0;
			}
		}
		if (rc == 0) {
			rc = slave_io_take_result(&s, &res);
			if (rc == 0) {
				if (nwant > 0 && res.job_id == want[0] && res.found &&
				    res.nonce == want_start[0] + 7)
					(*ok)++;
				else
					(*bad)++;
				rc = AGAIN(&s, slave_io_drop(&s, res.job_id));
				if (rc == 0 && nwant > 0 && res.job_id == want[0]) {
					memmove(want, want + 1, (size_t)(nwant - 1) * sizeof(want[0]));
					memmove(want_start, want_start + 1,
						(size_t)(nwant - 1) * sizeof(want_start[0]));
					nwant--;
				}
			} else if (rc == -EAGAIN || (rc == -EPROTO && s.nlive == 0)) {
				rc = 0;         /* nothing kept yet (or nothing held) */
			}
		}
		if (rc == 0)
			continue;
		(*errs)++;
		if (rc != -ENXIO && rc != -EREMOTEIO && rc != -EBADMSG && rc != -EPROTO)
			(*odd)++;
		*lost += (unsigned)nwant;
		while (AGAIN(&s, slave_io_abort(&s)) != 0)
			;
		nwant = 0;
	}
}

int main(void)
{
	static const struct duco_identity ident = {
		.proto_version = DUCO_PROTO_VERSION, .fw_version = 0x0102,
		.board_id = DUCO_BOARD_NANO, .f_cpu = 16000000,
		.ducoid = { 1, 2, 3, 4, 5, 6, 7, 8 }, .reset_cause = DUCO_RESET_POWERON,
		.hash_impl = DUCO_HASH_C, .i2c_addr = FUZZ_ADDR,
	};
	struct bus bus = { .ops = &fuzz_ops, .fd = -1 };
	struct slave_io s;
	unsigned id_ok = 0, id_bad = 0, id_err = 0, job_ok = 0, job_bad = 0, job_err = 0;
	unsigned odd_rc = 0;

	snprintf(bus.spec, sizeof(bus.spec), "fuzz");
	slave_init(&fuzz_slave, &ident);
	slave_io_init(&s, &bus, FUZZ_ADDR);
	mclock_fake_init(&fuzz_clock, 1000000);
	s.clock = &fuzz_clock;

	for (fuzz_percent = 0; fuzz_percent <= 40; fuzz_percent += 20) {
		for (int i = 0; i < FUZZ_ROUNDS; i++) {
			struct duco_identity id;
			struct duco_result res;
			struct duco_job job = {
				.job_id = (uint16_t)fuzz_rand(), .start_nonce = fuzz_rand() % 1000,
				.end_nonce = 2000,
			};
			int rc;

			rc = AGAIN(&s, slave_io_identify(&s, &id));
			if (rc == 0) {
				/* counters change as frames get rejected: compare the rest */
				if (id.fw_version == ident.fw_version && id.f_cpu == ident.f_cpu &&
				    memcmp(id.ducoid, ident.ducoid, 8) == 0 &&
				    id.i2c_addr == FUZZ_ADDR && id.board_id == ident.board_id)
					id_ok++;
				else
					id_bad++;
			} else {
				id_err++;
				if (rc != -ENXIO && rc != -EREMOTEIO && rc != -EBADMSG && rc != -EPROTO)
					odd_rc++;
			}
			rc = AGAIN(&s, slave_io_send_job(&s, &job));
			if (rc == 0)
				rc = slave_io_read_result(&s, job.job_id, &res);
			if (rc == 0) {
				if (res.job_id == job.job_id && res.nonce == job.start_nonce + 7 &&
				    res.found == 1)
					job_ok++;
				else
					job_bad++;
			} else {
				job_err++;
				if (rc != -ENXIO && rc != -EREMOTEIO && rc != -EBADMSG && rc != -EPROTO &&
				    rc != -EAGAIN)
					odd_rc++;
			}
			if (fuzz_rand() % 4 == 0)
				AGAIN(&s, slave_io_abort(&s));
		}
		tap_diag("%u%% damaged: identify %u ok / %u wrong / %u errors; job %u ok / %u wrong "
			 "/ %u errors; %u CRC + %u NACK retries", fuzz_percent, id_ok, id_bad, id_err,
			 job_ok, job_bad, job_err, s.st.crc_retries, s.st.nack_retries);
		tap_ok(id_bad == 0 && job_bad == 0,
		       "%u%% of transfers damaged: no wrong identity or result reported as success",
		       fuzz_percent);
		if (fuzz_percent == 0)
			tap_ok(id_err == 0 && job_err == 0 && id_ok == FUZZ_ROUNDS &&
			       job_ok == FUZZ_ROUNDS, "clean bus: every call succeeds");
		else
			tap_ok(id_ok + job_ok > FUZZ_ROUNDS,
			       "%u%% damaged: retries still get most calls through (%u of %u)",
			       fuzz_percent, id_ok + job_ok, 2 * FUZZ_ROUNDS);
		tap_ok(odd_rc == 0, "failures are only the documented error codes (%u others)",
		       odd_rc);
		id_ok = id_bad = id_err = job_ok = job_bad = job_err = odd_rc = 0;
	}
	tap_ok(fuzz_damaged > 1000, "the harness did damage transfers (%u)", fuzz_damaged);

	/* the queue: a fresh slave that speaks version 2 */
	slave_init(&fuzz_slave, &ident);
	fuzz_q.on = 1;
	for (unsigned pct = 0; pct <= 40; pct += 20) {
		unsigned ok = 0, bad = 0, errs = 0, odd = 0, lost = 0;

		fuzz_queue(pct, &ok, &bad, &errs, &odd, &lost);
		tap_diag("queue, %u%% damaged: %u results ok / %u wrong, %u failed calls (%u jobs "
			 "given up with them)", pct, ok, bad, errs, lost);
		tap_ok(bad == 0 && odd == 0,
		       "queue, %u%% damaged: no result twice, out of order or wrong; only the "
		       "documented errors", pct);
		if (pct == 0)
			tap_ok(errs == 0 && ok > FUZZ_ROUNDS / 4,
			       "queue, clean bus: every call succeeds (%u results)", ok);
		else
			tap_ok(ok > FUZZ_ROUNDS / 8, "queue, %u%% damaged: results still come (%u)",
			       pct, ok);
	}
	return tap_done();
}
