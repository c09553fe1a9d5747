/*
 * board.h - the bus side of a miner: one AVR (its identity, its faults and
 * backoff, its measured speed) and the pool workers it serves. Its workers
 * (master/miner.h, each with its own pool connection, job and D..G state)
 * take turns on it: the worker whose job runs on the AVR owns it, and when
 * it lets go the scheduler hands the AVR to the worker that has waited
 * longest in J. A board of wire protocol version 2 also holds one queued
 * job, which it starts the instant the running one ends: the worker whose
 * job that is becomes the owner when the running one's result is read. No
 * bus traffic here: the workers drive the AVR through lib/slave_io while
 * they own it.
 */
#ifndef BOARD_H
#define BOARD_H

#include <stdint.h>
#include "duco_proto.h"
#include "poolwire.h"
#include "slave_io.h"

/* Never more workers than the pool allows per user. */
#define BOARD_MAX_WORKERS 50

struct miner;

struct board {
	char name[48];                  /* "bus:0xAA" */
	struct slave_io io;
	int io_ready;                   /* identity read and accepted */
	struct duco_identity ident;
	char ducoid[POOLWIRE_DUCOID_LEN + 1];
	char group_id[16];              /* wallet grouping id, shared by its workers */
	int64_t retry_at_us;            /* AVR retry not before */
	int attempt;                    /* identity probes since the fault */
	int io_err_streak;              /* bus errors in a row (see miner.c) */
	double rate_est;                /* H/s, 0 = unknown */
	double max_hashrate, margin;    /* this board's cap (config_slave_limit) */
	int calib_sent;                 /* speed-test job running */
	uint16_t job_id;                /* last id used on the wire */

	/* Board health (HEALTH, docs/health.md), read by the owner between
	 * polls every health_interval_s; the figures stay those of the last
	 * answer. health: BOARD_HEALTH_*. */
	int health;
	struct duco_health hl;
	int64_t health_at_us;           /* when hl was read */
	int64_t health_due_us;          /* next read (or step of one) not before */
	uint32_t health_reads, health_failures;
	double bandgap_mv, temp_offset_c, temp_gain;   /* its calibration */

	struct miner *owner;            /* worker whose job (or speed test) runs on the AVR */
	struct miner *queued;           /* version 2: worker whose job waits behind it */
	int64_t queue_seen_us;          /* last poll that saw the queued job still waiting */
	struct miner *workers[BOARD_MAX_WORKERS];
	int nworkers;                   /* allocated */
	int threads;                    /* active workers: 0 = not decided yet (auto) */
};

enum board_health {
	BOARD_HEALTH_PENDING = 0,       /* not read yet */
	BOARD_HEALTH_OK,                /* hl holds the last answer */
	BOARD_HEALTH_NA,                /* the board has no HEALTH (version 1, firmware < 1.1) */
};

void board_init(struct board *b, struct bus *bus, uint8_t addr);
/* The identity was read: DUCOID text and the grouping id from it. */
void board_identified(struct board *b);
/* The wallet-grouping id the board's results carry: its threads share one;
 * a board of one thread sends none (NULL). */
const char *board_group_sent(const struct board *b);
/* Add a worker (its index is the order of adding). 0 or -ENOSPC. */
int  board_add_worker(struct board *b, struct miner *w);
/*
 * May w put a job (or the speed test) on the AVR now? 1 and w owns the
 * board, or 0: another worker owns it (w is woken by board_release).
 */
int  board_take(struct board *b, struct miner *w);
/*
 * May w queue its job behind the owner's (a version-2 board with no queued
 * job)? 1 and w is the board's queued worker, or 0.
 */
int  board_queue(struct board *b, struct miner *w);
/*
 * w is done with the AVR (its result is read, or its job went away): the
 * queued worker becomes the owner (its job runs now), else the board goes
 * to the worker waiting longest in J. Returns the new owner (NULL: none)
 * so the caller can wake it and any others that wait. w queued: it is no
 * longer (NULL).
 */
struct miner *board_release(struct board *b, struct miner *w);
/* Workers of b other than the owner waiting for the AVR. */
int  board_waiting(const struct board *b);

/*
 * Threads for threads_per_board=auto: as many as the measured rate serves
 * at the target with spare (0.1 = 10 %) to spare, at least 1, at most cap.
 */
int  board_auto_threads(double rate, double target, double spare, int cap);

#endif
