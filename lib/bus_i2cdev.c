/*
 * bus_i2cdev.c - bus backend for a kernel I2C adapter, /dev/i2c-N (i2c-dev).
 *
 * Frames go out as one I2C_RDWR ioctl (write message, repeated START, read
 * message), and the number of messages the kernel reports done is checked,
 * so a partial transfer is an error, never silently short data. The cheapest
 * transaction, the 1-byte status poll, uses libi2c's SMBus "receive byte"
 * (I2C_SLAVE + I2C_SMBUS) when the adapter offers it: on the Raspberry Pi
 * that is the same START, address+R, one byte, STOP on the wire, but some
 * SMBus-only adapters have nothing else. Assumes the caller may use the
 * adapter (group i2c) and that one process drives the bus; adapter errno
 * values are folded into the few that bus.h documents. Never prints.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/i2c.h>
#include <linux/i2c-dev.h>
#include <i2c/smbus.h>

#include "bus.h"

#define BUS_I2CDEV_TIMEOUT_10MS 25     /* I2C_TIMEOUT is in units of 10 ms */

struct bus_i2cdev {
	unsigned long funcs;    /* I2C_FUNCS of the adapter */
	int slave_addr;         /* address last set with I2C_SLAVE, -1 none */
};

/*
 * Fold adapter-specific errno values into bus.h's set. Adapters disagree on
 * NACKs (bcm2835 says EREMOTEIO for an address NACK, most say ENXIO), so the
 * callers treat both as "no answer".
 */
static int bus_i2cdev_errno(int e)
{
	switch (e) {
	case ENXIO:
	case EREMOTEIO:
	case ETIMEDOUT:
	case ENODEV:            /* adapter gone (USB adapter unplugged) */
	case EINVAL:
	case ENOMEM:
		return -e;
	default:                /* EAGAIN (arbitration lost), EPROTO, EBUSY, EIO... */
		return -EIO;
	}
}

static int bus_i2cdev_open(struct bus *b, const char *spec)
{
	struct bus_i2cdev *p;
	unsigned long funcs = 0;
	int fd, rc;

	fd = open(spec, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A path that is not an i2c-dev node fails here, typically with ENOTTY. */
	if (ioctl(fd, I2C_FUNCS, &funcs) < 0) {
		rc = -errno;
		goto fail_close;
	}
	if (!(funcs & I2C_FUNC_I2C)) {
		rc = -EOPNOTSUPP;       /* SMBus-only adapter: no I2C_RDWR frames */
		goto fail_close;
	}
	/*
	 * A slave that stretches SCL forever would stall the whole event loop
	 * for the adapter's default timeout (often 1 s); a JOB frame takes 7 ms
	 * at 100 kHz, 70 ms at 10 kHz. Best effort: not every adapter honours it.
	 */
	(void)ioctl(fd, I2C_TIMEOUT, (unsigned long)BUS_I2CDEV_TIMEOUT_10MS);
	p = malloc(sizeof(*p));
	if (p == NULL) {
		rc = -ENOMEM;
		goto fail_close;
	}
	*p = (struct bus_i2cdev){ .funcs = funcs, .slave_addr = -1 };
	b->fd = fd;
	b->priv = p;
	return 0;

fail_close:
	close(fd);
	return rc;
}

static void bus_i2cdev_close(struct bus *b)
{
	if (b->fd >= 0)
		close(b->fd);
	free(b->priv);
	b->priv = NULL;
	b->fd = -1;
}

/* 1-byte read through libi2c; returns the byte, -EAGAIN to use I2C_RDWR instead. */
static int bus_i2cdev_read_byte(struct bus *b, uint8_t addr)
{
	struct bus_i2cdev *p = b->priv;
	__s32 v;

	if (!(p->funcs & I2C_FUNC_SMBUS_READ_BYTE))
		return -EAGAIN;
	if (p->slave_addr != addr) {
		/* EBUSY: a kernel driver claims the address; I2C_RDWR still works. */
		if (ioctl(b->fd, I2C_SLAVE, (unsigned long)addr) < 0)
			return -EAGAIN;
		p->slave_addr = addr;
	}
	v = i2c_smbus_read_byte(b->fd);
	if (v < 0)
		return bus_i2cdev_errno(-v);
	return v & 0xff;
}

static int bus_i2cdev_xfer(struct bus *b, uint8_t addr, const uint8_t *w, uint16_t wlen,
			   uint8_t *r, uint16_t rlen)
{
	struct i2c_msg msgs[2];
	struct i2c_rdwr_ioctl_data data = { .msgs = msgs, .nmsgs = 0 };
	int rc;

	if (wlen == 0 && rlen == 1) {
		rc = bus_i2cdev_read_byte(b, addr);
		if (rc >= 0) {
			r[0] = (uint8_t)rc;
			return 0;
		}
		if (rc != -EAGAIN)
			return rc;
	}
	/* wlen == 0 and rlen == 0 is an address-only write (a quick probe). */
	if (wlen > 0 || rlen == 0)
		msgs[data.nmsgs++] = (struct i2c_msg){
			.addr = addr, .flags = 0, .len = wlen, .buf = (__u8 *)w,
		};
	if (rlen > 0)
		msgs[data.nmsgs++] = (struct i2c_msg){
			.addr = addr, .flags = I2C_M_RD, .len = rlen, .buf = r,
		};
	rc = ioctl(b->fd, I2C_RDWR, &data);
	if (rc < 0)
		return bus_i2cdev_errno(errno);
	if ((unsigned)rc != data.nmsgs)
		return -EREMOTEIO;      /* partial transfer */
	return 0;
}

const struct bus_ops bus_i2cdev_ops = {
	.name  = "i2cdev",
	.open  = bus_i2cdev_open,
	.close = bus_i2cdev_close,
	.xfer  = bus_i2cdev_xfer,
};
