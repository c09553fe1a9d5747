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

/* Little-endian in-place increment of an identity counter (saturates). */
SLAVE_HELPER void slave_count(struct slave *s, uint8_t offset)
{
	uint8_t *p = &s->identity[offset];

	s->id_ver++;
	if (p[0] != 0xff) {
		p[0]++;
	} else if (p[1] != 0xff) {
		p[0] = 0;
		p[1]++;
	}
}

SLAVE_HELPER void slave_reject(struct slave *s, uint8_t counter)
{
	slave_count(s, counter);
	s->reject = 1;
}

/* --- read frames ----------------------------------------------------------- */

/*
 * Render body into f with duco_encode_read, then the pad byte. The status
 * bytes are left 0: a read fills them in from s->head, and the trailing
 * CRC holds for any status (slave.h). Returns the bytes after the status
 * before the pad, what a read's cursor advances over.
 */
SLAVE_OUTLINE uint8_t slave_render(uint8_t *f, const uint8_t *body, uint8_t len)
{
	uint8_t n = duco_encode_read(f, 0, body, len);

	f[n] = SLAVE_PAD_BYTE;
	return (uint8_t)(n - 1);
}

/* The status bytes a read sends, after any change of state, REJECT or seq. */
SLAVE_HELPER void slave_head_update(struct slave *s)
{
	uint8_t st = DUCO_STATUS_MAKE(s->state, s->reject, s->seq);

	s->head[0] = st;
	s->head[1] = duco_crc8_step(0, st);
}

/*
 * Offer the frame of the current view and state, with the status bytes.
 * In event context (no read open, so id_frame may be written) a stale
 * identity is rendered first; the main loop passes render = 0 and renders
 * it itself, with interrupts on (slave_identity_refresh).
 */
SLAVE_HELPER void slave_offer_update(struct slave *s, uint8_t render)
{
	slave_head_update(s);
	if (s->view == SLAVE_VIEW_IDENTITY) {
		if (render && s->id_frame_ver != s->id_ver) {
			slave_render(s->id_frame, s->identity, DUCO_IDENTITY_BODY);
			s->id_frame_ver = s->id_ver;
		}
		s->offer = s->id_frame;
		s->offer_left = SLAVE_IDENTITY_FRAME - 2;
	} else if (s->state == DUCO_ST_DONE) {
		s->offer = s->result_frame[s->front];
		s->offer_left = SLAVE_RESULT_FRAME - 2;
	} else {
		s->offer = s->empty_frame;
		s->offer_left = SLAVE_EMPTY_FRAME - 2;
	}
}

/*
 * Main loop: render a stale identity into a rendering no read is using,
 * with interrupts on, and make it the newest unless an event changed the
 * identity meanwhile (then do it again). Offered at once in identity view.
 */
static void slave_identity_refresh(struct slave *s)
{
	for (;;) {
		uintptr_t sending = 0;
		uint8_t *f = 0;
		uint8_t ver = 0, done = 0;

		SLAVE_CRITICAL {
			ver = s->id_ver;
			if (s->tx_open)
				sending = (uintptr_t)s->tx_ptr;
		}
		if (s->id_frame_ver == ver)
			return;
		/* id_frame changes only here and in place in events; a read
		 * sends from the offer it latched, which may be an older one */
		for (uint8_t i = 0; i < SLAVE_IDENTITIES && !f; i++) {
			uint8_t *c = s->identity_frame[i];
			uintptr_t at = (uintptr_t)c;

			if (c != s->id_frame && !(sending >= at && sending < at + SLAVE_IDENTITY_FRAME))
				f = c;
		}
		if (!f)         /* cannot happen with three; an event renders it */
			return;
		slave_render(f, s->identity, DUCO_IDENTITY_BODY);
		SLAVE_CRITICAL {
			if (s->id_ver == ver) {
				s->id_frame = f;
				s->id_frame_ver = ver;
				if (s->view == SLAVE_VIEW_IDENTITY)
					s->offer = f;
				done = 1;
			}
		}
		if (done)
			return;
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
	uint8_t *p = (uint8_t *)s;

	for (uint16_t i = 0; i < sizeof(*s); i++)
		p[i] = 0;
	s->state = DUCO_ST_IDLE;
	s->rx_state = SLAVE_RX_IDLE;
	s->view = SLAVE_VIEW_RESULT;
	s->rx_ptr = s->rx_buf[0];
	duco_encode_identity_body(s->identity, id);
	slave_render(s->empty_frame, 0, 0);
	s->id_frame = s->identity_frame[0];
	slave_render(s->id_frame, s->identity, DUCO_IDENTITY_BODY);
	slave_offer_update(s, 0);
	s->tx_ptr = s->offer + s->offer_left + 1;      /* a stray byte-sent: pad */
}

/* --- receiver ------------------------------------------------------------ */

/* End of a write transaction: check the frame, act on it, re-render. */
SLAVE_HELPER void slave_rx_finish(struct slave *s)
{
	uint8_t *f = s->rx_buf[s->rx_fill];
	uint8_t n = (uint8_t)(SLAVE_RX_MAX - s->rx_room);
	uint8_t state = s->rx_state;
	int8_t want;

	s->rx_state = SLAVE_RX_IDLE;
	s->rx_room = 0;
	if (state == SLAVE_RX_OVERFLOW) {
		slave_reject(s, SLAVE_ID_OVERRUNS);
		goto render;
	}
	if (n == 0)
		return;         /* address-only write (bus scan): not a frame */
	if (n < DUCO_FRAME_OVERHEAD || n != (uint8_t)(f[1] + DUCO_FRAME_OVERHEAD)) {
		slave_reject(s, SLAVE_ID_FRAME_ERRORS);  /* truncated or padded */
		goto render;
	}
	if (s->rx_crc != 0) {   /* CRC over frame + its CRC byte leaves 0 */
		slave_reject(s, SLAVE_ID_CRC_ERRORS);
		goto render;
	}
	want = duco_payload_len(f[0]);
	if (want < 0 || (uint8_t)want != f[1] || !duco_frame_args_ok(f)) {
		slave_reject(s, SLAVE_ID_FRAME_ERRORS);
		goto render;
	}
	if (s->pending) {       /* main loop has not taken the previous one */
		slave_reject(s, SLAVE_ID_OVERRUNS);
		goto render;
	}

	s->reject = 0;
	s->seq = (uint8_t)((s->seq + 1) & 0x0f);
	switch (f[0]) {
	case DUCO_CMD_JOB:
		s->job_gen++;
		s->state = DUCO_ST_BUSY;
		s->view = SLAVE_VIEW_RESULT;
		break;
	case DUCO_CMD_ABORT:
		s->job_gen++;
		s->state = DUCO_ST_IDLE;
		s->view = SLAVE_VIEW_RESULT;
		break;
	case DUCO_CMD_IDENTIFY:
		s->view = SLAVE_VIEW_IDENTITY;
		break;
	case DUCO_CMD_CLEAR_ERR:
		for (uint8_t i = SLAVE_ID_CRC_ERRORS; i < SLAVE_ID_JOBS_DONE; i++)
			s->identity[i] = 0;
		s->id_ver++;
		if (s->state == DUCO_ST_ERROR)
			s->state = DUCO_ST_IDLE;
		s->view = SLAVE_VIEW_RESULT;
		break;
	default:                /* SET_ADDR, RESET: done by the main loop */
		s->view = SLAVE_VIEW_RESULT;
		break;
	}
	s->pending_gen = s->job_gen;
	s->rx_fill ^= 1;
	s->pending = 1;
render:
	slave_offer_update(s, 1);
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
	s->rx_room = SLAVE_RX_MAX;
	s->rx_crc = 0;
}

SLAVE_EV uint8_t slave_ev_rx_byte(struct slave *s, uint8_t b)
{
	s->events++;
	if (s->rx_room)
		slave_rx_store(s, b);
	else if (s->rx_state == SLAVE_RX_FRAME)
		s->rx_state = SLAVE_RX_OVERFLOW;       /* swallow the rest */
	return 1;
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

SLAVE_EV void slave_ev_bus_error(struct slave *s)
{
	s->events++;
	slave_tx_close(s);
	/* Whatever was being received cannot be trusted. */
	if (s->rx_state != SLAVE_RX_IDLE) {
		slave_reject(s, SLAVE_ID_FRAME_ERRORS);
		slave_offer_update(s, 1);
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
	/* A good moment for the render that rejected frames (counted in the
	 * identity) left to do: the master has just been answered. */
	slave_identity_refresh(s);
}

int slave_publish_result(struct slave *s, uint8_t gen, const struct duco_result *r)
{
	int rc = -SLAVE_E_STALE;
	uint8_t back = (uint8_t)(s->front ^ 1);
	uint8_t body[DUCO_RESULT_BODY];

	/* Events only offer result_frame[front], so the back one is ours. */
	duco_encode_result_body(body, r);
	slave_render(s->result_frame[back], body, DUCO_RESULT_BODY);
	/* Two short critical sections rather than one long one (each delays
	 * the TWI interrupt by its length): the state change, then the offer,
	 * derived from whatever the state is by then. */
	SLAVE_CRITICAL {
		if (s->job_gen == gen && s->state == DUCO_ST_BUSY) {
			s->front = back;
			s->state = DUCO_ST_DONE;
			slave_count(s, SLAVE_ID_JOBS_DONE);
			rc = SLAVE_OK;
		}
	}
	if (rc != SLAVE_OK)
		return rc;
	SLAVE_CRITICAL {
		slave_offer_update(s, 0);
	}
	slave_identity_refresh(s);
	return rc;
}

void slave_set_error(struct slave *s)
{
	SLAVE_CRITICAL {
		s->state = DUCO_ST_ERROR;
		slave_offer_update(s, 0);
	}
}

void slave_set_addr(struct slave *s, uint8_t addr)
{
	SLAVE_CRITICAL {
		s->identity[SLAVE_ID_I2C_ADDR] = addr;
		s->id_ver++;
	}
	slave_identity_refresh(s);
}

uint8_t slave_status(const struct slave *s)
{
	return DUCO_STATUS_MAKE(s->state, s->reject, s->seq);
}

uint16_t slave_counter(const struct slave *s, uint8_t offset)
{
	uint16_t v = 0;

	SLAVE_CRITICAL {
		v = (uint16_t)(s->identity[offset] | (s->identity[offset + 1] << 8));
	}
	return v;
}
