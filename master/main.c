/*
 * main.c - ducomaster's command line: the option table (master/config.c)
 * reads the config file and applies the flags (each one a config key,
 * checked by the same rows), then the rig takes over. Fatal exits happen
 * only here, at start-up, with the exit codes listed in --help and the
 * README. Assumes Linux and libcurl's global init being safe to call once
 * before anything else runs.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "mlog.h"
#include "rig.h"

int main(int argc, char **argv)
{
	static struct config cfg;
	static struct rig rig;
	char err[512];
	int rc;

	config_defaults(&cfg);
	/* the --config file first, then the flags in their order */
	rc = opt_parse(&config_table, &cfg, argc, argv, NULL, err, sizeof(err));
	if (rc < 0) {
		/* The installed config is the service's (0640 root:ducorig). */
		fprintf(stderr, "ducomaster: %s%s\n", err, rc == -EACCES ?
			" (readable by the service's group: sudo -u ducorig ducomaster ...)" : "");
		return RIG_EXIT_USAGE;
	}
	if (cfg.help) {
		opt_help(&config_table, stdout);
		return RIG_EXIT_OK;
	}
	if (cfg.version) {
		printf("ducomaster (ducorig) %s\n", DUCOMASTER_VERSION);
		return RIG_EXIT_OK;
	}
	if (cfg.config_path[0] && config_file_exposed(cfg.config_path))
		fprintf(stderr, "ducomaster: warning: %s is readable by every user and may "
			"hold the mining key (chmod o-r it: the service reads it as group "
			"ducorig, mode 0640)\n", cfg.config_path);
	if (config_validate(&cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "ducomaster: config: %s\n", err);
		return RIG_EXIT_USAGE;
	}
	if (cfg.check) {
		opt_dump(&config_table, &cfg, stdout);
		printf("configuration OK\n");
		if (!cfg.check_live)
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
