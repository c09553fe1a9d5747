/*
 * ducosim.c - the simulated ducorig rig: real firmware images in simavr and
 * host model slaves on one simulated I2C bus, served on a Unix socket.
 *
 * Two modes. Rig mode runs firmware boards: --count copies of one
 * --firmware, or one board per --firmware or --board image (sim_boards.c
 * gives ducorig's firmware its address with the protocol's SET_ADDR,
 * privately, before the bus is opened; other firmware stays at the address
 * its image sets), plus --model-slaves host model slaves after them, and
 * serves the bus on --socket (common/simbus_proto.h) in real time or, with
 * --fast, as fast as the host allows. Simulated time follows the wall clock;
 * a host too slow for the rig makes it fall behind smoothly (never in bursts
 * before a transfer), and the summary says by how much. A chip that crashes
 * or stops is reported on stderr at once, with its last transfers. It prints "ready <socket>" once the socket listens and
 * exits cleanly on SIGTERM/SIGINT, removing the socket. One-shot mode
 * (--job) sends one job through the real I2C protocol to one simulated
 * slave and prints the nonce, the firmware's elapsed microseconds and the
 * simulated cycles from job start to result. The command line is a contract
 * (docs/ducosim.md); scripts and the master's tests depend on it. Assumes
 * simavr 1.6 and firmware that enables its TWI slave within 2 s of reset.
 */
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cJSON.h>

#include "duco_s1.h"
#include "evloop.h"
#include "jsonout.h"
#include "mclock.h"
#include "options.h"
#include "poolwire.h"
#include "sim_avr.h"
#include "sim_boards.h"
#include "sim_duco.h"
#include "sim_model.h"
#include "sim_rig.h"
#include "sim_server.h"

#define DUCOSIM_MAX_FAULTS 32
#define DUCOSIM_NS_PER_MS  1000000ull
#define DUCOSIM_MAX_SLAVES (DUCO_ADDR_MAX - DUCO_ADDR_MIN + 1)

struct ducosim_fault {
	uint8_t  addr, kind;
	uint32_t param;
	uint64_t at_ns;
	uint8_t  fired;
};

struct ducosim_opts {
	char     firmware[DUCOSIM_MAX_SLAVES][SIM_BOARD_PATH];
	int      nfirmware;
	struct sim_board board[DUCOSIM_MAX_SLAVES];
	int      nboards;
	char     socket[256], mcu[32], job[128];
	uint32_t freq, bus_khz;
	int      pi_i2c;
	uint32_t pi_min_high_ns;
	double   vcc, temp, bandgap;        /* analog inputs of boards without their own */
	int      on_crash;                  /* enum ducosim_on_crash */
	uint32_t crash_trace;
	double   max_speed;
	int      count, models, fast, json, verbose, trace, help;
	int      have_start, have_end;
	uint32_t first_addr;
	double   model_hashrate;
	int      model_proto;
	uint32_t start_nonce, end_nonce, job_id;
	uint32_t poll_us, poll_bytes;
	double   duration_s, max_seconds;
	struct ducosim_fault fault[DUCOSIM_MAX_FAULTS];
	int      nfaults;
};

enum ducosim_on_crash { DUCOSIM_CRASH_RESTART, DUCOSIM_CRASH_STOP };
static const char *const ducosim_crash_names[] = { "restart", "stop", NULL };

static uint64_t ducosim_mono_ns(void)
{
	return (uint64_t)mclock_now_us(NULL) * 1000u;
}

static int ducosim_num(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return (errno || end == s || *end || *v > max) ? -1 : 0;
}

/* --fault addr,kind[,param[,at_ms]]: one more fault (the table counts them). */
static int ducosim_parse_fault(void *obj, const struct opt_row *row, const char *s,
			       char *err, size_t errlen)
{
	static const struct { const char *name; uint8_t kind; } kinds[] = {
		{ "flip", SIMBUS_FAULT_FLIP_BIT }, { "nack", SIMBUS_FAULT_NACK },
		{ "reset", SIMBUS_FAULT_RESET }, { "silent", SIMBUS_FAULT_SILENT },
		{ "clear", SIMBUS_FAULT_CLEAR }, { "flip-rate", SIMBUS_FAULT_FLIP_RATE },
		{ "hang", SIMBUS_FAULT_HANG },
	};
	struct ducosim_opts *o = obj;
	struct ducosim_fault *f;
	char buf[128], *tok[4] = { 0 }, *save = NULL;
	unsigned long long v;
	int n = 0;

	if (o->nfaults == DUCOSIM_MAX_FAULTS) {
		snprintf(err, errlen, "more than %d faults", DUCOSIM_MAX_FAULTS);
		return -ERANGE;
	}
	f = &o->fault[o->nfaults];
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t && n < 4; t = strtok_r(NULL, ",", &save))
		tok[n++] = t;
	if (n < 2 || ducosim_num(tok[0], 0x7f, &v))
		goto bad;
	*f = (struct ducosim_fault){ .addr = (uint8_t)v, .kind = 0 };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(tok[1], kinds[i].name) == 0)
			f->kind = kinds[i].kind;
	if (!f->kind)
		goto bad;
	if (n > 2) {
		if (ducosim_num(tok[2], 0xffffffffu, &v))
			goto bad;
		f->param = (uint32_t)v;
	}
	if (n > 3) {
		if (ducosim_num(tok[3], 1000000000ull, &v))
			goto bad;
		f->at_ns = v * DUCOSIM_NS_PER_MS;
	}
	o->nfaults++;
	return 0;
bad:
	snprintf(err, errlen, "'%.60s' is not ADDR,KIND[,PARAM[,AT_MS]] "
		 "(kinds flip nack reset silent clear flip-rate hang)", s);
	return -EINVAL;
}

/* --board ADDR:ELF[,vcc=V][,temp=C][,bandgap=V]: one more board. */
static int ducosim_parse_board(void *obj, const struct opt_row *row, const char *s,
			       char *err, size_t errlen)
{
	struct ducosim_opts *o = obj;

	if (o->nboards == DUCOSIM_MAX_SLAVES) {
		snprintf(err, errlen, "more than %d boards", DUCOSIM_MAX_SLAVES);
		return -ERANGE;
	}
	o->board[o->nboards] = (struct sim_board){ .want = 0 };
	if (sim_board_parse(&o->board[o->nboards], s, err, errlen))
		return -EINVAL;
	o->nboards++;
	return 0;
}

#define O(field) .off = offsetof(struct ducosim_opts, field)
#define S(field) O(field), .size = sizeof(((struct ducosim_opts *)0)->field)
#define SEEN(field) .seen_off = offsetof(struct ducosim_opts, field)

static const struct opt_row ducosim_rows[] = {
	{ .name = "firmware", .type = OPT_LIST, O(firmware), .size = SIM_BOARD_PATH,
	  .max = DUCOSIM_MAX_SLAVES, .count_off = offsetof(struct ducosim_opts, nfirmware),
	  .arg = "ELF", .help = "firmware image to run in simavr; rig: one board per "
	  "image (repeatable)" },
	{ .name = "board", .type = OPT_CUSTOM, .parse = ducosim_parse_board,
	  .count_off = offsetof(struct ducosim_opts, nboards), .flags = OPT_F_REPEAT,
	  .arg = "ADDR:ELF[,vcc=V][,temp=C][,bandgap=V]",
	  .help = "rig: a board running ELF at ADDR, with its own analog inputs (repeatable)" },
	{ .name = "count", .type = OPT_INT, O(count),
	  .min = 0, .max = DUCOSIM_MAX_SLAVES, .arg = "N",
	  .help = "rig: copies of one --firmware image (ducorig's: they take their "
	  "addresses by SET_ADDR)" },
	{ .name = "vcc", .type = OPT_DBL, O(vcc), .min = 1.8, .max = 5.5, .def = "5.0",
	  .arg = "V", .help = "rig: supply voltage the ADC sees (AVcc = AREF)" },
	{ .name = "temp", .type = OPT_DBL, O(temp), .min = -40, .max = 125, .def = "25",
	  .arg = "C", .help = "rig: die temperature for the ADC's temperature sensor" },
	{ .name = "bandgap", .type = OPT_DBL, O(bandgap), .min = 0.9, .max = 1.3, .def = "1.1",
	  .arg = "V", .help = "rig: the chip's bandgap (internal 1.1 V reference)" },
	{ .name = "on-crash", .type = OPT_ENUM, O(on_crash), .names = ducosim_crash_names,
	  .def = "restart", .arg = "restart|stop",
	  .help = "rig: a chip whose program counter left the flash runs on from 0 "
	  "(as the chip does) or stays stopped" },
	{ .name = "crash-trace", .type = OPT_UINT, O(crash_trace), .min = 0, .max = 4096,
	  .def = "0", .arg = "N", .help = "rig: report the last N instructions of a "
	  "crashed chip (slower)" },
	{ .name = "max-speed", .type = OPT_DBL, O(max_speed), .min = 0, .max = 1,
	  .flags = OPT_F_GT_MIN, .def = "1", .arg = "R",
	  .help = "rig: simulate at most R times real time (R < 1: a host too slow)" },
	{ .name = "first-addr", .type = OPT_UINT, O(first_addr), .min = DUCO_ADDR_MIN,
	  .max = DUCO_ADDR_MAX, .def = "0x08", .arg = "0xNN",
	  .help = "rig: address of the first slave, the others follow" },
	{ .name = "socket", .type = OPT_STR, S(socket), .arg = "PATH",
	  .help = "rig: serve the bus on this Unix socket" },
	{ .name = "fast", .type = OPT_FLAG, O(fast),
	  .help = "rig: as fast as the host allows instead of real time" },
	{ .name = "model-slaves", .type = OPT_INT, O(models), .min = 0,
	  .max = DUCOSIM_MAX_SLAVES, .def = "0", .arg = "N",
	  .help = "rig: host model slaves after the firmware copies" },
	{ .name = "model-hashrate", .type = OPT_DBL, O(model_hashrate), .min = 0, .max = 1e7,
	  .flags = OPT_F_GT_MIN, .def = "350", .arg = "H",
	  .help = "rig: H/s of each model slave" },
	{ .name = "model-proto", .type = OPT_INT, O(model_proto), .min = DUCO_PROTO_V1,
	  .max = DUCO_PROTO_V2, .def = "2", .arg = "1|2",
	  .help = "rig: I2C protocol version of the model slaves (1: no job queue)" },
	{ .name = "fault", .type = OPT_CUSTOM, .parse = ducosim_parse_fault,
	  .count_off = offsetof(struct ducosim_opts, nfaults), .flags = OPT_F_REPEAT,
	  .arg = "ADDR,KIND[,PARAM[,AT_MS]]",
	  .help = "rig: inject a fault, AT_MS after ready (repeatable)" },
	{ .name = "duration", .type = OPT_DBL, O(duration_s), .min = 0, .max = 1e9,
	  .def = "0", .arg = "S", .help = "rig: stop after S simulated seconds (0: never)" },
	{ .name = "trace", .type = OPT_FLAG, O(trace),
	  .help = "rig: one line per transfer on stderr" },
	{ .name = "job", .type = OPT_STR, S(job), .arg = "LAST,EXPECTED,DIFF",
	  .help = "one-shot: send this job (40 hex, 40 hex, difficulty) and print the result" },
	{ .name = "start-nonce", .type = OPT_UINT, O(start_nonce), SEEN(have_start),
	  .min = 0, .max = DUCO_MAX_NONCE, .arg = "N",
	  .help = "one-shot: first nonce (default 0)" },
	{ .name = "end-nonce", .type = OPT_UINT, O(end_nonce), SEEN(have_end),
	  .min = 0, .max = DUCO_MAX_NONCE, .arg = "N",
	  .help = "one-shot: last nonce (default 100*diff)" },
	{ .name = "job-id", .type = OPT_UINT, O(job_id), .min = 0, .max = 0xffff, .def = "1",
	  .arg = "N", .help = "one-shot: job id in the frame" },
	{ .name = "poll-us", .type = OPT_UINT, O(poll_us), .min = 0, .max = 10000000,
	  .def = "0", .arg = "US", .help = "one-shot: status poll period while hashing (0: none)" },
	{ .name = "poll-bytes", .type = OPT_UINT, O(poll_bytes), .min = 1, .max = 2, .def = "2",
	  .arg = "1|2", .help = "one-shot: bytes per status poll" },
	{ .name = "max-seconds", .type = OPT_DBL, O(max_seconds), .min = 0, .max = 1e9,
	  .flags = OPT_F_GT_MIN, .def = "600", .arg = "S",
	  .help = "one-shot: give up after S simulated seconds" },
	{ .name = "json", .type = OPT_FLAG, O(json),
	  .help = "one-shot: print the result as one JSON object" },
	{ .name = "mcu", .type = OPT_STR, S(mcu), .def = "", .arg = "PART",
	  .help = "simavr part name (default: the part each image was linked for, from its "
		  "avr-libc device note; atmega328p for an image without one)" },
	{ .name = "freq", .type = OPT_UINT, O(freq), .min = 1000000, .max = 64000000,
	  .def = "16000000", .arg = "HZ", .help = "simulated F_CPU" },
	{ .name = "bus-khz", .type = OPT_UINT, O(bus_khz), .min = 10, .max = 1000, .def = "100",
	  .arg = "KHZ", .help = "SCL clock" },
	{ .name = "pi-i2c", .type = OPT_FLAG, O(pi_i2c),
	  .help = "drive the firmware boards like the Raspberry Pi's I2C controller: SCL on a "
		  "half-period grid, so a stretch that ends just before a tick leaves a clock "
		  "too short for the slave (docs/ducosim.md)" },
	{ .name = "pi-min-high-ns", .type = OPT_UINT, O(pi_min_high_ns), .min = 1, .max = 100000,
	  .def = "175", .arg = "NS",
	  .help = "with --pi-i2c: the shortest SCL high the slave's TWI sees" },
	{ .name = "verbose", .type = OPT_COUNT, O(verbose), .short_name = 'v', .min = 0,
	  .max = 9, .help = "more messages on stderr" },
	{ .name = "help", .type = OPT_FLAG, O(help), .flags = OPT_F_EARLY,
	  .help = "print this help and exit" },
};

static const struct opt_table ducosim_table = {
	.prog = "ducosim",
	OPT_ROWS(ducosim_rows),
	.synopsis =
"usage:\n"
"  ducosim --firmware <elf> --count <n> --first-addr <0xNN> --socket <path>\n"
"  ducosim {--firmware <elf> | --board <addr>:<elf>[,vcc=V,temp=C,bandgap=V]}...\n"
"          --socket <path> [--vcc V] [--temp C] [--bandgap V]\n"
"          [--on-crash restart|stop] [--crash-trace N] [--max-speed R]\n"
"          [--bus-khz 100|400] [--fast] [--model-slaves <n> --model-hashrate <h>]\n"
"          [--model-proto 1|2]\n"
"          [--fault <addr>,<kind>[,<param>[,<at_ms>]]]... [--duration <s>] [--trace]\n"
"  ducosim --firmware <elf> --job <last>,<expected>,<diff> [--start-nonce <n>]\n"
"          [--end-nonce <n>] [--job-id <n>] [--poll-us <us> [--poll-bytes 1|2]] [--json]\n"
"common: [--mcu PART] [--freq 16000000] [--bus-khz 100] [-v]\n\n",
	.footer =
"\nfault kinds: flip, nack, reset, silent, clear, flip-rate, hang (see docs/ducosim.md)\n"
"exit status: 0 done, 1 simulation failed, 2 bad arguments\n",
};

/* 0, 1 after --help, or -1 with the complaint printed. */
static int ducosim_parse(int argc, char **argv, struct ducosim_opts *o)
{
	char err[256];

	*o = (struct ducosim_opts){ .count = -1 };      /* -1: 1 with --firmware */
	if (opt_defaults(&ducosim_table, o, err, sizeof(err)) ||
	    opt_parse(&ducosim_table, o, argc, argv, NULL, err, sizeof(err))) {
		fprintf(stderr, "ducosim: %s\n", err);
		return -1;
	}
	if (o->help) {
		opt_help(&ducosim_table, stdout);
		return 1;
	}
	return 0;
}

/*
 * The part to simulate an image as: --mcu when given (said when the image
 * was linked for another), else the image's own device note, else the
 * ATmega328P of every board but the Mega.
 */
static const char *ducosim_mcu(const struct ducosim_opts *o, const char *elf, char *buf,
			       size_t n)
{
	char img[32];
	int have = sim_avr_image_mcu(elf, img, sizeof(img)) == 0;

	if (o->mcu[0]) {
		if (have && strcmp(img, o->mcu))
			fprintf(stderr, "ducosim: %s was linked for %s; simulated as --mcu %s\n",
				elf, img, o->mcu);
		return o->mcu;
	}
	snprintf(buf, n, "%s", have ? img : "atmega328p");
	return buf;
}

/* --- one-shot mode -------------------------------------------------------- */

static int ducosim_oneshot(const struct ducosim_opts *o)
{
	char mcu[32];
	struct sim_oneshot os = {
		.elf = o->firmware[0], .mcu = ducosim_mcu(o, o->firmware[0], mcu, sizeof(mcu)),
		.freq = o->freq,
		.bus_hz = o->bus_khz * 1000, .poll_us = o->poll_us,
		.poll_len = (uint8_t)o->poll_bytes,
		.max_cycles = (uint64_t)(o->max_seconds * o->freq),
	};
	struct poolwire_job line;
	int err;

	if (o->nfirmware != 1 || o->nboards) {
		fprintf(stderr, "ducosim: --job needs one --firmware\n");
		return 2;
	}
	if (poolwire_parse_job(o->job, &line)) {
		fprintf(stderr, "ducosim: --job wants <40 hex>,<40 hex>,<diff>\n");
		return 2;
	}
	poolwire_job_to_slave(&line, &os.job);
	os.job.job_id = (uint16_t)o->job_id;
	if (o->have_start)
		os.job.start_nonce = o->start_nonce;
	if (o->have_end)
		os.job.end_nonce = o->end_nonce;
	err = sim_oneshot_run(&os);
	if (err) {
		fprintf(stderr, "ducosim: one-shot run failed: %s\n",
			err > 0 ? "bus transfer refused (NACK or bus error)" : strerror(-err));
		return 1;
	}
	if (o->json) {
		cJSON *j = cJSON_CreateObject();
		char status[8];

		snprintf(status, sizeof(status), "0x%02x", os.max_stretch_status);
		cJSON_AddBoolToObject(j, "found", os.res.found);
		jsonout_num(j, "nonce", os.res.nonce, JSONOUT_EXACT);
		jsonout_num(j, "elapsed_us", os.res.elapsed_us, JSONOUT_EXACT);
		jsonout_num(j, "cycles", (double)os.cycles, JSONOUT_EXACT);
		jsonout_num(j, "max_stretch_cycles", os.max_stretch, JSONOUT_EXACT);
		cJSON_AddStringToObject(j, "max_stretch_status", status);
		jsonout_num(j, "polls", (double)os.polls, JSONOUT_EXACT);
		jsonout_num(j, "addr", os.addr, JSONOUT_EXACT);
		jsonout_num(j, "start_nonce", os.job.start_nonce, JSONOUT_EXACT);
		jsonout_num(j, "end_nonce", os.job.end_nonce, JSONOUT_EXACT);
		cJSON_AddStringToObject(j, "mcu", os.mcu);
		jsonout_num(j, "f_cpu", o->freq, JSONOUT_EXACT);
		jsonout_num(j, "bus_hz", (double)o->bus_khz * 1000, JSONOUT_EXACT);
		jsonout_num(j, "boot_cycles", (double)os.boot_cycles, JSONOUT_EXACT);
		err = jsonout_fprint(stdout, j);
		cJSON_Delete(j);
		if (err) {
			fprintf(stderr, "ducosim: writing the result: %s\n", strerror(-err));
			return 1;
		}
	} else {
		printf("%s nonce %lu elapsed_us %lu cycles %llu max_stretch_cycles %lu\n",
		       os.res.found ? "found" : "not-found", (unsigned long)os.res.nonce,
		       (unsigned long)os.res.elapsed_us, (unsigned long long)os.cycles,
		       (unsigned long)os.max_stretch);
	}
	return 0;
}

/* --- rig mode ------------------------------------------------------------- */

/* --trace: one line per served transfer on stderr, in simulated time. */
static void ducosim_trace(void *ctx, const struct sim_xfer *x, uint64_t start_ns)
{
	static const char *results[] = { "ok", "addr-nack", "data-nack", "bus-error",
					  "bad-request", "timeout" };
	char w[3 * 16 + 8] = "", r[3 * 16 + 8] = "";
	int n;

	n = 0;
	for (int i = 0; i < x->wlen && i < 16; i++)
		n += snprintf(w + n, sizeof(w) - (size_t)n, " %02x", x->w[i]);
	if (x->wlen > 16)
		snprintf(w + n, sizeof(w) - (size_t)n, " ..");
	n = 0;
	for (int i = 0; x->result == SIMBUS_OK && i < x->rlen && i < 16; i++)
		n += snprintf(r + n, sizeof(r) - (size_t)n, " %02x", x->r[i]);
	if (x->result == SIMBUS_OK && x->rlen > 16)
		snprintf(r + n, sizeof(r) - (size_t)n, " ..");
	fprintf(stderr, "%.6f 0x%02x w%u[%s ] r%u[%s ] %s wacked %u, %.0f us\n",
		(double)start_ns / 1e9, x->addr, x->wlen, w, x->rlen, r,
		x->result < 6 ? results[x->result] : "?", x->wacked,
		(double)(x->done_ns - start_ns) / 1e3);
}

/* The rig's event loop: the simbus sockets, signals and one pump timer. */
struct ducosim_run {
	struct ducosim_opts *o;
	struct sim_rig *r;
	struct sim_server *sv;
	struct evloop *el;
	struct sim_board *boards;       /* the firmware boards, slaves 0..nboards-1 */
	int nboards;
	long long pump;
	uint64_t sim0, wall0;           /* simulated time and wall clock at ready */
	uint64_t behind_ns;             /* simulated time given up to a slow host */
	uint64_t events;                /* crashes and stops reported */
};

/*
 * Lag the rig may have on the wall clock before it gives the rest up: a
 * request that arrives while the rig is behind first runs at most this much
 * (so its transfer starts close to "now"), never a backlog.
 */
#define DUCOSIM_MAX_LAG_NS 2000000ull

/*
 * Simulated time to run to now: the wall clock less what was given up. A
 * rig too big for the host falls behind; the backlog beyond the allowed lag
 * is given up (counted in behind_ns) instead of being run in a burst. With
 * --max-speed R the rig is not let past R times the wall clock, as on a
 * host that slow.
 */
static uint64_t ducosim_wall(struct ducosim_run *u)
{
	uint64_t el = ducosim_mono_ns() - u->wall0;
	uint64_t target = u->sim0 + el - u->behind_ns;
	uint64_t cap = u->sim0 + (uint64_t)((double)el * u->o->max_speed);

	if (target > u->r->now_ns + DUCOSIM_MAX_LAG_NS) {
		u->behind_ns += target - (u->r->now_ns + DUCOSIM_MAX_LAG_NS);
		target = u->r->now_ns + DUCOSIM_MAX_LAG_NS;
	}
	if (target > cap)
		target = cap > u->r->now_ns ? cap : u->r->now_ns;
	return target;
}

static void ducosim_summary(struct ducosim_run *u, uint64_t wall_ns)
{
	struct sim_rig *r = u->r;
	uint32_t max_stretch = 0;
	uint64_t stretches = 0, shorts = 0, cw = 0, cr = 0, hist[SIM_AVR_STRETCH_BINS] = { 0 };
	struct sim_avr_stats st;
	double wall_s = (double)wall_ns / 1e9;

	for (int i = 0; i < u->nboards; i++) {
		sim_avr_stats(r->slave[i], &st);
		if (st.max_stretch > max_stretch)
			max_stretch = st.max_stretch;
		stretches += st.stretches;
		shorts += st.short_clocks;
		cw += st.corrupted_writes;
		cr += st.corrupted_reads;
		for (int k = 0; k < SIM_AVR_STRETCH_BINS; k++)
			hist[k] += st.stretch_hist[k];
		if (st.crashes)
			fprintf(stderr, "ducosim: 0x%02x %s: %u crash%s or stop%s, %u restart%s "
				"from address 0\n", u->boards[i].addr, r->slave[i]->name,
				st.crashes, st.crashes == 1 ? "" : "es", st.crashes == 1 ? "" : "s",
				st.restarts, st.restarts == 1 ? "" : "s");
	}
	fprintf(stderr, "ducosim: sim %.3f s in %.3f s wall, %llu transfers "
		"(%llu addr NACK, %llu data NACK, %llu bus errors, %llu timeouts, %llu flips, "
		"%llu resets), max stretch %lu cycles, %llu chip crashes\n",
		(double)(r->now_ns - u->sim0) / 1e9, wall_s,
		(unsigned long long)r->st.xfers, (unsigned long long)r->st.addr_nacks,
		(unsigned long long)r->st.data_nacks, (unsigned long long)r->st.bus_errors,
		(unsigned long long)r->st.timeouts,
		(unsigned long long)r->st.flips, (unsigned long long)r->st.resets,
		(unsigned long)max_stretch, (unsigned long long)u->events);
	if (u->o->verbose > 1) {
		/* the stretch lengths, for the Pi model's error rate at any clock */
		fprintf(stderr, "ducosim: stretch cycles:");
		for (int k = 0; k < SIM_AVR_STRETCH_BINS; k++)
			if (hist[k])
				fprintf(stderr, " %d%s:%llu", k, k == SIM_AVR_STRETCH_BINS - 1 ? "+" : "",
					(unsigned long long)hist[k]);
		fprintf(stderr, "\n");
	}
	if (u->o->pi_i2c)
		fprintf(stderr, "ducosim: pi-i2c: %llu stretches before data, %llu short clocks "
			"(%.4f%%), %llu written bytes and %llu reads corrupted\n",
			(unsigned long long)stretches, (unsigned long long)shorts,
			stretches ? 100.0 * (double)shorts / (double)stretches : 0.0,
			(unsigned long long)cw, (unsigned long long)cr);
	if (!u->o->fast)
		fprintf(stderr, "ducosim: fell behind the wall clock by %.3f s (%.1f%% of the "
			"run)%s\n", (double)u->behind_ns / 1e9,
			wall_s > 0 ? 100.0 * (double)u->behind_ns / 1e9 / wall_s : 0.0,
			u->o->max_speed < 1 ? " at --max-speed" : "");
}

/* One recorded transfer in --trace's notation. */
static void ducosim_xlog_text(const struct sim_rig_xlog *l, char *out, size_t n)
{
	size_t k = (size_t)snprintf(out, n, "%.6f w%u[", (double)l->start_ns / 1e9, l->wlen);

	for (int i = 0; i < l->wlen && i < SIM_RIG_XLOG_DATA && k < n; i++)
		k += (size_t)snprintf(out + k, n - k, " %02x", l->w[i]);
	if (k < n)
		k += (size_t)snprintf(out + k, n - k, "%s ] r%u[", l->wlen > SIM_RIG_XLOG_DATA ?
				      " .." : "", l->rlen);
	for (int i = 0; l->result == SIMBUS_OK && i < l->rlen && i < SIM_RIG_XLOG_DATA && k < n; i++)
		k += (size_t)snprintf(out + k, n - k, " %02x", l->r[i]);
	if (k < n)
		snprintf(out + k, n - k, "%s ] result %u", l->rlen > SIM_RIG_XLOG_DATA ? " .." : "",
			 l->result);
}

/* A chip crashed or stopped: say so at once, with what led up to it. */
static void ducosim_on_event(void *ctx, int i, const struct sim_slave_event *ev)
{
	struct ducosim_run *u = ctx;
	struct sim_rig_xlog hist[SIM_RIG_XLOG];
	char line[160];
	int n;

	u->events++;
	fprintf(stderr, "ducosim: 0x%02x %s (%s) %s at %.6f s: %s; PC 0x%04x SP 0x%04x "
		"cycle %llu; %s\n", i < u->nboards ? u->boards[i].addr : 0, u->r->slave[i]->name,
		i < u->nboards ? u->boards[i].elf : "?",
		ev->kind == SIM_SLAVE_CRASHED ? "crashed" : "stopped",
		(double)u->r->now_ns / 1e9, ev->why[0] ? ev->why : "no reason given",
		(unsigned)ev->pc, (unsigned)ev->sp, (unsigned long long)ev->cycle,
		ev->restarted ? "it runs on from address 0, as the chip would "
		"(--on-crash stop keeps it stopped)" : "it stays stopped until reset");
	n = sim_rig_history(u->r, i, hist, SIM_RIG_XLOG);
	for (int k = 0; k < n; k++) {
		ducosim_xlog_text(&hist[k], line, sizeof(line));
		fprintf(stderr, "ducosim:   transfer %s\n", line);
	}
	if (!n)
		fprintf(stderr, "ducosim:   no transfers to it yet\n");
	for (int k = 0; k < ev->ntrace; k += 8) {
		int len = snprintf(line, sizeof(line), "ducosim:   trace");

		for (int j = k; j < ev->ntrace && j < k + 8; j++)
			len += snprintf(line + len, sizeof(line) - (size_t)len, " %04x/%04x",
					(unsigned)ev->trace_pc[j], (unsigned)ev->trace_sp[j]);
		fprintf(stderr, "%s\n", line);
	}
	if (ev->ntrace)
		fprintf(stderr, "ducosim:   (PC/SP of the last %u instructions, oldest first; "
			"avr-objdump -d the image to read them)\n", ev->ntrace);
	fflush(stderr);
}

/* A request is waiting and the bus was idle: start it now. */
static void ducosim_on_request(void *ctx)
{
	struct ducosim_run *u = ctx;
	uint64_t wall;

	if (!sim_server_pending(u->sv))
		return;
	/* Bring simulated time up to now (at most DUCOSIM_MAX_LAG_NS of it), so
	 * the transfer takes its bus time from about the moment it arrived. */
	if (!u->o->fast) {
		wall = ducosim_wall(u);
		if (wall > u->r->now_ns)
			sim_rig_run(u->r, wall);
	}
	sim_server_dispatch(u->sv, u->r);
	evloop_set_timer_at(u->el, u->pump, evloop_now_us());
}

static void ducosim_fire_faults(struct ducosim_run *u)
{
	struct ducosim_opts *o = u->o;

	for (int i = 0; i < o->nfaults; i++) {
		struct ducosim_fault *f = &o->fault[i];
		int err;

		if (f->fired || u->r->now_ns - u->sim0 < f->at_ns)
			continue;
		f->fired = 1;
		err = sim_rig_fault(u->r, f->addr, f->kind, f->param);
		if (o->verbose || err)
			fprintf(stderr, "ducosim: fault %u at 0x%02x: %s\n",
				f->kind, f->addr, err ? strerror(-err) : "injected");
	}
}

/*
 * Advance simulated time: as fast as the host allows with --fast, else
 * following the wall clock. Returns the delay until the next step: none
 * while there is time to catch up, else a short sleep that any request on
 * the sockets cuts short.
 */
static int64_t ducosim_on_pump(struct evloop *el, long long id, void *arg)
{
	struct ducosim_run *u = arg;
	struct sim_rig *r = u->r;
	uint64_t target;

	if (u->o->duration_s > 0 && r->now_ns - u->sim0 >= (uint64_t)(u->o->duration_s * 1e9)) {
		evloop_stop(el);
		return -1;
	}
	ducosim_fire_faults(u);
	if (u->o->fast) {
		target = r->now_ns + 1000000;
	} else {
		target = ducosim_wall(u);
		/* idle: advance in steps of at least 1 ms, not in a busy loop;
		 * with a transfer in flight follow the wall clock closely */
		if (!r->cur && target < r->now_ns + 1000000)
			target = r->now_ns;
	}
	if (target > r->now_ns) {
		if (sim_rig_run(r, target))
			sim_server_done(u->sv, r);
		return 0;
	}
	/* caught up with the wall clock: a request wakes us at once */
	return r->cur ? 50 : 1000;
}

static void ducosim_on_signal(struct evloop *el, int fd, int mask, void *arg)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		evloop_stop(el);
}

/*
 * The firmware boards from the command line: --count copies of one
 * --firmware, or one board per --firmware and per --board. Boards without
 * their own analog inputs get --vcc, --temp, --bandgap. Returns the number
 * of boards, or -1 with the complaint printed.
 */
static int ducosim_boards(struct ducosim_opts *o, struct sim_board **out)
{
	int copies = o->count < 0 ? 1 : o->count, n;
	struct sim_board *b;

	if (o->count >= 0 && o->nfirmware != 1) {
		fprintf(stderr, "ducosim: --count makes copies of one --firmware image (%d given); "
			"for other images use one --firmware or --board each\n", o->nfirmware);
		return -1;
	}
	n = (o->nfirmware == 1 ? copies : o->nfirmware) + o->nboards;
	b = calloc((size_t)n + 1, sizeof(*b));
	if (!b)
		return -1;
	for (int i = 0; i < n - o->nboards; i++)
		snprintf(b[i].elf, sizeof(b[i].elf), "%s", o->firmware[o->nfirmware == 1 ? 0 : i]);
	for (int i = 0; i < o->nboards; i++)
		b[n - o->nboards + i] = o->board[i];
	for (int i = 0; i < n; i++) {
		if (!b[i].set_vcc)
			b[i].an.vcc_mv = (uint16_t)(o->vcc * 1000 + 0.5);
		if (!b[i].set_bandgap)
			b[i].an.bandgap_mv = (uint16_t)(o->bandgap * 1000 + 0.5);
		if (!b[i].set_temp)
			b[i].an.temp_c = o->temp;
	}
	*out = b;
	return n;
}

static int ducosim_rig(struct ducosim_opts *o)
{
	struct sim_rig *r = calloc(1, sizeof(*r));
	struct sim_server *sv = calloc(1, sizeof(*sv));
	struct evloop *el = evloop_new();
	struct ducosim_run u = { .o = o, .r = r, .sv = sv, .el = el };
	uint8_t model_addr[DUCOSIM_MAX_SLAVES];
	uint64_t start_wall;
	int err, rc = 1, opened = 0, sfd = -1, autos = 0;
	sigset_t sigs;
	char name[32], why[256], mcu_buf[32];
	const char *mcu;

	if (!r || !sv || !el)
		goto out;
	if (!o->socket[0]) {
		fprintf(stderr, "ducosim: rig mode needs --socket\n");
		rc = 2;
		goto out;
	}
	u.nboards = ducosim_boards(o, &u.boards);
	if (u.nboards < 0) {
		rc = 2;
		goto out;
	}
	for (int i = 0; i < u.nboards; i++)
		autos += u.boards[i].want == 0;
	if (o->first_addr + autos + o->models - 1 > DUCO_ADDR_MAX) {
		fprintf(stderr, "ducosim: %d slaves from 0x%02x run past 0x%02x\n",
			autos + o->models, o->first_addr, DUCO_ADDR_MAX);
		rc = 2;
		goto out;
	}
	sim_rig_init(r, o->bus_khz * 1000);
	r->on_event = ducosim_on_event;
	r->event_ctx = &u;
	for (int i = 0; i < u.nboards; i++) {
		struct sim_board *b = &u.boards[i];

		snprintf(name, sizeof(name), "avr%d", i);
		mcu = ducosim_mcu(o, b->elf, mcu_buf, sizeof(mcu_buf));
		err = sim_avr_create(&b->s, b->elf, mcu, o->freq, o->bus_khz * 1000, name);
		if (err) {
			fprintf(stderr, "ducosim: cannot load %s as %s: %s\n", b->elf, mcu,
				err == -ENODEV ? "simavr has no such part (--mcu names another)" :
				strerror(-err));
			goto out;
		}
		sim_avr_set_analog(b->s, &b->an);
		sim_avr_set_crash(b->s, o->on_crash == DUCOSIM_CRASH_RESTART,
				  (uint16_t)o->crash_trace);
		sim_rig_add(r, b->s);
	}
	for (int i = 0; i < o->models; i++) {
		struct sim_slave *s;

		model_addr[i] = (uint8_t)(o->first_addr + autos + i);
		snprintf(name, sizeof(name), "model%d", i);
		err = sim_model_create(&s, model_addr[i], o->model_hashrate, o->bus_khz * 1000,
				       (uint32_t)i, name);
		if (err) {
			fprintf(stderr, "ducosim: model slave %d: %s\n", i, strerror(-err));
			goto out;
		}
		if (o->model_proto != DUCO_PROTO_VERSION)
			sim_model_set_proto(s, (uint8_t)o->model_proto);
		sim_rig_add(r, s);
	}
	err = sim_boards_assign(r, u.boards, u.nboards, (uint8_t)o->first_addr, model_addr,
				o->models, why, sizeof(why));
	if (err) {
		fprintf(stderr, "ducosim: firmware did not come up at its addresses: %s\n", why);
		goto out;
	}
	err = sim_server_open(sv, o->socket, el);
	if (err == -ENOTSOCK)
		fprintf(stderr, "ducosim: socket %s: something other than a socket is there; "
			"not replacing it\n", o->socket);
	else if (err == -EADDRINUSE)
		fprintf(stderr, "ducosim: socket %s: another server is listening on it "
			"(a running ducosim?); not taking it over\n", o->socket);
	else if (err)
		fprintf(stderr, "ducosim: socket %s: %s\n", o->socket, strerror(-err));
	if (err)
		goto out;
	opened = 1;
	sv->flags = o->fast ? 1 : 0;
	if (o->trace)
		sv->on_done = ducosim_trace;
	sv->on_request = ducosim_on_request;
	sv->ctx = &u;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	u.pump = evloop_add_timer(el, 0, ducosim_on_pump, &u);
	if (sfd < 0 || evloop_add_file(el, sfd, EVLOOP_READABLE, ducosim_on_signal, &u) < 0 ||
	    u.pump < 0) {
		fprintf(stderr, "ducosim: signalfd: %s\n", strerror(errno));
		goto out;
	}
	/* real time: wake within microseconds, not on whole milliseconds */
	evloop_set_slack_us(el, 1);
	if (o->verbose) {
		fprintf(stderr, "ducosim: %d firmware + %d model slaves, %u kHz, %s\n",
			u.nboards, o->models, o->bus_khz, o->fast ? "fast" : "real time");
		for (int i = 0; i < u.nboards; i++)
			fprintf(stderr, "ducosim:   0x%02x %s %s (%s), Vcc %.2f V, bandgap %.3f V, "
				"%.1f C\n", u.boards[i].addr, u.boards[i].s->name, u.boards[i].elf,
				u.boards[i].ducorig ? "ducorig protocol" : "its own address",
				u.boards[i].an.vcc_mv / 1e3, u.boards[i].an.bandgap_mv / 1e3,
				u.boards[i].an.temp_c);
	}
	/* The master's transfers meet the Pi model; ducosim's own set-up
	 * (addresses) went through an ideal one. */
	for (int i = 0; o->pi_i2c && i < u.nboards; i++)
		sim_avr_set_bcm2835(r->slave[i], o->pi_min_high_ns);
	printf("ready %s\n", o->socket);
	fflush(stdout);

	/* fault times count from the moment the bus is ready */
	u.sim0 = r->now_ns;
	start_wall = u.wall0 = ducosim_mono_ns();
	err = evloop_run(el);
	if (err) {
		fprintf(stderr, "ducosim: event loop: %s\n", strerror(-err));
		goto out;
	}
	rc = 0;
	if (o->verbose || o->duration_s > 0)
		ducosim_summary(&u, ducosim_mono_ns() - start_wall);
out:
	if (opened)
		sim_server_close(sv);
	if (sfd >= 0)
		close(sfd);
	evloop_free(el);
	if (r)
		sim_rig_destroy(r);
	free(u.boards);
	free(r);
	free(sv);
	return rc;
}

int main(int argc, char **argv)
{
	struct ducosim_opts o;
	int rc = ducosim_parse(argc, argv, &o);

	if (rc)
		return rc > 0 ? 0 : 2;
	if (o.job[0])
		return ducosim_oneshot(&o);
	return ducosim_rig(&o);
}
