/*
 * slave.c - the hardware-free I2C slave state machine (see slave.h).
 *
 * Runs its event functions from the TWI interrupt on the AVR and from
 * ducosim's bus model on the host, so every event does a bounded, small
 * amount of work: one CRC table lookup per byte, and at STOP a few
 * compares on the already accumulated CRC and length. Assumes the caller
 * serialises events (one interrupt, or one simulator thread); main-loop
 * functions guard their multi-byte updates with SLAVE_CRITICAL, which is a
 * real interrupt lock only on the AVR.
 */
#include "slave.h"
#include "duco_crc8.h"

/*
 * On the AVR, twi.c includes this file with SLAVE_EV_INLINE defined: the
 * event functions and their helpers then inline into the TWI handler, which
 * thereby calls no function and saves only the registers it uses (a call
 * would make avr-gcc save every call-clobbered register on every event).
 */
#if defined(SLAVE_EV_INLINE)
#define SLAVE_EV     static inline __attribute__((always_inline))
#define SLAVE_HELPER static inline __attribute__((always_inline))
#else
#define SLAVE_EV
#define SLAVE_HELPER static
#endif

#if defined(__AVR__)
#include <util/atomic.h>
#define SLAVE_CRITICAL ATOMIC_BLOCK(ATOMIC_RESTORESTATE)
#else
#define SLAVE_CRITICAL  /* host: events and main loop share one thread */
#endif

SLAVE_HELPER uint8_t slave_crc_step(uint8_t crc, uint8_t b)
{
	return duco_crc8_step(crc, b);
}

/* Little-endian in-place increment of an identity counter (saturates). */
SLAVE_HELPER void slave_count(struct slave *s, uint8_t offset)
{
	uint8_t *p = &s->identity[offset];

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

void slave_init(struct slave *s, const struct duco_identity *id)
{
	uint8_t *p = (uint8_t *)s;

	for (uint16_t i = 0; i < sizeof(*s); i++)
		p[i] = 0;
	s->state = DUCO_ST_IDLE;
	s->rx_state = SLAVE_RX_IDLE;
	s->tx_state = SLAVE_TX_IDLE;
	s->view = SLAVE_VIEW_RESULT;
	s->rx_ptr = s->rx_buf[0];
	duco_encode_identity_body(s->identity, id);
}

/* --- receiver ------------------------------------------------------------ */

/* End of a write transaction: check the frame and act on it. */
SLAVE_HELPER void slave_rx_finish(struct slave *s)
{
	uint8_t *f = s->rx_ptr;
	uint8_t n = s->rx_len;
	uint8_t state = s->rx_state;
	int8_t want;

	s->rx_state = SLAVE_RX_IDLE;
	if (state == SLAVE_RX_OVERFLOW) {
		slave_reject(s, SLAVE_ID_OVERRUNS);
		return;
	}
	if (n == 0)
		return;         /* address-only write (bus scan): not a frame */
	if (n < DUCO_FRAME_OVERHEAD || n != (uint8_t)(f[1] + DUCO_FRAME_OVERHEAD)) {
		slave_reject(s, SLAVE_ID_FRAME_ERRORS);  /* truncated or padded */
		return;
	}
	if (s->rx_crc != 0) {   /* CRC over frame + its CRC byte leaves 0 */
		slave_reject(s, SLAVE_ID_CRC_ERRORS);
		return;
	}
	want = duco_payload_len(f[0]);
	if (want < 0 || (uint8_t)want != f[1] || !duco_frame_args_ok(f)) {
		slave_reject(s, SLAVE_ID_FRAME_ERRORS);
		return;
	}
	if (s->pending) {       /* main loop has not taken the previous one */
		slave_reject(s, SLAVE_ID_OVERRUNS);
		return;
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
	s->rx_ptr = s->rx_buf[s->rx_fill];
	s->pending = 1;
}

SLAVE_EV void slave_ev_addr_write(struct slave *s)
{
	s->events++;
	/* A repeated START straight into another write ends the previous one. */
	if (s->rx_state != SLAVE_RX_IDLE)
		slave_rx_finish(s);
	s->tx_state = SLAVE_TX_IDLE;
	s->rx_state = SLAVE_RX_FRAME;
	s->rx_len = 0;
	s->rx_crc = 0;
}

SLAVE_EV uint8_t slave_ev_rx_byte(struct slave *s, uint8_t b)
{
	s->events++;
	if (s->rx_state != SLAVE_RX_FRAME)
		return 1;       /* overflowing (or never addressed): swallow */
	if (s->rx_len >= SLAVE_RX_MAX) {
		s->rx_state = SLAVE_RX_OVERFLOW;
		return 1;
	}
	s->rx_ptr[s->rx_len++] = b;
	s->rx_crc = slave_crc_step(s->rx_crc, b);
	return 1;
}

/* --- transmitter --------------------------------------------------------- */

SLAVE_EV uint8_t slave_ev_addr_read(struct slave *s)
{
	s->events++;
	/* write, repeated START, read: the write frame ends here */
	if (s->rx_state != SLAVE_RX_IDLE)
		slave_rx_finish(s);

	s->tx_status = DUCO_STATUS_MAKE(s->state, s->reject, s->seq);
	if (s->view == SLAVE_VIEW_IDENTITY) {
		s->tx_body = s->identity;
		s->tx_len = DUCO_IDENTITY_BODY;
	} else if (s->state == DUCO_ST_DONE) {
		s->tx_body = s->result[s->front];
		s->tx_len = DUCO_RESULT_BODY;
	} else {
		s->tx_body = s->result[0];
		s->tx_len = 0;
	}
	s->tx_state = SLAVE_TX_HEAD;
	s->tx_pos = 1;
	s->tx_crc = slave_crc_step(0, s->tx_status);
	return s->tx_status;
}

SLAVE_EV uint8_t slave_ev_tx_byte(struct slave *s)
{
	uint8_t b;

	s->events++;
	switch (s->tx_state) {
	case SLAVE_TX_HEAD:
		if (s->tx_pos == 1) {
			b = s->tx_crc;          /* crc8(status) */
			s->tx_pos = 2;
		} else {
			b = s->tx_len;
			s->tx_pos = 0;
			s->tx_state = s->tx_len ? SLAVE_TX_BODY : SLAVE_TX_CRC;
		}
		break;
	case SLAVE_TX_BODY:
		b = s->tx_body[s->tx_pos++];
		if (s->tx_pos >= s->tx_len)
			s->tx_state = SLAVE_TX_CRC;
		break;
	case SLAVE_TX_CRC:
		s->tx_state = SLAVE_TX_PAD;
		return s->tx_crc;
	default:
		return SLAVE_PAD_BYTE;
	}
	s->tx_crc = slave_crc_step(s->tx_crc, b);
	return b;
}

/* --- end of transaction, errors ------------------------------------------ */

SLAVE_EV void slave_ev_stop(struct slave *s)
{
	s->events++;
	if (s->rx_state != SLAVE_RX_IDLE)
		slave_rx_finish(s);
	s->tx_state = SLAVE_TX_IDLE;
}

SLAVE_EV void slave_ev_bus_error(struct slave *s)
{
	s->events++;
	/* Whatever was being received cannot be trusted. */
	if (s->rx_state != SLAVE_RX_IDLE)
		slave_reject(s, SLAVE_ID_FRAME_ERRORS);
	s->rx_state = SLAVE_RX_IDLE;
	s->tx_state = SLAVE_TX_IDLE;
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

int slave_publish_result(struct slave *s, uint8_t gen, const struct duco_result *r)
{
	int rc = -SLAVE_E_STALE;
	uint8_t back = (uint8_t)(s->front ^ 1);

	/* The ISR only reads result[front], so the back buffer is ours. */
	duco_encode_result_body(s->result[back], r);
	SLAVE_CRITICAL {
		if (s->job_gen == gen && s->state == DUCO_ST_BUSY) {
			s->front = back;
			s->state = DUCO_ST_DONE;
			slave_count(s, SLAVE_ID_JOBS_DONE);
			rc = SLAVE_OK;
		}
	}
	return rc;
}

void slave_set_error(struct slave *s)
{
	s->state = DUCO_ST_ERROR;
}

void slave_set_addr(struct slave *s, uint8_t addr)
{
	s->identity[SLAVE_ID_I2C_ADDR] = addr;
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
