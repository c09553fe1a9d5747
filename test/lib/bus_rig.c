/*
 * bus_rig.c - struct bus over an in-process sim_rig of model slaves
 * (bus_rig.h).
 *
 * A transfer is what ducosim's socket server does with a TRANSFER request,
 * minus the socket: sim_rig_xfer, then the result mapped to -errno by the
 * same function the sim: backend uses. Assumes the caller serialises calls.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bus_rig.h"
#include "duco_proto.h"
#include "sim_model.h"

/* A whole result frame read back: replace it by one that says nonce + 1. */
static void bus_rig_lie(uint8_t *r, uint16_t rlen)
{
	uint8_t body[DUCO_RESULT_BODY];
	struct duco_result res;
	uint8_t n = DUCO_READ_FRAME_SIZE(DUCO_RESULT_BODY);

	if (rlen < n || duco_decode_result(r, n, &res) != DUCO_OK)
		return;
	res.nonce++;
	duco_encode_result_body(body, &res);
	duco_encode_read(r, r[0], body, DUCO_RESULT_BODY);
}

static int bus_rig_xfer(struct bus *b, uint8_t addr, const uint8_t *w, uint16_t wlen,
			uint8_t *r, uint16_t rlen)
{
	struct bus_rig *br = b->priv;
	static struct sim_xfer x;       /* 16 KB of buffers: not on the stack */
	uint64_t now_ns = (uint64_t)mclock_now_us(br->clock) * 1000u;
	int rc;

	if (wlen > SIMBUS_MAX_DATA || rlen > SIMBUS_MAX_DATA)
		return -EINVAL;
	if (now_ns > br->rig.now_ns)
		sim_rig_run(&br->rig, now_ns);
	memset(&x, 0, sizeof(x));
	x.addr = addr;
	x.wlen = wlen;
	x.rlen = rlen;
	if (wlen)
		memcpy(x.w, w, wlen);
	if (wlen && (w[0] == DUCO_CMD_JOB || w[0] == DUCO_CMD_QUEUE))
		br->job_frames++;
	rc = sim_rig_xfer(&br->rig, &x);
	if (rc < 0)
		return rc;
	rc = bus_sim_result_errno(x.result);
	if (rc == 0 && rlen) {
		memcpy(r, x.r, rlen);
		if (br->lie_nonce)
			bus_rig_lie(r, rlen);
	}
	return rc;
}

static const struct bus_ops bus_rig_ops = { .name = "rig", .xfer = bus_rig_xfer };

void bus_rig_init(struct bus *b, struct bus_rig *br, const struct mclock *clock,
		  uint32_t bus_hz)
{
	memset(br, 0, sizeof(*br));
	sim_rig_init(&br->rig, bus_hz);
	br->clock = clock;
	br->rig.now_ns = (uint64_t)mclock_now_us(clock) * 1000u;
	memset(b, 0, sizeof(*b));
	b->ops = &bus_rig_ops;
	b->priv = br;
	b->fd = -1;
	snprintf(b->spec, sizeof(b->spec), "rig");
}

int bus_rig_add_model(struct bus_rig *br, uint8_t addr, double hashrate)
{
	struct sim_slave *s;
	char name[16];
	int rc;

	snprintf(name, sizeof(name), "model%d", br->rig.count);
	rc = sim_model_create(&s, addr, hashrate, br->rig.bus_hz, (uint32_t)br->rig.count, name);
	if (rc < 0)
		return rc;
	rc = sim_rig_add(&br->rig, s);
	if (rc < 0)
		s->ops->destroy(s);
	return rc;
}

int bus_rig_fault(struct bus_rig *br, uint8_t addr, uint8_t kind, uint32_t param)
{
	return sim_rig_fault(&br->rig, addr, kind, param);
}

void bus_rig_destroy(struct bus_rig *br)
{
	sim_rig_destroy(&br->rig);
}
