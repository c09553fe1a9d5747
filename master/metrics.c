/*
 * metrics.c - Prometheus text for /metrics (see metrics.h). Written into
 * a memory stream family by family: the format wants every sample of a
 * family together after its HELP and TYPE lines. Label values are escaped
 * as the format says (backslash, double quote, newline); a value that is
 * not finite is left out rather than written as NaN, so a board without a
 * share yet has no age-of-last-share sample instead of a misleading one.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "duco_proto.h"
#include "hist.h"
#include "metrics.h"
#include "pool.h"
#include "report.h"

struct mout {
	FILE *f;
	const struct status_snap *st;
};

static void metrics_family(struct mout *o, const char *name, const char *type, const char *help)
{
	fprintf(o->f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metrics_escaped(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void metrics_label(FILE *f, const char *k, const char *v)
{
	if (!k)
		return;
	fprintf(f, ",%s=\"", k);
	metrics_escaped(f, v);
	fputc('"', f);
}

/* name{bus=...,addr=...,board=...,worker=...[,k=v][,k2=v2]} */
static void metrics_board_labels2(FILE *f, const char *name, const struct status_board *b,
				  const char *k, const char *v, const char *k2, const char *v2)
{
	fprintf(f, "%s{bus=\"", name);
	metrics_escaped(f, b->bus);
	fprintf(f, "\",addr=\"0x%02x\",board=\"", b->addr);
	metrics_escaped(f, b->board);
	fputs("\",worker=\"", f);
	metrics_escaped(f, b->worker);
	fputc('"', f);
	metrics_label(f, k, v);
	metrics_label(f, k2, v2);
	fputc('}', f);
}

static void metrics_board_labels(FILE *f, const char *name, const struct status_board *b,
				 const char *k, const char *v)
{
	metrics_board_labels2(f, name, b, k, v, NULL, NULL);
}

static void metrics_value(FILE *f, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, " %.0f\n", v);
	else
		fprintf(f, " %.10g\n", v);
}

static void metrics_board_sample(struct mout *o, const char *name, const struct status_board *b,
				 const char *k, const char *v, double value)
{
	if (!isfinite(value))
		return;
	metrics_board_labels(o->f, name, b, k, v);
	metrics_value(o->f, value);
}

typedef double metrics_get_fn(const struct status_board *b);

/* One family with one sample per board. */
static void metrics_per_board(struct mout *o, const char *name, const char *type,
			      const char *help, metrics_get_fn *get)
{
	metrics_family(o, name, type, help);
	for (int i = 0; i < o->st->n; i++)
		metrics_board_sample(o, name, &o->st->b[i], NULL, NULL, get(&o->st->b[i]));
}

#define GET(fn, expr) static double fn(const struct status_board *b) { return (expr); }
GET(get_online, b->online)
GET(get_since_share, b->since_share_s >= 0 ? b->since_share_s : NAN)
GET(get_hashrate, b->hashrate)
GET(get_r_slave, b->r_slave)
GET(get_diff, b->diff)
GET(get_duty, b->duty)
GET(get_polls, b->polls)
GET(get_xfers, b->xfers)
GET(get_io_failures, b->io_failures)
GET(get_bus_errors, b->m->st.bus_errors)
GET(get_faults, b->m->st.slave_faults)
GET(get_wrong, b->m->st.wrong_nonces)
GET(get_requests, b->m->st.requests)
GET(get_connects, b->m->st.connects)
GET(get_connect_failures, b->m->st.connect_failures)
GET(get_disconnects, b->m->st.disconnects)
GET(get_timeouts, b->m->st.timeouts)
GET(get_tier_moves, b->m->st.tier_moves)
GET(get_holds, b->m->st.holds)
GET(get_busy_polls, (double)b->m->st.rep.polls)
GET(get_vcc, b->vcc_v)
GET(get_temp, b->temp_c)
GET(get_board_uptime, b->board_uptime_s)
GET(get_health_age, b->health_age_s)
GET(get_bus_resets, b->bus_resets)
GET(get_health_na, strcmp(b->health, "n/a") == 0)
#undef GET

static void metrics_shares(struct mout *o)
{
	metrics_family(o, "ducorig_shares_total", "counter",
		       "Shares with a verdict from the pool, by verdict (good, bad, block).");
	for (int i = 0; i < o->st->n; i++) {
		const struct status_board *b = &o->st->b[i];

		metrics_board_sample(o, "ducorig_shares_total", b, "verdict", "good", b->good);
		metrics_board_sample(o, "ducorig_shares_total", b, "verdict", "bad", b->bad);
		metrics_board_sample(o, "ducorig_shares_total", b, "verdict", "block", b->block);
	}
	metrics_family(o, "ducorig_shares_bad_total", "counter",
		       "Rejected shares by the pool's reason.");
	for (int i = 0; i < o->st->n; i++)
		for (int r = 0; r < POOL_BAD_NREASONS; r++)
			metrics_board_sample(o, "ducorig_shares_bad_total", &o->st->b[i], "reason",
					     pool_bad_name((enum pool_bad_reason)r),
					     o->st->b[i].m->st.bad_by_reason[r]);
}

static void metrics_hist(struct mout *o)
{
	const char *name = "ducorig_job_phase_seconds";

	metrics_family(o, name, "histogram",
		       "Time of each job phase (get_job_wait R->J, transfer J->K, hashing by the "
		       "board's timer, detect, hold in W, get_res_wait E->verdict, overall).");
	for (int i = 0; i < o->st->n; i++) {
		const struct status_board *b = &o->st->b[i];
		const struct hist *h = &b->m->st.hist;

		for (int p = 0; p < HIST_NPHASES; p++) {
			uint64_t cum = 0;
			char le[32];

			for (int k = 0; k <= HIST_NBUCKETS; k++) {
				cum += h->bucket[p][k];
				if (k < HIST_NBUCKETS)
					snprintf(le, sizeof(le), "%g", hist_bounds_s[k]);
				else
					snprintf(le, sizeof(le), "+Inf");
				metrics_board_labels2(o->f, "ducorig_job_phase_seconds_bucket", b,
						      "phase", hist_phase_names[p], "le", le);
				fprintf(o->f, " %llu\n", (unsigned long long)cum);
			}
			metrics_board_sample(o, "ducorig_job_phase_seconds_sum", b, "phase",
					     hist_phase_names[p], h->sum_s[p]);
			metrics_board_sample(o, "ducorig_job_phase_seconds_count", b, "phase",
					     hist_phase_names[p], h->count[p]);
		}
	}
}

static void metrics_bus(struct mout *o)
{
	metrics_per_board(o, "ducorig_bus_transfers_total", "counter",
			  "I2C transactions issued to the board.", get_xfers);
	metrics_per_board(o, "ducorig_status_polls_total", "counter",
			  "Status polls of the board.", get_polls);
	metrics_per_board(o, "ducorig_job_busy_polls_total", "counter",
			  "Status polls while the board was hashing, in jobs with a verdict.",
			  get_busy_polls);
	metrics_family(o, "ducorig_bus_retries_total", "counter",
		       "Transfers retried at once, by cause (crc: a CRC did not match, nack).");
	for (int i = 0; i < o->st->n; i++) {
		const struct status_board *b = &o->st->b[i];

		metrics_board_sample(o, "ducorig_bus_retries_total", b, "cause", "crc",
				     b->crc_retries);
		metrics_board_sample(o, "ducorig_bus_retries_total", b, "cause", "nack",
				     b->nack_retries);
	}
	metrics_per_board(o, "ducorig_bus_failures_total", "counter",
			  "Bus calls that failed after every retry.", get_io_failures);
	metrics_per_board(o, "ducorig_bus_errors_total", "counter",
			  "Bus errors while the board was busy, retried at the next poll.",
			  get_bus_errors);
	metrics_family(o, "ducorig_board_frames_dropped", "gauge",
		       "Frames the board's firmware dropped since its boot, by cause (from its "
		       "identity: crc, frame, overrun).");
	for (int i = 0; i < o->st->n; i++) {
		const struct status_board *b = &o->st->b[i];
		const struct duco_identity *id = &b->m->b->ident;

		metrics_board_sample(o, "ducorig_board_frames_dropped", b, "cause", "crc",
				     id->crc_errors);
		metrics_board_sample(o, "ducorig_board_frames_dropped", b, "cause", "frame",
				     id->frame_errors);
		metrics_board_sample(o, "ducorig_board_frames_dropped", b, "cause", "overrun",
				     id->overruns);
	}
}

/* The board's own readings (HEALTH): no sample where it has none. */
static void metrics_health(struct mout *o)
{
	metrics_per_board(o, "ducorig_board_supply_volts", "gauge",
			  "Board supply voltage from its bandgap against AVcc, calibrated by "
			  "health_calibration (uncalibrated +-10 %).", get_vcc);
	metrics_per_board(o, "ducorig_board_temperature_celsius", "gauge",
			  "Board die temperature from its internal sensor, calibrated by "
			  "health_calibration (uncalibrated +-10 C).", get_temp);
	metrics_per_board(o, "ducorig_board_uptime_seconds", "gauge",
			  "Seconds since the board's firmware started, at the last health read.",
			  get_board_uptime);
	metrics_per_board(o, "ducorig_board_health_age_seconds", "gauge",
			  "Seconds since the board's last health read.", get_health_age);
	metrics_per_board(o, "ducorig_board_bus_resets", "gauge",
			  "Stalled transactions the board's firmware dropped since its boot.",
			  get_bus_resets);
	metrics_per_board(o, "ducorig_board_health_unsupported", "gauge",
			  "1 for a board whose firmware has no health readings (protocol 1, "
			  "firmware before 1.1).", get_health_na);
	/* failures climbing while reads stand still: the board is there but its
	 * answers do not come (or come damaged): worth an alert of its own */
	metrics_family(o, "ducorig_board_health_reads_total", "counter",
		       "Health reads by this master, by result (ok, failed).");
	for (int i = 0; i < o->st->n; i++) {
		const struct status_board *b = &o->st->b[i];

		metrics_board_sample(o, "ducorig_board_health_reads_total", b, "result", "ok",
				     b->health_reads);
		metrics_board_sample(o, "ducorig_board_health_reads_total", b, "result", "failed",
				     b->health_failures);
	}
}

static void metrics_state(struct mout *o)
{
	static const char letters[] = "DCRJKWEFG";
	static const char *const causes[8] = {
		"power_on", "external", "brown_out", "watchdog", "bit4", "bit5", "bit6", "soft",
	};

	metrics_family(o, "ducorig_board_state", "gauge",
		       "The board's state machine letter (1 for the current one): D C R J K W E F G.");
	for (int i = 0; i < o->st->n; i++)
		for (const char *c = letters; *c; c++) {
			char l[2] = { *c, 0 };

			metrics_board_sample(o, "ducorig_board_state", &o->st->b[i], "state", l,
					     o->st->b[i].state == *c);
		}
	metrics_family(o, "ducorig_board_mark", "gauge",
		       "The board's mark (1 for the current one): ok, slow, faulty, offline.");
	for (int i = 0; i < o->st->n; i++)
		for (int m = STATUS_OK; m <= STATUS_OFFLINE; m++)
			metrics_board_sample(o, "ducorig_board_mark", &o->st->b[i], "mark",
					     status_mark_name((enum status_mark)m),
					     o->st->b[i].mark == (enum status_mark)m);
	metrics_per_board(o, "ducorig_board_online", "gauge",
			  "1 while the board answers on the bus (identity read since its last fault).",
			  get_online);
	metrics_per_board(o, "ducorig_board_seconds_since_last_share", "gauge",
			  "Seconds since the board's last accepted share (absent before the first).",
			  get_since_share);
	metrics_family(o, "ducorig_board_resets_total", "counter",
		       "Boots of the board seen by the master, by the reset cause it reports.");
	for (int i = 0; i < o->st->n; i++)
		for (int c = 0; c < 8; c++)
			if (c < 4 || c == 7)
				metrics_board_sample(o, "ducorig_board_resets_total", &o->st->b[i],
						     "cause", causes[c],
						     o->st->b[i].m->st.resets_by_cause[c]);
	metrics_family(o, "ducorig_board_info", "gauge",
		       "Always 1: the board's identity (DUCOID, firmware version, clock).");
	for (int i = 0; i < o->st->n; i++) {
		const struct status_board *b = &o->st->b[i];
		const struct miner *m = b->m;
		char fw[16];

		snprintf(fw, sizeof(fw), "%u.%u", m->b->ident.fw_version >> 8, m->b->ident.fw_version & 0xff);
		metrics_board_labels2(o->f, "ducorig_board_info", b, "ducoid", m->b->ducoid,
				      "fw_version", fw);
		fputs(" 1\n", o->f);
	}
}

static void metrics_rates(struct mout *o)
{
	metrics_per_board(o, "ducorig_hashrate_reported", "gauge",
			  "Hashrate reported to the pool with the last share, hashes per second.",
			  get_hashrate);
	metrics_per_board(o, "ducorig_hashrate_measured", "gauge",
			  "Hashrate the board measured for its last job, hashes per second.",
			  get_r_slave);
	metrics_per_board(o, "ducorig_board_difficulty", "gauge",
			  "Difficulty of the board's last job.", get_diff);
	metrics_per_board(o, "ducorig_board_duty_cycle", "gauge",
			  "Share of the job time the board spent hashing (0..1).", get_duty);
}

static void metrics_events(struct mout *o)
{
	metrics_per_board(o, "ducorig_slave_faults_total", "counter",
			  "Board faults (bus errors past the tolerance, bad or missing results).",
			  get_faults);
	metrics_per_board(o, "ducorig_wrong_nonces_total", "counter",
			  "Results that failed the host's DUCO-S1 check (never sent).", get_wrong);
	metrics_per_board(o, "ducorig_job_requests_total", "counter",
			  "Job requests sent to the pool.", get_requests);
	metrics_per_board(o, "ducorig_holds_total", "counter",
			  "Results held by the rate limit (state W).", get_holds);
	metrics_per_board(o, "ducorig_tier_moves_total", "counter",
			  "Pool refusals for a too low/high starting difficulty.", get_tier_moves);
	metrics_per_board(o, "ducorig_pool_connects_total", "counter",
			  "Pool connections made.", get_connects);
	metrics_per_board(o, "ducorig_pool_connect_failures_total", "counter",
			  "Pool connections that failed.", get_connect_failures);
	metrics_per_board(o, "ducorig_pool_disconnects_total", "counter",
			  "Pool connections closed (by either side).", get_disconnects);
	metrics_per_board(o, "ducorig_pool_timeouts_total", "counter",
			  "Waits for a job or a verdict that timed out.", get_timeouts);
}

static void metrics_rig(struct mout *o, const struct metrics_extra *x)
{
	const struct status_snap *st = o->st;
	FILE *f = o->f;

	metrics_family(o, "ducorig_build_info", "gauge", "Always 1: the ducomaster version.");
	fprintf(f, "ducorig_build_info{version=\"");
	metrics_escaped(f, x->version ? x->version : "");
	fprintf(f, "\"} 1\n");
	metrics_family(o, "ducorig_uptime_seconds", "gauge", "Seconds since ducomaster started.");
	fprintf(f, "ducorig_uptime_seconds");
	metrics_value(f, st->uptime_s);
	metrics_family(o, "ducorig_boards", "gauge", "Boards configured or found.");
	fprintf(f, "ducorig_boards %d\n", st->boards);
	metrics_family(o, "ducorig_boards_online", "gauge", "Boards answering on the bus.");
	fprintf(f, "ducorig_boards_online %d\n", st->online);
	metrics_family(o, "ducorig_http_requests_total", "counter",
		       "HTTP requests answered, and those refused with a 4xx by the server.");
	fprintf(f, "ducorig_http_requests_total{result=\"served\"} %llu\n",
		(unsigned long long)(x->http_requests - x->http_refused));
	fprintf(f, "ducorig_http_requests_total{result=\"refused\"} %llu\n",
		(unsigned long long)x->http_refused);
	if (x->earn_source) {
		metrics_family(o, "ducorig_duco_earned", "gauge",
			       "DUCO earned since ducomaster started (source rest: the balance's "
			       "growth; estimate: the pool's reward formula on the accepted shares).");
		fprintf(f, "ducorig_duco_earned{source=\"%s\"}", x->earn_source);
		metrics_value(f, x->earn_gained);
		metrics_family(o, "ducorig_duco_per_day", "gauge",
			       "DUCO per day: over the last 10 minutes (window recent) and since the "
			       "start (window start).");
		fprintf(f, "ducorig_duco_per_day{source=\"%s\",window=\"recent\"}", x->earn_source);
		metrics_value(f, x->earn_per_day);
		fprintf(f, "ducorig_duco_per_day{source=\"%s\",window=\"start\"}", x->earn_source);
		metrics_value(f, x->earn_per_day_since_start);
		metrics_family(o, "ducorig_pool_miners_listed", "gauge",
			       "Miners the server lists for the user (REST; 0 without an answer).");
		fprintf(f, "ducorig_pool_miners_listed %u\n", x->earn_miners);
	}
	metrics_family(o, "process_cpu_seconds_total", "counter",
		       "User and system CPU time of ducomaster, seconds.");
	fprintf(f, "process_cpu_seconds_total");
	metrics_value(f, st->cpu_s);
	metrics_family(o, "process_resident_memory_bytes", "gauge", "Resident memory, bytes.");
	fprintf(f, "process_resident_memory_bytes %ld\n", st->rss_kb * 1024);
	metrics_family(o, "process_open_fds", "gauge", "Open file descriptors.");
	fprintf(f, "process_open_fds %d\n", st->fds);
	metrics_family(o, "process_start_time_seconds", "gauge",
		       "Start time of the process since the epoch, seconds.");
	fprintf(f, "process_start_time_seconds");
	metrics_value(f, x->start_time_s);
}

char *metrics_text(const struct status_snap *st, const struct metrics_extra *x, size_t *len)
{
	struct mout o = { .st = st };
	char *buf = NULL;

	o.f = open_memstream(&buf, len);
	if (!o.f)
		return NULL;
	metrics_shares(&o);
	metrics_rates(&o);
	metrics_hist(&o);
	metrics_bus(&o);
	metrics_state(&o);
	metrics_health(&o);
	metrics_events(&o);
	metrics_rig(&o, x);
	if (fclose(o.f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
