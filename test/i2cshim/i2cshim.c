/*
 * i2cshim.c - an LD_PRELOAD stand-in for /dev/i2c-N that drives ducosim's bus.
 *
 * With DUCORIG_I2C_SHIM="/dev/i2c-7=/tmp/sim.sock" (several mappings
 * separated by commas) a program that opens /dev/i2c-7 gets an fd whose
 * i2c-dev ioctls (I2C_SLAVE, I2C_SLAVE_FORCE, I2C_TENBIT, I2C_PEC,
 * I2C_RETRIES, I2C_TIMEOUT, I2C_FUNCS, I2C_RDWR, I2C_SMBUS) and plain
 * read/write are carried out as transfers on ducosim's socket, through the
 * master's own sim backend (lib/bus_sim.c). So the master's real i2c-dev
 * code, its ioctl calls and its errno handling, runs unchanged against the
 * simulated rig. Assumptions and limits: one thread uses the shim fds; the
 * fd is a real descriptor (of /dev/null) so close/fcntl/poll on it behave,
 * but dup'ed copies are not recognised; I2C_RDWR sends each write message
 * that is followed by a read of the same address as one combined transfer
 * (write, repeated START, read), any other message as its own transfer;
 * errno values are those i2c-dev gives for the same bus events (ENXIO for
 * an address NACK, EREMOTEIO for a data NACK or short transfer). For tests,
 * DUCORIG_I2C_SHIM_PARTIAL=<n> makes the first n multi-message I2C_RDWR
 * calls per descriptor stop after their first message and return 1, as
 * adapters that report partial transfers do. Everything
 * but the hooked entry points has hidden visibility, so the shim's copy of
 * bus_sim.c never clashes with the program's own.
 */
/* Fortified builds turn open/read into inline wrappers we could not redefine. */
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/i2c.h>
#include <linux/i2c-dev.h>

#include "bus.h"
#include "simbus_proto.h"

#define I2CSHIM_API     __attribute__((visibility("default")))
#define I2CSHIM_ENV     "DUCORIG_I2C_SHIM"
#define I2CSHIM_ENV_PARTIAL "DUCORIG_I2C_SHIM_PARTIAL"
#define I2CSHIM_MAX_FDS 16
#define I2CSHIM_MAX_LEN 8192    /* i2c-dev's per-message limit */
#define I2CSHIM_FUNCS   (I2C_FUNC_I2C | I2C_FUNC_SMBUS_QUICK | I2C_FUNC_SMBUS_BYTE | \
			 I2C_FUNC_SMBUS_BYTE_DATA | I2C_FUNC_SMBUS_WORD_DATA | \
			 I2C_FUNC_SMBUS_PROC_CALL | I2C_FUNC_SMBUS_I2C_BLOCK)

struct i2cshim_fd {
	int used;
	int fd;                 /* the descriptor handed to the program */
	int addr;               /* set by I2C_SLAVE; 0 until then, like i2c-dev */
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

/* One bus transfer; returns 0 or -1 with errno set as i2c-dev would. */
static int i2cshim_xfer(struct i2cshim_fd *e, uint16_t addr, const uint8_t *w, uint16_t wlen,
			uint8_t *r, uint16_t rlen)
{
	int rc;

	if (wlen > SIMBUS_MAX_DATA || rlen > SIMBUS_MAX_DATA) {
		errno = EINVAL;
		return -1;
	}
	rc = bus_sim_ops.xfer(&e->bus, (uint8_t)addr, w, wlen, r, rlen);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

static int i2cshim_rdwr(struct i2cshim_fd *e, struct i2c_rdwr_ioctl_data *d)
{
	struct i2c_msg *m;
	uint32_t i;

	if (d == NULL || d->msgs == NULL || d->nmsgs == 0 ||
	    d->nmsgs > I2C_RDWR_IOCTL_MAX_MSGS) {
		errno = EINVAL;
		return -1;
	}
	m = d->msgs;
	for (i = 0; i < d->nmsgs; i++) {
		if (m[i].len > I2CSHIM_MAX_LEN || (m[i].flags & I2C_M_TEN) ||
		    (m[i].len > 0 && m[i].buf == NULL)) {
			errno = EINVAL;
			return -1;
		}
		if (m[i].flags & I2C_M_RECV_LEN) {
			errno = EOPNOTSUPP;
			return -1;
		}
	}
	if (e->partial > 0 && d->nmsgs > 1) {
		e->partial--;
		if (m[0].flags & I2C_M_RD) {
			if (i2cshim_xfer(e, m[0].addr, NULL, 0, m[0].buf, m[0].len) < 0)
				return -1;
		} else if (i2cshim_xfer(e, m[0].addr, m[0].buf, m[0].len, NULL, 0) < 0) {
			return -1;
		}
		return 1;
	}
	for (i = 0; i < d->nmsgs; i++) {
		int rd = (m[i].flags & I2C_M_RD) != 0;

		if (!rd && i + 1 < d->nmsgs && (m[i + 1].flags & I2C_M_RD) &&
		    m[i + 1].addr == m[i].addr) {
			if (i2cshim_xfer(e, m[i].addr, m[i].buf, m[i].len,
					 m[i + 1].buf, m[i + 1].len) < 0)
				return -1;
			i++;
		} else if (rd) {
			if (i2cshim_xfer(e, m[i].addr, NULL, 0, m[i].buf, m[i].len) < 0)
				return -1;
		} else {
			if (i2cshim_xfer(e, m[i].addr, m[i].buf, m[i].len, NULL, 0) < 0)
				return -1;
		}
	}
	return (int)d->nmsgs;
}

static int i2cshim_smbus(struct i2cshim_fd *e, struct i2c_smbus_ioctl_data *d)
{
	union i2c_smbus_data *v;
	uint8_t w[I2C_SMBUS_BLOCK_MAX + 1], r[I2C_SMBUS_BLOCK_MAX];
	int rd, len;

	if (d == NULL) {
		errno = EINVAL;
		return -1;
	}
	rd = d->read_write == I2C_SMBUS_READ;
	v = d->data;
	if (d->size != I2C_SMBUS_QUICK && v == NULL) {
		errno = EINVAL;
		return -1;
	}
	w[0] = d->command;
	switch (d->size) {
	case I2C_SMBUS_QUICK:
		/* The sim bus has no address-only read; a write probe answers the same. */
		return i2cshim_xfer(e, e->addr, NULL, 0, NULL, 0);
	case I2C_SMBUS_BYTE:
		if (rd) {
			if (i2cshim_xfer(e, e->addr, NULL, 0, r, 1) < 0)
				return -1;
			v->byte = r[0];
			return 0;
		}
		return i2cshim_xfer(e, e->addr, w, 1, NULL, 0);
	case I2C_SMBUS_BYTE_DATA:
		if (rd) {
			if (i2cshim_xfer(e, e->addr, w, 1, r, 1) < 0)
				return -1;
			v->byte = r[0];
			return 0;
		}
		w[1] = v->byte;
		return i2cshim_xfer(e, e->addr, w, 2, NULL, 0);
	case I2C_SMBUS_WORD_DATA:
	case I2C_SMBUS_PROC_CALL:
		if (rd && d->size == I2C_SMBUS_WORD_DATA) {
			if (i2cshim_xfer(e, e->addr, w, 1, r, 2) < 0)
				return -1;
			v->word = (uint16_t)(r[0] | r[1] << 8);
			return 0;
		}
		w[1] = (uint8_t)(v->word & 0xff);
		w[2] = (uint8_t)(v->word >> 8);
		if (d->size == I2C_SMBUS_WORD_DATA)
			return i2cshim_xfer(e, e->addr, w, 3, NULL, 0);
		if (i2cshim_xfer(e, e->addr, w, 3, r, 2) < 0)
			return -1;
		v->word = (uint16_t)(r[0] | r[1] << 8);
		return 0;
	case I2C_SMBUS_I2C_BLOCK_DATA:
		len = v->block[0];
		if (len < 1 || len > I2C_SMBUS_BLOCK_MAX) {
			errno = EINVAL;
			return -1;
		}
		if (rd) {
			if (i2cshim_xfer(e, e->addr, w, 1, r, (uint16_t)len) < 0)
				return -1;
			memcpy(&v->block[1], r, (size_t)len);
			return 0;
		}
		memcpy(w + 1, &v->block[1], (size_t)len);
		return i2cshim_xfer(e, e->addr, w, (uint16_t)(len + 1), NULL, 0);
	default:
		errno = EOPNOTSUPP;     /* not in I2CSHIM_FUNCS */
		return -1;
	}
}

static int i2cshim_ioctl(struct i2cshim_fd *e, unsigned long req, unsigned long arg)
{
	switch (req) {
	case I2C_SLAVE:
	case I2C_SLAVE_FORCE:
		if (arg > 0x7f) {
			errno = EINVAL;
			return -1;
		}
		e->addr = (int)arg;
		return 0;
	case I2C_TENBIT:
	case I2C_PEC:
		if (arg != 0) {         /* neither is in I2CSHIM_FUNCS */
			errno = EINVAL;
			return -1;
		}
		return 0;
	case I2C_RETRIES:
	case I2C_TIMEOUT:
		return 0;
	case I2C_FUNCS:
		if (arg == 0) {
			errno = EFAULT;
			return -1;
		}
		*(unsigned long *)arg = I2CSHIM_FUNCS;
		return 0;
	case I2C_RDWR:
		return i2cshim_rdwr(e, (struct i2c_rdwr_ioctl_data *)arg);
	case I2C_SMBUS:
		return i2cshim_smbus(e, (struct i2c_smbus_ioctl_data *)arg);
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

I2CSHIM_API int open64(const char *path, int flags, ...)
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

I2CSHIM_API int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = i2cshim_mode(flags, ap);
	va_end(ap);
	return i2cshim_do_openat(dirfd, path, flags, mode);
}

/* _FORTIFY_SOURCE builds call these instead of open/openat. */
I2CSHIM_API int __open_2(const char *path, int flags);
I2CSHIM_API int __open_2(const char *path, int flags)
{
	return i2cshim_do_openat(AT_FDCWD, path, flags, 0);
}

I2CSHIM_API int __open64_2(const char *path, int flags);
I2CSHIM_API int __open64_2(const char *path, int flags)
{
	return i2cshim_do_openat(AT_FDCWD, path, flags, 0);
}

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
		if (i2cshim_xfer(e, (uint16_t)e->addr, NULL, 0, buf, (uint16_t)n) < 0)
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
		if (i2cshim_xfer(e, (uint16_t)e->addr, buf, (uint16_t)n, NULL, 0) < 0)
			return -1;
		return (ssize_t)n;
	}
	if (real == NULL)
		real = (i2cshim_write_fn)i2cshim_next("write");
	return real(fd, buf, n);
}
