/*
 * pool.h - the pool side of the Duino-Coin TCP mining protocol, as text:
 * non-blocking connects, the line reader that tolerates a missing newline,
 * and the parsers and formatters for the banner, JOB request, job line,
 * result line and verdict (../shared/reference/duco-protocol.md). No state
 * machine here (that is miner.c) and no printing; parsers return -errno.
 */
#ifndef POOL_H
#define POOL_H

#include <stddef.h>
#include <stdint.h>

#include "poolwire.h"
#include "resolve.h"

#define POOL_LINE_MAX 256
/* A message with no '\n' counts as complete after this much quiet. */
#define POOL_LINE_GRACE_US 50000

struct pool_rx {
	char buf[POOL_LINE_MAX];
	size_t len;
	int64_t last_us;        /* when the last bytes arrived */
	int closed;             /* peer closed (read returned 0 or error) */
	int err;                /* -errno of the failing read */
};

enum pool_verdict {
	POOL_GOOD  = 0,
	POOL_BLOCK = 1,
	POOL_BAD   = 2,
};

/* Why the pool said BAD (counted per reason). */
enum pool_bad_reason {
	POOL_BAD_OTHER = 0,
	POOL_BAD_INCORRECT_RESULT,      /* "Incorrect result" */
	POOL_BAD_TOO_LOW_START,         /* "Too low starting difficulty": tier up */
	POOL_BAD_TOO_HIGH_START,        /* "Too high starting difficulty": tier down */
	POOL_BAD_INVALID_DATA,          /* "Invalid data" / "Incorrect data" */
	POOL_BAD_TOO_LOW_DIFF,          /* "Too low difficulty": too many shares */
	POOL_BAD_TOO_MANY_WORKERS,
	POOL_BAD_BANNED,
	POOL_BAD_OUTDATED,
	POOL_BAD_NO_USER,
	POOL_BAD_NREASONS
};


/* Start a non-blocking connect to a resolved address. Returns the socket
 * fd (connect may still be in progress) or -errno. */
int  pool_connect_start(const struct resolve_addr *addr);
/* After the socket became writable: 0 connected, or -errno. */
int  pool_connect_result(int fd);

/* Read what is available into rx. Returns bytes read, 0 on EAGAIN, -errno
 * (and rx->closed) on EOF or error. */
int  pool_read(int fd, struct pool_rx *rx, int64_t now_us);
/*
 * Take one message: up to '\n' (the '\n' and any '\r' dropped), or the whole
 * buffer once it has been quiet for POOL_LINE_GRACE_US (or the peer closed).
 * Returns the length copied to line (NUL-terminated), or 0 if none yet.
 */
int  pool_take_line(struct pool_rx *rx, int64_t now_us, char *line, size_t linelen);
/* When pool_take_line may next succeed for a partial message (0 = never). */
int64_t pool_rx_deadline(const struct pool_rx *rx);
void pool_rx_reset(struct pool_rx *rx);

/* One write per message; 0 or -errno (-EAGAIN counts as an error: a short
 * message never fills a fresh socket buffer, so it means trouble). */
int  pool_send(int fd, const char *msg, size_t len);

/* Banner: a version number such as "4.3". 0 or -EPROTO. */
int  pool_parse_banner(const char *line, char *version, size_t vlen);
/* "JOB,<user>,<tier>,<key>[,<sensor>]" into buf; returns length or -ERANGE.
 * sensor NULL or "": no fifth field; else it is cut to the pool's rule
 * first (pool_sensor_text). */
int  pool_format_request(char *buf, size_t len, const char *user, const char *tier,
			 const char *key, const char *sensor);
/*
 * The pool's rule for the JOB line's sensor field: at most POOL_SENSOR_MAX
 * characters of [A-Za-z0-9 .():@-]. Copies text into out (cap bytes) with
 * every other character left out, cut at POOL_SENSOR_MAX; returns its length.
 */
#define POOL_SENSOR_MAX 48
size_t pool_sensor_text(char *out, size_t cap, const char *text);
/* Job line "<last>,<expected>,<diff>". 0, -EPROTO malformed, or -ECONNREFUSED
 * for a refusal "BAD,<reason>" (reason copied). */
int  pool_parse_job(const char *line, struct poolwire_job *job, char *reason, size_t rlen);
/* "<nonce>,<hashrate>,<software>,<rig>,<DUCOID>[,<group>]" into buf (the
 * wallet's grouping id only when group is not NULL or ""); length or -ERANGE. */
int  pool_format_result(char *buf, size_t len, uint32_t nonce, double hashrate,
			const char *software, const char *rig_id, const char *ducoid,
			const char *group);
/* GOOD / BLOCK / BAD,<reason>. Returns enum pool_verdict or -EPROTO. */
int  pool_parse_verdict(const char *line, enum pool_bad_reason *why, char *reason, size_t rlen);
enum pool_bad_reason pool_classify_bad(const char *reason);
const char *pool_bad_name(enum pool_bad_reason r);

#endif
