/*
 * ratelimit.h - the arithmetic that keeps the rig inside the pool's rules:
 * the per-result hold of state W (tier policy), the status-poll schedule of
 * state K, the rig-wide pool connect limiter, and retry backoff with jitter.
 * Pure functions of their inputs and the times given, so the fake-clock
 * tests exercise them exactly as the daemon does.
 */
#ifndef RATELIMIT_H
#define RATELIMIT_H

#include <stdint.h>

struct ratelimit_decision {
	double r_slave;         /* nonce / slave-measured seconds */
	double reported;        /* hashrate sent to the pool (ratelimit_achieved when paced) */
	int64_t send_at_us;     /* monotonic time to send (<= now: at once) */
	int held;               /* 1 when the result must wait in state W */
	int paced;              /* faster than the target: reported is the achieved rate */
};

/*
 * What a paced share aims at. target: the rate a faster board is paced to
 * (config_target). lo < rate < hi: the wallet's band for the rig's class
 * (config_band; hi no higher than the tier's max_hashrate less its margin:
 * at its maximum the pool moves a board up); lo = hi = 0, or a target outside the band (forced), paces
 * to the target alone. late_us: how late a share expects to leave after its
 * hold ends (ratelimit_late_us), which the band must absorb.
 */
struct ratelimit_pace {
	double target, lo, hi;
	int64_t late_us;
};

/*
 * Pacing for one result. job_us: when the job reached the board (K). A
 * board at or under the target sends at once and reports its own rate
 * r_slave, as the official miner does. A faster one waits until
 * nonce / (time since the job) <= target; what it reports is then what the
 * share achieved (see ratelimit_achieved), worked out again at the real send
 * time. The band is only nonce * (1/lo - 1/hi) wide in time (0.74 ms for a
 * nonce of 1 in 225..270), so when the target's moment plus late_us would
 * fall below lo, the hold ends earlier: late_us before the band's lower
 * edge, never before its upper edge (a tiny nonce aims near hi).
 */
void ratelimit_decide(struct ratelimit_decision *d, uint32_t nonce, uint32_t elapsed_us,
		      int64_t job_us, int64_t now_us, const struct ratelimit_pace *p);

/*
 * The rate a paced share really achieved when sent at send_us: nonce / (time
 * since the job reached the board), never above the board's own r_slave.
 */
double ratelimit_achieved(uint32_t nonce, int64_t job_us, int64_t send_us, double r_slave);

/*
 * Gap before the next status poll, given the time since the job reached the
 * slave (since_k_us) and the slave's expected speed (rate_est, 0 = unknown).
 * A slave faster than the limit has its result held until nonce / limit after
 * the job reached it, so a result found at t is needed no earlier than
 * t * rate / limit: polls spaced geometrically by that ratio still find it in
 * time. Otherwise the gap is interval_us, which bounds the detection delay.
 */
#define RATELIMIT_FIRST_POLL_US 1000
#define RATELIMIT_EARLY_US      5000
#define RATELIMIT_QUEUED_POLL_US 2000   /* owner of a version-2 board with a job queued */
int64_t ratelimit_poll_gap(int64_t since_k_us, double rate_est, double limit,
			   int adaptive, int64_t interval_us, int64_t max_gap_us);

/* Tier name for the auto policy from a measured rate (official thresholds). */
const char *ratelimit_auto_tier(double rate);

/*
 * How late held shares leave: the time from a hold's end to the send, as the
 * rig's loop delivers it (its timer slack, a synchronous bus transfer of
 * another board, the scheduler). A running mean and mean deviation as TCP
 * keeps for its round trip (RFC 6298), so ratelimit_late_us, mean + 4 x
 * deviation, covers nearly every share; never below the loop's timer slack
 * before the first sample or after a quiet spell.
 */
/* A loop stalled for longer (a loaded host) is not a reason to move every
 * share up the band: only nonces under 5 ms / 0.74 ms = 7 aim higher. */
#define RATELIMIT_LATE_MAX_US 5000
struct ratelimit_late {
	double mean_us, dev_us;
	int samples;            /* 0: none yet */
	int64_t floor_us;       /* the loop's timer granularity */
};

void ratelimit_late_init(struct ratelimit_late *l, int64_t floor_us);
void ratelimit_late_add(struct ratelimit_late *l, int64_t late_us);
int64_t ratelimit_late_us(const struct ratelimit_late *l);

/*
 * A blocking bus transfer (a job frame: ~7 ms at 100 kHz) stalls the whole
 * loop, so whatever another worker has due meanwhile happens only after it.
 * For most that is harmless; for a held share or a fresh job's first polls
 * it can push the reported rate out of the band, which is only
 * nonce * (1/lo - 1/hi) wide in time. These say when a worker's next moment
 * may wait until `until_us` (the transfer's end) without that.
 *
 * A held share: its last moment inside the band is job_us + nonce / lo.
 * ratelimit_band_end_us gives that offset (us after the job).
 *
 * A job still hashing: the smallest nonce it may still find, after a poll
 * busy_age_us after the job saw it busy (0: no such poll yet). The board
 * has passed nonce rate * (age - start) by then; 90 % of its measured rate
 * and RATELIMIT_START_US for the AVR to take the job keep that an
 * underestimate. A result is read RATELIMIT_READ_US after its poll comes
 * (poll, confirming poll, result, drop: four short transactions).
 */
/*
 * A job queued behind the running one may have started unseen unless the
 * running one was seen busy this recently; a transfer put off for others
 * goes anyway after RATELIMIT_DEFER_MAX_US.
 */
#define RATELIMIT_QUEUED_FRESH_US 500
#define RATELIMIT_DEFER_MAX_US    20000
#define RATELIMIT_START_US 1500
#define RATELIMIT_READ_US  1500
int64_t ratelimit_band_end_us(uint32_t nonce, double lo);
/* The first nonce after `gone` nonces (its floor + 1), at least 1, at most 4e9. */
uint32_t ratelimit_nonce_after(double gone);
uint32_t ratelimit_min_open_nonce(int64_t busy_age_us, double rate_est);

/*
 * Running mean of how long a job transfer blocks the loop (the job frame's
 * bus time), RATELIMIT_XFER_DEFAULT_US before the first; ratelimit_xfer_us
 * adds 10 % for the spread.
 */
#define RATELIMIT_XFER_DEFAULT_US 8000
struct ratelimit_xfer {
	double mean_us;
	int samples;
};

void ratelimit_xfer_add(struct ratelimit_xfer *x, int64_t took_us);
int64_t ratelimit_xfer_us(const struct ratelimit_xfer *x);

#define RATELIMIT_CONN_MAX 1000

/* Sliding-window connect limiter shared by all slaves of a rig. */
struct ratelimit_conn {
	int max;                /* connects per window */
	int64_t window_us;
	int64_t stagger_us;     /* minimum gap between two connects */
	int64_t stamps[RATELIMIT_CONN_MAX];     /* ring of recent connect times */
	int head, count;
	int64_t last_us;
};

void ratelimit_conn_init(struct ratelimit_conn *c, int max, int64_t window_us,
			 int64_t stagger_us);
/* 0 and the connect is counted, or the time (> now) when one may be tried. */
int64_t ratelimit_conn_admit(struct ratelimit_conn *c, int64_t now_us);

/* Exponential backoff with +-25 % jitter: base * 2^attempt, capped. */
int64_t ratelimit_backoff_us(int attempt, int64_t base_us, int64_t cap_us, uint32_t *rng);
uint32_t ratelimit_rand(uint32_t *state);

#endif
