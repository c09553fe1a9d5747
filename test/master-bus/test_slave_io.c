/*
 * test_slave_io.c - slave_io over a real bus backend against ducosim running
 * the real AVR firmware.
 *
 * Run by test/master-bus/slave-io.sh, once with --bus sim:<socket> (the sim
 * backend) and once with --bus /dev/i2c-N under the LD_PRELOAD stand-in
 * (test/i2cshim), so the i2cdev backend's own ioctls carry every frame.
 * Faults are injected through a second, sim-backend connection (--ctl) with
 * simbus FAULT requests: bit flips for the CRC retries, address NACKs for
 * the NACK retries, a silent slave for the no-hang check. Assumes ducosim
 * serves two slaves at --addr and --addr2 and nothing else drives them.
 * Prints TAP; the exit status is non-zero when a check failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/i2c-dev.h>

#include "bus.h"
#include "duco_proto.h"
#include "duco_s1.h"
#include "simbus_proto.h"
#include "slave_io.h"
#include "../tap.h"

#define TEST_JOB_TIMEOUT_MS 20000

/* The official miner's start-up known answer: diff 10 -> nonce 50. */
static const char test_last[] = "ba29a15896fd2d792d5c4b60668bf2b9feebc51d";
static const char test_expected[] = "d0beba883d7e8cd119ea2b0e09b78f60f29e0968";

static struct bus test_bus, test_ctl;

static int64_t test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_sleep_us(int64_t us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000L };

	nanosleep(&ts, NULL);
}

static void test_sleep_ms(int ms)
{
	test_sleep_us((int64_t)ms * 1000);
}

/*
 * A command the slave asks to repeat (-EAGAIN: it had not taken the previous
 * frame yet, or set_addr is under way): wait until the time it names, again.
 */
#define AGAIN(sio, call) ({                                                    \
	int again_rc_;                                                         \
	while ((again_rc_ = (call)) == -EAGAIN)                                \
		test_sleep_us(slave_io_again_in_us(sio));                      \
	again_rc_;                                                             \
})

static void test_make_job(struct duco_job *job, uint16_t id, uint32_t start, uint32_t end)
{
	*job = (struct duco_job){ .job_id = id, .start_nonce = start, .end_nonce = end };
	memcpy(job->last_hash, test_last, 40);
	duco_hex_to_bin(test_expected, job->expected, 20);
}

/*
 * Poll (cheap 1-byte reads, a few ms apart) until DONE, then read the
 * result. Returns 0, or the first error other than "still busy".
 */
static int test_wait_result(struct slave_io *s, uint16_t id, struct duco_result *r,
			    uint32_t *polls)
{
	int64_t t0 = test_now_ms();
	int rc;

	*polls = 0;
	for (;;) {
		rc = slave_io_poll(s, 0);
		(*polls)++;
		if (rc < 0)
			return rc;
		if (DUCO_STATUS_STATE(rc) == DUCO_ST_DONE) {
			rc = slave_io_read_result(s, id, r);
			if (rc != -EAGAIN)
				return rc;
		} else if (DUCO_STATUS_STATE(rc) != DUCO_ST_BUSY) {
			return -EPROTO;
		}
		if (test_now_ms() - t0 > TEST_JOB_TIMEOUT_MS)
			return -ETIMEDOUT;
		test_sleep_ms(2);
	}
}

/* After a reset the slave is gone for a while: identify until it is back. */
static int test_identify_retry(struct slave_io *s, struct duco_identity *id, int ms)
{
	int64_t t0 = test_now_ms();
	int rc;

	do {
		rc = AGAIN(s, slave_io_identify(s, id));
		if (rc == 0)
			return 0;
		test_sleep_ms(10);
	} while (test_now_ms() - t0 < ms);
	return rc;
}

static int test_fault(uint8_t addr, uint8_t kind, uint32_t param)
{
	int rc = bus_sim_fault(&test_ctl, addr, kind, param);

	if (rc < 0)
		tap_diag("FAULT %u at 0x%02x failed: %s", kind, addr, strerror(-rc));
	return rc;
}

static void test_identity(uint8_t a1, uint8_t a2)
{
	struct duco_identity id1, id2;
	struct slave_io s1, s2;
	int rc;

	slave_io_init(&s1, &test_bus, a1);
	slave_io_init(&s2, &test_bus, a2);
	rc = AGAIN(&s1, slave_io_identify(&s1, &id1));
	tap_ok(rc == 0, "identify 0x%02x (rc %d)", a1, rc);
	if (rc == 0) {
		tap_ok(id1.proto_version == DUCO_PROTO_VERSION && id1.i2c_addr == a1,
		       "identity: protocol %u, reports address 0x%02x", id1.proto_version,
		       id1.i2c_addr);
		tap_ok(id1.f_cpu >= 1000000 && id1.f_cpu <= 32000000 &&
		       id1.board_id != DUCO_BOARD_UNKNOWN,
		       "identity: board %u at %lu Hz, firmware %u.%u", id1.board_id,
		       (unsigned long)id1.f_cpu, id1.fw_version >> 8, id1.fw_version & 0xff);
	}
	rc = AGAIN(&s2, slave_io_identify(&s2, &id2));
	tap_ok(rc == 0 && id2.i2c_addr == a2, "identify 0x%02x (rc %d)", a2, rc);
	tap_ok(s1.st.crc_retries == 0 && s1.st.nack_retries == 0,
	       "clean bus: no retries (%u CRC, %u NACK)", s1.st.crc_retries, s1.st.nack_retries);
}

static void test_scan(uint8_t a1, uint8_t a2)
{
	uint8_t found[16];
	int n = slave_io_scan(&test_bus, DUCO_ADDR_MIN, DUCO_ADDR_MAX, found, 16);

	tap_ok(n == 2 && found[0] == (a1 < a2 ? a1 : a2) && found[1] == (a1 < a2 ? a2 : a1),
	       "scan 0x08..0x77 finds exactly 0x%02x and 0x%02x (n=%d)", a1, a2, n);
	n = slave_io_scan(&test_bus, 0x30, 0x40, found, 16);
	tap_ok(n == 0, "scan of an empty range finds nothing (n=%d)", n);
}

static void test_job(uint8_t a)
{
	struct duco_result r;
	struct duco_job job;
	struct slave_io s;
	uint8_t digest[20];
	uint32_t polls;
	int rc;

	slave_io_init(&s, &test_bus, a);
	test_make_job(&job, 0x1234, 0, 1000);
	rc = AGAIN(&s, slave_io_send_job(&s, &job));
	tap_ok(rc == 0, "send_job to 0x%02x accepted (rc %d)", a, rc);
	rc = test_wait_result(&s, job.job_id, &r, &polls);
	tap_ok(rc == 0, "job -> result after %u polls (rc %d)", polls, rc);
	tap_ok(rc == 0 && r.found == 1 && r.nonce == 50 && r.job_id == 0x1234,
	       "result: found %u nonce %lu job id 0x%04x", r.found, (unsigned long)r.nonce,
	       r.job_id);
	duco_s1_hash(job.last_hash, r.nonce, digest);
	tap_ok(rc == 0 && memcmp(digest, job.expected, 20) == 0, "nonce verifies on the host");
	/* 51 nonces: C core ~337 H/s, assembly ~2000 H/s at 16 MHz. */
	tap_ok(rc == 0 && r.elapsed_us > 10000 && r.elapsed_us < 2000000,
	       "slave elapsed %lu us (%.0f H/s)", (unsigned long)r.elapsed_us,
	       r.elapsed_us ? r.nonce / (r.elapsed_us / 1e6) : 0.0);
	tap_ok(s.st.polls == polls, "polls counted (%u)", s.st.polls);

	rc = slave_io_read_result(&s, 0x9999, &r);
	tap_ok(rc == -EPROTO, "result read with the wrong job id -> -EPROTO (rc %d)", rc);

	/* Range that does not contain the answer: exhausted, last nonce tried. */
	test_make_job(&job, 7, 0, 20);
	rc = AGAIN(&s, slave_io_send_job(&s, &job));
	if (rc == 0)
		rc = test_wait_result(&s, 7, &r, &polls);
	tap_ok(rc == 0 && r.found == 0 && r.nonce == 20,
	       "range 0..20 exhausted: found %u nonce %lu (rc %d)", r.found,
	       (unsigned long)r.nonce, rc);

	/* A start beyond the end is refused here, never sent. */
	test_make_job(&job, 8, 30, 20);
	rc = AGAIN(&s, slave_io_send_job(&s, &job));
	tap_ok(rc == -EINVAL, "start > end refused (rc %d)", rc);
}

static void test_abort(uint8_t a)
{
	struct duco_result r;
	struct duco_job job;
	struct slave_io s;
	int rc, st;

	slave_io_init(&s, &test_bus, a);
	/* The answer (50) is below the start: this job hashes until aborted. */
	test_make_job(&job, 0x4242, 100, 4000000000u);
	rc = AGAIN(&s, slave_io_send_job(&s, &job));
	st = slave_io_poll(&s, 1);
	tap_ok(rc == 0 && st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_BUSY,
	       "long job running: status 0x%02x", st);
	rc = slave_io_read_result(&s, 0x4242, &r);
	tap_ok(rc == -EAGAIN, "read_result while busy -> -EAGAIN (rc %d)", rc);
	rc = AGAIN(&s, slave_io_abort(&s));
	st = slave_io_poll(&s, 1);
	tap_ok(rc == 0 && st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_IDLE,
	       "abort -> idle (rc %d, status 0x%02x)", rc, st);

	/*
	 * Frames back to back while the slave hashes: the second may come before
	 * the main loop took the first (one nonce time) and be refused as an
	 * overrun; slave_io must resend it until it is accepted.
	 */
	test_make_job(&job, 0x4343, 100, 4000000000u);
	rc = AGAIN(&s, slave_io_send_job(&s, &job));
	s.st.crc_retries = 0;
	for (int i = 0; i < 5 && rc == 0; i++) {
		rc = AGAIN(&s, slave_io_abort(&s));
		if (rc == 0)
			rc = AGAIN(&s, slave_io_send_job(&s, &job));
	}
	if (rc == 0)
		rc = AGAIN(&s, slave_io_abort(&s));
	tap_ok(rc == 0, "11 frames back to back while hashing all accepted (%u refused and resent)",
	       s.st.crc_retries);
}

static void test_crc_retry(uint8_t a)
{
	struct duco_identity id;
	struct duco_result r;
	struct duco_job job;
	struct slave_io s;
	uint32_t polls;
	int rc, ok = 1;

	slave_io_init(&s, &test_bus, a);
	/* Read side: a checked status read comes back with one bit flipped. */
	if (test_fault(a, SIMBUS_FAULT_FLIP_BIT, 1) < 0)
		ok = 0;
	rc = slave_io_poll(&s, 1);              /* a plain read: the flip hits read data */
	tap_ok(ok && rc >= 0 && s.st.crc_retries >= 1,
	       "flipped bit in a read frame is caught and re-read (%u CRC retries, rc %d)",
	       s.st.crc_retries, rc);

	/* Write side: the JOB frame arrives damaged, the slave REJECTs, we resend. */
	ok = test_fault(a, SIMBUS_FAULT_FLIP_BIT, 1) == 0;
	s.st.crc_retries = 0;
	test_make_job(&job, 0x0c0c, 0, 1000);
	rc = AGAIN(&s, slave_io_send_job(&s, &job));
	tap_ok(ok && rc == 0 && s.st.crc_retries >= 1,
	       "flipped bit in a JOB frame: rejected by the slave, resent (%u CRC retries, rc %d)",
	       s.st.crc_retries, rc);
	if (rc == 0)
		rc = test_wait_result(&s, job.job_id, &r, &polls);
	tap_ok(rc == 0 && r.found && r.nonce == 50, "the resent job still gives nonce 50 (rc %d)",
	       rc);

	/* Several flips in a row, within the retry budget. */
	ok = test_fault(a, SIMBUS_FAULT_FLIP_BIT, 3) == 0;
	s.st.crc_retries = 0;
	rc = AGAIN(&s, slave_io_identify(&s, &id));
	tap_ok(ok && rc == 0 && id.i2c_addr == a && s.st.crc_retries >= 1,
	       "identify through 3 flipped transfers (%u CRC retries, rc %d)",
	       s.st.crc_retries, rc);
	test_fault(a, SIMBUS_FAULT_CLEAR, 0);
	rc = AGAIN(&s, slave_io_identify(&s, &id));
	tap_ok(rc == 0 && id.crc_errors >= 1,
	       "slave counted the damaged frames it rejected (crc_errors %u)", id.crc_errors);
	rc = AGAIN(&s, slave_io_clear_errors(&s));
	if (rc == 0)
		rc = AGAIN(&s, slave_io_identify(&s, &id));
	tap_ok(rc == 0 && id.crc_errors == 0 && id.frame_errors == 0,
	       "clear_errors zeroes the counters (rc %d, crc %u)", rc, id.crc_errors);
}

static void test_nack_retry(uint8_t a, uint8_t other)
{
	struct duco_identity id;
	struct slave_io s, o;
	int64_t t0;
	int rc, ok;

	slave_io_init(&s, &test_bus, a);
	ok = test_fault(a, SIMBUS_FAULT_NACK, 2) == 0;
	rc = AGAIN(&s, slave_io_identify(&s, &id));
	tap_ok(ok && rc == 0 && s.st.nack_retries >= 2,
	       "identify through 2 address NACKs (%u NACK retries, rc %d)", s.st.nack_retries, rc);

	ok = test_fault(a, SIMBUS_FAULT_NACK, 50) == 0;
	rc = slave_io_poll(&s, 1);
	tap_ok(ok && rc == -ENXIO, "NACKs beyond the retry budget -> -ENXIO (rc %d)", rc);
	test_fault(a, SIMBUS_FAULT_CLEAR, 0);

	/* A silent slave: an error comes back promptly, the other slave works. */
	ok = test_fault(a, SIMBUS_FAULT_SILENT, 0) == 0;
	t0 = test_now_ms();
	rc = AGAIN(&s, slave_io_identify(&s, &id));
	tap_ok(ok && rc < 0 && test_now_ms() - t0 < 2000,
	       "silent slave -> error in %lld ms without hanging (rc %d)",
	       (long long)(test_now_ms() - t0), rc);
	slave_io_init(&o, &test_bus, other);
	rc = AGAIN(&o, slave_io_identify(&o, &id));
	tap_ok(rc == 0 && id.i2c_addr == other, "the other slave 0x%02x answers meanwhile", other);
	test_fault(a, SIMBUS_FAULT_CLEAR, 0);
	rc = AGAIN(&s, slave_io_identify(&s, &id));
	tap_ok(rc == 0, "silent slave answers again after the fault is cleared (rc %d)", rc);
	tap_ok(s.st.failures >= 2, "failed calls counted (%u)", s.st.failures);

	slave_io_init(&s, &test_bus, 0x33);
	rc = AGAIN(&s, slave_io_identify(&s, &id));
	tap_ok(rc == -ENXIO, "identify at an empty address -> -ENXIO (rc %d)", rc);
}

static void test_set_addr(uint8_t a, uint8_t other)
{
	struct duco_identity id;
	uint8_t found[16];
	struct slave_io s;
	const uint8_t moved = 0x2a;
	int rc, n;

	slave_io_init(&s, &test_bus, a);
	rc = AGAIN(&s, slave_io_set_addr(&s, 0x78));
	tap_ok(rc == -EINVAL, "set_addr 0x78 (reserved) refused (rc %d)", rc);
	rc = AGAIN(&s, slave_io_set_addr(&s, moved));
	tap_ok(rc == 0 && s.addr == moved, "set_addr 0x%02x -> 0x%02x confirmed (rc %d)", a, moved,
	       rc);
	n = slave_io_scan(&test_bus, DUCO_ADDR_MIN, DUCO_ADDR_MAX, found, 16);
	tap_ok(n == 2 && ((found[0] == other && found[1] == moved) ||
			  (found[0] == moved && found[1] == other)),
	       "scan now finds 0x%02x and 0x%02x, not 0x%02x (n=%d)", other, moved, a, n);
	rc = AGAIN(&s, slave_io_identify(&s, &id));
	tap_ok(rc == 0 && id.i2c_addr == moved, "identity reports 0x%02x", id.i2c_addr);
	rc = AGAIN(&s, slave_io_set_addr(&s, a));
	tap_ok(rc == 0 && s.addr == a, "and back to 0x%02x (rc %d)", a, rc);
}

static void test_reset(uint8_t a)
{
	struct duco_identity id;
	struct duco_job job;
	struct slave_io s;
	int rc, st;

	slave_io_init(&s, &test_bus, a);
	test_make_job(&job, 0x5151, 100, 4000000000u);
	rc = AGAIN(&s, slave_io_send_job(&s, &job));
	tap_ok(rc == 0, "long job before reset (rc %d)", rc);
	rc = slave_io_reset(&s);
	tap_ok(rc == 0, "reset accepted (rc %d)", rc);
	rc = test_identify_retry(&s, &id, 5000);
	tap_ok(rc == 0 && (id.reset_cause & DUCO_RESET_WATCHDOG),
	       "slave back after reset, reset cause 0x%02x has the watchdog bit (rc %d)",
	       id.reset_cause, rc);
	st = slave_io_poll(&s, 1);
	tap_ok(st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_IDLE,
	       "after reset the job is gone: idle (status 0x%02x)", st);
}

/*
 * The counter slave_io remembers goes stale when another program talks to
 * the slave or the slave reboots behind its back; the next command must
 * still go through, exactly once.
 */
static void test_stale_seq(uint8_t a)
{
	struct duco_identity id;
	struct duco_result r;
	struct duco_job job;
	struct slave_io s, other;
	uint32_t polls;
	int64_t t0;
	int rc, st = -1;

	slave_io_init(&s, &test_bus, a);
	slave_io_init(&other, &test_bus, a);
	rc = AGAIN(&s, slave_io_identify(&s, &id));
	if (rc == 0)
		rc = AGAIN(&other, slave_io_clear_errors(&other));     /* advances the counter behind s */
	test_make_job(&job, 0x2121, 0, 1000);
	if (rc == 0)
		rc = AGAIN(&s, slave_io_send_job(&s, &job));
	if (rc == 0)
		rc = test_wait_result(&s, job.job_id, &r, &polls);
	tap_ok(rc == 0 && r.nonce == 50, "stale counter (another program sent a frame): job still "
	       "accepted once and solved (rc %d)", rc);

	rc = test_fault(a, SIMBUS_FAULT_RESET, 0);
	t0 = test_now_ms();
	while (rc == 0 && test_now_ms() - t0 < 5000) {
		st = slave_io_poll(&s, 0);      /* unchecked: leaves the stale counter */
		if (st >= 0)
			break;
		test_sleep_ms(10);
	}
	job.job_id = 0x2222;
	if (rc == 0 && st >= 0)
		rc = AGAIN(&s, slave_io_send_job(&s, &job));
	if (rc == 0 && st >= 0)
		rc = test_wait_result(&s, job.job_id, &r, &polls);
	tap_ok(rc == 0 && st >= 0 && r.nonce == 50 && r.job_id == 0x2222,
	       "stale counter (slave reset behind our back): job accepted and solved (rc %d)", rc);
}

/*
 * Run with DUCORIG_I2C_SHIM_PARTIAL=2 under the stand-in: the first two
 * I2C_RDWR calls deliver the write half only and report 1 message done.
 * The backend must turn that into an error, and slave_io must find that
 * the frame did arrive (it looks before resending) and not send it twice.
 */
static void test_partial(uint8_t a)
{
	struct duco_identity id;
	struct slave_io s;
	int rc, st;

	slave_io_init(&s, &test_bus, a);
	st = slave_io_poll(&s, 1);              /* 2-byte read: learns the counter */
	rc = AGAIN(&s, slave_io_clear_errors(&s));         /* RDWR #1: write only, partial */
	tap_ok(st >= 0 && rc == 0 && s.st.nack_retries >= 1,
	       "partial I2C_RDWR (1 of 2 messages) is an error the retry absorbs (rc %d, %u retries)",
	       rc, s.st.nack_retries);
	tap_ok(st >= 0 && DUCO_STATUS_SEQ(s.last_status) == ((DUCO_STATUS_SEQ(st) + 1) & 0x0f),
	       "the frame was executed exactly once (counter 0x%x -> 0x%x)",
	       DUCO_STATUS_SEQ(st), DUCO_STATUS_SEQ(s.last_status));
	rc = AGAIN(&s, slave_io_identify(&s, &id));        /* RDWR #2 partial, then whole */
	tap_ok(rc == 0 && id.i2c_addr == a, "identify through a partial transfer (rc %d)", rc);
}

/*
 * Plain read()/write() on the adapter, the other i2c-dev interface (what
 * simple tools use): an IDENTIFY frame written, then the identity read in
 * a separate transaction (the slave keeps serving it until the next frame).
 */
static void test_plain_rw(const char *dev, uint8_t a)
{
	uint8_t w[DUCO_MAX_WRITE_FRAME], r[DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY)];
	struct duco_identity id;
	ssize_t nw = -1, nr = -1;
	uint8_t n = duco_encode_simple(w, DUCO_CMD_IDENTIFY);
	int fd = open(dev, O_RDWR);

	if (fd >= 0 && ioctl(fd, I2C_SLAVE, (unsigned long)a) == 0) {
		nw = write(fd, w, n);
		nr = read(fd, r, sizeof(r));
	}
	tap_ok(nw == n && nr == (ssize_t)sizeof(r) &&
	       duco_decode_identity(r, sizeof(r), &id) == DUCO_OK && id.i2c_addr == a,
	       "plain write() + read() on %s: identity of 0x%02x (wrote %zd, read %zd)", dev, a,
	       nw, nr);
	if (fd >= 0 && ioctl(fd, I2C_SLAVE, (unsigned long)0x33) == 0)
		nr = read(fd, r, 1);
	tap_ok(fd >= 0 && nr < 0 && errno == ENXIO, "read() at an empty address: ENXIO");
	if (fd >= 0)
		close(fd);
}

static void test_not_i2c(void)
{
	struct bus b;
	char path[] = "/tmp/ducorig-noti2c-XXXXXX";
	int fd, rc;

	rc = bus_open(&b, "/dev/null");
	tap_ok(rc == -ENOTTY, "i2cdev on /dev/null: -ENOTTY, not an I2C adapter (rc %d)", rc);
	fd = mkstemp(path);
	rc = fd >= 0 ? bus_open(&b, path) : -EIO;
	tap_ok(rc == -ENOTTY, "i2cdev on a regular file: -ENOTTY (rc %d)", rc);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	rc = bus_open(&b, "/dev/i2c-does-not-exist");
	tap_ok(rc == -ENOENT, "i2cdev on a missing node: -ENOENT (rc %d)", rc);
	rc = bus_open(&b, "i2c-1");
	tap_ok(rc == -EINVAL, "spec that is neither sim: nor a path: -EINVAL (rc %d)", rc);
}

int main(int argc, char **argv)
{
	const char *spec = NULL, *ctl = NULL, *want_backend = NULL;
	uint8_t a1 = 0x08, a2 = 0x09;
	int rc, partial = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--bus") == 0)
			spec = argv[i + 1];
		else if (strcmp(argv[i], "--ctl") == 0)
			ctl = argv[i + 1];
		else if (strcmp(argv[i], "--backend") == 0)
			want_backend = argv[i + 1];
		else if (strcmp(argv[i], "--addr") == 0)
			a1 = (uint8_t)strtoul(argv[i + 1], NULL, 0);
		else if (strcmp(argv[i], "--addr2") == 0)
			a2 = (uint8_t)strtoul(argv[i + 1], NULL, 0);
		else if (strcmp(argv[i], "--only") == 0 && strcmp(argv[i + 1], "partial") == 0)
			partial = 1;
	}
	if (spec == NULL || ctl == NULL) {
		tap_ok(0, "usage: test_slave_io --bus SPEC --ctl sim:SOCKET [--backend NAME]");
		return tap_done();
	}
	rc = bus_open(&test_bus, spec);
	tap_ok(rc == 0, "open bus %s (rc %d)", spec, rc);
	rc = rc == 0 ? bus_open(&test_ctl, ctl) : rc;
	tap_ok(rc == 0, "open fault-injection connection %s (rc %d)", ctl, rc);
	if (rc < 0)
		return tap_done();
	if (want_backend)
		tap_ok(strcmp(test_bus.ops->name, want_backend) == 0, "backend is %s (%s)",
		       want_backend, test_bus.ops->name);
	if (partial) {
		test_partial(a1);
		bus_close(&test_bus);
		bus_close(&test_ctl);
		return tap_done();
	}

	test_scan(a1, a2);
	test_identity(a1, a2);
	test_job(a1);
	test_abort(a2);
	test_crc_retry(a1);
	test_nack_retry(a2, a1);
	test_set_addr(a2, a1);
	test_reset(a1);
	test_stale_seq(a2);
	if (strncmp(spec, "sim:", 4) == 0)
		test_not_i2c();
	else
		test_plain_rw(spec, a1);
	tap_diag("bus %s: %u transfers, %u NACKs, %u errors", spec, test_bus.xfers,
		 test_bus.nacks, test_bus.errors);
	bus_close(&test_bus);
	bus_close(&test_ctl);
	return tap_done();
}
