/*
 * test_slave_io_queue.c - slave_io's job-queue calls (protocol version 2)
 * and their fallback on a version-1 board.
 *
 * The boards are ducosim's model slaves in this process (test/lib/bus_rig:
 * common/slave.c, the firmware's protocol code, hashing on the host at a
 * paced rate), one speaking version 2 and one version 1, on a fake clock.
 * Checks submit/take_result/drop and the slot accounting (-ENOSPC, -EBUSY,
 * -EEXIST), that a queued job starts when the running one ends (its result
 * arrives one job time after the first, not later), that results stay
 * until dropped, and that the same calls drive the version-1 board one job
 * at a time. TAP on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bus.h"
#include "bus_rig.h"
#include "duco_proto.h"
#include "duco_s1.h"
#include "mclock.h"
#include "sim_model.h"
#include "slave_io.h"
#include "tap.h"

#define Q_V2     0x20
#define Q_V1     0x21
#define Q_RATE   2348.0         /* the nano firmware's measured H/s */

static struct mclock clk;
static struct bus bus;
static struct bus_rig rig;

static void q_job(struct duco_job *j, uint16_t id, uint32_t planted, uint32_t end)
{
	memset(j, 0, sizeof(*j));
	j->job_id = id;
	j->end_nonce = end;
	for (int i = 0; i < 40; i++)
		j->last_hash[i] = "0123456789abcdef"[(id * 7 + i * 3) & 15];
	duco_s1_hash(j->last_hash, planted, j->expected);
}

/* Poll (checked) every millisecond until a result is kept; its status, or < 0. */
static int q_wait_result(struct slave_io *s, int max_ms)
{
	int st = -ETIMEDOUT;

	for (int ms = 0; ms < max_ms; ms++) {
		mclock_fake_advance(&clk, 1000);
		st = slave_io_poll(s, 1);
		if (st < 0)
			return st;
		if (duco_state_has_result(DUCO_STATUS_STATE(st)))
			return st;
	}
	return -ETIMEDOUT;
}

static void test_v2(void)
{
	struct slave_io s;
	struct duco_identity id;
	struct duco_job a, b, c;
	struct duco_result r;
	int rc, st;
	int64_t t_a, t_b;
	uint32_t xfers;

	slave_io_init(&s, &bus, Q_V2);
	s.clock = &clk;
	tap_ok(slave_io_slots(&s) == 1, "before IDENTIFY a board is driven as version 1");
	rc = slave_io_identify(&s, &id);
	tap_ok(rc == 0 && s.proto == DUCO_PROTO_V2 && id.slots == DUCO_SLOTS &&
	       slave_io_slots(&s) == DUCO_SLOTS && slave_io_free_slots(&s) == DUCO_SLOTS,
	       "identify: version %u, %u slots (rc %d)", s.proto, id.slots, rc);

	/* two jobs: 1 runs, 2 waits */
	q_job(&a, 1, 200, 100000);
	q_job(&b, 2, 100, 100000);
	rc = slave_io_submit(&s, &a);
	tap_ok(rc == 0 && DUCO_STATUS_STATE(s.last_status) == DUCO_ST_BUSY,
	       "submit 1: runs (rc %d, status %02x)", rc, s.last_status);
	t_a = mclock_now_us(&clk);
	rc = slave_io_submit(&s, &b);
	tap_ok(rc == 0 && DUCO_STATUS_STATE(s.last_status) == DUCO_ST_BUSY_QUEUED &&
	       slave_io_free_slots(&s) == 1, "submit 2: queued, one slot free (rc %d)", rc);
	q_job(&c, 3, 50, 100000);
	tap_ok(slave_io_submit(&s, &c) == -EBUSY, "submit 3 while 2 waits: -EBUSY");
	tap_ok(slave_io_submit(&s, &a) == -EEXIST, "submit of a live id: -EEXIST");

	st = q_wait_result(&s, 1000);
	rc = slave_io_take_result(&s, &r);
	tap_ok(st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_BUSY_DONE && rc == 0 &&
	       r.job_id == 1 && r.found && r.nonce == 200,
	       "1 ends: BUSY_DONE, result of 1 (nonce %u) while 2 runs", r.nonce);
	t_b = mclock_now_us(&clk);
	tap_ok(slave_io_take_result(&s, &r) == 0 && r.job_id == 1, "the result stays until dropped");
	tap_ok(slave_io_drop(&s, 1) == 0 && slave_io_free_slots(&s) == 2 &&
	       DUCO_STATUS_STATE(s.last_status) == DUCO_ST_BUSY, "drop 1: BUSY, two slots free");
	tap_ok(slave_io_take_result(&s, &r) == -EAGAIN, "nothing kept while 2 runs: -EAGAIN");

	/* a queued job cancelled */
	rc = slave_io_submit(&s, &c);
	tap_ok(rc == 0 && DUCO_STATUS_STATE(s.last_status) == DUCO_ST_BUSY_QUEUED, "submit 3: queued");
	tap_ok(slave_io_drop(&s, 3) == 0 && DUCO_STATUS_STATE(s.last_status) == DUCO_ST_BUSY &&
	       slave_io_free_slots(&s) == 2, "drop 3 (queued): cancelled, BUSY");

	/* 2 started when 1 ended: its result comes one job time after 1's */
	st = q_wait_result(&s, 1000);
	rc = slave_io_take_result(&s, &r);
	tap_ok(st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_DONE && rc == 0 && r.job_id == 2 &&
	       r.nonce == 100, "2 ends: DONE, result of 2");
	{
		double gap_ms = (double)(mclock_now_us(&clk) - t_b) / 1000.0;
		double job_ms = 101 * 1000.0 / Q_RATE;

		tap_ok(gap_ms <= job_ms + 3 && r.elapsed_us >= (uint32_t)(job_ms * 1000) - 10 &&
		       r.elapsed_us <= (uint32_t)(job_ms * 1000) + 10,
		       "2 ran from the end of 1: its result %.1f ms after 1's, elapsed %u us (job %.1f ms)",
		       gap_ms, r.elapsed_us, job_ms);
		(void)t_a;
	}
	tap_ok(slave_io_drop(&s, 2) == 0 && DUCO_STATUS_STATE(s.last_status) == DUCO_ST_IDLE &&
	       slave_io_free_slots(&s) == DUCO_SLOTS, "drop 2: IDLE, all slots free");
	tap_ok(slave_io_drop(&s, 2) == 0, "drop of an id not held: 0");

	/* three kept results fill the board */
	struct duco_job d, e, f, g;

	q_job(&d, 10, 5, 100000);
	q_job(&e, 11, 6, 100000);
	q_job(&f, 12, 7, 100000);
	q_job(&g, 13, 8, 100000);
	rc = slave_io_submit(&s, &d);
	rc = rc ? rc : slave_io_submit(&s, &e);
	for (int ms = 0; rc == 0 && ms < 100 && slave_io_submit(&s, &f) == -EBUSY; ms++)
		mclock_fake_advance(&clk, 1000);
	tap_ok(rc == 0 && slave_io_free_slots(&s) == 0, "10, 11, 12 submitted (12 once 11 ran)");
	mclock_fake_advance(&clk, 50000);
	xfers = s.st.xfers;
	tap_ok(slave_io_submit(&s, &g) == -ENOSPC && s.st.xfers == xfers,
	       "all slots held: submit says -ENOSPC without a transaction");
	int order_ok = 1;
	for (uint16_t want = 10; want <= 12; want++) {
		rc = slave_io_take_result(&s, &r);
		order_ok &= rc == 0 && r.job_id == want && r.found;
		order_ok &= slave_io_drop(&s, want) == 0;
	}
	tap_ok(order_ok && DUCO_STATUS_STATE(s.last_status) == DUCO_ST_IDLE,
	       "the three results come oldest first, each dropped");

	/* dropping the running job starts the queued one */
	q_job(&d, 20, 90000, 100000);
	q_job(&e, 21, 90000, 100000);
	rc = slave_io_submit(&s, &d);
	rc = rc ? rc : slave_io_submit(&s, &e);
	tap_ok(rc == 0 && slave_io_drop(&s, 20) == 0 &&
	       DUCO_STATUS_STATE(s.last_status) == DUCO_ST_BUSY && s.nlive == 1 && s.live[0] == 21,
	       "drop 20 (running): 21 runs at once");
	tap_ok(slave_io_drop(&s, 21) == 0 && DUCO_STATUS_STATE(s.last_status) == DUCO_ST_IDLE,
	       "drop 21: IDLE");

	/* JOB (version 1's call) clears the board and the accounting */
	rc = slave_io_submit(&s, &d);
	rc = rc ? rc : slave_io_send_job(&s, &e);
	tap_ok(rc == 0 && s.nlive == 1 && s.live[0] == 21 &&
	       DUCO_STATUS_STATE(s.last_status) == DUCO_ST_BUSY, "send_job: only its job is held");
	tap_ok(slave_io_abort(&s) == 0 && s.nlive == 0 && slave_io_free_slots(&s) == DUCO_SLOTS,
	       "abort: nothing held");
}

/* The same calls on a version-1 board: one job at a time. */
static void test_v1(void)
{
	struct slave_io s;
	struct duco_identity id;
	struct duco_job a, b;
	struct duco_result r;
	uint32_t xfers;
	int rc, st;

	sim_model_set_proto(sim_rig_find(&rig.rig, Q_V1), DUCO_PROTO_V1);
	slave_io_init(&s, &bus, Q_V1);
	s.clock = &clk;
	rc = slave_io_identify(&s, &id);
	tap_ok(rc == 0 && s.proto == DUCO_PROTO_V1 && id.slots == 0 && slave_io_slots(&s) == 1,
	       "v1 board: identify says version 1, one slot (rc %d)", rc);
	q_job(&a, 1, 100, 100000);
	q_job(&b, 2, 90000, 100000);
	tap_ok(slave_io_submit(&s, &a) == 0 && slave_io_free_slots(&s) == 0,
	       "v1: submit sends JOB");
	tap_ok(slave_io_submit(&s, &b) == -ENOSPC, "v1: a second submit: -ENOSPC");
	st = q_wait_result(&s, 1000);
	rc = slave_io_take_result(&s, &r);
	tap_ok(st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_DONE && rc == 0 && r.job_id == 1 &&
	       r.nonce == 100, "v1: DONE, result of 1");
	xfers = s.st.xfers;
	tap_ok(slave_io_drop(&s, 1) == 0 && s.st.xfers > xfers && slave_io_free_slots(&s) == 1 &&
	       DUCO_STATUS_STATE(s.last_status) == DUCO_ST_IDLE,
	       "v1: drop of a result ABORTs: IDLE, as a v2 board after DROP");
	xfers = s.st.xfers;
	tap_ok(slave_io_drop(&s, 1) == 0 && s.st.xfers == xfers, "v1: a second drop sends nothing");
	tap_ok(slave_io_submit(&s, &b) == 0 && DUCO_STATUS_STATE(s.last_status) == DUCO_ST_BUSY,
	       "v1: the next submit runs");
	tap_ok(slave_io_drop(&s, 2) == 0 && DUCO_STATUS_STATE(s.last_status) == DUCO_ST_IDLE,
	       "v1: drop of the running job ABORTs it");
	/* what a v2 call does on the wire to a v1 board: rejected */
	{
		uint8_t w[DUCO_MAX_WRITE_FRAME], rd[2];
		uint8_t n = duco_encode_queue(w, &a);

		rc = bus_xfer(&bus, Q_V1, w, n, rd, 2);
		tap_ok(rc == 0 && (rd[0] & DUCO_STATUS_REJECT) && DUCO_STATUS_STATE(rd[0]) == DUCO_ST_IDLE,
		       "v1 board: a raw QUEUE frame is rejected (status %02x)", rd[0]);
	}
}

int main(void)
{
	mclock_fake_init(&clk, 1000000);
	bus_rig_init(&bus, &rig, &clk, 1000000);
	if (bus_rig_add_model(&rig, Q_V2, Q_RATE) < 0 || bus_rig_add_model(&rig, Q_V1, Q_RATE) < 0) {
		tap_diag("cannot add model slaves");
		return 1;
	}
	test_v2();
	test_v1();
	bus_rig_destroy(&rig);
	return tap_done();
}
