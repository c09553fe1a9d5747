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
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "duco_s1.h"
#include "sim_avr.h"
#include "sim_duco.h"
#include "sim_model.h"
#include "sim_rig.h"
#include "sim_server.h"

#define DUCOSIM_MAX_FAULTS 32

struct ducosim_fault {
	uint8_t  addr, kind;
	uint32_t param;
	uint64_t at_ns;
	uint8_t  fired;
};

struct ducosim_opts {
	const char *firmware, *socket, *mcu, *job;
	uint32_t freq, bus_khz;
	int      count, models, fast, json, verbose, trace;
	uint8_t  first_addr;
	double   model_hashrate;
	int      have_start, have_end;
	uint32_t start_nonce, end_nonce, job_id;
	uint32_t poll_us, poll_bytes;
	double   duration_s, max_seconds;
	struct ducosim_fault fault[DUCOSIM_MAX_FAULTS];
	int      nfaults;
};

static volatile sig_atomic_t ducosim_stop;

static void ducosim_on_signal(int sig)
{
	ducosim_stop = sig;
}

static void ducosim_usage(FILE *f)
{
	fprintf(f,
"usage:\n"
"  ducosim --firmware <elf> --count <n> --first-addr <0xNN> --socket <path>\n"
"          [--bus-khz 100|400] [--fast] [--model-slaves <n> --model-hashrate <h>]\n"
"          [--fault <addr>,<kind>[,<param>[,<at_ms>]]]... [--duration <s>] [--trace]\n"
"  ducosim --firmware <elf> --job <last>,<expected>,<diff> [--start-nonce <n>]\n"
"          [--end-nonce <n>] [--job-id <n>] [--poll-us <us> [--poll-bytes 1|2]] [--json]\n"
"common: [--mcu atmega328p] [--freq 16000000] [--bus-khz 100] [-v]\n"
"fault kinds: flip, nack, reset, silent, clear (see docs/ducosim.md)\n");
}

static uint64_t ducosim_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int ducosim_num(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return (errno || end == s || *end || *v > max) ? -1 : 0;
}

static int ducosim_parse_fault(const char *s, struct ducosim_fault *f)
{
	static const struct { const char *name; uint8_t kind; } kinds[] = {
		{ "flip", SIMBUS_FAULT_FLIP_BIT }, { "nack", SIMBUS_FAULT_NACK },
		{ "reset", SIMBUS_FAULT_RESET }, { "silent", SIMBUS_FAULT_SILENT },
		{ "clear", SIMBUS_FAULT_CLEAR },
	};
	char buf[128], *tok[4] = { 0 }, *save = NULL;
	unsigned long long v;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t && n < 4; t = strtok_r(NULL, ",", &save))
		tok[n++] = t;
	if (n < 2 || ducosim_num(tok[0], 0x7f, &v))
		return -1;
	*f = (struct ducosim_fault){ .addr = (uint8_t)v, .kind = 0 };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(tok[1], kinds[i].name) == 0)
			f->kind = kinds[i].kind;
	if (!f->kind)
		return -1;
	if (n > 2) {
		if (ducosim_num(tok[2], 0xffffffffu, &v))
			return -1;
		f->param = (uint32_t)v;
	}
	if (n > 3) {
		if (ducosim_num(tok[3], 1000000000ull, &v))
			return -1;
		f->at_ns = v * 1000000ull;
	}
	return 0;
}

enum {
	OPT_FIRMWARE = 256, OPT_COUNT, OPT_FIRST_ADDR, OPT_SOCKET, OPT_BUS_KHZ, OPT_FAST,
	OPT_MODELS, OPT_MODEL_HR, OPT_JOB, OPT_JSON, OPT_START, OPT_END, OPT_JOB_ID,
	OPT_MCU, OPT_FREQ, OPT_POLL_US, OPT_POLL_BYTES, OPT_FAULT, OPT_DURATION,
	OPT_MAX_SECONDS, OPT_TRACE, OPT_HELP,
};

static int ducosim_parse(int argc, char **argv, struct ducosim_opts *o)
{
	static const struct option lo[] = {
		{ "firmware", required_argument, NULL, OPT_FIRMWARE },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "first-addr", required_argument, NULL, OPT_FIRST_ADDR },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "bus-khz", required_argument, NULL, OPT_BUS_KHZ },
		{ "fast", no_argument, NULL, OPT_FAST },
		{ "model-slaves", required_argument, NULL, OPT_MODELS },
		{ "model-hashrate", required_argument, NULL, OPT_MODEL_HR },
		{ "job", required_argument, NULL, OPT_JOB },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "start-nonce", required_argument, NULL, OPT_START },
		{ "end-nonce", required_argument, NULL, OPT_END },
		{ "job-id", required_argument, NULL, OPT_JOB_ID },
		{ "mcu", required_argument, NULL, OPT_MCU },
		{ "freq", required_argument, NULL, OPT_FREQ },
		{ "poll-us", required_argument, NULL, OPT_POLL_US },
		{ "poll-bytes", required_argument, NULL, OPT_POLL_BYTES },
		{ "fault", required_argument, NULL, OPT_FAULT },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "max-seconds", required_argument, NULL, OPT_MAX_SECONDS },
		{ "trace", no_argument, NULL, OPT_TRACE },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int c;

	*o = (struct ducosim_opts){
		.mcu = "atmega328p", .freq = 16000000, .bus_khz = 100, .count = -1,
		.first_addr = 0x08, .model_hashrate = 350, .job_id = 1, .poll_bytes = 2,
		.max_seconds = 600,
	};
	while ((c = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		char *end = NULL;

		switch (c) {
		case OPT_FIRMWARE: o->firmware = optarg; break;
		case OPT_SOCKET: o->socket = optarg; break;
		case OPT_MCU: o->mcu = optarg; break;
		case OPT_JOB: o->job = optarg; break;
		case OPT_FAST: o->fast = 1; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_TRACE: o->trace = 1; break;
		case 'v': o->verbose++; break;
		case OPT_HELP: ducosim_usage(stdout); exit(0);
		case OPT_COUNT:
			if (ducosim_num(optarg, 112, &v)) goto bad;
			o->count = (int)v;
			break;
		case OPT_MODELS:
			if (ducosim_num(optarg, 112, &v)) goto bad;
			o->models = (int)v;
			break;
		case OPT_FIRST_ADDR:
			if (ducosim_num(optarg, DUCO_ADDR_MAX, &v) || v < DUCO_ADDR_MIN) goto bad;
			o->first_addr = (uint8_t)v;
			break;
		case OPT_BUS_KHZ:
			if (ducosim_num(optarg, 1000, &v) || v < 10) goto bad;
			o->bus_khz = (uint32_t)v;
			break;
		case OPT_FREQ:
			if (ducosim_num(optarg, 64000000, &v) || v < 1000000) goto bad;
			o->freq = (uint32_t)v;
			break;
		case OPT_START:
			if (ducosim_num(optarg, DUCO_MAX_NONCE, &v)) goto bad;
			o->start_nonce = (uint32_t)v;
			o->have_start = 1;
			break;
		case OPT_END:
			if (ducosim_num(optarg, DUCO_MAX_NONCE, &v)) goto bad;
			o->end_nonce = (uint32_t)v;
			o->have_end = 1;
			break;
		case OPT_JOB_ID:
			if (ducosim_num(optarg, 0xffff, &v)) goto bad;
			o->job_id = (uint32_t)v;
			break;
		case OPT_POLL_US:
			if (ducosim_num(optarg, 10000000, &v)) goto bad;
			o->poll_us = (uint32_t)v;
			break;
		case OPT_POLL_BYTES:
			if (ducosim_num(optarg, 2, &v) || v < 1) goto bad;
			o->poll_bytes = (uint32_t)v;
			break;
		case OPT_MODEL_HR:
			o->model_hashrate = strtod(optarg, &end);
			if (*end || !(o->model_hashrate > 0) || o->model_hashrate > 1e7) goto bad;
			break;
		case OPT_DURATION:
			o->duration_s = strtod(optarg, &end);
			if (*end || o->duration_s < 0) goto bad;
			break;
		case OPT_MAX_SECONDS:
			o->max_seconds = strtod(optarg, &end);
			if (*end || !(o->max_seconds > 0)) goto bad;
			break;
		case OPT_FAULT:
			if (o->nfaults == DUCOSIM_MAX_FAULTS ||
			    ducosim_parse_fault(optarg, &o->fault[o->nfaults]))
				goto bad;
			o->nfaults++;
			break;
		default:
			ducosim_usage(stderr);
			return -1;
		}
		continue;
bad:
		fprintf(stderr, "ducosim: bad value for --%s: %s\n", lo[c - 256].name, optarg);
		return -1;
	}
	if (optind != argc) {
		ducosim_usage(stderr);
		return -1;
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

	if (!o->firmware) {
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
		printf("{\"found\": %s, \"nonce\": %lu, \"elapsed_us\": %lu, \"cycles\": %llu, "
		       "\"max_stretch_cycles\": %lu, \"max_stretch_status\": \"0x%02x\", "
		       "\"polls\": %llu, \"addr\": %u, "
		       "\"start_nonce\": %lu, \"end_nonce\": %lu, \"mcu\": \"%s\", \"f_cpu\": %lu, "
		       "\"bus_hz\": %lu, \"boot_cycles\": %llu}\n",
		       os.res.found ? "true" : "false", (unsigned long)os.res.nonce,
		       (unsigned long)os.res.elapsed_us, (unsigned long long)os.cycles,
		       (unsigned long)os.max_stretch, os.max_stretch_status,
		       (unsigned long long)os.polls, os.addr,
		       (unsigned long)os.job.start_nonce, (unsigned long)os.job.end_nonce,
		       o->mcu, (unsigned long)o->freq, (unsigned long)o->bus_khz * 1000,
		       (unsigned long long)os.boot_cycles);
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
	static const char *results[] = { "ok", "addr-nack", "data-nack", "bus-error" };
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
		x->result < 4 ? results[x->result] : "?", x->wacked,
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
		"(%llu addr NACK, %llu data NACK, %llu bus errors, %llu flips, %llu resets), "
		"max stretch %lu cycles\n",
		(double)r->now_ns / 1e9, (double)wall_ns / 1e9,
		(unsigned long long)r->st.xfers, (unsigned long long)r->st.addr_nacks,
		(unsigned long long)r->st.data_nacks, (unsigned long long)r->st.bus_errors,
		(unsigned long long)r->st.flips, (unsigned long long)r->st.resets,
		(unsigned long)max_stretch);
}

static int ducosim_rig(struct ducosim_opts *o)
{
	struct sim_rig *r = calloc(1, sizeof(*r));
	struct sim_server *sv = calloc(1, sizeof(*sv));
	uint64_t wall0, sim0, start_wall;
	int avrs = o->count < 0 ? (o->firmware ? 1 : 0) : o->count;
	int err, rc = 1, opened = 0;
	char name[32];

	if (!r || !sv)
		goto out;
	if (!o->socket) {
		fprintf(stderr, "ducosim: rig mode needs --socket\n");
		rc = 2;
		goto out;
	}
	if (avrs && !o->firmware) {
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
	err = ducosim_assign(r, avrs, o->first_addr);
	if (err) {
		fprintf(stderr, "ducosim: firmware did not come up at its addresses: %s\n",
			strerror(-err));
		goto out;
	}
	err = sim_server_open(sv, o->socket);
	if (err) {
		fprintf(stderr, "ducosim: socket %s: %s\n", o->socket, strerror(-err));
		goto out;
	}
	opened = 1;
	sv->flags = o->fast ? 1 : 0;
	if (o->trace)
		sv->on_done = ducosim_trace;
	signal(SIGTERM, ducosim_on_signal);
	signal(SIGINT, ducosim_on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (o->verbose)
		fprintf(stderr, "ducosim: %d firmware + %d model slaves from 0x%02x, %u kHz, %s\n",
			avrs, o->models, o->first_addr, o->bus_khz, o->fast ? "fast" : "real time");
	printf("ready %s\n", o->socket);
	fflush(stdout);

	/* fault times count from the moment the bus is ready */
	sim0 = r->now_ns;
	start_wall = wall0 = ducosim_mono_ns();
	while (!ducosim_stop) {
		uint64_t target, wall;

		if (o->duration_s > 0 && r->now_ns - sim0 >= (uint64_t)(o->duration_s * 1e9))
			break;
		for (int i = 0; i < o->nfaults; i++) {
			struct ducosim_fault *f = &o->fault[i];

			if (!f->fired && r->now_ns - sim0 >= f->at_ns) {
				f->fired = 1;
				err = sim_rig_fault(r, f->addr, f->kind, f->param);
				if (o->verbose || err)
					fprintf(stderr, "ducosim: fault %u at 0x%02x: %s\n",
						f->kind, f->addr, err ? strerror(-err) : "injected");
			}
		}
		if (o->fast) {
			target = r->now_ns + 1000000;
		} else {
			wall = sim0 + (ducosim_mono_ns() - wall0);
			/* a rig too big for the host falls behind; don't race to catch up */
			if (wall > r->now_ns + 100000000ull) {
				wall0 += wall - (r->now_ns + 100000000ull);
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
				sim_server_done(sv, r);
			err = sim_server_poll(sv, 0);
		} else {
			/* caught up with the wall clock: a request wakes us at once */
			err = sim_server_poll(sv, r->cur ? 50 : 1000);
		}
		if (!err && sim_server_pending(sv)) {
			/* the bus was idle: bring simulated time up to now, so the
			 * transfer takes its bus time from the moment it arrived */
			if (!o->fast) {
				wall = sim0 + (ducosim_mono_ns() - wall0);
				if (wall > r->now_ns)
					sim_rig_run(r, wall);
			}
			sim_server_dispatch(sv, r);
		}
		if (err) {
			fprintf(stderr, "ducosim: poll: %s\n", strerror(-err));
			goto out;
		}
	}
	rc = 0;
	if (o->verbose || o->duration_s > 0)
		ducosim_summary(r, avrs, ducosim_mono_ns() - start_wall);
out:
	if (opened)
		sim_server_close(sv);
	if (r)
		sim_rig_destroy(r);
	free(r);
	free(sv);
	return rc;
}

int main(int argc, char **argv)
{
	struct ducosim_opts o;

	if (ducosim_parse(argc, argv, &o))
		return 2;
	if (o.job)
		return ducosim_oneshot(&o);
	return ducosim_rig(&o);
}
