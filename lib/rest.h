/*
 * rest.h - GET requests to the Duino-Coin REST API (or ducopool's REST side)
 * on the event loop, one at a time, never faster than the API allows.
 *
 * libcurl's multi-socket interface does the HTTP: curl's sockets are file
 * events of the loop, its time-outs one timer, and the answer arrives through
 * a callback, so a program's loop never waits on the network. The client
 * owns the pacing, because every caller (ducowatch's ticks, ducomaster's
 * balance watch and key check) must keep to the same limits:
 * - at most one request under way;
 * - a request starts no sooner than `interval` after the previous one
 *   started (default 1 s; never below REST_INTERVAL_MIN_US, the documented
 *   5 requests/s), a request asked for earlier waits on a timer;
 * - after an HTTP 429, an HTTP error status or a transport error the gap
 *   doubles per consecutive failure (from 2 s, at most REST_BACKOFF_MAX_US),
 *   or follows the server's Retry-After when that is longer; a good answer
 *   ends the backoff;
 * - every request has a time-out (default REST_TIMEOUT_MS).
 * The body is handed over as received (the caller judges it: lib/earn);
 * nothing here prints. Assumes curl_global_init() was called once at start.
 */
#ifndef REST_H
#define REST_H

#include <stddef.h>
#include <stdint.h>
#include "evloop.h"
#include "mclock.h"

#define REST_INTERVAL_MIN_US     200000LL        /* 5 requests/s, the API's limit */
#define REST_INTERVAL_DEFAULT_US 1000000LL       /* 1 request/s */
#define REST_BACKOFF_BASE_US     2000000LL
#define REST_BACKOFF_MAX_US      (300 * 1000000LL)
#define REST_TIMEOUT_MS          10000L
#define REST_BODY_MAX            (16u << 20)     /* the public /miners list is large */
#define REST_MAX_SOCKS           4

struct rest_answer {
	int rc;                 /* 0: an HTTP answer arrived; else -ETIMEDOUT,
				   -EMSGSIZE (body over REST_BODY_MAX), -EHOSTUNREACH
				   (no connection), -EIO (other transport error) */
	long status;            /* HTTP status (0 without an answer) */
	const char *body;       /* NUL-terminated, "" when empty */
	size_t len;
	const char *content_type;       /* "" when none */
	const char *url;
	double elapsed_ms;      /* start -> answer */
};

/* Runs from the loop, never from inside rest_get(); a is valid during the call. */
typedef void rest_done_fn(void *arg, const struct rest_answer *a);

struct rest_client {
	struct evloop *el;
	const struct mclock *clk;
	char base[256];
	int64_t interval_us;
	long timeout_ms;
	char agent[64];
	/* pacing */
	int64_t last_start_us;          /* 0: none yet */
	int64_t not_before_us;          /* backoff: no start before this */
	unsigned failures;              /* consecutive */
	int last_ok;                    /* the last answer was a 2xx */
	/* the request under way or waiting for its turn */
	int state;                      /* REST_IDLE, REST_WAITING, REST_RUNNING */
	char url[512];
	int64_t started_us;
	long long start_timer, curl_timer;
	void *multi, *easy;             /* CURLM *, CURL * */
	int socks[REST_MAX_SOCKS];
	char *body;
	size_t len, cap;
	int overflow;
	char ctype[96];
	void *headers;                  /* struct curl_slist *: rest_set_bearer's */
	rest_done_fn *done;
	void *arg;
	/* counters */
	uint64_t requests, answers, failures_total, throttled;
	int64_t min_gap_us;             /* shortest start-to-start gap seen (0: none) */
};

enum { REST_IDLE, REST_WAITING, REST_RUNNING };

/* base_url without the path ("https://server.duinocoin.com"); interval_us
 * below REST_INTERVAL_MIN_US is raised to it. clk NULL: the real clock.
 * 0 or -errno. */
int  rest_init(struct rest_client *c, struct evloop *el, const struct mclock *clk,
	       const char *base_url, int64_t interval_us, long timeout_ms);
void rest_free(struct rest_client *c);
/*
 * Send "Authorization: Bearer <token>" with every request from now on
 * (ducomaster's http_token): in a header, not in the URL, where it would
 * end up in logs and error messages. -EINVAL for a token the server could
 * not have (empty, or not as http_token_check says), -ENOMEM.
 */
int rest_set_bearer(struct rest_client *c, const char *token);
/* GET base_url + path (path starts with '/', already escaped). done runs
 * later from the loop. -EBUSY while another request is waiting or under
 * way, -ENAMETOOLONG, -ENOMEM; else 0. */
int  rest_get(struct rest_client *c, const char *path, rest_done_fn *done, void *arg);
/* Drop the request waiting or under way (done is not called). */
void rest_cancel(struct rest_client *c);
int  rest_busy(const struct rest_client *c);
/* The caller found the last answer unusable (not JSON, success false, ...):
 * back off as for an HTTP error (once: a non-2xx answer already counted). */
void rest_penalize(struct rest_client *c);
/* When the next request may start at the soonest (monotonic us). */
int64_t rest_next_start_us(const struct rest_client *c);
/* Percent-escape s for a path segment or query value into out. 0 or -ENAMETOOLONG. */
int  rest_escape(const char *s, char *out, size_t len);

#endif
