/*
 * report.h - summaries of the rig's work in the spirit of the seed's report
 * (requests, ReqWait, SndWait, elapsed, hashrate, busy polls, shares, duty
 * cycle), per slave and for the whole rig: as text for SIGUSR1 and exit, as
 * one JSON object for the metrics file and the benchmark. The live status
 * table (one row per slave, redrawn in place) lives here too.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stdio.h>
#include "miner.h"

struct report_totals {
	struct miner_stats sum;
	double wall_s;          /* seconds the rig has run */
	double cpu_s;           /* user + system CPU of the process */
	long rss_kb;            /* peak resident set */
};

void report_totals(struct report_totals *t, struct miner *const *slaves, int n, double wall_s);
void report_text(FILE *f, struct miner *const *slaves, int n, double wall_s);
/* One JSON object on one line (with '\n'). Returns 0 or -errno. */
int  report_json(FILE *f, struct miner *const *slaves, int n, double wall_s);
/* Redraw the status table at the top of a terminal. */
void report_table(FILE *f, struct miner *const *slaves, int n, double wall_s, const char *pool);

#endif
