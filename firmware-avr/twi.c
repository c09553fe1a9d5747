/*
 * twi.c - TWI slave driver: status codes in, slave.h events out (twi.h).
 *
 * The hardware holds SCL low from the moment TWINT is set until this handler
 * writes TWCR, and the Raspberry Pi's controller mishandles long stretches,
 * so the handler does one switch, one slave.c call and the TWCR write: no
 * loops, no hashing, no EEPROM. It always re-arms with TWEA so the slave
 * stays addressable; a bus error (0x00) is released with TWSTO as the
 * datasheet requires. TWAR is written before TWEN because simavr 1.6 only
 * enters slave mode if TWAR is already non-zero when TWEN is set. Assumes
 * the 328P/2560 TWI status codes (the prescaler bits of TWSR are masked).
 */
#include "fwconfig.h"

/* The state machine is compiled into this file so that its event functions
 * inline into the handler (see slave.c); module.mk does not build slave.c
 * separately for the AVR. */
#define SLAVE_EV_INLINE 1
#include "slave.c"

#include "twi.h"

#include <avr/interrupt.h>
#include <avr/io.h>

/* A fixed object rather than a pointer: the handler reaches its fields by
 * absolute address and needs no pointer register (fewer saved registers). */
struct slave twi_slave;

#define TWI_ARM (_BV(TWINT) | _BV(TWEA) | _BV(TWEN) | _BV(TWIE))

void twi_stop(void)
{
	TWCR = _BV(TWINT);      /* TWEN off; writing TWINT clears a stale event */
}

void twi_init(uint8_t addr)
{
	twi_stop();
	TWAR = (uint8_t)(addr << 1);    /* no general call */
	TWCR = _BV(TWEA) | _BV(TWEN) | _BV(TWIE);
}

void twi_set_addr(uint8_t addr)
{
	TWAR = (uint8_t)(addr << 1);
}

void twi_reset(void)
{
	uint8_t sreg = SREG;

	cli();
	slave_ev_bus_error(&twi_slave);
	TWCR = 0;
	TWCR = _BV(TWEA) | _BV(TWEN) | _BV(TWIE);
	SREG = sreg;
}

ISR(TWI_vect)
{
	struct slave *s = &twi_slave;
	uint8_t ctl = TWI_ARM;

	switch (TWSR & 0xf8) {
	case 0x60: case 0x68: case 0x70: case 0x78:    /* SLA+W (or GC) ACKed */
		slave_ev_addr_write(s);
		break;
	case 0x80: case 0x90:                           /* data, ACK returned */
		if (!slave_ev_rx_byte(s, TWDR))
			ctl &= (uint8_t)~_BV(TWEA);
		break;
	case 0x88: case 0x98:                           /* data, NACK returned */
		slave_ev_rx_byte(s, TWDR);
		slave_ev_stop(s);       /* no longer addressed: no STOP will come */
		break;
	case 0xa0:                                      /* STOP or repeated START */
		slave_ev_stop(s);
		break;
	case 0xa8: case 0xb0:                           /* SLA+R ACKed */
		TWDR = slave_ev_addr_read(s);
		break;
	case 0xb8:                                      /* byte sent, ACK */
		TWDR = slave_ev_tx_byte(s);
		break;
	case 0xc0: case 0xc8:                           /* read ended by the master */
		slave_ev_stop(s);
		break;
	case 0x00:                                      /* illegal START/STOP */
		slave_ev_bus_error(s);
		ctl |= _BV(TWSTO);
		break;
	default:
		break;
	}
	TWCR = ctl;
}
