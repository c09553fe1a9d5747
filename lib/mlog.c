/*
 * mlog.c - leveled, timestamped log lines to stderr or a file (format in
 * mlog.h).
 * Assumes a single thread (the event loop); the file is opened O_APPEND so
 * an external logrotate + SIGHUP works without losing lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "mclock.h"
#include "mlog.h"

#define MLOG_LINE_MAX  1024
#define MLOG_IDENT_MAX 32

static struct {
	int fd;
	enum mlog_level level;
	char path[256];
	char ident[MLOG_IDENT_MAX];
} mlog = { .fd = 2, .level = MLOG_INFO };

static const char *const mlog_names[] = {
	[MLOG_ERROR] = "error",
	[MLOG_WARN]  = "warn",
	[MLOG_INFO]  = "info",
	[MLOG_DEBUG] = "debug",
};

static int mlog_open_path(void)
{
	int fd = open(mlog.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);

	if (fd < 0)
		return -errno;
	if (mlog.fd > 2)
		close(mlog.fd);
	mlog.fd = fd;
	return 0;
}

int mlog_open(const char *path, enum mlog_level level)
{
	mlog.level = level;
	if (!path || !*path) {
		mlog.path[0] = '\0';
		mlog.fd = 2;
		return 0;
	}
	snprintf(mlog.path, sizeof(mlog.path), "%s", path);
	return mlog_open_path();
}

int mlog_reopen(void)
{
	if (!mlog.path[0])
		return 0;
	return mlog_open_path();
}

void mlog_close(void)
{
	if (mlog.fd > 2)
		close(mlog.fd);
	mlog.fd = 2;
}

void mlog_set_ident(const char *ident)
{
	snprintf(mlog.ident, sizeof(mlog.ident), "%s", ident ? ident : "");
}

void mlog_set_level(enum mlog_level level)
{
	mlog.level = level;
}

int mlog_enabled(enum mlog_level level)
{
	return level <= mlog.level;
}

int mlog_to_tty(void)
{
	return isatty(mlog.fd);
}

void mlog_msg(enum mlog_level level, const char *fmt, ...)
{
	char line[MLOG_LINE_MAX], msg[MLOG_LINE_MAX], ts[40];
	va_list ap;
	int n;

	if (level > mlog.level)
		return;
	mclock_iso8601(mclock_wall_us(), ts, sizeof(ts));
	n = snprintf(line, sizeof(line), "%s %-5s %s%s", ts, mlog_names[level], mlog.ident,
		     mlog.ident[0] ? ": " : "");
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	/* One record, one line: a newline in a message (a peer's text) is shown as \n. */
	for (const char *p = msg; *p && n < (int)sizeof(line) - 3; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\n' || c == '\r') {
			line[n++] = '\\';
			line[n++] = c == '\n' ? 'n' : 'r';
		} else {
			line[n++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
		}
	}
	line[n++] = '\n';
	/* One write per line: lines stay whole even when several writers append. */
	if (write(mlog.fd, line, (size_t)n) < 0)
		return;
}
