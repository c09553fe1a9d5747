/*
 * config.c - ducomaster's rows of the option table, and the checks a row
 * cannot make alone (cross-field rules, the pool address, per-slave limits).
 * Every value, from the file, a flag or --set, passes through lib/options,
 * so a file and a flag are checked the same way and an error always names
 * the key. Library code: returns -errno and fills err, never prints.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "config.h"
#include "duco_proto.h"
#include "http.h"

/* health_calibration bounds: the datasheet's bandgap spread with room, and
 * a sensor that needs more than 50 C of offset is broken, not uncalibrated. */
#define CONFIG_BANDGAP_MIN      900
#define CONFIG_BANDGAP_MAX      1300
#define CONFIG_TEMP_OFFSET_MAX  50.0
#define CONFIG_TEMP_GAIN_MIN    0.5
#define CONFIG_TEMP_GAIN_MAX    2.0

/* The slave_limits entry bounds: the same as the global keys'. */
#define CONFIG_RATE_MIN   1.0
#define CONFIG_RATE_MAX   1e7
#define CONFIG_MARGIN_MAX 0.5

/* The bounds of one value of an "ADDR=v[/v...]" entry, in its place. */
struct config_slot {
	double min, max;
};

#define CONFIG_SLOTS_MAX 3
/* slave_limits: max H/s, then margin */
static const struct config_slot config_limit_slots[] = {
	{ CONFIG_RATE_MIN, CONFIG_RATE_MAX },
	{ 0, CONFIG_MARGIN_MAX },
};
/* health_calibration: bandgap mV, then temperature offset C, then gain */
static const struct config_slot config_cal_slots[] = {
	{ CONFIG_BANDGAP_MIN, CONFIG_BANDGAP_MAX },
	{ -CONFIG_TEMP_OFFSET_MAX, CONFIG_TEMP_OFFSET_MAX },
	{ CONFIG_TEMP_GAIN_MIN, CONFIG_TEMP_GAIN_MAX },
};
#define CONFIG_NSLOTS(s) ((int)(sizeof(s) / sizeof((s)[0])))
_Static_assert(CONFIG_NSLOTS(config_limit_slots) <= CONFIG_SLOTS_MAX &&
	       CONFIG_NSLOTS(config_cal_slots) <= CONFIG_SLOTS_MAX,
	       "an entry's values fit the walker's array");

static const char *const config_tier_names[] = { "AVR", "MEGA", "ARM", "DUE", "auto", NULL };
static const char *const config_poll_names[] = { "adaptive", "interval", NULL };
static const char *const config_level_names[] = { "error", "warn", "info", "debug", NULL };
static const char *const config_table_names[] = { "off", "auto", NULL };
static const char *const config_sensor_names[] = { "off", "health", NULL };
static const char *const config_key_check_names[] = { "error", "warn", "off", NULL };

/* One element of buses: the two backends lib/bus.c knows. */
static int config_check_bus(void *obj, const struct opt_row *row, const char *spec, char *err,
			    size_t errlen)
{
	if (!strncmp(spec, "sim:", 4) || !strncmp(spec, "/dev/", 5))
		return 0;
	snprintf(err, errlen, "'%.60s' is neither sim:<socket> nor /dev/i2c-N", spec);
	return -EINVAL;
}

#define FIELD(f) .off = offsetof(struct config, f)
#define STR(f)   .type = OPT_STR, FIELD(f), .size = sizeof(((struct config *)0)->f)
#define INT(f, lo, hi) .type = OPT_INT, FIELD(f), .min = (lo), .max = (hi)
#define DBL(f, lo, hi) .type = OPT_DBL, FIELD(f), .min = (lo), .max = (hi)
#define ENUM(f, tab)   .type = OPT_ENUM, FIELD(f), .names = (tab)

static const struct opt_row config_rows[] = {
	{ .name = "config", .type = OPT_CONFIG, FIELD(config_path),
	  .size = sizeof(((struct config *)0)->config_path), .arg = "FILE",
	  .help = "JSON config file (keys below); flags override it" },
	{ .name = "pool", STR(pool), .def = "", .arg = "HOST:PORT",
	  .help = "pool address (empty = discover); with pool_url given, the fallback" },
	{ .name = "pool_url", STR(pool_url), .flag = "pool-url", .def = "https://server.duinocoin.com",
	  .seen_off = offsetof(struct config, pool_url_explicit), .arg = "BASE",
	  .help = "discover the pool through BASE/getPool" },
	{ .name = "dns_servers", STR(dns_servers), .flag = "dns-servers", .def = "",
	  .arg = "IP[:PORT],...",
	  .help = "name servers for the pool's host name (empty = the system's, resolv.conf)" },
	{ .name = "buses", .type = OPT_LIST, FIELD(buses), .size = CONFIG_STR,
	  .max = CONFIG_MAX_BUSES, .count_off = offsetof(struct config, nbuses), .flag = "bus",
	  .parse = config_check_bus, .def = "", .arg = "SPEC",
	  .help = "I2C buses: sim:<socket path> or /dev/i2c-N (a list; repeat the flag)" },
	{ .name = "slaves", STR(slaves), .flags = OPT_F_ADDRS, .def = "scan", .arg = "LIST",
	  .help = "slave addresses 0x08,0x09,... or scan" },
	{ .name = "user", STR(user), .def = "", .arg = "NAME",
	  .help = "Duino-Coin username (required)" },
	{ .name = "mining_key", STR(mining_key), .flag = "key", .def = "None",
	  .flags = OPT_F_SECRET, .arg = "KEY",
	  .help = "mining key, or None (never logged; prefer the file, not world-readable)" },
	{ .name = "rig_id", STR(rig_id), .flag = "rig", .def = "None", .arg = "ID",
	  .help = "rig identifier shown in the wallet" },
	{ .name = "tier", ENUM(tier, config_tier_names), .def = "AVR", .arg = "TIER",
	  .help = "tier policy: a fixed tier, or auto by measured speed" },
	{ .name = "max_hashrate", DBL(max_hashrate, CONFIG_RATE_MIN, CONFIG_RATE_MAX),
	  .flag = "max-hashrate", .def = "380", .arg = "H",
	  .help = "tier maximum in H/s the reported rate must stay under" },
	{ .name = "margin", DBL(margin, 0, CONFIG_MARGIN_MAX), .def = "0.05", .arg = "F",
	  .help = "safety margin below max_hashrate (fraction)" },
	{ .name = "target_hashrate", DBL(target_hashrate, 0, CONFIG_RATE_MAX),
	  .flag = "target-hashrate", .def = "0", .arg = "H",
	  .help = "rate a faster board is paced to (0 = the wallet band's top or the "
		  "tier's max, whichever is lower, less margin)" },
	{ .name = "force_target", .type = OPT_FLAG, FIELD(force_target), .flag = "force-target",
	  .help = "accept a pacing target outside the wallet band or the tier's max" },
	{ .name = "threads_per_board", STR(threads_per_board), .flag = "threads-per-board",
	  .def = "1", .arg = "N|auto",
	  .help = "pool workers per board: 1, a number, or auto (as many as the board's "
		  "measured speed serves at the target with 10% to spare)" },
	{ .name = "max_workers", INT(max_workers, 1, CONFIG_POOL_WORKERS), .flag = "max-workers",
	  .def = "23", .arg = "N",
	  .help = "pool workers of the whole rig at most (above 23 the wallet warns of "
		  "low Kolka efficiency; the pool refuses above 50)" },
	{ .name = "duration", DBL(duration_s, 0, 1e9), .def = "0", .arg = "S",
	  .help = "stop after this many seconds (0 = until SIGTERM/SIGINT)" },
	{ .name = "joblog", STR(joblog), .def = "", .arg = "FILE",
	  .help = "job log: one JSON object per job per line (empty = none)" },
	{ .name = "log", STR(log), .def = "", .arg = "FILE",
	  .help = "log file (empty = stderr); SIGHUP reopens it" },
	{ .name = "log_level", ENUM(log_level, config_level_names), .flag = "log-level",
	  .def = "info", .arg = "LEVEL", .help = "least important log lines kept" },
	{ .name = "metrics", STR(metrics), .def = "", .arg = "FILE",
	  .help = "metrics file: JSON summary rewritten every 10 s and at exit (empty = none)" },
	{ .name = "watch_balance", DBL(watch_balance_s, 0, 86400), .flag = "watch-balance",
	  .def = "30", .arg = "S",
	  .help = "ask the REST API for the balance and miners every S s (0 = off)" },
	{ .name = "rest_api", STR(rest_api), .flag = "rest-api", .def = "", .arg = "BASE",
	  .help = "REST API for the balance and the key check (empty = pool_url's when "
		  "the pool is discovered there, none with a fixed pool)" },
	{ .name = "http", STR(http), .def = CONFIG_HTTP_DEFAULT, .arg = "ADDR:PORT",
	  .seen_off = offsetof(struct config, http_explicit),
	  .help = "serve /metrics, /api/status and the dashboard here (numeric address; "
		  "empty = off; another machine reaches it only at an address set here)" },
	{ .name = "http_token", STR(http_token), .flag = "http-token", .def = "",
	  .flags = OPT_F_SECRET, .arg = "TOKEN",
	  .help = "bearer token every HTTP request must carry (empty = none)" },
	{ .name = "no-table", .type = OPT_PRESET, .target = "status_table", .value = "off",
	  .help = "no live status table even on a terminal" },
	{ .name = "set", .type = OPT_SET, .arg = "KEY=VALUE", .help = "set any config key" },
	{ .name = "check-config", .type = OPT_FLAG, FIELD(check), .flags = OPT_F_NOKEY,
	  .help = "validate the configuration, print it (key masked) and exit" },
	{ .name = "check", .type = OPT_FLAG, FIELD(check_live), .flags = OPT_F_NOKEY,
	  .help = "start as the service would (buses, boards, pool), exit 0 once every "
		  "board has a job from the pool, 3 if one has none after 2 x job_timeout_s" },
	{ .name = "help", .type = OPT_FLAG, FIELD(help), .flags = OPT_F_NOKEY | OPT_F_EARLY,
	  .help = "print this help and exit" },
	{ .name = "version", .type = OPT_FLAG, FIELD(version), .flags = OPT_F_NOKEY | OPT_F_EARLY,
	  .help = "print the version and exit" },
	/* file and --set only */
	{ .name = "software", STR(software), .def = "ducorig AVR I2C Miner 0.1",
	  .flags = OPT_F_NOFLAG, .help = "software name sent with results (must contain AVR; with I2C the wallet's "
		  "\"AVR (I2C)\" class, else \"AVR (Normal)\")" },
	{ .name = "wallet_i2c_min", DBL(wallet_i2c_min, 0, CONFIG_RATE_MAX), .def = "225",
	  .flags = OPT_F_NOFLAG,
	  .help = "official wallet: an \"AVR (I2C)\" miner's reported rate is normal above this" },
	{ .name = "wallet_i2c_max", DBL(wallet_i2c_max, 0, CONFIG_RATE_MAX), .def = "270",
	  .flags = OPT_F_NOFLAG, .help = "... and below this, H/s" },
	{ .name = "wallet_avr_min", DBL(wallet_avr_min, 0, CONFIG_RATE_MAX), .def = "280",
	  .flags = OPT_F_NOFLAG,
	  .help = "the same for an \"AVR (Normal)\" miner (software without I2C)" },
	{ .name = "wallet_avr_max", DBL(wallet_avr_max, 0, CONFIG_RATE_MAX), .def = "380",
	  .flags = OPT_F_NOFLAG, .help = "... and below this, H/s" },
	{ .name = "slave_limits", STR(slave_limits), .def = "",
	  .flags = OPT_F_NOFLAG,
	  .help = "per-slave max and margin: 0x08=300/0.1,0x09=250 (others: global)" },
	{ .name = "health_interval_s", INT(health_interval_s, 0, 3600), .def = "30",
	  .flags = OPT_F_NOFLAG,
	  .help = "read each board's supply voltage, temperature and uptime every S s (0 off)" },
	{ .name = "health_calibration", STR(health_calibration), .def = "",
	  .flags = OPT_F_NOFLAG,
	  .help = "per slave: 0x08=bandgap_mV[/temp_offset_C[/temp_gain]] (others: 1100/0/1)" },
	{ .name = "job_sensor", ENUM(job_sensor, config_sensor_names), .def = "off",
	  .flags = OPT_F_NOFLAG,
	  .help = "health: the board's Vcc, temperature and uptime in each JOB line's sensor field" },
	{ .name = "poll_policy", ENUM(poll_policy, config_poll_names), .def = "adaptive",
	  .flags = OPT_F_NOFLAG, .help = "adaptive: polls of held results spaced out; interval: fixed" },
	{ .name = "poll_interval_ms", INT(poll_interval_ms, 1, 5000), .def = "20",
	  .flags = OPT_F_NOFLAG, .help = "status poll interval; bounds the result detection delay" },
	{ .name = "poll_max_gap_ms", INT(poll_max_gap_ms, 1, 60000), .def = "2000",
	  .flags = OPT_F_NOFLAG, .help = "longest gap between two polls of a busy slave" },
	{ .name = "connects_per_window", INT(connects_per_window, 1, 1000), .def = "50",
	  .flags = OPT_F_NOFLAG,
	  .help = "most pool connects per connect_window_s (the pool bans above 50/30 s)" },
	{ .name = "connect_window_s", INT(connect_window_s, 1, 3600), .def = "30",
	  .flags = OPT_F_NOFLAG, .help = "window for connects_per_window" },
	{ .name = "connect_stagger_ms", INT(connect_stagger_ms, 0, 60000), .def = "100",
	  .flags = OPT_F_NOFLAG, .help = "minimum gap between two pool connects" },
	{ .name = "job_timeout_s", INT(job_timeout_s, 1, 600), .def = "15",
	  .flags = OPT_F_NOFLAG, .help = "give up waiting for a job after this long" },
	{ .name = "verdict_timeout_s", INT(verdict_timeout_s, 1, 600), .def = "15",
	  .flags = OPT_F_NOFLAG, .help = "give up waiting for a verdict after this long" },
	{ .name = "key_check", ENUM(key_check, config_key_check_names), .def = "error",
	  .flags = OPT_F_NOFLAG,
	  .help = "mining key checked at start over REST: error (a wrong key exits 2), warn, off" },
	{ .name = "reward_div", DBL(reward_div, 1e-6, 1e12), .def = "37500",
	  .flags = OPT_F_NOFLAG,
	  .help = "Kolka divisor of the local estimate until the balance growth measures it" },
	{ .name = "status_table", ENUM(status_table, config_table_names), .def = "auto",
	  .flags = OPT_F_NOFLAG, .help = "live status table on stdout when it is a terminal" },
};

const struct opt_table config_table = {
	.prog = "ducomaster",
	OPT_ROWS(config_rows),
	.synopsis =
"Usage: ducomaster [options]\n"
"Drive AVR mining slaves on I2C buses against a Duino-Coin pool.\n\n"
"Options (each overrides the config file):\n",
	.footer =
"\nSignals: SIGTERM/SIGINT stop cleanly (summary printed), SIGUSR1 prints the\n"
"summary, SIGHUP reopens the log and job log.\n\n"
"Exit codes: 0 stopped normally (signal or --duration), 1 runtime failure of the\n"
"event loop, 2 bad command line or configuration, 3 start-up failure (bus cannot\n"
"be opened, no slave found, log or job log cannot be opened).\n",
};

/* One entry of an "ADDR=v[/v...]" list: its address and the n values it
 * gives; nonzero stops the walk, which returns it. */
typedef int (*config_entry_fn)(long addr, const double *vals, int n, void *arg);

static int config_walk_addr_list(const char *list, const struct config_slot *slots, int nslots,
				 config_entry_fn fn, void *arg, long *bad_addr);
static int config_check_targets(const struct config *c, char *err, size_t errlen);

const char *config_level_name(int level)
{
	if (level < 0 || level >= (int)(sizeof(config_level_names) / sizeof(config_level_names[0])) - 1)
		return "?";
	return config_level_names[level];
}

const char *config_tier_name(int tier)
{
	if (tier < 0 || tier > CONFIG_TIER_AUTO)
		return "?";
	return config_tier_names[tier];
}

void config_defaults(struct config *c)
{
	char err[128];

	memset(c, 0, sizeof(*c));
	/* the rows are fixed: a refused default is caught by the unit tests */
	(void)opt_defaults(&config_table, c, err, sizeof(err));
}

int config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen)
{
	return opt_set(&config_table, c, key, value, err, errlen);
}

int config_load_file(struct config *c, const char *path, char *err, size_t errlen)
{
	return opt_load_file(&config_table, c, path, err, errlen);
}

/* The text fields that go into the lines sent to the pool. */
static const struct {
	const char *name;
	size_t off;
} config_wire_fields[] = {
	{ "user", offsetof(struct config, user) },
	{ "rig_id", offsetof(struct config, rig_id) },
	{ "software", offsetof(struct config, software) },
	{ "mining_key", offsetof(struct config, mining_key) },
};

int config_validate(const struct config *c, char *err, size_t errlen)
{
	long bad_addr = 0;
	int rc;

	if (!c->user[0]) {
		snprintf(err, errlen, "user: required");
		return -EINVAL;
	}
	/* The sample's placeholder: mining for it would pay nobody. */
	if (!strcmp(c->user, CONFIG_USER_PLACEHOLDER)) {
		snprintf(err, errlen, "user: still the sample's placeholder '%s': "
			 "set your Duino-Coin user name", CONFIG_USER_PLACEHOLDER);
		return -EINVAL;
	}
	for (size_t i = 0; i < sizeof(config_wire_fields) / sizeof(config_wire_fields[0]); i++) {
		const char *v = (const char *)c + config_wire_fields[i].off;

		/* A comma splits the pool's fields, a newline ends its line. */
		for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
			if (*p == ',' || *p < 0x20 || *p == 0x7f) {
				snprintf(err, errlen, "%s: must not contain %s",
					 config_wire_fields[i].name,
					 *p == ',' ? "','" : "control characters");
				return -EINVAL;
			}
		}
	}
	/* The wallet classifies miners by these substrings; the name must be true. */
	if (!strstr(c->software, "AVR")) {
		snprintf(err, errlen, "software: must contain \"AVR\" (and \"I2C\" for the "
			 "wallet's I2C class)");
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
	if (c->http[0] && http_is_loopback(c->http) < 0) {
		snprintf(err, errlen, "http: '%s' is not a numeric ADDR:PORT "
			 "(127.0.0.1:9550, 0.0.0.0:9550, [::1]:9550)", c->http);
		return -EINVAL;
	}
	/* Asked for explicitly and not built in: say what to install. */
	if (c->http[0] && c->http_explicit && !http_available()) {
		snprintf(err, errlen, "http: this ducomaster was built without the HTTP "
			 "server: install libmicrohttpd-dev and rebuild (make master), or set "
			 "http to \"\"");
		return -ENOTSUP;
	}
	rc = http_token_check(c->http_token);
	if (rc == -EINVAL) {
		snprintf(err, errlen, "http_token: only visible ASCII characters, no spaces");
		return -EINVAL;
	}
	if (rc) {
		snprintf(err, errlen, "http_token: at most %d characters", HTTP_MAX_TOKEN);
		return -EINVAL;
	}
	rc = config_walk_addr_list(c->slave_limits, config_limit_slots,
				   CONFIG_NSLOTS(config_limit_slots), NULL, NULL, &bad_addr);
	if (rc == -ENODATA) {
		snprintf(err, errlen, "slave_limits: 0x%02lx= has no max (addr=max[/margin],...)",
			 bad_addr);
		return -EINVAL;
	}
	if (rc < 0) {
		snprintf(err, errlen, "slave_limits: '%s' is not addr=max[/margin],... "
			 "(max %g..%g, margin 0..%g)", c->slave_limits, CONFIG_RATE_MIN,
			 CONFIG_RATE_MAX, CONFIG_MARGIN_MAX);
		return -EINVAL;
	}
	rc = config_walk_addr_list(c->health_calibration, config_cal_slots,
				   CONFIG_NSLOTS(config_cal_slots), NULL, NULL, &bad_addr);
	if (rc == -ENODATA) {
		snprintf(err, errlen, "health_calibration: 0x%02lx= has no bandgap_mV "
			 "(addr=bandgap_mV[/offset_C[/gain]],...)", bad_addr);
		return -EINVAL;
	}
	if (rc < 0) {
		snprintf(err, errlen, "health_calibration: '%s' is not addr=bandgap_mV[/offset_C"
			 "[/gain]],... (bandgap %d..%d mV, offset -%g..%g C, gain %g..%g)",
			 c->health_calibration, CONFIG_BANDGAP_MIN, CONFIG_BANDGAP_MAX,
			 CONFIG_TEMP_OFFSET_MAX, CONFIG_TEMP_OFFSET_MAX, CONFIG_TEMP_GAIN_MIN,
			 CONFIG_TEMP_GAIN_MAX);
		return -EINVAL;
	}
	if (!(c->wallet_i2c_min < c->wallet_i2c_max) || !(c->wallet_avr_min < c->wallet_avr_max)) {
		snprintf(err, errlen, "wallet_%s_min: must be below wallet_%s_max",
			 c->wallet_i2c_min < c->wallet_i2c_max ? "avr" : "i2c",
			 c->wallet_i2c_min < c->wallet_i2c_max ? "avr" : "i2c");
		return -EINVAL;
	}
	if (config_threads(c) < 0) {
		snprintf(err, errlen, "threads_per_board: '%s' is neither auto nor 1..%d",
			 c->threads_per_board, CONFIG_POOL_WORKERS);
		return -EINVAL;
	}
	if (config_threads(c) > c->max_workers) {
		snprintf(err, errlen, "threads_per_board: %d is above max_workers %d",
			 config_threads(c), c->max_workers);
		return -EINVAL;
	}
	if (!c->force_target) {
		rc = config_check_targets(c, err, errlen);
		if (rc < 0)
			return rc;
	}
	if (strcmp(c->slaves, "scan")) {
		char tmp[sizeof(c->slaves)], *save = NULL, *tok, *end;

		snprintf(tmp, sizeof(tmp), "%s", c->slaves);
		for (tok = strtok_r(tmp, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
			long a = strtol(tok, &end, 0);

			if (*end || a < DUCO_ADDR_MIN || a > DUCO_ADDR_MAX) {
				snprintf(err, errlen, "slaves: '%s' is not an address 0x%02x..0x%02x",
					 tok, DUCO_ADDR_MIN, DUCO_ADDR_MAX);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/*
 * Walk an "ADDR=v[/v...],..." list (slave_limits, health_calibration): each
 * entry, split at ',' or ' ', is an I2C address, '=', its first value, then
 * up to nslots - 1 more after '/', each within its slot's bounds; fn (if
 * any) sees each entry in turn. Returns 0, fn's nonzero value, -ENODATA for
 * an entry without its first value (*bad_addr is its address) or -EINVAL.
 */
static int config_walk_addr_list(const char *list, const struct config_slot *slots, int nslots,
				 config_entry_fn fn, void *arg, long *bad_addr)
{
	char tmp[CONFIG_ADDR_LIST], *save = NULL, *tok, *end;

	snprintf(tmp, sizeof(tmp), "%s", list);
	for (tok = strtok_r(tmp, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		long addr = strtol(tok, &end, 0);
		double vals[CONFIG_SLOTS_MAX];
		int n, rc;

		if (*end != '=' || addr < DUCO_ADDR_MIN || addr > DUCO_ADDR_MAX)
			return -EINVAL;
		for (n = 0; n < nslots && (n == 0 || *end == '/'); n++) {
			tok = end + 1;
			vals[n] = strtod(tok, &end);
			if (end == tok && n == 0 && (*tok == '\0' || *tok == '/')) {
				if (bad_addr)
					*bad_addr = addr;
				return -ENODATA;
			}
			/* written so that nan fails every bound */
			if (end == tok || !(vals[n] >= slots[n].min && vals[n] <= slots[n].max))
				return -EINVAL;
		}
		if (*end)
			return -EINVAL;
		if (fn && (rc = fn(addr, vals, n, arg)) != 0)
			return rc;
	}
	return 0;
}

/* A lookup of one address: its entry's values over the caller's defaults. */
struct config_pick {
	long addr;
	double *vals;
};

static int config_pick_entry(long addr, const double *vals, int n, void *arg)
{
	struct config_pick *p = arg;

	if (addr != p->addr)
		return 0;
	memcpy(p->vals, vals, (size_t)n * sizeof(*vals));
	return 1;
}

int config_health_cal(const struct config *c, uint8_t addr, double *bandgap_mv,
		      double *offset_c, double *gain)
{
	double vals[] = { DUCO_BANDGAP_MV_DEFAULT, 0, 1 };
	struct config_pick pick = { .addr = addr, .vals = vals };
	int found = config_walk_addr_list(c->health_calibration, config_cal_slots,
					  CONFIG_NSLOTS(config_cal_slots), config_pick_entry,
					  &pick, NULL) == 1;

	*bandgap_mv = vals[0];
	*offset_c = vals[1];
	*gain = vals[2];
	return found;
}

const char *config_band(const struct config *c, double *lo, double *hi)
{
	if (strstr(c->software, "I2C")) {
		*lo = c->wallet_i2c_min;
		*hi = c->wallet_i2c_max;
		return "AVR (I2C)";
	}
	*lo = c->wallet_avr_min;
	*hi = c->wallet_avr_max;
	return "AVR (Normal)";
}

int config_threads(const struct config *c)
{
	char *end;
	long n;

	if (!strcmp(c->threads_per_board, "auto"))
		return 0;
	n = strtol(c->threads_per_board, &end, 10);
	if (end == c->threads_per_board || *end || n < 1 || n > CONFIG_POOL_WORKERS)
		return -1;
	return (int)n;
}

double config_target(const struct config *c, double max, double margin)
{
	double lo, hi;

	if (c->target_hashrate > 0)
		return c->target_hashrate;
	config_band(c, &lo, &hi);
	return (hi < max ? hi : max) * (1.0 - margin);
}

/* One pacing target against the band and the tier's maximum. */
static int config_check_target(const struct config *c, const char *who, double max,
			       double margin, char *err, size_t errlen)
{
	double lo, hi, t = config_target(c, max, margin);
	const char *cls = config_band(c, &lo, &hi);

	if (!(t > lo && t < hi)) {
		snprintf(err, errlen, "target_hashrate: %s%.1f H/s is outside the wallet's "
			 "normal band %g < h < %g of an \"%s\" miner (--force-target to use it "
			 "anyway)", who, t, lo, hi, cls);
		return -EINVAL;
	}
	if (!(t < max)) {
		snprintf(err, errlen, "target_hashrate: %s%.1f H/s is not below the tier's "
			 "max_hashrate %g (the pool would move the board up a tier; "
			 "--force-target to use it anyway)", who, t, max);
		return -EINVAL;
	}
	return 0;
}

struct config_targets {
	const struct config *c;
	char *err;
	size_t errlen;
};

/* One slave_limits entry's target. The limits of its address, as the rig
 * looks them up (the first entry of an address wins), not the entry's own. */
static int config_check_entry_target(long addr, const double *vals, int n, void *arg)
{
	const struct config_targets *t = arg;
	double max, margin;
	char who[32];

	(void)vals;
	(void)n;
	if (config_slave_limit(t->c, (uint8_t)addr, &max, &margin) != 1)
		return 0;
	snprintf(who, sizeof(who), "slave 0x%02lx: ", addr);
	return config_check_target(t->c, who, max, margin, t->err, t->errlen);
}

/* Every target in use: the global one and each slave_limits entry's. */
static int config_check_targets(const struct config *c, char *err, size_t errlen)
{
	struct config_targets t = { .c = c, .err = err, .errlen = errlen };
	int rc = config_check_target(c, "", c->max_hashrate, c->margin, err, errlen);

	if (rc == 0)
		rc = config_walk_addr_list(c->slave_limits, config_limit_slots,
					   CONFIG_NSLOTS(config_limit_slots),
					   config_check_entry_target, &t, NULL);
	return rc;
}

int config_slave_limit(const struct config *c, uint8_t addr, double *max, double *margin)
{
	double vals[] = { c->max_hashrate, c->margin };
	struct config_pick pick = { .addr = addr, .vals = vals };
	int found = config_walk_addr_list(c->slave_limits, config_limit_slots,
					  CONFIG_NSLOTS(config_limit_slots), config_pick_entry,
					  &pick, NULL) == 1;

	*max = vals[0];
	*margin = vals[1];
	return found;
}

int config_file_exposed(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	/* Group read is how the service reads it (0640 root:ducorig, as
	 * installed); every other user reading it is the exposure. */
	return (st.st_mode & S_IROTH) != 0;
}
