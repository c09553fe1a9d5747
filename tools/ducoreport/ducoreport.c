/*
 * ducoreport - turn ducomaster job logs into the timing report rig owners
 * tune with, and into a picture of where each slave's time goes.
 *
 * Input: job-log files, read through the host library's job-log reader
 * (lib/joblog.h): a line that is not a record is counted and skipped, never
 * fatal, so a log cut short by a power failure still reports. Output: the
 * same per-slave and whole-rig table that ducomaster prints on SIGUSR1 and
 * at exit (lib/report.h), with --json the rig's means as one JSON line, with
 * --svg a stacked bar chart of the mean job time per slave. Rows are sorted
 * by slave name.
 */
#include <cJSON.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "joblog.h"
#include "jsonout.h"
#include "options.h"
#include "report.h"

#define DUCOREPORT_MAX_SLAVES 256

enum {
	DUCOREPORT_OK = 0,
	DUCOREPORT_NO_RECORDS = 1,
	DUCOREPORT_USAGE = 2,   /* also I/O errors */
};

struct ducoreport {
	int pad;                /* the option table's seen fields are never at offset 0 */
	char svg[4096];
	int json, help;
	struct report_stats slave[DUCOREPORT_MAX_SLAVES];
	int nslaves;
	unsigned long lines, skipped;
};

static const struct opt_row ducoreport_rows[] = {
	{ .name = "svg", .type = OPT_STR, .off = offsetof(struct ducoreport, svg),
	  .size = sizeof(((struct ducoreport *)0)->svg), .arg = "FILE",
	  .help = "also draw where each slave's job time goes, as SVG" },
	{ .name = "json", .type = OPT_FLAG, .off = offsetof(struct ducoreport, json),
	  .help = "print the rig totals as one JSON line at the end" },
	{ .name = "help", .type = OPT_FLAG, .off = offsetof(struct ducoreport, help),
	  .short_name = 'h', .flags = OPT_F_EARLY, .help = "this text" },
};

static const struct opt_table ducoreport_table = {
	.prog = "ducoreport",
	OPT_ROWS(ducoreport_rows),
	.args = 1,
	.synopsis =
"usage: ducoreport [--svg FILE] [--json] JOBLOG...\n"
"\n"
"Summarise ducomaster job logs (one JSON object per job per line; '-'\n"
"reads standard input): per slave and for the whole rig, the mean wait\n"
"for a job (ReqWait), hashing time, wait for the verdict (SndWait),\n"
"rate-limit hold, overall job time, reported hashrate, status polls per\n"
"job, duty cycle (hashing / overall) and shares by verdict.\n"
"\n",
	.footer =
"\n"
"Exit status: 0 report printed, 1 no job records found, 2 usage or I/O error.\n",
};

static int ducoreport_add(void *ctx, const struct joblog_entry *e)
{
	struct ducoreport *r = ctx;
	char name[sizeof(r->slave[0].name)];
	int i;

	report_display_name(name, sizeof(name), e->slave);
	for (i = 0; i < r->nslaves && strcmp(r->slave[i].name, name); i++)
		;
	if (i == r->nslaves) {
		if (r->nslaves == DUCOREPORT_MAX_SLAVES) {
			r->skipped++;
			return 0;
		}
		report_init(&r->slave[r->nslaves++], name);
	}
	report_add(&r->slave[i], &e->rec);
	return 0;
}

static int ducoreport_by_name(const void *a, const void *b)
{
	return strcmp(((const struct report_stats *)a)->name, ((const struct report_stats *)b)->name);
}

static int ducoreport_json(const struct ducoreport *r, const struct report_stats *rig)
{
	cJSON *o = cJSON_CreateObject();
	int rc = o ? report_json(o, rig, r->nslaves, 0) : -ENOMEM;

	if (!rc && !cJSON_AddNumberToObject(o, "lines", (double)r->lines))
		rc = -ENOMEM;
	if (!rc && !cJSON_AddNumberToObject(o, "skipped_lines", (double)r->skipped))
		rc = -ENOMEM;
	if (!rc)
		rc = jsonout_fprint(stdout, o);
	cJSON_Delete(o);
	return rc;
}

int main(int argc, char **argv)
{
	static struct ducoreport r;
	const struct report_stats *rows[DUCOREPORT_MAX_SLAVES];
	struct report_stats rig;
	char err[256];
	int i, rc, nargs;

	if (opt_parse(&ducoreport_table, &r, argc, argv, &nargs, err, sizeof(err))) {
		fprintf(stderr, "ducoreport: %s\n", err);
		opt_help(&ducoreport_table, stderr);
		return DUCOREPORT_USAGE;
	}
	if (r.help) {
		opt_help(&ducoreport_table, stdout);
		return DUCOREPORT_OK;
	}
	if (!nargs) {
		opt_help(&ducoreport_table, stderr);
		return DUCOREPORT_USAGE;
	}
	for (i = 1; i <= nargs; i++) {
		rc = joblog_read(argv[i], ducoreport_add, &r, &r.lines, &r.skipped);
		if (rc) {
			fprintf(stderr, "ducoreport: %s: %s\n", argv[i], strerror(-rc));
			return DUCOREPORT_USAGE;
		}
	}
	qsort(r.slave, (size_t)r.nslaves, sizeof(r.slave[0]), ducoreport_by_name);
	report_init(&rig, "rig");
	for (i = 0; i < r.nslaves; i++) {
		report_sum(&rig, &r.slave[i]);
		rows[i] = &r.slave[i];
	}
	if (!rig.jobs) {
		fprintf(stderr, "ducoreport: no job records in %lu lines\n", r.lines);
		return DUCOREPORT_NO_RECORDS;
	}
	report_text(stdout, rows, r.nslaves, &rig);
	if (r.skipped)
		printf("skipped %lu of %lu lines that were not job records\n", r.skipped, r.lines);
	if (r.svg[0]) {
		rc = report_svg(r.svg, rows, r.nslaves, &rig);
		if (rc) {
			fprintf(stderr, "ducoreport: %s: %s\n", r.svg, strerror(-rc));
			return DUCOREPORT_USAGE;
		}
		printf("chart written to %s\n", r.svg);
	}
	if (r.json && ducoreport_json(&r, &rig)) {
		fprintf(stderr, "ducoreport: writing the JSON line failed\n");
		return DUCOREPORT_USAGE;
	}
	return DUCOREPORT_OK;
}
