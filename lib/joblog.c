/*
 * joblog.c - the JSON-lines job log: writer and reader. Strings in a record
 * come from the program (slave names, verdict words) or from the pool's BAD
 * reason, which the pool is not trusted to keep clean; cJSON escapes all of
 * them. Times are written in milliseconds with 3 decimals (microsecond
 * resolution, what the clocks give), rates with 2.
 */
#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "joblog.h"
#include "jsonout.h"
#include "mclock.h"

#define JOBLOG_MS_DECIMALS   3
#define JOBLOG_RATE_DECIMALS 2
#define JOBLOG_LINE_MAX      2048

/* The timing fields, in the order they are written: ms (double) or a count. */
static const struct {
	const char *key;
	size_t off;
	int count;              /* 1: uint32_t busy_polls */
} joblog_fields[] = {
#define JOBLOG_MS(f) { #f, offsetof(struct joblog_rec, f), 0 }
	JOBLOG_MS(get_job_wait_ms), JOBLOG_MS(transfer_ms), JOBLOG_MS(slave_elapsed_ms),
	{ "busy_polls", offsetof(struct joblog_rec, busy_polls), 1 },
	JOBLOG_MS(detect_ms), JOBLOG_MS(hold_ms), JOBLOG_MS(get_res_wait_ms),
	JOBLOG_MS(overall_ms), JOBLOG_MS(processing_ms), JOBLOG_MS(master_ms),
#undef JOBLOG_MS
};

#define JOBLOG_NFIELDS (sizeof(joblog_fields) / sizeof(joblog_fields[0]))

int joblog_open(struct joblog *j, const char *path)
{
	*j = (struct joblog){ .fd = -1 };
	if (!path || !*path)
		return 0;
	snprintf(j->path, sizeof(j->path), "%s", path);
	return joblog_reopen(j);
}

int joblog_reopen(struct joblog *j)
{
	int fd;

	if (!j->path[0])
		return 0;
	fd = open(j->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
	return 0;
}

void joblog_close(struct joblog *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
}

static cJSON *joblog_json(const struct joblog_rec *r)
{
	cJSON *o = cJSON_CreateObject();
	char ts[JOBLOG_TS_LEN];

	if (!o)
		return NULL;
	mclock_iso8601(r->wall_us, ts, sizeof(ts));
	cJSON_AddStringToObject(o, "ts", ts);
	cJSON_AddStringToObject(o, "slave", r->slave ? r->slave : "");
	jsonout_num(o, "worker", r->worker, JSONOUT_EXACT);
	jsonout_num(o, "job", r->job, JSONOUT_EXACT);
	jsonout_num(o, "diff", r->diff, JSONOUT_EXACT);
	jsonout_num(o, "nonce", r->nonce, JSONOUT_EXACT);
	jsonout_num(o, "hashrate", r->hashrate, JOBLOG_RATE_DECIMALS);
	jsonout_num(o, "r_slave", r->r_slave, JOBLOG_RATE_DECIMALS);
	cJSON_AddStringToObject(o, "verdict", r->verdict ? r->verdict : "");
	cJSON_AddStringToObject(o, "reason", r->reason ? r->reason : "");
	for (size_t i = 0; i < JOBLOG_NFIELDS; i++) {
		const void *p = (const char *)r + joblog_fields[i].off;

		if (joblog_fields[i].count)
			jsonout_num(o, joblog_fields[i].key, *(const uint32_t *)p, JSONOUT_EXACT);
		else
			jsonout_num(o, joblog_fields[i].key, *(const double *)p, JOBLOG_MS_DECIMALS);
	}
	return o;
}

int joblog_format(const struct joblog_rec *r, char *buf, unsigned len)
{
	cJSON *o = joblog_json(r);
	size_t n = 0;
	char *line = o ? jsonout_line(o, &n) : NULL;
	int rc = -ENOMEM;

	cJSON_Delete(o);
	if (line) {
		rc = n < len ? (int)n : -ERANGE;
		if (rc > 0)
			memcpy(buf, line, n + 1);
		free(line);
	}
	return rc;
}

int joblog_write(struct joblog *j, const struct joblog_rec *r)
{
	char line[JOBLOG_LINE_MAX];
	int n;

	if (j->fd < 0)
		return 0;
	n = joblog_format(r, line, sizeof(line));
	if (n < 0)
		return n;
	if (write(j->fd, line, (size_t)n) != n) {
		j->write_errors++;
		return -EIO;
	}
	j->lines++;
	return 0;
}

/* One object out as one line in one write: a reader never sees half of it. */
static int joblog_write_line(struct joblog *j, const cJSON *o)
{
	size_t n = 0;
	char *line = jsonout_line(o, &n);
	int rc = 0;

	if (!line)
		return -ENOMEM;
	if (write(j->fd, line, n) != (ssize_t)n) {
		j->write_errors++;
		rc = -EIO;
	} else {
		j->lines++;
	}
	free(line);
	return rc;
}

int joblog_write_typed(struct joblog *j, const char *type, int64_t wall_us, const cJSON *obj)
{
	char ts[JOBLOG_TS_LEN];
	cJSON *o, *copy;
	int rc;

	if (j->fd < 0)
		return 0;
	o = cJSON_CreateObject();
	copy = obj ? cJSON_Duplicate(obj, 1) : cJSON_CreateObject();
	mclock_iso8601(wall_us, ts, sizeof(ts));
	rc = o && copy && cJSON_AddStringToObject(o, "ts", ts) &&
	     cJSON_AddStringToObject(o, "type", type) ? 0 : -ENOMEM;
	/* the caller's members after ts and type, so every line starts alike */
	for (cJSON *m = copy ? copy->child : NULL; !rc && m; m = copy->child) {
		cJSON_DetachItemViaPointer(copy, m);
		if (!strcmp(m->string, "ts") || !strcmp(m->string, "type"))
			cJSON_Delete(m);
		else
			cJSON_AddItemToObject(o, m->string, m);
	}
	if (!rc)
		rc = joblog_write_line(j, o);
	cJSON_Delete(copy);
	cJSON_Delete(o);
	return rc;
}

int joblog_write_rig(struct joblog *j, const struct joblog_rig *r)
{
	cJSON *o;
	int rc;

	if (j->fd < 0)
		return 0;
	o = cJSON_CreateObject();
	if (!o)
		return -ENOMEM;
	jsonout_num(o, "uptime_s", r->uptime_s, JOBLOG_MS_DECIMALS);
	jsonout_num(o, "cpu_s", r->cpu_s, JOBLOG_MS_DECIMALS);
	jsonout_num(o, "rss_kb", (double)r->rss_kb, JSONOUT_EXACT);
	cJSON_AddStringToObject(o, "version", r->version ? r->version : "");
	cJSON_AddStringToObject(o, "log_level", r->log_level ? r->log_level : "");
	jsonout_num(o, "boards", r->boards, JSONOUT_EXACT);
	if (r->nfaults) {
		cJSON *all = cJSON_AddObjectToObject(o, "faults");

		for (uint32_t i = 0; all && i < r->nfaults; i++) {
			const struct joblog_board_faults *b = &r->faults[i];
			cJSON *x = cJSON_AddObjectToObject(all, b->board ? b->board : "?");

			if (!x)
				break;
			jsonout_num(x, "bus_errors", b->bus_errors, JSONOUT_EXACT);
			jsonout_num(x, "faults", b->faults, JSONOUT_EXACT);
			jsonout_num(x, "wrong_nonces", b->wrong_nonces, JSONOUT_EXACT);
			jsonout_num(x, "timeouts", b->timeouts, JSONOUT_EXACT);
			jsonout_num(x, "disconnects", b->disconnects, JSONOUT_EXACT);
		}
	}
	rc = jsonout_num(o, "reconnects", r->reconnects, JSONOUT_EXACT) ?
	     joblog_write_typed(j, JOBLOG_TYPE_RIG, r->wall_us, o) : -ENOMEM;
	cJSON_Delete(o);
	return rc;
}

/* A number field: missing or not a number 0, null nan (what a non-finite became). */
static double joblog_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsNull(v))
		return NAN;
	return cJSON_IsNumber(v) ? v->valuedouble : 0.0;
}

static uint32_t joblog_u32(const cJSON *o, const char *key)
{
	double v = joblog_num(o, key);

	return v >= 0 && v <= UINT32_MAX ? (uint32_t)v : 0;
}

static void joblog_str(const cJSON *o, const char *key, char *out, size_t len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	snprintf(out, len, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

int64_t joblog_ts_us(const char *ts)
{
	struct tm tm = { 0 };
	int ms = 0, n = 0;

	if (sscanf(ts, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &n) != 7 || ts[n])
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000000 + ms * 1000;
}

static int joblog_parse_obj(const cJSON *o, struct joblog_entry *e)
{
	const cJSON *slave = cJSON_GetObjectItemCaseSensitive(o, "slave");
	const cJSON *verdict = cJSON_GetObjectItemCaseSensitive(o, "verdict");
	struct joblog_rec *r = &e->rec;

	if (!cJSON_IsObject(o) || cJSON_GetObjectItemCaseSensitive(o, "type") ||
	    !cJSON_IsString(slave) || !cJSON_IsString(verdict))
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	joblog_str(o, "slave", e->slave, sizeof(e->slave));
	joblog_str(o, "verdict", e->verdict, sizeof(e->verdict));
	joblog_str(o, "reason", e->reason, sizeof(e->reason));
	joblog_str(o, "ts", e->ts, sizeof(e->ts));
	r->slave = e->slave;
	r->verdict = e->verdict;
	r->reason = e->reason;
	r->wall_us = joblog_ts_us(e->ts);
	r->job = joblog_u32(o, "job");
	r->diff = joblog_u32(o, "diff");
	r->nonce = joblog_u32(o, "nonce");
	r->worker = joblog_u32(o, "worker");
	r->hashrate = joblog_num(o, "hashrate");
	r->r_slave = joblog_num(o, "r_slave");
	for (size_t i = 0; i < JOBLOG_NFIELDS; i++) {
		void *p = (char *)r + joblog_fields[i].off;

		if (joblog_fields[i].count)
			*(uint32_t *)p = joblog_u32(o, joblog_fields[i].key);
		else
			*(double *)p = joblog_num(o, joblog_fields[i].key);
	}
	return 0;
}

int joblog_parse(const char *line, struct joblog_entry *e)
{
	cJSON *o = cJSON_Parse(line);
	int rc = joblog_parse_obj(o, e);

	cJSON_Delete(o);
	return rc;
}

int joblog_rig_faults(const cJSON *o, struct joblog_board_faults *out, int max)
{
	const cJSON *all = cJSON_GetObjectItemCaseSensitive(o, "faults"), *x;
	int n = 0;

	if (!cJSON_IsObject(all))
		return 0;
	cJSON_ArrayForEach(x, all) {
		if (n == max)
			break;
		if (!cJSON_IsObject(x) || !x->string)
			continue;
		out[n++] = (struct joblog_board_faults){
			.board = x->string,
			.bus_errors = joblog_u32(x, "bus_errors"),
			.faults = joblog_u32(x, "faults"),
			.wrong_nonces = joblog_u32(x, "wrong_nonces"),
			.timeouts = joblog_u32(x, "timeouts"),
			.disconnects = joblog_u32(x, "disconnects"),
		};
	}
	return n;
}

int joblog_rig_parse(const cJSON *o, struct joblog_rig_entry *e)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");
	char ts[JOBLOG_TS_LEN];
	double rss;

	if (!cJSON_IsString(type) || strcmp(type->valuestring, JOBLOG_TYPE_RIG))
		return -EINVAL;
	memset(e, 0, sizeof(*e));
	joblog_str(o, "ts", ts, sizeof(ts));
	joblog_str(o, "version", e->version, sizeof(e->version));
	joblog_str(o, "log_level", e->log_level, sizeof(e->log_level));
	e->rig.wall_us = joblog_ts_us(ts);
	e->rig.uptime_s = joblog_num(o, "uptime_s");
	e->rig.cpu_s = joblog_num(o, "cpu_s");
	rss = joblog_num(o, "rss_kb");
	e->rig.rss_kb = rss >= 0 && rss < 1e15 ? (long)rss : 0;
	e->rig.version = e->version;
	e->rig.log_level = e->log_level;
	e->rig.boards = joblog_u32(o, "boards");
	e->rig.reconnects = joblog_u32(o, "reconnects");
	return 0;
}

/*
 * One line into buf (no '\n'): its length, -1 at the end, -2 for a line
 * over the buffer (read to its end and dropped, so memory stays bounded),
 * -3 for a line with a NUL byte in it (no record has one; cJSON would stop
 * there).
 */
static long joblog_getline(FILE *f, char *buf, size_t cap)
{
	size_t len = 0;
	int c, over = 0, nul = 0;

	while ((c = getc_unlocked(f)) != EOF && c != '\n') {
		nul |= c == 0;
		if (len + 1 < cap)
			buf[len++] = (char)c;
		else
			over = 1;
	}
	if (c == EOF && !len && !over)
		return -1;
	buf[len] = '\0';
	return over ? -2 : nul ? -3 : (long)len;
}

int joblog_read_all(const char *path, const struct joblog_reader *rd, struct joblog_counts *c)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct joblog_entry *e = malloc(sizeof(*e));
	char *line = malloc(JOBLOG_READ_LINE_MAX + 1);
	long len;
	int rc = 0;

	if (!f || !e || !line) {
		rc = f ? -ENOMEM : -errno;
		goto out;
	}
	while (!rc && (len = joblog_getline(f, line, JOBLOG_READ_LINE_MAX + 1)) != -1) {
		cJSON *o;
		const cJSON *type;

		if (len == -2 || len == -3) {
			c->lines++;
			if (len == -2)
				c->too_long++;
			else
				c->skipped++;
			continue;
		}
		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		if (!len)
			continue;
		c->lines++;
		o = cJSON_Parse(line);
		type = cJSON_GetObjectItemCaseSensitive(o, "type");
		if (cJSON_IsObject(o) && cJSON_IsString(type)) {
			c->typed++;
			if (rd->typed)
				rc = rd->typed(rd->ctx, type->valuestring, o);
		} else if (!joblog_parse_obj(o, e)) {
			c->jobs++;
			if (rd->job)
				rc = rd->job(rd->ctx, e);
		} else {
			c->skipped++;
		}
		cJSON_Delete(o);
	}
	if (!rc && ferror(f))
		rc = -EIO;
out:
	free(line);
	free(e);
	if (f && f != stdin)
		fclose(f);
	return rc;
}

int joblog_read(const char *path, int (*fn)(void *ctx, const struct joblog_entry *e),
		void *ctx, unsigned long *lines, unsigned long *skipped)
{
	struct joblog_reader rd = { .job = fn, .ctx = ctx };
	struct joblog_counts c = { 0 };
	int rc = joblog_read_all(path, &rd, &c);

	*lines += c.lines;
	*skipped += c.skipped + c.too_long;
	return rc;
}
