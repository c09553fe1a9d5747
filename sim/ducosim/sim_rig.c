/*
 * sim_rig.c - the simulated bus: round-robin time, one transfer at a time,
 * and the faults a master can meet on a real bus.
 *
 * Address matching asks each slave whether it would ACK right now (an AVR
 * checks its TWAR/TWAMR/TWEN/TWEA again when the address byte arrives). An
 * address nobody answers is NACKed after START and nine clocks, as on a bus
 * with pull-ups. A flipped bit is applied to the bytes on the wire: to a
 * written byte before the slave sees it, or to a read byte before the master
 * gets it. Assumes the slaves complete what they begin, or are aborted by the
 * transfer timeout here.
 */
#include <errno.h>
#include <string.h>

#include "duco_rand.h"
#include "sim_rig.h"

void sim_rig_init(struct sim_rig *r, uint32_t bus_hz)
{
	*r = (struct sim_rig){
		.bus_hz = bus_hz,
		.slice_ns = 62500,              /* 1000 cycles at 16 MHz */
		/* slaves only interact through the bus: with no transfer in
		 * flight they need no lock-step, and long slices cost less */
		.idle_slice_ns = 1000000,
		.timeout_ns = 50000000,         /* 50 ms of SCL held low */
		.flip_rng = 1,                  /* fixed: runs repeat */
	};
}

int sim_rig_add(struct sim_rig *r, struct sim_slave *s)
{
	if (r->count >= SIM_RIG_MAX_SLAVES)
		return -ENOSPC;
	r->slave[r->count++] = s;
	return 0;
}

void sim_rig_destroy(struct sim_rig *r)
{
	for (int i = 0; i < r->count; i++)
		r->slave[i]->ops->destroy(r->slave[i]);
	r->count = 0;
}

uint64_t sim_rig_scl_ns(const struct sim_rig *r)
{
	return 1000000000u / r->bus_hz;
}

struct sim_slave *sim_rig_find(struct sim_rig *r, uint8_t addr)
{
	for (int i = 0; i < r->count; i++)
		if (r->slave[i]->ops->matches(r->slave[i], addr))
			return r->slave[i];
	return NULL;
}

static void sim_rig_expire_faults(struct sim_rig *r, struct sim_fault *f)
{
	if (f->silent && f->silent_until_ns && r->now_ns >= f->silent_until_ns)
		f->silent = 0;
	if (f->hang && f->hang_until_ns && r->now_ns >= f->hang_until_ns)
		f->hang = 0;
}

/* Each of n bytes gets one random bit flipped with chance ppm / 10^6. */
static void sim_rig_flip_rate(struct sim_rig *r, uint8_t *b, unsigned n, uint32_t ppm)
{
	for (unsigned i = 0; ppm && i < n; i++) {
		/* the same draws on every run */
		if (duco_rand(&r->flip_rng) % 1000000u < ppm) {
			b[i] ^= (uint8_t)(1u << (duco_rand(&r->flip_rng) % 8));
			r->st.flips++;
		}
	}
}

static uint64_t sim_rig_deadline_ns(const struct sim_rig *r, const struct sim_xfer *x);

/* Nobody answers: START, 9 clocks, NACK, STOP. */
static void sim_rig_nack(struct sim_rig *r, struct sim_xfer *x)
{
	x->result = SIMBUS_ADDR_NACK;
	x->wacked = 0;
	x->done_ns = r->now_ns + 11 * sim_rig_scl_ns(r);
	r->cur_slave = NULL;
	r->st.addr_nacks++;
}

/* Make x the transfer in flight, with a clean result; -EBUSY if one is. */
static int sim_rig_claim(struct sim_rig *r, struct sim_xfer *x)
{
	if (r->cur)
		return -EBUSY;
	r->cur = x;
	r->cur_start_ns = r->now_ns;
	r->cur_flip_read = 0;
	r->cur_flip_ppm = 0;
	x->done = 0;
	x->result = SIMBUS_OK;
	x->wacked = 0;
	r->st.xfers++;
	return 0;
}

int sim_rig_begin(struct sim_rig *r, struct sim_xfer *x)
{
	struct sim_fault *f;

	if (r->cur)
		return -EBUSY;
	if (x->addr > 0x7f || x->wlen > SIMBUS_MAX_DATA || x->rlen > SIMBUS_MAX_DATA ||
	    (x->flags & ~(SIMBUS_XF_READ | SIMBUS_XF_RECV_LEN)) ||
	    ((x->flags & SIMBUS_XF_RECV_LEN) && (x->rlen < 1 ||
	     x->rlen > SIMBUS_MAX_DATA - SIMBUS_BLOCK_MAX)))
		return -EINVAL;
	sim_rig_claim(r, x);
	f = &r->fault[x->addr];
	sim_rig_expire_faults(r, f);
	if (f->silent) {
		sim_rig_nack(r, x);
		return 0;
	}
	if (f->nack) {
		f->nack--;
		sim_rig_nack(r, x);
		return 0;
	}
	r->cur_slave = sim_rig_find(r, x->addr);
	if (!r->cur_slave) {
		sim_rig_nack(r, x);
		return 0;
	}
	if (f->hang) {
		/* The address is ACKed, then SCL stays low: the slave never
		 * sees the transfer and the adapter gives up at its timeout. */
		r->cur_slave = NULL;
		x->result = SIMBUS_TIMEOUT;
		x->wacked = 0;
		x->done_ns = r->now_ns + sim_rig_deadline_ns(r, x);
		return 0;
	}
	if (f->flip_ppm) {
		sim_rig_flip_rate(r, x->w, x->wlen, f->flip_ppm);
		r->cur_flip_ppm = f->flip_ppm;
	}
	if (f->flip) {
		f->flip--;
		r->st.flips++;
		if (x->wlen) {
			uint32_t i = r->flip_seq % x->wlen;
			x->w[i] ^= (uint8_t)(1u << (r->flip_seq % 8));
		} else {
			r->cur_flip_read = 1;
		}
		r->flip_seq = r->flip_seq * 1103515245u + 12345u;
	}
	r->cur_slave->ops->begin(r->cur_slave, x, r->now_ns);
	return 0;
}

/*
 * How long x may take before the adapter gives up: its bytes' own bus time
 * (a block read's count may add SIMBUS_BLOCK_MAX) plus the timeout, so the
 * timeout is what the slave adds by holding SCL, whatever the length.
 */
static uint64_t sim_rig_deadline_ns(const struct sim_rig *r, const struct sim_xfer *x)
{
	uint64_t bytes = (uint64_t)x->wlen + x->rlen + 2 +
			 ((x->flags & SIMBUS_XF_RECV_LEN) ? SIMBUS_BLOCK_MAX : 0);

	return r->timeout_ns + (bytes * 9 + 4) * sim_rig_scl_ns(r);
}

/* Keep x in the history of the slave that answered it. */
static void sim_rig_remember(struct sim_rig *r, const struct sim_slave *s,
			     const struct sim_xfer *x, uint64_t start_ns)
{
	struct sim_rig_history *h;
	struct sim_rig_xlog *l;
	int i;

	for (i = 0; i < r->count && r->slave[i] != s; i++)
		;
	if (i == r->count)
		return;
	h = &r->hist[i];
	l = &h->x[h->head];
	h->head = (uint8_t)((h->head + 1) % SIM_RIG_XLOG);
	if (h->n < SIM_RIG_XLOG)
		h->n++;
	*l = (struct sim_rig_xlog){ .start_ns = start_ns, .done_ns = x->done_ns,
				    .addr = x->addr, .result = x->result,
				    .wlen = x->wlen, .rlen = x->rlen };
	memcpy(l->w, x->w, x->wlen < SIM_RIG_XLOG_DATA ? x->wlen : SIM_RIG_XLOG_DATA);
	if (x->result == SIMBUS_OK)
		memcpy(l->r, x->r, x->rlen < SIM_RIG_XLOG_DATA ? x->rlen : SIM_RIG_XLOG_DATA);
}

int sim_rig_history(const struct sim_rig *r, int i, struct sim_rig_xlog *out, int max)
{
	const struct sim_rig_history *h;
	int n = 0;

	if (i < 0 || i >= r->count)
		return 0;
	h = &r->hist[i];
	for (int k = h->n > max ? h->n - max : 0; k < h->n; k++)
		out[n++] = h->x[(h->head + SIM_RIG_XLOG - h->n + k) % SIM_RIG_XLOG];
	return n;
}

/* Crashes and stops the slaves noticed in the last slice. */
static void sim_rig_events(struct sim_rig *r)
{
	struct sim_slave_event ev;

	for (int i = 0; i < r->count; i++) {
		struct sim_slave *s = r->slave[i];

		while (s->ops->poll_event && s->ops->poll_event(s, &ev))
			if (r->on_event)
				r->on_event(r->event_ctx, i, &ev);
	}
}

/* 1 when the transfer in flight is over (result final, bus time passed). */
static int sim_rig_check_cur(struct sim_rig *r)
{
	struct sim_xfer *x = r->cur;

	if (!x)
		return 0;
	if (!r->cur_slave) {
		if (r->now_ns < x->done_ns)
			return 0;
		x->done = 1;
	} else if (!x->done) {
		if (r->now_ns - r->cur_start_ns < sim_rig_deadline_ns(r, x))
			return 0;
		/* SCL held too long: the master's adapter gives up */
		r->cur_slave->ops->abort(r->cur_slave);
		x->result = SIMBUS_TIMEOUT;
		x->done = 1;
		x->done_ns = r->now_ns;
	}
	if (r->cur_flip_read && x->rlen) {
		uint32_t i = r->flip_seq % x->rlen;
		x->r[i] ^= (uint8_t)(1u << (r->flip_seq % 8));
	}
	if (r->cur_flip_ppm && x->result == SIMBUS_OK)
		sim_rig_flip_rate(r, x->r, x->rlen, r->cur_flip_ppm);
	if (x->result == SIMBUS_DATA_NACK)
		r->st.data_nacks++;
	else if (x->result == SIMBUS_BUS_ERROR)
		r->st.bus_errors++;
	else if (x->result == SIMBUS_TIMEOUT)
		r->st.timeouts++;
	else if (x->result == SIMBUS_ADDR_NACK && r->cur_slave)
		r->st.addr_nacks++;
	if (r->cur_slave)
		sim_rig_remember(r, r->cur_slave, x, r->cur_start_ns);
	r->cur = NULL;
	r->cur_slave = NULL;
	return 1;
}

int sim_rig_run(struct sim_rig *r, uint64_t until_ns)
{
	while (r->now_ns < until_ns) {
		uint64_t next = r->now_ns + (r->cur ? r->slice_ns : r->idle_slice_ns);

		if (next > until_ns)
			next = until_ns;
		/* an idle-bus NACK ends at a known time: stop right there */
		if (r->cur && !r->cur_slave && r->cur->done_ns > r->now_ns &&
		    r->cur->done_ns < next)
			next = r->cur->done_ns;
		for (int i = 0; i < r->count; i++)
			r->slave[i]->ops->advance(r->slave[i], next);
		r->now_ns = next;
		sim_rig_events(r);
		if (sim_rig_check_cur(r))
			return 1;
	}
	return 0;
}

int sim_rig_xfer(struct sim_rig *r, struct sim_xfer *x)
{
	int err = sim_rig_begin(r, x);

	if (err)
		return err;
	while (!sim_rig_run(r, r->now_ns + r->timeout_ns))
		;
	return 0;
}

int sim_rig_xfer_to(struct sim_rig *r, struct sim_slave *s, struct sim_xfer *x)
{
	int err = sim_rig_claim(r, x);

	if (err)
		return err;
	r->cur_slave = s;
	s->ops->begin(s, x, r->now_ns);
	while (!sim_rig_run(r, r->now_ns + r->timeout_ns))
		;
	return 0;
}

int sim_rig_fault(struct sim_rig *r, uint8_t addr, uint8_t kind, uint32_t param)
{
	struct sim_fault *f;
	struct sim_slave *s;

	if (addr > 0x7f)
		return -EINVAL;
	f = &r->fault[addr];
	switch (kind) {
	case SIMBUS_FAULT_FLIP_BIT:
		f->flip = param ? param : 1;
		return 0;
	case SIMBUS_FAULT_NACK:
		f->nack = param ? param : 1;
		return 0;
	case SIMBUS_FAULT_SILENT:
		f->silent = 1;
		f->silent_until_ns = param ? r->now_ns + (uint64_t)param * 1000000u : 0;
		return 0;
	case SIMBUS_FAULT_CLEAR:
		*f = (struct sim_fault){ 0 };
		return 0;
	case SIMBUS_FAULT_FLIP_RATE:
		if (param > 1000000u)
			return -EINVAL;
		f->flip_ppm = param;
		return 0;
	case SIMBUS_FAULT_HANG:
		f->hang = 1;
		f->hang_until_ns = param ? r->now_ns + (uint64_t)param * 1000000u : 0;
		return 0;
	case SIMBUS_FAULT_RESET:
		s = sim_rig_find(r, addr);
		if (!s)
			return -ENODEV;
		r->st.resets++;
		s->ops->reset(s);
		return 0;
	default:
		return -EINVAL;
	}
}
