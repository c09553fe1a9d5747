/*
 * duco_crc8.h - the CRC-8 on every ducorig I2C frame.
 *
 * CRC-8 with polynomial 0x07, initial value 0, no reflection, no final XOR:
 * the same CRC as the SMBus PEC, so a frame can be checked with i2c-tools'
 * knowledge of PEC. Check value for "123456789" is 0xF4.
 */
#ifndef DUCO_CRC8_H
#define DUCO_CRC8_H

#include <stdint.h>

uint8_t duco_crc8_update(uint8_t crc, uint8_t byte);
uint8_t duco_crc8(const uint8_t *p, uint16_t n);

#endif
