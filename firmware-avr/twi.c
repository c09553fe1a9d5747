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

/*
 * CRC-8 (poly 0x07) of each byte value, in flash for the assembly fast path
 * below: one lpm instead of slave.c's two nibble steps. Generated from the
 * polynomial; twi_init checks it against slave.c's CRC and puts the slave
 * in the ERROR state if they differ.
 */
const uint8_t twi_crc_table[256] PROGMEM = {
	0x00, 0x07, 0x0e, 0x09, 0x1c, 0x1b, 0x12, 0x15, 0x38, 0x3f, 0x36, 0x31,
	0x24, 0x23, 0x2a, 0x2d, 0x70, 0x77, 0x7e, 0x79, 0x6c, 0x6b, 0x62, 0x65,
	0x48, 0x4f, 0x46, 0x41, 0x54, 0x53, 0x5a, 0x5d, 0xe0, 0xe7, 0xee, 0xe9,
	0xfc, 0xfb, 0xf2, 0xf5, 0xd8, 0xdf, 0xd6, 0xd1, 0xc4, 0xc3, 0xca, 0xcd,
	0x90, 0x97, 0x9e, 0x99, 0x8c, 0x8b, 0x82, 0x85, 0xa8, 0xaf, 0xa6, 0xa1,
	0xb4, 0xb3, 0xba, 0xbd, 0xc7, 0xc0, 0xc9, 0xce, 0xdb, 0xdc, 0xd5, 0xd2,
	0xff, 0xf8, 0xf1, 0xf6, 0xe3, 0xe4, 0xed, 0xea, 0xb7, 0xb0, 0xb9, 0xbe,
	0xab, 0xac, 0xa5, 0xa2, 0x8f, 0x88, 0x81, 0x86, 0x93, 0x94, 0x9d, 0x9a,
	0x27, 0x20, 0x29, 0x2e, 0x3b, 0x3c, 0x35, 0x32, 0x1f, 0x18, 0x11, 0x16,
	0x03, 0x04, 0x0d, 0x0a, 0x57, 0x50, 0x59, 0x5e, 0x4b, 0x4c, 0x45, 0x42,
	0x6f, 0x68, 0x61, 0x66, 0x73, 0x74, 0x7d, 0x7a, 0x89, 0x8e, 0x87, 0x80,
	0x95, 0x92, 0x9b, 0x9c, 0xb1, 0xb6, 0xbf, 0xb8, 0xad, 0xaa, 0xa3, 0xa4,
	0xf9, 0xfe, 0xf7, 0xf0, 0xe5, 0xe2, 0xeb, 0xec, 0xc1, 0xc6, 0xcf, 0xc8,
	0xdd, 0xda, 0xd3, 0xd4, 0x69, 0x6e, 0x67, 0x60, 0x75, 0x72, 0x7b, 0x7c,
	0x51, 0x56, 0x5f, 0x58, 0x4d, 0x4a, 0x43, 0x44, 0x19, 0x1e, 0x17, 0x10,
	0x05, 0x02, 0x0b, 0x0c, 0x21, 0x26, 0x2f, 0x28, 0x3d, 0x3a, 0x33, 0x34,
	0x4e, 0x49, 0x40, 0x47, 0x52, 0x55, 0x5c, 0x5b, 0x76, 0x71, 0x78, 0x7f,
	0x6a, 0x6d, 0x64, 0x63, 0x3e, 0x39, 0x30, 0x37, 0x22, 0x25, 0x2c, 0x2b,
	0x06, 0x01, 0x08, 0x0f, 0x1a, 0x1d, 0x14, 0x13, 0xae, 0xa9, 0xa0, 0xa7,
	0xb2, 0xb5, 0xbc, 0xbb, 0x96, 0x91, 0x98, 0x9f, 0x8a, 0x8d, 0x84, 0x83,
	0xde, 0xd9, 0xd0, 0xd7, 0xc2, 0xc5, 0xcc, 0xcb, 0xe6, 0xe1, 0xe8, 0xef,
	0xfa, 0xfd, 0xf4, 0xf3
};

static uint8_t twi_crc_table_ok(void)
{
	uint8_t i = 0;

	do {
		if (pgm_read_byte(&twi_crc_table[i]) != slave_crc_step(0, i))
			return 0;
	} while (++i);
	return 1;
}

void twi_stop(void)
{
	TWCR = _BV(TWINT);      /* TWEN off; writing TWINT clears a stale event */
}

void twi_init(uint8_t addr)
{
	twi_stop();
	if (!twi_crc_table_ok())
		slave_set_error(&twi_slave);
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
	  [s] "i" (&twi_slave), [tab] "i" (twi_crc_table),
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
