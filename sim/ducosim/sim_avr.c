/*
 * sim_avr.c - a real firmware image in simavr, driven as an I2C slave at the
 * TWI register level.
 *
 * The transfer engine is the bus master as the slave's TWI hardware sees it.
 * Per transfer it walks the datasheet's slave status sequence
 * (60 80.. A0 A8 B8.. C0, with 88 and C8 when someone NACKs): each event is a
 * cycle timer that loads TWDR, sets TWSR and raises the TWI vector; the
 * firmware's write of TWINT=1 to TWCR is the end of the clock stretch, TWEA in
 * that write is the ACK for the next byte, and TWDR at that moment is the byte
 * the slave transmits. The next event comes nine SCL periods after the
 * release, so a slow interrupt handler slows the bus exactly as it would on
 * hardware. simavr 1.6 leaves TWINT set after the firmware clears it, so the
 * hook clears it. Assumes simavr 1.6 (libsimavr-dev) and an mcu with a TWI
 * module whose io kind is "twi".
 */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sim_avr.h>
#include <sim_elf.h>
#include <sim_core.h>
#include <sim_io.h>
#include <sim_regbit.h>
#include <sim_interrupts.h>
#include <sim_cycle_timers.h>
#include <avr_twi.h>
#include <avr_watchdog.h>
#include <avr_flash.h>
#include <avr_adc.h>

#include "duco_proto.h"
#include "duco_rand.h"
#include "sim_avr.h"

/* Where the engine is within the current transfer. */
enum sim_avr_phase {
	SIM_AVR_IDLE = 0,       /* no transfer */
	SIM_AVR_ADDR_W,         /* next event: address + W */
	SIM_AVR_WDATA,          /* next event: a written data byte */
	SIM_AVR_STOP,           /* next event: STOP (status A0) */
	SIM_AVR_RESTART,        /* next event: repeated START (status A0) */
	SIM_AVR_ADDR_R,         /* next event: address + R */
	SIM_AVR_RDATA,          /* next event: master's ACK/NACK of a sent byte */
	SIM_AVR_END,            /* result final; waiting for the last release */
};

struct sim_avr {
	struct sim_slave  slave;
	avr_t            *avr;
	avr_twi_t        *twi;
	avr_io_t          resetwatch;   /* our io module: notified on mcu reset */
	avr_watchdog_t   *wd;
	elf_firmware_t    fw;

	struct sim_xfer  *x;            /* transfer in flight, or NULL */
	uint8_t           phase;        /* enum sim_avr_phase */
	uint8_t           stretching;   /* event delivered, TWINT not yet cleared */
	uint8_t           slave_ack;    /* TWEA at the last release */
	uint8_t           wait_release; /* START deferred until the slave lets go */
	uint16_t          widx, ridx;
	uint64_t          event_cycle;  /* when the pending event was delivered */
	uint8_t           event_status; /* its TWSR status */
	uint64_t          done_cycle;
	uint64_t          end_cycle;    /* of the last finished transfer */
	uint32_t          scl;          /* cycles per SCL period */
	/* the BCM2835 master model: 0 off, else the shortest SCL high (cycles)
	 * the slave's TWI sees, ns; a short one pending for the next byte; the
	 * last read byte's low bit, shifted into the next once a read slipped */
	uint32_t          bcm_min_high;   /* ns */
	uint32_t          bcm_rng;        /* duco_rand state: the clocks' phase */
	uint8_t           bcm_short;
	uint8_t           read_slip;
	uint8_t           slip_bit;
	uint8_t           forced_nack;  /* end the transfer with a data NACK at STOP */
	uint16_t          forced_wacked;

	uint8_t           sleep_armed;
	uint64_t          sleep_cycle;
	/* PC watch (tests): the cycle of each arrival at watch_pc */
	uint8_t           pc_armed;
	uint32_t          watch_pc;     /* byte address */
	uint64_t         *pc_cycles;
	uint32_t          pc_max, pc_hits;

	struct sim_avr_stats st;

	/* a crashed or stopped core (poll_event) and what follows */
	uint8_t           down;         /* reported, not running */
	uint8_t           restart;      /* a PC that left the flash wraps to 0 */
	uint8_t           event_ready;
	struct sim_slave_event event;
	unsigned          log_seen;     /* simavr errors already accounted */
	/* crash trace: the last trace_len instructions' PC and SP, a ring */
	uint16_t          trace_len, trace_head, trace_n;
	uint32_t         *trace_pc;
	uint16_t         *trace_sp;
	uint32_t         *event_pc;     /* the ring in order, for the event */
	uint16_t         *event_sp;
	avr_adc_t        *adc;
	uint16_t          bandgap_mv_cur;       /* what the ADC tables say now */

	/* signature row: simavr 1.6 answers an LPM after SIGRD from flash, so
	 * every simulated chip would report the vector table as its serial */
	avr_flash_t      *flash;
	uint8_t           serial[SIM_AVR_SERIAL_LEN];   /* row bytes 0x0E..0x17 */
	uint8_t           saved[SIM_AVR_SERIAL_LEN];    /* flash under the window */
	uint8_t           sig_window;                   /* 1: serial patched in */
};

static struct sim_avr *sim_avr_of(struct sim_slave *s)
{
	return (struct sim_avr *)s->priv;
}

/*
 * simavr logs on stdout, which would corrupt ducosim's --json and "ready"
 * lines: keep only errors, for the caller to show (libraries never print).
 */
static char sim_avr_log_buf[160];
static unsigned sim_avr_log_errors;

static void sim_avr_logger(avr_t *avr, const int level, const char *fmt, va_list ap)
{
	if (level > LOG_ERROR)
		return;
	sim_avr_log_errors++;
	vsnprintf(sim_avr_log_buf, sizeof(sim_avr_log_buf), fmt, ap);
}

const char *sim_avr_last_error(unsigned *count)
{
	if (count)
		*count = sim_avr_log_errors;
	return sim_avr_log_buf;
}

static void sim_avr_noop_sleep(avr_t *avr, avr_cycle_count_t how_long)
{
	/* ducosim paces the whole rig itself; simavr must never usleep */
}

static int sim_avr_match(struct sim_avr *a, uint8_t addr)
{
	avr_t *avr = a->avr;
	uint8_t own, mask;

	if (!a->twi || !avr_regbit_get(avr, a->twi->twen) ||
	    !avr_regbit_get(avr, a->twi->twea))
		return 0;
	own = avr->data[a->twi->r_twar] >> 1;
	mask = a->twi->r_twamr ? (uint8_t)(avr->data[a->twi->r_twamr] >> 1) : 0;
	if (own == 0)
		return 0;
	return ((own ^ addr) & (uint8_t)~mask & 0x7f) == 0;
}

static avr_cycle_count_t sim_avr_event(avr_t *avr, avr_cycle_count_t when, void *param);

/* 1 when x has an address+R phase (rlen bytes, or a zero-length read). */
static int sim_avr_reads(const struct sim_xfer *x)
{
	return x->rlen || (x->flags & SIMBUS_XF_READ);
}

static void sim_avr_schedule(struct sim_avr *a, uint32_t scl_periods)
{
	avr_cycle_timer_register(a->avr, (avr_cycle_count_t)scl_periods * a->scl,
				 sim_avr_event, a);
}

/* The next event, `extra` cycles later than the bus alone would put it. */
static void sim_avr_schedule_after(struct sim_avr *a, uint32_t scl_periods, uint64_t extra)
{
	avr_cycle_timer_register(a->avr, (avr_cycle_count_t)scl_periods * a->scl + extra,
				 sim_avr_event, a);
}

/*
 * A stretch of `held` cycles ended. With the BCM2835 model the master goes on
 * at the first half-period tick after the release (what it returns: the
 * cycles from the release to that tick), and a high pulse shorter than
 * bcm_min_high ns before it makes the slave miss the next clock: noted
 * for the byte the next event carries. Only stretches followed by data
 * clocks count. An ideal master goes on at the release (0).
 */
static uint64_t sim_avr_bcm_release(struct sim_avr *a, uint64_t held)
{
	uint64_t half = a->scl / 2, high;
	int64_t phase_ns;

	if (!a->bcm_min_high || !half ||
	    (a->phase != SIM_AVR_WDATA && a->phase != SIM_AVR_RDATA))
		return 0;
	if (a->phase == SIM_AVR_RDATA && a->x && a->x->rlen == 0)
		return 0;
	a->st.stretches++;
	high = (held + half - 1) / half * half - held;   /* release to the next tick */
	/* The two clocks are not related: the slave saw the falling edge that
	 * began the stretch up to one of its cycles after the controller's
	 * tick, so its release is that much later too (uniform, reproducible). */
	phase_ns = (int64_t)(duco_rand(&a->bcm_rng) % 1000u) * 1000000 / (int64_t)a->slave.freq;
	if ((int64_t)sim_cycles_to_ns(high, a->slave.freq) - phase_ns < (int64_t)a->bcm_min_high) {
		a->st.short_clocks++;
		a->bcm_short = 1;
	}
	return high;
}

/* Put one bus event in front of the firmware; SCL is stretched from now. */
static void sim_avr_deliver(struct sim_avr *a, uint8_t twdr, uint8_t status)
{
	avr_t *avr = a->avr;

	avr->data[a->twi->r_twdr] = twdr;
	avr_regbit_setto_raw(avr, a->twi->twsr, status);
	a->stretching = 1;
	a->event_cycle = avr->cycle;
	a->event_status = status;
	a->st.events++;
	avr_raise_interrupt(avr, &a->twi->twi);
}

static void sim_avr_finish(struct sim_avr *a, uint8_t result, uint32_t extra_scl)
{
	a->x->result = result;
	a->x->wacked = a->widx;
	a->done_cycle = a->avr->cycle + (uint64_t)extra_scl * a->scl;
	a->phase = SIM_AVR_END;
}

/* Cycle timer: the bus reached the next event of the transfer. */
static avr_cycle_count_t sim_avr_event(avr_t *avr, avr_cycle_count_t when, void *param)
{
	struct sim_avr *a = param;
	struct sim_xfer *x = a->x;
	uint8_t b;

	if (!x)
		return 0;
	switch (a->phase) {
	case SIM_AVR_ADDR_W:
	case SIM_AVR_ADDR_R:
		if (!sim_avr_match(a, x->addr)) {
			sim_avr_finish(a, SIMBUS_ADDR_NACK, 1);
			break;
		}
		if (a->phase == SIM_AVR_ADDR_R) {
			sim_avr_deliver(a, (uint8_t)(x->addr << 1 | 1), 0xA8);
			a->phase = SIM_AVR_RDATA;
		} else {
			sim_avr_deliver(a, (uint8_t)(x->addr << 1), 0x60);
			a->phase = x->wlen ? SIM_AVR_WDATA : SIM_AVR_STOP;
		}
		break;
	case SIM_AVR_WDATA:
		b = x->w[a->widx];
		if (a->bcm_short && a->slave_ack) {
			/* The slave missed the first clock: it shifts in bits 6..0
			 * and the released SDA of the ACK slot, and ACKs one clock
			 * late, so the master saw a NACK and sends STOP. */
			a->bcm_short = 0;
			a->st.corrupted_writes++;
			a->forced_nack = 1;
			a->forced_wacked = a->widx;
			sim_avr_deliver(a, (uint8_t)(b << 1 | 1), 0x80);
			a->widx++;
			a->phase = SIM_AVR_STOP;
			break;
		}
		if (!a->slave_ack) {
			/* the slave said it takes no more: master stops */
			sim_avr_deliver(a, b, 0x88);
			sim_avr_finish(a, SIMBUS_DATA_NACK, 1);
			break;
		}
		sim_avr_deliver(a, b, 0x80);
		a->widx++;
		if (a->widx == x->wlen)
			a->phase = sim_avr_reads(x) ? SIM_AVR_RESTART : SIM_AVR_STOP;
		break;
	case SIM_AVR_STOP:
		sim_avr_deliver(a, avr->data[a->twi->r_twdr], 0xA0);
		sim_avr_finish(a, a->forced_nack ? SIMBUS_DATA_NACK : SIMBUS_OK, 0);
		if (a->forced_nack) {
			x->wacked = a->forced_wacked;
			a->forced_nack = 0;
		}
		break;
	case SIM_AVR_RESTART:
		sim_avr_deliver(a, avr->data[a->twi->r_twdr], 0xA0);
		a->phase = SIM_AVR_ADDR_R;
		break;
	case SIM_AVR_RDATA:
		if (a->ridx == x->rlen) {
			/* master NACKs its last byte, then STOP */
			sim_avr_deliver(a, avr->data[a->twi->r_twdr], 0xC0);
			sim_avr_finish(a, SIMBUS_OK, 1);
		} else if (!a->slave_ack) {
			/* slave sent its last byte but the master wants more:
			 * the rest reads as released SDA */
			sim_avr_deliver(a, avr->data[a->twi->r_twdr], 0xC8);
			uint32_t rest = (uint32_t)(x->rlen - a->ridx);
			memset(x->r + a->ridx, 0xff, rest);
			a->ridx = x->rlen;
			sim_avr_finish(a, SIMBUS_OK, 9 * rest + 1);
		} else {
			sim_avr_deliver(a, avr->data[a->twi->r_twdr], 0xB8);
		}
		break;
	default:
		break;
	}
	return 0;
}

/*
 * The count byte of a block read arrived: the master reads that many more
 * bytes, or, for a count no SMBus block can have, NACKs the count and stops
 * (an adapter then reports EPROTO).
 */
static void sim_avr_recv_len(struct sim_xfer *x)
{
	uint8_t n = x->r[0];

	if (n == 0 || n > SIMBUS_BLOCK_MAX)
		x->rlen = 1;
	else
		x->rlen = (uint16_t)(x->rlen + n);
}

/*
 * Keep simavr's own TWI state machine out of the bus. Its TWCR hook runs
 * before ours and acts as a bus master whenever its state says so: TWDR
 * reads and writes set state bits, and unless the firmware enabled TWEN
 * after setting TWAR (ducorig's firmware does, the Arduino Wire library
 * does not) the next TWCR write with TWINT "sends an address" and arms a
 * timer that, 9 us later, puts a master status (0x18..0x58) in TWSR and
 * raises the TWI interrupt. A Wire-library slave then runs its master
 * receiver code: after each byte it sent as the last one (every one-byte
 * read) a spurious 0x58 stores TWDR at twi_masterBuffer[index++] with no
 * bound, which after 33 reads overwrites the library's own variables and
 * its receive/transmit callback pointers, and the next callback jumps into
 * erased flash. So: cancel the timers it armed (they carry its avr_twi_t
 * as parameter) and clear its state after every TWCR write.
 */
static void sim_avr_mute_twi(struct sim_avr *a)
{
	avr_t *avr = a->avr;
	avr_cycle_timer_slot_p t, next;

	for (t = avr->cycle_timers.timer; t; t = next) {
		next = t->next;
		if (t->param == a->twi)
			avr_cycle_timer_cancel(avr, t->timer, t->param);
	}
	a->twi->state = 0;
	a->twi->peer_addr = 0;
	a->twi->next_twstate = 0;
}

/* The firmware wrote TWCR: TWINT written as 1 ends the clock stretch. */
static void sim_avr_twcr_write(avr_t *avr, avr_io_addr_t addr, uint8_t v, void *param)
{
	struct sim_avr *a = param;
	uint8_t twint = (uint8_t)(v >> a->twi->twi.raised.bit) & 1;

	sim_avr_mute_twi(a);

	if (!twint)
		return;
	/* simavr 1.6 leaves the flag set ("sticky"): clear it as hardware does */
	avr_regbit_clear(avr, a->twi->twi.raised);
	avr_clear_interrupt(avr, &a->twi->twi);
	if (!a->stretching)
		return;
	a->stretching = 0;
	uint64_t held = avr->cycle - a->event_cycle, extra;
	a->st.stretch_total += held;
	if (held > a->st.max_stretch) {
		a->st.max_stretch = (uint32_t)held;
		a->st.max_stretch_status = a->event_status;
	}
	a->st.stretch_hist[held < SIM_AVR_STRETCH_BINS ? held : SIM_AVR_STRETCH_BINS - 1]++;
	if (held > a->st.max_by_status[a->event_status >> 3])
		a->st.max_by_status[a->event_status >> 3] = (uint32_t)held;
	a->slave_ack = (uint8_t)(v >> a->twi->twea.bit) & 1;
	extra = sim_avr_bcm_release(a, held);
	if (a->wait_release) {
		/* a transfer was waiting for the bus: its START goes out now */
		a->wait_release = 0;
		if (a->x)
			sim_avr_schedule(a, 10);
		return;
	}

	switch (a->phase) {
	case SIM_AVR_WDATA:
		sim_avr_schedule_after(a, 9, extra);
		break;
	case SIM_AVR_STOP:
		/* the last byte's ACK was its release; STOP follows */
		sim_avr_schedule(a, 1);
		break;
	case SIM_AVR_RESTART:
		sim_avr_schedule(a, 1);
		break;
	case SIM_AVR_ADDR_R:
		/* repeated START, then 9 clocks of address */
		sim_avr_schedule(a, 10);
		break;
	case SIM_AVR_RDATA:
		if (a->x && a->x->rlen == 0) {
			/* zero-length read: STOP right after the address ACK; the
			 * slave's TWI leaves the transmitter state without an event */
			sim_avr_finish(a, SIMBUS_OK, 1);
			break;
		}
		/* the byte the slave loaded is shifted out now */
		if (a->x && a->ridx < a->x->rlen) {
			uint8_t b = avr->data[a->twi->r_twdr];

			if (a->bcm_short && !a->read_slip) {
				/* The slave missed the first clock: the master
				 * reads bit 7 twice, and every later bit one late. */
				a->read_slip = 1;
				a->slip_bit = (uint8_t)(b >> 7);
				a->st.corrupted_reads++;
			}
			a->bcm_short = 0;
			if (a->read_slip) {
				uint8_t sent = b;

				b = (uint8_t)(a->slip_bit << 7 | b >> 1);
				a->slip_bit = sent & 1;
			}
			a->x->r[a->ridx++] = b;
			if (a->ridx == 1 && (a->x->flags & SIMBUS_XF_RECV_LEN))
				sim_avr_recv_len(a->x);
		}
		sim_avr_schedule_after(a, 9, extra);
		break;
	case SIM_AVR_END:
	default:
		break;
	}
}

/* Our io module's reset hook: the mcu reset, its TWI forgot the transfer. */
static void sim_avr_on_reset(avr_io_t *io)
{
	struct sim_avr *a = (struct sim_avr *)((char *)io - offsetof(struct sim_avr, resetwatch));

	a->st.resets++;
	a->stretching = 0;
	a->wait_release = 0;
	if (a->x && a->phase != SIM_AVR_END) {
		/* cycle timers were wiped; the master sees a NACK or a bus error */
		a->x->result = a->phase == SIM_AVR_ADDR_W ? SIMBUS_ADDR_NACK : SIMBUS_BUS_ERROR;
		a->x->wacked = a->widx;
		a->done_cycle = a->avr->cycle + a->scl;
		a->phase = SIM_AVR_END;
	}
}

static int sim_avr_matches(struct sim_slave *s, uint8_t addr)
{
	return sim_avr_match(sim_avr_of(s), addr);
}

static void sim_avr_begin(struct sim_slave *s, struct sim_xfer *x, uint64_t now_ns)
{
	struct sim_avr *a = sim_avr_of(s);

	a->x = x;
	x->done = 0;
	a->widx = a->ridx = 0;
	a->bcm_short = a->read_slip = a->forced_nack = 0;
	a->slave_ack = 1;
	a->phase = (x->wlen || !sim_avr_reads(x)) ? SIM_AVR_ADDR_W : SIM_AVR_ADDR_R;
	if (a->stretching) {
		/* the slave still holds SCL from the last STOP/end of read */
		a->wait_release = 1;
		return;
	}
	/* START, then nine clocks of address */
	sim_avr_schedule(a, 10);
}

void sim_avr_set_bcm2835(struct sim_slave *s, uint32_t min_high_ns)
{
	struct sim_avr *a = sim_avr_of(s);

	a->bcm_min_high = min_high_ns;
	a->bcm_rng = 0x2835u + (uint32_t)s->name[strlen(s->name) - 1];   /* per board */
}

static void sim_avr_check_done(struct sim_avr *a)
{
	if (a->x && a->phase == SIM_AVR_END && a->avr->cycle >= a->done_cycle) {
		a->x->done = 1;
		a->x->done_ns = sim_cycles_to_ns(a->done_cycle, a->slave.freq);
		a->end_cycle = a->done_cycle;
		a->x = NULL;
		a->phase = SIM_AVR_IDLE;
	}
}

/*
 * Instructions simavr may run in one go. It stops a batch at the next cycle
 * timer (bus events, the slice end, the chip's own timers) and whenever an
 * interrupt is due, so timing is the same as one instruction per call; the
 * default of 1 spends most host time on the per-call bookkeeping. Single
 * steps are kept where an instruction boundary is watched (sleep watch,
 * crash trace).
 */
#define SIM_AVR_BATCH 1000000u

/* One instruction (and its interrupt), its PC and SP kept in the trace ring. */
static void sim_avr_trace(struct sim_avr *a)
{
	avr_t *avr = a->avr;

	a->trace_pc[a->trace_head] = avr->pc;
	a->trace_sp[a->trace_head] = (uint16_t)(avr->data[R_SPL] | avr->data[R_SPH] << 8);
	a->trace_head = (uint16_t)((a->trace_head + 1) % a->trace_len);
	if (a->trace_n < a->trace_len)
		a->trace_n++;
	avr->run(avr);
}

/*
 * The core is neither running nor sleeping: report it once. simavr stops a
 * core whose program counter leaves the flash (a return to a corrupted
 * address, or running through erased flash) and sets the PC to 0; on the
 * chip the PC wraps around and the program starts over from address 0 with
 * the I/O registers as they were. Unless told to stop, do what the chip
 * does. Returns 1 when the core runs again.
 */
static int sim_avr_down(struct sim_avr *a)
{
	avr_t *avr = a->avr;
	struct sim_slave_event *ev = &a->event;
	unsigned nerr;
	const char *msg = sim_avr_last_error(&nerr);

	if (a->down)
		return 0;
	a->down = 1;
	*ev = (struct sim_slave_event){
		.kind = avr->state == cpu_Crashed ? SIM_SLAVE_CRASHED : SIM_SLAVE_STOPPED,
		.pc = avr->pc,
		.sp = (uint16_t)(avr->data[R_SPL] | avr->data[R_SPH] << 8),
		.cycle = avr->cycle,
	};
	if (ev->kind == SIM_SLAVE_STOPPED)
		snprintf(ev->why, sizeof(ev->why), "SLEEP with interrupts off (state %d)",
			 avr->state);
	else if (avr->pc == 0)
		snprintf(ev->why, sizeof(ev->why), "the program counter left the flash "
			 "(%u bytes)", (unsigned)avr->flashend + 1);
	else if (nerr != a->log_seen)
		snprintf(ev->why, sizeof(ev->why), "%s", msg);
	a->log_seen = nerr;
	for (size_t i = strlen(ev->why); i > 0 && (ev->why[i - 1] == '\n' ||
						      ev->why[i - 1] == ' '); i--)
		ev->why[i - 1] = '\0';
	if (a->trace_n) {
		uint16_t first = (uint16_t)((a->trace_head + a->trace_len - a->trace_n) %
					    a->trace_len);

		for (uint16_t i = 0; i < a->trace_n; i++) {
			a->event_pc[i] = a->trace_pc[(first + i) % a->trace_len];
			a->event_sp[i] = a->trace_sp[(first + i) % a->trace_len];
		}
		ev->ntrace = a->trace_n;
		ev->trace_pc = a->event_pc;
		ev->trace_sp = a->event_sp;
		a->trace_n = 0;
	}
	a->st.crashes++;
	a->event_ready = 1;
	if (a->restart && ev->kind == SIM_SLAVE_CRASHED && avr->pc == 0) {
		avr->state = cpu_Running;
		a->down = 0;
		a->st.restarts++;
		ev->restarted = 1;
		return 1;
	}
	return 0;
}

static int sim_avr_poll_event(struct sim_slave *s, struct sim_slave_event *ev)
{
	struct sim_avr *a = sim_avr_of(s);

	if (!a->event_ready)
		return 0;
	a->event_ready = 0;
	*ev = a->event;
	return 1;
}

/* A no-op timer at the end of the slice: a sleeping core skips ahead only
 * to its next timer, and must not skip past the time the rig asked for. */
static avr_cycle_count_t sim_avr_slice_end(avr_t *avr, avr_cycle_count_t when, void *param)
{
	return 0;
}

static void sim_avr_advance(struct sim_slave *s, uint64_t t_ns)
{
	struct sim_avr *a = sim_avr_of(s);
	avr_t *avr = a->avr;
	uint64_t target = sim_ns_to_cycles(t_ns, s->freq);

	if (target <= avr->cycle)
		return;
	avr_cycle_timer_cancel(avr, sim_avr_slice_end, a);
	avr_cycle_timer_register(avr, target - avr->cycle, sim_avr_slice_end, a);

	while (avr->cycle < target) {
		if (avr->state != cpu_Running && avr->state != cpu_Sleeping) {
			if (sim_avr_down(a))
				continue;       /* it wrapped to 0 and runs on */
			/* stopped or crashed: time passes without it */
			avr->cycle = target;
			break;
		}
		if (a->trace_len) {
			sim_avr_trace(a);
		} else if (a->sleep_armed || a->pc_armed) {
			uint64_t before = avr->cycle;
			int was = avr->state;
			avr->run(avr);
			if (a->sleep_armed && was == cpu_Running && avr->state == cpu_Sleeping) {
				a->sleep_armed = 0;
				a->sleep_cycle = before;
				if (!a->pc_armed)
					avr->run_cycle_limit = SIM_AVR_BATCH;
			}
			if (a->pc_armed && avr->pc == a->watch_pc && avr->state == cpu_Running) {
				if (a->pc_hits < a->pc_max)
					a->pc_cycles[a->pc_hits] = avr->cycle;
				a->pc_hits++;
			}
		} else {
			avr->run(avr);
		}
		if (a->x && a->phase == SIM_AVR_END)
			sim_avr_check_done(a);
	}
	sim_avr_check_done(a);
}

static void sim_avr_reset(struct sim_slave *s)
{
	struct sim_avr *a = sim_avr_of(s);

	avr_reset(a->avr);
	a->down = 0;            /* a reset brings a stopped core back */
	/* the reset pin sets EXTRF in MCUSR (the register that holds WDRF);
	 * simavr's reset leaves it clear, but firmware reports it */
	if (a->wd)
		a->avr->data[a->wd->wdrf.reg] |= 1u << 1;
}

static void sim_avr_abort(struct sim_slave *s)
{
	struct sim_avr *a = sim_avr_of(s);

	avr_cycle_timer_cancel(a->avr, sim_avr_event, a);
	a->x = NULL;
	a->phase = SIM_AVR_IDLE;
	a->wait_release = 0;
}

/*
 * simavr 1.6's avr_terminate() frees the core's memories and io modules but
 * neither the core (avr_make_mcu_by_name() allocated it) nor the IRQs still
 * in its pool: the vectors', the io registers' and the core's own, each with
 * a copied name and the hooks registered on it. avr_free_irq(irq, n) frees
 * names and hooks, takes the IRQs out of the pool (a slot becomes NULL) and,
 * for an array from avr_alloc_irq() (every element flagged ALLOC), frees the
 * array: so an array goes in one call from its first element, which the pool
 * holds followed by the others in order (sim_irq.c adds them so).
 */
static void sim_avr_free_irqs(avr_irq_pool_t *pool)
{
	for (int i = 0; i < pool->count; i++) {
		avr_irq_t *q = pool->irq[i];
		int n = 1;

		if (!q)
			continue;
		if (q->flags & IRQ_FLAG_ALLOC)
			while (i + n < pool->count && pool->irq[i + n] == q + n)
				n++;
		avr_free_irq(q, (uint32_t)n);
	}
	free(pool->irq);
	pool->irq = NULL;
	pool->count = 0;
}

void sim_avr_free_core(avr_t *avr)
{
	if (!avr)
		return;
	avr_terminate(avr);
	sim_avr_free_irqs(&avr->irq_pool);
	free(avr);
}

void sim_avr_free_firmware(elf_firmware_t *fw)
{
	if (!fw)
		return;
	for (uint32_t i = 0; i < fw->symbolcount; i++)
		free(fw->symbol[i]);
	free(fw->symbol);
	free(fw->flash);
	free(fw->eeprom);
	free(fw->fuse);
	free(fw->lockbits);
	fw->symbol = NULL;
	fw->symbolcount = 0;
	fw->flash = fw->eeprom = fw->fuse = fw->lockbits = NULL;
}

static void sim_avr_destroy(struct sim_slave *s)
{
	struct sim_avr *a = sim_avr_of(s);

	if (!a)
		return;
	sim_avr_free_core(a->avr);
	sim_avr_free_firmware(&a->fw);
	free(a->trace_pc);
	free(a->trace_sp);
	free(a->event_pc);
	free(a->event_sp);
	free(a);
}

static const struct sim_slave_ops sim_avr_ops = {
	.kind = "avr",
	.matches = sim_avr_matches,
	.begin = sim_avr_begin,
	.advance = sim_avr_advance,
	.reset = sim_avr_reset,
	.abort = sim_avr_abort,
	.poll_event = sim_avr_poll_event,
	.destroy = sim_avr_destroy,
};

static avr_io_t *sim_avr_find_io(avr_t *avr, const char *kind)
{
	for (avr_io_t *io = avr->io_port; io; io = io->next)
		if (io->kind && strcmp(io->kind, kind) == 0)
			return io;
	return NULL;
}

/*
 * simavr 1.6 recomputes the watchdog period when the firmware changes the
 * prescaler of a running watchdog (wdt_enable(WDTO_15MS) after
 * wdt_enable(WDTO_1S), the usual "reset me now"), but keeps the timer armed
 * for the old period, so the reset comes up to a second late. After its own
 * hook ran, pull the pending watchdog timer in to the new period.
 */
static void sim_avr_wdt_write(avr_t *avr, avr_io_addr_t addr, uint8_t v, void *param)
{
	avr_watchdog_t *wd = param;
	avr_cycle_timer_slot_p t, wdt = NULL;

	if (!avr_regbit_get(avr, wd->wde) && !avr_regbit_get(avr, wd->watchdog.enable))
		return;
	/* two timers carry wd as parameter: the 4-cycle WDCE window and the
	 * watchdog period; the latter is the later one */
	for (t = avr->cycle_timers.timer; t; t = t->next)
		if (t->param == wd && (!wdt || t->when > wdt->when))
			wdt = t;
	if (wdt && wdt->when > avr->cycle + wd->cycle_count) {
		avr_cycle_timer_t fn = wdt->timer;

		avr_cycle_timer_cancel(avr, fn, wd);
		avr_cycle_timer_register(avr, wd->cycle_count, fn, wd);
	}
}

/*
 * Signature-row reads. The datasheet lets the LPM that follows a write of
 * SIGRD|SPMEN to SPMCSR (within three cycles) read the signature row instead
 * of flash. simavr 1.6 ignores SIGRD, so for that window the chip's serial
 * bytes are put over flash 0x0E..0x17 and the flash is restored afterwards.
 * Those bytes are interrupt vectors the firmware never enables, so nothing
 * else can fetch them inside the window.
 */
#define SIM_AVR_SIGRD  0x20
#define SIM_AVR_SPMEN  0x01
#define SIM_AVR_SERIAL_ADDR 0x0E

static avr_cycle_count_t sim_avr_sig_restore(avr_t *avr, avr_cycle_count_t when, void *param)
{
	struct sim_avr *a = param;

	if (a->sig_window) {
		memcpy(avr->flash + SIM_AVR_SERIAL_ADDR, a->saved, SIM_AVR_SERIAL_LEN);
		a->sig_window = 0;
	}
	return 0;
}

static void sim_avr_spmcsr_write(avr_t *avr, avr_io_addr_t addr, uint8_t v, void *param)
{
	struct sim_avr *a = param;

	if ((v & (SIM_AVR_SIGRD | SIM_AVR_SPMEN)) != (SIM_AVR_SIGRD | SIM_AVR_SPMEN))
		return;
	if (!a->sig_window) {
		memcpy(a->saved, avr->flash + SIM_AVR_SERIAL_ADDR, SIM_AVR_SERIAL_LEN);
		memcpy(avr->flash + SIM_AVR_SERIAL_ADDR, a->serial, SIM_AVR_SERIAL_LEN);
		a->sig_window = 1;
	}
	avr_cycle_timer_cancel(avr, sim_avr_sig_restore, a);
	avr_cycle_timer_register(avr, 4, sim_avr_sig_restore, a);
}

/* A serial number per simulated chip, stable for a given slave name. */
static void sim_avr_make_serial(uint8_t serial[SIM_AVR_SERIAL_LEN], const char *name)
{
	uint64_t h = 0xcbf29ce484222325ull;     /* FNV-1a 64 */

	for (const char *p = name; *p; p++)
		h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
	serial[0] = 0x5d;                       /* arbitrary, fixed lot byte */
	for (int i = 1; i < SIM_AVR_SERIAL_LEN; i++) {
		serial[i] = (uint8_t)(h >> 56);
		h = (h ^ (uint64_t)i) * 0x100000001b3ull;
	}
}

void sim_avr_set_serial(struct sim_slave *s, const uint8_t serial[SIM_AVR_SERIAL_LEN])
{
	memcpy(sim_avr_of(s)->serial, serial, SIM_AVR_SERIAL_LEN);
}

/*
 * A device note's description (binutils' avr device info, version 1): six
 * u32 (flash, SRAM, EEPROM start and size), the byte length of the offset
 * table that follows (its own field included), the offsets into the string
 * table after it; the first is the device name's.
 */
static int sim_avr_note_name(const uint8_t *d, uint32_t len, char *mcu, size_t n)
{
	uint32_t tab, name;
	size_t k = 0;

	if (len < 32)
		return -ENODATA;
	tab = duco_get_u32(d + 24);
	name = duco_get_u32(d + 28);
	if (tab < 8 || tab > len - 24 || name >= len - 24 - tab)
		return -ENODATA;
	for (const uint8_t *p = d + 24 + tab + name; p < d + len && *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) || k + 1 >= n)
			return -ENODATA;
		mcu[k++] = (char)*p;
	}
	mcu[k] = '\0';
	return k ? 0 : -ENODATA;
}

int sim_avr_image_mcu(const char *elf, char *mcu, size_t n)
{
	uint8_t eh[52], sh[40], notes[1024];
	uint32_t shoff;
	unsigned shentsize, shnum;
	int rc = -ENODATA;
	FILE *f = fopen(elf, "rb");

	if (!f)
		return -errno;
	/* ELF32, little-endian, EM_AVR (83): the field offsets are fixed */
	if (fread(eh, 1, sizeof(eh), f) != sizeof(eh) || memcmp(eh, "\177ELF\1\1", 6) ||
	    duco_get_u16(eh + 18) != 83) {
		fclose(f);
		return -ENOEXEC;
	}
	shoff = duco_get_u32(eh + 32);
	shentsize = duco_get_u16(eh + 46);
	shnum = duco_get_u16(eh + 48);
	for (unsigned i = 0; rc && shentsize >= sizeof(sh) && i < shnum; i++) {
		uint32_t off, size, at = 0;

		if (fseek(f, (long)(shoff + (uint64_t)i * shentsize), SEEK_SET) ||
		    fread(sh, 1, sizeof(sh), f) != sizeof(sh))
			break;
		if (duco_get_u32(sh + 4) != 7)          /* SHT_NOTE */
			continue;
		off = duco_get_u32(sh + 16);
		size = duco_get_u32(sh + 20);
		if (size > sizeof(notes) || fseek(f, (long)off, SEEK_SET) ||
		    fread(notes, 1, size, f) != size)
			continue;
		/* notes: namesz, descsz, type, name and desc each padded to 4 */
		while (rc && at <= size && size - at >= 12) {
			uint32_t nsz = duco_get_u32(notes + at), dsz = duco_get_u32(notes + at + 4);
			uint32_t type = duco_get_u32(notes + at + 8), d = at + 12 + ((nsz + 3) & ~3u);

			if (nsz > size || dsz > size || d > size || dsz > size - d)
				break;
			if (type == 1 && nsz == 4 && !memcmp(notes + at + 12, "AVR", 4))
				rc = sim_avr_note_name(notes + d, dsz, mcu, n);
			at = d + ((dsz + 3) & ~3u);
		}
	}
	fclose(f);
	return rc;
}

int sim_avr_create(struct sim_slave **out, const char *elf, const char *mcu,
		   uint32_t freq, uint32_t bus_hz, const char *name)
{
	struct sim_avr *a;
	int err;

	if (!freq || !bus_hz || bus_hz * 2u > freq)
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	avr_global_logger_set(sim_avr_logger);
	if (elf_read_firmware(elf, &a->fw) != 0) {
		err = -ENOENT;
		goto fail;
	}
	/* the image carries no .mmcu section: the caller says what it is */
	snprintf(a->fw.mmcu, sizeof(a->fw.mmcu), "%s", mcu);
	a->fw.frequency = freq;
	a->avr = avr_make_mcu_by_name(mcu);
	if (!a->avr) {
		err = -ENODEV;
		goto fail;
	}
	avr_init(a->avr);
	a->avr->log = LOG_ERROR;
	avr_load_firmware(a->avr, &a->fw);
	a->avr->frequency = freq;
	a->avr->sleep = sim_avr_noop_sleep;
	a->twi = (avr_twi_t *)sim_avr_find_io(a->avr, "twi");
	if (!a->twi) {
		err = -ENOTSUP;
		goto fail;
	}
	avr_register_io_write(a->avr, a->twi->r_twcr, sim_avr_twcr_write, a);
	a->wd = (avr_watchdog_t *)sim_avr_find_io(a->avr, "watchdog");
	if (a->wd)
		avr_register_io_write(a->avr, a->wd->wdce.reg, sim_avr_wdt_write, a->wd);
	a->flash = (avr_flash_t *)sim_avr_find_io(a->avr, "flash");
	if (a->flash)
		avr_register_io_write(a->avr, a->flash->r_spm, sim_avr_spmcsr_write, a);
	sim_avr_make_serial(a->serial, name);
	a->resetwatch = (avr_io_t){ .kind = "ducosim-bus", .reset = sim_avr_on_reset };
	avr_register_io(a->avr, &a->resetwatch);
	a->adc = (avr_adc_t *)sim_avr_find_io(a->avr, "adc");
	a->bandgap_mv_cur = ADC_VREF_V110;
	a->restart = 1;
	a->avr->run_cycle_limit = SIM_AVR_BATCH;

	a->scl = freq / bus_hz;
	a->slave = (struct sim_slave){ .ops = &sim_avr_ops, .freq = freq,
				       .bus_hz = bus_hz, .priv = a };
	snprintf(a->slave.name, sizeof(a->slave.name), "%s", name);
	sim_avr_set_analog(&a->slave, &(struct sim_avr_analog)SIM_AVR_ANALOG_DEFAULT);
	*out = &a->slave;
	return 0;
fail:
	sim_avr_destroy(&(struct sim_slave){ .priv = a });
	return err;
}

uint64_t sim_avr_cycle(struct sim_slave *s)
{
	return sim_avr_of(s)->avr->cycle;
}

void sim_avr_stats(struct sim_slave *s, struct sim_avr_stats *st)
{
	*st = sim_avr_of(s)->st;
}

uint8_t sim_avr_twi_addr(struct sim_slave *s)
{
	struct sim_avr *a = sim_avr_of(s);

	if (!avr_regbit_get(a->avr, a->twi->twen))
		return 0;
	return a->avr->data[a->twi->r_twar] >> 1;
}

int sim_avr_alive(struct sim_slave *s)
{
	int st = sim_avr_of(s)->avr->state;

	return st == cpu_Running || st == cpu_Sleeping;
}

uint64_t sim_avr_xfer_end_cycle(struct sim_slave *s)
{
	return sim_avr_of(s)->end_cycle;
}

void sim_avr_sleep_watch(struct sim_slave *s)
{
	struct sim_avr *a = sim_avr_of(s);

	a->sleep_armed = 1;
	a->sleep_cycle = 0;
	/* the SLEEP instruction's own cycle: one instruction per call */
	a->avr->run_cycle_limit = 1;
}

void sim_avr_pc_watch(struct sim_slave *s, uint32_t pc, uint64_t *cycles, uint32_t max)
{
	struct sim_avr *a = sim_avr_of(s);

	a->pc_armed = cycles != NULL;
	a->watch_pc = pc;
	a->pc_cycles = cycles;
	a->pc_max = max;
	a->pc_hits = 0;
	/* one instruction per call while armed, as for the sleep watch */
	a->avr->run_cycle_limit = a->pc_armed || a->sleep_armed ? 1 : SIM_AVR_BATCH;
}

uint32_t sim_avr_pc_hits(struct sim_slave *s)
{
	return sim_avr_of(s)->pc_hits;
}

void sim_avr_set_crash(struct sim_slave *s, int restart, uint16_t trace_len)
{
	struct sim_avr *a = sim_avr_of(s);

	a->restart = restart ? 1 : 0;
	free(a->trace_pc);
	free(a->trace_sp);
	free(a->event_pc);
	free(a->event_sp);
	a->trace_pc = a->event_pc = NULL;
	a->trace_sp = a->event_sp = NULL;
	a->trace_len = a->trace_head = a->trace_n = 0;
	a->avr->run_cycle_limit = a->sleep_armed ? 1 : SIM_AVR_BATCH;
	if (trace_len == 0)
		return;
	a->trace_pc = calloc(trace_len, sizeof(*a->trace_pc));
	a->event_pc = calloc(trace_len, sizeof(*a->event_pc));
	a->trace_sp = calloc(trace_len, sizeof(*a->trace_sp));
	a->event_sp = calloc(trace_len, sizeof(*a->event_sp));
	if (a->trace_pc && a->event_pc && a->trace_sp && a->event_sp) {
		a->trace_len = trace_len;
		a->avr->run_cycle_limit = 1;    /* every instruction seen */
	}
}

/*
 * The ATmega328P's temperature sensor, datasheet table "Temperature vs.
 * Sensor Output Voltage (typical case)": 242 mV at -45 C, 314 mV at 25 C,
 * 380 mV at 85 C, linear in between (and beyond, with the nearest slope).
 */
static double sim_avr_temp_mv(double temp_c)
{
	if (temp_c < 25)
		return 314.0 + (temp_c - 25.0) * (314.0 - 242.0) / 70.0;
	return 314.0 + (temp_c - 25.0) * (380.0 - 314.0) / 60.0;
}

/*
 * What simavr's ADC reads: AVcc (and AREF, which the boards leave to the
 * same supply) at the board's Vcc, the bandgap (ADMUX channel 14) and the
 * internal 1.1 V reference at the chip's bandgap voltage, the temperature
 * sensor (channel 8) at the datasheet's voltage for the die temperature.
 * simavr converts these millivolts with its own ADC = V * 1023 / Vref.
 */
void sim_avr_set_analog(struct sim_slave *s, const struct sim_avr_analog *an)
{
	struct sim_avr *a = sim_avr_of(s);
	double mv = sim_avr_temp_mv(an->temp_c);

	a->avr->vcc = a->avr->avcc = a->avr->aref = an->vcc_mv;
	if (!a->adc)
		return;
	a->adc->temp = (uint16_t)(mv < 0 ? 0 : mv + 0.5);
	/* the tables hold the bandgap as 1100 (mV) until set otherwise */
	for (size_t i = 0; i < sizeof(a->adc->ref_values) / sizeof(a->adc->ref_values[0]); i++)
		if (a->adc->ref_values[i] == a->bandgap_mv_cur)
			a->adc->ref_values[i] = an->bandgap_mv;
	for (size_t i = 0; i < sizeof(a->adc->muxmode) / sizeof(a->adc->muxmode[0]); i++)
		if (a->adc->muxmode[i].kind == ADC_MUX_REF &&
		    a->adc->muxmode[i].src == a->bandgap_mv_cur)
			a->adc->muxmode[i].src = an->bandgap_mv & 0x1fff;
	a->bandgap_mv_cur = an->bandgap_mv;
}

uint64_t sim_avr_sleep_cycle(struct sim_slave *s)
{
	return sim_avr_of(s)->sleep_cycle;
}
