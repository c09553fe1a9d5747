/*
 * sim_model.c - host model slave: common/slave.c behind a simulated
 * TWI driver, hashing on the host at a paced rate.
 *
 * The driver part turns one bus transfer into the state machine's events in
 * the datasheet order (address+W, bytes, STOP or repeated START, address+R,
 * bytes, end of read) at the moment the transfer starts; the transfer then
 * takes the bus time its bytes need. The main-loop part runs whenever the
 * rig advances the slave: it takes accepted frames and hashes in chunks, so
 * that nonce k of a job is reached at job start + k / hashrate. The hashing
 * is exact (common/duco_s1), only its speed is modelled. It speaks protocol
 * version 2 like the firmware (a queued job starts at the simulated instant
 * the running one ends), or version 1 (sim_model_set_proto). A reset (fault
 * injection or the RESET command) forgets the job and keeps the address, as
 * the firmware keeps it in EEPROM. Assumes slave.h's promise that events and
 * main-loop calls never overlap, which holds in ducosim's single thread.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duco_s1.h"
#include "slave.h"
#include "sim_model.h"

/* What the model's main loop is doing. */
enum sim_model_state {
	SIM_MODEL_IDLE = 0,     /* no job: waits for a frame */
	SIM_MODEL_HASHING,      /* searching the job's range at the paced rate */
};

struct sim_model {
	struct sim_slave slave;
	struct slave     sm;
	struct duco_identity id;
	uint8_t          addr;
	double           hashrate;
	uint64_t         now_ns;
	uint64_t         boot_ns;       /* when it last started (uptime) */

	uint8_t          state;         /* enum sim_model_state */
	uint8_t          gen;
	struct duco_job  job;
	uint32_t         next;          /* next nonce to try */
	uint64_t         job_start_ns;
	uint8_t          has_queued;    /* 1: queued holds the queued job */
	struct duco_job  queued;

	struct sim_xfer *x;
};

static struct sim_model *sim_model_of(struct sim_slave *s)
{
	return (struct sim_model *)s->priv;
}

static void sim_model_boot(struct sim_model *m, uint8_t cause)
{
	m->id.reset_cause = cause;
	m->id.i2c_addr = m->addr;
	m->boot_ns = m->now_ns;
	slave_init(&m->sm, &m->id);
	m->state = SIM_MODEL_IDLE;
	m->has_queued = 0;
}

/* Hash m->job (generation gen) from start_ns on. */
static void sim_model_start(struct sim_model *m, uint8_t gen, uint64_t start_ns)
{
	m->gen = gen;
	m->next = m->job.start_nonce;
	m->job_start_ns = start_ns;
	m->state = SIM_MODEL_HASHING;
}

static void sim_model_main(struct sim_model *m);

static int sim_model_matches(struct sim_slave *s, uint8_t addr)
{
	return sim_model_of(s)->addr == addr;
}

static void sim_model_begin(struct sim_slave *s, struct sim_xfer *x, uint64_t now_ns)
{
	struct sim_model *m = sim_model_of(s);
	uint64_t scl = 1000000000u / s->bus_hz;
	uint32_t clocks = 1;            /* STOP */
	uint8_t ack = 1;

	x->result = SIMBUS_OK;
	x->wacked = 0;
	if (x->wlen || !(x->rlen || (x->flags & SIMBUS_XF_READ))) {
		clocks += 10;
		slave_ev_addr_write(&m->sm);
		for (uint16_t i = 0; i < x->wlen; i++) {
			clocks += 9;
			if (!ack) {
				x->result = SIMBUS_DATA_NACK;
				break;
			}
			ack = slave_ev_rx_byte(&m->sm, x->w[i]);
			x->wacked++;
		}
		slave_ev_stop(&m->sm);
	}
	if ((x->rlen || (x->flags & SIMBUS_XF_READ)) && x->result == SIMBUS_OK) {
		uint8_t first = slave_ev_addr_read(&m->sm);

		if (x->rlen) {
			x->r[0] = first;
			/* a block read's count says how much more the master reads */
			if (x->flags & SIMBUS_XF_RECV_LEN)
				x->rlen = first == 0 || first > SIMBUS_BLOCK_MAX ? 1 :
					  (uint16_t)(x->rlen + first);
		}
		clocks += 10 + 9u * x->rlen;
		for (uint16_t i = 1; i < x->rlen; i++)
			x->r[i] = slave_ev_tx_byte(&m->sm);
		slave_ev_stop(&m->sm);
	}
	x->done = 0;
	x->done_ns = now_ns + clocks * scl;
	m->x = x;
}

/*
 * Search what the paced rate allows up to t_ns; publish when finished.
 * Returns 1 when a queued job took over (at the simulated instant the
 * finished one ended): the caller searches on with it.
 */
static int sim_model_hash(struct sim_model *m, uint64_t t_ns)
{
	double due;
	uint64_t upto;
	uint32_t last, nonce;
	uint8_t found;
	int rc;

	/* nonce start + k is done at start time + (k + 1) / hashrate: the
	 * time elapsed_us reports, and when a queued job takes over */
	if (t_ns <= m->job_start_ns)
		return 0;
	due = (double)(t_ns - m->job_start_ns) * m->hashrate / 1e9;
	if (due < 1)
		return 0;
	upto = (uint64_t)m->job.start_nonce + (uint64_t)due - 1;
	if (upto < m->next)
		return 0;
	last = upto > m->job.end_nonce ? m->job.end_nonce : (uint32_t)upto;
	found = duco_s1_search(m->job.last_hash, m->job.expected, m->next, last, &nonce);
	if (!found && last < m->job.end_nonce) {
		m->next = last + 1;
		return 0;
	}
	uint32_t tried = (found ? nonce : m->job.end_nonce) - m->job.start_nonce + 1;
	struct duco_result r = {
		.job_id = m->job.job_id,
		.found = found,
		.nonce = found ? nonce : m->job.end_nonce,
		.elapsed_us = (uint32_t)((double)tried * 1e6 / m->hashrate),
	};
	uint8_t gen = m->gen;

	/* main() took every frame before, so nothing waits; the loop is the
	 * firmware's, for the rule's sake */
	while ((rc = slave_publish_result(&m->sm, gen, &r)) == -SLAVE_E_PENDING)
		sim_model_main(m);
	if (rc == SLAVE_PROMOTED && m->has_queued) {
		m->job = m->queued;
		m->has_queued = 0;
		sim_model_start(m, (uint8_t)(gen + 1),
				m->job_start_ns + (uint64_t)((double)tried * 1e9 / m->hashrate));
		return 1;
	}
	if (m->gen == gen)
		m->state = SIM_MODEL_IDLE;
	return 0;
}

/* The firmware main loop's frame handling, for the host. */
static void sim_model_main(struct sim_model *m)
{
	const uint8_t *f;
	uint8_t gen, a;

	while ((f = slave_frame_take(&m->sm, &gen)) != NULL) {
		/* what the frame does to the jobs, as slave.c decided it */
		switch (slave_frame_act(&m->sm)) {
		case SLAVE_ACT_START:
			duco_decode_job(f, &m->job);
			m->has_queued = 0;
			sim_model_start(m, gen, m->now_ns);
			break;
		case SLAVE_ACT_QUEUE:
			duco_decode_job(f, &m->queued);
			m->has_queued = 1;
			break;
		case SLAVE_ACT_STOP:
			m->has_queued = 0;
			m->state = SIM_MODEL_IDLE;
			break;
		case SLAVE_ACT_PROMOTE:
			m->job = m->queued;
			m->has_queued = 0;
			sim_model_start(m, gen, m->now_ns);
			break;
		case SLAVE_ACT_UNQUEUE:
			m->has_queued = 0;
			break;
		default:
			break;
		}
		switch (f[0]) {
		case DUCO_CMD_SET_ADDR:
			if (duco_decode_set_addr(f, &a) == 0) {
				m->addr = a;
				m->id.i2c_addr = a;
				slave_set_addr(&m->sm, a);
			}
			break;
		case DUCO_CMD_HEALTH: {
			/* a host model has no ADC: uptime only, no reading */
			struct duco_health h = {
				.uptime_s = (uint32_t)((m->now_ns - m->boot_ns) / 1000000000ULL),
			};

			slave_health_publish(&m->sm, &h);
			break;
		}
		case DUCO_CMD_RESET:
			slave_frame_release(&m->sm);
			sim_model_boot(m, DUCO_RESET_WATCHDOG);
			continue;
		default:
			break;
		}
		slave_frame_release(&m->sm);
	}
}

static void sim_model_advance(struct sim_slave *s, uint64_t t_ns)
{
	struct sim_model *m = sim_model_of(s);

	if (m->x && t_ns >= m->x->done_ns) {
		m->x->done = 1;
		m->x = NULL;
	}
	m->now_ns = t_ns;
	sim_model_main(m);
	while (m->state == SIM_MODEL_HASHING && sim_model_hash(m, t_ns))
		;
}

static void sim_model_reset(struct sim_slave *s)
{
	struct sim_model *m = sim_model_of(s);

	if (m->x) {
		m->x->result = SIMBUS_BUS_ERROR;
		m->x->done = 1;
		m->x = NULL;
	}
	sim_model_boot(m, DUCO_RESET_EXTERNAL);
}

static void sim_model_abort(struct sim_slave *s)
{
	sim_model_of(s)->x = NULL;
}

static void sim_model_destroy(struct sim_slave *s)
{
	free(sim_model_of(s));
}

void sim_model_set_proto(struct sim_slave *s, uint8_t version)
{
	struct sim_model *m = sim_model_of(s);

	m->id.proto_version = version;
	sim_model_boot(m, DUCO_RESET_POWERON);
}

static const struct sim_slave_ops sim_model_ops = {
	.kind = "model",
	.matches = sim_model_matches,
	.begin = sim_model_begin,
	.advance = sim_model_advance,
	.reset = sim_model_reset,
	.abort = sim_model_abort,
	.destroy = sim_model_destroy,
};

int sim_model_create(struct sim_slave **out, uint8_t addr, double hashrate,
		     uint32_t bus_hz, uint32_t index, const char *name)
{
	struct sim_model *m;

	if (addr < DUCO_ADDR_MIN || addr > DUCO_ADDR_MAX || !(hashrate > 0) || !bus_hz)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->addr = addr;
	m->hashrate = hashrate;
	m->id = (struct duco_identity){
		.proto_version = DUCO_PROTO_VERSION,
		.fw_version = DUCO_HEALTH_FW_MIN,      /* answers HEALTH */
		.board_id = DUCO_BOARD_HOSTMODEL,
		.f_cpu = 16000000,
		/* a distinct, recognisable chip id per model slave */
		.ducoid = { 0xd5, 0x1b, 0x00, 0x00, (uint8_t)(index >> 8), (uint8_t)index,
			    addr, 0x4d },
		.hash_impl = DUCO_HASH_HOST,
	};
	sim_model_boot(m, DUCO_RESET_POWERON);
	m->slave = (struct sim_slave){ .ops = &sim_model_ops, .freq = 16000000,
				       .bus_hz = bus_hz, .priv = m };
	snprintf(m->slave.name, sizeof(m->slave.name), "%s", name);
	*out = &m->slave;
	return 0;
}
