/*
 * pool_log.c - timestamped stderr logging, off by default. Wall-clock time so
 * lines can be lined up with a master's log of the same run.
 */
#include "pool_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>

static int pool_log_on;

void pool_log_enable(int on)
{
	pool_log_on = on;
}

void pool_log(const char *fmt, ...)
{
	struct timeval tv;
	va_list ap;

	if (!pool_log_on)
		return;
	gettimeofday(&tv, NULL);
	fprintf(stderr, "%ld.%06ld ducopool: ", (long)tv.tv_sec, (long)tv.tv_usec);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
