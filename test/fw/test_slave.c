/*
 * test_slave.c - host unit tests of the firmware's slave state machine.
 *
 * Drives common/slave.c with the same event sequences the TWI driver
 * produces (address+W, bytes, STOP / repeated START, address+R, bytes) and
 * checks the status byte, the read frames (against common/duco_proto.c's
 * encoder and decoders), the counters and what the main loop gets to see.
 * Prints TAP. Assumes only common/ and the host C library; no hardware.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duco_proto.h"
#include "duco_crc8.h"
#include "slave.h"
#include "../tap.h"

static const struct duco_identity test_id = {
	.proto_version = DUCO_PROTO_VERSION,
	.fw_version = 0x0100,
	.board_id = DUCO_BOARD_HOSTMODEL,
	.f_cpu = 16000000UL,
	.ducoid = { 1, 2, 3, 4, 5, 6, 7, 8 },
	.reset_cause = DUCO_RESET_POWERON,
	.hash_impl = DUCO_HASH_HOST,
	.i2c_addr = 0x20,
};

/* One write transaction: address+W, n bytes, then STOP (or nothing). */
static void test_write(struct slave *s, const uint8_t *b, uint8_t n, int stop)
{
	slave_ev_addr_write(s);
	for (uint8_t i = 0; i < n; i++)
		if (!slave_ev_rx_byte(s, b[i]))
			tap_diag("NACK at byte %u", i);
	if (stop)
		slave_ev_stop(s);
}

/* One read transaction of n bytes. */
static void test_read(struct slave *s, uint8_t *r, uint8_t n)
{
	r[0] = slave_ev_addr_read(s);
	for (uint8_t i = 1; i < n; i++)
		r[i] = slave_ev_tx_byte(s);
	slave_ev_stop(s);
}

static void test_job(struct duco_job *j, uint16_t id, uint32_t start, uint32_t end)
{
	memset(j, 0, sizeof(*j));
	j->job_id = id;
	j->start_nonce = start;
	j->end_nonce = end;
	for (int i = 0; i < 20; i++)
		j->expected[i] = (uint8_t)(i * 13 + 1);
	memcpy(j->last_hash, "ba29a15896fd2d792d5c4b60668bf2b9feebc51D", 40);
}

static void test_fresh(struct slave *s)
{
	slave_init(s, &test_id);
}

static void test_basic(void)
{
	struct slave s;
	uint8_t r[64], f[DUCO_MAX_WRITE_FRAME], expect[64];
	struct duco_job j, back;
	uint8_t n, gen = 0;
	const uint8_t *got;

	test_fresh(&s);
	test_read(&s, r, 8);
	n = duco_encode_read(expect, DUCO_STATUS_MAKE(DUCO_ST_IDLE, 0, 0), NULL, 0);
	tap_ok(memcmp(r, expect, n) == 0 && duco_read_check(r, n) == DUCO_OK,
		"idle read frame equals duco_encode_read (status %02x crc %02x)", r[0], r[1]);
	tap_ok(r[n] == SLAVE_PAD_BYTE && r[7] == SLAVE_PAD_BYTE, "bytes past the frame are padding");

	test_job(&j, 0x1234, 0, 1000);
	n = duco_encode_job(f, &j);
	test_write(&s, f, n, 1);
	tap_ok(slave_status(&s) == DUCO_STATUS_MAKE(DUCO_ST_BUSY, 0, 1),
		"JOB accepted: BUSY, seq 1 (status %02x)", slave_status(&s));
	got = slave_frame_take(&s, &gen);
	tap_ok(got != NULL && memcmp(got, f, n) == 0, "main loop gets the frame byte for byte");
	if (got) {
		duco_decode_job(got, &back);
		tap_ok(back.job_id == 0x1234 && memcmp(back.last_hash, j.last_hash, 40) == 0,
			"decoded job keeps id and last_hash case");
	} else {
		tap_ok(0, "decoded job keeps id and last_hash case");
	}

	/* status poll while busy: 1 byte and 2 bytes */
	test_read(&s, r, 1);
	tap_ok(r[0] == DUCO_STATUS_MAKE(DUCO_ST_BUSY, 0, 1), "1-byte status poll while busy");
	test_read(&s, r, 2);
	tap_ok(duco_read_check(r, 2) == DUCO_OK, "2-byte checked status poll");

	/* result */
	struct duco_result res = { .job_id = 0x1234, .found = 1, .nonce = 777, .elapsed_us = 123456 };
	struct duco_result rd;
	slave_frame_release(&s);
	tap_ok(slave_publish_result(&s, gen, &res) == SLAVE_OK, "publish result for the current job");
	test_read(&s, r, DUCO_READ_FRAME_SIZE(DUCO_RESULT_BODY));
	memset(&rd, 0, sizeof(rd));
	tap_ok(DUCO_STATUS_STATE(r[0]) == DUCO_ST_DONE &&
		duco_decode_result(r, DUCO_READ_FRAME_SIZE(DUCO_RESULT_BODY), &rd) == DUCO_OK &&
		rd.job_id == 0x1234 && rd.found == 1 && rd.nonce == 777 && rd.elapsed_us == 123456,
		"DONE read frame decodes to the published result");
	tap_ok(slave_counter(&s, SLAVE_ID_JOBS_DONE) == 1, "jobs_done counted");

	/* a stale publish after a replacing job is refused */
	test_job(&j, 0x2222, 5, 10);
	n = duco_encode_job(f, &j);
	test_write(&s, f, n, 1);
	tap_ok(slave_publish_result(&s, gen, &res) == -SLAVE_E_STALE &&
		DUCO_STATUS_STATE(slave_status(&s)) == DUCO_ST_BUSY,
		"result of a replaced job is not published");
	got = slave_frame_take(&s, &gen);
	slave_frame_release(&s);
	n = duco_encode_simple(f, DUCO_CMD_ABORT);
	test_write(&s, f, n, 1);
	tap_ok(DUCO_STATUS_STATE(slave_status(&s)) == DUCO_ST_IDLE &&
		DUCO_STATUS_SEQ(slave_status(&s)) == 3, "ABORT: IDLE, seq 3");
	tap_ok(slave_publish_result(&s, gen, &res) == -SLAVE_E_STALE,
		"result of an aborted job is not published");
	got = slave_frame_take(&s, NULL);
	tap_ok(got != NULL && got[0] == DUCO_CMD_ABORT, "ABORT reaches the main loop");
	slave_frame_release(&s);
	tap_ok(slave_frame_take(&s, NULL) == NULL, "nothing pending after release");
}

static void test_rejects(void)
{
	struct slave s;
	uint8_t f[DUCO_MAX_WRITE_FRAME + 8], r[8];
	struct duco_job j;
	uint8_t n;

	test_fresh(&s);
	test_job(&j, 1, 0, 100);
	n = duco_encode_job(f, &j);

	f[40] ^= 0x10;
	test_write(&s, f, n, 1);
	f[40] ^= 0x10;
	tap_ok(slave_status(&s) == DUCO_STATUS_MAKE(DUCO_ST_IDLE, 1, 0) &&
		slave_counter(&s, SLAVE_ID_CRC_ERRORS) == 1 && !slave_frame_pending(&s),
		"flipped bit: REJECT, crc_errors 1, not executed");

	test_write(&s, f, n, 1);
	tap_ok(slave_status(&s) == DUCO_STATUS_MAKE(DUCO_ST_BUSY, 0, 1),
		"next good frame clears REJECT");
	slave_frame_release(&s);

	test_write(&s, f, (uint8_t)(n - 5), 1);
	tap_ok(slave_counter(&s, SLAVE_ID_FRAME_ERRORS) == 1 && (slave_status(&s) & DUCO_STATUS_REJECT) &&
		!slave_frame_pending(&s), "STOP in the middle of a frame: discarded, frame_errors 1");

	test_write(&s, f, 1, 1);
	tap_ok(slave_counter(&s, SLAVE_ID_FRAME_ERRORS) == 2, "one-byte write rejected");

	test_write(&s, f, 0, 1);
	tap_ok(slave_counter(&s, SLAVE_ID_FRAME_ERRORS) == 2 && !slave_frame_pending(&s),
		"address-only write (bus scan) is not a frame");

	memset(f + n, 0x55, 8);
	test_write(&s, f, (uint8_t)(n + 8), 1);
	tap_ok(slave_counter(&s, SLAVE_ID_OVERRUNS) == 1 && !slave_frame_pending(&s),
		"overlong frame: overruns 1");

	/* unknown command with a correct CRC */
	f[0] = 0x42; f[1] = 0; f[2] = duco_crc8(f, 2);
	test_write(&s, f, 3, 1);
	tap_ok(slave_counter(&s, SLAVE_ID_FRAME_ERRORS) == 3, "unknown command rejected");

	/* ABORT with a payload byte and correct CRC */
	f[0] = DUCO_CMD_ABORT; f[1] = 1; f[2] = 0; f[3] = duco_crc8(f, 3);
	test_write(&s, f, 4, 1);
	tap_ok(slave_counter(&s, SLAVE_ID_FRAME_ERRORS) == 4, "wrong payload length rejected");

	/* SET_ADDR with a bad complement, and out of range */
	f[0] = DUCO_CMD_SET_ADDR; f[1] = 2; f[2] = 0x30; f[3] = 0xce; f[4] = duco_crc8(f, 4);
	test_write(&s, f, 5, 1);
	tap_ok(slave_counter(&s, SLAVE_ID_FRAME_ERRORS) == 5, "SET_ADDR without its complement rejected");
	n = duco_encode_set_addr(f, 0x78);
	test_write(&s, f, n, 1);
	tap_ok(slave_counter(&s, SLAVE_ID_FRAME_ERRORS) == 6, "SET_ADDR 0x78 (out of range) rejected");

	f[0] = DUCO_CMD_RESET; f[1] = 2; f[2] = DUCO_RESET_MAGIC0; f[3] = 0; f[4] = duco_crc8(f, 4);
	test_write(&s, f, 5, 1);
	tap_ok(slave_counter(&s, SLAVE_ID_FRAME_ERRORS) == 7, "RESET without magic rejected");

	test_job(&j, 2, 101, 100);
	n = duco_encode_job(f, &j);
	test_write(&s, f, n, 1);
	tap_ok(slave_counter(&s, SLAVE_ID_FRAME_ERRORS) == 8, "JOB with start > end rejected");

	/* bus error mid-frame */
	test_job(&j, 3, 0, 100);
	n = duco_encode_job(f, &j);
	slave_ev_addr_write(&s);
	for (uint8_t i = 0; i < 20; i++)
		slave_ev_rx_byte(&s, f[i]);
	slave_ev_bus_error(&s);
	slave_ev_stop(&s);
	tap_ok(slave_counter(&s, SLAVE_ID_FRAME_ERRORS) == 9 && !slave_frame_pending(&s),
		"bus error mid-frame: discarded, counted once");

	/* the status after all that: seq still 1, REJECT set, state BUSY */
	test_read(&s, r, 2);
	tap_ok(r[0] == DUCO_STATUS_MAKE(DUCO_ST_BUSY, 1, 1) && duco_read_check(r, 2) == DUCO_OK,
		"rejected frames leave seq and state alone (status %02x)", r[0]);

	/* CLEAR_ERR zeroes the counters */
	n = duco_encode_simple(f, DUCO_CMD_CLEAR_ERR);
	test_write(&s, f, n, 1);
	tap_ok(slave_counter(&s, SLAVE_ID_CRC_ERRORS) == 0 && slave_counter(&s, SLAVE_ID_FRAME_ERRORS) == 0 &&
		slave_counter(&s, SLAVE_ID_OVERRUNS) == 0 && !(slave_status(&s) & DUCO_STATUS_REJECT),
		"CLEAR_ERR zeroes the counters");
	slave_frame_release(&s);
}

static void test_pending_and_restart(void)
{
	struct slave s;
	uint8_t f[DUCO_MAX_WRITE_FRAME], g[8], r[DUCO_MAX_READ_FRAME];
	struct duco_job j;
	struct duco_identity id;
	uint8_t n, m;

	test_fresh(&s);
	test_job(&j, 9, 0, 100);
	n = duco_encode_job(f, &j);
	test_write(&s, f, n, 1);
	m = duco_encode_simple(g, DUCO_CMD_IDENTIFY);
	test_write(&s, g, m, 1);
	tap_ok((slave_status(&s) & DUCO_STATUS_REJECT) && DUCO_STATUS_SEQ(slave_status(&s)) == 1 &&
		slave_counter(&s, SLAVE_ID_OVERRUNS) == 1,
		"frame while the previous one is pending: rejected as overrun");
	tap_ok(slave_frame_take(&s, NULL)[0] == DUCO_CMD_JOB, "pending frame is still the JOB");
	slave_frame_release(&s);

	/* write IDENTIFY, repeated START, read: one combined transaction */
	test_write(&s, g, m, 0);
	test_read(&s, r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY));
	memset(&id, 0, sizeof(id));
	tap_ok(DUCO_STATUS_SEQ(r[0]) == 2 && !(r[0] & DUCO_STATUS_REJECT) &&
		duco_decode_identity(r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY), &id) == DUCO_OK,
		"IDENTIFY + repeated START + read returns a checked identity");
	tap_ok(id.board_id == DUCO_BOARD_HOSTMODEL && id.f_cpu == 16000000UL && id.ducoid[7] == 8 &&
		id.overruns == 1 && id.i2c_addr == 0x20 && id.fw_version == 0x0100,
		"identity fields and live counters (overruns %u)", id.overruns);
	slave_frame_release(&s);

	slave_set_addr(&s, 0x31);
	test_read(&s, r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY));
	tap_ok(duco_decode_identity(r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY), &id) == DUCO_OK &&
		id.i2c_addr == 0x31, "identity view persists and shows the new address");

	/* SET_ADDR reaches the main loop with its argument */
	n = duco_encode_set_addr(f, 0x42);
	test_write(&s, f, n, 1);
	uint8_t addr = 0;
	const uint8_t *got = slave_frame_take(&s, NULL);
	tap_ok(got && duco_decode_set_addr(got, &addr) == DUCO_OK && addr == 0x42,
		"SET_ADDR 0x42 accepted for the main loop");
	slave_frame_release(&s);
	test_read(&s, r, 4);
	tap_ok(r[2] == 0 && duco_read_check(r, 4) == DUCO_OK, "after another command the body is empty again");

	/* sequence wraps mod 16 */
	m = duco_encode_simple(g, DUCO_CMD_CLEAR_ERR);
	uint8_t seq0 = DUCO_STATUS_SEQ(slave_status(&s));
	for (int i = 0; i < 20; i++) {
		test_write(&s, g, m, 1);
		slave_frame_release(&s);
	}
	tap_ok(DUCO_STATUS_SEQ(slave_status(&s)) == ((seq0 + 20) & 15), "sequence counts mod 16");

	slave_set_error(&s);
	tap_ok(DUCO_STATUS_STATE(slave_status(&s)) == DUCO_ST_ERROR, "ERROR state readable");
	test_write(&s, g, m, 1);
	slave_frame_release(&s);
	tap_ok(DUCO_STATUS_STATE(slave_status(&s)) == DUCO_ST_IDLE, "CLEAR_ERR leaves ERROR");
}

/* What the main loop's stall watch relies on. */
static void test_stall(void)
{
	struct slave s;
	uint8_t f[DUCO_MAX_WRITE_FRAME];
	struct duco_job j;
	uint8_t n, ev;

	test_fresh(&s);
	test_job(&j, 5, 0, 10);
	n = duco_encode_job(f, &j);
	tap_ok(!slave_in_transfer(&s), "idle bus: not in a transfer");
	ev = s.events;
	slave_ev_addr_write(&s);
	for (uint8_t i = 0; i < 30; i++)
		slave_ev_rx_byte(&s, f[i]);
	tap_ok(slave_in_transfer(&s) && (uint8_t)(s.events - ev) == 31,
		"half a frame: in a transfer, one event per byte");
	slave_ev_bus_error(&s);     /* what main.c does after the stall timeout */
	tap_ok(!slave_in_transfer(&s) && !slave_frame_pending(&s) &&
		slave_counter(&s, SLAVE_ID_FRAME_ERRORS) == 1, "stall reset discards the half frame");
	slave_ev_addr_read(&s);
	slave_ev_tx_byte(&s);
	tap_ok(slave_in_transfer(&s), "open read: in a transfer");
	slave_ev_stop(&s);
	tap_ok(!slave_in_transfer(&s), "end of read: idle");
	test_write(&s, f, n, 1);
	tap_ok(slave_frame_pending(&s) && !slave_in_transfer(&s), "the next whole frame is accepted");
}

/*
 * Reads are snapshots: a read keeps sending the frame it latched while the
 * main loop publishes, and an identity left stale by a rejected frame is
 * rendered by the event that needs it.
 */
static void test_snapshots(void)
{
	struct slave s;
	uint8_t f[DUCO_MAX_WRITE_FRAME], r[DUCO_MAX_READ_FRAME + 2], want[DUCO_MAX_READ_FRAME];
	struct duco_job j;
	struct duco_identity id;
	struct duco_result res = { .job_id = 0x77, .found = 1, .nonce = 4242, .elapsed_us = 99 };
	uint8_t n, gen = 0, i;
	int ok;

	test_fresh(&s);
	test_job(&j, 0x77, 0, 100);
	n = duco_encode_job(f, &j);
	test_write(&s, f, n, 1);
	slave_frame_take(&s, &gen);
	slave_frame_release(&s);

	/* a status read is open (busy) when the result is published */
	r[0] = slave_ev_addr_read(&s);
	r[1] = slave_ev_tx_byte(&s);
	tap_ok(slave_publish_result(&s, gen, &res) == SLAVE_OK, "publish while a read is open");
	for (i = 2; i < 5; i++)
		r[i] = slave_ev_tx_byte(&s);
	slave_ev_stop(&s);
	duco_encode_read(want, DUCO_STATUS_MAKE(DUCO_ST_BUSY, 0, 1), NULL, 0);
	tap_ok(memcmp(r, want, 4) == 0 && r[4] == SLAVE_PAD_BYTE,
		"the open read finishes the busy frame it latched (status %02x)", r[0]);
	test_read(&s, r, DUCO_READ_FRAME_SIZE(DUCO_RESULT_BODY));
	tap_ok(DUCO_STATUS_STATE(r[0]) == DUCO_ST_DONE &&
		duco_read_check(r, DUCO_READ_FRAME_SIZE(DUCO_RESULT_BODY)) == DUCO_OK,
		"the next read gets the result");

	/* identity view: a read of it is open when a result is counted */
	test_job(&j, 0x78, 0, 100);
	n = duco_encode_job(f, &j);
	test_write(&s, f, n, 1);
	slave_frame_take(&s, &gen);
	slave_frame_release(&s);
	n = duco_encode_simple(f, DUCO_CMD_IDENTIFY);
	test_write(&s, f, n, 1);
	slave_frame_release(&s);
	r[0] = slave_ev_addr_read(&s);
	for (i = 1; i < 10; i++)
		r[i] = slave_ev_tx_byte(&s);
	tap_ok(slave_publish_result(&s, gen, &res) == SLAVE_OK, "publish during an identity read");
	for (; i < DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY); i++)
		r[i] = slave_ev_tx_byte(&s);
	slave_ev_stop(&s);
	memset(&id, 0, sizeof(id));
	ok = duco_decode_identity(r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY), &id) == DUCO_OK;
	tap_ok(ok && id.jobs_done == 1 && DUCO_STATUS_STATE(r[0]) == DUCO_ST_BUSY,
		"the open identity read stays one consistent frame (busy, jobs_done %u)", id.jobs_done);
	test_read(&s, r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY));
	ok = duco_decode_identity(r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY), &id) == DUCO_OK;
	tap_ok(ok && id.jobs_done == 2 && DUCO_STATUS_STATE(r[0]) == DUCO_ST_DONE,
		"the next identity read shows the result counted (done, jobs_done %u)", id.jobs_done);

	/* a rejected frame leaves the identity stale; IDENTIFY in the same
	 * combined transaction as its read must still show the new count */
	n = duco_encode_simple(f, DUCO_CMD_ABORT);
	test_write(&s, f, n, 1);
	slave_frame_release(&s);
	f[1] ^= 0x40;
	test_write(&s, f, n, 1);                /* bad length: frame_errors + 1 */
	n = duco_encode_simple(f, DUCO_CMD_IDENTIFY);
	test_write(&s, f, n, 0);
	test_read(&s, r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY));
	ok = duco_decode_identity(r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY), &id) == DUCO_OK;
	tap_ok(ok && id.frame_errors == 1 && !(r[0] & DUCO_STATUS_REJECT),
		"IDENTIFY right after a rejected frame: identity rendered with frame_errors %u",
		id.frame_errors);
	slave_frame_release(&s);

	/* counters change in place with their CRC patched, carries included */
	int bad = 0;
	n = duco_encode_simple(f, DUCO_CMD_ABORT);
	f[n - 1] ^= 0x55;
	for (unsigned k = 1; k <= 300; k++) {
		test_write(&s, f, n, 1);
		test_read(&s, r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY));
		if (duco_decode_identity(r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY), &id) != DUCO_OK ||
		    id.crc_errors != k)
			bad++;
	}
	n = duco_encode_simple(f, DUCO_CMD_CLEAR_ERR);
	test_write(&s, f, n, 0);
	test_read(&s, r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY));      /* back to result view */
	slave_frame_release(&s);
	n = duco_encode_simple(f, DUCO_CMD_IDENTIFY);
	test_write(&s, f, n, 0);
	test_read(&s, r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY));
	ok = duco_decode_identity(r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY), &id) == DUCO_OK;
	tap_ok(!bad && ok && id.crc_errors == 0 && id.frame_errors == 0 && id.jobs_done == 2,
	       "300 counted errors (past 255) and CLEAR_ERR: every identity read checks (%d bad)", bad);
	slave_frame_release(&s);

	/* counters given at start-up are cleared as exactly */
	struct duco_identity start = test_id;

	start.crc_errors = 5;
	start.frame_errors = 0x0102;
	start.overruns = 0xffff;
	slave_init(&s, &start);
	n = duco_encode_simple(f, DUCO_CMD_CLEAR_ERR);
	test_write(&s, f, n, 1);
	slave_frame_release(&s);
	n = duco_encode_simple(f, DUCO_CMD_IDENTIFY);
	test_write(&s, f, n, 0);
	test_read(&s, r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY));
	ok = duco_decode_identity(r, DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY), &id) == DUCO_OK;
	tap_ok(ok && id.crc_errors == 0 && id.frame_errors == 0 && id.overruns == 0,
	       "CLEAR_ERR after counters given at start-up: zeroed, identity checks");
	slave_frame_release(&s);
}

/* Random corruption: the slave accepts exactly what duco_frame_check accepts. */
static void test_fuzz(void)
{
	struct slave s;
	uint8_t f[DUCO_MAX_WRITE_FRAME + 4];
	struct duco_job j;
	unsigned agree = 0, accepted = 0, total = 20000;

	srand(12345);
	test_fresh(&s);
	for (unsigned k = 0; k < total; k++) {
		uint8_t n;
		switch (rand() % 5) {
		case 0:
			test_job(&j, (uint16_t)rand(), (uint32_t)rand() % 1000, (uint32_t)rand() % 1000);
			n = duco_encode_job(f, &j);
			break;
		case 1: n = duco_encode_set_addr(f, (uint8_t)(rand() % 0x80)); break;
		case 2: n = duco_encode_reset(f); break;
		case 3: n = duco_encode_simple(f, (uint8_t)(1 + rand() % 6)); break;
		default: n = duco_encode_simple(f, DUCO_CMD_ABORT); break;
		}
		int mut = rand() % 4;
		if (mut == 1)
			f[rand() % n] ^= (uint8_t)(1 << (rand() % 8));
		else if (mut == 2)
			n = (uint8_t)(rand() % (n + 1));
		else if (mut == 3 && n > 2)
			f[1] = (uint8_t)rand();
		int want = n >= 1 && duco_frame_check(f, n) == DUCO_OK;
		uint8_t seq = DUCO_STATUS_SEQ(slave_status(&s));
		test_write(&s, f, n, 1);
		int got = slave_frame_pending(&s) && DUCO_STATUS_SEQ(slave_status(&s)) == ((seq + 1) & 15);
		if (n == 0)
			got = slave_frame_pending(&s);
		agree += (got == want);
		accepted += got;
		slave_frame_release(&s);
	}
	tap_ok(agree == total, "slave acceptance agrees with duco_frame_check on %u/%u frames (%u accepted)",
		agree, total, accepted);
}

/* --- protocol version 2: the job queue ------------------------------------ */

/* Write frame f (n bytes); return the status after it. */
static uint8_t q_send(struct slave *s, const uint8_t *f, uint8_t n)
{
	test_write(s, f, n, 1);
	return slave_status(s);
}

static uint8_t q_queue(struct slave *s, uint16_t id)
{
	uint8_t f[DUCO_MAX_WRITE_FRAME];
	struct duco_job j;

	test_job(&j, id, 0, 1000);
	return q_send(s, f, duco_encode_queue(f, &j));
}

static uint8_t q_drop(struct slave *s, uint16_t id)
{
	uint8_t f[DUCO_MAX_WRITE_FRAME];

	return q_send(s, f, duco_encode_drop(f, id));
}

/* The main loop takes the waiting frame: its act, its gen, its job id. */
static int q_take(struct slave *s, uint8_t *gen, uint16_t *id)
{
	const uint8_t *f = slave_frame_take(s, gen);
	int act;

	if (!f)
		return -1;
	act = slave_frame_act(s);
	if (id)
		*id = duco_get_u16(f + 2);
	slave_frame_release(s);
	return act;
}

/* The result a full read returns now (job id, or -1 without a result). */
static int q_offered(struct slave *s)
{
	uint8_t r[DUCO_READ_FRAME_SIZE(DUCO_RESULT_BODY)];
	struct duco_result res;

	test_read(s, r, sizeof(r));
	if (duco_decode_result(r, sizeof(r), &res) != DUCO_OK)
		return -1;
	return res.job_id;
}

static int q_publish(struct slave *s, uint8_t gen, uint16_t id, uint32_t nonce)
{
	struct duco_result res = { .job_id = id, .found = 1, .nonce = nonce, .elapsed_us = 1000 + id };

	return slave_publish_result(s, gen, &res);
}

#define Q_STATE(s) DUCO_STATUS_STATE(slave_status(s))

static void test_queue(void)
{
	struct slave s;
	uint8_t r[DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY)], gen = 0, gen2 = 0, seq;
	struct duco_identity id;
	uint16_t jid = 0;
	int act;

	test_fresh(&s);
	r[0] = 0;
	{
		uint8_t f[DUCO_MAX_WRITE_FRAME];

		test_write(&s, f, duco_encode_simple(f, DUCO_CMD_IDENTIFY), 1);
		test_read(&s, r, sizeof(r));
		q_take(&s, NULL, NULL);
	}
	tap_ok(duco_decode_identity(r, sizeof(r), &id) == DUCO_OK &&
	       id.proto_version == DUCO_PROTO_V2 && id.slots == DUCO_SLOTS,
	       "v2 identity: protocol %u, %u slots", id.proto_version, id.slots);

	/* QUEUE on an idle board starts at once */
	tap_ok(Q_STATE(&s) == DUCO_ST_IDLE && q_queue(&s, 10) &&
	       Q_STATE(&s) == DUCO_ST_BUSY, "QUEUE 10 on an idle board: BUSY");
	act = q_take(&s, &gen, &jid);
	tap_ok(act == SLAVE_ACT_START && jid == 10, "main loop: START job 10 (act %d)", act);

	/* a second QUEUE waits */
	q_queue(&s, 11);
	tap_ok(Q_STATE(&s) == DUCO_ST_BUSY_QUEUED && duco_state_queued(Q_STATE(&s)) &&
	       duco_state_hashing(Q_STATE(&s)) && !duco_state_has_result(Q_STATE(&s)),
	       "QUEUE 11 while 10 runs: BUSY_QUEUED");
	act = q_take(&s, NULL, &jid);
	tap_ok(act == SLAVE_ACT_QUEUE && jid == 11, "main loop: QUEUE job 11 (act %d)", act);

	/* a third replaces the queued one */
	q_queue(&s, 12);
	act = q_take(&s, NULL, &jid);
	tap_ok(Q_STATE(&s) == DUCO_ST_BUSY_QUEUED && act == SLAVE_ACT_QUEUE && jid == 12,
	       "QUEUE 12 replaces the queued 11 (act %d)", act);
	q_drop(&s, 11);
	act = q_take(&s, NULL, NULL);
	tap_ok(act == SLAVE_ACT_NONE && Q_STATE(&s) == DUCO_ST_BUSY_QUEUED,
	       "DROP 11 (replaced) is a no-op (act %d)", act);

	/* a frame waiting at the end of the job: publish says take it first */
	q_queue(&s, 13);                        /* replaces 12, not yet taken */
	tap_ok(q_publish(&s, gen, 10, 100) == -SLAVE_E_PENDING && Q_STATE(&s) == DUCO_ST_BUSY_QUEUED,
	       "publish with a frame waiting: -SLAVE_E_PENDING, nothing changed");
	act = q_take(&s, NULL, &jid);
	tap_ok(act == SLAVE_ACT_QUEUE && jid == 13, "the waiting QUEUE 13 taken first");

	/* job 10 ends: kept, 13 runs at once */
	tap_ok(q_publish(&s, gen, 10, 100) == SLAVE_PROMOTED && Q_STATE(&s) == DUCO_ST_BUSY_DONE,
	       "job 10 ends: SLAVE_PROMOTED, BUSY_DONE (status %02x)", slave_status(&s));
	gen2 = (uint8_t)(gen + 1);
	tap_ok(q_offered(&s) == 10 && q_offered(&s) == 10, "the result of 10 is read, and again");

	/* kept 10 + running 13 + queued 14 = 3 slots; a QUEUE replaces 14 */
	q_queue(&s, 14);
	q_take(&s, NULL, NULL);
	tap_ok(Q_STATE(&s) == DUCO_ST_BUSY_QUEUED_DONE, "QUEUE 14: BUSY_QUEUED_DONE");
	q_queue(&s, 15);
	act = q_take(&s, NULL, &jid);
	tap_ok(act == SLAVE_ACT_QUEUE && jid == 15 && !(slave_status(&s) & DUCO_STATUS_REJECT),
	       "QUEUE 15 with all %d slots held replaces the queued 14", DUCO_SLOTS);

	/* 13 ends with 15 queued: two kept, oldest first */
	tap_ok(q_publish(&s, gen, 13, 5) == -SLAVE_E_STALE, "a publish with the old generation is stale");
	tap_ok(q_publish(&s, gen2, 13, 130) == SLAVE_PROMOTED && Q_STATE(&s) == DUCO_ST_BUSY_DONE,
	       "job 13 ends (generation + 1): 15 runs");
	tap_ok(q_offered(&s) == 10, "still the oldest kept result (10) is offered");

	/* capacity: kept 10, 13 + running 15 = 3; a QUEUE is refused */
	seq = DUCO_STATUS_SEQ(slave_status(&s));
	uint16_t ferr = slave_counter(&s, SLAVE_ID_FRAME_ERRORS);
	q_queue(&s, 16);
	tap_ok((slave_status(&s) & DUCO_STATUS_REJECT) && DUCO_STATUS_SEQ(slave_status(&s)) == seq &&
	       slave_counter(&s, SLAVE_ID_FRAME_ERRORS) == ferr + 1 && !slave_frame_pending(&s),
	       "QUEUE 16 with two kept and one running: REJECT, counted, not executed");
	q_drop(&s, 10);
	act = q_take(&s, NULL, NULL);
	tap_ok(act == SLAVE_ACT_NONE && q_offered(&s) == 13 && Q_STATE(&s) == DUCO_ST_BUSY_DONE,
	       "DROP 10 (the acknowledgement): 13 offered next");

	/* DROP of the running job with one queued: the queued one runs */
	q_queue(&s, 16);
	act = q_take(&s, NULL, &jid);
	tap_ok(act == SLAVE_ACT_QUEUE && jid == 16, "QUEUE 16 behind 15, now that a slot is free");
	q_drop(&s, 15);
	act = q_take(&s, &gen, NULL);
	tap_ok(act == SLAVE_ACT_PROMOTE && Q_STATE(&s) == DUCO_ST_BUSY_DONE,
	       "DROP 15 (running): PROMOTE, 16 runs (act %d)", act);
	tap_ok(q_publish(&s, (uint8_t)(gen - 1), 15, 1) == -SLAVE_E_STALE,
	       "the dropped job's result is not kept");
	/* DROP of the queued job */
	q_queue(&s, 17);
	q_take(&s, NULL, NULL);
	q_drop(&s, 17);
	act = q_take(&s, NULL, NULL);
	tap_ok(act == SLAVE_ACT_UNQUEUE && Q_STATE(&s) == DUCO_ST_BUSY_DONE,
	       "DROP 17 (queued): UNQUEUE (act %d)", act);
	tap_ok(q_publish(&s, gen, 16, 160) == SLAVE_OK && Q_STATE(&s) == DUCO_ST_DONE,
	       "job 16 ends with nothing queued: DONE");
	q_drop(&s, 13);
	q_take(&s, NULL, NULL);
	tap_ok(q_offered(&s) == 16, "DROP 13: 16 offered");
	q_drop(&s, 16);
	q_take(&s, NULL, NULL);
	tap_ok(Q_STATE(&s) == DUCO_ST_IDLE && q_offered(&s) == -1, "DROP 16: IDLE, empty body");

	/* three kept results at once, out-of-order drop */
	q_queue(&s, 20);
	q_take(&s, &gen, NULL);
	q_queue(&s, 21);
	q_take(&s, NULL, NULL);
	tap_ok(q_publish(&s, gen, 20, 1) == SLAVE_PROMOTED, "20 ends, 21 runs");
	q_queue(&s, 22);
	q_take(&s, NULL, NULL);
	tap_ok(q_publish(&s, (uint8_t)(gen + 1), 21, 1) == SLAVE_PROMOTED, "21 ends, 22 runs");
	tap_ok(q_publish(&s, (uint8_t)(gen + 2), 22, 1) == SLAVE_OK && Q_STATE(&s) == DUCO_ST_DONE,
	       "22 ends: three results kept, DONE");
	q_drop(&s, 21);
	q_take(&s, NULL, NULL);
	tap_ok(q_offered(&s) == 20, "DROP 21 (middle): 20 still offered");
	q_drop(&s, 20);
	q_take(&s, NULL, NULL);
	tap_ok(q_offered(&s) == 22, "DROP 20: 22 offered");

	/* JOB (version 1) clears everything; ABORT too */
	q_queue(&s, 30);
	q_take(&s, NULL, NULL);
	q_queue(&s, 31);
	q_take(&s, NULL, NULL);
	{
		uint8_t f[DUCO_MAX_WRITE_FRAME];
		struct duco_job j;

		test_job(&j, 40, 0, 10);
		q_send(&s, f, duco_encode_job(f, &j));
		act = q_take(&s, &gen, NULL);
		tap_ok(act == SLAVE_ACT_START && Q_STATE(&s) == DUCO_ST_BUSY && q_offered(&s) == -1,
		       "JOB 40: START, nothing queued or kept (BUSY)");
		q_queue(&s, 41);
		q_take(&s, NULL, NULL);
		q_send(&s, f, duco_encode_simple(f, DUCO_CMD_ABORT));
		act = q_take(&s, NULL, NULL);
		tap_ok(act == SLAVE_ACT_STOP && Q_STATE(&s) == DUCO_ST_IDLE,
		       "ABORT: STOP, IDLE (act %d)", act);
	}

	/* a fault drops running and queued jobs, keeps the results */
	q_queue(&s, 50);
	q_take(&s, &gen, NULL);
	q_queue(&s, 51);
	q_take(&s, NULL, NULL);
	tap_ok(q_publish(&s, gen, 50, 1) == SLAVE_PROMOTED, "50 ends, 51 runs");
	slave_set_error(&s);
	tap_ok(Q_STATE(&s) == DUCO_ST_ERROR && q_publish(&s, (uint8_t)(gen + 1), 51, 1) == -SLAVE_E_STALE,
	       "fault mid-queue: ERROR, the running job's result is not kept");
	{
		uint8_t f[DUCO_MAX_WRITE_FRAME];

		q_send(&s, f, duco_encode_simple(f, DUCO_CMD_CLEAR_ERR));
		q_take(&s, NULL, NULL);
	}
	tap_ok(Q_STATE(&s) == DUCO_ST_DONE && q_offered(&s) == 50,
	       "CLEAR_ERR: the kept result of 50 is still there, nothing runs");
}

/* A version-1 slave (identity version 1): QUEUE and DROP are unknown. */
static void test_v1(void)
{
	struct slave s;
	struct duco_identity v1 = test_id;
	uint8_t f[DUCO_MAX_WRITE_FRAME], r[DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY)];
	struct duco_identity id;
	uint16_t ferr;

	v1.proto_version = DUCO_PROTO_V1;
	slave_init(&s, &v1);
	test_write(&s, f, duco_encode_simple(f, DUCO_CMD_IDENTIFY), 1);
	test_read(&s, r, sizeof(r));
	q_take(&s, NULL, NULL);
	tap_ok(duco_decode_identity(r, sizeof(r), &id) == DUCO_OK && id.proto_version == 1 &&
	       id.slots == 0, "v1 identity: protocol 1, slots 0");
	ferr = slave_counter(&s, SLAVE_ID_FRAME_ERRORS);
	q_queue(&s, 1);
	tap_ok((slave_status(&s) & DUCO_STATUS_REJECT) && Q_STATE(&s) == DUCO_ST_IDLE &&
	       slave_counter(&s, SLAVE_ID_FRAME_ERRORS) == ferr + 1 && !slave_frame_pending(&s),
	       "v1: QUEUE rejected as an unknown command");
	q_drop(&s, 1);
	tap_ok((slave_status(&s) & DUCO_STATUS_REJECT) && !slave_frame_pending(&s),
	       "v1: DROP rejected as an unknown command");
}

/* HEALTH: empty until the main loop publishes, a kept result first, gone
 * with the next frame; version 1 rejects it. */
static void test_health(void)
{
	struct slave s;
	struct duco_identity v1 = test_id;
	uint8_t f[DUCO_MAX_WRITE_FRAME], r[DUCO_READ_FRAME_SIZE(DUCO_HEALTH_BODY)], n, gen = 0;
	struct duco_health h = { .sensors = DUCO_HEALTH_VCC | DUCO_HEALTH_TEMP, .vbg_adc = 225,
				 .temp_adc = 292, .samples = 7, .uptime_s = 123456, .bus_resets = 2 };
	struct duco_health got;
	struct duco_result res;
	const uint8_t *taken;

	test_fresh(&s);
	n = duco_encode_simple(f, DUCO_CMD_HEALTH);
	test_write(&s, f, n, 1);
	test_read(&s, r, sizeof(r));
	tap_ok(!(r[0] & DUCO_STATUS_REJECT) && duco_read_check(r, sizeof(r)) == DUCO_OK &&
	       r[2] == 0, "HEALTH accepted; before the main loop answers the body is empty");
	taken = slave_frame_take(&s, NULL);
	tap_ok(taken && taken[0] == DUCO_CMD_HEALTH, "main loop takes the HEALTH frame");
	slave_health_publish(&s, &h);
	slave_frame_release(&s);
	memset(&got, 0, sizeof(got));
	test_read(&s, r, sizeof(r));
	tap_ok(duco_decode_health(r, sizeof(r), &got) == DUCO_OK && got.sensors == h.sensors &&
	       got.vbg_adc == 225 && got.temp_adc == 292 && got.samples == 7 &&
	       got.uptime_s == 123456 && got.bus_resets == 2,
	       "published: the read carries the health body (uptime %lu)", (unsigned long)got.uptime_s);
	test_read(&s, r, sizeof(r));
	tap_ok(duco_decode_health(r, sizeof(r), &got) == DUCO_OK, "and again on the next read");

	/* a job's result takes precedence: the master's result read sees it */
	q_queue(&s, 40);
	q_take(&s, &gen, NULL);
	test_write(&s, f, n, 1);
	slave_frame_take(&s, NULL);
	slave_health_publish(&s, &h);
	slave_frame_release(&s);
	tap_ok(q_publish(&s, gen, 40, 99) == SLAVE_OK, "job 40 ends while the view is HEALTH");
	test_read(&s, r, DUCO_READ_FRAME_SIZE(DUCO_RESULT_BODY));
	tap_ok(duco_decode_result(r, DUCO_READ_FRAME_SIZE(DUCO_RESULT_BODY), &res) == DUCO_OK &&
	       res.job_id == 40 && res.nonce == 99, "a kept result is offered before the health body");
	q_drop(&s, 40);
	q_take(&s, NULL, NULL);
	test_read(&s, r, sizeof(r));
	tap_ok(r[2] == 0 && Q_STATE(&s) == DUCO_ST_IDLE, "another frame ends the health view");

	v1.proto_version = DUCO_PROTO_V1;
	slave_init(&s, &v1);
	test_write(&s, f, n, 1);
	tap_ok((slave_status(&s) & DUCO_STATUS_REJECT) && !slave_frame_pending(&s),
	       "v1: HEALTH rejected as an unknown command");
}

int main(void)
{
	test_basic();
	test_rejects();
	test_pending_and_restart();
	test_stall();
	test_snapshots();
	test_fuzz();
	test_queue();
	test_v1();
	test_health();
	return tap_done();
}
