/*
 * duco_crc8.c - CRC-8 (poly 0x07, init 0) for ducorig frames.
 *
 * Bitwise rather than table-driven: frames are at most ~80 bytes and the
 * firmware checks them in the main loop, so 256 bytes of flash for a table
 * would buy nothing the user can notice.
 */
#include "duco_crc8.h"

uint8_t duco_crc8_update(uint8_t crc, uint8_t byte)
{
	uint8_t i;

	crc ^= byte;
	for (i = 0; i < 8; i++)
		crc = (crc & 0x80) ? (uint8_t)((crc << 1) ^ 0x07) : (uint8_t)(crc << 1);
	return crc;
}

uint8_t duco_crc8(const uint8_t *p, uint16_t n)
{
	uint8_t crc = 0;

	while (n--)
		crc = duco_crc8_update(crc, *p++);
	return crc;
}
