/*
 * test_slave_io_steps.c - slave_io never spins: a frame the slave refuses
 * because its main loop has not taken the previous one comes back as
 * -EAGAIN with a time to call again, a refusal that lasts past the window
 * fails, and set_addr proceeds in steps while the slave writes its EEPROM.
 * The slave is the firmware's own state machine (common/slave.c) on an
 * in-process bus; its main loop is held "busy" until a simulated time, and
 * everything runs on a fake clock. TAP on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "bus.h"
#include "duco_proto.h"
#include "mclock.h"
#include "slave.h"
#include "slave_io.h"
#include "tap.h"

#define STEP_ADDR 0x20

static struct mclock clk;
static struct slave sm;
static uint8_t bus_addr = STEP_ADDR;     /* where the slave answers */
static int64_t busy_until;               /* main loop takes no frame before this */
static int64_t moving_at;                /* SET_ADDR taken: answers nowhere until */
static uint8_t moving_to;
static unsigned xfers;

/* The firmware's main loop, minus hashing: takes frames once it is free. */
static void step_main_loop(void)
{
	const uint8_t *f;
	uint8_t gen, to;

	if (moving_at && clk.fake_us >= moving_at) {
		bus_addr = moving_to;
		slave_set_addr(&sm, moving_to);
		moving_at = 0;
	}
	if (clk.fake_us < busy_until || !(f = slave_frame_take(&sm, &gen)))
		return;
	if (f[0] == DUCO_CMD_SET_ADDR && duco_decode_set_addr(f, &to) == DUCO_OK) {
		/* the EEPROM write: the slave is off the bus for 7 ms */
		moving_to = to;
		moving_at = clk.fake_us + 7000;
		bus_addr = 0;
	}
	slave_frame_release(&sm);
}

static int step_xfer(struct bus *b, uint8_t addr, const uint8_t *w, uint16_t wlen,
		     uint8_t *r, uint16_t rlen)
{
	xfers++;
	step_main_loop();
	if (addr != bus_addr)
		return -ENXIO;
	if (wlen) {
		slave_ev_addr_write(&sm);
		for (uint16_t i = 0; i < wlen; i++)
			slave_ev_rx_byte(&sm, w[i]);
	}
	if (rlen) {
		r[0] = slave_ev_addr_read(&sm);
		for (uint16_t i = 1; i < rlen; i++)
			r[i] = slave_ev_tx_byte(&sm);
	}
	slave_ev_stop(&sm);
	step_main_loop();
	return 0;
}

static int step_open(struct bus *b, const char *spec)
{
	b->fd = -1;
	return 0;
}

static void step_close(struct bus *b)
{
}

static const struct bus_ops step_ops = {
	.name = "step", .open = step_open, .close = step_close, .xfer = step_xfer,
};

static void test_reject_window(struct slave_io *s)
{
	struct duco_identity id;
	int64_t t0;
	unsigned x0;
	int rc, calls;

	/* A frame waits for the busy main loop; the next one is refused. */
	busy_until = clk.fake_us + 5000;
	rc = slave_io_clear_errors(s);
	tap_ok(rc == 0, "first frame accepted while the main loop is busy (rc %d)", rc);
	x0 = xfers;
	t0 = clk.fake_us;
	rc = slave_io_identify(s, &id);
	tap_ok(rc == -EAGAIN && s->again_at_us == t0 + SLAVE_IO_REJECT_RETRY_US,
	       "second frame refused: -EAGAIN, call again in %lld us (rc %d)",
	       (long long)(s->again_at_us - t0), rc);
	tap_ok(xfers - x0 <= SLAVE_IO_RETRIES + 2 && clk.fake_us == t0,
	       "no spin: %u transfers, no time spent inside the call", xfers - x0);
	for (calls = 1; rc == -EAGAIN && calls < 100; calls++) {
		clk.fake_us = s->again_at_us;
		rc = slave_io_identify(s, &id);
	}
	tap_ok(rc == 0 && id.i2c_addr == STEP_ADDR && clk.fake_us >= busy_until,
	       "accepted once the main loop took the first frame (%d calls, %lld us)", calls,
	       (long long)(clk.fake_us - t0));

	/* A main loop that never comes back: the window closes. */
	busy_until = INT64_MAX;
	rc = slave_io_clear_errors(s);
	t0 = clk.fake_us;
	rc = slave_io_identify(s, &id);
	for (calls = 1; rc == -EAGAIN && calls < 1000; calls++) {
		clk.fake_us = s->again_at_us;
		rc = slave_io_identify(s, &id);
	}
	tap_ok(rc == -EBADMSG && clk.fake_us - t0 >= SLAVE_IO_REJECT_WINDOW_US &&
	       clk.fake_us - t0 < 2 * SLAVE_IO_REJECT_WINDOW_US,
	       "refused past the window: -EBADMSG after %lld us (rc %d)",
	       (long long)(clk.fake_us - t0), rc);
	busy_until = 0;
	clk.fake_us += 1000;
	rc = slave_io_identify(s, &id);
	tap_ok(rc == 0, "a new call after the window starts afresh (rc %d)", rc);
}

static void test_set_addr_steps(struct slave_io *s)
{
	int64_t t0 = clk.fake_us;
	int rc, calls = 0, most = 0;

	for (;;) {
		unsigned x0 = xfers;

		rc = slave_io_set_addr(s, 0x21);
		calls++;
		if ((int)(xfers - x0) > most)
			most = (int)(xfers - x0);
		if (rc != -EAGAIN || calls > 500)
			break;
		clk.fake_us = s->again_at_us > clk.fake_us ? s->again_at_us : clk.fake_us;
	}
	tap_ok(rc == 0 && s->addr == 0x21, "set_addr 0x20 -> 0x21 confirmed (rc %d)", rc);
	tap_ok(calls > 2 && clk.fake_us - t0 >= 7000,
	       "in steps while the slave is off the bus: %d calls over %lld us", calls,
	       (long long)(clk.fake_us - t0));
	tap_ok(most <= 2 * (SLAVE_IO_RETRIES + 1), "each step a few transfers at most (%d)", most);
}

int main(void)
{
	static const struct duco_identity ident = {
		.proto_version = DUCO_PROTO_VERSION, .fw_version = 0x0100,
		.board_id = DUCO_BOARD_NANO, .f_cpu = 16000000,
		.ducoid = { 1, 2, 3, 4, 5, 6, 7, 8 }, .i2c_addr = STEP_ADDR,
	};
	struct bus bus = { .ops = &step_ops, .fd = -1 };
	struct slave_io s;

	snprintf(bus.spec, sizeof(bus.spec), "step");
	mclock_fake_init(&clk, 1000000);
	slave_init(&sm, &ident);
	slave_io_init(&s, &bus, STEP_ADDR);
	s.clock = &clk;
	test_reject_window(&s);
	test_set_addr_steps(&s);
	return tap_done();
}
