/*
 * bus_sim.c - bus backend for ducosim's simulated I2C bus (common/simbus_proto.h).
 *
 * Each transfer is one request and one response on ducosim's Unix stream
 * socket, sent in one write and read in full before returning, so the caller
 * sees the same synchronous contract as the kernel's i2c-dev. Assumes one
 * request in flight per connection (the protocol allows no more) and that a
 * broken or timed-out connection may hold a stale reply: such a connection
 * is dropped and reopened on the next transfer rather than resynchronised.
 * Uses send/recv with MSG_NOSIGNAL so a dead simulator never raises SIGPIPE
 * (and so the i2c-dev stand-in, which hooks read/write, never sees our own
 * socket traffic). Never prints.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "mclock.h"
#include "duco_proto.h"
#include "simbus_proto.h"

#define BUS_SIM_PREFIX      "sim:"
/* Real-time ducosim answers within bus time (a few ms); a loaded host may be slow. */
#define BUS_SIM_TIMEOUT_MS  5000

static const char *bus_sim_path(const struct bus *b)
{
	return b->spec + strlen(BUS_SIM_PREFIX);
}

static int bus_sim_connect(struct bus *b)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = bus_sim_path(b);
	int fd, rc;

	if (path[0] == '\0')
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		goto fail_close;
	}
	b->fd = fd;
	return 0;

fail_close:
	close(fd);
	return rc;
}

static void bus_sim_drop(struct bus *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}

static int64_t bus_sim_now_ms(void)
{
	return mclock_now_us(NULL) / 1000;
}

/* Wait for fd to become ready for events, up to the deadline. */
static int bus_sim_wait(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left;
	int rc;

	for (;;) {
		left = deadline - bus_sim_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}

/*
 * Move all n bytes to (events POLLOUT) or from (POLLIN) the socket by the
 * deadline; the socket is non-blocking, so a partial send or receive waits
 * in poll for the rest. A peer that closed reads as -ECONNRESET.
 */
static int bus_sim_move_all(int fd, short events, uint8_t *p, size_t n, int64_t deadline)
{
	ssize_t k;
	int rc;

	while (n > 0) {
		rc = bus_sim_wait(fd, events, deadline);
		if (rc < 0)
			return rc;
		k = events == POLLOUT ? send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT)
				      : recv(fd, p, n, MSG_DONTWAIT);
		if (k == 0 && events == POLLIN)
			return -ECONNRESET;
		if (k < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/*
 * One request/response exchange. On success returns 0 and fills *rsp and
 * up to rmax bytes of the reply payload into r; transport failures drop the
 * connection (a late reply must not be taken for the next request's).
 */
static int bus_sim_exchange(struct bus *b, const struct simbus_req *req,
			    const uint8_t *w, uint8_t *r, uint16_t rmax,
			    struct simbus_rsp *rsp)
{
	uint8_t out[SIMBUS_HDR_SIZE + SIMBUS_MAX_DATA];
	uint8_t hdr[SIMBUS_HDR_SIZE];
	uint8_t sink[64];
	int64_t deadline = bus_sim_now_ms() + BUS_SIM_TIMEOUT_MS;
	uint16_t got, chunk;
	int rc;

	if (req->wlen > SIMBUS_MAX_DATA || req->rlen > SIMBUS_MAX_DATA)
		return -EINVAL;
	if (b->fd < 0) {
		rc = bus_sim_connect(b);
		if (rc < 0)
			return rc;
	}
	simbus_encode_req(out, req);
	if (req->wlen > 0)
		memcpy(out + SIMBUS_HDR_SIZE, w, req->wlen);
	rc = bus_sim_move_all(b->fd, POLLOUT, out, SIMBUS_HDR_SIZE + (size_t)req->wlen, deadline);
	if (rc < 0)
		goto fail_drop;
	rc = bus_sim_move_all(b->fd, POLLIN, hdr, sizeof(hdr), deadline);
	if (rc < 0)
		goto fail_drop;
	if (simbus_decode_rsp(hdr, rsp) < 0) {
		rc = -EPROTO;
		goto fail_drop;
	}
	/* Take what fits, discard the rest so the stream stays in step. */
	got = rsp->rlen < rmax ? rsp->rlen : rmax;
	if (got > 0) {
		rc = bus_sim_move_all(b->fd, POLLIN, r, got, deadline);
		if (rc < 0)
			goto fail_drop;
	}
	while (got < rsp->rlen) {
		chunk = (uint16_t)(rsp->rlen - got);
		if (chunk > sizeof(sink))
			chunk = sizeof(sink);
		rc = bus_sim_move_all(b->fd, POLLIN, sink, chunk, deadline);
		if (rc < 0)
			goto fail_drop;
		got = (uint16_t)(got + chunk);
	}
	return 0;

fail_drop:
	bus_sim_drop(b);
	return rc;
}

int bus_sim_result_errno(uint8_t result)
{
	switch (result) {
	case SIMBUS_OK:          return 0;
	case SIMBUS_ADDR_NACK:   return -ENXIO;
	case SIMBUS_DATA_NACK:   return -EREMOTEIO;
	case SIMBUS_BUS_ERROR:   return -EIO;
	case SIMBUS_TIMEOUT:     return -ETIMEDOUT;
	case SIMBUS_BAD_REQUEST: return -EINVAL;
	default:                 return -EPROTO;
	}
}

static int bus_sim_open(struct bus *b, const char *spec)
{
	(void)spec;     /* bus_open already copied it into b->spec */
	b->fd = -1;
	b->priv = NULL;
	return bus_sim_connect(b);
}

static void bus_sim_close(struct bus *b)
{
	bus_sim_drop(b);
}

int bus_sim_xfer_flags(struct bus *b, uint8_t addr, uint8_t flags,
		       const uint8_t *w, uint16_t wlen, uint8_t *r, uint16_t rlen,
		       uint16_t rmax, uint16_t *rgot)
{
	struct simbus_req req = {
		.op = SIMBUS_OP_TRANSFER, .addr = addr, .flags = flags,
		.wlen = wlen, .rlen = rlen,
	};
	struct simbus_rsp rsp;
	int rc;

	if (b->ops != &bus_sim_ops)
		return -EOPNOTSUPP;
	*rgot = 0;
	rc = bus_sim_exchange(b, &req, w, r, rmax, &rsp);
	if (rc < 0)
		return rc;
	rc = bus_sim_result_errno(rsp.result);
	if (rc < 0)
		return rc;
	if (rsp.wacked != wlen || rsp.rlen > rmax)
		return -EREMOTEIO;
	*rgot = rsp.rlen;
	return 0;
}

static int bus_sim_xfer(struct bus *b, uint8_t addr, const uint8_t *w, uint16_t wlen,
			uint8_t *r, uint16_t rlen)
{
	uint16_t got;
	int rc = bus_sim_xfer_flags(b, addr, 0, w, wlen, r, rlen, rlen, &got);

	/* A short read is a partial transfer, as i2c-dev would report it. */
	if (rc == 0 && got != rlen)
		return -EREMOTEIO;
	return rc;
}

int bus_sim_fault(struct bus *b, uint8_t addr, uint8_t kind, uint32_t param)
{
	struct simbus_req req = {
		.op = SIMBUS_OP_FAULT, .addr = addr, .flags = 0, .wlen = SIMBUS_FAULT_SIZE, .rlen = 0,
	};
	struct simbus_rsp rsp;
	uint8_t w[SIMBUS_FAULT_SIZE];
	int rc;

	if (b->ops != &bus_sim_ops)
		return -EOPNOTSUPP;
	simbus_encode_fault(w, kind, param);
	rc = bus_sim_exchange(b, &req, w, NULL, 0, &rsp);
	if (rc < 0)
		return rc;
	return bus_sim_result_errno(rsp.result);
}

int bus_sim_info(struct bus *b, struct bus_sim_info *info)
{
	struct simbus_req req = {
		.op = SIMBUS_OP_INFO, .addr = 0, .flags = 0, .wlen = 0, .rlen = SIMBUS_INFO_SIZE,
	};
	struct simbus_rsp rsp;
	struct simbus_info si;
	uint8_t r[SIMBUS_INFO_SIZE];
	int rc;

	if (b->ops != &bus_sim_ops)
		return -EOPNOTSUPP;
	rc = bus_sim_exchange(b, &req, NULL, r, sizeof(r), &rsp);
	if (rc < 0)
		return rc;
	rc = bus_sim_result_errno(rsp.result);
	if (rc < 0)
		return rc;
	if (rsp.rlen < sizeof(r))
		return -EPROTO;
	simbus_decode_info(r, &si);
	*info = (struct bus_sim_info){
		.sim_time_ns = si.sim_time_ns, .bus_hz = si.bus_hz,
		.slaves = si.slaves, .flags = si.flags,
	};
	return 0;
}

const struct bus_ops bus_sim_ops = {
	.name  = "sim",
	.open  = bus_sim_open,
	.close = bus_sim_close,
	.xfer  = bus_sim_xfer,
};
