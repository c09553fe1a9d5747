/*
 * miner.c - one miner (a board and its pool connection): the D/C/R/J/K/W/E/F/G state machine.
 * Assumes a single thread, synchronous bus calls of a few ms (slave_io.h) and
 * a non-blocking pool socket whose readiness the rig reports through
 * miner_on_readable()/miner_on_writable(). Every result is checked with
 * DUCO-S1 on the host before it is sent: a wrong nonce never reaches the pool.
 * Faults stay local: a failing AVR is reset and retried with backoff while
 * its pool connection is kept as long as the pool allows; a failing pool
 * connection is closed and reconnected with backoff. Neither touches the
 * other slaves.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "duco_s1.h"
#include "mlog.h"
#include "miner.h"

#define SLAVE_CONNECT_TIMEOUT_US  (10 * 1000000LL)
#define SLAVE_BANNER_TIMEOUT_US   (10 * 1000000LL)
#define SLAVE_POOL_BACKOFF_US     (1 * 1000000LL)
#define SLAVE_POOL_BACKOFF_CAP_US (120 * 1000000LL)
#define SLAVE_REFUSAL_BACKOFF_US  (30 * 1000000LL)
/*
 * Identity probes of an AVR that stopped answering: every 250 ms for its
 * first SLAVE_AVR_QUICK_PROBES tries (a NACK burst or a reset is over in
 * that time), then doubling up to 2 s. A probe is one short transaction, so
 * even the quick ones cost the bus well under 1 %; the cap is the recovery
 * bound of docs/ducomaster.md ("Recovery": 2 s + 25 % jitter).
 */
#define SLAVE_AVR_BACKOFF_US      (250 * 1000LL)
#define SLAVE_AVR_BACKOFF_CAP_US  (2 * 1000000LL)
#define SLAVE_AVR_QUICK_PROBES    20
/*
 * Bus errors in a row (after slave_io's own retries) that are taken as noise
 * and retried at the next poll before the slave counts as faulty: a burst of
 * corrupted transfers must not cost a reset and a backoff.
 */
#define SLAVE_IO_ERR_TOLERANCE    5
/* The pool drops a connection after 90 s without a share: give up on a job
 * the AVR could not finish well before that. */
#define SLAVE_JOB_GIVE_UP_US      (60 * 1000000LL)
#define SLAVE_MAX_RETRANSFERS     2
#define SLAVE_CALIB_NONCE         1000
#define SLAVE_CALIB_POLL_US       (50 * 1000LL)
#define SLAVE_CALIB_TIMEOUT_US    (30 * 1000000LL)
/* threads_per_board=auto: each thread's target plus this share to spare. */
#define MINER_THREAD_SPARE        0.1
/* A deferred job transfer looks again this long after the moment it let through. */
#define MINER_DEFER_STEP_US       100

static const char slave_letters[MINER_NSTATES] = "DCRJKWEFG";
static const char *const slave_names[MINER_NSTATES] = {
	[MINER_D] = "disconnected",
	[MINER_C] = "connected",
	[MINER_R] = "request sent",
	[MINER_J] = "job received",
	[MINER_K] = "transferred",
	[MINER_W] = "waiting to send",
	[MINER_E] = "result sent",
	[MINER_F] = "error verdict",
	[MINER_G] = "good verdict",
};

static const char *const miner_dsub_names[MINER_D_NSUBS] = {
	[MINER_D_BACKOFF] = "backoff",
	[MINER_D_IDENTIFY] = "identify",
	[MINER_D_CALIBRATE] = "calibrate",
	[MINER_D_RESOLVE] = "resolve",
	[MINER_D_CONNECT] = "connect",
	[MINER_D_BANNER] = "banner",
};

const char *miner_dsub_name(enum miner_dsub sub)
{
	return sub < MINER_D_NSUBS ? miner_dsub_names[sub] : "?";
}

int miner_connecting(const struct miner *s)
{
	return s->fd >= 0 && s->state == MINER_D && s->dsub == MINER_D_CONNECT;
}

char miner_state_letter(enum miner_state st)
{
	return st < MINER_NSTATES ? slave_letters[st] : '?';
}

const char *miner_state_name(enum miner_state st)
{
	return st < MINER_NSTATES ? slave_names[st] : "?";
}

void miner_init(struct miner *s, struct board *b, int index)
{
	memset(s, 0, sizeof(*s));
	s->state = MINER_D;
	s->dsub = MINER_D_BACKOFF;
	s->fd = -1;
	s->b = b;
	s->index = index;
	if (index)
		snprintf(s->name, sizeof(s->name), "%s#%d", b->name, index);
	else
		snprintf(s->name, sizeof(s->name), "%s", b->name);
	report_init(&s->st.rep, s->name);
	earn_estimate_init(&s->st.est, 0);
	s->kolka_ki = 1;
	board_add_worker(b, s);
}

int miner_active(const struct miner *s)
{
	return s->index == 0 || s->index < s->b->threads;
}

static int64_t miner_now(const struct miner_env *env)
{
	return mclock_now_us(env->clock);
}

static void miner_enter(struct miner *s, struct miner_env *env, enum miner_state st)
{
	mlog_debug("%s: %c -> %c", s->name, miner_state_letter(s->state), miner_state_letter(st));
	s->state = st;
	s->state_since_us = miner_now(env);
	if (st == MINER_D)
		s->dsub = MINER_D_BACKOFF;
}

/* The next step of state D (returns 1: the caller steps again). */
static int miner_enter_d(struct miner *s, struct miner_env *env, enum miner_dsub sub)
{
	mlog_debug("%s: D/%s -> D/%s", s->name, miner_dsub_name(s->dsub), miner_dsub_name(sub));
	s->dsub = sub;
	s->state_since_us = miner_now(env);
	return 1;
}

/* When to probe a faulty AVR next (the scheme above SLAVE_AVR_BACKOFF_US). */
static int64_t miner_avr_retry_at(struct miner *s, struct miner_env *env, int64_t now)
{
	int n = s->b->attempt++;

	n = n < SLAVE_AVR_QUICK_PROBES ? 0 : n - SLAVE_AVR_QUICK_PROBES + 1;
	return now + ratelimit_backoff_us(n, SLAVE_AVR_BACKOFF_US, SLAVE_AVR_BACKOFF_CAP_US,
					  &env->rng);
}

static void miner_wake(struct miner *s, int64_t when)
{
	if (when > 0 && (!s->wake_at_us || when < s->wake_at_us))
		s->wake_at_us = when;
}

/*
 * s lets go of its board: the scheduler hands the AVR to the worker that
 * waited longest, and every worker of the board that waits for it runs
 * again (the one chosen sends its job, the others keep waiting).
 */
static void miner_release(struct miner *s, struct miner_env *env)
{
	struct board *b = s->b;

	struct miner *next;

	if (b->owner != s && b->queued != s)
		return;
	next = board_release(b, s);
	/*
	 * A queued job that now owns the board has run since the previous job
	 * ended (by the board's clock: its start plus its hashing time); its
	 * pacing and polls count from then.
	 */
	if (next && next->state == MINER_K) {
		int64_t start = s->state == MINER_K && s->res.elapsed_us ?
				s->t_k + s->res.elapsed_us : miner_now(env);

		/* Not before a poll that still saw it waiting: estimates from
		 * the board's clock alone would drift over a chain of jobs. */
		if (b->queue_seen_us > start)
			start = b->queue_seen_us;
		if (start > next->t_k)
			next->t_k = start;
		next->next_poll_us = 0;
		next->busy_seen_us = 0;
	}
	if (!env->wake)
		return;
	for (int i = 0; i < b->nworkers; i++)
		if (b->workers[i] != s && miner_active(b->workers[i]))
			env->wake(env, b->workers[i]);
}

/* s's job leaves the AVR: stopped or, when it waits, unqueued. */
static void miner_drop_job(struct miner *s)
{
	struct board *b = s->b;

	if (!b->io_ready || s->state != MINER_K || (b->owner != s && b->queued != s))
		return;
	if (slave_io_slots(&b->io) > 1)
		(void)slave_io_drop(&b->io, s->job_id);
	else
		(void)slave_io_abort(&b->io);
}

static void miner_close_pool(struct miner *s, struct miner_env *env)
{
	if (s->pool_open && env) {
		s->pool_open = 0;
		env->open_workers--;
	}
	if (s->fd >= 0) {
		if (env && env->closing)
			env->closing(env, s, s->fd);
		close(s->fd);
	}
	s->fd = -1;
	s->conn_good = 0;       /* a new connection's first shares pay nothing */
	pool_rx_reset(&s->rx);
}

/* Drop the pool connection and come back after a backoff (state D). */
static void miner_disconnect(struct miner *s, struct miner_env *env, const char *why,
			     int64_t base_us)
{
	int64_t now = miner_now(env);

	mlog_warn("%s: pool connection closed in state %c: %s", s->name,
		  miner_state_letter(s->state), why);
	/* A job still on the AVR is for a connection that no longer exists. */
	miner_drop_job(s);
	miner_release(s, env);
	miner_close_pool(s, env);
	s->st.disconnects++;
	s->retry_at_us = now + ratelimit_backoff_us(s->conn_attempt++, base_us,
						    SLAVE_POOL_BACKOFF_CAP_US, &env->rng);
	miner_enter(s, env, MINER_D);
}

/*
 * The AVR failed (bus error, bad or missing result). Reset it and retry the
 * same job after a backoff; the pool connection stays open, because a new
 * connection earns nothing for its first shares.
 */
static void miner_fault(struct miner *s, struct miner_env *env, const char *what, int rc)
{
	int64_t now = miner_now(env);

	s->st.slave_faults++;
	s->last_fault_us = now;
	mlog_warn("%s: slave fault in state %c: %s (%s)", s->name, miner_state_letter(s->state),
		  what, rc ? strerror(-rc) : "no error code");
	/* The board's other workers wait in J (or further on, with results
	 * already verified); this one keeps the board and redoes its job. A
	 * job of another worker on the board (version 2: running or queued)
	 * went with the reset: that worker sends it again. */
	{
		struct board *b = s->b;
		struct miner *other = b->owner == s ? b->queued : b->queued == s ? b->owner : NULL;

		b->queued = NULL;
		if (b->owner == NULL || b->owner == other)
			b->owner = s->state >= MINER_J && s->state <= MINER_K ? s : NULL;
		if (other && other->state == MINER_K) {
			miner_enter(other, env, MINER_J);
			if (env->wake)
				env->wake(env, other);
		}
	}
	slave_io_reset(&s->b->io);
	s->b->io_ready = 0;
	s->b->retry_at_us = miner_avr_retry_at(s, env, now);
	if (s->fd >= 0 && s->state >= MINER_J && s->state <= MINER_W)
		miner_enter(s, env, MINER_J);
	else if (s->state != MINER_D)
		miner_disconnect(s, env, "slave fault", SLAVE_POOL_BACKOFF_US);
}

/*
 * A bus error in a busy state: 1 if it is still within the tolerance (the
 * caller retries after one poll interval), 0 if the slave must be handled as
 * faulty.
 */
static int slave_io_noise(struct miner *s, struct miner_env *env, int rc)
{
	if (rc == -EPROTO || ++s->b->io_err_streak > SLAVE_IO_ERR_TOLERANCE) {
		s->b->io_err_streak = 0;
		return 0;
	}
	s->st.bus_errors++;
	mlog_debug("%s: bus error %s (%d in a row), retrying", s->name, strerror(-rc),
		   s->b->io_err_streak);
	s->next_poll_us = miner_now(env) + env->cfg->poll_interval_ms * 1000LL;
	miner_wake(s, s->next_poll_us);
	return 1;
}

/* Read the AVR's identity; 1 when ready, 0 when waiting out a backoff. */
static int miner_ensure_io(struct miner *s, struct miner_env *env)
{
	int64_t now = miner_now(env);
	int rc;

	if (s->b->io_ready)
		return 1;
	if (now < s->b->retry_at_us) {
		miner_wake(s, s->b->retry_at_us);
		return 0;
	}
	rc = slave_io_identify(&s->b->io, &s->b->ident);
	if (rc == -EAGAIN) {
		/* The AVR had not taken a frame yet: ask again when it says. */
		miner_wake(s, s->b->io.again_at_us);
		return 0;
	}
	if (rc < 0) {
		s->b->retry_at_us = miner_avr_retry_at(s, env, now);
		if (s->b->attempt <= 3 || mlog_enabled(MLOG_DEBUG))
			mlog_warn("%s: no identity: %s (retry in %lld ms)", s->name, strerror(-rc),
				  (long long)(s->b->retry_at_us - now) / 1000);
		miner_wake(s, s->b->retry_at_us);
		return 0;
	}
	board_identified(s->b);
	mlog_info("%s: slave fw %u.%u board %u f_cpu %lu hash %u %s reset 0x%02x", s->b->name,
		  s->b->ident.fw_version >> 8, s->b->ident.fw_version & 0xff, s->b->ident.board_id,
		  (unsigned long)s->b->ident.f_cpu, s->b->ident.hash_impl, s->b->ducoid, s->b->ident.reset_cause);
	if (config_slave_limit(env->cfg, s->b->io.addr, &s->b->max_hashrate, &s->b->margin))
		mlog_info("%s: own limit %.1f H/s, margin %.0f%%", s->b->name, s->b->max_hashrate,
			  s->b->margin * 100);
	for (int b = 0; b < 8; b++)
		if (s->b->ident.reset_cause & (1u << b))
			s->st.resets_by_cause[b]++;
	/* health: at the first poll after every identification (a new boot
	 * has a new uptime), with this board's calibration */
	config_health_cal(env->cfg, s->b->io.addr, &s->b->bandgap_mv, &s->b->temp_offset_c,
			  &s->b->temp_gain);
	if (!slave_io_has_health(&s->b->io))
		s->b->health = BOARD_HEALTH_NA;
	else if (s->b->health == BOARD_HEALTH_NA)
		s->b->health = BOARD_HEALTH_PENDING;    /* reflashed meanwhile */
	s->b->health_due_us = now;
	s->b->io_ready = 1;
	s->b->attempt = 0;
	return 1;
}

/*
 * Tier auto's choice: the tier of the rate this board will report, which is
 * its measured speed or, for a board faster than the pacing target, the
 * target. A board faster than the wallet band thus stays in the tier whose
 * maximum is above the band (AVR by default) and is paced into the band.
 */
static const char *miner_auto_tier(const struct miner *s, const struct config *cfg)
{
	double target = config_target(cfg, s->b->max_hashrate, s->b->margin);

	return ratelimit_auto_tier(s->b->rate_est < target ? s->b->rate_est : target);
}

static void miner_calib_fail(struct miner *s, struct miner_env *env, const char *what, int rc)
{
	int64_t now = miner_now(env);

	s->b->calib_sent = 0;
	miner_release(s, env);
	s->st.slave_faults++;
	mlog_warn("%s: speed test failed: %s (%s)", s->b->name, what, rc ? strerror(-rc) : "-");
	slave_io_reset(&s->b->io);
	s->b->io_ready = 0;
	s->b->retry_at_us = miner_avr_retry_at(s, env, now);
	miner_wake(s, s->b->retry_at_us);
}

/*
 * Start-up speed test for tier auto, like the official miner's: a local job
 * whose answer is SLAVE_CALIB_NONCE, so it also proves that the AVR hashes
 * correctly before it talks to the pool. 1 when done (rate_est set).
 */
static int miner_calibrate(struct miner *s, struct miner_env *env)
{
	static const char last[DUCO_S1_HEX] = "05b7406b3909071b2d85b2d2958ad07a0d52bd12";
	int64_t now = miner_now(env);
	struct duco_job job = { .start_nonce = 0, .end_nonce = 2 * SLAVE_CALIB_NONCE };
	int st, rc;

	if (!s->b->calib_sent) {
		job.job_id = s->job_id = ++s->b->job_id;
		memcpy(job.last_hash, last, sizeof(job.last_hash));
		duco_s1_hash(last, SLAVE_CALIB_NONCE, job.expected);
		rc = slave_io_send_job(&s->b->io, &job);
		if (rc == -EAGAIN) {
			miner_wake(s, s->b->io.again_at_us);
			return 0;
		}
		if (rc < 0) {
			miner_calib_fail(s, env, "job transfer", rc);
			return 0;
		}
		s->b->calib_sent = 1;
		s->t_k = now;
		s->next_poll_us = now + SLAVE_CALIB_POLL_US;
		miner_wake(s, s->next_poll_us);
		return 0;
	}
	if (now < s->next_poll_us) {
		miner_wake(s, s->next_poll_us);
		return 0;
	}
	st = slave_io_poll(&s->b->io, 1);
	if (st < 0) {
		miner_calib_fail(s, env, "status poll", st);
		return 0;
	}
	if (DUCO_STATUS_STATE(st) == DUCO_ST_BUSY) {
		if (now - s->t_k > SLAVE_CALIB_TIMEOUT_US) {
			miner_calib_fail(s, env, "too slow", -ETIMEDOUT);
			return 0;
		}
		s->next_poll_us = now + SLAVE_CALIB_POLL_US;
		miner_wake(s, s->next_poll_us);
		return 0;
	}
	rc = DUCO_STATUS_STATE(st) == DUCO_ST_DONE ? slave_io_read_result(&s->b->io, s->job_id, &s->res)
						    : -EPROTO;
	if (rc < 0 || !s->res.found || s->res.nonce != SLAVE_CALIB_NONCE || !s->res.elapsed_us) {
		miner_calib_fail(s, env, "wrong or missing result", rc);
		return 0;
	}
	s->b->calib_sent = 0;
	/* Version 2 keeps the result until dropped: free its slot. */
	if (slave_io_slots(&s->b->io) > 1)
		(void)slave_io_drop(&s->b->io, s->job_id);
	miner_release(s, env);
	s->b->rate_est = SLAVE_CALIB_NONCE / (s->res.elapsed_us / 1e6);
	mlog_info("%s: speed test: %d nonces in %.1f ms = %.1f H/s, tier %s%s", s->b->name,
		  SLAVE_CALIB_NONCE, s->res.elapsed_us / 1000.0, s->b->rate_est,
		  miner_auto_tier(s, env->cfg),
		  s->b->rate_est > config_target(env->cfg, s->b->max_hashrate, s->b->margin)
		  ? " (paced into the wallet band)" : "");
	return 1;
}

/* A pool connection that could not start counts as a failed connect. */
static int miner_connect_failed(struct miner *s, struct miner_env *env, int rc)
{
	int64_t now = miner_now(env);

	s->st.connect_failures++;
	env->connect_fail_streak++;
	mlog_warn("%s: connect to %s: %s", s->name, env->pool_addr, strerror(-rc));
	s->retry_at_us = now + ratelimit_backoff_us(s->conn_attempt++, SLAVE_POOL_BACKOFF_US,
						    SLAVE_POOL_BACKOFF_CAP_US, &env->rng);
	return miner_enter_d(s, env, MINER_D_BACKOFF);
}

static int miner_d_backoff(struct miner *s, struct miner_env *env)
{
	/* A worker beyond the board's thread count waits to be given work. */
	if (!miner_active(s))
		return 0;
	if (miner_now(env) < s->retry_at_us) {
		miner_wake(s, s->retry_at_us);
		return 0;
	}
	return miner_enter_d(s, env, MINER_D_IDENTIFY);
}

/* Tier auto and threads_per_board=auto need the board's speed first. */
static int miner_needs_speed(const struct miner *s, const struct miner_env *env)
{
	return (env->cfg->tier == CONFIG_TIER_AUTO || env->threads == 0) && s->b->rate_est <= 0;
}

static int miner_d_identify(struct miner *s, struct miner_env *env)
{
	if (!miner_ensure_io(s, env))
		return 0;
	/* Measure the speed before the first request. */
	if (miner_needs_speed(s, env))
		return miner_enter_d(s, env, MINER_D_CALIBRATE);
	return miner_enter_d(s, env, MINER_D_RESOLVE);
}

/*
 * threads_per_board=auto, once the board's speed is known: as many workers
 * as it serves at the target with 10 % to spare, from the rig's budget
 * (max_workers, one already counted per board), of which a board gets at
 * most an even share of what the boards not yet measured could still ask
 * for, so the first board measured does not starve the last. The others
 * start mining.
 */
static void miner_decide_threads(struct miner *s, struct miner_env *env)
{
	struct board *b = s->b;
	double target = config_target(env->cfg, b->max_hashrate, b->margin);
	int want, extra, fair;

	if (env->threads != 0 || b->threads != 0)
		return;
	want = board_auto_threads(b->rate_est, target, MINER_THREAD_SPARE, b->nworkers);
	fair = env->undecided > 0 ? (env->worker_budget + env->undecided - 1) / env->undecided
				  : env->worker_budget;
	extra = want - 1 < fair ? want - 1 : fair;
	env->worker_budget -= extra;
	env->undecided--;
	b->threads = 1 + extra;
	mlog_info("%s: %d thread(s) at %.1f H/s each (%.1f H/s measured, %d wanted, %d of "
		  "max_workers left)", b->name, b->threads, target, b->rate_est, want,
		  env->worker_budget);
	for (int i = 1; env->wake && i < b->threads; i++)
		env->wake(env, b->workers[i]);
}

static int miner_d_calibrate(struct miner *s, struct miner_env *env)
{
	/* Another worker of the board measured it meanwhile. */
	if (s->b->rate_est > 0)
		return miner_enter_d(s, env, MINER_D_RESOLVE);
	if (!board_take(s->b, s))
		return 0;               /* miner_release wakes us */
	if (miner_calibrate(s, env)) {
		miner_decide_threads(s, env);
		return miner_enter_d(s, env, MINER_D_RESOLVE);
	}
	/* A failed speed test reset the AVR: identify it again first. */
	return s->b->io_ready ? 0 : miner_enter_d(s, env, MINER_D_IDENTIFY);
}

static void miner_on_resolved(void *arg, int rc, const struct resolve_addrs *addrs)
{
	struct miner *s = arg;

	s->dns = NULL;
	s->dns_done = 1;
	s->dns_rc = rc;
	if (addrs)
		s->pool_addrs = *addrs;
	if (s->dns_env && s->dns_env->wake)
		s->dns_env->wake(s->dns_env, s);
}

static int miner_d_resolve(struct miner *s, struct miner_env *env)
{
	char host[sizeof(env->pool_addr)], port[8];
	int rc;

	if (s->dns)
		return 0;               /* miner_on_resolved wakes us */
	if (s->dns_done) {
		s->dns_done = 0;
		if (s->dns_rc < 0) {
			s->st.connects++;       /* an attempt that failed early */
			return miner_connect_failed(s, env, s->dns_rc);
		}
		return miner_enter_d(s, env, MINER_D_CONNECT);
	}
	/* No pool address yet: the rig runs us again after discovery. */
	if (!env->pool_addr[0])
		return 0;
	if (env->connect)
		return miner_enter_d(s, env, MINER_D_CONNECT);
	s->pool_ai = 0;         /* a new lookup: its first address first */
	rc = resolve_split(env->pool_addr, host, sizeof(host), port, sizeof(port));
	if (rc == 0)
		rc = resolve_start(env->resolver, host, port, &s->pool_addrs, miner_on_resolved, s,
				   &s->dns);
	if (rc == 0) {
		s->dns_env = env;
		return 0;
	}
	if (rc < 0) {
		s->st.connects++;
		return miner_connect_failed(s, env, rc);
	}
	return miner_enter_d(s, env, MINER_D_CONNECT);
}

/*
 * A connect to one of the pool name's addresses failed: try its next one
 * at once (an IPv6 address without a route, a dead one of several) rather
 * than back off and fail on the same first address again. 1: trying it;
 * 0: none left (the caller backs off; the next lookup starts over, at
 * miner_d_resolve).
 */
static int miner_next_addr(struct miner *s, struct miner_env *env, int rc)
{
	char from[64], to[64];

	if (env->connect || s->pool_ai + 1 >= s->pool_addrs.n)
		return 0;
	resolve_addr_text(&s->pool_addrs.a[s->pool_ai++], from, sizeof(from));
	resolve_addr_text(&s->pool_addrs.a[s->pool_ai], to, sizeof(to));
	mlog_info("%s: connect to %s (%s): %s; trying %s", s->name, env->pool_addr, from,
		  strerror(-rc), to);
	s->st.connect_failures++;
	miner_close_pool(s, env);
	return miner_enter_d(s, env, MINER_D_CONNECT);
}

static int miner_d_connect(struct miner *s, struct miner_env *env)
{
	int64_t now = miner_now(env), when;
	int fd;

	if (s->fd >= 0) {
		/* Under way: miner_on_writable moves on to BANNER. */
		if (now - s->state_since_us >= SLAVE_CONNECT_TIMEOUT_US) {
			if (miner_next_addr(s, env, -ETIMEDOUT))
				return 1;
			s->st.connect_failures++;
			env->connect_fail_streak++;
			miner_disconnect(s, env, "connect timeout", SLAVE_POOL_BACKOFF_US);
			return 1;
		}
		miner_wake(s, s->state_since_us + SLAVE_CONNECT_TIMEOUT_US);
		return 0;
	}
	when = ratelimit_conn_admit(env->conn, now);
	if (when) {
		miner_wake(s, when);
		return 0;
	}
	fd = env->connect ? env->connect(env, s) : pool_connect_start(&s->pool_addrs.a[s->pool_ai]);
	s->st.connects++;
	if (fd < 0)
		return miner_next_addr(s, env, fd) || miner_connect_failed(s, env, fd);
	s->fd = fd;
	pool_rx_reset(&s->rx);
	s->state_since_us = now;
	miner_wake(s, now + SLAVE_CONNECT_TIMEOUT_US);
	return 0;
}

static int miner_d_banner(struct miner *s, struct miner_env *env)
{
	int64_t now = miner_now(env);
	char line[POOL_LINE_MAX], reason[96];

	/* The pool speaks first, with its version. */
	if (!pool_take_line(&s->rx, now, line, sizeof(line))) {
		if (s->rx.closed) {
			miner_disconnect(s, env, "closed before the banner", SLAVE_POOL_BACKOFF_US);
			return 1;
		}
		if (now - s->state_since_us >= SLAVE_BANNER_TIMEOUT_US) {
			s->st.timeouts++;
			miner_disconnect(s, env, "no banner", SLAVE_POOL_BACKOFF_US);
			return 1;
		}
		miner_wake(s, s->state_since_us + SLAVE_BANNER_TIMEOUT_US);
		miner_wake(s, pool_rx_deadline(&s->rx));
		return 0;
	}
	if (!strncmp(line, "BAD", 3)) {
		snprintf(reason, sizeof(reason), "%s", line);
		s->st.refusals++;
		mlog_warn("%s: pool refused the connection: %s", s->name, reason);
		miner_disconnect(s, env, "refused", SLAVE_REFUSAL_BACKOFF_US);
		return 1;
	}
	if (pool_parse_banner(line, s->pool_version, sizeof(s->pool_version)) < 0) {
		/* Unknown greeting: keep going, the job line is checked strictly. */
		snprintf(s->pool_version, sizeof(s->pool_version), "?");
		mlog_warn("%s: unexpected pool banner (%zu bytes)", s->name, strlen(line));
	}
	mlog_info("%s: connected to %s, pool version %s", s->name, env->pool_addr, s->pool_version);
	env->connect_fail_streak = 0;
	/* The pool numbers a user's workers by the open ones at registration
	 * (no other miner on the account assumed). */
	if (!s->pool_open) {
		s->pool_open = 1;
		env->open_workers++;
	}
	s->kolka_ki = (uint32_t)env->open_workers;
	s->conn_attempt = 0;
	miner_enter(s, env, MINER_C);
	return 1;
}

static int miner_step_d(struct miner *s, struct miner_env *env)
{
	switch (s->dsub) {
	case MINER_D_BACKOFF:   return miner_d_backoff(s, env);
	case MINER_D_IDENTIFY:  return miner_d_identify(s, env);
	case MINER_D_CALIBRATE: return miner_d_calibrate(s, env);
	case MINER_D_RESOLVE:   return miner_d_resolve(s, env);
	case MINER_D_CONNECT:   return miner_d_connect(s, env);
	case MINER_D_BANNER:    return miner_d_banner(s, env);
	case MINER_D_NSUBS:     break;
	}
	return 0;
}

/*
 * job_sensor=health: the board's last health answer as the JOB line's
 * sensor field, e.g. "Vcc 4.98V T 24.6C up 3600s" (pool_format_request
 * holds it to the pool's characters and length); NULL when off or there is
 * nothing to say.
 */
static const char *miner_sensor(const struct miner *s, const struct config *cfg, char *out,
				size_t cap)
{
	const struct board *b = s->b;
	const struct duco_health *h = &b->hl;
	size_t n = 0;

	if (!cfg->job_sensor || b->health != BOARD_HEALTH_OK || cap < 2)
		return NULL;
	out[0] = '\0';
	if (h->sensors & DUCO_HEALTH_VCC)
		n += (size_t)snprintf(out + n, cap - n, "Vcc %.2fV ",
				      duco_health_vcc_mv(h->vbg_adc, b->bandgap_mv) / 1000);
	if (n < cap && (h->sensors & DUCO_HEALTH_TEMP))
		n += (size_t)snprintf(out + n, cap - n, "T %.1fC ",
				      duco_health_temp_c(h->temp_adc, b->bandgap_mv,
							 b->temp_offset_c, b->temp_gain));
	if (n < cap)
		snprintf(out + n, cap - n, "up %lus", (unsigned long)h->uptime_s);
	return out;
}

static int miner_step_c(struct miner *s, struct miner_env *env)
{
	const struct config *cfg = env->cfg;
	char msg[POOL_LINE_MAX], sensor[64];
	int n, rc;

	if (s->rx.len) {
		/* Strictly lock-step: nothing may arrive unasked. */
		mlog_warn("%s: %zu unexpected bytes from the pool dropped", s->name, s->rx.len);
		s->rx.len = 0;
	}
	s->tier_sent = cfg->tier == CONFIG_TIER_AUTO ? miner_auto_tier(s, cfg)
						      : config_tier_name(cfg->tier);
	n = pool_format_request(msg, sizeof(msg), cfg->user, s->tier_sent, cfg->mining_key,
				miner_sensor(s, cfg, sensor, sizeof(sensor)));
	if (n < 0) {
		miner_disconnect(s, env, "request too long", SLAVE_REFUSAL_BACKOFF_US);
		return 1;
	}
	rc = pool_send(s->fd, msg, (size_t)n);
	if (rc < 0) {
		miner_disconnect(s, env, strerror(-rc), SLAVE_POOL_BACKOFF_US);
		return 1;
	}
	s->st.requests++;
	s->t_req = miner_now(env);
	s->job_master_us = 0;
	s->retransfers = 0;
	miner_enter(s, env, MINER_R);
	return 1;
}

static int miner_step_r(struct miner *s, struct miner_env *env)
{
	int64_t now = miner_now(env), limit = env->cfg->job_timeout_s * 1000000LL;
	char line[POOL_LINE_MAX], reason[96];
	int rc;

	if (!pool_take_line(&s->rx, now, line, sizeof(line))) {
		if (s->rx.closed) {
			miner_disconnect(s, env, "closed while waiting for a job", SLAVE_POOL_BACKOFF_US);
			return 1;
		}
		if (now - s->t_req >= limit) {
			s->st.timeouts++;
			miner_disconnect(s, env, "no job", SLAVE_POOL_BACKOFF_US);
			return 1;
		}
		miner_wake(s, s->t_req + limit);
		miner_wake(s, pool_rx_deadline(&s->rx));
		return 0;
	}
	rc = pool_parse_job(line, &s->job, reason, sizeof(reason));
	if (rc == -ECONNREFUSED) {
		s->st.refusals++;
		mlog_warn("%s: pool refused a job: BAD,%s", s->name, reason);
		miner_disconnect(s, env, "job refused", SLAVE_REFUSAL_BACKOFF_US);
		return 1;
	}
	if (rc < 0) {
		miner_disconnect(s, env, "malformed job line", SLAVE_POOL_BACKOFF_US);
		return 1;
	}
	s->t_job = now;
	s->next_poll_us = 0;
	s->job_seq++;
	miner_enter(s, env, MINER_J);
	return 1;
}

static void miner_schedule_poll(struct miner *s, struct miner_env *env, int64_t now)
{
	const struct config *cfg = env->cfg;
	double limit = config_target(cfg, s->b->max_hashrate, s->b->margin);

	int64_t gap = ratelimit_poll_gap(now - s->t_k, s->b->rate_est, limit,
					 cfg->poll_policy == CONFIG_POLL_ADAPTIVE,
					 cfg->poll_interval_ms * 1000LL, cfg->poll_max_gap_ms * 1000LL);

	/*
	 * The geometric spacing counts from the transfer and ignores the
	 * AVR's start and the band's lower edge: a nonce of 8 found just
	 * after a poll at 4.9 ms would be seen at 41 ms, after its band ended
	 * (35.5 ms). Never look later than the band of the smallest nonce the
	 * board may still find allows, with time to read it and leave late.
	 */
	if (cfg->poll_policy == CONFIG_POLL_ADAPTIVE && s->b->rate_est > limit) {
		double lo, hi;

		config_band(cfg, &lo, &hi);
		if (lo > 0) {
			uint32_t n = ratelimit_min_open_nonce(now - s->t_k, s->b->rate_est);
			int64_t by = s->t_k + ratelimit_band_end_us(n, lo) - RATELIMIT_READ_US -
				     ratelimit_late_us(&env->late) - now;

			if (by < gap)
				gap = by < RATELIMIT_FIRST_POLL_US ? RATELIMIT_FIRST_POLL_US : by;
		}
	}
	/* A result seen late would keep the board from the next waiting job. */
	if (board_waiting(s->b) && gap > cfg->poll_interval_ms * 1000LL)
		gap = cfg->poll_interval_ms * 1000LL;
	/*
	 * Version 2 with a job queued: the board runs it the moment this one
	 * ends, but its result can only be read after this one's, and a tiny
	 * nonce's result is needed within a few ms of its start (nonce 2:
	 * 8.9 ms at 225 H/s): look every 2 ms while a job waits (a 1-byte
	 * read, ~0.2 ms of a 100 kHz bus).
	 */
	if (s->b->queued && gap > RATELIMIT_QUEUED_POLL_US)
		gap = RATELIMIT_QUEUED_POLL_US;
	s->next_poll_us = now + gap;
}

int64_t miner_loop_need(const struct miner *w, const struct miner_env *env, int64_t now,
			int64_t until_us)
{
	const struct config *cfg = env->cfg;
	int64_t late = ratelimit_late_us(&env->late), end;
	double lo, hi;

	config_band(cfg, &lo, &hi);
	if (!(lo > 0))
		return 0;
	if (w->state == MINER_W) {
		if (!w->dec.paced || w->dec.send_at_us >= until_us)
			return 0;
		end = w->t_k + ratelimit_band_end_us(w->res.nonce, lo);
		/* Past saving, or still inside the band when sent after it. */
		if (end <= now || until_us + late <= end)
			return 0;
		return w->dec.send_at_us;
	}
	if (w->state == MINER_K && w->b->owner == w &&
	    w->b->rate_est > config_target(cfg, w->b->max_hashrate, w->b->margin)) {
		const struct miner *q = w->b->queued;
		uint32_t n;

		/*
		 * A job queued behind w starts the moment w's ends, which the
		 * rig learns only from w's polls: one not seen waiting just now
		 * may be running already, its tiny nonce due in 4.4 ms. Look
		 * first (the caller brings the poll in).
		 */
		if (q && q->state == MINER_K && now - w->busy_seen_us > RATELIMIT_QUEUED_FRESH_US)
			return now;
		if (w->next_poll_us >= until_us)
			return 0;
		n = ratelimit_min_open_nonce(w->busy_seen_us > w->t_k ? w->busy_seen_us - w->t_k : 0,
					     w->b->rate_est);
		/* Nonces whose band ends before a read now could finish are
		 * lost already: the first one still to save. */
		if (now + RATELIMIT_READ_US > w->t_k) {
			double save = (now + RATELIMIT_READ_US - w->t_k) / 1e6 * lo;

			if (save >= n)
				n = ratelimit_nonce_after(save);
		}
		end = w->t_k + ratelimit_band_end_us(n, lo);
		if (until_us + RATELIMIT_READ_US + late <= end)
			return 0;
		return w->next_poll_us;
	}
	return 0;
}

/*
 * A job frame holds the bus, and so the loop, for ~7 ms at 100 kHz: first
 * let every other worker's moment through that cannot wait that long
 * (miner_rig_need). 1: s waits (woken just after the first such moment).
 * Only a fresh job's first polls and a tiny nonce's hold ask for this, a
 * few ms at a time, so a transfer is put off briefly and never for good.
 */
int64_t miner_rig_need(struct miner_env *env, const struct miner *self, int64_t now,
		       int64_t until_us)
{
	int64_t first = 0;

	for (int i = 0; i < env->nminers; i++) {
		struct miner *w = env->miners[i];
		int64_t at = w == self ? 0 : miner_loop_need(w, env, now, until_us);

		if (!at)
			continue;
		if (!first || at < first)
			first = at;
		/* A poll needed before the transfer comes now, not at its time. */
		if (w->state == MINER_K && at < w->next_poll_us) {
			w->next_poll_us = at;
			miner_wake(w, at);
			if (env->wake)
				env->wake(env, w);
		}
	}
	return first;
}

static int miner_defer_transfer(struct miner *s, struct miner_env *env, int64_t now)
{
	int64_t first;

	/* A worker that never gets round to its moment holds no one up for long. */
	if (s->defer_since_us && now - s->defer_since_us > RATELIMIT_DEFER_MAX_US) {
		mlog_info("%s: job transfer put off for %.1f ms for other workers' moments; "
			  "it goes now", s->name, (now - s->defer_since_us) / 1000.0);
		s->defer_since_us = 0;
		return 0;
	}
	first = miner_rig_need(env, s, now, now + ratelimit_xfer_us(&env->xfer));
	if (!first) {
		s->defer_since_us = 0;
		return 0;
	}
	if (!s->defer_since_us)
		s->defer_since_us = now;
	s->st.deferred++;
	miner_wake(s, (first > now ? first : now) + MINER_DEFER_STEP_US);
	return 1;
}

static int miner_step_j(struct miner *s, struct miner_env *env)
{
	struct duco_job job = { .start_nonce = 0 };
	int64_t now = miner_now(env);
	struct miner *o = s->b->owner;
	int rc;

	if (now - s->t_job >= SLAVE_JOB_GIVE_UP_US) {
		miner_disconnect(s, env, "slave could not take the job in time", SLAVE_POOL_BACKOFF_US);
		return 1;
	}
	if (!board_take(s->b, s)) {
		/* The board is busy with another worker's job: ask it to look
		 * for its result at the next interval, not a spaced-out poll.
		 * With this job queued behind it, as soon as a queued job's
		 * polls come (RATELIMIT_QUEUED_POLL_US): the queued result can
		 * only be read after the running one's, and a tiny nonce's is
		 * due within a few ms of its start, not at the next interval. */
		int queued = board_queue(s->b, s);
		int64_t soon = now + (queued ? RATELIMIT_QUEUED_POLL_US
					     : env->cfg->poll_interval_ms * 1000LL);

		if (o->state == MINER_K && o->next_poll_us > soon) {
			o->next_poll_us = soon;
			if (env->wake)
				env->wake(env, o);
		}
		if (!queued) {
			miner_wake(s, s->t_job + SLAVE_JOB_GIVE_UP_US);
			return 0;
		}
	}
	if (!miner_ensure_io(s, env)) {
		miner_wake(s, s->t_job + SLAVE_JOB_GIVE_UP_US);
		return 0;
	}
	poolwire_job_to_slave(&s->job, &job);
	if (now < s->next_poll_us) {
		miner_wake(s, s->next_poll_us);
		return 0;
	}
	if (miner_defer_transfer(s, env, now))
		return 0;
	job.job_id = s->job_id = ++s->b->job_id;
	/* Version 2: QUEUE (runs at once on an idle board, else waits behind
	 * the running job); version 1: JOB. */
	rc = slave_io_slots(&s->b->io) > 1 ? slave_io_submit(&s->b->io, &job)
					   : slave_io_send_job(&s->b->io, &job);
	if (rc == 0)
		ratelimit_xfer_add(&env->xfer, miner_now(env) - now);
	if (rc == -EBUSY || rc == -ENOSPC) {
		/* No room on the board yet (a job queued, or results kept). */
		if (s->b->queued == s)
			s->b->queued = NULL;
		miner_wake(s, now + env->cfg->poll_interval_ms * 1000LL);
		return 0;
	}
	if (rc == -EAGAIN) {
		/* Refused while the AVR was busy taking a frame: a timer, no spin. */
		miner_wake(s, s->b->io.again_at_us);
		return 0;
	}
	if (rc < 0) {
		if (slave_io_noise(s, env, rc))
			return 0;
		miner_fault(s, env, "job transfer failed", rc);
		return 1;
	}
	s->b->io_err_streak = 0;
	s->t_k = miner_now(env);
	s->busy_seen_us = 0;
	s->polls = 0;
	miner_schedule_poll(s, env, s->t_k);
	miner_enter(s, env, MINER_K);
	return 1;
}

/* A result the AVR claims: 1 if it really solves the job. */
static int miner_result_ok(const struct miner *s)
{
	uint8_t digest[DUCO_SHA1_DIGEST];

	if (!s->res.found || s->res.nonce > s->job.diff * 100)
		return 0;
	duco_s1_hash(s->job.last_hash, s->res.nonce, digest);
	return !memcmp(digest, s->job.expected, sizeof(digest));
}

/*
 * The board's health, by its owner while its job runs, every
 * health_interval_s: a few short transactions in steps (slave_io_health),
 * each when the poll schedule runs this worker anyway or at the step's
 * own time. A failed read is counted, never a fault: health is not mining.
 */
static void miner_health(struct miner *s, struct miner_env *env, int64_t now)
{
	struct board *b = s->b;
	int rc;

	if (!env->cfg->health_interval_s || b->health == BOARD_HEALTH_NA || now < b->health_due_us)
		return;
	rc = slave_io_health(&b->io, &b->hl);
	if (rc == -EAGAIN) {
		b->health_due_us = b->io.again_at_us;
		miner_wake(s, b->health_due_us);
		return;
	}
	if (rc == -EOPNOTSUPP) {
		b->health = BOARD_HEALTH_NA;
		return;
	}
	if (rc == 0) {
		b->health = BOARD_HEALTH_OK;
		b->health_at_us = now;
		b->health_reads++;
		mlog_debug("%s: health: sensors 0x%x vbg %u temp %u uptime %lu s", b->name,
			   b->hl.sensors, b->hl.vbg_adc, b->hl.temp_adc, (unsigned long)b->hl.uptime_s);
	} else {
		b->health_failures++;
		mlog_debug("%s: health read failed: %s", b->name, strerror(-rc));
	}
	b->health_due_us = now + env->cfg->health_interval_s * 1000000LL;
}

static int miner_step_k(struct miner *s, struct miner_env *env)
{
	const struct config *cfg = env->cfg;
	int64_t now = miner_now(env);
	int v2 = slave_io_slots(&s->b->io) > 1, st, rc;

	/* Queued behind another job: the owner reads the board. */
	if (s->b->owner != s)
		return 0;
	miner_health(s, env, now);
	if (now < s->next_poll_us) {
		miner_wake(s, s->next_poll_us);
		return 0;
	}
	st = slave_io_poll(&s->b->io, 0);
	s->polls++;
	if (st >= 0 && (!duco_state_hashing(DUCO_STATUS_STATE(st)) ||
			duco_state_has_result(DUCO_STATUS_STATE(st))))
		/* The 1-byte poll has no CRC: confirm anything but "busy". */
		st = slave_io_poll(&s->b->io, 1);
	if (st < 0) {
		if (slave_io_noise(s, env, st))
			return 0;
		miner_fault(s, env, "status poll failed", st);
		return 1;
	}
	if (duco_state_hashing(DUCO_STATUS_STATE(st)) && !duco_state_has_result(DUCO_STATUS_STATE(st))) {
		if (duco_state_queued(DUCO_STATUS_STATE(st)))
			s->b->queue_seen_us = miner_now(env);
		s->busy_seen_us = miner_now(env);
		s->b->io_err_streak = 0;
		miner_schedule_poll(s, env, miner_now(env));
		miner_wake(s, s->next_poll_us);
		return 0;
	}
	if (!duco_state_has_result(DUCO_STATUS_STATE(st))) {
		miner_fault(s, env, DUCO_STATUS_STATE(st) == DUCO_ST_IDLE ? "slave lost its job"
									: "slave reports an error", 0);
		return 1;
	}
	/* Version 2: the oldest kept result is the running job's, this one's. */
	rc = v2 ? slave_io_take_result(&s->b->io, &s->res)
		: slave_io_read_result(&s->b->io, s->job_id, &s->res);
	if (rc == 0 && v2 && s->res.job_id != s->job_id)
		rc = -EPROTO;
	if (rc == 0 && v2)
		rc = slave_io_drop(&s->b->io, s->job_id);
	if (rc == -EAGAIN) {
		/* Still busy after all (the unchecked status was damaged). */
		miner_schedule_poll(s, env, miner_now(env));
		miner_wake(s, s->next_poll_us);
		return 0;
	}
	if (rc < 0) {
		if (slave_io_noise(s, env, rc))
			return 0;
		miner_fault(s, env, "result read failed", rc);
		return 1;
	}
	s->b->io_err_streak = 0;
	s->t_done = miner_now(env);
	if (!miner_result_ok(s)) {
		s->st.wrong_nonces++;
		s->st.slave_faults++;
		mlog_warn("%s: slave result %s nonce %lu fails verification; not sent", s->name,
			  s->res.found ? "with" : "without", (unsigned long)s->res.nonce);
		if (++s->retransfers > SLAVE_MAX_RETRANSFERS) {
			miner_fault(s, env, "repeated wrong results", 0);
			return 1;
		}
		/* Version 2: the queued job runs now; this one queues again. */
		if (v2)
			miner_release(s, env);
		miner_enter(s, env, MINER_J);
		return 1;
	}
	/*
	 * Paced from when the job reached the board (K), not from the job
	 * line: with threads a job may wait in J for its board, and that wait
	 * is the rig's queueing, not hashing; counting it would report a
	 * rate the board never ran at, below the wallet's band.
	 */
	{
		struct ratelimit_pace pace = {
			.target = config_target(cfg, s->b->max_hashrate, s->b->margin),
			.late_us = ratelimit_late_us(&env->late),
		};

		config_band(cfg, &pace.lo, &pace.hi);
		/* A tier maximum below the band keeps its margin: the pool
		 * moves a board reporting at its maximum up a tier. */
		if (s->b->max_hashrate > 0 && s->b->max_hashrate * (1.0 - s->b->margin) < pace.hi)
			pace.hi = s->b->max_hashrate * (1.0 - s->b->margin);
		ratelimit_decide(&s->dec, s->res.nonce, s->res.elapsed_us, s->t_k, s->t_done,
				 &pace);
	}
	s->b->rate_est = s->b->rate_est > 0 ? 0.7 * s->b->rate_est + 0.3 * s->dec.r_slave : s->dec.r_slave;
	if (s->dec.held) {
		s->st.holds++;
		mlog_debug("%s: job %lu nonce %lu at %.1f H/s held %.1f ms, reporting %.1f",
			   s->name, (unsigned long)s->job_seq, (unsigned long)s->res.nonce,
			   s->dec.r_slave, (s->dec.send_at_us - s->t_done) / 1000.0, s->dec.reported);
	}
	s->b->attempt = 0;
	/* The AVR is free for the next waiting worker while this one is held. */
	miner_release(s, env);
	miner_enter(s, env, MINER_W);
	return 1;
}

static int miner_step_w(struct miner *s, struct miner_env *env)
{
	const struct config *cfg = env->cfg;
	int64_t now = miner_now(env);
	char msg[POOL_LINE_MAX];
	int n, rc;

	if (now < s->dec.send_at_us) {
		miner_wake(s, s->dec.send_at_us);
		return 0;
	}
	/* What the share achieved by now, the moment it really leaves; how
	 * late a held one is teaches the aim of the next (ratelimit_late). */
	if (s->dec.paced)
		s->dec.reported = ratelimit_achieved(s->res.nonce, s->t_k, now, s->dec.r_slave);
	if (s->dec.held)
		ratelimit_late_add(&env->late, now - s->dec.send_at_us);
	/* The threads of one board: its DUCOID and one grouping id, so the
	 * wallet shows one miner with threads. */
	n = pool_format_result(msg, sizeof(msg), s->res.nonce, s->dec.reported, cfg->software,
			       cfg->rig_id, s->b->ducoid, board_group_sent(s->b));
	if (n < 0) {
		miner_disconnect(s, env, "result too long", SLAVE_REFUSAL_BACKOFF_US);
		return 1;
	}
	rc = pool_send(s->fd, msg, (size_t)n);
	if (rc < 0) {
		miner_disconnect(s, env, strerror(-rc), SLAVE_POOL_BACKOFF_US);
		return 1;
	}
	s->t_sent = miner_now(env);
	miner_enter(s, env, MINER_E);
	return 1;
}

static int miner_step_e(struct miner *s, struct miner_env *env)
{
	int64_t now = miner_now(env), limit = env->cfg->verdict_timeout_s * 1000000LL;
	char line[POOL_LINE_MAX];
	int v;

	if (!pool_take_line(&s->rx, now, line, sizeof(line))) {
		if (s->rx.closed) {
			miner_disconnect(s, env, "closed while waiting for a verdict",
					 SLAVE_POOL_BACKOFF_US);
			return 1;
		}
		if (now - s->t_sent >= limit) {
			s->st.timeouts++;
			miner_disconnect(s, env, "no verdict", SLAVE_POOL_BACKOFF_US);
			return 1;
		}
		miner_wake(s, s->t_sent + limit);
		miner_wake(s, pool_rx_deadline(&s->rx));
		return 0;
	}
	s->reason[0] = '\0';
	s->why = POOL_BAD_OTHER;
	v = pool_parse_verdict(line, &s->why, s->reason, sizeof(s->reason));
	if (v < 0) {
		miner_disconnect(s, env, "malformed verdict", SLAVE_POOL_BACKOFF_US);
		return 1;
	}
	s->verdict = (enum pool_verdict)v;
	s->t_verdict = now;
	miner_enter(s, env, v == POOL_BAD ? MINER_F : MINER_G);
	return 1;
}

/* Timing record and sums for a job that got its verdict (F or G). */
static void miner_record(struct miner *s, struct miner_env *env)
{
	struct joblog_rec *r = &s->last;
	static const char *const words[] = { [POOL_GOOD] = "GOOD", [POOL_BLOCK] = "BLOCK",
					     [POOL_BAD] = "BAD" };

	*r = (struct joblog_rec){
		.wall_us = mclock_wall_us(),
		.slave = s->b->name,
		.worker = s->index,
		.job = s->job_seq,
		.diff = s->job.diff,
		.nonce = s->res.nonce,
		.hashrate = s->dec.reported,
		.r_slave = s->dec.r_slave,
		.verdict = words[s->verdict],
		.reason = s->reason,
		.get_job_wait_ms = (s->t_job - s->t_req) / 1000.0,
		.transfer_ms = (s->t_k - s->t_job) / 1000.0,
		.slave_elapsed_ms = s->res.elapsed_us / 1000.0,
		.busy_polls = s->polls,
		.detect_ms = (s->t_done - s->t_k) / 1000.0 - s->res.elapsed_us / 1000.0,
		.hold_ms = (s->t_sent - s->t_done) / 1000.0,
		.get_res_wait_ms = (s->t_verdict - s->t_sent) / 1000.0,
		.overall_ms = (s->t_verdict - s->t_req) / 1000.0,
		.master_ms = s->job_master_us / 1000.0,
	};
	/*
	 * The slave's clock and the host's differ (and a simulated AVR may run
	 * slower or faster than real time): detection cannot be negative.
	 */
	if (r->detect_ms < 0)
		r->detect_ms = 0;
	r->processing_ms = r->overall_ms - r->get_job_wait_ms - r->transfer_ms -
			   r->slave_elapsed_ms - r->detect_ms - r->hold_ms - r->get_res_wait_ms;
	/* the summary adds up exactly what the job log records */
	report_add(&s->st.rep, r);
	if (env->report)
		report_run_add_job(env->report, r);
	hist_add_job(&s->st.hist, r);
	if (s->verdict != POOL_BAD)
		s->last_share_us = s->t_verdict;
	if (env->joblog)
		joblog_write(env->joblog, r);
}

static int miner_step_f(struct miner *s, struct miner_env *env)
{
	miner_record(s, env);
	s->st.bad_by_reason[s->why]++;
	if (s->why == POOL_BAD_TOO_LOW_START || s->why == POOL_BAD_TOO_HIGH_START) {
		s->st.tier_moves++;
		mlog_error("%s: TIER MOVE: pool says \"%s\" after reporting %.2f H/s in tier %s; "
			   "check max_hashrate and margin", s->name, s->reason, s->dec.reported,
			   s->tier_sent ? s->tier_sent : "?");
	} else {
		mlog_warn("%s: share rejected: BAD,%s", s->name, s->reason);
	}
	/*
	 * The seed restarts the connection here; this rig keeps it, because a
	 * new connection earns nothing for its first shares, unless the pool
	 * closed it already.
	 */
	if (s->rx.closed) {
		miner_disconnect(s, env, "closed after a rejection", SLAVE_POOL_BACKOFF_US);
		return 1;
	}
	miner_enter(s, env, MINER_C);
	return 1;
}

static int miner_step_g(struct miner *s, struct miner_env *env)
{
	double share_s = (double)(s->t_sent - s->t_job) / 1e6;

	miner_record(s, env);
	/* The pool pays by its own nonce / share time (job sent -> result in);
	 * job received -> result sent is that time seen from here. */
	earn_estimate_share(&s->st.est, share_s > 0 ? s->res.nonce / share_s : 0.0,
			    s->kolka_ki, ++s->conn_good);
	if (s->verdict == POOL_BLOCK)
		mlog_info("%s: BLOCK found (job %lu)", s->name, (unsigned long)s->job_seq);
	/* Ask for the next job at once: the pool counts the gap as our ping. */
	miner_enter(s, env, MINER_C);
	return 1;
}

int miner_step(struct miner *s, struct miner_env *env)
{
	int64_t t0;
	int rc = 0;

	s->wake_at_us = 0;
	/* The bus layer's waits and windows run on the same (fakeable) clock. */
	s->b->io.clock = env->clock;
	/* A pool that hung up ends the connection whatever we were doing. */
	if (s->fd >= 0 && !miner_connecting(s) && s->rx.closed && !s->rx.len &&
	    s->state != MINER_F && s->state != MINER_G) {
		miner_disconnect(s, env, s->rx.err ? strerror(-s->rx.err) : "closed",
				 SLAVE_POOL_BACKOFF_US);
		return 1;
	}
	t0 = miner_now(env);
	switch (s->state) {
	case MINER_D: rc = miner_step_d(s, env); break;
	case MINER_C: rc = miner_step_c(s, env); break;
	case MINER_R: rc = miner_step_r(s, env); break;
	case MINER_J: rc = miner_step_j(s, env); break;
	case MINER_K: rc = miner_step_k(s, env); break;
	case MINER_W: rc = miner_step_w(s, env); break;
	case MINER_E: rc = miner_step_e(s, env); break;
	case MINER_F: rc = miner_step_f(s, env); break;
	case MINER_G: rc = miner_step_g(s, env); break;
	case MINER_NSTATES: break;
	}
	/* Time the master itself spends on this job: bus transactions included. */
	s->job_master_us += miner_now(env) - t0;
	return rc;
}

int miner_run(struct miner *s, struct miner_env *env)
{
	int n = 0;

	/* A full job cycle is under 10 transitions; the bound stops a livelock. */
	while (n < 32 && miner_step(s, env))
		n++;
	return n;
}

void miner_on_readable(struct miner *s, struct miner_env *env)
{
	if (s->fd < 0 || miner_connecting(s))
		return;
	pool_read(s->fd, &s->rx, miner_now(env));
}

void miner_on_writable(struct miner *s, struct miner_env *env)
{
	int rc;

	if (!miner_connecting(s))
		return;
	rc = pool_connect_result(s->fd);
	if (rc == -EINPROGRESS)
		return;
	if (rc < 0) {
		if (miner_next_addr(s, env, rc))
			return;         /* D/CONNECT: the step after this event */
		s->st.connect_failures++;
		env->connect_fail_streak++;
		mlog_warn("%s: connect to %s: %s", s->name, env->pool_addr, strerror(-rc));
		miner_disconnect(s, env, "connect failed", SLAVE_POOL_BACKOFF_US);
		return;
	}
	miner_enter_d(s, env, MINER_D_BANNER);
}

void miner_shutdown(struct miner *s, struct miner_env *env)
{
	if (s->b->owner == s && s->b->io_ready && s->state == MINER_K)
		slave_io_abort(&s->b->io);      /* ABORT clears a queued job too */
	if (s->b->owner == s)
		s->b->owner = NULL;
	if (s->b->queued == s)
		s->b->queued = NULL;
	resolve_cancel(s->dns);
	s->dns = NULL;
	miner_close_pool(s, env);
}
