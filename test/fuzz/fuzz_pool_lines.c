/*
 * fuzz_pool_lines.c - fuzz harness for ducomaster's side of the pool's TCP
 * protocol (master/pool.c): the line reader fed through a pipe in chunks
 * (pool_read, pool_take_line: the pool's missing newline, '\r', empty lines,
 * an over-long message), and every line through the banner, job and verdict
 * parsers.
 *
 * The first input byte sets the chunk sizes, the rest is what the pool
 * sends. Invariants: a line is NUL-terminated, as long as the return value
 * says and holds no '\n'; the reader never holds more than its buffer; an
 * accepted job has two 40-digit hex hashes whose bytes match, a difficulty
 * in range; a verdict is GOOD, BLOCK or BAD with a known reason class.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "duco_proto.h"
#include "duco_s1.h"
#include "pool.h"
#include "poolwire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_pipe[2] = { -1, -1 };

static void fuzz_hex40(const char *h)
{
	for (int i = 0; i < 40; i++)
		if (!isxdigit((unsigned char)h[i]))
			abort();
	if (h[40])
		abort();
}

static void fuzz_line(const char *line, int n)
{
	struct poolwire_job job;
	enum pool_bad_reason why = POOL_BAD_NREASONS;
	char reason[64], version[16];
	uint8_t bin[20];
	int rc;

	/* a NUL from the pool ends the C string early: harmless, so allowed */
	if (n <= 0 || line[n] || strlen(line) > (size_t)n || memchr(line, '\n', (size_t)n))
		abort();
	rc = pool_parse_banner(line, version, sizeof(version));
	if (rc != 0 && rc != -EPROTO)
		abort();
	if (rc == 0 && !memchr(version, '\0', sizeof(version)))
		abort();
	rc = pool_parse_job(line, &job, reason, sizeof(reason));
	if (rc == 0) {
		fuzz_hex40(job.last_hash);
		fuzz_hex40(job.expected_hex);
		if (duco_hex_to_bin(job.expected_hex, bin, 20) < 0 ||
		    memcmp(bin, job.expected, 20) || job.diff == 0 ||
		    job.diff > DUCO_MAX_NONCE / 100)
			abort();
	} else if (rc == -ECONNREFUSED) {
		if (!memchr(reason, '\0', sizeof(reason)))
			abort();
	} else if (rc != -EPROTO) {
		abort();
	}
	rc = pool_parse_verdict(line, &why, reason, sizeof(reason));
	if (rc == POOL_BAD && (why < 0 || why >= POOL_BAD_NREASONS || !pool_bad_name(why)))
		abort();
	if (rc != POOL_GOOD && rc != POOL_BLOCK && rc != POOL_BAD && rc != -EPROTO)
		abort();
}

static void fuzz_drain(struct pool_rx *rx, int64_t now)
{
	char line[POOL_LINE_MAX + 8];
	int n;

	while ((n = pool_take_line(rx, now, line, sizeof(line))) > 0)
		fuzz_line(line, n);
	if (rx->len >= sizeof(rx->buf))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool_rx rx;
	size_t chunk, off = 1, queued = 0;
	int64_t now = 1000000;
	int n;

	if (!size)
		return 0;
	if (fuzz_pipe[0] < 0 && pipe2(fuzz_pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		abort();
	pool_rx_reset(&rx);
	chunk = 1 + data[0] % 97;
	while (off < size && !rx.closed) {
		size_t k = size - off < chunk ? size - off : chunk;

		if (write(fuzz_pipe[1], data + off, k) != (ssize_t)k)
			abort();
		off += k;
		queued += k;
		/* read while the pipe holds bytes (the harness knows how many: no
		 * read just to hear EAGAIN) or the buffer is full (pool_read says
		 * so without a read) */
		while ((queued || rx.len >= sizeof(rx.buf) - 1) &&
		       (n = pool_read(fuzz_pipe[0], &rx, now)) > 0)
			queued -= (size_t)n;
		fuzz_drain(&rx, now);
		/* every other chunk arrives after the missing-newline grace */
		now += data[0] & 0x80 ? POOL_LINE_GRACE_US : 1000;
		fuzz_drain(&rx, now);
	}
	if (!rx.closed) {
		/* an empty pipe: the reader's "nothing yet" */
		if (queued || pool_read(fuzz_pipe[0], &rx, now) != 0)
			abort();
	} else if (queued && read(fuzz_pipe[0], (char[POOL_LINE_MAX]){ 0 }, POOL_LINE_MAX) !=
			     (ssize_t)queued) {
		abort();        /* what an over-long message left in the pipe: one chunk at most */
	}
	rx.closed = 1;
	fuzz_drain(&rx, now);
	return 0;
}
