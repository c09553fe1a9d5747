/*
 * report.h - the one timing report of the rig, in the spirit of the seed's
 * notes (requests, ReqWait, SndWait, hashing, polls, duty cycle, shares):
 * per-slave sums built from job-log records, whether the records come
 * straight from ducomaster's state machine (its SIGUSR1 and exit summary,
 * its metrics file) or are read back from job logs by ducoreport. The same
 * table, the same JSON members and the same chart come out of both.
 * Means divide by the number of records; a slave with none shows zeros.
 * A value in a record that is not finite (a job log's null) adds nothing.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdint.h>
#include <stdio.h>
#include "joblog.h"

struct cJSON;

enum report_part {              /* the phases of one job, in the order they happen */
	REPORT_GETJOB,          /* R -> J: waiting for the pool's job (ReqWait) */
	REPORT_TRANSFER,        /* J -> K: job frame to the slave */
	REPORT_HASH,            /* the slave hashing, by its own timer */
	REPORT_DETECT,          /* result ready -> seen by a status poll */
	REPORT_HOLD,            /* W: result held by the rate limit */
	REPORT_VERDICT,         /* E -> verdict: waiting for GOOD/BAD (SndWait) */
	REPORT_PROCESS,         /* the rest: polling, bus, master work */
	REPORT_NPARTS
};

struct report_stats {
	char name[96];          /* as shown: see report_display_name */
	uint32_t jobs;          /* records (jobs with a verdict) */
	uint32_t good, bad, block;
	uint64_t polls;         /* busy polls */
	double part_ms[REPORT_NPARTS];
	double overall_ms;
	double master_ms;       /* the master's own time in the jobs */
	double hashrate_sum;    /* reported rates */
	int64_t first_us, last_us;      /* wall clock of the first and last record, 0: none */
	/* the local reward estimate: sum of 2 ln(h) over accepted shares after
	 * the first EARN_KOLKA_FREE_SHARES (as one pool connection), h = nonce
	 * over the share time (overall - ReqWait - SndWait) */
	double earn_weight;
	uint32_t earn_paid;
};

/* A slave's name as shown: a simulated bus's temp-dir socket path cut to its
 * file name; anything but printable ASCII shown as '?'. */
void   report_display_name(char *out, size_t cap, const char *name);
/* Start a row (zeroed) for the slave called name. */
void   report_init(struct report_stats *s, const char *name);
/* Add one job record. */
void   report_add(struct report_stats *s, const struct joblog_rec *r);
/* Add a row into a total (the rig). */
void   report_sum(struct report_stats *total, const struct report_stats *s);
double report_mean(double total, uint64_t n);
/* Hashing time / overall time, 0..1. */
double report_duty(const struct report_stats *s);
/* The table: one line per slave, the rig's when n > 1, the span and totals. */
void   report_text(FILE *f, const struct report_stats *const *slaves, int n,
		   const struct report_stats *rig);
/*
 * The rig's means as members of obj: slaves, jobs, good, bad, block, polls,
 * polls_per_job, req_wait_ms, transfer_ms, hash_ms, detect_ms, hold_ms,
 * snd_wait_ms, processing_ms, overall_ms, master_ms, hashrate, duty_cycle,
 * from/to (ISO 8601, when known) and, with wall_s > 0, wall_s and
 * shares_per_hour. 0 or -ENOMEM.
 */
int    report_json(struct cJSON *obj, const struct report_stats *rig, int nslaves,
		   double wall_s);
/* One horizontal bar per slave (and the rig): mean ms per job by phase, as
 * SVG (the phases chart of lib/report_chart.c). 0 or -errno. */
int    report_svg(const char *path, const struct report_stats *const *slaves, int n,
		  const struct report_stats *rig);

/*
 * The performance report (the guide's template, ../shared/seeds/001_*):
 * a struct report_run collects job records, "rig" and "earnings" records,
 * from ducoreport's job logs or live from ducomaster, and report_run_finish
 * turns them into the KPIs, per-board figures and the ANALYSIS findings
 * that the text and JSON reports, the comparison and the charts print.
 *
 * Definitions (so a hand computation gives the same numbers):
 * - hashrate over a window = the nonces of the jobs whose verdict fell in
 *   it / its length: the work the pool was shown per second, pool waits
 *   included. Windows of 10 s, 60 s and 15 min tile the span from the first
 *   verdict; only whole windows count (an empty one counts as 0); min, mean
 *   and max are over those windows.
 * - percentiles are nearest-rank: p of n sorted values is value
 *   number ceil(p / 100 * n) (1-based). Values that are not finite are left
 *   out.
 * - acceptance = (GOOD + BLOCK) / all verdicts.
 * - master CPU, RSS, uptime, restarts and reconnects come from "rig"
 *   records; a run of the master is a stretch of them whose uptime grows,
 *   and its last record holds its totals.
 * - DUCO/day: the wallet's gain over the span of the "earnings" records
 *   when that span is at least REPORT_EARN_MIN_SPAN_S, else the last
 *   record's duco_per_day. A record whose source is "estimate" has no
 *   balance (ducomaster's own estimate), only its duco_per_day.
 * Records without a usable time (ts missing) count in the sums but not in
 * windows, gaps or trends. Memory is bounded: the samples behind windows,
 * percentiles and trends are kept for the last max_samples jobs (a ring);
 * the sums cover every record.
 */
#define REPORT_NWINDOWS        3
#define REPORT_EARN_MIN_SPAN_S 600.0
#define REPORT_MAX_REASONS     32
#define REPORT_MAX_FINDINGS    64
#define REPORT_MAX_NAMES       8        /* versions, log levels kept */
#define REPORT_MAX_EARN        8192     /* earnings points kept for the curve */

extern const double report_window_s[REPORT_NWINDOWS];   /* 10, 60, 900 */
extern const char *const report_window_name[REPORT_NWINDOWS];  /* "10s" "60s" "15m" */

/* The KPIs a comparison checks, in the order printed. */
enum report_kpi {
	REPORT_KPI_HASHRATE_10S,        /* mean of the 10 s windows, nonces/s */
	REPORT_KPI_HASHRATE_60S,
	REPORT_KPI_HASHRATE_15M,
	REPORT_KPI_SHARES_PER_HOUR,     /* accepted shares per hour of span */
	REPORT_KPI_ACCEPTANCE,          /* % */
	REPORT_KPI_BAD_PER_HOUR,
	REPORT_KPI_GETJOB_P50,          /* pool latency, ms */
	REPORT_KPI_GETJOB_P95,
	REPORT_KPI_VERDICT_P50,
	REPORT_KPI_VERDICT_P95,
	REPORT_KPI_CPU_PER_1000,        /* master CPU s per 1000 jobs */
	REPORT_KPI_RSS,                 /* peak kB */
	REPORT_KPI_RECONNECTS_PER_HOUR,
	REPORT_KPI_DUCO_PER_DAY,
	REPORT_NKPIS
};

struct report_kpi_def {
	const char *key;        /* JSON member */
	const char *label;      /* text */
	const char *unit;
	int higher_better;      /* 1: a drop is a regression; 0: a rise is */
	int outside;            /* 1: set by the pool or the network, not the rig:
				   a regression is a WARNING, not a FAIL */
	int decimals;
};
extern const struct report_kpi_def report_kpi_defs[REPORT_NKPIS];

struct report_window {
	uint32_t n;             /* whole windows; 0: span too short */
	double min, mean, max;  /* nonces/s */
	double cv;              /* stddev / mean of the windows (0..), nan if n < 2 */
};

struct report_pct {
	uint32_t n;
	double p50, p95;        /* nan when n == 0 */
};

/* One job, compact: what windows, percentiles, gaps and trends need. */
struct report_sample {
	int64_t wall_us;        /* 0: unknown */
	uint32_t nonce, diff;
	uint16_t slave;         /* index into report_run.boards */
	uint8_t bad;            /* 1: BAD verdict */
	float get_job_ms, verdict_ms, hash_ms, hold_ms, overall_ms, hashrate, r_slave;
};

/* A board's trouble counters (the "rig" records' "faults"). */
enum report_trouble {
	REPORT_T_BUS,           /* bus errors retried (CRC errors, NACKs) */
	REPORT_T_FAULTS,        /* slave faults: reset, job retried */
	REPORT_T_WRONG,         /* results that failed the host's check */
	REPORT_T_TIMEOUTS,      /* pool answers late */
	REPORT_T_DISCONNECTS,   /* pool connections lost */
	REPORT_NTROUBLE
};

struct report_board {
	struct report_stats st;         /* the sums, as ducomaster counts them */
	uint32_t trouble[REPORT_NTROUBLE];      /* finished runs of the master */
	uint32_t seg_trouble[REPORT_NTROUBLE];  /* the current run's (its last record) */
	uint32_t trouble_total[REPORT_NTROUBLE];        /* from report_run_finish */
	/* from report_run_finish: */
	double eff_rate;                /* nonces / rig span, nonces/s */
	double chip_rate;               /* mean nonce / slave hashing time (H/s) */
	double hold_frac;               /* hold / overall */
	struct report_window w60;       /* its own 60 s windows */
	uint32_t gaps, bursts;
	double longest_gap_s;
	double est_duco, est_duco_per_day;      /* the local estimate */
};

enum report_finding_kind {
	REPORT_FIND_SLOW_CHIP,          /* hashes slower than its peers */
	REPORT_FIND_LOW_OUTPUT,         /* shows the pool less work than its peers */
	REPORT_FIND_GAP,                /* no verdict for a long time */
	REPORT_FIND_BAD_BURST,          /* several BAD in a short time */
	REPORT_FIND_BAD_REASON,         /* BAD verdicts of one reason */
	REPORT_FIND_HELD,               /* most of the job time held by the rate limit */
	REPORT_FIND_RECONNECTS,         /* the pool connections dropped often */
	REPORT_FIND_VARIANCE,           /* the rig's 60 s windows vary a lot */
	REPORT_FIND_LATENCY,            /* the pool answers slowly */
	REPORT_FIND_RESTARTS,           /* the master restarted */
	REPORT_FIND_NKINDS
};

struct report_finding {
	enum report_finding_kind kind;
	int board;                      /* index, -1: the rig */
	int64_t at_us;                  /* when (gap, burst), 0: none */
	double value, ref;              /* the figure and what it is compared with */
	char detail[96];                /* a BAD reason */
};

/* A recommendation: what to change, with the exact setting. */
#define REPORT_MAX_ADVICE 32
struct report_advice {
	int board;              /* -1: the rig */
	char setting[256];      /* the exact setting or command */
	char why[384];          /* the figures behind it */
};

struct report_reason {
	char text[64];
	uint32_t n;
};

struct report_earn {
	int64_t wall_us;
	double balance, duco_per_day;   /* balance nan: an estimate record (no answer) */
};

struct report_run {
	struct report_board *board;
	int nboards, cap_boards;
	struct report_stats rig;
	struct report_sample *sample;   /* ring of max_samples */
	size_t nsamples, max_samples, cap_samples;
	size_t ring_pos;                /* full ring: the oldest, overwritten next */
	uint64_t samples_dropped;       /* oldest ones overwritten */
	struct report_reason reason[REPORT_MAX_REASONS + 1];    /* + "other reasons" */
	int nreasons;
	/* "rig" records */
	uint32_t nrig;
	double seg_cpu_s, seg_uptime_s; /* the current run of the master */
	uint32_t seg_reconnects;
	double cpu_s, uptime_s;         /* finished runs (report_run_finish adds the last) */
	uint32_t reconnects, restarts, boards_max;
	long rss_kb;
	char versions[REPORT_MAX_NAMES][32], levels[REPORT_MAX_NAMES][32];
	int nversions, nlevels;
	/* "earnings" records */
	struct report_earn *earn;
	size_t nearn;
	uint64_t earn_dropped;
	size_t nearn_rest;              /* of them measured over REST */
	double reward_div;              /* the last record's (ducomaster's), else the default */
	/* what the readers met */
	unsigned long lines, skipped, too_long, typed_other, files;
	int64_t first_us, last_us;      /* every timed record */

	/* from report_run_finish: */
	int finished;
	double span_s;                  /* first to last verdict */
	struct report_window win[REPORT_NWINDOWS];
	struct report_pct getjob, verdict;
	double kpi[REPORT_NKPIS];       /* nan: not known */
	double cpu_total_s, uptime_total_s;     /* nan without rig records */
	uint32_t reconnects_total, restarts_total;
	double duco_per_day;
	/* the local estimate by the pool's formula from the job records: per
	 * board its weights x 0.96^(place - 1) / reward_div over the span */
	double est_duco, est_duco_per_day;
	struct report_finding find[REPORT_MAX_FINDINGS];
	int nfind;
	struct report_advice advice[REPORT_MAX_ADVICE];
	int nadvice;
};

/* The recommendations from the findings (lib/report_advice.c; report_run_finish calls it). */
void report_run_advise(struct report_run *run);

#define REPORT_RUN_SAMPLES_DEFAULT (4u * 1024 * 1024)   /* ~200 MB at most */

/* max_samples 0: the default. 0 or -ENOMEM. */
int  report_run_init(struct report_run *run, size_t max_samples);
void report_run_free(struct report_run *run);
/* A job record (its slave named as in the log). 0 or -ENOMEM. */
int  report_run_add_job(struct report_run *run, const struct joblog_rec *r);
void report_run_add_rig(struct report_run *run, const struct joblog_rig *r);
/* balance nan: an estimate record (ducomaster had no REST answer). */
void report_run_add_earn(struct report_run *run, int64_t wall_us, double balance,
			 double duco_per_day);
/* Read one job log into run ("-" = stdin). 0 or -errno. */
int  report_run_read(struct report_run *run, const char *path);
/* Compute the KPIs and findings (boards sorted by name). Idempotent until more is added. */
void report_run_finish(struct report_run *run);
/* The report: header, RESULTS, the boards' table, ANALYSIS. */
void report_run_text(FILE *f, struct report_run *run);
/* The report as members of obj ("report", "kpi", "boards", "analysis", "read"). 0 or -ENOMEM. */
int  report_run_json(struct cJSON *obj, struct report_run *run);
/* One finding as a sentence. */
void report_finding_text(const struct report_run *run, const struct report_finding *fd,
			 char *out, size_t cap);

/*
 * Regression check (the guide's section 7): each KPI of a current report
 * against a baseline's. change = (current - base) / |base|, in %; a change
 * in the KPI's bad direction by more than the threshold is a FAIL, or a
 * WARNING for a KPI the pool or the network sets (pool latency,
 * reconnects): those point away from the rig. A KPI missing on either side
 * is not compared.
 */
enum report_status { REPORT_OK = 0, REPORT_WARNING, REPORT_FAIL, REPORT_NOT_COMPARED };

#define REPORT_THRESHOLD_DEFAULT 5.0

struct report_cmp {
	double threshold_pct;
	double base[REPORT_NKPIS], cur[REPORT_NKPIS];
	double change_pct[REPORT_NKPIS];        /* nan: not compared; +-inf from a 0 base */
	enum report_status status[REPORT_NKPIS];
	enum report_status overall;             /* the worst compared; OK when none */
	int nfail, nwarn, ncompared;
};

const char *report_status_name(enum report_status st);
void report_compare(const double *base, const double *cur, double threshold_pct,
		    struct report_cmp *c);
/*
 * The KPIs of a file: a saved `ducoreport --json` report (a JSON object
 * with "kpi" on its first line) or a job log. 0, -ENODATA when neither
 * gives a job, or -errno; err says why.
 */
int  report_load_kpis(const char *path, size_t max_samples, double *kpi, char *err, size_t errlen);
void report_compare_text(FILE *f, const struct report_cmp *c, const char *base_name,
			 const char *cur_name);
int  report_compare_json(struct cJSON *obj, const struct report_cmp *c, const char *base_name,
			 const char *cur_name);

/*
 * Charts (lib/report_chart.c), drawn through a canvas so that SVG (here)
 * and PNG (ducoreport's cairo canvas) show the same picture. Coordinates
 * in units of a 720-wide picture, y downwards; colours "#rrggbb".
 */
enum report_chart {
	REPORT_CHART_PHASES,    /* where each board's job time goes (mean per job) */
	REPORT_CHART_OVERVIEW,  /* every board's hashrate over time, and the rig's */
	REPORT_CHART_BOARD,     /* one board: hashrate, share time, job phases over time */
	REPORT_CHART_EARNINGS,  /* the wallet's gain over time (earnings records) */
	REPORT_NCHARTS
};

struct report_canvas {
	void *ctx;
	/* title: a tooltip (SVG), or NULL */
	void (*rect)(void *ctx, double x, double y, double w, double h, const char *fill,
		     const char *title);
	void (*line)(void *ctx, const double *xy, int npoints, const char *stroke, double width);
	/* anchor -1 start, 0 middle, 1 end; y is the baseline */
	void (*text)(void *ctx, double x, double y, double size, int anchor, int bold,
		     const char *fill, const char *s);
};

const char *report_chart_name(enum report_chart c);     /* "phases", "overview", ... */
/* The chart's size; -ENODATA when the run has nothing to draw in it. */
int report_chart_size(const struct report_run *run, enum report_chart c, double *w, double *h);
/* Draw chart c (board: its index for REPORT_CHART_BOARD). 0 or -errno. */
int report_chart_draw(const struct report_canvas *cv, struct report_run *run, enum report_chart c,
		      int board);
int report_chart_svg(const char *path, struct report_run *run, enum report_chart c, int board);

#endif
