/*
 * summary.h - ducomaster's summaries: the host library's report (lib/report:
 * the table and JSON members ducoreport prints too, made from the same job
 * records) plus what only the daemon knows (requests, refusals, tier moves,
 * faults, connects, CPU and memory), as text for SIGUSR1 and exit and as one
 * JSON object for the metrics file and the benchmark. The live status table
 * is master/table.h's, drawn from the rig's snapshot.
 */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stdio.h>
#include "miner.h"

struct summary_totals {
	struct miner_stats sum;
	double wall_s;          /* seconds the rig has run */
	double cpu_s;           /* user + system CPU of the process */
	long rss_kb;            /* peak resident set */
};

void summary_totals(struct summary_totals *t, struct miner *const *slaves, int n, double wall_s);
/* The report (lib/report: run's, or the table alone when run is NULL), then
 * the daemon's own counts: for SIGUSR1 and exit. */
void summary_text(FILE *f, struct miner *const *slaves, int n, double wall_s,
		  struct report_run *run);
/* One JSON object on one line (with '\n'), written with cJSON. 0 or -errno. */
int  summary_json(FILE *f, struct miner *const *slaves, int n, double wall_s);
/*
 * Sections the rig adds to every view (its earnings): a line under the live
 * table's header, lines after the summary's rig block, members of the JSON
 * object. NULL hooks are skipped; arg is passed back.
 */
struct cJSON;
struct summary_extra {
	void (*table_line)(FILE *f, const void *arg);
	void (*text)(FILE *f, const void *arg);
	int  (*json)(struct cJSON *o, const void *arg);
	const void *arg;
};
void summary_set_extra(const struct summary_extra *x);
/* The sections set (the live table, master/table.c, draws table_line). */
const struct summary_extra *summary_get_extra(void);

#endif
