/*
 * miner.h - one pool worker: its pool connection, its job and verdict,
 * driven by the seed's D/C/R/J/K/W/E/F/G state machine
 * (../shared/seeds/000_afa3b2fef7dcaff0.txt, "Performance of the Rigs"),
 * on a board (master/board.h) that it may share with other workers: in J
 * it waits for the board, in K its job is on the AVR.
 *
 * miner_step() makes at most one transition per call and never blocks for
 * longer than one bus transaction; it says when it next needs to run
 * (wake_at_us) and the rig calls it again on that timer or when the pool
 * socket has news. Time comes from struct mclock, so the same code runs under
 * a fake clock in the tests. The slave reaches its AVR only through
 * lib/slave_io.h and the pool only through master/pool.h.
 */
#ifndef MINER_H
#define MINER_H

#include <stdint.h>
#include "board.h"
#include "config.h"
#include "earn.h"
#include "hist.h"
#include "joblog.h"
#include "mclock.h"
#include "pool.h"
#include "ratelimit.h"
#include "report.h"
#include "slave_io.h"

enum miner_state {
	MINER_D = 0,    /* disconnected: the steps of enum miner_dsub, in order */
	MINER_C,        /* connected: banner seen; next step sends the job request */
	MINER_R,        /* request sent: waiting for the job line (or a refusal) */
	MINER_J,        /* job received: to be transferred to the AVR (also the
			   retry point after a slave fault or a wrong nonce) */
	MINER_K,        /* transferred: AVR busy, polled until its result is ready;
			   the result is read, verified and the hold decided */
	MINER_W,        /* waiting to send: verified result held by the rate limit */
	MINER_E,        /* result sent: waiting for the verdict */
	MINER_F,        /* error verdict (BAD): counted, logged, next request */
	MINER_G,        /* good verdict (GOOD or BLOCK): counted, next request */
	MINER_NSTATES
};

/*
 * What state D is doing, in the order it is done; every failure goes back
 * to BACKOFF (pool side) or IDENTIFY (AVR side). One step per call.
 */
enum miner_dsub {
	MINER_D_BACKOFF = 0,    /* waiting out the reconnect backoff (retry_at_us) */
	MINER_D_IDENTIFY,       /* reading the AVR's identity, with the AVR backoff:
				   no pool connection for an AVR that does not answer */
	MINER_D_CALIBRATE,      /* tier auto only: the speed-test job on the AVR */
	MINER_D_RESOLVE,        /* the pool's address: waiting for discovery, then
				   the name lookup (lib/resolve.h; numeric at once) */
	MINER_D_CONNECT,        /* admitted by the connect limiter, then the
				   non-blocking connect until the socket is writable */
	MINER_D_BANNER,         /* connected: waiting for the pool's version line */
	MINER_D_NSUBS
};

/*
 * What the summary counts: the job records' sums (lib/report, the same sums
 * ducoreport makes from the job log) and the daemon's own events.
 */
struct miner_stats {
	struct report_stats rep;        /* jobs with a verdict: verdicts, times, polls */
	uint32_t requests;      /* job requests sent */
	uint32_t bad_by_reason[POOL_BAD_NREASONS];
	uint32_t tier_moves;    /* BAD "Too low/high starting difficulty" */
	uint32_t refusals;      /* BAD line instead of a job */
	uint32_t holds;         /* results held in W */
	uint32_t deferred;      /* job transfers put off for another's moment (miner_loop_need) */
	uint32_t slave_faults;  /* bus errors, wrong or missing results */
	uint32_t wrong_nonces;  /* results that failed host verification */
	uint32_t bus_errors;    /* bus errors retried as noise */
	uint32_t connects, connect_failures, disconnects, timeouts;
	/* the local reward estimate: Kolka weights of the accepted shares
	 * (master/earnwatch divides them by the divisor in use) */
	struct earn_estimate est;
	struct hist hist;       /* job phases, for /metrics */
	/* Boots seen (each identity read after start-up or a reset), by the
	 * reset cause the board reports: one count per MCUSR bit set. */
	uint32_t resets_by_cause[8];
};

struct miner;

struct miner_env {
	const struct mclock *clock;
	const struct config *cfg;
	struct joblog *joblog;
	struct report_run *report;      /* the rig's performance report, fed every
					   job record (the job log's); NULL: none */
	struct ratelimit_conn *conn;
	struct ratelimit_late late;     /* rig-wide: how late held shares leave */
	struct ratelimit_xfer xfer;     /* rig-wide: how long a job transfer blocks */
	/* Every worker of the rig, so a job transfer can first let through
	 * what must not wait for it (miner_loop_need); NULL: none. */
	struct miner *const *miners;
	int nminers;
	uint32_t rng;
	char pool_addr[128];            /* host:port, updated by rediscovery */
	int connect_fail_streak;        /* rig-wide, for rediscovery */
	struct resolver *resolver;      /* for pool host names; NULL: numeric only */
	int threads;                    /* threads_per_board: 0 = auto */
	int worker_budget;              /* auto: workers still to give out beyond one per board */
	int undecided;                  /* auto: boards whose thread count is not known yet */
	int open_workers;               /* pool connections past the banner, rig-wide */
	/* Start a pool connection; NULL = pool_connect_start() to the
	 * resolved pool_addr. A test's connect skips the name lookup. */
	int (*connect)(struct miner_env *env, struct miner *s);
	/* Run s again soon (an answer came outside its socket and timer). */
	void (*wake)(struct miner_env *env, struct miner *s);
	/* s is about to close its pool socket fd (stop watching it). */
	void (*closing)(struct miner_env *env, struct miner *s, int fd);
	void *ctx;                      /* for the hooks */
};

struct miner {
	enum miner_state state;
	enum miner_dsub dsub;           /* what state D is doing */
	char name[56];                  /* the board's, "#k" added for its worker k > 0 */
	struct board *b;                /* the AVR this worker mines on */
	int index;                      /* worker number on its board, 0.. */

	int fd;                         /* pool socket or -1 */
	struct pool_rx rx;
	struct resolve_addrs pool_addrs; /* the resolved pool_addr, tried in turn */
	int pool_ai;                    /* the one connected or being tried */
	struct resolve_req *dns;        /* name lookup under way, or NULL */
	struct miner_env *dns_env;      /* for its answer */
	int dns_done, dns_rc;           /* the answer came: 0 or -errno */
	char pool_version[16];
	int64_t state_since_us;
	int64_t retry_at_us;            /* pool reconnect not before */
	int conn_attempt;

	struct poolwire_job job;
	const char *tier_sent;
	uint16_t job_id;                /* on the wire (from the board's counter) */
	uint32_t job_seq;               /* per slave, for the job log */
	int retransfers;
	int64_t t_req, t_job, t_k, t_done, t_sent, t_verdict;
	int64_t next_poll_us;
	int64_t busy_seen_us;           /* last poll that saw this job hashing, 0: none */
	int64_t defer_since_us;         /* job transfer put off since (miner_loop_need), 0: not */
	uint32_t polls;
	struct duco_result res;
	struct ratelimit_decision dec;

	enum pool_verdict verdict;
	enum pool_bad_reason why;
	char reason[96];
	struct joblog_rec last;         /* last finished job, for the table */

	uint64_t conn_good;             /* accepted shares on this pool connection */
	uint32_t kolka_ki;              /* assumed Kolka ordinal: open workers at connect */
	int pool_open;                  /* counted in env->open_workers */

	int64_t last_share_us;          /* last GOOD/BLOCK verdict, 0: none yet */
	int64_t last_fault_us;          /* last slave fault, 0: none */
	int64_t job_master_us;          /* time spent in slave_step for this job */
	int64_t wake_at_us;             /* 0: only pool socket events */
	struct miner_stats st;
};

/* Worker number index of board b (added to the board's list). */
void miner_init(struct miner *s, struct board *b, int index);
/* 1 when s is one of its board's active threads (auto may leave some unused). */
int  miner_active(const struct miner *s);
/* One transition at most. Returns 1 if the state changed (call again). */
int  miner_step(struct miner *s, struct miner_env *env);
/* Step until the slave waits (bounded). Returns the transitions made. */
int  miner_run(struct miner *s, struct miner_env *env);
/* Pool socket readable / writable (connect finished). */
void miner_on_readable(struct miner *s, struct miner_env *env);
void miner_on_writable(struct miner *s, struct miner_env *env);
/* Close the pool connection and abort the AVR's job (clean stop). */
void miner_shutdown(struct miner *s, struct miner_env *env);

char miner_state_letter(enum miner_state st);
const char *miner_state_name(enum miner_state st);
const char *miner_dsub_name(enum miner_dsub sub);
/* A non-blocking connect is in progress (watch the socket for writing). */
int miner_connecting(const struct miner *s);
/*
 * Would a blocking bus transfer from now until until_us push w's share out
 * of the wallet's band? 0 if not (w's next moment can wait, or nothing of
 * w's is due before until_us), else when w must run first: a held share
 * due before until_us whose band ends before then (plus the expected
 * lateness), or the poll of a fast board's fresh job that may still hold
 * a nonce whose band ends before until_us plus the time to read it, or
 * (now) the poll of a board's owner not seen busy in the last
 * RATELIMIT_QUEUED_FRESH_US while a job is queued behind it.
 */
int64_t miner_loop_need(const struct miner *w, const struct miner_env *env, int64_t now,
			int64_t until_us);
/*
 * The first moment of any worker of the rig but self that a blocking
 * stretch until until_us would spoil (miner_loop_need over env->miners), 0:
 * none; a poll needed first is brought in to that moment.
 */
int64_t miner_rig_need(struct miner_env *env, const struct miner *self, int64_t now,
		       int64_t until_us);

#endif
