/*
 * report_advice.c - the report's RECOMMENDATIONS: from the findings and
 * the boards' trouble counters to what to change, with the exact setting
 * or command and the figures that ask for it, the way the multi-miner
 * monitor of ../shared/seeds/004_* gives "exact settings". The settings
 * are ducomaster's config keys (docs/ducomaster.md), the wiring values the
 * README's, the firmware figures docs/hashcore.md's. Assumes
 * report_run_finish filled the findings and the per-board figures.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "report.h"

#define ADV_CYCLES_PER_NONCE 6814.0     /* the assembly core (docs/hashcore.md) */
#define ADV_F_CPU_16MHZ      16e6
#define ADV_F_CPU_8MHZ       8e6
#define ADV_BUS_ERR_MIN      5          /* bus errors worth a look ... */
#define ADV_BUS_ERR_PER_JOB  0.01       /* ... at one per 100 jobs or more */
#define ADV_FAULTS_MIN       3
#define ADV_TIMEOUT_DEFAULT_S 15        /* job_timeout_s / verdict_timeout_s defaults */
#define ADV_TIMEOUT_P95      3.0        /* a timeout of 3 x the p95 wait */
#define ADV_THREADS_SPARE    1.1        /* as threads_per_board auto: 10 % to spare */
#define ADV_RIG_WORKERS      23         /* max_workers' default: the wallet warns above */
#define ADV_CPU_DEBUG_S      2.0        /* CPU s per 1000 jobs worth a lower log level */

static struct report_advice *adv_new(struct report_run *run, int board)
{
	struct report_advice *a;

	if (run->nadvice == REPORT_MAX_ADVICE)
		return NULL;
	a = &run->advice[run->nadvice++];
	memset(a, 0, sizeof(*a));
	a->board = board;
	return a;
}

/* The address at the end of a board's name ("bus:0x08" -> "0x08"), or "ADDR". */
static const char *adv_addr(const char *name)
{
	const char *c = strrchr(name, ':');

	return c && !strncmp(c + 1, "0x", 2) ? c + 1 : "ADDR";
}

static int adv_has_level(const struct report_run *run, const char *level)
{
	for (int i = 0; i < run->nlevels; i++)
		if (!strcmp(run->levels[i], level))
			return 1;
	return 0;
}

/* The bus: CRC errors and NACKs retried, boards reset. */
static void adv_bus(struct report_run *run)
{
	int with_errors = 0;

	for (int b = 0; b < run->nboards; b++) {
		const struct report_board *bd = &run->board[b];
		uint32_t e = bd->trouble_total[REPORT_T_BUS];

		with_errors += e >= ADV_BUS_ERR_MIN &&
			       e >= ADV_BUS_ERR_PER_JOB * (bd->st.jobs ? bd->st.jobs : 1);
	}
	for (int b = 0; b < run->nboards; b++) {
		const struct report_board *bd = &run->board[b];
		uint32_t e = bd->trouble_total[REPORT_T_BUS], fl = bd->trouble_total[REPORT_T_FAULTS];
		struct report_advice *a;

		if (e >= ADV_BUS_ERR_MIN && e >= ADV_BUS_ERR_PER_JOB * (bd->st.jobs ? bd->st.jobs : 1) &&
		    (a = adv_new(run, b))) {
			snprintf(a->setting, sizeof(a->setting), "%s; pull-ups 4.7 kOhm at 100 kHz, "
				 "2.2 kOhm at 400 kHz, one pair per bus%s",
				 with_errors == 1 && run->nboards > 1 ?
				 "check this board's SDA, SCL and ground wires" :
				 "check the bus wiring (short, twisted with ground, no star)",
				 with_errors > 1 ? "; if errors stay: dtoverlay=i2c-gpio,bus=3,"
				 "i2c_gpio_sda=2,i2c_gpio_scl=3 and \"buses\": [\"/dev/i2c-3\"]" : "");
			snprintf(a->why, sizeof(a->why), "%u bus errors (CRC errors or NACKs, retried) in "
				 "%u jobs, %.1f per 100%s", e, bd->st.jobs,
				 100.0 * e / (bd->st.jobs ? bd->st.jobs : 1),
				 with_errors == 1 && run->nboards > 1 ? "; the other boards are clean" : "");
		}
		if (fl >= ADV_FAULTS_MIN && (a = adv_new(run, b))) {
			snprintf(a->setting, sizeof(a->setting), "ducoctl --bus BUS scan (reset cause, "
				 "error counters) and ducoctl --bus BUS monitor; feed the boards from a "
				 "5 V supply, not the Pi's pins");
			snprintf(a->why, sizeof(a->why), "%u slave faults (the board was reset and its "
				 "job retried) in %u jobs", fl, bd->st.jobs);
		}
		if (bd->trouble_total[REPORT_T_WRONG] && (a = adv_new(run, b))) {
			snprintf(a->setting, sizeof(a->setting), "make flash BOARD=<its board> "
				 "PORT=/dev/ttyUSB0 ADDR=%s", adv_addr(bd->st.name));
			snprintf(a->why, sizeof(a->why), "%u results failed the host's check (a wrong "
				 "nonce): a damaged or foreign firmware image, or a bus that corrupts data",
				 bd->trouble_total[REPORT_T_WRONG]);
		}
	}
}

/* A board slower than its peers: the clock its speed implies, and the image to flash. */
static void adv_slow_chip(struct report_run *run, const struct report_finding *fd)
{
	double mhz = fd->value * ADV_CYCLES_PER_NONCE / 1e6;
	struct report_advice *a = adv_new(run, fd->board);

	if (!a)
		return;
	if (fabs(mhz * 1e6 - ADV_F_CPU_8MHZ) < 0.1 * ADV_F_CPU_8MHZ)
		snprintf(a->setting, sizeof(a->setting), "none if it is an 8 MHz board (promini8, "
			 "1,174 H/s expected); else make flash BOARD=nano PORT=/dev/ttyUSB0 ADDR=%s",
			 adv_addr(run->board[fd->board].st.name));
	else
		snprintf(a->setting, sizeof(a->setting), "make flash BOARD=<its 16 MHz board: nano, "
			 "uno, promini16> PORT=/dev/ttyUSB0 ADDR=%s (the assembly core, 2,348 H/s at "
			 "16 MHz)", adv_addr(run->board[fd->board].st.name));
	snprintf(a->why, sizeof(a->why), "it hashes at %.0f H/s, its peers at %.0f: %.0f H/s x "
		 "%.0f cycles per nonce is a %.1f MHz clock; an image built for another clock or "
		 "the C core runs slower", fd->value, fd->ref, fd->value, ADV_CYCLES_PER_NONCE, mhz);
}

/* A board held most of the time: what mining several jobs at once would give. */
static void adv_held(struct report_run *run, const struct report_finding *fd)
{
	const struct report_board *bd = &run->board[fd->board];
	double reported = report_mean(bd->st.hashrate_sum, bd->st.jobs);
	int boards = run->boards_max > (uint32_t)run->nboards ? (int)run->boards_max : run->nboards;
	int cap = ADV_RIG_WORKERS / (boards > 0 ? boards : 1), threads;
	struct report_advice *a;

	if (!isfinite(bd->chip_rate) || reported <= 0)
		return;
	threads = (int)floor(bd->chip_rate / (reported * ADV_THREADS_SPARE));
	if (threads > cap)
		threads = cap;
	if (threads < 2 || !(a = adv_new(run, fd->board)))
		return;
	snprintf(a->setting, sizeof(a->setting), "\"threads_per_board\": %d (or \"auto\")", threads);
	snprintf(a->why, sizeof(a->why), "the chip hashes %.0f H/s but reports %.0f H/s under the "
		 "pool's cap, so it is held %.0f%% of each job; %d jobs at a time would report "
		 "%.0f H/s from the same board%s", bd->chip_rate, reported, 100.0 * fd->value,
		 threads, threads * reported,
		 threads == cap ? " (as many as max_workers 23 allows for the rig's boards)" : "");
}

static void adv_bad_reason(struct report_run *run, const struct report_finding *fd)
{
	struct report_advice *a;

	if (strstr(fd->detail, "starting difficulty")) {
		if (!(a = adv_new(run, -1)))
			return;
		snprintf(a->setting, sizeof(a->setting), "\"tier\": \"auto\" (or the tier whose range "
			 "holds the boards' speed), \"margin\": 0.05 or more");
		snprintf(a->why, sizeof(a->why), "%.0f verdicts \"%s\": the pool moved the workers to "
			 "another tier; the reported rate does not fit the tier's range", fd->value,
			 fd->detail);
	} else if (strstr(fd->detail, "Incorrect result") || strstr(fd->detail, "Invalid")) {
		if (!(a = adv_new(run, -1)))
			return;
		snprintf(a->setting, sizeof(a->setting), "ducoctl --bus BUS scan, then reflash the "
			 "boards it names (make flash BOARD=... ADDR=...); check the wiring");
		snprintf(a->why, sizeof(a->why), "%.0f verdicts \"%s\" (%.1f%% of the jobs): results "
			 "the pool refused", fd->value, fd->detail,
			 fd->ref > 0 ? 100.0 * fd->value / fd->ref : 0.0);
	} else if (strstr(fd->detail, "Too low difficulty")) {
		if (!(a = adv_new(run, -1)))
			return;
		snprintf(a->setting, sizeof(a->setting), "\"margin\": 0.10 (report less than the cap)");
		snprintf(a->why, sizeof(a->why), "%.0f verdicts \"%s\": shares came faster than the "
			 "pool accepts at this difficulty", fd->value, fd->detail);
	}
}

/* Timeouts from the pool's measured waits: 3 x p95, never below the default. */
static void adv_timeouts(struct report_run *run)
{
	double gj = isfinite(run->getjob.p95) ? ceil(ADV_TIMEOUT_P95 * run->getjob.p95 / 1000) : 0;
	double vd = isfinite(run->verdict.p95) ? ceil(ADV_TIMEOUT_P95 * run->verdict.p95 / 1000) : 0;
	uint32_t timeouts = 0;
	struct report_advice *a;

	for (int b = 0; b < run->nboards; b++)
		timeouts += run->board[b].trouble_total[REPORT_T_TIMEOUTS];
	if ((gj <= ADV_TIMEOUT_DEFAULT_S && vd <= ADV_TIMEOUT_DEFAULT_S) || !(a = adv_new(run, -1)))
		return;
	snprintf(a->setting, sizeof(a->setting), "\"job_timeout_s\": %.0f, \"verdict_timeout_s\": %.0f",
		 gj > ADV_TIMEOUT_DEFAULT_S ? gj : ADV_TIMEOUT_DEFAULT_S,
		 vd > ADV_TIMEOUT_DEFAULT_S ? vd : ADV_TIMEOUT_DEFAULT_S);
	snprintf(a->why, sizeof(a->why), "the pool's p95 waits are %.0f ms for a job and %.0f ms for "
		 "a verdict (%u timeouts): a timeout of 3 x p95 keeps slow answers", run->getjob.p95,
		 run->verdict.p95, timeouts);
}

void report_run_advise(struct report_run *run)
{
	struct report_advice *a;

	run->nadvice = 0;
	adv_bus(run);
	for (int i = 0; i < run->nfind; i++) {
		const struct report_finding *fd = &run->find[i];

		switch (fd->kind) {
		case REPORT_FIND_SLOW_CHIP:
			adv_slow_chip(run, fd);
			break;
		case REPORT_FIND_HELD:
			adv_held(run, fd);
			break;
		case REPORT_FIND_BAD_REASON:
			adv_bad_reason(run, fd);
			break;
		case REPORT_FIND_RECONNECTS:
			if (!(a = adv_new(run, -1)))
				break;
			snprintf(a->setting, sizeof(a->setting), "the pool or the network: check the Pi's "
				 "link (ping the pool), or pin a pool: \"pool\": \"HOST:PORT\"");
			snprintf(a->why, sizeof(a->why), "%.0f reconnects, %.1f per hour; the boards mine "
				 "nothing while their connection is rebuilt", fd->value, fd->ref);
			break;
		case REPORT_FIND_GAP:
			if (!(a = adv_new(run, fd->board)))
				break;
			snprintf(a->setting, sizeof(a->setting), "ducoctl --bus BUS monitor (logs each "
				 "drop-out and return of %s)", adv_addr(run->board[fd->board].st.name));
			snprintf(a->why, sizeof(a->why), "no verdict for %.0f s: the board or its "
				 "connection was gone", fd->value);
			break;
		default:
			break;
		}
	}
	adv_timeouts(run);
	if (adv_has_level(run, "debug") && isfinite(run->kpi[REPORT_KPI_CPU_PER_1000]) &&
	    run->kpi[REPORT_KPI_CPU_PER_1000] > ADV_CPU_DEBUG_S && (a = adv_new(run, -1))) {
		snprintf(a->setting, sizeof(a->setting), "\"log_level\": \"info\"");
		snprintf(a->why, sizeof(a->why), "the log ran at debug and the master used %.2f s "
			 "CPU per 1000 jobs; make bench measures what each log level costs",
			 run->kpi[REPORT_KPI_CPU_PER_1000]);
	}
}
