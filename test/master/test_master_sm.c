/*
 * test_master_sm.c - ducomaster's D/C/R/J/K/W/E/F/G state machine under a
 * fake clock. The slave is ducosim's host model slave (sim_model.c, which
 * runs common/slave.c, the firmware's protocol code) on an in-process
 * simulated bus (test/lib/bus_rig.c), hashing with common/duco_s1 at a set
 * rate in simulated time that follows the fake clock; the pool is the test
 * itself on the other end of a real socketpair. The master's slave_io.c,
 * pool.c, ratelimit.c and miner.c run unchanged. TAP on stdout.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "bus_rig.h"
#include "duco_proto.h"
#include "duco_s1.h"
#include "miner.h"
#include "tap.h"

#define SLAVE_ADDR 0x08
/* 1 MHz: a status poll takes 29 us of bus time, which the fake clock does
 * not see; the hashing times under test are hundreds of ms. */
#define SLAVE_BUS_HZ 1000000

/* ---- the slave ------------------------------------------------------------ */
static struct bus_rig rig;
static int rig_up;
static char slave_ducoid[24];   /* what the slave itself reports */

/* The slave's DUCOID, read here directly (IDENTIFY and its frame). */
static void read_slave_ducoid(struct bus *b)
{
	uint8_t f[DUCO_MAX_WRITE_FRAME], r[DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY)];
	struct duco_identity id;
	char hex[17];
	uint8_t n = duco_encode_simple(f, DUCO_CMD_IDENTIFY);

	snprintf(slave_ducoid, sizeof(slave_ducoid), "?");
	if (bus_xfer(b, SLAVE_ADDR, f, n, r, sizeof(r)) < 0 ||
	    duco_decode_identity(r, sizeof(r), &id) != DUCO_OK)
		return;
	duco_bin_to_hex(id.ducoid, 8, hex, 1);
	hex[16] = '\0';
	snprintf(slave_ducoid, sizeof(slave_ducoid), "DUCOID%s", hex);
}

/* The result line a slave that is not held sends: nonce, its own rate. */
static void unheld_line(char *want, size_t len, uint32_t nonce, uint32_t elapsed_us)
{
	snprintf(want, len, "%u,%.2f,ducorig AVR I2C Miner 0.1,None,%s", nonce,
		 nonce / (elapsed_us / 1e6), slave_ducoid);
}

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
static struct bus bus;
static struct board bd;
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
	mclock_fake_init(&clk, 1000000000);
	if (rig_up)
		bus_rig_destroy(&rig);
	bus_rig_init(&bus, &rig, &clk, SLAVE_BUS_HZ);
	rig_up = 1;
	if (bus_rig_add_model(&rig, SLAVE_ADDR, rate) < 0)
		tap_diag("setup: no model slave");
	read_slave_ducoid(&bus);
	config_defaults(&cfg);
	snprintf(cfg.user, sizeof(cfg.user), "tester");
	ratelimit_conn_init(&conn, 50, 30000000, 0);
	env = (struct miner_env){ .clock = &clk, .cfg = &cfg, .conn = &conn, .rng = 1, .threads = 1,
				  .connect = test_connect };
	snprintf(env.pool_addr, sizeof(env.pool_addr), "test:1");
	board_init(&bd, &bus, SLAVE_ADDR);
	miner_init(&sl, &bd, 0);
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

/*
 * A slave at 300 H/s with a diff-10 job of nonce 600 under way for 100 ms
 * (in J or K), the stage every fault test starts from. Returns the pool fd.
 */
static int job_under_way(void)
{
	char job[128];

	setup(300);
	connect_and_request();
	make_job(job, sizeof(job), 600, 10);
	pool_say(job);
	run_until(clk.fake_us + 100000);
	return sl.fd;
}

static void test_fast_slave_held(void)
{
	char job[128];
	const char *res;
	int64_t t_job, send_at;
	double limit;

	setup(2000);
	tap_ok(connect_and_request(), "D->C->R: connected, banner read, JOB request sent");
	tap_ok(slave_ducoid[0] == 'D' && !strcmp(sl.b->ducoid, slave_ducoid),
	       "DUCOID from the identity: %s (slave says %s)", sl.b->ducoid, slave_ducoid);
	make_job(job, sizeof(job), 700, 10);
	pool_say(job);
	t_job = clk.fake_us;
	run_until(clk.fake_us + 1000);
	tap_ok(sl.state == MINER_K && rig.job_frames == 1, "R->J->K: job transferred to the slave");
	/* Done after 350 ms; the first result (no speed estimate) is sent once
	 * nonce / limit after the job arrived. */
	run_until(t_job + 400000);
	limit = config_target(&cfg, cfg.max_hashrate, cfg.margin);
	send_at = t_job + (int64_t)(700 / limit * 1e6);
	tap_ok(sl.state == MINER_W, "fast slave: result held in W (state %c)",
	       miner_state_letter(sl.state));
	tap_ok(!strcmp(pool_heard(), ""), "nothing sent while held");
	run_until(send_at - 1000);
	tap_ok(sl.state == MINER_W && !strcmp(pool_heard(), ""), "still held 1 ms before nonce/limit");
	run_until(send_at + 1000);
	res = pool_heard();
	tap_ok(sl.state == MINER_E, "W->E at nonce/limit after the job");
	{
		unsigned nonce = 0;
		double rep = 0;
		char sw[64], rig_id[16], id[32];

		tap_ok(sscanf(res, "%u,%lf,%63[^,],%15[^,],%31s", &nonce, &rep, sw, rig_id, id) == 5 &&
		       nonce == 700 && !strcmp(id, slave_ducoid) &&
		       fabs(rep - 700 / ((sl.t_sent - t_job) / 1e6)) < 0.006,
		       "result line reports what the share achieved, 700 / (sent - job): %s", res);
		tap_ok(limit > 225 && limit < 270 && rep > 225 && rep <= limit + 0.005,
		       "paced into the I2C wallet band: target %.2f, reported %.2f (225 < h < 270)",
		       limit, rep);
		tap_ok(rep < sl.dec.r_slave, "reported %.2f below the board's own rate %.1f", rep,
		       sl.dec.r_slave);
	}
	pool_say("GOOD\n");
	run_until(clk.fake_us + 1000);
	tap_ok(sl.st.rep.good == 1 && sl.st.holds == 1 && sl.state == MINER_R,
	       "GOOD counted, next job requested at once (G->C->R)");
	tap_ok(sl.last.hold_ms > 2000 && sl.last.hold_ms < 2500, "hold_ms %.1f recorded",
	       sl.last.hold_ms);

	/* Second job: the speed is known, polls are spaced geometrically. */
	pool_heard();
	make_job(job, sizeof(job), 900, 10);
	pool_say(job);
	run_until(clk.fake_us + 4000000);
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
	/* r_slave: nonce / the slave's own elapsed time; the model takes
	 * (nonce + 1) / rate for nonces 0..nonce */
	unheld_line(want, sizeof(want), 300, sl.res.elapsed_us);
	tap_ok(sl.state == MINER_E && !strcmp(res, want) && sl.res.elapsed_us == 1505000,
	       "slow slave: sent without hold, reports r_slave: %s", res);
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
	rig.lie_nonce = 1;
	make_job(job, sizeof(job), 100, 10);
	pool_say(job);
	run_until(clk.fake_us + 2000000);
	tap_ok(!strcmp(pool_heard(), ""), "wrong nonce never sent to the pool");
	tap_ok(sl.st.wrong_nonces >= 1 && sl.st.slave_faults >= 1,
	       "wrong nonce counted as a slave fault (%u)", sl.st.wrong_nonces);
	tap_ok(rig.job_frames >= 2, "job transferred again after a wrong result (%u transfers)",
	       rig.job_frames);
	rig.lie_nonce = 0;
	run_until(clk.fake_us + 5000000);
	tap_ok(sl.state == MINER_E && sl.fd >= 0, "slave recovers on the same pool connection");
	miner_shutdown(&sl, &env);
}

static void test_silent_slave(void)
{
	int fd = job_under_way();

	bus_rig_fault(&rig, SLAVE_ADDR, SIMBUS_FAULT_SILENT, 0);
	run_until(clk.fake_us + 500000);
	tap_ok(sl.st.slave_faults >= 1 && sl.state == MINER_J && !sl.b->io_ready,
	       "silent slave: fault, back to J awaiting the slave (state %c)",
	       miner_state_letter(sl.state));
	tap_ok(sl.fd == fd, "pool connection kept while the slave is retried");
	bus_rig_fault(&rig, SLAVE_ADDR, SIMBUS_FAULT_CLEAR, 0);
	run_until(clk.fake_us + 10000000);
	tap_ok(sl.b->io_ready && (sl.state == MINER_E || sl.state == MINER_W),
	       "slave answers again: identity re-read, job redone (state %c)",
	       miner_state_letter(sl.state));
	miner_shutdown(&sl, &env);
}

/*
 * Fake microseconds from now until the board is mining again (identity read,
 * job on the AVR or past it), stepping 10 ms at a time, after it was first
 * seen as faulty; -1 if not by limit_us. *probe_gap gets the longest time
 * to the next identity probe seen on the way.
 */
static int64_t time_to_recover(int64_t limit_us, int64_t *probe_gap)
{
	int64_t t0 = clk.fake_us;
	int seen_down = 0;

	*probe_gap = 0;
	while (clk.fake_us - t0 <= limit_us) {
		if (!sl.b->io_ready) {
			seen_down = 1;
			if (sl.b->retry_at_us - clk.fake_us > *probe_gap)
				*probe_gap = sl.b->retry_at_us - clk.fake_us;
		} else if (seen_down && sl.state >= MINER_K && sl.state <= MINER_E) {
			return clk.fake_us - t0;
		}
		run_until(clk.fake_us + 10000);
	}
	return -1;
}

/*
 * A transient NACK burst (60 transfers, about 1.2 s of polls on a real bus)
 * costs the board seconds, not the rest of the run; and during a long
 * outage the identity probes never space out beyond the documented bound
 * (docs/ducomaster.md, "Recovery"), so a board that answers again is back
 * within it.
 */
static void test_nack_recovery(void)
{
	int64_t t, gap;
	int fd = job_under_way();

	bus_rig_fault(&rig, SLAVE_ADDR, SIMBUS_FAULT_NACK, 60);
	t = time_to_recover(60000000, &gap);
	tap_ok(t >= 0 && t <= 4000000, "60 NACKed transfers: mining again %.2f s after the burst "
	       "began (bound 4 s)", t / 1e6);
	tap_ok(sl.fd == fd, "pool connection kept through the burst");
	miner_shutdown(&sl, &env);

	job_under_way();
	bus_rig_fault(&rig, SLAVE_ADDR, SIMBUS_FAULT_NACK, 1000000);
	t = time_to_recover(30000000, &gap);
	tap_ok(t < 0 && !sl.b->io_ready && sl.state == MINER_J,
	       "30 s outage: waiting for the board in J (%c)", miner_state_letter(sl.state));
	tap_ok(gap <= 2500000, "identity probes at most %.2f s apart during it (bound 2.5 s)",
	       gap / 1e6);
	bus_rig_fault(&rig, SLAVE_ADDR, SIMBUS_FAULT_CLEAR, 0);
	t = time_to_recover(60000000, &gap);
	tap_ok(t >= 0 && t <= 2500000, "board answering again: mining after %.2f s (bound 2.5 s)",
	       t / 1e6);
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
	double rep = 0;
	int64_t t_job;

	setup(450);
	cfg.tier = CONFIG_TIER_AUTO;
	run_until(clk.fake_us + 5000000);
	tap_ok(rig.job_frames == 1 && sl.b->rate_est > 440 && sl.b->rate_est < 460,
	       "tier auto: speed test on the slave before connecting (%.1f H/s)", sl.b->rate_est);
	tap_ok(sl.fd >= 0 && miner_connecting(&sl), "connects after the speed test");
	miner_on_writable(&sl, &env);
	pool_say("4.3\n");
	run_until(clk.fake_us + 1000);
	res = pool_heard();
	/* 450 H/s would be MEGA by speed, but the wallet band's target is
	 * under AVR's max: the board stays AVR and is paced into the band. */
	tap_ok(!strcmp(res, "JOB,tester,AVR,None"),
	       "faster than the band: stays in tier AVR: %s", res);
	make_job(job, sizeof(job), 900, 10);
	pool_say(job);
	t_job = clk.fake_us;
	/* Done at 2.0 s, seen by a geometric poll by 2.0 * 1.68 s, sent at
	 * 900 / 256.5 = 3.51 s. */
	run_until(clk.fake_us + 3450000);
	tap_ok(sl.state == MINER_W && !strcmp(pool_heard(), ""),
	       "auto: a board faster than the band is held in W (state %c, %u us)",
	       miner_state_letter(sl.state), sl.res.elapsed_us);
	run_until(t_job + 3600000);
	res = pool_heard();
	tap_ok(sscanf(res, "900,%lf,", &rep) == 1 && rep > 225 && rep < 270 &&
	       rep < sl.dec.r_slave && sl.st.holds == 1,
	       "auto: paced into the band, reports what the share achieved: %s", res);
	miner_shutdown(&sl, &env);

	setup(200);
	cfg.tier = CONFIG_TIER_AUTO;
	run_until(clk.fake_us + 10000000);
	miner_on_writable(&sl, &env);
	pool_say("4.3\n");
	run_until(clk.fake_us + 1000);
	res = pool_heard();
	tap_ok(!strcmp(res, "JOB,tester,AVR,None"), "auto, 200 H/s board: tier AVR: %s", res);
	make_job(job, sizeof(job), 300, 10);
	pool_say(job);
	run_until(clk.fake_us + 1500000 + cfg.poll_interval_ms * 1000 + 2000);
	res = pool_heard();
	unheld_line(want, sizeof(want), 300, sl.res.elapsed_us);
	tap_ok(!strcmp(res, want) && sl.st.holds == 0,
	       "auto: a board slower than the band reports its own rate, never held: %s", res);
	miner_shutdown(&sl, &env);
}

int main(void)
{
	test_fast_slave_held();
	test_slow_slave();
	test_wrong_nonce();
	test_silent_slave();
	test_nack_recovery();
	test_refusal_and_close();
	test_timeout();
	test_auto_tier();
	test_d_substates();
	return tap_done();
}
