/*
 * report.c - sums of job records, and the table and JSON members made from
 * them (the charts are in report_chart.c). Assumes the records' times are in
 * milliseconds and their wall clock in microseconds (lib/joblog.h).
 */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "earn.h"
#include "jsonout.h"
#include "mclock.h"
#include "report.h"

#define REPORT_MS_DECIMALS   3
#define REPORT_RATE_DECIMALS 2
#define REPORT_DUTY_DECIMALS 4
#define REPORT_SECONDS_PER_HOUR 3600.0

/*
 * A simulated bus is named by its socket path, usually in a temp dir that
 * changes every run: keep the file name so names stay short and comparable
 * across runs ("sim:/tmp/ducorig-run.X/sim.sock:0x08" -> "sim:sim.sock:0x08").
 */
void report_display_name(char *out, size_t cap, const char *name)
{
	const char *slash = strrchr(name, '/');

	if (!strncmp(name, "sim:", 4) && slash)
		snprintf(out, cap, "sim:%s", slash + 1);
	else
		snprintf(out, cap, "%s", name);
	/* a name goes to terminals, JSON and SVG: a hostile log's control
	 * characters or bytes that are not UTF-8 become '?' (names are ASCII) */
	for (char *c = out; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
}

void report_init(struct report_stats *s, const char *name)
{
	memset(s, 0, sizeof(*s));
	report_display_name(s->name, sizeof(s->name), name);
}

/* A sum that a non-finite value (a job log's null) leaves alone. */
static void report_acc(double *sum, double v)
{
	if (isfinite(v))
		*sum += v;
}

void report_add(struct report_stats *s, const struct joblog_rec *r)
{
	const char *v = r->verdict ? r->verdict : "";

	s->jobs++;
	if (!strncmp(v, "GOOD", 4))
		s->good++;
	else if (!strncmp(v, "BLOCK", 5))
		s->block++;
	else
		s->bad++;
	report_acc(&s->part_ms[REPORT_GETJOB], r->get_job_wait_ms);
	report_acc(&s->part_ms[REPORT_TRANSFER], r->transfer_ms);
	report_acc(&s->part_ms[REPORT_HASH], r->slave_elapsed_ms);
	report_acc(&s->part_ms[REPORT_DETECT], r->detect_ms);
	report_acc(&s->part_ms[REPORT_HOLD], r->hold_ms);
	report_acc(&s->part_ms[REPORT_VERDICT], r->get_res_wait_ms);
	report_acc(&s->part_ms[REPORT_PROCESS], r->processing_ms);
	report_acc(&s->overall_ms, r->overall_ms);
	report_acc(&s->master_ms, r->master_ms);
	report_acc(&s->hashrate_sum, r->hashrate);
	s->polls += r->busy_polls;
	if (!strncmp(v, "GOOD", 4) || !strncmp(v, "BLOCK", 5)) {
		double share_ms = r->overall_ms - r->get_job_wait_ms - r->get_res_wait_ms;
		double w = share_ms > 0 ? earn_share_weight(r->nonce / (share_ms / 1000.0), 1,
							    (uint64_t)s->good + s->block) : 0.0;

		s->earn_weight += isfinite(w) ? w : 0.0;
		s->earn_paid += w > 0;
	}
	if (r->wall_us > 0) {
		if (!s->first_us || r->wall_us < s->first_us)
			s->first_us = r->wall_us;
		if (r->wall_us > s->last_us)
			s->last_us = r->wall_us;
	}
}

void report_sum(struct report_stats *t, const struct report_stats *s)
{
	t->jobs += s->jobs;
	t->good += s->good;
	t->bad += s->bad;
	t->block += s->block;
	t->polls += s->polls;
	for (int p = 0; p < REPORT_NPARTS; p++)
		t->part_ms[p] += s->part_ms[p];
	t->overall_ms += s->overall_ms;
	t->master_ms += s->master_ms;
	t->earn_weight += s->earn_weight;
	t->earn_paid += s->earn_paid;
	t->hashrate_sum += s->hashrate_sum;
	if (s->first_us && (!t->first_us || s->first_us < t->first_us))
		t->first_us = s->first_us;
	if (s->last_us > t->last_us)
		t->last_us = s->last_us;
}

double report_mean(double total, uint64_t n)
{
	return n ? total / (double)n : 0.0;
}

double report_duty(const struct report_stats *s)
{
	return s->overall_ms > 0 ? s->part_ms[REPORT_HASH] / s->overall_ms : 0.0;
}

static void report_row(FILE *f, const struct report_stats *s, int w)
{
	fprintf(f, "%-*s %6lu %8.0f %8.0f %6.0f %8.0f %6.0f %8.0f %7.1f %6.1f %5.1f%% %6lu %4lu %5lu\n",
		w, s->name, (unsigned long)s->jobs, report_mean(s->part_ms[REPORT_GETJOB], s->jobs),
		report_mean(s->part_ms[REPORT_HASH], s->jobs),
		report_mean(s->part_ms[REPORT_DETECT], s->jobs),
		report_mean(s->part_ms[REPORT_VERDICT], s->jobs),
		report_mean(s->part_ms[REPORT_HOLD], s->jobs), report_mean(s->overall_ms, s->jobs),
		report_mean(s->hashrate_sum, s->jobs), report_mean((double)s->polls, s->jobs),
		100.0 * report_duty(s), (unsigned long)s->good, (unsigned long)s->bad,
		(unsigned long)s->block);
}

void report_text(FILE *f, const struct report_stats *const *slaves, int n,
		 const struct report_stats *rig)
{
	char from[JOBLOG_TS_LEN], to[JOBLOG_TS_LEN];
	int w = 5;

	for (int i = 0; i < n; i++)
		if ((int)strlen(slaves[i]->name) > w)
			w = (int)strlen(slaves[i]->name);
	fprintf(f, "%-*s %6s %8s %8s %6s %8s %6s %8s %7s %6s %6s %6s %4s %5s\n",
		w, "slave", "jobs", "ReqWait", "hashing", "detect", "SndWait", "hold", "overall",
		"H/s", "polls", "duty", "good", "bad", "block");
	fprintf(f, "%-*s %6s %8s %8s %6s %8s %6s %8s %7s %6s %6s\n", w, "", "", "mean ms",
		"mean ms", "ms", "mean ms", "ms", "mean ms", "mean", "/job", "");
	for (int i = 0; i < n; i++)
		report_row(f, slaves[i], w);
	if (n > 1)
		report_row(f, rig, w);
	if (rig->first_us) {
		mclock_iso8601(rig->first_us, from, sizeof(from));
		mclock_iso8601(rig->last_us, to, sizeof(to));
		fprintf(f, "from %s to %s\n", from, to);
	}
	fprintf(f, "totals: ReqWait %.0f ms, SndWait %.0f ms, hashing %.0f ms, busy polls %llu\n"
		"per job: transfer %.1f ms, processing %.1f ms (master's own work %.1f ms)\n"
		"duty = hashing / overall; detect = result ready -> seen by a poll (for a held\n"
		"result it overlaps what would otherwise be hold)\n",
		rig->part_ms[REPORT_GETJOB], rig->part_ms[REPORT_VERDICT],
		rig->part_ms[REPORT_HASH], (unsigned long long)rig->polls,
		report_mean(rig->part_ms[REPORT_TRANSFER], rig->jobs),
		report_mean(rig->part_ms[REPORT_PROCESS], rig->jobs),
		report_mean(rig->master_ms, rig->jobs));
}

int report_json(cJSON *o, const struct report_stats *rig, int nslaves, double wall_s)
{
	static const char *const keys[REPORT_NPARTS] = {
		"req_wait_ms", "transfer_ms", "hash_ms", "detect_ms", "hold_ms", "snd_wait_ms",
		"processing_ms",
	};
	char ts[JOBLOG_TS_LEN];
	uint32_t j = rig->jobs;

	if (wall_s > 0)
		jsonout_num(o, "wall_s", wall_s, REPORT_MS_DECIMALS);
	jsonout_num(o, "slaves", nslaves, JSONOUT_EXACT);
	jsonout_num(o, "jobs", j, JSONOUT_EXACT);
	jsonout_num(o, "good", rig->good, JSONOUT_EXACT);
	jsonout_num(o, "bad", rig->bad, JSONOUT_EXACT);
	jsonout_num(o, "block", rig->block, JSONOUT_EXACT);
	jsonout_num(o, "polls", (double)rig->polls, JSONOUT_EXACT);
	jsonout_num(o, "polls_per_job", report_mean((double)rig->polls, j), REPORT_RATE_DECIMALS);
	for (int p = 0; p < REPORT_NPARTS; p++)
		jsonout_num(o, keys[p], report_mean(rig->part_ms[p], j), REPORT_MS_DECIMALS);
	jsonout_num(o, "overall_ms", report_mean(rig->overall_ms, j), REPORT_MS_DECIMALS);
	jsonout_num(o, "master_ms", report_mean(rig->master_ms, j), REPORT_MS_DECIMALS);
	jsonout_num(o, "hashrate", report_mean(rig->hashrate_sum, j), REPORT_RATE_DECIMALS);
	jsonout_num(o, "duty_cycle", report_duty(rig), REPORT_DUTY_DECIMALS);
	if (wall_s > 0)
		jsonout_num(o, "shares_per_hour",
			    REPORT_SECONDS_PER_HOUR * (rig->good + rig->block) / wall_s, 1);
	if (rig->first_us) {
		mclock_iso8601(rig->first_us, ts, sizeof(ts));
		cJSON_AddStringToObject(o, "from", ts);
		mclock_iso8601(rig->last_us, ts, sizeof(ts));
		cJSON_AddStringToObject(o, "to", ts);
	}
	/* cJSON adds nothing when it runs out of memory: the last member tells */
	return cJSON_GetObjectItemCaseSensitive(o, "duty_cycle") ? 0 : -ENOMEM;
}
