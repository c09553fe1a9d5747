/*
 * simbus_proto.c - header encoding for ducosim's bus socket (simbus_proto.h).
 *
 * Only the fixed 8-byte headers are encoded here; payload bytes follow them
 * verbatim. Decoders reject a wrong magic, an unknown op or an oversized
 * length, so a confused peer is noticed on its first message.
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
