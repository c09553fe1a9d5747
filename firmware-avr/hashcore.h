/*
 * hashcore.h - the per-nonce DUCO-S1 hashing core the firmware's main loop calls.
 *
 * Two implementations behind one interface, chosen per board by HASH_IMPL in
 * boards.mk: hashcore_c.c (wraps common/duco_s1, portable, small) and
 * hashcore_asm.S (hand-scheduled AVR assembly, fast, ~12 KB of flash).
 * The main loop owns the nonce's ASCII digits and increments them in place;
 * the core only answers "does this nonce solve the job".
 *
 * Contract:
 *  - hashcore_prepare() is called once per job, with interrupts enabled; it may
 *    take a few thousand cycles.
 *  - hashcore_check() is called once per nonce with the ASCII digits (1..10 of
 *    them, no leading zeros) and returns 1 on a match. It must never disable
 *    interrupts for more than a few cycles: the TWI ISR has to run promptly.
 *  - The context is plain RAM owned by the caller.
 */
#ifndef HASHCORE_H
#define HASHCORE_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#include "duco_s1.h"
#endif

#if defined(HASH_IMPL_ASM)
#define HASHCORE_IMPL_ID 1      /* DUCO_HASH_ASM */
/* Layout private to hashcore_asm.S; size fixed there and checked at build. */
#define HASHCORE_CTX_SIZE 261
#ifndef __ASSEMBLER__
struct hashcore { uint8_t raw[HASHCORE_CTX_SIZE]; };
#endif
#else
#define HASHCORE_IMPL_ID 0      /* DUCO_HASH_C */
#ifndef __ASSEMBLER__
struct hashcore { struct duco_s1_ctx s1; };
#endif
#endif

#ifndef __ASSEMBLER__
void    hashcore_prepare(struct hashcore *hc, const char last_hash[40],
			 const uint8_t expected[20]);
uint8_t hashcore_check(struct hashcore *hc, const char *digits, uint8_t n);
#endif

#endif
