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
};

/* A slave's name as shown: a simulated bus's temp-dir socket path cut to its file name. */
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
/* One horizontal bar per slave (and the rig): mean ms per job by phase. 0 or -errno. */
int    report_svg(const char *path, const struct report_stats *const *slaves, int n,
		  const struct report_stats *rig);

#endif
