/*
 * bus.c - picks a bus backend from its spec and keeps the per-bus counters.
 *
 * A spec of the form "sim:<socket path>" selects ducosim's socket backend
 * (bus_sim.c); a device path such as "/dev/i2c-1" selects the kernel i2c-dev
 * backend (bus_i2cdev.c). The choice is made here at run time so the rest of
 * the master never knows which one it drives. Assumes the caller owns the
 * struct bus and serialises calls (the master is single-threaded).
 */
#include <errno.h>
#include <string.h>

#include "bus.h"

#define BUS_SIM_PREFIX "sim:"

static const struct bus_ops *bus_pick(const char *spec)
{
	if (strncmp(spec, BUS_SIM_PREFIX, strlen(BUS_SIM_PREFIX)) == 0)
		return &bus_sim_ops;
	if (spec[0] == '/')
		return &bus_i2cdev_ops;
	return NULL;
}

int bus_open(struct bus *b, const char *spec)
{
	const struct bus_ops *ops;
	int rc;

	*b = (struct bus){ .ops = NULL, .fd = -1 };
	if (spec == NULL || spec[0] == '\0')
		return -EINVAL;
	if (strlen(spec) >= sizeof(b->spec))
		return -ENAMETOOLONG;
	ops = bus_pick(spec);
	if (ops == NULL)
		return -EINVAL;
	memcpy(b->spec, spec, strlen(spec) + 1);
	rc = ops->open(b, spec);
	if (rc < 0) {
		b->fd = -1;
		return rc;
	}
	b->ops = ops;
	return 0;
}

void bus_close(struct bus *b)
{
	if (b->ops != NULL)
		b->ops->close(b);
	b->ops = NULL;
	b->fd = -1;
}

int bus_xfer(struct bus *b, uint8_t addr, const uint8_t *w, uint16_t wlen,
	     uint8_t *r, uint16_t rlen)
{
	int rc;

	if (b->ops == NULL)
		return -EBADF;
	if (addr > 0x7f || (wlen > 0 && w == NULL) || (rlen > 0 && r == NULL))
		return -EINVAL;
	b->xfers++;
	rc = b->ops->xfer(b, addr, w, wlen, r, rlen);
	if (rc == -ENXIO || rc == -EREMOTEIO)
		b->nacks++;
	else if (rc < 0)
		b->errors++;
	return rc;
}
