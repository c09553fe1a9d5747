/*
 * config.c - the settings table and its three sources (defaults, JSON file,
 * command line). Assumes cJSON (Debian libcjson-dev). Every value passes
 * through config_set(), so a file and a flag are checked the same way and an
 * error always names the key. Library code: returns -errno and fills err,
 * never prints (except the explicit dump helpers).
 */
#include <cJSON.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "config.h"

enum config_type {
	CONFIG_T_STR,
	CONFIG_T_INT,
	CONFIG_T_DOUBLE,
	CONFIG_T_ENUM,
	CONFIG_T_BUSLIST,
};

#define CONFIG_SECRET 1

struct config_row {
	const char *key;
	enum config_type type;
	size_t off;
	size_t size;            /* string buffer size */
	double min, max;
	const char *def;
	const char *const *names;       /* enum value names, NULL-terminated */
	int flags;
	const char *help;
};

static const char *const config_tier_names[] = { "AVR", "MEGA", "ARM", "DUE", "auto", NULL };
static const char *const config_poll_names[] = { "adaptive", "interval", NULL };
static const char *const config_level_names[] = { "error", "warn", "info", "debug", NULL };
static const char *const config_table_names[] = { "off", "auto", NULL };

#define STR(field) .type = CONFIG_T_STR, .off = offsetof(struct config, field), \
	.size = sizeof(((struct config *)0)->field)
#define INT(field, lo, hi) .type = CONFIG_T_INT, .off = offsetof(struct config, field), \
	.min = (lo), .max = (hi)
#define DBL(field, lo, hi) .type = CONFIG_T_DOUBLE, .off = offsetof(struct config, field), \
	.min = (lo), .max = (hi)
#define ENUM(field, tab) .type = CONFIG_T_ENUM, .off = offsetof(struct config, field), \
	.names = (tab)

static const struct config_row config_rows[] = {
	{ .key = "user", STR(user), .def = "",
	  .help = "Duino-Coin username (required)" },
	{ .key = "mining_key", STR(mining_key), .def = "None", .flags = CONFIG_SECRET,
	  .help = "mining key, or None (never logged)" },
	{ .key = "rig_id", STR(rig_id), .def = "None",
	  .help = "rig identifier shown in the wallet" },
	{ .key = "software", STR(software), .def = "ducorig AVR I2C Miner 0.1",
	  .help = "software name sent with results (must contain AVR and I2C)" },
	{ .key = "pool", STR(pool), .def = "",
	  .help = "pool host:port; empty = discover through pool_url" },
	{ .key = "pool_url", STR(pool_url), .def = "https://server.duinocoin.com",
	  .help = "base URL of the getPool discovery service" },
	{ .key = "buses", .type = CONFIG_T_BUSLIST, .def = "",
	  .help = "I2C buses: /dev/i2c-N or sim:<socket> (list or comma string)" },
	{ .key = "slaves", STR(slaves), .def = "scan",
	  .help = "slave addresses 0x08,0x09,... or scan" },
	{ .key = "tier", ENUM(tier, config_tier_names), .def = "AVR",
	  .help = "tier policy: AVR, MEGA, ARM, DUE or auto" },
	{ .key = "max_hashrate", DBL(max_hashrate, 1, 1e7), .def = "380",
	  .help = "tier maximum in H/s the reported rate must stay under" },
	{ .key = "margin", DBL(margin, 0, 0.5), .def = "0.05",
	  .help = "safety margin below max_hashrate (fraction)" },
	{ .key = "slave_limits", STR(slave_limits), .def = "",
	  .help = "per-slave max and margin: 0x08=300/0.1,0x09=250 (others: global)" },
	{ .key = "poll_policy", ENUM(poll_policy, config_poll_names), .def = "adaptive",
	  .help = "adaptive (geometric for held results) or interval" },
	{ .key = "poll_interval_ms", INT(poll_interval_ms, 1, 5000), .def = "20",
	  .help = "status poll interval; bounds the result detection delay" },
	{ .key = "poll_max_gap_ms", INT(poll_max_gap_ms, 1, 60000), .def = "2000",
	  .help = "longest gap between two polls of a busy slave" },
	{ .key = "connects_per_window", INT(connects_per_window, 1, 1000), .def = "50",
	  .help = "most pool connects per connect_window_s (the pool bans above 50/30 s)" },
	{ .key = "connect_window_s", INT(connect_window_s, 1, 3600), .def = "30",
	  .help = "window for connects_per_window" },
	{ .key = "connect_stagger_ms", INT(connect_stagger_ms, 0, 60000), .def = "100",
	  .help = "minimum gap between two pool connects" },
	{ .key = "job_timeout_s", INT(job_timeout_s, 1, 600), .def = "15",
	  .help = "give up waiting for a job after this long" },
	{ .key = "verdict_timeout_s", INT(verdict_timeout_s, 1, 600), .def = "15",
	  .help = "give up waiting for a verdict after this long" },
	{ .key = "duration", DBL(duration_s, 0, 1e9), .def = "0",
	  .help = "stop after this many seconds (0 = run until stopped)" },
	{ .key = "log", STR(log), .def = "",
	  .help = "log file (empty = stderr); SIGHUP reopens it" },
	{ .key = "log_level", ENUM(log_level, config_level_names), .def = "info",
	  .help = "error, warn, info or debug" },
	{ .key = "joblog", STR(joblog), .def = "",
	  .help = "job log: one JSON object per job per line (empty = none)" },
	{ .key = "metrics", STR(metrics), .def = "",
	  .help = "metrics file: JSON summary rewritten every 10 s (empty = none)" },
	{ .key = "status_table", ENUM(status_table, config_table_names), .def = "auto",
	  .help = "live status table on stdout when it is a terminal" },
};

#define CONFIG_NROWS (sizeof(config_rows) / sizeof(config_rows[0]))

static int config_walk_limits(const struct config *c, int want_addr, double *max,
			      double *margin);

const char *config_tier_name(int tier)
{
	if (tier < 0 || tier > CONFIG_TIER_AUTO)
		return "?";
	return config_tier_names[tier];
}

static const struct config_row *config_find(const char *key)
{
	size_t i;

	for (i = 0; i < CONFIG_NROWS; i++)
		if (!strcmp(config_rows[i].key, key))
			return &config_rows[i];
	return NULL;
}

static int config_set_buses(struct config *c, const char *value, char *err, unsigned errlen)
{
	char tmp[CONFIG_MAX_BUSES * CONFIG_STR], *save = NULL, *tok;
	char list[CONFIG_MAX_BUSES][CONFIG_STR];
	int n = 0;

	/* Parse into a copy first: a bad value leaves the old list in place. */
	snprintf(tmp, sizeof(tmp), "%s", value);
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (!*tok)
			continue;
		if (n == CONFIG_MAX_BUSES) {
			snprintf(err, errlen, "buses: more than %d buses", CONFIG_MAX_BUSES);
			return -ERANGE;
		}
		if (strncmp(tok, "sim:", 4) && strncmp(tok, "/dev/", 5)) {
			snprintf(err, errlen, "buses: '%s' is neither sim:<socket> nor /dev/i2c-N", tok);
			return -EINVAL;
		}
		if (strlen(tok) >= CONFIG_STR) {
			snprintf(err, errlen, "buses: '%s' too long", tok);
			return -ERANGE;
		}
		snprintf(list[n++], CONFIG_STR, "%s", tok);
	}
	memcpy(c->buses, list, sizeof(list[0]) * (size_t)n);
	c->nbuses = n;
	return 0;
}

int config_set(struct config *c, const char *key, const char *value, char *err, unsigned errlen)
{
	const struct config_row *r = config_find(key);
	char *base = (char *)c, *end;
	double d;
	long l;
	int i;

	if (!r) {
		snprintf(err, errlen, "%s: unknown key", key);
		return -ENOENT;
	}
	switch (r->type) {
	case CONFIG_T_STR:
		if (!strcmp(key, "pool_url"))
			c->pool_url_explicit = 1;
		if (strlen(value) >= r->size) {
			snprintf(err, errlen, "%s: longer than %zu characters", key, r->size - 1);
			return -ERANGE;
		}
		memcpy(base + r->off, value, strlen(value) + 1);
		return 0;
	case CONFIG_T_INT:
		errno = 0;
		l = strtol(value, &end, 0);
		if (errno || end == value || *end) {
			snprintf(err, errlen, "%s: '%s' is not an integer", key,
				 r->flags & CONFIG_SECRET ? "***" : value);
			return -EINVAL;
		}
		if (l < r->min || l > r->max) {
			snprintf(err, errlen, "%s: %ld out of range %.0f..%.0f", key, l, r->min, r->max);
			return -ERANGE;
		}
		*(int *)(base + r->off) = (int)l;
		return 0;
	case CONFIG_T_DOUBLE:
		errno = 0;
		d = strtod(value, &end);
		if (errno || end == value || *end || d != d) {
			snprintf(err, errlen, "%s: '%s' is not a number", key, value);
			return -EINVAL;
		}
		if (d < r->min || d > r->max) {
			snprintf(err, errlen, "%s: %g out of range %g..%g", key, d, r->min, r->max);
			return -ERANGE;
		}
		*(double *)(base + r->off) = d;
		return 0;
	case CONFIG_T_ENUM:
		for (i = 0; r->names[i]; i++) {
			if (!strcasecmp(r->names[i], value)) {
				*(int *)(base + r->off) = i;
				return 0;
			}
		}
		snprintf(err, errlen, "%s: '%s' is not one of", key, value);
		for (i = 0; r->names[i]; i++) {
			size_t n = strlen(err);
			snprintf(err + n, errlen - n, " %s", r->names[i]);
		}
		return -EINVAL;
	case CONFIG_T_BUSLIST:
		return config_set_buses(c, value, err, errlen);
	}
	return -EINVAL;
}

void config_defaults(struct config *c)
{
	char err[128];
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < CONFIG_NROWS; i++)
		config_set(c, config_rows[i].key, config_rows[i].def, err, sizeof(err));
	c->pool_url_explicit = 0;
}

/* Turn one JSON value into the text config_set() takes. */
static int config_json_value(const cJSON *v, char *out, size_t outlen)
{
	const cJSON *e;
	size_t n = 0;

	if (cJSON_IsString(v)) {
		snprintf(out, outlen, "%s", v->valuestring);
		return strlen(v->valuestring) < outlen ? 0 : -ERANGE;
	}
	if (cJSON_IsNumber(v)) {
		snprintf(out, outlen, "%.17g", v->valuedouble);
		return 0;
	}
	if (cJSON_IsBool(v)) {
		snprintf(out, outlen, "%s", cJSON_IsTrue(v) ? "auto" : "off");
		return 0;
	}
	if (cJSON_IsArray(v)) {
		out[0] = '\0';
		cJSON_ArrayForEach(e, v) {
			char one[CONFIG_STR];

			if (cJSON_IsString(e))
				snprintf(one, sizeof(one), "%s", e->valuestring);
			else if (cJSON_IsNumber(e))
				snprintf(one, sizeof(one), "0x%02x", (unsigned)e->valueint);
			else
				return -EINVAL;
			n += (size_t)snprintf(out + n, outlen - n, "%s%s", n ? "," : "", one);
			if (n >= outlen)
				return -ERANGE;
		}
		return 0;
	}
	return -EINVAL;
}

int config_load_file(struct config *c, const char *path, char *err, unsigned errlen)
{
	FILE *f = NULL;
	char *text = NULL, value[1024];
	cJSON *root = NULL, *item;
	long len;
	int rc = 0;

	f = fopen(path, "r");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 || len > 1 << 20 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		rc = -EFBIG;
		snprintf(err, errlen, "%s: unreadable or larger than 1 MiB", path);
		goto out;
	}
	text = malloc((size_t)len + 1);
	if (!text) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (fread(text, 1, (size_t)len, f) != (size_t)len) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	text[len] = '\0';
	root = cJSON_Parse(text);
	if (!root || !cJSON_IsObject(root)) {
		const char *at = cJSON_GetErrorPtr();
		int line = 1;

		for (const char *p = text; at && p < at && *p; p++)
			line += *p == '\n';
		rc = -EINVAL;
		snprintf(err, errlen, "%s:%d: not a JSON object", path, line);
		goto out;
	}
	cJSON_ArrayForEach(item, root) {
		const struct config_row *r = config_find(item->string);

		if (!r) {
			rc = -ENOENT;
			snprintf(err, errlen, "%s: unknown key '%s'", path, item->string);
			goto out;
		}
		if (config_json_value(item, value, sizeof(value)) < 0) {
			rc = -EINVAL;
			snprintf(err, errlen, "%s: bad value type", item->string);
			goto out;
		}
		rc = config_set(c, item->string, value, err, errlen);
		if (rc < 0)
			goto out;
	}
out:
	cJSON_Delete(root);
	free(text);
	if (f)
		fclose(f);
	return rc;
}

int config_validate(const struct config *c, char *err, unsigned errlen)
{
	if (!c->user[0]) {
		snprintf(err, errlen, "user: required");
		return -EINVAL;
	}
	if (strchr(c->user, ',') || strchr(c->rig_id, ',') || strchr(c->software, ',') ||
	    strchr(c->mining_key, ',')) {
		snprintf(err, errlen, "%s: must not contain ','",
			 strchr(c->user, ',') ? "user" : strchr(c->rig_id, ',') ? "rig_id" :
			 strchr(c->software, ',') ? "software" : "mining_key");
		return -EINVAL;
	}
	/* The wallet classifies miners by these substrings; the name must be true. */
	if (!strstr(c->software, "AVR") || !strstr(c->software, "I2C")) {
		snprintf(err, errlen, "software: must contain \"AVR\" and \"I2C\"");
		return -EINVAL;
	}
	if (c->nbuses == 0) {
		snprintf(err, errlen, "buses: at least one bus required");
		return -EINVAL;
	}
	if (!c->pool[0] && !c->pool_url[0]) {
		snprintf(err, errlen, "pool: neither pool nor pool_url set");
		return -EINVAL;
	}
	if (c->pool[0]) {
		const char *colon = strrchr(c->pool, ':');
		char *end;
		long port;

		if (!colon || colon == c->pool) {
			snprintf(err, errlen, "pool: '%s' is not host:port", c->pool);
			return -EINVAL;
		}
		port = strtol(colon + 1, &end, 10);
		if (*end || port < 1 || port > 65535) {
			snprintf(err, errlen, "pool: bad port in '%s'", c->pool);
			return -EINVAL;
		}
	}
	if (config_walk_limits(c, -1, NULL, NULL) < 0) {
		snprintf(err, errlen, "slave_limits: '%s' is not addr=max[/margin],... "
			 "(max 1..1e7, margin 0..0.5)", c->slave_limits);
		return -EINVAL;
	}
	if (strcmp(c->slaves, "scan")) {
		char tmp[sizeof(c->slaves)], *save = NULL, *tok, *end;

		snprintf(tmp, sizeof(tmp), "%s", c->slaves);
		for (tok = strtok_r(tmp, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
			long a = strtol(tok, &end, 0);

			if (*end || a < 0x08 || a > 0x77) {
				snprintf(err, errlen, "slaves: '%s' is not an address 0x08..0x77", tok);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/*
 * Walk slave_limits. With want_addr >= 0, fill max/margin for that address
 * and return 1 if found; with -1, only check the syntax (0 ok, -EINVAL).
 */
static int config_walk_limits(const struct config *c, int want_addr, double *max,
			      double *margin)
{
	char tmp[sizeof(c->slave_limits)], *save = NULL, *tok, *end;

	snprintf(tmp, sizeof(tmp), "%s", c->slave_limits);
	for (tok = strtok_r(tmp, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		long addr = strtol(tok, &end, 0);
		double m, g = c->margin;

		if (*end != '=' || addr < 0x08 || addr > 0x77)
			return -EINVAL;
		m = strtod(end + 1, &end);
		if (end == tok || m < 1 || m > 1e7)
			return -EINVAL;
		if (*end == '/') {
			g = strtod(end + 1, &end);
			if (g < 0 || g > 0.5)
				return -EINVAL;
		}
		if (*end)
			return -EINVAL;
		if (addr == want_addr) {
			*max = m;
			*margin = g;
			return 1;
		}
	}
	return 0;
}

int config_slave_limit(const struct config *c, uint8_t addr, double *max, double *margin)
{
	*max = c->max_hashrate;
	*margin = c->margin;
	return config_walk_limits(c, addr, max, margin) == 1;
}

int config_file_exposed(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	return (st.st_mode & (S_IRGRP | S_IROTH)) != 0;
}

void config_dump(const struct config *c, void *stdio_file)
{
	FILE *f = stdio_file;
	const char *base = (const char *)c;
	size_t i;
	int b;

	for (i = 0; i < CONFIG_NROWS; i++) {
		const struct config_row *r = &config_rows[i];

		fprintf(f, "%-20s ", r->key);
		if (r->flags & CONFIG_SECRET) {
			fprintf(f, "%s\n", strcmp(base + r->off, "None") ? "(set, hidden)" : "None");
			continue;
		}
		switch (r->type) {
		case CONFIG_T_STR:
			fprintf(f, "%s\n", base + r->off);
			break;
		case CONFIG_T_INT:
			fprintf(f, "%d\n", *(const int *)(base + r->off));
			break;
		case CONFIG_T_DOUBLE:
			fprintf(f, "%g\n", *(const double *)(base + r->off));
			break;
		case CONFIG_T_ENUM:
			fprintf(f, "%s\n", r->names[*(const int *)(base + r->off)]);
			break;
		case CONFIG_T_BUSLIST:
			for (b = 0; b < c->nbuses; b++)
				fprintf(f, "%s%s", b ? "," : "", c->buses[b]);
			fprintf(f, "\n");
			break;
		}
	}
}

void config_print_keys(void *stdio_file)
{
	FILE *f = stdio_file;
	size_t i;

	for (i = 0; i < CONFIG_NROWS; i++)
		fprintf(f, "  %-20s %s (default: %s)\n", config_rows[i].key, config_rows[i].help,
			config_rows[i].def[0] ? config_rows[i].def : "\"\"");
}
