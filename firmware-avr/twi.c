/*
 * twi.c - TWI slave driver: status codes in, slave.h events out (twi.h).
 *
 * The hardware holds SCL low from the moment TWINT is set until this handler
 * writes TWCR, and the Raspberry Pi's controller mishandles long stretches,
 * so the handler only moves bytes and state: no loops, no hashing, no
 * EEPROM, and SCL is released as early as the event allows: as soon as
 * the byte to send is in TWDR, or at once when nothing goes on the bus,
 * with the bookkeeping done after (the next event is nine SCL periods away
 * and its interrupt waits for this one). The frequent events (status polls,
 * frame bytes) take a short assembly path that saves five registers; the
 * rest goes to the slave.c event functions, inlined into a C handler. It
 * always re-arms with TWEA so the slave stays addressable; a bus error
 * (0x00) is released with TWSTO as the datasheet requires. TWAR is written before TWEN because simavr 1.6 only
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
	/* the vector left the status here; 0x60 and 0xA0 it already released */
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
		slave_ev_stop(s);       /* no longer addressed: no STOP will come */
		break;
	case 0xa0:                                      /* STOP or repeated START */
		slave_ev_stop(s);
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
		slave_ev_stop(s);
		break;
	case 0x00:                                      /* illegal START/STOP */
		TWCR = TWI_ARM | _BV(TWSTO);
		slave_ev_bus_error(s);
		break;
	default:
		TWCR = TWI_ARM;
		break;
	}
}

/*
 * The vector: status polls and byte transfers, the events that happen
 * dozens of times per job, are served here in a few dozen instructions that
 * save five registers (the C handler saves thirteen): address+read
 * (0xA8) and end of read (0xC0/0xC8) when no write frame is open, byte sent
 * (0xB8) and byte received (0x80). They do exactly what
 * slave_ev_addr_read/_stop/_tx_byte/_rx_byte do (test/sim runs both paths
 * on the real firmware). Anything else restores the registers and jumps to
 * __vector_twi_slow. r1 is not assumed zero (an interrupt can land between
 * a mul and the compiler clearing r1).
 */
/* Constants for the assembly below, as text; checked against the enums. */
#define TWI_S(x) #x
#define TWI_X(x) TWI_S(x)
#define TWI_TX_IDLE     "0"
#define TWI_TX_HEAD     "1"
#define TWI_TX_BODY     "2"
#define TWI_TX_CRC      "3"
#define TWI_TX_PAD      "4"
#define TWI_RX_IDLE     "0"
#define TWI_RX_FRAME    "1"
#define TWI_RX_OVERFLOW "2"
#define TWI_VIEW_ID     "1"
#define TWI_ST_DONE     "2"
_Static_assert(SLAVE_TX_IDLE == 0 && SLAVE_TX_HEAD == 1 && SLAVE_TX_BODY == 2 &&
	       SLAVE_TX_CRC == 3 && SLAVE_TX_PAD == 4, "twi.c: enum slave_tx_state");
_Static_assert(SLAVE_RX_IDLE == 0 && SLAVE_RX_FRAME == 1 && SLAVE_RX_OVERFLOW == 2,
	       "twi.c: enum slave_rx_state");
_Static_assert(SLAVE_VIEW_IDENTITY == 1 && DUCO_ST_DONE == 2, "twi.c: view/state");
_Static_assert(offsetof(struct slave, result[1]) - offsetof(struct slave, result[0]) ==
	       DUCO_RESULT_BODY, "twi.c: result[1] follows result[0]");
#define TWI_OFF(f) "i" (offsetof(struct slave, f))
#define TWI_CRC_STEP                                                  \
	/* r24 = crc ^ byte: one byte-table lookup, result in r24 */   \
	"ldi  r30, lo8(%[tab])\n\t"  "ldi  r31, hi8(%[tab])\n\t"    \
	"add  r30, r24\n\t"  "brcc 7f\n\t"  "subi r31, 0xff\n"     \
"7:\n\t"                                                         \
	"lpm  r24, Z\n\t"

ISR(TWI_vect, ISR_NAKED)
{
	__asm__ __volatile__ (
	"push r24\n\t"
	"in   r24, __SREG__\n\t"
	"push r24\n\t"
	"lds  r24, %[twsr]\n\t"
	"andi r24, 0xf8\n\t"
	"out  %[gpior0], r24\n\t"          /* the status, for the C handler */
	"cpi  r24, 0xa0\n\t"   "breq 2f\n\t"     /* STOP, and SLA+W: release, */
	"cpi  r24, 0x60\n\t"   "breq 2f\n\t"     /* then the C handler */
	"cpi  r24, 0xb8\n\t"   "brne 8f\n\t"  "rjmp 10f\n"
"8:\n\t"
	"cpi  r24, 0x80\n\t"   "brne 8f\n\t"  "rjmp 30f\n"
"8:\n\t"
	"cpi  r24, 0xa8\n\t"   "brne 8f\n\t"  "rjmp 20f\n"
"8:\n\t"
	"cpi  r24, 0xc0\n\t"   "brne 8f\n\t"  "rjmp 40f\n"
"8:\n\t"
	"cpi  r24, 0xc8\n\t"   "brne 8f\n\t"  "rjmp 40f\n"
"8:\n\t"
	/* slow: back to the state the interrupt found, then the C handler */
"1:\n\t"
	"pop  r24\n\t"  "out  __SREG__, r24\n\t"  "pop  r24\n\t"
	"jmp  __vector_twi_slow\n"
"2:\n\t"
	"ldi  r24, %[arm]\n\t"
	"sts  %[twcr], r24\n\t"
	"rjmp 1b\n\t"

	/* 0xB8: byte sent, ACK: next byte of the read frame. Each branch
	 * puts its byte in TWDR and releases SCL before its bookkeeping. */
"10:\n\t"
	"push r25\n\t"  "push r30\n\t"  "push r31\n\t"
	"lds  r24, %[s]+%[tx_state]\n\t"
	"cpi  r24, " TWI_TX_BODY "\n\t"   "breq 13f\n\t"
	"cpi  r24, " TWI_TX_HEAD "\n\t"   "breq 11f\n\t"
	"cpi  r24, " TWI_TX_CRC "\n\t"    "breq 15f\n\t"
	"ldi  r24, " TWI_X(SLAVE_PAD_BYTE) "\n\t"       /* past the frame */
	"sts  %[twdr], r24\n\t"
	"ldi  r24, %[arm]\n\t"  "sts  %[twcr], r24\n\t"
	"rjmp 19f\n\t"
"15:\n\t"                            /* trailing CRC */
	"lds  r24, %[s]+%[tx_crc]\n\t"
	"sts  %[twdr], r24\n\t"
	"ldi  r24, %[arm]\n\t"  "sts  %[twcr], r24\n\t"
	"ldi  r24, " TWI_TX_PAD "\n\t"
	"sts  %[s]+%[tx_state], r24\n\t"
	"rjmp 19f\n\t"
"11:\n\t"                            /* head: crc8(status), then len */
	"lds  r24, %[s]+%[tx_pos]\n\t"
	"cpi  r24, 1\n\t"
	"brne 12f\n\t"
	"lds  r25, %[s]+%[tx_crc]\n\t"
	"sts  %[twdr], r25\n\t"
	"ldi  r24, %[arm]\n\t"  "sts  %[twcr], r24\n\t"
	"ldi  r24, 2\n\t"
	"sts  %[s]+%[tx_pos], r24\n\t"
	"rjmp 18f\n\t"
"12:\n\t"
	"lds  r25, %[s]+%[tx_len]\n\t"
	"sts  %[twdr], r25\n\t"
	"ldi  r24, %[arm]\n\t"  "sts  %[twcr], r24\n\t"
	"ldi  r24, 0\n\t"
	"sts  %[s]+%[tx_pos], r24\n\t"
	"ldi  r24, " TWI_TX_BODY "\n\t"
	"tst  r25\n\t"                     /* empty body: the CRC is next */
	"brne 16f\n\t"
	"ldi  r24, " TWI_TX_CRC "\n\t"
"16:\n\t"
	"sts  %[s]+%[tx_state], r24\n\t"
	"rjmp 18f\n\t"
"13:\n\t"                            /* body byte */
	"lds  r30, %[s]+%[tx_body]\n\t"
	"lds  r31, %[s]+%[tx_body]+1\n\t"
	"lds  r24, %[s]+%[tx_pos]\n\t"
	"add  r30, r24\n\t"
	"brcc 14f\n\t"
	"subi r31, 0xff\n\t"
"14:\n\t"
	"ld   r25, Z\n\t"
	"sts  %[twdr], r25\n\t"
	"ldi  r30, %[arm]\n\t"  "sts  %[twcr], r30\n\t"
	"subi r24, 0xff\n\t"
	"sts  %[s]+%[tx_pos], r24\n\t"
	"lds  r30, %[s]+%[tx_len]\n\t"
	"cp   r24, r30\n\t"
	"brlo 18f\n\t"
	"ldi  r24, " TWI_TX_CRC "\n\t"
	"sts  %[s]+%[tx_state], r24\n\t"
"18:\n\t"                            /* add the byte sent (r25) to the CRC */
	"lds  r24, %[s]+%[tx_crc]\n\t"
	"eor  r24, r25\n\t"
	TWI_CRC_STEP
	"sts  %[s]+%[tx_crc], r24\n\t"
"19:\n\t"
	"lds  r24, %[s]+%[events]\n\t"  "subi r24, 0xff\n\t"
	"sts  %[s]+%[events], r24\n\t"
	"rjmp 93f\n\t"

	/* 0xA8: addressed for read: latch the status, pick the body */
"20:\n\t"
	"lds  r24, %[s]+%[rx_state]\n\t"
	"cpi  r24, " TWI_RX_IDLE "\n\t"
	"breq 8f\n\t"  "rjmp 1b\n"         /* a write frame to finish: slow */
"8:\n\t"
	"push r25\n\t"  "push r30\n\t"  "push r31\n\t"
	"lds  r25, %[s]+%[seq]\n\t"
	"swap r25\n\t"
	"andi r25, 0xf0\n\t"
	"lds  r24, %[s]+%[reject]\n\t"
	"cpi  r24, 0\n\t"
	"breq 21f\n\t"
	"ori  r25, " TWI_X(DUCO_STATUS_REJECT) "\n\t"
"21:\n\t"
	"lds  r24, %[s]+%[state]\n\t"
	"andi r24, 0x07\n\t"
	"or   r25, r24\n\t"
	"sts  %[s]+%[tx_status], r25\n\t"
	"sts  %[twdr], r25\n\t"
	"ldi  r24, %[arm]\n\t"  "sts  %[twcr], r24\n\t"   /* release SCL now */
	"lds  r24, %[s]+%[events]\n\t"  "subi r24, 0xff\n\t"
	"sts  %[s]+%[events], r24\n\t"
	"mov  r24, r25\n\t"
	"andi r24, 0x07\n\t"
	"lds  r30, %[s]+%[view]\n\t"
	"cpi  r30, " TWI_VIEW_ID "\n\t"
	"brne 22f\n\t"
	"ldi  r30, lo8(%[s]+%[identity])\n\t"
	"ldi  r31, hi8(%[s]+%[identity])\n\t"
	"ldi  r24, " TWI_X(DUCO_IDENTITY_BODY) "\n\t"
	"rjmp 25f\n\t"
"22:\n\t"
	"cpi  r24, " TWI_ST_DONE "\n\t"
	"breq 23f\n\t"
	"ldi  r24, 0\n\t"                   /* no body */
	"sts  %[s]+%[tx_len], r24\n\t"
	"rjmp 26f\n\t"
"23:\n\t"
	"ldi  r30, lo8(%[s]+%[result])\n\t"
	"ldi  r31, hi8(%[s]+%[result])\n\t"
	"lds  r24, %[s]+%[front]\n\t"
	"cpi  r24, 0\n\t"
	"breq 24f\n\t"
	"adiw r30, " TWI_X(DUCO_RESULT_BODY) "\n\t"          /* result[1] */
"24:\n\t"
	"ldi  r24, " TWI_X(DUCO_RESULT_BODY) "\n\t"
"25:\n\t"
	"sts  %[s]+%[tx_len], r24\n\t"
	"sts  %[s]+%[tx_body], r30\n\t"
	"sts  %[s]+%[tx_body]+1, r31\n\t"
"26:\n\t"
	"ldi  r24, " TWI_TX_HEAD "\n\t"
	"sts  %[s]+%[tx_state], r24\n\t"
	"ldi  r24, 1\n\t"
	"sts  %[s]+%[tx_pos], r24\n\t"
	"mov  r24, r25\n\t"                 /* crc = step(0 ^ status) */
	TWI_CRC_STEP
	"sts  %[s]+%[tx_crc], r24\n\t"
	"rjmp 93f\n\t"

	/* 0x80: data byte received, ACK returned */
"30:\n\t"
	"push r25\n\t"  "push r30\n\t"  "push r31\n\t"
	"lds  r25, %[twdr]\n\t"            /* the byte, then release (always ACK) */
	"ldi  r24, %[arm]\n\t"  "sts  %[twcr], r24\n\t"   /* release SCL now */
	"lds  r24, %[s]+%[events]\n\t"  "subi r24, 0xff\n\t"
	"sts  %[s]+%[events], r24\n\t"
	"lds  r24, %[s]+%[rx_state]\n\t"
	"cpi  r24, " TWI_RX_FRAME "\n\t"
	"breq 8f\n\t"  "rjmp 93f\n"
"8:\n\t"                      /* overflowing or stray: swallow */
	"lds  r24, %[s]+%[rx_len]\n\t"
	"cpi  r24, " TWI_X(SLAVE_RX_MAX) "\n\t"
	"brlo 31f\n\t"
	"ldi  r24, " TWI_RX_OVERFLOW "\n\t"
	"sts  %[s]+%[rx_state], r24\n\t"
	"rjmp 93f\n\t"
"31:\n\t"
	"lds  r30, %[s]+%[rx_ptr]\n\t"
	"lds  r31, %[s]+%[rx_ptr]+1\n\t"
	"add  r30, r24\n\t"
	"brcc 32f\n\t"
	"subi r31, 0xff\n\t"
"32:\n\t"
	"subi r24, 0xff\n\t"
	"sts  %[s]+%[rx_len], r24\n\t"
	"st   Z, r25\n\t"
	"lds  r24, %[s]+%[rx_crc]\n\t"
	"eor  r24, r25\n\t"
	TWI_CRC_STEP
	"sts  %[s]+%[rx_crc], r24\n\t"
	"rjmp 93f\n\t"

	/* 0xC0/0xC8: the master ended its read */
"40:\n\t"
	"lds  r24, %[s]+%[rx_state]\n\t"
	"cpi  r24, " TWI_RX_IDLE "\n\t"
	"breq 8f\n\t"  "rjmp 1b\n"
"8:\n\t"
	"ldi  r24, %[arm]\n\t"  "sts  %[twcr], r24\n\t"   /* release SCL now */
	"lds  r24, %[s]+%[events]\n\t"  "subi r24, 0xff\n\t"
	"sts  %[s]+%[events], r24\n\t"
	"ldi  r24, " TWI_TX_IDLE "\n\t"
	"sts  %[s]+%[tx_state], r24\n\t"
	"rjmp 92f\n\t"

	/* release SCL, stay addressable; restore and return */
"90:\n\t"
	"ldi  r24, %[arm]\n\t"
	"sts  %[twcr], r24\n\t"
	"pop  r31\n\t"  "pop  r30\n\t"  "pop  r25\n\t"
	"rjmp 92f\n\t"
"93:\n\t"                            /* already released */
	"pop  r31\n\t"  "pop  r30\n\t"  "pop  r25\n\t"
"92:\n\t"
	"pop  r24\n\t"  "out  __SREG__, r24\n\t"  "pop  r24\n\t"
	"reti\n\t"
	:
	: [twsr] "n" (_SFR_MEM_ADDR(TWSR)), [twdr] "n" (_SFR_MEM_ADDR(TWDR)),
	  [gpior0] "I" (_SFR_IO_ADDR(GPIOR0)),
	  [twcr] "n" (_SFR_MEM_ADDR(TWCR)), [arm] "n" (TWI_ARM),
	  [s] "i" (&twi_slave), [tab] "i" (duco_crc8_table),
	  [events] TWI_OFF(events), [tx_state] TWI_OFF(tx_state),
	  [tx_status] TWI_OFF(tx_status), [tx_pos] TWI_OFF(tx_pos),
	  [tx_len] TWI_OFF(tx_len), [tx_crc] TWI_OFF(tx_crc),
	  [tx_body] TWI_OFF(tx_body), [rx_state] TWI_OFF(rx_state),
	  [rx_len] TWI_OFF(rx_len), [rx_crc] TWI_OFF(rx_crc),
	  [rx_ptr] TWI_OFF(rx_ptr), [seq] TWI_OFF(seq), [reject] TWI_OFF(reject),
	  [state] TWI_OFF(state), [view] TWI_OFF(view), [front] TWI_OFF(front),
	  [identity] TWI_OFF(identity), [result] TWI_OFF(result)
	);
}
