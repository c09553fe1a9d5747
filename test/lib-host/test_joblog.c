/*
 * test_joblog.c - lib/joblog and lib/report: records written by the job-log
 * writer and read back by its reader (strings with quotes, backslashes,
 * control characters and UTF-8 escaped and restored; a non-finite number
 * written as null and read as nan; garbage and a cut-off line skipped and
 * counted; a reopen after a rename), then the report's sums and means on
 * three hand-computed records, its JSON members and its table; typed
 * records ("rig", unknown types, a line over the limit). TAP on
 * stdout; temp files only under $TMPDIR.
 */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "joblog.h"
#include "report.h"
#include "tap.h"

#define NREAD_MAX 8

static char tmpdir[256];

struct readback {
	struct joblog_entry e[NREAD_MAX];
	int n;
};

static int collect(void *ctx, const struct joblog_entry *e)
{
	struct readback *rb = ctx;

	if (rb->n < NREAD_MAX) {
		rb->e[rb->n] = *e;
		/* the copy's strings must point into the copy */
		rb->e[rb->n].rec.slave = rb->e[rb->n].slave;
		rb->e[rb->n].rec.verdict = rb->e[rb->n].verdict;
		rb->e[rb->n].rec.reason = rb->e[rb->n].reason;
	}
	rb->n++;
	return 0;
}

static int count_lines(const char *path, int *all_json)
{
	char line[4096];
	FILE *f = fopen(path, "r");
	int n = 0;

	*all_json = 1;
	while (f && fgets(line, sizeof(line), f)) {
		cJSON *o = cJSON_Parse(line);

		*all_json &= cJSON_IsObject(o);
		cJSON_Delete(o);
		n++;
	}
	if (f)
		fclose(f);
	return n;
}

static const struct joblog_rec rec_tricky = {
	.wall_us = 1795268506151781LL, .slave = "sim:/tmp/a \"b\"\\c\n:0x08", .job = 3,
	.diff = 10, .nonce = 4294967295u, .hashrate = 269.584, .r_slave = 1500.006,
	.verdict = "BAD", .reason = "Weird \"x\"\n\t\x01 caf\xc3\xa9", .get_job_wait_ms = 1.0004,
	.transfer_ms = 2, .slave_elapsed_ms = 3.25, .busy_polls = 4, .detect_ms = 0.5,
	.hold_ms = 5, .get_res_wait_ms = 6, .overall_ms = 21.75, .processing_ms = 4,
	.master_ms = 0.125,
};

static void test_round_trip(void)
{
	struct joblog_rec nonfinite = rec_tricky;
	struct readback rb = { .n = 0 };
	struct joblog j;
	char path[512], moved[520], small[64];
	unsigned long lines = 0, skipped = 0;
	int all_json, n;
	FILE *f;

	nonfinite.slave = "sim:0x09";
	nonfinite.verdict = "GOOD";
	nonfinite.reason = "";
	nonfinite.hashrate = NAN;
	nonfinite.overall_ms = INFINITY;
	nonfinite.detect_ms = -INFINITY;
	snprintf(path, sizeof(path), "%s/job.log", tmpdir);
	tap_ok(joblog_open(&j, path) == 0 && joblog_write(&j, &rec_tricky) == 0 &&
	       joblog_write(&j, &nonfinite) == 0 && j.lines == 2, "two records written");
	n = count_lines(path, &all_json);
	tap_ok(n == 2 && all_json, "one line per record, each a JSON object (newlines escaped)");
	snprintf(moved, sizeof(moved), "%s.1", path);
	tap_ok(rename(path, moved) == 0 && joblog_reopen(&j) == 0 &&
	       joblog_write(&j, &rec_tricky) == 0 && count_lines(path, &all_json) == 1,
	       "reopen after a rename (logrotate + SIGHUP) writes a new file");
	joblog_close(&j);
	f = fopen(moved, "a");
	if (f) {
		fputs("this line is not json\n{\"slave\":\"x\"}\n\n{\"ts\":\"2026-11-21T10:00:05.000Z\",\"sl", f);
		fclose(f);
	}
	n = joblog_read(moved, collect, &rb, &lines, &skipped);
	tap_ok(n == 0 && rb.n == 2 && lines == 5 && skipped == 3, "reader: 2 records, garbage, no verdict and a cut-off "
	       "line skipped (%d records, %lu lines, %lu skipped)", rb.n, lines, skipped);
	if (rb.n < 2)
		return;
	{
		const struct joblog_rec *a = &rb.e[0].rec, *b = &rb.e[1].rec;

		tap_ok(!strcmp(a->slave, rec_tricky.slave) && !strcmp(a->reason, rec_tricky.reason) &&
		       !strcmp(a->verdict, "BAD"), "strings with quotes, backslash, control "
		       "characters and UTF-8 come back byte for byte");
		tap_ok(a->wall_us == 1795268506151000LL && !strcmp(rb.e[0].ts, "2026-11-21T13:41:46.151Z"),
		       "timestamp: ISO 8601 UTC, milliseconds kept (%lld)", (long long)a->wall_us);
		tap_ok(a->job == 3 && a->diff == 10 && a->nonce == 4294967295u && a->busy_polls == 4,
		       "integers exact, u32 range");
		tap_ok(a->hashrate == 269.58 && a->r_slave == 1500.01 && a->get_job_wait_ms == 1.0 &&
		       a->slave_elapsed_ms == 3.25 && a->master_ms == 0.125 && a->overall_ms == 21.75,
		       "rates rounded to 2 decimals, times to 3 (%.17g %.17g %.17g)", a->hashrate,
		       a->r_slave, a->get_job_wait_ms);
		tap_ok(isnan(b->hashrate) && isnan(b->overall_ms) && isnan(b->detect_ms) &&
		       b->transfer_ms == 2, "non-finite numbers were written as null and read as nan");
	}
	f = fopen(moved, "r");
	{
		char line[4096] = "";

		if (f && fgets(line, sizeof(line), f) && fgets(line, sizeof(line), f))
			tap_ok(strstr(line, "\"hashrate\":null") && strstr(line, "\"overall_ms\":null") &&
			       !strstr(line, "nan") && !strstr(line, "inf"),
			       "the second line says null, never nan or inf");
		else
			tap_ok(0, "second line readable");
		if (f)
			fclose(f);
	}
	tap_ok(joblog_format(&rec_tricky, small, sizeof(small)) == -ERANGE,
	       "a buffer too small is -ERANGE, not a cut line");
	tap_ok(joblog_read("/nonexistent/job.log", collect, &rb, &lines, &skipped) == -ENOENT,
	       "missing file: -errno");
}

struct typed_seen {
	int jobs, rigs, other;
	struct joblog_rig_entry rig;
	char other_type[32];
};

static int typed_job(void *ctx, const struct joblog_entry *e)
{
	((struct typed_seen *)ctx)->jobs++;
	return 0;
}

static int typed_rec(void *ctx, const char *type, const cJSON *o)
{
	struct typed_seen *t = ctx;

	if (!joblog_rig_parse(o, &t->rig)) {
		t->rigs++;
	} else {
		t->other++;
		snprintf(t->other_type, sizeof(t->other_type), "%s", type);
	}
	return 0;
}

/*
 * Typed records: a "rig" record written and read back member by member; a
 * type the reader does not know ("future") and an "earnings" record pass
 * through without error and without counting as skipped; the job-only
 * reader skips them silently; a line over the reader's limit is dropped
 * unread and counted.
 */
static void test_typed(void)
{
	static const struct joblog_board_faults faults[] = {
		{ .board = "sim:0x09", .bus_errors = 7, .faults = 1, .timeouts = 3 },
	};
	const struct joblog_rig rig = {
		.wall_us = 1795268506151000LL, .uptime_s = 60.0005, .cpu_s = 1.25, .rss_kb = 9876,
		.version = "0.1", .log_level = "info", .boards = 4, .reconnects = 2,
		.faults = faults, .nfaults = 1,
	};
	struct typed_seen t = { 0 };
	struct joblog_reader rd = { .job = typed_job, .typed = typed_rec, .ctx = &t };
	struct joblog_counts c = { 0 };
	struct readback rb = { .n = 0 };
	unsigned long lines = 0, skipped = 0;
	struct joblog j;
	char path[512], first[512] = "";
	cJSON *extra = cJSON_CreateObject();
	FILE *f;

	snprintf(path, sizeof(path), "%s/typed.log", tmpdir);
	cJSON_AddNumberToObject(extra, "balance", 12.5);
	cJSON_AddStringToObject(extra, "type", "ignored: the argument wins");
	tap_ok(joblog_open(&j, path) == 0 && joblog_write_rig(&j, &rig) == 0 &&
	       joblog_write(&j, &rec_tricky) == 0 &&
	       joblog_write_typed(&j, "earnings", rig.wall_us, extra) == 0 && j.lines == 3,
	       "rig record, job record and an earnings record written");
	joblog_close(&j);
	cJSON_Delete(extra);
	f = fopen(path, "a");
	if (f) {
		fputs("{\"ts\":\"2026-11-21T13:41:47.000Z\",\"type\":\"future\",\"x\":[1,2]}\n", f);
		for (int i = 0; i < JOBLOG_READ_LINE_MAX + 100; i++)
			fputc('x', f);
		fputs("\n{\"type\":\"rig\",\"cpu_s\":null}\n", f);
		fclose(f);
	}
	f = fopen(path, "r");
	if (f) {
		if (!fgets(first, sizeof(first), f))
			first[0] = '\0';
		fclose(f);
	}
	tap_ok(!strncmp(first, "{\"ts\":\"2026-11-21T13:41:46.151Z\",\"type\":\"rig\",\"uptime_s\":60.001,",
			sizeof("{\"ts\":\"2026-11-21T13:41:46.151Z\",\"type\":\"rig\",\"uptime_s\":60.001,") - 1),
	       "a typed line starts with ts and type (%s)", first);
	tap_ok(joblog_read_all(path, &rd, &c) == 0 && c.lines == 6 && c.jobs == 1 && c.typed == 4 &&
	       c.skipped == 0 && c.too_long == 1,
	       "read_all: 6 lines, 1 job, 4 typed, 1 too long, none skipped (%lu %lu %lu %lu %lu)",
	       c.lines, c.jobs, c.typed, c.skipped, c.too_long);
	tap_ok(t.jobs == 1 && t.rigs == 2 && t.other == 2, "callbacks: 1 job, 2 rig, 2 others");
	tap_ok(t.rig.rig.wall_us == 0 && isnan(t.rig.rig.cpu_s) && !t.rig.version[0],
	       "a rig record with keys missing reads as 0/\"\", null as nan");
	t = (struct typed_seen){ 0 };
	rd.typed = NULL;
	c = (struct joblog_counts){ 0 };
	joblog_read_all(path, &rd, &c);
	{
		/* the first rig record, read alone */
		cJSON *o = cJSON_Parse(first);
		struct joblog_rig_entry e;
		struct joblog_board_faults bf[4];
		int nf = o ? joblog_rig_faults(o, bf, 4) : -1;

		tap_ok(nf == 1 && !strcmp(bf[0].board, "sim:0x09") && bf[0].bus_errors == 7 &&
		       bf[0].faults == 1 && bf[0].timeouts == 3 && bf[0].wrong_nonces == 0,
		       "the rig record's per-board faults read back (%d)", nf);
		tap_ok(o && joblog_rig_parse(o, &e) == 0 && e.rig.wall_us == rig.wall_us &&
		       e.rig.uptime_s == 60.001 && e.rig.cpu_s == 1.25 && e.rig.rss_kb == 9876 &&
		       !strcmp(e.rig.version, "0.1") && !strcmp(e.rig.log_level, "info") &&
		       e.rig.boards == 4 && e.rig.reconnects == 2, "rig record read back member by member");
		cJSON_Delete(o);
	}
	tap_ok(t.jobs == 1 && c.typed == 4, "no typed callback: typed records pass without error");
	tap_ok(joblog_read(path, collect, &rb, &lines, &skipped) == 0 && rb.n == 1 && lines == 6 &&
	       skipped == 1, "job-only reader: typed records are not skipped lines, the long one is "
	       "(%lu lines, %lu skipped)", lines, skipped);
}

/* Three records, computed by hand below. */
static void test_report(void)
{
	struct joblog_rec r[3] = {
		{ .wall_us = 2000000, .slave = "sim:/tmp/run.1/sim.sock:0x08", .verdict = "GOOD",
		  .hashrate = 300, .get_job_wait_ms = 500, .transfer_ms = 10, .slave_elapsed_ms = 1600,
		  .busy_polls = 10, .detect_ms = 0, .hold_ms = 0, .get_res_wait_ms = 250,
		  .overall_ms = 2400, .processing_ms = 40, .master_ms = 1 },
		{ .wall_us = 5000000, .slave = "sim:/tmp/run.1/sim.sock:0x08", .verdict = "BAD",
		  .hashrate = 310, .get_job_wait_ms = 300, .transfer_ms = 10, .slave_elapsed_ms = 2000,
		  .busy_polls = 20, .detect_ms = 10, .hold_ms = 100, .get_res_wait_ms = 250,
		  .overall_ms = 2700, .processing_ms = 40, .master_ms = 3 },
		{ .wall_us = 1000000, .slave = "sim:0x09", .verdict = "BLOCK",
		  .hashrate = NAN, .get_job_wait_ms = 100, .transfer_ms = 5, .slave_elapsed_ms = 300,
		  .busy_polls = 3, .hold_ms = 0, .get_res_wait_ms = 100, .overall_ms = 600,
		  .processing_ms = 95, .master_ms = 2 },
	};
	struct report_stats a, b, rig;
	const struct report_stats *rows[2] = { &a, &b };
	cJSON *o = cJSON_CreateObject();
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	report_init(&a, r[0].slave);
	report_init(&b, r[2].slave);
	report_init(&rig, "rig");
	report_add(&a, &r[0]);
	report_add(&a, &r[1]);
	report_add(&b, &r[2]);
	report_sum(&rig, &a);
	report_sum(&rig, &b);
	tap_ok(!strcmp(a.name, "sim:sim.sock:0x08"), "a temp-dir socket path is shown by its file name");
	tap_ok(rig.jobs == 3 && rig.good == 1 && rig.bad == 1 && rig.block == 1 && rig.polls == 33,
	       "verdicts and polls counted");
	/* ReqWait (500+300+100)/3 = 300, hashing (1600+2000+300)/3 = 1300, duty 3900/5700 */
	tap_ok(report_mean(rig.part_ms[REPORT_GETJOB], rig.jobs) == 300 &&
	       report_mean(rig.part_ms[REPORT_HASH], rig.jobs) == 1300 &&
	       fabs(report_duty(&rig) - 3900.0 / 5700) < 1e-12, "means and duty by hand");
	tap_ok(rig.hashrate_sum == 610 && a.first_us == 2000000 && a.last_us == 5000000 &&
	       rig.first_us == 1000000 && rig.last_us == 5000000,
	       "a nan rate adds nothing; first and last record times");
	tap_ok(o && report_json(o, &rig, 2, 3600) == 0, "JSON members built");
	if (o) {
		const cJSON *dc = cJSON_GetObjectItemCaseSensitive(o, "duty_cycle");
		const cJSON *sh = cJSON_GetObjectItemCaseSensitive(o, "shares_per_hour");
		const cJSON *hr = cJSON_GetObjectItemCaseSensitive(o, "hashrate");
		const cJSON *pp = cJSON_GetObjectItemCaseSensitive(o, "polls_per_job");

		tap_ok(dc && dc->valuedouble == 0.6842 && sh && sh->valuedouble == 2 &&
		       hr && fabs(hr->valuedouble - 203.33) < 1e-9 && pp && pp->valuedouble == 11,
		       "duty 0.6842, 2 shares/h over an hour, mean rate 610/3, 11 polls per job");
	}
	cJSON_Delete(o);
	f = open_memstream(&buf, &len);
	report_text(f, rows, 2, &rig);
	fclose(f);
	tap_ok(buf && strstr(buf, "sim:sim.sock:0x08      2      400     1800      5      250     50     2550") &&
	       strstr(buf, "\nrig ") && strstr(buf, "from 1970-01-01T00:00:01.000Z to 1970-01-01T00:00:05.000Z"),
	       "table: per-slave means, the rig row, the span");
	free(buf);
}

int main(void)
{
	const char *t = getenv("TMPDIR");
	char cmd[300];

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_joblog.XXXXXX", t ? t : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_round_trip();
	test_typed();
	test_report();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", tmpdir);
	return tap_done();
}
