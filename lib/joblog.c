/*
 * joblog.c - JSON-lines job log. Strings in a record come from the program
 * (slave names, verdict words) or from the pool's BAD reason, which is
 * escaped because the pool is not trusted to send clean text.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "joblog.h"
#include "mclock.h"

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

static void joblog_escape(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 7 < len; in++) {
		unsigned char ch = (unsigned char)*in;

		if (ch == '"' || ch == '\\') {
			out[n++] = '\\';
			out[n++] = (char)ch;
		} else if (ch < 0x20 || ch >= 0x7f) {
			n += (size_t)snprintf(out + n, len - n, "\\u%04x", ch);
		} else {
			out[n++] = (char)ch;
		}
	}
	out[n] = '\0';
}

int joblog_format(const struct joblog_rec *r, char *buf, unsigned len)
{
	char ts[40], reason[160];
	int n;

	mclock_iso8601(r->wall_us, ts, sizeof(ts));
	joblog_escape(r->reason ? r->reason : "", reason, sizeof(reason));
	n = snprintf(buf, len,
		     "{\"ts\":\"%s\",\"slave\":\"%s\",\"job\":%lu,\"diff\":%lu,"
		     "\"nonce\":%lu,\"hashrate\":%.2f,\"r_slave\":%.2f,\"verdict\":\"%s\","
		     "\"reason\":\"%s\",\"get_job_wait_ms\":%.3f,\"transfer_ms\":%.3f,"
		     "\"slave_elapsed_ms\":%.3f,\"busy_polls\":%lu,\"detect_ms\":%.3f,\"hold_ms\":%.3f,"
		     "\"get_res_wait_ms\":%.3f,\"overall_ms\":%.3f,\"processing_ms\":%.3f,"
		     "\"master_ms\":%.3f}\n",
		     ts, r->slave, (unsigned long)r->job, (unsigned long)r->diff,
		     (unsigned long)r->nonce, r->hashrate, r->r_slave, r->verdict, reason,
		     r->get_job_wait_ms, r->transfer_ms, r->slave_elapsed_ms,
		     (unsigned long)r->busy_polls, r->detect_ms, r->hold_ms, r->get_res_wait_ms,
		     r->overall_ms, r->processing_ms, r->master_ms);
	return n < 0 || (unsigned)n >= len ? -ERANGE : n;
}

int joblog_write(struct joblog *j, const struct joblog_rec *r)
{
	char line[1024];
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
