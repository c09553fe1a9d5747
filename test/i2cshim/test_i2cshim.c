/*
 * test_i2cshim.c - every request a Linux I2C program can make, through libi2c
 * and raw i2c-dev ioctls, against the /dev/i2c-N stand-in and ducosim.
 *
 * Run by test/i2cshim/matrix.py with LD_PRELOAD=libducoi2cshim.so, the
 * stand-in mapping DEV to a ducosim that runs test/i2cshim/smbus_dev.c at
 * 0x50 (nothing answers at 0x51). Each case states what the kernel's i2c-dev
 * and SMBus core do with the request (drivers/i2c/i2c-dev.c,
 * i2c-core-smbus.c, Documentation/i2c/fault-codes.rst) and checks that the
 * program sees the same: the bytes on the wire (through the device's write
 * log), the data returned, the return value and errno. PEC bytes are checked
 * against this file's own CRC-8 (polynomial 0x07), not the stand-in's.
 * Usage: test_i2cshim DEV NOSIM_DEV (NOSIM_DEV maps to a socket nobody serves).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/i2c.h>
#include <linux/i2c-dev.h>
#include <i2c/smbus.h>

#include "../tap.h"

#define DEVA  0x50              /* smbus_dev */
#define NOONE 0x51              /* nobody */

static int fd;

/* SMBus PEC: CRC-8, polynomial x^8 + x^2 + x + 1, over the given bytes. */
static uint8_t pec(const uint8_t *p, size_t n)
{
	uint8_t crc = 0;

	while (n--) {
		crc ^= *p++;
		for (int i = 0; i < 8; i++)
			crc = (uint8_t)(crc & 0x80 ? (crc << 1) ^ 0x07 : crc << 1);
	}
	return crc;
}

static int err_of(int rc)
{
	return rc < 0 ? (rc == -1 ? errno : -rc) : 0;
}

/* The device's log of the last write (command 0xF0 as a block read). */
static int write_log(uint8_t *out)
{
	return i2c_smbus_read_block_data(fd, 0xF0, out);
}

static int log_is(const uint8_t *want, int n)
{
	uint8_t got[I2C_SMBUS_BLOCK_MAX];
	int k = write_log(got);

	if (k != n || memcmp(got, want, (size_t)n) != 0) {
		tap_diag("write log: %d bytes, wanted %d", k, n);
		for (int i = 0; i < k && i < 8; i++)
			tap_diag("  [%d] %02x (want %02x)", i, got[i], i < n ? want[i] : 0);
		return 0;
	}
	return 1;
}

/* Script the next read's bytes (command 0xF2: count, bytes). */
static int script(const uint8_t *b, uint8_t n)
{
	uint8_t buf[34];

	buf[0] = n;
	memcpy(buf + 1, b, n);
	return i2c_smbus_write_i2c_block_data(fd, 0xF2, (uint8_t)(n + 1), buf);
}

static int smbus(char rw, uint8_t cmd, int size, union i2c_smbus_data *d)
{
	struct i2c_smbus_ioctl_data a = { .read_write = rw, .command = cmd,
					  .size = (uint32_t)size, .data = d };

	return ioctl(fd, I2C_SMBUS, &a);
}

static int rdwr(struct i2c_msg *m, unsigned n)
{
	struct i2c_rdwr_ioctl_data d = { .msgs = m, .nmsgs = n };

	return ioctl(fd, I2C_RDWR, &d);
}

static void test_open_funcs(const char *nosim)
{
	unsigned long funcs = 0;
	int f2;

	f2 = open(nosim, O_RDWR);
	tap_ok(f2 < 0 && errno == ENODEV, "open of a node with no simulator behind it: ENODEV");
	tap_ok(ioctl(fd, I2C_FUNCS, &funcs) == 0, "I2C_FUNCS");
	tap_ok((funcs & I2C_FUNC_I2C) && (funcs & I2C_FUNC_SMBUS_QUICK) &&
	       (funcs & I2C_FUNC_SMBUS_BYTE) == I2C_FUNC_SMBUS_BYTE &&
	       (funcs & I2C_FUNC_SMBUS_BYTE_DATA) == I2C_FUNC_SMBUS_BYTE_DATA &&
	       (funcs & I2C_FUNC_SMBUS_WORD_DATA) == I2C_FUNC_SMBUS_WORD_DATA &&
	       (funcs & I2C_FUNC_SMBUS_PROC_CALL) &&
	       (funcs & I2C_FUNC_SMBUS_BLOCK_DATA) == I2C_FUNC_SMBUS_BLOCK_DATA &&
	       (funcs & I2C_FUNC_SMBUS_BLOCK_PROC_CALL) &&
	       (funcs & I2C_FUNC_SMBUS_I2C_BLOCK) == I2C_FUNC_SMBUS_I2C_BLOCK &&
	       (funcs & I2C_FUNC_SMBUS_PEC),
	       "I2C_FUNCS: plain I2C and every SMBus protocol with PEC (0x%08lx)", funcs);
	tap_ok(!(funcs & (I2C_FUNC_10BIT_ADDR | I2C_FUNC_PROTOCOL_MANGLING | I2C_FUNC_NOSTART |
			  I2C_FUNC_SLAVE)),
	       "I2C_FUNCS: no 10-bit addresses, protocol mangling, NOSTART or slave mode");
	tap_ok(ioctl(fd, I2C_FUNCS, NULL) < 0 && errno == EFAULT, "I2C_FUNCS to NULL: EFAULT");
}

static void test_addressing(void)
{
	tap_ok(ioctl(fd, I2C_SLAVE, 0x80) < 0 && errno == EINVAL,
	       "I2C_SLAVE 0x80 without I2C_TENBIT: EINVAL");
	tap_ok(ioctl(fd, I2C_TENBIT, 1) == 0 && ioctl(fd, I2C_SLAVE, 0x3ff) == 0,
	       "I2C_TENBIT 1, then I2C_SLAVE 0x3ff: accepted, as i2c-dev does");
	tap_ok(ioctl(fd, I2C_SLAVE_FORCE, 0x400) < 0 && errno == EINVAL,
	       "I2C_SLAVE_FORCE 0x400: EINVAL");
	errno = 0;
	tap_ok(i2c_smbus_read_byte(fd) < 0 && errno == EOPNOTSUPP,
	       "an SMBus transfer to a 10-bit address: EOPNOTSUPP (no I2C_FUNC_10BIT_ADDR)");
	tap_ok(ioctl(fd, I2C_TENBIT, 0) == 0 && ioctl(fd, I2C_SLAVE, NOONE) == 0,
	       "I2C_TENBIT 0, I2C_SLAVE 0x%02x", NOONE);
	tap_ok(err_of(i2c_smbus_write_quick(fd, I2C_SMBUS_WRITE)) == ENXIO,
	       "quick write to an empty address: ENXIO");
	tap_ok(err_of(i2c_smbus_read_byte(fd)) == ENXIO, "receive byte from an empty address: ENXIO");
	tap_ok(err_of(i2c_smbus_read_byte_data(fd, 0)) == ENXIO,
	       "read byte data from an empty address: ENXIO");
	tap_ok(ioctl(fd, I2C_SLAVE, DEVA) == 0, "I2C_SLAVE 0x%02x", DEVA);
	tap_ok(ioctl(fd, I2C_RETRIES, 3) == 0 && ioctl(fd, I2C_TIMEOUT, 10) == 0,
	       "I2C_RETRIES 3, I2C_TIMEOUT 10");
	tap_ok(ioctl(fd, I2C_RETRIES, (unsigned long)INT_MAX + 1) < 0 && errno == EINVAL &&
	       ioctl(fd, I2C_TIMEOUT, (unsigned long)INT_MAX + 1) < 0 && errno == EINVAL,
	       "I2C_RETRIES / I2C_TIMEOUT above INT_MAX: EINVAL");
	tap_ok(ioctl(fd, 0x0799, 0) < 0 && errno == ENOTTY, "an unknown ioctl: ENOTTY");
}

static void test_smbus_plain(void)
{
	uint8_t st0[8], st1[8], b[40], got[40];
	union i2c_smbus_data d;
	int rc;

	tap_ok(i2c_smbus_read_i2c_block_data(fd, 0xF1, 3, st0) == 3, "read the device's counters");
	tap_ok(i2c_smbus_write_quick(fd, I2C_SMBUS_WRITE) == 0, "quick write (no data, R/W = W)");
	tap_ok(i2c_smbus_write_quick(fd, I2C_SMBUS_READ) == 0, "quick read (no data, R/W = R)");
	rc = i2c_smbus_read_i2c_block_data(fd, 0xF1, 3, st1);
	tap_ok(rc == 3 && st1[0] == (uint8_t)(st0[0] + 1) && st1[1] == (uint8_t)(st0[1] + 2) &&
	       st1[2] == (uint8_t)(st0[2] + 1),
	       "the device saw one empty write and a read addressing with no byte read "
	       "(quick %u->%u, reads %u->%u, unfinished %u->%u)",
	       st0[0], st1[0], st0[1], st1[1], st0[2], st1[2]);

	tap_ok(i2c_smbus_write_byte(fd, 0x10) == 0, "send byte 0x10 (libi2c passes no data)");
	tap_ok(log_is((const uint8_t[]){ 0x10 }, 1), "  the wire carried the one byte 0x10");
	i2c_smbus_write_byte(fd, 0x10);         /* reading the log moved the pointer */
	rc = i2c_smbus_read_byte(fd);
	tap_ok(rc == 0x10 && i2c_smbus_read_byte(fd) == 0x11,
	       "receive byte twice: registers 0x10 and 0x11 (pointer moves on)");

	tap_ok(i2c_smbus_write_byte_data(fd, 0x20, 0xAB) == 0 &&
	       log_is((const uint8_t[]){ 0x20, 0xAB }, 2), "write byte data: cmd, byte on the wire");
	tap_ok(i2c_smbus_read_byte_data(fd, 0x20) == 0xAB, "read byte data returns it");

	tap_ok(i2c_smbus_write_word_data(fd, 0x41, 0xBEEF) == 0 &&
	       log_is((const uint8_t[]){ 0x41, 0xEF, 0xBE }, 3),
	       "write word data: cmd, low byte, high byte");
	tap_ok(i2c_smbus_read_word_data(fd, 0x41) == 0xBEEF, "read word data returns 0xBEEF");

	rc = i2c_smbus_process_call(fd, 0xA0, 0x1234);
	tap_ok(rc == 0xEDCB, "process call: word out, word back (0x%04x)", (unsigned)rc);

	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)(0xC0 + i);
	tap_ok(i2c_smbus_write_block_data(fd, 0x82, 5, b) == 0 &&
	       log_is((const uint8_t[]){ 0x82, 5, 0xC0, 0xC1, 0xC2, 0xC3, 0xC4 }, 7),
	       "write block data: cmd, count, data");
	rc = i2c_smbus_read_block_data(fd, 0x82, got);
	tap_ok(rc == 5 && memcmp(got, b, 5) == 0, "read block data: the slave's count says 5 (%d)", rc);
	tap_ok(i2c_smbus_write_block_data(fd, 0x83, 32, b) == 0 &&
	       i2c_smbus_read_block_data(fd, 0x83, got) == 32 && memcmp(got, b, 32) == 0,
	       "write and read a 32-byte block");
	memset(&d, 0, sizeof(d));
	d.block[0] = 33;
	tap_ok(smbus(I2C_SMBUS_WRITE, 0x83, I2C_SMBUS_BLOCK_DATA, &d) < 0 && errno == EINVAL,
	       "write block data of 33 bytes: EINVAL");

	memcpy(b, (uint8_t[]){ 1, 2, 3 }, 3);
	rc = i2c_smbus_block_process_call(fd, 0xA1, 3, b);
	tap_ok(rc == 3 && b[0] == 0xFE && b[1] == 0xFD && b[2] == 0xFC,
	       "block process call: 3 bytes out, the slave's 3 back in the buffer (%d)", rc);

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(0x90 + i);
	tap_ok(i2c_smbus_write_i2c_block_data(fd, 0x30, 8, b) == 0 &&
	       log_is((const uint8_t[]){ 0x30, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97 }, 9),
	       "write I2C block data (libi2c sends I2C_SMBUS_I2C_BLOCK_BROKEN): cmd, data, no count");
	tap_ok(i2c_smbus_read_i2c_block_data(fd, 0x30, 8, got) == 8 && memcmp(got, b, 8) == 0,
	       "read I2C block data of 8");
	rc = i2c_smbus_read_i2c_block_data(fd, 0x20, 32, got);
	tap_ok(rc == 32 && got[0] == 0xAB && got[16] == 0x90 && got[31] == 0x3F,
	       "read I2C block data of 32 (the BROKEN request, i2c-dev makes it 32 bytes)");
	memset(&d, 0, sizeof(d));
	d.block[0] = 5;         /* ignored: a BROKEN read is always 32 */
	tap_ok(smbus(I2C_SMBUS_READ, 0x30, I2C_SMBUS_I2C_BLOCK_BROKEN, &d) == 0 &&
	       d.block[0] == 32 && d.block[1] == 0x90, "raw I2C_SMBUS_I2C_BLOCK_BROKEN read: 32 bytes");
	memset(&d, 0, sizeof(d));
	d.block[0] = 2;
	d.block[1] = 0x55;
	d.block[2] = 0x66;
	tap_ok(smbus(I2C_SMBUS_WRITE, 0x32, I2C_SMBUS_I2C_BLOCK_BROKEN, &d) == 0 &&
	       log_is((const uint8_t[]){ 0x32, 0x55, 0x66 }, 3),
	       "raw I2C_SMBUS_I2C_BLOCK_BROKEN write of 2 bytes (py-smbus write_i2c_block_data)");
	memset(&d, 0, sizeof(d));
	d.block[0] = 33;
	tap_ok(smbus(I2C_SMBUS_WRITE, 0x30, I2C_SMBUS_I2C_BLOCK_DATA, &d) < 0 && errno == EINVAL &&
	       smbus(I2C_SMBUS_READ, 0x30, I2C_SMBUS_I2C_BLOCK_DATA, &d) < 0 && errno == EINVAL,
	       "I2C block of 33 bytes: EINVAL both ways");
	memset(&d, 0, sizeof(d));
	d.block[0] = 0;
	tap_ok(smbus(I2C_SMBUS_READ, 0x30, I2C_SMBUS_I2C_BLOCK_DATA, &d) == 0 && d.block[0] == 0,
	       "I2C block read of 0 bytes: a zero-length read, accepted");

	tap_ok(smbus(I2C_SMBUS_READ, 0, 9, &d) < 0 && errno == EINVAL, "SMBus size 9: EINVAL");
	tap_ok(smbus(2, 0, I2C_SMBUS_BYTE_DATA, &d) < 0 && errno == EINVAL,
	       "SMBus read_write 2: EINVAL");
	tap_ok(smbus(I2C_SMBUS_READ, 0x20, I2C_SMBUS_BYTE_DATA, NULL) < 0 && errno == EINVAL &&
	       smbus(I2C_SMBUS_WRITE, 0x20, I2C_SMBUS_WORD_DATA, NULL) < 0 && errno == EINVAL &&
	       smbus(I2C_SMBUS_READ, 0, I2C_SMBUS_BYTE, NULL) < 0 && errno == EINVAL,
	       "data NULL where the protocol has data: EINVAL");
	tap_ok(smbus(I2C_SMBUS_WRITE, 0x21, I2C_SMBUS_BYTE, NULL) == 0 &&
	       smbus(I2C_SMBUS_READ, 0, I2C_SMBUS_QUICK, NULL) == 0,
	       "data NULL for send byte and quick: accepted (they carry none)");
	tap_ok(ioctl(fd, I2C_SMBUS, NULL) < 0 && errno == EFAULT, "I2C_SMBUS with no argument: EFAULT");

	/* Block reads whose count no SMBus block can have. */
	tap_ok(script((const uint8_t[]){ 0 }, 1) == 0 &&
	       err_of(i2c_smbus_read_block_data(fd, 0x80, got)) == EPROTO,
	       "block read, the slave's count is 0: EPROTO");
	tap_ok(script((const uint8_t[]){ 33, 1, 2, 3 }, 4) == 0 &&
	       err_of(i2c_smbus_read_block_data(fd, 0x80, got)) == EPROTO,
	       "block read, the slave's count is 33: EPROTO");
}

static void test_pec(void)
{
	uint8_t a_w = DEVA << 1, a_r = DEVA << 1 | 1, b[40], got[40], msg[40];
	int rc;

	tap_ok(ioctl(fd, I2C_PEC, 1) == 0, "I2C_PEC 1");
	tap_ok(i2c_smbus_write_byte_data(fd, 0x24, 0x5A) == 0,
	       "PEC: write byte data");
	memcpy(msg, (uint8_t[]){ a_w, 0x24, 0x5A }, 3);
	ioctl(fd, I2C_PEC, 0);
	tap_ok(log_is((const uint8_t[]){ 0x24, 0x5A, pec(msg, 3) }, 3),
	       "  the wire: cmd, byte, PEC over address+W, cmd, byte");
	ioctl(fd, I2C_PEC, 1);
	tap_ok(i2c_smbus_write_byte(fd, 0x24) == 0, "PEC: send byte");
	ioctl(fd, I2C_PEC, 0);
	tap_ok(log_is((const uint8_t[]){ 0x24, pec((uint8_t[]){ a_w, 0x24 }, 2) }, 2),
	       "  the wire: cmd, PEC");
	ioctl(fd, I2C_PEC, 1);
	tap_ok(i2c_smbus_write_word_data(fd, 0x42, 0x1234) == 0, "PEC: write word data");
	ioctl(fd, I2C_PEC, 0);
	tap_ok(log_is((const uint8_t[]){ 0x42, 0x34, 0x12,
					 pec((uint8_t[]){ a_w, 0x42, 0x34, 0x12 }, 4) }, 4),
	       "  the wire: cmd, low, high, PEC");
	ioctl(fd, I2C_PEC, 1);
	tap_ok(i2c_smbus_write_block_data(fd, 0x84, 2, (uint8_t[]){ 7, 8 }) == 0,
	       "PEC: write block data");
	ioctl(fd, I2C_PEC, 0);
	tap_ok(log_is((const uint8_t[]){ 0x84, 2, 7, 8,
					 pec((uint8_t[]){ a_w, 0x84, 2, 7, 8 }, 5) }, 5),
	       "  the wire: cmd, count, data, PEC");
	ioctl(fd, I2C_PEC, 1);
	tap_ok(i2c_smbus_write_i2c_block_data(fd, 0x34, 2, (uint8_t[]){ 1, 2 }) == 0,
	       "PEC: write I2C block data");
	ioctl(fd, I2C_PEC, 0);
	tap_ok(log_is((const uint8_t[]){ 0x34, 1, 2 }, 3), "  the wire: no PEC (the core adds none)");

	/* Reads: the device says exactly the scripted bytes, PEC included. */
	memcpy(msg, (uint8_t[]){ a_w, 0x26, a_r, 0x77 }, 4);
	script((const uint8_t[]){ 0x77, pec(msg, 4) }, 2);
	ioctl(fd, I2C_PEC, 1);
	rc = i2c_smbus_read_byte_data(fd, 0x26);
	tap_ok(rc == 0x77, "PEC: read byte data, PEC over address+W, cmd, address+R, byte (%d)", rc);
	ioctl(fd, I2C_PEC, 0);
	script((const uint8_t[]){ 0x77, (uint8_t)(pec(msg, 4) ^ 1) }, 2);
	ioctl(fd, I2C_PEC, 1);
	tap_ok(err_of(i2c_smbus_read_byte_data(fd, 0x26)) == EBADMSG,
	       "PEC: read byte data with a wrong PEC: EBADMSG");
	ioctl(fd, I2C_PEC, 0);

	i2c_smbus_write_byte(fd, 0x26);         /* pointer, before the script */
	script((const uint8_t[]){ 0x31, pec((uint8_t[]){ a_r, 0x31 }, 2) }, 2);
	ioctl(fd, I2C_PEC, 1);
	rc = i2c_smbus_read_byte(fd);
	tap_ok(rc == 0x31, "PEC: receive byte, PEC over address+R, byte (%d)", rc);
	ioctl(fd, I2C_PEC, 0);

	memcpy(msg, (uint8_t[]){ a_w, 0x44, a_r, 0xCD, 0xAB }, 5);
	script((const uint8_t[]){ 0xCD, 0xAB, pec(msg, 5) }, 3);
	ioctl(fd, I2C_PEC, 1);
	rc = i2c_smbus_read_word_data(fd, 0x44);
	tap_ok(rc == 0xABCD, "PEC: read word data (0x%04x)", (unsigned)rc);
	ioctl(fd, I2C_PEC, 0);

	memcpy(msg, (uint8_t[]){ a_w, 0xA0, 0x11, 0x22, a_r, 0x33, 0x44 }, 7);
	script((const uint8_t[]){ 0x33, 0x44, pec(msg, 7) }, 3);
	ioctl(fd, I2C_PEC, 1);
	rc = i2c_smbus_process_call(fd, 0xA0, 0x2211);
	tap_ok(rc == 0x4433, "PEC: process call, PEC over both halves (0x%04x)", (unsigned)rc);
	ioctl(fd, I2C_PEC, 0);

	memcpy(msg, (uint8_t[]){ a_w, 0x85, a_r, 3, 9, 8, 7 }, 7);
	script((const uint8_t[]){ 3, 9, 8, 7, pec(msg, 7) }, 5);
	ioctl(fd, I2C_PEC, 1);
	rc = i2c_smbus_read_block_data(fd, 0x85, got);
	tap_ok(rc == 3 && got[0] == 9 && got[2] == 7, "PEC: read block data, PEC after the block (%d)", rc);
	ioctl(fd, I2C_PEC, 0);

	memcpy(msg, (uint8_t[]){ a_w, 0xA1, 1, 0x5A, a_r, 2, 0xA5, 0xA6 }, 8);
	script((const uint8_t[]){ 2, 0xA5, 0xA6, pec(msg, 8) }, 4);
	ioctl(fd, I2C_PEC, 1);
	b[0] = 0x5A;
	rc = i2c_smbus_block_process_call(fd, 0xA1, 1, b);
	tap_ok(rc == 2 && b[0] == 0xA5 && b[1] == 0xA6, "PEC: block process call (%d)", rc);
	tap_ok(i2c_smbus_write_quick(fd, I2C_SMBUS_WRITE) == 0, "PEC: quick write (no PEC byte)");
	ioctl(fd, I2C_PEC, 0);
}

static void test_rdwr(void)
{
	static uint8_t big[10000];
	struct i2c_msg m[I2C_RDWR_IOCTL_MAX_MSGS + 1];
	uint8_t w[64], r[64];
	int rc;

	i2c_smbus_write_i2c_block_data(fd, 0x00, 4, (uint8_t[]){ 0xD0, 0xD1, 0xD2, 0xD3 });
	w[0] = 0x01;
	m[0] = (struct i2c_msg){ .addr = DEVA, .flags = 0, .len = 1, .buf = w };
	m[1] = (struct i2c_msg){ .addr = DEVA, .flags = I2C_M_RD, .len = 3, .buf = r };
	rc = rdwr(m, 2);
	tap_ok(rc == 2 && r[0] == 0xD1 && r[2] == 0xD3,
	       "I2C_RDWR write+read (repeated START): returns 2, registers 1..3");
	m[0].flags = I2C_M_STOP;
	memset(r, 0, sizeof(r));
	rc = rdwr(m, 2);
	tap_ok(rc == 2 && r[0] == 0xD1, "I2C_RDWR with I2C_M_STOP after the write: same bytes");
	m[0] = (struct i2c_msg){ .addr = DEVA, .flags = I2C_M_RD, .len = 2, .buf = r };
	rc = rdwr(m, 1);
	tap_ok(rc == 1 && r[0] == 0x04 && r[1] == 0x05,
	       "I2C_RDWR read-only message: returns 1, registers 4 and 5 (the pointer moved on)");
	m[0] = (struct i2c_msg){ .addr = DEVA, .flags = I2C_M_RD, .len = 0, .buf = r };
	tap_ok(rdwr(m, 1) == 1, "I2C_RDWR zero-length read message: accepted");
	m[0] = (struct i2c_msg){ .addr = DEVA, .flags = 0, .len = 0, .buf = NULL };
	tap_ok(rdwr(m, 1) == 1, "I2C_RDWR zero-length write message (NULL buffer): accepted");
	m[0] = (struct i2c_msg){ .addr = NOONE, .flags = 0, .len = 1, .buf = w };
	tap_ok(rdwr(m, 1) < 0 && errno == ENXIO, "I2C_RDWR to an empty address: ENXIO");
	m[0] = (struct i2c_msg){ .addr = DEVA, .flags = 0, .len = 1, .buf = w };
	m[1] = (struct i2c_msg){ .addr = NOONE, .flags = I2C_M_RD, .len = 1, .buf = r };
	tap_ok(rdwr(m, 2) < 0 && errno == ENXIO, "I2C_RDWR: second message to an empty address fails the call");

	memset(big, 0xA5, sizeof(big));
	big[0] = 0x00;
	m[0] = (struct i2c_msg){ .addr = DEVA, .flags = 0, .len = 60, .buf = big };
	tap_ok(rdwr(m, 1) < 0 && errno == EREMOTEIO,
	       "I2C_RDWR 60-byte write, the device NACKs the 49th: EREMOTEIO");
	m[0] = (struct i2c_msg){ .addr = DEVA, .flags = I2C_M_RD, .len = 8192, .buf = big };
	rc = rdwr(m, 1);
	tap_ok(rc == 1 && big[8191] == 0xFF, "I2C_RDWR 8192-byte read (i2c-dev's limit): accepted");
	m[0].len = 8193;
	tap_ok(rdwr(m, 1) < 0 && errno == EINVAL, "I2C_RDWR 8193-byte message: EINVAL");

	for (int i = 0; i <= I2C_RDWR_IOCTL_MAX_MSGS; i++)
		m[i] = (struct i2c_msg){ .addr = DEVA, .flags = 0, .len = 1, .buf = w };
	w[0] = 0x05;
	tap_ok(rdwr(m, I2C_RDWR_IOCTL_MAX_MSGS) == I2C_RDWR_IOCTL_MAX_MSGS,
	       "I2C_RDWR with %d messages: all done", I2C_RDWR_IOCTL_MAX_MSGS);
	tap_ok(rdwr(m, I2C_RDWR_IOCTL_MAX_MSGS + 1) < 0 && errno == EINVAL,
	       "I2C_RDWR with %d messages: EINVAL", I2C_RDWR_IOCTL_MAX_MSGS + 1);
	tap_ok(rdwr(m, 0) < 0 && errno == EINVAL, "I2C_RDWR with 0 messages: EINVAL");
	tap_ok(rdwr(NULL, 1) < 0 && errno == EINVAL, "I2C_RDWR with msgs NULL: EINVAL");
	tap_ok(ioctl(fd, I2C_RDWR, NULL) < 0 && errno == EFAULT, "I2C_RDWR with no argument: EFAULT");

	m[0] = (struct i2c_msg){ .addr = DEVA, .flags = I2C_M_TEN, .len = 1, .buf = w };
	tap_ok(rdwr(m, 1) < 0 && errno == EOPNOTSUPP, "I2C_RDWR with I2C_M_TEN: EOPNOTSUPP");
	m[0].flags = I2C_M_NOSTART;
	tap_ok(rdwr(m, 1) < 0 && errno == EOPNOTSUPP, "I2C_RDWR with I2C_M_NOSTART: EOPNOTSUPP");
	m[0].flags = I2C_M_IGNORE_NAK;
	tap_ok(rdwr(m, 1) < 0 && errno == EOPNOTSUPP, "I2C_RDWR with I2C_M_IGNORE_NAK: EOPNOTSUPP");

	/* I2C_M_RECV_LEN: buf[0] = bytes before the data (the count, + PEC) */
	i2c_smbus_write_block_data(fd, 0x86, 4, (uint8_t[]){ 0x61, 0x62, 0x63, 0x64 });
	w[0] = 0x86;
	memset(r, 0, sizeof(r));
	r[0] = 1;
	m[0] = (struct i2c_msg){ .addr = DEVA, .flags = 0, .len = 1, .buf = w };
	m[1] = (struct i2c_msg){ .addr = DEVA, .flags = I2C_M_RD | I2C_M_RECV_LEN, .len = 33, .buf = r };
	rc = rdwr(m, 2);
	tap_ok(rc == 2 && r[0] == 4 && r[1] == 0x61 && r[4] == 0x64 && r[5] == 0,
	       "I2C_RDWR with I2C_M_RECV_LEN: count 4 then 4 bytes");
	r[0] = 1;
	m[1].len = 32;
	tap_ok(rdwr(m, 2) < 0 && errno == EINVAL, "I2C_M_RECV_LEN with a 32-byte buffer: EINVAL");
	r[0] = 0;
	m[1].len = 33;
	tap_ok(rdwr(m, 2) < 0 && errno == EINVAL, "I2C_M_RECV_LEN with buf[0] = 0: EINVAL");
	m[1].flags = I2C_M_RECV_LEN;
	r[0] = 1;
	tap_ok(rdwr(m, 2) < 0 && errno == EINVAL, "I2C_M_RECV_LEN on a write message: EINVAL");
	script((const uint8_t[]){ 40 }, 1);
	w[0] = 0x86;
	m[0] = (struct i2c_msg){ .addr = DEVA, .flags = I2C_M_RD | I2C_M_RECV_LEN, .len = 33, .buf = r };
	r[0] = 1;
	tap_ok(rdwr(m, 1) < 0 && errno == EPROTO, "I2C_M_RECV_LEN, the slave's count is 40: EPROTO");

	/* plain read()/write() on the descriptor */
	tap_ok(write(fd, (uint8_t[]){ 0x02, 0xE2, 0xE3 }, 3) == 3, "write() of 3 bytes returns 3");
	tap_ok(write(fd, (uint8_t[]){ 0x02 }, 1) == 1 && read(fd, r, 2) == 2 && r[0] == 0xE2 &&
	       r[1] == 0xE3, "write() the pointer, read() 2 bytes back");
	tap_ok(read(fd, big, 10000) == 8192, "read() of 10000 bytes: clamped to 8192, as i2c-dev does");
	ioctl(fd, I2C_SLAVE, NOONE);
	tap_ok(read(fd, r, 1) < 0 && errno == ENXIO, "read() from an empty address: ENXIO");
	ioctl(fd, I2C_SLAVE, DEVA);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_i2cshim DEV NOSIM_DEV\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (!tap_ok(fd >= 0, "open %s through the stand-in", argv[1]))
		return tap_done();
	test_open_funcs(argv[2]);
	test_addressing();
	test_smbus_plain();
	test_pec();
	test_rdwr();
	tap_ok(close(fd) == 0, "close");
	return tap_done();
}
