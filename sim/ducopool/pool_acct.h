/*
 * pool_acct.h - ducopool's live accounting: users, workers (one per TCP
 * connection) and pool totals, and their JSON views (stats dump, REST rows).
 *
 * A worker record outlives its socket by --miner-ttl seconds after its last
 * share, because the REST /miners view keeps rows that long. Times are
 * monotonic milliseconds for durations and wall-clock seconds for the REST
 * fields. Rewards follow the Kolka formula of the reference with a
 * configurable divisor. Single-threaded: the HTTP side runs inside the same
 * event loop, so nothing here is locked.
 */
#ifndef POOL_ACCT_H
#define POOL_ACCT_H

#include <cjson/cJSON.h>
#include <stdint.h>
#include <time.h>

#include "pool_cfg.h"

/* Reasons the pool refuses or rejects; texts are the exact BAD strings. */
enum pool_reason {
	POOL_R_INCORRECT_RESULT,   /* share: wrong nonce */
	POOL_R_INVALID_DATA,       /* share: reported hashrate <= 0 */
	POOL_R_TOO_HIGH_START,     /* share: below tier min, moved down */
	POOL_R_TOO_LOW_START,      /* share: at/above tier max, moved up */
	POOL_R_TOO_LOW_DIFF,       /* share: over the shares-per-minute limit */
	POOL_R_DUCOID_CHANGED,     /* share: answered GOOD but counted rejected */
	POOL_R_INCORRECT_DATA,     /* refusal: malformed message, closed */
	POOL_R_NO_USERNAME,        /* refusal: empty user, closed */
	POOL_R_USER_BANNED,        /* refusal: --ban-user, closed */
	POOL_R_TOO_MANY_WORKERS,   /* refusal: worker limit, closed */
	POOL_R_COUNT
};

extern const char *const pool_reason_text[POOL_R_COUNT];

struct pool_user {
	char     name[POOL_CFG_NAME_LEN * 2];
	char     key[POOL_CFG_NAME_LEN * 2];
	int      has_key;
	uint64_t accepted, rejected, blocks, unpaid;
	uint64_t by_reason[POOL_R_COUNT];
	double   balance;
	time_t   created, last_login;
	int      open_workers;
	struct pool_user *next;
};

struct pool_worker {
	uint64_t id;
	char     ip[48];
	uint16_t port;
	struct pool_user *user;           /* NULL until its first valid JOB */
	int      open;
	char     tier[POOL_CFG_NAME_LEN];
	uint32_t diff;
	char     software[64], rig[64], ducoid[64], wallet_id[64];
	uint64_t jobs, accepted, rejected, blocks, unpaid;
	uint64_t by_reason[POOL_R_COUNT];
	uint32_t ki;                       /* Kolka ordinal at registration */
	int      key_ok;
	double   share_time_s;             /* last, server-measured */
	double   hashrate;                 /* last, server-computed nonce/share time */
	double   reported_hashrate;        /* last, as the client claimed */
	double   ping_s;                   /* last verdict -> next JOB */
	double   reward;
	int64_t  opened_ms, closed_ms, last_share_ms;
	time_t   opened_wall, last_share_wall;
	struct pool_worker *next;
};

struct pool_acct {
	const struct pool_cfg *cfg;
	struct pool_user   *users;
	struct pool_worker *workers;
	uint64_t next_id, seed;
	int64_t  start_ms;
	time_t   start_wall;
	/* pool totals */
	uint64_t connections, jobs, accepted, rejected, blocks, timeouts;
	uint64_t drops_injected, garbage_injected;
	uint64_t ignored;                  /* requests before a JOB that were neither */
	/* verdicts on results that went out whole (not dropped or garbled) */
	uint64_t sent_good, sent_block, sent_bad;
	uint64_t by_reason[POOL_R_COUNT];
};

void pool_acct_init(struct pool_acct *a, const struct pool_cfg *cfg, uint64_t seed,
		    int64_t now_ms);
void pool_acct_free(struct pool_acct *a);

/* New worker for an accepted socket; NULL on out of memory. */
struct pool_worker *pool_acct_worker_open(struct pool_acct *a, const char *ip,
					  uint16_t port, int64_t now_ms);
void pool_acct_worker_close(struct pool_acct *a, struct pool_worker *w, int64_t now_ms);
/* Drop closed workers whose rows have aged out of /miners. */
void pool_acct_expire(struct pool_acct *a, int64_t now_ms);

struct pool_user *pool_acct_user(struct pool_acct *a, const char *name, int create);
/* Open workers registered to user / coming from ip. */
int  pool_acct_count_user(const struct pool_acct *a, const struct pool_user *u);
int  pool_acct_count_ip(const struct pool_acct *a, const char *ip);
/* Bind w to user u (first valid JOB): sets ki and key_ok. 0 or -ENOMEM. */
int  pool_acct_register(struct pool_acct *a, struct pool_worker *w, const char *user,
			const char *key);

void pool_acct_reject(struct pool_acct *a, struct pool_worker *w, enum pool_reason r);
/* An accepted share; hashrate is the server-computed one. A share that is
 * not payable (the public pool's DUCOID rule) earns nothing. */
void pool_acct_accept(struct pool_acct *a, struct pool_worker *w, int block,
		      double hashrate, int payable);

/* JSON views; NULL on out of memory. The caller frees with cJSON_Delete. */
cJSON *pool_acct_stats_json(const struct pool_acct *a, int64_t now_ms);
cJSON *pool_acct_miner_json(const struct pool_acct *a, const struct pool_worker *w);
cJSON *pool_acct_balance_json(const struct pool_user *u);

#endif
