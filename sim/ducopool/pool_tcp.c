/*
 * pool_tcp.c - the per-connection mining protocol of ducopool.
 *
 * The rules are those of the official pool (duino-coin-pools, src/mining.js
 * and src/connectionHandler.js; docs/ducopool.md cites the lines): unknown
 * requests before the first JOB are ignored, every later message is a job
 * request, results are read with JavaScript's parseInt/parseFloat and no
 * field count, the worker limits are a verdict on every share, and the hash
 * chain moves on every 2nd accepted share. --strict keeps the older, stricter
 * rules that some tests rely on.
 *
 * Framing copies the public pool: one recv() is one message. While a job or
 * verdict is held back by an injected delay the socket is not read at all,
 * so anything a client sends early waits in the kernel and is read together
 * with its next message; a pipelining client therefore gets its messages
 * glued into one and fails the field checks, as it would on the real pool.
 * Trailing '\r'/'\n' are stripped, embedded ones are kept, other bytes outside
 * printable ASCII become '?' (they would end up in the JSON views). Lines are a few
 * dozen bytes on a lock-step socket, so a short send means the peer stopped
 * reading: the connection is closed rather than buffered.
 */
#include "pool_tcp.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "duco_s1.h"
#include "duco_sha1.h"
#include "mclock.h"
#include "mlog.h"

#define POOL_TCP_MSG_MAX   1024   /* the public pool reads 1024 bytes */
#define POOL_TCP_FIELDS_MAX   8   /* one more than any valid message has */
#define POOL_TCP_KOLKA_FREE  10   /* accepted shares before a DUCOID is fixed */
#define POOL_TCP_LOG_MAX   (POOL_TCP_MSG_MAX + 8)   /* a message as logged */
#define POOL_TCP_HEX       (2 * DUCO_SHA1_DIGEST)   /* a digest in hex */
#define POOL_TCP_KEY_FIELD    3   /* JOB,<user>,<tier>,<mining key>,... */
#define POOL_TCP_ACCEPT_PAUSE_MS 100   /* after EMFILE and the like */
#define POOL_TCP_CHAIN_EVERY  2   /* updateMinersStatsEvery of the official config */
#define POOL_TCP_EST_MIN_S  0.5   /* shorter shares: no server estimate of H/s */

enum pool_conn_state {
	POOL_CONN_GREETED,        /* banner sent; waiting for MOTD/JOB (first timeout) */
	POOL_CONN_JOB_DELAY,      /* job drawn, held back until deadline; not reading */
	POOL_CONN_HASHING,        /* job sent; waiting for the result (share timeout) */
	POOL_CONN_VERDICT_DELAY,  /* verdict decided, held back until deadline */
	POOL_CONN_IDLE,           /* verdict sent; waiting for MOTD/JOB (share timeout) */
	POOL_CONN_CLOSED,         /* socket closed; freed when its callback returns */
};

struct pool_conn {
	struct pool_tcp *t;
	int      fd;
	enum pool_conn_state state;
	int64_t  deadline_ms;         /* timeout, or when the held line goes out */
	int      watching;            /* EVLOOP_* mask registered for fd, 0 none */
	struct pool_worker *w;
	int      tier;                /* index in cfg->tiers; -1 before the first JOB */
	/* the current job */
	char     job_last[POOL_TCP_HEX + 1];
	uint8_t  job_expected[DUCO_SHA1_DIGEST];
	uint32_t job_nonce, job_diff;
	/* microsecond stamps: share times of fast clients are a few ms */
	int64_t  job_tx_us, verdict_tx_us;
	double   ping_s;
	/* the held line (job or verdict) */
	char     held[160];
	size_t   held_len;
	int      held_advances;       /* sending the held verdict advances the chain */
	uint64_t results;             /* results judged on this connection */
	int      over_limit;          /* worker limits exceeded at the last job request */
	/* results in the last 60 s, a ring of receive times */
	int64_t *share_ring;
	int      ring_head, ring_count;
};

struct pool_tcp {
	const struct pool_cfg *cfg;
	struct pool_acct *acct;
	struct pool_rng  *rng;
	struct evloop *el;
	long long timer;              /* at the earliest connection deadline */
	int      listen_fd;
	uint16_t port;
	char     last_hash[POOL_TCP_HEX + 1];       /* the chain every new job starts from */
	/* accept paused until then (ms) after running out of fds or memory: the
	 * loop is level-triggered, so a listener it keeps watching would spin */
	int64_t  accept_resume_ms;
	int      accept_paused;           /* since the last accept that worked */
	struct pool_conn **conns;
	int      nconns, cap;
};

static int64_t pool_tcp_stamp_us(void)
{
	return mclock_now_us(NULL);
}

static int64_t pool_tcp_now_ms(void)
{
	return mclock_now_us(NULL) / 1000;
}

static void pool_tcp_close(struct pool_tcp *t, struct pool_conn *c, int64_t now_ms,
			   const char *why)
{
	if (c->state == POOL_CONN_CLOSED)
		return;
	mlog_info("conn %llu %s:%u closed (%s)", (unsigned long long)c->w->id,
		 c->w->ip, c->w->port, why);
	evloop_del_file(t->el, c->fd);
	c->watching = 0;
	shutdown(c->fd, SHUT_WR);
	close(c->fd);
	c->fd = -1;
	c->state = POOL_CONN_CLOSED;
	pool_acct_worker_close(t->acct, c->w, now_ms);
}

/* 0, or -EPIPE after closing the connection. */
static int pool_tcp_send(struct pool_tcp *t, struct pool_conn *c, const char *buf,
			 size_t len, int64_t now_ms)
{
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n != (ssize_t)len) {
		pool_tcp_close(t, c, now_ms, "send failed");
		return -EPIPE;
	}
	return 0;
}

/* Refusal: one BAD line, counted, then close. */
static void pool_tcp_refuse(struct pool_tcp *t, struct pool_conn *c, enum pool_reason r,
			    int64_t now_ms)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "BAD,%s\n", pool_reason_text[r]);

	pool_acct_reject(t->acct, c->w, r);
	if (pool_tcp_send(t, c, line, (size_t)n, now_ms) == 0)
		pool_tcp_close(t, c, now_ms, pool_reason_text[r]);
}

static int64_t pool_tcp_draw_delay(struct pool_tcp *t, const struct pool_delay *d)
{
	int64_t lo = (int64_t)d->mean_ms - d->jitter_ms, hi = (int64_t)d->mean_ms + d->jitter_ms;

	if (d->jitter_ms == 0)
		return d->mean_ms;
	lo = lo < 0 ? 0 : lo;
	return (int64_t)pool_rng_range(t->rng, (uint64_t)lo, (uint64_t)hi);
}

/* Hold a line back for an injected delay (sent at once when it is zero). */
static void pool_tcp_hold(struct pool_tcp *t, struct pool_conn *c, const char *line,
			  enum pool_conn_state state, const struct pool_delay *d,
			  int64_t now_ms)
{
	c->held_len = (size_t)snprintf(c->held, sizeof(c->held), "%s", line);
	c->state = state;
	c->deadline_ms = now_ms + pool_tcp_draw_delay(t, d);
}

static int pool_tcp_split(char *msg, char **fields)
{
	int n = 0;
	char *p = msg;

	for (;;) {
		char *comma = strchr(p, ',');

		if (n < POOL_TCP_FIELDS_MAX)
			fields[n] = p;
		n++;
		if (!comma)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	return n;
}

static void pool_tcp_new_job(struct pool_tcp *t, struct pool_conn *c, int64_t now_ms)
{
	const struct pool_tier *tier = &t->cfg->tiers[c->tier];
	char line[128];

	memcpy(c->job_last, t->last_hash, sizeof(c->job_last));
	c->job_diff = tier->diff;
	c->job_nonce = (uint32_t)pool_rng_range(t->rng, 1, 100ULL * tier->diff);
	duco_s1_hash(c->job_last, c->job_nonce, c->job_expected);
	snprintf(line, sizeof(line), "%s,", c->job_last);
	/* <last hex>,<expected hex>,<diff> */
	duco_bin_to_hex(c->job_expected, DUCO_SHA1_DIGEST, line + POOL_TCP_HEX + 1, 0);
	snprintf(line + 2 * POOL_TCP_HEX + 1, sizeof(line) - 2 * POOL_TCP_HEX - 1, ",%u\n",
		 (unsigned)c->job_diff);
	snprintf(c->w->tier, sizeof(c->w->tier), "%s", tier->name);
	c->w->diff = tier->diff;
	c->held_advances = 0;
	pool_tcp_hold(t, c, line, POOL_CONN_JOB_DELAY, &t->cfg->job_delay, now_ms);
}

static int pool_tcp_banned(const struct pool_cfg *cfg, const char *user)
{
	for (int i = 0; i < cfg->nbanned; i++)
		if (strcmp(cfg->banned[i], user) == 0)
			return 1;
	return 0;
}

/* The official pool counts a worker when it registers and checks the limits
 * on every job request, the worker itself included. */
static int pool_tcp_over_limit(struct pool_tcp *t, struct pool_worker *w)
{
	return pool_acct_count_user(t->acct, w->user) > t->cfg->max_workers_user ||
	       pool_acct_count_ip(t->acct, w->ip) > t->cfg->max_workers_ip;
}

/* A job request on a registered connection: the "ping" and a new job. */
static void pool_tcp_next_job(struct pool_tcp *t, struct pool_conn *c, int64_t now_ms)
{
	struct pool_worker *w = c->w;

	if (!t->cfg->strict)
		c->over_limit = pool_tcp_over_limit(t, w);
	/* The pool's "ping": its last feedback to this request. */
	if (c->verdict_tx_us) {
		c->ping_s = (double)(pool_tcp_stamp_us() - c->verdict_tx_us) / 1e6;
		w->ping_s = c->ping_s;
	}
	pool_tcp_new_job(t, c, now_ms);
}

static void pool_tcp_on_job(struct pool_tcp *t, struct pool_conn *c, char **f, int n,
			    int64_t now_ms)
{
	struct pool_worker *w = c->w;
	int strict = t->cfg->strict;

	if (n > 6) {
		pool_tcp_refuse(t, c, POOL_R_INCORRECT_DATA, now_ms);
		return;
	}
	if (n < 2 || f[1][0] == '\0') {
		pool_tcp_refuse(t, c, POOL_R_NO_USERNAME, now_ms);
		return;
	}
	if (pool_tcp_banned(t->cfg, f[1])) {
		pool_tcp_refuse(t, c, POOL_R_USER_BANNED, now_ms);
		return;
	}
	if (!w->user) {
		struct pool_user *u = pool_acct_user(t->acct, f[1], 0);

		if (strict && (pool_acct_count_user(t->acct, u) >= t->cfg->max_workers_user ||
			       pool_acct_count_ip(t->acct, w->ip) >= t->cfg->max_workers_ip)) {
			pool_tcp_refuse(t, c, POOL_R_TOO_MANY_WORKERS, now_ms);
			return;
		}
		if (pool_acct_register(t->acct, w, f[1], n > 3 ? f[3] : "None")) {
			pool_tcp_close(t, c, now_ms, "out of memory");
			return;
		}
		if (strict) {
			/* An unknown tier name starts at the lowest tier. */
			c->tier = n > 2 ? pool_cfg_tier_index(t->cfg, f[2]) : -1;
			if (c->tier < 0)
				c->tier = 0;
		} else {
			/* Missing, empty or not spelt exactly: the default tier. */
			c->tier = n > 2 && f[2][0] ? pool_cfg_tier_exact(t->cfg, f[2]) : -1;
			if (c->tier < 0)
				c->tier = pool_cfg_tier_exact(t->cfg, t->cfg->default_tier);
			if (c->tier < 0)
				c->tier = 0;
		}
		mlog_info("conn %llu: user %s tier %s ki %u key %s",
			 (unsigned long long)w->id, f[1], t->cfg->tiers[c->tier].name,
			 (unsigned)w->ki, w->key_ok ? "ok" : "wrong");
	}
	pool_tcp_next_job(t, c, now_ms);
}

/* Count this result; 1 when the last 60 s hold more than the limit. */
static int pool_tcp_rate_exceeded(struct pool_tcp *t, struct pool_conn *c, int64_t now_ms)
{
	int cap = t->cfg->max_shares_per_min + 1;
	int oldest;

	if (t->cfg->max_shares_per_min == 0)
		return 0;   /* off, as in the public pool's shipped config */
	c->share_ring[c->ring_head] = now_ms;
	c->ring_head = (c->ring_head + 1) % cap;
	if (c->ring_count < cap)
		c->ring_count++;
	if (c->ring_count < cap)
		return 0;
	/* The ring is full: its oldest entry is `cap` results ago. */
	oldest = c->ring_head;
	return now_ms - c->share_ring[oldest] < 60000;
}

static int pool_tcp_parse_nonce(const char *s, uint32_t *nonce)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*nonce = (uint32_t)v;
	return 0;
}

static int pool_tcp_is_space(char ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

/*
 * JavaScript's parseInt(s) without a radix, as the official pool reads a
 * nonce: leading white space, a sign, "0x" for hexadecimal, then as many
 * digits as there are; NaN without any. "0301" and "301abc" are 301.
 */
static double pool_tcp_js_int(const char *s)
{
	double v = 0.0, sign = 1.0;
	int base = 10, digits = 0;

	while (pool_tcp_is_space(*s))
		s++;
	if (*s == '+' || *s == '-')
		sign = *s++ == '-' ? -1.0 : 1.0;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (;; s++, digits++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		v = v * base + d;
	}
	return digits ? sign * v : NAN;
}

/*
 * JavaScript's parseFloat(s), as the official pool reads a hashrate: the
 * longest leading decimal number (or "Infinity") after white space; NaN when
 * there is none. "250abc" is 250, "fast" and a missing field are NaN.
 */
static double pool_tcp_js_float(const char *s)
{
	char num[POOL_TCP_MSG_MAX + 1];
	const char *p, *q;
	int digits = 0;

	while (pool_tcp_is_space(*s))
		s++;
	p = s + (*s == '+' || *s == '-');
	if (!strncmp(p, "Infinity", 8))
		return *s == '-' ? -INFINITY : INFINITY;
	for (q = p; *q >= '0' && *q <= '9'; q++)
		digits++;
	if (*q == '.')
		for (q++; *q >= '0' && *q <= '9'; q++)
			digits++;
	if (!digits)
		return NAN;
	if (*q == 'e' || *q == 'E') {
		const char *e = q + 1 + (q[1] == '+' || q[1] == '-');

		if (*e >= '0' && *e <= '9') {
			while (*e >= '0' && *e <= '9')
				e++;
			q = e;
		}
	}
	if ((size_t)(q - s) >= sizeof(num))
		return NAN;   /* longer than any message */
	memcpy(num, s, (size_t)(q - s));
	num[q - s] = '\0';
	return strtod(num, NULL);
}

/*
 * Hold a verdict. Whether sending it moves the pool's hash chain: on every
 * accepted share with --strict; otherwise as the official pool does, after
 * any verdict that leaves the connection's accepted count at a positive
 * multiple of 2 (its every-2nd-share update block).
 */
static void pool_tcp_verdict(struct pool_tcp *t, struct pool_conn *c, const char *line,
			     int accepted, int64_t now_ms)
{
	pool_tcp_hold(t, c, line, POOL_CONN_VERDICT_DELAY, &t->cfg->verdict_delay, now_ms);
	if (t->cfg->strict)
		c->held_advances = accepted;
	else
		c->held_advances = c->w->accepted > 0 &&
				   c->w->accepted % POOL_TCP_CHAIN_EVERY == 0;
}

static void pool_tcp_reject_share(struct pool_tcp *t, struct pool_conn *c,
				  enum pool_reason r, int64_t now_ms)
{
	char line[64];

	pool_acct_reject(t->acct, c->w, r);
	snprintf(line, sizeof(line), "BAD,%s\n", pool_reason_text[r]);
	pool_tcp_verdict(t, c, line, 0, now_ms);
}

/* The result as --strict judges it: plain decimal, at most 6 fields. */
static void pool_tcp_on_result_strict(struct pool_tcp *t, struct pool_conn *c, char **f,
				      int n, double share_s, int64_t now_ms)
{
	struct pool_worker *w = c->w;
	const struct pool_tier *tier = &t->cfg->tiers[c->tier];
	double reported = 0.0;
	uint32_t nonce = 0;
	uint8_t digest[DUCO_SHA1_DIGEST];
	char *end;
	int nonce_ok, block;

	if (n > 1) {
		reported = strtod(f[1], &end);
		if (end == f[1] || *end || !isfinite(reported))
			reported = 0.0;
	}
	w->reported_hashrate = reported;
	nonce_ok = pool_tcp_parse_nonce(f[0], &nonce) == 0;
	if (nonce_ok) {
		duco_s1_hash(c->job_last, nonce, digest);
		nonce_ok = memcmp(digest, c->job_expected, DUCO_SHA1_DIGEST) == 0;
	}
	if (pool_tcp_rate_exceeded(t, c, now_ms)) {
		pool_tcp_reject_share(t, c, POOL_R_TOO_LOW_DIFF, now_ms);
		return;
	}
	if (reported <= 0.0) {
		pool_tcp_reject_share(t, c, POOL_R_INVALID_DATA, now_ms);
		return;
	}
	if (reported < tier->min_hashrate) {
		c->tier = pool_cfg_tier_move(t->cfg, c->tier, -1);
		pool_tcp_reject_share(t, c, POOL_R_TOO_HIGH_START, now_ms);
		return;
	}
	if (reported >= tier->max_hashrate) {
		c->tier = pool_cfg_tier_move(t->cfg, c->tier, 1);
		pool_tcp_reject_share(t, c, POOL_R_TOO_LOW_START, now_ms);
		return;
	}
	if (!nonce_ok) {
		pool_tcp_reject_share(t, c, POOL_R_INCORRECT_RESULT, now_ms);
		return;
	}
	w->hashrate = (double)nonce / share_s;
	if (n > 4 && strcmp(w->ducoid, f[4]) != 0) {
		if (w->ducoid[0] && w->accepted >= POOL_TCP_KOLKA_FREE) {
			/* The public pool answers GOOD but books it as rejected. */
			pool_acct_reject(t->acct, w, POOL_R_DUCOID_CHANGED);
			pool_tcp_verdict(t, c, "GOOD\n", 0, now_ms);
			return;
		}
		snprintf(w->ducoid, sizeof(w->ducoid), "%s", f[4]);
	}
	block = pool_rng_chance(t->rng, t->cfg->block_chance);
	pool_acct_accept(t->acct, w, block, w->hashrate, 1);
	pool_tcp_verdict(t, c, block ? "BLOCK\n" : "GOOD\n", 1, now_ms);
}

/*
 * The result as the official pool judges it (mining.js): any number of
 * fields; the nonce through parseInt, the hashrate through parseFloat. The
 * share-rejecting reasons are set in the pool's order and the last one set
 * wins: worker limits, then a hashrate <= 0 (NaN is not), then the share
 * rate. The tier checks use the reported hashrate unless it is 0 or NaN,
 * then the pool's own estimate (none for shares under 0.5 s: NaN passes).
 */
static void pool_tcp_on_result_official(struct pool_tcp *t, struct pool_conn *c, char **f,
					int n, double share_s, int64_t now_ms)
{
	struct pool_worker *w = c->w;
	const struct pool_tier *tier = &t->cfg->tiers[c->tier];
	double reported = n > 1 ? pool_tcp_js_float(f[1]) : NAN;
	double nonce = pool_tcp_js_int(f[0]), checked;
	const char *ducoid = n > 4 ? f[4] : "";
	int reason = -1, block, payable = 1;

	/* The first result's DUCOID is the connection's for good. */
	if (c->results++ == 0)
		snprintf(w->ducoid, sizeof(w->ducoid), "%s", ducoid);
	w->reported_hashrate = isfinite(reported) ? reported : 0.0;
	if (c->over_limit)
		reason = POOL_R_TOO_MANY_WORKERS;
	if (reported <= 0.0)
		reason = POOL_R_INVALID_DATA;
	if (pool_tcp_rate_exceeded(t, c, now_ms))
		reason = POOL_R_TOO_LOW_DIFF;
	if (reason >= 0) {
		pool_tcp_reject_share(t, c, (enum pool_reason)reason, now_ms);
		return;
	}
	if (reported != 0.0 && !isnan(reported))
		checked = reported;
	else
		checked = share_s >= POOL_TCP_EST_MIN_S ? (double)c->job_nonce / share_s : NAN;
	if (checked < tier->min_hashrate) {
		c->tier = pool_cfg_tier_move(t->cfg, c->tier, -1);
		pool_tcp_reject_share(t, c, POOL_R_TOO_HIGH_START, now_ms);
		return;
	}
	if (checked >= tier->max_hashrate) {
		c->tier = pool_cfg_tier_move(t->cfg, c->tier, 1);
		pool_tcp_reject_share(t, c, POOL_R_TOO_LOW_START, now_ms);
		return;
	}
	if (nonce != (double)c->job_nonce) {
		pool_tcp_reject_share(t, c, POOL_R_INCORRECT_RESULT, now_ms);
		return;
	}
	w->hashrate = (double)c->job_nonce / share_s;
	/* From the 11th accepted share on, a DUCOID other than the first one
	 * (or none at all) is accepted, unpaid, and counted rejected too. */
	if (w->accepted + 1 > POOL_TCP_KOLKA_FREE && (!w->ducoid[0] || strcmp(w->ducoid, ducoid)))
		payable = 0;
	block = pool_rng_chance(t->rng, t->cfg->block_chance);
	pool_acct_accept(t->acct, w, block, w->hashrate, payable);
	if (!payable)
		pool_acct_reject(t->acct, w, POOL_R_DUCOID_CHANGED);
	pool_tcp_verdict(t, c, block ? "BLOCK\n" : "GOOD\n", 1, now_ms);
}

static void pool_tcp_on_result(struct pool_tcp *t, struct pool_conn *c, char **f, int n,
			       int64_t now_ms)
{
	struct pool_worker *w = c->w;
	double share_s;

	if (t->cfg->strict && n > 6) {
		/* This is how --strict catches a result glued to the next JOB. */
		pool_tcp_refuse(t, c, POOL_R_INCORRECT_DATA, now_ms);
		return;
	}
	c->held_advances = 0;
	/* Less the "ping" when it is the smaller, as the official pool does. */
	share_s = (double)(pool_tcp_stamp_us() - c->job_tx_us) / 1e6;
	if (share_s > c->ping_s)
		share_s -= c->ping_s;
	if (share_s < 1e-6)
		share_s = 1e-6;
	if (n > 2)
		snprintf(w->software, sizeof(w->software), "%s", f[2]);
	if (n > 3)
		snprintf(w->rig, sizeof(w->rig), "%s", f[3]);
	if (n > 5)
		snprintf(w->wallet_id, sizeof(w->wallet_id), "%s", f[5]);
	w->share_time_s = share_s;
	w->last_share_ms = now_ms;
	w->last_share_wall = time(NULL);
	if (t->cfg->strict)
		pool_tcp_on_result_strict(t, c, f, n, share_s, now_ms);
	else
		pool_tcp_on_result_official(t, c, f, n, share_s, now_ms);
}

/*
 * The message as logged: the mining key of every JOB line in it (a client
 * may send several at once) replaced by "***", so no log holds a key.
 */
static const char *pool_tcp_mask_key(const char *msg, char *out, size_t size)
{
	size_t n = 0;
	int field = 0, job = 0, bol = 1;

	for (const char *p = msg; *p && n + 4 < size; p++) {
		if (bol) {
			job = !strncmp(p, "JOB,", 4);
			field = 0;
			bol = 0;
		}
		if (*p == '\n' || *p == ',') {
			bol = *p == '\n';
			field++;
			out[n++] = *p;
			if (job && field == POOL_TCP_KEY_FIELD && !bol) {
				memcpy(out + n, "***", 3);
				n += 3;
			}
			continue;
		}
		if (!(job && field == POOL_TCP_KEY_FIELD))
			out[n++] = *p;
	}
	out[n] = '\0';
	return out;
}

static void pool_tcp_on_readable(struct pool_tcp *t, struct pool_conn *c, int64_t now_ms)
{
	char msg[POOL_TCP_MSG_MAX + 1], *f[POOL_TCP_FIELDS_MAX];
	ssize_t len = recv(c->fd, msg, POOL_TCP_MSG_MAX, MSG_DONTWAIT);
	int n;

	if (len < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (len <= 0) {
		pool_tcp_close(t, c, now_ms, len == 0 ? "peer closed" : "recv error");
		return;
	}
	msg[len] = '\0';
	if (t->cfg->strict) {
		while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
			len--;
		msg[len] = '\0';
	} else {
		/* The official pool trims white space at both ends (data.trim()). */
		char *p = msg;

		while (len > 0 && pool_tcp_is_space(msg[len - 1]))
			len--;
		msg[len] = '\0';
		while (pool_tcp_is_space(*p))
			p++;
		len -= p - msg;
		memmove(msg, p, (size_t)len + 1);
	}
	/* The protocol is ASCII; other bytes would end up in the JSON views. */
	for (ssize_t i = 0; i < len; i++)
		if ((msg[i] < 0x20 && msg[i] != '\n' && msg[i] != '\r') || msg[i] > 0x7e)
			msg[i] = '?';
	if (mlog_enabled(MLOG_INFO)) {
		char shown[POOL_TCP_LOG_MAX];

		mlog_info("conn %llu <- %s", (unsigned long long)c->w->id,
			  pool_tcp_mask_key(msg, shown, sizeof(shown)));
	}
	c->deadline_ms = now_ms + (int64_t)(t->cfg->share_timeout_s * 1000.0);
	n = pool_tcp_split(msg, f);

	if (c->state == POOL_CONN_HASHING) {
		pool_tcp_on_result(t, c, f, n, now_ms);
		return;
	}
	if (!t->cfg->strict && c->state == POOL_CONN_IDLE) {
		/* After the first JOB the official pool reads every message as the
		 * next job request, whatever it says. */
		pool_tcp_next_job(t, c, now_ms);
		return;
	}
	if (!t->cfg->strict && n > 6) {
		pool_tcp_refuse(t, c, POOL_R_INCORRECT_DATA, now_ms);
		return;
	}
	if (!t->cfg->strict && n > 1 && pool_tcp_banned(t->cfg, f[1])) {
		/* the official pool checks the ban on any message */
		pool_tcp_refuse(t, c, POOL_R_USER_BANNED, now_ms);
		return;
	}
	if (n == 1 && strcmp(f[0], "MOTD") == 0) {
		/* Still before the first job: the first-job timeout keeps running. */
		if (c->state == POOL_CONN_GREETED)
			c->deadline_ms = now_ms + (int64_t)(t->cfg->first_timeout_s * 1000.0);
		(void)pool_tcp_send(t, c, t->cfg->motd, strlen(t->cfg->motd), now_ms);
		return;
	}
	if (strcmp(f[0], "JOB") == 0) {
		pool_tcp_on_job(t, c, f, n, now_ms);
		return;
	}
	if (!t->cfg->strict) {
		/* neither JOB nor MOTD (an empty line too): ignored, kept open */
		mlog_info("conn %llu: request ignored", (unsigned long long)c->w->id);
		t->acct->ignored++;
		return;
	}
	pool_tcp_refuse(t, c, POOL_R_INCORRECT_DATA, now_ms);
}

/* Faults for robustness tests: a drop or a garbage line instead of `held`. */
static int pool_tcp_inject(struct pool_tcp *t, struct pool_conn *c, int64_t now_ms)
{
	static const char junk[] = "abcdefXYZ0123456789,;#!?-_ ";
	char line[48];
	size_t len;

	if (pool_rng_chance(t->rng, t->cfg->drop_chance)) {
		t->acct->drops_injected++;
		pool_tcp_close(t, c, now_ms, "injected drop");
		return 1;
	}
	if (!pool_rng_chance(t->rng, t->cfg->garbage_chance))
		return 0;
	t->acct->garbage_injected++;
	len = (size_t)pool_rng_range(t->rng, 8, sizeof(line) - 2);
	line[0] = '~';         /* never reads as GOOD, BAD or a job */
	for (size_t i = 1; i < len; i++)
		line[i] = junk[pool_rng_range(t->rng, 0, sizeof(junk) - 2)];
	line[len] = '\n';
	memcpy(c->held, line, len + 1);
	c->held_len = len + 1;
	return 0;
}

static void pool_tcp_on_deadline(struct pool_tcp *t, struct pool_conn *c, int64_t now_ms)
{
	int64_t share_timeout = (int64_t)(t->cfg->share_timeout_s * 1000.0);

	switch (c->state) {
	case POOL_CONN_GREETED:
	case POOL_CONN_HASHING:
	case POOL_CONN_IDLE:
		t->acct->timeouts++;
		pool_tcp_close(t, c, now_ms, "idle timeout");
		return;
	case POOL_CONN_JOB_DELAY:
		if (pool_tcp_inject(t, c, now_ms))
			return;
		if (pool_tcp_send(t, c, c->held, c->held_len, now_ms))
			return;
		t->acct->jobs++;
		c->w->jobs++;
		c->job_tx_us = pool_tcp_stamp_us();
		c->state = POOL_CONN_HASHING;
		c->deadline_ms = now_ms + share_timeout;
		return;
	case POOL_CONN_VERDICT_DELAY:
		/* The next job starts from the hash this share just solved. */
		if (c->held_advances)
			duco_bin_to_hex(c->job_expected, DUCO_SHA1_DIGEST, t->last_hash, 0);
		if (pool_tcp_inject(t, c, now_ms))
			return;
		if (pool_tcp_send(t, c, c->held, c->held_len, now_ms))
			return;
		/* counted as sent only when the real line went out */
		if (!strncmp(c->held, "GOOD", 4))
			t->acct->sent_good++;
		else if (!strncmp(c->held, "BLOCK", 5))
			t->acct->sent_block++;
		else if (!strncmp(c->held, "BAD", 3))
			t->acct->sent_bad++;
		c->verdict_tx_us = pool_tcp_stamp_us();
		c->state = POOL_CONN_IDLE;
		c->deadline_ms = now_ms + share_timeout;
		return;
	case POOL_CONN_CLOSED:
		return;
	}
}

/* Take a connected socket as a new connection and greet it; 0 or -ENOMEM
 * (fd closed). */
static int pool_tcp_add(struct pool_tcp *t, int fd, const char *ip, uint16_t port,
			int64_t now_ms)
{
	struct pool_conn *c;
	char banner[40];
	int n;

	if (t->nconns == t->cap) {
		int cap = t->cap ? t->cap * 2 : 16;
		struct pool_conn **p = realloc(t->conns, (size_t)cap * sizeof(*p));

		if (!p) {
			close(fd);
			return -ENOMEM;
		}
		t->conns = p;
		t->cap = cap;
	}
	c = calloc(1, sizeof(*c));
	if (c)
		c->share_ring = calloc((size_t)t->cfg->max_shares_per_min + 1, sizeof(int64_t));
	if (!c || !c->share_ring || !(c->w = pool_acct_worker_open(t->acct, ip, port, now_ms))) {
		if (c)
			free(c->share_ring);
		free(c);
		close(fd);
		return -ENOMEM;
	}
	c->t = t;
	c->fd = fd;
	c->tier = -1;
	c->state = POOL_CONN_GREETED;
	c->deadline_ms = now_ms + (int64_t)(t->cfg->first_timeout_s * 1000.0);
	t->conns[t->nconns++] = c;
	mlog_info("conn %llu from %s:%u", (unsigned long long)c->w->id, ip, (unsigned)port);
	n = snprintf(banner, sizeof(banner), "%s%s", t->cfg->banner,
		     t->cfg->banner_no_newline ? "" : "\n");
	(void)pool_tcp_send(t, c, banner, (size_t)n, now_ms);
	return 0;
}

static void pool_tcp_accept(struct pool_tcp *t, int64_t now_ms)
{
	for (;;) {
		struct sockaddr_in sa;
		socklen_t salen = sizeof(sa);
		char ip[INET_ADDRSTRLEN] = "?";
		int fd = accept4(t->listen_fd, (struct sockaddr *)&sa, &salen,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* The client stays in the backlog; settle resumes accepting. */
				if (!t->accept_paused)
					mlog_warn("accept: %s; not accepting for %d ms",
						  strerror(errno), POOL_TCP_ACCEPT_PAUSE_MS);
				evloop_del_file(t->el, t->listen_fd);
				t->accept_resume_ms = now_ms + POOL_TCP_ACCEPT_PAUSE_MS;
				t->accept_paused = 1;
			}
			return;   /* EAGAIN, or a transient error: try on the next event */
		}
		if (t->accept_paused) {
			mlog_info("accepting again");
			t->accept_paused = 0;
		}
		inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
		pool_tcp_add(t, fd, ip, ntohs(sa.sin_port), now_ms);
	}
}

static void pool_tcp_sweep(struct pool_tcp *t)
{
	int live = 0;

	for (int i = 0; i < t->nconns; i++) {
		struct pool_conn *c = t->conns[i];

		if (c->state == POOL_CONN_CLOSED) {
			free(c->share_ring);
			free(c);
		} else {
			t->conns[live++] = c;
		}
	}
	t->nconns = live;
}

static void pool_tcp_on_conn(struct evloop *el, int fd, int mask, void *arg);
static void pool_tcp_on_listen(struct evloop *el, int fd, int mask, void *arg);

/*
 * After every event: run the due deadlines, bring each socket's watch in
 * line with its state, free closed connections, and set the timer to the
 * earliest deadline left.
 */
static void pool_tcp_settle(struct pool_tcp *t, int64_t now_ms)
{
	int64_t next = INT64_MAX;

	if (t->accept_resume_ms && t->accept_resume_ms <= now_ms) {
		/* Watch the listener again and take the backlog now (pausing again
		 * if the fds are still short); new connections are settled below. */
		t->accept_resume_ms = 0;
		if (evloop_add_file(t->el, t->listen_fd, EVLOOP_READABLE, pool_tcp_on_listen, t) == 0)
			pool_tcp_accept(t, now_ms);
		else
			t->accept_resume_ms = now_ms + POOL_TCP_ACCEPT_PAUSE_MS;
	}
	for (int i = 0; i < t->nconns; i++) {
		struct pool_conn *c = t->conns[i];
		int want;

		if (c->state != POOL_CONN_CLOSED && c->deadline_ms <= now_ms)
			pool_tcp_on_deadline(t, c, now_ms);
		if (c->state == POOL_CONN_CLOSED)
			continue;
		/* Not reading during a delay is what keeps the framing lock-step;
		 * a hang-up is still noticed. */
		want = c->state == POOL_CONN_GREETED || c->state == POOL_CONN_HASHING ||
		       c->state == POOL_CONN_IDLE ? EVLOOP_READABLE : EVLOOP_HANGUP;
		if (want != c->watching) {
			if (evloop_add_file(t->el, c->fd, want, pool_tcp_on_conn, c) < 0) {
				pool_tcp_close(t, c, now_ms, "cannot watch socket");
				continue;
			}
			c->watching = want;
		}
		if (c->deadline_ms < next)
			next = c->deadline_ms;
	}
	pool_tcp_sweep(t);
	if (t->accept_resume_ms && t->accept_resume_ms < next)
		next = t->accept_resume_ms;
	if (next != INT64_MAX)
		evloop_set_timer_at(t->el, t->timer, next * 1000);
}

static void pool_tcp_on_conn(struct evloop *el, int fd, int mask, void *arg)
{
	struct pool_conn *c = arg;
	struct pool_tcp *t = c->t;
	int64_t now_ms = pool_tcp_now_ms();

	if (mask & EVLOOP_READABLE)
		pool_tcp_on_readable(t, c, now_ms);
	else if (mask & EVLOOP_HANGUP)
		pool_tcp_close(t, c, now_ms, "hangup");
	pool_tcp_settle(t, now_ms);
}


static void pool_tcp_on_listen(struct evloop *el, int fd, int mask, void *arg)
{
	struct pool_tcp *t = arg;
	int64_t now_ms = pool_tcp_now_ms();

	pool_tcp_accept(t, now_ms);
	pool_tcp_settle(t, now_ms);
}

static int64_t pool_tcp_on_timer(struct evloop *el, long long id, void *arg)
{
	pool_tcp_settle(arg, pool_tcp_now_ms());
	/* Re-armed by settle when a deadline is left; idle until then. */
	return 3600 * 1000000LL;
}

struct pool_tcp *pool_tcp_new(const struct pool_cfg *cfg, struct pool_acct *acct,
			      struct pool_rng *rng, int listen_fd, struct evloop *el)
{
	struct pool_tcp *t = calloc(1, sizeof(*t));
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	uint8_t genesis[DUCO_SHA1_DIGEST];
	char seedtext[40];

	if (!t)
		return NULL;
	t->cfg = cfg;
	t->acct = acct;
	t->rng = rng;
	t->el = el;
	t->listen_fd = listen_fd;
	t->timer = evloop_add_timer(el, 3600 * 1000000LL, pool_tcp_on_timer, t);
	if (t->timer < 0 ||
	    evloop_add_file(el, listen_fd, EVLOOP_READABLE, pool_tcp_on_listen, t) < 0) {
		if (t->timer > 0)
			evloop_del_timer(el, t->timer);
		free(t);
		return NULL;
	}
	if (getsockname(listen_fd, (struct sockaddr *)&sa, &salen) == 0)
		t->port = ntohs(sa.sin_port);
	/* The chain starts from a hash of the seed, so --seed replays jobs. */
	snprintf(seedtext, sizeof(seedtext), "ducopool-%llu", (unsigned long long)acct->seed);
	duco_sha1(seedtext, (uint32_t)strlen(seedtext), genesis);
	duco_bin_to_hex(genesis, DUCO_SHA1_DIGEST, t->last_hash, 0);
	t->last_hash[POOL_TCP_HEX] = '\0';
	return t;
}

void pool_tcp_free(struct pool_tcp *t)
{
	if (!t)
		return;
	for (int i = 0; i < t->nconns; i++) {
		if (t->conns[i]->fd >= 0) {
			evloop_del_file(t->el, t->conns[i]->fd);
			close(t->conns[i]->fd);
		}
		free(t->conns[i]->share_ring);
		free(t->conns[i]);
	}
	free(t->conns);
	evloop_del_file(t->el, t->listen_fd);
	evloop_del_timer(t->el, t->timer);
	close(t->listen_fd);
	free(t);
}

uint16_t pool_tcp_port(const struct pool_tcp *t)
{
	return t->port;
}

int pool_tcp_adopt(struct pool_tcp *t, int fd, const char *ip, uint16_t port)
{
	int64_t now_ms = pool_tcp_now_ms();
	int rc = pool_tcp_add(t, fd, ip, port, now_ms);

	pool_tcp_settle(t, now_ms);
	return rc;
}
