/*
 * slave.h - one mining slave: its pool connection and its AVR on the bus,
 * driven by the seed's D/C/R/J/K/W/E/F/G state machine
 * (../shared/seeds/000_afa3b2fef7dcaff0.txt, "Performance of the Rigs").
 *
 * slave_step() makes at most one transition per call and never blocks for
 * longer than one bus transaction; it says when it next needs to run
 * (wake_at_us) and the rig calls it again on that timer or when the pool
 * socket has news. Time comes from struct mclock, so the same code runs under
 * a fake clock in the tests. The slave reaches its AVR only through
 * master/slave_io.h and the pool only through master/pool.h.
 */
#ifndef SLAVE_H
#define SLAVE_H

#include <stdint.h>
#include "config.h"
#include "joblog.h"
#include "mclock.h"
#include "pool.h"
#include "ratelimit.h"
#include "slave_io.h"

enum slave_state {
	SLAVE_D = 0,    /* disconnected: waiting out a backoff, identifying the
			   AVR, connecting, or waiting for the pool's banner */
	SLAVE_C,        /* connected: banner seen; next step sends the job request */
	SLAVE_R,        /* request sent: waiting for the job line (or a refusal) */
	SLAVE_J,        /* job received: to be transferred to the AVR (also the
			   retry point after a slave fault or a wrong nonce) */
	SLAVE_K,        /* transferred: AVR busy, polled until its result is ready;
			   the result is read, verified and the hold decided */
	SLAVE_W,        /* waiting to send: verified result held by the rate limit */
	SLAVE_E,        /* result sent: waiting for the verdict */
	SLAVE_F,        /* error verdict (BAD): counted, logged, next request */
	SLAVE_G,        /* good verdict (GOOD or BLOCK): counted, next request */
	SLAVE_NSTATES
};

struct slave_stats {
	uint32_t requests;      /* job requests sent */
	uint32_t jobs;          /* verdicts received */
	uint32_t good, bad, block;
	uint32_t bad_by_reason[POOL_BAD_NREASONS];
	uint32_t tier_moves;    /* BAD "Too low/high starting difficulty" */
	uint32_t refusals;      /* BAD line instead of a job */
	uint32_t holds;         /* results held in W */
	uint32_t slave_faults;  /* bus errors, wrong or missing results */
	uint32_t wrong_nonces;  /* results that failed host verification */
	uint32_t bus_errors;    /* bus errors retried as noise */
	uint32_t connects, connect_failures, disconnects, timeouts;
	uint64_t polls;         /* status polls while busy */
	double req_wait_ms;     /* sums, for the means in the summary */
	double res_wait_ms;
	double transfer_ms;
	double elapsed_ms;
	double hold_ms;
	double detect_ms;       /* result ready -> seen by a poll */
	double overall_ms;
	double processing_ms;
	double master_ms;       /* measured time in the state machine */
	double hashrate_sum;    /* reported rates */
};

struct slave;

struct slave_env {
	const struct mclock *clock;
	const struct config *cfg;
	struct joblog *joblog;
	struct ratelimit_conn *conn;
	uint32_t rng;
	char pool_addr[128];            /* host:port, updated by rediscovery */
	int connect_fail_streak;        /* rig-wide, for rediscovery */
	/* Start a pool connection; NULL = pool_connect_start(pool_addr). */
	int (*connect)(struct slave_env *env, struct slave *s);
	void *ctx;                      /* for connect() */
};

struct slave {
	enum slave_state state;
	char name[48];                  /* "bus:0xAA" */
	struct slave_io io;
	int io_ready;                   /* identity read and accepted */
	struct duco_identity ident;
	char ducoid[24];                /* "DUCOID" + 16 uppercase hex */

	int fd;                         /* pool socket or -1 */
	int connecting;                 /* non-blocking connect in progress */
	struct pool_rx rx;
	char pool_version[16];
	int64_t state_since_us;
	int64_t retry_at_us;            /* pool reconnect not before */
	int conn_attempt;
	int64_t slave_retry_at_us;      /* AVR retry not before */
	int slave_attempt;

	struct pool_job job;
	const char *tier_sent;
	uint16_t job_id;                /* on the wire */
	uint32_t job_seq;               /* per slave, for the job log */
	int retransfers;
	int64_t t_req, t_job, t_k, t_done, t_sent, t_verdict;
	int64_t next_poll_us;
	uint32_t polls;
	struct duco_result res;
	struct ratelimit_decision dec;
	double rate_est;                /* H/s, 0 = unknown */
	double max_hashrate, margin;    /* this slave's cap (config_slave_limit) */
	int calib_sent;                 /* tier auto: speed-test job running */
	int io_err_streak;              /* bus errors in a row (see slave.c) */

	enum pool_verdict verdict;
	enum pool_bad_reason why;
	char reason[96];
	struct joblog_rec last;         /* last finished job, for the table */

	int64_t job_master_us;          /* time spent in slave_step for this job */
	int64_t wake_at_us;             /* 0: only pool socket events */
	struct slave_stats st;
};

void slave_init(struct slave *s, struct bus *bus, uint8_t addr);
/* One transition at most. Returns 1 if the state changed (call again). */
int  slave_step(struct slave *s, struct slave_env *env);
/* Step until the slave waits (bounded). Returns the transitions made. */
int  slave_run(struct slave *s, struct slave_env *env);
/* Pool socket readable / writable (connect finished). */
void slave_on_readable(struct slave *s, struct slave_env *env);
void slave_on_writable(struct slave *s, struct slave_env *env);
/* Close the pool connection and abort the AVR's job (clean stop). */
void slave_shutdown(struct slave *s);

char slave_state_letter(enum slave_state st);
const char *slave_state_name(enum slave_state st);

#endif
