/*
 * main.c - the ducorig slave firmware: set-up and the main loop.
 *
 * The TWI interrupt (twi.c -> slave.c) receives and checks frames and serves
 * status reads on its own; this loop takes accepted frames, hashes with the
 * board's hashing core in bursts and publishes results. Between two nonces
 * a burst looks for a new frame, so a new JOB or an ABORT takes effect
 * within one nonce time; with nothing to do it sleeps in idle mode. The
 * nonce is kept both as a u32 (for the range end and the result) and as its
 * ASCII digits, incremented in place, so no number is converted per nonce.
 * Protocol version 2: a queued job (QUEUE while one runs) is prepared when
 * its frame is taken, in the second hashing context, so when the running
 * job ends the loop publishes the result and goes straight on with the
 * queued one (a context index flips; nothing is computed). What each frame
 * does to the jobs was decided by slave.c's event (slave_frame_act); this
 * loop carries it out. FW_PROTO_V1 builds the version-1 firmware (for the
 * tests of a version-2 master on a version-1 board).
 * Assumes avr-libc only (no Arduino core) and the board flags of fwconfig.h.
 */
#include "fwconfig.h"

#include <avr/interrupt.h>
#include <avr/pgmspace.h>
#include <string.h>

#include "duco_proto.h"
#include "duco_s1.h"
#include "hashcore.h"
#include "health.h"
#include "platform.h"
#include "slave.h"
#include "timer.h"
#include "twi.h"

/* What the loop is doing. */
enum main_state {
	MAIN_IDLE = 0,          /* no job: sleep until a frame arrives */
	MAIN_HASHING,           /* hashing bursts until a frame or the end */
	MAIN_FAULT,             /* the hashing core failed its self-test */
};

/* How a burst of hashing ended. */
enum main_outcome {
	MAIN_RUNNING = 0,       /* a frame arrived: the job goes on after it */
	MAIN_FOUND,             /* the nonce under test solves the job */
	MAIN_EXHAUSTED,         /* the range end was tested without a match */
};

/* One job's search: where it is and where it ends. */
struct main_job {
	uint8_t  ndigits;
	uint16_t job_id;
	uint32_t nonce;         /* nonce under test, == digits */
	uint32_t end;           /* last nonce to try, inclusive */
	char     digits[DUCO_S1_MAX_DIGITS + 1];
};

struct main_run {
	uint8_t  state;         /* enum main_state */
	uint8_t  gen;           /* slave.c job generation of this job */
	uint8_t  core;          /* main_core[core] is the running job's context */
	uint8_t  has_next;      /* 1: next (in main_core[core ^ 1]) is queued */
	uint32_t t0_us;         /* when the job started */
	struct main_job job;    /* the running job */
	struct main_job next;   /* the queued job (protocol version 2) */
};

/* A transaction without a bus event for 100 ms or more (counted in
 * timer ticks of 16-66 ms) is dead: at 100 kHz a byte takes 90 us, and
 * Linux sends a whole I2C_RDWR message at once. */
#define MAIN_STALL_TICKS ((uint8_t)(100000UL / TIMER_TICK_US + 2))

/* Watch on the TWI for a transaction that stopped moving. */
struct main_watch {
	uint8_t armed;          /* a transaction was open at the last check */
	uint8_t tick;           /* timer_tick() of the last check */
	uint8_t events;         /* slave events seen then */
	uint8_t quiet_ticks;    /* ticks since they last changed */
};

static struct main_watch main_watch;
static uint16_t main_bus_resets;        /* stalled transactions dropped */
static struct hashcore main_core[2];    /* running job's and queued job's */
static struct main_run main_run;

/* Self-test vector (docs: duco-protocol known answers): nonce 0 of this
 * last hash gives this digest; nonce 1 must not. */
static const char main_test_last[40] PROGMEM = "05b7406b3909071b2d85b2d2958ad07a0d52bd12";
static const uint8_t main_test_digest[20] PROGMEM = {
	0xb7, 0x90, 0x7d, 0xc6, 0x73, 0x45, 0x64, 0x9b, 0xae, 0x8a,
	0x5c, 0x3e, 0xd0, 0x93, 0x45, 0x32, 0x65, 0xdf, 0xaa, 0xa1,
};

static uint8_t main_selftest(void)
{
	char last[40];
	uint8_t digest[20];

	memcpy_P(last, main_test_last, sizeof(last));
	memcpy_P(digest, main_test_digest, sizeof(digest));
	hashcore_prepare(&main_core[0], last, digest);
	return hashcore_check(&main_core[0], "0", 1) == 1 &&
	       hashcore_check(&main_core[0], "1", 1) == 0;
}

/* The job of a JOB/QUEUE frame into j and its hashing context. */
static void main_load(struct main_job *j, struct hashcore *hc, const uint8_t *f)
{
	const uint8_t *p = f + 2;

	j->job_id = duco_get_u16(p);
	j->nonce = duco_get_u32(p + 2);
	j->end = duco_get_u32(p + 6);
	j->ndigits = duco_u32_to_dec(j->nonce, j->digits);
	hashcore_prepare(hc, (const char *)(p + 30), p + 10);
}

/* The queued job runs from t0_us on (prepared when its frame was taken). */
static void main_promote(uint8_t gen, uint32_t t0_us)
{
	main_run.t0_us = t0_us;
	main_run.core ^= 1;
	main_run.job = main_run.next;
	main_run.has_next = 0;
	main_run.gen = gen;
	main_run.state = MAIN_HASHING;
}

static void main_take(void);

static void main_finish(uint8_t found)
{
	struct duco_result r = {
		.job_id = main_run.job.job_id,
		.found = found,
		.nonce = main_run.job.nonce,
	};
	uint8_t gen = main_run.gen;
	uint32_t now;
	int rc;

	/* Rendered first, then timed: elapsed_us runs up to the moment the
	 * result is kept. A frame that waits is acted on first (it may queue
	 * the job that starts here); one that changed the running job makes
	 * the result stale, and the loop follows that frame instead. */
	slave_result_prepare(&twi_slave, &r);
	for (;;) {
		now = timer_us();
		rc = slave_result_publish(&twi_slave, gen, now - main_run.t0_us);
		if (rc != -SLAVE_E_PENDING)
			break;
		main_take();
	}
	if (rc == SLAVE_PROMOTED)       /* it starts where this one's time ends */
		main_promote((uint8_t)(gen + 1), now);
	else if (main_run.gen == gen && main_run.state == MAIN_HASHING)
		main_run.state = MAIN_IDLE;     /* done, or stale with no job to follow */
}

/* Act on what an accepted frame does to the jobs (slave.c decided it). */
static void main_jobs(const uint8_t *f, uint8_t gen, uint8_t act)
{
	if (main_run.state == MAIN_FAULT) {
		/* no job runs on a failed core: the board stays in ERROR */
		if (act == SLAVE_ACT_START || act == SLAVE_ACT_QUEUE)
			slave_set_error(&twi_slave);
		return;
	}
	switch (act) {
	case SLAVE_ACT_START:           /* replaces a running job */
		main_run.t0_us = timer_us();
		main_load(&main_run.job, &main_core[main_run.core], f);
		main_run.gen = gen;
		main_run.has_next = 0;
		main_run.state = MAIN_HASHING;
		break;
	case SLAVE_ACT_QUEUE:           /* replaces a queued job */
		main_load(&main_run.next, &main_core[main_run.core ^ 1], f);
		main_run.has_next = 1;
		break;
	case SLAVE_ACT_STOP:
		main_run.has_next = 0;
		main_run.state = MAIN_IDLE;
		break;
	case SLAVE_ACT_PROMOTE:
		main_promote(gen, timer_us());
		break;
	case SLAVE_ACT_UNQUEUE:
		main_run.has_next = 0;
		break;
	default:
		break;
	}
}

/* The HEALTH answer: the ADC's latest readings, uptime, stalls dropped. */
static void main_health(void)
{
	struct duco_health h;

	health_read(&h);
	h.uptime_s = timer_seconds();
	h.bus_resets = main_bus_resets;
	slave_health_publish(&twi_slave, &h);
}

/* Act on one accepted frame (checked by slave.c; taken after its STOP). */
static void main_handle(const uint8_t *f, uint8_t gen, uint8_t act)
{
	uint8_t addr;

	main_jobs(f, gen, act);
	switch (f[0]) {
	case DUCO_CMD_SET_ADDR:
		if (duco_decode_set_addr(f, &addr) == DUCO_OK) {
			platform_addr_store(addr);
			twi_set_addr(addr);
			slave_set_addr(&twi_slave, addr);
		}
		break;
	case DUCO_CMD_HEALTH:
		main_health();
		break;
	case DUCO_CMD_RESET:
		twi_stop();
		platform_reset();
	case DUCO_CMD_CLEAR_ERR:
#if defined(FW_TEST_HANG)
		/* test builds only: a main loop that hangs with interrupts on,
		 * for the watchdog recovery test (test/fw/wdt.sh) */
		for (;;)
			;
#endif
		if (main_run.state == MAIN_FAULT)
			slave_set_error(&twi_slave);   /* the fault is not a counter */
		break;
	default:                /* the rest: slave.c and main_jobs */
		break;
	}
}

/* Take, act on and release the frame that waits. */
static void main_take(void)
{
	uint8_t gen;
	const uint8_t *f = slave_frame_take(&twi_slave, &gen);

	if (f) {
		main_handle(f, gen, slave_frame_act(&twi_slave));
		slave_frame_release(&twi_slave);
	}
}

/*
 * If the master vanished mid-transfer (reset, cable pulled, a killed
 * process) the TWI may stay addressed and hold SDA low, blocking the whole
 * bus; after MAIN_STALL_TICKS without an event, drop the transaction.
 */
static void main_bus_watch(void)
{
	uint8_t ev, tick;

	/* per nonce this is a few cycles: no transaction open, or no new tick */
	if (!slave_in_transfer(&twi_slave)) {
		main_watch.armed = 0;
		return;
	}
	tick = timer_tick();
	if (main_watch.armed && tick == main_watch.tick)
		return;
	main_watch.tick = tick;
	ev = twi_slave.events;
	if (!main_watch.armed || ev != main_watch.events) {
		main_watch.armed = 1;
		main_watch.events = ev;
		main_watch.quiet_ticks = 0;
		return;
	}
	if (++main_watch.quiet_ticks < MAIN_STALL_TICKS)
		return;
	twi_reset();
	if (main_bus_resets != 0xffff)
		main_bus_resets++;
	main_watch.armed = 0;
}

/*
 * Hash until the job ends or a frame arrives. The nonce, its digit count and
 * the range end stay in registers across the loop (written back on the way
 * out), so the per-nonce overhead around the core is a few dozen cycles.
 */
static void main_hash_burst(void)
{
	uint32_t nonce = main_run.job.nonce;
	const uint32_t end = main_run.job.end;
	uint8_t n = main_run.job.ndigits;
	char *d = main_run.job.digits;
	struct hashcore *hc = &main_core[main_run.core];
	uint8_t outcome = MAIN_RUNNING;

	do {
		platform_wdt_kick();
		if (slave_in_transfer(&twi_slave))
			main_bus_watch();
		if (hashcore_check(hc, d, n)) {
			outcome = MAIN_FOUND;
			break;
		}
		if (nonce == end) {
			outcome = MAIN_EXHAUSTED;
			break;
		}
		nonce++;
		duco_dec_increment(d, &n);
	} while (!slave_frame_pending(&twi_slave));
	main_run.job.nonce = nonce;
	main_run.job.ndigits = n;
	if (outcome != MAIN_RUNNING)
		main_finish(outcome == MAIN_FOUND);
}

int main(void)
{
	struct duco_identity id = {
		.proto_version = FW_PROTO_VERSION,
		.fw_version = FW_VERSION,
		.board_id = DUCO_BOARD_ID,
		.f_cpu = F_CPU,
		.reset_cause = platform_reset_cause(),
		.hash_impl = HASHCORE_IMPL_ID,
	};
	twi_stop();             /* may follow a restart by jump mid-transfer */
	platform_clock_init();
	platform_wdt_start();
	platform_ducoid(id.ducoid);
	id.i2c_addr = platform_addr_load();
	slave_init(&twi_slave, &id);
	health_init();
	timer_init();
	main_run.state = main_selftest() ? MAIN_IDLE : MAIN_FAULT;
	if (main_run.state == MAIN_FAULT)
		slave_set_error(&twi_slave);
	twi_init(id.i2c_addr);
	sei();

	for (;;) {
		platform_wdt_kick();
		main_bus_watch();
		if (slave_frame_pending(&twi_slave))
			main_take();
		else if (main_run.state == MAIN_HASHING) {
			main_hash_burst();
		} else {
			platform_idle(&twi_slave.pending);
		}
	}
}
