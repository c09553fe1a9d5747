/*
 * status.h - the rig's live state as one snapshot: what the live table, the
 * HTTP API (/api/status), the Prometheus metrics and the dashboard show,
 * taken in one go from the miners so every view agrees. A snapshot is
 * plain data with the derived figures worked out once here (online, the
 * board's mark, age of the last share, reject %, CRC and retry rates), so a
 * figure added to the rig is added here and every view can reach it.
 *
 * Marks, worst first: "offline" (the board does not answer: its identity
 * has not been read since the last fault), "faulty" (a slave fault in the
 * last STATUS_FAULT_WINDOW_S, or at least STATUS_FAULTY_REJECT_PCT % of
 * STATUS_MIN_JOBS or more shares rejected, or more than
 * STATUS_FAULTY_RETRY_PER_1K bus retries per 1000 transfers), "slow" (no
 * share for longer than STATUS_SLOW_FACTOR mean jobs, at least
 * STATUS_SLOW_MIN_S), else "ok". A row is a pool worker: with one thread
 * per board (the default) a board; with threads_per_board above 1 each of
 * a board's active workers, the board's own figures (bus, identity,
 * online) repeated.
 */
#ifndef STATUS_H
#define STATUS_H

#include <stdint.h>
#include "config.h"
#include "hist.h"
#include "miner.h"
#include "summary.h"

#define STATUS_FAULT_WINDOW_S     300
#define STATUS_FAULTY_REJECT_PCT  10.0
#define STATUS_MIN_JOBS           10
#define STATUS_FAULTY_RETRY_PER_1K 10.0
#define STATUS_SLOW_FACTOR        4.0
#define STATUS_SLOW_MIN_S         60.0

enum status_mark {
	STATUS_OK = 0,
	STATUS_SLOW,
	STATUS_FAULTY,
	STATUS_OFFLINE,
};

struct status_board {
	const struct miner *m;          /* for the counters not copied here */
	char name[64];                  /* "bus:0xAA" ("#k" for worker k > 0), as in the job log */
	char bus[64];                   /* shown: a simulator socket cut to its file name */
	char bus_spec[CONFIG_STR];      /* as configured */
	uint8_t addr;
	const char *board;              /* board name from its identity ("nano") */
	char worker[16];                /* the worker on the board: 0, 1, ... */
	char state;                     /* D C R J K W E F G */
	const char *dsub;               /* state D's step, NULL otherwise */
	int online;
	enum status_mark mark;
	double since_share_s;           /* < 0: no share yet */
	uint32_t diff;
	uint32_t good, bad, block;
	double reject_pct;
	double hashrate, r_slave;       /* last job: reported, measured by the AVR */
	double last_overall_ms, last_hash_ms, last_hold_ms;
	uint32_t last_polls;
	double duty;                    /* hashing / overall, 0..1 */
	uint32_t xfers, crc_retries, nack_retries, io_failures, polls;
	double crc_per_1k, retry_per_1k;        /* per 1000 bus transactions */
	/* health (docs/health.md): NAN where the board has no such reading */
	const char *health;             /* "ok", "pending", "n/a" */
	double vcc_v, temp_c;           /* calibrated (config health_calibration) */
	double board_uptime_s;          /* the board's own, at the last read */
	double health_age_s;            /* since that read */
	double bus_resets;              /* stalled transactions the board dropped */
	uint32_t health_reads, health_failures; /* this master's reads, good / failed */
};

struct status_snap {
	double uptime_s;
	const char *pool;               /* "" while discovering */
	const char *rig_id, *software;  /* as the results carry them (NULL: not shown) */
	int n, online;                  /* rows (workers); boards answering */
	int boards;
	struct summary_totals tot;      /* rig sums (lib/report + the daemon's) */
	double hashrate;                /* sum of the online boards' last reported rates */
	double shares_per_hour;
	double reject_pct;
	double cpu_s;
	long rss_kb, peak_rss_kb;
	int fds;
	struct status_board b[CONFIG_MAX_SLAVES];
};

const char *status_mark_name(enum status_mark m);
const char *status_board_name(uint8_t board_id);
/* Names of the reset cause bits set in cause, e.g. "watchdog,soft"; "none". */
void status_reset_names(uint8_t cause, char *out, size_t cap);

/* Fill st from the miners (each board's first worker and every active one)
 * at monotonic time now_us. */
void status_take(struct status_snap *st, struct miner *const *slaves, int n, double wall_s,
		 int64_t now_us, const char *pool);

struct cJSON;
/* The snapshot as JSON (rig, boards, summary): NULL on ENOMEM. */
struct cJSON *status_json(const struct status_snap *st);

#endif
