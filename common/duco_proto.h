/*
 * duco_proto.h - the ducorig I2C wire protocol, version 2.
 *
 * One definition of the frames the master and an AVR slave exchange, shared
 * by the firmware, the master, the simulator and the tests. Everything on the
 * wire is encoded byte by byte, multi-byte integers little-endian, so the
 * 8-bit AVR (16-bit int) and the 32/64-bit host agree without packed structs.
 * The full description with examples is docs/i2c-protocol.md.
 *
 * Write frame (master -> slave, one I2C write transaction):
 *     cmd, len, payload[len], crc8(cmd .. last payload byte)
 * Read frame (slave -> master, one I2C read transaction, any length):
 *     status, crc8(status), len, body[len], crc8(status .. last body byte)
 *   A 1-byte read is a quick status poll; a 2-byte read is a checked status;
 *   a read of DUCO_READ_FRAME_SIZE(len) bytes gets the whole frame.
 *
 * Command numbers are never reused or renumbered; retired ones stay listed.
 * Version 2 adds a job queue (QUEUE, DROP, the states 4..6 and the slot
 * count in the identity); everything of version 1 keeps its meaning, so a
 * version-1 master drives a version-2 board unchanged, and a version-2
 * master drives a version-1 board with JOB/ABORT alone (one job at a time).
 * Assumes nothing but C99 <stdint.h> and build/gen/duco_boards.h (written
 * by the build from boards.mk); no malloc, no stdio, no OS headers.
 */
#ifndef DUCO_PROTO_H
#define DUCO_PROTO_H

#include <stdint.h>
#include "duco_boards.h"        /* generated from boards.mk */

#define DUCO_PROTO_V1      1   /* one job at a time */
#define DUCO_PROTO_V2      2   /* + one queued job, results kept until dropped */
#define DUCO_PROTO_VERSION DUCO_PROTO_V2   /* what this tree's firmware speaks */

/* --- write frames ------------------------------------------------------- */
#define DUCO_FRAME_OVERHEAD 3          /* cmd + len + crc */

enum duco_cmd {
	DUCO_CMD_NONE      = 0x00,     /* never valid on the wire */
	DUCO_CMD_JOB       = 0x01,     /* start (or replace) a job */
	DUCO_CMD_ABORT     = 0x02,     /* stop hashing, go idle */
	DUCO_CMD_IDENTIFY  = 0x03,     /* next read returns the identity body */
	DUCO_CMD_SET_ADDR  = 0x04,     /* store a new I2C address in EEPROM */
	DUCO_CMD_RESET     = 0x05,     /* watchdog reset of the slave */
	DUCO_CMD_CLEAR_ERR = 0x06,     /* zero the error counters */
	/* version 2 (a version-1 board rejects them as unknown commands) */
	DUCO_CMD_QUEUE     = 0x07,     /* add a job: runs now if none runs, else
	                                  waits as the queued job (replacing one) */
	DUCO_CMD_DROP      = 0x08,     /* forget job id: its kept result (the
	                                  acknowledgement), its queued place, or
	                                  its run (the queued job starts) */
	DUCO_CMD_HEALTH    = 0x09,     /* next read returns the health body
	                                  (firmware 1.1 on; DUCO_HEALTH_FW_MIN) */
	/* 0x0a.. free */
};

/*
 * JOB payload (70 bytes):
 *   0  job_id       u16   echoed in the result
 *   2  start_nonce  u32   first nonce to try (0 for a fresh job)
 *   6  end_nonce    u32   last nonce to try, inclusive (100 * diff)
 *  10  expected     20 bytes, binary SHA-1 digest
 *  30  last_hash    40 ASCII chars exactly as the pool sent them
 */
#define DUCO_JOB_PAYLOAD   70
#define DUCO_JOB_FRAME     (DUCO_JOB_PAYLOAD + DUCO_FRAME_OVERHEAD)
/* QUEUE carries the JOB payload; DROP the job id (u16). */
#define DUCO_DROP_PAYLOAD  2
#define DUCO_MAX_NONCE     4294967295UL    /* u32 on the wire */

/* SET_ADDR payload: new address, its bitwise complement (confirmation). */
#define DUCO_SET_ADDR_PAYLOAD 2
/* RESET payload: two magic bytes so line noise cannot reset a slave. */
#define DUCO_RESET_PAYLOAD 2
#define DUCO_RESET_MAGIC0  0x5a
#define DUCO_RESET_MAGIC1  0xa5

#define DUCO_ADDR_MIN 0x08
#define DUCO_ADDR_MAX 0x77

/* Largest write frame a slave must buffer. */
#define DUCO_MAX_WRITE_FRAME DUCO_JOB_FRAME

/* --- read frames -------------------------------------------------------- */
/*
 * Status byte:
 *   bits 0-2  state (enum duco_state)
 *   bit  3    REJECT: the last write frame was rejected (bad CRC, length,
 *             command or argument); cleared by the next accepted frame
 *   bits 4-7  count of accepted write frames, modulo 16, so the master can
 *             tell that its frame arrived without another transaction
 */
enum duco_state {
	DUCO_ST_IDLE     = 0,   /* no job, no result kept */
	DUCO_ST_BUSY     = 1,   /* hashing (nothing queued, no result kept) */
	DUCO_ST_DONE     = 2,   /* not hashing; body holds the (oldest kept) result */
	DUCO_ST_ERROR    = 3,   /* internal fault; identity body says more */
	/* version 2, only after QUEUE: hashing, and */
	DUCO_ST_BUSY_QUEUED      = 4,   /* a job waits; no result kept */
	DUCO_ST_BUSY_DONE        = 5,   /* a result is kept (body); none waits */
	DUCO_ST_BUSY_QUEUED_DONE = 6,   /* a job waits and a result is kept */
	/* 7: reserved, never sent */
};
#define DUCO_STATUS_STATE(s)   ((uint8_t)((s) & 0x07))
/* What a state says, for either version (st: enum duco_state). */
static inline uint8_t duco_state_hashing(uint8_t st)
{
	return st == DUCO_ST_BUSY || (st >= DUCO_ST_BUSY_QUEUED && st <= DUCO_ST_BUSY_QUEUED_DONE);
}
static inline uint8_t duco_state_queued(uint8_t st)
{
	return st == DUCO_ST_BUSY_QUEUED || st == DUCO_ST_BUSY_QUEUED_DONE;
}
static inline uint8_t duco_state_has_result(uint8_t st)
{
	return st == DUCO_ST_DONE || st == DUCO_ST_BUSY_DONE || st == DUCO_ST_BUSY_QUEUED_DONE;
}
#define DUCO_STATUS_REJECT     0x08
#define DUCO_STATUS_SEQ(s)     ((uint8_t)((s) >> 4))
#define DUCO_STATUS_MAKE(state, reject, seq) \
	((uint8_t)(((state) & 0x07) | ((reject) ? DUCO_STATUS_REJECT : 0) | (((seq) & 0x0f) << 4)))

#define DUCO_READ_HEAD          3       /* status, crc8(status), len */
#define DUCO_READ_FRAME_SIZE(len) (DUCO_READ_HEAD + (len) + 1)

/*
 * Result body (a state with a result kept), 11 bytes:
 *   0  job_id      u16
 *   2  found       u8    1 = nonce solves the job, 0 = range exhausted
 *   3  nonce       u32   the solution (or the last nonce tried)
 *   7  elapsed_us  u32   slave timer, job started -> result ready (a job
 *                        that starts at once starts when it is accepted,
 *                        a queued one when the job before it ended)
 * Version 2 keeps every result until a DROP of its job id (or a JOB/ABORT,
 * which clear everything, as in version 1); the body is the oldest kept.
 */
#define DUCO_RESULT_BODY 11
#define DUCO_RESULT_ELAPSED 7   /* offset of elapsed_us, the last field */

/*
 * Identity body (one read after IDENTIFY), 28 bytes:
 *   0  proto_version   u8   DUCO_PROTO_VERSION
 *   1  fw_version      u16  major << 8 | minor
 *   3  board_id        u8   enum duco_board
 *   4  f_cpu           u32  Hz
 *   8  ducoid          8 bytes, signature-row serial
 *  16  reset_cause     u8   MCUSR bits at boot (DUCO_RESET_*)
 *  17  hash_impl       u8   enum duco_hash_impl
 *  18  crc_errors      u16  frames dropped for a bad CRC
 *  20  frame_errors    u16  frames dropped for length/command/argument
 *  22  overruns        u16  bytes lost because a frame was too long
 *  24  jobs_done       u16  results produced since boot (wraps)
 *  26  i2c_addr        u8   the address in use
 *  27  slots           u8   version 2: jobs the board holds at once, kept
 *                           results + running + queued (DUCO_SLOTS);
 *                           version 1: reserved, 0
 */
#define DUCO_IDENTITY_BODY 28
/*
 * Version 2: kept results + running job + queued job <= DUCO_SLOTS. Only
 * the master's frames change that sum (QUEUE + 1, DROP of a live id - 1,
 * JOB sets it to 1, ABORT to 0); a job ending turns a running job into a
 * kept result and starts the queued one, which leaves it alone. So the
 * master always knows it, and a QUEUE that would exceed it is rejected.
 */
#define DUCO_SLOTS 3

/*
 * Health body (a read after HEALTH, once the main loop has measured; until
 * then the read carries an empty body, and while a result is kept the
 * result is offered instead, so the master's result reads never see it),
 * 13 bytes:
 *   0  sensors      u8   DUCO_HEALTH_* bits: which readings are real
 *   1  vbg_adc      u16  the 1.1 V bandgap against AVcc, 10-bit ADC count:
 *                        Vcc = bandgap_mV * 1024 / vbg_adc
 *   3  temp_adc     u16  the die temperature sensor against the internal
 *                        1.1 V reference, 10-bit ADC count
 *   5  samples      u16  measurement rounds since boot (wraps): a count
 *                        that stands still means the readings are stale
 *   7  uptime_s     u32  seconds since the firmware started
 *  11  bus_resets   u16  stalled transactions the board dropped (its TWI
 *                        reset after 100 ms without a bus event)
 * A reading whose bit is clear is 0 and means nothing (a board without that
 * sensor, or none measured yet); duco_decode_health refuses (-DUCO_E_ARG)
 * other bits, counts over 1023 and a count without its bit. The
 * conversion to volts and degrees and its calibration are the master's
 * (duco_health_vcc_mv, duco_health_temp_c; docs/health.md). Version 1 boards and firmware before 1.1 reject HEALTH.
 */
#define DUCO_HEALTH_BODY 13
#define DUCO_HEALTH_FW_MIN 0x0101       /* first firmware with HEALTH */
enum duco_health_sensor {
	DUCO_HEALTH_VCC  = 0x01,        /* vbg_adc is a reading */
	DUCO_HEALTH_TEMP = 0x02,        /* temp_adc is a reading */
};
#define DUCO_BANDGAP_MV_DEFAULT 1100    /* datasheet typical, 1.0..1.2 V */

#define DUCO_MAX_READ_BODY DUCO_IDENTITY_BODY
#define DUCO_MAX_READ_FRAME DUCO_READ_FRAME_SIZE(DUCO_MAX_READ_BODY)

enum duco_reset_cause {         /* same bits as the AVR's MCUSR */
	DUCO_RESET_POWERON  = 0x01,
	DUCO_RESET_EXTERNAL = 0x02,
	DUCO_RESET_BROWNOUT = 0x04,
	DUCO_RESET_WATCHDOG = 0x08,
	/* Not an MCUSR bit: the firmware restarted itself by a jump to its
	 * reset vector instead of a watchdog reset (boards whose bootloader
	 * loops after a watchdog reset); set together with WATCHDOG. */
	DUCO_RESET_SOFT     = 0x80,
};

/*
 * Board ids: the AVR boards are the records of boards.mk (<board>.ID, names
 * never reused), as DUCO_BOARD_<BOARD> (e.g. DUCO_BOARD_NANO); the header
 * is generated from boards.mk at build time.
 */
enum duco_board {
	DUCO_BOARD_UNKNOWN  = 0,
#define DUCO_BOARD_ENUM(sym, id, name) DUCO_BOARD_##sym = id,
	DUCO_BOARD_LIST(DUCO_BOARD_ENUM)
#undef DUCO_BOARD_ENUM
	DUCO_BOARD_HOSTMODEL = 100,     /* ducosim's host model slave */
};

enum duco_hash_impl {
	DUCO_HASH_C   = 0,      /* portable C reference (common/) */
	DUCO_HASH_ASM = 1,      /* hand-scheduled AVR assembly */
	DUCO_HASH_HOST = 2,     /* host model slave */
};

/* --- decoded forms ------------------------------------------------------ */
struct duco_job {
	uint16_t job_id;
	uint32_t start_nonce;
	uint32_t end_nonce;
	uint8_t  expected[20];
	char     last_hash[40];         /* not NUL-terminated */
};

struct duco_result {
	uint16_t job_id;
	uint8_t  found;
	uint32_t nonce;
	uint32_t elapsed_us;
};

struct duco_identity {
	uint8_t  proto_version;
	uint16_t fw_version;
	uint8_t  board_id;
	uint32_t f_cpu;
	uint8_t  ducoid[8];
	uint8_t  reset_cause;
	uint8_t  hash_impl;
	uint16_t crc_errors;
	uint16_t frame_errors;
	uint16_t overruns;
	uint16_t jobs_done;
	uint8_t  i2c_addr;
	uint8_t  slots;         /* 0 on version 1 */
};

struct duco_health {
	uint8_t  sensors;       /* DUCO_HEALTH_* */
	uint16_t vbg_adc;
	uint16_t temp_adc;
	uint16_t samples;
	uint32_t uptime_s;
	uint16_t bus_resets;
};

/* Errors returned (negated) by the decoders. */
enum duco_proto_err {
	DUCO_OK        = 0,
	DUCO_E_SHORT   = 1,     /* fewer bytes than the frame needs */
	DUCO_E_CRC     = 2,     /* CRC mismatch */
	DUCO_E_LEN     = 3,     /* length field wrong for the command/body */
	DUCO_E_CMD     = 4,     /* unknown command */
	DUCO_E_ARG     = 5,     /* argument out of range */
};

/* --- frame rules --------------------------------------------------------- */
/*
 * The one definition of what a write frame may carry, shared by
 * duco_frame_check (master, tests) and the slave's interrupt handler, which
 * checks frames at STOP while SCL is stretched: hence inline and byte-wise
 * (no 32-bit compares on an 8-bit core).
 */
/* Payload length cmd requires, or -1 for an unknown command. */
static inline int8_t duco_payload_len(uint8_t cmd)
{
	switch (cmd) {
	case DUCO_CMD_JOB:       return DUCO_JOB_PAYLOAD;
	case DUCO_CMD_ABORT:     return 0;
	case DUCO_CMD_IDENTIFY:  return 0;
	case DUCO_CMD_SET_ADDR:  return DUCO_SET_ADDR_PAYLOAD;
	case DUCO_CMD_RESET:     return DUCO_RESET_PAYLOAD;
	case DUCO_CMD_CLEAR_ERR: return 0;
	case DUCO_CMD_QUEUE:     return DUCO_JOB_PAYLOAD;
	case DUCO_CMD_DROP:      return DUCO_DROP_PAYLOAD;
	case DUCO_CMD_HEALTH:    return 0;
	default:                 return -1;
	}
}

/* 1 when the arguments of a frame (length already checked) are acceptable.
 * Always inlined: a call from the slave's STOP handler would make it save
 * every call-clobbered register. */
static inline __attribute__((always_inline)) uint8_t duco_frame_args_ok(const uint8_t *frame)
{
	const uint8_t *p = frame + 2;
	int8_t i;

	switch (frame[0]) {
	case DUCO_CMD_JOB:
	case DUCO_CMD_QUEUE:
		/* start_nonce <= end_nonce, from the most significant byte down */
		for (i = 3; i >= 0; i--)
			if (p[2 + i] != p[6 + i])
				return p[2 + i] < p[6 + i];
		return 1;
	case DUCO_CMD_SET_ADDR:
		return (uint8_t)(p[0] ^ p[1]) == 0xff &&
		       p[0] >= DUCO_ADDR_MIN && p[0] <= DUCO_ADDR_MAX;
	case DUCO_CMD_RESET:
		return p[0] == DUCO_RESET_MAGIC0 && p[1] == DUCO_RESET_MAGIC1;
	default:
		return 1;
	}
}

/* --- encode / decode (common/duco_proto.c) ------------------------------ */
/* Little-endian byte helpers. */
void     duco_put_u16(uint8_t *p, uint16_t v);
void     duco_put_u32(uint8_t *p, uint32_t v);
uint16_t duco_get_u16(const uint8_t *p);
uint32_t duco_get_u32(const uint8_t *p);

/*
 * Write frames. Each encoder returns the frame length written to buf (buf must
 * hold DUCO_MAX_WRITE_FRAME bytes). duco_frame_check validates a received
 * write frame (length, CRC, known command, payload size for that command) and
 * returns DUCO_OK or a negative enum duco_proto_err.
 */
/* Any command with any payload (len <= DUCO_MAX_WRITE_FRAME - 3), checked or
 * not: the framing the encoders below share; tests build bad frames with it. */
uint8_t duco_encode_frame(uint8_t *buf, uint8_t cmd, const uint8_t *payload, uint8_t len);
uint8_t duco_encode_job(uint8_t *buf, const struct duco_job *job);
uint8_t duco_encode_queue(uint8_t *buf, const struct duco_job *job);  /* v2 */
uint8_t duco_encode_drop(uint8_t *buf, uint16_t job_id);               /* v2 */
uint8_t duco_encode_simple(uint8_t *buf, uint8_t cmd);   /* ABORT/IDENTIFY/CLEAR_ERR/HEALTH */
uint8_t duco_encode_set_addr(uint8_t *buf, uint8_t new_addr);
uint8_t duco_encode_reset(uint8_t *buf);
int     duco_frame_check(const uint8_t *buf, uint8_t n);
/* JOB or QUEUE frame, checked */
void    duco_decode_job(const uint8_t *frame, struct duco_job *job);
int     duco_decode_set_addr(const uint8_t *frame, uint8_t *new_addr);

/*
 * Read frames. duco_encode_read fills buf with status, crc, len, body, crc and
 * returns the frame length. duco_read_check validates n received bytes
 * (n >= 1: a 1-byte read cannot be checked and returns DUCO_OK; n == 2 checks
 * the status CRC; longer reads check the whole frame and that n covers it).
 */
uint8_t duco_encode_read(uint8_t *buf, uint8_t status, const uint8_t *body, uint8_t len);
int     duco_read_check(const uint8_t *buf, uint8_t n);
void    duco_encode_result_body(uint8_t *body, const struct duco_result *r);
int     duco_decode_result(const uint8_t *frame, uint8_t n, struct duco_result *r);
void    duco_encode_identity_body(uint8_t *body, const struct duco_identity *id);
int     duco_decode_identity(const uint8_t *frame, uint8_t n, struct duco_identity *id);
void    duco_encode_health_body(uint8_t *body, const struct duco_health *h);
int     duco_decode_health(const uint8_t *frame, uint8_t n, struct duco_health *h);

/*
 * Health readings in physical units (host side; doubles). bandgap_mv: the
 * board's bandgap voltage (DUCO_BANDGAP_MV_DEFAULT uncalibrated). Vcc in
 * millivolts, or -1 for a count that is no reading (0). The temperature
 * in degrees C from the ATmega328P datasheet's sensor curve (242 mV at
 * -45 C, 314 mV at 25 C, 380 mV at 85 C, linear between), its count taken
 * against bandgap_mv, then offset_c added and gain applied around 25 C:
 * t = 25 + (t_datasheet - 25) * gain + offset_c.
 */
double  duco_health_vcc_mv(uint16_t vbg_adc, double bandgap_mv);
double  duco_health_temp_c(uint16_t temp_adc, double bandgap_mv, double offset_c, double gain);

#endif
