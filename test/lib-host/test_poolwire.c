/*
 * test_poolwire.c - lib/poolwire: the pool's job line (the one parser
 * ducomaster, ducoctl and ducosim share) on good lines, each way a line can
 * be wrong, the search range it implies, and the DUCOID text. TAP on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "poolwire.h"
#include "tap.h"

#define H1 "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
#define H2 "D0BE2DC421BE4FCD0172E5AFCEEA3970E2F3D940"

static int parse(const char *s)
{
	struct poolwire_job j;

	return poolwire_parse_job(s, &j);
}

static void test_good(void)
{
	struct poolwire_job j;
	struct duco_job job = { .job_id = 0x1234, .start_nonce = 7 };
	int rc = poolwire_parse_job(H1 "," H2 ",10", &j);

	tap_ok(rc == 0 && j.diff == 10 && !strcmp(j.last_hash, H1) && !strcmp(j.expected_hex, H2),
	       "a job line: hashes and difficulty (rc %d diff %u)", rc, j.diff);
	tap_ok(j.expected[0] == 0xd0 && j.expected[19] == 0x40, "expected digest in binary");
	poolwire_job_to_slave(&j, &job);
	tap_ok(job.start_nonce == 0 && job.end_nonce == 1000 && job.job_id == 0x1234 &&
	       !memcmp(job.last_hash, H1, 40) && !memcmp(job.expected, j.expected, 20),
	       "slave job: nonces 0..diff*100, job id left alone");
	rc = poolwire_parse_job(H1 "," H2 ",42949672", &j);
	tap_ok(rc == 0 && j.diff == 42949672, "the largest difficulty that fits 32-bit nonces");
}

static void test_bad(void)
{
	static const struct { const char *line, *why; } bad[] = {
		{ "", "empty" },
		{ H1 "," H2, "no difficulty" },
		{ H1 "," H2 ",", "empty difficulty" },
		{ H1 "," H2 ",0", "difficulty 0" },
		{ H1 "," H2 ",42949673", "difficulty beyond 32-bit nonces" },
		{ H1 "," H2 ",99999999999999999999999", "difficulty overflows" },
		{ H1 "," H2 ",10\n", "trailing newline" },
		{ H1 "," H2 ",10,x", "trailing field" },
		{ H1 "," H2 ",-1", "negative difficulty" },
		{ H1 "," H2 ", 10", "space before the difficulty" },
		{ "g94a8fe5ccb19ba61c4c0873d391e987982fbbd3," H2 ",10", "last hash not hex" },
		{ H1 ",Z0BE2DC421BE4FCD0172E5AFCEEA3970E2F3D940,10", "expected not hex" },
		{ "a94a8fe5ccb19ba61c4c0873d391e987982fbbd," H2 ",10", "last hash 39 digits" },
		{ H1 "0," H2 ",10", "last hash 41 digits" },
		{ H1 ";" H2 ",10", "wrong separator" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		tap_ok(parse(bad[i].line) == -EPROTO, "refused: %s", bad[i].why);
}

static void test_ducoid(void)
{
	static const uint8_t id[8] = { 0x00, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0xff };
	char out[POOLWIRE_DUCOID_LEN + 1];

	memset(out, 'x', sizeof(out));
	poolwire_ducoid(id, out);
	tap_ok(!strcmp(out, "DUCOID001A2B3C4D5E6FFF"), "DUCOID in uppercase hex (%s)", out);
}

int main(void)
{
	test_good();
	test_bad();
	test_ducoid();
	return tap_done();
}
