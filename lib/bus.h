/*
 * bus.h - I2C bus backends behind one ops table.
 *
 * The master talks to its slaves only through struct bus_ops, so the real
 * /dev/i2c-N adapter (bus_i2cdev.c, libi2c + I2C_RDWR) and ducosim's socket
 * (bus_sim.c, common/simbus_proto.h) are chosen by configuration, never by
 * #ifdef. Transfers are synchronous: an I2C transaction is a few ms at most
 * and the kernel's i2c-dev interface blocks anyway; the event loop schedules
 * them and never sleeps in between.
 *
 * Errors are negative errno values, the same ones i2c-dev returns:
 *   -ENXIO      address NACK (no slave there)
 *   -EREMOTEIO  data NACK / partial transfer
 *   -ETIMEDOUT  bus timeout (a slave held SCL too long), -EIO other bus errors
 * Backends never print.
 */
#ifndef BUS_H
#define BUS_H

#include <stdint.h>

struct bus;

struct bus_ops {
	const char *name;                       /* "i2cdev", "sim" */
	/* spec is "/dev/i2c-1" or "sim:/path/to/socket"; returns 0 or -errno */
	int  (*open)(struct bus *b, const char *spec);
	void (*close)(struct bus *b);
	/*
	 * START, addr+W, w[0..wlen-1] (skipped when wlen == 0), repeated START,
	 * addr+R, r[0..rlen-1] (skipped when rlen == 0), STOP.
	 */
	int  (*xfer)(struct bus *b, uint8_t addr, const uint8_t *w, uint16_t wlen,
		     uint8_t *r, uint16_t rlen);
};

struct bus {
	const struct bus_ops *ops;
	char  spec[128];        /* as configured, for logs ("sim:/tmp/x", "/dev/i2c-1") */
	int   fd;
	void *priv;
	/* counters for the status table and the summary */
	uint32_t xfers, nacks, errors;
};

/* Pick the backend from the spec ("sim:..." or a device path) and open it. */
int  bus_open(struct bus *b, const char *spec);
void bus_close(struct bus *b);
int  bus_xfer(struct bus *b, uint8_t addr, const uint8_t *w, uint16_t wlen,
	      uint8_t *r, uint16_t rlen);

extern const struct bus_ops bus_i2cdev_ops;
extern const struct bus_ops bus_sim_ops;

/*
 * Extras of the sim backend, for tests and tools (added after v1 of this
 * header). Both return -EOPNOTSUPP on a bus that is not "sim:".
 * bus_sim_fault injects enum simbus_fault kind at addr (param per kind);
 * bus_sim_info reads the simulator's clock, bus speed and slave count.
 */
struct bus_sim_info {
	uint64_t sim_time_ns;
	uint32_t bus_hz;
	uint16_t slaves;
	uint16_t flags;         /* bit 0: fast (not real-time) mode */
};
int bus_sim_fault(struct bus *b, uint8_t addr, uint8_t kind, uint32_t param);
int bus_sim_info(struct bus *b, struct bus_sim_info *info);
/* The -errno a simulated transfer's enum simbus_result stands for (0: OK). */
int bus_sim_result_errno(uint8_t result);
/*
 * One transfer with SIMBUS_XF_* flags (common/simbus_proto.h): a zero-length
 * read, a block read whose length the slave's count byte sets. Up to rmax
 * bytes are read into r; *rgot says how many the bus carried. A slave that
 * NACKs a written byte is -EREMOTEIO, as with xfer. For the /dev/i2c-N
 * stand-in, which needs what i2c-dev's adapters can do beyond bus_ops.
 */
int bus_sim_xfer_flags(struct bus *b, uint8_t addr, uint8_t flags,
		       const uint8_t *w, uint16_t wlen, uint8_t *r, uint16_t rlen,
		       uint16_t rmax, uint16_t *rgot);

#endif
