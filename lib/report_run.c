/*
 * report_run.c - the performance report: KPIs over windows, percentiles,
 * the master's own figures and the ANALYSIS findings, made from job records
 * and the job log's typed records (definitions in report.h). Assumes the
 * records' times in milliseconds and wall clock in microseconds
 * (lib/joblog.h). Nothing here trusts a record: non-finite numbers are left
 * out, a missing time keeps a record out of the time-based figures, and
 * every store is bounded (boards grow, samples are a ring, reasons and
 * names are capped with an "other" bucket).
 */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "earn.h"
#include "jsonout.h"
#include "mclock.h"
#include "report.h"

#define US_PER_S            1000000.0
#define S_PER_HOUR          3600.0
#define S_PER_DAY           86400.0
#define JOBS_PER_CPU        1000.0

/* Thresholds of the ANALYSIS, chosen from what a rig owner can act on. */
#define FIND_PEER_SLOWER    0.10        /* 10 % below the median of the other boards */
#define FIND_GAP_MIN_S      30.0        /* a gap is at least this long ... */
#define FIND_GAP_JOBS       5.0         /* ... and this many mean job times */
#define FIND_BURST_N        3           /* BAD verdicts ... */
#define FIND_BURST_S        60.0        /* ... within this many seconds */
#define FIND_HELD_FRAC      0.5         /* over half the job time in W */
#define FIND_RECONNECTS_PER_HOUR 2.0
#define FIND_VARIANCE_CV    0.25        /* the rig's 60 s windows */
#define FIND_LATENCY_P95_MS 1000.0      /* a pool answer slower than a second */

const double report_window_s[REPORT_NWINDOWS] = { 10, 60, 900 };
const char *const report_window_name[REPORT_NWINDOWS] = { "10s", "60s", "15m" };

const struct report_kpi_def report_kpi_defs[REPORT_NKPIS] = {
	[REPORT_KPI_HASHRATE_10S] = { "hashrate_10s", "Hashrate (10 s windows, mean)", "nonces/s", 1, 0, 1 },
	[REPORT_KPI_HASHRATE_60S] = { "hashrate_60s", "Hashrate (60 s windows, mean)", "nonces/s", 1, 0, 1 },
	[REPORT_KPI_HASHRATE_15M] = { "hashrate_15m", "Hashrate (15 min windows, mean)", "nonces/s", 1, 0, 1 },
	[REPORT_KPI_SHARES_PER_HOUR] = { "shares_per_hour", "Accepted shares per hour", "/h", 1, 0, 1 },
	[REPORT_KPI_ACCEPTANCE] = { "acceptance_pct", "Share acceptance", "%", 1, 0, 2 },
	[REPORT_KPI_BAD_PER_HOUR] = { "bad_per_hour", "BAD verdicts per hour", "/h", 0, 0, 2 },
	[REPORT_KPI_GETJOB_P50] = { "get_job_p50_ms", "Pool latency, get job p50", "ms", 0, 1, 1 },
	[REPORT_KPI_GETJOB_P95] = { "get_job_p95_ms", "Pool latency, get job p95", "ms", 0, 1, 1 },
	[REPORT_KPI_VERDICT_P50] = { "verdict_p50_ms", "Pool latency, verdict p50", "ms", 0, 1, 1 },
	[REPORT_KPI_VERDICT_P95] = { "verdict_p95_ms", "Pool latency, verdict p95", "ms", 0, 1, 1 },
	[REPORT_KPI_CPU_PER_1000] = { "cpu_s_per_1000_jobs", "Master CPU per 1000 jobs", "s", 0, 0, 3 },
	[REPORT_KPI_RSS] = { "rss_kb", "Master peak RSS", "kB", 0, 0, 0 },
	[REPORT_KPI_RECONNECTS_PER_HOUR] = { "reconnects_per_hour", "Reconnects per hour", "/h", 0, 1, 2 },
	[REPORT_KPI_DUCO_PER_DAY] = { "duco_per_day", "DUCO per day", "DUCO", 1, 0, 3 },
};

int report_run_init(struct report_run *run, size_t max_samples)
{
	memset(run, 0, sizeof(*run));
	run->max_samples = max_samples ? max_samples : REPORT_RUN_SAMPLES_DEFAULT;
	report_init(&run->rig, "rig");
	return 0;
}

void report_run_free(struct report_run *run)
{
	free(run->board);
	free(run->sample);
	free(run->earn);
	memset(run, 0, sizeof(*run));
}

static void run_time(struct report_run *run, int64_t us)
{
	if (us <= 0)
		return;
	if (!run->first_us || us < run->first_us)
		run->first_us = us;
	if (us > run->last_us)
		run->last_us = us;
}

static int run_board(struct report_run *run, const char *slave)
{
	char name[sizeof(run->board[0].st.name)];
	int i;

	report_display_name(name, sizeof(name), slave);
	for (i = 0; i < run->nboards; i++)
		if (!strcmp(run->board[i].st.name, name))
			return i;
	if (run->nboards == UINT16_MAX)
		return -ENOSPC;
	if (run->nboards == run->cap_boards) {
		int cap = run->cap_boards ? 2 * run->cap_boards : 16;
		struct report_board *b = realloc(run->board, (size_t)cap * sizeof(*b));

		if (!b)
			return -ENOMEM;
		run->board = b;
		run->cap_boards = cap;
	}
	memset(&run->board[i], 0, sizeof(run->board[i]));
	report_init(&run->board[i].st, name);
	run->nboards++;
	return i;
}

/* The BAD reason as written; an old log put it in the verdict ("BAD,why"). */
static void run_reason(struct report_run *run, const struct joblog_rec *r)
{
	const char *why = r->reason && *r->reason ? r->reason : "";
	int i;

	if (!*why && r->verdict && !strncmp(r->verdict, "BAD,", 4))
		why = r->verdict + 4;
	if (!*why)
		why = "(no reason given)";
	for (i = 0; i < run->nreasons; i++)
		if (!strncmp(run->reason[i].text, why, sizeof(run->reason[i].text) - 1))
			break;
	if (i == run->nreasons) {
		if (run->nreasons == REPORT_MAX_REASONS) {
			i = REPORT_MAX_REASONS;         /* the "other reasons" bucket */
			snprintf(run->reason[i].text, sizeof(run->reason[i].text), "(other reasons)");
		} else {
			snprintf(run->reason[i].text, sizeof(run->reason[i].text), "%s", why);
			run->nreasons++;
		}
	}
	run->reason[i].n++;
}

static float run_f(double v)
{
	return isfinite(v) && fabs(v) < 3e38 ? (float)v : NAN;
}

int report_run_add_job(struct report_run *run, const struct joblog_rec *r)
{
	int b = run_board(run, r->slave ? r->slave : "?");
	struct report_sample *sm;

	if (b < 0)
		return b;
	report_add(&run->board[b].st, r);
	report_add(&run->rig, r);
	if (r->verdict && strncmp(r->verdict, "GOOD", 4) && strncmp(r->verdict, "BLOCK", 5))
		run_reason(run, r);
	run_time(run, r->wall_us);
	run->finished = 0;
	if (run->nsamples == run->cap_samples && run->nsamples < run->max_samples) {
		size_t cap = run->cap_samples ? 2 * run->cap_samples : 4096;
		struct report_sample *p;

		if (cap > run->max_samples)
			cap = run->max_samples;
		p = realloc(run->sample, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		run->sample = p;
		run->cap_samples = cap;
	}
	if (run->nsamples < run->max_samples) {
		sm = &run->sample[run->nsamples++];
	} else {
		/* full: the ring overwrites the oldest */
		sm = &run->sample[run->ring_pos];
		run->ring_pos = (run->ring_pos + 1) % run->max_samples;
		run->samples_dropped++;
	}
	*sm = (struct report_sample){
		.wall_us = r->wall_us > 0 ? r->wall_us : 0, .nonce = r->nonce, .diff = r->diff,
		.slave = (uint16_t)b,
		.bad = r->verdict && strncmp(r->verdict, "GOOD", 4) && strncmp(r->verdict, "BLOCK", 5),
		.get_job_ms = run_f(r->get_job_wait_ms), .verdict_ms = run_f(r->get_res_wait_ms),
		.hash_ms = run_f(r->slave_elapsed_ms), .hold_ms = run_f(r->hold_ms),
		.overall_ms = run_f(r->overall_ms), .hashrate = run_f(r->hashrate),
		.r_slave = run_f(r->r_slave),
	};
	return 0;
}

static void run_name(char (*names)[32], int *n, size_t size, const char *v)
{
	if (!v || !*v)
		return;
	for (int i = 0; i < *n; i++)
		if (!strncmp(names[i], v, size - 1))
			return;
	if (*n < REPORT_MAX_NAMES)
		snprintf(names[(*n)++], size, "%s", v);
}

void report_run_add_rig(struct report_run *run, const struct joblog_rig *r)
{
	double up = isfinite(r->uptime_s) ? r->uptime_s : 0;

	/* a master that started again: its counters began from zero */
	if (run->nrig && up < run->seg_uptime_s) {
		run->cpu_s += run->seg_cpu_s;
		run->uptime_s += run->seg_uptime_s;
		run->reconnects += run->seg_reconnects;
		run->restarts++;
		for (int b = 0; b < run->nboards; b++)
			for (int t = 0; t < REPORT_NTROUBLE; t++) {
				run->board[b].trouble[t] += run->board[b].seg_trouble[t];
				run->board[b].seg_trouble[t] = 0;
			}
	}
	for (uint32_t i = 0; i < r->nfaults; i++) {
		const struct joblog_board_faults *f = &r->faults[i];
		int b = run_board(run, f->board ? f->board : "?");

		if (b < 0)
			continue;
		run->board[b].seg_trouble[REPORT_T_BUS] = f->bus_errors;
		run->board[b].seg_trouble[REPORT_T_FAULTS] = f->faults;
		run->board[b].seg_trouble[REPORT_T_WRONG] = f->wrong_nonces;
		run->board[b].seg_trouble[REPORT_T_TIMEOUTS] = f->timeouts;
		run->board[b].seg_trouble[REPORT_T_DISCONNECTS] = f->disconnects;
	}
	run->nrig++;
	run->seg_uptime_s = up;
	run->seg_cpu_s = isfinite(r->cpu_s) && r->cpu_s >= 0 ? r->cpu_s : run->seg_cpu_s;
	run->seg_reconnects = r->reconnects;
	if (r->rss_kb > run->rss_kb)
		run->rss_kb = r->rss_kb;
	if (r->boards > run->boards_max)
		run->boards_max = r->boards;
	run_name(run->versions, &run->nversions, sizeof(run->versions[0]), r->version);
	run_name(run->levels, &run->nlevels, sizeof(run->levels[0]), r->log_level);
	run_time(run, r->wall_us);
	run->finished = 0;
}

void report_run_add_earn(struct report_run *run, int64_t wall_us, double balance,
			 double duco_per_day)
{
	if (!run->earn)
		run->earn = malloc(REPORT_MAX_EARN * sizeof(*run->earn));
	if (!run->earn || run->nearn == REPORT_MAX_EARN) {
		run->earn_dropped++;
		return;
	}
	run->earn[run->nearn++] = (struct report_earn){ wall_us > 0 ? wall_us : 0, balance,
							duco_per_day };
	run->nearn_rest += isfinite(balance) != 0;
	run_time(run, wall_us);
	run->finished = 0;
}

static int run_on_job(void *ctx, const struct joblog_entry *e)
{
	struct report_run *run = ctx;
	int rc = report_run_add_job(run, &e->rec);

	/* more boards than a report holds: the record is skipped, the rest still reads */
	if (rc == -ENOSPC) {
		run->skipped++;
		rc = 0;
	}
	return rc;
}

static double run_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static int run_on_typed(void *ctx, const char *type, const cJSON *o)
{
	struct report_run *run = ctx;
	struct joblog_rig_entry e;

	if (!joblog_rig_parse(o, &e)) {
		struct joblog_board_faults f[256];

		e.rig.nfaults = (uint32_t)joblog_rig_faults(o, f, 256);
		e.rig.faults = f;
		report_run_add_rig(run, &e.rig);
	} else if (!strcmp(type, "earnings")) {
		const cJSON *ts = cJSON_GetObjectItemCaseSensitive(o, "ts");
		const cJSON *src = cJSON_GetObjectItemCaseSensitive(o, "source");
		/* ducomaster's records without an answer carry its estimate, no balance */
		int est = cJSON_IsString(src) && !strcmp(src->valuestring, "estimate");
		double div = run_num(o, "reward_div");

		if (isfinite(div) && div > 0)
			run->reward_div = div;
		report_run_add_earn(run, cJSON_IsString(ts) ? joblog_ts_us(ts->valuestring) : 0,
				    est ? NAN : run_num(o, "balance"), run_num(o, "duco_per_day"));
	} else {
		run->typed_other++;
	}
	return 0;
}

int report_run_read(struct report_run *run, const char *path)
{
	struct joblog_reader rd = { .job = run_on_job, .typed = run_on_typed, .ctx = run };
	struct joblog_counts c = { 0 };
	int rc = joblog_read_all(path, &rd, &c);

	run->lines += c.lines;
	run->skipped += c.skipped;
	run->too_long += c.too_long;
	run->files++;
	return rc;
}

/* ---- finishing ---------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmp_sample_time(const void *a, const void *b)
{
	int64_t x = ((const struct report_sample *)a)->wall_us;
	int64_t y = ((const struct report_sample *)b)->wall_us;

	return x < y ? -1 : x > y;
}

static int cmp_board_name(const void *a, const void *b)
{
	return strcmp(((const struct report_board *)a)->st.name,
		      ((const struct report_board *)b)->st.name);
}

/* Nearest rank of sorted v[n]. */
static double run_rank(const double *v, size_t n, double p)
{
	size_t k;

	if (!n)
		return NAN;
	k = (size_t)ceil(p / 100.0 * (double)n);
	return v[k ? k - 1 : 0];
}

static struct report_pct run_pct(const struct report_sample *s, size_t n, size_t field)
{
	double *v = malloc((n ? n : 1) * sizeof(*v));
	struct report_pct p = { 0, NAN, NAN };
	size_t m = 0;

	if (!v)
		return p;
	for (size_t i = 0; i < n; i++) {
		float x = *(const float *)((const char *)&s[i] + field);

		if (isfinite(x))
			v[m++] = x;
	}
	qsort(v, m, sizeof(*v), cmp_double);
	p.n = (uint32_t)m;
	p.p50 = run_rank(v, m, 50);
	p.p95 = run_rank(v, m, 95);
	free(v);
	return p;
}

/*
 * Tumbling windows of w seconds from t0 over samples sorted by time (board
 * -1: all). Walks the samples, not the windows, so a span of years costs
 * nothing; a window without a verdict counts as rate 0.
 */
static struct report_window run_windows(const struct report_sample *s, size_t n, int64_t t0,
					int64_t t1, double w, int board)
{
	struct report_window out = { 0, NAN, NAN, NAN, NAN };
	int64_t wu = (int64_t)(w * US_PER_S);
	uint64_t nw = t1 > t0 ? (uint64_t)((t1 - t0) / wu) : 0, k_cur = UINT64_MAX, seen = 0;
	double sum_all = 0, cur = 0, sumsq = 0, mn = INFINITY, mx = -INFINITY;

	if (!nw)
		return out;
	for (size_t i = 0; i <= n; i++) {
		uint64_t k = UINT64_MAX;

		if (i < n) {
			if (s[i].wall_us < t0 || (board >= 0 && s[i].slave != board))
				continue;
			k = (uint64_t)((s[i].wall_us - t0) / wu);
			if (k >= nw)
				k = UINT64_MAX;         /* past the last whole window */
		}
		if (k != k_cur && k_cur != UINT64_MAX) {
			double rate = cur / w;

			mn = rate < mn ? rate : mn;
			mx = rate > mx ? rate : mx;
			sumsq += rate * rate;
			sum_all += cur;
			seen++;
			cur = 0;
		}
		k_cur = k;
		if (k != UINT64_MAX)
			cur += s[i].nonce;
		else if (i < n && s[i].wall_us >= t0)
			break;                          /* sorted: the rest is later */
	}
	if (seen < nw)
		mn = 0;                                 /* windows without a verdict */
	out.n = (uint32_t)(nw > UINT32_MAX ? UINT32_MAX : nw);
	out.mean = sum_all / w / (double)nw;
	out.min = seen ? mn : 0;
	out.max = seen ? mx : 0;
	if (nw >= 2 && out.mean > 0) {
		double var = sumsq / (double)nw - out.mean * out.mean;

		out.cv = sqrt(var > 0 ? var : 0) / out.mean;
	}
	return out;
}

static void run_find(struct report_run *run, enum report_finding_kind kind, int board,
		     int64_t at_us, double value, double ref, const char *detail)
{
	struct report_finding *f;

	if (run->nfind == REPORT_MAX_FINDINGS)
		return;
	f = &run->find[run->nfind++];
	*f = (struct report_finding){ .kind = kind, .board = board, .at_us = at_us,
				      .value = value, .ref = ref };
	snprintf(f->detail, sizeof(f->detail), "%s", detail ? detail : "");
}

/* The median of the values of the boards other than skip (nan when none). */
static double run_peer_median(const struct report_run *run, size_t off, int skip)
{
	double *v = malloc(((size_t)run->nboards + 1) * sizeof(*v)), med;
	size_t m = 0;

	if (!v)
		return NAN;
	for (int i = 0; i < run->nboards; i++) {
		double x = *(const double *)((const char *)&run->board[i] + off);

		if (i != skip && isfinite(x) && x > 0)
			v[m++] = x;
	}
	qsort(v, m, sizeof(*v), cmp_double);
	med = !m ? NAN : m % 2 ? v[m / 2] : (v[m / 2 - 1] + v[m / 2]) / 2;
	free(v);
	return med;
}

/* Per board: gaps between its verdicts, bursts of BAD, its 60 s windows. */
static void run_board_time(struct report_run *run, const struct report_sample *s, size_t n,
			   int b, int64_t t0, int64_t t1)
{
	struct report_board *bd = &run->board[b];
	double mean_job_s = report_mean(bd->st.overall_ms, bd->st.jobs) / 1000.0;
	double gap_min = FIND_GAP_MIN_S > FIND_GAP_JOBS * mean_job_s ? FIND_GAP_MIN_S :
			 FIND_GAP_JOBS * mean_job_s;
	int64_t prev = 0, bad_t[FIND_BURST_N] = { 0 }, burst_until = 0;
	unsigned nbad = 0;

	bd->w60 = run_windows(s, n, t0, t1, report_window_s[1], b);
	for (size_t i = 0; i < n; i++) {
		if (s[i].slave != b || !s[i].wall_us)
			continue;
		if (prev) {
			double gap = (s[i].wall_us - prev) / US_PER_S;

			if (gap > gap_min) {
				bd->gaps++;
				if (gap > bd->longest_gap_s)
					bd->longest_gap_s = gap;
				run_find(run, REPORT_FIND_GAP, b, prev, gap, gap_min, NULL);
			}
		}
		prev = s[i].wall_us;
		if (!s[i].bad)
			continue;
		bad_t[nbad++ % FIND_BURST_N] = s[i].wall_us;
		if (nbad >= FIND_BURST_N && s[i].wall_us > burst_until) {
			int64_t oldest = bad_t[nbad % FIND_BURST_N];

			if ((s[i].wall_us - oldest) / US_PER_S <= FIND_BURST_S) {
				bd->bursts++;
				burst_until = oldest + (int64_t)(FIND_BURST_S * US_PER_S);
				run_find(run, REPORT_FIND_BAD_BURST, b, oldest, FIND_BURST_N,
					 FIND_BURST_S, NULL);
			}
		}
	}
}

void report_run_finish(struct report_run *run)
{
	size_t n = run->nsamples;
	struct report_sample *s;
	int64_t t0 = 0, t1 = 0;
	double hours;

	if (run->finished)
		return;
	run->finished = 1;
	run->nfind = 0;
	for (int k = 0; k < REPORT_NKPIS; k++)
		run->kpi[k] = NAN;
	/* boards by name; the samples' indices follow */
	{
		int *map = malloc(((size_t)run->nboards + 1) * sizeof(*map));
		char (*names)[sizeof(run->board[0].st.name)] =
			malloc(((size_t)run->nboards + 1) * sizeof(*names));

		if (map && names) {
			for (int i = 0; i < run->nboards; i++)
				memcpy(names[i], run->board[i].st.name, sizeof(names[i]));
			qsort(run->board, (size_t)run->nboards, sizeof(*run->board), cmp_board_name);
			for (int i = 0; i < run->nboards; i++)
				for (int j = 0; j < run->nboards; j++)
					if (!strcmp(names[i], run->board[j].st.name))
						map[i] = j;
			for (size_t i = 0; i < n; i++)
				run->sample[i].slave = (uint16_t)map[run->sample[i].slave];
		}
		free(map);
		free(names);
	}
	s = run->sample;
	if (n)
		qsort(s, n, sizeof(*s), cmp_sample_time);
	run->ring_pos = 0;      /* sorted: the oldest is first */
	/* the ring kept the last jobs: the span of the samples is what they cover */
	for (size_t i = 0; i < n; i++)
		if (s[i].wall_us) {
			t0 = s[i].wall_us;
			break;
		}
	t1 = n ? s[n - 1].wall_us : 0;
	run->span_s = t0 && t1 > t0 ? (t1 - t0) / US_PER_S : 0;
	for (int w = 0; w < REPORT_NWINDOWS; w++)
		run->win[w] = run_windows(s, n, t0, t1, report_window_s[w], -1);
	run->getjob = run_pct(s, n, offsetof(struct report_sample, get_job_ms));
	run->verdict = run_pct(s, n, offsetof(struct report_sample, verdict_ms));

	hours = run->rig.first_us && run->rig.last_us > run->rig.first_us ?
		(run->rig.last_us - run->rig.first_us) / US_PER_S / S_PER_HOUR : 0;
	for (int w = 0; w < REPORT_NWINDOWS; w++)
		if (run->win[w].n)
			run->kpi[REPORT_KPI_HASHRATE_10S + w] = run->win[w].mean;
	if (hours > 0) {
		run->kpi[REPORT_KPI_SHARES_PER_HOUR] = (run->rig.good + run->rig.block) / hours;
		run->kpi[REPORT_KPI_BAD_PER_HOUR] = run->rig.bad / hours;
	}
	if (run->rig.jobs)
		run->kpi[REPORT_KPI_ACCEPTANCE] = 100.0 * (run->rig.good + run->rig.block) /
						  run->rig.jobs;
	run->kpi[REPORT_KPI_GETJOB_P50] = run->getjob.p50;
	run->kpi[REPORT_KPI_GETJOB_P95] = run->getjob.p95;
	run->kpi[REPORT_KPI_VERDICT_P50] = run->verdict.p50;
	run->kpi[REPORT_KPI_VERDICT_P95] = run->verdict.p95;

	/* the master's runs: the finished ones plus the current one */
	run->cpu_total_s = run->uptime_total_s = NAN;
	run->reconnects_total = run->restarts_total = 0;
	if (run->nrig) {
		run->cpu_total_s = run->cpu_s + run->seg_cpu_s;
		run->uptime_total_s = run->uptime_s + run->seg_uptime_s;
		run->reconnects_total = run->reconnects + run->seg_reconnects;
		run->restarts_total = run->restarts;
		if (run->rig.jobs)
			run->kpi[REPORT_KPI_CPU_PER_1000] = JOBS_PER_CPU * run->cpu_total_s /
							    run->rig.jobs;
		run->kpi[REPORT_KPI_RSS] = (double)run->rss_kb;
		if (run->uptime_total_s > 0)
			run->kpi[REPORT_KPI_RECONNECTS_PER_HOUR] =
				run->reconnects_total / (run->uptime_total_s / S_PER_HOUR);
	}
	/* DUCO/day: the wallet's gain when it spans long enough, else its own figure */
	run->duco_per_day = NAN;
	if (run->nearn) {
		const struct report_earn *a = NULL, *z = NULL;

		for (size_t i = 0; i < run->nearn; i++) {
			const struct report_earn *e = &run->earn[i];

			if (!e->wall_us || !isfinite(e->balance))
				continue;
			if (!a || e->wall_us < a->wall_us)
				a = e;
			if (!z || e->wall_us >= z->wall_us)
				z = e;
		}
		if (a && z && (z->wall_us - a->wall_us) / US_PER_S >= REPORT_EARN_MIN_SPAN_S)
			run->duco_per_day = (z->balance - a->balance) /
					    ((z->wall_us - a->wall_us) / US_PER_S / S_PER_DAY);
		for (size_t i = run->nearn; !isfinite(run->duco_per_day) && i-- > 0;)
			if (isfinite(run->earn[i].duco_per_day))
				run->duco_per_day = run->earn[i].duco_per_day;
		run->kpi[REPORT_KPI_DUCO_PER_DAY] = run->duco_per_day;
	}

	/* the local estimate: a board's place in the (sorted) table as its Kolka
	 * ordinal, the pool numbering a user's workers in the order they connect */
	run->est_duco = 0;
	for (int b = 0; b < run->nboards; b++) {
		struct report_board *bd = &run->board[b];
		double div = run->reward_div > 0 ? run->reward_div : EARN_REWARD_DIV_DEFAULT;
		double sp = bd->st.first_us && bd->st.last_us > bd->st.first_us ?
			    (double)(bd->st.last_us - bd->st.first_us) / US_PER_S : 0.0;

		bd->est_duco = bd->st.earn_weight * earn_kolka_efficiency((unsigned)b + 1) / div;
		bd->est_duco_per_day = sp > 0 ? bd->est_duco / sp * S_PER_DAY : NAN;
		run->est_duco += bd->est_duco;
	}
	run->est_duco_per_day = run->span_s > 0 ? run->est_duco / run->span_s * S_PER_DAY : NAN;

	/* per board */
	for (int b = 0; b < run->nboards; b++) {
		struct report_board *bd = &run->board[b];
		double hash = 0, nonces = 0, hashed = 0;

		for (size_t i = 0; i < n; i++) {
			if (s[i].slave != b)
				continue;
			nonces += s[i].nonce;
			if (isfinite(s[i].hash_ms) && s[i].hash_ms > 0) {
				hash += s[i].hash_ms;
				hashed += s[i].nonce;
			}
		}
		bd->eff_rate = run->span_s > 0 ? nonces / run->span_s : NAN;
		/* the chip's own speed: the nonces it searched over its hashing time */
		bd->chip_rate = hash > 0 ? hashed / (hash / 1000.0) : NAN;
		bd->hold_frac = bd->st.overall_ms > 0 ? bd->st.part_ms[REPORT_HOLD] /
							 bd->st.overall_ms : 0;
		for (int t = 0; t < REPORT_NTROUBLE; t++)
			bd->trouble_total[t] = bd->trouble[t] + bd->seg_trouble[t];
		bd->gaps = bd->bursts = 0;
		bd->longest_gap_s = 0;
		run_board_time(run, s, n, b, t0, t1);
	}
	/* ANALYSIS: boards against their peers */
	for (int b = 0; run->nboards >= 2 && b < run->nboards; b++) {
		const struct report_board *bd = &run->board[b];
		double chip = run_peer_median(run, offsetof(struct report_board, chip_rate), b);
		double eff = run_peer_median(run, offsetof(struct report_board, eff_rate), b);

		if (isfinite(bd->chip_rate) && isfinite(chip) && bd->chip_rate < (1 - FIND_PEER_SLOWER) * chip)
			run_find(run, REPORT_FIND_SLOW_CHIP, b, 0, bd->chip_rate, chip, NULL);
		if (isfinite(bd->eff_rate) && isfinite(eff) && bd->eff_rate < (1 - FIND_PEER_SLOWER) * eff)
			run_find(run, REPORT_FIND_LOW_OUTPUT, b, 0, bd->eff_rate, eff, NULL);
	}
	for (int b = 0; b < run->nboards; b++)
		if (run->board[b].hold_frac > FIND_HELD_FRAC)
			run_find(run, REPORT_FIND_HELD, b, 0, run->board[b].hold_frac,
				 FIND_HELD_FRAC, NULL);
	for (int i = 0; i <= REPORT_MAX_REASONS; i++)
		if (run->reason[i].n && (i < run->nreasons || i == REPORT_MAX_REASONS))
			run_find(run, REPORT_FIND_BAD_REASON, -1, 0, run->reason[i].n,
				 run->rig.jobs, run->reason[i].text);
	if (isfinite(run->kpi[REPORT_KPI_RECONNECTS_PER_HOUR]) &&
	    run->kpi[REPORT_KPI_RECONNECTS_PER_HOUR] > FIND_RECONNECTS_PER_HOUR)
		run_find(run, REPORT_FIND_RECONNECTS, -1, 0, run->reconnects_total,
			 run->kpi[REPORT_KPI_RECONNECTS_PER_HOUR], NULL);
	if (run->restarts_total)
		run_find(run, REPORT_FIND_RESTARTS, -1, 0, run->restarts_total, 0, NULL);
	if (run->win[1].n >= 2 && isfinite(run->win[1].cv) && run->win[1].cv > FIND_VARIANCE_CV)
		run_find(run, REPORT_FIND_VARIANCE, -1, 0, run->win[1].cv, FIND_VARIANCE_CV, NULL);
	if (isfinite(run->getjob.p95) && run->getjob.p95 > FIND_LATENCY_P95_MS)
		run_find(run, REPORT_FIND_LATENCY, -1, 0, run->getjob.p95, FIND_LATENCY_P95_MS, "get job");
	if (isfinite(run->verdict.p95) && run->verdict.p95 > FIND_LATENCY_P95_MS)
		run_find(run, REPORT_FIND_LATENCY, -1, 0, run->verdict.p95, FIND_LATENCY_P95_MS, "verdict");
	report_run_advise(run);
}

/* ---- output ------------------------------------------------------------- */

static const char *run_board_name(const struct report_run *run, int b)
{
	return b >= 0 && b < run->nboards ? run->board[b].st.name : "rig";
}

void report_finding_text(const struct report_run *run, const struct report_finding *fd,
			 char *out, size_t cap)
{
	const char *who = run_board_name(run, fd->board);
	char at[JOBLOG_TS_LEN] = "";

	if (fd->at_us)
		mclock_iso8601(fd->at_us, at, sizeof(at));
	switch (fd->kind) {
	case REPORT_FIND_SLOW_CHIP:
		snprintf(out, cap, "%s hashes slower than its peers: %.0f H/s on the chip, the others' "
			 "median %.0f H/s (%+.0f%%)", who, fd->value, fd->ref,
			 100.0 * (fd->value / fd->ref - 1));
		break;
	case REPORT_FIND_LOW_OUTPUT:
		snprintf(out, cap, "%s shows the pool less work than its peers: %.1f nonces/s, the "
			 "others' median %.1f (%+.0f%%)", who, fd->value, fd->ref,
			 100.0 * (fd->value / fd->ref - 1));
		break;
	case REPORT_FIND_GAP:
		snprintf(out, cap, "%s: no verdict for %.0f s after %s (more than %.0f s)", who,
			 fd->value, at, fd->ref);
		break;
	case REPORT_FIND_BAD_BURST:
		snprintf(out, cap, "%s: burst of %.0f or more BAD verdicts within %.0f s from %s", who,
			 fd->value, fd->ref, at);
		break;
	case REPORT_FIND_BAD_REASON:
		snprintf(out, cap, "%.0f BAD verdict(s) \"%s\" (%.1f%% of the jobs)", fd->value,
			 fd->detail, fd->ref > 0 ? 100.0 * fd->value / fd->ref : 0.0);
		break;
	case REPORT_FIND_HELD:
		snprintf(out, cap, "%s is held by the rate limit %.0f%% of its job time (the board "
			 "is faster than the pool's cap)", who, 100.0 * fd->value);
		break;
	case REPORT_FIND_RECONNECTS:
		snprintf(out, cap, "%.0f pool reconnects (%.1f per hour)", fd->value, fd->ref);
		break;
	case REPORT_FIND_RESTARTS:
		snprintf(out, cap, "the master restarted %.0f time(s) during the log", fd->value);
		break;
	case REPORT_FIND_VARIANCE:
		snprintf(out, cap, "the rig's hashrate varies by %.0f%% between 60 s windows "
			 "(coefficient of variation; over %.0f%% is unsteady)", 100.0 * fd->value,
			 100.0 * fd->ref);
		break;
	case REPORT_FIND_LATENCY:
		snprintf(out, cap, "the pool is slow to answer (%s p95 %.0f ms, over %.0f ms)",
			 fd->detail, fd->value, fd->ref);
		break;
	default:
		snprintf(out, cap, "?");
	}
}

static void run_text_num(FILE *f, double v, int decimals, const char *unit)
{
	if (isfinite(v))
		fprintf(f, "%.*f%s%s", decimals, v, *unit ? " " : "", unit);
	else
		fprintf(f, "n/a");
}

static void run_text_names(FILE *f, char (*names)[32], int n, size_t size)
{
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", (const char *)names + i * size);
	if (!n)
		fprintf(f, "not recorded");
	fputc('\n', f);
}

void report_run_text(FILE *f, struct report_run *run)
{
	const struct report_stats **rows;
	char from[JOBLOG_TS_LEN] = "", to[JOBLOG_TS_LEN] = "";

	report_run_finish(run);
	if (run->first_us) {
		mclock_iso8601(run->first_us, from, sizeof(from));
		mclock_iso8601(run->last_us, to, sizeof(to));
	}
	fprintf(f, "PERFORMANCE REPORT\n");
	fprintf(f, "Date:       %.10s (%s to %s)\n", run->first_us ? from : "unknown", from, to);
	fprintf(f, "Duration:   %.1f s\n", run->first_us ? (run->last_us - run->first_us) / US_PER_S : 0.0);
	fprintf(f, "Versions:   ducomaster ");
	run_text_names(f, run->versions, run->nversions, sizeof(run->versions[0]));
	fprintf(f, "Log level:  ");
	run_text_names(f, run->levels, run->nlevels, sizeof(run->levels[0]));
	fprintf(f, "Boards:     %d with jobs", run->nboards);
	if (run->boards_max)
		fprintf(f, " (%u configured)", run->boards_max);
	fprintf(f, "\n\nRESULTS:\n");
	for (int w = 0; w < REPORT_NWINDOWS; w++) {
		const struct report_window *win = &run->win[w];

		fprintf(f, "  Hashrate (%s windows): ", report_window_name[w]);
		if (win->n)
			fprintf(f, "min %.1f  mean %.1f  max %.1f nonces/s (%u windows)\n", win->min,
				win->mean, win->max, win->n);
		else
			fprintf(f, "n/a (span %.0f s, shorter than one window)\n", run->span_s);
	}
	fprintf(f, "  Shares found:     %u (GOOD %u, BLOCK %u, BAD %u), ", run->rig.jobs,
		run->rig.good, run->rig.block, run->rig.bad);
	run_text_num(f, run->kpi[REPORT_KPI_SHARES_PER_HOUR], 1, "accepted per hour");
	fprintf(f, "\n  Share acceptance: ");
	run_text_num(f, run->kpi[REPORT_KPI_ACCEPTANCE], 2, "%");
	fprintf(f, "\n  BAD by reason:    ");
	if (!run->rig.bad)
		fprintf(f, "none");
	for (int i = 0, k = 0; i <= REPORT_MAX_REASONS; i++)
		if (run->reason[i].n)
			fprintf(f, "%s\"%s\" %u", k++ ? ", " : "", run->reason[i].text, run->reason[i].n);
	fprintf(f, "\n  Pool latency:     get job p50 ");
	run_text_num(f, run->getjob.p50, 1, "ms");
	fprintf(f, ", p95 ");
	run_text_num(f, run->getjob.p95, 1, "ms");
	fprintf(f, "; verdict p50 ");
	run_text_num(f, run->verdict.p50, 1, "ms");
	fprintf(f, ", p95 ");
	run_text_num(f, run->verdict.p95, 1, "ms");
	fprintf(f, " (%u jobs)\n", run->getjob.n);
	fprintf(f, "  Master:           ");
	if (run->nrig) {
		fprintf(f, "CPU %.2f s", run->cpu_total_s);
		if (run->uptime_total_s > 0)
			fprintf(f, " (%.2f%% of uptime)", 100.0 * run->cpu_total_s / run->uptime_total_s);
		fprintf(f, ", ");
		run_text_num(f, run->kpi[REPORT_KPI_CPU_PER_1000], 3, "s per 1000 jobs");
		fprintf(f, ", peak RSS %ld kB\n", run->rss_kb);
		fprintf(f, "  Uptime:           %.0f s, %u restart(s), %u reconnect(s)\n",
			run->uptime_total_s, run->restarts_total, run->reconnects_total);
	} else {
		fprintf(f, "not recorded (no rig records in the log)\n");
		fprintf(f, "  Uptime:           not recorded; jobs span %.0f s\n", run->span_s);
	}
	fprintf(f, "  DUCO/day:         ");
	run_text_num(f, run->duco_per_day, 3, run->nearn_rest ? "(from the wallet)" :
		     run->nearn ? "(ducomaster's estimate, no REST answer)" : "");
	if (!run->nearn)
		fprintf(f, " (no earnings records)");
	fprintf(f, "\n  DUCO/day est.:    ");
	run_text_num(f, run->est_duco_per_day, 3, "");
	fprintf(f, " (%.6f DUCO by the pool's formula from the accepted shares, reward_div %.0f:",
		run->est_duco, run->reward_div > 0 ? run->reward_div : EARN_REWARD_DIV_DEFAULT);
	for (int i = 0; i < run->nboards; i++)
		fprintf(f, " %s %.2f", run->board[i].st.name,
			isfinite(run->board[i].est_duco_per_day) ? run->board[i].est_duco_per_day : 0.0);
	fprintf(f, ")");
	fprintf(f, "\n\nBOARDS:\n");
	rows = calloc((size_t)run->nboards + 1, sizeof(*rows));
	if (rows) {
		for (int i = 0; i < run->nboards; i++)
			rows[i] = &run->board[i].st;
		report_text(f, rows, run->nboards, &run->rig);
		free(rows);
	}
	fprintf(f, "%-20s %10s %10s %8s %8s %5s %6s %7s %6s %7s\n", "board", "nonces/s",
		"chip H/s", "60s cv", "held", "gaps", "bursts", "bus err", "faults", "timeout");
	for (int i = 0; i < run->nboards; i++) {
		const struct report_board *bd = &run->board[i];

		char cv[16];

		if (isfinite(bd->w60.cv))
			snprintf(cv, sizeof(cv), "%.0f%%", 100.0 * bd->w60.cv);
		else
			snprintf(cv, sizeof(cv), "-");
		fprintf(f, "%-20s %10.1f %10.0f %8s %7.0f%% %5u %6u %7u %6u %7u\n", bd->st.name,
			isfinite(bd->eff_rate) ? bd->eff_rate : 0.0,
			isfinite(bd->chip_rate) ? bd->chip_rate : 0.0, cv, 100.0 * bd->hold_frac,
			bd->gaps, bd->bursts, bd->trouble_total[REPORT_T_BUS],
			bd->trouble_total[REPORT_T_FAULTS], bd->trouble_total[REPORT_T_TIMEOUTS]);
	}
	fprintf(f, "\nANALYSIS:\n");
	for (int i = 0; i < run->nfind; i++) {
		char line[256];

		report_finding_text(run, &run->find[i], line, sizeof(line));
		fprintf(f, "  - %s\n", line);
	}
	if (!run->nfind)
		fprintf(f, "  - no anomalies: boards alike, no gaps, no bursts of errors\n");
	if (run->win[1].n >= 2)
		fprintf(f, "  - variance: the rig's 60 s windows %.1f..%.1f nonces/s, cv %.1f%%\n",
			run->win[1].min, run->win[1].max, 100.0 * run->win[1].cv);
	fprintf(f, "\nRECOMMENDATIONS:\n");
	for (int i = 0; i < run->nadvice; i++)
		fprintf(f, "  - %s: %s\n    why: %s\n", run_board_name(run, run->advice[i].board),
			run->advice[i].setting, run->advice[i].why);
	if (!run->nadvice)
		fprintf(f, "  - none: nothing in the log asks for a change\n");
	if (run->samples_dropped)
		fprintf(f, "  - windows, percentiles and trends cover the last %zu jobs only "
			"(%llu older ones beyond the sample limit)\n", run->nsamples,
			(unsigned long long)run->samples_dropped);
	if (run->skipped || run->too_long)
		fprintf(f, "  - read %lu lines: %lu not readable as records skipped, %lu over %d "
			"bytes skipped\n", run->lines, run->skipped, run->too_long,
			JOBLOG_READ_LINE_MAX);
}

static cJSON *run_json_window(cJSON *o, const char *key, const struct report_window *w)
{
	cJSON *x = cJSON_AddObjectToObject(o, key);

	if (x) {
		jsonout_num(x, "n", w->n, JSONOUT_EXACT);
		jsonout_num(x, "min", w->n ? w->min : NAN, 3);
		jsonout_num(x, "mean", w->n ? w->mean : NAN, 3);
		jsonout_num(x, "max", w->n ? w->max : NAN, 3);
		jsonout_num(x, "cv", w->cv, 4);
	}
	return x;
}

int report_run_json(cJSON *o, struct report_run *run)
{
	cJSON *rep, *kpi, *boards, *an, *rd, *x, *arr;
	char ts[JOBLOG_TS_LEN];

	report_run_finish(run);
	rep = cJSON_AddObjectToObject(o, "report");
	kpi = cJSON_AddObjectToObject(o, "kpi");
	boards = cJSON_AddArrayToObject(o, "boards");
	an = cJSON_AddArrayToObject(o, "analysis");
	rd = cJSON_AddObjectToObject(o, "read");
	if (!rep || !kpi || !boards || !an || !rd)
		return -ENOMEM;
	if (run->first_us) {
		mclock_iso8601(run->first_us, ts, sizeof(ts));
		cJSON_AddStringToObject(rep, "from", ts);
		mclock_iso8601(run->last_us, ts, sizeof(ts));
		cJSON_AddStringToObject(rep, "to", ts);
	}
	jsonout_num(rep, "duration_s", run->first_us ? (run->last_us - run->first_us) / US_PER_S : 0, 3);
	jsonout_num(rep, "span_s", run->span_s, 3);
	arr = cJSON_AddArrayToObject(rep, "versions");
	for (int i = 0; arr && i < run->nversions; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(run->versions[i]));
	arr = cJSON_AddArrayToObject(rep, "log_levels");
	for (int i = 0; arr && i < run->nlevels; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(run->levels[i]));
	jsonout_num(rep, "boards", run->nboards, JSONOUT_EXACT);
	jsonout_num(rep, "boards_configured", run->boards_max, JSONOUT_EXACT);
	x = cJSON_AddObjectToObject(rep, "windows");
	for (int w = 0; x && w < REPORT_NWINDOWS; w++)
		run_json_window(x, report_window_name[w], &run->win[w]);
	x = cJSON_AddObjectToObject(rep, "shares");
	if (x) {
		jsonout_num(x, "found", run->rig.jobs, JSONOUT_EXACT);
		jsonout_num(x, "good", run->rig.good, JSONOUT_EXACT);
		jsonout_num(x, "block", run->rig.block, JSONOUT_EXACT);
		jsonout_num(x, "bad", run->rig.bad, JSONOUT_EXACT);
		jsonout_num(x, "acceptance_pct", run->kpi[REPORT_KPI_ACCEPTANCE], 3);
	}
	x = cJSON_AddObjectToObject(rep, "bad_by_reason");
	for (int i = 0; x && i <= REPORT_MAX_REASONS; i++)
		if (run->reason[i].n)
			jsonout_num(x, run->reason[i].text, run->reason[i].n, JSONOUT_EXACT);
	x = cJSON_AddObjectToObject(rep, "latency_ms");
	if (x) {
		cJSON *g = cJSON_AddObjectToObject(x, "get_job"), *v = cJSON_AddObjectToObject(x, "verdict");

		if (g && v) {
			jsonout_num(g, "n", run->getjob.n, JSONOUT_EXACT);
			jsonout_num(g, "p50", run->getjob.p50, 3);
			jsonout_num(g, "p95", run->getjob.p95, 3);
			jsonout_num(v, "n", run->verdict.n, JSONOUT_EXACT);
			jsonout_num(v, "p50", run->verdict.p50, 3);
			jsonout_num(v, "p95", run->verdict.p95, 3);
		}
	}
	if (run->nrig && (x = cJSON_AddObjectToObject(rep, "master"))) {
		jsonout_num(x, "cpu_s", run->cpu_total_s, 3);
		jsonout_num(x, "uptime_s", run->uptime_total_s, 3);
		jsonout_num(x, "cpu_pct", run->uptime_total_s > 0 ?
			    100.0 * run->cpu_total_s / run->uptime_total_s : NAN, 3);
		jsonout_num(x, "rss_kb", (double)run->rss_kb, JSONOUT_EXACT);
		jsonout_num(x, "restarts", run->restarts_total, JSONOUT_EXACT);
		jsonout_num(x, "reconnects", run->reconnects_total, JSONOUT_EXACT);
	} else {
		cJSON_AddNullToObject(rep, "master");
	}
	jsonout_num(rep, "duco_per_day", run->duco_per_day, 4);
	jsonout_num(rep, "earnings_records", (double)run->nearn, JSONOUT_EXACT);
	jsonout_num(rep, "est_duco", run->est_duco, 9);
	jsonout_num(rep, "est_duco_per_day", run->est_duco_per_day, 4);
	for (int k = 0; k < REPORT_NKPIS; k++)
		jsonout_num(kpi, report_kpi_defs[k].key, run->kpi[k], 4);
	for (int i = 0; i < run->nboards; i++) {
		const struct report_board *bd = &run->board[i];
		cJSON *b = cJSON_CreateObject();

		if (!b)
			return -ENOMEM;
		cJSON_AddItemToArray(boards, b);
		cJSON_AddStringToObject(b, "name", bd->st.name);
		jsonout_num(b, "jobs", bd->st.jobs, JSONOUT_EXACT);
		jsonout_num(b, "good", bd->st.good, JSONOUT_EXACT);
		jsonout_num(b, "block", bd->st.block, JSONOUT_EXACT);
		jsonout_num(b, "bad", bd->st.bad, JSONOUT_EXACT);
		jsonout_num(b, "nonces_per_s", bd->eff_rate, 3);
		jsonout_num(b, "chip_hs", bd->chip_rate, 1);
		jsonout_num(b, "est_duco", bd->est_duco, 9);
		jsonout_num(b, "est_duco_per_day", bd->est_duco_per_day, 4);
		jsonout_num(b, "hashrate_reported", report_mean(bd->st.hashrate_sum, bd->st.jobs), 2);
		jsonout_num(b, "overall_ms", report_mean(bd->st.overall_ms, bd->st.jobs), 3);
		jsonout_num(b, "hold_frac", bd->hold_frac, 4);
		jsonout_num(b, "duty_cycle", report_duty(&bd->st), 4);
		run_json_window(b, "w60", &bd->w60);
		jsonout_num(b, "gaps", bd->gaps, JSONOUT_EXACT);
		jsonout_num(b, "longest_gap_s", bd->longest_gap_s, 3);
		jsonout_num(b, "bursts", bd->bursts, JSONOUT_EXACT);
		jsonout_num(b, "bus_errors", bd->trouble_total[REPORT_T_BUS], JSONOUT_EXACT);
		jsonout_num(b, "faults", bd->trouble_total[REPORT_T_FAULTS], JSONOUT_EXACT);
		jsonout_num(b, "wrong_nonces", bd->trouble_total[REPORT_T_WRONG], JSONOUT_EXACT);
		jsonout_num(b, "timeouts", bd->trouble_total[REPORT_T_TIMEOUTS], JSONOUT_EXACT);
		jsonout_num(b, "disconnects", bd->trouble_total[REPORT_T_DISCONNECTS], JSONOUT_EXACT);
	}
	for (int i = 0; i < run->nfind; i++) {
		static const char *const kinds[REPORT_FIND_NKINDS] = {
			"slow_chip", "low_output", "gap", "bad_burst", "bad_reason", "held",
			"reconnects", "variance", "latency", "restarts",
		};
		const struct report_finding *fd = &run->find[i];
		cJSON *a = cJSON_CreateObject();
		char line[256];

		if (!a)
			return -ENOMEM;
		cJSON_AddItemToArray(an, a);
		report_finding_text(run, fd, line, sizeof(line));
		cJSON_AddStringToObject(a, "kind", kinds[fd->kind]);
		cJSON_AddStringToObject(a, "board", run_board_name(run, fd->board));
		jsonout_num(a, "value", fd->value, 4);
		jsonout_num(a, "ref", fd->ref, 4);
		if (fd->at_us) {
			mclock_iso8601(fd->at_us, ts, sizeof(ts));
			cJSON_AddStringToObject(a, "at", ts);
		}
		cJSON_AddStringToObject(a, "text", line);
	}
	arr = cJSON_AddArrayToObject(o, "recommendations");
	for (int i = 0; arr && i < run->nadvice; i++) {
		cJSON *a = cJSON_CreateObject();

		if (!a)
			return -ENOMEM;
		cJSON_AddItemToArray(arr, a);
		cJSON_AddStringToObject(a, "board", run_board_name(run, run->advice[i].board));
		cJSON_AddStringToObject(a, "setting", run->advice[i].setting);
		cJSON_AddStringToObject(a, "why", run->advice[i].why);
	}
	jsonout_num(rd, "files", (double)run->files, JSONOUT_EXACT);
	jsonout_num(rd, "lines", (double)run->lines, JSONOUT_EXACT);
	jsonout_num(rd, "jobs", run->rig.jobs, JSONOUT_EXACT);
	jsonout_num(rd, "rig_records", run->nrig, JSONOUT_EXACT);
	jsonout_num(rd, "other_typed", (double)run->typed_other, JSONOUT_EXACT);
	jsonout_num(rd, "skipped", (double)run->skipped, JSONOUT_EXACT);
	jsonout_num(rd, "too_long", (double)run->too_long, JSONOUT_EXACT);
	return jsonout_num(rd, "samples_dropped", (double)run->samples_dropped, JSONOUT_EXACT) ?
	       0 : -ENOMEM;
}
