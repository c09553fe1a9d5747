/*
 * asm_sim.c - host runner for the assembly-core test image (asm_diff_fw.c).
 *
 * Loads the ATmega328P image into simavr 1.6, runs it as fast as the host
 * allows (no-op sleep callback, own frequency since the image has no .mmcu
 * section), relays the TAP text the image writes to GPIOR0 to stdout and
 * times the calls the image brackets with GPIOR1 markers using simavr's
 * exact cycle counter. The image ends itself with cli+sleep; a crash, a
 * cycle-limit overrun or missing markers are reported as failed checks.
 *
 * Usage: asm_sim [--seed N] [--mcu NAME] [--bench-json] image.elf
 *   --bench-json  print only one JSON line of cycle figures (for make bench)
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sim_avr.h>
#include <sim_elf.h>
#include <sim_core.h>
#include <sim_io.h>

#include <cJSON.h>

#include "jsonout.h"
#include "../../sim/ducosim/sim_avr.h"   /* what simavr leaves to free */
#include "../tap.h"

#define ASM_SIM_FREQ       16000000UL
#define ASM_SIM_MAX_CYCLES 6000000000ULL  /* ~6 minutes of 16 MHz: a hang */
#define ASM_SIM_GPIOR0     0x3e
#define ASM_SIM_GPIOR1     0x4a
#define ASM_SIM_GPIOR2     0x4b
#define ASM_SIM_MAX_N      10
#define ASM_SIM_BENCH_DONE 0xff   /* GPIOR1 value: all cycle markers written */
#define ASM_SIM_TAG_PREPARE 20    /* hashcore_prepare */
#define ASM_SIM_TAG_FIRST   21    /* first check after a digit-count change */
#define ASM_SIM_TAGS        32

#define ASM_SIM_SAMPLES 64

struct asm_sim_stat {
	uint64_t count, min, max, sum;
	uint64_t sample[ASM_SIM_SAMPLES];       /* the first ones, for the median */
};

struct asm_sim {
	int       quiet;
	char      line[512];
	size_t    len;
	uint8_t   mark_n;               /* digit count of the open marker, 0 none */
	uint8_t   bench_done;           /* image wrote ASM_SIM_BENCH_DONE */
	uint64_t  mark_cycle;
	struct asm_sim_stat st[ASM_SIM_TAGS];
};

static struct asm_sim g_sim;

static void asm_sim_noop_sleep(avr_t *avr, avr_cycle_count_t how_long)
{
}

static void asm_sim_text(struct avr_t *avr, avr_io_addr_t addr, uint8_t v,
			 void *param)
{
	struct asm_sim *s = param;

	if (v == '\n' || s->len == sizeof(s->line) - 1) {
		s->line[s->len] = 0;
		if (!s->quiet)
			tap_relay(s->line);
		s->len = 0;
		if (v == '\n')
			return;
	}
	/* Keep the log text: a runaway image must not fill it with binary. */
	s->line[s->len++] = (char)(v >= 0x20 && v < 0x7f ? v : '?');
}

static void asm_sim_marker(struct avr_t *avr, avr_io_addr_t addr, uint8_t v,
			   void *param)
{
	struct asm_sim *s = param;

	if (v == ASM_SIM_BENCH_DONE) {
		s->bench_done = 1;
		return;
	}
	if (v) {
		s->mark_n = v;
		s->mark_cycle = avr->cycle;
		return;
	}
	if (s->mark_n && s->mark_n < ASM_SIM_TAGS) {
		struct asm_sim_stat *t = &s->st[s->mark_n];
		/* The closing OUT has not been counted yet: subtract the opening
		 * OUT's cycle so the figure is the bracketed code alone. */
		uint64_t c = avr->cycle - s->mark_cycle - 1;

		if (!t->count || c < t->min)
			t->min = c;
		if (c > t->max)
			t->max = c;
		if (t->count < ASM_SIM_SAMPLES)
			t->sample[t->count] = c;
		t->sum += c;
		t->count++;
	}
	s->mark_n = 0;
}

static int asm_sim_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The typical cost: a wrong nonce occasionally (1 in 256) passes the
 * low-byte exit and runs a longer path, which the median ignores. */
static uint64_t asm_sim_median(struct asm_sim_stat *t)
{
	size_t n = t->count < ASM_SIM_SAMPLES ? t->count : ASM_SIM_SAMPLES;

	qsort(t->sample, n, sizeof(t->sample[0]), asm_sim_cmp);
	return t->sample[n / 2];
}

int main(int argc, char **argv)
{
	struct asm_sim *s = &g_sim;
	elf_firmware_t fw;
	const char *elf = NULL, *mcu = "atmega328p";
	avr_t *avr;
	int seed = 1, json = 0, i, state = cpu_Running, n, saved_stdout = -1, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--mcu") && i + 1 < argc)
			mcu = argv[++i];
		else if (!strcmp(argv[i], "--bench-json"))
			json = 1;
		else
			elf = argv[i];
	}
	if (!elf) {
		fprintf(stderr, "usage: %s [--seed N] [--mcu NAME] [--bench-json] image.elf\n", argv[0]);
		return 2;
	}
	s->quiet = json;
	/* simavr's loader chats on stdout; the bench JSON line must stand alone. */
	if (json) {
		int null_fd = open("/dev/null", O_WRONLY);

		fflush(stdout);
		saved_stdout = dup(1);
		if (null_fd < 0 || saved_stdout < 0) {
			fprintf(stderr, "asm_sim: %s\n", strerror(errno));
			return 2;
		}
		dup2(null_fd, 1);
		close(null_fd);
	}
	memset(&fw, 0, sizeof(fw));
	if (elf_read_firmware(elf, &fw)) {
		fprintf(stderr, "asm_sim: cannot read %s\n", elf);
		return 2;
	}
	avr = avr_make_mcu_by_name(mcu);
	if (!avr) {
		fprintf(stderr, "asm_sim: no %s in simavr\n", mcu);
		return 2;
	}
	avr_init(avr);
	avr->sleep = asm_sim_noop_sleep;
	avr->log = 0;
	avr_load_firmware(avr, &fw);
	avr->frequency = ASM_SIM_FREQ;
	avr_register_io_write(avr, ASM_SIM_GPIOR0, asm_sim_text, s);
	avr_register_io_write(avr, ASM_SIM_GPIOR1, asm_sim_marker, s);
	avr->data[ASM_SIM_GPIOR2] = (uint8_t)seed;

	while (state != cpu_Done && state != cpu_Crashed &&
	       avr->cycle < ASM_SIM_MAX_CYCLES && !(json && s->bench_done))
		state = avr_run(avr);
	if (json)
		dup2(saved_stdout, 1);

	if (json) {
		cJSON *o = cJSON_CreateObject();
		char key[48];

		if (!o)
			return 1;
		cJSON_AddStringToObject(o, "board", "asm-harness-atmega328p");
		for (n = 1; n <= ASM_SIM_MAX_N; n++)
			if (s->st[n].count) {
				snprintf(key, sizeof(key), "asm_cycles_per_nonce_%d", n);
				jsonout_num(o, key, (double)asm_sim_median(&s->st[n]), 0);
			}
		if (s->st[3].count) {
			double c3 = (double)asm_sim_median(&s->st[3]);

			jsonout_num(o, "asm_hs_16mhz_3", 16e6 / c3, 1);
			jsonout_num(o, "asm_hs_8mhz_3", 8e6 / c3, 1);
			jsonout_num(o, "asm_hs_32mhz_3", 32e6 / c3, 1);
		}
		if (s->st[ASM_SIM_TAG_PREPARE].count)
			jsonout_num(o, "asm_prepare_cycles", (double)s->st[ASM_SIM_TAG_PREPARE].max, 0);
		if (s->st[ASM_SIM_TAG_FIRST].count)
			jsonout_num(o, "asm_first_check_cycles_max",
				    (double)s->st[ASM_SIM_TAG_FIRST].max, 0);
		jsonout_fprint(stdout, o);
		cJSON_Delete(o);
		rc = s->bench_done ? 0 : 1;
		goto out;
	}
	for (n = 1; n <= ASM_SIM_MAX_N; n++)
		if (s->st[n].count)
			printf("# digits=%d: increment+check %llu..%llu cycles over %llu calls\n",
			       n, (unsigned long long)s->st[n].min,
			       (unsigned long long)s->st[n].max,
			       (unsigned long long)s->st[n].count);
	printf("# simulated %llu cycles\n", (unsigned long long)avr->cycle);
	tap_ok(state == cpu_Done, "image ran to its end (state %d)", state);
	rc = tap_done();
out:
	sim_avr_free_core(avr);
	sim_avr_free_firmware(&fw);
	return rc;
}
