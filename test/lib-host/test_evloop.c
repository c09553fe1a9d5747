/*
 * test_evloop.c - the shared event loop (lib/evloop.c): timer order and
 * lateness, file events, hang-up reports, sub-millisecond timers with a
 * small slack, tables that grow past their first size, and the guard that
 * keeps an event of a closed fd from reaching the new owner of its number.
 * TAP on stdout; uses pipes only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include "evloop.h"
#include "tap.h"

struct ev_probe {
	int fired[4];
	int64_t at[4];
	int reads;
};

static int64_t ev_timer(struct evloop *el, long long id, void *arg)
{
	struct ev_probe *p = arg;

	for (int i = 0; i < 4; i++)
		if (!p->at[i]) {
			p->at[i] = evloop_now_us();
			p->fired[i] = (int)id;
			break;
		}
	return -1;
}

static int64_t ev_stop(struct evloop *el, long long id, void *arg)
{
	evloop_stop(el);
	return -1;
}

static void ev_read(struct evloop *el, int fd, int mask, void *arg)
{
	struct ev_probe *p = arg;
	char c;

	if ((mask & EVLOOP_READABLE) && read(fd, &c, 1) == 1)
		p->reads++;
}

static void test_timers_and_files(void)
{
	struct evloop *el = evloop_new();
	struct ev_probe p = { .reads = 0 };
	long long a, b, c;
	int64_t t0 = evloop_now_us();
	int fds[2];

	if (!el || pipe(fds) < 0) {
		tap_ok(0, "event loop created");
		return;
	}
	a = evloop_add_timer(el, 30000, ev_timer, &p);
	b = evloop_add_timer(el, 10000, ev_timer, &p);
	c = evloop_add_timer(el, 20000, ev_timer, &p);
	evloop_del_timer(el, c);
	evloop_add_timer(el, 60000, ev_stop, &p);
	evloop_add_file(el, fds[0], EVLOOP_READABLE, ev_read, &p);
	if (write(fds[1], "xy", 2) != 2)
		tap_diag("pipe write");
	tap_ok(evloop_run(el) == 0, "loop runs until stopped");
	tap_ok(p.fired[0] == b && p.fired[1] == a && p.fired[2] == 0,
	       "timers fire in time order, a deleted one never");
	tap_ok(p.at[0] - t0 >= 10000 && p.at[1] - t0 >= 30000, "no timer fires early (%lld, %lld us)",
	       (long long)(p.at[0] - t0), (long long)(p.at[1] - t0));
	tap_ok(evloop_now_us() - t0 < 1000000, "stop timer ends the loop promptly");
	tap_ok(p.reads == 2, "file event delivered for each readable byte (%d)", p.reads);
	close(fds[0]);
	close(fds[1]);
	evloop_free(el);
}

/* Whether the kernel has epoll_pwait2 (5.11+; qemu-user 7.2, which runs the
 * cross-built tests, has not): without it the loop waits in whole
 * milliseconds, as lib/evloop.c documents. */
static int have_epoll_pwait2(void)
{
	struct epoll_event ev;
	struct timespec ts = { 0, 0 };
	int fd = epoll_create1(0), r, e;

	r = epoll_pwait2(fd, &ev, 1, &ts, NULL);
	e = errno;
	close(fd);
	return !(r < 0 && e == ENOSYS);
}

/* Slack 1 us: a 300 us timer is not rounded up to a whole millisecond. */
static void test_fine_timer(void)
{
	struct evloop *el = evloop_new();
	struct ev_probe p = { .reads = 0 };
	int64_t best = INT64_MAX;

	evloop_set_slack_us(el, 1);
	/* The best of a few runs: a loaded machine may wake any one of them late. */
	for (int run = 0; run < 5; run++) {
		int64_t t0 = evloop_now_us();

		memset(&p, 0, sizeof(p));
		evloop_add_timer(el, 300, ev_timer, &p);
		while (!p.at[0])
			evloop_run_once(el, -1);
		if (p.at[0] - t0 < best)
			best = p.at[0] - t0;
		tap_ok(p.at[0] - t0 >= 300, "fine timer run %d not early (%lld us)", run,
		       (long long)(p.at[0] - t0));
	}
	if (have_epoll_pwait2())
		tap_ok(best < 1000, "fine timer fires before the next millisecond (best %lld us)",
		       (long long)best);
	else
		tap_ok(1, "fine timer before the next millisecond # skip no epoll_pwait2 "
		       "(millisecond waits; best %lld us)", (long long)best);
	evloop_free(el);
}

struct hup_probe {
	int mask, calls;
};

static void ev_hup(struct evloop *el, int fd, int mask, void *arg)
{
	struct hup_probe *h = arg;

	h->mask |= mask;
	h->calls++;
	evloop_del_file(el, fd);
}

/* EVLOOP_HANGUP alone: no read interest, but the closed peer is reported. */
static void test_hangup(void)
{
	struct evloop *el = evloop_new();
	struct hup_probe h = { 0, 0 };
	int fds[2];

	if (pipe(fds) < 0)
		return;
	evloop_add_file(el, fds[0], EVLOOP_HANGUP, ev_hup, &h);
	evloop_run_once(el, 0);
	tap_ok(h.calls == 0, "hang-up watch: quiet while the peer is open");
	close(fds[1]);
	evloop_run_once(el, 100000);
	tap_ok(h.calls == 1 && h.mask == EVLOOP_HANGUP, "hang-up watch: closed peer reported "
	       "as HANGUP only (mask %d)", h.mask);
	close(fds[0]);
	evloop_free(el);
}

/*
 * The guard. Two pipes are readable in the same batch; whichever callback
 * runs first deletes and closes the other pipe's read end and puts a fresh,
 * empty pipe on the same fd number with a third callback. The batch still
 * holds the old event for that number: it must reach neither the closed
 * owner nor the new one.
 */
struct reuse {
	int rd[2], wr[2];
	int first, old_calls, new_calls, new_wr, reused_fd;
};

static void ev_new_owner(struct evloop *el, int fd, int mask, void *arg)
{
	struct reuse *u = arg;
	char c;

	u->new_calls++;
	if (read(fd, &c, 1) != 1)
		u->new_calls += 100;    /* delivered although nothing was there */
}

static void ev_old_owner(struct evloop *el, int fd, int mask, void *arg)
{
	struct reuse *u = arg;
	int me = fd == u->rd[0] ? 0 : 1, other = 1 - me, p[2];
	char c;

	if (u->first >= 0) {
		u->old_calls++;         /* the stale event got through */
		return;
	}
	u->first = me;
	if (read(fd, &c, 1) != 1)
		return;
	evloop_del_file(el, u->rd[other]);
	close(u->rd[other]);
	if (pipe2(p, O_NONBLOCK) < 0)
		return;
	/* Make sure the number really is reused, whatever pipe() picked. */
	if (p[0] != u->rd[other]) {
		dup2(p[0], u->rd[other]);
		close(p[0]);
	}
	u->reused_fd = u->rd[other];
	u->new_wr = p[1];
	evloop_add_file(el, u->reused_fd, EVLOOP_READABLE, ev_new_owner, u);
}

static void test_reuse_guard(void)
{
	struct evloop *el = evloop_new();
	struct reuse u = { .first = -1, .reused_fd = -1, .new_wr = -1 };
	int p0[2], p1[2], n;

	if (pipe(p0) < 0 || pipe(p1) < 0)
		return;
	u.rd[0] = p0[0];
	u.wr[0] = p0[1];
	u.rd[1] = p1[0];
	u.wr[1] = p1[1];
	evloop_add_file(el, u.rd[0], EVLOOP_READABLE, ev_old_owner, &u);
	evloop_add_file(el, u.rd[1], EVLOOP_READABLE, ev_old_owner, &u);
	if (write(u.wr[0], "a", 1) != 1 || write(u.wr[1], "b", 1) != 1)
		tap_diag("pipe write");
	n = evloop_run_once(el, 100000);
	tap_ok(u.first >= 0 && u.reused_fd >= 0, "reuse guard: one owner closed the other's fd "
	       "and its number went to a new owner");
	tap_ok(n == 1 && u.old_calls == 0 && u.new_calls == 0,
	       "reuse guard: the stale event reached neither the old nor the new owner "
	       "(%d delivered, old %d, new %d)", n, u.old_calls, u.new_calls);
	if (write(u.new_wr, "c", 1) != 1)
		tap_diag("pipe write");
	evloop_run_once(el, 100000);
	tap_ok(u.new_calls == 1, "reuse guard: the new owner gets its own events (%d)",
	       u.new_calls);
	evloop_del_file(el, u.reused_fd);
	evloop_del_file(el, u.rd[u.first]);
	close(u.reused_fd);
	close(u.new_wr);
	close(u.rd[u.first]);
	close(u.wr[0]);
	close(u.wr[1]);
	evloop_free(el);
}

/* An fd closed without evloop_del_file and reopened: a new registration. */
static void test_closed_behind_back(void)
{
	struct evloop *el = evloop_new();
	struct ev_probe p = { .reads = 0 };
	int a[2], b[2];

	if (pipe(a) < 0)
		return;
	evloop_add_file(el, a[0], EVLOOP_READABLE, ev_read, &p);
	close(a[0]);
	if (pipe(b) < 0)
		return;
	if (b[0] != a[0]) {
		dup2(b[0], a[0]);
		close(b[0]);
		b[0] = a[0];
	}
	tap_ok(evloop_add_file(el, b[0], EVLOOP_READABLE, ev_read, &p) == 0,
	       "fd closed behind the loop's back can be registered again");
	if (write(b[1], "z", 1) != 1)
		tap_diag("pipe write");
	evloop_run_once(el, 100000);
	tap_ok(p.reads == 1, "and its events arrive (%d)", p.reads);
	evloop_del_file(el, b[0]);
	close(b[0]);
	close(b[1]);
	close(a[1]);
	evloop_free(el);
}

static int64_t ev_count(struct evloop *el, long long id, void *arg)
{
	(*(int *)arg)++;
	return -1;
}

/* More timers and a higher fd than the tables start with. */
static void test_growth(void)
{
	struct evloop *el = evloop_new();
	struct ev_probe p = { .reads = 0 };
	int count = 0, ok = 1, fds[2], high;

	for (int i = 0; i < 600; i++)
		ok &= evloop_add_timer(el, i % 7, ev_count, &count) > 0;
	while (count < 600 && evloop_run_once(el, 10000) >= 0 && ok)
		if (evloop_now_us() < 0)
			break;
	tap_ok(ok && count == 600, "600 timers added and all fired (%d)", count);
	if (pipe(fds) < 0)
		return;
	high = fcntl(fds[0], F_DUPFD_CLOEXEC, 300);
	tap_ok(high >= 300 && evloop_add_file(el, high, EVLOOP_READABLE, ev_read, &p) == 0,
	       "fd %d beyond the first table registered", high);
	if (write(fds[1], "q", 1) != 1)
		tap_diag("pipe write");
	evloop_run_once(el, 100000);
	tap_ok(p.reads == 1, "its event arrives");
	evloop_del_file(el, high);
	close(high);
	close(fds[0]);
	close(fds[1]);
	evloop_free(el);
}

struct self_move {
	int calls;
};

/* Moves itself to "now" on the first call, as c-ares's and MHD's timers do. */
static int64_t ev_self_move(struct evloop *el, long long id, void *arg)
{
	struct self_move *m = arg;

	if (++m->calls == 1)
		evloop_set_timer_at(el, id, evloop_now_us());
	return 3600 * 1000000LL;
}

static void test_timer_moves_itself(void)
{
	struct evloop *el = evloop_new();
	struct self_move m = { 0 };
	int64_t t0 = evloop_now_us();

	evloop_add_timer(el, 0, ev_self_move, &m);
	for (int i = 0; i < 5 && m.calls < 2; i++)
		evloop_run_once(el, 100000);
	tap_ok(m.calls == 2 && evloop_now_us() - t0 < 100000,
	       "a timer that moves itself keeps its own time, even \"now\" (%d calls)", m.calls);
	evloop_free(el);
}

int main(void)
{
	test_timers_and_files();
	test_fine_timer();
	test_hangup();
	test_reuse_guard();
	test_closed_behind_back();
	test_growth();
	test_timer_moves_itself();
	return tap_done();
}
