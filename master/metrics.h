/*
 * metrics.h - the rig's live snapshot (master/status.h) in the Prometheus
 * text exposition format (version 0.0.4) for /metrics. Every name starts
 * with ducorig_ (process_ for the process figures, as Prometheus' client
 * libraries name them); counters end in _total, times are seconds.
 * Per-board series carry the labels bus, addr, board and worker, so rigs
 * and boards add up in PromQL. docs/fleet.md lists every metric.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "status.h"

struct metrics_extra {
	const char *version;
	double start_time_s;            /* process start, seconds since the epoch */
	uint64_t http_requests, http_refused;
	/* earnings (master/earnwatch): NULL source = none to show */
	const char *earn_source;        /* "rest" (the balance) or "estimate" */
	double earn_gained, earn_per_day, earn_per_day_since_start;
	unsigned earn_miners;
};

/* The text (free() it) and its length; NULL on ENOMEM. */
char *metrics_text(const struct status_snap *st, const struct metrics_extra *x, size_t *len);

#endif
