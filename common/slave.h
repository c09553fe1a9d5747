/*
 * slave.h - the hardware-free I2C slave state machine of a ducorig slave.
 *
 * The only file that touches TWI registers (twi.c on the AVR, the bus model in
 * ducosim for host model slaves) turns bus states into the six events below;
 * this module turns them into protocol actions per common/duco_proto.h:
 * it buffers and checks write frames, keeps the status byte (state, REJECT,
 * sequence) and serves read frames. The event functions run in interrupt
 * context on the AVR, so each is a handful of table lookups and compares:
 * the CRC-8 of a write frame is accumulated byte by byte by table lookup,
 * a frame is fully checked (length, CRC, command, payload size, arguments)
 * at STOP, and what a read will send is prepared then, so serving a read
 * is copying prepared bytes and SCL is never stretched for long (the
 * driver releases the bus before the bookkeeping). Hashing, EEPROM writes,
 * resets and most rendering happen in the main loop, which
 * picks up accepted frames and publishes results through the functions
 * further down. Assumes C99, <stdint.h> and common/; on the AVR it uses
 * <util/atomic.h> for the few main-loop critical sections, on the host the
 * caller guarantees that events and main-loop calls never run concurrently
 * (ducosim drives each model slave from one thread).
 *
 * Events in (the AVR TWSR status code that produces each):
 *   slave_ev_addr_write(s)        0x60/0x68/0x70/0x78  addressed for write
 *   ack = slave_ev_rx_byte(s, b)  0x80/0x88/0x90/0x98  data byte received;
 *                                 returns 1 to ACK the next byte (TWEA=1),
 *                                 0 to NACK it. This version always ACKs:
 *                                 an overlong frame is swallowed and counted
 *                                 as an overrun, because a NACK would take
 *                                 the slave out of the addressed state and
 *                                 it would miss the STOP.
 *   b = slave_ev_addr_read(s)     0xA8/0xB0  addressed for read; returns the
 *                                 first byte to load into TWDR
 *   b = slave_ev_tx_byte(s)       0xB8  master ACKed; next byte for TWDR
 *   slave_ev_stop(s)              0xA0 STOP or repeated START while
 *                                 addressed, and 0xC0/0xC8 (end of a read)
 *   slave_ev_bus_error(s)         0x00 illegal START/STOP
 * The driver always re-arms with TWEA=1 (the slave stays addressable).
 *
 * Bytes out on a read (common/duco_proto.h "read frame"):
 *   status, crc8(status), len, body[len], crc8(status .. body[len-1]),
 * then 0xFF for any further byte the master clocks. The body is:
 *   - the 28-byte identity after an accepted IDENTIFY (until the next
 *     accepted frame of another kind);
 *   - else the oldest kept result (11 bytes) when one is kept (states
 *     DONE, BUSY_DONE, BUSY_QUEUED_DONE);
 *   - else, after an accepted HEALTH (until the next accepted frame), the
 *     13-byte health body once the main loop has published it;
 *   - else empty (len 0).
 * Everything a read sends is prepared ahead, so that serving it takes no
 * decision and no computation:
 *   - s->head: the status byte and its CRC, updated with every change of
 *     state, REJECT or sequence;
 *   - s->offer: the frame of the current view and state, rendered by
 *     duco_encode_read (followed by SLAVE_PAD_BYTE): an empty frame, the
 *     DUCO_SLOTS result frames (each rendered once, when its result is
 *     published, into a frame no kept result uses) and the identity frame, which holds the identity itself:
 *     a counter or the address changes in place and the frame's CRC is
 *     patched by the change alone (slave.c), a few table lookups. Its two
 *     status bytes are filled in by the read itself from s->head; the
 *     trailing CRC is right whatever they are, because crc8(x, crc8(x)) == 0
 *     for every byte x, so a status change never re-renders a frame.
 * A read latches head and offer when it is addressed: the status is always
 * readable, including while the main loop hashes, and a read never mixes
 * two states. Frames are never written while a read may be sending them:
 * events change them only between transactions, the main loop renders a
 * result only into a frame that no kept result uses (a frame is freed only
 * by a write frame, never during a read), and changes the identity in
 * place only when no read is sending it (else in the spare frame, offered
 * instead).
 *
 * Cursors, and what a driver's fast path may do. The frequent events need
 * only the prepared bytes above and two cursors, so a driver may serve
 * them without calling the event functions (twi.c does, in assembly),
 * provided it does exactly this and nothing else (test/fw/twi_paths.py and
 * test/sim check the firmware against the protocol; test/fw/test_slave.c
 * checks the C below):
 *   address+read, rx_state IDLE:  byte = head[0]; offer[1] = head[1];
 *                                 tx_ptr = offer + 1; tx_left = offer_left;
 *                                 tx_open = 1
 *   byte sent:                    byte = *tx_ptr;
 *                                 if (tx_left) { tx_left--; tx_ptr++; }
 *   end of read, rx_state IDLE:   tx_open = 0
 *   byte received:                if (rx_room) { rx_room--; *rx_ptr++ = b;
 *                                 rx_crc = duco_crc8_step(rx_crc, b); } ACK
 * each with events + 1. Those are slave_tx_open/_tx_next/_tx_close/
 * _rx_store in slave.c. Every decision (is a frame complete and good,
 * what does it do, which frame a read gets) is taken by the event
 * functions and the main-loop functions here, never by a driver.
 *
 * What an accepted write frame does at once, in the event (so a status read
 * in the same combined transaction, after a repeated START, sees it):
 *   every accepted frame: sequence + 1, REJECT cleared;
 *   JOB -> its job runs, nothing queued or kept; ABORT -> nothing runs,
 *   is queued or kept; CLEAR_ERR -> counters zeroed and ERROR left;
 *   IDENTIFY -> body becomes the identity;
 *   HEALTH -> body becomes empty until the main loop publishes the health
 *   body (slave_health_publish), which it then is (a kept result first);
 *   QUEUE (version 2) -> its job runs if none runs, else it is the queued
 *   job (replacing one); rejected when kept results + running + queued
 *   would exceed DUCO_SLOTS;
 *   DROP id (version 2) -> the running job with that id stops (the queued
 *   one runs instead), or the queued one is forgotten, or the kept result
 *   is (the next kept one is offered); an id that is none of these is a
 *   no-op.
 * The state follows from the fault flag, whether a job runs, one is
 * queued and results are kept (slave_state_now in slave.c). Each accepted
 * frame also tells the main loop what to do about its jobs
 * (slave_frame_act: enum slave_act); the event decides, the main loop
 * follows. A board initialised with protocol version 1 in its identity
 * rejects QUEUE and DROP as unknown commands (the version-1 firmware).
 * A rejected frame (bad CRC, length, unknown command, bad argument,
 * truncated by a STOP, overlong, bus error) sets REJECT, leaves the
 * sequence alone, is counted in crc_errors, frame_errors or overruns of the
 * identity, and is never executed. A frame that arrives while the previous
 * accepted frame has not yet been taken by the main loop is rejected too
 * (counted as an overrun): the master sees REJECT and an unchanged sequence
 * and sends it again; with a new frame checked between nonces this needs
 * two frames within one nonce time.
 *
 * Main loop (one accepted frame at a time, double buffered against the ISR):
 *   frame = slave_frame_take(s, &gen)   NULL when nothing is pending; else the
 *                                       checked frame (cmd, len, payload,
 *                                       crc), valid until slave_frame_release
 *   act = slave_frame_act(s)            what it does to the jobs (enum
 *                                       slave_act): START (hash the frame's
 *                                       job, generation gen, forget a queued
 *                                       one), QUEUE (keep the frame's job as
 *                                       the queued one), STOP (stop hashing,
 *                                       forget the queued one), PROMOTE (stop,
 *                                       hash the queued job, generation gen),
 *                                       UNQUEUE (forget the queued one), NONE
 *   ... act on it: SET_ADDR -> EEPROM, then retarget the TWI address (the
 *       frame was taken after its STOP); RESET -> watchdog reset ...
 *   slave_frame_release(s)
 *   slave_frame_pending(s)              cheap check between nonces
 *   slave_in_transfer(s), s->events     watchdog for a stalled transaction
 *   slave_publish_result(s, gen, &r)    result of the running job, started
 *                                       with gen: rendered into a free result
 *                                       frame, then kept (and offered if it is
 *                                       the oldest) in a short critical
 *                                       section, but only if no frame changed
 *                                       the running job since (returns
 *                                       -SLAVE_E_STALE then) and no frame
 *                                       waits (-SLAVE_E_PENDING: take it,
 *                                       then publish again); SLAVE_PROMOTED
 *                                       when the queued job runs from now on,
 *                                       with generation gen + 1 (the main
 *                                       loop starts it at once);
 *                                       also as slave_result_prepare(s, &r),
 *                                       then slave_result_publish(s, gen,
 *                                       elapsed_us), to read the timer after
 *                                       the rendering
 */
#ifndef DUCO_SLAVE_H
#define DUCO_SLAVE_H

#include <stdint.h>
#include "duco_proto.h"

#define SLAVE_RX_MAX   DUCO_MAX_WRITE_FRAME    /* largest write frame buffered */
/* Room given per frame: one byte more, so that an overlong frame shows as
 * a full buffer at STOP; later bytes are swallowed. */
#define SLAVE_RX_ROOM  (SLAVE_RX_MAX + 1)
#define SLAVE_PAD_BYTE 0xFF                     /* clocked out past the frame */

#if SLAVE_RX_MAX < DUCO_JOB_FRAME || SLAVE_RX_ROOM > 250
#error "slave: receive buffer must hold a JOB frame and fit a uint8_t count"
#endif

/* Return codes of the main-loop functions (errors negated). */
enum slave_err {
	SLAVE_OK       = 0,
	SLAVE_E_STALE  = 1,     /* the job was replaced or aborted meanwhile */
	SLAVE_E_PENDING = 2,    /* publish: a frame waits; take it first */
	SLAVE_PROMOTED = 3,     /* publish (positive): the queued job runs now */
};

/* What an accepted frame does to the main loop's jobs (decided by the event). */
enum slave_act {
	SLAVE_ACT_NONE = 0,     /* nothing (IDENTIFY, CLEAR_ERR, SET_ADDR, RESET,
	                           DROP of a kept result or of an unknown id) */
	SLAVE_ACT_START,        /* hash the frame's job now; forget a queued one
	                           (JOB; QUEUE while nothing ran) */
	SLAVE_ACT_QUEUE,        /* keep the frame's job as the queued one (QUEUE) */
	SLAVE_ACT_STOP,         /* stop hashing, forget a queued one (ABORT; DROP of
	                           the running job with nothing queued) */
	SLAVE_ACT_PROMOTE,      /* stop, hash the queued job now (DROP of the
	                           running job while one is queued) */
	SLAVE_ACT_UNQUEUE,      /* forget the queued job (DROP of it) */
};

/* Where the receiver is within a write transaction. */
enum slave_rx_state {
	SLAVE_RX_IDLE = 0,      /* not addressed for write */
	SLAVE_RX_FRAME,         /* collecting bytes of a frame (or swallowing
	                           them once the buffer is full) */
};

/* Which body a read frame carries. */
enum slave_view {
	SLAVE_VIEW_RESULT = 0,  /* result body when DONE, else empty */
	SLAVE_VIEW_IDENTITY,    /* identity body */
	SLAVE_VIEW_HEALTH,      /* a kept result, else the health body once
	                           published (slave_health_publish), else empty */
};

/* Identity body offsets of the fields this module keeps current. */
#define SLAVE_ID_CRC_ERRORS   18
#define SLAVE_ID_FRAME_ERRORS 20
#define SLAVE_ID_OVERRUNS     22
#define SLAVE_ID_JOBS_DONE    24
#define SLAVE_ID_I2C_ADDR     26

/* Rendered read frames (frame bytes + SLAVE_PAD_BYTE). */
#define SLAVE_EMPTY_FRAME    (DUCO_READ_FRAME_SIZE(0) + 1)
#define SLAVE_RESULT_FRAME   (DUCO_READ_FRAME_SIZE(DUCO_RESULT_BODY) + 1)
#define SLAVE_IDENTITY_FRAME (DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY) + 1)
#define SLAVE_HEALTH_FRAME   (DUCO_READ_FRAME_SIZE(DUCO_HEALTH_BODY) + 1)

struct slave {
	/* What twi.c's fast path reads and moves first (see "Cursors" above):
	 * the AVR reaches offsets 0..63 with one ldd/std. */
	uint8_t *rx_ptr;                   /* where the next frame byte goes */
	uint8_t rx_room;                   /* bytes it may still take; 0 when not
	                                      collecting a frame (or full) */
	uint8_t rx_crc;                    /* running CRC-8 of the frame so far */
	const uint8_t *tx_ptr;             /* next byte a read sends */
	uint8_t tx_left;                   /* bytes before the pad at tx_ptr[tx_left] */
	uint8_t tx_open;                   /* 1: addressed for read, no end yet */
	uint8_t head[2];                   /* status byte, crc8(status) */
	uint8_t *offer;                    /* frame a read gets (status bytes from head) */
	uint8_t offer_left;                /* its bytes after the status, before the pad */
	volatile uint8_t events;           /* + 1 per bus event (wraps) */

	/* receiver (ISR) */
	uint8_t rx_fill;                   /* index of the buffer being filled */
	uint8_t rx_state;                  /* enum slave_rx_state */
	volatile uint8_t pending;          /* 1: rx_buf[!rx_fill] awaits the main loop */
	volatile uint8_t pending_gen;      /* job generation when it was accepted */
	volatile uint8_t pending_act;      /* enum slave_act of that frame */

	/* status (written by the ISR and, in critical sections, the main loop) */
	volatile uint8_t state;            /* enum duco_state, from the four below */
	volatile uint8_t fault;            /* 1: ERROR (slave_set_error) */
	volatile uint8_t run;              /* 1: a job runs (its id: run_id) */
	volatile uint8_t queued;           /* 1: a job waits (its id: next_id) */
	volatile uint8_t nheld;            /* results kept, in held[] oldest first */
	uint8_t held[DUCO_SLOTS];          /* result_frame indices */
	uint8_t run_id[2], next_id[2];     /* job ids as on the wire */
	uint8_t v2;                        /* 1: speaks version 2 (QUEUE, DROP) */
	uint8_t render;                    /* result frame being prepared */
	volatile uint8_t reject;           /* 1: last write frame rejected */
	volatile uint8_t seq;              /* accepted frames, mod 16 */
	volatile uint8_t view;             /* enum slave_view */
	volatile uint8_t job_gen;          /* + 1 whenever the running job changes */
	volatile uint8_t id_ver;           /* + 1 per change of the identity */
	uint8_t err_crc;                   /* the identity CRC change zeroing the
	                                      error counters makes (slave.c) */
	uint8_t done_next[2];              /* jobs_done after the prepared result */
	uint8_t done_delta;                /* ... and its identity CRC change */
	uint8_t *id_frame;                 /* the identity frame; its body (at
	                                      + DUCO_READ_HEAD) is the identity */

	uint8_t empty_frame[SLAVE_EMPTY_FRAME];
	uint8_t result_frame[DUCO_SLOTS][SLAVE_RESULT_FRAME];  /* kept + one rendering */
	uint8_t identity_frame[2][SLAVE_IDENTITY_FRAME]; /* id_frame and a spare */
	uint8_t rx_buf[2][SLAVE_RX_ROOM];  /* ping-pong: one filling, one pending */
	volatile uint8_t health_ready;     /* 1: health_frame answers the last HEALTH */
	uint8_t health_frame[SLAVE_HEALTH_FRAME];
};

/*
 * Start idle, sequence 0, identity from *id (its counters are taken as the
 * starting values; its slots field is set from its protocol version: a
 * version-1 identity makes a version-1 slave). Call before enabling the
 * TWI interrupt.
 */
void slave_init(struct slave *s, const struct duco_identity *id);

/* --- events (interrupt context on the AVR) ------------------------------ */
/* (Declared here except where the including file inlines slave.c itself.) */
#if !defined(SLAVE_EV_INLINE)
void    slave_ev_addr_write(struct slave *s);
uint8_t slave_ev_rx_byte(struct slave *s, uint8_t b);
uint8_t slave_ev_addr_read(struct slave *s);
uint8_t slave_ev_tx_byte(struct slave *s);
void    slave_ev_stop(struct slave *s);
void    slave_ev_bus_error(struct slave *s);
#endif

/* --- main loop ---------------------------------------------------------- */
static inline uint8_t slave_frame_pending(const struct slave *s)
{
	return s->pending;
}
const uint8_t *slave_frame_take(struct slave *s, uint8_t *gen);
/* enum slave_act of the frame slave_frame_take returned. */
static inline uint8_t slave_frame_act(const struct slave *s)
{
	return s->pending_act;
}
void slave_frame_release(struct slave *s);
/*
 * Result of the running job of generation gen. Returns SLAVE_OK (kept;
 * nothing queued, the main loop idles), SLAVE_PROMOTED (kept; the queued
 * job runs from now on with generation gen + 1), -SLAVE_E_STALE (a frame
 * changed the running job after gen: dropped), -SLAVE_E_PENDING (a frame
 * waits: take and act on it, then publish again).
 */
int  slave_publish_result(struct slave *s, uint8_t gen, const struct duco_result *r);
/*
 * The same in two steps, for a caller that reads its timer after the
 * rendering (the firmware: elapsed_us then covers it): prepare renders r
 * (its elapsed_us is replaced), publish sets elapsed_us and keeps it;
 * after -SLAVE_E_PENDING publish may be called again (with a new time).
 */
void slave_result_prepare(struct slave *s, const struct duco_result *r);
int  slave_result_publish(struct slave *s, uint8_t gen, uint32_t elapsed_us);
/* Enter the ERROR state (internal fault, e.g. a failed self-test): nothing
 * runs or is queued any more; kept results stay readable. */
void slave_set_error(struct slave *s);
/*
 * Answer the HEALTH frame just taken (call before slave_frame_release):
 * h rendered into the health frame, offered from then on while the view
 * is HEALTH. No read sends that frame now: the HEALTH frame's acceptance
 * closed any read and offers the empty frame until this call.
 */
void slave_health_publish(struct slave *s, const struct duco_health *h);
/* Record the I2C address now in use in the identity. */
void slave_set_addr(struct slave *s, uint8_t addr);
/*
 * 1 while a transaction is open (addressed, no STOP yet). With
 * slave->events the main loop can see a transaction that stopped moving
 * (master gone mid-transfer, slave holding SDA) and reset its TWI, giving
 * the state machine a bus-error event, which discards the half frame.
 */
static inline uint8_t slave_in_transfer(const struct slave *s)
{
	return s->rx_state != SLAVE_RX_IDLE || s->tx_open;
}
/* The status byte as a read would return it now. */
uint8_t slave_status(const struct slave *s);
/* Error counter from the identity (offset SLAVE_ID_*). */
uint16_t slave_counter(const struct slave *s, uint8_t offset);

#endif
