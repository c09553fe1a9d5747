/*
 * test_common.c - known-answer and property tests for common/.
 *
 * SHA-1 against the FIPS 180 examples, DUCO-S1 against the vectors in
 * duco-protocol.md, the per-job fast path against the plain definition on
 * random inputs, and the I2C frame codecs: round trips, CRC check value, and
 * that every single-bit corruption and every truncation of a frame is refused.
 * Random inputs come from a fixed-seed generator so failures reproduce.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "duco_crc8.h"
#include "duco_proto.h"
#include "duco_s1.h"
#include "duco_rand.h"
#include "duco_sha1.h"
#include "simbus_proto.h"
#include "../tap.h"

static uint32_t rng_state = 0x2545f491u;

static uint32_t rnd(void)
{
	return duco_rand(&rng_state);
}

static void hexdigest(const uint8_t d[20], char out[41])
{
	duco_bin_to_hex(d, 20, out, 0);
	out[40] = 0;
}

static void test_sha1(void)
{
	static const struct { const char *msg; const char *hex; } v[] = {
		{ "abc", "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ "", "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "a49b2446a02c645bf419f995b67091253a04a259" },
	};
	uint8_t d[20];
	char hex[41];
	struct duco_sha1 c;
	static char million[1000];
	unsigned i;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		duco_sha1(v[i].msg, (uint32_t)strlen(v[i].msg), d);
		hexdigest(d, hex);
		tap_ok(!strcmp(hex, v[i].hex), "sha1 FIPS example %u (%zu bytes) = %s", i,
		       strlen(v[i].msg), hex);
	}
	memset(million, 'a', sizeof million);
	duco_sha1_init(&c);
	for (i = 0; i < 1000; i++)
		duco_sha1_update(&c, million, sizeof million);
	duco_sha1_final(&c, d);
	hexdigest(d, hex);
	tap_ok(!strcmp(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"),
	       "sha1 of one million 'a' (streamed in 1000-byte pieces)");

	/* Streaming in odd pieces equals one-shot, across block boundaries. */
	{
		uint8_t msg[200], d1[20], d2[20];
		int ok = 1;
		unsigned len, cut;

		for (i = 0; i < sizeof msg; i++)
			msg[i] = (uint8_t)rnd();
		for (len = 0; len <= sizeof msg && ok; len += 7)
			for (cut = 0; cut <= len && ok; cut += 13) {
				duco_sha1(msg, len, d1);
				duco_sha1_init(&c);
				duco_sha1_update(&c, msg, cut);
				duco_sha1_update(&c, msg + cut, len - cut);
				duco_sha1_final(&c, d2);
				ok = !memcmp(d1, d2, 20);
			}
		tap_ok(ok, "sha1 streaming split at any point equals one-shot");
	}
}

static void test_duco_vectors(void)
{
	static const struct { const char *last; uint32_t nonce; const char *hex; } v[] = {
		{ "05b7406b3909071b2d85b2d2958ad07a0d52bd12", 0, "b7907dc67345649bae8a5c3ed093453265dfaaa1" },
		{ "05b7406b3909071b2d85b2d2958ad07a0d52bd12", 1, "28ee8fc94d490053e3de81e5f0d44933d8989dc0" },
		{ "05b7406b3909071b2d85b2d2958ad07a0d52bd12", 600, "89633bed381719f996d0d84aea262d1eb1ef6b82" },
		{ "05b7406b3909071b2d85b2d2958ad07a0d52bd12", 1000, "de9a9a9454501c2c72430a0a2d586defc0ec7903" },
	};
	uint8_t d[20], exp[20];
	char hex[41];
	uint32_t nonce = 12345;
	unsigned i;

	for (i = 0; i < 4; i++) {
		duco_s1_hash(v[i].last, v[i].nonce, d);
		hexdigest(d, hex);
		tap_ok(!strcmp(hex, v[i].hex), "duco_s1_hash reference vector nonce %u", (unsigned)v[i].nonce);
	}
	duco_hex_to_bin("d0beba883d7e8cd119ea2b0e09b78f60f29e0968", exp, 20);
	tap_ok(duco_s1_search("ba29a15896fd2d792d5c4b60668bf2b9feebc51d", exp, 0, 1000, &nonce) &&
	       nonce == 50, "official miner start-up job (diff 10) solves to nonce 50 (got %u)",
	       (unsigned)nonce);
	for (i = 0; i < 4; i++) {
		duco_hex_to_bin(v[i].hex, exp, 20);
		nonce = 99999;
		tap_ok(duco_s1_search(v[i].last, exp, 0, 1000, &nonce) && nonce == v[i].nonce,
		       "search over 0..=1000 finds vector nonce %u at the range edge", (unsigned)v[i].nonce);
	}
	/* Case matters: the uppercase prefix is a different job. */
	duco_hex_to_bin(v[2].hex, exp, 20);
	tap_ok(!duco_s1_search("05B7406B3909071B2D85B2D2958AD07A0D52BD12", exp, 0, 1000, &nonce) &&
	       nonce == 1000, "uppercase last_hash does not solve the lowercase job");
	tap_ok(!duco_s1_search(v[2].last, exp, 601, 1000, &nonce), "search starting after the nonce reports not found");
	tap_ok(duco_s1_search(v[2].last, exp, 600, 600, &nonce) && nonce == 600, "single-nonce range");
	tap_ok(!duco_s1_search(v[2].last, exp, 700, 600, &nonce), "empty range (start > end) reports not found");
}

static void rand_prefix(char last[40], int upper)
{
	uint8_t b[20];
	int i;

	for (i = 0; i < 20; i++)
		b[i] = (uint8_t)rnd();
	duco_bin_to_hex(b, 20, last, (uint8_t)upper);
}

static void test_duco_fastpath(void)
{
	static const uint32_t edges[] = {
		0, 9, 10, 99, 100, 999, 1000, 9999, 10000, 99999, 100000, 999999, 1000000,
		9999999, 10000000, 99999999, 100000000, 999999999, 1000000000, 4294967295u,
	};
	int bad_check = 0, bad_miss = 0, bad_inc = 0, i;

	for (i = 0; i < 3000; i++) {
		char last[40], dec[11], ref[11];
		uint8_t d[20], other[20], n, rn;
		struct duco_s1_ctx ctx;
		uint32_t nonce = i < 20 ? edges[i] : rnd() >> (rnd() % 32);

		rand_prefix(last, i & 1);
		duco_s1_hash(last, nonce, d);
		duco_s1_prepare(&ctx, last, d);
		n = duco_u32_to_dec(nonce, dec);
		if (!duco_s1_check(&ctx, dec, n))
			bad_check++;
		/* A neighbouring nonce must not match. */
		memcpy(other, d, 20);
		other[rnd() % 20] ^= (uint8_t)(1u << (rnd() % 8));
		duco_s1_prepare(&ctx, last, other);
		if (duco_s1_check(&ctx, dec, n))
			bad_miss++;
		/* Increment equals formatting nonce + 1. */
		if (nonce != 4294967295u) {
			duco_dec_increment(dec, &n);
			rn = duco_u32_to_dec(nonce + 1, ref);
			if (rn != n || memcmp(ref, dec, n))
				bad_inc++;
		}
	}
	tap_ok(!bad_check, "prepare/check matches the definition on 3000 random jobs, all digit counts (%d bad)", bad_check);
	tap_ok(!bad_miss, "prepare/check rejects a one-bit-off expected hash (%d false hits)", bad_miss);
	tap_ok(!bad_inc, "in-place decimal increment equals formatting nonce+1 incl. every carry (%d bad)", bad_inc);
}

static void test_search_random(void)
{
	int bad = 0, i;

	for (i = 0; i < 60; i++) {
		char last[40];
		uint8_t d[20];
		uint32_t diff = 1 + rnd() % 20, planted = rnd() % (100 * diff + 1), got = 0;

		rand_prefix(last, 0);
		duco_s1_hash(last, planted, d);
		if (!duco_s1_search(last, d, 0, 100 * diff, &got) || got != planted)
			bad++;
	}
	tap_ok(!bad, "search finds 60 planted nonces in 0..=100*diff (%d bad)", bad);
}

static void test_crc(void)
{
	tap_ok(duco_crc8((const uint8_t *)"123456789", 9) == 0xf4,
	       "crc8 check value of \"123456789\" is 0xF4 (got 0x%02x)",
	       duco_crc8((const uint8_t *)"123456789", 9));
	tap_ok(duco_crc8(NULL, 0) == 0, "crc8 of nothing is 0");

	/* The table is generated at build time; the firmware and the host
	 * compile the same generated header, so this checks both. */
	int bad = 0;
	for (int i = 0; i < 256; i++)
		for (int c = 0; c < 256; c += 85)
			if (duco_crc8_step((uint8_t)c, (uint8_t)i) != duco_crc8_bitwise((uint8_t)c, (uint8_t)i))
				bad++;
	tap_ok(!bad, "generated crc8 table agrees with the bitwise definition (%d differ)", bad);
}

static void make_job(struct duco_job *j)
{
	int i;

	j->job_id = (uint16_t)rnd();
	j->start_nonce = rnd() % 1000;
	j->end_nonce = j->start_nonce + rnd() % 10000000;
	for (i = 0; i < 20; i++)
		j->expected[i] = (uint8_t)rnd();
	rand_prefix(j->last_hash, (int)(rnd() & 1));
}

static void test_frames(void)
{
	uint8_t f[DUCO_MAX_WRITE_FRAME + 8];
	struct duco_job j, k;
	uint8_t n, a = 0, bit;
	int undetected = 0, accepted_short = 0;
	unsigned i;

	make_job(&j);
	n = duco_encode_job(f, &j);
	tap_ok(n == DUCO_JOB_FRAME && f[0] == DUCO_CMD_JOB && f[1] == DUCO_JOB_PAYLOAD,
	       "job frame is %u bytes with cmd and length first", n);
	tap_ok(duco_frame_check(f, n) == DUCO_OK, "encoded job frame checks");
	duco_decode_job(f, &k);
	tap_ok(k.job_id == j.job_id && k.start_nonce == j.start_nonce && k.end_nonce == j.end_nonce &&
	       !memcmp(k.expected, j.expected, 20) && !memcmp(k.last_hash, j.last_hash, 40),
	       "job frame round trip preserves every field, case of last_hash included");
	tap_ok(f[2] == (uint8_t)j.job_id && f[3] == (uint8_t)(j.job_id >> 8) &&
	       f[4] == (uint8_t)j.start_nonce, "integers are little-endian on the wire");
	for (i = 0; i < (unsigned)n * 8; i++) {
		f[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (duco_frame_check(f, n) == DUCO_OK)
			undetected++;
		f[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	tap_ok(!undetected, "every single-bit error in a job frame is rejected (%d undetected)", undetected);
	for (i = 0; i < n; i++)
		if (duco_frame_check(f, (uint8_t)i) == DUCO_OK)
			accepted_short++;
	tap_ok(!accepted_short, "every truncation of a job frame is rejected");
	f[n] = 0;
	tap_ok(duco_frame_check(f, (uint8_t)(n + 1)) == -DUCO_E_LEN, "an over-long frame is rejected");

	n = duco_encode_set_addr(f, 0x2a);
	tap_ok(duco_frame_check(f, n) == DUCO_OK && duco_decode_set_addr(f, &a) == DUCO_OK && a == 0x2a,
	       "set-address frame round trip");
	for (bit = 0; bit < 2; bit++) {
		n = duco_encode_set_addr(f, bit ? 0x78 : 0x07);
		tap_ok(duco_frame_check(f, n) == -DUCO_E_ARG, "set-address 0x%02x out of range is refused", f[2]);
	}
	n = duco_encode_set_addr(f, 0x30);
	f[3] ^= 1;
	f[4] = duco_crc8(f, 4);
	tap_ok(duco_frame_check(f, n) == -DUCO_E_ARG, "set-address with a wrong complement is refused");
	n = duco_encode_reset(f);
	tap_ok(duco_frame_check(f, n) == DUCO_OK, "reset frame with magic checks");
	f[2] = 0;
	f[4] = duco_crc8(f, 4);
	tap_ok(duco_frame_check(f, n) == -DUCO_E_ARG, "reset without magic is refused");
	n = duco_encode_simple(f, 0x7f);
	tap_ok(duco_frame_check(f, n) == -DUCO_E_CMD, "unknown command is refused");
	n = duco_encode_simple(f, DUCO_CMD_JOB);
	tap_ok(duco_frame_check(f, n) == -DUCO_E_LEN, "job command with an empty payload is refused");
	j.start_nonce = 10;
	j.end_nonce = 9;
	n = duco_encode_job(f, &j);
	tap_ok(duco_frame_check(f, n) == -DUCO_E_ARG, "job with start > end is refused");
}

static void test_read_frames(void)
{
	uint8_t f[DUCO_MAX_READ_FRAME], body[DUCO_MAX_READ_BODY];
	struct duco_result r = { 0xbeef, 1, 9999999, 123456789 }, r2;
	struct duco_identity id, id2;
	uint8_t st = DUCO_STATUS_MAKE(DUCO_ST_DONE, 0, 11), n;
	int i, undetected = 0;

	tap_ok(DUCO_STATUS_STATE(st) == DUCO_ST_DONE && DUCO_STATUS_SEQ(st) == 11 &&
	       !(st & DUCO_STATUS_REJECT), "status byte packs state and sequence");
	duco_encode_result_body(body, &r);
	n = duco_encode_read(f, st, body, DUCO_RESULT_BODY);
	tap_ok(n == DUCO_READ_FRAME_SIZE(DUCO_RESULT_BODY), "result frame is %u bytes", n);
	tap_ok(duco_read_check(f, 1) == DUCO_OK && duco_read_check(f, 2) == DUCO_OK,
	       "1- and 2-byte status reads check");
	tap_ok(duco_decode_result(f, n, &r2) == DUCO_OK && r2.job_id == r.job_id && r2.found == 1 &&
	       r2.nonce == r.nonce && r2.elapsed_us == r.elapsed_us, "result frame round trip");
	for (i = 0; i < n * 8; i++) {
		f[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (duco_decode_result(f, n, &r2) == DUCO_OK)
			undetected++;
		f[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	tap_ok(!undetected, "every single-bit error in a result frame is rejected (%d undetected)", undetected);
	tap_ok(duco_decode_result(f, (uint8_t)(n - 1), &r2) != DUCO_OK, "a truncated result read is rejected");
	f[1] ^= 0x40;
	tap_ok(duco_read_check(f, 2) == -DUCO_E_CRC, "a 2-byte status read with a bad CRC is rejected");

	n = duco_encode_read(f, DUCO_STATUS_MAKE(DUCO_ST_BUSY, 0, 3), body, 0);
	tap_ok(duco_decode_result(f, n, &r2) != DUCO_OK, "a busy status frame is not a result");

	memset(&id, 0, sizeof id);
	id.proto_version = DUCO_PROTO_VERSION;
	id.fw_version = 0x0102;
	id.board_id = DUCO_BOARD_NANO;
	id.f_cpu = 16000000;
	for (i = 0; i < 8; i++)
		id.ducoid[i] = (uint8_t)(0xa0 + i);
	id.reset_cause = DUCO_RESET_WATCHDOG;
	id.hash_impl = DUCO_HASH_ASM;
	id.crc_errors = 7;
	id.frame_errors = 0x1234;
	id.overruns = 2;
	id.jobs_done = 65535;
	id.i2c_addr = 0x21;
	memset(&id2, 0, sizeof id2);
	duco_encode_identity_body(body, &id);
	n = duco_encode_read(f, DUCO_STATUS_MAKE(DUCO_ST_IDLE, 0, 1), body, DUCO_IDENTITY_BODY);
	tap_ok(duco_decode_identity(f, n, &id2) == DUCO_OK && !memcmp(&id, &id2, sizeof id),
	       "identity frame round trip");
}

/*
 * Byte-exact frames from docs/i2c-protocol.md. The bytes were computed by
 * an encoder written from the document alone (the Python tests' own, before
 * they came to use common/ through ctypes), so this, not a round trip,
 * pins the wire format.
 */
static void test_known_frames(void)
{
	static const uint8_t identify[] = { 0x03, 0x00, 0x3f };
	static const uint8_t set_addr[] = { 0x04, 0x02, 0x2b, 0xd4, 0x95 };
	static const uint8_t reset[] = { 0x05, 0x02, 0x5a, 0xa5, 0x64 };
	static const uint8_t job[DUCO_JOB_FRAME] = {
		0x01, 0x46, 0x34, 0x12, 0x01, 0x00, 0x00, 0x00, 0x04, 0x03, 0x02, 0x01,
		0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
		0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13,
		'b', 'a', '2', '9', 'a', '1', '5', '8', '9', '6', 'f', 'd', '2', 'd', '7', '9',
		'2', 'd', '5', 'c', '4', 'b', '6', '0', '6', '6', '8', 'b', 'f', '2', 'b', '9',
		'f', 'e', 'e', 'b', 'c', '5', '1', 'D', 0x8f,
	};
	static const uint8_t result[] = {
		0xb2, 0x17, 0x0b, 0xef, 0xbe, 0x01, 0x7f, 0x96, 0x98, 0x00, 0x15, 0xcd,
		0x5b, 0x07, 0x38,
	};
	static const uint8_t identity[] = {
		0x10, 0x70, 0x1c, 0x01, 0x02, 0x01, 0x02, 0x00, 0x24, 0xf4, 0x00, 0xa0,
		0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0x08, 0x01, 0x07, 0x00, 0x34,
		0x12, 0x02, 0x00, 0xff, 0xff, 0x21, 0x00, 0xb3,
	};
	struct duco_job j = { .job_id = 0x1234, .start_nonce = 1, .end_nonce = 0x01020304 };
	struct duco_result r = { 0xbeef, 1, 9999999, 123456789 };
	struct duco_identity id = {
		.proto_version = 1, .fw_version = 0x0102, .board_id = 2, .f_cpu = 16000000,
		.ducoid = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7 },
		.reset_cause = 8, .hash_impl = 1, .crc_errors = 7, .frame_errors = 0x1234,
		.overruns = 2, .jobs_done = 65535, .i2c_addr = 0x21,
	};
	uint8_t f[DUCO_MAX_READ_FRAME + DUCO_MAX_WRITE_FRAME], body[DUCO_MAX_READ_BODY], n;

	n = duco_encode_simple(f, DUCO_CMD_IDENTIFY);
	tap_ok(n == sizeof(identify) && !memcmp(f, identify, n), "IDENTIFY frame byte for byte");
	n = duco_encode_set_addr(f, 0x2b);
	tap_ok(n == sizeof(set_addr) && !memcmp(f, set_addr, n), "SET_ADDR 0x2b frame byte for byte");
	n = duco_encode_reset(f);
	tap_ok(n == sizeof(reset) && !memcmp(f, reset, n), "RESET frame byte for byte");
	n = duco_encode_frame(f, DUCO_CMD_RESET, reset + 2, 2);
	tap_ok(n == sizeof(reset) && !memcmp(f, reset, n), "generic frame encoder, same bytes");
	for (int i = 0; i < 20; i++)
		j.expected[i] = (uint8_t)i;
	memcpy(j.last_hash, "ba29a15896fd2d792d5c4b60668bf2b9feebc51D", 40);
	n = duco_encode_job(f, &j);
	tap_ok(n == sizeof(job) && !memcmp(f, job, n), "JOB frame byte for byte");
	duco_encode_result_body(body, &r);
	n = duco_encode_read(f, 0xb2, body, DUCO_RESULT_BODY);
	tap_ok(n == sizeof(result) && !memcmp(f, result, n), "result read frame byte for byte");
	duco_encode_identity_body(body, &id);
	n = duco_encode_read(f, 0x10, body, DUCO_IDENTITY_BODY);
	tap_ok(n == sizeof(identity) && !memcmp(f, identity, n), "identity read frame byte for byte");
}

/* The health body and the conversions against the datasheet's figures. */
static void test_health(void)
{
	struct duco_health h = { .sensors = DUCO_HEALTH_VCC | DUCO_HEALTH_TEMP, .vbg_adc = 0x0123,
				 .temp_adc = 0x0145, .samples = 0xbeef, .uptime_s = 0x01020304,
				 .bus_resets = 9 }, h2;
	static const uint8_t body_bytes[DUCO_HEALTH_BODY] = {
		0x03, 0x23, 0x01, 0x45, 0x01, 0xef, 0xbe, 0x04, 0x03, 0x02, 0x01, 0x09, 0x00,
	};
	uint8_t body[DUCO_HEALTH_BODY], f[DUCO_READ_FRAME_SIZE(DUCO_HEALTH_BODY)], n;
	uint8_t w[DUCO_MAX_WRITE_FRAME];
	double v, t;

	duco_encode_health_body(body, &h);
	tap_ok(!memcmp(body, body_bytes, sizeof(body)), "health body byte for byte (little-endian)");
	n = duco_encode_read(f, DUCO_STATUS_MAKE(DUCO_ST_BUSY, 0, 2), body, DUCO_HEALTH_BODY);
	memset(&h2, 0, sizeof(h2));
	tap_ok(duco_decode_health(f, n, &h2) == DUCO_OK && h2.sensors == h.sensors &&
	       h2.vbg_adc == h.vbg_adc && h2.temp_adc == h.temp_adc && h2.samples == h.samples &&
	       h2.uptime_s == h.uptime_s && h2.bus_resets == h.bus_resets,
	       "health frame round trip");
	f[5] ^= 1;
	tap_ok(duco_decode_health(f, n, &h2) == -DUCO_E_CRC, "a damaged health frame is rejected");
	n = duco_encode_read(f, 0, body, DUCO_RESULT_BODY);
	tap_ok(duco_decode_health(f, n, &h2) == -DUCO_E_LEN, "a result-sized body is no health body");
	{
		static const struct { uint8_t at, v; const char *what; } bad[] = {
			{ 0, 0x07, "a sensor bit no firmware has" },
			{ 2, 0x04, "a bandgap count over 10 bits (1059)" },
			{ 4, 0x04, "a temperature count over 10 bits (1093)" },
			{ 0, 0x02, "a bandgap count without its sensor bit" },
			{ 0, 0x01, "a temperature count without its sensor bit" },
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			uint8_t b2[DUCO_HEALTH_BODY];

			memcpy(b2, body_bytes, sizeof(b2));
			b2[bad[i].at] = bad[i].v;
			n = duco_encode_read(f, DUCO_STATUS_MAKE(DUCO_ST_BUSY, 0, 2), b2, DUCO_HEALTH_BODY);
			tap_ok(duco_decode_health(f, n, &h2) == -DUCO_E_ARG, "refused under a good CRC: %s",
			       bad[i].what);
		}
		memcpy(body, body_bytes, sizeof(body));
		body[0] = 0;
		memset(body + 1, 0, 4);
		n = duco_encode_read(f, DUCO_STATUS_MAKE(DUCO_ST_BUSY, 0, 2), body, DUCO_HEALTH_BODY);
		tap_ok(duco_decode_health(f, n, &h2) == DUCO_OK && h2.sensors == 0,
		       "no sensors, zero counts: a board without readings");
	}
	n = duco_encode_simple(w, DUCO_CMD_HEALTH);
	tap_ok(n == 3 && w[0] == 0x09 && w[1] == 0 && duco_frame_check(w, n) == DUCO_OK,
	       "HEALTH is command 0x09 without payload");

	/* 1.1 V against 5 V reads 1.1 * 1024 / 5 = 225.28 -> 225 */
	v = duco_health_vcc_mv(225, 1100);
	tap_ok(v > 5000 && v < 5010, "bandgap count 225 at 1100 mV: Vcc %.1f mV", v);
	tap_ok(duco_health_vcc_mv(0, 1100) < 0, "count 0 is no Vcc reading");
	/* datasheet: 314 mV at 25 C, 380 mV at 85 C, 242 mV at -45 C */
	t = duco_health_temp_c((uint16_t)(314 * 1024 / 1100.0 + 0.5), 1100, 0, 1);
	tap_ok(t > 24 && t < 26, "314 mV reads 25 C (%.2f)", t);
	t = duco_health_temp_c((uint16_t)(380 * 1024 / 1100.0 + 0.5), 1100, 0, 1);
	tap_ok(t > 84 && t < 86, "380 mV reads 85 C (%.2f)", t);
	t = duco_health_temp_c((uint16_t)(242 * 1024 / 1100.0 + 0.5), 1100, 0, 1);
	tap_ok(t > -46 && t < -44, "242 mV reads -45 C (%.2f)", t);
	t = duco_health_temp_c((uint16_t)(380 * 1024 / 1100.0 + 0.5), 1100, -3, 0.5);
	tap_ok(t > 51 && t < 53, "offset -3 and gain 0.5 around 25 C: 85 C reads 52 (%.2f)", t);
}

static void test_simbus(void)
{
	uint8_t h[SIMBUS_HDR_SIZE];
	struct simbus_req q = { SIMBUS_OP_TRANSFER, 0x10, 0, 73, 15 }, q2;
	struct simbus_rsp s = { SIMBUS_DATA_NACK, 12, 0 }, s2;

	simbus_encode_req(h, &q);
	tap_ok(simbus_decode_req(h, &q2) == 0 && q2.op == q.op && q2.addr == q.addr &&
	       q2.wlen == 73 && q2.rlen == 15, "simbus request header round trip");
	h[0] = 'X';
	tap_ok(simbus_decode_req(h, &q2) < 0, "simbus request with a bad magic is refused");
	q.wlen = SIMBUS_MAX_DATA + 1;
	simbus_encode_req(h, &q);
	tap_ok(simbus_decode_req(h, &q2) < 0, "simbus request over the size limit is refused");
	simbus_encode_rsp(h, &s);
	tap_ok(simbus_decode_rsp(h, &s2) == 0 && s2.result == SIMBUS_DATA_NACK && s2.wacked == 12,
	       "simbus response header round trip");

	uint8_t p[SIMBUS_INFO_SIZE], kind = 0;
	uint32_t param = 0;
	struct simbus_info in = { 0x0102030405060708ull, 400000, 57, 1 }, out;
	static const uint8_t info_bytes[SIMBUS_INFO_SIZE] = {
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
		0x80, 0x1a, 0x06, 0x00, 0x39, 0x00, 0x01, 0x00,
	};
	static const uint8_t fault_bytes[SIMBUS_FAULT_SIZE] = { 0x04, 0xe8, 0x03, 0x00, 0x00 };

	simbus_encode_info(p, &in);
	simbus_decode_info(p, &out);
	tap_ok(!memcmp(p, info_bytes, sizeof(info_bytes)) && out.sim_time_ns == in.sim_time_ns &&
	       out.bus_hz == in.bus_hz && out.slaves == 57 && out.flags == 1,
	       "simbus INFO payload: little-endian bytes and back");
	simbus_encode_fault(p, SIMBUS_FAULT_SILENT, 1000);
	simbus_decode_fault(p, &kind, &param);
	tap_ok(!memcmp(p, fault_bytes, sizeof(fault_bytes)) && kind == SIMBUS_FAULT_SILENT &&
	       param == 1000, "simbus FAULT payload: kind, then the parameter little-endian");
}

int main(void)
{
	test_sha1();
	test_duco_vectors();
	test_duco_fastpath();
	test_search_random();
	test_crc();
	test_frames();
	test_read_frames();
	test_known_frames();
	test_health();
	test_simbus();
	return tap_done();
}
