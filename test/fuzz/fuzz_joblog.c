/*
 * fuzz_joblog.c - fuzz harness for the job-log reader (lib/joblog.c's
 * joblog_read_all, the one ducoreport and ducomaster's report use): the
 * input is a job-log file, read as stdin ("-"), which is the input itself
 * here (fmemopen: no file, no syscall per input).
 *
 * Invariants: every non-empty line is counted exactly once (a job record, a
 * typed record, skipped or too long); a job record's strings end inside
 * their buffers; a record read back and written again with joblog_format
 * is one line of JSON that reads back as a job record with the same slave
 * and verdict (a nan read from null is written as null, never as "nan");
 * a "rig" typed record parses.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "joblog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fz_job(void *ctx, const struct joblog_entry *e)
{
	static struct joblog_entry back;
	char line[4096];
	int n;

	if (!memchr(e->slave, '\0', sizeof(e->slave)) || !memchr(e->verdict, '\0', sizeof(e->verdict)) ||
	    !memchr(e->reason, '\0', sizeof(e->reason)) || !memchr(e->ts, '\0', sizeof(e->ts)))
		abort();
	n = joblog_format(&e->rec, line, sizeof(line));
	if (n < 0)
		return 0;
	if (n == 0 || line[n - 1] != '\n' || memchr(line, '\n', (size_t)n - 1))
		abort();
	if (strstr(line, "nan") && !strstr(e->slave, "nan") && !strstr(e->verdict, "nan") &&
	    !strstr(e->reason, "nan"))
		abort();        /* a non-finite number written as text */
	line[n - 1] = '\0';
	if (joblog_parse(line, &back) != 0 || strcmp(back.slave, e->slave) ||
	    strcmp(back.verdict, e->verdict))
		abort();
	return 0;
}

static int fz_typed(void *ctx, const char *type, const cJSON *obj)
{
	struct joblog_rig_entry r;

	if (!strcmp(type, JOBLOG_TYPE_RIG) && joblog_rig_parse(obj, &r) != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joblog_reader rd = { .job = fz_job, .typed = fz_typed };
	struct joblog_counts c = { 0 };
	/* glibc's fmemopen takes an empty buffer too (an empty log) */
	FILE *in = fmemopen((void *)(size ? data : (const uint8_t *)""), size, "r"), *was = stdin;

	if (!in)
		abort();
	stdin = in;
	if (joblog_read_all("-", &rd, &c) != 0)
		abort();
	stdin = was;
	fclose(in);
	if (c.lines != c.jobs + c.typed + c.skipped + c.too_long)
		abort();
	return 0;
}
