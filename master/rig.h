/*
 * rig.h - the whole daemon around one event loop: the buses, one struct
 * slave per AVR, their pool sockets and timers, pool discovery, signals, the
 * live table, the metrics file and the job log. Each board (master/board.h)
 * has threads_per_board workers (struct miner), each with its own pool
 * connection and timer. main.c only parses the
 * command line and calls rig_open / rig_run / rig_close.
 */
#ifndef RIG_H
#define RIG_H

#include <stdint.h>
#include "bus.h"
#include "config.h"
#include "discover.h"
#include "earnwatch.h"
#include "evloop.h"
#include "history.h"
#include "http.h"
#include "joblog.h"
#include "ratelimit.h"
#include "miner.h"
#include "resolve.h"
#include "status.h"

#define DUCOMASTER_VERSION "0.1"

/* Exit codes of ducomaster (also in --help and the README). */
enum rig_exit {
	RIG_EXIT_OK      = 0,   /* stopped by SIGTERM/SIGINT or --duration */
	RIG_EXIT_RUNTIME = 1,   /* the event loop failed */
	RIG_EXIT_USAGE   = 2,   /* bad command line or configuration */
	RIG_EXIT_STARTUP = 3,   /* a bus could not be opened, or no slave found */
};

struct rig_slave {
	struct miner s;         /* first: a struct miner * is a struct rig_slave * */
	struct rig *rig;
	long long timer;
	int reg_fd;             /* fd registered with the loop, -1 none */
	int reg_mask;
};

struct rig {
	struct config *cfg;
	struct evloop *el;
	struct mclock clock;
	struct bus buses[CONFIG_MAX_BUSES];
	int nbuses;
	struct board *boards[CONFIG_MAX_SLAVES];
	int nboards;
	/* the pool workers, every board's in turn (threads_per_board each) */
	struct rig_slave **rs;
	struct miner **slaves;
	int nslaves, cap;
	struct miner_env env;
	struct ratelimit_conn conn;
	struct joblog joblog;
	struct report_run report;       /* what the summary prints (lib/report) */
	struct discover disc;
	struct resolver *resolver;
	int use_discovery;
	int discover_attempt;
	long long disc_timer;
	int sigfd;
	int table;              /* live table on stdout */
	struct earnwatch earn;  /* key check, balance watch, local estimate */
	int64_t table_paused_until_us;  /* after a SIGUSR1 summary */
	int64_t house_since_us;         /* housekeeping put off since (rig_house_wait), 0: not */
	int64_t start_us;
	int64_t start_wall_us;          /* for process_start_time_seconds */
	int exit_code;
	struct http_server *http;       /* NULL: no HTTP side */
	struct status_snap snap;        /* the live state, see rig_snapshot */
	struct history history;         /* the last hour, for the dashboard */
};

/* Open buses, find slaves, prepare the loop. RIG_EXIT_* on failure (err says why). */
int  rig_open(struct rig *r, struct config *cfg, char *err, unsigned errlen);
/* Run until a stop signal or the duration. Returns an exit code. */
int  rig_run(struct rig *r);
/* Stop slaves, print the summary, close everything. */
void rig_close(struct rig *r);
double rig_uptime_s(const struct rig *r);
/* Take the live snapshot into r->snap (what every view shows). */
void rig_snapshot(struct rig *r);

#endif
