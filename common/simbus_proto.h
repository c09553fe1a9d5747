/*
 * simbus_proto.h - the local socket protocol of ducosim's simulated I2C bus.
 *
 * ducosim exposes its bus on a Unix stream socket so that the master's "sim"
 * bus backend (and the /dev/i2c-N stand-in used by the tests) drive it exactly
 * like a real adapter. Strictly request/response, one request in flight per
 * connection; several clients may connect, requests are served in arrival
 * order. All integers little-endian, encoded byte by byte.
 *
 * Request header (8 bytes):
 *   0  magic   'S'
 *   1  op      enum simbus_op
 *   2  addr    7-bit I2C address (TRANSFER, FAULT)
 *   3  flags   TRANSFER: SIMBUS_XF_* bits (0 for a plain transfer); else 0
 *   4  wlen    u16  bytes to write (follow the header)
 *   6  rlen    u16  bytes to read
 * Response header (8 bytes):
 *   0  magic   's'
 *   1  result  enum simbus_result
 *   2  wacked  u16  write bytes the slave ACKed (address excluded)
 *   4  rlen    u16  bytes read (follow the header)
 *   6  reserved u16, 0
 *
 * TRANSFER: START, address+W, wlen bytes (if wlen > 0), then, if rlen > 0,
 *   a repeated START (or START when wlen == 0), address+R, rlen bytes with
 *   the master ACKing all but the last; then STOP. A write data NACK ends the
 *   transfer with SIMBUS_DATA_NACK (wacked says how far it got). In real-time
 *   mode the reply comes when the simulated bus time has passed. Flags:
 *   SIMBUS_XF_READ: the address+R phase happens even with rlen == 0 (a
 *     zero-length read: SMBus quick read, or an empty I2C_RDWR read message;
 *     the master sends STOP right after the slave's address ACK).
 *   SIMBUS_XF_RECV_LEN: the first byte read is a count (SMBus block read,
 *     I2C_M_RECV_LEN): the master reads that many bytes more than rlen.
 *     A count of 0 or over SIMBUS_BLOCK_MAX ends the read after the count
 *     byte (the master NACKs it). The reply's rlen says how many were read.
 * INFO: no payload; reply payload (rlen = 16): sim time in ns u64, bus clock in
 *   Hz u32, number of slaves u16, flags u16 (bit 0: fast mode).
 * FAULT: inject a fault at addr; payload: kind u8 (enum simbus_fault), then
 *   a u32 parameter (count of affected transfers, or cycles, per kind).
 */
#ifndef SIMBUS_PROTO_H
#define SIMBUS_PROTO_H

#include <stdint.h>

#define SIMBUS_REQ_MAGIC  'S'
#define SIMBUS_RSP_MAGIC  's'
#define SIMBUS_HDR_SIZE   8
/* per direction and transfer: i2c-dev's limit for one I2C_RDWR message */
#define SIMBUS_MAX_DATA   8192
#define SIMBUS_BLOCK_MAX  32    /* largest SMBus block count (I2C_SMBUS_BLOCK_MAX) */

/* TRANSFER flags (request header byte 3) */
#define SIMBUS_XF_READ     0x01
#define SIMBUS_XF_RECV_LEN 0x02

enum simbus_op {
	SIMBUS_OP_TRANSFER = 1,
	SIMBUS_OP_INFO     = 2,
	SIMBUS_OP_FAULT    = 3,
};

enum simbus_result {
	SIMBUS_OK         = 0,
	SIMBUS_ADDR_NACK  = 1,  /* nobody answered the address */
	SIMBUS_DATA_NACK  = 2,  /* slave NACKed a written byte */
	SIMBUS_BUS_ERROR  = 3,  /* bus fault (slave reset mid-transfer) */
	SIMBUS_BAD_REQUEST = 4, /* malformed request */
	SIMBUS_TIMEOUT    = 5,  /* slave held SCL past the adapter's timeout */
};

enum simbus_fault {
	SIMBUS_FAULT_NONE      = 0,
	SIMBUS_FAULT_FLIP_BIT  = 1,  /* flip one bit in the next <param> transfers */
	SIMBUS_FAULT_NACK      = 2,  /* NACK the address on the next <param> transfers */
	SIMBUS_FAULT_RESET     = 3,  /* reset the slave now (mid-job if busy) */
	SIMBUS_FAULT_SILENT    = 4,  /* slave stops answering for <param> ms (0 = forever) */
	SIMBUS_FAULT_CLEAR     = 5,  /* remove all faults at addr */
	SIMBUS_FAULT_FLIP_RATE = 6,  /* each data byte to/from addr has a bit flipped
					with probability <param> per million (0: off) */
	SIMBUS_FAULT_HANG      = 7,  /* addr holds SCL low: its transfers time out, for
					<param> ms (0 = until cleared) */
};

struct simbus_req {
	uint8_t  op;
	uint8_t  addr;
	uint8_t  flags;
	uint16_t wlen;
	uint16_t rlen;
};

struct simbus_rsp {
	uint8_t  result;
	uint16_t wacked;
	uint16_t rlen;
};

/* INFO's reply payload and FAULT's request payload (see the header comment). */
#define SIMBUS_INFO_SIZE  16
#define SIMBUS_FAULT_SIZE 5

struct simbus_info {
	uint64_t sim_time_ns;
	uint32_t bus_hz;
	uint16_t slaves;
	uint16_t flags;         /* bit 0: fast (not real-time) mode */
};

void simbus_encode_req(uint8_t hdr[SIMBUS_HDR_SIZE], const struct simbus_req *r);
int  simbus_decode_req(const uint8_t hdr[SIMBUS_HDR_SIZE], struct simbus_req *r);
void simbus_encode_rsp(uint8_t hdr[SIMBUS_HDR_SIZE], const struct simbus_rsp *r);
int  simbus_decode_rsp(const uint8_t hdr[SIMBUS_HDR_SIZE], struct simbus_rsp *r);
void simbus_encode_info(uint8_t p[SIMBUS_INFO_SIZE], const struct simbus_info *i);
void simbus_decode_info(const uint8_t p[SIMBUS_INFO_SIZE], struct simbus_info *i);
void simbus_encode_fault(uint8_t p[SIMBUS_FAULT_SIZE], uint8_t kind, uint32_t param);
void simbus_decode_fault(const uint8_t p[SIMBUS_FAULT_SIZE], uint8_t *kind, uint32_t *param);

#endif
