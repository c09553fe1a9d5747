/*
 * test_earn.c - lib/earn by known answers: DUCO/day windows against figures
 * worked out by hand (below each case), every bad REST answer refused with
 * its one-line reason, the Kolka estimate and its calibration, and the web
 * wallet's classes and warnings at their band edges.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "earn.h"
#include "tap.h"

static int near(double a, double b, double tol)
{
	return fabs(a - b) <= tol;
}

static void test_window(void)
{
	struct earn_window w;
	struct earn_figures f;

	earn_window_init(&w);
	earn_window_figures(&w, &f);
	tap_ok(f.total == 0 && f.duco_per_day == 0, "no sample: all figures 0");

	/* jperf's run in the rig notes, 10 s ticks, balance in DUCO:
	 * start 423.575044802, then +5.879, +1.853, +1.946, +2.950, +2.531,
	 * +2.849, +4.706 mDUCO. */
	static const double gain_md[] = { 0, 5.879, 1.853, 1.946, 2.950, 2.531, 2.849, 4.706 };
	double bal = 423.575044802;

	for (int i = 0; i < 8; i++) {
		bal += gain_md[i] / 1000.0;
		earn_window_add(&w, 100.0 + 10.0 * i, bal);
		earn_window_figures(&w, &f);
		if (i == 1)
			/* 5.879 mDUCO in the first minute so far: x1440 = 8.466 DUCO/day
			 * (jperf printed 8.47); the average: 5.879e-3 / 10 s * 86400 = 50.79 */
			tap_ok(near(f.minute * 1000, 5.879, 1e-6) && near(f.duco_per_day, 8.46576, 1e-4) &&
			       near(f.avg_duco_per_day, 50.7946, 1e-3) && near(f.interval * 1000, 5.879, 1e-6),
			       "after 10 s: minute 5.879 mDUCO, 8.466 DUCO/day, avg 50.79 (%.4f %.4f %.4f)",
			       f.minute * 1000, f.duco_per_day, f.avg_duco_per_day);
		if (i == 6)
			/* t = 60 s: the sample at t = 0 is a minute old: minute = all six
			 * gains = 18.008 mDUCO (jperf: 18.008, 25.93/day) */
			tap_ok(near(f.minute * 1000, 18.008, 1e-6) && near(f.duco_per_day, 25.93152, 1e-4) &&
			       near(f.minute_s, 60, 1e-9) && near(f.total * 1000, 18.008, 1e-6),
			       "after 60 s: minute 18.008 mDUCO = 25.93 DUCO/day over 60 s (%.4f)",
			       f.duco_per_day);
		if (i == 7)
			/* t = 70 s: the window starts at t = 10: 18.008 + 4.706 - 5.879
			 * = 16.835 mDUCO (jperf: 16.836 with its rounding), 24.24/day;
			 * total 22.714 over 70 s = 28.0356 DUCO/day on average */
			tap_ok(near(f.minute * 1000, 16.835, 1e-6) && near(f.duco_per_day, 24.2424, 1e-4) &&
			       near(f.total * 1000, 22.714, 1e-6) && near(f.avg_duco_per_day, 28.03560, 1e-4),
			       "after 70 s: the minute slides (16.835 mDUCO, 24.24/day), avg 28.04 (%.4f %.4f)",
			       f.duco_per_day, f.avg_duco_per_day);
	}

	/* Fast mode: 2 s ticks, the balance changes at 0 -> 6 s -> 16 s. */
	earn_window_init(&w);
	earn_window_add(&w, 0, 1.0);
	earn_window_add(&w, 2, 1.0);
	earn_window_figures(&w, &f);
	tap_ok(!f.changed, "fast mode: an unchanged balance is no change");
	earn_window_add(&w, 4, 1.0);
	earn_window_add(&w, 6, 1.010019);
	earn_window_figures(&w, &f);
	tap_ok(f.changed && near(f.since_change_s, 6, 1e-9) && near(f.interval, 0.010019, 1e-9),
	       "fast mode: first change after 6 s, +10.019 mDUCO");
	for (int t = 8; t <= 16; t += 2)
		earn_window_add(&w, t, t == 16 ? 1.020094 : 1.010019);
	earn_window_figures(&w, &f);
	tap_ok(f.changed && near(f.since_change_s, 10, 1e-9) && near(f.interval, 0.010075, 1e-9),
	       "fast mode: next change 10 s later, +10.075 mDUCO (%.3f s)", f.since_change_s);

	/* A tick later than a minute (interval 90 s): the minute is the last
	 * interval, still scaled by 1440 as jperf does: 0.09 DUCO -> 129.6/day. */
	earn_window_init(&w);
	earn_window_add(&w, 0, 5.0);
	earn_window_add(&w, 90, 5.09);
	earn_window_figures(&w, &f);
	tap_ok(near(f.minute, 0.09, 1e-9) && near(f.minute_s, 90, 1e-9) &&
	       near(f.avg_duco_per_day, 86.4, 1e-6),
	       "a 90 s tick: minute = that tick, average 0.09 / 90 s = 86.4 DUCO/day");

	/* DUCO/day over the last 10 minutes at 30 s ticks: 1 mDUCO per tick =
	 * 20 mDUCO in 600 s -> 2.88 DUCO/day; a 5-tick run covers only 120 s. */
	{
		double cov;

		earn_window_init(&w);
		for (int i = 0; i <= 40; i++)
			earn_window_add(&w, 30.0 * i, 7.0 + 0.001 * i);
		tap_ok(near(earn_window_per_day(&w, 600, &cov), 2.88, 1e-9) && near(cov, 600, 1e-9),
		       "10-minute window at 30 s ticks: 2.88 DUCO/day over 600 s");
		earn_window_init(&w);
		for (int i = 0; i <= 4; i++)
			earn_window_add(&w, 30.0 * i, 7.0 + 0.001 * i);
		tap_ok(near(earn_window_per_day(&w, 600, &cov), 2.88, 1e-9) && near(cov, 120, 1e-9),
		       "a shorter run: the same rate over the 120 s it covers");
		earn_window_init(&w);
		earn_window_add(&w, 0, 1);
		tap_ok(earn_window_per_day(&w, 600, &cov) == 0 && cov == 0, "one sample: no rate");
	}

	/* More samples than the ring holds: the minute is still right. */
	earn_window_init(&w);
	for (int i = 0; i <= 1000; i++)
		earn_window_add(&w, i * 1.0, i * 0.001);
	earn_window_figures(&w, &f);
	tap_ok(near(f.minute, 0.060, 1e-9) && near(f.total, 1.0, 1e-9),
	       "1001 one-second ticks: minute 60 mDUCO, total 1 DUCO");
}

#define USER_OK "{\"result\":{\"balance\":{\"username\":\"alice\",\"balance\":12.5," \
	"\"verified\":\"yes\"},\"miners\":[{\"threadid\":\"1\",\"username\":\"alice\"," \
	"\"hashrate\":250.5,\"sharetime\":2.1,\"accepted\":40,\"rejected\":1,\"diff\":10," \
	"\"software\":\"ducorig 0.1 AVR I2C\",\"identifier\":\"rig1\",\"algorithm\":\"DUCO-S1\"," \
	"\"pool\":\"p\",\"wd\":\"None\",\"ki\":2},{\"threadid\":\"2\",\"username\":\"alice\"," \
	"\"hashrate\":\"100.5\",\"sharetime\":1,\"accepted\":3,\"rejected\":0,\"diff\":10," \
	"\"software\":\"x\",\"identifier\":\"rig2\",\"ki\":1}],\"transactions\":[]}," \
	"\"success\":true,\"server\":\"p\"}"

struct bad_case {
	long status;
	const char *ctype, *body;
	int err;
	const char *needle;     /* in the message */
};

static void test_parsers(void)
{
	struct earn_user u;
	char err[256];
	int rc;

	rc = earn_parse_user(200, "application/json", USER_OK, "alice", &u, err, sizeof(err));
	tap_ok(rc == 0 && near(u.balance, 12.5, 0) && u.nminers == 2 && near(u.hashrate, 351.0, 1e-9) &&
	       u.miners[0].ki == 2 && u.miners[0].accepted == 40 && u.miners[0].diff == 10 &&
	       strcmp(u.miners[1].identifier, "rig2") == 0 && strcmp(u.username, "alice") == 0,
	       "/users: balance 12.5, 2 miners, 351 H/s (a number given as a string too)");
	earn_user_free(&u);

	static const struct bad_case bad[] = {
		{ 200, "application/json", "", EARN_E_NOT_JSON, "not JSON" },
		{ 200, "application/json", "Internal error", EARN_E_NOT_JSON, "'Internal error'" },
		{ 200, "application/json", "{\"success\":true,\"result\":{}} trailing", EARN_E_NOT_JSON, "not JSON" },
		{ 502, "text/html", "<html><head><title>502 Bad Gateway</title></head></html>",
		  EARN_E_HTML, "HTML page instead of JSON (HTTP 502, '502 Bad Gateway')" },
		{ 200, NULL, "  <!DOCTYPE html><p>maintenance", EARN_E_HTML, "no title" },
		{ 429, "text/plain", "Too many requests", EARN_E_HTTP, "HTTP 429 (too many requests)" },
		{ 500, "application/json", "{\"result\":1,\"success\":true}", EARN_E_HTTP, "HTTP 500" },
		{ 200, "application/json", "{\"message\":\"User not found\",\"success\":false}",
		  EARN_E_UNKNOWN_USER, "user 'alice' not found" },
		{ 200, "application/json", "{\"message\":\"Server overloaded\",\"success\":false}",
		  EARN_E_FAILED, "the server says: Server overloaded" },
		{ 200, "application/json", "{\"success\":false}", EARN_E_FAILED, "(no message)" },
		{ 200, "application/json", "[1,2]", EARN_E_FIELD, "'success'" },
		{ 200, "application/json", "{\"result\":{}}", EARN_E_FIELD, "'success'" },
		{ 200, "application/json", "{\"result\":[],\"success\":true}", EARN_E_FIELD, "'result'" },
		{ 200, "application/json", "{\"result\":{\"miners\":[]},\"success\":true}",
		  EARN_E_FIELD, "'result.balance'" },
		{ 200, "application/json", "{\"result\":{\"balance\":{\"balance\":\"lots\"},\"miners\":[]},"
		  "\"success\":true}", EARN_E_FIELD, "'result.balance.balance' missing or not a number" },
		{ 200, "application/json", "{\"result\":{\"balance\":{\"balance\":1}},\"success\":true}",
		  EARN_E_FIELD, "'miners'" },
		{ 200, "application/json", "{\"result\":{\"balance\":{\"balance\":1},\"miners\":[{\"hashrate\":1,"
		  "\"accepted\":1,\"rejected\":0,\"software\":\"x\"}]},\"success\":true}",
		  EARN_E_FIELD, "'miners[0].diff'" },
		{ 200, "application/json", "{\"result\":{\"balance\":{\"balance\":1},\"miners\":[{\"hashrate\":-5,"
		  "\"accepted\":1,\"rejected\":0,\"diff\":1,\"software\":\"x\"}]},\"success\":true}",
		  EARN_E_FIELD, "'miners[0].hashrate'" },
		{ 200, "application/json", "{\"result\":{\"balance\":{\"balance\":1},\"miners\":[7]},"
		  "\"success\":true}", EARN_E_FIELD, "'miners[0]' missing or not an object" },
		{ 200, "application/json", "{\"message\":\"a\\u0007b\\nc\",\"success\":false}",
		  EARN_E_FAILED, "a b c" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		rc = earn_parse_user(bad[i].status, bad[i].ctype, bad[i].body, "alice", &u, err,
				     sizeof(err));
		tap_ok(rc == -bad[i].err && strstr(err, bad[i].needle) && !strchr(err, '\n'),
		       "bad answer %zu refused as %s: %s", i, earn_error_name[bad[i].err], err);
		earn_user_free(&u);
	}

	struct earn_miner *rows;
	size_t n;

	rc = earn_parse_miners(200, "application/json",
			       "{\"result\":[{\"hashrate\":361,\"accepted\":5,\"rejected\":0,\"diff\":10,"
			       "\"software\":\"s AVR\",\"identifier\":\"r\",\"ki\":1}],\"success\":true}",
			       "bob", &rows, &n, err, sizeof(err));
	tap_ok(rc == 0 && n == 1 && rows[0].hashrate == 361, "/miners/<user>: one row");
	free(rows);
	rc = earn_parse_miners(200, "application/json", "{\"result\":[],\"success\":true}", "bob",
			       &rows, &n, err, sizeof(err));
	tap_ok(rc == 0 && n == 0 && !rows, "/miners/<user>: an empty list is no miners");

	struct earn_avr_user *top;
	const char *all = "{\"result\":{"
		"\"a\":[{\"hashrate\":200,\"accepted\":1,\"rejected\":0,\"diff\":10,\"software\":\"x AVR\"},"
		"{\"hashrate\":100,\"accepted\":1,\"rejected\":0,\"diff\":10,\"software\":\"PC\"}],"
		"\"b\":[{\"hashrate\":1,\"accepted\":1,\"rejected\":0,\"diff\":10,\"software\":\"AVR\"},"
		"{\"hashrate\":2,\"accepted\":1,\"rejected\":0,\"diff\":10,\"software\":\"AVR I2C\"},"
		"{\"hashrate\":3,\"accepted\":1,\"rejected\":0,\"diff\":10,\"software\":\"AVR\"}],"
		"\"c\":[]},\"success\":true}";

	rc = earn_parse_top_avr(200, "application/json", all, 1, &top, &n, err, sizeof(err));
	tap_ok(rc == 0 && n == 2 && strcmp(top[0].username, "b") == 0 && top[0].avr_miners == 3 &&
	       near(top[0].avr_hashrate, 6, 1e-9) && strcmp(top[1].username, "a") == 0 &&
	       top[1].avr_miners == 1 && top[1].miners == 2,
	       "top-avr: users by AVR miners, most first (b 3, a 1 of 2)");
	free(top);
	rc = earn_parse_top_avr(200, "application/json", all, 2, &top, &n, err, sizeof(err));
	tap_ok(rc == 0 && n == 1 && strcmp(top[0].username, "b") == 0, "top-avr --min 2: only b");
	free(top);
	rc = earn_parse_top_avr(200, "application/json",
				"{\"result\":[{\"username\":\"z\",\"hashrate\":1,\"accepted\":1,"
				"\"rejected\":0,\"diff\":1,\"software\":\"AVR\"}],\"success\":true}",
				1, &top, &n, err, sizeof(err));
	tap_ok(rc == 0 && n == 1 && strcmp(top[0].username, "z") == 0,
	       "top-avr: a flat list of rows with usernames");
	free(top);
	rc = earn_parse_top_avr(200, "application/json", "{\"result\":{\"a\":5},\"success\":true}",
				1, &top, &n, err, sizeof(err));
	tap_ok(rc == -EARN_E_FIELD && strstr(err, "result.<user>"), "top-avr: a user's rows not a list: %s", err);

	enum earn_key k = EARN_KEY_WRONG;

	rc = earn_parse_key(200, "application/json", "{\"success\":true,\"has_key\":true}", &k, err, sizeof(err));
	tap_ok(rc == 0 && k == EARN_KEY_MATCH, "mining_key: key matches");
	rc = earn_parse_key(200, "application/json", "{\"success\":true,\"has_key\":false}", &k, err, sizeof(err));
	tap_ok(rc == 0 && k == EARN_KEY_NONE, "mining_key: no key on the account");
	rc = earn_parse_key(200, "application/json", "{\"success\":false,\"has_key\":true}", &k, err, sizeof(err));
	tap_ok(rc == 0 && k == EARN_KEY_WRONG, "mining_key: wrong key");
	rc = earn_parse_key(200, "application/json", "{\"success\":false,\"has_key\":false}", &k, err, sizeof(err));
	tap_ok(rc == -EARN_E_FIELD, "mining_key: success false without a key is refused: %s", err);
	rc = earn_parse_key(200, "application/json", "{\"success\":false,\"message\":\"User not found\"}",
			    &k, err, sizeof(err));
	tap_ok(rc == -EARN_E_UNKNOWN_USER, "mining_key: unknown user: %s", err);
	rc = earn_parse_key(404, "text/html", "<title>Not Found</title>", &k, err, sizeof(err));
	tap_ok(rc == -EARN_E_HTML, "mining_key: an HTML page: %s", err);
	rc = earn_parse_key(200, "application/json", "yes", &k, err, sizeof(err));
	tap_ok(rc == -EARN_E_NOT_JSON, "mining_key: not JSON: %s", err);
}

static void test_estimate(void)
{
	struct earn_estimate e;

	/* 2 * ln(343) = 11.67545; / 37500 = 3.11345e-4 DUCO */
	tap_ok(earn_share_reward(343, 1, 10, 37500) == 0, "share 10 of a connection pays nothing");
	tap_ok(near(earn_share_reward(343, 1, 11, 37500), 3.11345e-4, 1e-9),
	       "share 11 at 343 H/s, ki 1: 2 ln 343 / 37500 = 3.11345e-4 DUCO");
	/* ki 3: x 0.96^2 = 0.9216 */
	tap_ok(near(earn_share_reward(343, 3, 50, 37500), 3.11345e-4 * 0.9216, 1e-9),
	       "ki 3: x 0.9216");
	tap_ok(earn_share_reward(1.0, 1, 50, 37500) == 0 && earn_share_reward(NAN, 1, 50, 37500) == 0,
	       "a hashrate <= 1 or nan pays nothing");

	/* 20 shares at 343 H/s: 10 paid; over 2.237 s a share (44.74 s):
	 * 10 * 3.11345e-4 = 3.11345e-3 DUCO -> 3.11345e-3 / 44.74 * 86400 = 6.0125 DUCO/day */
	earn_estimate_init(&e, 0);
	for (int i = 1; i <= 20; i++)
		earn_estimate_share(&e, 343, 1, (uint64_t)i);
	tap_ok(e.shares == 20 && e.paid == 10 && near(e.duco, 3.11345e-3, 1e-8) && !e.calibrated &&
	       e.div == EARN_REWARD_DIV_DEFAULT,
	       "estimate: 20 shares, 10 paid, 3.113e-3 DUCO at the default divisor");
	tap_ok(near(earn_estimate_per_day(&e, 44.74), 6.0125, 1e-3), "estimate: 6.01 DUCO/day (%.4f)",
	       earn_estimate_per_day(&e, 44.74));
	/* The pool paid half as much: the divisor doubles to 75000. */
	tap_ok(earn_estimate_calibrate(&e, e.weight, 3.11345e-3 / 2) && e.calibrated &&
	       near(e.div, 75000, 1) && near(e.duco, 3.11345e-3 / 2, 1e-8),
	       "calibrated from balance growth: divisor 75000 (%.1f)", e.div);
	tap_ok(!earn_estimate_calibrate(&e, e.weight, 0) && !earn_estimate_calibrate(&e, 0, 1),
	       "no calibration without growth or weights");
}

static void test_wallet(void)
{
	struct earn_miner m = { .diff = 10, .ki = 1 };
	char w[128];

	tap_ok(earn_wallet_class("ducorig AVR I2C", 10) == EARN_CLASS_AVR_I2C &&
	       earn_wallet_class("Official AVR Miner", 10) == EARN_CLASS_AVR_NORMAL &&
	       earn_wallet_class("AVR pico", 333) == EARN_CLASS_AVR_PICO &&
	       earn_wallet_class("PC Miner", 10) == EARN_CLASS_OTHER,
	       "wallet classes: I2C, Normal, Pico, other");
	snprintf(m.software, sizeof(m.software), "x AVR I2C");
	m.hashrate = 250;
	earn_wallet_warning(&m, w, sizeof(w));
	tap_ok(!*w, "I2C at 250 H/s: no warning");
	m.hashrate = 270;
	earn_wallet_warning(&m, w, sizeof(w));
	tap_ok(strcmp(w, "Incorrect hashrate") == 0, "I2C at 270 H/s: Incorrect hashrate (band is open)");
	m.hashrate = 225;
	earn_wallet_warning(&m, w, sizeof(w));
	tap_ok(strcmp(w, "Incorrect hashrate") == 0, "I2C at 225 H/s: Incorrect hashrate");
	snprintf(m.software, sizeof(m.software), "x AVR");
	m.hashrate = 361;
	earn_wallet_warning(&m, w, sizeof(w));
	tap_ok(!*w, "Normal at 361 H/s: no warning");
	m.hashrate = 380;
	earn_wallet_warning(&m, w, sizeof(w));
	tap_ok(strcmp(w, "Incorrect hashrate") == 0, "Normal at 380 H/s: Incorrect hashrate");
	/* 0.96^22 = 0.4072 (no warning), 0.96^23 = 0.3909 (warning) */
	m.hashrate = 300;
	m.ki = 23;
	earn_wallet_warning(&m, w, sizeof(w));
	tap_ok(!*w, "ki 23: efficiency 40.7 %%, no warning");
	m.ki = 24;
	earn_wallet_warning(&m, w, sizeof(w));
	tap_ok(strcmp(w, "Too many miners - low Kolka efficiency") == 0, "ki 24: 39.1 %%, low Kolka efficiency");
	m.hashrate = 100;
	earn_wallet_warning(&m, w, sizeof(w));
	tap_ok(strcmp(w, "Incorrect hashrate; Too many miners - low Kolka efficiency") == 0,
	       "both warnings joined");
	snprintf(m.software, sizeof(m.software), "PC Miner");
	m.ki = 1;
	earn_wallet_warning(&m, w, sizeof(w));
	tap_ok(!*w, "another class: no hashrate band");
}

/* ducomaster's /api/status and which board a REST row is. */
static void test_match(void)
{
	static const char status[] =
		"{\"rig\":{\"rig_id\":\"None\",\"software\":\"ducorig AVR I2C\"},\"boards\":["
		"{\"bus\":\"i2c-1\",\"addr\":\"0x08\",\"identity\":{\"ducoid\":\"DUCOIDAA\",\"group_id\":\"11\"}},"
		"{\"bus\":\"i2c-1\",\"addr\":\"0x08\",\"identity\":{\"ducoid\":\"DUCOIDAA\",\"group_id\":\"11\"}},"
		"{\"bus\":\"i2c-1\",\"addr\":\"0x09\",\"identity\":{\"ducoid\":\"DUCOIDBB\",\"group_id\":\"\"}}]}";
	struct earn_rig r;
	struct earn_miner m = { .identifier = "None", .wd = "None", .software = "ducorig AVR I2C" };
	enum earn_match_how how;
	char err[128] = "";

	tap_ok(earn_parse_status(200, "application/json", status, &r, err, sizeof(err)) == 0 &&
	       r.nboards == 2 && r.boards[0].workers == 2 && !strcmp(r.rig_id, "None"),
	       "status: rows per worker grouped into 2 boards (%s)", err);
	tap_ok(earn_match(&r, &m, &how) == 1 && how == EARN_MATCH_ONLY,
	       "no grouping id, rig id None on both sides: the one board without one");
	snprintf(m.wd, sizeof(m.wd), "11");
	tap_ok(earn_match(&r, &m, &how) == 0 && how == EARN_MATCH_GROUP, "grouping id 11: 0x08");
	snprintf(m.identifier, sizeof(m.identifier), "rig2");
	tap_ok(earn_match(&r, &m, &how) == -1 && how == EARN_MATCH_NONE,
	       "the same grouping id from another rig: unmatched");
	snprintf(m.ducoid, sizeof(m.ducoid), "ducoidbb");
	tap_ok(earn_match(&r, &m, &how) == 1 && how == EARN_MATCH_DUCOID,
	       "a DUCOID decides alone (case as the API may write it)");
	snprintf(m.ducoid, sizeof(m.ducoid), "None");
	snprintf(m.identifier, sizeof(m.identifier), "None");
	snprintf(m.wd, sizeof(m.wd), "None");
	snprintf(m.software, sizeof(m.software), "Official AVR Miner");
	tap_ok(earn_match(&r, &m, &how) == -1 && how == EARN_MATCH_NONE,
	       "another software under the same rig id: unmatched");
	earn_rig_free(&r);
	tap_ok(earn_parse_status(401, "text/plain", "no", &r, err, sizeof(err)) < 0 &&
	       strstr(err, "--status-token-file"), "status 401: says how to pass the token (%s)", err);
	tap_ok(earn_parse_status(200, "application/json", "{\"rig\":1}", &r, err, sizeof(err)) < 0,
	       "status without boards refused");
}

int main(void)
{
	test_match();
	test_window();
	test_parsers();
	test_estimate();
	test_wallet();
	return tap_done();
}
