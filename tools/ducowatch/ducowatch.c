/*
 * ducowatch - what a Duino-Coin user's miners earn, watched over the REST
 * API: `perf` (the balance's growth per tick, the minute and DUCO/day, as
 * the rig notes' jperf), `miners` (the user's miners as the server lists
 * them, with the web wallet's warnings, as jmin; each row matched to a board
 * of the local rig when ducomaster's /api/status answers) and `top-avr` (the
 * users running the most AVR miners).
 *
 * One thread around the host library's event loop: ticks are timers, the
 * requests go through lib/rest (one at a time, at most --rate per second,
 * backing off after errors and HTTP 429, a time-out on each), keys come from
 * the terminal as file events. Answers are judged by lib/earn; a bad one is
 * one line on stderr and the watch goes on. On a terminal, single keys
 * switch users and modes; off a terminal, plain lines only. Assumes Linux
 * and libcurl.
 */
#include <cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include "earn.h"
#include "evloop.h"
#include "jsonout.h"
#include "mclock.h"
#include "options.h"
#include "http.h"
#include "rest.h"

#define DUCOWATCH_API      "https://server.duinocoin.com"
#define DUCOWATCH_STATUS   "http://127.0.0.1:9550/api/status"    /* ducomaster's default */
#define DUCOWATCH_MAX_USERS 64
#define DUCOWATCH_TICK_S   10.0
#define DUCOWATCH_FAST_S   2.0

enum {
	DUCOWATCH_OK = 0,
	DUCOWATCH_NO_ANSWER = 1,        /* no good answer in the whole run */
	DUCOWATCH_USAGE = 2,
};

enum ducowatch_cmd { CMD_PERF, CMD_MINERS, CMD_TOP_AVR, CMD_BALANCE };
enum ducowatch_sort { SORT_NONE, SORT_ACCEPTED, SORT_HASHRATE, SORT_SOFTWARE, SORT_SHARETIME };
static const char *const ducowatch_sort_names[] = {
	"none", "accepted", "hashrate", "software", "sharetime", NULL
};

struct ducowatch_opts {
	int pad;                /* seen fields are never at offset 0 */
	char api[256];
	char status[256];       /* ducomaster's /api/status, "" none */
	char status_token_file[512];    /* its http_token, first line ("" none) */
	double interval_s;      /* 0: the command's default */
	int fast;
	char log[512];
	int no_log;
	char users_file[512];
	int json;
	double duration_s;
	uint32_t count;
	double rate;
	double timeout_s;
	int sort;
	int reverse;
	int wide;
	uint32_t min_avr;
	int help;
};

#define FIELD(f) .off = offsetof(struct ducowatch_opts, f)
#define STR(f)   .type = OPT_STR, FIELD(f), .size = sizeof(((struct ducowatch_opts *)0)->f)

static const struct opt_row ducowatch_rows[] = {
	{ .name = "api", STR(api), .def = DUCOWATCH_API, .arg = "URL",
	  .help = "REST API base URL (tests: ducopool's REST side)" },
	{ .name = "status", STR(status), .def = DUCOWATCH_STATUS, .arg = "URL",
	  .help = "miners: ducomaster's /api/status, to match rows to the local boards "
		  "(\"\" none)" },
	{ .name = "status-token-file", STR(status_token_file), .arg = "FILE",
	  .help = "miners: the rig's http_token for --status, the file's first line "
		  "(sent as a bearer header)" },
	{ .name = "interval", .type = OPT_DBL, FIELD(interval_s), .min = 0, .max = 86400,
	  .def = "0", .arg = "S",
	  .help = "seconds between ticks (perf: 10; miners, top-avr: 0 = once)" },
	{ .name = "fast", .type = OPT_FLAG, FIELD(fast),
	  .help = "perf: tick every 2 s and print only when the balance changed" },
	{ .name = "log", STR(log), .arg = "FILE",
	  .help = "perf: append lines here (default logs/perf_<user>_<day>_<hour>.txt)" },
	{ .name = "no-log", .type = OPT_FLAG, FIELD(no_log), .help = "perf: no log file" },
	{ .name = "users", STR(users_file), .arg = "FILE",
	  .help = "users to switch among with the u and o keys, one per line" },
	{ .name = "json", .type = OPT_FLAG, FIELD(json), .help = "one JSON object per tick" },
	{ .name = "duration", .type = OPT_DBL, FIELD(duration_s), .min = 0, .max = 1e9,
	  .def = "0", .arg = "S", .help = "stop after S seconds (0: never)" },
	{ .name = "count", .type = OPT_UINT, FIELD(count), .min = 0, .max = 1e9, .def = "0",
	  .arg = "N", .help = "stop after N ticks (0: never)" },
	{ .name = "rate", .type = OPT_DBL, FIELD(rate), .min = 0, .max = 5, .def = "1",
	  .arg = "R", .flags = OPT_F_GT_MIN,
	  .help = "at most R requests per second (the API allows 5)" },
	{ .name = "timeout", .type = OPT_DBL, FIELD(timeout_s), .min = 0.1, .max = 300,
	  .def = "10", .arg = "S", .help = "time-out of each request" },
	{ .name = "sort", .type = OPT_ENUM, FIELD(sort), .names = ducowatch_sort_names,
	  .def = "none", .arg = "KEY",
	  .help = "miners: none, accepted, hashrate, software or sharetime (highest first)" },
	{ .name = "reverse", .type = OPT_FLAG, FIELD(reverse), .help = "miners: reverse the sort" },
	{ .name = "wide", .type = OPT_FLAG, FIELD(wide), .help = "miners: full-width names" },
	{ .name = "min", .type = OPT_UINT, FIELD(min_avr), .min = 1, .max = 1e6, .def = "10",
	  .arg = "N", .help = "top-avr: users with at least N AVR miners" },
	{ .name = "help", .type = OPT_FLAG, FIELD(help), .short_name = 'h',
	  .flags = OPT_F_EARLY, .help = "this text" },
};

static const struct opt_table ducowatch_table = {
	.prog = "ducowatch",
	OPT_ROWS(ducowatch_rows),
	.args = 1,
	.synopsis =
"usage: ducowatch [options] perf [USER]\n"
"       ducowatch [options] miners [USER]\n"
"       ducowatch [options] top-avr [--min N]\n"
"       ducowatch [options] balance [USER]\n"
"\n"
"Watch what a Duino-Coin user earns through the REST API.\n"
"  perf     every tick (10 s; --fast 2 s): Time, Total (mDUCO gained since\n"
"           start), Hash (sum of the miners' hashrates), Mnr (miners), the\n"
"           tick's gain, Minute (gain over the last 60 s), DUCO/d (Minute\n"
"           x 1440) and avg/d (the run's average DUCO/day).\n"
"  miners   the user's miners as the server lists them, with the Kolka\n"
"           efficiency and the web wallet's warnings; Board: the local\n"
"           board (bus:addr) from ducomaster's --status, by DUCOID if the\n"
"           row has one, else by rig id and wallet-grouping id.\n"
"  top-avr  users with at least --min AVR miners running, numbered.\n"
"  balance  the balance once, as a plain number (for scripts).\n"
"USER defaults to the first line of --users. On a terminal keys act at once\n"
"(? lists them; a number before u or t picks an entry).\n"
"\n",
	.footer =
"\n"
"Exit status: 0 stopped, 1 no good answer in the whole run, 2 usage.\n",
};

struct ducowatch {
	struct ducowatch_opts o;
	enum ducowatch_cmd cmd;
	struct evloop *el;
	struct rest_client rest;
	struct rest_client status;      /* ducomaster's HTTP side (miners) */
	int status_on;
	char status_path[256];
	int status_said;                /* "no status" said once per run */
	struct earn_user pending;       /* miners: the rows waiting for the status */
	int has_pending;
	double tick_s;
	long long tick_timer;
	int64_t start_us;
	uint32_t ticks;
	uint64_t good;
	char user[EARN_NAME_LEN];
	char users[DUCOWATCH_MAX_USERS][EARN_NAME_LEN];
	int nusers;
	char top[DUCOWATCH_MAX_USERS][EARN_NAME_LEN];
	int ntop;
	/* perf */
	struct earn_window win;
	FILE *logf;
	int header_done;
	int show_balance;       /* b: print the balance with the next answer */
	/* keys */
	int tty;
	struct termios saved;
	int number;             /* digits typed before a key, -1 none */
	int sigfd;
	int rc_exit;
};

static int ducowatch_start_tick(struct ducowatch *w);

static double ducowatch_now_s(void)
{
	return (double)mclock_now_us(NULL) / 1e6;
}

static void ducowatch_local_hms(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(buf, len, "%H:%M:%S", &tm);
}

static void ducowatch_stop(struct ducowatch *w)
{
	evloop_stop(w->el);
}

/* A tick is over (answered or not): count it, stop at --count. */
static void ducowatch_tick_done(struct ducowatch *w)
{
	w->ticks++;
	if (w->o.count && w->ticks >= w->o.count)
		ducowatch_stop(w);
}

static void ducowatch_error(struct ducowatch *w, const struct rest_answer *a, const char *why)
{
	fprintf(stderr, "ducowatch: %s: %s\n", a->url, why);
	fflush(stderr);
}

/* The transport failed or the answer was refused: say so in one line. */
static int ducowatch_answer_ok(struct ducowatch *w, const struct rest_answer *a)
{
	if (a->rc) {
		char why[64];

		snprintf(why, sizeof(why), "no answer (%s)", a->rc == -ETIMEDOUT ? "timed out" :
			 a->rc == -EHOSTUNREACH ? "cannot connect" :
			 a->rc == -EMSGSIZE ? "answer too large" : strerror(-a->rc));
		ducowatch_error(w, a, why);
		return 0;
	}
	return 1;
}

/* --- perf --------------------------------------------------------------------- */
static void ducowatch_perf_open_log(struct ducowatch *w)
{
	char path[600];
	time_t t = time(NULL);
	struct tm tm;

	if (w->logf || w->o.no_log || w->o.json)
		return;
	localtime_r(&t, &tm);
	if (w->o.log[0]) {
		snprintf(path, sizeof(path), "%s", w->o.log);
	} else {
		if (mkdir("logs", 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "ducowatch: logs/: %s (no log file)\n", strerror(errno));
			return;
		}
		snprintf(path, sizeof(path), "logs/perf_%s_%02d_%02d.txt", w->user, tm.tm_mday,
			 tm.tm_hour);
	}
	w->logf = fopen(path, "a");
	if (!w->logf)
		fprintf(stderr, "ducowatch: %s: %s (no log file)\n", path, strerror(errno));
	else
		fprintf(stderr, "ducowatch: log %s\n", path);
}

static void ducowatch_perf_header(struct ducowatch *w, double balance)
{
	char when[64];
	time_t t = time(NULL);
	struct tm tm;

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", &tm);
	printf("user %s: starting %s with %.6f DUCO; values in mDUCO, allow a minute to settle\n",
	       w->user, when, balance);
	if (w->o.fast)
		printf("Time          Total   Hash Mnr  timedelt  increase\n");
	else
		printf("Time          Total   Hash Mnr  %6.0fs    Minute   DUCO/d    avg/d\n",
		       w->tick_s);
	if (w->logf) {
		fprintf(w->logf, "# user %s, started %s with %.6f DUCO\n", w->user, when, balance);
		fprintf(w->logf, "# Time      Balance         Hash Mnr  tick_mDUCO  minute_mDUCO  DUCO/d  avg/d\n");
		fflush(w->logf);
	}
}

static int ducowatch_perf_json(struct ducowatch *w, const struct earn_figures *f,
			       const struct earn_user *u)
{
	cJSON *o = cJSON_CreateObject();
	char ts[32];
	int rc;

	if (!o)
		return -ENOMEM;
	mclock_iso8601(mclock_wall_us(), ts, sizeof(ts));
	cJSON_AddStringToObject(o, "time", ts);
	cJSON_AddStringToObject(o, "user", w->user);
	jsonout_num(o, "balance", f->balance, JSONOUT_EXACT);
	jsonout_num(o, "total_mduco", f->total * 1000.0, 6);
	jsonout_num(o, "hashrate", u->hashrate, 2);
	cJSON_AddNumberToObject(o, "miners", (double)u->nminers);
	jsonout_num(o, "interval_mduco", f->interval * 1000.0, 6);
	jsonout_num(o, "minute_mduco", f->minute * 1000.0, 6);
	jsonout_num(o, "duco_per_day", f->duco_per_day, 4);
	jsonout_num(o, "avg_duco_per_day", f->avg_duco_per_day, 4);
	jsonout_num(o, "elapsed_s", f->elapsed_s, 3);
	if (w->o.fast) {
		cJSON_AddBoolToObject(o, "changed", f->changed);
		jsonout_num(o, "since_change_s", f->since_change_s, 3);
	}
	rc = jsonout_fprint(stdout, o);
	cJSON_Delete(o);
	return rc;
}

/*
 * The /users/<user> answer every command starts from: 0 with *u filled (to
 * earn_user_free) and the answer counted good, or -1 after the error is
 * said and the pacing backs off.
 */
static int ducowatch_take_user(struct ducowatch *w, const struct rest_answer *a,
			       struct earn_user *u)
{
	char err[256];

	if (!ducowatch_answer_ok(w, a))
		return -1;
	if (earn_parse_user(a->status, a->content_type, a->body, w->user, u, err,
			    sizeof(err)) < 0) {
		ducowatch_error(w, a, err);
		rest_penalize(&w->rest);
		return -1;
	}
	w->good++;
	return 0;
}

static void ducowatch_perf_answer(void *arg, const struct rest_answer *a)
{
	struct ducowatch *w = arg;
	struct earn_user u;
	struct earn_figures f;
	char hms[16];

	if (ducowatch_take_user(w, a, &u) < 0)
		goto done;
	earn_window_add(&w->win, ducowatch_now_s(), u.balance);
	earn_window_figures(&w->win, &f);
	ducowatch_local_hms(hms, sizeof(hms));
	if (w->show_balance) {
		printf("%s balance of %s: %.6f DUCO\n", hms, w->user, u.balance);
		w->show_balance = 0;
	}
	if (w->o.json) {
		ducowatch_perf_json(w, &f, &u);
	} else {
		if (!w->header_done) {
			ducowatch_perf_open_log(w);
			ducowatch_perf_header(w, u.balance);
			w->header_done = 1;
		}
		if (!w->o.fast)
			printf("%s %10.3f %6.0f %3zu %9.3f %9.3f %8.2f %8.2f\n", hms, f.total * 1000,
			       u.hashrate, u.nminers, f.interval * 1000, f.minute * 1000,
			       f.duco_per_day, f.avg_duco_per_day);
		else if (f.changed || w->win.count == 1)
			printf("%s %10.3f %6.0f %3zu  (%6.3f) %9.3f\n", hms, f.total * 1000, u.hashrate,
			       u.nminers, f.since_change_s, f.interval * 1000);
		fflush(stdout);
		if (w->logf) {
			fprintf(w->logf, "%s %.6f %6.0f %3zu %9.3f %9.3f %8.2f %8.2f\n", hms, f.balance,
				u.hashrate, u.nminers, f.interval * 1000, f.minute * 1000,
				f.duco_per_day, f.avg_duco_per_day);
			fflush(w->logf);
		}
	}
	earn_user_free(&u);
done:
	ducowatch_tick_done(w);
}

/* --- miners ------------------------------------------------------------------- */
static enum ducowatch_sort ducowatch_sort_key;
static int ducowatch_sort_rev;

static int ducowatch_miner_cmp(const void *pa, const void *pb)
{
	const struct earn_miner *a = pa, *b = pb;
	int c = 0;

	switch (ducowatch_sort_key) {
	case SORT_ACCEPTED:
		c = a->accepted < b->accepted ? 1 : a->accepted > b->accepted ? -1 : 0;
		break;
	case SORT_HASHRATE:
		c = a->hashrate < b->hashrate ? 1 : a->hashrate > b->hashrate ? -1 : 0;
		break;
	case SORT_SOFTWARE:
		c = strcmp(a->software, b->software);
		break;
	case SORT_SHARETIME:
		c = a->sharetime < b->sharetime ? 1 : a->sharetime > b->sharetime ? -1 : 0;
		break;
	default:
		break;
	}
	if (!c)
		c = strcmp(a->threadid, b->threadid);
	return ducowatch_sort_rev ? -c : c;
}

/* The local board of row m as a cell: "bus:addr", or why there is none. */
static void ducowatch_board_cell(const struct earn_rig *rig, const struct earn_miner *m,
				 char *out, size_t len, const char **how)
{
	enum earn_match_how h;
	int i = earn_match(rig, m, &h);

	*how = earn_match_name[h];
	if (i >= 0)
		snprintf(out, len, "%s:%s", rig->boards[i].bus, rig->boards[i].addr);
	else
		snprintf(out, len, "%s", *how);
}

static void ducowatch_miners_json(struct ducowatch *w, const struct earn_user *u,
				  const struct earn_rig *rig)
{
	cJSON *o = cJSON_CreateObject(), *list;
	char ts[32], warn[128];

	if (!o)
		return;
	mclock_iso8601(mclock_wall_us(), ts, sizeof(ts));
	cJSON_AddStringToObject(o, "time", ts);
	cJSON_AddStringToObject(o, "user", w->user);
	jsonout_num(o, "balance", u->balance, JSONOUT_EXACT);
	jsonout_num(o, "hashrate", u->hashrate, 2);
	list = cJSON_AddArrayToObject(o, "miners");
	for (size_t i = 0; list && i < u->nminers; i++) {
		const struct earn_miner *m = &u->miners[i];
		cJSON *r = cJSON_CreateObject();

		if (!r)
			break;
		cJSON_AddItemToArray(list, r);
		earn_wallet_warning(m, warn, sizeof(warn));
		cJSON_AddStringToObject(r, "threadid", m->threadid);
		cJSON_AddStringToObject(r, "rig", m->identifier);
		cJSON_AddStringToObject(r, "wd", m->wd);
		cJSON_AddStringToObject(r, "software", m->software);
		cJSON_AddStringToObject(r, "class", earn_class_name[earn_wallet_class(m->software, m->diff)]);
		cJSON_AddNumberToObject(r, "diff", m->diff);
		cJSON_AddNumberToObject(r, "accepted", (double)m->accepted);
		cJSON_AddNumberToObject(r, "rejected", (double)m->rejected);
		jsonout_num(r, "hashrate", m->hashrate, 2);
		jsonout_num(r, "sharetime", m->sharetime, 3);
		cJSON_AddNumberToObject(r, "ki", m->ki);
		jsonout_num(r, "efficiency", earn_kolka_efficiency(m->ki), 4);
		cJSON_AddStringToObject(r, "warning", warn);
		if (rig) {
			char cell[96];
			const char *how;

			ducowatch_board_cell(rig, m, cell, sizeof(cell), &how);
			if (strcmp(how, "unmatched") && strcmp(how, "ambiguous"))
				cJSON_AddStringToObject(r, "board", cell);
			else
				cJSON_AddNullToObject(r, "board");
			cJSON_AddStringToObject(r, "match", how);
		}
	}
	jsonout_fprint(stdout, o);
	cJSON_Delete(o);
}

static void ducowatch_miners_text(struct ducowatch *w, const struct earn_user *u,
				  const struct earn_rig *rig)
{
	char hms[16], warn[128], cell[96];
	int rw = w->o.wide ? 24 : 10, sw = w->o.wide ? 40 : 24, bw = w->o.wide ? 40 : 14;

	ducowatch_local_hms(hms, sizeof(hms));
	printf("%s %s: %zu miners, %.1f H/s, balance %.6f DUCO\n", hms, w->user, u->nminers,
	       u->hashrate, u->balance);
	printf("%-*s ", rw, "Rig");
	if (rig)
		printf("%-*s ", bw, "Board");
	printf("%-*s %6s %8s %5s %9s %7s %4s %5s  %s\n", sw, "Software", "Diff",
	       "Accepted", "Rej", "Hash", "Time", "ki", "Eff%", "Warning");
	for (size_t i = 0; i < u->nminers; i++) {
		const struct earn_miner *m = &u->miners[i];

		earn_wallet_warning(m, warn, sizeof(warn));
		printf("%-*.*s ", rw, rw, m->identifier);
		if (rig) {
			const char *how;
			size_t n;

			/* Too long for the column: the tail, where the address is. */
			ducowatch_board_cell(rig, m, cell, sizeof(cell), &how);
			n = strlen(cell);
			printf("%s%-*s ", n > (size_t)bw ? "~" : "", n > (size_t)bw ? bw - 1 : bw,
			       n > (size_t)bw ? cell + n - (bw - 1) : cell);
		}
		printf("%-*.*s %6u %8llu %5llu %9.1f %7.3f %4u %5.1f  %s\n",
		       sw, sw, m->software, m->diff, (unsigned long long)m->accepted,
		       (unsigned long long)m->rejected, m->hashrate, m->sharetime, m->ki,
		       100.0 * earn_kolka_efficiency(m->ki), warn);
	}
	fflush(stdout);
}

static void ducowatch_miners_show(struct ducowatch *w, struct earn_user *u,
				  const struct earn_rig *rig)
{
	ducowatch_sort_key = (enum ducowatch_sort)w->o.sort;
	ducowatch_sort_rev = w->o.reverse;
	if (u->nminers && (w->o.sort != SORT_NONE || w->o.reverse))
		qsort(u->miners, u->nminers, sizeof(u->miners[0]), ducowatch_miner_cmp);
	if (w->o.json)
		ducowatch_miners_json(w, u, rig);
	else
		ducowatch_miners_text(w, u, rig);
}

/* The rig's status came (or did not): the waiting rows with their boards. */
static void ducowatch_status_answer(void *arg, const struct rest_answer *a)
{
	struct ducowatch *w = arg;
	struct earn_rig rig;
	char err[256];
	int ok = 0;

	if (!a->rc && earn_parse_status(a->status, a->content_type, a->body, &rig, err,
					sizeof(err)) == 0)
		ok = 1;
	else if (!w->status_said++)
		fprintf(stderr, "ducowatch: %s: %s; rows not matched to local boards\n", a->url,
			a->rc ? (a->rc == -EHOSTUNREACH ? "no ducomaster answers (cannot connect)" :
				 a->rc == -ETIMEDOUT ? "timed out" : strerror(-a->rc)) : err);
	if (w->has_pending) {
		ducowatch_miners_show(w, &w->pending, ok ? &rig : NULL);
		earn_user_free(&w->pending);
		w->has_pending = 0;
	}
	if (ok)
		earn_rig_free(&rig);
	ducowatch_tick_done(w);
}

static void ducowatch_miners_answer(void *arg, const struct rest_answer *a)
{
	struct ducowatch *w = arg;
	struct earn_user u;

	if (ducowatch_take_user(w, a, &u) < 0)
		goto done;
	/* The local side after the pool's, so both describe the same moment. */
	if (w->status_on && !w->has_pending &&
	    rest_get(&w->status, w->status_path, ducowatch_status_answer, w) == 0) {
		w->pending = u;
		w->has_pending = 1;
		return;
	}
	ducowatch_miners_show(w, &u, NULL);
	earn_user_free(&u);
done:
	ducowatch_tick_done(w);
}

/* --- balance ------------------------------------------------------------------ */
static void ducowatch_balance_answer(void *arg, const struct rest_answer *a)
{
	struct ducowatch *w = arg;
	struct earn_user u;

	if (ducowatch_take_user(w, a, &u) < 0)
		goto done;
	if (w->o.json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "user", w->user);
		jsonout_num(o, "balance", u.balance, JSONOUT_EXACT);
		jsonout_fprint(stdout, o);
		cJSON_Delete(o);
	} else {
		printf("%.9f\n", u.balance);
		fflush(stdout);
	}
	earn_user_free(&u);
done:
	ducowatch_tick_done(w);
}

/* --- top-avr ------------------------------------------------------------------ */
static void ducowatch_top_answer(void *arg, const struct rest_answer *a)
{
	struct ducowatch *w = arg;
	struct earn_avr_user *top;
	size_t n;
	char err[256], hms[16];

	if (!ducowatch_answer_ok(w, a))
		goto done;
	if (earn_parse_top_avr(a->status, a->content_type, a->body, w->o.min_avr, &top, &n,
			       err, sizeof(err)) < 0) {
		ducowatch_error(w, a, err);
		rest_penalize(&w->rest);
		goto done;
	}
	w->good++;
	w->ntop = 0;
	for (size_t i = 0; i < n && w->ntop < DUCOWATCH_MAX_USERS; i++)
		snprintf(w->top[w->ntop++], EARN_NAME_LEN, "%s", top[i].username);
	if (w->o.json) {
		cJSON *o = cJSON_CreateObject(), *list;
		char ts[32];

		mclock_iso8601(mclock_wall_us(), ts, sizeof(ts));
		cJSON_AddStringToObject(o, "time", ts);
		cJSON_AddNumberToObject(o, "min", w->o.min_avr);
		list = cJSON_AddArrayToObject(o, "users");
		for (size_t i = 0; list && i < n; i++) {
			cJSON *r = cJSON_CreateObject();

			cJSON_AddItemToArray(list, r);
			cJSON_AddNumberToObject(r, "n", (double)i);
			cJSON_AddStringToObject(r, "username", top[i].username);
			cJSON_AddNumberToObject(r, "avr_miners", top[i].avr_miners);
			cJSON_AddNumberToObject(r, "miners", top[i].miners);
			jsonout_num(r, "avr_hashrate", top[i].avr_hashrate, 1);
		}
		jsonout_fprint(stdout, o);
		cJSON_Delete(o);
	} else {
		ducowatch_local_hms(hms, sizeof(hms));
		printf("%s %zu users with at least %u AVR miners\n", hms, n, w->o.min_avr);
		printf("%3s  %-24s %5s %6s %10s\n", "#", "User", "AVR", "Miners", "AVR H/s");
		for (size_t i = 0; i < n; i++)
			printf("%3zu  %-24.24s %5u %6u %10.1f\n", i, top[i].username,
			       top[i].avr_miners, top[i].miners, top[i].avr_hashrate);
		fflush(stdout);
	}
	free(top);
done:
	ducowatch_tick_done(w);
}

/* --- ticks -------------------------------------------------------------------- */
static int ducowatch_start_tick(struct ducowatch *w)
{
	char path[EARN_NAME_LEN * 3 + 32], esc[EARN_NAME_LEN * 3 + 1];
	rest_done_fn *fn;
	int rc;

	if (rest_busy(&w->rest) || w->has_pending)
		return 0;       /* the previous tick's request is still out: skip */
	if (w->cmd == CMD_TOP_AVR) {
		snprintf(path, sizeof(path), "/miners");
		fn = ducowatch_top_answer;
	} else {
		if (rest_escape(w->user, esc, sizeof(esc)) < 0)
			return -ENAMETOOLONG;
		/* One request per tick: balance and miners together. */
		snprintf(path, sizeof(path), "/users/%s?limit=1", esc);
		fn = w->cmd == CMD_PERF ? ducowatch_perf_answer : w->cmd == CMD_BALANCE ?
		     ducowatch_balance_answer : ducowatch_miners_answer;
	}
	rc = rest_get(&w->rest, path, fn, w);
	if (rc < 0)
		fprintf(stderr, "ducowatch: request: %s\n", strerror(-rc));
	return rc;
}

static int64_t ducowatch_on_tick(struct evloop *el, long long id, void *arg)
{
	struct ducowatch *w = arg;

	ducowatch_start_tick(w);
	if (w->tick_s <= 0) {
		w->tick_timer = 0;
		return -1;
	}
	return (int64_t)(w->tick_s * 1e6);
}

/* Run-once commands stop when their answer is in. */
static void ducowatch_before_sleep(struct evloop *el, void *arg)
{
	struct ducowatch *w = arg;

	if (w->tick_s <= 0 && !w->tick_timer && !rest_busy(&w->rest) && !w->has_pending &&
	    !w->tty)
		ducowatch_stop(w);
}

static int64_t ducowatch_on_duration(struct evloop *el, long long id, void *arg)
{
	ducowatch_stop(arg);
	return -1;
}

static void ducowatch_set_tick(struct ducowatch *w, double s)
{
	w->tick_s = s;
	if (w->tick_timer)
		evloop_del_timer(w->el, w->tick_timer);
	w->tick_timer = evloop_add_timer(w->el, 0, ducowatch_on_tick, w);
	if (w->tick_timer < 0)
		w->tick_timer = 0;
}

/* --- keys --------------------------------------------------------------------- */
static void ducowatch_help_keys(const struct ducowatch *w)
{
	printf("keys: b balance, q query now, o show users, Nu switch to user N,\n"
	       "      f fast (2 s, changes only), n normal (10 s), x exit, ? this help\n");
	if (w->cmd == CMD_MINERS)
		printf("      p sort by accepted, h hashrate, w software, e share time, r reverse,\n"
		       "      d full-width names, Na top AVR users (N minimum), s show them, Nt switch to one\n");
	fflush(stdout);
}

static void ducowatch_switch_user(struct ducowatch *w, const char *name)
{
	snprintf(w->user, sizeof(w->user), "%s", name);
	earn_window_init(&w->win);
	w->header_done = 0;
	if (w->logf) {
		fclose(w->logf);
		w->logf = NULL;
	}
	printf("user is now %s\n", w->user);
	ducowatch_set_tick(w, w->tick_s);
}

static void ducowatch_key(struct ducowatch *w, char c)
{
	int n = w->number;

	if (c >= '0' && c <= '9') {
		w->number = (n < 0 ? 0 : n * 10) + (c - '0');
		if (w->number > 1000000)
			w->number = 1000000;
		return;
	}
	w->number = -1;
	switch (c) {
	case 'x':
		ducowatch_stop(w);
		break;
	case '?':
	case '#':
		ducowatch_help_keys(w);
		break;
	case 'b':
		w->show_balance = 1;
		ducowatch_start_tick(w);
		break;
	case 'q':
		ducowatch_start_tick(w);
		break;
	case 'o':
		for (int i = 0; i < w->nusers; i++)
			printf("%3d  %s\n", i, w->users[i]);
		if (!w->nusers)
			printf("no users file (--users): only %s\n", w->user);
		break;
	case 'u':
		if (n >= 0 && n < w->nusers)
			ducowatch_switch_user(w, w->users[n]);
		else
			printf("no user %d (o lists them)\n", n);
		break;
	case 'f':
		w->o.fast = 1;
		earn_window_init(&w->win);
		w->header_done = 0;
		ducowatch_set_tick(w, DUCOWATCH_FAST_S);
		break;
	case 'n':
		w->o.fast = 0;
		w->header_done = 0;
		ducowatch_set_tick(w, DUCOWATCH_TICK_S);
		break;
	case 'p': case 'h': case 'w': case 'e':
		w->o.sort = c == 'p' ? SORT_ACCEPTED : c == 'h' ? SORT_HASHRATE :
			    c == 'w' ? SORT_SOFTWARE : SORT_SHARETIME;
		ducowatch_start_tick(w);
		break;
	case 'r':
		w->o.reverse = !w->o.reverse;
		ducowatch_start_tick(w);
		break;
	case 'd':
		w->o.wide = !w->o.wide;
		ducowatch_start_tick(w);
		break;
	case 'a':
		if (!rest_busy(&w->rest)) {
			w->o.min_avr = n > 0 ? (uint32_t)n : 10;
			rest_get(&w->rest, "/miners", ducowatch_top_answer, w);
		}
		break;
	case 's':
		for (int i = 0; i < w->ntop; i++)
			printf("%3d  %s\n", i, w->top[i]);
		if (!w->ntop)
			printf("no top users yet (a gets them)\n");
		break;
	case 't':
		if (n >= 0 && n < w->ntop)
			ducowatch_switch_user(w, w->top[n]);
		else
			printf("no top user %d (s lists them)\n", n);
		break;
	default:
		break;
	}
	fflush(stdout);
}

static void ducowatch_on_stdin(struct evloop *el, int fd, int mask, void *arg)
{
	struct ducowatch *w = arg;
	char buf[64];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n <= 0) {
		evloop_del_file(el, fd);
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		ducowatch_key(w, buf[i]);
}

static void ducowatch_on_signal(struct evloop *el, int fd, int mask, void *arg)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		ducowatch_stop(arg);
}

static void ducowatch_tty_restore(struct ducowatch *w)
{
	if (w->tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &w->saved);
}

static int ducowatch_tty_setup(struct ducowatch *w)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO) || w->o.json)
		return 0;
	if (tcgetattr(STDIN_FILENO, &w->saved) < 0)
		return 0;
	t = w->saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t) < 0)
		return 0;
	w->tty = 1;
	return evloop_add_file(w->el, STDIN_FILENO, EVLOOP_READABLE, ducowatch_on_stdin, w);
}

/* --- start-up ----------------------------------------------------------------- */
static int ducowatch_read_users(struct ducowatch *w, char *err, size_t errlen)
{
	FILE *f;
	char line[256];

	if (!w->o.users_file[0])
		return 0;
	f = fopen(w->o.users_file, "r");
	if (!f) {
		snprintf(err, errlen, "--users %.200s: %s", w->o.users_file, strerror(errno));
		return -errno;
	}
	while (fgets(line, sizeof(line), f) && w->nusers < DUCOWATCH_MAX_USERS) {
		char *s = line, *e;

		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strcspn(s, "\r\n#");
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		*e = '\0';
		if (!*s)
			continue;
		if (strlen(s) >= EARN_NAME_LEN) {
			fclose(f);
			snprintf(err, errlen, "--users %.200s: a name longer than %d characters",
				 w->o.users_file, EARN_NAME_LEN - 1);
			return -ERANGE;
		}
		snprintf(w->users[w->nusers++], EARN_NAME_LEN, "%s", s);
	}
	fclose(f);
	return 0;
}

static int ducowatch_setup_signals(struct ducowatch *w)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	w->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (w->sigfd < 0)
		return -errno;
	return evloop_add_file(w->el, w->sigfd, EVLOOP_READABLE, ducowatch_on_signal, w);
}

/*
 * The rig's http_token from the first line of path, for the status client's
 * bearer header: kept out of argv (ps shows it) and out of the URL (error
 * messages print it). Says what is wrong; 0 or -1.
 */
static int ducowatch_status_token(struct rest_client *c, const char *path)
{
	char tok[300];
	size_t n;
	FILE *f = fopen(path, "r");
	int rc;

	if (!f) {
		fprintf(stderr, "ducowatch: --status-token-file %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!fgets(tok, sizeof(tok), f))
		tok[0] = '\0';
	fclose(f);
	n = strlen(tok);
	while (n && (tok[n - 1] == '\n' || tok[n - 1] == '\r' || tok[n - 1] == ' ' ||
		     tok[n - 1] == '\t'))
		tok[--n] = '\0';
	rc = n ? rest_set_bearer(c, tok) : -EINVAL;
	memset(tok, 0, sizeof(tok));
	if (rc < 0) {
		if (rc == -EINVAL)
			fprintf(stderr, "ducowatch: --status-token-file %s: its first line is no token "
				"(up to %d visible ASCII characters, no spaces: ducomaster's "
				"http_token)\n", path, HTTP_MAX_TOKEN);
		else
			fprintf(stderr, "ducowatch: --status-token-file %s: %s\n", path, strerror(-rc));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct ducowatch w;
	char err[512];
	int nargs = 0, rc;

	if (opt_defaults(&ducowatch_table, &w.o, err, sizeof(err)) < 0 ||
	    opt_parse(&ducowatch_table, &w.o, argc, argv, &nargs, err, sizeof(err)) < 0) {
		fprintf(stderr, "ducowatch: %s (try --help)\n", err);
		return DUCOWATCH_USAGE;
	}
	if (w.o.help) {
		opt_help(&ducowatch_table, stdout);
		return DUCOWATCH_OK;
	}
	if (nargs < 1 || nargs > 2) {
		fprintf(stderr, "ducowatch: which command: perf, miners, top-avr or balance "
			"(try --help)\n");
		return DUCOWATCH_USAGE;
	}
	if (strcmp(argv[1], "perf") == 0)
		w.cmd = CMD_PERF;
	else if (strcmp(argv[1], "miners") == 0)
		w.cmd = CMD_MINERS;
	else if (strcmp(argv[1], "top-avr") == 0 && nargs == 1)
		w.cmd = CMD_TOP_AVR;
	else if (strcmp(argv[1], "balance") == 0)
		w.cmd = CMD_BALANCE;
	else {
		fprintf(stderr, "ducowatch: unknown command '%.40s' (perf, miners, top-avr or "
			"balance; top-avr takes no user)\n", argv[1]);
		return DUCOWATCH_USAGE;
	}
	if (ducowatch_read_users(&w, err, sizeof(err)) < 0) {
		fprintf(stderr, "ducowatch: %s\n", err);
		return DUCOWATCH_USAGE;
	}
	if (nargs == 2) {
		if (!argv[2][0] || strlen(argv[2]) >= EARN_NAME_LEN) {
			fprintf(stderr, "ducowatch: USER must be 1..%d characters\n",
				EARN_NAME_LEN - 1);
			return DUCOWATCH_USAGE;
		}
		snprintf(w.user, sizeof(w.user), "%s", argv[2]);
	} else if (w.cmd != CMD_TOP_AVR) {
		if (!w.nusers) {
			fprintf(stderr, "ducowatch: no USER given and no --users file\n");
			return DUCOWATCH_USAGE;
		}
		snprintf(w.user, sizeof(w.user), "%s", w.users[0]);
	}
	w.tick_s = w.o.interval_s;
	if (w.cmd == CMD_PERF && w.tick_s <= 0)
		w.tick_s = w.o.fast ? DUCOWATCH_FAST_S : DUCOWATCH_TICK_S;
	if (w.o.fast && w.cmd == CMD_PERF && w.o.interval_s <= 0)
		w.tick_s = DUCOWATCH_FAST_S;
	w.number = -1;
	w.sigfd = -1;
	earn_window_init(&w.win);

	curl_global_init(CURL_GLOBAL_DEFAULT);
	w.el = evloop_new();
	if (!w.el) {
		fprintf(stderr, "ducowatch: event loop: %s\n", strerror(errno));
		return DUCOWATCH_NO_ANSWER;
	}
	rc = rest_init(&w.rest, w.el, NULL, w.o.api, (int64_t)(1e6 / w.o.rate),
		       (long)(w.o.timeout_s * 1000.0));
	if (rc < 0) {
		fprintf(stderr, "ducowatch: --api %s: %s\n", w.o.api, strerror(-rc));
		return DUCOWATCH_USAGE;
	}
	if (w.o.status_token_file[0] && (w.cmd != CMD_MINERS || !w.o.status[0])) {
		fprintf(stderr, "ducowatch: --status-token-file is for miners with --status\n");
		return DUCOWATCH_USAGE;
	}
	if (w.cmd == CMD_MINERS && w.o.status[0]) {
		/* Base and path apart: lib/rest asks base + path. */
		char base[256];
		const char *p = strstr(w.o.status, "://");

		p = p ? strchr(p + 3, '/') : NULL;
		snprintf(base, sizeof(base), "%.*s", p ? (int)(p - w.o.status) : (int)strlen(w.o.status),
			 w.o.status);
		snprintf(w.status_path, sizeof(w.status_path), "%s", p ? p : "/api/status");
		rc = rest_init(&w.status, w.el, NULL, base, REST_INTERVAL_MIN_US,
			       (long)(w.o.timeout_s * 1000.0));
		if (rc < 0) {
			fprintf(stderr, "ducowatch: --status %s: %s\n", w.o.status, strerror(-rc));
			return DUCOWATCH_USAGE;
		}
		w.status_on = 1;
		if (w.o.status_token_file[0] &&
		    ducowatch_status_token(&w.status, w.o.status_token_file) < 0)
			return DUCOWATCH_USAGE;
	}
	rc = ducowatch_setup_signals(&w);
	if (rc < 0) {
		fprintf(stderr, "ducowatch: signals: %s\n", strerror(-rc));
		return DUCOWATCH_NO_ANSWER;
	}
	if (w.cmd != CMD_BALANCE && ducowatch_tty_setup(&w) < 0)
		fprintf(stderr, "ducowatch: terminal keys unavailable\n");
	if (w.tty)
		printf("? lists the keys\n");
	if (w.o.duration_s > 0)
		evloop_add_timer(w.el, (int64_t)(w.o.duration_s * 1e6), ducowatch_on_duration, &w);
	evloop_set_before_sleep(w.el, ducowatch_before_sleep, &w);
	w.start_us = mclock_now_us(NULL);
	ducowatch_set_tick(&w, w.tick_s);
	evloop_run(w.el);

	ducowatch_tty_restore(&w);
	if (w.logf)
		fclose(w.logf);
	rest_free(&w.rest);
	if (w.status_on)
		rest_free(&w.status);
	if (w.has_pending)
		earn_user_free(&w.pending);
	evloop_free(w.el);
	curl_global_cleanup();
	return w.good ? DUCOWATCH_OK : DUCOWATCH_NO_ANSWER;
}
