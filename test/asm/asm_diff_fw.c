/*
 * asm_diff_fw.c - ATmega328P test image for the assembly hashing core.
 *
 * Runs in simavr under test/asm/asm_sim.c. It checks hashcore_asm.S against
 * an independent reference on the chip itself: the expected digest of every
 * case is computed with the streaming SHA-1 of common/duco_sha1.c over the
 * literal message (prefix || digits), and common/duco_s1.c's C core must agree
 * too. Output is TAP text (test/tap.h) written byte by byte to GPIOR0,
 * which the host runner relays to stdout; GPIOR1 carries cycle markers (a digit count before
 * a measured call, 0 after it) so the host can count exact cycles. GPIOR2 is
 * a seed byte the host may preset. Timer1 raises a compare interrupt every
 * ~1000 cycles during the whole run; its handler measures its own entry
 * latency, which is the figure for "the hashing never blocks interrupts".
 * Ends with cli+sleep, which simavr treats as the end of the program.
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/sleep.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "duco_s1.h"
#include "duco_rand.h"
#include "duco_sha1.h"
#include "hashcore.h"
#include "../tap.h"

#ifndef ASM_TEST_PAIRS
#define ASM_TEST_PAIRS 10000
#endif
#define TICK_PERIOD 997
#define BENCH_TAG_PREPARE     20        /* GPIOR1 tags, see asm_sim.c */
#define BENCH_TAG_FIRST_CHECK 21         /* odd, so ticks land on every instruction */

static struct hashcore hc;
static struct duco_s1_ctx ref;
static uint32_t rng_state;
static volatile uint16_t isr_max_latency;
static volatile uint32_t isr_count;

ISR(TIMER1_COMPA_vect)
{
	/* CTC mode: TCNT1 counts from 0 at the compare match, so its value at
	 * entry is the latency (plus the fixed prologue). */
	uint16_t lat = TCNT1;

	if (lat > isr_max_latency)
		isr_max_latency = lat;
	isr_count++;
}

/* TAP through tap.h: stdout is a write-only stream into GPIOR0. */
static int gpior0_put(char c, FILE *f __attribute__((unused)))
{
	GPIOR0 = (uint8_t)c;
	return 0;
}

static FILE gpior0_out = FDEV_SETUP_STREAM(gpior0_put, NULL, _FDEV_SETUP_WRITE);

static uint32_t rnd(void)
{
	return duco_rand(&rng_state);
}

/* SHA-1 of prefix || digits, straight from the streaming implementation. */
static void digest_of(const char *prefix, const char *digits, uint8_t n,
		      uint8_t out[20])
{
	struct duco_sha1 c;

	duco_sha1_init(&c);
	duco_sha1_update(&c, prefix, 40);
	duco_sha1_update(&c, digits, n);
	duco_sha1_final(&c, out);
}

static uint8_t asm_check(const char *digits, uint8_t n)
{
	return hashcore_check(&hc, digits, n);
}

static void random_prefix(char *p)
{
	static const char hx[] = "0123456789abcdef";
	uint8_t i, mode = rnd() & 3;

	for (i = 0; i < 40; i++) {
		uint8_t r = (uint8_t)rnd();

		/* Mostly lowercase hex as the server sends, sometimes any byte. */
		p[i] = mode ? hx[r & 15] : (char)r;
	}
}

static void random_digits(char *d, uint8_t n)
{
	uint8_t i;

	d[0] = (char)('1' + rnd() % 9);
	for (i = 1; i < n; i++)
		d[i] = (char)('0' + rnd() % 10);
	if (n == 1 && (rnd() & 7) == 0)
		d[0] = '0';
}

static uint32_t fails_shown;

static void show_fail(const char *why, const char *prefix, const char *d, uint8_t n)
{
	if (fails_shown++ >= 5)
		return;
	printf("# mismatch (%s) prefix ", why);
	for (uint8_t i = 0; i < 40; i++)
		printf("%02x", (uint8_t)prefix[i]);
	printf(" digits %.*s\n", n, d);
}

/*
 * One differential case: the true nonce must match in both cores, a changed
 * last digit must not, and an expected digest with one bit flipped in word
 * `flip` must not (word 4 exercises the early exit, 0-3 the full finish).
 */
static uint8_t diff_case(const char *prefix, char *d, uint8_t n)
{
	uint8_t dg[20], ok = 1, flip = rnd() % 5;
	char save;

	digest_of(prefix, d, n, dg);
	hashcore_prepare(&hc, prefix, dg);
	duco_s1_prepare(&ref, prefix, dg);
	if (asm_check(d, n) != 1 || duco_s1_check(&ref, d, n) != 1) {
		show_fail("true nonce", prefix, d, n);
		ok = 0;
	}
	save = d[n - 1];
	d[n - 1] = (char)('0' + (save - '0' + 1 + rnd() % 9) % 10);
	if (asm_check(d, n) != 0) {
		show_fail("other nonce", prefix, d, n);
		ok = 0;
	}
	d[n - 1] = save;
	dg[4 * flip + (rnd() & 3)] ^= (uint8_t)(1u << (rnd() & 7));
	hashcore_prepare(&hc, prefix, dg);
	if (asm_check(d, n) != 0) {
		show_fail("flipped digest", prefix, d, n);
		ok = 0;
	}
	return ok;
}

static void test_known_answer(void)
{
	static const char last[] = "ba29a15896fd2d792d5c4b60668bf2b9feebc51d";
	static const char exp_hex[] = "d0beba883d7e8cd119ea2b0e09b78f60f29e0968";
	uint8_t exp[20], n = 1, hits = 0;
	uint32_t nonce, found = 0xffffffffUL;
	char d[11] = "0";

	duco_hex_to_bin(exp_hex, exp, 20);
	hashcore_prepare(&hc, last, exp);
	/* 0 ..= 100 * diff with diff 10, through increment + check. */
	for (nonce = 0; nonce <= 1000; nonce++) {
		if (hashcore_check(&hc, d, n)) {
			hits++;
			found = nonce;
		}
		duco_dec_increment(d, &n);
	}
	tap_ok(hits == 1 && found == 50, "known answer job (diff 10) finds nonce %lu", (unsigned long)found);
}

/* 10^k - 3 .. 10^k + 2 through increment + check, digest planted at 10^k. */
static void test_carries(void)
{
	static const char last[] = "05b7406b3909071b2d85b2d2958ad07a0d52bd12";
	uint8_t k, ok_all = 1;

	for (k = 1; k <= 9; k++) {
		char d[11], target[11];
		uint8_t n = k, i, dg[20], hits = 0, at = 0xff, step;

		for (i = 0; i < k; i++)
			d[i] = '9';
		d[k - 1] = '7';                 /* 10^k - 3 */
		target[0] = '1';
		for (i = 1; i <= k; i++)
			target[i] = '0';
		digest_of(last, target, k + 1, dg);
		hashcore_prepare(&hc, last, dg);
		for (step = 0; step < 6; step++) {
			if (hashcore_check(&hc, d, n)) {
				hits++;
				at = step;
			}
			duco_dec_increment(d, &n);
		}
		if (hits != 1 || at != 3) {
			ok_all = 0;
			tap_diag("carry to 10^%u failed", k);
		}
	}
	tap_ok(ok_all, "digit carries 9->10 ... 999999999->1000000000 found at 10^k, k<=9");
}

/* The largest u32 nonce and a 10-digit neighbour. */
static void test_ten_digits(void)
{
	static const char last[] = "05b7406b3909071b2d85b2d2958ad07a0d52bd12";
	char d[11] = "4294967290";
	uint8_t n = 10, dg[20], hits = 0, at = 0xff, step;

	digest_of(last, "4294967295", 10, dg);
	hashcore_prepare(&hc, last, dg);
	for (step = 0; step < 8; step++) {
		if (hashcore_check(&hc, d, n)) {
			hits++;
			at = step;
		}
		duco_dec_increment(d, &n);
	}
	tap_ok(hits == 1 && at == 5, "10-digit nonce 4294967295 found at step %u", at);
	/* Out-of-contract digit counts are refused, and leave the job intact. */
	tap_ok(hashcore_check(&hc, "4294967295", 0) == 0 &&
	    hashcore_check(&hc, "42949672950", 11) == 0 &&
	    hashcore_check(&hc, "4294967295", 10) == 1,
	    "digit counts 0 and 11 answer 0 without harm, then 10 digits match: 1");
}

/* One job, digit counts changing back and forth without a new prepare: the
 * per-digit-count constants must follow every change. */
static void test_alternating_counts(void)
{
	static const char last[] = "05b7406b3909071b2d85b2d2958ad07a0d52bd12";
	static const char *const probe[] = { "1234", "70", "7000000000", "99999" };
	uint8_t dg[20], i, ok = 1;

	digest_of(last, "7", 1, dg);
	hashcore_prepare(&hc, last, dg);
	for (i = 0; i < 4; i++) {
		ok &= hashcore_check(&hc, probe[i], (uint8_t)strlen(probe[i])) == 0;
		ok &= hashcore_check(&hc, "7", 1) == 1;
	}
	tap_ok(ok, "digit count changes within one job (1<->4,2,10,5): matches stay right, rounds 8");
}

static void test_random(uint8_t seed)
{
	static char prefix[40];
	uint32_t per_n_ok[11], per_n_all[11], i;
	uint8_t n;
	char d[11];

	rng_state = 0x9e3779b9UL ^ ((uint32_t)seed << 16 | seed);
	for (n = 0; n <= 10; n++)
		per_n_ok[n] = per_n_all[n] = 0;
	for (i = 0; i < ASM_TEST_PAIRS; i++) {
		if (i % 4 == 0)
			random_prefix(prefix);
		n = (uint8_t)(1 + i % 10);
		random_digits(d, n);
		per_n_all[n]++;
		per_n_ok[n] += diff_case(prefix, d, n);
	}
	for (n = 1; n <= 10; n++)
		tap_ok(per_n_ok[n] == per_n_all[n] && per_n_all[n] > 0,
		       "random differential cases agree, digits=%u", n);
	tap_ok(1, "random (prefix, nonce) pairs run: %lu", (unsigned long)ASM_TEST_PAIRS);
}

/*
 * Cycle figures for the host: per digit count, several increment + check
 * steps over non-matching nonces (GPIOR1 markers around each step).
 */
static void bench(void)
{
	static const char last[] = "05b7406b3909071b2d85b2d2958ad07a0d52bd12";
	static const uint8_t nomatch[20] = { 1 };
	uint8_t n, rep;

	GPIOR1 = BENCH_TAG_PREPARE;
	hashcore_prepare(&hc, last, nomatch);
	GPIOR1 = 0;
	for (n = 1; n <= 10; n++) {
		char d[11];
		uint8_t len = n, i;

		d[0] = '1';
		for (i = 1; i < n; i++)
			d[i] = '0' + i % 10;
		d[n - 1] = '0';
		/* The first check of a digit count also makes its constants. */
		GPIOR1 = BENCH_TAG_FIRST_CHECK;
		hashcore_check(&hc, d, len);
		GPIOR1 = 0;
		/* 1 digit: only "0".."9" keep the count; others stay well inside. */
		for (rep = 0; rep < (n == 1 ? 10 : 32); rep++) {
			GPIOR1 = n;
			hashcore_check(&hc, d, len);
			duco_dec_increment(d, &len);
			GPIOR1 = 0;
		}
	}
	GPIOR1 = 0xff;          /* the host's bench mode stops here */
}

int main(void)
{
	uint8_t seed = GPIOR2;

	/* Cycle figures first, with no interrupt load in them. */
	bench();
	/* Timer1 CTC at clk/1: a compare interrupt every TICK_PERIOD cycles. */
	OCR1A = TICK_PERIOD - 1;
	TCCR1A = 0;
	TCCR1B = _BV(WGM12) | _BV(CS10);
	TIMSK1 = _BV(OCIE1A);
	sei();

	stdout = &gpior0_out;
	tap_diag("hashcore_asm differential test, seed %u", seed);
	test_known_answer();
	test_carries();
	test_ten_digits();
	test_alternating_counts();
	test_random(seed);
	cli();
	/* Latency counted from the compare match to the first line of the body:
	 * includes the fixed ISR entry (~4 cycles response + jmp + prologue). */
	tap_diag("timer interrupts taken: %lu", (unsigned long)isr_count);
	tap_ok(isr_count > 1000, "timer interrupts kept firing while hashing: %lu", (unsigned long)isr_count);
	tap_ok(isr_max_latency < 800, "worst interrupt entry latency in cycles (< 800 = 50 us @16 MHz): %u",
	    isr_max_latency);
	tap_diag("done");
	set_sleep_mode(SLEEP_MODE_PWR_DOWN);
	sleep_enable();
	sleep_cpu();
	for (;;)
		;
}
