/*
 * hist.c - job-phase histograms (see hist.h).
 */
#include <math.h>
#include "hist.h"

const double hist_bounds_s[HIST_NBUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
};

const char *const hist_phase_names[HIST_NPHASES] = {
	[HIST_GET_JOB_WAIT] = "get_job_wait",
	[HIST_TRANSFER] = "transfer",
	[HIST_HASHING] = "hashing",
	[HIST_DETECT] = "detect",
	[HIST_HOLD] = "hold",
	[HIST_GET_RES_WAIT] = "get_res_wait",
	[HIST_OVERALL] = "overall",
};

static void hist_add(struct hist *h, enum hist_phase p, double ms)
{
	double s = ms / 1000.0;
	int b = 0;

	if (!isfinite(s))
		return;
	if (s < 0)
		s = 0;
	while (b < HIST_NBUCKETS && s > hist_bounds_s[b])
		b++;
	h->bucket[p][b]++;
	h->count[p]++;
	h->sum_s[p] += s;
}

void hist_add_job(struct hist *h, const struct joblog_rec *r)
{
	hist_add(h, HIST_GET_JOB_WAIT, r->get_job_wait_ms);
	hist_add(h, HIST_TRANSFER, r->transfer_ms);
	hist_add(h, HIST_HASHING, r->slave_elapsed_ms);
	hist_add(h, HIST_DETECT, r->detect_ms);
	hist_add(h, HIST_HOLD, r->hold_ms);
	hist_add(h, HIST_GET_RES_WAIT, r->get_res_wait_ms);
	hist_add(h, HIST_OVERALL, r->overall_ms);
}
