/*
 * sim_boards.c - boards of a ducosim rig: parse their specs, boot them, put
 * each at its address (sim_boards.h).
 *
 * Whether an image speaks ducorig's protocol is asked without writing to it:
 * ducorig's firmware answers any 2-byte read with its status byte and that
 * byte's CRC-8, which a foreign sketch matches three times running only by
 * chance. Neither kind is written to unless it has to move: a foreign
 * sketch's buffers are never fed bytes it did not ask for, and ducorig's
 * firmware stays in its boot state. All transfers here go privately to
 * one chip (sim_rig_xfer_to), since identical images boot at the same
 * address. Assumes the chips were just created (reset state).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duco_crc8.h"
#include "duco_proto.h"
#include "sim_boards.h"
#include "sim_duco.h"

static int sim_board_num(const char *s, double lo, double hi, double *v)
{
	char *end;

	*v = strtod(s, &end);
	return (end == s || *end || !(*v >= lo && *v <= hi)) ? -1 : 0;
}

int sim_board_parse(struct sim_board *b, const char *spec, char *err, size_t errlen)
{
	char buf[SIM_BOARD_PATH + 128], *colon, *elf, *opt, *save = NULL;
	unsigned long addr;
	double v;

	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "too long");
		return -ENAMETOOLONG;
	}
	memcpy(buf, spec, strlen(spec) + 1);
	colon = strchr(buf, ':');
	if (!colon)
		goto bad;
	*colon = '\0';
	addr = strtoul(buf, &opt, 0);
	if (opt == buf || *opt || addr < SIM_BOARD_ADDR_MIN || addr > SIM_BOARD_ADDR_MAX) {
		snprintf(err, errlen, "address '%.20s' is not 0x%02x..0x%02x", buf,
			 SIM_BOARD_ADDR_MIN, SIM_BOARD_ADDR_MAX);
		return -EINVAL;
	}
	elf = strtok_r(colon + 1, ",", &save);
	if (!elf || !*elf)
		goto bad;
	if (strlen(elf) >= sizeof(b->elf)) {
		snprintf(err, errlen, "image path too long");
		return -ENAMETOOLONG;
	}
	memcpy(b->elf, elf, strlen(elf) + 1);
	b->want = (uint8_t)addr;
	while ((opt = strtok_r(NULL, ",", &save)) != NULL) {
		if (strncmp(opt, "vcc=", 4) == 0 && !sim_board_num(opt + 4, 1.8, 5.5, &v)) {
			b->an.vcc_mv = (uint16_t)(v * 1000 + 0.5);
			b->set_vcc = 1;
		} else if (strncmp(opt, "temp=", 5) == 0 &&
			   !sim_board_num(opt + 5, -40, 125, &v)) {
			b->an.temp_c = v;
			b->set_temp = 1;
		} else if (strncmp(opt, "bandgap=", 8) == 0 &&
			   !sim_board_num(opt + 8, 0.9, 1.3, &v)) {
			b->an.bandgap_mv = (uint16_t)(v * 1000 + 0.5);
			b->set_bandgap = 1;
		} else {
			snprintf(err, errlen, "'%.40s' is not vcc=1.8..5.5, temp=-40..125 or "
				 "bandgap=0.9..1.3", opt);
			return -EINVAL;
		}
	}
	return 0;
bad:
	snprintf(err, errlen, "'%.60s' is not ADDR:ELF[,vcc=V][,temp=C][,bandgap=V]", spec);
	return -EINVAL;
}

/*
 * 1 when the chip at addr answers as ducorig's firmware does: three 2-byte
 * reads, each its status byte and that byte's CRC-8. Status reads change
 * nothing in ducorig's firmware (it stays idle, as tests expect after boot).
 */
static int sim_board_is_ducorig(struct sim_rig *r, struct sim_slave *s, uint8_t addr)
{
	uint8_t st[2];

	for (int i = 0; i < 3; i++)
		if (sim_duco_xfer_to(r, s, addr, NULL, 0, st, 2) != 0 ||
		    duco_crc8_bitwise(0, st[0]) != st[1])
			return 0;
	return 1;
}

/* Move a ducorig board from have to want with SET_ADDR. */
static int sim_board_move(struct sim_rig *r, struct sim_slave *s, uint8_t have, uint8_t want)
{
	uint8_t f[DUCO_MAX_WRITE_FRAME];
	uint8_t n = duco_encode_set_addr(f, want);

	if (sim_duco_xfer_to(r, s, have, f, n, NULL, 0) < 0)
		return -EIO;
	for (int ms = 0; ms < 200 && sim_avr_twi_addr(s) != want; ms++)
		sim_rig_run(r, r->now_ns + 1000000);
	return sim_avr_twi_addr(s) == want ? 0 : -EPROTO;
}

int sim_boards_assign(struct sim_rig *r, struct sim_board *b, int n, uint8_t first,
		      const uint8_t *taken, int ntaken, char *err, size_t errlen)
{
	uint64_t limit = r->now_ns + 2000000000ull;
	uint8_t used[128] = { 0 }, next = first;
	int i, up;

	do {
		sim_rig_run(r, r->now_ns + 1000000);
		for (i = 0, up = 0; i < n; i++)
			up += sim_avr_twi_addr(b[i].s) != 0;
	} while (up < n && r->now_ns < limit);
	for (i = 0; i < n; i++)
		if (sim_avr_twi_addr(b[i].s) == 0) {
			snprintf(err, errlen, "%s did not enable its TWI slave within 2 s", b[i].elf);
			return -ETIMEDOUT;
		}
	sim_rig_run(r, r->now_ns + 2000000);
	for (i = 0; i < ntaken; i++)
		used[taken[i] & 0x7f] = 1;
	for (i = 0; i < n; i++) {
		uint8_t have = sim_avr_twi_addr(b[i].s), want = b[i].want;

		b[i].ducorig = (uint8_t)sim_board_is_ducorig(r, b[i].s, have);
		if (!want)
			want = b[i].ducorig ? next++ : have;
		if (want != have) {
			if (!b[i].ducorig) {
				snprintf(err, errlen, "%s answers at 0x%02x, not 0x%02x, and does not "
					 "speak ducorig's protocol to be moved (build it for 0x%02x)",
					 b[i].elf, have, want, want);
				return -EADDRNOTAVAIL;
			}
			if (sim_board_move(r, b[i].s, have, want)) {
				snprintf(err, errlen, "%s did not move from 0x%02x to 0x%02x",
					 b[i].elf, have, want);
				return -EPROTO;
			}
		}
		if (used[want]) {
			snprintf(err, errlen, "two slaves at 0x%02x (%s and another)", want, b[i].elf);
			return -EADDRINUSE;
		}
		used[want] = 1;
		b[i].addr = want;
	}
	return 0;
}
