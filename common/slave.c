/*
 * slave.c - the hardware-free I2C slave state machine (see slave.h).
 *
 * Runs its event functions from the TWI interrupt on the AVR and from
 * ducosim's bus model on the host, so every event does a bounded, small
 * amount of work: one CRC table lookup per byte, at STOP a few compares on
 * the already accumulated CRC and length, and when the frame changed what a
 * read shows, one render of the read frame. Assumes the caller serialises
 * events (one interrupt, or one simulator thread); main-loop functions
 * guard their multi-byte updates with SLAVE_CRITICAL, which is a real
 * interrupt lock only on the AVR.
 */
#include "slave.h"
#include "duco_crc8.h"

/*
 * On the AVR, twi.c includes this file with SLAVE_EV_INLINE defined: the
 * event functions and their helpers then inline into its C handlers, which
 * saves a call and a return per event; the few SLAVE_OUTLINE functions
 * stay single copies (the handlers call the frame-rule check anyway, so
 * avr-gcc saves the call-clobbered registers there in any case).
 */
#if defined(SLAVE_EV_INLINE)
#define SLAVE_EV     static inline __attribute__((always_inline))
#define SLAVE_HELPER static inline __attribute__((always_inline))
#else
#define SLAVE_EV
#define SLAVE_HELPER static
#endif
/* Shared by several events and the main loop, or rare: one copy. */
#define SLAVE_OUTLINE static __attribute__((noinline))

#if defined(__AVR__)
#include <util/atomic.h>
#define SLAVE_CRITICAL ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
#else
#define SLAVE_CRITICAL  /* host: events and main loop share one thread */
#endif

/* --- read frames ----------------------------------------------------------- */

/*
 * Render body into f with duco_encode_read, then the pad byte. The status
 * bytes are left 0: a read fills them in from s->head, and the trailing
 * CRC holds for any status (slave.h).
 */
SLAVE_OUTLINE void slave_render(uint8_t *f, const uint8_t *body, uint8_t len)
{
	f[duco_encode_read(f, 0, body, len)] = SLAVE_PAD_BYTE;
}

/*
 * The identity lives in its rendered frame (the body at id_frame + 3) and
 * changes in place, its trailing CRC patched rather than recomputed:
 * CRC-8 is linear (crc(a ^ b) == crc(a) ^ crc(b) for messages of one
 * length), so XOR-ing d[0..n-1] into the body at off changes the CRC by
 * the CRC of d followed by the body bytes after it as zeros: 28 - off
 * table steps, whatever n. A counter step costs at most ten lookups, not a
 * 29-byte render. The same linearity keeps CLEAR_ERR cheap: err_crc is the
 * XOR of every change made to the error counters since they were last
 * zero, i.e. exactly the CRC change that zeroing them makes.
 */
#define SLAVE_ID_ERRS (SLAVE_ID_JOBS_DONE - SLAVE_ID_CRC_ERRORS)   /* 3 counters */

/* The CRC change of XOR-ing d[0..n-1] into a body of len bytes at off. */
SLAVE_HELPER uint8_t slave_crc_change_in(uint8_t off, const uint8_t *d, uint8_t n, uint8_t len)
{
	uint8_t r = 0, i;

	for (i = 0; i < n; i++)
		r = duco_crc8_step(r, d[i]);
	for (i = (uint8_t)(off + n); i < len; i++)
		r = duco_crc8_step(r, 0);
	return r;
}

/* ... in the identity body. */
SLAVE_HELPER uint8_t slave_crc_change(uint8_t off, const uint8_t *d, uint8_t n)
{
	return slave_crc_change_in(off, d, n, DUCO_IDENTITY_BODY);
}

/* Event context (no read open): little-endian increment of an error
 * counter, saturating. Inline: a call would make the STOP handler save
 * every call-clobbered register on every frame. */
SLAVE_HELPER void slave_count(struct slave *s, uint8_t offset)
{
	uint8_t *p = s->id_frame + DUCO_READ_HEAD + offset, d[2], delta;

	if (p[0] != 0xff) {
		d[0] = (uint8_t)(p[0] ^ (p[0] + 1));
		d[1] = 0;
		p[0]++;
	} else if (p[1] != 0xff) {
		d[0] = 0xff;
		d[1] = (uint8_t)(p[1] ^ (p[1] + 1));
		p[0] = 0;
		p[1]++;
	} else {
		return;
	}
	delta = slave_crc_change(offset, d, 2);
	s->id_frame[DUCO_READ_HEAD + DUCO_IDENTITY_BODY] ^= delta;
	s->err_crc ^= delta;
	s->id_ver++;
}

/* Event context: the three error counters to 0 (CLEAR_ERR). */
SLAVE_HELPER void slave_clear_counters(struct slave *s)
{
	uint8_t *b = s->id_frame + DUCO_READ_HEAD;      /* once: stores may alias it */

	/* written out: no loop in the STOP handler */
	b[SLAVE_ID_CRC_ERRORS] = b[SLAVE_ID_CRC_ERRORS + 1] = 0;
	b[SLAVE_ID_FRAME_ERRORS] = b[SLAVE_ID_FRAME_ERRORS + 1] = 0;
	b[SLAVE_ID_OVERRUNS] = b[SLAVE_ID_OVERRUNS + 1] = 0;
	b[DUCO_IDENTITY_BODY] ^= s->err_crc;
	s->err_crc = 0;
	s->id_ver++;
}

/*
 * The state as the status byte shows it: a fault hides the rest; else
 * whether a job runs, one waits and results are kept (duco_proto.h; a
 * version-1 slave never queues and keeps at most one result, so it only
 * shows IDLE, BUSY, DONE and ERROR).
 */
SLAVE_HELPER uint8_t slave_state_now(const struct slave *s)
{
	if (s->fault)
		return DUCO_ST_ERROR;
	if (!s->run)
		return s->nheld ? DUCO_ST_DONE : DUCO_ST_IDLE;
	if (s->queued)
		return s->nheld ? DUCO_ST_BUSY_QUEUED_DONE : DUCO_ST_BUSY_QUEUED;
	return s->nheld ? DUCO_ST_BUSY_DONE : DUCO_ST_BUSY;
}

/* The status bytes a read sends, after any change of state, REJECT or seq. */
SLAVE_HELPER void slave_head_update(struct slave *s)
{
	uint8_t st = DUCO_STATUS_MAKE(s->state, s->reject, s->seq);

	s->head[0] = st;
	s->head[1] = duco_crc8_step(0, st);
}

/* Offer the frame of the current view and state, with the status bytes. */
SLAVE_HELPER void slave_offer_update(struct slave *s)
{
	s->state = slave_state_now(s);
	slave_head_update(s);
	if (s->view == SLAVE_VIEW_IDENTITY) {
		s->offer = s->id_frame;
		s->offer_left = SLAVE_IDENTITY_FRAME - 2;
	} else if (s->view == SLAVE_VIEW_HEALTH && !s->nheld && s->health_ready) {
		s->offer = s->health_frame;
		s->offer_left = SLAVE_HEALTH_FRAME - 2;
	} else if (s->nheld) {
		s->offer = s->result_frame[s->held[0]];
		s->offer_left = SLAVE_RESULT_FRAME - 2;
	} else {
		s->offer = s->empty_frame;
		s->offer_left = SLAVE_EMPTY_FRAME - 2;
	}
}

SLAVE_HELPER void slave_reject(struct slave *s, uint8_t counter)
{
	slave_count(s, counter);
	s->reject = 1;
}

/* 1 while a read is sending from frame f (its cursor is inside f). */
SLAVE_HELPER uint8_t slave_sending(const struct slave *s, const uint8_t *f, uint8_t size)
{
	uintptr_t at = (uintptr_t)f, p = (uintptr_t)s->tx_ptr;

	return s->tx_open && p >= at && p < at + size;
}

/*
 * Main loop: identity bytes off .. off + n - 1 := v[], bytes only the main
 * loop writes (the address, jobs_done). In place when no read is sending the
 * identity frame, inside one short critical section (events patch their
 * counters in the same frame, and the XOR of our CRC change commutes with
 * theirs); else into a copy, offered instead, done again if an event
 * changed the identity meanwhile.
 */
static void slave_identity_set(struct slave *s, uint8_t off, const uint8_t *v, uint8_t n)
{
	uint8_t d[2], delta, done = 0, ver = 0, *f = 0, i;

	for (i = 0; i < n; i++)
		d[i] = (uint8_t)(s->id_frame[DUCO_READ_HEAD + off + i] ^ v[i]);
	delta = slave_crc_change(off, d, n);
	while (!done) {
		SLAVE_CRITICAL {
			f = s->id_frame;
			ver = s->id_ver;
			if (!slave_sending(s, f, SLAVE_IDENTITY_FRAME)) {
				for (i = 0; i < n; i++)
					f[DUCO_READ_HEAD + off + i] = v[i];
				f[DUCO_READ_HEAD + DUCO_IDENTITY_BODY] ^= delta;
				s->id_ver++;
				done = 1;
			}
		}
		if (done)
			break;
		/* One read at a time: the other frame is free. Events write the
		 * sent one only after that read, and then count in id_ver. */
		uint8_t *c = s->identity_frame[f == s->identity_frame[0]];

		for (i = 0; i < SLAVE_IDENTITY_FRAME; i++)
			c[i] = f[i];
		for (i = 0; i < n; i++)
			c[DUCO_READ_HEAD + off + i] = v[i];
		c[DUCO_READ_HEAD + DUCO_IDENTITY_BODY] ^= delta;
		SLAVE_CRITICAL {
			if (s->id_ver == ver) {
				s->id_frame = c;
				s->id_ver++;
				if (s->view == SLAVE_VIEW_IDENTITY)
					s->offer = c;
				done = 1;
			}
		}
	}
}

/*
 * The cursor steps a driver's fast path may perform itself (slave.h,
 * "Cursors"): no decisions, only the prepared bytes.
 */
SLAVE_HELPER uint8_t slave_tx_open(struct slave *s)
{
	s->offer[1] = s->head[1];
	s->tx_ptr = s->offer + 1;
	s->tx_left = s->offer_left;
	s->tx_open = 1;
	return s->head[0];
}

SLAVE_HELPER uint8_t slave_tx_next(struct slave *s)
{
	uint8_t b = *s->tx_ptr;

	if (s->tx_left) {
		s->tx_left--;
		s->tx_ptr++;
	}
	return b;
}

SLAVE_HELPER void slave_tx_close(struct slave *s)
{
	s->tx_open = 0;
}

SLAVE_HELPER void slave_rx_store(struct slave *s, uint8_t b)
{
	s->rx_room--;
	*s->rx_ptr++ = b;
	s->rx_crc = duco_crc8_step(s->rx_crc, b);
}

void slave_init(struct slave *s, const struct duco_identity *id)
{
	uint8_t *p = (uint8_t *)s, body[DUCO_IDENTITY_BODY];
	struct duco_identity own = *id;

	for (uint16_t i = 0; i < sizeof(*s); i++)
		p[i] = 0;
	s->state = DUCO_ST_IDLE;
	s->rx_state = SLAVE_RX_IDLE;
	s->view = SLAVE_VIEW_RESULT;
	s->rx_ptr = s->rx_buf[0];
	s->v2 = id->proto_version >= DUCO_PROTO_V2;
	own.slots = s->v2 ? DUCO_SLOTS : 0;
	slave_render(s->empty_frame, 0, 0);
	duco_encode_identity_body(body, &own);
	s->id_frame = s->identity_frame[0];
	slave_render(s->id_frame, body, DUCO_IDENTITY_BODY);
	s->err_crc = slave_crc_change(SLAVE_ID_CRC_ERRORS, body + SLAVE_ID_CRC_ERRORS,
				      SLAVE_ID_ERRS);
	slave_offer_update(s);
	s->tx_ptr = s->offer + s->offer_left + 1;      /* a stray byte-sent: pad */
}

/* --- receiver ------------------------------------------------------------ */

/* 1 when result frame i holds the result of job id (2 bytes as on the wire). */
SLAVE_HELPER uint8_t slave_keeps(const struct slave *s, uint8_t i, const uint8_t *id)
{
	const uint8_t *b = s->result_frame[i] + DUCO_READ_HEAD;

	return b[0] == id[0] && b[1] == id[1];
}

/* DROP of a kept result: out of held[], order kept (written out, no loop). */
SLAVE_HELPER void slave_unkeep(struct slave *s, const uint8_t *id)
{
	uint8_t n = s->nheld;

	if (n > 0 && slave_keeps(s, s->held[0], id)) {
		s->held[0] = s->held[1];
		s->held[1] = s->held[2];
	} else if (n > 1 && slave_keeps(s, s->held[1], id)) {
		s->held[1] = s->held[2];
	} else if (!(n > 2 && slave_keeps(s, s->held[2], id))) {
		return;         /* not kept: nothing to forget */
	}
	s->nheld = (uint8_t)(n - 1);
}

/* End of a write transaction: check the frame, act on it, re-render. */
SLAVE_HELPER void slave_rx_finish(struct slave *s)
{
	uint8_t *f = s->rx_buf[s->rx_fill];
	uint8_t n = (uint8_t)(SLAVE_RX_ROOM - s->rx_room);
	uint8_t counter, act;
	int8_t want;

	s->rx_state = SLAVE_RX_IDLE;
	s->rx_room = 0;
	if (n > SLAVE_RX_MAX) { /* the spare byte was taken: overlong */
		counter = SLAVE_ID_OVERRUNS;
		goto reject;
	}
	if (n == 0)
		return;         /* address-only write (bus scan): not a frame */
	counter = SLAVE_ID_FRAME_ERRORS;
	if (n < DUCO_FRAME_OVERHEAD || n != (uint8_t)(f[1] + DUCO_FRAME_OVERHEAD))
		goto reject;    /* truncated or padded */
	if (s->rx_crc != 0) {   /* CRC over frame + its CRC byte leaves 0 */
		counter = SLAVE_ID_CRC_ERRORS;
		goto reject;
	}
	want = duco_payload_len(f[0]);
	if (want < 0 || (uint8_t)want != f[1] || !duco_frame_args_ok(f))
		goto reject;
	if (f[0] >= DUCO_CMD_QUEUE) {
		if (!s->v2)     /* version 1: an unknown command */
			goto reject;
		/* room for the new job: a queued one it replaces keeps the count */
		if (f[0] == DUCO_CMD_QUEUE &&
		    (uint8_t)(s->nheld + (s->run ? 2 : 1)) > DUCO_SLOTS)
			goto reject;
	}
	if (s->pending) {       /* main loop has not taken the previous one */
		counter = SLAVE_ID_OVERRUNS;
		goto reject;
	}

	s->reject = 0;
	s->seq = (uint8_t)((s->seq + 1) & 0x0f);
	s->view = SLAVE_VIEW_RESULT;
	act = SLAVE_ACT_NONE;
	switch (f[0]) {
	case DUCO_CMD_JOB:      /* version 1's job: everything else goes */
		s->nheld = 0;
		/* fall through */
	case DUCO_CMD_QUEUE:
		s->fault = 0;   /* as version 1: a faulty main loop sets it again */
		if (s->run && f[0] == DUCO_CMD_QUEUE) {
			s->next_id[0] = f[2];
			s->next_id[1] = f[3];
			s->queued = 1;
			act = SLAVE_ACT_QUEUE;
			break;
		}
		s->job_gen++;
		s->run_id[0] = f[2];
		s->run_id[1] = f[3];
		s->run = 1;
		s->queued = 0;
		act = SLAVE_ACT_START;
		break;
	case DUCO_CMD_ABORT:
		s->job_gen++;
		s->fault = 0;
		s->run = 0;
		s->queued = 0;
		s->nheld = 0;
		act = SLAVE_ACT_STOP;
		break;
	case DUCO_CMD_DROP:
		if (s->run && f[2] == s->run_id[0] && f[3] == s->run_id[1]) {
			s->job_gen++;
			if (s->queued) {
				s->run_id[0] = s->next_id[0];
				s->run_id[1] = s->next_id[1];
				s->queued = 0;
				act = SLAVE_ACT_PROMOTE;
			} else {
				s->run = 0;
				act = SLAVE_ACT_STOP;
			}
		} else if (s->queued && f[2] == s->next_id[0] && f[3] == s->next_id[1]) {
			s->queued = 0;
			act = SLAVE_ACT_UNQUEUE;
		} else {
			slave_unkeep(s, f + 2);
		}
		break;
	case DUCO_CMD_IDENTIFY:
		s->view = SLAVE_VIEW_IDENTITY;
		break;
	case DUCO_CMD_HEALTH:   /* the main loop measures and publishes */
		s->view = SLAVE_VIEW_HEALTH;
		s->health_ready = 0;
		break;
	case DUCO_CMD_CLEAR_ERR:
		slave_clear_counters(s);
		s->fault = 0;
		break;
	default:                /* SET_ADDR, RESET: done by the main loop */
		break;
	}
	s->pending_act = act;
	s->pending_gen = s->job_gen;
	s->rx_fill ^= 1;
	s->pending = 1;
	slave_offer_update(s);
	return;
reject:                 /* one place, so the counting is inlined once */
	slave_reject(s, counter);
	slave_head_update(s);   /* a refused frame changes no state and no view */
}

/*
 * Frames end at STOP or repeated START (slave_ev_stop, inlined where the
 * driver handles it); a frame still open at the next address event means
 * the driver reports no STOP for a repeated START (the AVR's TWI does), so
 * there the check is an out-of-line call.
 */
SLAVE_OUTLINE void slave_rx_finish_late(struct slave *s)
{
	slave_rx_finish(s);
}

SLAVE_EV void slave_ev_addr_write(struct slave *s)
{
	s->events++;
	slave_tx_close(s);
	/* A repeated START straight into another write ends the previous one. */
	if (s->rx_state != SLAVE_RX_IDLE)
		slave_rx_finish_late(s);
	s->rx_state = SLAVE_RX_FRAME;
	s->rx_ptr = s->rx_buf[s->rx_fill];
	s->rx_room = SLAVE_RX_ROOM;
	s->rx_crc = 0;
}

SLAVE_EV uint8_t slave_ev_rx_byte(struct slave *s, uint8_t b)
{
	s->events++;
	if (s->rx_room)
		slave_rx_store(s, b);
	return 1;               /* a full buffer (or none) swallows the byte */
}

/* --- transmitter --------------------------------------------------------- */

SLAVE_EV uint8_t slave_ev_addr_read(struct slave *s)
{
	s->events++;
	/* write, repeated START, read: the write frame ends here */
	if (s->rx_state != SLAVE_RX_IDLE)
		slave_rx_finish_late(s);
	return slave_tx_open(s);
}

SLAVE_EV uint8_t slave_ev_tx_byte(struct slave *s)
{
	s->events++;
	return slave_tx_next(s);
}

/* --- end of transaction, errors ------------------------------------------ */

SLAVE_EV void slave_ev_stop(struct slave *s)
{
	s->events++;
	slave_tx_close(s);
	if (s->rx_state != SLAVE_RX_IDLE)
		slave_rx_finish(s);
}

#if defined(SLAVE_EV_INLINE)
/*
 * slave_ev_stop for a handler that calls out anyway (twi.c's slow one, which
 * saves every call-clobbered register already): the frame check out of
 * line, so the firmware holds two copies of it, not three.
 */
SLAVE_OUTLINE void slave_ev_stop_late(struct slave *s)
{
	s->events++;
	slave_tx_close(s);
	if (s->rx_state != SLAVE_RX_IDLE)
		slave_rx_finish_late(s);
}
#endif

SLAVE_EV void slave_ev_bus_error(struct slave *s)
{
	s->events++;
	slave_tx_close(s);
	/* Whatever was being received cannot be trusted. */
	if (s->rx_state != SLAVE_RX_IDLE) {
		slave_reject(s, SLAVE_ID_FRAME_ERRORS);
		slave_head_update(s);
	}
	s->rx_state = SLAVE_RX_IDLE;
	s->rx_room = 0;
}

/* --- main loop ----------------------------------------------------------- */

const uint8_t *slave_frame_take(struct slave *s, uint8_t *gen)
{
	if (!s->pending)
		return 0;
	/* pending is only set by the ISR after the buffer flip, so both are stable */
	if (gen)
		*gen = s->pending_gen;
	return s->rx_buf[s->rx_fill ^ 1];
}

void slave_frame_release(struct slave *s)
{
	s->pending = 0;
}

/*
 * A result in two steps, so that the firmware reads its timer after the
 * rendering: prepare renders r into a result frame no kept result uses
 * (events offer only kept ones, and only free them, so it stays ours) and
 * works out the identity change publishing will make (jobs_done + 1,
 * saturating; the main loop's alone, so it stays right until then);
 * publish patches elapsed_us into it (the last four body bytes: their CRC
 * change is the CRC of the change, four lookups) and keeps it.
 */
void slave_result_prepare(struct slave *s, const struct duco_result *r)
{
	struct duco_result untimed = *r;
	uint8_t body[DUCO_RESULT_BODY], d[2], used = 0, i;
	const uint8_t *done_at = s->id_frame + DUCO_READ_HEAD + SLAVE_ID_JOBS_DONE;
	uint16_t done = (uint16_t)(done_at[0] | done_at[1] << 8);

	SLAVE_CRITICAL {
		for (i = 0; i < s->nheld; i++)
			used |= (uint8_t)(1u << s->held[i]);
	}
	/* a job runs, so at most DUCO_SLOTS - 1 are kept and one is free
	 * (the bound only keeps a broken caller inside the array) */
	for (i = 0; i < DUCO_SLOTS - 1 && (used & (1u << i)); i++)
		;
	s->render = i;
	untimed.elapsed_us = 0;         /* publish XORs the real one in */
	duco_encode_result_body(body, &untimed);
	slave_render(s->result_frame[i], body, DUCO_RESULT_BODY);
	if (done != 0xffff)
		done++;
	s->done_next[0] = (uint8_t)done;
	s->done_next[1] = (uint8_t)(done >> 8);
	d[0] = (uint8_t)(done_at[0] ^ s->done_next[0]);
	d[1] = (uint8_t)(done_at[1] ^ s->done_next[1]);
	s->done_delta = slave_crc_change(SLAVE_ID_JOBS_DONE, d, 2);
}

int slave_result_publish(struct slave *s, uint8_t gen, uint32_t elapsed_us)
{
	uint8_t counted = 0, d[4], i;
	uint8_t *b = s->result_frame[s->render] + DUCO_READ_HEAD;
	uint8_t *e = b + DUCO_RESULT_ELAPSED, *id;
	int rc = -SLAVE_E_STALE;

	/* the CRC changes by the CRC of the change of the four bytes that
	 * end the body (written out: this runs after the timer read); from 0
	 * after prepare, from the last try's time after -SLAVE_E_PENDING */
	duco_put_u32(d, elapsed_us);
	for (i = 0; i < 4; i++) {
		d[i] ^= e[i];
		e[i] ^= d[i];
	}
	b[DUCO_RESULT_BODY] ^= duco_crc8_step(duco_crc8_step(duco_crc8_step(
		duco_crc8_step(0, d[0]), d[1]), d[2]), d[3]);
	/* Two short critical sections rather than one long one (each delays
	 * the TWI interrupt by its length): keeping the result (and starting
	 * the queued job), then the offer, derived from whatever the state is
	 * by then, with jobs_done counted in place unless a read is sending
	 * the identity frame. A waiting frame is acted on first: it may be the
	 * QUEUE of the job that would start here, not yet in the main loop's
	 * hands. */
	SLAVE_CRITICAL {
		if (s->job_gen != gen || !s->run || s->fault) {
			rc = -SLAVE_E_STALE;
		} else if (s->pending) {
			rc = -SLAVE_E_PENDING;
		} else {
			s->held[s->nheld++] = s->render;
			if (s->queued) {
				s->run_id[0] = s->next_id[0];
				s->run_id[1] = s->next_id[1];
				s->queued = 0;
				s->job_gen++;
				rc = SLAVE_PROMOTED;
			} else {
				s->run = 0;
				rc = SLAVE_OK;
			}
		}
	}
	if (rc < 0)
		return rc;
	SLAVE_CRITICAL {
		slave_offer_update(s);
		id = s->id_frame;
		if (!slave_sending(s, id, SLAVE_IDENTITY_FRAME)) {
			id[DUCO_READ_HEAD + SLAVE_ID_JOBS_DONE] = s->done_next[0];
			id[DUCO_READ_HEAD + SLAVE_ID_JOBS_DONE + 1] = s->done_next[1];
			id[DUCO_READ_HEAD + DUCO_IDENTITY_BODY] ^= s->done_delta;
			s->id_ver++;
			counted = 1;
		}
	}
	if (!counted)
		slave_identity_set(s, SLAVE_ID_JOBS_DONE, s->done_next, 2);
	return rc;
}

int slave_publish_result(struct slave *s, uint8_t gen, const struct duco_result *r)
{
	slave_result_prepare(s, r);
	return slave_result_publish(s, gen, r->elapsed_us);
}

void slave_set_error(struct slave *s)
{
	SLAVE_CRITICAL {
		s->fault = 1;
		s->run = 0;
		s->queued = 0;
		s->job_gen++;
		slave_offer_update(s);
	}
}

void slave_health_publish(struct slave *s, const struct duco_health *h)
{
	uint8_t body[DUCO_HEALTH_BODY];

	duco_encode_health_body(body, h);
	slave_render(s->health_frame, body, DUCO_HEALTH_BODY);
	SLAVE_CRITICAL {
		s->health_ready = 1;
		slave_offer_update(s);
	}
}

void slave_set_addr(struct slave *s, uint8_t addr)
{
	slave_identity_set(s, SLAVE_ID_I2C_ADDR, &addr, 1);
}

uint8_t slave_status(const struct slave *s)
{
	return DUCO_STATUS_MAKE(s->state, s->reject, s->seq);
}

uint16_t slave_counter(const struct slave *s, uint8_t offset)
{
	uint16_t v = 0;

	SLAVE_CRITICAL {
		const uint8_t *b = s->id_frame + DUCO_READ_HEAD + offset;

		v = (uint16_t)(b[0] | b[1] << 8);
	}
	return v;
}
