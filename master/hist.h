/*
 * hist.h - per-board histograms of the job phases, for /metrics: the same
 * phases as the job log (lib/joblog.h) in seconds, counted into fixed
 * buckets when a job gets its verdict. Fixed bounds (HIST_NBUCKETS, from
 * 5 ms to 30 s) cover a local pool's few milliseconds and the public
 * pool's seconds alike and keep every board's series the same shape, which
 * Prometheus needs to add boards up. Buckets are kept per bucket, made
 * cumulative only when written.
 */
#ifndef HIST_H
#define HIST_H

#include <stdint.h>
#include "joblog.h"

#define HIST_NBUCKETS 12

enum hist_phase {
	HIST_GET_JOB_WAIT = 0,  /* R -> J */
	HIST_TRANSFER,          /* J -> K */
	HIST_HASHING,           /* the slave's own timer */
	HIST_DETECT,            /* result ready -> seen */
	HIST_HOLD,              /* W */
	HIST_GET_RES_WAIT,      /* E -> verdict */
	HIST_OVERALL,           /* request -> verdict */
	HIST_NPHASES
};

struct hist {
	uint32_t bucket[HIST_NPHASES][HIST_NBUCKETS + 1];  /* last: above every bound */
	uint32_t count[HIST_NPHASES];
	double sum_s[HIST_NPHASES];
};

extern const double hist_bounds_s[HIST_NBUCKETS];
extern const char *const hist_phase_names[HIST_NPHASES];

/* Count one job record's phases (a phase that is not finite is skipped). */
void hist_add_job(struct hist *h, const struct joblog_rec *r);

#endif
