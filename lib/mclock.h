/*
 * mclock.h - the master's notion of time: a monotonic microsecond clock that
 * can be replaced by a fake one, so the slave state machine runs unchanged
 * under tests that move time by hand. Wall-clock time is only used for log
 * and job-log timestamps, never for deciding anything. Assumes a Linux
 * CLOCK_MONOTONIC.
 */
#ifndef MCLOCK_H
#define MCLOCK_H

#include <stdint.h>

struct mclock {
	int     fake;           /* 1: now() returns fake_us */
	int64_t fake_us;
};

/* Monotonic time in microseconds (real or fake). */
int64_t mclock_now_us(const struct mclock *c);
/* Wall-clock microseconds since the epoch (for timestamps only). */
int64_t mclock_wall_us(void);
/* ISO 8601 UTC with milliseconds, e.g. 2026-11-21T13:45:01.123Z; buf >= 32. */
void    mclock_iso8601(int64_t wall_us, char *buf, unsigned len);

void mclock_fake_init(struct mclock *c, int64_t start_us);
void mclock_fake_advance(struct mclock *c, int64_t us);

#endif
