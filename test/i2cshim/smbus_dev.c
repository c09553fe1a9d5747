/*
 * smbus_dev.c - an ATmega328P SMBus register device for the stand-in's tests.
 *
 * Not ducorig firmware: a small avr-libc TWI slave, built only for
 * test/i2cshim's request matrix, that gives every SMBus protocol and plain
 * I2C something to act on, so a test can check that bytes written through
 * libi2c or py-smbus arrive as the protocol says and that reads come back
 * right. Like the kernel's i2c-stub, a write's first byte is the command
 * (the register pointer) and a read answers from the last command:
 *
 *   command    write                           read
 *   0x00-0x3F  byte registers, auto-increment  reg[p], reg[p+1], ... (p moves on)
 *   0x40-0x5F  word register: lo, hi           lo, hi
 *   0x80-0x87  block register: count, data     count, data (SMBus block)
 *   0xA0       process call: lo, hi            ~lo, ~hi
 *   0xA1       block process call: count, data count, ~data
 *   0xF0       -                               the last write's bytes as a
 *                                              block (count, bytes; writes
 *                                              of command 0xF0 are not kept)
 *   0xF1       -                               counters: quick writes, read
 *                                              addressings, reads that ended
 *                                              without a data byte
 *   0xF2       count, bytes: the next read     (then 0xFF)
 *              answers exactly these bytes
 *
 * A read without a command before it (SMBus receive byte) reads the byte
 * registers from the pointer. The device knows nothing of PEC: a test that
 * checks PEC reads the write log (the PEC byte is the last one written) or
 * scripts the read's bytes with 0xF2. Writes longer than the buffer are
 * NACKed. Address SMBUS_DEV_ADDR (compile time). Assumes avr-libc and an
 * ATmega328P; the interrupt handler does all the work, main only sleeps.
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <stdint.h>

#ifndef SMBUS_DEV_ADDR
#define SMBUS_DEV_ADDR 0x50
#endif
#define DEV_ARM    (_BV(TWINT) | _BV(TWEA) | _BV(TWEN) | _BV(TWIE))
#define DEV_WMAX   48           /* bytes of one write transaction kept */
#define DEV_OMAX   40           /* bytes one read answers before 0xFF */
#define DEV_BLOCKS 8

static uint8_t dev_reg[64];
static uint8_t dev_word[32][2];
static uint8_t dev_block[DEV_BLOCKS][33];
static uint8_t dev_pc[2];                       /* process call answer */
static uint8_t dev_bpc[33];                     /* block process call answer */
static uint8_t dev_log[DEV_WMAX + 1];           /* count, bytes */
static uint8_t dev_script[DEV_OMAX], dev_nscript, dev_scripted;
static uint8_t dev_stats[3];                    /* quick, addressed-R, unfinished */

static uint8_t dev_w[DEV_WMAX], dev_nw;         /* the write in progress */
static uint8_t dev_p;                           /* command / register pointer */
static uint8_t dev_out[DEV_OMAX], dev_nout, dev_tx;
static uint8_t dev_reading;                     /* between 0xA8 and its end */

static void dev_copy(uint8_t *dst, const uint8_t *src, uint8_t n)
{
	while (n--)
		*dst++ = *src++;
}

/* STOP or repeated START after a write: act on what was written. */
static void dev_apply(void)
{
	uint8_t cmd = dev_w[0], n, i;

	if (dev_nw == 0) {
		dev_stats[0]++;                 /* quick write */
		return;
	}
	if (cmd != 0xF0) {
		dev_log[0] = dev_nw;
		dev_copy(dev_log + 1, dev_w, dev_nw);
	}
	dev_p = cmd;
	if (cmd < 0x40) {
		for (i = 1; i < dev_nw; i++)
			dev_reg[(uint8_t)(cmd + i - 1) & 0x3F] = dev_w[i];
	} else if (cmd < 0x60) {
		if (dev_nw >= 3)
			dev_copy(dev_word[cmd - 0x40], dev_w + 1, 2);
	} else if (cmd >= 0x80 && cmd < 0x80 + DEV_BLOCKS) {
		if (dev_nw >= 2) {
			n = dev_w[1];
			if (n > 32)
				n = 32;
			if (n > dev_nw - 2)
				n = (uint8_t)(dev_nw - 2);
			dev_block[cmd - 0x80][0] = n;
			dev_copy(dev_block[cmd - 0x80] + 1, dev_w + 2, n);
		}
	} else if (cmd == 0xA0) {
		if (dev_nw >= 3) {
			dev_pc[0] = (uint8_t)~dev_w[1];
			dev_pc[1] = (uint8_t)~dev_w[2];
		}
	} else if (cmd == 0xA1) {
		n = dev_nw >= 2 ? dev_w[1] : 0;
		if (n > 32)
			n = 32;
		if (n > dev_nw - 2)
			n = (uint8_t)(dev_nw - 2);
		dev_bpc[0] = n;
		for (i = 0; i < n; i++)
			dev_bpc[1 + i] = (uint8_t)~dev_w[2 + i];
	} else if (cmd == 0xF2) {
		n = dev_nw >= 2 ? dev_w[1] : 0;
		if (n > DEV_OMAX)
			n = DEV_OMAX;
		if (n > dev_nw - 2)
			n = (uint8_t)(dev_nw - 2);
		dev_copy(dev_script, dev_w + 2, n);
		dev_nscript = n;
		dev_scripted = 1;
	}
}

/* Addressed for read: what this read answers. */
static void dev_prepare_read(void)
{
	uint8_t i, cmd = dev_p;

	dev_nout = 0;
	dev_tx = 0;
	if (dev_scripted) {
		dev_scripted = 0;
		dev_copy(dev_out, dev_script, dev_nscript);
		dev_nout = dev_nscript;
	} else if (cmd < 0x40) {
		for (i = 0; i < DEV_OMAX; i++)
			dev_out[i] = dev_reg[(uint8_t)(cmd + i) & 0x3F];
		dev_nout = DEV_OMAX;
	} else if (cmd < 0x60) {
		dev_copy(dev_out, dev_word[cmd - 0x40], 2);
		dev_nout = 2;
	} else if (cmd >= 0x80 && cmd < 0x80 + DEV_BLOCKS) {
		dev_nout = (uint8_t)(dev_block[cmd - 0x80][0] + 1);
		dev_copy(dev_out, dev_block[cmd - 0x80], dev_nout);
	} else if (cmd == 0xA0) {
		dev_copy(dev_out, dev_pc, 2);
		dev_nout = 2;
	} else if (cmd == 0xA1) {
		dev_nout = (uint8_t)(dev_bpc[0] + 1);
		dev_copy(dev_out, dev_bpc, dev_nout);
	} else if (cmd == 0xF0) {
		dev_nout = (uint8_t)(dev_log[0] + 1);
		if (dev_nout > DEV_OMAX)
			dev_nout = DEV_OMAX;
		dev_copy(dev_out, dev_log, dev_nout);
	} else if (cmd == 0xF1) {
		dev_copy(dev_out, dev_stats, sizeof(dev_stats));
		dev_nout = sizeof(dev_stats);
	}
}

/* The next byte to send; ctl loses TWEA when it is the last one there is. */
static uint8_t dev_next(uint8_t *ctl)
{
	uint8_t b = dev_tx < dev_nout ? dev_out[dev_tx] : 0xFF;

	dev_tx++;
	if (dev_tx >= dev_nout)
		*ctl &= (uint8_t)~_BV(TWEA);
	return b;
}

/* A read ended (master NACK, or it wanted more than there was). */
static void dev_end_read(void)
{
	dev_reading = 0;
	if (dev_p < 0x40)
		dev_p = (uint8_t)((dev_p + dev_tx) & 0x3F);
}

ISR(TWI_vect)
{
	uint8_t st = TWSR & 0xF8, ctl = DEV_ARM;

	switch (st) {
	case 0x60:                              /* addressed for write */
		if (dev_reading) {
			dev_stats[2]++;         /* a zero-length read ended before */
			dev_reading = 0;
		}
		dev_nw = 0;
		break;
	case 0x80:                              /* data byte, ACKed */
		if (dev_nw < DEV_WMAX)
			dev_w[dev_nw++] = TWDR;
		if (dev_nw >= DEV_WMAX)
			ctl &= (uint8_t)~_BV(TWEA);     /* full: NACK the next */
		break;
	case 0x88:                              /* data byte, NACKed */
		break;
	case 0xA0:                              /* STOP or repeated START */
		dev_apply();
		dev_nw = 0;
		break;
	case 0xA8:                              /* addressed for read */
		if (dev_reading)
			dev_stats[2]++;
		dev_stats[1]++;
		dev_reading = 1;
		dev_prepare_read();
		TWDR = dev_next(&ctl);
		break;
	case 0xB8:                              /* byte sent, ACKed: next */
		TWDR = dev_next(&ctl);
		break;
	case 0xC0:                              /* byte sent, NACKed: done */
	case 0xC8:                              /* last byte sent, ACKed */
		dev_end_read();
		break;
	default:                                /* bus error and the rest */
		ctl |= _BV(TWSTO);
		break;
	}
	TWCR = ctl;
}

int main(void)
{
	for (uint8_t i = 0; i < 64; i++)
		dev_reg[i] = i;
	TWAR = SMBUS_DEV_ADDR << 1;
	TWCR = DEV_ARM & (uint8_t)~_BV(TWINT);
	sei();
	set_sleep_mode(SLEEP_MODE_IDLE);
	for (;;)
		sleep_mode();
}
