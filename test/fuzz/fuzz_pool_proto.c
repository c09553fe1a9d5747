/*
 * fuzz_pool_proto.c - fuzz harness for ducopool's side of the mining
 * protocol (sim/ducopool/pool_tcp.c: message splitting, JOB requests, tiers,
 * results with parseInt nonces and parseFloat hashrates, worker limits,
 * DUCOIDs, the official and the --strict rules) through a real connection:
 * a socketpair whose one end the pool adopts as a client from 127.0.0.1.
 *
 * The first input byte picks the rules (bit 0: --strict) and a mining key
 * for "alice" (bit 1); the rest is split at 0x1e bytes into messages, each
 * one send that the pool takes in one recv, as on TCP from a client that
 * waits for the answer. Job and verdict delays are 0. Invariants: every
 * answer is printable ASCII lines; a job answer is
 * "<40 hex>,<40 hex>,<difficulty>"; the pool never answers more lines than
 * the banner and, per message, two answers or the MOTD; it never crashes
 * or leaks.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"
#include "mlog.h"
#include "pool_acct.h"
#include "pool_cfg.h"
#include "pool_rng.h"
#include "pool_tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct evloop *fz_el;
static int fz_listen = -1;
static char fz_rx[1 << 16];
/* The four configurations the first byte picks (bit 0 --strict, bit 1 a
 * key), made once: the pool only reads its configuration. */
static struct pool_cfg fz_cfg[4];

static void fz_setup(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	/* --verbose's lines (the key masking runs) into nowhere */
	mlog_open("/dev/null", MLOG_INFO);
	fz_el = evloop_new();
	fz_listen = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (!fz_el || fz_listen < 0 || bind(fz_listen, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fz_listen, 1) < 0)
		abort();
	for (int i = 0; i < 4; i++) {
		struct pool_cfg *cfg = &fz_cfg[i];

		pool_cfg_defaults(cfg);
		cfg->job_delay = (struct pool_delay){ 0, 0 };
		cfg->verdict_delay = (struct pool_delay){ 0, 0 };
		cfg->strict = i & 1;
		if (i & 2) {
			snprintf(cfg->keys[0].user, sizeof(cfg->keys[0].user), "alice");
			snprintf(cfg->keys[0].key, sizeof(cfg->keys[0].key), "s3cret");
			cfg->nkeys = 1;
		}
	}
}

/*
 * The invariants on the answers p[0..n) (NUL-terminated): printable ASCII
 * lines, at most max_lines of them, a job line "<40 hex>,<40 hex>,<digits>".
 * Built without coverage hooks (coverage-ignore.txt): a byte loop of the
 * harness's own, its compares were a tenth of the run and no feedback
 * about the pool. Not inlined, so that the hooks stay out.
 */
static __attribute__((noinline)) void fz_proto_check(const char *p, size_t n, int max_lines)
{
	int lines = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (ch == '\n')
			lines++;
		else if (ch < 0x20 || ch > 0x7e)
			abort();
	}
	if (lines > max_lines)
		abort();
	for (const char *line = p, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
		size_t len = (size_t)(nl - line);

		/* a job: 40 hex, comma, 40 hex, comma, digits */
		if (len > 82 && line[40] == ',' && line[81] == ',') {
			for (size_t i = 0; i < len; i++)
				if (i != 40 && i != 81 && !(i < 81 ? isxdigit((unsigned char)line[i])
								   : isdigit((unsigned char)line[i])))
					abort();
		}
	}
}

/*
 * Let the pool handle what was sent and collect its answers: loop turns
 * until one delivers no event (with zero delays the pool answers within the
 * event that read the message; the banner is sent by pool_tcp_adopt, hence
 * the read after the first turn whatever it delivered). One recv takes
 * everything queued on a Unix stream socket (with fz_rx full the pool's
 * next send fails, as before). A few syscalls per message: they were most
 * of the harness's time when it turned the loop four times and read until
 * EAGAIN.
 */
static size_t fz_pump(int fd, size_t have, int first)
{
	ssize_t k;
	int n;

	while ((n = evloop_run_once(fz_el, 0)) > 0 || first) {
		first = 0;
		k = recv(fd, fz_rx + have, sizeof(fz_rx) - 1 - have, MSG_DONTWAIT);
		if (k > 0)
			have += (size_t)k;
		if (n <= 0)
			break;
	}
	return have;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pool_cfg *cfg;
	struct pool_acct acct;
	struct pool_rng rng;
	struct pool_tcp *t;
	size_t off = 1, have = 0;
	int sp[2], lfd, messages = 0, motd_lines = 1;

	if (!size)
		return 0;
	if (!fz_el)
		fz_setup();
	cfg = &fz_cfg[data[0] & 3];
	pool_rng_seed(&rng, 7);
	pool_acct_init(&acct, cfg, 7, 0);
	lfd = dup(fz_listen);           /* pool_tcp_free closes its listener */
	t = lfd >= 0 ? pool_tcp_new(cfg, &acct, &rng, lfd, fz_el) : NULL;
	if (!t || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp) < 0 ||
	    pool_tcp_adopt(t, sp[0], "127.0.0.1", 40000) != 0)
		abort();
	have = fz_pump(sp[1], have, 1);
	while (off < size) {
		const uint8_t *end = memchr(data + off, 0x1e, size - off);
		size_t n = end ? (size_t)(end - (data + off)) : size - off;

		if (n && send(sp[1], data + off, n, MSG_NOSIGNAL) != (ssize_t)n)
			break;          /* the pool closed the connection */
		messages += n > 0;
		off += n + 1;
		have = fz_pump(sp[1], have, 0);
	}
	fz_rx[have] = '\0';
	/* a banner, then per message at most two answers or the MOTD's lines */
	for (const char *m = cfg->motd; *m; m++)
		motd_lines += *m == '\n';
	fz_proto_check(fz_rx, have, 1 + messages * (2 > motd_lines ? 2 : motd_lines));
	close(sp[1]);
	pool_tcp_free(t);
	pool_acct_free(&acct);
	return 0;
}
