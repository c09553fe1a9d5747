/*
 * pool.c - text side of the pool protocol and non-blocking TCP.
 * Assumes the pool behaves as ../shared/reference/duco-protocol.md says:
 * strictly lock-step, each message in one write, replies ending in '\n'
 * except on old servers. Host names are resolved before, without blocking
 * (lib/resolve.h, state D's resolve step in miner.c); connects start from
 * the resolved address.
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "duco_proto.h"
#include "duco_s1.h"
#include "pool.h"

int pool_connect_start(const struct resolve_addr *addr)
{
	int fd, rc, one = 1;

	fd = socket(addr->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Messages are tiny and lock-step: Nagle would only add latency. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)&addr->sa, addr->len) < 0 &&
	    errno != EINPROGRESS) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int pool_connect_result(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return err ? -err : 0;
}

void pool_rx_reset(struct pool_rx *rx)
{
	*rx = (struct pool_rx){ .len = 0 };
}

int pool_read(int fd, struct pool_rx *rx, int64_t now_us)
{
	ssize_t n;

	if (rx->len >= sizeof(rx->buf) - 1) {
		/* No legal message is this long: the peer is not a pool. */
		rx->closed = 1;
		rx->err = -EMSGSIZE;
		return -EMSGSIZE;
	}
	n = read(fd, rx->buf + rx->len, sizeof(rx->buf) - 1 - rx->len);
	if (n > 0) {
		rx->len += (size_t)n;
		rx->last_us = now_us;
		return (int)n;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	rx->closed = 1;
	rx->err = n == 0 ? -ECONNRESET : -errno;
	return rx->err;
}

int pool_take_line(struct pool_rx *rx, int64_t now_us, char *line, size_t linelen)
{
	char *nl;
	size_t take, used;

	if (!rx->len)
		return 0;
	nl = memchr(rx->buf, '\n', rx->len);
	if (nl) {
		take = (size_t)(nl - rx->buf);
		used = take + 1;
	} else if (rx->closed || now_us - rx->last_us >= POOL_LINE_GRACE_US) {
		take = used = rx->len;
	} else {
		return 0;
	}
	while (take && (rx->buf[take - 1] == '\r' || rx->buf[take - 1] == ' '))
		take--;
	if (take >= linelen)
		take = linelen - 1;
	memcpy(line, rx->buf, take);
	line[take] = '\0';
	memmove(rx->buf, rx->buf + used, rx->len - used);
	rx->len -= used;
	/* An empty line (a stray "\n") is not a message. */
	return take ? (int)take : pool_take_line(rx, now_us, line, linelen);
}

int64_t pool_rx_deadline(const struct pool_rx *rx)
{
	if (!rx->len || memchr(rx->buf, '\n', rx->len))
		return 0;
	return rx->last_us + POOL_LINE_GRACE_US;
}

int pool_send(int fd, const char *msg, size_t len)
{
	ssize_t n = send(fd, msg, len, MSG_NOSIGNAL);

	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	return 0;
}

int pool_parse_banner(const char *line, char *version, size_t vlen)
{
	const char *p = line;

	if (!isdigit((unsigned char)*p))
		return -EPROTO;
	while (isdigit((unsigned char)*p) || *p == '.')
		p++;
	if (*p || (size_t)(p - line) >= vlen)
		return -EPROTO;
	snprintf(version, vlen, "%s", line);
	return 0;
}

size_t pool_sensor_text(char *out, size_t cap, const char *text)
{
	size_t n = 0;

	if (!cap)
		return 0;
	for (const char *p = text; p && *p && n < POOL_SENSOR_MAX && n + 1 < cap; p++)
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr(" .():@-", *p))
			out[n++] = *p;
	out[n] = '\0';
	return n;
}

int pool_format_request(char *buf, size_t len, const char *user, const char *tier,
			const char *key, const char *sensor)
{
	char field[POOL_SENSOR_MAX + 1] = "";
	int n;

	pool_sensor_text(field, sizeof(field), sensor);
	n = snprintf(buf, len, "JOB,%s,%s,%s%s%s", user, tier, key && *key ? key : "None",
		     field[0] ? "," : "", field);
	return n < 0 || (size_t)n >= len ? -ERANGE : n;
}

int pool_parse_job(const char *line, struct poolwire_job *job, char *reason, size_t rlen)
{
	if (!strncmp(line, "BAD", 3)) {
		snprintf(reason, rlen, "%s", line[3] == ',' ? line + 4 : "");
		return -ECONNREFUSED;
	}
	return poolwire_parse_job(line, job);
}

int pool_format_result(char *buf, size_t len, uint32_t nonce, double hashrate,
		       const char *software, const char *rig_id, const char *ducoid,
		       const char *group)
{
	int n = snprintf(buf, len, "%lu,%.2f,%s,%s,%s%s%s", (unsigned long)nonce, hashrate,
			 software, rig_id && *rig_id ? rig_id : "None", ducoid,
			 group && *group ? "," : "", group && *group ? group : "");

	return n < 0 || (size_t)n >= len ? -ERANGE : n;
}

static const struct {
	const char *text;
	enum pool_bad_reason why;
} pool_bad_table[] = {
	{ "Incorrect result", POOL_BAD_INCORRECT_RESULT },
	{ "Too low starting difficulty", POOL_BAD_TOO_LOW_START },
	{ "Too high starting difficulty", POOL_BAD_TOO_HIGH_START },
	{ "Invalid data", POOL_BAD_INVALID_DATA },
	{ "Incorrect data", POOL_BAD_INVALID_DATA },
	{ "Too low difficulty", POOL_BAD_TOO_LOW_DIFF },
	{ "Too many workers", POOL_BAD_TOO_MANY_WORKERS },
	{ "User banned", POOL_BAD_BANNED },
	{ "banned", POOL_BAD_BANNED },
	{ "Outdated miner", POOL_BAD_OUTDATED },
	{ "No username specified", POOL_BAD_NO_USER },
};

static const char *const pool_bad_names[POOL_BAD_NREASONS] = {
	[POOL_BAD_OTHER] = "other",
	[POOL_BAD_INCORRECT_RESULT] = "incorrect_result",
	[POOL_BAD_TOO_LOW_START] = "tier_up",
	[POOL_BAD_TOO_HIGH_START] = "tier_down",
	[POOL_BAD_INVALID_DATA] = "invalid_data",
	[POOL_BAD_TOO_LOW_DIFF] = "too_many_shares",
	[POOL_BAD_TOO_MANY_WORKERS] = "too_many_workers",
	[POOL_BAD_BANNED] = "banned",
	[POOL_BAD_OUTDATED] = "outdated",
	[POOL_BAD_NO_USER] = "no_user",
};

enum pool_bad_reason pool_classify_bad(const char *reason)
{
	size_t i;

	for (i = 0; i < sizeof(pool_bad_table) / sizeof(pool_bad_table[0]); i++)
		if (strstr(reason, pool_bad_table[i].text))
			return pool_bad_table[i].why;
	return POOL_BAD_OTHER;
}

const char *pool_bad_name(enum pool_bad_reason r)
{
	return r < POOL_BAD_NREASONS ? pool_bad_names[r] : "?";
}

int pool_parse_verdict(const char *line, enum pool_bad_reason *why, char *reason, size_t rlen)
{
	if (!strcmp(line, "GOOD"))
		return POOL_GOOD;
	if (!strcmp(line, "BLOCK"))
		return POOL_BLOCK;
	if (!strncmp(line, "BAD", 3) && (line[3] == '\0' || line[3] == ',')) {
		snprintf(reason, rlen, "%s", line[3] ? line + 4 : "");
		*why = pool_classify_bad(reason);
		return POOL_BAD;
	}
	return -EPROTO;
}
