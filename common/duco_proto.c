/*
 * duco_proto.c - encoders and decoders for the ducorig I2C protocol (v2, a superset of v1).
 *
 * Byte-wise and endian-neutral; shared verbatim by the firmware and the
 * master so both ends can never disagree about a field's position. Decoders
 * assume nothing about the bytes they get: every length is checked before a
 * byte is read.
 */
#include "duco_proto.h"
#include "duco_crc8.h"

void duco_put_u16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void duco_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

uint16_t duco_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

uint32_t duco_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint8_t finish_frame(uint8_t *buf, uint8_t cmd, uint8_t len)
{
	buf[0] = cmd;
	buf[1] = len;
	buf[2 + len] = duco_crc8(buf, (uint16_t)(2 + len));
	return (uint8_t)(len + DUCO_FRAME_OVERHEAD);
}

uint8_t duco_encode_frame(uint8_t *buf, uint8_t cmd, const uint8_t *payload, uint8_t len)
{
	for (uint8_t i = 0; i < len; i++)
		buf[2 + i] = payload[i];
	return finish_frame(buf, cmd, len);
}

static uint8_t encode_job(uint8_t *buf, uint8_t cmd, const struct duco_job *job)
{
	uint8_t *p = buf + 2, i;

	duco_put_u16(p, job->job_id);
	duco_put_u32(p + 2, job->start_nonce);
	duco_put_u32(p + 6, job->end_nonce);
	for (i = 0; i < 20; i++)
		p[10 + i] = job->expected[i];
	for (i = 0; i < 40; i++)
		p[30 + i] = (uint8_t)job->last_hash[i];
	return finish_frame(buf, cmd, DUCO_JOB_PAYLOAD);
}

uint8_t duco_encode_job(uint8_t *buf, const struct duco_job *job)
{
	return encode_job(buf, DUCO_CMD_JOB, job);
}

uint8_t duco_encode_queue(uint8_t *buf, const struct duco_job *job)
{
	return encode_job(buf, DUCO_CMD_QUEUE, job);
}

uint8_t duco_encode_drop(uint8_t *buf, uint16_t job_id)
{
	duco_put_u16(buf + 2, job_id);
	return finish_frame(buf, DUCO_CMD_DROP, DUCO_DROP_PAYLOAD);
}

uint8_t duco_encode_simple(uint8_t *buf, uint8_t cmd)
{
	return finish_frame(buf, cmd, 0);
}

uint8_t duco_encode_set_addr(uint8_t *buf, uint8_t new_addr)
{
	buf[2] = new_addr;
	buf[3] = (uint8_t)~new_addr;
	return finish_frame(buf, DUCO_CMD_SET_ADDR, DUCO_SET_ADDR_PAYLOAD);
}

uint8_t duco_encode_reset(uint8_t *buf)
{
	buf[2] = DUCO_RESET_MAGIC0;
	buf[3] = DUCO_RESET_MAGIC1;
	return finish_frame(buf, DUCO_CMD_RESET, DUCO_RESET_PAYLOAD);
}

int duco_frame_check(const uint8_t *buf, uint8_t n)
{
	int8_t want;

	if (n < DUCO_FRAME_OVERHEAD || n < (uint16_t)buf[1] + DUCO_FRAME_OVERHEAD)
		return -DUCO_E_SHORT;
	if (n != buf[1] + DUCO_FRAME_OVERHEAD)
		return -DUCO_E_LEN;
	if (duco_crc8(buf, (uint16_t)(n - 1)) != buf[n - 1])
		return -DUCO_E_CRC;
	want = duco_payload_len(buf[0]);
	if (want < 0)
		return -DUCO_E_CMD;
	if (want != buf[1])
		return -DUCO_E_LEN;
	if (!duco_frame_args_ok(buf))
		return -DUCO_E_ARG;
	return DUCO_OK;
}

void duco_decode_job(const uint8_t *frame, struct duco_job *job)
{
	const uint8_t *p = frame + 2;
	uint8_t i;

	job->job_id = duco_get_u16(p);
	job->start_nonce = duco_get_u32(p + 2);
	job->end_nonce = duco_get_u32(p + 6);
	for (i = 0; i < 20; i++)
		job->expected[i] = p[10 + i];
	for (i = 0; i < 40; i++)
		job->last_hash[i] = (char)p[30 + i];
}

int duco_decode_set_addr(const uint8_t *frame, uint8_t *new_addr)
{
	if (frame[0] != DUCO_CMD_SET_ADDR)
		return -DUCO_E_CMD;
	*new_addr = frame[2];
	return DUCO_OK;
}

/*
 * One pass: the slave renders its read frames with this. The CRC over
 * status and crc8(status) is 0 (a CRC over a message followed by its own
 * CRC), so the trailing CRC starts from len.
 */
uint8_t duco_encode_read(uint8_t *buf, uint8_t status, const uint8_t *body, uint8_t len)
{
	uint8_t *p = buf + 3;
	uint8_t crc = duco_crc8_step(0, len);

	buf[0] = status;
	buf[1] = duco_crc8_step(0, status);
	buf[2] = len;
	for (uint8_t i = len; i; i--) {
		uint8_t b = *body++;

		*p++ = b;
		crc = duco_crc8_step(crc, b);
	}
	*p = crc;
	return (uint8_t)DUCO_READ_FRAME_SIZE(len);
}

int duco_read_check(const uint8_t *buf, uint8_t n)
{
	if (n == 0)
		return -DUCO_E_SHORT;
	if (n == 1)
		return DUCO_OK;
	if (duco_crc8(buf, 1) != buf[1])
		return -DUCO_E_CRC;
	if (n == 2)
		return DUCO_OK;
	if (n < DUCO_READ_FRAME_SIZE(0) || buf[2] > DUCO_MAX_READ_BODY)
		return -DUCO_E_LEN;
	if (n < DUCO_READ_FRAME_SIZE(buf[2]))
		return -DUCO_E_SHORT;
	if (duco_crc8(buf, (uint16_t)(3 + buf[2])) != buf[3 + buf[2]])
		return -DUCO_E_CRC;
	return DUCO_OK;
}

void duco_encode_result_body(uint8_t *body, const struct duco_result *r)
{
	duco_put_u16(body, r->job_id);
	body[2] = r->found;
	duco_put_u32(body + 3, r->nonce);
	duco_put_u32(body + DUCO_RESULT_ELAPSED, r->elapsed_us);
}

/* Shared by the body decoders: a checked frame whose body has exactly len bytes. */
static int body_of(const uint8_t *frame, uint8_t n, uint8_t len, const uint8_t **body)
{
	int rc = duco_read_check(frame, n);

	if (rc)
		return rc;
	if (n < DUCO_READ_FRAME_SIZE(0))
		return -DUCO_E_SHORT;
	if (frame[2] != len)
		return -DUCO_E_LEN;
	*body = frame + DUCO_READ_HEAD;
	return DUCO_OK;
}

int duco_decode_result(const uint8_t *frame, uint8_t n, struct duco_result *r)
{
	const uint8_t *b;
	int rc = body_of(frame, n, DUCO_RESULT_BODY, &b);

	if (rc)
		return rc;
	if (!duco_state_has_result(DUCO_STATUS_STATE(frame[0])))
		return -DUCO_E_ARG;
	r->job_id = duco_get_u16(b);
	r->found = b[2];
	r->nonce = duco_get_u32(b + 3);
	r->elapsed_us = duco_get_u32(b + 7);
	return DUCO_OK;
}

void duco_encode_identity_body(uint8_t *body, const struct duco_identity *id)
{
	uint8_t i;

	body[0] = id->proto_version;
	duco_put_u16(body + 1, id->fw_version);
	body[3] = id->board_id;
	duco_put_u32(body + 4, id->f_cpu);
	for (i = 0; i < 8; i++)
		body[8 + i] = id->ducoid[i];
	body[16] = id->reset_cause;
	body[17] = id->hash_impl;
	duco_put_u16(body + 18, id->crc_errors);
	duco_put_u16(body + 20, id->frame_errors);
	duco_put_u16(body + 22, id->overruns);
	duco_put_u16(body + 24, id->jobs_done);
	body[26] = id->i2c_addr;
	body[27] = id->slots;
}

int duco_decode_identity(const uint8_t *frame, uint8_t n, struct duco_identity *id)
{
	const uint8_t *b;
	uint8_t i;
	int rc = body_of(frame, n, DUCO_IDENTITY_BODY, &b);

	if (rc)
		return rc;
	id->proto_version = b[0];
	id->fw_version = duco_get_u16(b + 1);
	id->board_id = b[3];
	id->f_cpu = duco_get_u32(b + 4);
	for (i = 0; i < 8; i++)
		id->ducoid[i] = b[8 + i];
	id->reset_cause = b[16];
	id->hash_impl = b[17];
	id->crc_errors = duco_get_u16(b + 18);
	id->frame_errors = duco_get_u16(b + 20);
	id->overruns = duco_get_u16(b + 22);
	id->jobs_done = duco_get_u16(b + 24);
	id->i2c_addr = b[26];
	id->slots = b[27];
	return DUCO_OK;
}

void duco_encode_health_body(uint8_t *body, const struct duco_health *h)
{
	body[0] = h->sensors;
	duco_put_u16(body + 1, h->vbg_adc);
	duco_put_u16(body + 3, h->temp_adc);
	duco_put_u16(body + 5, h->samples);
	duco_put_u32(body + 7, h->uptime_s);
	duco_put_u16(body + 11, h->bus_resets);
}

int duco_decode_health(const uint8_t *frame, uint8_t n, struct duco_health *h)
{
	const uint8_t *b;
	int rc = body_of(frame, n, DUCO_HEALTH_BODY, &b);

	if (rc)
		return rc;
	h->sensors = b[0];
	h->vbg_adc = duco_get_u16(b + 1);
	h->temp_adc = duco_get_u16(b + 3);
	h->samples = duco_get_u16(b + 5);
	h->uptime_s = duco_get_u32(b + 7);
	h->bus_resets = duco_get_u16(b + 11);
	/* only what the firmware can send: known sensor bits, 10-bit counts,
	 * no count without its bit. A CRC-correct body with anything else is
	 * damaged or not ours, and no reading to show. */
	if ((h->sensors & ~(DUCO_HEALTH_VCC | DUCO_HEALTH_TEMP)) || h->vbg_adc > 1023 ||
	    h->temp_adc > 1023 || (!(h->sensors & DUCO_HEALTH_VCC) && h->vbg_adc) ||
	    (!(h->sensors & DUCO_HEALTH_TEMP) && h->temp_adc))
		return -DUCO_E_ARG;
	return DUCO_OK;
}

double duco_health_vcc_mv(uint16_t vbg_adc, double bandgap_mv)
{
	/* ADC = Vin * 1024 / Vref with Vin the bandgap and Vref = AVcc */
	return vbg_adc ? bandgap_mv * 1024.0 / vbg_adc : -1;
}

double duco_health_temp_c(uint16_t temp_adc, double bandgap_mv, double offset_c, double gain)
{
	double mv = temp_adc * bandgap_mv / 1024.0, t;

	/* the datasheet's two slopes: 72 mV over 70 C below 25 C, 66 mV over 60 C above */
	if (mv < 314)
		t = 25 + (mv - 314) * 70.0 / 72.0;
	else
		t = 25 + (mv - 314) * 60.0 / 66.0;
	return 25 + (t - 25) * gain + offset_c;
}
