/*
 * duco_rand.h - the one small pseudo-random generator of the project
 * (xorshift32): retry jitter in the master, and reproducible random inputs
 * in the tests on the host and on the AVR. Not for anything secret. A zero
 * state would stay zero, so it is replaced by a fixed odd constant.
 */
#ifndef DUCO_RAND_H
#define DUCO_RAND_H

#include <stdint.h>

static inline uint32_t duco_rand(uint32_t *state)
{
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *state = x;
}

#endif
