/*
 * queue_sim.c - the firmware's job queue (protocol version 2) in simavr.
 *
 * Runs the real nano image (build/avr-nano/firmware.elf, or argv[1]) as an
 * ATmega328P at 16 MHz on ducosim's register-level bus model and checks,
 * frame by frame through common/duco_proto.c:
 *   - queue start latency: the cycles between the running job's last call
 *     of hashcore_check and the queued job's first, against the cycles
 *     between two nonces of one job (a PC watch on the function's entry,
 *     whose address comes from the ELF's symbol table), and that the core
 *     executes no SLEEP while a job waits: the board never idles;
 *   - results kept, tagged with their job id, in order, until DROP;
 *   - a queued job replaced by another QUEUE, cancelled by DROP, and the
 *     running job dropped (the queued one starts);
 *   - faults mid-queue: a corrupted QUEUE, a QUEUE cut short by a STOP,
 *     a QUEUE over the slot count (all rejected, the queue unharmed), an
 *     ABORT, and an external reset (everything forgotten);
 *   - the version-1 image (FW_PROTO_V1, argv[2] or avr-nano-v1) reports
 *     version 1 and rejects QUEUE and DROP, and a JOB still runs;
 *   - the longest SCL stretch over combined transactions (JOB/QUEUE/DROP,
 *     repeated START, status read) at 400 kHz: there the STOP handler's
 *     frame check runs into the address byte of the read (<= 55 cycles on
 *     the 16 MHz nano; --bench-json also reports an 8 MHz image, argv[3]).
 * Prints TAP; the measured latency is printed as a diagnostic. With
 * --bench-json it runs the latency measurement only and prints one JSON
 * line (make bench). Assumes simavr 1.6 and libelf (both linked by ducosim
 * already).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "jsonout.h"

#include "duco_proto.h"
#include "duco_s1.h"
#include "sim_avr.h"
#include "sim_duco.h"
#include "sim_rig.h"
#include "../tap.h"

#define MS 1000000ull
#define Q_ADDR 0x08
#define Q_FREQ 16000000u
#define Q_HITS 4096

static struct sim_rig *rig;
static struct sim_slave *avr0;
static uint64_t hits[Q_HITS];
/* what test_latency measured, for --bench-json */
static struct { int ok; uint64_t lat, per, sw; int slept_between; } q_bench;

/* Byte address of symbol name in elf, or 0. */
static uint32_t q_symbol(const char *elf, const char *name)
{
	uint32_t addr = 0;
	Elf *e;
	Elf_Scn *scn = NULL;
	int fd = open(elf, O_RDONLY);

	if (fd < 0 || elf_version(EV_CURRENT) == EV_NONE)
		return 0;
	e = elf_begin(fd, ELF_C_READ, NULL);
	while (e && !addr && (scn = elf_nextscn(e, scn)) != NULL) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB ||
		    !(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *n;

			if (gelf_getsym(d, (int)i, &sym) &&
			    (n = elf_strptr(e, sh.sh_link, sym.st_name)) && strcmp(n, name) == 0) {
				addr = (uint32_t)sym.st_value;
				break;
			}
		}
	}
	if (e)
		elf_end(e);
	close(fd);
	return addr;
}

static int q_boot_at(const char *elf, uint32_t freq, uint32_t bus_hz)
{
	int err;

	if (rig) {
		sim_rig_destroy(rig);
		free(rig);
	}
	rig = calloc(1, sizeof(*rig));
	if (!rig)
		return -ENOMEM;
	sim_rig_init(rig, bus_hz);
	err = sim_avr_create(&avr0, elf, "atmega328p", freq, bus_hz, "avr0");
	if (err)
		return err;
	sim_rig_add(rig, avr0);
	for (int ms = 0; ms < 1000 && !sim_rig_find(rig, Q_ADDR); ms++)
		sim_rig_run(rig, rig->now_ns + MS);
	sim_rig_run(rig, rig->now_ns + 5 * MS);
	return sim_rig_find(rig, Q_ADDR) ? 0 : -ETIMEDOUT;
}

static int q_boot(const char *elf)
{
	return q_boot_at(elf, Q_FREQ, 100000);
}

static void q_job(struct duco_job *j, uint16_t id, uint32_t start, uint32_t planted)
{
	memset(j, 0, sizeof(*j));
	j->job_id = id;
	j->start_nonce = start;
	j->end_nonce = start + 100000;
	for (int i = 0; i < 40; i++)
		j->last_hash[i] = "0123456789abcdef"[(id * 5 + i * 7) & 15];
	duco_s1_hash(j->last_hash, planted, j->expected);
}

/* Frame w, then (repeated START) a 2-byte status read; the status or < 0. */
static int q_cmd(const uint8_t *w, uint8_t n)
{
	uint8_t r[2];
	int err = sim_duco_xfer_to(rig, NULL, Q_ADDR, w, n, r, 2);

	if (err)
		return err > 0 ? -EIO : err;
	return duco_read_check(r, 2) == DUCO_OK ? r[0] : -EBADMSG;
}

static int q_queue(const struct duco_job *j)
{
	uint8_t w[DUCO_MAX_WRITE_FRAME];

	return q_cmd(w, duco_encode_queue(w, j));
}

static int q_drop(uint16_t id)
{
	uint8_t w[DUCO_MAX_WRITE_FRAME];

	return q_cmd(w, duco_encode_drop(w, id));
}

static int q_simple(uint8_t cmd)
{
	uint8_t w[DUCO_MAX_WRITE_FRAME];

	return q_cmd(w, duco_encode_simple(w, cmd));
}

/* Run the rig for ms milliseconds of simulated time. */
static void q_run(uint32_t ms)
{
	sim_rig_run(rig, rig->now_ns + ms * MS);
}

/* Run until the main loop has taken a frame (a nonce time, < 1 ms). */
static void q_settle(void)
{
	q_run(2);
}

/* The kept result now offered: job id (or -1 without one), nonce, found. */
static int q_offered(struct duco_result *res)
{
	uint8_t st;
	int err = sim_duco_result(rig, Q_ADDR, &st, res);

	return err ? -1 : res->job_id;
}

static int q_state(void)
{
	uint8_t st;

	return sim_duco_status(rig, Q_ADDR, &st) ? -1 : DUCO_STATUS_STATE(st);
}

/* Median of the gaps between consecutive hits a..b (a < b). */
static uint64_t q_median_gap(uint32_t a, uint32_t b)
{
	uint64_t g[Q_HITS];
	uint32_t n = 0;

	for (uint32_t i = a; i < b; i++)
		g[n++] = hits[i + 1] - hits[i];
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t k = i; k > 0 && g[k - 1] > g[k]; k--) {
			uint64_t t = g[k];
			g[k] = g[k - 1];
			g[k - 1] = t;
		}
	return n ? g[n / 2] : 0;
}

static void test_latency(const char *elf)
{
	struct duco_job a, b;
	struct duco_result res;
	uint32_t entry = q_symbol(elf, "hashcore_check");
	uint32_t na = 31, nb = 21, n;
	int st;

	tap_ok(entry != 0, "hashcore_check found in the ELF (0x%04x)", entry);
	q_job(&a, 1, 100, 100 + na - 1);
	q_job(&b, 2, 200, 200 + nb - 1);
	sim_avr_pc_watch(avr0, entry, hits, Q_HITS);
	st = q_queue(&a);
	tap_ok(st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_BUSY, "QUEUE 1 on an idle board: BUSY");
	st = q_queue(&b);
	tap_ok(st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_BUSY_QUEUED, "QUEUE 2: BUSY_QUEUED");
	/* from here on the board hashes: its first SLEEP marks the end of work */
	sim_avr_sleep_watch(avr0);
	/* both jobs: 52 nonces of ~0.43 ms; no polls meanwhile */
	q_run(60);
	n = sim_avr_pc_hits(avr0);
	sim_avr_pc_watch(avr0, 0, NULL, 0);
	tap_ok(n == na + nb, "hashcore_check ran %u times: %u nonces of job 1, then %u of job 2",
	       n, na, nb);
	if (n == na + nb) {
		uint64_t per = q_median_gap(0, n - 1);
		uint64_t sw = hits[na] - hits[na - 1];
		uint64_t lat = sw > per ? sw - per : 0;
		uint64_t slept = sim_avr_sleep_cycle(avr0);

		q_bench.ok = 1;
		q_bench.lat = lat;
		q_bench.per = per;
		q_bench.sw = sw;
		q_bench.slept_between = !(slept > hits[n - 1]);
		tap_diag("queue start latency: %llu cycles (%.1f us at 16 MHz): %llu cycles from the last "
			 "nonce of job 1 to the first of job 2, %llu between two nonces of one job",
			 (unsigned long long)lat, lat / 16.0, (unsigned long long)sw,
			 (unsigned long long)per);
		tap_ok(per > 6000 && per < 7200, "cycles between two nonces of a job: %llu",
		       (unsigned long long)per);
		tap_ok(lat < 3400, "the queued job starts %llu cycles after the last nonce of the "
		       "running one (bound 3,400, half a nonce; a nonce is %llu)", (unsigned long long)lat,
		       (unsigned long long)per);
		tap_ok(slept > hits[n - 1], "no SLEEP between the jobs (first one at cycle %llu, "
		       "after job 2's last nonce at %llu)", (unsigned long long)slept,
		       (unsigned long long)hits[n - 1]);
	} else {
		tap_ok(0, "cycles between two nonces of a job");
		tap_ok(0, "the queued job starts at once");
		tap_ok(0, "no SLEEP between the jobs");
	}

	/* both results kept, oldest first, until dropped */
	st = q_state();
	tap_ok(st == DUCO_ST_DONE, "both done: DONE (state %d)", st);
	st = q_offered(&res) == 1 && res.found && res.nonce == 100 + na - 1;
	st = st && q_offered(&res) == 1;
	tap_ok(st, "result of 1 (nonce %u) is offered, and stays", res.nonce);
	{
		uint32_t per_us = (uint32_t)((uint64_t)na * 6900 / 16);

		tap_ok(res.elapsed_us > per_us / 2 && res.elapsed_us < per_us * 2,
		       "job 1 took %u us by the board's timer", res.elapsed_us);
	}
	st = q_drop(1);
	st = st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_DONE && q_offered(&res) == 2 &&
	     res.found && res.nonce == 200 + nb - 1;
	tap_ok(st, "DROP 1: the result of 2 (nonce %u) is offered", res.nonce);
	tap_ok(res.elapsed_us > nb * 6000 / 16 && res.elapsed_us < nb * 7500 / 16,
	       "job 2's time runs from the end of job 1: %u us for %u nonces", res.elapsed_us, nb);
	st = q_drop(2);
	tap_ok(st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_IDLE && q_offered(&res) == -1,
	       "DROP 2: IDLE, nothing kept");
}

static void test_replace_abort(void)
{
	struct duco_job a, b, c;
	struct duco_result res;
	int st;

	/* a queued job replaced */
	q_job(&a, 10, 100, 140);
	q_job(&b, 11, 100, 110);
	q_job(&c, 12, 300, 305);
	q_queue(&a);
	q_queue(&b);
	q_settle();
	st = q_queue(&c);
	tap_ok(st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_BUSY_QUEUED, "QUEUE 12 replaces the queued 11");
	q_run(40);
	st = q_offered(&res) == 10 && res.nonce == 140;
	tap_ok(st, "10 done (nonce %u)", res.nonce);
	q_drop(10);
	st = q_offered(&res) == 12 && res.nonce == 305;
	tap_ok(st, "then 12 (nonce %u), never 11", res.nonce);
	st = q_drop(12);
	tap_ok(st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_IDLE, "and nothing else");

	/* a queued job cancelled */
	q_job(&a, 20, 100, 150);
	q_job(&b, 21, 100, 110);
	q_queue(&a);
	q_queue(&b);
	q_settle();
	st = q_drop(21);
	tap_ok(st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_BUSY, "DROP 21 (queued): BUSY");
	q_run(40);
	st = q_state();
	tap_ok(st == DUCO_ST_DONE && q_offered(&res) == 20 && res.nonce == 150,
	       "20 done, nothing started after it");
	st = q_drop(20);
	tap_ok(st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_IDLE, "DROP 20: IDLE");

	/* the running job dropped: the queued one starts */
	q_job(&a, 30, 100, 5000);
	q_job(&b, 31, 100, 120);
	q_queue(&a);
	q_queue(&b);
	q_settle();
	st = q_drop(30);
	tap_ok(st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_BUSY, "DROP 30 (running): 31 runs");
	q_run(30);
	st = q_state() == DUCO_ST_DONE && q_offered(&res) == 31 && res.nonce == 120;
	tap_ok(st, "31 done (nonce %u), 30 left no result", res.nonce);
	q_drop(31);
	tap_ok(q_state() == DUCO_ST_IDLE, "IDLE again");
}

static void test_faults(void)
{
	struct duco_job a, b, c, d;
	struct duco_result res;
	struct duco_identity id;
	uint8_t w[DUCO_MAX_WRITE_FRAME], r[2];
	int st, n;

	/* 40 runs for ~86 ms: long enough for the frames below (7 ms each) */
	q_job(&a, 40, 100, 300);
	q_job(&b, 41, 100, 115);
	q_queue(&a);
	q_queue(&b);
	q_settle();
	/* a corrupted QUEUE */
	q_job(&c, 42, 100, 101);
	n = duco_encode_queue(w, &c);
	w[20] ^= 0x10;
	st = q_cmd(w, (uint8_t)n);
	tap_ok(st >= 0 && (st & DUCO_STATUS_REJECT) && DUCO_STATUS_STATE(st) == DUCO_ST_BUSY_QUEUED,
	       "a corrupted QUEUE mid-queue: REJECT, queue unchanged (status %02x)", st);
	/* a QUEUE cut short by a STOP */
	n = duco_encode_queue(w, &c);
	memset(r, 0, sizeof(r));
	n = sim_duco_write(rig, Q_ADDR, w, 30);
	n = n ? n : sim_duco_read(rig, Q_ADDR, r, 2);
	tap_ok(n == 0 &&
	       (r[0] & DUCO_STATUS_REJECT) && DUCO_STATUS_STATE(r[0]) == DUCO_ST_BUSY_QUEUED,
	       "a QUEUE cut short by a STOP: REJECT, queue unchanged (status %02x)", r[0]);
	q_run(120);
	st = q_offered(&res) == 40 && res.nonce == 300;
	tap_ok(st, "40 done (nonce %u)", res.nonce);
	/* slots: kept 40, 41 + running 43 = 3; another QUEUE is refused */
	tap_ok(q_state() == DUCO_ST_DONE, "41 done too: two kept");
	q_job(&c, 43, 100, 90000);
	st = q_queue(&c);
	tap_ok(st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_BUSY_DONE, "QUEUE 43 runs beside two kept results");
	q_job(&d, 44, 100, 101);
	st = q_queue(&d);
	tap_ok(st >= 0 && (st & DUCO_STATUS_REJECT) && DUCO_STATUS_STATE(st) == DUCO_ST_BUSY_DONE,
	       "QUEUE 44 with all 3 slots held: REJECT (status %02x)", st);
	q_settle();
	st = q_simple(DUCO_CMD_ABORT);
	tap_ok(st >= 0 && DUCO_STATUS_STATE(st) == DUCO_ST_IDLE && (q_offered(&res) == -1),
	       "ABORT: nothing runs, is queued or kept");

	/* an external reset mid-queue */
	q_job(&a, 50, 100, 5000);
	q_job(&b, 51, 100, 120);
	q_queue(&a);
	q_queue(&b);
	q_settle();
	sim_rig_fault(rig, Q_ADDR, SIMBUS_FAULT_RESET, 0);
	q_run(100);
	st = q_state();
	n = sim_duco_identify(rig, Q_ADDR, &id);
	tap_ok(st == DUCO_ST_IDLE && n == 0 && (id.reset_cause & DUCO_RESET_EXTERNAL) &&
	       id.jobs_done == 0, "reset mid-queue: IDLE, nothing kept, external reset reported");
	q_simple(DUCO_CMD_CLEAR_ERR);
	q_job(&a, 52, 100, 105);
	st = q_queue(&a);
	q_run(10);
	tap_ok(st >= 0 && q_offered(&res) == 52 && res.nonce == 105, "and a new queue works");
	q_drop(52);
}

/*
 * Longest SCL stretch of elf at freq Hz on a 400 kHz bus over combined
 * transactions (frame, repeated START, 2-byte status read) of every kind
 * the master sends while a board hashes; -1 if it does not boot.
 */
static int q_stretch(const char *elf, uint32_t freq, uint8_t *status)
{
	struct sim_avr_stats st;
	struct duco_job j;

	if (q_boot_at(elf, freq, 400000))
		return -1;
	for (uint16_t i = 1; i <= 12; i++) {
		uint8_t w[DUCO_MAX_WRITE_FRAME];

		q_job(&j, i, 100, 90000);
		if (i % 4 == 1)
			q_cmd(w, duco_encode_job(w, &j));
		else
			q_queue(&j);
		q_run(3);
		if (i % 4 == 3)
			q_drop((uint16_t)(i - 1));
		q_run(3);
	}
	sim_avr_stats(avr0, &st);
	*status = st.max_stretch_status;
	return (int)st.max_stretch;
}

static void test_stretch(const char *elf)
{
	uint8_t status = 0;
	int c = q_stretch(elf, Q_FREQ, &status);

	tap_ok(c >= 0 && c <= 55, "400 kHz, JOB/QUEUE/DROP + repeated START + status read: longest "
	       "SCL stretch %d cycles after status %02x (bound 55)", c, status);
}

static void test_v1(const char *elf)
{
	struct duco_identity id;
	struct duco_job a;
	struct duco_result res;
	int err, st;

	err = q_boot(elf);
	tap_ok(err == 0, "version-1 image boots (%s, err %d)", elf, err);
	if (err)
		return;
	err = sim_duco_identify(rig, Q_ADDR, &id);
	tap_ok(err == 0 && id.proto_version == DUCO_PROTO_V1 && id.slots == 0,
	       "version-1 image: protocol %u, slots %u", id.proto_version, id.slots);
	q_job(&a, 7, 100, 110);
	st = q_queue(&a);
	tap_ok(st >= 0 && (st & DUCO_STATUS_REJECT) && DUCO_STATUS_STATE(st) == DUCO_ST_IDLE,
	       "version-1 image: QUEUE rejected");
	st = q_drop(7);
	tap_ok(st >= 0 && (st & DUCO_STATUS_REJECT), "version-1 image: DROP rejected");
	err = sim_duco_job(rig, Q_ADDR, &a);
	q_run(20);
	tap_ok(err == 0 && q_state() == DUCO_ST_DONE && q_offered(&res) == 7 && res.nonce == 110,
	       "version-1 image: a JOB runs and its result is DONE");
}

/* make bench: the latency and the 400 kHz stretches, one JSON line on stdout. */
static int q_bench_json(const char *elf, const char *elf8)
{
	int s16, s8 = -1;
	uint8_t st16 = 0, st8 = 0;
	char hex[8];

	int saved = dup(1), quiet = open("/dev/null", O_WRONLY);
	cJSON *o;

	fflush(stdout);
	if (saved < 0 || quiet < 0 || dup2(quiet, 1) < 0)
		return 1;
	if (q_boot(elf) == 0)
		test_latency(elf);
	s16 = q_stretch(elf, Q_FREQ, &st16);
	if (elf8[0])
		s8 = q_stretch(elf8, 8000000, &st8);
	fflush(stdout);
	dup2(saved, 1);
	close(quiet);
	close(saved);
	if (!q_bench.ok || !(o = cJSON_CreateObject())) {
		fprintf(stderr, "queue_sim: the latency measurement failed\n");
		return 1;
	}
	cJSON_AddStringToObject(o, "board", "nano");
	jsonout_num(o, "queue_start_cycles", (double)q_bench.lat, 0);
	jsonout_num(o, "queue_start_us_16mhz", (double)q_bench.lat / 16.0, 1);
	jsonout_num(o, "queue_switch_gap_cycles", (double)q_bench.sw, 0);
	jsonout_num(o, "nonce_gap_cycles", (double)q_bench.per, 0);
	cJSON_AddBoolToObject(o, "idle_between_jobs", q_bench.slept_between);
	jsonout_num(o, "stretch_400khz_16mhz_cycles", s16, 0);
	snprintf(hex, sizeof(hex), "0x%02x", st16);
	cJSON_AddStringToObject(o, "stretch_400khz_16mhz_status", hex);
	if (s8 >= 0) {
		jsonout_num(o, "stretch_400khz_8mhz_cycles", s8, 0);
		snprintf(hex, sizeof(hex), "0x%02x", st8);
		cJSON_AddStringToObject(o, "stretch_400khz_8mhz_status", hex);
	}
	jsonout_fprint(stdout, o);
	cJSON_Delete(o);
	return 0;
}

int main(int argc, char **argv)
{
	const char *build = getenv("BUILD");
	char elf[256], elf1[256], elf8[256];
	int err, bench = argc > 1 && strcmp(argv[1], "--bench-json") == 0;

	if (bench) {
		argc--;
		argv++;
	}
	snprintf(elf, sizeof(elf), "%s", argc > 1 ? argv[1] : "");
	snprintf(elf1, sizeof(elf1), "%s", argc > 2 ? argv[2] : "");
	snprintf(elf8, sizeof(elf8), "%s", argc > 3 ? argv[3] : "");
	if (!elf[0])
		snprintf(elf, sizeof(elf), "%s/avr-nano/firmware.elf", build ? build : "build");
	if (!elf1[0])
		snprintf(elf1, sizeof(elf1), "%s/avr-nano-v1/firmware.elf", build ? build : "build");
	if (bench)
		return q_bench_json(elf, elf8);
	err = q_boot(elf);
	tap_ok(err == 0, "firmware boots (%s, err %d)", elf, err);
	if (err)
		return tap_done();
	test_latency(elf);
	test_replace_abort();
	test_faults();
	test_stretch(elf);
	test_v1(elf1);
	if (rig) {
		sim_rig_destroy(rig);
		free(rig);
	}
	return tap_done();
}
