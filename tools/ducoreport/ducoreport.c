/*
 * ducoreport - the rig's performance report from ducomaster job logs, the
 * way the miner guides ask for it (../shared/seeds/001_*): the report
 * template with KPIs over 10 s / 60 s / 15 min windows, pool latency
 * percentiles, the master's CPU and memory, DUCO/day, an ANALYSIS of the
 * boards; a regression check of those KPIs against a baseline (a job log or
 * a saved --json report); and the chart of where each board's job time goes.
 *
 * Input goes through the host library's job-log reader (lib/joblog.h): a
 * line that is not a record is counted and skipped, never fatal, so a log
 * cut short by a power failure still reports; typed records of kinds it
 * does not know are passed over. The report itself is lib/report's, the
 * same code that prints ducomaster's summary.
 */
#include <cJSON.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "joblog.h"
#include "jsonout.h"
#include "options.h"
#include "report.h"
#ifdef DUCOREPORT_CAIRO
#include "chart_png.h"
#endif

enum {
	DUCOREPORT_OK = 0,
	DUCOREPORT_NO_RECORDS = 1,      /* also: a FAIL with --fail-on-regression */
	DUCOREPORT_USAGE = 2,           /* also I/O errors */
};

struct ducoreport {
	int pad;                /* the option table's seen fields are never at offset 0 */
	char svg[4096], baseline[4096], charts[4096];
	int json, help, fail_on_regression, png;
	double threshold;
	uint32_t max_samples;
};

static const struct opt_row ducoreport_rows[] = {
	{ .name = "json", .type = OPT_FLAG, .off = offsetof(struct ducoreport, json),
	  .help = "print the report (or the comparison) as one JSON line instead of text" },
	{ .name = "svg", .type = OPT_STR, .off = offsetof(struct ducoreport, svg),
	  .size = sizeof(((struct ducoreport *)0)->svg), .arg = "FILE",
	  .help = "also draw where each board's job time goes, as SVG" },
	{ .name = "charts", .type = OPT_STR, .off = offsetof(struct ducoreport, charts),
	  .size = sizeof(((struct ducoreport *)0)->charts), .arg = "DIR",
	  .help = "write the charts as SVG into DIR: phases, overview, one per board, earnings" },
	{ .name = "png", .type = OPT_FLAG, .off = offsetof(struct ducoreport, png),
	  .help = "with --charts, also as PNG (needs a ducoreport built with cairo)" },
	{ .name = "baseline", .type = OPT_STR, .off = offsetof(struct ducoreport, baseline),
	  .size = sizeof(((struct ducoreport *)0)->baseline), .arg = "FILE",
	  .help = "add a regression check against FILE (a job log or a saved --json report)" },
	{ .name = "threshold", .type = OPT_DBL, .off = offsetof(struct ducoreport, threshold),
	  .min = 0, .max = 1000, .def = "5", .arg = "PCT",
	  .help = "a KPI worse than its baseline by more than PCT % is a FAIL (WARNING for "
		  "pool latency and reconnects)" },
	{ .name = "fail-on-regression", .type = OPT_FLAG,
	  .off = offsetof(struct ducoreport, fail_on_regression),
	  .help = "exit 1 when the regression check has a FAIL" },
	{ .name = "max-samples", .type = OPT_UINT, .off = offsetof(struct ducoreport, max_samples),
	  .min = 16, .max = 100000000, .def = "4194304", .arg = "N",
	  .help = "windows, percentiles and trends from the last N jobs (memory: ~48 bytes each)" },
	{ .name = "help", .type = OPT_FLAG, .off = offsetof(struct ducoreport, help),
	  .short_name = 'h', .flags = OPT_F_EARLY, .help = "this text" },
};

static const struct opt_table ducoreport_table = {
	.prog = "ducoreport",
	OPT_ROWS(ducoreport_rows),
	.args = 1,
	.synopsis =
"usage: ducoreport [report] [--json] [--svg FILE] [--charts DIR [--png]]\n"
"                  [--baseline FILE] JOBLOG...\n"
"       ducoreport compare [--json] [--threshold PCT] [--fail-on-regression] BASE CUR\n"
"\n"
"report (the default): the performance report of ducomaster job logs (one\n"
"JSON object per line; '-' reads standard input): date, duration, versions,\n"
"log level, boards, hashrate over 10 s / 60 s / 15 min windows, shares and\n"
"acceptance, BAD verdicts by reason, pool latency p50 / p95, the master's\n"
"CPU and memory, uptime and reconnects, DUCO/day (from the wallet, and\n"
"estimated per board by the pool's formula), the per-board table and\n"
"an ANALYSIS of outliers, gaps and bursts of errors.\n"
"compare: each KPI of CUR against BASE, with the change in % and OK /\n"
"WARNING / FAIL. BASE and CUR are job logs or saved --json reports.\n"
"--charts: where each board's job time goes, every board's hashrate over\n"
"time, one page of trends per board (hashrate, share time, job phases) and\n"
"the earnings curve when the log has earnings records.\n"
"\n",
	.footer =
"\n"
"Exit status: 0 report printed, 1 no job records found or (with\n"
"--fail-on-regression) a KPI FAILed, 2 usage or I/O error.\n",
};

/* The report's legacy members (what --json printed before) and the new ones. */
static int ducoreport_json(struct report_run *run, const struct report_cmp *cmp,
			   const char *base, const char *cur)
{
	cJSON *o = cJSON_CreateObject();
	int rc = o ? report_json(o, &run->rig, run->nboards, 0) : -ENOMEM;

	if (!rc && !cJSON_AddNumberToObject(o, "lines", (double)run->lines))
		rc = -ENOMEM;
	if (!rc && !cJSON_AddNumberToObject(o, "skipped_lines", (double)(run->skipped + run->too_long)))
		rc = -ENOMEM;
	if (!rc)
		rc = report_run_json(o, run);
	if (!rc && cmp)
		rc = report_compare_json(o, cmp, base, cur);
	if (!rc)
		rc = jsonout_fprint(stdout, o);
	cJSON_Delete(o);
	return rc;
}

static int ducoreport_svg(struct report_run *run, const char *path)
{
	const struct report_stats **rows = calloc((size_t)run->nboards + 1, sizeof(*rows));
	int rc;

	if (!rows)
		return -ENOMEM;
	for (int i = 0; i < run->nboards; i++)
		rows[i] = &run->board[i].st;
	rc = report_svg(path, rows, run->nboards, &run->rig);
	free(rows);
	return rc;
}

/* A board's name as a file name: letters, digits, '-' and '.' only. */
static void ducoreport_file_name(char *out, size_t cap, const char *name)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < cap; i++)
		out[i] = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
			 (name[i] >= '0' && name[i] <= '9') || name[i] == '.' ? name[i] : '-';
	out[i] = '\0';
}

/* One chart as SVG and, with --png, PNG; prints the paths. 0 or -errno. */
static int ducoreport_chart(const struct ducoreport *r, struct report_run *run,
			    enum report_chart c, int board, const char *base)
{
	char path[sizeof(r->charts) + 256];
	int rc;

	snprintf(path, sizeof(path), "%s/%s.svg", r->charts, base);
	rc = report_chart_svg(path, run, c, board);
	if (rc == -ENODATA)
		return 0;
	if (rc) {
		fprintf(stderr, "ducoreport: %s: %s\n", path, strerror(-rc));
		return rc;
	}
	if (!r->json)
		printf("chart: %s\n", path);
#ifdef DUCOREPORT_CAIRO
	if (r->png) {
		snprintf(path, sizeof(path), "%s/%s.png", r->charts, base);
		rc = chart_png(path, run, c, board);
		if (rc) {
			fprintf(stderr, "ducoreport: %s: %s\n", path, strerror(-rc));
			return rc;
		}
		if (!r->json)
			printf("chart: %s\n", path);
	}
#endif
	return 0;
}

static int ducoreport_charts(const struct ducoreport *r, struct report_run *run)
{
	char base[160], name[128];
	int rc = ducoreport_chart(r, run, REPORT_CHART_PHASES, -1, "phases");

	if (!rc)
		rc = ducoreport_chart(r, run, REPORT_CHART_OVERVIEW, -1, "overview");
	for (int b = 0; !rc && b < run->nboards; b++) {
		ducoreport_file_name(name, sizeof(name), run->board[b].st.name);
		snprintf(base, sizeof(base), "board-%s", name);
		rc = ducoreport_chart(r, run, REPORT_CHART_BOARD, b, base);
	}
	if (!rc)
		rc = ducoreport_chart(r, run, REPORT_CHART_EARNINGS, -1, "earnings");
	return rc;
}

static int ducoreport_compare(const struct ducoreport *r, const char *base, const char *cur)
{
	double kb[REPORT_NKPIS], kc[REPORT_NKPIS];
	struct report_cmp cmp;
	char err[4200];
	cJSON *o;

	if (report_load_kpis(base, r->max_samples, kb, err, sizeof(err)) ||
	    report_load_kpis(cur, r->max_samples, kc, err, sizeof(err))) {
		fprintf(stderr, "ducoreport: %s\n", err);
		return strstr(err, "neither") ? DUCOREPORT_NO_RECORDS : DUCOREPORT_USAGE;
	}
	report_compare(kb, kc, r->threshold, &cmp);
	if (r->json) {
		o = cJSON_CreateObject();
		if (!o || report_compare_json(o, &cmp, base, cur) || jsonout_fprint(stdout, o)) {
			cJSON_Delete(o);
			fprintf(stderr, "ducoreport: writing the JSON line failed\n");
			return DUCOREPORT_USAGE;
		}
		cJSON_Delete(o);
	} else {
		report_compare_text(stdout, &cmp, base, cur);
	}
	return r->fail_on_regression && cmp.overall == REPORT_FAIL ? DUCOREPORT_NO_RECORDS :
	       DUCOREPORT_OK;
}

int main(int argc, char **argv)
{
	static struct ducoreport r;
	struct report_run run;
	struct report_cmp cmp, *cmpp = NULL;
	char err[4200];
	int i, rc, nargs, first = 1, status = DUCOREPORT_OK;

	if (opt_defaults(&ducoreport_table, &r, err, sizeof(err)) ||
	    opt_parse(&ducoreport_table, &r, argc, argv, &nargs, err, sizeof(err))) {
		fprintf(stderr, "ducoreport: %s\n", err);
		opt_help(&ducoreport_table, stderr);
		return DUCOREPORT_USAGE;
	}
	if (r.help) {
		opt_help(&ducoreport_table, stdout);
		return DUCOREPORT_OK;
	}
	if (r.png && !r.charts[0]) {
		fprintf(stderr, "ducoreport: --png goes with --charts DIR\n");
		return DUCOREPORT_USAGE;
	}
#ifndef DUCOREPORT_CAIRO
	if (r.png) {
		fprintf(stderr, "ducoreport: this ducoreport was built without cairo, so it cannot "
			"write PNG (install libcairo2-dev and rebuild; the SVG charts need nothing)\n");
		return DUCOREPORT_USAGE;
	}
#endif
	if (nargs >= 1 && !strcmp(argv[1], "compare")) {
		if (nargs != 3) {
			fprintf(stderr, "ducoreport: compare takes two files: BASE CUR\n");
			return DUCOREPORT_USAGE;
		}
		return ducoreport_compare(&r, argv[2], argv[3]);
	}
	if (nargs >= 1 && !strcmp(argv[1], "report"))
		first = 2;
	if (nargs < first) {
		opt_help(&ducoreport_table, stderr);
		return DUCOREPORT_USAGE;
	}
	report_run_init(&run, r.max_samples);
	for (i = first; i <= nargs; i++) {
		rc = report_run_read(&run, argv[i]);
		if (rc) {
			fprintf(stderr, "ducoreport: %s: %s\n", argv[i], strerror(-rc));
			report_run_free(&run);
			return DUCOREPORT_USAGE;
		}
	}
	if (!run.rig.jobs) {
		fprintf(stderr, "ducoreport: no job records in %lu lines (%lu skipped as not "
			"readable, %lu over %d bytes)\n", run.lines, run.skipped, run.too_long,
			JOBLOG_READ_LINE_MAX);
		report_run_free(&run);
		return DUCOREPORT_NO_RECORDS;
	}
	if (run.skipped || run.too_long)
		fprintf(stderr, "ducoreport: %lu of %lu lines were not readable records and were "
			"skipped (%lu cut or not JSON or missing keys, %lu over %d bytes); the "
			"report covers the rest\n", run.skipped + run.too_long, run.lines, run.skipped,
			run.too_long, JOBLOG_READ_LINE_MAX);
	report_run_finish(&run);
	if (r.baseline[0]) {
		double kb[REPORT_NKPIS];

		if (report_load_kpis(r.baseline, r.max_samples, kb, err, sizeof(err))) {
			fprintf(stderr, "ducoreport: baseline %s\n", err);
			report_run_free(&run);
			return DUCOREPORT_USAGE;
		}
		report_compare(kb, run.kpi, r.threshold, &cmp);
		cmpp = &cmp;
		if (r.fail_on_regression && cmp.overall == REPORT_FAIL)
			status = DUCOREPORT_NO_RECORDS;
	}
	if (r.json) {
		if (ducoreport_json(&run, cmpp, r.baseline, nargs == first ? argv[first] : "current")) {
			fprintf(stderr, "ducoreport: writing the JSON line failed\n");
			status = DUCOREPORT_USAGE;
		}
	} else {
		report_run_text(stdout, &run);
		if (cmpp) {
			printf("\n");
			report_compare_text(stdout, cmpp, r.baseline,
					    nargs == first ? argv[first] : "current");
		}
	}
	if (r.svg[0]) {
		rc = ducoreport_svg(&run, r.svg);
		if (rc) {
			fprintf(stderr, "ducoreport: %s: %s\n", r.svg, strerror(-rc));
			status = DUCOREPORT_USAGE;
		} else if (!r.json) {
			printf("chart written to %s\n", r.svg);
		}
	}
	if (r.charts[0] && ducoreport_charts(&r, &run))
		status = DUCOREPORT_USAGE;
	report_run_free(&run);
	return status;
}
