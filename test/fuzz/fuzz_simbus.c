/*
 * fuzz_simbus.c - fuzz harness for ducosim's socket protocol
 * (sim/ducosim/sim_server.c: request framing, TRANSFER / INFO / FAULT
 * requests, bad requests, clients that go away) on a rig of two model
 * slaves (common/slave.c behind sim_model.c) at 0x08 and 0x09.
 *
 * The input is what one client sends, written into a socketpair whose
 * other end the server adopts; the harness runs the server and the rig
 * (simulated time, every transfer to its end) until the client is dropped,
 * has been answered for everything, closed its side, or used up the
 * input's share of simulated bus time (FZ_BUS_BUDGET_NS). Invariants: every
 * answer is a well-formed response header with at most SIMBUS_MAX_DATA
 * bytes after it and read data only with OK; the server never serves more
 * answers than requests came in; nothing leaks (LeakSanitizer).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"
#include "sim_model.h"
#include "sim_rig.h"
#include "sim_server.h"
#include "simbus_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Simulated bus time one input may use: the transfer that crosses it still
 * ends, then the client goes away (the server's path for a client that
 * leaves with requests unanswered). A 4 KB input of 8 KB reads asks for 94 s
 * of bus time (about 1.5 million lock-step slices, 0.9 s of the harness);
 * as the fuzzer grew its inputs towards that, the harness's rate fell from
 * about 7,000 to 2,000 executions per second. 300 ms is more than one
 * transfer of every kind can take (the longest, a block read of 8 KB plus
 * its count that times out, is 235 ms at 400 kHz), so no request type is
 * out of reach; only repeating it beyond that is.
 */
#define FZ_BUS_BUDGET_NS 300000000ull

static struct evloop *fz_el;
static uint8_t fz_rx[1 << 17];
/* The rig and the server live for the whole run and are initialised again
 * for each input (both init functions clear them): a fresh allocation of
 * these large structures per input cost more page faults than the input. */
static struct sim_rig fz_rig;
static struct sim_server fz_sv;

/* Check the answers read so far; returns how many bytes make whole ones. */
static size_t fz_answers(const uint8_t *p, size_t n, unsigned *count)
{
	size_t off = 0;

	while (n - off >= SIMBUS_HDR_SIZE) {
		struct simbus_rsp rsp;

		if (simbus_decode_rsp(p + off, &rsp) != 0 || rsp.rlen > SIMBUS_MAX_DATA ||
		    (rsp.rlen && rsp.result != SIMBUS_OK))
			abort();
		if (n - off < SIMBUS_HDR_SIZE + (size_t)rsp.rlen)
			break;
		off += SIMBUS_HDR_SIZE + rsp.rlen;
		++*count;
	}
	return off;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_rig *r = &fz_rig;
	struct sim_server *sv = &fz_sv;
	struct sim_slave *s;
	size_t sent = 0, have = 0;
	unsigned answers = 0, idle = 0;
	int sp[2];

	if (!fz_el && !(fz_el = evloop_new()))
		abort();
	sim_rig_init(r, 400000);      /* 400 kHz: fewer simulated slices per transfer */
	/* 100 kH/s each: a job of a few thousand nonces still ends within the
	 * milliseconds an input's transfers take (the corpus keeps its
	 * coverage), while at 1 MH/s the hashing during long transfers (an
	 * 8 KB read is 184 ms of bus time) was most of the harness's time. */
	for (int i = 0; i < 2; i++) {
		if (sim_model_create(&s, (uint8_t)(0x08 + i), 1e5, 400000, (uint32_t)i, "m") ||
		    sim_rig_add(r, s))
			abort();
	}
	sim_server_init(sv, fz_el);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp) < 0)
		abort();
	if (sim_server_adopt(sv, sp[0]) != 0)
		abort();
	for (int step = 0; step < 100000 && idle < 3; step++) {
		ssize_t k = 0;
		int progress = 0;

		if (sent < size) {
			k = send(sp[1], data + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (k > 0) {
				sent += (size_t)k;
				progress = 1;
			}
			if (sent == size)
				shutdown(sp[1], SHUT_WR);
		}
		evloop_run_once(fz_el, 0);
		sim_server_dispatch(sv, r);
		if (r->cur) {
			while (!sim_rig_run(r, r->now_ns + r->timeout_ns))
				;
			sim_server_done(sv, r);
			progress = 1;
			if (r->now_ns >= FZ_BUS_BUDGET_NS)
				break;
		}
		/* one recv takes all that is queued on a Unix stream socket (what
		 * a full buffer leaves waits for the next step): reading on until
		 * EAGAIN cost a syscall per step for nothing */
		if ((k = recv(sp[1], fz_rx + have, sizeof(fz_rx) - have, MSG_DONTWAIT)) > 0) {
			size_t used;

			have += (size_t)k;
			used = fz_answers(fz_rx, have, &answers);
			memmove(fz_rx, fz_rx + used, have - used);
			have -= used;
			progress = 1;
		}
		if (k == 0)
			break;          /* dropped: every answer is in */
		idle = progress ? 0 : idle + 1;
	}
	/* each answer needs a request of at least a header */
	if ((size_t)answers * SIMBUS_HDR_SIZE > size || sv->served < answers)
		abort();
	close(sp[1]);
	sim_server_close(sv);
	sim_rig_destroy(r);
	return 0;
}
