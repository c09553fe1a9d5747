/*
 * ducoctl.c - rig tool: find, inspect and exercise ducorig slaves on one bus.
 *
 * Talks to the slaves through the master's own bus layer (lib/bus.c,
 * lib/slave_io.c), so what ducoctl sees is what ducomaster will see:
 * the same backends ("sim:<socket>" for ducosim, /dev/i2c-N for a real
 * adapter), frames, CRC checks and retries. Scan output is written for the
 * most common complaint of I2C rigs, "slaves missing or dropping out": it
 * says which addresses answer, which answer but cannot be identified and
 * why, and what the reset cause and error counters of each slave suggest.
 * Assumes nothing else drives the bus meanwhile (IDENTIFY and the other
 * commands advance the slave's frame counter, which a running ducomaster
 * would notice); `scan --probe-only` only reads a status byte. Unlike the
 * daemon this tool may sleep between polls.
 */
#include <errno.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cJSON.h>

#include "bus.h"
#include "mclock.h"
#include "options.h"
#include "duco_proto.h"
#include "duco_s1.h"
#include "jsonout.h"
#include "poolwire.h"
#include "simbus_proto.h"
#include "slave_io.h"

#define DUCOCTL_VERSION     "0.1"
#define DUCOCTL_POLL_MS     5           /* job: poll interval */
#define DUCOCTL_REBOOT_MS   3000        /* reset: how long to wait for the slave */

enum ducoctl_exit {
	DUCOCTL_EXIT_OK    = 0,
	DUCOCTL_EXIT_FAIL  = 1,     /* the operation failed or found nothing */
	DUCOCTL_EXIT_USAGE = 2,     /* bad command line */
	DUCOCTL_EXIT_BUS   = 3,     /* the bus could not be opened */
};

/* Every option of every command, in the one option table (lib/options). */
struct ducoctl_opts {
	int help;
	int version;
	char bus[256];
	int seen_bus;
	int probe_only, json;
	uint32_t first, last;
	int interval_ms;
	double duration_s, timeout_s;
	int seen_first, seen_last, seen_interval, seen_duration, seen_timeout;
};

#define OFF(f) .off = offsetof(struct ducoctl_opts, f)
#define SEEN(f) .seen_off = offsetof(struct ducoctl_opts, f)

static const struct opt_row ducoctl_rows[] = {
	{ .name = "bus", .type = OPT_STR, OFF(bus), .size = sizeof(((struct ducoctl_opts *)0)->bus),
	  SEEN(seen_bus), .arg = "SPEC", .help = "/dev/i2c-N or sim:<socket> [$DUCORIG_BUS]" },
	{ .name = "probe-only", .type = OPT_FLAG, OFF(probe_only),
	  .help = "scan: status reads only (safe beside ducomaster)" },
	{ .name = "json", .type = OPT_FLAG, OFF(json),
	  .help = "scan: one JSON object instead of the table" },
	{ .name = "first", .type = OPT_UINT, OFF(first), SEEN(seen_first),
	  .min = DUCO_ADDR_MIN, .max = DUCO_ADDR_MAX, .def = "0x08", .arg = "A",
	  .help = "scan: first address" },
	{ .name = "last", .type = OPT_UINT, OFF(last), SEEN(seen_last),
	  .min = DUCO_ADDR_MIN, .max = DUCO_ADDR_MAX, .def = "0x77", .arg = "B",
	  .help = "scan: last address" },
	{ .name = "timeout", .type = OPT_DBL, OFF(timeout_s), SEEN(seen_timeout),
	  .min = 0, .max = 86400, .flags = OPT_F_GT_MIN, .def = "60", .arg = "S",
	  .help = "job: give up after S seconds" },
	{ .name = "interval", .type = OPT_INT, OFF(interval_ms), SEEN(seen_interval),
	  .min = 1, .max = 3600000, .def = "200", .arg = "MS",
	  .help = "monitor: probe every MS milliseconds" },
	{ .name = "duration", .type = OPT_DBL, OFF(duration_s), SEEN(seen_duration),
	  .min = 0, .max = 1e9, .def = "0", .arg = "S",
	  .help = "monitor: stop after S s (0: at a signal)" },
	{ .name = "help", .type = OPT_FLAG, OFF(help), .short_name = 'h',
	  .flags = OPT_F_EARLY | OPT_F_NOKEY, .help = "print this help and exit" },
	{ .name = "version", .type = OPT_FLAG, OFF(version), .flags = OPT_F_EARLY | OPT_F_NOKEY,
	  .help = "print the version and exit" },
};

static const struct opt_table ducoctl_table = {
	.prog = "ducoctl",
	OPT_ROWS(ducoctl_rows),
	.args = 1,
	.synopsis =
"usage: ducoctl [--bus <sim:socket|/dev/i2c-N>] <command> [args] [options]\n"
"\n"
"Commands:\n"
"  scan [--probe-only] [--json] [--first A] [--last B]\n"
"                     list the addresses that answer (default 0x08..0x77)\n"
"                     with board, F_CPU, firmware, DUCOID, reset cause and\n"
"                     error counters\n"
"  identify <addr>    full identity of one slave\n"
"  health <addr>      supply voltage, die temperature, uptime (firmware 1.1 on;\n"
"                     uncalibrated: bandgap 1100 mV, datasheet sensor curve)\n"
"  set-addr <old> <new>\n"
"                     store a new address in the slave's EEPROM and confirm\n"
"                     that it answers there\n"
"  reset <addr>       watchdog-reset a slave and wait until it is back\n"
"  clear-errors <addr>  zero the slave's error counters\n"
"  job <addr> <last_hash>,<expected_hash>,<diff> [--timeout S]\n"
"                     send one DUCO-S1 job, poll, print the result, the\n"
"                     slave's own elapsed time and hashrate, and check the\n"
"                     nonce on the host\n"
"  monitor [--interval MS] [--duration S]\n"
"                     watch which slaves answer (status reads only, safe\n"
"                     beside ducomaster); prints every drop-out and return,\n"
"                     and at the end (--duration, Ctrl-C, SIGTERM) the share\n"
"                     of probes each address answered\n"
"  fault <addr> <flip|nack|silent|reset|clear> [param]\n"
"                     simulator only: inject a bus fault (see ducosim)\n"
"\n",
	.footer =
"\n"
"Addresses are 7-bit, decimal or 0x hex (0x08..0x77).\n"
"Exit status: 0 ok, 1 operation failed, 2 usage error, 3 bus not available.\n",
};

/* Which options and how many arguments each command takes. */
enum {
	DUCOCTL_O_PROBE = 1, DUCOCTL_O_JSON = 2, DUCOCTL_O_FIRST = 4, DUCOCTL_O_LAST = 8,
	DUCOCTL_O_TIMEOUT = 16, DUCOCTL_O_INTERVAL = 32, DUCOCTL_O_DURATION = 64,
};

static const struct ducoctl_cmd {
	const char *name;
	int min_args, max_args;         /* after the command's name */
	unsigned opts;
} ducoctl_cmds[] = {
	{ "scan", 0, 0, DUCOCTL_O_PROBE | DUCOCTL_O_JSON | DUCOCTL_O_FIRST | DUCOCTL_O_LAST },
	{ "identify", 1, 1, 0 },
	{ "health", 1, 1, 0 },
	{ "set-addr", 2, 2, 0 },
	{ "reset", 1, 1, 0 },
	{ "clear-errors", 1, 1, 0 },
	{ "job", 2, 2, DUCOCTL_O_TIMEOUT },
	{ "monitor", 0, 0, DUCOCTL_O_INTERVAL | DUCOCTL_O_DURATION },
	{ "fault", 2, 3, 0 },
};

static void ducoctl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void ducoctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("ducoctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (ducoctl --help lists the commands and options)\n", stderr);
}

/* --- formatting ---------------------------------------------------------- */

/* The board's BOARD= name from boards.mk (via the generated board list). */
static const char *ducoctl_board_name(uint8_t id)
{
	switch (id) {
#define DUCOCTL_BOARD_CASE(sym, num, name) case DUCO_BOARD_##sym: return name;
	DUCO_BOARD_LIST(DUCOCTL_BOARD_CASE)
#undef DUCOCTL_BOARD_CASE
	case DUCO_BOARD_HOSTMODEL: return "host-model";
	default:                   return "unknown";
	}
}

static const char *ducoctl_hash_name(uint8_t impl)
{
	switch (impl) {
	case DUCO_HASH_C:    return "C";
	case DUCO_HASH_ASM:  return "asm";
	case DUCO_HASH_HOST: return "host";
	default:             return "?";
	}
}

/* Reset cause bits as words, most telling first. */
static void ducoctl_reset_text(uint8_t cause, char *buf, size_t n)
{
	static const struct { uint8_t bit; const char *name; } names[] = {
		{ DUCO_RESET_BROWNOUT, "brown-out" },
		{ DUCO_RESET_WATCHDOG, "watchdog" },
		{ DUCO_RESET_EXTERNAL, "reset-pin" },
		{ DUCO_RESET_POWERON,  "power-on" },
	};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(cause & names[i].bit))
			continue;
		used += (size_t)snprintf(buf + used, used < n ? n - used : 0, "%s%s",
					 used ? "+" : "", names[i].name);
	}
	if (used == 0)
		snprintf(buf, n, "none");
}

static const char *ducoctl_strerror(int rc)
{
	switch (rc) {
	case -ENXIO:     return "no answer (address NACK)";
	case -EREMOTEIO: return "transfer cut short (NACK or partial transfer)";
	case -EBADMSG:   return "corrupted frames (CRC) even after retries";
	case -EPROTO:    return "answered, but not per ducorig protocol v1";
	case -ETIMEDOUT: return "bus timeout";
	default:         return strerror(-rc);
	}
}

/* Prints the "hints:" heading before the first hint of a scan. */
static void ducoctl_hint(int *hints, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ducoctl_hint(int *hints, const char *fmt, ...)
{
	va_list ap;

	if ((*hints)++ == 0)
		printf("hints:\n");
	printf("  ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Advice drawn from one identified slave's reset cause and counters. */
static void ducoctl_hints(int *hints, uint8_t addr, const struct duco_identity *id)
{
	if (id->reset_cause & DUCO_RESET_BROWNOUT)
		ducoctl_hint(hints, "0x%02x: last reset was a brown-out: the supply sags (long or "
			     "thin power wires, too many boards on one regulator)", addr);
	else if (id->reset_cause & DUCO_RESET_WATCHDOG)
		ducoctl_hint(hints, "0x%02x: last reset by the watchdog (a RESET command, or the "
			     "firmware hung)", addr);
	if (id->crc_errors > 0)
		ducoctl_hint(hints, "0x%02x: %u frames arrived corrupted: check pull-ups "
			     "(2.2-4.7 kOhm), wire length, level shifting; try a lower bus clock",
			     addr, id->crc_errors);
	if (id->frame_errors > 0 || id->overruns > 0)
		ducoctl_hint(hints, "0x%02x: %u malformed / %u overlong or early frames: bytes "
			     "lost on the bus, or another program talks to the slave",
			     addr, id->frame_errors, id->overruns);
	if (id->i2c_addr != addr)
		ducoctl_hint(hints, "0x%02x: reports address 0x%02x: a second device may share "
			     "this address", addr, id->i2c_addr);
}

/* --- argument parsing ------------------------------------------------------ */

static int ducoctl_parse_addr(const char *s, uint8_t *addr)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end != '\0' || v < DUCO_ADDR_MIN || v > DUCO_ADDR_MAX)
		return -1;
	*addr = (uint8_t)v;
	return 0;
}

static int64_t ducoctl_now_ms(void)
{
	return mclock_now_us(NULL) / 1000;
}

/* Set by SIGINT/SIGTERM while monitor runs: it stops and prints its summary. */
static volatile sig_atomic_t ducoctl_stop;

static void ducoctl_on_stop(int sig)
{
	ducoctl_stop = 1;
}

static void ducoctl_sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR && !ducoctl_stop)
		;
}

/*
 * The library never waits: a command the slave refused while busy, or a
 * set-addr under way, comes back as -EAGAIN with the time to try again. A
 * command-line tool may simply sleep until then.
 */
#define DUCOCTL_AGAIN(sio, call) ({                                            \
	int again_rc_;                                                         \
	while ((again_rc_ = (call)) == -EAGAIN && !ducoctl_stop)               \
		ducoctl_sleep_ms((int)((slave_io_again_in_us(sio) + 999) / 1000)); \
	again_rc_;                                                             \
})

/* --- commands -------------------------------------------------------------- */

static void ducoctl_print_identity(uint8_t addr, const struct duco_identity *id)
{
	char ducoid[POOLWIRE_DUCOID_LEN + 1], reset[64];

	poolwire_ducoid(id->ducoid, ducoid);
	ducoctl_reset_text(id->reset_cause, reset, sizeof(reset));
	printf("address:        0x%02x (reports 0x%02x)\n", addr, id->i2c_addr);
	printf("protocol:       %u\n", id->proto_version);
	printf("firmware:       %u.%u\n", id->fw_version >> 8, id->fw_version & 0xff);
	printf("board:          %s (%u)\n", ducoctl_board_name(id->board_id), id->board_id);
	printf("f_cpu:          %lu Hz\n", (unsigned long)id->f_cpu);
	printf("hash core:      %s\n", ducoctl_hash_name(id->hash_impl));
	printf("ducoid:         %s\n", ducoid);
	printf("reset cause:    %s (0x%02x)\n", reset, id->reset_cause);
	printf("crc errors:     %u\n", id->crc_errors);
	printf("frame errors:   %u\n", id->frame_errors);
	printf("overruns:       %u\n", id->overruns);
	printf("jobs done:      %u\n", id->jobs_done);
	if (id->proto_version >= DUCO_PROTO_V2)
		printf("job slots:      %u (running + queued + kept results)\n", id->slots);
}

/* Machine-readable scan: one JSON object (cJSON), for scripts and dashboards. */
/* What a scan found: the addresses that answered and, unless probe-only,
 * each one's identity (or why it has none) and the retries it took. */
struct ducoctl_scan {
	int n, identified, failed, probe_only;
	uint32_t bus_errors;            /* probes that ended in bus errors, not NACKs */
	uint8_t found[DUCO_ADDR_MAX + 1];
	int rcs[DUCO_ADDR_MAX + 1];
	struct duco_identity ids[DUCO_ADDR_MAX + 1];
	struct slave_io_stats st[DUCO_ADDR_MAX + 1];
};

static void ducoctl_scan_json(const struct bus *bus, const struct ducoctl_scan *sc)
{
	cJSON *o = cJSON_CreateObject(), *list;

	cJSON_AddStringToObject(o, "bus", bus->spec);
	jsonout_num(o, "bus_errors", sc->bus_errors, JSONOUT_EXACT);
	list = cJSON_AddArrayToObject(o, "slaves");
	for (int i = 0; list && i < sc->n; i++) {
		const struct duco_identity *id = &sc->ids[i];
		cJSON *e = cJSON_CreateObject();
		char ducoid[POOLWIRE_DUCOID_LEN + 1], reset[64], fw[16];

		if (!e || !cJSON_AddItemToArray(list, e))
			break;
		jsonout_num(e, "addr", sc->found[i], JSONOUT_EXACT);
		cJSON_AddBoolToObject(e, "identified", !sc->probe_only && sc->rcs[i] >= 0);
		if (sc->probe_only)
			continue;
		if (sc->rcs[i] < 0) {
			cJSON_AddStringToObject(e, "error", ducoctl_strerror(sc->rcs[i]));
			continue;
		}
		poolwire_ducoid(id->ducoid, ducoid);
		ducoctl_reset_text(id->reset_cause, reset, sizeof(reset));
		snprintf(fw, sizeof(fw), "%u.%u", id->fw_version >> 8, id->fw_version & 0xff);
		cJSON_AddStringToObject(e, "board", ducoctl_board_name(id->board_id));
		jsonout_num(e, "f_cpu", id->f_cpu, JSONOUT_EXACT);
		cJSON_AddStringToObject(e, "fw", fw);
		cJSON_AddStringToObject(e, "ducoid", ducoid);
		cJSON_AddStringToObject(e, "hash", ducoctl_hash_name(id->hash_impl));
		cJSON_AddStringToObject(e, "reset_cause", reset);
		jsonout_num(e, "reports_addr", id->i2c_addr, JSONOUT_EXACT);
		jsonout_num(e, "crc_errors", id->crc_errors, JSONOUT_EXACT);
		jsonout_num(e, "frame_errors", id->frame_errors, JSONOUT_EXACT);
		jsonout_num(e, "overruns", id->overruns, JSONOUT_EXACT);
		jsonout_num(e, "jobs_done", id->jobs_done, JSONOUT_EXACT);
		jsonout_num(e, "crc_retries", sc->st[i].crc_retries, JSONOUT_EXACT);
		jsonout_num(e, "nack_retries", sc->st[i].nack_retries, JSONOUT_EXACT);
	}
	if (!o || jsonout_fprint(stdout, o))
		fprintf(stderr, "ducoctl: out of memory writing JSON\n");
	cJSON_Delete(o);
}

/* Probe first..last, then identify each address that answered. 0 or -errno. */
static int ducoctl_scan_collect(struct bus *bus, uint8_t first, uint8_t last,
				struct ducoctl_scan *sc)
{
	uint32_t errors0 = bus->errors;

	sc->n = slave_io_scan(bus, first, last, sc->found, (int)sizeof(sc->found));
	sc->bus_errors = bus->errors - errors0;
	if (sc->n < 0)
		return sc->n;
	for (int i = 0; i < sc->n; i++) {
		struct slave_io sio;

		sc->rcs[i] = 0;
		sc->st[i] = (struct slave_io_stats){ .xfers = 0 };
		if (sc->probe_only)
			continue;
		slave_io_init(&sio, bus, sc->found[i]);
		sc->rcs[i] = DUCOCTL_AGAIN(&sio, slave_io_identify(&sio, &sc->ids[i]));
		sc->st[i] = sio.st;
		if (sc->rcs[i] < 0)
			sc->failed++;
		else
			sc->identified++;
	}
	return 0;
}

static void ducoctl_scan_table(const struct ducoctl_scan *sc)
{
	printf("%-5s %-10s %-9s %-5s %-22s %-4s %-16s %5s %5s %5s %6s\n", "addr", "board", "f_cpu",
	       "fw", "ducoid", "hash", "reset", "crc", "frame", "ovr", "jobs");
	for (int i = 0; i < sc->n; i++) {
		const struct duco_identity *id = &sc->ids[i];
		char ducoid[POOLWIRE_DUCOID_LEN + 1], reset[64], mhz[16];

		if (sc->probe_only) {
			printf("0x%02x  answers (probe only, not identified)\n", sc->found[i]);
			continue;
		}
		if (sc->rcs[i] < 0) {
			printf("0x%02x  answers, but identify failed: %s\n", sc->found[i],
			       ducoctl_strerror(sc->rcs[i]));
			continue;
		}
		poolwire_ducoid(id->ducoid, ducoid);
		ducoctl_reset_text(id->reset_cause, reset, sizeof(reset));
		snprintf(mhz, sizeof(mhz), "%.1fMHz", id->f_cpu / 1e6);
		printf("0x%02x  %-10s %-9s %u.%-3u %-22s %-4s %-16s %5u %5u %5u %6u\n", sc->found[i],
		       ducoctl_board_name(id->board_id), mhz, id->fw_version >> 8,
		       id->fw_version & 0xff, ducoid, ducoctl_hash_name(id->hash_impl), reset,
		       id->crc_errors, id->frame_errors, id->overruns, id->jobs_done);
		if (sc->st[i].crc_retries || sc->st[i].nack_retries)
			printf("      (needed %u CRC and %u NACK retries)\n",
			       sc->st[i].crc_retries, sc->st[i].nack_retries);
	}
	printf("%d address%s answer", sc->n, sc->n == 1 ? "" : "es");
	if (!sc->probe_only)
		printf(", %d identified, %d failed", sc->identified, sc->failed);
	printf(":");
	for (int i = 0; i < sc->n; i++)
		printf(" 0x%02x", sc->found[i]);
	printf("\n");
}

/* What the scan suggests checking, each hint once. */
static void ducoctl_scan_hints(const struct ducoctl_scan *sc)
{
	int hints = 0;

	/* Same DUCOID twice means one board answers at two addresses, or a clone. */
	for (int i = 0; i < sc->n; i++)
		for (int j = i + 1; j < sc->n; j++)
			if (!sc->probe_only && sc->rcs[i] == 0 && sc->rcs[j] == 0 &&
			    !memcmp(sc->ids[i].ducoid, sc->ids[j].ducoid, sizeof(sc->ids[i].ducoid)))
				ducoctl_hint(&hints, "0x%02x and 0x%02x report the same DUCOID: "
					     "the pool would see one chip twice",
					     sc->found[i], sc->found[j]);
	for (int i = 0; i < sc->n; i++)
		if (!sc->probe_only && sc->rcs[i] == 0)
			ducoctl_hints(&hints, sc->found[i], &sc->ids[i]);
	if (sc->bus_errors > 0)
		ducoctl_hint(&hints, "%u probes ended in bus errors rather than NACKs: a slave that "
			     "stretches the clock too long or holds SDA low can hide the others "
			     "(the Pi's controller handles long stretches badly)", sc->bus_errors);
	if (sc->failed)
		ducoctl_hint(&hints, "a slave that answers but cannot be identified runs other "
			     "firmware, or its frames are corrupted: try `ducoctl identify <addr>`, "
			     "check wiring and pull-ups");
}

static int ducoctl_scan(struct bus *bus, const struct ducoctl_opts *o)
{
	static struct ducoctl_scan sc;  /* ~5 KB: off the stack */
	int rc;

	sc = (struct ducoctl_scan){ .probe_only = o->probe_only };
	rc = ducoctl_scan_collect(bus, (uint8_t)o->first, (uint8_t)o->last, &sc);
	if (rc < 0) {
		fprintf(stderr, "ducoctl: scan of %s failed: %s\n", bus->spec, ducoctl_strerror(rc));
		return DUCOCTL_EXIT_FAIL;
	}
	if (o->json) {
		ducoctl_scan_json(bus, &sc);
		return sc.n == 0 || sc.failed ? DUCOCTL_EXIT_FAIL : DUCOCTL_EXIT_OK;
	}
	printf("bus %s: scanning 0x%02x..0x%02x\n", bus->spec, o->first, o->last);
	if (sc.n == 0) {
		printf("no slave answered on %s.\n"
		       "  check: power and common ground, SDA/SCL not swapped, pull-ups present,\n"
		       "  the slaves run ducorig firmware, the address range (--first/--last).\n",
		       bus->spec);
		if (sc.bus_errors > 0)
			printf("  %u probes failed with bus errors, not plain NACKs: a device may hold\n"
			       "  SDA or SCL low (a hung slave, or clock stretching the adapter gives\n"
			       "  up on); power-cycle the slaves one by one to find it.\n",
			       sc.bus_errors);
		return DUCOCTL_EXIT_FAIL;
	}
	ducoctl_scan_table(&sc);
	ducoctl_scan_hints(&sc);
	return sc.failed ? DUCOCTL_EXIT_FAIL : DUCOCTL_EXIT_OK;
}

static int ducoctl_identify(struct bus *bus, uint8_t addr)
{
	struct slave_io sio;
	struct duco_identity id;
	int rc;

	slave_io_init(&sio, bus, addr);
	rc = DUCOCTL_AGAIN(&sio, slave_io_identify(&sio, &id));
	if (rc < 0) {
		fprintf(stderr, "ducoctl: identify 0x%02x on %s: %s\n", addr, bus->spec,
			ducoctl_strerror(rc));
		return DUCOCTL_EXIT_FAIL;
	}
	ducoctl_print_identity(addr, &id);
	if (sio.st.crc_retries || sio.st.nack_retries)
		printf("retries:        %u CRC, %u NACK\n", sio.st.crc_retries, sio.st.nack_retries);
	return DUCOCTL_EXIT_OK;
}

/*
 * The health answer with the uncalibrated conversion (the board's own
 * bandgap and sensor offset are ducomaster's per-board settings).
 */
static int ducoctl_health(struct bus *bus, uint8_t addr)
{
	struct slave_io sio;
	struct duco_identity id;
	struct duco_health h;
	int rc;

	slave_io_init(&sio, bus, addr);
	rc = DUCOCTL_AGAIN(&sio, slave_io_identify(&sio, &id));
	if (rc == 0)
		rc = DUCOCTL_AGAIN(&sio, slave_io_health(&sio, &h));
	if (rc == -EOPNOTSUPP) {
		printf("0x%02x: health n/a (protocol %u, firmware %u.%u: HEALTH needs protocol 2 "
		       "and firmware %u.%u)\n", addr, id.proto_version, id.fw_version >> 8,
		       id.fw_version & 0xff, DUCO_HEALTH_FW_MIN >> 8, DUCO_HEALTH_FW_MIN & 0xff);
		return DUCOCTL_EXIT_FAIL;
	}
	if (rc == -EBUSY) {
		fprintf(stderr, "ducoctl: health 0x%02x on %s: the board keeps a job's result and "
			"answers HEALTH once it is taken (ducomaster takes it; `ducoctl reset 0x%02x` "
			"clears it)\n", addr, bus->spec, addr);
		return DUCOCTL_EXIT_FAIL;
	}
	if (rc < 0) {
		fprintf(stderr, "ducoctl: health 0x%02x on %s: %s\n", addr, bus->spec,
			ducoctl_strerror(rc));
		return DUCOCTL_EXIT_FAIL;
	}
	printf("address:        0x%02x\n", addr);
	if (h.sensors & DUCO_HEALTH_VCC)
		printf("supply:         %.2f V (bandgap reads %u of 1024 against AVcc)\n",
		       duco_health_vcc_mv(h.vbg_adc, DUCO_BANDGAP_MV_DEFAULT) / 1000, h.vbg_adc);
	else
		printf("supply:         n/a (no reading on this board)\n");
	if (h.sensors & DUCO_HEALTH_TEMP)
		printf("die:            %.1f C (sensor reads %u of 1024 against 1.1 V)\n",
		       duco_health_temp_c(h.temp_adc, DUCO_BANDGAP_MV_DEFAULT, 0, 1), h.temp_adc);
	else
		printf("die:            n/a (no reading on this board)\n");
	printf("uptime:         %lu s\n", (unsigned long)h.uptime_s);
	printf("samples:        %u\n", h.samples);
	printf("bus resets:     %u\n", h.bus_resets);
	return DUCOCTL_EXIT_OK;
}

static int ducoctl_set_addr(struct bus *bus, uint8_t from, uint8_t to)
{
	struct slave_io sio;
	uint8_t probe;
	int rc;

	/* Refuse to create an address clash: two slaves would answer together. */
	if (from != to && bus_xfer(bus, to, NULL, 0, &probe, 1) == 0) {
		fprintf(stderr, "ducoctl: 0x%02x already answers on %s; choose a free address\n",
			to, bus->spec);
		return DUCOCTL_EXIT_FAIL;
	}
	slave_io_init(&sio, bus, from);
	rc = DUCOCTL_AGAIN(&sio, slave_io_set_addr(&sio, to));
	if (rc < 0) {
		fprintf(stderr, "ducoctl: set-addr 0x%02x -> 0x%02x: %s\n", from, to,
			ducoctl_strerror(rc));
		return DUCOCTL_EXIT_FAIL;
	}
	printf("0x%02x -> 0x%02x: stored, slave confirmed its new address\n", from, to);
	return DUCOCTL_EXIT_OK;
}

static int ducoctl_reset(struct bus *bus, uint8_t addr)
{
	struct slave_io sio;
	struct duco_identity id;
	char reset[64];
	int64_t t0;
	int rc;

	slave_io_init(&sio, bus, addr);
	rc = slave_io_reset(&sio);
	if (rc < 0) {
		fprintf(stderr, "ducoctl: reset 0x%02x: %s\n", addr, ducoctl_strerror(rc));
		return DUCOCTL_EXIT_FAIL;
	}
	t0 = ducoctl_now_ms();
	do {
		ducoctl_sleep_ms(20);
		rc = DUCOCTL_AGAIN(&sio, slave_io_identify(&sio, &id));
	} while (rc < 0 && ducoctl_now_ms() - t0 < DUCOCTL_REBOOT_MS);
	if (rc < 0) {
		fprintf(stderr, "ducoctl: 0x%02x accepted RESET but is not back after %d ms: %s\n",
			addr, DUCOCTL_REBOOT_MS, ducoctl_strerror(rc));
		return DUCOCTL_EXIT_FAIL;
	}
	ducoctl_reset_text(id.reset_cause, reset, sizeof(reset));
	printf("0x%02x reset, back after %lld ms, reset cause %s\n", addr,
	       (long long)(ducoctl_now_ms() - t0), reset);
	return DUCOCTL_EXIT_OK;
}

static int ducoctl_clear_errors(struct bus *bus, uint8_t addr)
{
	struct slave_io sio;
	int rc;

	slave_io_init(&sio, bus, addr);
	rc = DUCOCTL_AGAIN(&sio, slave_io_clear_errors(&sio));
	if (rc < 0) {
		fprintf(stderr, "ducoctl: clear-errors 0x%02x: %s\n", addr, ducoctl_strerror(rc));
		return DUCOCTL_EXIT_FAIL;
	}
	printf("0x%02x: error counters cleared\n", addr);
	return DUCOCTL_EXIT_OK;
}

static void ducoctl_clock(char *buf, size_t n)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	snprintf(buf, n, "%02d:%02d:%02d.%03ld", tm.tm_hour, tm.tm_min, tm.tm_sec,
		 ts.tv_nsec / 1000000);
}

/*
 * Watch which slaves answer, for "slaves drop out one by one": a 1-byte
 * status read per known address every interval (no frame is sent, so this
 * may run beside ducomaster), a full probe of the range every 10th round
 * for newcomers, and a line for every change. Ends (after --duration, or on
 * SIGINT/SIGTERM) with the share of probes each address answered and how
 * often it dropped out.
 */
static int ducoctl_monitor(struct bus *bus, const struct ducoctl_opts *o)
{
	uint32_t probes[DUCO_ADDR_MAX + 1] = { 0 }, answers[DUCO_ADDR_MAX + 1] = { 0 };
	uint32_t drops[DUCO_ADDR_MAX + 1] = { 0 };
	uint8_t known[DUCO_ADDR_MAX + 1] = { 0 }, up[DUCO_ADDR_MAX + 1] = { 0 };
	int interval_ms = o->interval_ms, round = 0, nknown = 0;
	double duration_s = o->duration_s;
	int64_t t_end;
	char now[32];

	t_end = duration_s > 0 ? ducoctl_now_ms() + (int64_t)(duration_s * 1000) : INT64_MAX;
	/* SA_RESTART: a bus transfer in progress is not cut short by the signal;
	 * the sleep between rounds is (nanosleep is never restarted). */
	{
		struct sigaction sa = { .sa_handler = ducoctl_on_stop, .sa_flags = SA_RESTART };

		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	printf("monitoring %s every %d ms%s\n", bus->spec, interval_ms,
	       duration_s > 0 ? "" : " (Ctrl-C to stop)");
	fflush(stdout);
	do {
		for (unsigned a = DUCO_ADDR_MIN; a <= DUCO_ADDR_MAX; a++) {
			uint8_t r;
			int rc;

			if (!known[a] && round % 10 != 0)
				continue;
			rc = bus_xfer(bus, (uint8_t)a, NULL, 0, &r, 1);
			if (rc < 0 && !known[a])
				continue;
			probes[a]++;
			ducoctl_clock(now, sizeof(now));
			if (rc == 0) {
				answers[a]++;
				if (!known[a]) {
					known[a] = 1;
					nknown++;
					printf("%s 0x%02x answers%s\n", now, a, round ? " (new)" : "");
				} else if (!up[a]) {
					printf("%s 0x%02x back\n", now, a);
				}
				up[a] = 1;
			} else if (up[a]) {
				up[a] = 0;
				drops[a]++;
				printf("%s 0x%02x GONE: %s\n", now, a, ducoctl_strerror(rc));
			}
		}
		fflush(stdout);
		round++;
		if (ducoctl_stop || ducoctl_now_ms() + interval_ms > t_end)
			break;
		ducoctl_sleep_ms(interval_ms);
	} while (!ducoctl_stop && ducoctl_now_ms() < t_end);

	printf("summary after %d rounds:%s\n", round, nknown ? "" : " no slave answered");
	for (unsigned a = DUCO_ADDR_MIN; a <= DUCO_ADDR_MAX; a++)
		if (known[a])
			printf("  0x%02x answered %u of %u probes (%.1f%%), dropped out %u time%s%s\n",
			       a, answers[a], probes[a], 100.0 * answers[a] / probes[a], drops[a],
			       drops[a] == 1 ? "" : "s", up[a] ? "" : ", gone at the end");
	return nknown ? DUCOCTL_EXIT_OK : DUCOCTL_EXIT_FAIL;
}

/* Simulator only: inject a bus fault (common/simbus_proto.h) at an address. */
static int ducoctl_fault(struct bus *bus, int argc, char **argv)   /* argv[0]: "fault" */
{
	static const struct { const char *name; uint8_t kind; } kinds[] = {
		{ "flip", SIMBUS_FAULT_FLIP_BIT }, { "nack", SIMBUS_FAULT_NACK },
		{ "reset", SIMBUS_FAULT_RESET }, { "silent", SIMBUS_FAULT_SILENT },
		{ "clear", SIMBUS_FAULT_CLEAR },
	};
	uint32_t param = 0;
	uint8_t addr;
	int kind = -1, rc;

	if (ducoctl_parse_addr(argv[1], &addr) < 0) {
		ducoctl_usage_error("fault: bad address '%s'", argv[1]);
		return DUCOCTL_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(argv[2], kinds[i].name) == 0)
			kind = kinds[i].kind;
	if (argc == 4) {
		char *end;

		errno = 0;
		param = (uint32_t)strtoul(argv[3], &end, 0);
		if (errno || end == argv[3] || *end != '\0')
			kind = -1;
	}
	if (kind < 0) {
		ducoctl_usage_error("fault: want <addr> <flip|nack|silent|reset|clear> [number]");
		return DUCOCTL_EXIT_USAGE;
	}
	rc = bus_sim_fault(bus, addr, (uint8_t)kind, param);
	if (rc == -EOPNOTSUPP) {
		fprintf(stderr, "ducoctl: fault needs a simulated bus (--bus sim:<socket>)\n");
		return DUCOCTL_EXIT_USAGE;
	}
	if (rc < 0) {
		fprintf(stderr, "ducoctl: fault %s at 0x%02x: %s\n", argv[2], addr, strerror(-rc));
		return DUCOCTL_EXIT_FAIL;
	}
	printf("0x%02x: fault %s%s%s injected\n", addr, argv[2], argc == 4 ? " " : "",
	       argc == 4 ? argv[3] : "");
	return DUCOCTL_EXIT_OK;
}

static int ducoctl_job(struct bus *bus, const char *addr_text, const char *line_text,
		       const struct ducoctl_opts *o)
{
	struct duco_job job = { .job_id = 0 };
	struct poolwire_job line;
	struct duco_result res;
	struct slave_io sio;
	uint8_t addr, digest[DUCO_SHA1_DIGEST];
	double timeout_s = o->timeout_s;
	int64_t t0, t_done = 0;
	uint32_t polls = 0;
	int rc, verified;

	if (ducoctl_parse_addr(addr_text, &addr) < 0) {
		ducoctl_usage_error("job: bad address '%s'", addr_text);
		return DUCOCTL_EXIT_USAGE;
	}
	if (poolwire_parse_job(line_text, &line) < 0) {
		fprintf(stderr, "ducoctl: job must be <40-char last hash>,<40 hex expected>,<diff>\n");
		return DUCOCTL_EXIT_USAGE;
	}
	poolwire_job_to_slave(&line, &job);
	job.job_id = (uint16_t)(getpid() ^ time(NULL));

	slave_io_init(&sio, bus, addr);
	t0 = ducoctl_now_ms();
	rc = DUCOCTL_AGAIN(&sio, slave_io_send_job(&sio, &job));
	if (rc < 0) {
		fprintf(stderr, "ducoctl: job to 0x%02x: %s\n", addr, ducoctl_strerror(rc));
		return DUCOCTL_EXIT_FAIL;
	}
	for (;;) {
		rc = slave_io_poll(&sio, 0);
		polls++;
		if (rc >= 0 && DUCO_STATUS_STATE(rc) == DUCO_ST_DONE) {
			rc = slave_io_read_result(&sio, job.job_id, &res);
			if (rc == 0)
				break;
			if (rc != -EAGAIN)  /* the 1-byte poll was misread: poll on */
				goto fail;
		} else if (rc >= 0 && DUCO_STATUS_STATE(rc) != DUCO_ST_BUSY) {
			fprintf(stderr, "ducoctl: 0x%02x left the job: state %u\n", addr,
				DUCO_STATUS_STATE(rc));
			return DUCOCTL_EXIT_FAIL;
		} else if (rc < 0) {
			goto fail;
		}
		if (ducoctl_now_ms() - t0 > (int64_t)(timeout_s * 1000)) {
			fprintf(stderr, "ducoctl: no result from 0x%02x within %.0f s; aborting the job\n",
				addr, timeout_s);
			DUCOCTL_AGAIN(&sio, slave_io_abort(&sio));
			return DUCOCTL_EXIT_FAIL;
		}
		ducoctl_sleep_ms(DUCOCTL_POLL_MS);
	}
	t_done = ducoctl_now_ms();
	/* the board keeps the result until told: leave it free (and its
	 * HEALTH answer readable) for whatever comes next */
	rc = DUCOCTL_AGAIN(&sio, slave_io_drop(&sio, job.job_id));
	if (rc < 0)
		fprintf(stderr, "ducoctl: 0x%02x still keeps the result (drop failed: %s)\n", addr,
			ducoctl_strerror(rc));

	duco_s1_hash(job.last_hash, res.nonce, digest);
	verified = res.found && memcmp(digest, job.expected, sizeof(digest)) == 0;
	printf("job %u on 0x%02x: %s nonce %lu\n", job.job_id, addr,
	       res.found ? "found" : "range exhausted, last", (unsigned long)res.nonce);
	printf("slave elapsed:  %.3f ms\n", res.elapsed_us / 1000.0);
	if (res.elapsed_us > 0)
		printf("hashrate:       %.2f H/s (nonce / slave elapsed)\n",
		       res.nonce / (res.elapsed_us / 1e6));
	else
		printf("hashrate:       - (elapsed 0)\n");
	printf("wall time:      %lld ms, %u polls, %u CRC / %u NACK retries\n",
	       (long long)(t_done - t0), polls, sio.st.crc_retries, sio.st.nack_retries);
	printf("host check:     %s\n", verified ? "nonce verified with DUCO-S1" :
	       res.found ? "WRONG nonce (does not give the expected hash)" : "no nonce to check");
	printf("result:         %lu,%.2f\n", (unsigned long)res.nonce,
	       res.elapsed_us ? res.nonce / (res.elapsed_us / 1e6) : 0.0);
	return verified ? DUCOCTL_EXIT_OK : DUCOCTL_EXIT_FAIL;

fail:
	fprintf(stderr, "ducoctl: polling 0x%02x: %s\n", addr, ducoctl_strerror(rc));
	return DUCOCTL_EXIT_FAIL;
}

static int ducoctl_open(struct bus *bus, const char *spec)
{
	int rc;

	if (spec == NULL || spec[0] == '\0') {
		fprintf(stderr, "ducoctl: no bus: use --bus /dev/i2c-N or --bus sim:<socket> "
			"(or set DUCORIG_BUS)\n");
		return DUCOCTL_EXIT_USAGE;
	}
	rc = bus_open(bus, spec);
	if (rc == 0)
		return DUCOCTL_EXIT_OK;
	if (rc == -ENOTTY)
		fprintf(stderr, "ducoctl: %s is not an I2C adapter (i2c-dev ioctl I2C_FUNCS "
			"refused: %s)\n", spec, strerror(-rc));
	else if (rc == -EACCES)
		fprintf(stderr, "ducoctl: %s: permission denied: add your user to group i2c\n", spec);
	else if (rc == -ENOENT && spec[0] == '/')
		fprintf(stderr, "ducoctl: %s does not exist: enable I2C (raspi-config, "
			"dtparam=i2c_arm=on) and load i2c-dev\n", spec);
	else if ((rc == -ENOENT || rc == -ECONNREFUSED) && spec[0] != '/')
		fprintf(stderr, "ducoctl: no simulator listens at %s (is ducosim running?): %s\n",
			spec + 4, strerror(-rc));
	else if (rc == -EINVAL)
		fprintf(stderr, "ducoctl: bad bus spec '%s': use /dev/i2c-N or sim:<socket>\n", spec);
	else
		fprintf(stderr, "ducoctl: cannot open bus %s: %s\n", spec, strerror(-rc));
	return DUCOCTL_EXIT_BUS;
}

/* The options given that cmd does not take, as DUCOCTL_O_* bits. */
static unsigned ducoctl_foreign_opts(const struct ducoctl_opts *o, const struct ducoctl_cmd *c)
{
	unsigned used = (o->probe_only ? DUCOCTL_O_PROBE : 0) | (o->json ? DUCOCTL_O_JSON : 0) |
			(o->seen_first ? DUCOCTL_O_FIRST : 0) | (o->seen_last ? DUCOCTL_O_LAST : 0) |
			(o->seen_timeout ? DUCOCTL_O_TIMEOUT : 0) |
			(o->seen_interval ? DUCOCTL_O_INTERVAL : 0) |
			(o->seen_duration ? DUCOCTL_O_DURATION : 0);

	return used & ~c->opts;
}

static const char *ducoctl_opt_name(unsigned bit)
{
	static const char *const names[] = { "--probe-only", "--json", "--first", "--last",
					     "--timeout", "--interval", "--duration" };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (bit & (1u << i))
			return names[i];
	return "?";
}

/* Run one command on an open bus; args[0] is the command's name. */
static int ducoctl_run(struct bus *bus, const struct ducoctl_cmd *c, int nargs, char **args,
		       const struct ducoctl_opts *o)
{
	uint8_t a1, a2;

	if (!strcmp(c->name, "scan"))
		return ducoctl_scan(bus, o);
	if (!strcmp(c->name, "monitor"))
		return ducoctl_monitor(bus, o);
	if (!strcmp(c->name, "job"))
		return ducoctl_job(bus, args[1], args[2], o);
	if (!strcmp(c->name, "fault"))
		return ducoctl_fault(bus, nargs, args);
	if (ducoctl_parse_addr(args[1], &a1) < 0 ||
	    (nargs > 2 && ducoctl_parse_addr(args[2], &a2) < 0)) {
		ducoctl_usage_error("%s: bad address (0x%02x..0x%02x, decimal or 0x hex)", c->name,
				    DUCO_ADDR_MIN, DUCO_ADDR_MAX);
		return DUCOCTL_EXIT_USAGE;
	}
	if (!strcmp(c->name, "set-addr"))
		return ducoctl_set_addr(bus, a1, a2);
	if (!strcmp(c->name, "identify"))
		return ducoctl_identify(bus, a1);
	if (!strcmp(c->name, "health"))
		return ducoctl_health(bus, a1);
	if (!strcmp(c->name, "reset"))
		return ducoctl_reset(bus, a1);
	return ducoctl_clear_errors(bus, a1);
}

int main(int argc, char **argv)
{
	struct ducoctl_opts o = { .help = 0 };
	const struct ducoctl_cmd *c = NULL;
	struct bus bus;
	char err[256];
	int nargs = 0, rc;
	unsigned foreign;

	if (opt_defaults(&ducoctl_table, &o, err, sizeof(err)) ||
	    opt_parse(&ducoctl_table, &o, argc, argv, &nargs, err, sizeof(err))) {
		ducoctl_usage_error("%s", err);
		return DUCOCTL_EXIT_USAGE;
	}
	if (o.help) {
		opt_help(&ducoctl_table, stdout);
		return DUCOCTL_EXIT_OK;
	}
	if (o.version) {
		printf("ducoctl %s (ducorig I2C protocol %d)\n", DUCOCTL_VERSION, DUCO_PROTO_VERSION);
		return DUCOCTL_EXIT_OK;
	}
	if (nargs < 1) {
		ducoctl_usage_error("no command given");
		return DUCOCTL_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(ducoctl_cmds) / sizeof(ducoctl_cmds[0]); i++)
		if (!strcmp(argv[1], ducoctl_cmds[i].name))
			c = &ducoctl_cmds[i];
	if (c == NULL) {
		ducoctl_usage_error("unknown command '%s'", argv[1]);
		return DUCOCTL_EXIT_USAGE;
	}
	if (nargs - 1 < c->min_args || nargs - 1 > c->max_args) {
		ducoctl_usage_error("%s takes %d%s%.0d argument%s, not %d", c->name, c->min_args,
				    c->max_args > c->min_args ? " to " : "",
				    c->max_args > c->min_args ? c->max_args : 0,
				    c->max_args == 1 ? "" : "s", nargs - 1);
		return DUCOCTL_EXIT_USAGE;
	}
	foreign = ducoctl_foreign_opts(&o, c);
	if (foreign) {
		ducoctl_usage_error("%s is not an option of %s", ducoctl_opt_name(foreign), c->name);
		return DUCOCTL_EXIT_USAGE;
	}
	if (!strcmp(c->name, "scan") && o.first > o.last) {
		ducoctl_usage_error("scan: --first 0x%02x is after --last 0x%02x", o.first, o.last);
		return DUCOCTL_EXIT_USAGE;
	}
	if (!o.seen_bus) {
		const char *env = getenv("DUCORIG_BUS");

		snprintf(o.bus, sizeof(o.bus), "%s", env ? env : "");
	}
	rc = ducoctl_open(&bus, o.bus);
	if (rc != DUCOCTL_EXIT_OK)
		return rc;
	rc = ducoctl_run(&bus, c, nargs, argv + 1, &o);
	bus_close(&bus);
	return rc;
}
