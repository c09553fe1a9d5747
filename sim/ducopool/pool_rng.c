/*
 * pool_rng.c - xoshiro256** seeded through splitmix64.
 *
 * Chosen because it is small, fast, has no bad low bits (nonces are drawn
 * from small ranges) and its output depends only on the seed, so the same
 * `--seed` gives the same jobs on every host.
 */
#include "pool_rng.h"

static uint64_t pool_rng_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t pool_rng_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void pool_rng_seed(struct pool_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = pool_rng_splitmix(&seed);
}

uint64_t pool_rng_u64(struct pool_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = pool_rng_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = pool_rng_rotl(s[3], 45);
	return out;
}

uint64_t pool_rng_range(struct pool_rng *r, uint64_t lo, uint64_t hi)
{
	uint64_t span = hi - lo + 1, limit, v;

	if (span == 0)          /* the whole 64-bit range */
		return pool_rng_u64(r);
	/* Reject the top partial bucket so every value is equally likely. */
	limit = UINT64_MAX - (UINT64_MAX % span);
	do
		v = pool_rng_u64(r);
	while (v >= limit);
	return lo + v % span;
}

double pool_rng_unit(struct pool_rng *r)
{
	return (double)(pool_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

int pool_rng_chance(struct pool_rng *r, double p)
{
	if (p <= 0.0)
		return 0;
	if (p >= 1.0)
		return 1;
	return pool_rng_unit(r) < p;
}
