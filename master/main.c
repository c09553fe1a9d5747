/*
 * main.c - ducomaster's command line: read the config file, apply the flags
 * (each one a config key, checked by the same table), then hand over to the
 * rig. Fatal exits happen only here, at start-up, with the exit codes listed
 * in usage() and the README. Assumes Linux and libcurl's global init being
 * safe to call once before anything else runs.
 */
#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "mlog.h"
#include "rig.h"

#define DUCOMASTER_VERSION "0.1"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ducomaster [options]\n"
"Drive AVR mining slaves on I2C buses against a Duino-Coin pool.\n\n"
"Options (each overrides the config file):\n"
"  --config <file>        JSON config file (keys below)\n"
"  --pool <host:port>     pool address (no discovery unless --pool-url is given too)\n"
"  --pool-url <base>      discover the pool through <base>/getPool\n"
"  --bus <spec>           sim:<socket path> or /dev/i2c-N (repeat for more buses)\n"
"  --slaves <list>        0x08,0x09,... or scan\n"
"  --user <name>          Duino-Coin username\n"
"  --key <key>            mining key (never logged; prefer the config file)\n"
"  --rig <id>             rig identifier\n"
"  --tier <t>             AVR (default), MEGA, ARM, DUE or auto\n"
"  --max-hashrate <h>     tier maximum in H/s (default 380)\n"
"  --margin <f>           safety margin below the maximum (default 0.05)\n"
"  --duration <seconds>   stop after this long (0 = until SIGTERM/SIGINT)\n"
"  --joblog <file>        job log, one JSON object per job per line\n"
"  --log <file>           log file (default stderr); --log-level error|warn|info|debug\n"
"  --metrics <file>       JSON summary rewritten every 10 s and at exit\n"
"  --no-table             no live status table even on a terminal\n"
"  --set <key>=<value>    set any config key\n"
"  --check-config         validate the configuration and exit\n"
"  --help, --version\n\n"
"Signals: SIGTERM/SIGINT stop cleanly (summary printed), SIGUSR1 prints the\n"
"summary, SIGHUP reopens the log and job log.\n\n"
"Exit codes: 0 stopped normally (signal or --duration), 1 runtime failure of the\n"
"event loop, 2 bad command line or configuration, 3 start-up failure (bus cannot\n"
"be opened, no slave found, log or job log cannot be opened).\n\n"
"Config keys:\n");
	config_print_keys(f);
}

enum main_opt {
	OPT_CONFIG = 256, OPT_POOL, OPT_POOL_URL, OPT_BUS, OPT_SLAVES, OPT_USER, OPT_KEY,
	OPT_RIG, OPT_TIER, OPT_MAX_HASHRATE, OPT_MARGIN, OPT_DURATION, OPT_JOBLOG, OPT_LOG,
	OPT_LOG_LEVEL, OPT_METRICS, OPT_NO_TABLE, OPT_SET, OPT_CHECK, OPT_HELP, OPT_VERSION,
};

static const struct option main_opts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "pool", required_argument, NULL, OPT_POOL },
	{ "pool-url", required_argument, NULL, OPT_POOL_URL },
	{ "bus", required_argument, NULL, OPT_BUS },
	{ "slaves", required_argument, NULL, OPT_SLAVES },
	{ "user", required_argument, NULL, OPT_USER },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "rig", required_argument, NULL, OPT_RIG },
	{ "tier", required_argument, NULL, OPT_TIER },
	{ "max-hashrate", required_argument, NULL, OPT_MAX_HASHRATE },
	{ "margin", required_argument, NULL, OPT_MARGIN },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "joblog", required_argument, NULL, OPT_JOBLOG },
	{ "log", required_argument, NULL, OPT_LOG },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "no-table", no_argument, NULL, OPT_NO_TABLE },
	{ "set", required_argument, NULL, OPT_SET },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* Flag -> config key; the value is checked by config_set like a file value. */
static const char *main_opt_key(int opt)
{
	switch (opt) {
	case OPT_POOL: return "pool";
	case OPT_POOL_URL: return "pool_url";
	case OPT_SLAVES: return "slaves";
	case OPT_USER: return "user";
	case OPT_KEY: return "mining_key";
	case OPT_RIG: return "rig_id";
	case OPT_TIER: return "tier";
	case OPT_MAX_HASHRATE: return "max_hashrate";
	case OPT_MARGIN: return "margin";
	case OPT_DURATION: return "duration";
	case OPT_JOBLOG: return "joblog";
	case OPT_LOG: return "log";
	case OPT_LOG_LEVEL: return "log_level";
	case OPT_METRICS: return "metrics";
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	static struct rig rig;
	char err[256], buses[CONFIG_MAX_BUSES * CONFIG_STR] = "";
	const char *config_path = NULL;
	int opt, check = 0, rc;

	config_defaults(&cfg);
	/* First pass: the config file, so flags override it whatever their order. */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", main_opts, NULL)) != -1) {
		if (opt == OPT_CONFIG)
			config_path = optarg;
		else if (opt == OPT_HELP) {
			usage(stdout);
			return RIG_EXIT_OK;
		} else if (opt == OPT_VERSION) {
			printf("ducomaster (ducorig) %s\n", DUCOMASTER_VERSION);
			return RIG_EXIT_OK;
		}
	}
	if (config_path) {
		if (config_load_file(&cfg, config_path, err, sizeof(err)) < 0) {
			fprintf(stderr, "ducomaster: config: %s\n", err);
			return RIG_EXIT_USAGE;
		}
		if (config_file_exposed(config_path))
			fprintf(stderr, "ducomaster: warning: %s is readable by group or others "
				"and may hold the mining key (chmod 600 it)\n", config_path);
	}
	optind = 1;
	opterr = 1;
	while ((opt = getopt_long(argc, argv, "", main_opts, NULL)) != -1) {
		const char *key = main_opt_key(opt);
		char *eq;

		rc = 0;
		if (key) {
			rc = config_set(&cfg, key, optarg, err, sizeof(err));
		} else if (opt == OPT_BUS) {
			size_t n = strlen(buses);

			snprintf(buses + n, sizeof(buses) - n, "%s%s", n ? "," : "", optarg);
		} else if (opt == OPT_NO_TABLE) {
			rc = config_set(&cfg, "status_table", "off", err, sizeof(err));
		} else if (opt == OPT_SET) {
			eq = strchr(optarg, '=');
			if (!eq) {
				fprintf(stderr, "ducomaster: --set %s: expected key=value\n", optarg);
				return RIG_EXIT_USAGE;
			}
			*eq = '\0';
			rc = config_set(&cfg, optarg, eq + 1, err, sizeof(err));
		} else if (opt == OPT_CHECK) {
			check = 1;
		} else if (opt == '?') {
			fprintf(stderr, "ducomaster: try --help\n");
			return RIG_EXIT_USAGE;
		}
		if (rc < 0) {
			fprintf(stderr, "ducomaster: %s\n", err);
			return RIG_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ducomaster: unexpected argument '%s'\n", argv[optind]);
		return RIG_EXIT_USAGE;
	}
	if (buses[0] && config_set(&cfg, "buses", buses, err, sizeof(err)) < 0) {
		fprintf(stderr, "ducomaster: %s\n", err);
		return RIG_EXIT_USAGE;
	}
	if (config_validate(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "ducomaster: config: %s\n", err);
		return RIG_EXIT_USAGE;
	}
	if (check) {
		config_dump(&cfg, stdout);
		printf("configuration OK\n");
		return RIG_EXIT_OK;
	}
	if (mlog_open(cfg.log, (enum mlog_level)cfg.log_level) < 0) {
		fprintf(stderr, "ducomaster: log %s: cannot open\n", cfg.log);
		return RIG_EXIT_STARTUP;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	mlog_info("ducomaster %s starting: user %s, software \"%s\", %d bus(es)",
		  DUCOMASTER_VERSION, cfg.user, cfg.software, cfg.nbuses);
	rc = rig_open(&rig, &cfg, err, sizeof(err));
	if (rc != RIG_EXIT_OK) {
		mlog_error("start-up: %s", err);
		if (!mlog_to_tty() && cfg.log[0])
			fprintf(stderr, "ducomaster: %s\n", err);
		rig_close(&rig);
		curl_global_cleanup();
		return rc;
	}
	rc = rig_run(&rig);
	rig_close(&rig);
	mlog_info("ducomaster stopped (exit %d)", rc);
	mlog_close();
	curl_global_cleanup();
	return rc;
}
