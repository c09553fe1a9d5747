/*
 * platform.h - the chip services the slave firmware needs besides TWI and
 * Timer1: reset cause, watchdog, clock set-up, DUCOID, the EEPROM address
 * record and idle sleep.
 *
 * Assumes an ATmega328P-class or ATmega2560 part with avr-libc; the
 * LGT8F328P is handled as an ATmega328P (see boards.mk for what that means).
 */
#ifndef PLATFORM_H
#define PLATFORM_H

#include <stdint.h>

/* MCUSR as it was at reset (saved and cleared in .init3). */
uint8_t platform_reset_cause(void);
/* Clock prescaler where the board needs one; before anything time-related. */
void    platform_clock_init(void);
/*
 * Watchdog on (about 1 s), and the kick the main loop gives it. On boards
 * whose bootloader survives a watchdog reset (FW_WDT_HARD_RESET) a timeout
 * resets the chip. Elsewhere it first raises the watchdog interrupt, whose
 * handler restarts the firmware by a jump (cause WATCHDOG | SOFT); only if
 * that cannot run (interrupts off) does the second timeout reset the chip.
 */
void    platform_wdt_start(void);
static inline void platform_wdt_kick(void)
{
	__asm__ __volatile__ ("wdr");
}
/*
 * The RESET command: a watchdog reset where the bootloader survives it,
 * else the same restart by a jump as the watchdog handler. The caller stops
 * the TWI first, so the slave is simply absent meanwhile. Never returns.
 */
void    platform_reset(void) __attribute__((noreturn));
/* 8 serial bytes of the signature row (what the pool knows as DUCOID). */
void    platform_ducoid(uint8_t id[8]);
/* The I2C address: a valid EEPROM record, else the compiled-in default. */
uint8_t platform_addr_load(void);
/* Store a new address record (blocking, a few ms per byte). */
void    platform_addr_store(uint8_t addr);
/*
 * Sleep in idle mode unless *pending becomes set; any interrupt (TWI, the
 * Timer1 overflow) wakes the CPU. Checks *pending with interrupts off so a
 * frame accepted just before sleeping cannot be slept through.
 */
void    platform_idle(const volatile uint8_t *pending);

#endif
