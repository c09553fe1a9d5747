/*
 * sim_avr.h - a real firmware image running in simavr as a slave on
 * ducosim's bus.
 *
 * simavr 1.6 cannot run a TWI slave through its own message interface, so
 * this module plays the bus master at the register level: it delivers each
 * bus event (TWDR, TWSR status, TWI interrupt) from a cycle timer, watches the
 * firmware release SCL through an extra TWCR write hook, and schedules the
 * next event nine SCL periods after the release. It records how long the
 * firmware stretched SCL per event. Assumes the simavr 1.6 API from
 * libsimavr-dev and an ELF built for the given MCU (the firmware carries no
 * .mmcu section, so MCU and frequency come from the caller).
 */
#ifndef SIM_AVR_H
#define SIM_AVR_H

#include <stdint.h>
#include "sim_slave.h"

/*
 * Analog inputs of the chip as the ADC sees them (sim_avr_set_analog):
 * supply voltage, bandgap voltage, die temperature. Real ATmega328Ps have
 * a bandgap of 1.0-1.2 V (1.1 V typical) and a temperature sensor that is
 * off by up to +-10 C; the defaults are the datasheet's typical values.
 */
struct sim_avr_analog {
	uint16_t vcc_mv;                /* Vcc = AVcc = AREF, millivolts */
	uint16_t bandgap_mv;            /* internal 1.1 V reference, millivolts */
	double   temp_c;                /* die temperature, degrees C */
};
#define SIM_AVR_ANALOG_DEFAULT { .vcc_mv = 5000, .bandgap_mv = 1100, .temp_c = 25.0 }

struct sim_avr_stats {
	uint64_t events;                /* bus events delivered */
	uint64_t stretch_total;         /* cycles SCL was held, summed */
	uint32_t max_stretch;           /* longest single stretch, cycles */
	uint8_t  max_stretch_status;    /* TWSR status of that event */
	uint32_t max_by_status[32];     /* longest stretch per status (index TWSR >> 3) */
	uint32_t resets;                /* resets seen (watchdog, external) */
	uint32_t crashes;               /* times the core crashed or stopped */
	uint32_t restarts;              /* of those, runs on from address 0 */
	/* the BCM2835 master model (sim_avr_set_bcm2835) */
	uint64_t stretches;             /* stretches followed by a data byte's clocks */
	uint64_t short_clocks;          /* of those, ended by a too-short SCL high */
	uint64_t corrupted_writes;      /* written bytes the slave got shifted */
	uint64_t corrupted_reads;       /* read transfers the master got shifted */
	/* every stretch by its length in cycles (the last bin: that or longer) */
#define SIM_AVR_STRETCH_BINS 128
	uint64_t stretch_hist[SIM_AVR_STRETCH_BINS];
};

/* Load elf into a new simulated mcu at freq Hz; 0 or -errno. */
/* Signature-row serial bytes 0x0E..0x17 a simulated chip reports (its DUCOID). */
#define SIM_AVR_SERIAL_LEN 10

/*
 * What simavr 1.6 never frees, for every program that loads an image itself
 * (the firmware tests too): a core from avr_make_mcu_by_name(), terminated
 * and freed with the IRQs avr_terminate() leaves; elf_read_firmware()'s
 * sections and symbols. Both take NULL.
 */
struct avr_t;
struct elf_firmware_t;
void sim_avr_free_core(struct avr_t *avr);
void sim_avr_free_firmware(struct elf_firmware_t *fw);

int  sim_avr_create(struct sim_slave **out, const char *elf, const char *mcu,
		    uint32_t freq, uint32_t bus_hz, const char *name);
/*
 * The part an AVR image was linked for, from the device note avr-libc's
 * start-up code puts in it (.note.gnu.avr.deviceinfo: "atmega2560"), so
 * any avr-gcc build, an Arduino core's too, says what to simulate.
 * 0; -ENOENT/-EACCES/... (the file), -ENOEXEC (not a 32-bit little-endian
 * AVR ELF), -ENODATA (no device note).
 */
int  sim_avr_image_mcu(const char *elf, char *mcu, size_t n);
/* Replace the serial derived from the slave's name (tests, fixed rigs). */
void sim_avr_set_serial(struct sim_slave *s, const uint8_t serial[SIM_AVR_SERIAL_LEN]);

uint64_t sim_avr_cycle(struct sim_slave *s);
void     sim_avr_stats(struct sim_slave *s, struct sim_avr_stats *st);
/* The 7-bit address in TWAR, or 0 while the TWI is not enabled as a slave. */
uint8_t  sim_avr_twi_addr(struct sim_slave *s);
/* 1 while the core runs or sleeps, 0 once it stopped or crashed. */
int      sim_avr_alive(struct sim_slave *s);
/* Cycle at which the last finished transfer ended (its STOP). */
uint64_t sim_avr_xfer_end_cycle(struct sim_slave *s);
/*
 * Sleep watch: after arming, the cycle of the first SLEEP instruction the
 * firmware executes is kept (0 until then). The firmware sleeps only when
 * idle, so this marks the end of a job exactly without polling it.
 */
void     sim_avr_sleep_watch(struct sim_slave *s);
uint64_t sim_avr_sleep_cycle(struct sim_slave *s);

/*
 * PC watch, for tests that time the firmware's own code paths: from now on
 * the cycle of every arrival at byte address pc (an instruction about to
 * run there; a function's entry) is stored in cycles[] (the first max of
 * them; sim_avr_pc_hits counts all). Slow: one instruction per simavr call.
 * cycles NULL disarms it.
 */
void     sim_avr_pc_watch(struct sim_slave *s, uint32_t pc, uint64_t *cycles, uint32_t max);
uint32_t sim_avr_pc_hits(struct sim_slave *s);

/* Set the analog inputs (defaults: SIM_AVR_ANALOG_DEFAULT). */
void     sim_avr_set_analog(struct sim_slave *s, const struct sim_avr_analog *an);
/*
 * What a crash does: restart = 1 (the default) lets a core whose program
 * counter left the flash run on from address 0, as the chip does; 0 keeps
 * it stopped. trace_len > 0 keeps the PC and SP of that many instructions
 * for the crash report (slower: one instruction per simavr call).
 */
void     sim_avr_set_crash(struct sim_slave *s, int restart, uint16_t trace_len);

/*
 * Drive the slave like the Raspberry Pi's BCM2835/2711 I2C controller
 * (min_high_ns > 0; 0 turns it off). That controller's SCL runs on a fixed
 * grid of half periods: when a slave holds SCL low, the controller only
 * checks at each half-period tick whether it was let go, and the high phase
 * after the stretch lasts from the release to the next tick. A release just
 * before a tick leaves a high pulse shorter than the slave's TWI can see
 * (min_high_ns), so the slave misses that clock: a written byte arrives
 * shifted by one bit and the controller sees no ACK (a data NACK), a read
 * comes back shifted by one bit. The two clocks are unrelated: each release
 * also comes up to one slave cycle late (reproducible draws). Stretches
 * before a STOP or a repeated START are not modelled.
 */
void     sim_avr_set_bcm2835(struct sim_slave *s, uint32_t min_high_ns);

/* simavr's last error message and how many there were (it logs, we don't). */
const char *sim_avr_last_error(unsigned *count);

#endif
