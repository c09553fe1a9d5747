/*
 * hashcore_c.c - the portable hashing core (hashcore.h): common/duco_s1's
 * per-job precomputation and per-nonce check, unchanged.
 *
 * This is the reference the assembly core is measured and tested against and
 * the core of every board whose HASH_IMPL is c. It never touches interrupts,
 * so the TWI handler runs promptly while it hashes. Assumes common/duco_s1.c
 * is linked into the image (firmware-avr/module.mk compiles $(COMMON_SRCS)).
 */
#include "hashcore.h"

void hashcore_prepare(struct hashcore *hc, const char last_hash[40],
		      const uint8_t expected[20])
{
	duco_s1_prepare(&hc->s1, last_hash, expected);
}

uint8_t hashcore_check(struct hashcore *hc, const char *digits, uint8_t n)
{
	return duco_s1_check(&hc->s1, digits, n);
}
