/*
 * simbus_proto.c - header encoding for ducosim's bus socket (simbus_proto.h).
 *
 * The fixed 8-byte headers, and the two small payloads of INFO and FAULT;
 * TRANSFER's data bytes follow the header verbatim. Header decoders reject
 * a wrong magic, an unknown op or an oversized length, so a confused peer
 * is noticed on its first message.
 */
#include "simbus_proto.h"
#include "duco_proto.h"

void simbus_encode_req(uint8_t h[SIMBUS_HDR_SIZE], const struct simbus_req *r)
{
	h[0] = SIMBUS_REQ_MAGIC;
	h[1] = r->op;
	h[2] = r->addr;
	h[3] = r->flags;
	duco_put_u16(h + 4, r->wlen);
	duco_put_u16(h + 6, r->rlen);
}

int simbus_decode_req(const uint8_t h[SIMBUS_HDR_SIZE], struct simbus_req *r)
{
	if (h[0] != SIMBUS_REQ_MAGIC)
		return -1;
	r->op = h[1];
	r->addr = h[2];
	r->flags = h[3];
	r->wlen = duco_get_u16(h + 4);
	r->rlen = duco_get_u16(h + 6);
	if (r->op < SIMBUS_OP_TRANSFER || r->op > SIMBUS_OP_FAULT)
		return -1;
	if (r->wlen > SIMBUS_MAX_DATA || r->rlen > SIMBUS_MAX_DATA)
		return -1;
	return 0;
}

void simbus_encode_rsp(uint8_t h[SIMBUS_HDR_SIZE], const struct simbus_rsp *r)
{
	h[0] = SIMBUS_RSP_MAGIC;
	h[1] = r->result;
	duco_put_u16(h + 2, r->wacked);
	duco_put_u16(h + 4, r->rlen);
	h[6] = 0;
	h[7] = 0;
}

int simbus_decode_rsp(const uint8_t h[SIMBUS_HDR_SIZE], struct simbus_rsp *r)
{
	if (h[0] != SIMBUS_RSP_MAGIC)
		return -1;
	r->result = h[1];
	r->wacked = duco_get_u16(h + 2);
	r->rlen = duco_get_u16(h + 4);
	if (r->rlen > SIMBUS_MAX_DATA)
		return -1;
	return 0;
}

void simbus_encode_info(uint8_t p[SIMBUS_INFO_SIZE], const struct simbus_info *i)
{
	duco_put_u32(p, (uint32_t)i->sim_time_ns);
	duco_put_u32(p + 4, (uint32_t)(i->sim_time_ns >> 32));
	duco_put_u32(p + 8, i->bus_hz);
	duco_put_u16(p + 12, i->slaves);
	duco_put_u16(p + 14, i->flags);
}

void simbus_decode_info(const uint8_t p[SIMBUS_INFO_SIZE], struct simbus_info *i)
{
	i->sim_time_ns = (uint64_t)duco_get_u32(p) | (uint64_t)duco_get_u32(p + 4) << 32;
	i->bus_hz = duco_get_u32(p + 8);
	i->slaves = duco_get_u16(p + 12);
	i->flags = duco_get_u16(p + 14);
}

void simbus_encode_fault(uint8_t p[SIMBUS_FAULT_SIZE], uint8_t kind, uint32_t param)
{
	p[0] = kind;
	duco_put_u32(p + 1, param);
}

void simbus_decode_fault(const uint8_t p[SIMBUS_FAULT_SIZE], uint8_t *kind, uint32_t *param)
{
	*kind = p[0];
	*param = duco_get_u32(p + 1);
}
