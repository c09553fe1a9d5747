/*
 * duco_s1.h - DUCO-S1: find nonce with SHA1(last_hash || decimal(nonce)) ==
 * expected, over 0 ..= 100 * diff (see ../shared/reference/duco-protocol.md).
 *
 * Three layers, all portable C99 (host and AVR):
 *  - duco_s1_hash: the definition, one nonce -> digest (slow, obvious).
 *  - duco_s1_prepare/duco_s1_check: the per-job precomputation (message words
 *    0-9 are the constant 40-byte prefix, so rounds 0-9 are done once per job)
 *    and a per-nonce test on the nonce's ASCII digits. This is the C hashing
 *    core the firmware runs and the reference the assembly core is tested
 *    against.
 *  - duco_s1_search: a whole search from start to end inclusive, with ASCII
 *    digit increment; used by the master to verify and by host model slaves.
 * last_hash is used exactly as received (case preserved, 40 chars).
 */
#ifndef DUCO_S1_H
#define DUCO_S1_H

#include <stdint.h>

#include "duco_sha1.h"

#define DUCO_S1_MAX_DIGITS 10   /* u32 nonces */
#define DUCO_S1_HEX (2 * DUCO_SHA1_DIGEST)      /* a digest in hex: last_hash's length */

struct duco_s1_ctx {
	uint32_t w[10];         /* message words 0-9: the prefix, big-endian */
	uint32_t s[5];          /* a..e after round 9 */
	uint32_t expected[5];   /* expected digest as words */
};

void duco_s1_hash(const char last_hash[DUCO_S1_HEX], uint32_t nonce, uint8_t digest[DUCO_SHA1_DIGEST]);

void duco_s1_prepare(struct duco_s1_ctx *ctx, const char last_hash[DUCO_S1_HEX],
		     const uint8_t expected[DUCO_SHA1_DIGEST]);
/* 1 when digits[0..n-1] (ASCII, no leading zero unless "0") solve the job. */
uint8_t duco_s1_check(const struct duco_s1_ctx *ctx, const char *digits, uint8_t n);

/*
 * Search nonces start..end inclusive. Returns 1 and sets *nonce when found,
 * 0 when the range is exhausted (then *nonce = end).
 */
uint8_t duco_s1_search(const char last_hash[DUCO_S1_HEX], const uint8_t expected[DUCO_SHA1_DIGEST],
		       uint32_t start, uint32_t end, uint32_t *nonce);

/* Decimal digits of v into buf (no NUL), returns the count (1..10). */
uint8_t duco_u32_to_dec(uint32_t v, char *buf);
/* In-place ASCII increment of digits[0..*n-1]; may grow *n by one. */
void    duco_dec_increment(char *digits, uint8_t *n);

/* Hex helpers for the 40-char expected hash. Return 0 on success, -1 on bad input. */
int  duco_hex_to_bin(const char *hex, uint8_t *bin, uint8_t nbytes);
void duco_bin_to_hex(const uint8_t *bin, uint8_t nbytes, char *hex, uint8_t upper);

#endif
