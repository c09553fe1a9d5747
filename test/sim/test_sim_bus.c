/*
 * test_sim_bus.c - ducosim's register-level bus model against a probe slave.
 *
 * Runs test/sim/twi_probe.c (built for the ATmega328P at 0x30 and 0x31) in
 * simavr on one rig and checks what the firmware-independent parts of the
 * model promise: the TWSR status sequences the slave sees (datasheet order
 * for write, read and combined transfers, 0x88 when the slave NACKs a byte,
 * 0xC8 when it ends a read early), DATA_NACK with the right ACK count, 0xFF
 * after the slave's last byte, byte timing from the SCL clock at 100 and
 * 400 kHz, the SCL stretch measurement, address routing between two slaves,
 * address NACK, and the model slave kind on the same bus. Images come from
 * $(BUILD)/sim-test/ (or $DUCOSIM_PROBE_DIR).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duco_proto.h"
#include "sim_avr.h"
#include "sim_duco.h"
#include "sim_model.h"
#include "sim_rig.h"
#include "../tap.h"

static struct sim_rig rig_store, *rig;       /* rig: &rig_store once set up */
static struct sim_slave *p30, *p31;

/* One transfer; returns the xfer (static) for inspection. */
static struct sim_xfer *xfer(uint8_t addr, const char *w, uint16_t wlen, uint16_t rlen,
			     uint64_t *took_ns)
{
	static struct sim_xfer x;
	uint64_t t0 = rig->now_ns;

	memset(&x, 0, sizeof(x));
	x.addr = addr;
	x.wlen = wlen;
	x.rlen = rlen;
	memcpy(x.w, w, wlen);
	if (sim_rig_xfer(rig, &x))
		x.result = 0xff;
	if (took_ns)
		*took_ns = x.done_ns - t0;
	/* let the slave finish its last interrupt before the next check */
	sim_rig_run(rig, rig->now_ns + 200000);
	return &x;
}

/* Read and clear the probe's status log; returns its length. */
static int read_log(uint8_t addr, uint8_t *log)
{
	struct sim_xfer *x;
	int n;

	xfer(addr, "L", 1, 0, NULL);
	x = xfer(addr, "", 0, 40, NULL);
	for (n = 0; n < 40 && x->r[n] != 0xEE; n++)
		log[n] = x->r[n];
	/* drop the 'L' write itself (60 80 A0) at the end */
	return n >= 3 ? n - 3 : n;
}

static int log_is(uint8_t addr, const uint8_t *want, int n, const char *what)
{
	uint8_t log[40];
	char got[128] = "", *p = got;
	int k = read_log(addr, log), same = k == n && memcmp(log, want, (size_t)n) == 0;

	for (int i = 0; i < k && p < got + sizeof(got) - 4; i++)
		p += sprintf(p, "%02x ", log[i]);
	return tap_ok(same, "%s: slave saw %s", what, got);
}

static int setup(uint32_t bus_hz)
{
	const char *dir = getenv("DUCOSIM_PROBE_DIR"), *build = getenv("BUILD");
	char path[256], dflt[200];
	int err;

	if (!dir) {
		snprintf(dflt, sizeof(dflt), "%s/sim-test", build ? build : "build");
		dir = dflt;
	}
	if (rig)
		sim_rig_destroy(rig);   /* a fresh rig for each setting */
	rig = &rig_store;
	sim_rig_init(rig, bus_hz);
	snprintf(path, sizeof(path), "%s/twi_probe_30.elf", dir);
	err = sim_avr_create(&p30, path, "atmega328p", 16000000, bus_hz, "p30");
	if (err)
		return err;
	sim_rig_add(rig, p30);
	snprintf(path, sizeof(path), "%s/twi_probe_31.elf", dir);
	err = sim_avr_create(&p31, path, "atmega328p", 16000000, bus_hz, "p31");
	if (err)
		return err;
	sim_rig_add(rig, p31);
	sim_rig_run(rig, rig->now_ns + 5000000);
	return 0;
}

static void test_sequences(void)
{
	static const uint8_t wr[] = { 0x60, 0x80, 0x80, 0x80, 0xA0 };
	static const uint8_t comb[] = { 0x60, 0x80, 0x80, 0x80, 0xA0, 0xA8, 0xB8, 0xC0 };
	static const uint8_t nack[] = { 0x60, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x88 };
	struct sim_xfer *x;
	uint8_t log[40];

	read_log(0x30, log);    /* start from an empty log */

	x = xfer(0x30, "Eab", 3, 0, NULL);
	tap_ok(x->result == SIMBUS_OK && x->wacked == 3, "write of 3 bytes: OK, 3 ACKed");
	log_is(0x30, wr, sizeof(wr), "write 3 bytes");

	x = xfer(0x30, "Exy", 3, 2, NULL);
	tap_ok(x->result == SIMBUS_OK && x->r[0] == 'x' && x->r[1] == 'y',
	       "combined write+read: the slave's bytes come back (%c%c)", x->r[0], x->r[1]);
	log_is(0x30, comb, sizeof(comb), "write 3, repeated START, read 2");

	read_log(0x30, log);
	xfer(0x30, "", 0, 0, NULL);     /* START, address, STOP: a probe */
	xfer(0x30, "Epqr", 4, 0, NULL);
	x = xfer(0x30, "", 0, 4, NULL);
	tap_ok(x->result == SIMBUS_OK && memcmp(x->r, "pqr\xEE", 4) == 0,
	       "plain read of 4: the slave's data, then its filler byte");
	{
		static const uint8_t want[] = { 0x60, 0xA0, 0x60, 0x80, 0x80, 0x80, 0x80, 0xA0,
						0xA8, 0xB8, 0xB8, 0xB8, 0xC0 };

		log_is(0x30, want, sizeof(want), "empty write, write 4, read 4");
	}

	x = xfer(0x30, "E123456789", 10, 0, NULL);
	tap_ok(x->result == SIMBUS_DATA_NACK && x->wacked == 7,
	       "slave NACKs the 8th byte: DATA_NACK, %u bytes ACKed", x->wacked);
	log_is(0x30, nack, sizeof(nack), "NACKed write");

	read_log(0x30, log);
	xfer(0x30, "Sabcdef", 7, 0, NULL);
	x = xfer(0x30, "", 0, 7, NULL);
	tap_ok(x->result == SIMBUS_OK && memcmp(x->r, "abcd\xff\xff\xff", 7) == 0,
	       "slave ends a read after 4 bytes: the rest reads 0xFF");
	{
		static const uint8_t want[] = { 0x60, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
						0xA0, 0xA8, 0xB8, 0xB8, 0xB8, 0xC8 };

		log_is(0x30, want, sizeof(want), "write 7 (TWEA=0 after the 7th), short read");
	}

	x = xfer(0x32, "", 0, 1, NULL);
	tap_ok(x->result == SIMBUS_ADDR_NACK, "no slave at 0x32: address NACK");
	x = xfer(0x31, "Ezz", 3, 2, NULL);
	tap_ok(x->result == SIMBUS_OK && x->r[0] == 'z', "0x31 answers for itself");
	{
		uint8_t got[40];
		int k = read_log(0x30, got);

		tap_ok(k == 0, "0x30 saw nothing of the traffic to 0x31 and 0x32 (%d events)", k);
	}
}

static void test_timing(uint32_t bus_hz)
{
	struct sim_avr_stats st;
	uint64_t took, scl = 1000000000u / bus_hz;
	/* START + address (10 clocks), 4 bytes of 9, STOP 1 */
	uint64_t min = 47 * scl;

	sim_avr_stats(p30, &st);
	uint64_t stretch0 = st.stretch_total;
	xfer(0x30, "Eabc", 4, 0, &took);
	sim_avr_stats(p30, &st);
	uint64_t stretch_ns = sim_cycles_to_ns(st.stretch_total - stretch0, 16000000);

	tap_ok(took >= min && took <= min + stretch_ns + 1000,
	       "%u kHz: a 4-byte write takes 47 SCL periods plus the slave's stretching "
	       "(%llu ns = %llu + %llu)", bus_hz / 1000, (unsigned long long)took,
	       (unsigned long long)min, (unsigned long long)stretch_ns);
}

static void test_stretch(void)
{
	struct sim_avr_stats before, after;

	sim_avr_stats(p31, &before);
	xfer(0x31, "D", 1, 0, NULL);    /* from now on every event is slow */
	xfer(0x31, "Dabc", 4, 2, NULL);
	sim_avr_stats(p31, &after);
	tap_ok(before.max_stretch < 400 && after.max_stretch > 1000,
	       "stretch measured: %u cycles for the normal handler, %u with a delay loop",
	       before.max_stretch, after.max_stretch);
}

static void test_mixed_bus(void)
{
	struct sim_slave *m;
	struct sim_xfer *x;
	uint8_t f[DUCO_MAX_WRITE_FRAME], st = 0;
	int err;

	tap_ok(sim_model_create(&m, 0x40, 1000, rig->bus_hz, 0, "m0") == 0 &&
	       sim_rig_add(rig, m) == 0, "a model slave joins the bus at 0x40");
	err = sim_duco_status(rig, 0x40, &st);
	tap_ok(!err && DUCO_STATUS_STATE(st) == DUCO_ST_IDLE,
	       "model slave answers a checked status read (status %02x)", st);
	f[0] = 0x7e;
	x = xfer(0x40, (const char *)f, 1, 0, NULL);
	err = x->result != SIMBUS_OK ? x->result : sim_duco_status(rig, 0x40, &st);
	tap_ok(!err && (st & DUCO_STATUS_REJECT),
	       "model slave rejects a 1-byte frame (status %02x)", st);
	x = xfer(0x30, "Eok", 3, 2, NULL);
	tap_ok(x->result == SIMBUS_OK && x->r[0] == 'o', "the probe still answers next to it");
}

/* Zero-length reads and block reads whose count the slave sends. */
static void test_read_flags(void)
{
	/* the 'E' write that sets the probe's mode, then the read */
	static const uint8_t quick[] = { 0x60, 0x80, 0xA0, 0xA8 };
	static const uint8_t block[] = { 0x60, 0x80, 0x80, 0x80, 0x80, 0x80, 0xA0,
					 0xA8, 0xB8, 0xB8, 0xB8, 0xC0 };
	static struct sim_xfer x;
	uint8_t log[40];
	int err;

	read_log(0x30, log);
	xfer(0x30, "E", 1, 0, NULL);
	memset(&x, 0, sizeof(x));
	x.addr = 0x30;
	x.flags = SIMBUS_XF_READ;
	tap_ok(sim_rig_xfer(rig, &x) == 0 && x.result == SIMBUS_OK,
	       "zero-length read (SIMBUS_XF_READ): OK");
	sim_rig_run(rig, rig->now_ns + 200000);
	log_is(0x30, quick, sizeof(quick), "zero-length read");
	read_log(0x30, log);
	xfer(0x30, "E\x03" "abc", 5, 0, NULL);
	memset(&x, 0, sizeof(x));
	x.addr = 0x30;
	x.flags = SIMBUS_XF_RECV_LEN;
	x.rlen = 1;
	err = sim_rig_xfer(rig, &x);
	tap_ok(err == 0 && x.result == SIMBUS_OK && x.rlen == 4 &&
	       memcmp(x.r, "\x03" "abc", 4) == 0,
	       "block read (SIMBUS_XF_RECV_LEN): the count byte 3 makes it 4 bytes (%u)", x.rlen);
	sim_rig_run(rig, rig->now_ns + 200000);
	log_is(0x30, block, sizeof(block), "block read");
	xfer(0x30, "E\x00", 2, 0, NULL);
	memset(&x, 0, sizeof(x));
	x.addr = 0x30;
	x.flags = SIMBUS_XF_RECV_LEN;
	x.rlen = 1;
	tap_ok(sim_rig_xfer(rig, &x) == 0 && x.result == SIMBUS_OK && x.rlen == 1 && x.r[0] == 0,
	       "block read with count 0: the master stops after the count byte");
}

/*
 * A slave that enables TWEN before TWAR, as the Wire library does, sees only
 * slave statuses: simavr's own TWI master logic must not inject any (it
 * used to follow each release with a master status 9 us later).
 */
static void test_twen_first(void)
{
	static const uint8_t want[] = { 0x60, 0x80, 0x80, 0x80, 0xA0, 0xA8, 0xC0, 0xA8, 0xC0,
					0xA8, 0xC0 };
	const char *dir = getenv("DUCOSIM_PROBE_DIR"), *build = getenv("BUILD");
	struct sim_slave *p33;
	char path[256];
	uint8_t log[40];
	int ok = 1;

	snprintf(path, sizeof(path), "%s%s/twi_probe_late_33.elf", dir ? dir : build ? build : "build",
		 dir ? "" : "/sim-test");
	if (!tap_ok(sim_avr_create(&p33, path, "atmega328p", 16000000, rig->bus_hz, "p33") == 0 &&
		    sim_rig_add(rig, p33) == 0, "a probe that enables TWEN before TWAR loads"))
		return;
	sim_rig_run(rig, rig->now_ns + 5000000);
	read_log(0x33, log);
	xfer(0x33, "Eab", 3, 0, NULL);
	for (int i = 0; i < 3; i++) {
		struct sim_xfer *x = xfer(0x33, "", 0, 1, NULL);

		ok = ok && x->result == SIMBUS_OK && x->r[0] == 'a';
		sim_rig_run(rig, rig->now_ns + 1000000);        /* 1 ms: room for strays */
	}
	tap_ok(ok, "it answers three one-byte reads");
	log_is(0x33, want, sizeof(want), "TWEN before TWAR, a write and three one-byte reads");
}

static struct sim_slave_event crash_ev;
static int crash_n, crash_slave;

static void on_crash(void *ctx, int slave, const struct sim_slave_event *ev)
{
	crash_ev = *ev;
	crash_slave = slave;
	crash_n++;
}

/* A chip whose PC leaves the flash starts over; or stays stopped if told. */
static void test_crash(void)
{
	struct sim_avr_stats st;
	struct sim_xfer *x;

	rig->on_event = on_crash;
	crash_n = 0;
	xfer(0x30, "X", 1, 0, NULL);
	sim_rig_run(rig, rig->now_ns + 20000000);
	tap_ok(crash_n == 1 && crash_slave == 0 && crash_ev.kind == SIM_SLAVE_CRASHED &&
	       crash_ev.pc == 0 && crash_ev.restarted,
	       "a jump into erased flash: reported once as a crash at PC 0, restarted (%d events)",
	       crash_n);
	x = xfer(0x30, "Eok", 3, 2, NULL);
	sim_avr_stats(p30, &st);
	tap_ok(x->result == SIMBUS_OK && x->r[0] == 'o' && st.crashes == 1 && st.restarts == 1,
	       "the probe runs again from address 0 and answers");

	sim_avr_set_crash(p30, 0, 16);
	crash_n = 0;
	xfer(0x30, "X", 1, 0, NULL);
	sim_rig_run(rig, rig->now_ns + 20000000);
	tap_ok(crash_n == 1 && !crash_ev.restarted && crash_ev.ntrace == 16 &&
	       crash_ev.trace_pc[15] >= 0x6000 && crash_ev.trace_pc[15] <= 0x8000,
	       "with restarts off it stays stopped; the trace runs through erased flash "
	       "to its end (last PC %04x)",
	       crash_ev.ntrace ? (unsigned)crash_ev.trace_pc[crash_ev.ntrace - 1] : 0u);
	x = xfer(0x30, "Eok", 3, 2, NULL);
	tap_ok(x->result == SIMBUS_TIMEOUT, "a stopped chip holds SCL: the transfer times out (%u)",
	       x->result);
	tap_ok(sim_rig_fault(rig, 0x30, SIMBUS_FAULT_RESET, 0) == 0,
	       "the reset pin (RESET fault) reaches the stopped chip");
	sim_rig_run(rig, rig->now_ns + 5000000);
	x = xfer(0x30, "Eok", 3, 2, NULL);
	tap_ok(x->result == SIMBUS_OK && x->r[0] == 'o', "after a reset it answers again");

	crash_n = 0;
	xfer(0x31, "H", 1, 0, NULL);
	sim_rig_run(rig, rig->now_ns + 5000000);
	tap_ok(crash_n == 1 && crash_slave == 1 && crash_ev.kind == SIM_SLAVE_STOPPED &&
	       !crash_ev.restarted, "SLEEP with interrupts off: reported as stopped (%s)",
	       crash_ev.why);
	rig->on_event = NULL;
}

int main(void)
{
	int err = setup(100000);

	if (!tap_ok(err == 0, "two probe slaves load (err %d)", err))
		return tap_done();
	test_sequences();
	test_timing(100000);
	test_stretch();
	test_mixed_bus();
	test_read_flags();
	test_crash();
	test_twen_first();
	err = setup(400000);
	if (tap_ok(err == 0, "probes on a 400 kHz bus")) {
		test_timing(400000);
		{
			static const uint8_t comb[] = { 0x60, 0x80, 0x80, 0x80, 0xA0, 0xA8, 0xB8, 0xC0 };
			uint8_t log[40];

			read_log(0x30, log);
			xfer(0x30, "Exy", 3, 2, NULL);
			log_is(0x30, comb, sizeof(comb), "400 kHz combined transfer");
		}
	}
	sim_rig_destroy(rig);
	return tap_done();
}
