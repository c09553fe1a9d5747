/*
 * duco_s1.c - DUCO-S1 reference: definition, per-job precomputation, search.
 *
 * The job message is the 40-char last hash followed by the nonce's decimal
 * digits; at most 50 bytes, so it always fits one SHA-1 block. Words 0-9 are
 * the constant prefix, so rounds 0-9 run once per job (duco_s1_prepare) and a
 * nonce only costs rounds 10-79 (duco_s1_check). This file is also the
 * reference the AVR assembly core is tested against, so it favours plain,
 * obviously-correct code over cleverness.
 */
#include "duco_s1.h"
#include "duco_sha1.h"

static const uint32_t sha1_iv[5] = {
	0x67452301UL, 0xefcdab89UL, 0x98badcfeUL, 0x10325476UL, 0xc3d2e1f0UL,
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint8_t duco_u32_to_dec(uint32_t v, char *buf)
{
	char tmp[DUCO_S1_MAX_DIGITS];
	uint8_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	return n;
}

void duco_dec_increment(char *digits, uint8_t *n)
{
	uint8_t i = *n;

	while (i > 0) {
		i--;
		if (digits[i] != '9') {
			digits[i]++;
			return;
		}
		digits[i] = '0';
	}
	/* All nines rolled over: 99 -> 100. */
	digits[0] = '1';
	digits[*n] = '0';
	(*n)++;
}

void duco_s1_hash(const char last_hash[DUCO_S1_HEX], uint32_t nonce, uint8_t digest[DUCO_SHA1_DIGEST])
{
	struct duco_sha1 c;
	char dec[DUCO_S1_MAX_DIGITS];
	uint8_t n = duco_u32_to_dec(nonce, dec);

	duco_sha1_init(&c);
	duco_sha1_update(&c, last_hash, 40);
	duco_sha1_update(&c, dec, n);
	duco_sha1_final(&c, digest);
}

void duco_s1_prepare(struct duco_s1_ctx *ctx, const char last_hash[DUCO_S1_HEX],
		     const uint8_t expected[DUCO_SHA1_DIGEST])
{
	uint32_t w[16];
	uint8_t i;

	for (i = 0; i < 10; i++)
		w[i] = ctx->w[i] = be32((const uint8_t *)last_hash + 4 * i);
	for (i = 0; i < 5; i++) {
		ctx->expected[i] = be32(expected + 4 * i);
		ctx->s[i] = sha1_iv[i];
	}
	duco_sha1_rounds(ctx->s, w, 0, 10);     /* reads only w[0..9] */
}

uint8_t duco_s1_check(const struct duco_s1_ctx *ctx, const char *digits, uint8_t n)
{
	uint8_t tail[24];       /* message bytes 40..63 */
	uint32_t w[16], st[5];
	uint8_t i;

	for (i = 0; i < 24; i++)
		tail[i] = 0;
	for (i = 0; i < n; i++)
		tail[i] = (uint8_t)digits[i];
	tail[n] = 0x80;
	tail[23] = (uint8_t)((40 + n) << 3);
	tail[22] = (uint8_t)((40 + n) >> 5);
	for (i = 0; i < 10; i++)
		w[i] = ctx->w[i];
	for (i = 0; i < 6; i++)
		w[10 + i] = be32(tail + 4 * i);
	for (i = 0; i < 5; i++)
		st[i] = ctx->s[i];
	duco_sha1_rounds(st, w, 10, 80);
	/* Compare E first: most candidates fail on the first word looked at. */
	return st[4] + sha1_iv[4] == ctx->expected[4] &&
	       st[0] + sha1_iv[0] == ctx->expected[0] &&
	       st[1] + sha1_iv[1] == ctx->expected[1] &&
	       st[2] + sha1_iv[2] == ctx->expected[2] &&
	       st[3] + sha1_iv[3] == ctx->expected[3];
}

uint8_t duco_s1_search(const char last_hash[DUCO_S1_HEX], const uint8_t expected[DUCO_SHA1_DIGEST],
		       uint32_t start, uint32_t end, uint32_t *nonce)
{
	struct duco_s1_ctx ctx;
	char dec[DUCO_S1_MAX_DIGITS + 1];
	uint8_t n;
	uint32_t v = start;

	if (start > end) {
		*nonce = end;
		return 0;
	}
	duco_s1_prepare(&ctx, last_hash, expected);
	n = duco_u32_to_dec(start, dec);
	for (;;) {
		if (duco_s1_check(&ctx, dec, n)) {
			*nonce = v;
			return 1;
		}
		if (v == end)
			break;
		v++;
		duco_dec_increment(dec, &n);
	}
	*nonce = end;
	return 0;
}

static int8_t hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return (int8_t)(ch - '0');
	if (ch >= 'a' && ch <= 'f')
		return (int8_t)(ch - 'a' + 10);
	if (ch >= 'A' && ch <= 'F')
		return (int8_t)(ch - 'A' + 10);
	return -1;
}

int duco_hex_to_bin(const char *hex, uint8_t *bin, uint8_t nbytes)
{
	uint8_t i;

	for (i = 0; i < nbytes; i++) {
		int8_t hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		bin[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void duco_bin_to_hex(const uint8_t *bin, uint8_t nbytes, char *hex, uint8_t upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	uint8_t i;

	for (i = 0; i < nbytes; i++) {
		hex[2 * i] = digits[bin[i] >> 4];
		hex[2 * i + 1] = digits[bin[i] & 15];
	}
}
