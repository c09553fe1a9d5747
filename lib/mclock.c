/*
 * mclock.c - monotonic and wall clocks, and the fake clock for tests.
 * The real clock is CLOCK_MONOTONIC so timers survive wall-clock steps (NTP
 * on a Pi without RTC jumps years at boot).
 */
#include <stdio.h>
#include <time.h>
#include "mclock.h"

int64_t mclock_now_us(const struct mclock *c)
{
	struct timespec ts;

	if (c && c->fake)
		return c->fake_us;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t mclock_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void mclock_iso8601(int64_t wall_us, char *buf, unsigned len)
{
	time_t secs = (time_t)(wall_us / 1000000);
	struct tm tm;
	char day[24];

	gmtime_r(&secs, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", day, (int)(wall_us % 1000000 / 1000));
}

void mclock_fake_init(struct mclock *c, int64_t start_us)
{
	c->fake = 1;
	c->fake_us = start_us;
}

void mclock_fake_advance(struct mclock *c, int64_t us)
{
	c->fake_us += us;
}
