/*
 * test_sim_fw.c - the real slave firmware in the simulator, through the real
 * I2C protocol on ducosim's register-level bus model.
 *
 * Runs build/avr-nano/firmware.elf (or $DUCOSIM_TEST_ELF) as an ATmega328P
 * at 16 MHz in simavr and checks, against the host's reference DUCO-S1
 * search: random jobs (diff 1..1000, nonce 0, nonce 100*diff, no solution,
 * mixed-case last hashes), 7-, 8- and 10-digit nonces via the start_nonce
 * field, corrupted / truncated / overlong / bit-flipped frames, a STOP in the
 * middle of a frame, a job replaced mid-search, ABORT, status polls while
 * hashing, both bus clocks, and an address change that persists across an
 * external and a watchdog reset. Searches start a few dozen nonces before
 * the answer so the whole program stays within about a minute. The random
 * seed is printed and can be fixed with $DUCOSIM_TEST_SEED.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "duco_crc8.h"
#include "duco_proto.h"
#include "duco_s1.h"
#include "sim_avr.h"
#include "duco_rand.h"
#include "sim_duco.h"
#include "sim_rig.h"
#include "../tap.h"

#define MS 1000000ull

static struct sim_rig rig_store, *rig;       /* rig: &rig_store once set up */
static struct sim_slave *avr0;
static uint8_t addr = 0x08;
static uint16_t next_job_id = 1;
static uint32_t rng_state;

static uint32_t rnd(void)
{
	return duco_rand(&rng_state);
}

static void random_last(char last[40], int mixed_case)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 40; i++) {
		last[i] = hex[rnd() & 15];
		if (mixed_case && last[i] >= 'a' && (rnd() & 1))
			last[i] = (char)(last[i] - 'a' + 'A');
	}
}

static void plant(struct duco_job *j, uint32_t nonce)
{
	duco_s1_hash(j->last_hash, nonce, j->expected);
}

static int boot(uint32_t bus_hz)
{
	const char *elf = getenv("DUCOSIM_TEST_ELF"), *build = getenv("BUILD");
	char path[256];
	int err;

	if (!elf) {
		snprintf(path, sizeof(path), "%s/avr-nano/firmware.elf", build ? build : "build");
		elf = path;
	}
	if (rig)
		sim_rig_destroy(rig);   /* a fresh rig for each setting */
	rig = &rig_store;
	sim_rig_init(rig, bus_hz);
	err = sim_avr_create(&avr0, elf, "atmega328p", 16000000, bus_hz, "avr0");
	if (err)
		return err;
	sim_rig_add(rig, avr0);
	/* up to 1 s for the firmware to enable its TWI slave */
	for (int ms = 0; ms < 1000 && !sim_rig_find(rig, addr); ms++)
		sim_rig_run(rig, rig->now_ns + MS);
	sim_rig_run(rig, rig->now_ns + 5 * MS);
	return sim_rig_find(rig, addr) ? 0 : -ETIMEDOUT;
}

/* Poll every poll_us until DONE (or max_ms), then read the result. */
static int wait_result(struct duco_result *res, uint32_t poll_us, uint32_t max_ms,
		       uint32_t *busy_polls)
{
	uint64_t limit = rig->now_ns + (uint64_t)max_ms * MS;
	uint8_t st;
	int err;

	while (rig->now_ns < limit) {
		sim_rig_run(rig, rig->now_ns + (uint64_t)poll_us * 1000);
		err = sim_duco_status(rig, addr, &st);
		if (err)
			return err;
		if (DUCO_STATUS_STATE(st) == DUCO_ST_DONE)
			break;
		if (DUCO_STATUS_STATE(st) != DUCO_ST_BUSY)
			return -EPROTO;
		if (busy_polls)
			(*busy_polls)++;
	}
	if (rig->now_ns >= limit)
		return -ETIMEDOUT;
	err = sim_duco_result(rig, addr, &st, res);
	return err ? err : (DUCO_STATUS_STATE(st) == DUCO_ST_DONE ? 0 : -EPROTO);
}

/* Send j, wait for its result, compare with the host's search. */
static int solve_and_check(struct duco_job *j, const char *what)
{
	struct duco_result res;
	uint32_t want_nonce = 0;
	uint8_t want_found;
	uint32_t nonces;
	int err;

	j->job_id = next_job_id++;
	want_found = duco_s1_search(j->last_hash, j->expected, j->start_nonce, j->end_nonce,
				    &want_nonce);
	nonces = (want_found ? want_nonce : j->end_nonce) - j->start_nonce + 1;
	err = sim_duco_job(rig, addr, j);
	if (err)
		return tap_ok(0, "%s: job accepted (err %d)", what, err);
	/* C core: ~60k cycles = ~4 ms per nonce; allow 4x */
	err = wait_result(&res, 5000, 20 + nonces * 16, NULL);
	if (err)
		return tap_ok(0, "%s: result (err %d)", what, err);
	return tap_ok(res.job_id == j->job_id && res.found == want_found &&
		      res.nonce == want_nonce,
		      "%s: start %lu end %lu -> %s %lu (firmware %s %lu, %lu us)", what,
		      (unsigned long)j->start_nonce, (unsigned long)j->end_nonce,
		      want_found ? "found" : "none", (unsigned long)want_nonce,
		      res.found ? "found" : "none", (unsigned long)res.nonce,
		      (unsigned long)res.elapsed_us);
}

static void test_random_jobs(int n)
{
	int pass = 0;

	for (int i = 0; i < n; i++) {
		struct duco_job j = { 0 };
		uint32_t diff = 1 + rnd() % 1000, planted;
		char what[64];
		int kind = i < 4 ? i : (int)(rnd() % 6);

		random_last(j.last_hash, (rnd() % 4) == 0);
		j.end_nonce = diff * 100;
		switch (kind) {
		case 0:         /* nonce 0 */
			planted = 0;
			j.start_nonce = 0;
			plant(&j, planted);
			break;
		case 1:         /* nonce 100 * diff, the last one searched */
			planted = j.end_nonce;
			j.start_nonce = planted > 30 ? planted - 30 : 0;
			plant(&j, planted);
			break;
		case 2:         /* no solution in range */
			for (int k = 0; k < 20; k++)
				j.expected[k] = (uint8_t)rnd();
			j.start_nonce = j.end_nonce > 25 ? j.end_nonce - 25 : 0;
			break;
		default:        /* anywhere in the range */
			planted = rnd() % (j.end_nonce + 1);
			j.start_nonce = planted - (planted < 40 ? planted : rnd() % 40);
			plant(&j, planted);
			break;
		}
		snprintf(what, sizeof(what), "random job %d (diff %lu)", i, (unsigned long)diff);
		pass += solve_and_check(&j, what);
	}
	tap_ok(pass == n, "%d of %d random jobs solved exactly", pass, n);
}

static void test_long_nonces(void)
{
	static const struct { uint32_t lo, span; const char *what; } cases[] = {
		{ 1000000, 9000000, "7-digit nonce" },
		{ 10000000, 90000000, "8-digit nonce" },
		{ 1000000000, 3000000000u, "10-digit nonce" },
		{ 9999990, 0, "nonce crossing 7 -> 8 digits" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct duco_job j = { 0 };
		uint32_t planted = cases[i].lo + (cases[i].span ? rnd() % cases[i].span : 15);

		random_last(j.last_hash, 0);
		j.start_nonce = planted - 20;
		j.end_nonce = planted + 1000;
		plant(&j, planted);
		solve_and_check(&j, cases[i].what);
	}
}

static uint16_t counter(const struct duco_identity *id, int which)
{
	return which == 0 ? id->crc_errors : which == 1 ? id->frame_errors : id->overruns;
}

/* Write frame f (n bytes); expect REJECT, unchanged seq, counter + 1. */
static void expect_reject(const uint8_t *f, uint16_t n, int which, const char *what,
			  int flip)
{
	static const char *names[] = { "crc_errors", "frame_errors", "overruns" };
	struct duco_identity before, after;
	uint8_t s0, s1;
	int err;

	err = sim_duco_identify(rig, addr, &before);
	err = err ? err : sim_duco_status(rig, addr, &s0);
	if (flip)
		sim_rig_fault(rig, addr, SIMBUS_FAULT_FLIP_BIT, 1);
	err = err ? err : sim_duco_write(rig, addr, f, n);
	sim_rig_run(rig, rig->now_ns + MS);
	err = err ? err : sim_duco_status(rig, addr, &s1);
	if (err) {
		tap_ok(0, "%s: bus error %d", what, err);
		return;
	}
	tap_ok((s1 & DUCO_STATUS_REJECT) && DUCO_STATUS_SEQ(s1) == DUCO_STATUS_SEQ(s0) &&
	       DUCO_STATUS_STATE(s1) == DUCO_STATUS_STATE(s0),
	       "%s: rejected, not executed (status %02x -> %02x)", what, s0, s1);
	err = sim_duco_identify(rig, addr, &after);
	tap_ok(!err && counter(&after, which) == counter(&before, which) + 1,
	       "%s: counted in %s (%u -> %u)", what, names[which],
	       counter(&before, which), err ? 0 : counter(&after, which));
}

static void test_bad_frames(void)
{
	uint8_t f[DUCO_MAX_WRITE_FRAME + 8], n;
	struct duco_job j = { 0 };
	struct duco_result res;
	int good;

	random_last(j.last_hash, 0);
	j.end_nonce = 1000;
	j.start_nonce = 980;
	plant(&j, 990);
	j.job_id = 0x4242;
	n = duco_encode_job(f, &j);

	f[40] ^= 0x10;
	expect_reject(f, n, 0, "JOB with one flipped payload bit", 0);
	f[40] ^= 0x10;
	f[n - 1] ^= 0xff;
	expect_reject(f, n, 0, "JOB with a wrong CRC byte", 0);
	f[n - 1] ^= 0xff;

	expect_reject(f, 2, 1, "STOP after 2 bytes of a JOB frame", 0);
	expect_reject(f, 30, 1, "STOP after 30 bytes of a JOB frame", 0);
	expect_reject(f, (uint16_t)(n - 1), 1, "JOB frame truncated by one byte", 0);

	memcpy(f + n, "\x01\x02\x03\x04\x05", 5);
	expect_reject(f, (uint16_t)(n + 5), 2, "JOB frame with 5 bytes too many", 0);

	{
		uint8_t g[8] = { 0x7e, 0x00 };

		g[2] = duco_crc8(g, 2);
		expect_reject(g, 3, 1, "unknown command 0x7e", 0);
		n = duco_encode_set_addr(g, 0x30);
		g[3] = 0x00;    /* the confirmation byte no longer matches */
		g[n - 1] = duco_crc8(g, (uint16_t)(n - 1));
		expect_reject(g, n, 1, "SET_ADDR with a bad confirmation", 0);
	}

	/* the bus itself flips a bit of the next write: the firmware must refuse it */
	n = duco_encode_job(f, &j);
	expect_reject(f, n, 0, "JOB corrupted on the wire (FLIP_BIT fault)", 1);

	/* and the intact frame still works after all that */
	memset(&res, 0, sizeof(res));
	good = sim_duco_job(rig, addr, &j) == 0 && wait_result(&res, 5000, 1000, NULL) == 0;
	tap_ok(good && res.job_id == 0x4242 && res.found && res.nonce == 990,
	       "a good JOB after the bad ones is solved (nonce %lu)", (unsigned long)res.nonce);
}

static void test_replace_and_abort(void)
{
	struct duco_job a = { 0 }, b = { 0 };
	struct duco_result res;
	uint8_t f[DUCO_MAX_WRITE_FRAME], st, n;
	int err;

	random_last(a.last_hash, 0);
	a.start_nonce = 5000;
	a.end_nonce = 100000;
	plant(&a, 5400);        /* ~1.5 s of hashing: still busy when replaced */
	a.job_id = 0x1111;
	random_last(b.last_hash, 1);
	b.start_nonce = 300;
	b.end_nonce = 1000;
	plant(&b, 312);
	b.job_id = 0x2222;

	err = sim_duco_job(rig, addr, &a);
	sim_rig_run(rig, rig->now_ns + 50 * MS);
	err = err ? err : sim_duco_status(rig, addr, &st);
	tap_ok(!err && DUCO_STATUS_STATE(st) == DUCO_ST_BUSY, "job A is hashing (status %02x)", st);
	err = sim_duco_job(rig, addr, &b);
	tap_ok(err == 0, "job B accepted while A runs (err %d)", err);
	err = wait_result(&res, 2000, 1000, NULL);
	tap_ok(!err && res.job_id == 0x2222 && res.found && res.nonce == 312,
	       "replacing job: the result is B's (job %04x nonce %lu)", res.job_id,
	       (unsigned long)res.nonce);
	sim_rig_run(rig, rig->now_ns + 100 * MS);
	err = sim_duco_result(rig, addr, &st, &res);
	tap_ok(!err && res.job_id == 0x2222, "A never reports afterwards (job %04x)", res.job_id);

	/* ABORT stops a running job and goes idle */
	err = sim_duco_job(rig, addr, &a);
	sim_rig_run(rig, rig->now_ns + 20 * MS);
	n = duco_encode_simple(f, DUCO_CMD_ABORT);
	err = err ? err : sim_duco_write(rig, addr, f, n);
	sim_rig_run(rig, rig->now_ns + 20 * MS);
	err = err ? err : sim_duco_status(rig, addr, &st);
	tap_ok(!err && DUCO_STATUS_STATE(st) == DUCO_ST_IDLE && !(st & DUCO_STATUS_REJECT),
	       "ABORT during a job: idle (status %02x)", st);
	sim_rig_run(rig, rig->now_ns + 200 * MS);
	err = sim_duco_status(rig, addr, &st);
	tap_ok(!err && DUCO_STATUS_STATE(st) == DUCO_ST_IDLE, "and stays idle (status %02x)", st);
}

static void test_reset_mid_job(void)
{
	struct duco_job j = { 0 };
	struct duco_result res;
	struct duco_identity id;
	uint8_t st = 0xff;
	int err;

	random_last(j.last_hash, 0);
	j.start_nonce = 2000;
	j.end_nonce = 90000;
	plant(&j, 2600);
	j.job_id = 0x0d0d;
	err = sim_duco_job(rig, addr, &j);
	sim_rig_run(rig, rig->now_ns + 30 * MS);
	err = err ? err : sim_duco_status(rig, addr, &st);
	tap_ok(!err && DUCO_STATUS_STATE(st) == DUCO_ST_BUSY, "a job is running (status %02x)", st);
	sim_rig_fault(rig, addr, SIMBUS_FAULT_RESET, 0);
	sim_rig_run(rig, rig->now_ns + 100 * MS);
	err = sim_duco_status(rig, addr, &st);
	tap_ok(!err && DUCO_STATUS_STATE(st) == DUCO_ST_IDLE && DUCO_STATUS_SEQ(st) == 0,
	       "reset mid-job: the slave is back idle with sequence 0 (status %02x)", st);
	err = sim_duco_identify(rig, addr, &id);
	tap_ok(!err && (id.reset_cause & DUCO_RESET_EXTERNAL),
	       "and reports an external reset (cause %02x)", err ? 0 : id.reset_cause);
	j.start_nonce = 2590;
	memset(&res, 0, sizeof(res));
	err = sim_duco_job(rig, addr, &j);
	err = err ? err : wait_result(&res, 2000, 1000, NULL);
	tap_ok(!err && res.job_id == 0x0d0d && res.found && res.nonce == 2600,
	       "the job sent again is solved (nonce %lu)", (unsigned long)res.nonce);
}

static void test_polls_while_hashing(void)
{
	struct duco_job j = { 0 };
	struct duco_result res;
	uint32_t busy = 0, quick = 0, bad = 0;
	uint8_t b[2];
	int err;

	random_last(j.last_hash, 0);
	/* 300 nonces: >100 ms even for the assembly core, ~1 s for the C core */
	j.start_nonce = 700;
	j.end_nonce = 5000;
	plant(&j, 1000);
	j.job_id = 0x0777;
	err = sim_duco_job(rig, addr, &j);
	/* 1-byte quick polls every 300 us for 20 ms, then checked polls */
	for (int i = 0; !err && i < 66; i++) {
		sim_rig_run(rig, rig->now_ns + 300000);
		err = sim_duco_read(rig, addr, b, 1);
		if (!err && DUCO_STATUS_STATE(b[0]) == DUCO_ST_BUSY)
			quick++;
	}
	err = err ? err : wait_result(&res, 500, 2000, &busy);
	bad = err || res.job_id != 0x0777 || !res.found || res.nonce != 1000;
	tap_ok(!bad, "job solved while polled (%u quick + %u checked polls while busy, "
	       "nonce %lu, %lu us)", quick, busy, err ? 0ul : (unsigned long)res.nonce,
	       err ? 0ul : (unsigned long)res.elapsed_us);
	tap_ok(quick == 66 && busy > 10, "every poll during the job read BUSY");
}

static void test_identity(void)
{
	struct duco_identity id;
	int err = sim_duco_identify(rig, addr, &id);

	tap_ok(!err && id.proto_version == DUCO_PROTO_VERSION && id.f_cpu == 16000000 &&
	       id.i2c_addr == addr,
	       "identity: proto %u, fw %04x, board %u, f_cpu %lu, addr 0x%02x, hash impl %u",
	       id.proto_version, id.fw_version, id.board_id, (unsigned long)id.f_cpu,
	       id.i2c_addr, id.hash_impl);
	/* DUCOSIM_EXPECT_HASH=c|asm: the image under test must run that core. */
	if (getenv("DUCOSIM_EXPECT_HASH")) {
		unsigned want = strcmp(getenv("DUCOSIM_EXPECT_HASH"), "asm") ? DUCO_HASH_C : DUCO_HASH_ASM;

		tap_ok(!err && id.hash_impl == want, "identity reports the %s hashing core",
		       getenv("DUCOSIM_EXPECT_HASH"));
	}
}

static void test_address_change(void)
{
	uint8_t f[DUCO_MAX_WRITE_FRAME], n, st, newaddr = 0x2a;
	struct duco_identity id;
	int err;

	n = duco_encode_set_addr(f, newaddr);
	err = sim_duco_write(rig, addr, f, n);
	sim_rig_run(rig, rig->now_ns + 50 * MS);       /* EEPROM write */
	tap_ok(!err && sim_duco_status(rig, newaddr, &st) == 0,
	       "SET_ADDR 0x%02x -> 0x%02x: answers at the new address", addr, newaddr);
	tap_ok(sim_duco_status(rig, addr, &st) == SIMBUS_ADDR_NACK,
	       "the old address 0x%02x is NACKed", addr);

	sim_rig_fault(rig, newaddr, SIMBUS_FAULT_RESET, 0);
	sim_rig_run(rig, rig->now_ns + 300 * MS);
	err = sim_duco_identify(rig, newaddr, &id);
	tap_ok(!err && id.i2c_addr == newaddr && (id.reset_cause & DUCO_RESET_EXTERNAL) &&
	       sim_duco_status(rig, addr, &st) == SIMBUS_ADDR_NACK,
	       "after an external reset it still answers at 0x%02x (reset cause %02x)",
	       newaddr, err ? 0 : id.reset_cause);

	n = duco_encode_reset(f);
	err = sim_duco_write(rig, newaddr, f, n);
	sim_rig_run(rig, rig->now_ns + 500 * MS);
	err = err ? err : sim_duco_identify(rig, newaddr, &id);
	tap_ok(!err && id.i2c_addr == newaddr && (id.reset_cause & DUCO_RESET_WATCHDOG),
	       "after a RESET command (watchdog) it still answers at 0x%02x (err %d, reset cause %02x)",
	       newaddr, err, err ? 0 : id.reset_cause);

	n = duco_encode_set_addr(f, addr);
	err = sim_duco_write(rig, newaddr, f, n);
	sim_rig_run(rig, rig->now_ns + 50 * MS);
	tap_ok(!err && sim_duco_status(rig, addr, &st) == 0, "and moves back to 0x%02x", addr);
}

static void test_bus_faults(void)
{
	uint8_t st;

	sim_rig_fault(rig, addr, SIMBUS_FAULT_NACK, 2);
	tap_ok(sim_duco_status(rig, addr, &st) == SIMBUS_ADDR_NACK &&
	       sim_duco_status(rig, addr, &st) == SIMBUS_ADDR_NACK &&
	       sim_duco_status(rig, addr, &st) == 0,
	       "NACK fault: two NACKed transfers, then the slave answers again");
	sim_rig_fault(rig, addr, SIMBUS_FAULT_SILENT, 5);
	tap_ok(sim_duco_status(rig, addr, &st) == SIMBUS_ADDR_NACK, "SILENT fault: no answer");
	sim_rig_run(rig, rig->now_ns + 6 * MS);
	tap_ok(sim_duco_status(rig, addr, &st) == 0, "and answers again after 5 ms");
}

static void test_stretch(void)
{
	struct sim_avr_stats st;

	sim_avr_stats(avr0, &st);
	tap_ok(st.events > 1000 && st.max_stretch > 0,
	       "bus events delivered and stretches measured");
	tap_diag("%llu bus events, max SCL stretch %u cycles (%.1f us at 16 MHz), mean %.1f",
		 (unsigned long long)st.events, st.max_stretch, st.max_stretch / 16.0,
		 (double)st.stretch_total / (double)st.events);
}

int main(void)
{
	const char *seed = getenv("DUCOSIM_TEST_SEED");
	int err;

	rng_state = seed ? (uint32_t)strtoul(seed, NULL, 0) : (uint32_t)time(NULL) ^ (uint32_t)getpid();
	if (!rng_state)
		rng_state = 1;
	tap_diag("seed %lu (set DUCOSIM_TEST_SEED to repeat)", (unsigned long)rng_state);

	err = boot(100000);
	if (!tap_ok(err == 0, "firmware boots in the simulator and enables its TWI slave at 0x%02x",
		    addr))
		return tap_done();
	test_identity();
	{
		struct duco_job j = { 0 };

		memcpy(j.last_hash, "ba29a15896fd2d792d5c4b60668bf2b9feebc51d", 40);
		duco_hex_to_bin("d0beba883d7e8cd119ea2b0e09b78f60f29e0968", j.expected, 20);
		j.end_nonce = 1000;
		solve_and_check(&j, "known answer (diff 10, from 0)");
	}
	test_random_jobs(50);
	test_long_nonces();
	test_bad_frames();
	test_replace_and_abort();
	test_polls_while_hashing();
	test_reset_mid_job();
	test_bus_faults();
	test_address_change();
	test_stretch();

	/* the same firmware on a 400 kHz bus */
	err = boot(400000);
	tap_ok(err == 0, "boots on a 400 kHz bus");
	if (!err) {
		test_identity();
		test_random_jobs(5);
	}
	sim_rig_destroy(rig);
	return tap_done();
}
