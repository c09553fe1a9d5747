/*
 * earnwatch.h - what the rig earns, inside ducomaster: the mining key check
 * at start and the balance watch (every watch_balance s) over the REST API,
 * with the host library's REST client and earnings arithmetic (lib/rest,
 * lib/earn) driven by the rig's event loop, and the local estimate when no
 * REST answer is to be had. Its figures are one snapshot
 * (earnwatch_snapshot) that the live table, the summary, the metrics file
 * and the job log's "earnings" records read.
 *
 * States, in order: EW_OFF (no REST API: estimate only), EW_KEY (the key
 * check under way), EW_WATCH (balance ticks). A wrong key with key_check
 * "error" stops the rig with exit 2 (it would mine for nothing); "warn"
 * logs it and goes on; "off" skips the check.
 */
#ifndef EARNWATCH_H
#define EARNWATCH_H

#include <stdint.h>
#include <stdio.h>
#include "config.h"
#include "earn.h"
#include "evloop.h"
#include "joblog.h"
#include "miner.h"
#include "rest.h"

#define EARNWATCH_RECENT_S       600.0  /* "last minutes": DUCO/day over 10 min */
#define EARNWATCH_RECORD_S       60     /* estimate records without REST */
#define EARNWATCH_CALIB_SHARES   20     /* paid shares before the divisor is measured */
#define JOBLOG_TYPE_EARNINGS     "earnings"

enum earnwatch_state {
	EW_OFF = 0,     /* no REST API to ask: the estimate only */
	EW_KEY,         /* /mining_key asked, waiting */
	EW_WATCH,       /* balance ticks */
};

enum earnwatch_key {
	EW_KEY_UNCHECKED = 0,
	EW_KEY_OK,
	EW_KEY_NO_KEY,          /* the account has no key */
	EW_KEY_WRONG,
	EW_KEY_UNKNOWN,         /* the check failed (no answer, bad answer) */
};

/* Everything the views show, at one moment. */
struct earnwatch_snap {
	int rest;                       /* a REST API is configured */
	int have;                       /* at least one balance answer */
	const char *source;             /* "rest" or "estimate": what duco_per_day is */
	double balance, gained;         /* DUCO, since the first answer */
	double duco_per_day;            /* measured over the last EARNWATCH_RECENT_S */
	double recent_s;                /* time that covers */
	double duco_per_day_since_start;
	unsigned miners;                /* rows the server lists for the user */
	double server_hashrate;         /* their sum */
	double est_duco, est_duco_per_day;      /* the local estimate (rig) */
	double reward_div;              /* divisor in use */
	int calibrated;                 /* 1: measured from the balance growth */
	enum earnwatch_key key;
	const char *key_text;
	const char *last_error;         /* "" none */
	uint64_t requests, failures;
	double since_answer_s;          /* age of the last answer (-1 none) */
};

struct earnwatch {
	const struct config *cfg;
	struct evloop *el;
	struct joblog *joblog;
	struct miner *const *slaves;
	int nslaves;
	enum earnwatch_state state;
	enum earnwatch_key key;
	struct rest_client rest;
	int rest_ok;
	long long timer;
	int64_t start_us, last_answer_us;
	struct earn_window win;
	unsigned miners;
	double server_hashrate;
	double weight0;                 /* estimate weights at the first answer */
	double div;
	int calibrated;
	char error[200];
	int stop_code;                  /* > 0: the rig must stop with this exit code */
};

/* Set up; start the key check / the ticks on el. 0 or -errno (then
 * the estimate alone). */
int  earnwatch_start(struct earnwatch *w, const struct config *cfg, struct evloop *el,
		     struct joblog *joblog, struct miner *const *slaves, int nslaves);
void earnwatch_stop(struct earnwatch *w);
void earnwatch_snapshot(const struct earnwatch *w, struct earnwatch_snap *s);
/* The REST base URL the config asks for, "" for none. */
const char *earnwatch_api(const struct config *cfg);

/* Views. */
void earnwatch_text(FILE *f, const struct earnwatch *w);       /* summary lines */
void earnwatch_table_line(FILE *f, const struct earnwatch *w); /* the live table's header */
struct cJSON;
int  earnwatch_json(struct cJSON *o, const struct earnwatch *w);        /* adds "earnings" */
/* An "earnings" job-log record now. */
void earnwatch_record(struct earnwatch *w);

#endif
