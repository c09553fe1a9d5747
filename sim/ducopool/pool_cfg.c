/*
 * pool_cfg.c - ducopool's rows of the host library's option table, and the
 * tier table.
 *
 * Each option is one row (lib/options.h); defaults are given as the text a
 * user would type and go through the same parser, so `--help` shows exactly
 * what runs. The tier JSON is read with the same strict reader and each tier
 * object goes through a small table of its own, merged by name: a row for a
 * known tier changes only the fields it gives, a new name is appended and
 * must give all of them. The table order is the order of tier moves
 * (AVR -> MEGA -> ARM -> ...).
 */
#include "pool_cfg.h"

#include <cJSON.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options.h"

#define POOL_CFG_DELAY_MAX_MS 3600000ul         /* an hour: more is a typo */

/* MEAN[:JITTER] in ms. */
static int pool_cfg_delay(void *obj, const struct opt_row *row, const char *s, char *err,
			  size_t errlen)
{
	struct pool_delay *d = (struct pool_delay *)(void *)((char *)obj + row->off);
	unsigned long mean, jitter = 0;
	char *end;

	errno = 0;
	mean = strtoul(s, &end, 10);
	if (errno || end == s || *s == '-' || mean > POOL_CFG_DELAY_MAX_MS)
		goto bad;
	if (*end == ':') {
		const char *j = end + 1;

		jitter = strtoul(j, &end, 10);
		if (errno || end == j || *j == '-' || jitter > POOL_CFG_DELAY_MAX_MS)
			goto bad;
	}
	if (*end != '\0')
		goto bad;
	d->mean_ms = (uint32_t)mean;
	d->jitter_ms = (uint32_t)jitter;
	return 0;
bad:
	snprintf(err, errlen, "'%.40s' is not MS[:JITTER] (each 0..%lu)", s, POOL_CFG_DELAY_MAX_MS);
	return -EINVAL;
}

/* USER:KEY, one more mining key. */
static int pool_cfg_key(void *obj, const struct opt_row *row, const char *val, char *err,
			size_t errlen)
{
	struct pool_cfg *cfg = obj;
	const char *colon = strchr(val, ':');
	struct pool_user_key *k;

	if (cfg->nkeys >= POOL_CFG_MAX_LIST) {
		snprintf(err, errlen, "more than %d keys", POOL_CFG_MAX_LIST);
		return -ERANGE;
	}
	k = &cfg->keys[cfg->nkeys];
	if (!colon || colon == val || (size_t)(colon - val) >= sizeof(k->user) ||
	    strlen(colon + 1) >= sizeof(k->key)) {
		/* the key itself is not echoed */
		snprintf(err, errlen, "not USER:KEY (user below %zu, key below %zu characters)",
			 sizeof(k->user), sizeof(k->key));
		return -EINVAL;
	}
	memcpy(k->user, val, (size_t)(colon - val));
	k->user[colon - val] = '\0';
	strcpy(k->key, colon + 1);
	cfg->nkeys++;
	return 0;
}

#define OFF(f)  .off = offsetof(struct pool_cfg, f)
#define STR(f)  .type = OPT_STR, OFF(f), .size = sizeof(((struct pool_cfg *)0)->f)

static const struct opt_row pool_cfg_rows[] = {
	{ .name = "listen", STR(listen), .def = "127.0.0.1:2811", .arg = "ADDR:PORT",
	  .help = "TCP mining address; port 0 picks a free port" },
	{ .name = "http", STR(http), .arg = "ADDR:PORT",
	  .help = "serve the REST calls here (default: off)" },
	{ .name = "banner", STR(banner), .flags = OPT_F_UNESCAPE, .def = "4.3", .arg = "TEXT",
	  .help = "version sent on connect" },
	{ .name = "banner-no-newline", .type = OPT_FLAG, OFF(banner_no_newline),
	  .help = "send the version without '\\n', like older servers" },
	{ .name = "motd", STR(motd), .flags = OPT_F_UNESCAPE,
	  .def = "You are mining on ducopool, a local test pool: no real coins\\n",
	  .arg = "TEXT", .help = "answer to MOTD, sent as given ('\\n' escapes allowed)" },
	{ .name = "tiers", STR(tiers_file), .arg = "FILE", .help = "JSON tier table merged by name: "
	  "{\"tiers\":[{\"name\":\"AVR\",\"diff\":10,\"min\":10,\"max\":380}]}" },
	{ .name = "seed", .type = OPT_U64, OFF(seed),
	  .seen_off = offsetof(struct pool_cfg, seed_given), .arg = "N",
	  .help = "seed for every random choice (default: time and pid)" },
	{ .name = "job-delay", .type = OPT_CUSTOM, OFF(job_delay), .parse = pool_cfg_delay,
	  .def = "0:0", .arg = "MS[:JITTER]",
	  .help = "hold each job back, uniform in MS-JITTER..MS+JITTER ms" },
	{ .name = "verdict-delay", .type = OPT_CUSTOM, OFF(verdict_delay), .parse = pool_cfg_delay,
	  .def = "0:0", .arg = "MS[:JITTER]",
	  .help = "hold each GOOD/BLOCK/BAD verdict back, same form" },
	{ .name = "first-timeout", .type = OPT_DBL, OFF(first_timeout_s),
	  .min = 0.05, .max = 86400, .def = "30", .arg = "S",
	  .help = "close a connection idle this long before its first message" },
	{ .name = "share-timeout", .type = OPT_DBL, OFF(share_timeout_s),
	  .min = 0.05, .max = 86400, .def = "90", .arg = "S",
	  .help = "close a connection idle this long between messages later on" },
	{ .name = "max-workers-user", .type = OPT_INT, OFF(max_workers_user),
	  .min = 1, .max = 100000, .def = "50", .arg = "N",
	  .help = "open workers per user; one more gets BAD,Too many workers" },
	{ .name = "max-workers-ip", .type = OPT_INT, OFF(max_workers_ip),
	  .min = 1, .max = 100000, .def = "50", .arg = "N",
	  .help = "open workers per IP address, same answer" },
	{ .name = "max-shares-per-min", .type = OPT_INT, OFF(max_shares_per_min),
	  .min = 0, .max = 4096, .def = "0", .arg = "N",
	  .help = "results per connection in any 60 s; more: BAD,Too low difficulty "
		  "(0: no limit, as the public pool's shipped config)" },
	{ .name = "default-tier", STR(default_tier), .def = "NET", .arg = "NAME",
	  .help = "tier of a JOB whose tier is missing or unknown (names are case-sensitive)" },
	{ .name = "strict", .type = OPT_FLAG, OFF(strict),
	  .help = "stricter rules for tests: refuse unknown requests and results of more "
		  "than 6 fields, plain decimal nonces and hashrates, unknown tiers at the "
		  "lowest tier, refuse JOBs over the worker limits, chain on every share" },
	{ .name = "block-chance", .type = OPT_DBL, OFF(block_chance),
	  .min = 0, .max = 1, .def = "0.001", .arg = "P",
	  .help = "probability that a correct share is answered BLOCK" },
	{ .name = "drop-chance", .type = OPT_DBL, OFF(drop_chance),
	  .min = 0, .max = 1, .def = "0", .arg = "P",
	  .help = "fault: probability of closing instead of sending a job or verdict" },
	{ .name = "garbage-chance", .type = OPT_DBL, OFF(garbage_chance),
	  .min = 0, .max = 1, .def = "0", .arg = "P",
	  .help = "fault: probability of a garbage line instead of a job or verdict" },
	{ .name = "reward-div", .type = OPT_DBL, OFF(reward_div),
	  .min = 1e-9, .max = 1e12, .def = "37500", .arg = "X",
	  .help = "Kolka divisor: share reward 2*ln(H/s)/X*0.96^(ki-1); the default is calibrated to ~12 DUCO/day at 343 H/s under the seed waits" },
	{ .name = "miner-ttl", .type = OPT_DBL, OFF(miner_ttl_s),
	  .min = 0, .max = 86400, .def = "300", .arg = "S",
	  .help = "a closed worker stays in /miners this long after its last share" },
	{ .name = "stats", STR(stats_file), .arg = "FILE",
	  .help = "write the stats JSON here periodically and at exit" },
	{ .name = "stats-interval", .type = OPT_DBL, OFF(stats_interval_s),
	  .min = 0.1, .max = 86400, .def = "10", .arg = "S",
	  .help = "period of the --stats file" },
	{ .name = "duration", .type = OPT_DBL, OFF(duration_s),
	  .min = 0, .max = 1e9, .def = "0", .arg = "S",
	  .help = "exit cleanly after S seconds (0: run until SIGTERM/SIGINT)" },
	{ .name = "name", STR(name), .def = "ducopool-local", .arg = "TEXT",
	  .help = "pool name in /getPool and /miners" },
	{ .name = "ban-user", .type = OPT_LIST, OFF(banned),
	  .size = sizeof(((struct pool_cfg *)0)->banned[0]), .max = POOL_CFG_MAX_LIST,
	  .count_off = offsetof(struct pool_cfg, nbanned), .arg = "USER",
	  .help = "answer this user's JOB with BAD,User banned (repeatable)" },
	{ .name = "key", .type = OPT_CUSTOM, .parse = pool_cfg_key,
	  .flags = OPT_F_REPEAT | OPT_F_SECRET, .count_off = offsetof(struct pool_cfg, nkeys),
	  .arg = "USER:KEY",
	  .help = "mining key of USER; a wrong key goes silently unpaid (repeatable)" },
	{ .name = "verbose", .type = OPT_FLAG, OFF(verbose),
	  .help = "log connections and verdicts on stderr" },
	{ .name = "help", .type = OPT_FLAG, OFF(help), .flags = OPT_F_EARLY | OPT_F_NOKEY,
	  .help = "print this help and exit" },
};

static const struct opt_table pool_cfg_table = {
	.prog = "ducopool",
	OPT_ROWS(pool_cfg_rows),
	.synopsis =
"usage: ducopool [options]\n"
"A local Duino-Coin-compatible pool for tests, demos and offline rig trials.\n"
"Prints 'listening on ADDR:PORT' (and 'http on ADDR:PORT') on stdout once ready.\n"
"SIGUSR1 prints the stats JSON on stdout; SIGTERM/SIGINT exit after printing it.\n\n",
};

static const struct pool_tier pool_cfg_default_tiers[] = {
	{ .name = "AVR",     .diff = 10,   .min_hashrate = 10,   .max_hashrate = 380 },
	{ .name = "MEGA",    .diff = 24,   .min_hashrate = 250,  .max_hashrate = 550 },
	{ .name = "ARM",     .diff = 128,  .min_hashrate = 400,  .max_hashrate = 1000 },
	{ .name = "DUE",     .diff = 512,  .min_hashrate = 800,  .max_hashrate = 5000 },
	{ .name = "ESP8266", .diff = 1000, .min_hashrate = 3000, .max_hashrate = 13000 },
	{ .name = "ESP32",   .diff = 1500, .min_hashrate = 8000, .max_hashrate = 16000 },
	/* The PC tiers move among themselves (LOW <-> MEDIUM <-> NET <-> EXTREME);
	 * NET is where a missing or unknown tier name lands. */
	{ .name = "LOW",     .diff = 7500,   .max_hashrate = 250000,    .group = 1 },
	{ .name = "MEDIUM",  .diff = 75000,  .max_hashrate = 500000,    .group = 1 },
	{ .name = "NET",     .diff = 100000, .max_hashrate = 1000000,   .group = 1 },
	{ .name = "EXTREME", .diff = 950000, .max_hashrate = 999999999, .group = 1 },
};

#define POOL_CFG_NTIERS_DEFAULT \
	((int)(sizeof(pool_cfg_default_tiers) / sizeof(pool_cfg_default_tiers[0])))

void pool_cfg_defaults(struct pool_cfg *cfg)
{
	char err[128];

	*cfg = (struct pool_cfg){ .ntiers = 0 };
	/* the rows are fixed: a refused default is caught by the tests' first run */
	(void)opt_defaults(&pool_cfg_table, cfg, err, sizeof(err));
	memcpy(cfg->tiers, pool_cfg_default_tiers, sizeof(pool_cfg_default_tiers));
	cfg->ntiers = POOL_CFG_NTIERS_DEFAULT;
}

int pool_cfg_parse(struct pool_cfg *cfg, int argc, char **argv, char *err, size_t errlen)
{
	return opt_parse(&pool_cfg_table, cfg, argc, argv, NULL, err, errlen) ? -EINVAL : 0;
}

int pool_cfg_tier_index(const struct pool_cfg *cfg, const char *name)
{
	for (int i = 0; i < cfg->ntiers; i++)
		if (strcasecmp(cfg->tiers[i].name, name) == 0)
			return i;
	return -1;
}

int pool_cfg_tier_exact(const struct pool_cfg *cfg, const char *name)
{
	for (int i = 0; i < cfg->ntiers; i++)
		if (strcmp(cfg->tiers[i].name, name) == 0)
			return i;
	return -1;
}

int pool_cfg_tier_move(const struct pool_cfg *cfg, int idx, int dir)
{
	for (int i = idx + dir; i >= 0 && i < cfg->ntiers; i += dir)
		if (cfg->tiers[i].group == cfg->tiers[idx].group)
			return i;
	return idx;
}

/* One tier object of the file, and which of its fields it gave. */
struct pool_cfg_tier_in {
	struct pool_tier t;
	int has_name, has_diff, has_min, has_max;
};

#define TIN(f) .off = offsetof(struct pool_cfg_tier_in, f)
#define TSEEN(f) .seen_off = offsetof(struct pool_cfg_tier_in, f)

static const struct opt_row pool_cfg_tier_rows[] = {
	{ .name = "name", .type = OPT_STR, TIN(t.name), .size = POOL_CFG_NAME_LEN,
	  TSEEN(has_name), .help = "tier name" },
	{ .name = "diff", .type = OPT_UINT, TIN(t.diff), .min = 1, .max = 42000000,
	  TSEEN(has_diff), .help = "difficulty" },
	{ .name = "min", .type = OPT_DBL, TIN(t.min_hashrate), .min = 0, .max = 1e12,
	  TSEEN(has_min), .help = "H/s below this: one tier down" },
	{ .name = "max", .type = OPT_DBL, TIN(t.max_hashrate), .min = 0, .max = 1e12,
	  .flags = OPT_F_GT_MIN, TSEEN(has_max), .help = "H/s at or above this: one tier up" },
};

static const struct opt_table pool_cfg_tier_table = {
	.prog = "ducopool --tiers",
	OPT_ROWS(pool_cfg_tier_rows),
};

static int pool_cfg_tier_row(struct pool_cfg *cfg, const cJSON *row, int idx,
			     char *err, size_t errlen)
{
	struct pool_cfg_tier_in in = { .t = { .diff = 1 } };
	char why[160];
	int at;

	if (opt_apply_json(&pool_cfg_tier_table, &in, row, NULL, why, sizeof(why))) {
		snprintf(err, errlen, "tier %d%s%s%s: %s", idx, in.has_name ? " (" : "",
			 in.has_name ? in.t.name : "", in.has_name ? ")" : "", why);
		return -EINVAL;
	}
	if (!in.has_name || !in.t.name[0]) {
		snprintf(err, errlen, "tier %d: needs a \"name\" string", idx);
		return -EINVAL;
	}
	at = pool_cfg_tier_index(cfg, in.t.name);
	if (at < 0) {
		if (!in.has_diff || !in.has_min || !in.has_max) {
			snprintf(err, errlen, "tier %d (%s): a new tier needs diff, min and max",
				 idx, in.t.name);
			return -EINVAL;
		}
		if (cfg->ntiers >= POOL_CFG_MAX_TIERS) {
			snprintf(err, errlen, "tier %d: more than %d tiers", idx,
				 POOL_CFG_MAX_TIERS);
			return -EINVAL;
		}
		at = cfg->ntiers++;
	} else {
		/* a known tier: keep what the row does not give */
		struct pool_tier old = cfg->tiers[at];

		if (!in.has_diff)
			in.t.diff = old.diff;
		if (!in.has_min)
			in.t.min_hashrate = old.min_hashrate;
		if (!in.has_max)
			in.t.max_hashrate = old.max_hashrate;
		memcpy(in.t.name, old.name, sizeof(in.t.name));
		in.t.group = old.group;
	}
	if (in.t.min_hashrate >= in.t.max_hashrate) {
		snprintf(err, errlen, "tier %d (%s): min must be below max", idx, in.t.name);
		return -EINVAL;
	}
	cfg->tiers[at] = in.t;
	return 0;
}

int pool_cfg_load_tiers(struct pool_cfg *cfg, const char *path, char *err, size_t errlen)
{
	const cJSON *list, *row;
	cJSON *root;
	char *text;
	int rc, idx = 0;

	rc = opt_json_read(path, &root, &text, err, errlen);
	if (rc)
		return rc;
	list = cJSON_IsArray(root) ? root : cJSON_GetObjectItemCaseSensitive(root, "tiers");
	if (!cJSON_IsArray(list)) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: expected {\"tiers\": [...]} or an array", path);
		goto out;
	}
	cJSON_ArrayForEach(row, list) {
		rc = pool_cfg_tier_row(cfg, row, idx++, err, errlen);
		if (rc)
			goto out;
	}
out:
	cJSON_Delete(root);
	free(text);
	return rc;
}

int pool_cfg_split_addr(const char *addr, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon = strrchr(addr, ':');
	char *end;
	unsigned long p;

	if (!colon || colon == addr || (size_t)(colon - addr) >= hostlen)
		return -EINVAL;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || end == colon + 1 || *end || p > 65535)
		return -EINVAL;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	*port = (uint16_t)p;
	return 0;
}

void pool_cfg_usage(FILE *out, const char *prog)
{
	opt_help(&pool_cfg_table, out);
	fprintf(out, "\nDefault tiers (name diff min max H/s; moves follow this order):\n");
	for (int i = 0; i < POOL_CFG_NTIERS_DEFAULT; i++)
		fprintf(out, "  %-8s %6u %7.0f %7.0f\n", pool_cfg_default_tiers[i].name,
			(unsigned)pool_cfg_default_tiers[i].diff,
			pool_cfg_default_tiers[i].min_hashrate,
			pool_cfg_default_tiers[i].max_hashrate);
}
