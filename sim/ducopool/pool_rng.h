/*
 * pool_rng.h - ducopool's seeded pseudo-random source.
 *
 * Every random choice of the pool (job nonces, injected delays, faults,
 * BLOCK draws) comes from one generator so that `--seed N` replays a run.
 * Not cryptographic: the pool is a test fixture, and a predictable nonce is
 * exactly what a reproducible test wants. Assumes a 64-bit unsigned type.
 */
#ifndef POOL_RNG_H
#define POOL_RNG_H

#include <stdint.h>

struct pool_rng {
	uint64_t s[4];
};

void     pool_rng_seed(struct pool_rng *r, uint64_t seed);
uint64_t pool_rng_u64(struct pool_rng *r);
/* Uniform in lo..=hi (lo <= hi), without modulo bias. */
uint64_t pool_rng_range(struct pool_rng *r, uint64_t lo, uint64_t hi);
/* Uniform in [0, 1). */
double   pool_rng_unit(struct pool_rng *r);
/* 1 with probability p (p <= 0 never, p >= 1 always). */
int      pool_rng_chance(struct pool_rng *r, double p);

#endif
