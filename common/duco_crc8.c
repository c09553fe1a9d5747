/*
 * duco_crc8.c - the CRC-8 table and the whole-buffer CRC (duco_crc8.h).
 *
 * The table's contents come from build/gen/duco_crc8_table.h, which the
 * build generates from duco_crc8_bitwise (scripts/gen-crc8-table.c), so no
 * hand-copied constants exist; test/unit checks every entry against the
 * bitwise definition.
 */
#include "duco_crc8.h"
#include "duco_crc8_table.h"

#if defined(__AVR__)
const uint8_t duco_crc8_table[256] PROGMEM = { DUCO_CRC8_TABLE };
#else
const uint8_t duco_crc8_table[256] = { DUCO_CRC8_TABLE };
#endif

uint8_t duco_crc8(const uint8_t *p, uint16_t n)
{
	uint8_t crc = 0;

	while (n--)
		crc = duco_crc8_step(crc, *p++);
	return crc;
}
