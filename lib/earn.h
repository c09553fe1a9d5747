/*
 * earn.h - what a rig earns: the Duino-Coin REST answers it is judged by,
 * the DUCO/day arithmetic, the local reward estimate and the official web
 * wallet's warnings. Pure functions and plain structs (no I/O, no clock of
 * its own): ducowatch and ducomaster drive them with lib/rest and their
 * event loop, the tests with hand-made numbers.
 *
 * Answers are untrusted text. A parser accepts only the shapes of the public
 * API (../shared/reference/duco-protocol.md, "REST API for monitoring"):
 * envelope {"result": ..., "success": true} or {"message": ..., "success":
 * false}; anything else is refused with a one-line reason in the caller's
 * buffer (not JSON, an HTML page, success false with the server's message,
 * a missing or mistyped field, an unknown user), and EARN_E_* says which.
 *
 * Window arithmetic follows the rig notes' jperf: balances sampled at ticks;
 * "minute" is the gain since the newest sample at least 60 s old (or since
 * the first sample, so it grows during the first minute, as jperf's does),
 * DUCO/day is that minute scaled by 1440, and the run's average is the
 * total gain over the run's time, scaled to a day.
 */
#ifndef EARN_H
#define EARN_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* Why an answer was refused (returned negated). */
enum earn_error {
	EARN_OK = 0,
	EARN_E_TRANSPORT,       /* no HTTP answer (time-out, connection) */
	EARN_E_HTTP,            /* HTTP status not 2xx (429 included) */
	EARN_E_HTML,            /* an HTML page instead of JSON */
	EARN_E_NOT_JSON,
	EARN_E_FAILED,          /* success false: the server's message */
	EARN_E_UNKNOWN_USER,    /* success false, the user does not exist */
	EARN_E_FIELD,           /* a field missing or of the wrong type */
	EARN_E_COUNT
};

extern const char *const earn_error_name[EARN_E_COUNT];

#define EARN_NAME_LEN 64

/* One row of /miners/<user> (and of /users/<user>'s "miners"). */
struct earn_miner {
	char username[EARN_NAME_LEN];
	char threadid[EARN_NAME_LEN];
	char identifier[EARN_NAME_LEN];         /* the rig id */
	char software[96];
	char wd[EARN_NAME_LEN];                 /* wallet-grouping id, "None" */
	char ducoid[EARN_NAME_LEN];             /* chip id, "" (the public API lists none) */
	double hashrate;                        /* as the pool lists it (reported) */
	double sharetime;
	uint64_t accepted, rejected;
	uint32_t diff;
	uint32_t ki;                            /* Kolka ordinal, 0 if absent */
};

/* /users/<user>: the balance and the miners of one request. */
struct earn_user {
	char username[EARN_NAME_LEN];
	double balance;
	size_t nminers;
	struct earn_miner *miners;              /* malloc'd; earn_user_free */
	double hashrate;                        /* sum of the miners' */
};

void earn_user_free(struct earn_user *u);

/*
 * Judge an HTTP answer's body (status and content type as received) and
 * parse it. 0 or -EARN_E_*; err holds one line ("user 'x' not found",
 * "not JSON: '<!DOCTYPE html>...'", "field 'balance' missing", ...).
 */
int earn_parse_user(long status, const char *ctype, const char *body, const char *user,
		    struct earn_user *u, char *err, size_t errlen);
/* /miners/<user>: rows into *rows (malloc'd, free()), count in *n. */
int earn_parse_miners(long status, const char *ctype, const char *body, const char *user,
		      struct earn_miner **rows, size_t *n, char *err, size_t errlen);

/* Users with at least min AVR miners (software containing "AVR"), most first. */
struct earn_avr_user {
	char username[EARN_NAME_LEN];
	unsigned avr_miners, miners;
	double avr_hashrate;
};
/* /miners (every running miner: {"result": {user: [rows]}} or a list of rows
 * with "username"); *out malloc'd. 0 or -EARN_E_*. */
int earn_parse_top_avr(long status, const char *ctype, const char *body, unsigned min,
		       struct earn_avr_user **out, size_t *n, char *err, size_t errlen);

/* /mining_key?u=&k=: the three answers of the reference. */
enum earn_key {
	EARN_KEY_MATCH,         /* success true, has_key true */
	EARN_KEY_NONE,          /* success true, has_key false: the account has no key */
	EARN_KEY_WRONG,         /* success false, has_key true: mining for nothing */
};
int earn_parse_key(long status, const char *ctype, const char *body, enum earn_key *k,
		   char *err, size_t errlen);

/* --- the local rig ------------------------------------------------------------ */
/*
 * One board of the local rig as ducomaster's /api/status lists it (its rows
 * are per pool worker; the boards are those rows grouped by bus and addr).
 */
struct earn_local {
	char bus[72], addr[16];              /* as shown; earn_get_str keeps len - 5 */
	char ducoid[EARN_NAME_LEN];
	char group_id[EARN_NAME_LEN];           /* the results' 6th field, "" none */
	unsigned workers;
};

struct earn_rig {
	char rig_id[EARN_NAME_LEN];             /* the results' rig field */
	char software[96];
	size_t nboards;
	struct earn_local *boards;              /* malloc'd; earn_rig_free */
};

void earn_rig_free(struct earn_rig *r);
/* ducomaster's /api/status answer: 0 or -EARN_E_* with err one line. */
int earn_parse_status(long status, const char *ctype, const char *body, struct earn_rig *r,
		      char *err, size_t errlen);

enum earn_match_how {
	EARN_MATCH_NONE,        /* not this rig's, or no board of it fits */
	EARN_MATCH_DUCOID,      /* the row's DUCOID is a board's */
	EARN_MATCH_GROUP,       /* rig id and wallet-grouping id (a board's threads) */
	EARN_MATCH_ONLY,        /* rig id, no grouping id: the rig's one board without one */
	EARN_MATCH_AMBIGUOUS,   /* rig id, no grouping id, several boards without one */
};
extern const char *const earn_match_name[];

/*
 * Which local board a REST miner row is: by DUCOID when the row carries one
 * (only then), else by the rig id and the grouping id its threads share; a
 * board of one thread sends no grouping id, so a row without one is that
 * board only when it is the rig's only such board (the software must be
 * the rig's too). The board's index, or -1 with *how saying why not.
 */
int earn_match(const struct earn_rig *r, const struct earn_miner *m, enum earn_match_how *how);

/* --- DUCO per day ----------------------------------------------------------- */
#define EARN_MINUTE_S 60.0
#define EARN_WINDOW_SAMPLES 256         /* ticks kept: 60 s at the 2 s fast tick, with room */

struct earn_window {
	double t[EARN_WINDOW_SAMPLES];  /* seconds (any monotonic origin) */
	double bal[EARN_WINDOW_SAMPLES];
	unsigned head, count;           /* ring: head = next slot */
	double t0, bal0;                /* the run's first sample */
	double last_t, last_bal;
	double prev_bal;                /* the sample before the last */
	double last_change_t;           /* when the balance last changed (fast mode) */
	double prev_change_t;
	unsigned changes;
};

struct earn_figures {
	double balance;
	double total;                   /* gained since the first sample */
	double interval;                /* since the previous sample */
	double minute;                  /* over the last minute (see above) */
	double minute_s;                /* the time minute covers */
	double duco_per_day;            /* minute * 1440, as jperf shows */
	double avg_duco_per_day;        /* total over the run, scaled to a day */
	double elapsed_s;
	int changed;                    /* the balance moved at this sample */
	double since_change_s;          /* time since the previous change (at a change) */
};

void earn_window_init(struct earn_window *w);
/* One tick's balance at time t (seconds, not going backwards). */
void earn_window_add(struct earn_window *w, double t, double balance);
/* The figures at the newest sample; all 0 before the first. */
void earn_window_figures(const struct earn_window *w, struct earn_figures *f);
/* DUCO/day over the last span_s (since the newest sample at least that old,
 * or the oldest kept), *covered_s the time it covers; 0 with < 2 samples. */
double earn_window_per_day(const struct earn_window *w, double span_s, double *covered_s);

/* --- the local estimate (Kolka) --------------------------------------------- */
#define EARN_KOLKA_FREE_SHARES 10        /* a connection's first shares pay nothing */
#define EARN_REWARD_DIV_DEFAULT 37500.0  /* ducopool's calibration (docs/ducopool.md) */

/* What one accepted share pays: 2*ln(hashrate)/div*0.96^(ki-1); 0 for a
 * connection's first EARN_KOLKA_FREE_SHARES (share_no counts from 1) and
 * for a hashrate <= 1. */
double earn_share_reward(double hashrate, unsigned ki, uint64_t share_no, double div);
/* The same without the divisor (for calibrating it). */
double earn_share_weight(double hashrate, unsigned ki, uint64_t share_no);

/*
 * The estimate for one board or a rig: the weights of its accepted shares
 * add up; with a measured balance gain over the same time the divisor is
 * calibrated (weights / gain), else the default is used.
 */
struct earn_estimate {
	double weight;          /* sum of share weights since start */
	double duco;            /* weight / divisor in use */
	uint64_t shares, paid;
	double div;             /* divisor in use */
	int calibrated;         /* 1: div measured from balance growth */
};
void earn_estimate_init(struct earn_estimate *e, double div);
void earn_estimate_share(struct earn_estimate *e, double hashrate, unsigned ki,
			 uint64_t share_no);
/* Weights w and a balance gain g over the same time: div = w / g when both are
 * large enough to mean something (g > 0, w > 0); returns 1 if it was taken. */
int  earn_estimate_calibrate(struct earn_estimate *e, double weight, double gained);
/* Estimated DUCO over elapsed_s scaled to a day (0 before any time passed). */
double earn_estimate_per_day(const struct earn_estimate *e, double elapsed_s);

/* --- the official web wallet's warnings ------------------------------------- */
enum earn_class {
	EARN_CLASS_OTHER,
	EARN_CLASS_AVR_I2C,     /* software contains "I2C" */
	EARN_CLASS_AVR_NORMAL,  /* contains "AVR", diff not 333 */
	EARN_CLASS_AVR_PICO,    /* contains "AVR", diff 333 */
};
extern const char *const earn_class_name[];

enum earn_class earn_wallet_class(const char *software, uint32_t diff);
/* Kolka efficiency of the ki-th worker: 0.96^(ki-1) (1 for ki 0 or 1). */
double earn_kolka_efficiency(unsigned ki);
/* The wallet's warnings for a row, "" when none, else "; "-joined:
 * "Incorrect hashrate" (I2C unless 225 < h < 270, Normal unless
 * 280 < h < 380) and "Too many miners - low Kolka efficiency" (< 40 %). */
void earn_wallet_warning(const struct earn_miner *m, char *out, size_t len);

#endif
