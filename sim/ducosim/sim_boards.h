/*
 * sim_boards.h - the firmware boards of a ducosim rig: one image each, its
 * address, its analog inputs.
 *
 * A board is an ELF image run in simavr (sim_avr.c). Its address comes from
 * the image or the command line: ducorig's firmware answers at its default
 * address after reset and is moved with the protocol's SET_ADDR, privately,
 * before the bus is served (it keeps the address in its simulated EEPROM);
 * firmware that does not speak ducorig's protocol (community sketches)
 * compiles its address in, so such a board is where its image puts it, and
 * a rig of four needs four images. Library module: returns -errno with the
 * complaint in err, never prints.
 */
#ifndef SIM_BOARDS_H
#define SIM_BOARDS_H

#include <stddef.h>
#include <stdint.h>
#include "sim_avr.h"
#include "sim_rig.h"

#define SIM_BOARD_PATH 512
/* 7-bit addresses a board may take (i2cdetect's default range) */
#define SIM_BOARD_ADDR_MIN 0x03
#define SIM_BOARD_ADDR_MAX 0x77

struct sim_board {
	char     elf[SIM_BOARD_PATH];
	uint8_t  want;                  /* address asked for; 0: the image's own, or
					 * the next one from the first address for
					 * ducorig's firmware */
	uint8_t  set_vcc, set_temp, set_bandgap;        /* given per board */
	struct sim_avr_analog an;
	/* filled in by sim_boards_assign */
	uint8_t  addr;                  /* where it answers */
	uint8_t  ducorig;               /* 1: speaks ducorig's protocol */
	struct sim_slave *s;
};

/*
 * "ADDR:ELF[,vcc=V][,temp=C][,bandgap=V]" (volts, degrees C) into b; keys not
 * given keep b's values (set the defaults first).
 */
int sim_board_parse(struct sim_board *b, const char *spec, char *err, size_t errlen);

/*
 * Boot the boards' chips (already added to r as b[i].s) until each has its
 * TWI slave on (2 s of simulated time at most), then give each its address:
 * a board with want keeps it or is moved there with SET_ADDR; one without
 * takes first + k (k counts such boards) if it speaks ducorig's protocol,
 * else stays at its image's address. Every address must be unique on the
 * bus, models included (taken[] lists the model slaves' addresses).
 */
int sim_boards_assign(struct sim_rig *r, struct sim_board *b, int n, uint8_t first,
		      const uint8_t *taken, int ntaken, char *err, size_t errlen);

#endif
