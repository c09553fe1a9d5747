/*
 * config.h - ducomaster's settings: its rows of the host library's option
 * table (lib/options.h: key, type, bounds, default, help) drive the
 * defaults, the JSON config file, the command-line flags and --set, --help
 * and --check-config, and the error messages, which always name the failing
 * key (and for a file, the file and line). What the table cannot say lives
 * here too: the checks across keys and the per-slave limits. The mining key
 * is flagged secret: it is never logged, printed or echoed back in an error.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stdint.h>
#include "options.h"

#define CONFIG_MAX_BUSES  8
/* master/ducomaster.sample.json's user: refused by config_validate */
#define CONFIG_USER_PLACEHOLDER "your_duco_username"
#define CONFIG_MAX_SLAVES 128   /* per rig, all buses */
#define CONFIG_STR 128
/* The text of a per-slave "ADDR=v[/v...],..." list (slave_limits, health_calibration). */
#define CONFIG_ADDR_LIST 512
/* The pool refuses more workers than this per user ("Too many workers"). */
#define CONFIG_POOL_WORKERS 50
/* Where the HTTP side listens unless told otherwise: this machine only. */
#define CONFIG_HTTP_DEFAULT "127.0.0.1:9550"

enum config_tier_policy {
	CONFIG_TIER_AVR = 0,    /* fixed tier, hold results to stay under its max */
	CONFIG_TIER_MEGA,
	CONFIG_TIER_ARM,
	CONFIG_TIER_DUE,
	CONFIG_TIER_AUTO,       /* pick the tier from the measured speed */
};

enum config_key_check {
	CONFIG_KEY_CHECK_ERROR = 0,     /* a wrong key stops the rig (exit 2) */
	CONFIG_KEY_CHECK_WARN,          /* logged, the rig mines on */
	CONFIG_KEY_CHECK_OFF,           /* not asked */
};

enum config_poll_policy {
	CONFIG_POLL_ADAPTIVE = 0,   /* geometric for held results, interval otherwise */
	CONFIG_POLL_INTERVAL = 1,   /* fixed interval always */
};

struct config {
	char user[CONFIG_STR];
	char mining_key[CONFIG_STR];    /* secret */
	char rig_id[CONFIG_STR];
	char software[CONFIG_STR];
	char pool[CONFIG_STR];          /* host:port, "" = discover */
	char pool_url[CONFIG_STR];      /* getPool base URL */
	char dns_servers[CONFIG_STR];   /* c-ares servers, "" = the system's */
	int  pool_url_explicit;         /* pool_url was given (file or flag) */
	char buses[CONFIG_MAX_BUSES][CONFIG_STR];
	int  nbuses;
	char slaves[512];               /* "scan" or "0x08,0x09,..." */
	int  tier;                      /* enum config_tier_policy */
	double max_hashrate;            /* tier max, H/s */
	double margin;                  /* safety margin, fraction */
	/* The official web wallet's "normal" hashrate bands per software
	 * class (exclusive bounds): I2C in the software name, else AVR. */
	double wallet_i2c_min, wallet_i2c_max;
	double wallet_avr_min, wallet_avr_max;
	double target_hashrate;         /* pacing target, H/s; 0 = derived */
	int  force_target;              /* accept a target outside the band or tier */
	char threads_per_board[8];      /* "1" (default), "N" or "auto" */
	int  max_workers;               /* pool workers of the whole rig, at most */
	char slave_limits[CONFIG_ADDR_LIST];       /* per slave: "0x08=300/0.1,0x09=250" */
	int  health_interval_s;         /* HEALTH read every so often, 0 off */
	char health_calibration[CONFIG_ADDR_LIST]; /* per slave: "0x08=1085/-3.5/1.0" */
	int  job_sensor;                /* 0 off, 1 health: JOB line's sensor field */
	int  poll_policy;               /* enum config_poll_policy */
	int  poll_interval_ms;
	int  poll_max_gap_ms;
	int  connects_per_window;
	int  connect_window_s;
	int  connect_stagger_ms;
	int  job_timeout_s;
	int  verdict_timeout_s;
	double duration_s;              /* 0 = run until stopped */
	char log[CONFIG_STR];
	int  log_level;                 /* enum mlog_level */
	char joblog[CONFIG_STR];
	char metrics[CONFIG_STR];
	int  status_table;              /* 0 off, 1 auto (only on a terminal) */
	double watch_balance_s;         /* balance over REST every so often, 0 off */
	char rest_api[CONFIG_STR];      /* REST base URL, "" = pool_url's when discovering */
	int  key_check;                 /* enum config_key_check */
	double reward_div;              /* the local estimate's Kolka divisor */
	char http[CONFIG_STR];          /* ADDR:PORT of the HTTP side, "" = off */
	int  http_explicit;             /* http was given (file or flag) */
	char http_token[CONFIG_STR];    /* secret: bearer token, "" = none */

	/* command line only */
	char config_path[CONFIG_STR * 2];
	int  check, help, version;
	int  check_live;                /* --check: boards and pool, then exit */
};

/* ducomaster's rows; opt_parse() reads argv and the --config file with it. */
extern const struct opt_table config_table;

/* Fill every field with its default. */
void config_defaults(struct config *c);
/* One key from text, as --set does. 0, or -EINVAL / -ERANGE / -ENOENT with err naming the key. */
int  config_set(struct config *c, const char *key, const char *value, char *err, size_t errlen);
/* Load a JSON object file; unknown keys and bad values are errors naming file, line and key. */
int  config_load_file(struct config *c, const char *path, char *err, size_t errlen);
/* Cross-field checks after all sources are applied. */
int  config_validate(const struct config *c, char *err, size_t errlen);
/* 1 when the file can be read by group or others (the key is in it). */
int  config_file_exposed(const char *path);

const char *config_tier_name(int tier);
const char *config_level_name(int level);  /* log_level's name: error .. debug */
/*
 * The max hashrate and margin for the slave at addr: the slave_limits entry
 * for it, else the global values. A missing margin in an entry means the
 * global margin. Returns 1 when an entry matched, 0 otherwise.
 */
int  config_slave_limit(const struct config *c, uint8_t addr, double *max, double *margin);
/*
 * The health calibration of the slave at addr (docs/health.md): its
 * bandgap in mV, the temperature offset in C and the gain around 25 C
 * (duco_health_temp_c); the health_calibration entry for it, else the
 * datasheet's typical values (1100 mV, 0, 1). 1 when an entry matched.
 */
int  config_health_cal(const struct config *c, uint8_t addr, double *bandgap_mv,
		       double *offset_c, double *gain);
/*
 * The wallet band of the configured software class: "I2C" in the software
 * name is the wallet's "AVR (I2C)" class, otherwise "AVR (Normal)". Returns
 * the class name; *lo and *hi are the exclusive bounds.
 */
const char *config_band(const struct config *c, double *lo, double *hi);
/* threads_per_board as a number: 1..CONFIG_POOL_WORKERS, 0 = auto, -1 = invalid. */
int  config_threads(const struct config *c);
/*
 * The rate a board faster than it is paced to, for a tier maximum and margin
 * (config_slave_limit's): target_hashrate when set, else the lower of the
 * band's top and the tier's maximum, less the margin.
 */
double config_target(const struct config *c, double max, double margin);

#endif
