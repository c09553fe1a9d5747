/*
 * mlog.c - leveled, timestamped log lines to stderr or a file.
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

static struct {
	int fd;
	enum mlog_level level;
	char path[256];
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
	char line[1024];
	int64_t now = mclock_wall_us();
	va_list ap;
	int n, m;

	if (level > mlog.level)
		return;
	n = snprintf(line, sizeof(line), "%lld.%06lld %-5s ",
		     (long long)(now / 1000000), (long long)(now % 1000000),
		     mlog_names[level]);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line: lines stay whole even when several writers append. */
	if (write(mlog.fd, line, (size_t)n) < 0)
		return;
}
