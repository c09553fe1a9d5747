/*
 * test_master_observe.c - known-answer tests of what the rig shows: the
 * live table's rows stay within 80 columns whatever the figures (huge
 * counts, a long bus name, a board in D), the marks follow their rules
 * (offline, faulty, slow, ok), /metrics escapes label values and leaves a
 * board without a share out of the age series, the job-phase histogram
 * puts a time in the right bucket, and the history ring keeps the last
 * hour in order. Boards are struct miner values filled by hand; no bus, no
 * pool. TAP on stdout.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "board.h"
#include "history.h"
#include "metrics.h"
#include "status.h"
#include "table.h"
#include "tap.h"

static struct miner m[3];
static struct board bd[3];
static struct bus buses[3];
static struct status_snap st;

static void setup(void)
{
	memset(m, 0, sizeof(m));
	memset(bd, 0, sizeof(bd));
	memset(buses, 0, sizeof(buses));
	for (int i = 0; i < 3; i++) {
		snprintf(buses[i].spec, sizeof(buses[i].spec), "/dev/i2c-%d", i + 1);
		m[i].b = &bd[i];
		bd[i].io.bus = &buses[i];
		bd[i].io.addr = (uint8_t)(0x08 + i);
		snprintf(m[i].name, sizeof(m[i].name), "/dev/i2c-%d:0x%02x", i + 1, 0x08 + i);
		bd[i].io_ready = 1;
		m[i].state = MINER_K;
		report_init(&m[i].st.rep, m[i].name);
	}
}

static void take(int64_t now)
{
	struct miner *p[3] = { &m[0], &m[1], &m[2] };

	status_take(&st, p, 3, 100.0, now, "127.0.0.1:2811");
}

static void test_table(void)
{
	char row[200];
	int wide = 0;

	setup();
	/* everything as large as it can get */
	snprintf(buses[0].spec, sizeof(buses[0].spec), "sim:/a/very/long/path/to/a/socket/name.sock");
	m[0].st.rep.good = 4000000000u;
	m[0].st.rep.bad = 4000000000u;
	m[0].st.rep.jobs = 4000000000u;
	m[0].last.hashrate = 1e12;
	m[0].last.r_slave = 1e12;
	bd[0].io.st.xfers = 1;
	bd[0].io.st.crc_retries = 4000000000u;
	m[0].last_share_us = 1;
	m[1].state = MINER_D;
	m[1].dsub = MINER_D_CALIBRATE;
	bd[1].io_ready = 0;
	take(1000000000000LL);
	for (int i = 0; i < 3; i++) {
		table_row(row, sizeof(row), &st.b[i]);
		if ((int)strlen(row) > wide)
			wide = (int)strlen(row);
	}
	tap_ok(wide <= 80, "table rows fit 80 columns with extreme figures (widest %d)", wide);
	table_row(row, sizeof(row), &st.b[1]);
	tap_ok(strstr(row, "OFFLINE") && strstr(row, "D/calibrate") && !strncmp(row, "D  0x09 ", 8),
	       "a board in D without identity: OFFLINE and its step of D (%s)", row);
	table_row(row, sizeof(row), &st.b[0]);
	tap_ok(strstr(row, " 4000M ") && strstr(row, " 4G ") && strstr(row, "FAULTY"),
	       "big counts shortened, retries mark it FAULTY (%s)", row);

	/* health entries: extreme readings and every reset bit stay in 39 columns */
	setup();
	bd[0].health = BOARD_HEALTH_OK;
	bd[0].hl = (struct duco_health){ .sensors = DUCO_HEALTH_VCC | DUCO_HEALTH_TEMP,
					 .vbg_adc = 1, .temp_adc = 1023, .uptime_s = 0xffffffffu };
	bd[0].bandgap_mv = 1300;
	bd[0].temp_gain = 2;
	bd[0].temp_offset_c = 50;
	bd[0].ident.reset_cause = 0xff;
	bd[1].health = BOARD_HEALTH_NA;
	bd[2].health = BOARD_HEALTH_OK;
	bd[2].hl = (struct duco_health){ .sensors = DUCO_HEALTH_VCC, .vbg_adc = 225, .uptime_s = 90 };
	bd[2].bandgap_mv = 1100;
	bd[2].ident.reset_cause = DUCO_RESET_POWERON;
	take(1000000000000LL);
	wide = 0;
	for (int i = 0; i < 3; i++) {
		table_health(row, sizeof(row), &st.b[i]);
		if ((int)strlen(row) > wide)
			wide = (int)strlen(row);
	}
	tap_ok(wide <= 39, "health entries fit 39 columns with extreme readings (widest %d)", wide);
	table_health(row, sizeof(row), &st.b[1]);
	tap_ok(!strcmp(row, "0x09 health n/a (firmware)"), "a board without HEALTH: n/a (%s)", row);
	table_health(row, sizeof(row), &st.b[2]);
	tap_ok(!strncmp(row, "0x0a 5.01V      - up   90s power-on", 35),
	       "Vcc only: the temperature '-', uptime, reset cause (%s)", row);
	tap_ok(isnan(st.b[2].temp_c) && fabs(st.b[2].vcc_v - 5.006) < 0.001 && isnan(st.b[1].vcc_v),
	       "snapshot: NAN where there is no reading, Vcc from the count (%.3f V)", st.b[2].vcc_v);
}

static void test_marks(void)
{
	int64_t now = 10000 * 1000000LL;

	setup();
	m[0].last_share_us = now - 5 * 1000000LL;
	m[0].st.rep.good = 10;
	m[0].st.rep.jobs = 10;
	m[0].st.rep.overall_ms = 10 * 2000.0;           /* 2 s per job */
	m[1].last_share_us = now - 61 * 1000000LL;      /* > max(60 s, 4 x 2 s) */
	m[1].st.rep.good = 10;
	m[1].st.rep.jobs = 10;
	m[1].st.rep.overall_ms = 10 * 2000.0;
	m[2].last_fault_us = now - 299 * 1000000LL;
	take(now);
	tap_ok(st.b[0].mark == STATUS_OK && st.b[1].mark == STATUS_SLOW &&
	       st.b[2].mark == STATUS_FAULTY, "marks: ok, slow after 61 s without a share, "
	       "faulty for 300 s after a fault (%s %s %s)", status_mark_name(st.b[0].mark),
	       status_mark_name(st.b[1].mark), status_mark_name(st.b[2].mark));
	tap_ok(fabs(st.b[0].since_share_s - 5.0) < 1e-9 && st.b[2].since_share_s < 0,
	       "age of the last share, none before the first");
	m[2].last_fault_us = now - 301 * 1000000LL;
	m[2].st.rep.jobs = 20;
	m[2].st.rep.bad = 2;
	m[2].st.rep.good = 18;
	take(now);
	tap_ok(st.b[2].mark == STATUS_FAULTY && fabs(st.b[2].reject_pct - 10.0) < 1e-9,
	       "10 %% rejects over 20 verdicts: faulty");
	bd[2].io_ready = 0;
	take(now);
	tap_ok(st.b[2].mark == STATUS_OFFLINE && !st.b[2].online && st.online == 2 && st.boards == 3,
	       "no identity since the fault: offline, 2 of 3 online");
}

static void test_metrics(void)
{
	struct metrics_extra x = { .version = "0.1", .start_time_s = 1.5e9 };
	size_t len = 0;
	char *text;

	setup();
	m[0].last_share_us = 1;
	m[0].st.rep.good = 7;
	snprintf(buses[2].spec, sizeof(buses[2].spec), "/dev/i\"2\\c\n");
	take(2000000);
	text = metrics_text(&st, &x, &len);
	tap_ok(text && len == strlen(text), "metrics text made (%zu bytes)", len);
	if (!text)
		return;
	/* the name as every view shows it (report_display_name: a control
	 * character is '?'), then escaped for the label (quote, backslash) */
	tap_ok(strstr(text, "bus=\"/dev/i\\\"2\\\\c?\"") != NULL,
	       "label values escaped (quote, backslash; a newline shown as '?')");
	tap_ok(strstr(text, "ducorig_board_seconds_since_last_share{bus=\"/dev/i2c-1\",addr=\"0x08\"") &&
	       !strstr(text, "ducorig_board_seconds_since_last_share{bus=\"/dev/i2c-2\""),
	       "a board without a share has no age sample");
	tap_ok(strstr(text, "ducorig_shares_total{bus=\"/dev/i2c-1\",addr=\"0x08\",board=\"unknown\","
			    "worker=\"0\",verdict=\"good\"} 7\n") != NULL,
	       "shares counter sample");
	tap_ok(!strstr(text, "nan") && !strstr(text, "inf\n"), "no NaN or Inf written");
	free(text);
}

static void test_hist(void)
{
	struct hist h;
	struct joblog_rec r = { .get_job_wait_ms = 5.0, .transfer_ms = 5.001, .slave_elapsed_ms = NAN,
				.overall_ms = 1e9 };

	memset(&h, 0, sizeof(h));
	hist_add_job(&h, &r);
	tap_ok(h.bucket[HIST_GET_JOB_WAIT][0] == 1 && h.bucket[HIST_TRANSFER][1] == 1,
	       "5 ms in the le=0.005 bucket, 5.001 ms in le=0.01");
	tap_ok(h.count[HIST_HASHING] == 0 && h.bucket[HIST_OVERALL][HIST_NBUCKETS] == 1,
	       "a non-finite phase is not counted, a huge one lands in +Inf");
}

static void test_history(void)
{
	static struct history h;

	setup();
	for (int i = 0; i < HISTORY_SAMPLES + 5; i++) {
		m[0].st.rep.good = (uint32_t)i;
		take(i * 10000000LL);
		history_take(&h, &st, i, NAN);
	}
	tap_ok(h.count == HISTORY_SAMPLES && h.s[(h.next + HISTORY_SAMPLES - 1) % HISTORY_SAMPLES].good ==
	       HISTORY_SAMPLES + 4 && h.s[h.next].good == 5, "history keeps the last %d samples in order",
	       HISTORY_SAMPLES);
}

int main(void)
{
	test_table();
	test_marks();
	test_metrics();
	test_hist();
	test_history();
	return tap_done();
}
