/*
 * evloop.c - epoll + monotonic timers, one thread.
 * Assumes Linux epoll and file descriptors below EVLOOP_MAX_FDS. The epoll
 * timeout has millisecond resolution, so timers are rounded up to the next
 * millisecond and then run when due; a timer never fires early.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "evloop.h"
#include "mclock.h"

struct evloop_file {
	int mask;
	evloop_file_fn *fn;
	void *arg;
};

struct evloop_timer {
	long long id;           /* 0 = free slot */
	int64_t when_us;
	evloop_timer_fn *fn;
	void *arg;
};

struct evloop {
	int epfd;
	int stop;
	long long next_id;
	uint64_t wakeups;
	struct evloop_file files[EVLOOP_MAX_FDS];
	struct evloop_timer timers[EVLOOP_MAX_TIMERS];
	int timers_hw;          /* slots at and above this are all free */
	evloop_hook_fn *before_sleep;
	void *before_sleep_arg;
};

int64_t evloop_now_us(void)
{
	return mclock_now_us(NULL);
}

struct evloop *evloop_new(void)
{
	struct evloop *el = calloc(1, sizeof(*el));

	if (!el)
		return NULL;
	el->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (el->epfd < 0) {
		free(el);
		return NULL;
	}
	el->next_id = 1;
	return el;
}

void evloop_free(struct evloop *el)
{
	if (!el)
		return;
	close(el->epfd);
	free(el);
}

int evloop_add_file(struct evloop *el, int fd, int mask, evloop_file_fn *fn, void *arg)
{
	struct epoll_event ev = { .events = 0, .data.fd = fd };
	int op;

	if (fd < 0 || fd >= EVLOOP_MAX_FDS)
		return -ERANGE;
	op = el->files[fd].mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (mask & EVLOOP_READABLE)
		ev.events |= EPOLLIN | EPOLLRDHUP;
	if (mask & EVLOOP_WRITABLE)
		ev.events |= EPOLLOUT;
	if (epoll_ctl(el->epfd, op, fd, &ev) < 0) {
		/* A closed fd leaves epoll by itself; its number may be back. */
		if (op != EPOLL_CTL_MOD || errno != ENOENT ||
		    epoll_ctl(el->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
			return -errno;
	}
	el->files[fd] = (struct evloop_file){ .mask = mask, .fn = fn, .arg = arg };
	return 0;
}

void evloop_del_file(struct evloop *el, int fd)
{
	if (fd < 0 || fd >= EVLOOP_MAX_FDS || !el->files[fd].mask)
		return;
	epoll_ctl(el->epfd, EPOLL_CTL_DEL, fd, NULL);
	el->files[fd] = (struct evloop_file){ .mask = 0 };
}

long long evloop_add_timer(struct evloop *el, int64_t delay_us, evloop_timer_fn *fn, void *arg)
{
	int i;

	for (i = 0; i < EVLOOP_MAX_TIMERS; i++) {
		if (el->timers[i].id)
			continue;
		if (i >= el->timers_hw)
			el->timers_hw = i + 1;
		el->timers[i] = (struct evloop_timer){
			.id = el->next_id++,
			.when_us = evloop_now_us() + delay_us,
			.fn = fn,
			.arg = arg,
		};
		return el->timers[i].id;
	}
	return -ENOSPC;
}

static struct evloop_timer *evloop_find_timer(struct evloop *el, long long id)
{
	int i;

	for (i = 0; i < el->timers_hw; i++)
		if (el->timers[i].id == id)
			return &el->timers[i];
	return NULL;
}

int evloop_set_timer_at(struct evloop *el, long long id, int64_t when_us)
{
	struct evloop_timer *t = evloop_find_timer(el, id);

	if (!t)
		return -ENOENT;
	t->when_us = when_us;
	return 0;
}

int evloop_del_timer(struct evloop *el, long long id)
{
	struct evloop_timer *t = evloop_find_timer(el, id);

	if (!t)
		return -ENOENT;
	t->id = 0;
	return 0;
}

void evloop_set_before_sleep(struct evloop *el, evloop_hook_fn *fn, void *arg)
{
	el->before_sleep = fn;
	el->before_sleep_arg = arg;
}

void evloop_stop(struct evloop *el)
{
	el->stop = 1;
}

uint64_t evloop_wakeups(const struct evloop *el)
{
	return el->wakeups;
}

static int evloop_timeout_ms(struct evloop *el)
{
	int64_t now = evloop_now_us(), first = INT64_MAX, wait;
	int i;

	for (i = 0; i < el->timers_hw; i++)
		if (el->timers[i].id && el->timers[i].when_us < first)
			first = el->timers[i].when_us;
	if (first == INT64_MAX)
		return -1;
	wait = first - now;
	if (wait <= 0)
		return 0;
	/* Round up: waking a little late is harmless, early means a busy spin. */
	wait = (wait + 999) / 1000;
	return wait > 60000 ? 60000 : (int)wait;
}

static void evloop_run_timers(struct evloop *el)
{
	int64_t now = evloop_now_us();
	int i;

	for (i = 0; i < el->timers_hw && !el->stop; i++) {
		struct evloop_timer *t = &el->timers[i];
		long long id = t->id;
		int64_t again;

		if (!id || t->when_us > now)
			continue;
		again = t->fn(el, id, t->arg);
		/* The callback may have deleted or replaced this slot. */
		if (t->id != id)
			continue;
		if (again < 0)
			t->id = 0;
		else if (t->when_us <= now)
			t->when_us = now + again;
	}
}

int evloop_run(struct evloop *el)
{
	struct epoll_event evs[64];
	int n, i;

	el->stop = 0;
	while (!el->stop) {
		if (el->before_sleep)
			el->before_sleep(el, el->before_sleep_arg);
		if (el->stop)
			break;
		n = epoll_wait(el->epfd, evs, 64, evloop_timeout_ms(el));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		el->wakeups++;
		for (i = 0; i < n && !el->stop; i++) {
			int fd = evs[i].data.fd, mask = 0;
			struct evloop_file *f = &el->files[fd];

			if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				mask |= EVLOOP_READABLE;
			if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
				mask |= EVLOOP_WRITABLE;
			mask &= f->mask ? f->mask : 0;
			if (mask && f->fn)
				f->fn(el, fd, mask, f->arg);
		}
		evloop_run_timers(el);
	}
	return 0;
}
