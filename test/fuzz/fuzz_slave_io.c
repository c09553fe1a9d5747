/*
 * fuzz_slave_io.c - fuzz harness for the master's decoding of what boards
 * send back over I2C (lib/slave_io.c: status polls, identity and result
 * frames, refusals, NACK and CRC retries, the SET_ADDR steps), driven by a
 * bus backend defined here whose every transfer is decided by the input.
 *
 * Input: a stream of bytes. Each step takes an operation byte (identify,
 * send a job, poll, read a result, abort, clear errors, change address,
 * reset, scan, health); each transfer it makes takes a control byte: a NACK, a bus
 * error, or a read answered with the next input bytes as they are, or as
 * the body of a read frame whose status and CRCs the harness makes right
 * (so the fuzzer gets past the CRC to the decoding behind it). When the
 * input runs out the bus NACKs. Invariants: every call returns a count or
 * a negative errno and ends (time is a fake clock, moved 1 ms per
 * transfer and to again_at_us after -EAGAIN); a result read as good has the
 * job id asked for; an address change that succeeded moved s->addr; an
 * identity says whether the board answers HEALTH (protocol 2, firmware 1.1
 * on), and slave_io_health is -EOPNOTSUPP exactly for one that does not;
 * every health step that asks again made a transfer (so the steps end with
 * the input); a good health answer is the 13-byte body of the last frame
 * read, field by field (little-endian, docs/i2c-protocol.md), from a status
 * without a kept result, and its supply and temperature convert to finite
 * numbers (the supply -1 only for a zero bandgap count), with known sensor
 * bits and 10-bit counts, none without its bit; -EBUSY only when
 * the last frame read offered a kept result.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "duco_proto.h"
#include "mclock.h"
#include "slave_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *fz_data;
static size_t fz_size, fz_off;
static struct mclock fz_clock;
/* what the last read that succeeded handed to slave_io */
static uint8_t fz_last[DUCO_MAX_READ_FRAME + 64];
static uint16_t fz_last_len;

static int fz_byte(void)
{
	return fz_off < fz_size ? fz_data[fz_off++] : -1;
}

static int fz_xfer(struct bus *b, uint8_t addr, const uint8_t *w, uint16_t wlen, uint8_t *r,
		   uint16_t rlen)
{
	uint8_t body[DUCO_MAX_READ_BODY], frame[DUCO_MAX_READ_FRAME + 64];
	int c = fz_byte(), status, len;

	mclock_fake_advance(&fz_clock, 1000);
	if (c < 0)
		return -ENXIO;
	switch (c & 7) {
	case 0: return -ENXIO;
	case 1: return -EREMOTEIO;
	case 2: return c & 8 ? -EIO : -ETIMEDOUT;
	default: break;
	}
	if (!rlen)
		return 0;
	memset(frame, 0xff, sizeof(frame));
	if ((c & 7) >= 5) {
		/* a well-formed read frame: status, then a body of the chosen length */
		status = fz_byte();
		len = fz_byte();
		if (status < 0 || len < 0)
			return -ENXIO;
		len %= DUCO_MAX_READ_BODY + 1;
		for (int i = 0; i < len; i++) {
			int v = fz_byte();

			body[i] = (uint8_t)(v < 0 ? 0 : v);
		}
		duco_encode_read(frame, (uint8_t)status, body, (uint8_t)len);
	} else {
		for (int i = 0; i < rlen && i < (int)sizeof(frame); i++) {
			int v = fz_byte();

			frame[i] = (uint8_t)(v < 0 ? 0xff : v);
		}
	}
	memcpy(r, frame, rlen < sizeof(frame) ? rlen : sizeof(frame));
	fz_last_len = rlen < sizeof(frame) ? rlen : sizeof(frame);
	memcpy(fz_last, frame, fz_last_len);
	return 0;
}

static const struct bus_ops fz_ops = { .name = "fuzz", .xfer = fz_xfer };

/* Make the call again while it says -EAGAIN, at the time it names. */
static int fz_until(struct slave_io *s, int rc, int (*again)(struct slave_io *, void *),
		    void *arg)
{
	for (int n = 0; rc == -EAGAIN && n < 1000; n++) {
		int64_t wait = slave_io_again_in_us(s);

		mclock_fake_advance(&fz_clock, wait > 0 ? wait : 1000);
		rc = again(s, arg);
	}
	if (rc == -EAGAIN && fz_off < fz_size)
		abort();        /* an -EAGAIN that never ends while the bus answers */
	return rc;
}

static int fz_identify(struct slave_io *s, void *arg) { return slave_io_identify(s, arg); }
static int fz_send_job(struct slave_io *s, void *arg) { return slave_io_send_job(s, arg); }
static int fz_abort(struct slave_io *s, void *arg) { return slave_io_abort(s); }
static int fz_clear(struct slave_io *s, void *arg) { return slave_io_clear_errors(s); }
static int fz_set_addr(struct slave_io *s, void *arg)
{
	return slave_io_set_addr(s, *(uint8_t *)arg);
}

/*
 * HEALTH in steps until it ends. Each -EAGAIN made a transfer, so the steps
 * run out with the input (after it the bus NACKs, which ends any step); a
 * step without one, or -EAGAIN long after the input ended, is a hang.
 */
static int fz_health(struct slave_io *s)
{
	struct duco_health h;
	const uint8_t *b = fz_last + 3;
	int had = slave_io_has_health(s), rc, idle = 0;
	double vcc, temp;

	for (;;) {
		uint32_t xfers = s->st.xfers;
		int64_t wait;

		rc = slave_io_health(s, &h);
		if (rc != -EAGAIN)
			break;
		if (s->st.xfers == xfers || (fz_off >= fz_size && ++idle > 2))
			abort();
		wait = slave_io_again_in_us(s);
		mclock_fake_advance(&fz_clock, wait > 0 ? wait : 1000);
	}
	if ((rc == -EOPNOTSUPP) != !had)
		abort();
	/* busy: the window ended on a frame offering a kept result */
	if (rc == -EBUSY && (fz_last_len < 1 || !duco_state_has_result(DUCO_STATUS_STATE(fz_last[0]))))
		abort();
	if (rc != 0)
		return rc;
	if (fz_last_len != DUCO_READ_FRAME_SIZE(DUCO_HEALTH_BODY) || fz_last[2] != DUCO_HEALTH_BODY ||
	    duco_state_has_result(DUCO_STATUS_STATE(fz_last[0])) || h.sensors != b[0] ||
	    h.vbg_adc != (b[1] | b[2] << 8) || h.temp_adc != (b[3] | b[4] << 8) ||
	    h.samples != (b[5] | b[6] << 8) ||
	    h.uptime_s != (b[7] | b[8] << 8 | b[9] << 16 | (uint32_t)b[10] << 24) ||
	    h.bus_resets != (b[11] | b[12] << 8))
		abort();
	/* only what a firmware can send is a reading */
	if ((h.sensors & ~(DUCO_HEALTH_VCC | DUCO_HEALTH_TEMP)) || h.vbg_adc > 1023 || h.temp_adc > 1023 ||
	    (!(h.sensors & DUCO_HEALTH_VCC) && h.vbg_adc) || (!(h.sensors & DUCO_HEALTH_TEMP) && h.temp_adc))
		abort();
	vcc = duco_health_vcc_mv(h.vbg_adc, DUCO_BANDGAP_MV_DEFAULT);
	temp = duco_health_temp_c(h.temp_adc, DUCO_BANDGAP_MV_DEFAULT, 0, 1);
	if (!isfinite(vcc) || !isfinite(temp) || (vcc == -1) != !h.vbg_adc || (h.vbg_adc && vcc <= 0))
		abort();
	return rc;
}

static void fz_check_rc(int rc)
{
	static const int ok[] = { ENXIO, EREMOTEIO, EIO, ETIMEDOUT, EBADMSG, EPROTO, EAGAIN,
				  EINVAL, ERANGE, EOPNOTSUPP };

	if (rc >= 0)
		return;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (rc == -ok[i])
			return;
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bus b = { .ops = &fz_ops, .fd = -1 };
	struct slave_io s;
	struct duco_identity id;
	struct duco_result res;
	struct duco_job job;
	uint8_t found[16], to;
	int op, rc;

	fz_data = data;
	fz_size = size;
	fz_off = 0;
	fz_last_len = 0;
	mclock_fake_init(&fz_clock, 1000000);
	slave_io_init(&s, &b, 0x08);
	s.clock = &fz_clock;
	memset(&job, 0, sizeof(job));
	memcpy(job.last_hash, "ba29a15896fd2d792d5c4b60668bf2b9feebc51d", 40);
	job.end_nonce = 1000;
	while ((op = fz_byte()) >= 0) {
		switch (op % 10) {
		case 0:
			rc = fz_until(&s, slave_io_identify(&s, &id), fz_identify, &id);
			if (rc == 0 && slave_io_has_health(&s) !=
			    (id.proto_version >= DUCO_PROTO_V2 && id.fw_version >= DUCO_HEALTH_FW_MIN))
				abort();
			break;
		case 1:
			job.job_id = (uint16_t)(op * 37);
			rc = fz_until(&s, slave_io_send_job(&s, &job), fz_send_job, &job);
			break;
		case 2:
			rc = slave_io_poll(&s, op & 0x10);
			if (rc > 0xff)
				abort();
			break;
		case 3:
			rc = slave_io_read_result(&s, job.job_id, &res);
			if (rc == 0 && res.job_id != job.job_id)
				abort();
			break;
		case 4:
			rc = fz_until(&s, slave_io_abort(&s), fz_abort, NULL);
			break;
		case 5:
			rc = fz_until(&s, slave_io_clear_errors(&s), fz_clear, NULL);
			break;
		case 6:
			to = (uint8_t)(0x08 + op % 0x70);
			rc = fz_until(&s, slave_io_set_addr(&s, to), fz_set_addr, &to);
			if (rc == 0 && s.addr != to)
				abort();
			break;
		case 7:
			rc = slave_io_reset(&s);
			break;
		case 8:
			rc = slave_io_scan(&b, 0x08, 0x17, found, (int)sizeof(found));
			if (rc > (int)sizeof(found))
				abort();
			break;
		default:
			rc = fz_health(&s);
			if (rc == -EBUSY)       /* fz_health checked it */
				rc = 0;
			break;
		}
		fz_check_rc(rc);
	}
	return 0;
}
