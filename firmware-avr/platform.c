/*
 * platform.c - reset cause, watchdog, clock, DUCOID, EEPROM address record,
 * idle sleep (see platform.h).
 *
 * Old ATmegaBOOT bootloaders leave the watchdog running after a watchdog
 * reset and so loop for ever; the .init3 hook below stops it before the C
 * runtime even clears .bss, and keeps MCUSR (which must be cleared for that)
 * in a .noinit byte for the identity. Assumes avr-libc and a 328P-class or
 * 2560 signature row (serial bytes 0x0E..0x17).
 */
#include "fwconfig.h"
#include "platform.h"

#include <avr/boot.h>
#include <avr/eeprom.h>
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/power.h>
#include <avr/sleep.h>
#include <avr/wdt.h>

static uint8_t platform_mcusr __attribute__((section(".noinit")));

/* Cause of a restart by jump, with its complement so that the random
 * contents after power-on are not mistaken for one. */
struct platform_soft {
	uint8_t cause;
	uint8_t check;
};
static struct platform_soft platform_soft __attribute__((section(".noinit")));

void platform_init3(void) __attribute__((naked, used, section(".init3")));
void platform_init3(void)
{
	uint8_t cause = MCUSR;

	MCUSR = 0;
	wdt_disable();
	if ((uint8_t)(platform_soft.check ^ platform_soft.cause) == 0xff)
		cause |= platform_soft.cause;
	platform_soft.check = platform_soft.cause;     /* used up */
	platform_mcusr = cause;
}

/* Start over from the reset vector, as a reset would, minus the bootloader. */
static void platform_restart(uint8_t cause) __attribute__((noreturn));
static void platform_restart(uint8_t cause)
{
	cli();
	platform_soft.cause = cause;
	platform_soft.check = (uint8_t)~cause;
	/* peripherals the firmware uses are re-initialised by main() */
	__asm__ __volatile__ ("jmp 0");
	__builtin_unreachable();
}

#if !FW_WDT_HARD_RESET
ISR(WDT_vect)
{
	platform_restart(DUCO_RESET_WATCHDOG | DUCO_RESET_SOFT);
}
#endif

uint8_t platform_reset_cause(void)
{
	return platform_mcusr;
}

void platform_clock_init(void)
{
#if defined(LGT8F328P_CLOCK)
	/* The LGT8F328P starts its 32 MHz RC divided down; run it undivided.
	 * On the ATmega328P model the same timed CLKPR write is harmless. */
	clock_prescale_set(clock_div_1);
#endif
}

void platform_wdt_start(void)
{
	wdt_enable(WDTO_1S);
#if !FW_WDT_HARD_RESET
	WDTCSR |= _BV(WDIE);    /* interrupt first, reset only on the next timeout */
#endif
}

void platform_reset(void)
{
#if FW_WDT_HARD_RESET
	cli();
	wdt_enable(WDTO_15MS);
	for (;;)
		;
#else
	platform_restart(DUCO_RESET_WATCHDOG | DUCO_RESET_SOFT);
#endif
}

void platform_ducoid(uint8_t id[8])
{
	/* The serial number is 0x0E..0x17 less one reserved byte (0x14); the
	 * DUCOID is the last 8 of those 9 bytes, as the official miners send it. */
	uint8_t addr = 0x0F;

	for (uint8_t i = 0; i < 8; i++, addr++) {
		if (addr == 0x14)
			addr++;
		id[i] = boot_signature_byte_get(addr);
	}
}

uint8_t platform_addr_load(void)
{
	uint8_t rec[FW_EE_ADDR_LEN];

	eeprom_read_block(rec, (const void *)FW_EE_ADDR_REC, sizeof(rec));
	if ((uint8_t)(rec[0] ^ rec[1]) == 0xff && rec[0] >= DUCO_ADDR_MIN &&
	    rec[0] <= DUCO_ADDR_MAX && rec[2] == DUCO_DEFAULT_ADDR)
		return rec[0];
	return DUCO_DEFAULT_ADDR;
}

void platform_addr_store(uint8_t addr)
{
	/* Invalidate first: a reset in the middle leaves no half-written record
	 * that could look valid with another address. */
	eeprom_update_byte((uint8_t *)(FW_EE_ADDR_REC + 1), (uint8_t)addr);
	eeprom_update_byte((uint8_t *)(FW_EE_ADDR_REC + 0), addr);
	eeprom_update_byte((uint8_t *)(FW_EE_ADDR_REC + 2), DUCO_DEFAULT_ADDR);
	eeprom_update_byte((uint8_t *)(FW_EE_ADDR_REC + 1), (uint8_t)~addr);
}

void platform_idle(const volatile uint8_t *pending)
{
	set_sleep_mode(SLEEP_MODE_IDLE);
	cli();
	if (!*pending) {
		sleep_enable();
		sei();          /* the instruction after sei runs before any ISR */
		sleep_cpu();
		sleep_disable();
	}
	sei();
}
