/*
 * stall_sim.c - the firmware drops an I2C transaction that stopped moving.
 *
 * A master that dies in the middle of a transfer (reset, killed process,
 * pulled cable) can leave a slave addressed and holding SDA, which blocks
 * the whole bus. The firmware's main loop watches for a transaction without
 * a bus event for about 100 ms and then resets its TWI (TWEN off and on).
 * ducosim's transfers are atomic, so this test plays the bus master itself
 * at the register level on the real firmware image in simavr (the same
 * technique as sim/ducosim, see ../shared/reference/simavr.md): it addresses
 * the slave, sends a few bytes of a frame and goes silent, then checks that
 * the TWI is reset between 100 and 300 ms later, that a slow but live
 * transaction (a byte every 40 ms) is left alone, and that after the reset
 * the slave answers a status read with REJECT set (the half frame was
 * discarded and counted). Prints TAP. Assumes simavr 1.6 (libsimavr-dev)
 * and an ATmega328P 16 MHz image: argv[1], by default the nano build
 * (run from the repository root, as `make test` does).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <simavr/sim_avr.h>
#include <simavr/sim_elf.h>
#include <simavr/avr_twi.h>
#include <simavr/sim_io.h>

#include "../../sim/ducosim/sim_avr.h"   /* what simavr leaves to free */
#include "../tap.h"

#define STALL_FREQ   16000000UL
#define STALL_SCL    (STALL_FREQ / 100000UL)     /* cycles per SCL period */
#define STALL_MS(ms) ((uint64_t)(ms) * (STALL_FREQ / 1000UL))
#define TWCR_TWINT   0x80
#define TWCR_TWEN    0x04

struct stall {
	avr_t      *avr;
	avr_twi_t  *twi;
	int         stretching;     /* event delivered, not released yet */
	uint64_t    twen_off_cycle; /* first TWCR write with TWEN clear, 0 if none */
	uint8_t     last_twdr;      /* byte the firmware loaded with its release */
};

static void stall_noop_sleep(avr_t *avr, avr_cycle_count_t how_long)
{
	(void)avr;
	(void)how_long;
}

static void stall_twcr_write(avr_t *avr, avr_io_addr_t addr, uint8_t v, void *param)
{
	struct stall *st = param;

	(void)addr;
	if (!(v & TWCR_TWEN) && !st->twen_off_cycle && avr->cycle > STALL_MS(1))
		st->twen_off_cycle = avr->cycle;
	if (v & TWCR_TWINT) {
		/* simavr 1.6 leaves TWINT set: clear it as the hardware does */
		avr_regbit_clear(avr, st->twi->twi.raised);
		avr_clear_interrupt(avr, &st->twi->twi);
		st->last_twdr = avr->data[st->twi->r_twdr];
		st->stretching = 0;
	}
}

static void stall_run_until(struct stall *st, uint64_t cycle)
{
	while (st->avr->cycle < cycle &&
	       (st->avr->state == cpu_Running || st->avr->state == cpu_Sleeping))
		avr_run(st->avr);
}

/* One bus event, then run until the firmware releases SCL (max 1 ms). */
static int stall_event(struct stall *st, uint8_t twdr, uint8_t status)
{
	uint64_t limit = st->avr->cycle + STALL_MS(1);

	st->avr->data[st->twi->r_twdr] = twdr;
	avr_regbit_setto_raw(st->avr, st->twi->twsr, status);
	st->stretching = 1;
	avr_raise_interrupt(st->avr, &st->twi->twi);
	while (st->stretching && st->avr->cycle < limit)
		avr_run(st->avr);
	/* the next event comes nine SCL periods after the release */
	stall_run_until(st, st->avr->cycle + 9 * STALL_SCL);
	return !st->stretching;
}

static int stall_addressable(struct stall *st, uint8_t addr)
{
	uint8_t twcr = st->avr->data[st->twi->r_twcr];

	return (twcr & TWCR_TWEN) && (twcr & 0x40) &&
	       (st->avr->data[st->twi->r_twar] >> 1) == addr;
}

static int stall_setup(struct stall *st, const char *elf, elf_firmware_t *fw)
{
	memset(st, 0, sizeof(*st));
	if (elf_read_firmware(elf, fw) != 0)
		return -1;
	snprintf(fw->mmcu, sizeof(fw->mmcu), "atmega328p");
	fw->frequency = STALL_FREQ;
	st->avr = avr_make_mcu_by_name("atmega328p");
	if (!st->avr)
		return -1;
	avr_init(st->avr);
	st->avr->log = LOG_NONE;
	avr_load_firmware(st->avr, fw);
	st->avr->frequency = STALL_FREQ;
	st->avr->sleep = stall_noop_sleep;
	for (avr_io_t *io = st->avr->io_port; io; io = io->next)
		if (io->kind && strcmp(io->kind, "twi") == 0)
			st->twi = (avr_twi_t *)io;
	if (!st->twi)
		return -1;
	avr_register_io_write(st->avr, st->twi->r_twcr, stall_twcr_write, st);
	return 0;
}

int main(int argc, char **argv)
{
	static const uint8_t job_head[] = { 0x01, 0x46, 0x34, 0x12, 0, 0, 0 };
	struct stall st;
	elf_firmware_t fw;
	uint64_t quiet_from, t;
	const char *elf = argc > 1 ? argv[1] : "build/avr-nano/firmware.elf";
	uint8_t addr = 0;
	int i, good;

	memset(&fw, 0, sizeof(fw));
	if (stall_setup(&st, elf, &fw) != 0) {
		tap_ok(0, "load %s in simavr", elf);
		return tap_done();
	}

	/* boot: wait for the TWI slave, then a little longer for the main loop */
	for (t = STALL_MS(1); t < STALL_MS(200) && !addr; t += STALL_MS(1)) {
		stall_run_until(&st, t);
		if (st.avr->data[st.twi->r_twcr] & TWCR_TWEN)
			addr = st.avr->data[st.twi->r_twar] >> 1;
	}
	stall_run_until(&st, st.avr->cycle + STALL_MS(5));
	tap_ok(addr >= 0x08 && addr <= 0x77, "firmware boots and enables its TWI slave (0x%02x)", addr);
	st.twen_off_cycle = 0;

	/* a slow but live transaction: a byte every 40 ms is left alone */
	good = stall_event(&st, (uint8_t)(addr << 1), 0x60);
	for (i = 0; i < 6 && good; i++) {
		good = stall_event(&st, job_head[i], 0x80);
		stall_run_until(&st, st.avr->cycle + STALL_MS(40));
	}
	tap_ok(good && !st.twen_off_cycle,
		 "a transaction with a byte every 40 ms (240 ms in all) is not dropped");
	good = stall_event(&st, 0, 0xa0);       /* its STOP: a truncated frame */

	/* a dead one: address, three bytes, then nothing */
	st.twen_off_cycle = 0;
	good = good && stall_event(&st, (uint8_t)(addr << 1), 0x60);
	for (i = 0; i < 3 && good; i++)
		good = stall_event(&st, job_head[i], 0x80);
	quiet_from = st.avr->cycle;
	stall_run_until(&st, quiet_from + STALL_MS(400));
	t = st.twen_off_cycle ? (st.twen_off_cycle - quiet_from) / (STALL_FREQ / 1000UL) : 0;
	tap_ok(good && st.twen_off_cycle && t >= 100 && t <= 300,
		 "a transaction silent after 3 bytes is dropped (TWI reset after %llu ms)",
		 (unsigned long long)t);
	tap_ok(stall_addressable(&st, addr), "and the slave listens again at 0x%02x", addr);

	/* status read: REJECT set (the truncated and the dropped frame), seq 0 */
	good = stall_event(&st, (uint8_t)(addr << 1 | 1), 0xa8);
	tap_ok(good && (st.last_twdr & 0x08) && (st.last_twdr >> 4) == 0,
		 "a status read answers with REJECT set, nothing accepted (status %02x)", st.last_twdr);
	stall_event(&st, 0, 0xc0);

	sim_avr_free_core(st.avr);
	sim_avr_free_firmware(&fw);
	return tap_done();
}
