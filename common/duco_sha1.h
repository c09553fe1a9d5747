/*
 * duco_sha1.h - SHA-1 (FIPS 180-4), portable C99 for the host and the AVR.
 *
 * Streaming interface plus the bare compression function, which DUCO-S1 uses
 * directly because every job's message fits one 64-byte block. No malloc,
 * no stdio; the context is 96 bytes.
 */
#ifndef DUCO_SHA1_H
#define DUCO_SHA1_H

#include <stdint.h>

#define DUCO_SHA1_DIGEST 20
#define DUCO_SHA1_BLOCK  64

struct duco_sha1 {
	uint32_t h[5];
	uint32_t count_lo, count_hi;   /* message length in bytes */
	uint8_t  buf[DUCO_SHA1_BLOCK];
	uint8_t  used;
};

void duco_sha1_init(struct duco_sha1 *c);
void duco_sha1_update(struct duco_sha1 *c, const void *data, uint32_t n);
void duco_sha1_final(struct duco_sha1 *c, uint8_t digest[DUCO_SHA1_DIGEST]);
void duco_sha1(const void *data, uint32_t n, uint8_t digest[DUCO_SHA1_DIGEST]);

/* One compression: h[5] updated in place with the 16 big-endian words w[]. */
void duco_sha1_compress(uint32_t h[5], const uint32_t w[16]);

/*
 * Rounds first..end-1 of a compression on the working state s[5] (a..e),
 * with w[] the 16 message words, used as the schedule's ring (overwritten
 * from round 16 on). No final addition. DUCO-S1 splits a compression at
 * round 10: its words 0-9 never change within a job, so rounds 0-9 run once
 * per job and only rounds 10-79 per nonce.
 */
void duco_sha1_rounds(uint32_t s[5], uint32_t w[16], uint8_t first, uint8_t end);

#endif
