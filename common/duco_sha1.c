/*
 * duco_sha1.c - SHA-1 per FIPS 180-4, written for 8-bit and 64-bit targets.
 *
 * The schedule is kept as a 16-word ring so the compression needs 64 bytes of
 * stack rather than 320, which matters on a 2 KB AVR. Lengths are counted in
 * bytes with a carry into a high word, enough for any message this project
 * hashes and correct beyond 4 GB on the host.
 */
#include "duco_sha1.h"

#define ROL(x, n) (((x) << (n)) | ((x) >> (32 - (n))))

void duco_sha1_rounds(uint32_t s[5], uint32_t w[16], uint8_t first, uint8_t end)
{
	uint32_t a = s[0], b = s[1], c = s[2], d = s[3], e = s[4], f, k, t;
	uint8_t i;

	for (i = first; i < end; i++) {
		if (i >= 16) {
			t = w[(i + 13) & 15] ^ w[(i + 8) & 15] ^ w[(i + 2) & 15] ^ w[i & 15];
			w[i & 15] = ROL(t, 1);
		}
		if (i < 20) {
			f = (b & c) | (~b & d);
			k = 0x5a827999UL;
		} else if (i < 40) {
			f = b ^ c ^ d;
			k = 0x6ed9eba1UL;
		} else if (i < 60) {
			f = (b & c) | (b & d) | (c & d);
			k = 0x8f1bbcdcUL;
		} else {
			f = b ^ c ^ d;
			k = 0xca62c1d6UL;
		}
		t = ROL(a, 5) + f + e + k + w[i & 15];
		e = d;
		d = c;
		c = ROL(b, 30);
		b = a;
		a = t;
	}
	s[0] = a;
	s[1] = b;
	s[2] = c;
	s[3] = d;
	s[4] = e;
}

void duco_sha1_compress(uint32_t h[5], const uint32_t w_in[16])
{
	uint32_t w[16], s[5];
	uint8_t i;

	for (i = 0; i < 16; i++)
		w[i] = w_in[i];
	for (i = 0; i < 5; i++)
		s[i] = h[i];
	duco_sha1_rounds(s, w, 0, 80);
	for (i = 0; i < 5; i++)
		h[i] += s[i];
}

static void sha1_block(struct duco_sha1 *c)
{
	uint32_t w[16];
	uint8_t i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)c->buf[4 * i] << 24 | (uint32_t)c->buf[4 * i + 1] << 16 |
		       (uint32_t)c->buf[4 * i + 2] << 8 | c->buf[4 * i + 3];
	duco_sha1_compress(c->h, w);
}

void duco_sha1_init(struct duco_sha1 *c)
{
	c->h[0] = 0x67452301UL;
	c->h[1] = 0xefcdab89UL;
	c->h[2] = 0x98badcfeUL;
	c->h[3] = 0x10325476UL;
	c->h[4] = 0xc3d2e1f0UL;
	c->count_lo = c->count_hi = 0;
	c->used = 0;
}

void duco_sha1_update(struct duco_sha1 *c, const void *data, uint32_t n)
{
	const uint8_t *p = data;

	c->count_lo += n;
	if (c->count_lo < n)
		c->count_hi++;
	while (n--) {
		c->buf[c->used++] = *p++;
		if (c->used == DUCO_SHA1_BLOCK) {
			sha1_block(c);
			c->used = 0;
		}
	}
}

void duco_sha1_final(struct duco_sha1 *c, uint8_t digest[DUCO_SHA1_DIGEST])
{
	uint32_t bits_hi = c->count_hi << 3 | c->count_lo >> 29;
	uint32_t bits_lo = c->count_lo << 3;
	uint8_t i;

	c->buf[c->used++] = 0x80;
	if (c->used > 56) {
		while (c->used < DUCO_SHA1_BLOCK)
			c->buf[c->used++] = 0;
		sha1_block(c);
		c->used = 0;
	}
	while (c->used < 56)
		c->buf[c->used++] = 0;
	for (i = 0; i < 4; i++) {
		c->buf[56 + i] = (uint8_t)(bits_hi >> (24 - 8 * i));
		c->buf[60 + i] = (uint8_t)(bits_lo >> (24 - 8 * i));
	}
	sha1_block(c);
	for (i = 0; i < 20; i++)
		digest[i] = (uint8_t)(c->h[i >> 2] >> (24 - 8 * (i & 3)));
}

void duco_sha1(const void *data, uint32_t n, uint8_t digest[DUCO_SHA1_DIGEST])
{
	struct duco_sha1 c;

	duco_sha1_init(&c);
	duco_sha1_update(&c, data, n);
	duco_sha1_final(&c, digest);
}
