/*
 * rig.c - glue between the event loop and the slaves.
 * Assumes one thread; signals arrive through a signalfd, so no handler ever
 * runs between two statements of a state machine step. After every event a
 * slave runs until it waits, then its socket registration and its timer are
 * brought in line with what it waits for.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <cJSON.h>
#include "mlog.h"
#include "summary.h"
#include "rig.h"
#include "table.h"
#include "web.h"

#define RIG_FAR_US            (3600 * 1000000LL)
/* The loop's timer granularity: a held share leaves up to this late by the
 * rounding alone, and a 1-nonce share has only 0.74 ms of band (225..270). */
#define RIG_TIMER_SLACK_US    200
#define RIG_DISCOVER_BASE_US  (15 * 1000000LL)   /* official miner: 15 s */
#define RIG_DISCOVER_CAP_US   (300 * 1000000LL)
#define RIG_REDISCOVER_AFTER  4                   /* "more than 3 failed connects" */
#define RIG_TABLE_US          500000
/* After a SIGUSR1 summary the table waits this long, so it can be read. */
#define RIG_TABLE_PAUSE_US    (30 * 1000000LL)
#define RIG_METRICS_US        (10 * 1000000LL)
/* Housekeeping (a file written, a snapshot of every worker, the table) is
 * assumed to hold the loop this long; put off for a share's moment, it
 * still runs within RIG_HOUSE_DEFER_MAX_US. */
#define RIG_HOUSE_US          3000
#define RIG_HOUSE_DEFER_MAX_US (100 * 1000LL)
#define RIG_CHECK_POLL_US     100000
/* Jobs behind the summary's windows and percentiles: a few hours of a rig,
 * ~3 MB at most (the sums cover every job). */
#define RIG_REPORT_SAMPLES    65536

double rig_uptime_s(const struct rig *r)
{
	return (mclock_now_us(&r->clock) - r->start_us) / 1e6;
}

void rig_snapshot(struct rig *r)
{
	status_take(&r->snap, r->slaves, r->nslaves, rig_uptime_s(r), mclock_now_us(&r->clock),
		    r->env.pool_addr);
	r->snap.rig_id = r->cfg->rig_id;
	r->snap.software = r->cfg->software;
}

static void rig_on_file(struct evloop *el, int fd, int mask, void *arg);

/*
 * The HTTP side. An address the user chose must work (start-up fails
 * otherwise); the default one may be taken by another ducomaster on the
 * same machine, which costs only the pages, not the mining.
 */
static int rig_http_open(struct rig *r, char *err, unsigned errlen)
{
	const struct config *cfg = r->cfg;
	struct http_opts o = { .listen = cfg->http, .token = cfg->http_token };
	int rc;

	if (!cfg->http[0] || cfg->check_live)
		return 0;
	if (!http_available()) {
		mlog_info("http: not built in (libmicrohttpd-dev missing at build time)");
		return 0;
	}
	rc = http_start(&r->http, r->el, &o, web_handle, r);
	if (rc < 0 && cfg->http_explicit) {
		snprintf(err, errlen, "http %s: %s", cfg->http, strerror(-rc));
		return -1;
	}
	if (rc < 0) {
		mlog_warn("http %s: %s; no HTTP side (set http to another ADDR:PORT)", cfg->http,
			  strerror(-rc));
		return 0;
	}
	mlog_info("http: serving on %s (/, /metrics, /api/status%s)", http_bound(r->http),
		  cfg->http_token[0] ? "; bearer token required" : "");
	if (http_is_loopback(cfg->http) == 0 && !cfg->http_token[0])
		mlog_warn("http: %s is reachable from other machines without a token "
			  "(http_token sets one)", http_bound(r->http));
	return 0;
}

/* The miner is closing its pool socket: stop watching it first. */
static void rig_on_closing(struct miner_env *env, struct miner *s, int fd)
{
	struct rig_slave *rs = (struct rig_slave *)s;

	if (rs->reg_fd == fd) {
		evloop_del_file(rs->rig->el, fd);
		rs->reg_fd = -1;
		rs->reg_mask = 0;
	}
}

/* A name lookup answered: run the miner on its timer, from the loop. */
static void rig_on_wake(struct miner_env *env, struct miner *s)
{
	struct rig_slave *rs = (struct rig_slave *)s;

	evloop_set_timer_at(rs->rig->el, rs->timer, mclock_now_us(&rs->rig->clock));
}

static void rig_sync(struct rig_slave *rs)
{
	struct rig *r = rs->rig;
	struct miner *s = &rs->s;
	int64_t now = mclock_now_us(&r->clock), when;
	int mask = s->fd < 0 ? 0 : miner_connecting(s) ? EVLOOP_WRITABLE : EVLOOP_READABLE;

	if (mask && (rs->reg_fd != s->fd || rs->reg_mask != mask)) {
		if (evloop_add_file(r->el, s->fd, mask, rig_on_file, rs) == 0) {
			rs->reg_fd = s->fd;
			rs->reg_mask = mask;
		} else {
			mlog_error("%s: cannot watch socket %d", s->name, s->fd);
		}
	}
	when = s->wake_at_us ? s->wake_at_us : now + RIG_FAR_US;
	if (when <= now)
		when = now + 1;
	evloop_set_timer_at(r->el, rs->timer, when);
}

static void rig_kick(struct rig_slave *rs)
{
	miner_run(&rs->s, &rs->rig->env);
	rig_sync(rs);
}

static void rig_on_file(struct evloop *el, int fd, int mask, void *arg)
{
	struct rig_slave *rs = arg;

	if (mask & EVLOOP_WRITABLE)
		miner_on_writable(&rs->s, &rs->rig->env);
	if (mask & EVLOOP_READABLE)
		miner_on_readable(&rs->s, &rs->rig->env);
	rig_kick(rs);
}

static int64_t rig_on_slave_timer(struct evloop *el, long long id, void *arg)
{
	rig_kick(arg);
	return RIG_FAR_US;
}

static void rig_kick_all(struct rig *r)
{
	int i;

	for (i = 0; i < r->nslaves; i++)
		rig_kick(r->rs[i]);
}

/*
 * 0 when the rig's periodic work may run now; else how long to put it off so
 * that a held share or a fresh job's poll due meanwhile is not made late
 * (miner_rig_need): the same reason a job transfer waits.
 */
static int64_t rig_house_wait(struct rig *r)
{
	int64_t now = mclock_now_us(&r->clock), at;

	if (r->house_since_us && now - r->house_since_us > RIG_HOUSE_DEFER_MAX_US) {
		r->house_since_us = 0;
		return 0;
	}
	at = miner_rig_need(&r->env, NULL, now, now + RIG_HOUSE_US);
	if (!at) {
		r->house_since_us = 0;
		return 0;
	}
	if (!r->house_since_us)
		r->house_since_us = now;
	return (at > now ? at - now : 0) + 200;
}

static void rig_write_metrics(struct rig *r)
{
	char tmp[300];
	FILE *f;

	if (!r->cfg->metrics[0])
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", r->cfg->metrics);
	f = fopen(tmp, "w");
	if (!f) {
		mlog_warn("metrics %s: %s", tmp, strerror(errno));
		return;
	}
	summary_json(f, r->slaves, r->nslaves, rig_uptime_s(r));
	fclose(f);
	/* rename: readers see the old or the new file, never half of one. */
	if (rename(tmp, r->cfg->metrics) < 0)
		mlog_warn("metrics %s: %s", r->cfg->metrics, strerror(errno));
}

static int64_t rig_on_metrics(struct evloop *el, long long id, void *arg)
{
	int64_t wait = rig_house_wait(arg);

	if (wait)
		return wait;
	rig_write_metrics(arg);
	return RIG_METRICS_US;
}

/* Pool connections after each board's first: a rig whose network or pool
 * drops it shows here. */
static uint32_t rig_reconnects(const struct rig *r)
{
	uint32_t n = 0;

	for (int i = 0; i < r->nslaves; i++)
		if (r->slaves[i]->st.connects > 1)
			n += r->slaves[i]->st.connects - 1;
	return n;
}

static void rig_rig_record(struct rig *r, struct joblog_rig *rec)
{
	static struct joblog_board_faults faults[CONFIG_MAX_SLAVES];
	struct summary_totals t;
	uint32_t nf = 0;

	for (int i = 0; i < r->nslaves; i++) {
		const struct miner *m = r->slaves[i];

		if (!m->st.bus_errors && !m->st.slave_faults && !m->st.timeouts && !m->st.disconnects)
			continue;
		faults[nf++] = (struct joblog_board_faults){
			.board = m->name, .bus_errors = m->st.bus_errors,
			.faults = m->st.slave_faults, .wrong_nonces = m->st.wrong_nonces,
			.timeouts = m->st.timeouts, .disconnects = m->st.disconnects,
		};
	}

	summary_totals(&t, r->slaves, r->nslaves, rig_uptime_s(r));
	*rec = (struct joblog_rig){
		.wall_us = mclock_wall_us(),
		.uptime_s = t.wall_s,
		.cpu_s = t.cpu_s,
		.rss_kb = t.rss_kb,
		.version = DUCOMASTER_VERSION,
		.log_level = config_level_name(r->cfg->log_level),
		.boards = (uint32_t)r->nboards,
		.reconnects = rig_reconnects(r),
		.faults = faults,
		.nfaults = nf,
	};
}

/* The job log's "rig" record: what ducoreport cannot learn from the jobs. */
static void rig_write_rig_record(struct rig *r)
{
	struct joblog_rig rec;

	rig_rig_record(r, &rec);
	report_run_add_rig(&r->report, &rec);
	if (joblog_write_rig(&r->joblog, &rec) < 0)
		mlog_warn("joblog %s: cannot write the rig record", r->cfg->joblog);
}

/* SIGUSR1 and exit: the report with the master's figures of this moment. */
static void rig_print_summary(struct rig *r)
{
	struct joblog_rig rec;

	rig_rig_record(r, &rec);
	report_run_add_rig(&r->report, &rec);
	summary_text(stdout, r->slaves, r->nslaves, rig_uptime_s(r), &r->report);
}

static int64_t rig_on_rig_record(struct evloop *el, long long id, void *arg)
{
	int64_t wait = rig_house_wait(arg);

	if (wait)
		return wait;
	rig_write_rig_record(arg);
	return JOBLOG_RIG_PERIOD_S * 1000000LL;
}

/* The earnings in the summary's views (summary_set_extra). */
static void rig_earn_table(FILE *f, const void *arg)
{
	earnwatch_table_line(f, arg);
}

static void rig_earn_text(FILE *f, const void *arg)
{
	earnwatch_text(f, arg);
}

static int rig_earn_json(cJSON *o, const void *arg)
{
	return earnwatch_json(o, arg);
}

static int64_t rig_on_history(struct evloop *el, long long id, void *arg)
{
	struct rig *r = arg;

	struct earnwatch_snap e;
	int64_t wait = rig_house_wait(r);

	if (wait)
		return wait;
	earnwatch_snapshot(&r->earn, &e);
	rig_snapshot(r);
	history_take(&r->history, &r->snap, mclock_wall_us(),
		     strcmp(e.source, "rest") ? e.est_duco_per_day : e.duco_per_day);
	return HISTORY_INTERVAL_S * 1000000LL;
}

static int64_t rig_on_table(struct evloop *el, long long id, void *arg)
{
	struct rig *r = arg;

	int64_t wait = rig_house_wait(r);

	if (mclock_now_us(&r->clock) < r->table_paused_until_us)
		return r->table_paused_until_us - mclock_now_us(&r->clock);
	if (wait)
		return wait;
	rig_snapshot(r);
	table_draw(stdout, &r->snap);
	return RIG_TABLE_US;
}

/* --check: the start-up did what the service's does (buses opened, boards
 * found and identified, the mining key checked where the start-up checks
 * it); done once every board has received a job from the pool, which
 * proves discovery, name resolution, the connection and the user name,
 * failed when one has none after twice job_timeout_s. */
static int rig_check_done(const struct rig *r)
{
	for (int i = 0; i < r->nslaves; i++)
		if (miner_active(r->slaves[i]) && (!r->slaves[i]->st.requests || !r->slaves[i]->t_job))
			return 0;
	return r->nslaves > 0;
}

static int64_t rig_on_check(struct evloop *el, long long id, void *arg)
{
	struct rig *r = arg;
	int64_t waited = mclock_now_us(&r->clock) - r->start_us;
	int64_t limit = 2LL * r->cfg->job_timeout_s * 1000000;

	if (rig_check_done(r)) {
		mlog_info("check: %d board(s), each received a job from the pool %s: OK",
			  r->nboards, r->env.pool_addr);
		r->exit_code = RIG_EXIT_OK;
		evloop_stop(el);
		return -1;
	}
	if (waited < limit)
		return RIG_CHECK_POLL_US;
	for (int i = 0; i < r->nslaves; i++) {
		const struct miner *s = r->slaves[i];

		if (miner_active(s) && (!s->st.requests || !s->t_job))
			mlog_error("check: %s has no job from the pool after %lld s (state %c%s%s)",
				   s->name, (long long)(limit / 1000000),
				   miner_state_letter(s->state), s->state == MINER_D ? " " : "",
				   s->state == MINER_D ? miner_dsub_name(s->dsub) : "");
	}
	r->exit_code = RIG_EXIT_STARTUP;
	evloop_stop(el);
	return -1;
}

static int64_t rig_on_duration(struct evloop *el, long long id, void *arg)
{
	struct rig *r = arg;

	mlog_info("duration of %.1f s reached, stopping", r->cfg->duration_s);
	r->exit_code = RIG_EXIT_OK;
	evloop_stop(el);
	return -1;
}

static int64_t rig_on_discover(struct evloop *el, long long id, void *arg);

/* Ask getPool after delay_us, unless a request is already due or under way. */
static void rig_discover_start(struct rig *r, int64_t delay_us)
{
	if (r->disc_timer > 0 || discover_busy(&r->disc))
		return;
	r->disc_timer = evloop_add_timer(r->el, delay_us, rig_on_discover, r);
}

/* Discovery failed: the configured pool if there is one, else ask again later. */
static void rig_discover_failed(struct rig *r, int rc)
{
	int64_t retry;

	if (r->cfg->pool[0]) {
		mlog_warn("pool discovery failed (%s); using the configured pool %s",
			  strerror(-rc), r->cfg->pool);
		snprintf(r->env.pool_addr, sizeof(r->env.pool_addr), "%s", r->cfg->pool);
		r->env.connect_fail_streak = 0;
		rig_kick_all(r);
		return;
	}
	retry = ratelimit_backoff_us(r->discover_attempt++, RIG_DISCOVER_BASE_US,
				     RIG_DISCOVER_CAP_US, &r->env.rng);
	mlog_warn("pool discovery failed (%s); retrying in %.0f s", strerror(-rc), retry / 1e6);
	rig_discover_start(r, retry);
}

static void rig_discover_done(void *arg, int rc, const char *addr)
{
	struct rig *r = arg;

	if (rc < 0) {
		rig_discover_failed(r, rc);
		return;
	}
	mlog_info("pool discovered: %s", addr);
	snprintf(r->env.pool_addr, sizeof(r->env.pool_addr), "%s", addr);
	r->env.connect_fail_streak = 0;
	r->discover_attempt = 0;
	rig_kick_all(r);
}

static int64_t rig_on_discover(struct evloop *el, long long id, void *arg)
{
	struct rig *r = arg;
	int rc;

	r->disc_timer = 0;
	rc = discover_start(&r->disc, el, r->cfg->pool_url, rig_discover_done, r);
	if (rc == 0)
		mlog_info("discovering the pool through %s/getPool", r->cfg->pool_url);
	else
		rig_discover_failed(r, rc);
	return -1;
}

static void rig_on_signal(struct evloop *el, int fd, int mask, void *arg)
{
	struct rig *r = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGTERM:
			mlog_info("signal %u: stopping", si.ssi_signo);
			r->exit_code = RIG_EXIT_OK;
			evloop_stop(el);
			break;
		case SIGHUP: {
			/* A file that cannot be reopened stays the old one (still open,
			 * so no line is lost) and the failure is said there. */
			int lrc = mlog_reopen(), jrc = joblog_reopen(&r->joblog);

			if (lrc < 0)
				mlog_error("SIGHUP: cannot reopen the log %s: %s; still writing to "
					   "the old file", r->cfg->log, strerror(-lrc));
			if (jrc < 0)
				mlog_error("SIGHUP: cannot reopen the job log %s: %s; still writing "
					   "to the old file", r->cfg->joblog, strerror(-jrc));
			if (lrc == 0 && jrc == 0)
				mlog_info("SIGHUP: log files reopened");
			break;
		}
		case SIGUSR1:
			/* Below the table, which then waits: a redraw would clear it. */
			rig_print_summary(r);
			if (r->table) {
				r->table_paused_until_us = mclock_now_us(&r->clock) + RIG_TABLE_PAUSE_US;
				printf("(live table paused for %lld s so the summary can be read)\n",
				       RIG_TABLE_PAUSE_US / 1000000);
				fflush(stdout);
			}
			rig_write_metrics(r);
			break;
		}
	}
}

/* Before sleeping: rediscover the pool after repeated connect failures. */
static void rig_before_sleep(struct evloop *el, void *arg)
{
	struct rig *r = arg;

	if (r->use_discovery && r->env.connect_fail_streak >= RIG_REDISCOVER_AFTER &&
	    r->disc_timer <= 0 && !discover_busy(&r->disc)) {
		mlog_warn("%d connect failures in a row: rediscovering the pool",
			  r->env.connect_fail_streak);
		r->env.connect_fail_streak = 0;
		rig_discover_start(r, 0);
	}
}

static int rig_parse_addrs(const char *list, uint8_t *out, int max)
{
	char tmp[512], *save = NULL, *tok;
	int n = 0;

	snprintf(tmp, sizeof(tmp), "%s", list);
	for (tok = strtok_r(tmp, ", ", &save); tok && n < max; tok = strtok_r(NULL, ", ", &save))
		out[n++] = (uint8_t)strtol(tok, NULL, 0);
	return n;
}

static int rig_add_worker(struct rig *r, struct board *b, int index)
{
	struct rig_slave *rs;

	if (r->nslaves == r->cap) {
		int cap = r->cap ? 2 * r->cap : 16;
		struct rig_slave **nrs = realloc(r->rs, (size_t)cap * sizeof(*nrs));
		struct miner **nsl;

		if (!nrs)
			return -ENOMEM;
		r->rs = nrs;
		nsl = realloc(r->slaves, (size_t)cap * sizeof(*nsl));
		if (!nsl)
			return -ENOMEM;
		r->slaves = nsl;
		r->cap = cap;
	}
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	miner_init(&rs->s, b, index);
	rs->rig = r;
	rs->reg_fd = -1;
	rs->timer = evloop_add_timer(r->el, 0, rig_on_slave_timer, rs);
	if (rs->timer < 0) {
		long long rc = rs->timer;

		free(rs);
		return (int)rc;
	}
	r->rs[r->nslaves] = rs;
	r->slaves[r->nslaves++] = &rs->s;
	return 0;
}

static int rig_add_board(struct rig *r, struct bus *bus, uint8_t addr)
{
	struct board *b;

	if (r->nboards == CONFIG_MAX_SLAVES)
		return -ENOSPC;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	board_init(b, bus, addr);
	r->boards[r->nboards++] = b;
	return 0;
}

/*
 * The workers of every board: threads_per_board each; for auto as many as
 * a board could be given (the budget is shared out once speeds are known:
 * miner.c), of which only the first mines until then.
 */
static int rig_add_workers(struct rig *r, char *err, unsigned errlen)
{
	int threads = config_threads(r->cfg), per, rc;

	if (threads == 0 || threads > 1) {
		/* One worker per board at least, all within max_workers. */
		if ((threads ? threads : 1) * r->nboards > r->cfg->max_workers) {
			snprintf(err, errlen, "%d board(s) x %d thread(s) is above max_workers %d",
				 r->nboards, threads ? threads : 1, r->cfg->max_workers);
			return -EINVAL;
		}
	}
	per = threads ? threads : r->cfg->max_workers - r->nboards + 1;
	if (per > BOARD_MAX_WORKERS)
		per = BOARD_MAX_WORKERS;
	r->env.threads = threads;
	r->env.worker_budget = threads ? 0 : r->cfg->max_workers - r->nboards;
	r->env.undecided = threads ? 0 : r->nboards;
	for (int i = 0; i < r->nboards; i++) {
		r->boards[i]->threads = threads;
		for (int k = 0; k < per; k++) {
			rc = rig_add_worker(r, r->boards[i], k);
			if (rc < 0) {
				snprintf(err, errlen, "%s: worker %d: %s", r->boards[i]->name, k,
					 strerror(-rc));
				return rc;
			}
		}
	}
	return 0;
}

int rig_open(struct rig *r, struct config *cfg, char *err, unsigned errlen)
{
	uint8_t addrs[CONFIG_MAX_SLAVES];
	sigset_t sigs;
	int i, j, n, rc;

	memset(r, 0, sizeof(*r));
	r->cfg = cfg;
	r->sigfd = -1;
	r->start_us = mclock_now_us(&r->clock);
	r->start_wall_us = mclock_wall_us();
	r->el = evloop_new();
	if (!r->el) {
		snprintf(err, errlen, "event loop: %s", strerror(errno));
		return RIG_EXIT_STARTUP;
	}
	evloop_set_slack_us(r->el, RIG_TIMER_SLACK_US);
	report_run_init(&r->report, RIG_REPORT_SAMPLES);
	rc = joblog_open(&r->joblog, cfg->joblog);
	if (rc < 0) {
		/* The sample's folder, /var/lib/ducorig, belongs to the service
		 * user and is made at install (tmpfiles.d): say how to get on. */
		snprintf(err, errlen, "joblog %s: %s%s", cfg->joblog, strerror(-rc),
			 rc == -ENOENT || rc == -EACCES ? " (run as the service user: sudo -u "
			 "ducorig ducomaster ...; or --joblog FILE, --joblog \"\" for none)" : "");
		return RIG_EXIT_STARTUP;
	}
	ratelimit_conn_init(&r->conn, cfg->connects_per_window, cfg->connect_window_s * 1000000LL,
			    cfg->connect_stagger_ms * 1000LL);
	r->env = (struct miner_env){
		.clock = &r->clock,
		.cfg = cfg,
		.joblog = &r->joblog,
		.report = &r->report,
		.conn = &r->conn,
		.rng = (uint32_t)(r->start_us ^ ((int64_t)getpid() << 16)),
		.wake = rig_on_wake,
		.closing = rig_on_closing,
		.ctx = r,
	};
	ratelimit_late_init(&r->env.late, RIG_TIMER_SLACK_US);
	r->resolver = resolver_new(r->el, cfg->dns_servers[0] ?
				   &(struct resolve_opts){ .servers = cfg->dns_servers } : NULL);
	if (!r->resolver) {
		snprintf(err, errlen, "name resolver: %s", strerror(errno));
		return RIG_EXIT_STARTUP;
	}
	r->env.resolver = r->resolver;
	for (i = 0; i < cfg->nbuses; i++) {
		rc = bus_open(&r->buses[i], cfg->buses[i]);
		if (rc < 0) {
			snprintf(err, errlen, "bus %s: %s", cfg->buses[i], strerror(-rc));
			return RIG_EXIT_STARTUP;
		}
		r->nbuses++;
		if (!strcmp(cfg->slaves, "scan")) {
			n = slave_io_scan(&r->buses[i], DUCO_ADDR_MIN, DUCO_ADDR_MAX, addrs,
					  CONFIG_MAX_SLAVES);
			mlog_info("bus %s: scan found %d slave(s)", cfg->buses[i], n < 0 ? 0 : n);
			if (n < 0)
				n = 0;
		} else {
			n = rig_parse_addrs(cfg->slaves, addrs, CONFIG_MAX_SLAVES);
		}
		for (j = 0; j < n; j++) {
			rc = rig_add_board(r, &r->buses[i], addrs[j]);
			if (rc < 0) {
				snprintf(err, errlen, "slave 0x%02x: %s", addrs[j], strerror(-rc));
				return RIG_EXIT_STARTUP;
			}
		}
	}
	if (!r->nboards) {
		snprintf(err, errlen, "no slaves found on the configured bus(es)");
		return RIG_EXIT_STARTUP;
	}
	if (rig_add_workers(r, err, errlen) < 0)
		return RIG_EXIT_STARTUP;
	r->env.miners = r->slaves;
	r->env.nminers = r->nslaves;
	/* An explicit pool wins unless a discovery URL was asked for too. */
	r->use_discovery = cfg->pool_url[0] && (cfg->pool_url_explicit || !cfg->pool[0]);
	if (r->use_discovery)
		rig_discover_start(r, 0);
	else
		snprintf(r->env.pool_addr, sizeof(r->env.pool_addr), "%s", cfg->pool);

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	r->sigfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r->sigfd < 0 || evloop_add_file(r->el, r->sigfd, EVLOOP_READABLE, rig_on_signal, r) < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return RIG_EXIT_STARTUP;
	}
	r->table = cfg->status_table && !cfg->check_live && isatty(STDOUT_FILENO);
	if (r->table)
		evloop_add_timer(r->el, 0, rig_on_table, r);
	if (cfg->metrics[0])
		evloop_add_timer(r->el, RIG_METRICS_US, rig_on_metrics, r);
	if (cfg->duration_s > 0)
		evloop_add_timer(r->el, (int64_t)(cfg->duration_s * 1e6), rig_on_duration, r);
	if (r->joblog.fd >= 0 && !cfg->check_live) {
		rig_write_rig_record(r);
		evloop_add_timer(r->el, JOBLOG_RIG_PERIOD_S * 1000000LL, rig_on_rig_record, r);
	}
	if (cfg->check_live)
		evloop_add_timer(r->el, RIG_CHECK_POLL_US, rig_on_check, r);
	if (rig_http_open(r, err, errlen) < 0)
		return RIG_EXIT_STARTUP;
	if (r->http)
		evloop_add_timer(r->el, HISTORY_INTERVAL_S * 1000000LL, rig_on_history, r);
	evloop_set_before_sleep(r->el, rig_before_sleep, r);
	earnwatch_start(&r->earn, cfg, r->el, &r->joblog, r->slaves, r->nslaves);
	summary_set_extra(&(struct summary_extra){ .table_line = rig_earn_table,
			  .text = rig_earn_text, .json = rig_earn_json, .arg = &r->earn });
	mlog_info("rig: %d bus(es), %d slave(s), threads per board %s, tier %s, max %.1f H/s "
		  "margin %.0f%%, pace to %.1f H/s, pool %s", r->nbuses, r->nboards,
		  cfg->threads_per_board, config_tier_name(cfg->tier), cfg->max_hashrate,
		  cfg->margin * 100, config_target(cfg, cfg->max_hashrate, cfg->margin),
		  r->use_discovery ? "(discovery)" : r->env.pool_addr);
	return RIG_EXIT_OK;
}

int rig_run(struct rig *r)
{
	int rc = evloop_run(r->el);

	if (rc < 0) {
		mlog_error("event loop: %s", strerror(-rc));
		return RIG_EXIT_RUNTIME;
	}
	/* The key check found a wrong key: the rig would mine for nothing. */
	if (r->earn.stop_code)
		return r->earn.stop_code;
	return r->exit_code;
}

void rig_close(struct rig *r)
{
	int i;

	for (i = 0; i < r->nslaves; i++)
		miner_shutdown(&r->rs[i]->s, &r->env);
	/* a --check run mined nothing worth a summary */
	if (r->el && r->nslaves && !r->cfg->check_live) {
		if (r->table) {
			rig_snapshot(r);
			table_draw(stdout, &r->snap);
		}
		rig_write_rig_record(r);
		summary_text(stdout, r->slaves, r->nslaves, rig_uptime_s(r), &r->report);
		rig_write_metrics(r);
		earnwatch_record(&r->earn);
	}
	earnwatch_stop(&r->earn);
	summary_set_extra(NULL);
	http_stop(r->http);
	r->http = NULL;
	discover_cancel(&r->disc);
	resolver_free(r->resolver);
	r->resolver = NULL;
	for (i = 0; i < r->nslaves; i++)
		free(r->rs[i]);
	r->nslaves = 0;
	free(r->rs);
	free(r->slaves);
	r->rs = NULL;
	r->slaves = NULL;
	r->cap = 0;
	for (i = 0; i < r->nboards; i++)
		free(r->boards[i]);
	r->nboards = 0;
	for (i = 0; i < r->nbuses; i++)
		bus_close(&r->buses[i]);
	r->nbuses = 0;
	joblog_close(&r->joblog);
	report_run_free(&r->report);
	if (r->sigfd >= 0)
		close(r->sigfd);
	r->sigfd = -1;
	evloop_free(r->el);
	r->el = NULL;
}
