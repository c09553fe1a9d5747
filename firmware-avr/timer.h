/*
 * timer.h - microseconds since start-up from Timer1, for the elapsed time a
 * slave reports with each result.
 *
 * Timer1 counts F_CPU/8 (0.25, 0.5 or 1 us per tick at 32, 16 or 8 MHz) and
 * an overflow interrupt extends it; the value is exact (no rounding drift)
 * and wraps after 2^32 us (71 minutes), which differences survive.
 * Assumes F_CPU is 8, 16 or 32 MHz (fwconfig.h refuses anything else).
 */
#ifndef TIMER_H
#define TIMER_H

#include <stdint.h>

void     timer_init(void);
uint32_t timer_us(void);
/* Whole seconds since timer_init (wraps after 2^32 overflows: 2 years). */
uint32_t timer_seconds(void);

/* Timer1 overflows so far; its low byte is a coarse clock that ticks every
 * 65536 timer ticks (TIMER_TICK_US) and reads in one instruction. */
extern volatile uint32_t timer_overflows;
#define TIMER_TICK_US (65536UL >> FW_TICK_SHIFT)
static inline uint8_t timer_tick(void)
{
	return *(volatile uint8_t *)&timer_overflows;   /* little-endian low byte */
}

#endif
