/*
 * health.c - ADC readings of the bandgap against AVcc and of the die
 * temperature sensor (health.h); the one file that touches the ADC.
 *
 * Channels per the datasheets: the 328P's bandgap is MUX 1110 with AVcc as
 * reference (REFS0), its temperature sensor MUX 1000 with the internal
 * 1.1 V reference (REFS1|REFS0); the 2560's bandgap is MUX5:0 011110 and it
 * has no temperature sensor. A reference or channel switch needs time to
 * settle (the AREF pin's capacitor, the bandgap's start-up): a whole timer
 * tick passes between selecting a channel and converting it. The ADC clock
 * is F_CPU/128 (125 kHz at 16 MHz, 62.5 kHz at 8 MHz: within the 50-200 kHz
 * the datasheet asks for full resolution). Assumes avr-libc.
 */
#include "fwconfig.h"
#include "health.h"

#include <avr/io.h>
#include <util/atomic.h>

#if FW_SENSE_ANY

#if defined(__AVR_ATmega2560__)
#define HEALTH_MUX_VBG  (_BV(REFS0) | 0x1e)
#else
#define HEALTH_MUX_VBG  (_BV(REFS0) | 0x0e)
#endif
#define HEALTH_MUX_TEMP (_BV(REFS1) | _BV(REFS0) | 0x08)
#define HEALTH_ADCSRA   (_BV(ADEN) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0))

/* Which channel is selected, and whether its conversion runs. */
enum health_step {
	HEALTH_SETTLE = 0,      /* selected this tick: convert at the next */
	HEALTH_CONVERT,         /* conversion started: read at the next tick */
};

static uint8_t health_step;
static uint8_t health_chan;             /* DUCO_HEALTH_VCC or DUCO_HEALTH_TEMP */
static uint8_t health_have;             /* sensors read at least once */
static uint16_t health_vbg, health_temp, health_samples;

static void health_select(uint8_t chan)
{
	health_chan = chan;
	ADMUX = chan == DUCO_HEALTH_VCC ? HEALTH_MUX_VBG : HEALTH_MUX_TEMP;
	health_step = HEALTH_SETTLE;
}

void health_init(void)
{
	ADCSRA = HEALTH_ADCSRA;
#if defined(__AVR_ATmega2560__)
	ADCSRB &= (uint8_t)~_BV(MUX5);
#endif
	health_select(FW_SENSE_VCC ? DUCO_HEALTH_VCC : DUCO_HEALTH_TEMP);
}

void health_tick(void)
{
	uint16_t v;

	if (health_step == HEALTH_SETTLE) {
		ADCSRA = HEALTH_ADCSRA | _BV(ADSC);
		health_step = HEALTH_CONVERT;
		return;
	}
	if (ADCSRA & _BV(ADSC))
		return;                 /* not done yet (it always is by now) */
	v = ADC;
	if (health_chan == DUCO_HEALTH_VCC)
		health_vbg = v;
	else
		health_temp = v;
	health_have |= health_chan;
	if (health_chan == DUCO_HEALTH_VCC && FW_SENSE_TEMP) {
		health_select(DUCO_HEALTH_TEMP);
		return;
	}
	health_samples++;               /* a round ends with its last channel */
	health_select(FW_SENSE_VCC ? DUCO_HEALTH_VCC : DUCO_HEALTH_TEMP);
}

void health_read(struct duco_health *h)
{
	ATOMIC_BLOCK(ATOMIC_RESTORESTATE) {
		h->sensors = health_have;
		h->vbg_adc = health_vbg;
		h->temp_adc = health_temp;
		h->samples = health_samples;
	}
}

#else

void health_read(struct duco_health *h)
{
	h->sensors = 0;
	h->vbg_adc = h->temp_adc = h->samples = 0;
}

#endif
