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
 * never a crash or a hang. Deterministic (fixed seed). Prints TAP.
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

/* What the firmware's main loop does with a taken frame, minus the hashing. */
static void fuzz_main_loop(void)
{
	const uint8_t *f;
	uint8_t gen;

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
	return tap_done();
}
