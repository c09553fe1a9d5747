/*
 * timer.c - Timer1 free-running at F_CPU/8 plus an overflow count (timer.h).
 *
 * The overflow interrupt is the only periodic one (every 65536 ticks: 16 ms
 * at 32 MHz, 33 ms at 16 MHz, 66 ms at 8 MHz); it also wakes the idle loop
 * so the watchdog gets kicked while nothing happens, and steps the ADC of
 * the health readings (health.c). Assumes avr-libc and a
 * Timer1 with TCCR1B/TCNT1/TIFR1/TIMSK1 (328P, 2560).
 */
#include "fwconfig.h"
#include "timer.h"
#include "health.h"

#include <avr/interrupt.h>
#include <avr/io.h>

volatile uint32_t timer_overflows;

/*
 * Interrupts back on at once: a TWI event that comes during this handler
 * is served within a few cycles instead of waiting for the whole 32-bit
 * increment, which would add to the SCL stretch. Nothing else touches
 * timer_overflows in interrupt context, and this cannot nest in itself.
 */
ISR(TIMER1_OVF_vect, ISR_NOBLOCK)
{
	timer_overflows++;
	health_tick();
}

void timer_init(void)
{
	TCCR1A = 0;
	TCNT1 = 0;
	TIFR1 = _BV(TOV1);
	TIMSK1 = _BV(TOIE1);
	TCCR1B = _BV(CS11);     /* clk/8 */
}

uint32_t timer_us(void)
{
	uint8_t sreg = SREG;
	uint32_t ovf;
	uint16_t cnt;

	cli();
	cnt = TCNT1;
	ovf = timer_overflows;
	/* an overflow pending but not yet counted belongs before cnt if cnt is small */
	if ((TIFR1 & _BV(TOV1)) && cnt < 0x8000)
		ovf++;
	SREG = sreg;
	/* ticks = ovf * 65536 + cnt; 65536 is a multiple of the ticks per us,
	 * so the shift splits exactly and the sum wraps cleanly at 2^32 us */
	return (ovf << (16 - FW_TICK_SHIFT)) + (cnt >> FW_TICK_SHIFT);
}

uint32_t timer_seconds(void)
{
	/* an overflow is 65536 ticks of F_CPU/8, 1024 / (15625 << shift) s:
	 * split so that nothing overflows 32 bits (at most 1024 * 62499) */
	const uint32_t per = 15625UL << FW_TICK_SHIFT;
	uint8_t sreg = SREG;
	uint32_t ovf;

	cli();
	ovf = timer_overflows;
	SREG = sreg;
	return ovf / per * 1024 + ovf % per * 1024 / per;
}
