/*
 * health.h - the board's own readings for the HEALTH answer: supply voltage
 * (the 1.1 V bandgap measured against AVcc) and die temperature (the
 * internal sensor against the 1.1 V reference), from the ADC.
 *
 * The ADC is stepped from the Timer1 overflow interrupt (timer.c), one step
 * per tick (16-66 ms): select a channel, let it settle a whole tick, convert
 * (13-25 ADC clocks, done long before the next tick), store, select the
 * next. Nothing waits, the hashing loop never sees it, and a reading is at
 * most two rounds (four ticks) old. The counts are raw: the master turns
 * them into volts and degrees with each board's calibration. Assumes the
 * ATmega328P's or ATmega2560's ADC and boards.mk SENSORS (FW_SENSE_*).
 */
#ifndef HEALTH_H
#define HEALTH_H

#include <stdint.h>
#include "duco_proto.h"

#define FW_SENSE_ANY (FW_SENSE_VCC || FW_SENSE_TEMP)

#if FW_SENSE_ANY
void health_init(void);
/* One ADC step; interrupt context (the Timer1 overflow, interrupts on). */
void health_tick(void);
#else
static inline void health_init(void) {}
static inline void health_tick(void) {}
#endif
/* The latest readings into h (sensors, vbg_adc, temp_adc, samples); a
 * sensor's bit is set once it has been read. Main loop. */
void health_read(struct duco_health *h);

#endif
