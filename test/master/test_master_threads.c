/*
 * test_master_threads.c - several pool workers on one board (threads per
 * board) under a fake clock: the scheduler that hands a version-1 board
 * (one job at a time) to the worker waiting longest, with 1..8 threads on
 * one board and on several; the DUCOID and wallet grouping id each thread
 * sends; a board fault while several threads use it; threads_per_board
 * and max_workers (auto's budget, the 23 and 50 limits). The boards are
 * ducosim's host model slaves on an in-process bus (test/lib/bus_rig.c);
 * the pool is the test, one socketpair per worker, which plants a nonce in
 * every job and checks every result against it. miner.c, board.c,
 * ratelimit.c and slave_io.c run unchanged. TAP on stdout.
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
#include "sim_model.h"
#include "tap.h"

#define NB_MAX 4
#define NW_MAX 200     /* auto gives a board up to max_workers - boards + 1 */
#define BUS_HZ 1000000
#define DIFF 10

static struct mclock clk;
static struct config cfg;
static struct ratelimit_conn conn;
static struct miner_env env;
static struct bus bus;
static struct bus_rig rig;
static int rig_up;
static struct board boards[NB_MAX];
static struct miner workers[NW_MAX];
static int nboards, nworkers;
static unsigned saw_queued;     /* steps that found a version-2 board with a job queued */

/* ---- the test pool: one end per worker ------------------------------- */
struct tpool {
	int fd;                 /* -1: no connection */
	uint32_t nonce;         /* planted in the job out there, 0: none */
	char rx[512];
	size_t len;
};
static struct tpool pend[NW_MAX];
static uint32_t lcg = 12345;

/* What the pool saw. */
static unsigned good[NW_MAX], wrong, out_of_band, over_target;
static char seen_id[NW_MAX][32], seen_group[NW_MAX][32];
static int64_t last_good_us[NW_MAX];
static double hash_ms;          /* the boards' hashing, from the workers' results */

static int worker_no(const struct miner *s)
{
	return (int)(s - workers);
}

static int test_connect(struct miner_env *e, struct miner *s)
{
	int sv[2], i = worker_no(s);

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
		return -errno;
	if (pend[i].fd >= 0)
		close(pend[i].fd);
	pend[i] = (struct tpool){ .fd = sv[1] };
	if (write(sv[1], "4.3\n", 4) != 4)
		tap_diag("banner not written");
	return sv[0];
}

static void pool_job(struct tpool *p)
{
	static const char last[] = "ba29a15896fd2d792d5c4b60668bf2b9feebc51d";
	uint8_t digest[20];
	char hex[41], line[128];
	int n;

	lcg = lcg * 1103515245u + 12345u;
	p->nonce = 1 + (lcg >> 8) % (100 * DIFF);
	duco_s1_hash(last, p->nonce, digest);
	duco_bin_to_hex(digest, 20, hex, 0);
	hex[40] = '\0';
	n = snprintf(line, sizeof(line), "%s,%s,%d\n", last, hex, DIFF);
	if (write(p->fd, line, (size_t)n) != n)
		tap_diag("job not written");
}

/* A result line: check it, remember who sent what, answer GOOD. */
static void pool_result(int i, struct tpool *p, char *line)
{
	char *f[8], *save = NULL;
	int n = 0;
	double rate, target = config_target(&cfg, cfg.max_hashrate, cfg.margin);

	for (char *t = strtok_r(line, ",", &save); t && n < 8; t = strtok_r(NULL, ",", &save))
		f[n++] = t;
	if (n < 5 || strtoul(f[0], NULL, 10) != p->nonce) {
		wrong++;
		tap_diag("worker %d sent a wrong result (%s, wanted %u)", i, n ? f[0] : "-",
			 p->nonce);
	} else {
		good[i]++;
		last_good_us[i] = clk.fake_us;
	}
	rate = strtod(f[1], NULL);
	if (!(rate > 225 && rate < 270))
		out_of_band++;
	if (rate > target + 0.005)
		over_target++;
	snprintf(seen_id[i], sizeof(seen_id[i]), "%s", n >= 5 ? f[4] : "");
	snprintf(seen_group[i], sizeof(seen_group[i]), "%s", n >= 6 ? f[5] : "");
	hash_ms += workers[i].res.elapsed_us / 1000.0;
	p->nonce = 0;
	if (write(p->fd, "GOOD\n", 5) != 5)
		tap_diag("verdict not written");
}

/* Answer what every worker sent; 1 if anything was answered. */
static int pool_serve(void)
{
	int any = 0;

	for (int i = 0; i < nworkers; i++) {
		struct tpool *p = &pend[i];
		ssize_t r;
		char *nl;

		if (p->fd < 0)
			continue;
		r = read(p->fd, p->rx + p->len, sizeof(p->rx) - 1 - p->len);
		if (r > 0)
			p->len += (size_t)r;
		p->rx[p->len] = '\0';
		/* The master sends no newline: each read is one message. */
		if (!p->len)
			continue;
		nl = p->rx;
		any = 1;
		if (!strncmp(nl, "JOB,", 4))
			pool_job(p);
		else
			pool_result(i, p, nl);
		p->len = 0;
	}
	return any;
}

/* ---- driving ------------------------------------------------------------ */
static void run_until(int64_t t_end)
{
	for (int guard = 0; guard < 2000000; guard++) {
		int64_t next = 0;
		int moved = pool_serve();

		for (int i = 0; i < nworkers; i++) {
			struct miner *s = &workers[i];

			if (miner_connecting(s))
				miner_on_writable(s, &env);
			miner_on_readable(s, &env);
			moved += miner_run(s, &env);
		}
		for (int b = 0; b < nboards; b++)
			saw_queued += boards[b].queued != NULL;
		if (moved)
			continue;
		for (int i = 0; i < nworkers; i++)
			if (workers[i].wake_at_us && (!next || workers[i].wake_at_us < next))
				next = workers[i].wake_at_us;
		if (!next || next > t_end) {
			clk.fake_us = t_end;
			return;
		}
		if (next > clk.fake_us)
			clk.fake_us = next;
		else
			clk.fake_us++;          /* a wake-up due now that moved nothing */
	}
	tap_diag("run_until: guard hit");
}

static void teardown(void)
{
	for (int i = 0; i < nworkers; i++) {
		miner_shutdown(&workers[i], &env);
		if (pend[i].fd >= 0)
			close(pend[i].fd);
		pend[i].fd = -1;
	}
	nworkers = nboards = 0;
}

static struct miner *all_workers[NW_MAX];

/* nb boards at rate H/s, k threads each (0: auto with per workers each). */
static void setup(int nb, double rate, int k, int per)
{
	mclock_fake_init(&clk, 1000000000);
	if (rig_up)
		bus_rig_destroy(&rig);
	bus_rig_init(&bus, &rig, &clk, BUS_HZ);
	rig_up = 1;
	config_defaults(&cfg);
	snprintf(cfg.user, sizeof(cfg.user), "tester");
	ratelimit_conn_init(&conn, 1000, 30000000, 0);
	env = (struct miner_env){ .clock = &clk, .cfg = &cfg, .conn = &conn, .rng = 1,
				  .connect = test_connect, .threads = k };
	if (!k) {
		env.worker_budget = cfg.max_workers - nb;
		env.undecided = nb;
	}
	snprintf(env.pool_addr, sizeof(env.pool_addr), "test:1");
	memset(good, 0, sizeof(good));
	memset(last_good_us, 0, sizeof(last_good_us));
	wrong = out_of_band = over_target = saw_queued = 0;
	hash_ms = 0;
	nboards = nb;
	for (int b = 0; b < nb; b++) {
		if (bus_rig_add_model(&rig, (uint8_t)(0x08 + b), rate) < 0)
			tap_diag("no model slave");
		board_init(&boards[b], &bus, (uint8_t)(0x08 + b));
		boards[b].threads = k;
		for (int w = 0; w < (k ? k : per); w++) {
			pend[nworkers].fd = -1;
			all_workers[nworkers] = &workers[nworkers];
			miner_init(&workers[nworkers++], &boards[b], w);
		}
	}
	/* As the rig does: a job transfer looks at every worker first. */
	env.miners = all_workers;
	env.nminers = nworkers;
}

static unsigned total_good(void)
{
	unsigned n = 0;

	for (int i = 0; i < nworkers; i++)
		n += good[i];
	return n;
}

static unsigned total_faults(void)
{
	unsigned n = 0;

	for (int i = 0; i < nworkers; i++)
		n += workers[i].st.slave_faults;
	return n;
}

/* ---- the tests ---------------------------------------------------------- */
#define RUN_S 120

static void test_threads_one_board(void)
{
	double one = 0, duty_one = 0;

	for (int k = 1; k <= 8; k++) {
		unsigned all, least = ~0u;
		double duty;

		setup(1, 2000, k, 0);
		run_until(clk.fake_us + RUN_S * 1000000LL);
		all = total_good();
		for (int i = 0; i < k; i++)
			if (good[i] < least)
				least = good[i];
		duty = hash_ms / (RUN_S * 1000.0);
		if (k == 1) {
			one = all;
			duty_one = duty;
		}
		tap_ok(wrong == 0 && total_faults() == 0 && over_target == 0,
		       "%d thread(s) on a 2000 H/s board: every result right, no fault, none over "
		       "the target (%u shares, %u reported outside 225..270)", k, all, out_of_band);
		tap_ok(least >= all / k / 2 && least > 0,
		       "%d thread(s): every thread mines its share (fewest %u of %u)", k, least, all);
		/* Up to the board's speed the threads add up; beyond it the board is full. */
		if (k <= 6)
			tap_ok(all >= 0.85 * k * one,
			       "%d thread(s): %.2fx the shares of one (board duty %.0f%%, one: %.0f%%)",
			       k, all / one, 100 * duty, 100 * duty_one);
		else
			tap_ok(duty > 0.7 && all >= 6 * one,
			       "%d thread(s): the board is busy %.0f%% of the time, %.2fx one thread's "
			       "shares", k, 100 * duty, all / one);
		teardown();
	}
}

static void test_threads_several_boards(void)
{
	int ok_id = 1, ok_group = 1, all_mine = 1;

	setup(3, 2000, 4, 0);
	run_until(clk.fake_us + 60 * 1000000LL);
	for (int i = 0; i < nworkers; i++) {
		const struct miner *s = &workers[i];
		const struct miner *w0 = &workers[i - s->index];

		all_mine &= good[i] > 0;
		ok_id &= !strcmp(seen_id[i], s->b->ducoid) && s->b->ducoid[0] == 'D';
		ok_group &= seen_group[i][0] && !strcmp(seen_group[i], s->b->group_id) &&
			    !strcmp(seen_group[i], seen_group[w0 - workers]);
	}
	tap_ok(all_mine && wrong == 0 && total_faults() == 0,
	       "3 boards x 4 threads: all 12 workers mine, every result right (%u shares)",
	       total_good());
	tap_ok(ok_id, "each thread sends its own board's DUCOID");
	tap_ok(ok_group && strcmp(seen_group[0], seen_group[4]) &&
	       strcmp(seen_group[4], seen_group[8]),
	       "one wallet grouping id per board, shared by its threads (%s, %s, %s)",
	       seen_group[0], seen_group[4], seen_group[8]);
	tap_ok(strcmp(workers[0].b->ducoid, workers[4].b->ducoid),
	       "boards keep their own DUCOIDs (%s, %s)", workers[0].b->ducoid,
	       workers[4].b->ducoid);
	teardown();

	setup(2, 2000, 1, 0);
	run_until(clk.fake_us + 20 * 1000000LL);
	tap_ok(good[0] && good[1] && !seen_group[0][0] && !seen_group[1][0],
	       "one thread per board: no grouping id sent (the line stays as before)");
	teardown();
}

static void test_fault_with_threads(void)
{
	int64_t t_back;
	int all_back = 1;

	setup(1, 2000, 4, 0);
	run_until(clk.fake_us + 20 * 1000000LL);
	bus_rig_fault(&rig, 0x08, SIMBUS_FAULT_SILENT, 3000);
	run_until(clk.fake_us + 3000000);
	t_back = clk.fake_us;
	run_until(clk.fake_us + 30 * 1000000LL);
	for (int i = 0; i < nworkers; i++)
		all_back &= last_good_us[i] > t_back;
	tap_ok(total_faults() >= 1, "board silent 3 s under 4 threads: fault seen (%u)",
	       total_faults());
	tap_ok(all_back, "every thread earns GOOD shares again after the fault");
	tap_ok(wrong == 0, "no wrong nonce reached the pool");
	{
		int kept = 1;

		for (int i = 0; i < nworkers; i++)
			kept &= workers[i].st.disconnects == 0;
		tap_ok(kept, "every pool connection kept through the fault");
	}
	teardown();

	/* A reset mid-job (the AVR forgets its job) with 4 threads. */
	setup(1, 2000, 4, 0);
	run_until(clk.fake_us + 10 * 1000000LL);
	bus_rig_fault(&rig, 0x08, SIMBUS_FAULT_RESET, 0);
	t_back = clk.fake_us;
	run_until(clk.fake_us + 20 * 1000000LL);
	all_back = 1;
	for (int i = 0; i < nworkers; i++)
		all_back &= last_good_us[i] > t_back;
	tap_ok(all_back && wrong == 0,
	       "board reset mid-job under 4 threads: all recover, no wrong nonce");
	teardown();
}

/* Run until the board has a job queued behind the running one (or t_end). */
static int run_until_queued(int64_t t_end)
{
	while (clk.fake_us < t_end && !boards[0].queued)
		run_until(clk.fake_us + 1000);
	return boards[0].queued != NULL;
}

static int worker_of(const struct miner *s)
{
	return s ? (int)(s - workers) : -1;
}

static void test_protocol_versions(void)
{
	int64_t t_gone;
	int q, o, all_back = 1;

	/* A version-1 board (one job at a time) under a version-2 master. */
	setup(1, 2000, 4, 0);
	sim_model_set_proto(sim_rig_find(&rig.rig, 0x08), DUCO_PROTO_V1);
	run_until(clk.fake_us + 60 * 1000000LL);
	tap_ok(boards[0].io.proto == DUCO_PROTO_V1 && slave_io_slots(&boards[0].io) == 1 &&
	       saw_queued == 0 && good[0] && good[1] && good[2] && good[3] && wrong == 0 &&
	       total_faults() == 0,
	       "version-1 board, 4 threads: driven one job at a time, all mine, no fault (%u shares)",
	       total_good());
	teardown();

	/* Version 2: a job waits behind the running one. */
	setup(1, 2000, 4, 0);
	run_until(clk.fake_us + 60 * 1000000LL);
	tap_ok(boards[0].io.proto == DUCO_PROTO_V2 && slave_io_slots(&boards[0].io) > 1 &&
	       saw_queued > 0 && wrong == 0 && total_faults() == 0 && over_target == 0,
	       "version-2 board, 4 threads: jobs queued behind the running one, every result "
	       "right (%u shares, %u outside the band)", total_good(), out_of_band);

	/* The queued job's pool connection goes: its job is dropped from the queue. */
	tap_ok(run_until_queued(clk.fake_us + 10 * 1000000LL), "a job is queued");
	q = worker_of(boards[0].queued);
	o = worker_of(boards[0].owner);
	/* The queued result is read only after the running one's, and a tiny
	 * nonce's is due a few ms after it starts: the owner is looked at
	 * within RATELIMIT_QUEUED_POLL_US, not at the next poll interval. */
	tap_ok(o >= 0 && workers[o].state == MINER_K &&
	       workers[o].next_poll_us <= clk.fake_us + RATELIMIT_QUEUED_POLL_US,
	       "a job queued: the running one's next poll within 2 ms (in %lld us)",
	       o >= 0 ? (long long)(workers[o].next_poll_us - clk.fake_us) : -1LL);
	close(pend[q].fd);
	pend[q].fd = -1;
	t_gone = clk.fake_us;
	run_until(clk.fake_us + 1000);
	tap_ok(boards[0].queued != &workers[q] && workers[q].state == MINER_D &&
	       boards[0].io.nlive <= 2, "queued worker's pool gone: its job left the board's queue "
	       "(%d job(s) live)", boards[0].io.nlive);
	/* The running job's pool connection goes: it is stopped, the queued one runs. */
	tap_ok(run_until_queued(clk.fake_us + 10 * 1000000LL), "a job is queued again");
	q = worker_of(boards[0].queued);
	o = worker_of(boards[0].owner);
	close(pend[o].fd);
	pend[o].fd = -1;
	run_until(clk.fake_us + 1000);
	tap_ok(boards[0].owner == &workers[q] && workers[o].state == MINER_D,
	       "running job's pool gone: it is dropped and the queued one owns the board");
	run_until(clk.fake_us + 40 * 1000000LL);
	for (int i = 0; i < nworkers; i++)
		all_back &= last_good_us[i] > t_gone;
	tap_ok(all_back && wrong == 0 && total_faults() == 0,
	       "all 4 workers mine again (2 reconnected), every result right, no slave fault");
	teardown();
}

static void test_limits(void)
{
	char err[256];
	int sum = 0, per = 23 - 4 + 1;

	config_defaults(&cfg);
	snprintf(cfg.user, sizeof(cfg.user), "a");
	config_set(&cfg, "buses", "sim:/x", err, sizeof(err));
	tap_ok(!strcmp(cfg.threads_per_board, "1") && config_threads(&cfg) == 1 &&
	       cfg.max_workers == 23, "defaults: 1 thread per board, max_workers 23");
	config_set(&cfg, "threads_per_board", "auto", err, sizeof(err));
	tap_ok(config_validate(&cfg, err, sizeof(err)) == 0 && config_threads(&cfg) == 0,
	       "threads_per_board auto accepted");
	config_set(&cfg, "threads_per_board", "51", err, sizeof(err));
	tap_ok(config_validate(&cfg, err, sizeof(err)) < 0 && strstr(err, "threads_per_board"),
	       "51 threads refused (the pool's 50): %s", err);
	config_set(&cfg, "threads_per_board", "8", err, sizeof(err));
	config_set(&cfg, "max_workers", "5", err, sizeof(err));
	tap_ok(config_validate(&cfg, err, sizeof(err)) < 0 && strstr(err, "max_workers"),
	       "8 threads above max_workers 5 refused: %s", err);
	tap_ok(config_set(&cfg, "max_workers", "51", err, sizeof(err)) < 0,
	       "max_workers above the pool's 50 refused: %s", err);
	tap_ok(board_auto_threads(2348, 256.5, 0.1, 50) == 8 &&
	       board_auto_threads(200, 256.5, 0.1, 50) == 1 &&
	       board_auto_threads(2348, 256.5, 0.1, 3) == 3,
	       "auto: 2348 H/s at 256.5 + 10%% serves 8 threads; a slow board 1; capped");

	/* Four 2348 H/s boards, auto, max_workers 23: 32 wanted, 23 given, evenly. */
	setup(4, 2348, 0, per);
	run_until(clk.fake_us + 30 * 1000000LL);
	for (int b = 0; b < 4; b++)
		sum += boards[b].threads;
	tap_ok(sum == 23 && boards[0].threads >= 5 && boards[3].threads >= 5,
	       "auto on 4 boards within max_workers 23: %d+%d+%d+%d threads", boards[0].threads,
	       boards[1].threads, boards[2].threads, boards[3].threads);
	{
		int active = 0, mined = 1;

		for (int i = 0; i < nworkers; i++) {
			active += miner_active(&workers[i]);
			if (miner_active(&workers[i]))
				mined &= workers[i].st.requests > 0;
			else
				mined &= workers[i].st.connects == 0;
		}
		tap_ok(active == 23 && mined && wrong == 0,
		       "auto: exactly the 23 given threads connect and mine (%u shares)",
		       total_good());
	}
	{
		/* The earnings estimate's Kolka ordinals: 1..23, one each, as
		 * the pool numbers the open workers of a user. */
		unsigned seen = 0, bad = 0;

		for (int i = 0; i < nworkers; i++) {
			uint32_t k = workers[i].kolka_ki;

			if (!miner_active(&workers[i]))
				continue;
			if (k < 1 || k > 23 || (seen & (1u << (k - 1))))
				bad++;
			else
				seen |= 1u << (k - 1);
		}
		tap_ok(!bad && seen == (1u << 23) - 1,
		       "auto: the 23 workers' Kolka ordinals are 1..23 (open workers at connect)");
	}
	teardown();

	/* With max_workers 50 every board gets what its speed serves. */
	config_defaults(&cfg);
	setup(4, 2348, 0, 47);
	cfg.max_workers = 50;
	env.worker_budget = 50 - 4;
	run_until(clk.fake_us + 30 * 1000000LL);
	sum = 0;
	for (int b = 0; b < 4; b++)
		sum += boards[b].threads;
	tap_ok(sum == 32 && boards[0].threads == 8 && boards[3].threads == 8,
	       "auto with max_workers 50: 8 threads on each 2348 H/s board (%d in all)", sum);
	teardown();
}

/*
 * A job transfer blocks the loop for its bus time: what it lets through
 * first (miner_loop_need), on hand-set workers of two 2348 H/s boards.
 */
static void test_transfer_guard(void)
{
	struct miner *w = &workers[0], *k = &workers[2], *q = &workers[3];
	int64_t now, until;

	setup(2, 2348, 2, 0);
	now = clk.fake_us;
	until = now + 8000;     /* an 8 ms job frame from now */
	for (int b = 0; b < 2; b++) {
		/* As the identity read sets them (config_slave_limit). */
		config_slave_limit(&cfg, boards[b].io.addr, &boards[b].max_hashrate, &boards[b].margin);
		boards[b].rate_est = 2348;
	}

	/* A held 1-nonce share due in 2 ms: its band ends 4.44 ms after the
	 * job, so sent after the transfer it would be below 225. */
	w->state = MINER_W;
	w->res.nonce = 1;
	w->t_k = now - 2000;
	w->dec = (struct ratelimit_decision){ .paced = 1, .held = 1, .send_at_us = now + 1900 };
	tap_ok(miner_loop_need(w, &env, now, until) == now + 1900,
	       "a held 1-nonce share due during the transfer goes first");
	w->res.nonce = 100;
	w->t_k = now - 389000;
	w->dec.send_at_us = now + 1000;
	tap_ok(miner_loop_need(w, &env, now, until) == 0,
	       "a 100-nonce share (37 ms of band) can wait for the transfer");
	w->res.nonce = 1;
	w->t_k = now - 2000;
	w->dec.send_at_us = now + 9000;
	tap_ok(miner_loop_need(w, &env, now, until) == 0, "a share due after the transfer: no need");
	w->t_k = now - 6000;
	w->dec.send_at_us = now - 2000;
	tap_ok(miner_loop_need(w, &env, now, until) == 0,
	       "a share already past its band: nothing to save, no wait");
	w->dec.paced = 0;
	w->t_k = now - 2000;
	w->dec.send_at_us = now;
	tap_ok(miner_loop_need(w, &env, now, until) == 0,
	       "an unpaced share (its own rate) is not held for the band");

	/* A fresh job on a fast board: nonce 1 may turn up any moment. */
	k->state = MINER_K;
	boards[1].owner = k;
	k->t_k = now - 500;
	k->next_poll_us = now + 500;
	k->busy_seen_us = 0;
	tap_ok(miner_loop_need(k, &env, now, until) == now + 500,
	       "a job 0.5 ms old: its next poll goes first");
	k->t_k = now - 4000;
	k->busy_seen_us = now;
	tap_ok(ratelimit_min_open_nonce(4000, 2348) == 6 && miner_loop_need(k, &env, now, until) == 0,
	       "seen busy 4 ms in (nonces below 6 passed, the next band ends at 26.7 ms): no wait");
	k->t_k = now - 2000;
	k->busy_seen_us = 0;
	tap_ok(miner_loop_need(k, &env, now, until) == now + 500,
	       "2 ms in but never seen busy: nonce 1 is still possible, the poll goes first");
	k->t_k = now - 4000;
	tap_ok(miner_loop_need(k, &env, now, until) == now + 500,
	       "4 ms in, never seen busy: nonce 1 is lost but nonce 2's band (8.9 ms) ends during "
	       "the transfer, the poll goes first");
	k->t_k = now - 30000;
	k->busy_seen_us = 0;
	tap_ok(miner_loop_need(k, &env, now, until) == now + 500,
	       "30 ms in, never seen busy: nonce 8 (band to 35.5 ms) is still to save, the poll first");
	k->busy_seen_us = now - 1000;
	tap_ok(miner_loop_need(k, &env, now, until) == 0,
	       "30 ms in, seen busy at 29 ms (nonces under 59 passed): no wait");
	k->next_poll_us = now + 9000;
	tap_ok(miner_loop_need(k, &env, now, until) == 0, "its poll due after the transfer: no need");
	k->next_poll_us = now + 500;
	boards[1].rate_est = 200;
	tap_ok(miner_loop_need(k, &env, now, until) == 0,
	       "a board slower than the band reports its own rate: never waited for");
	boards[1].rate_est = 2348;

	/* A job queued behind k starts when k's ends, seen only by k's polls. */
	q->state = MINER_K;
	boards[1].queued = q;
	k->t_k = now - 50000;
	k->busy_seen_us = now - 2000;
	k->next_poll_us = now + 1000;
	tap_ok(miner_loop_need(k, &env, now, until) == now,
	       "a job queued behind one not seen busy for 2 ms: the owner is polled first");
	tap_ok(miner_loop_need(q, &env, now, until) == 0,
	       "the queued worker itself is read through its owner: not waited for");
	k->busy_seen_us = now - 100;
	tap_ok(miner_loop_need(k, &env, now, until) == 0,
	       "its owner seen busy 0.1 ms ago: the queued job has not started, no wait");
	boards[1].queued = NULL;
	boards[1].owner = NULL;
	tap_ok(miner_loop_need(k, &env, now, until) == 0,
	       "a worker that does not own its board: not waited for");
	for (int i = 0; i < 4; i++)
		workers[i] = (struct miner){ 0 };
	nworkers = nboards = 0;
}

int main(void)
{
	test_transfer_guard();
	test_threads_one_board();
	test_threads_several_boards();
	test_fault_with_threads();
	test_protocol_versions();
	test_limits();
	if (rig_up)
		bus_rig_destroy(&rig);
	return tap_done();
}
