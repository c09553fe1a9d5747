/*
 * fuzz_driver.c - a deterministic stand-in for libFuzzer's main().
 *
 * Feeds a fuzz harness valid frames, every truncation of them, and seeded
 * random mutations, each copied into a heap buffer of exactly its size so
 * that valgrind or ASan flag any read past the end. Used by `make test`
 * (bounded, reproducible); `make fuzz` runs the same harnesses under
 * libFuzzer for open-ended exploration. Prints TAP.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duco_proto.h"
#include "duco_rand.h"
#include "../tap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t seed = 0x9e3779b9u;

static uint32_t rnd(void)
{
	return duco_rand(&seed);
}

static void run(const uint8_t *p, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);

	memcpy(copy, p, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
}

int main(int argc, char **argv)
{
	uint8_t seeds[4][DUCO_MAX_READ_FRAME + DUCO_MAX_WRITE_FRAME];
	size_t seedlen[4];
	struct duco_job job;
	struct duco_result r = { 7, 1, 123456, 999 };
	struct duco_identity id;
	uint8_t body[DUCO_MAX_READ_BODY], m[300];
	long iters = argc > 1 ? atol(argv[1]) : 200000, i;
	int s;

	memset(&job, 0, sizeof job);
	memset(&id, 0, sizeof id);
	memcpy(job.last_hash, "ba29a15896fd2d792d5c4b60668bf2b9feebc51d", 40);
	job.end_nonce = 1000;
	seedlen[0] = duco_encode_job(seeds[0], &job);
	duco_encode_result_body(body, &r);
	seedlen[1] = duco_encode_read(seeds[1], DUCO_STATUS_MAKE(DUCO_ST_DONE, 0, 1), body, DUCO_RESULT_BODY);
	duco_encode_identity_body(body, &id);
	seedlen[2] = duco_encode_read(seeds[2], 0, body, DUCO_IDENTITY_BODY);
	seedlen[3] = duco_encode_set_addr(seeds[3], 0x20);

	for (s = 0; s < 4; s++)
		for (size_t n = 0; n <= seedlen[s]; n++)
			run(seeds[s], n);
	tap_ok(1, "every truncation of 4 valid frames decodes without a crash");

	for (i = 0; i < iters; i++) {
		size_t n;
		int flips;

		s = (int)(rnd() % 4);
		n = seedlen[s];
		memcpy(m, seeds[s], n);
		for (flips = 1 + (int)(rnd() % 4); flips; flips--) {
			switch (rnd() % 4) {
			case 0: m[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8)); break;
			case 1: m[rnd() % n] = (uint8_t)rnd(); break;
			case 2: n = rnd() % (n + 1); if (!n) n = 1; break;
			case 3: if (n < sizeof m) m[n++] = (uint8_t)rnd(); break;
			}
		}
		run(m, n);
	}
	tap_ok(1, "%ld seeded random mutations decode without a crash or a broken round trip", iters);
	return tap_done();
}
