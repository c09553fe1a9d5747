/*
 * pool_cfg.c - the option table, its parser and the tier table.
 *
 * Each option is one row; defaults are given as the text a user would type
 * and go through the same parser, so `--help` shows exactly what runs. The
 * tier JSON (cJSON) is merged by name: a row for a known tier changes only
 * the fields it gives, a new name is appended and must give all of them. The
 * table order is the order of tier moves (AVR -> MEGA -> ARM -> ...).
 */
#include "pool_cfg.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum pool_cfg_type {
	POOL_CFG_STR,     /* char array of row.size bytes */
	POOL_CFG_INT,
	POOL_CFG_DBL,
	POOL_CFG_U64,
	POOL_CFG_FLAG,    /* takes no value, sets int to 1 */
	POOL_CFG_DELAY,   /* MEAN[:JITTER] in ms */
	POOL_CFG_BAN,     /* repeatable user name */
	POOL_CFG_KEY,     /* repeatable USER:KEY */
};

struct pool_cfg_row {
	const char *name;
	enum pool_cfg_type type;
	size_t      off;
	size_t      size;
	double      min, max;
	const char *def;      /* NULL: no default (empty / zero) */
	const char *arg;
	const char *help;
};

#define OFF(f)  offsetof(struct pool_cfg, f)
#define SZ(f)   sizeof(((struct pool_cfg *)0)->f)

static const struct pool_cfg_row pool_cfg_rows[] = {
	{ .name = "listen", .type = POOL_CFG_STR, .off = OFF(listen), .size = SZ(listen),
	  .def = "127.0.0.1:2811", .arg = "ADDR:PORT",
	  .help = "TCP mining address; port 0 picks a free port" },
	{ .name = "http", .type = POOL_CFG_STR, .off = OFF(http), .size = SZ(http),
	  .arg = "ADDR:PORT", .help = "serve the REST calls here (default: off)" },
	{ .name = "banner", .type = POOL_CFG_STR, .off = OFF(banner), .size = SZ(banner),
	  .def = "4.3", .arg = "TEXT", .help = "version sent on connect" },
	{ .name = "banner-no-newline", .type = POOL_CFG_FLAG, .off = OFF(banner_no_newline),
	  .help = "send the version without '\\n', like older servers" },
	{ .name = "motd", .type = POOL_CFG_STR, .off = OFF(motd), .size = SZ(motd),
	  .def = "You are mining on ducopool, a local test pool: no real coins\\n",
	  .arg = "TEXT", .help = "answer to MOTD, sent as given ('\\n' escapes allowed)" },
	{ .name = "tiers", .type = POOL_CFG_STR, .off = OFF(tiers_file), .size = SZ(tiers_file),
	  .arg = "FILE", .help = "JSON tier table merged by name: "
	  "{\"tiers\":[{\"name\":\"AVR\",\"diff\":10,\"min\":10,\"max\":380}]}" },
	{ .name = "seed", .type = POOL_CFG_U64, .off = OFF(seed), .min = 0, .max = 1.8e19,
	  .arg = "N", .help = "seed for every random choice (default: time and pid)" },
	{ .name = "job-delay", .type = POOL_CFG_DELAY, .off = OFF(job_delay),
	  .def = "0:0", .arg = "MS[:JITTER]",
	  .help = "hold each job back, uniform in MS-JITTER..MS+JITTER ms" },
	{ .name = "verdict-delay", .type = POOL_CFG_DELAY, .off = OFF(verdict_delay),
	  .def = "0:0", .arg = "MS[:JITTER]",
	  .help = "hold each GOOD/BLOCK/BAD verdict back, same form" },
	{ .name = "first-timeout", .type = POOL_CFG_DBL, .off = OFF(first_timeout_s),
	  .min = 0.05, .max = 86400, .def = "30", .arg = "S",
	  .help = "close a connection idle this long before its first message" },
	{ .name = "share-timeout", .type = POOL_CFG_DBL, .off = OFF(share_timeout_s),
	  .min = 0.05, .max = 86400, .def = "90", .arg = "S",
	  .help = "close a connection idle this long between messages later on" },
	{ .name = "max-workers-user", .type = POOL_CFG_INT, .off = OFF(max_workers_user),
	  .min = 1, .max = 100000, .def = "50", .arg = "N",
	  .help = "open workers per user; one more gets BAD,Too many workers" },
	{ .name = "max-workers-ip", .type = POOL_CFG_INT, .off = OFF(max_workers_ip),
	  .min = 1, .max = 100000, .def = "50", .arg = "N",
	  .help = "open workers per IP address, same answer" },
	{ .name = "max-shares-per-min", .type = POOL_CFG_INT, .off = OFF(max_shares_per_min),
	  .min = 1, .max = 4096, .def = "80", .arg = "N",
	  .help = "results per connection in any 60 s; more: BAD,Too low difficulty" },
	{ .name = "block-chance", .type = POOL_CFG_DBL, .off = OFF(block_chance),
	  .min = 0, .max = 1, .def = "0.001", .arg = "P",
	  .help = "probability that a correct share is answered BLOCK" },
	{ .name = "drop-chance", .type = POOL_CFG_DBL, .off = OFF(drop_chance),
	  .min = 0, .max = 1, .def = "0", .arg = "P",
	  .help = "fault: probability of closing instead of sending a job or verdict" },
	{ .name = "garbage-chance", .type = POOL_CFG_DBL, .off = OFF(garbage_chance),
	  .min = 0, .max = 1, .def = "0", .arg = "P",
	  .help = "fault: probability of a garbage line instead of a job or verdict" },
	{ .name = "reward-div", .type = POOL_CFG_DBL, .off = OFF(reward_div),
	  .min = 1e-9, .max = 1e12, .def = "1000", .arg = "X",
	  .help = "Kolka divisor: share reward 2*ln(H/s)/X*0.96^(ki-1)" },
	{ .name = "miner-ttl", .type = POOL_CFG_DBL, .off = OFF(miner_ttl_s),
	  .min = 0, .max = 86400, .def = "300", .arg = "S",
	  .help = "a closed worker stays in /miners this long after its last share" },
	{ .name = "stats", .type = POOL_CFG_STR, .off = OFF(stats_file), .size = SZ(stats_file),
	  .arg = "FILE", .help = "write the stats JSON here periodically and at exit" },
	{ .name = "stats-interval", .type = POOL_CFG_DBL, .off = OFF(stats_interval_s),
	  .min = 0.1, .max = 86400, .def = "10", .arg = "S",
	  .help = "period of the --stats file" },
	{ .name = "duration", .type = POOL_CFG_DBL, .off = OFF(duration_s),
	  .min = 0, .max = 1e9, .def = "0", .arg = "S",
	  .help = "exit cleanly after S seconds (0: run until SIGTERM/SIGINT)" },
	{ .name = "name", .type = POOL_CFG_STR, .off = OFF(name), .size = SZ(name),
	  .def = "ducopool-local", .arg = "TEXT", .help = "pool name in /getPool and /miners" },
	{ .name = "ban-user", .type = POOL_CFG_BAN, .arg = "USER",
	  .help = "answer this user's JOB with BAD,User banned (repeatable)" },
	{ .name = "key", .type = POOL_CFG_KEY, .arg = "USER:KEY",
	  .help = "mining key of USER; a wrong key goes silently unpaid (repeatable)" },
	{ .name = "verbose", .type = POOL_CFG_FLAG, .off = OFF(verbose),
	  .help = "log connections and verdicts on stderr" },
	{ .name = "help", .type = POOL_CFG_FLAG, .off = OFF(help),
	  .help = "print this help and exit" },
};

#define POOL_CFG_NROWS (sizeof(pool_cfg_rows) / sizeof(pool_cfg_rows[0]))

static const struct pool_tier pool_cfg_default_tiers[] = {
	{ .name = "AVR",     .diff = 10,   .min_hashrate = 10,   .max_hashrate = 380 },
	{ .name = "MEGA",    .diff = 24,   .min_hashrate = 250,  .max_hashrate = 550 },
	{ .name = "ARM",     .diff = 128,  .min_hashrate = 400,  .max_hashrate = 1000 },
	{ .name = "DUE",     .diff = 512,  .min_hashrate = 800,  .max_hashrate = 5000 },
	{ .name = "ESP8266", .diff = 1000, .min_hashrate = 3000, .max_hashrate = 13000 },
	{ .name = "ESP32",   .diff = 1500, .min_hashrate = 8000, .max_hashrate = 16000 },
};

/* Copy with C escapes \n, \r, \t, \\ expanded (for banner and MOTD text). */
static int pool_cfg_unescape(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	for (; *src; src++) {
		char c = *src;

		if (c == '\\' && src[1]) {
			src++;
			switch (*src) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			default:  c = *src; break;
			}
		}
		if (n + 1 >= size)
			return -EINVAL;
		dst[n++] = c;
	}
	dst[n] = '\0';
	return 0;
}

static int pool_cfg_number(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(*v))
		return -EINVAL;
	return 0;
}

static int pool_cfg_delay(const char *s, struct pool_delay *d)
{
	char *end;
	unsigned long mean, jitter = 0;

	errno = 0;
	mean = strtoul(s, &end, 10);
	if (errno || end == s || mean > 3600000)
		return -EINVAL;
	if (*end == ':') {
		const char *j = end + 1;

		jitter = strtoul(j, &end, 10);
		if (errno || end == j || jitter > 3600000)
			return -EINVAL;
	}
	if (*end != '\0')
		return -EINVAL;
	d->mean_ms = (uint32_t)mean;
	d->jitter_ms = (uint32_t)jitter;
	return 0;
}

static int pool_cfg_set(struct pool_cfg *cfg, const struct pool_cfg_row *row,
			const char *val, char *err, size_t errlen)
{
	char *base = (char *)cfg + row->off;
	double v = 0;
	int rc = 0;

	switch (row->type) {
	case POOL_CFG_STR:
		rc = pool_cfg_unescape(base, row->size, val);
		break;
	case POOL_CFG_INT:
	case POOL_CFG_DBL:
	case POOL_CFG_U64:
		rc = pool_cfg_number(val, &v);
		if (rc == 0 && (v < row->min || v > row->max))
			rc = -EINVAL;
		if (rc == 0 && row->type != POOL_CFG_DBL && v != floor(v))
			rc = -EINVAL;
		if (rc)
			break;
		if (row->type == POOL_CFG_INT)
			*(int *)(void *)base = (int)v;
		else if (row->type == POOL_CFG_DBL)
			*(double *)(void *)base = v;
		else {
			/* strtoull keeps all 64 bits that a double would round. */
			cfg->seed = strtoull(val, NULL, 10);
			cfg->seed_given = 1;
		}
		break;
	case POOL_CFG_FLAG:
		*(int *)(void *)base = 1;
		break;
	case POOL_CFG_DELAY:
		rc = pool_cfg_delay(val, (struct pool_delay *)(void *)base);
		break;
	case POOL_CFG_BAN:
		if (cfg->nbanned >= POOL_CFG_MAX_LIST || !*val ||
		    strlen(val) >= sizeof(cfg->banned[0])) {
			rc = -EINVAL;
			break;
		}
		strcpy(cfg->banned[cfg->nbanned++], val);
		break;
	case POOL_CFG_KEY: {
		const char *colon = strchr(val, ':');
		struct pool_user_key *k;

		if (!colon || colon == val || cfg->nkeys >= POOL_CFG_MAX_LIST ||
		    (size_t)(colon - val) >= sizeof(k->user) ||
		    strlen(colon + 1) >= sizeof(k->key)) {
			rc = -EINVAL;
			break;
		}
		k = &cfg->keys[cfg->nkeys++];
		memcpy(k->user, val, (size_t)(colon - val));
		k->user[colon - val] = '\0';
		strcpy(k->key, colon + 1);
		break;
	}
	}
	if (rc)
		snprintf(err, errlen, "--%s: bad value '%s' (%s%s)", row->name, val,
			 row->arg ? "expected " : "", row->arg ? row->arg : "");
	return rc;
}

void pool_cfg_defaults(struct pool_cfg *cfg)
{
	char err[128];

	*cfg = (struct pool_cfg){ .ntiers = 0 };
	for (size_t i = 0; i < POOL_CFG_NROWS; i++)
		if (pool_cfg_rows[i].def)
			(void)pool_cfg_set(cfg, &pool_cfg_rows[i], pool_cfg_rows[i].def,
					   err, sizeof(err));
	memcpy(cfg->tiers, pool_cfg_default_tiers, sizeof(pool_cfg_default_tiers));
	cfg->ntiers = (int)(sizeof(pool_cfg_default_tiers) / sizeof(pool_cfg_default_tiers[0]));
}

int pool_cfg_parse(struct pool_cfg *cfg, int argc, char **argv, char *err, size_t errlen)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq;
		const struct pool_cfg_row *row = NULL;
		size_t len;

		if (strncmp(a, "--", 2) != 0) {
			snprintf(err, errlen, "unexpected argument '%s' (see --help)", a);
			return -EINVAL;
		}
		a += 2;
		eq = strchr(a, '=');
		len = eq ? (size_t)(eq - a) : strlen(a);
		for (size_t r = 0; r < POOL_CFG_NROWS; r++)
			if (strlen(pool_cfg_rows[r].name) == len &&
			    strncmp(pool_cfg_rows[r].name, a, len) == 0)
				row = &pool_cfg_rows[r];
		if (!row) {
			snprintf(err, errlen, "unknown option '%s' (see --help)", argv[i]);
			return -EINVAL;
		}
		if (row->type == POOL_CFG_FLAG) {
			if (eq) {
				snprintf(err, errlen, "--%s takes no value", row->name);
				return -EINVAL;
			}
			val = "1";
		} else if (eq) {
			val = eq + 1;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			snprintf(err, errlen, "--%s needs a value (%s)", row->name, row->arg);
			return -EINVAL;
		}
		if (pool_cfg_set(cfg, row, val, err, errlen))
			return -EINVAL;
	}
	return 0;
}

int pool_cfg_tier_index(const struct pool_cfg *cfg, const char *name)
{
	for (int i = 0; i < cfg->ntiers; i++)
		if (strcasecmp(cfg->tiers[i].name, name) == 0)
			return i;
	return -1;
}

static int pool_cfg_tier_row(struct pool_cfg *cfg, const cJSON *row, int idx,
			     char *err, size_t errlen)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(row, "name");
	const cJSON *diff = cJSON_GetObjectItemCaseSensitive(row, "diff");
	const cJSON *min = cJSON_GetObjectItemCaseSensitive(row, "min");
	const cJSON *max = cJSON_GetObjectItemCaseSensitive(row, "max");
	struct pool_tier t;
	int at;

	if (!cJSON_IsObject(row) || !cJSON_IsString(name) || !*name->valuestring ||
	    strlen(name->valuestring) >= sizeof(t.name)) {
		snprintf(err, errlen, "tier %d: needs a \"name\" string", idx);
		return -EINVAL;
	}
	if ((diff && (!cJSON_IsNumber(diff) || diff->valuedouble < 1 ||
		      diff->valuedouble > 4.2e7 || diff->valuedouble != floor(diff->valuedouble))) ||
	    (min && (!cJSON_IsNumber(min) || min->valuedouble < 0)) ||
	    (max && (!cJSON_IsNumber(max) || max->valuedouble <= 0))) {
		snprintf(err, errlen, "tier %d (%s): diff must be 1..42000000, "
			 "min >= 0, max > 0", idx, name->valuestring);
		return -EINVAL;
	}
	at = pool_cfg_tier_index(cfg, name->valuestring);
	if (at < 0) {
		if (!diff || !min || !max) {
			snprintf(err, errlen, "tier %d (%s): a new tier needs diff, min and max",
				 idx, name->valuestring);
			return -EINVAL;
		}
		if (cfg->ntiers >= POOL_CFG_MAX_TIERS) {
			snprintf(err, errlen, "tier %d: more than %d tiers", idx,
				 POOL_CFG_MAX_TIERS);
			return -EINVAL;
		}
		at = cfg->ntiers++;
		t = (struct pool_tier){ .diff = 1 };
		strcpy(t.name, name->valuestring);
	} else {
		t = cfg->tiers[at];
	}
	if (diff)
		t.diff = (uint32_t)diff->valuedouble;
	if (min)
		t.min_hashrate = min->valuedouble;
	if (max)
		t.max_hashrate = max->valuedouble;
	if (t.min_hashrate >= t.max_hashrate) {
		snprintf(err, errlen, "tier %d (%s): min must be below max", idx, t.name);
		return -EINVAL;
	}
	cfg->tiers[at] = t;
	return 0;
}

int pool_cfg_load_tiers(struct pool_cfg *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	cJSON *root = NULL;
	const cJSON *list, *row;
	long size;
	int rc = 0, idx = 0;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    size > (1 << 20)) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s: unreadable or larger than 1 MiB", path);
		goto out;
	}
	text = malloc((size_t)size + 1);
	if (!text) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (fread(text, 1, (size_t)size, f) != (size_t)size) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	text[size] = '\0';
	root = cJSON_Parse(text);
	if (!root) {
		const char *at = cJSON_GetErrorPtr();
		int line = 1;

		for (const char *p = text; at && p < at; p++)
			line += *p == '\n';
		rc = -EINVAL;
		snprintf(err, errlen, "%s:%d: JSON syntax error", path, line);
		goto out;
	}
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
	fclose(f);
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
	fprintf(out,
		"usage: %s [options]\n"
		"A local Duino-Coin-compatible pool for tests, demos and offline rig trials.\n"
		"Prints 'listening on ADDR:PORT' (and 'http on ADDR:PORT') on stdout once ready.\n"
		"SIGUSR1 prints the stats JSON on stdout; SIGTERM/SIGINT exit after printing it.\n\n",
		prog);
	for (size_t i = 0; i < POOL_CFG_NROWS; i++) {
		const struct pool_cfg_row *r = &pool_cfg_rows[i];
		char left[64];

		snprintf(left, sizeof(left), "--%s%s%s", r->name, r->arg ? " " : "",
			 r->arg ? r->arg : "");
		fprintf(out, "  %-28s %s", left, r->help);
		if (r->def)
			fprintf(out, " [%s]", r->def);
		fputc('\n', out);
	}
	fprintf(out, "\nDefault tiers (name diff min max H/s; moves follow this order):\n");
	for (size_t i = 0; i < sizeof(pool_cfg_default_tiers) / sizeof(pool_cfg_default_tiers[0]); i++)
		fprintf(out, "  %-8s %6u %7.0f %7.0f\n", pool_cfg_default_tiers[i].name,
			(unsigned)pool_cfg_default_tiers[i].diff,
			pool_cfg_default_tiers[i].min_hashrate,
			pool_cfg_default_tiers[i].max_hashrate);
}
