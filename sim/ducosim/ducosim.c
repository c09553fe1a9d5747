/*
 * ducosim.c - the simulated ducorig rig: real firmware images in simavr and
 * host model slaves on one simulated I2C bus, served on a Unix socket.
 *
 * Two modes. Rig mode runs --count copies of --firmware at consecutive
 * addresses from --first-addr (each copy is given its address through the
 * protocol's SET_ADDR at start-up, privately, before the bus is opened),
 * plus --model-slaves host model slaves after them, and serves the bus on
 * --socket (common/simbus_proto.h) in real time or, with --fast, as fast as
 * the host allows. It prints "ready <socket>" once the socket listens and
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
#include "sim_avr.h"
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
	char     firmware[4096], socket[256], mcu[32], job[128];
	uint32_t freq, bus_khz;
	int      count, models, fast, json, verbose, trace, help;
	int      have_start, have_end;
	uint32_t first_addr;
	double   model_hashrate;
	uint32_t start_nonce, end_nonce, job_id;
	uint32_t poll_us, poll_bytes;
	double   duration_s, max_seconds;
	struct ducosim_fault fault[DUCOSIM_MAX_FAULTS];
	int      nfaults;
};

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
		{ "clear", SIMBUS_FAULT_CLEAR },
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
		 "(kinds flip nack reset silent clear)", s);
	return -EINVAL;
}

#define O(field) .off = offsetof(struct ducosim_opts, field)
#define S(field) O(field), .size = sizeof(((struct ducosim_opts *)0)->field)
#define SEEN(field) .seen_off = offsetof(struct ducosim_opts, field)

static const struct opt_row ducosim_rows[] = {
	{ .name = "firmware", .type = OPT_STR, S(firmware), .arg = "ELF",
	  .help = "firmware image to run in simavr" },
	{ .name = "count", .type = OPT_INT, O(count),
	  .min = 0, .max = DUCOSIM_MAX_SLAVES, .arg = "N",
	  .help = "rig: copies of the firmware (default 1 with --firmware)" },
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
	{ .name = "mcu", .type = OPT_STR, S(mcu), .def = "atmega328p", .arg = "PART",
	  .help = "simavr part name" },
	{ .name = "freq", .type = OPT_UINT, O(freq), .min = 1000000, .max = 64000000,
	  .def = "16000000", .arg = "HZ", .help = "simulated F_CPU" },
	{ .name = "bus-khz", .type = OPT_UINT, O(bus_khz), .min = 10, .max = 1000, .def = "100",
	  .arg = "KHZ", .help = "SCL clock" },
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
"          [--bus-khz 100|400] [--fast] [--model-slaves <n> --model-hashrate <h>]\n"
"          [--fault <addr>,<kind>[,<param>[,<at_ms>]]]... [--duration <s>] [--trace]\n"
"  ducosim --firmware <elf> --job <last>,<expected>,<diff> [--start-nonce <n>]\n"
"          [--end-nonce <n>] [--job-id <n>] [--poll-us <us> [--poll-bytes 1|2]] [--json]\n"
"common: [--mcu atmega328p] [--freq 16000000] [--bus-khz 100] [-v]\n\n",
	.footer =
"\nfault kinds: flip, nack, reset, silent, clear (see docs/ducosim.md)\n"
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

/* --- one-shot mode -------------------------------------------------------- */

static int ducosim_oneshot(const struct ducosim_opts *o)
{
	struct sim_oneshot os = {
		.elf = o->firmware, .mcu = o->mcu, .freq = o->freq,
		.bus_hz = o->bus_khz * 1000, .poll_us = o->poll_us,
		.poll_len = (uint8_t)o->poll_bytes,
		.max_cycles = (uint64_t)(o->max_seconds * o->freq),
	};
	int err;

	if (!o->firmware[0]) {
		fprintf(stderr, "ducosim: --job needs --firmware\n");
		return 2;
	}
	if (sim_duco_parse_job(o->job, &os.job)) {
		fprintf(stderr, "ducosim: --job wants <40 hex>,<40 hex>,<diff>\n");
		return 2;
	}
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
		cJSON_AddStringToObject(j, "mcu", o->mcu);
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

/* Boot the firmware copies and give copy i the address first + i. */
static int ducosim_assign(struct sim_rig *r, int count, uint8_t first)
{
	uint64_t limit = r->now_ns + 2000000000ull;
	int i, up;

	do {
		sim_rig_run(r, r->now_ns + 1000000);
		for (i = 0, up = 0; i < count; i++)
			up += sim_avr_twi_addr(r->slave[i]) != 0;
	} while (up < count && r->now_ns < limit);
	if (up < count)
		return -ETIMEDOUT;
	sim_rig_run(r, r->now_ns + 2000000);
	for (i = 0; i < count; i++) {
		struct sim_slave *s = r->slave[i];
		uint8_t want = (uint8_t)(first + i), have = sim_avr_twi_addr(s);
		struct sim_xfer *x;

		if (have == want)
			continue;
		x = calloc(1, sizeof(*x));
		if (!x)
			return -ENOMEM;
		x->addr = have;
		x->wlen = duco_encode_set_addr(x->w, want);
		sim_rig_xfer_to(r, s, x);
		free(x);
		for (int ms = 0; ms < 200 && sim_avr_twi_addr(s) != want; ms++)
			sim_rig_run(r, r->now_ns + 1000000);
		if (sim_avr_twi_addr(s) != want)
			return -EPROTO;
	}
	return 0;
}

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

static void ducosim_summary(struct sim_rig *r, int avrs, uint64_t wall_ns)
{
	uint32_t max_stretch = 0;
	struct sim_avr_stats st;

	for (int i = 0; i < avrs; i++) {
		sim_avr_stats(r->slave[i], &st);
		if (st.max_stretch > max_stretch)
			max_stretch = st.max_stretch;
	}
	fprintf(stderr, "ducosim: sim %.3f s in %.3f s wall, %llu transfers "
		"(%llu addr NACK, %llu data NACK, %llu bus errors, %llu timeouts, %llu flips, "
		"%llu resets), max stretch %lu cycles\n",
		(double)r->now_ns / 1e9, (double)wall_ns / 1e9,
		(unsigned long long)r->st.xfers, (unsigned long long)r->st.addr_nacks,
		(unsigned long long)r->st.data_nacks, (unsigned long long)r->st.bus_errors,
		(unsigned long long)r->st.timeouts,
		(unsigned long long)r->st.flips, (unsigned long long)r->st.resets,
		(unsigned long)max_stretch);
}

/* The rig's event loop: the simbus sockets, signals and one pump timer. */
struct ducosim_run {
	struct ducosim_opts *o;
	struct sim_rig *r;
	struct sim_server *sv;
	struct evloop *el;
	long long pump;
	uint64_t sim0, wall0;           /* simulated and wall time at ready */
};

/* Simulated time that corresponds to the wall clock now. */
static uint64_t ducosim_wall(const struct ducosim_run *u)
{
	return u->sim0 + (ducosim_mono_ns() - u->wall0);
}

/* A request is waiting and the bus was idle: start it now. */
static void ducosim_on_request(void *ctx)
{
	struct ducosim_run *u = ctx;
	uint64_t wall;

	if (!sim_server_pending(u->sv))
		return;
	/* Bring simulated time up to now, so the transfer takes its bus time
	 * from the moment it arrived. */
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
	uint64_t target, wall;

	if (u->o->duration_s > 0 && r->now_ns - u->sim0 >= (uint64_t)(u->o->duration_s * 1e9)) {
		evloop_stop(el);
		return -1;
	}
	ducosim_fire_faults(u);
	if (u->o->fast) {
		target = r->now_ns + 1000000;
	} else {
		wall = ducosim_wall(u);
		/* a rig too big for the host falls behind; don't race to catch up */
		if (wall > r->now_ns + 100000000ull) {
			u->wall0 += wall - (r->now_ns + 100000000ull);
			wall = r->now_ns + 100000000ull;
		}
		target = wall < r->now_ns + 5000000 ? wall : r->now_ns + 5000000;
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

static int ducosim_rig(struct ducosim_opts *o)
{
	struct sim_rig *r = calloc(1, sizeof(*r));
	struct sim_server *sv = calloc(1, sizeof(*sv));
	struct evloop *el = evloop_new();
	struct ducosim_run u = { .o = o, .r = r, .sv = sv, .el = el };
	uint64_t start_wall;
	int avrs = o->count < 0 ? (o->firmware[0] ? 1 : 0) : o->count;
	int err, rc = 1, opened = 0, sfd = -1;
	sigset_t sigs;
	char name[32];

	if (!r || !sv || !el)
		goto out;
	if (!o->socket[0]) {
		fprintf(stderr, "ducosim: rig mode needs --socket\n");
		rc = 2;
		goto out;
	}
	if (avrs && !o->firmware[0]) {
		fprintf(stderr, "ducosim: --count needs --firmware\n");
		rc = 2;
		goto out;
	}
	if (o->first_addr + avrs + o->models - 1 > DUCO_ADDR_MAX) {
		fprintf(stderr, "ducosim: %d slaves from 0x%02x run past 0x%02x\n",
			avrs + o->models, o->first_addr, DUCO_ADDR_MAX);
		rc = 2;
		goto out;
	}
	sim_rig_init(r, o->bus_khz * 1000);
	for (int i = 0; i < avrs; i++) {
		struct sim_slave *s;

		snprintf(name, sizeof(name), "avr%d", i);
		err = sim_avr_create(&s, o->firmware, o->mcu, o->freq, o->bus_khz * 1000, name);
		if (err) {
			fprintf(stderr, "ducosim: cannot load %s as %s: %s\n", o->firmware,
				o->mcu, strerror(-err));
			goto out;
		}
		sim_rig_add(r, s);
	}
	for (int i = 0; i < o->models; i++) {
		struct sim_slave *s;

		snprintf(name, sizeof(name), "model%d", i);
		err = sim_model_create(&s, (uint8_t)(o->first_addr + avrs + i),
				       o->model_hashrate, o->bus_khz * 1000, (uint32_t)i, name);
		if (err) {
			fprintf(stderr, "ducosim: model slave %d: %s\n", i, strerror(-err));
			goto out;
		}
		sim_rig_add(r, s);
	}
	err = ducosim_assign(r, avrs, (uint8_t)o->first_addr);
	if (err) {
		fprintf(stderr, "ducosim: firmware did not come up at its addresses: %s\n",
			strerror(-err));
		goto out;
	}
	err = sim_server_open(sv, o->socket, el);
	if (err) {
		fprintf(stderr, "ducosim: socket %s: %s\n", o->socket, strerror(-err));
		goto out;
	}
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
	if (o->verbose)
		fprintf(stderr, "ducosim: %d firmware + %d model slaves from 0x%02x, %u kHz, %s\n",
			avrs, o->models, o->first_addr, o->bus_khz, o->fast ? "fast" : "real time");
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
		ducosim_summary(r, avrs, ducosim_mono_ns() - start_wall);
out:
	if (opened)
		sim_server_close(sv);
	if (sfd >= 0)
		close(sfd);
	evloop_free(el);
	if (r)
		sim_rig_destroy(r);
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
