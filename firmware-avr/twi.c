/*
 * twi.c - TWI slave driver: status codes in, slave.h events out (twi.h).
 *
 * The hardware holds SCL low from the moment TWINT is set until this handler
 * writes TWCR, and the Raspberry Pi's controller mishandles long stretches,
 * so the handler only moves bytes and state: no loops, no hashing, no
 * EEPROM, and SCL is released as early as the event allows: as soon as
 * the byte to send is in TWDR, or at once when nothing goes on the bus,
 * with the bookkeeping done after (the next event is nine SCL periods away
 * and its interrupt waits for this one). The protocol is slave.c's: its
 * event functions, inlined into two C handlers (STOP, and everything
 * else), take every decision. The frequent events (status polls, frame
 * bytes) are served by a short assembly path in the vector that only moves
 * the bytes and cursors slave.c prepared (slave.h, "Cursors"). It always
 * re-arms with TWEA so the slave stays addressable; a bus error (0x00) is
 * released with TWSTO as the datasheet requires. TWAR is written before
 * TWEN because simavr 1.6 only enters slave mode if TWAR is already
 * non-zero when TWEN is set. Assumes the 328P/2560 TWI status codes (the
 * prescaler bits of TWSR are masked).
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
#include <avr/pgmspace.h>
#include <stddef.h>

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

/* STOP or repeated START (0xA0), released by the vector: the end of every
 * write frame, where the frame is checked and acted on. Its own handler
 * because it is the common one: no dispatch, and done before the next
 * address byte even at 400 kHz on a 16 MHz board. */
void __vector_twi_stop(void) __attribute__((signal, used, externally_visible));
void __vector_twi_stop(void)
{
	slave_ev_stop(&twi_slave);
}

/*
 * Every event the fast path below does not serve: the state machine in C.
 * A complete interrupt handler of its own (prologue, reti) that the vector
 * jumps to with all registers as the interrupt found them; the __vector
 * prefix only tells avr-gcc that a signal handler name is intended.
 */
void __vector_twi_slow(void) __attribute__((signal, used, externally_visible));
void __vector_twi_slow(void)
{
	struct slave *s = &twi_slave;
	uint8_t b;

	/*
	 * Events that put nothing on the bus are released first and handled
	 * after: the next event needs nine more SCL periods at least, and its
	 * interrupt waits for this one anyway. That keeps even the STOP that
	 * ends a JOB frame (the whole frame check) from stretching SCL.
	 */
	/* the vector left the status here; 0x60 it already released (0xA0 it
	 * sends to __vector_twi_stop) */
	uint8_t stop = 0;

	switch (GPIOR0) {
	case 0x60:                                      /* SLA+W ACKed */
		slave_ev_addr_write(s);
		break;
	case 0x68: case 0x70: case 0x78:                /* (GC/arbitration: unused) */
		TWCR = TWI_ARM;
		slave_ev_addr_write(s);
		break;
	case 0x80: case 0x90:                           /* data, ACK returned */
		TWCR = slave_ev_rx_byte(s, TWDR) ? TWI_ARM :
		       (uint8_t)(TWI_ARM & ~_BV(TWEA));
		break;
	case 0x88: case 0x98:                           /* data, NACK returned */
		b = TWDR;
		TWCR = TWI_ARM;
		slave_ev_rx_byte(s, b);
		stop = 1;               /* no longer addressed: no STOP will come */
		break;
	case 0xa8: case 0xb0:                           /* SLA+R ACKed */
		TWDR = slave_ev_addr_read(s);
		TWCR = TWI_ARM;
		break;
	case 0xb8:                                      /* byte sent, ACK */
		TWDR = slave_ev_tx_byte(s);
		TWCR = TWI_ARM;
		break;
	case 0xc0: case 0xc8:                           /* read ended by the master */
		TWCR = TWI_ARM;
		stop = 1;
		break;
	case 0x00:                                      /* illegal START/STOP */
		TWCR = TWI_ARM | _BV(TWSTO);
		slave_ev_bus_error(s);
		break;
	default:
		TWCR = TWI_ARM;
		break;
	}
	if (stop)               /* the frame check, out of line (slave.c) */
		slave_ev_stop_late(s);
}

/*
 * The vector. Status polls and frame bytes, the events that happen dozens
 * of times per job, are served here in assembly. Why not in C: the C
 * handlers save every call-clobbered register (17 pushes and pops; they
 * call the frame-rule check and the renderer): with every event sent to
 * them, `make bench-fw` measured 305 cycles per 1-byte poll (the bound is
 * 175) and a 122-cycle stretch after address+read (the bound is 55). This
 * path saves at most three registers. It is the minimum that keeps those
 * figures: slave.h's
 * "Cursors", the four cursor steps slave_tx_open, _tx_next, _tx_close and
 * _rx_store, nothing else; it takes no decision and computes nothing but
 * the receive CRC step (one lookup in duco_crc8_table). address+read
 * (0xA8) and end of read (0xC0/0xC8) go to C while a write frame is open
 * (the event finishes it first). STOP (0xA0) and SLA+W (0x60) are
 * released here and handled in C; anything else restores the registers
 * and jumps to __vector_twi_slow with the status in GPIOR0.
 * r1 is not assumed zero (an interrupt can land between a mul and the
 * compiler clearing r1).
 */
#define TWI_OFF(f) "i" (offsetof(struct slave, f))
_Static_assert(SLAVE_RX_IDLE == 0, "twi.c: the fast path tests rx_state for 0");

ISR(TWI_vect, ISR_NAKED)
{
	__asm__ __volatile__ (
	"push r24\n\t"
	"in   r24, __SREG__\n\t"
	"push r24\n\t"
	"lds  r24, %[twsr]\n\t"
	"andi r24, 0xf8\n\t"
	"cpi  r24, 0xa8\n\t"   "breq 20f\n\t"
	"cpi  r24, 0xc0\n\t"   "breq 40f\n\t"
	"cpi  r24, 0xc8\n\t"   "breq 40f\n\t"
	"cpi  r24, 0xb8\n\t"   "brne 8f\n\t"  "rjmp 10f\n"
"8:\n\t"
	"cpi  r24, 0x80\n\t"   "brne 8f\n\t"  "rjmp 30f\n"
"8:\n\t"
	"out  %[gpior0], r24\n\t"          /* the status, for the C handler */
	"cpi  r24, 0xa0\n\t"   "brne 8f\n\t"  "rjmp 4f\n"   /* STOP: release, */
"8:\n\t"
	"cpi  r24, 0x60\n\t"   "breq 2f\n"       /* SLA+W: release, then C */
	/* slow: back to the state the interrupt found, then the C handler */
"1:\n\t"
	"pop  r24\n\t"  "out  __SREG__, r24\n\t"  "pop  r24\n\t"
	"jmp  __vector_twi_slow\n"
"2:\n\t"
	"ldi  r24, %[arm]\n\t"
	"sts  %[twcr], r24\n\t"
	"rjmp 1b\n"
"3:\n\t"                             /* slow, from a fast-path entry */
	"lds  r24, %[twsr]\n\t"
	"andi r24, 0xf8\n\t"
	"out  %[gpior0], r24\n\t"
	"rjmp 1b\n"

	/* 0xA8 addressed for read: slave_tx_open. The status byte first. */
"20:\n\t"
	"lds  r24, %[s]+%[rx_state]\n\t"
	"tst  r24\n\t"
	"brne 3b\n\t"                      /* a write frame to finish: C */
	"lds  r24, %[s]+%[head]\n\t"
	"sts  %[twdr], r24\n\t"
	"ldi  r24, %[arm]\n\t"  "sts  %[twcr], r24\n\t"   /* release SCL now */
	"push r30\n\t"  "push r31\n\t"
	"lds  r30, %[s]+%[offer]\n\t"
	"lds  r31, %[s]+%[offer]+1\n\t"
	"adiw r30, 1\n\t"
	"lds  r24, %[s]+%[head]+1\n\t"
	"st   Z, r24\n\t"
	"sts  %[s]+%[tx_ptr], r30\n\t"
	"sts  %[s]+%[tx_ptr]+1, r31\n\t"
	"lds  r24, %[s]+%[offer_left]\n\t"
	"sts  %[s]+%[tx_left], r24\n\t"
	"ldi  r24, 1\n\t"
	"sts  %[s]+%[tx_open], r24\n\t"
	"rjmp 90f\n"

	/* 0xC0/0xC8 the master ended its read: slave_tx_close */
"40:\n\t"
	"lds  r24, %[s]+%[rx_state]\n\t"
	"tst  r24\n\t"
	"brne 3b\n\t"
	"ldi  r24, %[arm]\n\t"  "sts  %[twcr], r24\n\t"   /* release SCL now */
	"ldi  r24, 0\n\t"
	"sts  %[s]+%[tx_open], r24\n\t"
	"rjmp 91f\n"

	/* 0xB8 byte sent, ACK: slave_tx_next */
"10:\n\t"
	"push r30\n\t"  "push r31\n\t"
	"lds  r30, %[s]+%[tx_ptr]\n\t"
	"lds  r31, %[s]+%[tx_ptr]+1\n\t"
	"ld   r24, Z\n\t"
	"sts  %[twdr], r24\n\t"
	"ldi  r24, %[arm]\n\t"  "sts  %[twcr], r24\n\t"   /* release SCL now */
	"lds  r24, %[s]+%[tx_left]\n\t"
	"subi r24, 1\n\t"
	"brcs 90f\n\t"                     /* at the pad: stay there */
	"sts  %[s]+%[tx_left], r24\n\t"
	"adiw r30, 1\n\t"
	"sts  %[s]+%[tx_ptr], r30\n\t"
	"sts  %[s]+%[tx_ptr]+1, r31\n\t"
	"rjmp 90f\n"

	/* 0x80 data byte received, ACK returned: slave_rx_store */
"30:\n\t"
	"lds  r24, %[s]+%[rx_room]\n\t"
	"tst  r24\n\t"
	"brne 8f\n\t"  "rjmp 33f\n"       /* full, or no frame: swallow */
"8:\n\t"
	"push r30\n\t"  "push r31\n\t"
	"push r25\n\t"
	"lds  r25, %[twdr]\n\t"
	"ldi  r30, %[arm]\n\t"  "sts  %[twcr], r30\n\t"   /* release SCL (always ACK) */
	"dec  r24\n\t"
	"sts  %[s]+%[rx_room], r24\n\t"
	"lds  r30, %[s]+%[rx_ptr]\n\t"
	"lds  r31, %[s]+%[rx_ptr]+1\n\t"
	"st   Z+, r25\n\t"
	"sts  %[s]+%[rx_ptr], r30\n\t"
	"sts  %[s]+%[rx_ptr]+1, r31\n\t"
	"lds  r24, %[s]+%[rx_crc]\n\t"     /* duco_crc8_step(rx_crc, byte) */
	"eor  r24, r25\n\t"
	"ldi  r30, lo8(%[tab])\n\t"  "ldi  r31, hi8(%[tab])\n\t"
	"add  r30, r24\n\t"
	"brcc 31f\n\t"
	"subi r31, 0xff\n"
"31:\n\t"
	"lpm  r24, Z\n\t"
	"sts  %[s]+%[rx_crc], r24\n\t"
	"pop  r25\n\t"
	"rjmp 90f\n"
"33:\n\t"                            /* release, nothing stored */
	"ldi  r24, %[arm]\n\t"  "sts  %[twcr], r24\n\t"
	"rjmp 91f\n"

	/* every fast event: events + 1; restore and return */
"90:\n\t"
	"pop  r31\n\t"  "pop  r30\n"
"91:\n\t"
	"lds  r24, %[s]+%[events]\n\t"  "subi r24, 0xff\n\t"
	"sts  %[s]+%[events], r24\n\t"
	"pop  r24\n\t"  "out  __SREG__, r24\n\t"  "pop  r24\n\t"
	"reti\n"
	/* 0xA0 STOP or repeated START: release, then its own C handler */
"4:\n\t"
	"ldi  r24, %[arm]\n\t"
	"sts  %[twcr], r24\n\t"
	"pop  r24\n\t"  "out  __SREG__, r24\n\t"  "pop  r24\n\t"
	"jmp  __vector_twi_stop\n"
	:
	: [twsr] "n" (_SFR_MEM_ADDR(TWSR)), [twdr] "n" (_SFR_MEM_ADDR(TWDR)),
	  [gpior0] "I" (_SFR_IO_ADDR(GPIOR0)),
	  [twcr] "n" (_SFR_MEM_ADDR(TWCR)), [arm] "n" (TWI_ARM),
	  [s] "i" (&twi_slave), [tab] "i" (duco_crc8_table),
	  [events] TWI_OFF(events), [rx_state] TWI_OFF(rx_state),
	  [rx_ptr] TWI_OFF(rx_ptr), [rx_room] TWI_OFF(rx_room), [rx_crc] TWI_OFF(rx_crc),
	  [tx_ptr] TWI_OFF(tx_ptr), [tx_left] TWI_OFF(tx_left), [tx_open] TWI_OFF(tx_open),
	  [offer] TWI_OFF(offer), [offer_left] TWI_OFF(offer_left), [head] TWI_OFF(head)
	);
}
