/*
 * pool_cfg.h - ducopool's configuration: its rows of the host library's
 * option table (lib/options.h: name, type, bounds, default, help) drive the
 * command line, `--help` and the defaults, plus the difficulty tier table,
 * optionally merged from a JSON file.
 *
 * Every number the live Duino-Coin server decides (tiers, limits, timeouts,
 * reward divisor) is a value here, with the public facts of
 * shared/reference/duco-protocol.md as defaults. The module never prints
 * except in pool_cfg_usage, to the stream the caller gives; parse errors come
 * back as -EINVAL with a message in the caller's buffer.
 */
#ifndef POOL_CFG_H
#define POOL_CFG_H

#include <stdint.h>
#include <stdio.h>

#define POOL_CFG_MAX_TIERS  16
#define POOL_CFG_MAX_LIST   32
#define POOL_CFG_NAME_LEN   24
#define POOL_CFG_TEXT_LEN   256

struct pool_tier {
	char     name[POOL_CFG_NAME_LEN];
	uint32_t diff;
	double   min_hashrate;   /* reported H/s below this: moved one tier down */
	double   max_hashrate;   /* reported H/s at or above this: moved up */
	int      group;          /* moves go to the next/previous tier of the same
				    group: 0 the device tiers, 1 the PC tiers */
};

/* An injected delay: uniform in [mean - jitter, mean + jitter] ms, >= 0. */
struct pool_delay {
	uint32_t mean_ms;
	uint32_t jitter_ms;
};

struct pool_user_key {
	char user[POOL_CFG_NAME_LEN * 2];
	char key[POOL_CFG_NAME_LEN * 2];
};

struct pool_cfg {
	char     listen[64];
	char     http[64];                  /* empty: no HTTP side */
	char     banner[32];
	int      banner_no_newline;
	char     motd[POOL_CFG_TEXT_LEN];
	char     tiers_file[POOL_CFG_TEXT_LEN];
	uint64_t seed;
	int      seed_given;
	struct pool_delay job_delay;
	struct pool_delay verdict_delay;
	double   first_timeout_s;
	double   share_timeout_s;
	int      max_workers_user;
	int      max_workers_ip;
	int      max_shares_per_min;
	double   block_chance;
	double   drop_chance;
	double   garbage_chance;
	double   reward_div;
	double   miner_ttl_s;
	char     stats_file[POOL_CFG_TEXT_LEN];
	double   stats_interval_s;
	double   duration_s;                /* 0: run until a signal */
	char     name[64];
	char     default_tier[POOL_CFG_NAME_LEN];   /* for an unknown tier name */
	int      strict;                    /* the stricter pre-official rules */
	int      verbose;
	int      help;

	char     banned[POOL_CFG_MAX_LIST][POOL_CFG_NAME_LEN * 2];
	int      nbanned;
	struct pool_user_key keys[POOL_CFG_MAX_LIST];
	int      nkeys;

	struct pool_tier tiers[POOL_CFG_MAX_TIERS];
	int      ntiers;
};

/* Defaults for every option and the built-in tier table. */
void pool_cfg_defaults(struct pool_cfg *cfg);
/* Parse argv[1..]: `--opt value` or `--opt=value`. 0, or -EINVAL + err. */
int  pool_cfg_parse(struct pool_cfg *cfg, int argc, char **argv,
		    char *err, size_t errlen);
/* Merge a tier JSON file into cfg->tiers. 0, -errno or -EINVAL + err. */
int  pool_cfg_load_tiers(struct pool_cfg *cfg, const char *path,
			 char *err, size_t errlen);
/* Index of the tier called name (case-insensitive), or -1. */
int  pool_cfg_tier_index(const struct pool_cfg *cfg, const char *name);
/* Index of the tier called exactly name (case matters, as on the public
 * pool), or -1. */
int  pool_cfg_tier_exact(const struct pool_cfg *cfg, const char *name);
/* The tier a move up (dir 1) or down (dir -1) from tier idx lands on:
 * the next one of the same group in table order, or idx itself. */
int  pool_cfg_tier_move(const struct pool_cfg *cfg, int idx, int dir);
/* Split "host:port" (IPv4 dotted quad or "localhost"). 0 or -EINVAL. */
int  pool_cfg_split_addr(const char *addr, char *host, size_t hostlen,
			 uint16_t *port);
void pool_cfg_usage(FILE *out, const char *prog);

#endif
