/*
 * report_cmp.c - the regression check: KPIs of a baseline against the
 * current ones, OK / WARNING / FAIL per KPI by a threshold in percent
 * (rules in report.h). A baseline is a saved JSON report or a job log,
 * told apart by the first line. Numbers in a saved report that are not
 * finite or not numbers count as not known.
 */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonout.h"
#include "report.h"

#define CMP_FIRST_LINE_MAX (4 * 1024 * 1024)    /* a saved report is one line */

const char *report_status_name(enum report_status st)
{
	static const char *const names[] = { "OK", "WARNING", "FAIL", "-" };

	return st <= REPORT_NOT_COMPARED ? names[st] : "?";
}

void report_compare(const double *base, const double *cur, double threshold_pct,
		    struct report_cmp *c)
{
	memset(c, 0, sizeof(*c));
	c->threshold_pct = threshold_pct;
	for (int k = 0; k < REPORT_NKPIS; k++) {
		const struct report_kpi_def *d = &report_kpi_defs[k];
		double b = base[k], x = cur[k], ch, worse;

		c->base[k] = b;
		c->cur[k] = x;
		c->change_pct[k] = NAN;
		c->status[k] = REPORT_NOT_COMPARED;
		if (!isfinite(b) || !isfinite(x))
			continue;
		if (b == 0)
			ch = x == 0 ? 0 : x > 0 ? INFINITY : -INFINITY;
		else
			ch = 100.0 * (x - b) / fabs(b);
		worse = d->higher_better ? -ch : ch;
		c->change_pct[k] = ch;
		c->status[k] = worse > threshold_pct ? (d->outside ? REPORT_WARNING : REPORT_FAIL) :
			       REPORT_OK;
		c->ncompared++;
		c->nfail += c->status[k] == REPORT_FAIL;
		c->nwarn += c->status[k] == REPORT_WARNING;
	}
	c->overall = c->nfail ? REPORT_FAIL : c->nwarn ? REPORT_WARNING : REPORT_OK;
}

/* The first line of a file, up to CMP_FIRST_LINE_MAX; NULL if none or longer. */
static char *cmp_first_line(const char *path, int *err_no)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	*err_no = 0;
	if (!f) {
		*err_no = errno;
		return NULL;
	}
	n = getdelim(&line, &cap, '\n', f);
	fclose(f);
	if (n < 0 || n > CMP_FIRST_LINE_MAX) {
		free(line);
		return NULL;
	}
	return line;
}

int report_load_kpis(const char *path, size_t max_samples, double *kpi, char *err, size_t errlen)
{
	int err_no = 0;
	char *line = strcmp(path, "-") ? cmp_first_line(path, &err_no) : NULL;
	cJSON *o = line ? cJSON_Parse(line) : NULL;
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(o, "kpi");
	struct report_run run;
	int rc;

	free(line);
	if (err_no) {
		snprintf(err, errlen, "%s: %s", path, strerror(err_no));
		cJSON_Delete(o);
		return -err_no;
	}
	if (cJSON_IsObject(k)) {
		for (int i = 0; i < REPORT_NKPIS; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(k, report_kpi_defs[i].key);

			kpi[i] = cJSON_IsNumber(v) && isfinite(v->valuedouble) ? v->valuedouble : NAN;
		}
		cJSON_Delete(o);
		return 0;
	}
	cJSON_Delete(o);
	report_run_init(&run, max_samples);
	rc = report_run_read(&run, path);
	if (!rc && !run.rig.jobs) {
		snprintf(err, errlen, "%s: neither a saved JSON report nor a job log with job records",
			 path);
		rc = -ENODATA;
	} else if (rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
	}
	if (!rc) {
		report_run_finish(&run);
		memcpy(kpi, run.kpi, sizeof(run.kpi));
	}
	report_run_free(&run);
	return rc;
}

static void cmp_num(char *out, size_t cap, double v, int decimals)
{
	if (isfinite(v))
		snprintf(out, cap, "%.*f", decimals, v);
	else
		snprintf(out, cap, "n/a");
}

void report_compare_text(FILE *f, const struct report_cmp *c, const char *base_name,
			 const char *cur_name)
{
	fprintf(f, "REGRESSION CHECK: %s (baseline) -> %s, threshold %.1f%%\n", base_name, cur_name,
		c->threshold_pct);
	fprintf(f, "  %-46s %12s %12s %9s  %s\n", "KPI", "baseline", "current", "change", "status");
	for (int k = 0; k < REPORT_NKPIS; k++) {
		const struct report_kpi_def *d = &report_kpi_defs[k];
		char b[32], x[32], ch[32], label[64];

		cmp_num(b, sizeof(b), c->base[k], d->decimals);
		cmp_num(x, sizeof(x), c->cur[k], d->decimals);
		if (isnan(c->change_pct[k]))
			snprintf(ch, sizeof(ch), "-");
		else if (isinf(c->change_pct[k]))
			snprintf(ch, sizeof(ch), "%s", c->change_pct[k] > 0 ? "from 0" : "to -");
		else
			snprintf(ch, sizeof(ch), "%+.1f%%", c->change_pct[k]);
		snprintf(label, sizeof(label), "%s (%s)", d->label, d->unit);
		fprintf(f, "  %-46.46s %12s %12s %9s  %s\n", label, b, x, ch,
			report_status_name(c->status[k]));
	}
	fprintf(f, "Status: %s (%d compared, %d FAIL, %d WARNING)\n", report_status_name(c->overall),
		c->ncompared, c->nfail, c->nwarn);
}

int report_compare_json(cJSON *o, const struct report_cmp *c, const char *base_name,
			const char *cur_name)
{
	cJSON *x = cJSON_AddObjectToObject(o, "compare"), *arr;

	if (!x)
		return -ENOMEM;
	cJSON_AddStringToObject(x, "baseline", base_name);
	cJSON_AddStringToObject(x, "current", cur_name);
	jsonout_num(x, "threshold_pct", c->threshold_pct, JSONOUT_EXACT);
	cJSON_AddStringToObject(x, "status", report_status_name(c->overall));
	jsonout_num(x, "fail", c->nfail, JSONOUT_EXACT);
	jsonout_num(x, "warning", c->nwarn, JSONOUT_EXACT);
	arr = cJSON_AddArrayToObject(x, "kpis");
	for (int k = 0; arr && k < REPORT_NKPIS; k++) {
		cJSON *e = cJSON_CreateObject();

		if (!e)
			return -ENOMEM;
		cJSON_AddItemToArray(arr, e);
		cJSON_AddStringToObject(e, "key", report_kpi_defs[k].key);
		jsonout_num(e, "baseline", c->base[k], 4);
		jsonout_num(e, "current", c->cur[k], 4);
		/* a change from a 0 baseline has no percentage: null, and the status says it */
		jsonout_num(e, "change_pct", c->change_pct[k], 3);
		cJSON_AddStringToObject(e, "status", report_status_name(c->status[k]));
	}
	return arr ? 0 : -ENOMEM;
}
