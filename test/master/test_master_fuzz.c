/*
 * test_master_fuzz.c - deterministic fuzzing of ducomaster's parsers of
 * untrusted text: the pool's job, verdict and banner lines, the line reader
 * fed in random chunks, and the getPool JSON. Inputs are seeded mutations of
 * valid messages plus random bytes (xorshift, fixed seed, so a failure
 * reproduces); each check is an invariant that must hold for every input.
 * TAP on stdout.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "discover.h"
#include "duco_rand.h"
#include "pool.h"
#include "tap.h"

#define FUZZ_ROUNDS 40000

static uint32_t fuzz_state = 0x1234567u;

static uint32_t fuzz_rand(void)
{
	return duco_rand(&fuzz_state);
}

/* Copy seed into buf and apply a few random byte edits; NUL-terminated. */
static size_t fuzz_mutate(const char *seed, char *buf, size_t cap)
{
	size_t n = strlen(seed), edits = fuzz_rand() % 4, i;

	if (fuzz_rand() % 8 == 0) {             /* pure noise */
		n = fuzz_rand() % (cap - 1);
		for (i = 0; i < n; i++)
			buf[i] = (char)(fuzz_rand() % 255 + 1);
		buf[n] = '\0';
		return n;
	}
	memcpy(buf, seed, n + 1);
	for (i = 0; i < edits && n; i++) {
		size_t at = fuzz_rand() % n;

		switch (fuzz_rand() % 4) {
		case 0: buf[at] = (char)(fuzz_rand() % 255 + 1); break;         /* replace */
		case 1: memmove(buf + at, buf + at + 1, n - at); n--; break;    /* delete */
		case 2: if (n + 1 < cap) {                                      /* insert */
				memmove(buf + at + 1, buf + at, n - at + 1);
				buf[at] = "0,9aZ\n\r-:."[fuzz_rand() % 11];
				n++;
			}
			break;
		case 3: buf[at] = '\0'; n = at; break;                          /* truncate */
		}
	}
	return n;
}

static void fuzz_job_and_verdict(void)
{
	static const char *const seeds[] = {
		"ba29a15896fd2d792d5c4b60668bf2b9feebc51d,d0beba883d7e8cd119ea2b0e09b78f60f29e0968,10",
		"BAD,Too many workers", "GOOD", "BLOCK", "BAD,Too low starting difficulty", "4.3",
	};
	char buf[POOL_LINE_MAX], reason[96], ver[16];
	struct poolwire_job job;
	enum pool_bad_reason why;
	int bad_job = 0, bad_verdict = 0, jobs_ok = 0, i, j;

	for (i = 0; i < FUZZ_ROUNDS; i++) {
		int rc;

		fuzz_mutate(seeds[fuzz_rand() % 6], buf, sizeof(buf));
		memset(&job, 0x55, sizeof(job));
		rc = pool_parse_job(buf, &job, reason, sizeof(reason));
		if (rc == 0) {
			jobs_ok++;
			for (j = 0; j < 40; j++)
				if (!isxdigit((unsigned char)job.last_hash[j]))
					bad_job++;
			if (job.last_hash[40] || job.diff == 0 || job.diff > 42949672)
				bad_job++;
		} else if (rc != -EPROTO && rc != -ECONNREFUSED) {
			bad_job++;
		} else if (rc == -ECONNREFUSED && strlen(reason) >= sizeof(reason)) {
			bad_job++;
		}
		why = POOL_BAD_NREASONS;
		rc = pool_parse_verdict(buf, &why, reason, sizeof(reason));
		if (!(rc == POOL_GOOD || rc == POOL_BLOCK || rc == -EPROTO ||
		      (rc == POOL_BAD && why < POOL_BAD_NREASONS)))
			bad_verdict++;
		rc = pool_parse_banner(buf, ver, sizeof(ver));
		if (rc == 0 && (strlen(ver) >= sizeof(ver) || !isdigit((unsigned char)ver[0])))
			bad_verdict++;
	}
	tap_ok(bad_job == 0, "job parser: %d inputs, %d accepted, all accepted jobs well-formed",
	       FUZZ_ROUNDS, jobs_ok);
	tap_ok(bad_verdict == 0, "verdict and banner parsers: only defined results");
}

static void fuzz_line_reader(void)
{
	struct pool_rx rx = { .len = 0 };
	char line[POOL_LINE_MAX];
	int64_t now = 1000000;
	int bad = 0, lines = 0, i;
	size_t fed = 0, taken = 0;

	for (i = 0; i < FUZZ_ROUNDS; i++) {
		size_t room = sizeof(rx.buf) - 1 - rx.len, n = fuzz_rand() % 24, k;
		int got;

		if (n > room)
			n = room;
		for (k = 0; k < n; k++)
			rx.buf[rx.len + k] = (fuzz_rand() % 6 == 0) ? '\n' : (char)('a' + fuzz_rand() % 26);
		rx.len += n;
		fed += n;
		if (n)
			rx.last_us = now;
		now += fuzz_rand() % 80000;
		while ((got = pool_take_line(&rx, now, line, sizeof(line))) > 0) {
			lines++;
			taken += (size_t)got;
			if ((size_t)got != strlen(line) || strchr(line, '\n') || strchr(line, '\r'))
				bad++;
		}
		if (rx.len >= sizeof(rx.buf))
			bad++;
	}
	tap_ok(bad == 0 && lines > 1000 && taken <= fed,
	       "line reader: %d lines from random chunks, none with a newline, no overflow", lines);
}

static void fuzz_getpool(void)
{
	static const char *const seeds[] = {
		"{\"name\":\"p\",\"ip\":\"127.0.0.1\",\"port\":2811,\"server\":\"s\",\"success\":true}",
		"{\"ip\":\"server.example\",\"port\":6000,\"success\":true}",
		"{\"message\":\"x\",\"success\":false}",
	};
	char buf[256], hp[128];
	int bad = 0, okn = 0, i;

	for (i = 0; i < FUZZ_ROUNDS / 4; i++) {
		char *colon;
		long port;

		fuzz_mutate(seeds[fuzz_rand() % 3], buf, sizeof(buf));
		if (discover_parse(buf, hp, sizeof(hp)) != 0)
			continue;
		okn++;
		colon = strrchr(hp, ':');
		port = colon ? strtol(colon + 1, NULL, 10) : 0;
		if (!colon || port < 1 || port > 65535 || strpbrk(hp, " ;/\\\"'\n"))
			bad++;
	}
	tap_ok(bad == 0 && okn > 0, "getPool parser: %d accepted answers, all a clean host:port", okn);
}

int main(void)
{
	fuzz_job_and_verdict();
	fuzz_line_reader();
	fuzz_getpool();
	return tap_done();
}
