/*
 * report.c - text and JSON summaries, and the live table.
 * Assumes the caller decided that f is a terminal before calling
 * report_table(): it writes ANSI cursor codes. Means divide by the number of
 * jobs with a verdict; a slave with none prints zeros, not NaN.
 */
#include <string.h>
#include <sys/resource.h>
#include "report.h"

static double report_div(double a, double b)
{
	return b > 0 ? a / b : 0.0;
}

static void report_add(struct miner_stats *t, const struct miner_stats *s)
{
	int i;

	t->requests += s->requests;
	t->jobs += s->jobs;
	t->good += s->good;
	t->bad += s->bad;
	t->block += s->block;
	for (i = 0; i < POOL_BAD_NREASONS; i++)
		t->bad_by_reason[i] += s->bad_by_reason[i];
	t->tier_moves += s->tier_moves;
	t->refusals += s->refusals;
	t->holds += s->holds;
	t->slave_faults += s->slave_faults;
	t->wrong_nonces += s->wrong_nonces;
	t->bus_errors += s->bus_errors;
	t->connects += s->connects;
	t->connect_failures += s->connect_failures;
	t->disconnects += s->disconnects;
	t->timeouts += s->timeouts;
	t->polls += s->polls;
	t->req_wait_ms += s->req_wait_ms;
	t->res_wait_ms += s->res_wait_ms;
	t->transfer_ms += s->transfer_ms;
	t->elapsed_ms += s->elapsed_ms;
	t->hold_ms += s->hold_ms;
	t->detect_ms += s->detect_ms;
	t->overall_ms += s->overall_ms;
	t->processing_ms += s->processing_ms;
	t->master_ms += s->master_ms;
	t->hashrate_sum += s->hashrate_sum;
}

void report_totals(struct report_totals *t, struct miner *const *slaves, int n, double wall_s)
{
	struct rusage ru;
	int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++)
		report_add(&t->sum, &slaves[i]->st);
	t->wall_s = wall_s;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		t->cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			   ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		t->rss_kb = ru.ru_maxrss;
	}
}

static void report_line(FILE *f, const char *name, const struct miner_stats *s, double wall_s)
{
	double j = s->jobs;

	fprintf(f, "%s\n", name);
	fprintf(f, "  Requests %lu  shares good %lu bad %lu block %lu  (tier moves %lu, refusals %lu)\n",
		(unsigned long)s->requests, (unsigned long)s->good, (unsigned long)s->bad,
		(unsigned long)s->block, (unsigned long)s->tier_moves, (unsigned long)s->refusals);
	fprintf(f, "  ReqWait %.0f per %.0f   SndWait %.0f per %.0f   (ms total, per job)\n",
		s->req_wait_ms, report_div(s->req_wait_ms, j), s->res_wait_ms,
		report_div(s->res_wait_ms, j));
	fprintf(f, "  Ela %.0f per %.0f   Hold %.0f per %.0f   Xfer per %.1f   Proc per %.1f (master %.1f)   Avg %.1f H/s\n",
		s->elapsed_ms, report_div(s->elapsed_ms, j), s->hold_ms, report_div(s->hold_ms, j),
		report_div(s->transfer_ms, j), report_div(s->processing_ms, j),
		report_div(s->master_ms, j), report_div(s->hashrate_sum, j));
	fprintf(f, "  Busy polls %llu per %.1f   detect per %.1f ms   duty cycle %.1f%%   shares/h %.0f\n",
		(unsigned long long)s->polls, report_div((double)s->polls, j),
		report_div(s->detect_ms, j),
		100.0 * report_div(s->elapsed_ms, s->overall_ms),
		report_div(3600.0 * (s->good + s->block), wall_s));
	if (s->slave_faults || s->disconnects || s->timeouts || s->bus_errors)
		fprintf(f, "  faults %lu (wrong nonces %lu, bus errors retried %lu)  connects %lu (failed %lu)  disconnects %lu  timeouts %lu\n",
			(unsigned long)s->slave_faults, (unsigned long)s->wrong_nonces,
			(unsigned long)s->bus_errors, (unsigned long)s->connects, (unsigned long)s->connect_failures,
			(unsigned long)s->disconnects, (unsigned long)s->timeouts);
}

void report_text(FILE *f, struct miner *const *slaves, int n, double wall_s)
{
	struct report_totals t;
	char title[96];
	int i;

	report_totals(&t, slaves, n, wall_s);
	fprintf(f, "=== ducomaster summary after %.1f s ===\n", wall_s);
	for (i = 0; i < n; i++)
		report_line(f, slaves[i]->name, &slaves[i]->st, wall_s);
	snprintf(title, sizeof(title), "rig (%d slaves)", n);
	report_line(f, title, &t.sum, wall_s);
	fprintf(f, "  master CPU %.2f s (%.3f s per 1000 jobs)  peak RSS %ld kB\n", t.cpu_s,
		report_div(1000.0 * t.cpu_s, t.sum.jobs), t.rss_kb);
	fflush(f);
}

int report_json(FILE *f, struct miner *const *slaves, int n, double wall_s)
{
	struct report_totals t;
	const struct miner_stats *s = &t.sum;
	double j;
	int i;

	report_totals(&t, slaves, n, wall_s);
	j = s->jobs;
	fprintf(f, "{\"wall_s\":%.3f,\"slaves\":%d,\"requests\":%lu,\"jobs\":%lu,\"good\":%lu,"
		"\"bad\":%lu,\"block\":%lu,\"tier_moves\":%lu,\"refusals\":%lu,\"holds\":%lu,"
		"\"slave_faults\":%lu,\"wrong_nonces\":%lu,\"connects\":%lu,\"disconnects\":%lu,"
		"\"polls\":%llu,\"shares_per_hour\":%.1f,\"duty_cycle\":%.4f,"
		"\"req_wait_ms\":%.2f,\"res_wait_ms\":%.2f,\"elapsed_ms\":%.2f,\"hold_ms\":%.2f,"
		"\"transfer_ms\":%.3f,\"detect_ms\":%.3f,\"processing_ms\":%.3f,\"master_ms\":%.3f,\"polls_per_job\":%.2f,"
		"\"hashrate\":%.2f,\"cpu_s\":%.3f,\"cpu_s_per_1000_jobs\":%.4f,\"rss_kb\":%ld,"
		"\"bad_by_reason\":{",
		wall_s, n, (unsigned long)s->requests, (unsigned long)s->jobs,
		(unsigned long)s->good, (unsigned long)s->bad, (unsigned long)s->block,
		(unsigned long)s->tier_moves, (unsigned long)s->refusals, (unsigned long)s->holds,
		(unsigned long)s->slave_faults, (unsigned long)s->wrong_nonces,
		(unsigned long)s->connects, (unsigned long)s->disconnects,
		(unsigned long long)s->polls, report_div(3600.0 * (s->good + s->block), wall_s),
		report_div(s->elapsed_ms, s->overall_ms), report_div(s->req_wait_ms, j),
		report_div(s->res_wait_ms, j), report_div(s->elapsed_ms, j),
		report_div(s->hold_ms, j), report_div(s->transfer_ms, j),
		report_div(s->detect_ms, j), report_div(s->processing_ms, j),
		report_div(s->master_ms, j), report_div((double)s->polls, j),
		report_div(s->hashrate_sum, j), t.cpu_s, report_div(1000.0 * t.cpu_s, j), t.rss_kb);
	for (i = 0; i < POOL_BAD_NREASONS; i++)
		fprintf(f, "%s\"%s\":%lu", i ? "," : "", pool_bad_name((enum pool_bad_reason)i),
			(unsigned long)s->bad_by_reason[i]);
	fprintf(f, "}}\n");
	return fflush(f) ? -1 : 0;
}

void report_table(FILE *f, struct miner *const *slaves, int n, double wall_s, const char *pool)
{
	struct report_totals t;
	int i;

	report_totals(&t, slaves, n, wall_s);
	/* Home + clear: the table is redrawn whole, never scrolls. */
	fprintf(f, "\033[H\033[2J");
	fprintf(f, "ducomaster  %.0f s  pool %s  shares %lu good %lu bad  %.0f shares/h  duty %.0f%%\n\n",
		wall_s, pool[0] ? pool : "(discovering)", (unsigned long)(t.sum.good + t.sum.block),
		(unsigned long)t.sum.bad, report_div(3600.0 * (t.sum.good + t.sum.block), wall_s),
		100.0 * report_div(t.sum.elapsed_ms, t.sum.overall_ms));
	fprintf(f, "St Addr Bus                  Diff  Good  Bad  H/s rep  H/s AVR  Job ms  Ela ms Hold ms Polls\n");
	for (i = 0; i < n; i++) {
		const struct miner *s = slaves[i];

		const char *bus = s->io.bus ? s->io.bus->spec : "?";
		const char *slash = strrchr(bus, '/');
		char shown[sizeof(s->io.bus->spec) + 8];

		/* A simulated bus is a socket path in a temp dir: its file name
		 * tells buses apart; a device path (/dev/i2c-1) is short as it is. */
		if (!strncmp(bus, "sim:", 4) && slash)
			snprintf(shown, sizeof(shown), "sim:%s", slash + 1);
		else
			snprintf(shown, sizeof(shown), "%s", bus);
		fprintf(f, "%c  0x%02x %-20.20s %5lu %5lu %4lu %8.1f %8.1f %7.0f %7.0f %7.0f %5lu\n",
			miner_state_letter(s->state), s->io.addr, shown,
			(unsigned long)s->last.diff,
			(unsigned long)(s->st.good + s->st.block), (unsigned long)s->st.bad,
			s->last.hashrate, s->last.r_slave, s->last.overall_ms,
			s->last.slave_elapsed_ms, s->last.hold_ms, (unsigned long)s->last.busy_polls);
	}
	fflush(f);
}
