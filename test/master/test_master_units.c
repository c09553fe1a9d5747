/*
 * test_master_units.c - known-answer tests of ducomaster's pure parts: the
 * config table (file, flags, errors that name the key), the pool protocol
 * parsers and formatters, the rate-limit and poll arithmetic, the connect
 * limiter, the job-log line and the getPool parser. TAP on stdout; temp
 * files only under $TMPDIR.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "discover.h"
#include "joblog.h"
#include "pool.h"
#include "ratelimit.h"
#include "tap.h"

static char tmpdir[256];

static const char *write_file(const char *name, const char *text, int mode)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	chmod(path, (mode_t)mode);
	return path;
}

/*
 * The per-slave "ADDR=v[/v...]" lists, slave_limits and health_calibration:
 * the values an entry gives over the defaults, and an entry without its
 * first value refused by name (it once failed only the first value's bound,
 * with a message about the whole list).
 */
static void test_config_addr_lists(struct config *c)
{
	static const char *const no_first[] = { "0x0a=", "0x0a=/0.1", "0x08=300, 0x0a=" };
	double bg, off, gain, m, g;
	char err[256];

	for (size_t i = 0; i < sizeof(no_first) / sizeof(no_first[0]); i++) {
		config_set(c, "slave_limits", no_first[i], err, sizeof(err));
		err[0] = '\0';
		tap_ok(config_validate(c, err, sizeof(err)) == -EINVAL &&
		       !strcmp(err, "slave_limits: 0x0a= has no max (addr=max[/margin],...)"),
		       "slave_limits %s: no max, said so: %s", no_first[i], err);
	}
	config_set(c, "slave_limits", "0x0a=250/", err, sizeof(err));
	tap_ok(config_validate(c, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "slave_limits: '0x0a=250/' is not addr=max[/margin]"),
	       "slave_limits with an empty margin refused: %.70s", err);
	config_set(c, "slave_limits", "0x0a=x", err, sizeof(err));
	tap_ok(config_validate(c, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "slave_limits: '0x0a=x' is not addr=max[/margin]"),
	       "slave_limits with a max that is no number: the list's syntax: %.70s", err);
	config_set(c, "slave_limits", "0x0a=250/0.1/0.2", err, sizeof(err));
	tap_ok(config_validate(c, err, sizeof(err)) == -EINVAL && strstr(err, "slave_limits"),
	       "slave_limits with a third value refused");
	config_set(c, "slave_limits", "0x08=300/0.1 0x0a=250", err, sizeof(err));
	tap_ok(config_validate(c, err, sizeof(err)) == 0 &&
	       config_slave_limit(c, 0x0a, &m, &g) == 1 && m == 250 && g == c->margin,
	       "slave_limits split at a space too");
	config_set(c, "slave_limits", "", err, sizeof(err));

	config_set(c, "health_calibration", "0x09=", err, sizeof(err));
	tap_ok(config_validate(c, err, sizeof(err)) == -EINVAL &&
	       !strcmp(err, "health_calibration: 0x09= has no bandgap_mV "
		       "(addr=bandgap_mV[/offset_C[/gain]],...)"),
	       "health_calibration 0x09=: no bandgap, said so: %s", err);
	config_set(c, "health_calibration", "0x09=1100//1", err, sizeof(err));
	tap_ok(config_validate(c, err, sizeof(err)) == -EINVAL &&
	       strstr(err, "health_calibration: '0x09=1100//1' is not addr=bandgap_mV"),
	       "health_calibration with an empty offset refused: %.70s", err);
	config_set(c, "health_calibration", "0x08=1085/-3.5/1.2,0x09=1112", err, sizeof(err));
	tap_ok(config_validate(c, err, sizeof(err)) == 0, "health_calibration accepted");
	tap_ok(config_health_cal(c, 0x08, &bg, &off, &gain) == 1 && bg == 1085 && off == -3.5 &&
	       gain == 1.2, "0x08: bandgap, offset and gain of its entry");
	tap_ok(config_health_cal(c, 0x09, &bg, &off, &gain) == 1 && bg == 1112 && off == 0 &&
	       gain == 1, "0x09: its bandgap, offset 0 and gain 1");
	tap_ok(config_health_cal(c, 0x0a, &bg, &off, &gain) == 0 && bg == 1100 && off == 0 &&
	       gain == 1, "0x0a: no entry, 1100 mV / 0 / 1");
	config_set(c, "health_calibration", "", err, sizeof(err));
}

static void test_config(void)
{
	struct config c;
	char err[256];
	const char *p;
	int rc;

	memset(&c, 0, sizeof(c));
	tap_ok(opt_defaults(&config_table, &c, err, sizeof(err)) == 0,
	       "every ducomaster default passes its own row");
	config_defaults(&c);
	tap_ok(c.tier == CONFIG_TIER_AVR && c.max_hashrate == 380 && c.margin == 0.05 &&
	       !strcmp(c.software, "ducorig AVR I2C Miner 0.1"), "defaults from the table");
	rc = config_set(&c, "max_hashrate", "-5", err, sizeof(err));
	tap_ok(rc == -ERANGE && strstr(err, "max_hashrate"), "out of range names the key: %s", err);
	rc = config_set(&c, "poll_interval_ms", "12x", err, sizeof(err));
	tap_ok(rc == -EINVAL && strstr(err, "poll_interval_ms"), "not a number names the key: %s", err);
	rc = config_set(&c, "tier", "FAST", err, sizeof(err));
	tap_ok(rc == -EINVAL && strstr(err, "tier"), "bad enum names the key: %s", err);
	tap_ok(config_set(&c, "tier", "auto", err, sizeof(err)) == 0 && c.tier == CONFIG_TIER_AUTO,
	       "tier auto accepted");

	p = write_file("good.json",
		"{\"user\":\"alice\",\"mining_key\":\"s3cret\",\"buses\":[\"/dev/i2c-1\",\"sim:/tmp/s\"],"
		"\"slaves\":[8,9,\"0x0a\"],\"pool\":\"127.0.0.1:2811\",\"margin\":0.1}\n", 0600);
	config_defaults(&c);
	rc = config_load_file(&c, p, err, sizeof(err));
	tap_ok(rc == 0 && !strcmp(c.user, "alice") && c.nbuses == 2 && c.margin == 0.1 &&
	       !strcmp(c.slaves, "0x08,0x09,0x0a"), "JSON file loaded (%s)", rc ? err : "ok");
	tap_ok(config_validate(&c, err, sizeof(err)) == 0, "valid config validates");
	tap_ok(!config_file_exposed(p), "mode 0600 is not exposed");
	chmod(p, 0640);
	tap_ok(!config_file_exposed(p), "mode 0640 (as installed, group ducorig) is not exposed");
	chmod(p, 0644);
	tap_ok(config_file_exposed(p), "mode 0644 is exposed (warning)");
	tap_ok(config_set(&c, "user", "your_duco_username", err, sizeof(err)) == 0 &&
	       config_validate(&c, err, sizeof(err)) == -EINVAL && strstr(err, "placeholder"),
	       "the sample's placeholder user is refused: %s", err);

	p = write_file("unknown.json", "{\"user\":\"a\",\"pol\":\"x:1\"}", 0600);
	config_defaults(&c);
	rc = config_load_file(&c, p, err, sizeof(err));
	tap_ok(rc == -ENOENT && strstr(err, "pol"), "unknown key in a file is named: %s", err);
	p = write_file("badval.json", "{\"user\":\"a\",\"connect_window_s\":0}", 0600);
	config_defaults(&c);
	rc = config_load_file(&c, p, err, sizeof(err));
	tap_ok(rc == -ERANGE && strstr(err, "connect_window_s"), "bad file value names the key: %s", err);
	p = write_file("notjson.json", "{\"user\":\n\"a\",,}", 0600);
	rc = config_load_file(&c, p, err, sizeof(err));
	tap_ok(rc == -EINVAL && strstr(err, ":2:"), "syntax error gives the line: %s", err);

	config_defaults(&c);
	config_set(&c, "user", "a", err, sizeof(err));
	config_set(&c, "buses", "sim:/x", err, sizeof(err));
	config_set(&c, "software", "my miner", err, sizeof(err));
	tap_ok(config_validate(&c, err, sizeof(err)) < 0 && strstr(err, "software"),
	       "software without AVR refused: %s", err);
	config_set(&c, "software", "ducorig AVR I2C Miner 0.1", err, sizeof(err));
	config_set(&c, "slaves", "0x08,0x99", err, sizeof(err));
	tap_ok(config_validate(&c, err, sizeof(err)) < 0 && strstr(err, "slaves"),
	       "bad slave address refused: %s", err);
	tap_ok(config_set(&c, "buses", "i2c-1", err, sizeof(err)) < 0 && strstr(err, "buses"),
	       "bad bus spec refused: %s", err);
	{
		double m, g;

		config_set(&c, "slaves", "scan", err, sizeof(err));
		config_set(&c, "slave_limits", "0x08=300/0.1, 0x0a=250", err, sizeof(err));
		tap_ok(config_validate(&c, err, sizeof(err)) == 0, "slave_limits accepted");
		tap_ok(config_slave_limit(&c, 0x08, &m, &g) == 1 && m == 300 && g == 0.1,
		       "per-slave max and margin");
		tap_ok(config_slave_limit(&c, 0x0a, &m, &g) == 1 && m == 250 && g == c.margin,
		       "per-slave max, global margin");
		tap_ok(config_slave_limit(&c, 0x09, &m, &g) == 0 && m == c.max_hashrate,
		       "other slaves use the global limit");
		tap_ok(fabs(config_target(&c, 380, 0.05) - 256.5) < 1e-9 &&
		       fabs(config_target(&c, 250, 0.05) - 237.5) < 1e-9,
		       "target: the I2C band's top 270 or a lower tier max, less the margin");
		{
			double lo, hi;

			tap_ok(!strcmp(config_band(&c, &lo, &hi), "AVR (I2C)") && lo == 225 &&
			       hi == 270, "default class: AVR (I2C), 225 < h < 270");
			config_set(&c, "slave_limits", "", err, sizeof(err));
			config_set(&c, "software", "ducorig AVR Miner 0.1", err, sizeof(err));
			tap_ok(config_validate(&c, err, sizeof(err)) == 0 &&
			       !strcmp(config_band(&c, &lo, &hi), "AVR (Normal)") && lo == 280 &&
			       hi == 380 && fabs(config_target(&c, 380, 0.05) - 361) < 1e-9,
			       "software without I2C: AVR (Normal), 280 < h < 380, target 361");
			config_set(&c, "software", "ducorig AVR I2C Miner 0.1", err, sizeof(err));
			config_set(&c, "slave_limits", "0x08=300/0.1, 0x0a=250", err, sizeof(err));
		}
		config_set(&c, "target_hashrate", "300", err, sizeof(err));
		tap_ok(config_validate(&c, err, sizeof(err)) < 0 && strstr(err, "target_hashrate") &&
		       strstr(err, "225 < h < 270"), "target outside the band refused: %.90s", err);
		config_set(&c, "force_target", "true", err, sizeof(err));
		tap_ok(config_validate(&c, err, sizeof(err)) == 0, "... unless forced");
		config_set(&c, "force_target", "false", err, sizeof(err));
		config_set(&c, "target_hashrate", "260", err, sizeof(err));
		tap_ok(config_validate(&c, err, sizeof(err)) < 0 && strstr(err, "slave 0x0a") &&
		       strstr(err, "max_hashrate 250"),
		       "target above a board's tier max refused: %.90s", err);
		config_set(&c, "target_hashrate", "0", err, sizeof(err));
		config_set(&c, "slave_limits", "", err, sizeof(err));
		config_set(&c, "wallet_i2c_max", "235", err, sizeof(err));
		tap_ok(config_validate(&c, err, sizeof(err)) < 0 && strstr(err, "target_hashrate"),
		       "a narrower band moves the check with it: %.90s", err);
		config_set(&c, "margin", "0.01", err, sizeof(err));
		tap_ok(config_validate(&c, err, sizeof(err)) == 0,
		       "band 225..235, margin 1%%: target 232.65 accepted");
		config_set(&c, "wallet_i2c_max", "270", err, sizeof(err));
		config_set(&c, "margin", "0.05", err, sizeof(err));
		config_set(&c, "slave_limits", "0x08=300/0.9", err, sizeof(err));
		tap_ok(config_validate(&c, err, sizeof(err)) < 0 && strstr(err, "slave_limits"),
		       "bad slave_limits refused: %.60s", err);
	}
	test_config_addr_lists(&c);
}

static void test_pool_text(void)
{
	struct poolwire_job job;
	struct pool_rx rx = { .len = 0 };
	enum pool_bad_reason why = POOL_BAD_OTHER;
	char buf[256], reason[96];
	int n;

	n = pool_format_request(buf, sizeof(buf), "bob", "AVR", "", NULL);
	tap_ok(n > 0 && !strcmp(buf, "JOB,bob,AVR,None"), "request without key: %s", buf);
	n = pool_format_request(buf, sizeof(buf), "bob", "AVR", "k", "Vcc 4.98V T -3.5C up 60s");
	tap_ok(n > 0 && !strcmp(buf, "JOB,bob,AVR,k,Vcc 4.98V T -3.5C up 60s"),
	       "request with a sensor field: %s", buf);
	n = pool_format_request(buf, sizeof(buf), "bob", "AVR", "k", "a,b;c\n\td\xc3\xa9" "e(f):@g_h");
	tap_ok(n > 0 && !strcmp(buf, "JOB,bob,AVR,k,abcde(f):@gh"),
	       "sensor field: commas, control and other characters left out: %s", buf);
	{
		char sensor[200], out[80];
		size_t len;

		memset(sensor, 'x', sizeof(sensor) - 1);
		sensor[sizeof(sensor) - 1] = '\0';
		len = pool_sensor_text(out, sizeof(out), sensor);
		tap_ok(len == POOL_SENSOR_MAX && strlen(out) == POOL_SENSOR_MAX,
		       "sensor field cut at %d characters (%zu)", POOL_SENSOR_MAX, len);
		len = pool_sensor_text(out, 5, sensor);
		tap_ok(len == 4 && !strcmp(out, "xxxx"), "and within the buffer given");
		n = pool_format_request(buf, sizeof(buf), "bob", "AVR", "k", ",,,");
		tap_ok(n > 0 && !strcmp(buf, "JOB,bob,AVR,k"), "nothing allowed left: no fifth field");
	}
	tap_ok(pool_parse_job("ba29a15896fd2d792d5c4b60668bf2b9feebc51d,"
			      "d0beba883d7e8cd119ea2b0e09b78f60f29e0968,10", &job, reason,
			      sizeof(reason)) == 0 && job.diff == 10 && job.expected[0] == 0xd0 &&
	       job.expected[19] == 0x68, "job line parsed");
	tap_ok(pool_parse_job("BAD,Too many workers", &job, reason, sizeof(reason)) == -ECONNREFUSED &&
	       !strcmp(reason, "Too many workers"), "refusal line recognised");
	tap_ok(pool_parse_job("ba29a15896fd2d792d5c4b60668bf2b9feebc51d,"
			      "d0beba883d7e8cd119ea2b0e09b78f60f29e096,10", &job, reason,
			      sizeof(reason)) == -EPROTO, "39-char hash refused");
	tap_ok(pool_parse_job("ba29a15896fd2d792d5c4b60668bf2b9feebc51d,"
			      "d0beba883d7e8cd119ea2b0e09b78f60f29e0968,10,x", &job, reason,
			      sizeof(reason)) == -EPROTO, "trailing field refused");
	n = pool_format_result(buf, sizeof(buf), 50, 361.0, "ducorig AVR I2C Miner 0.1", "",
			       "DUCOID0102030405060708", NULL);
	tap_ok(n > 0 && !strcmp(buf, "50,361.00,ducorig AVR I2C Miner 0.1,None,DUCOID0102030405060708"),
	       "result line: %s", buf);
	n = pool_format_result(buf, sizeof(buf), 50, 250.5, "ducorig AVR I2C Miner 0.1", "r1",
			       "DUCOID0102030405060708", "12345");
	tap_ok(n > 0 && !strcmp(buf, "50,250.50,ducorig AVR I2C Miner 0.1,r1,DUCOID0102030405060708,12345"),
	       "result line with the wallet grouping id as 6th field: %s", buf);
	tap_ok(pool_parse_verdict("GOOD", &why, reason, sizeof(reason)) == POOL_GOOD &&
	       pool_parse_verdict("BLOCK", &why, reason, sizeof(reason)) == POOL_BLOCK,
	       "GOOD and BLOCK");
	tap_ok(pool_parse_verdict("BAD,Too high starting difficulty", &why, reason, sizeof(reason)) == POOL_BAD &&
	       why == POOL_BAD_TOO_HIGH_START, "BAD reason classified (tier down)");
	tap_ok(pool_parse_verdict("BAD", &why, reason, sizeof(reason)) == POOL_BAD &&
	       why == POOL_BAD_OTHER, "bare BAD");
	tap_ok(pool_parse_verdict("GOODX", &why, reason, sizeof(reason)) == -EPROTO, "junk verdict refused");

	memcpy(rx.buf, "GOOD\nBAD,x", 10);
	rx.len = 10;
	rx.last_us = 1000;
	tap_ok(pool_take_line(&rx, 1000, buf, sizeof(buf)) == 4 && !strcmp(buf, "GOOD"), "line up to newline");
	tap_ok(pool_take_line(&rx, 1000 + POOL_LINE_GRACE_US - 1, buf, sizeof(buf)) == 0,
	       "partial line waits for the grace time");
	tap_ok(pool_take_line(&rx, 1000 + POOL_LINE_GRACE_US, buf, sizeof(buf)) == 5 &&
	       !strcmp(buf, "BAD,x") && rx.len == 0, "missing newline tolerated after the grace time");
}

static void test_transfer_guard_math(void)
{
	struct ratelimit_xfer x = { 0 };

	tap_ok(ratelimit_band_end_us(1, 225) == 4444 && ratelimit_band_end_us(10, 225) == 44444,
	       "the band of 225 H/s ends 4.444 ms after the job for nonce 1, 44.444 ms for 10");
	tap_ok(ratelimit_min_open_nonce(0, 2348) == 1 && ratelimit_min_open_nonce(1500, 2348) == 1,
	       "no busy poll yet, or one before the AVR could start: nonce 1 is still open");
	tap_ok(ratelimit_min_open_nonce(3000, 2348) == 4,
	       "busy 3 ms in at 2348 H/s: 90 %% of 1.5 ms of hashing passed nonces 1..3");
	tap_ok(ratelimit_min_open_nonce(3000, 0) == 1, "an unknown speed passes nothing");
	tap_ok(ratelimit_nonce_after(-3) == 1 && ratelimit_nonce_after(0.5) == 1 &&
	       ratelimit_nonce_after(1.0) == 2 && ratelimit_nonce_after(7.9) == 8,
	       "the nonce after x gone: floor(x) + 1, never nonce 0");
	tap_ok(ratelimit_nonce_after(5e9) == 4000000000u && ratelimit_nonce_after(INFINITY) == 4000000000u &&
	       ratelimit_nonce_after(NAN) == 1,
	       "beyond any job's range, infinite or undefined: saturated, never an overflowed cast");
	tap_ok(ratelimit_xfer_us(&x) == RATELIMIT_XFER_DEFAULT_US,
	       "no job transfer measured yet: %d us assumed", RATELIMIT_XFER_DEFAULT_US);
	ratelimit_xfer_add(&x, 7000);
	tap_ok(ratelimit_xfer_us(&x) == 7700, "one 7 ms transfer: 7.7 ms expected (10 %% spread)");
	for (int i = 0; i < 40; i++)
		ratelimit_xfer_add(&x, 3000);
	tap_ok(ratelimit_xfer_us(&x) < 3400 && ratelimit_xfer_us(&x) >= 3300,
	       "a faster bus: the estimate follows (%lld us)", (long long)ratelimit_xfer_us(&x));
}

static void test_ratelimit(void)
{
	struct ratelimit_decision d;
	struct ratelimit_pace pace = { .target = 256.5 }, band = { 256.5, 225, 270, 1000 };
	struct ratelimit_late late;
	struct ratelimit_conn c;
	int64_t t0 = 10000000, next;
	uint32_t rng = 7;
	int i, admitted = 0;

	/* 500 nonces in 1 s = 500 H/s > 256.5: held until 500/256.5 s after the job. */
	ratelimit_decide(&d, 500, 1000000, t0, t0 + 1050000, &pace);
	tap_ok(d.held && d.paced && d.send_at_us == t0 + (int64_t)ceil(500 / 256.5 * 1e6) &&
	       d.reported <= 256.5 && d.reported > 256.49,
	       "fast: held to nonce/target, reports what it achieved %.4f (send +%lld us)",
	       d.reported, (long long)(d.send_at_us - t0));
	ratelimit_decide(&d, 500, 1000000, t0, t0 + 2500000, &pace);
	tap_ok(!d.held && d.send_at_us == t0 + 2500000 && fabs(d.reported - 200.0) < 1e-9,
	       "fast but the moment passed: send at once, report the achieved 500/2.5 s");
	tap_ok(fabs(ratelimit_achieved(500, t0, t0 + 4000000, 500) - 125.0) < 1e-9,
	       "achieved at the real send time: 500 nonces 4 s after the job = 125 H/s");
	tap_ok(ratelimit_achieved(500, t0, t0 + 100000, 2000) == 2000,
	       "achieved never above the board's own rate");
	ratelimit_decide(&d, 240, 1000000, t0, t0 + 1050000, &pace);
	tap_ok(!d.held && !d.paced && d.reported == 240.0,
	       "slower than the target: at once, reports its own rate");
	ratelimit_decide(&d, 150, 1000000, t0, t0 + 1050000, &pace);
	tap_ok(!d.held && d.reported == 150.0,
	       "slower than the band: its own rate, never held or raised");
	ratelimit_decide(&d, 3, 1000000, t0, t0 + 1050000, &pace);
	tap_ok(!d.held && d.reported == 3.0, "tiny nonce: r_slave, never raised");

	/*
	 * The band 225..270 is nonce * 0.74 ms wide: a 1-nonce share at the
	 * target is due 3.899 ms after the job and below 225 from 4.445 ms on,
	 * so 1 ms of lateness (the loop's old timer slack) pushed it out. With
	 * the band it aims late_us before the lower edge, never above hi.
	 */
	ratelimit_decide(&d, 1, 400, t0, t0 + 1500, &pace);
	tap_ok(d.held && d.send_at_us == t0 + 3899 &&
	       ratelimit_achieved(1, t0, d.send_at_us + 1000, d.r_slave) < 225,
	       "target alone: a 1-nonce share 1 ms late falls to %.1f H/s",
	       ratelimit_achieved(1, t0, d.send_at_us + 1000, d.r_slave));
	band.late_us = 300;
	for (i = 1; i <= 5; i++) {
		double on_time, late_rate;

		ratelimit_decide(&d, (uint32_t)i, 400 * i, t0, t0 + 1500, &band);
		on_time = d.reported;
		late_rate = ratelimit_achieved((uint32_t)i, t0, d.send_at_us + band.late_us, d.r_slave);
		if (!d.held || !(on_time < 270 && on_time > 225) || !(late_rate > 225 && late_rate < 270))
			break;
	}
	tap_ok(i == 6, "tiny nonces 1..5 with the band: in band on time and 0.3 ms late (stopped at %d)", i);
	band.late_us = 600;
	ratelimit_decide(&d, 1, 400, t0, t0 + 1500, &band);
	tap_ok(d.send_at_us == t0 + 4444 - 600 && d.reported > 256.5 && d.reported < 270 &&
	       ratelimit_achieved(1, t0, d.send_at_us + 600, d.r_slave) > 225,
	       "1 nonce aims 0.6 ms before the lower edge: +%lld us, %.2f H/s on time",
	       (long long)(d.send_at_us - t0), d.reported);
	band.late_us = 1000;
	ratelimit_decide(&d, 1, 400, t0, t0 + 1500, &band);
	tap_ok(d.send_at_us == t0 + 3704 && d.reported < 270 && d.reported > 269.9,
	       "lateness wider than the band: the upper edge (%.3f H/s), never above it", d.reported);
	band.late_us = 3600;
	ratelimit_decide(&d, 5, 2000, t0, t0 + 3000, &band);
	tap_ok(ratelimit_achieved(5, t0, d.send_at_us + 3600, d.r_slave) > 225,
	       "5 nonces aim at the upper edge, 3.6 ms late still %.1f H/s",
	       ratelimit_achieved(5, t0, d.send_at_us + 3600, d.r_slave));
	band.late_us = 20000;
	ratelimit_decide(&d, 500, 1000000, t0, t0 + 1050000, &band);
	tap_ok(d.send_at_us == t0 + (int64_t)ceil(500 / 256.5 * 1e6),
	       "a large nonce with room for the lateness: still the target's moment");
	ratelimit_decide(&d, 1, 400, t0, t0 + 6000, &band);
	tap_ok(!d.held && d.send_at_us == t0 + 6000 && fabs(d.reported - 1 / 0.006) < 1e-9,
	       "seen after the band's lower edge: sent at once, the honest 166.7 H/s");
	ratelimit_decide(&d, 1, 4100, t0, t0 + 4200, &band);
	tap_ok(!d.held && !d.paced && fabs(d.reported - 1 / 0.0041) < 1e-9,
	       "board slower than the target: its own rate, never raised to the band");
	band = (struct ratelimit_pace){ 290, 225, 270, 1000 };
	ratelimit_decide(&d, 1, 400, t0, t0 + 1500, &band);
	tap_ok(d.send_at_us == t0 + (int64_t)ceil(1 / 290.0 * 1e6),
	       "a (forced) target outside the band: paced to the target alone");

	ratelimit_late_init(&late, 1000);
	tap_ok(ratelimit_late_us(&late) == 1000, "lateness before any sample: the timer slack");
	for (i = 0; i < 50; i++)
		ratelimit_late_add(&late, 100);
	tap_ok(ratelimit_late_us(&late) == 1000, "small lateness: never below the slack");
	for (i = 0; i < 50; i++)
		ratelimit_late_add(&late, i % 10 ? 500 : 3500);
	tap_ok(ratelimit_late_us(&late) > 1500 && ratelimit_late_us(&late) < 8000,
	       "one share in ten 3.5 ms late (mean 0.8 ms): mean + 4 deviations %lld us",
	       (long long)ratelimit_late_us(&late));
	ratelimit_late_add(&late, 3500);
	for (i = 0; i < 5; i++)
		ratelimit_late_add(&late, 400000);
	tap_ok(ratelimit_late_us(&late) == RATELIMIT_LATE_MAX_US,
	       "a stalled loop (0.4 s late): the estimate stops at 5 ms");
	ratelimit_late_init(&late, 1000);
	ratelimit_late_add(&late, 500);
	ratelimit_late_add(&late, 3500);
	tap_ok(ratelimit_late_us(&late) > 3500,
	       "right after a 3.5 ms late share the aim allows for it (%lld us)",
	       (long long)ratelimit_late_us(&late));
	tap_ok(!strcmp(ratelimit_auto_tier(300), "AVR") && !strcmp(ratelimit_auto_tier(400), "MEGA") &&
	       !strcmp(ratelimit_auto_tier(600), "ARM") && !strcmp(ratelimit_auto_tier(2000), "DUE"),
	       "auto tier thresholds");

	tap_ok(ratelimit_poll_gap(100000, 200, 361, 1, 20000, 2000000) == 20000,
	       "slow slave: interval gap");
	tap_ok(ratelimit_poll_gap(1000000, 3610, 361, 1, 20000, 2000000) == 2000000,
	       "10x fast slave: geometric gap capped at the max");
	tap_ok(llabs(ratelimit_poll_gap(100000, 722, 361, 1, 20000, 2000000) - 90000) <= 1,
	       "2x fast: gap = t * 0.9 * (ratio - 1)");
	tap_ok(ratelimit_poll_gap(0, 2348, 256.5, 1, 20000, 2000000) == RATELIMIT_FIRST_POLL_US,
	       "fast slave, first poll 1 ms after the transfer (a tiny nonce is seen in time)");
	tap_ok(ratelimit_poll_gap(4000, 2348, 256.5, 1, 20000, 2000000) == RATELIMIT_FIRST_POLL_US &&
	       ratelimit_poll_gap(6000, 2348, 256.5, 1, 20000, 2000000) > 40000,
	       "every 1 ms for the first 5 ms, then geometric");
	tap_ok(ratelimit_poll_gap(100000, 722, 361, 0, 20000, 2000000) == 20000,
	       "interval policy ignores the speed");

	ratelimit_conn_init(&c, 50, 30000000, 0);
	for (i = 0; i < 200; i++)
		if (!ratelimit_conn_admit(&c, t0 + i * 1000))
			admitted++;
	tap_ok(admitted == 50, "connect limiter: 50 of 200 rapid connects admitted");
	next = ratelimit_conn_admit(&c, t0 + 1000000);
	tap_ok(next == t0 + 30000000 + 1, "next connect allowed when the first leaves the window");
	tap_ok(ratelimit_conn_admit(&c, t0 + 30000001) == 0, "admitted after the window");
	ratelimit_conn_init(&c, 50, 30000000, 100000);
	tap_ok(ratelimit_conn_admit(&c, t0) == 0 && ratelimit_conn_admit(&c, t0 + 50000) == t0 + 100000,
	       "stagger spaces connects");
	for (i = 0; i < 20; i++) {
		int64_t b = ratelimit_backoff_us(i, 1000000, 60000000, &rng);

		if (b < (i > 5 ? 45000000 : (1000000LL << i) * 3 / 4) || b > 75000000)
			break;
	}
	tap_ok(i == 20, "backoff doubles with jitter and is capped");
}

static void test_joblog(void)
{
	struct joblog_rec r = {
		.wall_us = 1795268506151781LL, .slave = "sim:/s:0x08", .job = 3, .diff = 10,
		.nonce = 384, .hashrate = 269.58, .r_slave = 269.58, .verdict = "BAD",
		.reason = "Weird \"x\"\n", .get_job_wait_ms = 1, .transfer_ms = 2,
		.slave_elapsed_ms = 3, .busy_polls = 4, .hold_ms = 5, .get_res_wait_ms = 6,
		.overall_ms = 21, .processing_ms = 4,
	};
	char line[1024];
	int n = joblog_format(&r, line, sizeof(line));

	tap_ok(n > 0 && strchr(line, '\n') == line + n - 1,
	       "one line, newline-terminated");
	tap_ok(strstr(line, "\"ts\":\"2026-11-21T13:41:46.151Z\"") != NULL, "ISO 8601 timestamp");
	tap_ok(strstr(line, "\"reason\":\"Weird \\\"x\\\"\\n\"") != NULL, "reason escaped");
	tap_ok(strstr(line, "\"busy_polls\":4,") && strstr(line, "\"processing_ms\":4,"),
	       "timing keys present");
}

static void test_discover(void)
{
	char hp[128];

	tap_ok(discover_parse("{\"name\":\"p\",\"ip\":\"127.0.0.1\",\"port\":2811,\"server\":\"s\","
			      "\"client\":\"c\",\"success\":true}", hp, sizeof(hp)) == 0 &&
	       !strcmp(hp, "127.0.0.1:2811"), "getPool answer parsed: %s", hp);
	tap_ok(discover_parse("{\"message\":\"no\",\"success\":false}", hp, sizeof(hp)) == -ECONNREFUSED,
	       "success false refused");
	tap_ok(discover_parse("{\"ip\":\"1.2.3.4; rm\",\"port\":1,\"success\":true}", hp, sizeof(hp)) == -EPROTO,
	       "bad ip refused");
	tap_ok(discover_parse("{\"ip\":\"1.2.3.4\",\"port\":70000,\"success\":true}", hp, sizeof(hp)) == -EPROTO,
	       "bad port refused");
	tap_ok(discover_parse("not json", hp, sizeof(hp)) == -EPROTO, "non-JSON refused");
}

int main(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/ducomaster-units-XXXXXX", t ? t : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_config();
	test_pool_text();
	test_ratelimit();
	test_transfer_guard_math();
	test_joblog();
	test_discover();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			tap_diag("could not remove %s", tmpdir);
	}
	return tap_done();
}
