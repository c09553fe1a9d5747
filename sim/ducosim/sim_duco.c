/*
 * sim_duco.c - protocol v1 transfers over the simulated bus, and the
 * one-shot run of a single job through one firmware image.
 *
 * The one-shot run measures the job the way the benchmark needs it: from the
 * STOP of the JOB frame (the moment the firmware has the whole job) to the
 * first SLEEP the firmware executes afterwards (it sleeps only when idle, so
 * that is the moment its result is published), in the slave's own cycles,
 * with no bus traffic in between unless status polls were asked for. A slow
 * status poll every 100 ms of simulated time is the fallback that ends the
 * run for firmware that never sleeps. Assumes the firmware enables its TWI
 * slave within two simulated seconds of reset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duco_s1.h"
#include "sim_avr.h"
#include "sim_duco.h"

int sim_duco_xfer_to(struct sim_rig *r, struct sim_slave *s, uint8_t addr,
		     const uint8_t *w, uint16_t wlen, uint8_t *rd, uint16_t rlen)
{
	struct sim_xfer *x = calloc(1, sizeof(*x));
	int err;

	if (!x)
		return -ENOMEM;
	x->addr = addr;
	x->wlen = wlen;
	x->rlen = rlen;
	if (wlen)
		memcpy(x->w, w, wlen);
	err = s ? sim_rig_xfer_to(r, s, x) : sim_rig_xfer(r, x);
	if (!err) {
		err = x->result;
		if (rlen)
			memcpy(rd, x->r, rlen);
	}
	free(x);
	return err;
}

static int sim_duco_xfer(struct sim_rig *r, uint8_t addr, const uint8_t *w, uint16_t wlen,
			 uint8_t *rd, uint16_t rlen)
{
	return sim_duco_xfer_to(r, NULL, addr, w, wlen, rd, rlen);
}

int sim_duco_write(struct sim_rig *r, uint8_t addr, const uint8_t *frame, uint16_t n)
{
	return sim_duco_xfer(r, addr, frame, n, NULL, 0);
}

int sim_duco_read(struct sim_rig *r, uint8_t addr, uint8_t *buf, uint16_t n)
{
	return sim_duco_xfer(r, addr, NULL, 0, buf, n);
}

int sim_duco_status(struct sim_rig *r, uint8_t addr, uint8_t *status)
{
	uint8_t b[2];
	int err = sim_duco_read(r, addr, b, 2);

	if (err)
		return err;
	if (duco_read_check(b, 2))
		return -EBADMSG;
	*status = b[0];
	return 0;
}

int sim_duco_result(struct sim_rig *r, uint8_t addr, uint8_t *status,
		    struct duco_result *res)
{
	uint8_t b[DUCO_READ_FRAME_SIZE(DUCO_RESULT_BODY)];
	int err = sim_duco_read(r, addr, b, sizeof(b));

	if (err)
		return err;
	*status = b[0];
	return duco_decode_result(b, sizeof(b), res) ? -EBADMSG : 0;
}

int sim_duco_identify(struct sim_rig *r, uint8_t addr, struct duco_identity *id)
{
	uint8_t f[DUCO_MAX_WRITE_FRAME], b[DUCO_READ_FRAME_SIZE(DUCO_IDENTITY_BODY)];
	uint8_t n = duco_encode_simple(f, DUCO_CMD_IDENTIFY);
	int err = sim_duco_write(r, addr, f, n);

	if (err)
		return err;
	err = sim_duco_read(r, addr, b, sizeof(b));
	if (err)
		return err;
	return duco_decode_identity(b, sizeof(b), id) ? -EBADMSG : 0;
}

int sim_duco_job(struct sim_rig *r, uint8_t addr, const struct duco_job *job)
{
	uint8_t f[DUCO_MAX_WRITE_FRAME], before, after;
	uint8_t n = duco_encode_job(f, job);
	int err;

	err = sim_duco_status(r, addr, &before);
	if (err)
		return err;
	err = sim_duco_write(r, addr, f, n);
	if (err)
		return err;
	err = sim_duco_status(r, addr, &after);
	if (err)
		return err;
	if ((after & DUCO_STATUS_REJECT) ||
	    DUCO_STATUS_SEQ(after) != ((DUCO_STATUS_SEQ(before) + 1) & 0x0f))
		return -EPROTO;
	return 0;
}

/* Run until the firmware has enabled its TWI slave; returns its address. */
static int sim_oneshot_boot(struct sim_rig *r, struct sim_slave *s, uint8_t *addr)
{
	uint64_t limit = r->now_ns + 2000000000ull;

	while (r->now_ns < limit) {
		uint8_t a;

		sim_rig_run(r, r->now_ns + 1000000);
		if (!sim_avr_alive(s))
			return -EIO;
		a = sim_avr_twi_addr(s);
		if (a && s->ops->matches(s, a)) {
			/* let the main loop finish its start-up */
			sim_rig_run(r, r->now_ns + 2000000);
			*addr = sim_avr_twi_addr(s);
			return 0;
		}
	}
	return -ETIMEDOUT;
}

int sim_oneshot_run(struct sim_oneshot *o)
{
	struct sim_rig *r = calloc(1, sizeof(*r));
	struct sim_slave *s = NULL;
	struct sim_avr_stats st;
	uint64_t start, step_ns, last_check_ns, now_cyc;
	uint8_t status;
	int err;

	if (!r)
		return -ENOMEM;
	sim_rig_init(r, o->bus_hz);
	err = sim_avr_create(&s, o->elf, o->mcu, o->freq, o->bus_hz, "avr0");
	if (err)
		goto out;
	err = sim_rig_add(r, s);
	if (err) {
		s->ops->destroy(s);
		goto out;
	}
	err = sim_oneshot_boot(r, s, &o->addr);
	if (err)
		goto out;
	o->boot_cycles = sim_avr_cycle(s);

	err = sim_duco_status(r, o->addr, &status);
	if (err)
		goto out;
	{
		uint8_t f[DUCO_MAX_WRITE_FRAME];
		uint8_t n = duco_encode_job(f, &o->job);
		uint8_t before = status;

		err = sim_duco_write(r, o->addr, f, n);
		if (err)
			goto out;
		start = sim_avr_xfer_end_cycle(s);
		sim_avr_sleep_watch(s);
		if (o->poll_len == 0)
			o->poll_len = 2;
		err = sim_duco_status(r, o->addr, &status);
		if (err)
			goto out;
		if ((status & DUCO_STATUS_REJECT) ||
		    DUCO_STATUS_SEQ(status) != ((DUCO_STATUS_SEQ(before) + 1) & 0x0f)) {
			err = -EPROTO;
			goto out;
		}
	}

	/* hash: polls as asked, and a slow fallback poll */
	step_ns = o->poll_us ? (uint64_t)o->poll_us * 1000 : 100000000ull;
	last_check_ns = r->now_ns;
	o->polls = 0;
	for (;;) {
		uint64_t polled_at;

		sim_rig_run(r, r->now_ns + step_ns);
		if (sim_avr_sleep_cycle(s))
			break;
		if (!sim_avr_alive(s)) {
			err = -EIO;
			goto out;
		}
		now_cyc = sim_avr_cycle(s);
		if (now_cyc - start > o->max_cycles) {
			err = -ETIMEDOUT;
			goto out;
		}
		polled_at = now_cyc;
		if (o->poll_us) {
			uint8_t b[2];

			err = sim_duco_read(r, o->addr, b, o->poll_len);
			if (err)
				goto out;
			status = b[0];
			if (!sim_avr_sleep_cycle(s) || sim_avr_sleep_cycle(s) > polled_at)
				o->polls++;
		} else if (r->now_ns - last_check_ns >= 100000000ull) {
			err = sim_duco_status(r, o->addr, &status);
			if (err)
				goto out;
			last_check_ns = r->now_ns;
		} else {
			continue;
		}
		if (DUCO_STATUS_STATE(status) == DUCO_ST_DONE && !sim_avr_sleep_cycle(s)) {
			/* firmware that never sleeps: the poll marks the end */
			sim_rig_run(r, r->now_ns + 1000000);
			if (!sim_avr_sleep_cycle(s)) {
				o->cycles = polled_at - start;
				break;
			}
		}
	}
	if (sim_avr_sleep_cycle(s))
		o->cycles = sim_avr_sleep_cycle(s) - start;

	err = sim_duco_result(r, o->addr, &status, &o->res);
	if (err)
		goto out;
	if (DUCO_STATUS_STATE(status) != DUCO_ST_DONE || o->res.job_id != o->job.job_id) {
		err = -EPROTO;
		goto out;
	}
	sim_avr_stats(s, &st);
	o->max_stretch = st.max_stretch;
	o->max_stretch_status = st.max_stretch_status;
out:
	sim_rig_destroy(r);
	free(r);
	return err;
}
