/*
 * twi_probe.c - a tiny ATmega328P TWI slave that tests ducosim's bus model.
 *
 * Not ducorig firmware: an avr-libc image built only for test_sim_bus. Its
 * interrupt handler logs every TWSR status it sees, so the test can compare
 * the sequence with the datasheet's, and its behaviour is chosen by the first
 * byte of a write: 'E' echo (the next read returns the bytes written after
 * the 'E'), 'L' log (the next read returns the status log, then clears it),
 * 'S' short (the next read sends 4 bytes and then says "last byte", TWEA=0),
 * 'D' delay (every later event is handled after a ~1000-cycle busy loop, to
 * check the stretch measurement), and two that test the simulator's crash
 * handling after the write's STOP: 'X' jumps into erased flash, which the
 * core runs through to the end of flash, 'H' sleeps with interrupts off.
 * It NACKs the 8th data byte of any write. Built with PROBE_TWEN_FIRST it
 * enables the TWI before it sets its address, in the Arduino Wire library's
 * order.
 * Address PROBE_ADDR (compile time). Assumes avr-libc and an ATmega328P.
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <stdint.h>

#ifndef PROBE_ADDR
#define PROBE_ADDR 0x30
#endif
#define PROBE_ARM   (_BV(TWINT) | _BV(TWEA) | _BV(TWEN) | _BV(TWIE))
#define PROBE_MAXRX 7           /* the 8th written byte is NACKed */

static volatile uint8_t probe_log[64], probe_nlog;
static uint8_t probe_rx[16], probe_nrx, probe_mode, probe_delay;
static uint8_t probe_out[64], probe_nout, probe_tx;
static volatile uint8_t probe_action;   /* 'X' or 'H': main does it */

static void probe_prepare_read(void)
{
	uint8_t i;

	probe_nout = 0;
	if (probe_mode == 'L') {
		for (i = 0; i < probe_nlog; i++)
			probe_out[probe_nout++] = probe_log[i];
		probe_nlog = 0;
	} else {
		for (i = 1; i < probe_nrx; i++)
			probe_out[probe_nout++] = probe_rx[i];
	}
	probe_tx = 0;
}

static uint8_t probe_next(uint8_t *ctl)
{
	uint8_t b = probe_tx < probe_nout ? probe_out[probe_tx] : 0xEE;

	probe_tx++;
	if (probe_mode == 'S' && probe_tx >= 4)
		*ctl &= (uint8_t)~_BV(TWEA);    /* that was the last byte */
	return b;
}

ISR(TWI_vect)
{
	uint8_t st = TWSR & 0xF8, ctl = PROBE_ARM;

	if (probe_delay)
		for (volatile uint16_t i = 0; i < 100; i++)
			;
	if (probe_nlog < sizeof(probe_log) && !(probe_mode == 'L' && st >= 0xA8))
		probe_log[probe_nlog++] = st;
	switch (st) {
	case 0x60:
		probe_nrx = 0;
		break;
	case 0x80:
	case 0x88:
		if (probe_nrx < sizeof(probe_rx))
			probe_rx[probe_nrx++] = TWDR;
		if (probe_nrx == 1) {
			probe_mode = probe_rx[0];
			if (probe_mode == 'D')
				probe_delay = 1;
		}
		if (st == 0x80 && probe_nrx >= PROBE_MAXRX)
			ctl &= (uint8_t)~_BV(TWEA);
		break;
	case 0xA8:
		probe_prepare_read();
		TWDR = probe_next(&ctl);
		break;
	case 0xB8:
		TWDR = probe_next(&ctl);
		break;
	case 0xA0:
		if (probe_mode == 'X' || probe_mode == 'H')
			probe_action = probe_mode;
		break;
	default:        /* C0, C8: re-arm */
		break;
	}
	TWCR = ctl;
}

int main(void)
{
#ifdef PROBE_TWEN_FIRST
	TWCR = _BV(TWEA) | _BV(TWEN) | _BV(TWIE);
	TWAR = (uint8_t)(PROBE_ADDR << 1);
#else
	TWAR = (uint8_t)(PROBE_ADDR << 1);
	TWCR = _BV(TWEA) | _BV(TWEN) | _BV(TWIE);
#endif
	set_sleep_mode(SLEEP_MODE_IDLE);
	sei();
	for (;;) {
		sleep_mode();
		if (probe_action == 'X')
			((void (*)(void))0x3000)();     /* word 0x3000: erased flash */
		if (probe_action == 'H') {
			cli();
			sleep_mode();
		}
	}
}
