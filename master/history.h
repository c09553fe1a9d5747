/*
 * history.h - the last hour of the rig in memory, for the dashboard's
 * charts: a ring of HISTORY_SAMPLES samples taken every HISTORY_INTERVAL_S
 * from the live snapshot. A sample holds totals (shares, jobs, time per job
 * phase) as they were at that moment, so a chart of any rate is the
 * difference of two samples and no sample depends on when the page asked.
 * Fixed size, no allocation after start-up.
 */
#ifndef HISTORY_H
#define HISTORY_H

#include <stdint.h>
#include "report.h"
#include "status.h"

#define HISTORY_INTERVAL_S 10
#define HISTORY_SAMPLES    (3600 / HISTORY_INTERVAL_S)

struct history_sample {
	double uptime_s;
	int64_t wall_us;
	double hashrate;                /* sum of the online boards' reported rates */
	double measured;                /* sum of their measured rates */
	int online, boards;
	uint32_t jobs, good, bad, block;
	double part_ms[REPORT_NPARTS];  /* totals per job phase */
	double duco_per_day;            /* earnings (recent window), NAN: none */
};

struct history {
	struct history_sample s[HISTORY_SAMPLES];
	int next, count;
};

/* duco_per_day: the earnings side's figure at that moment, NAN for none. */
void history_take(struct history *h, const struct status_snap *st, int64_t wall_us,
		  double duco_per_day);

struct cJSON;
/* {"interval_s":..., "samples":[{...}, ...]} oldest first; NULL on ENOMEM. */
struct cJSON *history_json(const struct history *h);

#endif
