/*
 * fwconfig.h - build-time settings of the slave firmware, checked.
 *
 * The board record in boards.mk arrives here as -D flags (F_CPU,
 * DUCO_BOARD_ID, DUCO_DEFAULT_ADDR, FW_VERSION_*, HASH_IMPL_ASM); every
 * firmware source includes this header first, so an impossible setting stops
 * the build instead of producing a slave that misbehaves on the bus.
 * Assumes avr-gcc/avr-libc; the checks are plain preprocessor arithmetic.
 */
#ifndef FWCONFIG_H
#define FWCONFIG_H

#include "duco_proto.h"

#ifndef F_CPU
#error "F_CPU is not set (boards.mk)"
#endif
/* Timer1 runs at F_CPU/8; microseconds are ticks shifted right, so the tick
 * rate must be a power-of-two number of MHz: 8, 16 or 32 MHz clocks. */
#if F_CPU == 8000000UL
#define FW_TICK_SHIFT 0
#elif F_CPU == 16000000UL
#define FW_TICK_SHIFT 1
#elif F_CPU == 32000000UL
#define FW_TICK_SHIFT 2
#else
#error "F_CPU must be 8, 16 or 32 MHz (exact microsecond timer)"
#endif

#ifndef DUCO_DEFAULT_ADDR
#error "DUCO_DEFAULT_ADDR is not set (boards.mk ADDR)"
#endif
#if DUCO_DEFAULT_ADDR < DUCO_ADDR_MIN || DUCO_DEFAULT_ADDR > DUCO_ADDR_MAX
#error "DUCO_DEFAULT_ADDR must be a 7-bit address in 0x08..0x77"
#endif

#ifndef DUCO_BOARD_ID
#error "DUCO_BOARD_ID is not set (boards.mk ID)"
#endif
#define FW_BOARD_IS(sym, id, name) || DUCO_BOARD_ID == id
#if !(0 DUCO_BOARD_LIST(FW_BOARD_IS))
#error "DUCO_BOARD_ID must be the ID of a board record in boards.mk"
#endif
#undef FW_BOARD_IS

#if !defined(FW_VERSION_MAJOR) || !defined(FW_VERSION_MINOR)
#error "FW_VERSION_MAJOR/FW_VERSION_MINOR are not set (firmware-avr/module.mk)"
#endif
#define FW_VERSION ((FW_VERSION_MAJOR << 8) | FW_VERSION_MINOR)

#if !defined(FW_WDT_HARD_RESET)
#error "FW_WDT_HARD_RESET is not set (boards.mk WDT_RESET)"
#endif

#if !defined(FW_SENSE_VCC) || !defined(FW_SENSE_TEMP)
#error "FW_SENSE_VCC/FW_SENSE_TEMP are not set (boards.mk SENSORS)"
#endif
#if FW_SENSE_TEMP && defined(__AVR_ATmega2560__)
#error "the ATmega2560 has no temperature sensor (boards.mk SENSORS)"
#endif
#if (FW_VERSION_MAJOR << 8 | FW_VERSION_MINOR) < DUCO_HEALTH_FW_MIN
#error "this firmware answers HEALTH: its version must be DUCO_HEALTH_FW_MIN or later"
#endif

/* Read and write frames must fit the slave's buffers and a uint8_t length. */
#if DUCO_MAX_WRITE_FRAME > 250 || DUCO_MAX_READ_FRAME > 250
#error "I2C frames larger than a uint8_t count"
#endif
#if DUCO_IDENTITY_BODY != 28 || DUCO_RESULT_BODY != 11
#error "slave.c encodes the protocol's bodies: identity 28, result 11 bytes"
#endif

/* The protocol version the firmware speaks: 2, or 1 for the test image of
 * a version-1 board (FW_PROTO_V1; slave.c then rejects QUEUE and DROP). */
#if defined(FW_PROTO_V1)
#define FW_PROTO_VERSION DUCO_PROTO_V1
#else
#define FW_PROTO_VERSION DUCO_PROTO_VERSION
#endif

/* EEPROM record of the I2C address: address, complement, and the compiled
 * default it was written against (a reflash with another ADDR makes an older
 * record stale, so `make flash ADDR=` wins on bootloaders without EEPROM). */
#define FW_EE_ADDR_REC 0
#define FW_EE_ADDR_LEN 3

#endif
