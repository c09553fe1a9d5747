/*
 * duco_crc8.h - the CRC-8 on every ducorig I2C frame.
 *
 * CRC-8 with polynomial 0x07, initial value 0, no reflection, no final XOR:
 * the same CRC as the SMBus PEC, so a frame can be checked with i2c-tools'
 * knowledge of PEC. Check value for "123456789" is 0xF4.
 *
 * duco_crc8_bitwise is the definition. Everything else steps through
 * duco_crc8_table, which is generated from that definition at build time
 * (scripts/gen-crc8-table.c writes build/gen/duco_crc8_table.h) and checked
 * against it by test/unit; one lookup per byte is what the slave's TWI
 * interrupt can afford, on the AVR the table sits in flash. Assumes C99
 * <stdint.h>, and <avr/pgmspace.h> when compiled for the AVR.
 */
#ifndef DUCO_CRC8_H
#define DUCO_CRC8_H

#include <stdint.h>

#define DUCO_CRC8_POLY 0x07

/* The CRC register after shifting one more byte through it, bit by bit. */
static inline uint8_t duco_crc8_bitwise(uint8_t crc, uint8_t byte)
{
	crc ^= byte;
	for (uint8_t i = 0; i < 8; i++)
		crc = (crc & 0x80) ? (uint8_t)((crc << 1) ^ DUCO_CRC8_POLY) : (uint8_t)(crc << 1);
	return crc;
}

#if defined(__AVR__)
#include <avr/pgmspace.h>
extern const uint8_t duco_crc8_table[256] PROGMEM;
#define DUCO_CRC8_AT(i) pgm_read_byte(&duco_crc8_table[(i)])
#else
extern const uint8_t duco_crc8_table[256];
#define DUCO_CRC8_AT(i) (duco_crc8_table[(i)])
#endif

/* Same result as duco_crc8_bitwise, by one table lookup. */
static inline uint8_t duco_crc8_step(uint8_t crc, uint8_t byte)
{
	return DUCO_CRC8_AT((uint8_t)(crc ^ byte));
}

/* CRC of n bytes from 0. */
uint8_t duco_crc8(const uint8_t *p, uint16_t n);

#endif
