/*
 * sim_server.c - the simbus socket: accept, frame requests, answer them.
 *
 * Each connection buffers at most one request (header plus write payload);
 * the socket is only watched again after the answer went out, so a client
 * that pipelines simply waits in the kernel's buffer. Answers are small and
 * written with one non-blocking send; a client that does not read its
 * answers is dropped. The socket path is claimed only if nothing is there
 * or a stale socket is: a file or a live server's socket is never removed.
 * Assumes a Unix stream socket path shorter than sun_path.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "duco_proto.h"
#include "sim_server.h"

static void sim_server_on_listen(struct evloop *el, int fd, int mask, void *arg);

/*
 * Make room for our socket at sa's path. Only a stale socket (a killed
 * run's: nobody accepts on it) is removed; whatever else is there stays:
 * -ENOTSOCK for anything but a socket (a regular file, a symlink, a
 * folder), -EADDRINUSE for a socket something listens on (another
 * ducosim). The probe is a non-blocking connect: a listener whose backlog
 * is full answers EAGAIN, which is just as alive.
 */
static int sim_server_claim(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (rc < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 || rc == -EAGAIN || rc == -EINPROGRESS)
		return -EADDRINUSE;
	if (rc != -ECONNREFUSED && rc != -ENOENT)
		return rc;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

void sim_server_init(struct sim_server *sv, struct evloop *el)
{
	memset(sv, 0, sizeof(*sv));
	sv->el = el;
	sv->cur = -1;
	sv->lfd = -1;
	for (int i = 0; i < SIM_SERVER_MAX_CLIENTS; i++)
		sv->cl[i].fd = -1;
}

int sim_server_open(struct sim_server *sv, const char *path, struct evloop *el)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int err = 0;

	sim_server_init(sv, el);
	if (strlen(path) >= sizeof(sa.sun_path) || strlen(path) >= sizeof(sv->path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	memcpy(sv->path, path, strlen(path) + 1);
	sv->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (sv->lfd < 0)
		return -errno;
	err = sim_server_claim(path, &sa);
	if (err) {
		close(sv->lfd);
		sv->lfd = -1;
		return err;
	}
	if (bind(sv->lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(sv->lfd, 16) < 0 ||
	    (err = evloop_add_file(el, sv->lfd, EVLOOP_READABLE, sim_server_on_listen, sv)) < 0) {
		err = err < 0 ? err : -errno;
		close(sv->lfd);
		sv->lfd = -1;
		return err;
	}
	return 0;
}

static void sim_server_on_client(struct evloop *el, int fd, int mask, void *arg);

/* Read from client i only while it has no complete request waiting. */
static void sim_server_watch(struct sim_server *sv, int i, int on)
{
	struct sim_server_client *c = &sv->cl[i];

	if (c->fd < 0 || c->reading == on)
		return;
	if (on)
		c->reading = evloop_add_file(sv->el, c->fd, EVLOOP_READABLE,
					     sim_server_on_client, sv) == 0;
	else {
		evloop_del_file(sv->el, c->fd);
		c->reading = 0;
	}
}

static void sim_server_drop(struct sim_server *sv, int i)
{
	sim_server_watch(sv, i, 0);
	close(sv->cl[i].fd);
	sv->cl[i].fd = -1;
	sv->cl[i].have = 0;
	if (sv->cur == i)
		sv->cur_gone = 1;
}

void sim_server_close(struct sim_server *sv)
{
	for (int i = 0; i < SIM_SERVER_MAX_CLIENTS; i++)
		if (sv->cl[i].fd >= 0)
			sim_server_drop(sv, i);
	if (sv->lfd >= 0) {
		evloop_del_file(sv->el, sv->lfd);
		close(sv->lfd);
		unlink(sv->path);
		sv->lfd = -1;
	}
}

/*
 * One answer per request, at most a few hundred bytes, on a socket whose
 * buffer holds hundreds of them: a send that does not take it whole means
 * the client stopped reading. Never waits.
 */
static int sim_server_send(int fd, const uint8_t *p, size_t n)
{
	ssize_t k;

	do
		k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (k < 0 && errno == EINTR);
	return k == (ssize_t)n ? 0 : -EPIPE;
}

static void sim_server_answer(struct sim_server *sv, int i, uint8_t result, uint16_t wacked,
			      const uint8_t *data, uint16_t len)
{
	uint8_t out[SIMBUS_HDR_SIZE + SIMBUS_MAX_DATA];
	struct simbus_rsp rsp = { .result = result, .wacked = wacked, .rlen = len };

	simbus_encode_rsp(out, &rsp);
	if (len)
		memcpy(out + SIMBUS_HDR_SIZE, data, len);
	if (sim_server_send(sv->cl[i].fd, out, SIMBUS_HDR_SIZE + (size_t)len) < 0) {
		sim_server_drop(sv, i);
	} else {
		sv->cl[i].have = 0;
		sim_server_watch(sv, i, 1);
	}
	sv->served++;
}

/* Bytes the request in client i needs in total, or 0 if still unknown. */
static uint32_t sim_server_need(const struct sim_server_client *c, int *bad)
{
	struct simbus_req req;

	*bad = 0;
	if (c->have < SIMBUS_HDR_SIZE)
		return SIMBUS_HDR_SIZE;
	if (simbus_decode_req(c->buf, &req) < 0) {
		*bad = 1;
		return SIMBUS_HDR_SIZE;
	}
	return SIMBUS_HDR_SIZE + (uint32_t)req.wlen;
}

static int sim_server_complete(const struct sim_server_client *c)
{
	int bad;
	uint32_t need = sim_server_need(c, &bad);

	return c->fd >= 0 && (bad || (c->have >= SIMBUS_HDR_SIZE && c->have >= need));
}

/* Serve client i's complete request; a TRANSFER goes on the bus. */
static void sim_server_serve(struct sim_server *sv, struct sim_rig *r, int i)
{
	struct sim_server_client *c = &sv->cl[i];
	struct simbus_req req;
	uint8_t info[SIMBUS_INFO_SIZE], kind = 0;
	uint32_t param = 0;
	int err;

	if (simbus_decode_req(c->buf, &req) < 0) {
		sim_server_answer(sv, i, SIMBUS_BAD_REQUEST, 0, NULL, 0);
		/* we cannot find the next header in a confused stream */
		sim_server_drop(sv, i);
		return;
	}
	switch (req.op) {
	case SIMBUS_OP_TRANSFER:
		memset(&sv->x, 0, sizeof(sv->x));
		sv->x.addr = req.addr;
		sv->x.flags = req.flags;
		sv->x.wlen = req.wlen;
		sv->x.rlen = req.rlen;
		memcpy(sv->x.w, c->buf + SIMBUS_HDR_SIZE, req.wlen);
		err = sim_rig_begin(r, &sv->x);
		if (err < 0) {
			/* -EINVAL: address, flags or lengths out of range */
			sim_server_answer(sv, i, err == -EINVAL ? SIMBUS_BAD_REQUEST :
					  SIMBUS_BUS_ERROR, 0, NULL, 0);
			return;
		}
		sv->cur = i;
		sv->cur_gone = 0;
		sv->cur_start_ns = r->now_ns;
		return;
	case SIMBUS_OP_INFO:
		simbus_encode_info(info, &(struct simbus_info){
			.sim_time_ns = r->now_ns, .bus_hz = r->bus_hz,
			.slaves = (uint16_t)r->count, .flags = sv->flags });
		sim_server_answer(sv, i, SIMBUS_OK, 0, info,
				  req.rlen < sizeof(info) ? req.rlen : sizeof(info));
		return;
	case SIMBUS_OP_FAULT:
		if (req.wlen >= SIMBUS_FAULT_SIZE)
			simbus_decode_fault(c->buf + SIMBUS_HDR_SIZE, &kind, &param);
		if (req.wlen < SIMBUS_FAULT_SIZE || req.addr > 0x7f ||
		    sim_rig_fault(r, req.addr, kind, param) < 0)
			sim_server_answer(sv, i, SIMBUS_BAD_REQUEST, 0, NULL, 0);
		else
			sim_server_answer(sv, i, SIMBUS_OK, (uint16_t)req.wlen, NULL, 0);
		return;
	default:
		sim_server_answer(sv, i, SIMBUS_BAD_REQUEST, 0, NULL, 0);
		sim_server_drop(sv, i);
	}
}

int sim_server_pending(const struct sim_server *sv)
{
	if (sv->cur >= 0)
		return 0;
	for (int i = 0; i < SIM_SERVER_MAX_CLIENTS; i++)
		if (sim_server_complete(&sv->cl[i]))
			return 1;
	return 0;
}

void sim_server_dispatch(struct sim_server *sv, struct sim_rig *r)
{
	while (sv->cur < 0) {
		int best = -1;

		for (int i = 0; i < SIM_SERVER_MAX_CLIENTS; i++)
			if (sim_server_complete(&sv->cl[i]) &&
			    (best < 0 || sv->cl[i].arrival < sv->cl[best].arrival))
				best = i;
		if (best < 0)
			return;
		sim_server_serve(sv, r, best);
	}
}

static void sim_server_read(struct sim_server *sv, int i)
{
	struct sim_server_client *c = &sv->cl[i];
	int bad;
	uint32_t need;

	if (sim_server_complete(c))
		return;         /* one request at a time per connection */
	need = sim_server_need(c, &bad);
	if (c->have >= SIMBUS_HDR_SIZE)
		need = need > c->have ? need : c->have;
	ssize_t k = recv(c->fd, c->buf + c->have, need - c->have, 0);

	if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
		sim_server_drop(sv, i);
		return;
	}
	if (k < 0)
		return;
	c->have += (uint32_t)k;
	if (sim_server_complete(c)) {
		c->arrival = ++sv->arrivals;
		sim_server_watch(sv, i, 0);
		if (sv->on_request)
			sv->on_request(sv->ctx);
	}
}

static void sim_server_on_client(struct evloop *el, int fd, int mask, void *arg)
{
	struct sim_server *sv = arg;

	for (int i = 0; i < SIM_SERVER_MAX_CLIENTS; i++)
		if (sv->cl[i].fd == fd) {
			sim_server_read(sv, i);
			return;
		}
}

int sim_server_adopt(struct sim_server *sv, int fd)
{
	int i;

	for (i = 0; i < SIM_SERVER_MAX_CLIENTS && sv->cl[i].fd >= 0; i++)
		;
	if (i == SIM_SERVER_MAX_CLIENTS) {
		close(fd);
		return -EMFILE;
	}
	sv->cl[i].fd = fd;
	sv->cl[i].have = 0;
	sv->cl[i].reading = 0;
	sim_server_watch(sv, i, 1);
	return i;
}

static void sim_server_on_listen(struct evloop *el, int lfd, int mask, void *arg)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd >= 0)
		sim_server_adopt(arg, fd);
}

void sim_server_done(struct sim_server *sv, struct sim_rig *r)
{
	int i = sv->cur;
	struct sim_xfer *x = &sv->x;

	sv->cur = -1;
	if (i >= 0 && sv->on_done)
		sv->on_done(sv->ctx, x, sv->cur_start_ns);
	if (i >= 0 && !sv->cur_gone && sv->cl[i].fd >= 0)
		sim_server_answer(sv, i, x->result, x->wacked, x->r,
				  x->result == SIMBUS_OK ? x->rlen : 0);
	sim_server_dispatch(sv, r);
}
