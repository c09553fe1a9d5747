/*
 * i2cshim.c - an LD_PRELOAD stand-in for /dev/i2c-N that drives ducosim's bus.
 *
 * With DUCORIG_I2C_SHIM="/dev/i2c-7=/tmp/sim.sock" (several mappings
 * separated by commas) a program that opens /dev/i2c-7 gets an fd whose
 * i2c-dev ioctls and plain read/write are carried out as transfers on
 * ducosim's socket (lib/bus_sim.c), so libi2c, py-smbus, smbus2, i2c-tools
 * and the master's own i2cdev backend run unchanged against the simulated
 * rig. It answers as the kernel does: i2c-dev's argument checks and errno
 * values (drivers/i2c/i2c-dev.c), the SMBus protocols emulated over plain
 * I2C messages with PEC where the core computes it (i2c-core-smbus.c), and
 * an adapter that can do what I2C_FUNCS reports: plain I2C, every SMBus
 * protocol including block reads (I2C_M_RECV_LEN) and PEC; no 10-bit
 * addresses and no protocol mangling (those messages get EOPNOTSUPP).
 * Bus errors carry fault-codes.rst's values: ENXIO address NACK, EREMOTEIO
 * data NACK, ETIMEDOUT a slave that held SCL too long, EPROTO a block count
 * no SMBus block has, EBADMSG a PEC mismatch, ENODEV no simulator behind
 * the node. Assumptions and limits: one thread uses the shim fds; the fd is
 * a real descriptor (of /dev/null) so close/fcntl/poll on it behave, but
 * dup'ed copies are not recognised; I2C_RDWR sends a write message that is
 * followed by a read of the same address (without I2C_M_STOP) as one
 * transfer with a repeated START, any other message as its own transfer
 * with a STOP (an ATmega's TWI reports both as the same status 0xA0).
 * For tests, DUCORIG_I2C_SHIM_PARTIAL=<n> makes the first n multi-message
 * I2C_RDWR calls per descriptor stop after their first message and return
 * 1, as adapters that report partial transfers do. Everything but the
 * hooked entry points has hidden visibility, so the shim's copy of
 * bus_sim.c never clashes with the program's own.
 */
/* Fortified builds turn open/read into inline wrappers we could not redefine. */
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/i2c.h>
#include <linux/i2c-dev.h>

#include "bus.h"
#include "duco_crc8.h"
#include "simbus_proto.h"

#define I2CSHIM_API     __attribute__((visibility("default")))
#define I2CSHIM_ENV     "DUCORIG_I2C_SHIM"
#define I2CSHIM_ENV_PARTIAL "DUCORIG_I2C_SHIM_PARTIAL"
#define I2CSHIM_MAX_FDS 16
#define I2CSHIM_MAX_LEN 8192    /* i2c-dev's per-message and read/write limit */
#ifndef I2C_FUNC_SMBUS_EMUL_ALL
#define I2C_FUNC_SMBUS_EMUL_ALL (I2C_FUNC_SMBUS_EMUL | I2C_FUNC_SMBUS_READ_BLOCK_DATA | \
				 I2C_FUNC_SMBUS_BLOCK_PROC_CALL)
#endif
/* What the simulated adapter does: I2C, and SMBus emulated over it. */
#define I2CSHIM_FUNCS   (I2C_FUNC_I2C | I2C_FUNC_SMBUS_EMUL_ALL)
/* Message flags of features the adapter does not have (see I2CSHIM_FUNCS). */
#define I2CSHIM_UNSUPPORTED (I2C_M_TEN | I2C_M_NOSTART | I2C_M_REV_DIR_ADDR | \
			     I2C_M_IGNORE_NAK | I2C_M_NO_RD_ACK)

struct i2cshim_fd {
	int used;
	int fd;                 /* the descriptor handed to the program */
	unsigned addr;          /* set by I2C_SLAVE; 0 until then, like i2c-dev */
	int tenbit;             /* I2C_TENBIT: addresses are 10-bit */
	int pec;                /* I2C_PEC: SMBus transfers carry a PEC byte */
	unsigned partial;       /* test fault: I2C_RDWR calls to cut after message 1 */
	struct bus bus;         /* connection to ducosim */
};

static struct i2cshim_fd i2cshim_fds[I2CSHIM_MAX_FDS];

/* --- the real libc entry points ------------------------------------------ */
typedef int (*i2cshim_open_fn)(const char *, int, ...);
typedef int (*i2cshim_openat_fn)(int, const char *, int, ...);
typedef int (*i2cshim_close_fn)(int);
typedef int (*i2cshim_ioctl_fn)(int, unsigned long, ...);
typedef ssize_t (*i2cshim_read_fn)(int, void *, size_t);
typedef ssize_t (*i2cshim_write_fn)(int, const void *, size_t);

static void *i2cshim_next(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

static int i2cshim_real_close(int fd)
{
	static i2cshim_close_fn fn;

	if (fn == NULL)
		fn = (i2cshim_close_fn)i2cshim_next("close");
	return fn(fd);
}

static int i2cshim_real_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	static i2cshim_openat_fn fn;

	if (fn == NULL)
		fn = (i2cshim_openat_fn)i2cshim_next("openat");
	return fn(dirfd, path, flags, mode);
}

/* --- mapping and fd table ------------------------------------------------- */

/* Socket path for a device path from DUCORIG_I2C_SHIM, copied to out. */
static int i2cshim_lookup(const char *path, char *out, size_t outsz)
{
	const char *env = getenv(I2CSHIM_ENV);
	size_t plen;

	if (env == NULL || path == NULL)
		return 0;
	plen = strlen(path);
	while (*env != '\0') {
		const char *end = strchr(env, ',');
		const char *eq = strchr(env, '=');
		size_t len = end ? (size_t)(end - env) : strlen(env);

		if (eq != NULL && eq < env + len && (size_t)(eq - env) == plen &&
		    memcmp(env, path, plen) == 0) {
			size_t slen = len - plen - 1;

			if (slen + 1 > outsz)
				return 0;
			memcpy(out, eq + 1, slen);
			out[slen] = '\0';
			return 1;
		}
		env += len;
		if (*env == ',')
			env++;
	}
	return 0;
}

static struct i2cshim_fd *i2cshim_find(int fd)
{
	if (fd < 0)
		return NULL;
	for (int i = 0; i < I2CSHIM_MAX_FDS; i++)
		if (i2cshim_fds[i].used && i2cshim_fds[i].fd == fd)
			return &i2cshim_fds[i];
	return NULL;
}

/* Open a mapped device: a /dev/null descriptor plus a connection to ducosim. */
static int i2cshim_open_dev(const char *sock, int flags)
{
	struct i2cshim_fd *e = NULL;
	char spec[sizeof(e->bus.spec)];
	const char *env;
	int fd, rc;

	for (int i = 0; i < I2CSHIM_MAX_FDS; i++)
		if (!i2cshim_fds[i].used) {
			e = &i2cshim_fds[i];
			break;
		}
	if (e == NULL) {
		errno = EMFILE;
		return -1;
	}
	if (strlen(sock) + 5 > sizeof(spec)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(spec, "sim:", 4);
	memcpy(spec + 4, sock, strlen(sock) + 1);

	*e = (struct i2cshim_fd){ .used = 0, .fd = -1, .addr = 0 };
	memcpy(e->bus.spec, spec, strlen(spec) + 1);
	e->bus.fd = -1;
	rc = bus_sim_ops.open(&e->bus, spec);
	if (rc < 0) {
		/* No simulator behind the node: as if the adapter were absent. */
		errno = rc == -ENOENT || rc == -ECONNREFUSED ? ENODEV : -rc;
		return -1;
	}
	e->bus.ops = &bus_sim_ops;
	fd = i2cshim_real_openat(AT_FDCWD, "/dev/null", O_RDWR | (flags & O_CLOEXEC), 0);
	if (fd < 0) {
		rc = errno;
		bus_sim_ops.close(&e->bus);
		errno = rc;
		return -1;
	}
	e->fd = fd;
	e->used = 1;
	/*
	 * Test fault: some adapters report a partial I2C_RDWR (fewer messages
	 * done than asked) instead of an error; the first <n> multi-message
	 * calls on this descriptor do only their first message and say so.
	 */
	env = getenv(I2CSHIM_ENV_PARTIAL);
	if (env != NULL)
		e->partial = (unsigned)strtoul(env, NULL, 0);
	return fd;
}

/* --- the adapter: bus transfers ------------------------------------------- */

/* A failed transfer's errno: the simulator gone is an adapter gone. */
static int i2cshim_fail(int rc)
{
	switch (rc) {
	case -ECONNRESET:
	case -ECONNREFUSED:
	case -EPIPE:
	case -ENOENT:
		errno = ENODEV;
		break;
	default:
		errno = -rc;
	}
	return -1;
}

/*
 * One bus transfer: START, addr+W and w (if wlen or no read), repeated START,
 * addr+R and rlen bytes (if it reads), STOP. flags are SIMBUS_XF_*; with
 * RECV_LEN, r holds rmax bytes and *rgot tells how many were read. 0, or -1
 * with errno set as an adapter would.
 */
static int i2cshim_xfer(struct i2cshim_fd *e, unsigned addr, uint8_t flags,
			const uint8_t *w, uint16_t wlen, uint8_t *r, uint16_t rlen,
			uint16_t rmax, uint16_t *rgot)
{
	uint16_t got;
	int rc;

	if (addr > 0x7f) {
		errno = EINVAL;
		return -1;
	}
	rc = bus_sim_xfer_flags(&e->bus, (uint8_t)addr, flags, w, wlen, r, rlen, rmax, &got);
	if (rc < 0)
		return i2cshim_fail(rc);
	if (rgot != NULL)
		*rgot = got;
	else if (got != rlen)
		return i2cshim_fail(-EREMOTEIO);
	return 0;
}

/* Read flags for a read message of len bytes (a zero-length read still reads). */
static uint8_t i2cshim_rflags(uint16_t len, uint16_t mflags)
{
	return (uint8_t)((len == 0 ? SIMBUS_XF_READ : 0) |
			 ((mflags & I2C_M_RECV_LEN) ? SIMBUS_XF_RECV_LEN : 0));
}

/* --- I2C_RDWR --------------------------------------------------------------- */

/* i2c-dev's checks of one message; RECV_LEN's length becomes buf[0]. */
static int i2cshim_rdwr_check(struct i2c_msg *m, uint16_t *len)
{
	*len = m->len;
	if (m->len > I2CSHIM_MAX_LEN)
		return -EINVAL;
	if (m->len > 0 && m->buf == NULL)
		return -EFAULT;
	if (m->flags & I2C_M_RECV_LEN) {
		if (!(m->flags & I2C_M_RD) || m->len < 1 || m->buf[0] < 1 ||
		    m->len < m->buf[0] + I2C_SMBUS_BLOCK_MAX)
			return -EINVAL;
		*len = m->buf[0];
	}
	return 0;
}

/* Run message i (and i+1 when it is the read of a combined transfer). */
static int i2cshim_rdwr_one(struct i2cshim_fd *e, struct i2c_msg *m, uint32_t n,
			    const uint16_t *len, uint32_t i, uint32_t *used)
{
	struct i2c_msg *rd = NULL;
	const uint8_t *w = NULL;
	uint16_t wlen = 0, rlen = 0, got;
	unsigned addr = m[i].addr;
	int rc;

	*used = 1;
	if (m[i].flags & I2C_M_RD) {
		rd = &m[i];
		rlen = len[i];
	} else {
		w = m[i].buf;
		wlen = len[i];
		if (i + 1 < n && (m[i + 1].flags & I2C_M_RD) && m[i + 1].addr == m[i].addr &&
		    !(m[i].flags & I2C_M_STOP)) {
			rd = &m[i + 1];
			rlen = len[i + 1];
			*used = 2;
		}
	}
	if (rd == NULL)
		return i2cshim_xfer(e, addr, 0, w, wlen, NULL, 0, 0, NULL);
	rc = i2cshim_xfer(e, addr, i2cshim_rflags(rlen, rd->flags), w, wlen,
			  rd->buf, rlen, rd->flags & I2C_M_RECV_LEN ? rd->len : rlen, &got);
	if (rc < 0)
		return rc;
	if (!(rd->flags & I2C_M_RECV_LEN) && got != rlen)
		return i2cshim_fail(-EREMOTEIO);
	if ((rd->flags & I2C_M_RECV_LEN) && got == 1 && (rd->buf[0] == 0 ||
						       rd->buf[0] > I2C_SMBUS_BLOCK_MAX))
		return i2cshim_fail(-EPROTO);   /* the adapter refused the count */
	/* the caller's i2c_msg is not written back (i2c-dev works on a copy) */
	return 0;
}

static int i2cshim_rdwr(struct i2cshim_fd *e, struct i2c_rdwr_ioctl_data *d)
{
	uint16_t len[I2C_RDWR_IOCTL_MAX_MSGS];
	struct i2c_msg *m;
	uint32_t i, used;
	int rc;

	if (d == NULL) {
		errno = EFAULT;
		return -1;
	}
	if (d->msgs == NULL || d->nmsgs == 0 || d->nmsgs > I2C_RDWR_IOCTL_MAX_MSGS) {
		errno = EINVAL;
		return -1;
	}
	m = d->msgs;
	for (i = 0; i < d->nmsgs; i++) {
		rc = i2cshim_rdwr_check(&m[i], &len[i]);
		if (rc < 0) {
			errno = -rc;
			return -1;
		}
	}
	/* What the adapter cannot do, it refuses before touching the bus. */
	for (i = 0; i < d->nmsgs; i++)
		if (m[i].flags & I2CSHIM_UNSUPPORTED) {
			errno = EOPNOTSUPP;
			return -1;
		}
	if (e->partial > 0 && d->nmsgs > 1) {
		e->partial--;
		if (i2cshim_rdwr_one(e, m, 1, len, 0, &used) < 0)
			return -1;
		return 1;
	}
	for (i = 0; i < d->nmsgs; i += used)
		if (i2cshim_rdwr_one(e, m, d->nmsgs, len, i, &used) < 0)
			return -1;
	return (int)d->nmsgs;
}

/* --- I2C_SMBUS, emulated over I2C as the kernel's core does ---------------- */

static uint8_t i2cshim_pec(uint8_t crc, const uint8_t *p, uint16_t n)
{
	while (n--)
		crc = duco_crc8_step(crc, *p++);
	return crc;
}

/* PEC over an address byte and a message, starting from crc. */
static uint8_t i2cshim_msg_pec(uint8_t crc, unsigned addr, int rd, const uint8_t *p,
			       uint16_t n)
{
	uint8_t a = (uint8_t)(addr << 1 | (rd ? 1 : 0));

	return i2cshim_pec(i2cshim_pec(crc, &a, 1), p, n);
}

static int i2cshim_smbus_size_ok(uint32_t size)
{
	switch (size) {
	case I2C_SMBUS_QUICK:
	case I2C_SMBUS_BYTE:
	case I2C_SMBUS_BYTE_DATA:
	case I2C_SMBUS_WORD_DATA:
	case I2C_SMBUS_PROC_CALL:
	case I2C_SMBUS_BLOCK_DATA:
	case I2C_SMBUS_I2C_BLOCK_BROKEN:
	case I2C_SMBUS_I2C_BLOCK_DATA:
	case I2C_SMBUS_BLOCK_PROC_CALL:
		return 1;
	default:
		return 0;
	}
}

/*
 * One SMBus protocol as at most two messages (write, then read) on the bus.
 * v is the kernel's copy of the caller's data; the caller copies it back.
 */
static int i2cshim_smbus_xfer(struct i2cshim_fd *e, int rd, uint8_t cmd, uint32_t size,
			      union i2c_smbus_data *v)
{
	uint8_t w[I2C_SMBUS_BLOCK_MAX + 3], r[I2C_SMBUS_BLOCK_MAX + 2];
	uint16_t wlen = 1, rlen = 0, got = 0;
	int has_write = 1, has_read = rd, recv_len = 0, wants_pec;
	uint8_t flags = 0, crc;

	if (e->tenbit) {
		errno = EOPNOTSUPP;     /* the adapter has no 10-bit addressing */
		return -1;
	}
	w[0] = cmd;
	switch (size) {
	case I2C_SMBUS_QUICK:
		/* the R/W bit is the data: a zero-length read or write */
		wlen = 0;
		has_write = !rd;
		break;
	case I2C_SMBUS_BYTE:
		if (rd) {
			has_write = 0;
			rlen = 1;
		}
		break;
	case I2C_SMBUS_BYTE_DATA:
		if (rd) {
			rlen = 1;
		} else {
			w[1] = v->byte;
			wlen = 2;
		}
		break;
	case I2C_SMBUS_WORD_DATA:
	case I2C_SMBUS_PROC_CALL:
		if (rd && size == I2C_SMBUS_WORD_DATA) {
			rlen = 2;
			break;
		}
		w[1] = (uint8_t)(v->word & 0xff);
		w[2] = (uint8_t)(v->word >> 8);
		wlen = 3;
		if (size == I2C_SMBUS_PROC_CALL) {
			has_read = 1;
			rlen = 2;
		}
		break;
	case I2C_SMBUS_BLOCK_DATA:
	case I2C_SMBUS_BLOCK_PROC_CALL:
		if (size == I2C_SMBUS_BLOCK_PROC_CALL || !rd) {
			if (v->block[0] > I2C_SMBUS_BLOCK_MAX) {
				errno = EINVAL;
				return -1;
			}
			memcpy(w + 1, v->block, (size_t)v->block[0] + 1);
			wlen = (uint16_t)(v->block[0] + 2);
		}
		if (size == I2C_SMBUS_BLOCK_PROC_CALL || rd) {
			has_read = 1;
			recv_len = 1;
			rlen = 1;       /* the count; the adapter adds the rest */
		}
		break;
	case I2C_SMBUS_I2C_BLOCK_DATA:
		if (v->block[0] > I2C_SMBUS_BLOCK_MAX) {
			errno = EINVAL;
			return -1;
		}
		if (rd) {
			rlen = v->block[0];
		} else {
			memcpy(w + 1, &v->block[1], v->block[0]);
			wlen = (uint16_t)(v->block[0] + 1);
		}
		break;
	default:
		errno = EOPNOTSUPP;
		return -1;
	}

	/* The core adds a PEC byte to what is written last, or reads one more. */
	wants_pec = e->pec && size != I2C_SMBUS_QUICK && size != I2C_SMBUS_I2C_BLOCK_DATA;
	crc = 0;
	if (wants_pec && has_write) {
		if (!has_read) {
			w[wlen] = i2cshim_msg_pec(0, e->addr, 0, w, wlen);
			wlen++;
		} else {
			crc = i2cshim_msg_pec(0, e->addr, 0, w, wlen);
		}
	}
	if (wants_pec && has_read)
		rlen++;
	if (has_read)
		flags = (uint8_t)((rlen == 0 ? SIMBUS_XF_READ : 0) |
				  (recv_len ? SIMBUS_XF_RECV_LEN : 0));
	if (i2cshim_xfer(e, e->addr, flags, has_write ? w : NULL, has_write ? wlen : 0,
			 has_read ? r : NULL, rlen, recv_len ? (uint16_t)sizeof(r) : rlen,
			 &got) < 0)
		return -1;
	if (!has_read)
		return 0;
	if (recv_len && (r[0] == 0 || r[0] > I2C_SMBUS_BLOCK_MAX)) {
		errno = EPROTO;         /* as the adapter (and the core) refuse it */
		return -1;
	}
	if (got != (recv_len ? rlen + r[0] : rlen)) {
		errno = EREMOTEIO;
		return -1;
	}
	if (wants_pec) {
		got--;
		if (r[got] != i2cshim_msg_pec(crc, e->addr, 1, r, got)) {
			errno = EBADMSG;
			return -1;
		}
	}
	switch (size) {
	case I2C_SMBUS_BYTE:
	case I2C_SMBUS_BYTE_DATA:
		v->byte = r[0];
		break;
	case I2C_SMBUS_WORD_DATA:
	case I2C_SMBUS_PROC_CALL:
		v->word = (uint16_t)(r[0] | r[1] << 8);
		break;
	case I2C_SMBUS_I2C_BLOCK_DATA:
		memcpy(&v->block[1], r, v->block[0]);
		break;
	case I2C_SMBUS_BLOCK_DATA:
	case I2C_SMBUS_BLOCK_PROC_CALL:
		memcpy(v->block, r, (size_t)r[0] + 1);
		break;
	}
	return 0;
}

/* i2c-dev's I2C_SMBUS ioctl: its checks, the BROKEN conversion, the copies. */
static int i2cshim_smbus(struct i2cshim_fd *e, struct i2c_smbus_ioctl_data *d)
{
	union i2c_smbus_data tmp;
	uint32_t size;
	size_t datasize;
	int rd;

	if (d == NULL) {
		errno = EFAULT;
		return -1;
	}
	size = d->size;
	if (!i2cshim_smbus_size_ok(size) ||
	    (d->read_write != I2C_SMBUS_READ && d->read_write != I2C_SMBUS_WRITE)) {
		errno = EINVAL;
		return -1;
	}
	rd = d->read_write == I2C_SMBUS_READ;
	/* quick, and send byte, do not use the data: NULL is fine there */
	if (size == I2C_SMBUS_QUICK || (size == I2C_SMBUS_BYTE && !rd))
		return i2cshim_smbus_xfer(e, rd, d->command, size, NULL);
	if (d->data == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (size == I2C_SMBUS_BYTE || size == I2C_SMBUS_BYTE_DATA)
		datasize = sizeof(d->data->byte);
	else if (size == I2C_SMBUS_WORD_DATA || size == I2C_SMBUS_PROC_CALL)
		datasize = sizeof(d->data->word);
	else
		datasize = sizeof(d->data->block);
	memset(&tmp, 0, sizeof(tmp));
	if (size == I2C_SMBUS_PROC_CALL || size == I2C_SMBUS_BLOCK_PROC_CALL ||
	    size == I2C_SMBUS_I2C_BLOCK_DATA || !rd)
		memcpy(&tmp, d->data, datasize);
	if (size == I2C_SMBUS_I2C_BLOCK_BROKEN) {
		/* old binaries' I2C block: the current request; a read is 32 bytes */
		size = I2C_SMBUS_I2C_BLOCK_DATA;
		if (rd)
			tmp.block[0] = I2C_SMBUS_BLOCK_MAX;
	}
	if (i2cshim_smbus_xfer(e, rd, d->command, size, &tmp) < 0)
		return -1;
	if (size == I2C_SMBUS_PROC_CALL || size == I2C_SMBUS_BLOCK_PROC_CALL || rd)
		memcpy(d->data, &tmp, datasize);
	return 0;
}

/* --- the ioctl switch -------------------------------------------------------- */

static int i2cshim_ioctl(struct i2cshim_fd *e, unsigned long req, unsigned long arg)
{
	switch (req) {
	case I2C_SLAVE:
	case I2C_SLAVE_FORCE:
		/* no kernel driver claims an address here, so never EBUSY */
		if (arg > 0x3ff || (!e->tenbit && arg > 0x7f)) {
			errno = EINVAL;
			return -1;
		}
		e->addr = (unsigned)arg;
		return 0;
	case I2C_TENBIT:
		e->tenbit = arg != 0;
		return 0;
	case I2C_PEC:
		e->pec = arg != 0;
		return 0;
	case I2C_RETRIES:
	case I2C_TIMEOUT:
		if (arg > INT_MAX) {
			errno = EINVAL;
			return -1;
		}
		return 0;
	case I2C_FUNCS:
		if (arg == 0) {
			errno = EFAULT;
			return -1;
		}
		/* the caller's buffer need not be aligned (the kernel's put_user
		 * does not care either) */
		memcpy((void *)arg, &(unsigned long){ I2CSHIM_FUNCS }, sizeof(unsigned long));
		return 0;
	/* The kernel copies the argument in (copy_from_user, any alignment):
	 * so do we, Python's fcntl.ioctl passes an unaligned buffer. */
	case I2C_RDWR: {
		struct i2c_rdwr_ioctl_data d;

		if (arg)
			memcpy(&d, (const void *)arg, sizeof(d));
		return i2cshim_rdwr(e, arg ? &d : NULL);
	}
	case I2C_SMBUS: {
		struct i2c_smbus_ioctl_data d;

		if (arg)
			memcpy(&d, (const void *)arg, sizeof(d));
		return i2cshim_smbus(e, arg ? &d : NULL);
	}
	default:
		errno = ENOTTY;
		return -1;
	}
}

/* --- hooked entry points --------------------------------------------------- */

static int i2cshim_do_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	char sock[sizeof(((struct bus *)0)->spec)];

	if (i2cshim_lookup(path, sock, sizeof(sock)))
		return i2cshim_open_dev(sock, flags);
	return i2cshim_real_openat(dirfd, path, flags, mode);
}

static mode_t i2cshim_mode(int flags, va_list ap)
{
	if ((flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE)
		return (mode_t)va_arg(ap, int);
	return 0;
}

I2CSHIM_API int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = i2cshim_mode(flags, ap);
	va_end(ap);
	return i2cshim_do_openat(AT_FDCWD, path, flags, mode);
}


I2CSHIM_API int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = i2cshim_mode(flags, ap);
	va_end(ap);
	return i2cshim_do_openat(dirfd, path, flags, mode);
}

/* The 64-bit-offset names take the same arguments: the same functions. */
I2CSHIM_API int open64(const char *path, int flags, ...) __attribute__((alias("open")));
I2CSHIM_API int openat64(int dirfd, const char *path, int flags, ...)
	__attribute__((alias("openat")));

/* _FORTIFY_SOURCE builds call these instead of open/openat. */
I2CSHIM_API int __open_2(const char *path, int flags);
I2CSHIM_API int __open_2(const char *path, int flags)
{
	return i2cshim_do_openat(AT_FDCWD, path, flags, 0);
}

I2CSHIM_API int __open64_2(const char *path, int flags) __attribute__((alias("__open_2")));

I2CSHIM_API int __openat_2(int dirfd, const char *path, int flags);
I2CSHIM_API int __openat_2(int dirfd, const char *path, int flags)
{
	return i2cshim_do_openat(dirfd, path, flags, 0);
}

I2CSHIM_API int close(int fd)
{
	struct i2cshim_fd *e = i2cshim_find(fd);

	if (e != NULL) {
		bus_sim_ops.close(&e->bus);
		e->used = 0;
		e->fd = -1;
	}
	return i2cshim_real_close(fd);
}

I2CSHIM_API int ioctl(int fd, unsigned long req, ...)
{
	static i2cshim_ioctl_fn real;
	struct i2cshim_fd *e = i2cshim_find(fd);
	unsigned long arg;
	va_list ap;

	va_start(ap, req);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	if (e != NULL)
		return i2cshim_ioctl(e, req, arg);
	if (real == NULL)
		real = (i2cshim_ioctl_fn)i2cshim_next("ioctl");
	return real(fd, req, arg);
}

I2CSHIM_API ssize_t read(int fd, void *buf, size_t n)
{
	static i2cshim_read_fn real;
	struct i2cshim_fd *e = i2cshim_find(fd);

	if (e != NULL) {
		if (n > I2CSHIM_MAX_LEN)
			n = I2CSHIM_MAX_LEN;    /* i2c-dev clamps the same way */
		if (e->tenbit) {
			errno = EOPNOTSUPP;
			return -1;
		}
		if (i2cshim_xfer(e, e->addr, i2cshim_rflags((uint16_t)n, 0), NULL, 0, buf,
				 (uint16_t)n, (uint16_t)n, NULL) < 0)
			return -1;
		return (ssize_t)n;
	}
	if (real == NULL)
		real = (i2cshim_read_fn)i2cshim_next("read");
	return real(fd, buf, n);
}

I2CSHIM_API ssize_t write(int fd, const void *buf, size_t n)
{
	static i2cshim_write_fn real;
	struct i2cshim_fd *e = i2cshim_find(fd);

	if (e != NULL) {
		if (n > I2CSHIM_MAX_LEN)
			n = I2CSHIM_MAX_LEN;
		if (e->tenbit) {
			errno = EOPNOTSUPP;
			return -1;
		}
		if (i2cshim_xfer(e, e->addr, 0, buf, (uint16_t)n, NULL, 0, 0, NULL) < 0)
			return -1;
		return (ssize_t)n;
	}
	if (real == NULL)
		real = (i2cshim_write_fn)i2cshim_next("write");
	return real(fd, buf, n);
}
