/*
 * test_master_sm.c - ducomaster's D/C/R/J/K/W/E/F/G state machine under a
 * fake clock. The AVR is an in-test bus_ops that speaks the real frame
 * format (common/duco_proto) and finds nonces with common/duco_s1, finishing
 * after nonce / rate seconds of fake time; the pool is the test itself on
 * the other end of a real socketpair. The master's slave_io.c, pool.c,
 * ratelimit.c and miner.c run unchanged. TAP on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "duco_proto.h"
#include "duco_s1.h"
#include "miner.h"
#include "tap.h"

/* ---- the in-test AVR ---------------------------------------------------- */
struct fake_avr {
	struct mclock *clock;
	double rate;            /* H/s */
	int state;              /* enum duco_state */
	int reject;
	uint8_t seq;
	int show_identity;
	struct duco_job job;
	uint32_t nonce;
	int64_t done_at;
	int wrong;              /* report nonce + 1 */
	int silent;             /* NACK everything */
	unsigned jobs, resets;
};

static struct fake_avr avr;

static int fake_xfer(struct bus *b, uint8_t addr, const uint8_t *w, uint16_t wlen,
		     uint8_t *r, uint16_t rlen)
{
	uint8_t frame[64], body[DUCO_MAX_READ_BODY];
	uint8_t blen = 0, n;
	int64_t now = mclock_now_us(avr.clock);

	if (avr.silent)
		return -ENXIO;
	if (wlen) {
		if (duco_frame_check(w, (uint8_t)wlen) != DUCO_OK) {
			avr.reject = 1;
		} else {
			avr.reject = 0;
			avr.seq = (uint8_t)((avr.seq + 1) & 0x0f);
			avr.show_identity = 0;
			switch (w[0]) {
			case DUCO_CMD_JOB:
				duco_decode_job(w, &avr.job);
				duco_s1_search(avr.job.last_hash, avr.job.expected,
					       avr.job.start_nonce, avr.job.end_nonce, &avr.nonce);
				avr.done_at = now + (int64_t)(avr.nonce / avr.rate * 1e6);
				avr.state = DUCO_ST_BUSY;
				avr.jobs++;
				break;
			case DUCO_CMD_IDENTIFY:
				avr.show_identity = 1;
				break;
			case DUCO_CMD_RESET:
				avr.resets++;
				avr.state = DUCO_ST_IDLE;
				avr.seq = 0;
				break;
			default:
				avr.state = DUCO_ST_IDLE;
			}
		}
	}
	if (avr.state == DUCO_ST_BUSY && now >= avr.done_at)
		avr.state = DUCO_ST_DONE;
	if (avr.show_identity) {
		struct duco_identity id = {
			.proto_version = DUCO_PROTO_VERSION, .fw_version = 0x0100,
			.board_id = DUCO_BOARD_NANO, .f_cpu = 16000000,
			.ducoid = { 1, 2, 3, 4, 5, 6, 7, 0xab }, .i2c_addr = addr,
		};
		duco_encode_identity_body(body, &id);
		blen = DUCO_IDENTITY_BODY;
	} else if (avr.state == DUCO_ST_DONE) {
		struct duco_result res = {
			.job_id = avr.job.job_id, .found = 1,
			.nonce = avr.nonce + (avr.wrong ? 1 : 0),
			.elapsed_us = (uint32_t)(avr.nonce / avr.rate * 1e6),
		};
		duco_encode_result_body(body, &res);
		blen = DUCO_RESULT_BODY;
	}
	n = duco_encode_read(frame, DUCO_STATUS_MAKE(avr.state, avr.reject, avr.seq), body, blen);
	if (rlen) {
		memset(r, 0xff, rlen);
		memcpy(r, frame, rlen < n ? rlen : n);
	}
	return 0;
}

static const struct bus_ops fake_ops = { .name = "fake", .xfer = fake_xfer };

/* ---- the test pool ------------------------------------------------------ */
static int pool_end = -1;

static int test_connect(struct miner_env *env, struct miner *s)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		return -errno;
	if (pool_end >= 0)
		close(pool_end);
	pool_end = sv[1];
	return sv[0];
}

static void pool_say(const char *msg)
{
	if (write(pool_end, msg, strlen(msg)) != (ssize_t)strlen(msg))
		tap_diag("short write to the slave");
}

/* What the master sent since the last call ("" if nothing). */
static const char *pool_heard(void)
{
	static char buf[512];
	ssize_t n = read(pool_end, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* A job line whose solution is nonce. */
static void make_job(char *line, size_t len, uint32_t nonce, unsigned diff)
{
	static const char last[] = "ba29a15896fd2d792d5c4b60668bf2b9feebc51d";
	uint8_t digest[20];
	char hex[41];

	duco_s1_hash(last, nonce, digest);
	duco_bin_to_hex(digest, 20, hex, 0);
	hex[40] = '\0';
	snprintf(line, len, "%s,%s,%u\n", last, hex, diff);
}

/* ---- driving ------------------------------------------------------------ */
static struct mclock clk;
static struct config cfg;
static struct ratelimit_conn conn;
static struct miner_env env;
static struct bus bus = { .ops = &fake_ops, .spec = "fake" };
static struct miner sl;

/* Run the slave, moving fake time to each wake-up, until t_end. */
static void run_until(int64_t t_end)
{
	for (int guard = 0; guard < 100000; guard++) {
		miner_on_readable(&sl, &env);
		miner_run(&sl, &env);
		if (!sl.wake_at_us || sl.wake_at_us > t_end) {
			clk.fake_us = t_end;
			miner_on_readable(&sl, &env);
			miner_run(&sl, &env);
			return;
		}
		if (sl.wake_at_us > clk.fake_us)
			clk.fake_us = sl.wake_at_us;
	}
	tap_diag("run_until: guard hit");
}

static void setup(double rate)
{
	memset(&avr, 0, sizeof(avr));
	avr.clock = &clk;
	avr.rate = rate;
	mclock_fake_init(&clk, 1000000000);
	config_defaults(&cfg);
	snprintf(cfg.user, sizeof(cfg.user), "tester");
	ratelimit_conn_init(&conn, 50, 30000000, 0);
	env = (struct miner_env){ .clock = &clk, .cfg = &cfg, .conn = &conn, .rng = 1,
				  .connect = test_connect };
	snprintf(env.pool_addr, sizeof(env.pool_addr), "test:1");
	miner_init(&sl, &bus, 0x08);
}

/* D -> C -> R: connect, banner, request read by the test. */
static int connect_and_request(void)
{
	const char *req;

	run_until(clk.fake_us);
	if (sl.fd < 0 || !miner_connecting(&sl))
		return 0;
	miner_on_writable(&sl, &env);
	pool_say("4.3\n");
	run_until(clk.fake_us + 1000);
	req = pool_heard();
	return sl.state == MINER_R && !strcmp(req, "JOB,tester,AVR,None");
}

static void test_fast_slave_held(void)
{
	char job[128];
	const char *res;
	int64_t t_job, send_at;
	double limit;

	setup(2000);
	tap_ok(connect_and_request(), "D->C->R: connected, banner read, JOB request sent");
	tap_ok(!strcmp(sl.ducoid, "DUCOID01020304050607AB"), "DUCOID from the identity: %s", sl.ducoid);
	make_job(job, sizeof(job), 700, 10);
	pool_say(job);
	t_job = clk.fake_us;
	run_until(clk.fake_us + 1000);
	tap_ok(sl.state == MINER_K && avr.jobs == 1, "R->J->K: job transferred to the slave");
	/* Done after 350 ms; the first result (no speed estimate) is sent once
	 * nonce / limit after the job arrived. */
	run_until(t_job + 400000);
	limit = cfg.max_hashrate * (1 - cfg.margin);
	send_at = t_job + (int64_t)(700 / limit * 1e6);
	tap_ok(sl.state == MINER_W, "fast slave: result held in W (state %c)",
	       miner_state_letter(sl.state));
	tap_ok(!strcmp(pool_heard(), ""), "nothing sent while held");
	run_until(send_at - 1000);
	tap_ok(sl.state == MINER_W && !strcmp(pool_heard(), ""), "still held 1 ms before nonce/limit");
	run_until(send_at + 1000);
	res = pool_heard();
	tap_ok(sl.state == MINER_E, "W->E at nonce/limit after the job");
	tap_ok(!strcmp(res, "700,361.00,ducorig AVR I2C Miner 0.1,None,DUCOID01020304050607AB"),
	       "result line reports the limit: %s", res);
	pool_say("GOOD\n");
	run_until(clk.fake_us + 1000);
	tap_ok(sl.st.rep.good == 1 && sl.st.holds == 1 && sl.state == MINER_R,
	       "GOOD counted, next job requested at once (G->C->R)");
	tap_ok(sl.last.hold_ms > 900 && sl.last.hold_ms < 1700, "hold_ms %.1f recorded",
	       sl.last.hold_ms);

	/* Second job: the speed is known, polls are spaced geometrically. */
	pool_heard();
	make_job(job, sizeof(job), 900, 10);
	pool_say(job);
	run_until(clk.fake_us + 3000000);
	tap_ok(sl.st.rep.good == 1 && sl.state == MINER_E, "second result sent");
	tap_ok((int)sl.polls < 450 / cfg.poll_interval_ms / 2,
	       "geometric polling: %u polls for a 450 ms job (interval would need %d)",
	       sl.polls, 450 / cfg.poll_interval_ms);
	pool_say("BAD,Too low starting difficulty\n");
	run_until(clk.fake_us + 1000);
	tap_ok(sl.st.rep.bad == 1 && sl.st.tier_moves == 1 &&
	       sl.st.bad_by_reason[POOL_BAD_TOO_LOW_START] == 1 && sl.state == MINER_R,
	       "BAD tier move counted (F), connection kept, next request sent");
	miner_shutdown(&sl, &env);
}

static void test_slow_slave(void)
{
	char job[128], want[128];
	const char *res;
	int64_t t_job;

	setup(200);
	tap_ok(connect_and_request(), "slow slave: connected and requested");
	make_job(job, sizeof(job), 300, 10);
	pool_say(job);
	t_job = clk.fake_us;
	/* Done at 1.5 s; found within one poll interval, then sent at once. */
	run_until(t_job + 1500000 + cfg.poll_interval_ms * 1000 + 2000);
	res = pool_heard();
	snprintf(want, sizeof(want), "300,200.00,ducorig AVR I2C Miner 0.1,None,%s", sl.ducoid);
	tap_ok(sl.state == MINER_E && !strcmp(res, want), "slow slave: sent without hold, reports r_slave: %s", res);
	tap_ok((int)sl.polls >= 1500 / cfg.poll_interval_ms - 2 && (int)sl.polls <= 1500 / cfg.poll_interval_ms + 3,
	       "interval polling: %u polls in 1.5 s at %d ms", sl.polls, cfg.poll_interval_ms);
	tap_ok(sl.st.holds == 0, "no hold for a slave under the limit");
	miner_shutdown(&sl, &env);
}

static void test_wrong_nonce(void)
{
	char job[128];

	setup(1000);
	connect_and_request();
	avr.wrong = 1;
	make_job(job, sizeof(job), 100, 10);
	pool_say(job);
	run_until(clk.fake_us + 2000000);
	tap_ok(!strcmp(pool_heard(), ""), "wrong nonce never sent to the pool");
	tap_ok(sl.st.wrong_nonces >= 1 && sl.st.slave_faults >= 1,
	       "wrong nonce counted as a slave fault (%u)", sl.st.wrong_nonces);
	tap_ok(avr.jobs >= 2, "job transferred again after a wrong result (%u transfers)", avr.jobs);
	avr.wrong = 0;
	run_until(clk.fake_us + 5000000);
	tap_ok(sl.state == MINER_E && sl.fd >= 0, "slave recovers on the same pool connection");
	miner_shutdown(&sl, &env);
}

static void test_silent_slave(void)
{
	char job[128];
	int fd;

	setup(300);
	connect_and_request();
	fd = sl.fd;
	make_job(job, sizeof(job), 600, 10);
	pool_say(job);
	run_until(clk.fake_us + 100000);
	avr.silent = 1;
	run_until(clk.fake_us + 500000);
	tap_ok(sl.st.slave_faults >= 1 && sl.state == MINER_J && !sl.io_ready,
	       "silent slave: fault, back to J awaiting the slave (state %c)",
	       miner_state_letter(sl.state));
	tap_ok(sl.fd == fd, "pool connection kept while the slave is retried");
	avr.silent = 0;
	run_until(clk.fake_us + 10000000);
	tap_ok(sl.io_ready && (sl.state == MINER_E || sl.state == MINER_W),
	       "slave answers again: identity re-read, job redone (state %c)",
	       miner_state_letter(sl.state));
	miner_shutdown(&sl, &env);
}

static void test_refusal_and_close(void)
{
	setup(300);
	connect_and_request();
	pool_say("BAD,Too many workers\n");
	run_until(clk.fake_us + 1000);
	tap_ok(sl.state == MINER_D && sl.fd < 0 && sl.st.refusals == 1,
	       "refusal instead of a job: counted, disconnected");
	tap_ok(sl.retry_at_us - clk.fake_us > 10000000, "refusal backs off (%.1f s)",
	       (sl.retry_at_us - clk.fake_us) / 1e6);
	run_until(sl.retry_at_us + 1000);
	tap_ok(sl.fd >= 0, "reconnects after the backoff");
	miner_on_writable(&sl, &env);
	pool_say("4.3");        /* old server: no newline */
	run_until(clk.fake_us + 100000);
	tap_ok(sl.state == MINER_R, "banner without newline accepted after the grace time");
	pool_heard();
	close(pool_end);
	pool_end = -1;
	run_until(clk.fake_us + 1000);
	tap_ok(sl.state == MINER_D && sl.fd < 0 && sl.st.disconnects == 2,
	       "pool closing the connection -> D");
	miner_shutdown(&sl, &env);
}

static void test_timeout(void)
{
	setup(300);
	connect_and_request();
	run_until(clk.fake_us + cfg.job_timeout_s * 1000000LL + 1000);
	tap_ok(sl.state == MINER_D && sl.st.timeouts == 1, "no job within job_timeout_s -> D");
	miner_shutdown(&sl, &env);
}

/*
 * Step the miner one call at a time through state D, answering its connect
 * and sending the banner, and write down each D sub-state it is in after a
 * call. A call that did two steps would leave a sub-state out.
 */
static int trace_d(enum miner_dsub *seen, int max, int64_t t_end)
{
	int n = 0;

	for (int guard = 0; guard < 10000 && sl.state == MINER_D && clk.fake_us <= t_end; guard++) {
		if (!n || seen[n - 1] != sl.dsub) {
			if (n < max)
				seen[n] = sl.dsub;
			n++;
		}
		if (miner_connecting(&sl)) {
			/* the pool accepts at once and greets */
			miner_on_writable(&sl, &env);
			pool_say("4.3\n");
			continue;
		}
		miner_on_readable(&sl, &env);
		if (!miner_step(&sl, &env) && !miner_connecting(&sl) && sl.wake_at_us > clk.fake_us)
			clk.fake_us = sl.wake_at_us;
	}
	return n;
}

static int trace_is(const enum miner_dsub *seen, int n, const enum miner_dsub *want, int nwant,
		    char *text, size_t len)
{
	size_t used = 0;

	text[0] = '\0';
	for (int i = 0; i < n && i < 8 && used < len; i++)
		used += (size_t)snprintf(text + used, len - used, "%s%s", i ? " " : "",
					 miner_dsub_name(seen[i]));
	if (n != nwant)
		return 0;
	for (int i = 0; i < n; i++)
		if (seen[i] != want[i])
			return 0;
	return 1;
}

static void test_d_substates(void)
{
	static const enum miner_dsub fixed[] = {
		MINER_D_BACKOFF, MINER_D_IDENTIFY, MINER_D_RESOLVE, MINER_D_CONNECT, MINER_D_BANNER,
	};
	static const enum miner_dsub autotier[] = {
		MINER_D_BACKOFF, MINER_D_IDENTIFY, MINER_D_CALIBRATE, MINER_D_RESOLVE,
		MINER_D_CONNECT, MINER_D_BANNER,
	};
	enum miner_dsub seen[16];
	char text[160];
	int n;

	setup(300);
	n = trace_d(seen, 16, clk.fake_us + 5000000);
	tap_ok(trace_is(seen, n, fixed, 5, text, sizeof(text)) && sl.state == MINER_C,
	       "D sub-states in order, one per step: %s", text);
	run_until(clk.fake_us + 1000);
	pool_heard();
	close(pool_end);
	pool_end = -1;
	run_until(clk.fake_us + 1000);
	tap_ok(sl.state == MINER_D && sl.dsub == MINER_D_BACKOFF,
	       "a closed pool connection goes back to D/backoff");
	n = trace_d(seen, 16, clk.fake_us + 200000000);
	tap_ok(trace_is(seen, n, fixed, 5, text, sizeof(text)) && sl.state == MINER_C,
	       "reconnect: backoff waited out, identity still known, same order: %s", text);
	miner_shutdown(&sl, &env);

	setup(450);
	cfg.tier = CONFIG_TIER_AUTO;
	n = trace_d(seen, 16, clk.fake_us + 5000000);
	tap_ok(trace_is(seen, n, autotier, 6, text, sizeof(text)) && sl.state == MINER_C,
	       "tier auto: the speed test is its own step before the address: %s", text);
	miner_shutdown(&sl, &env);
}

static void test_auto_tier(void)
{
	char job[128], want[128];
	const char *res;

	setup(450);
	cfg.tier = CONFIG_TIER_AUTO;
	run_until(clk.fake_us + 5000000);
	tap_ok(avr.jobs == 1 && sl.rate_est > 440 && sl.rate_est < 460,
	       "tier auto: speed test on the slave before connecting (%.1f H/s)", sl.rate_est);
	tap_ok(sl.fd >= 0 && miner_connecting(&sl), "connects after the speed test");
	miner_on_writable(&sl, &env);
	pool_say("4.3\n");
	run_until(clk.fake_us + 1000);
	res = pool_heard();
	tap_ok(!strcmp(res, "JOB,tester,MEGA,None"), "first request already in the measured tier: %s", res);
	make_job(job, sizeof(job), 900, 24);
	pool_say(job);
	run_until(clk.fake_us + 2100000);
	res = pool_heard();
	snprintf(want, sizeof(want), "900,450.00,ducorig AVR I2C Miner 0.1,None,%s", sl.ducoid);
	tap_ok(!strcmp(res, want), "auto: no hold, reports nonce / slave elapsed: %s", res);
	miner_shutdown(&sl, &env);
}

int main(void)
{
	test_fast_slave_held();
	test_slow_slave();
	test_wrong_nonce();
	test_silent_slave();
	test_refusal_and_close();
	test_timeout();
	test_auto_tier();
	test_d_substates();
	return tap_done();
}
