/*
 * evloop.c - epoll + monotonic timers, one thread.
 * Assumes Linux epoll. The fd table grows to the largest fd registered and
 * the timer table to the most timers alive at once. Sleeps use
 * epoll_pwait2's nanosecond timeout (epoll_wait's milliseconds on kernels
 * before 5.11), rounded up to the slack so a timer never fires early.
 * epoll's data word holds the fd and its slot's generation: the guard
 * against delivering a stale event to a new owner of a reused fd number.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include "evloop.h"
#include "mclock.h"

#define EVLOOP_BATCH       64
#define EVLOOP_MAX_WAIT_US (60 * 1000000LL)

struct evloop_file {
	int mask;               /* 0: not registered */
	uint32_t gen;           /* changes with every new owner or deletion */
	evloop_file_fn *fn;
	void *arg;
};

struct evloop_timer {
	long long id;           /* 0 = free slot */
	int64_t when_us;
	int moved;              /* set by evloop_set_timer_at */
	evloop_timer_fn *fn;
	void *arg;
};

struct evloop {
	int epfd;
	int stop;
	int no_pwait2;          /* kernel without epoll_pwait2 */
	long long next_id;
	int64_t slack_us;
	uint64_t wakeups;
	struct evloop_file *files;
	int nfiles;             /* slots in files[] */
	struct evloop_timer *timers;
	int ntimers;            /* slots in timers[] */
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
	el->slack_us = 1000;
	return el;
}

void evloop_free(struct evloop *el)
{
	if (!el)
		return;
	close(el->epfd);
	free(el->files);
	free(el->timers);
	free(el);
}

static int evloop_grow_files(struct evloop *el, int fd)
{
	int n = el->nfiles ? el->nfiles : 64;
	struct evloop_file *f;

	while (n <= fd)
		n *= 2;
	f = realloc(el->files, (size_t)n * sizeof(*f));
	if (!f)
		return -ENOMEM;
	memset(f + el->nfiles, 0, (size_t)(n - el->nfiles) * sizeof(*f));
	el->files = f;
	el->nfiles = n;
	return 0;
}

int evloop_add_file(struct evloop *el, int fd, int mask, evloop_file_fn *fn, void *arg)
{
	struct epoll_event ev = { .events = 0 };
	struct evloop_file *f;
	int op, fresh;

	if (fd < 0 || !mask)
		return -EINVAL;
	if (fd >= el->nfiles && evloop_grow_files(el, fd) < 0)
		return -ENOMEM;
	f = &el->files[fd];
	op = f->mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	fresh = !f->mask || f->fn != fn || f->arg != arg;
	if (mask & EVLOOP_READABLE)
		ev.events |= EPOLLIN | EPOLLRDHUP;
	if (mask & EVLOOP_WRITABLE)
		ev.events |= EPOLLOUT;
	/* EPOLLERR and EPOLLHUP are always reported: EVLOOP_HANGUP needs no bit. */
	for (;;) {
		ev.data.u64 = (uint64_t)(f->gen + (uint32_t)fresh) << 32 | (uint32_t)fd;
		if (epoll_ctl(el->epfd, op, fd, &ev) == 0)
			break;
		/* Closed without evloop_del_file: it left epoll by itself and
		 * its number is back, so this is a new owner. */
		if (op != EPOLL_CTL_MOD || errno != ENOENT)
			return -errno;
		op = EPOLL_CTL_ADD;
		fresh = 1;
	}
	f->gen += (uint32_t)fresh;
	f->mask = mask;
	f->fn = fn;
	f->arg = arg;
	return 0;
}

void evloop_del_file(struct evloop *el, int fd)
{
	struct evloop_file *f;

	if (fd < 0 || fd >= el->nfiles || !el->files[fd].mask)
		return;
	f = &el->files[fd];
	epoll_ctl(el->epfd, EPOLL_CTL_DEL, fd, NULL);
	f->mask = 0;
	f->gen++;
	f->fn = NULL;
	f->arg = NULL;
}

long long evloop_add_timer(struct evloop *el, int64_t delay_us, evloop_timer_fn *fn, void *arg)
{
	int i;

	for (i = 0; i < el->ntimers && el->timers[i].id; i++)
		;
	if (i == el->ntimers) {
		int n = el->ntimers ? el->ntimers * 2 : 32;
		struct evloop_timer *t = realloc(el->timers, (size_t)n * sizeof(*t));

		if (!t)
			return -ENOMEM;
		memset(t + el->ntimers, 0, (size_t)(n - el->ntimers) * sizeof(*t));
		el->timers = t;
		el->ntimers = n;
	}
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
	t->moved = 1;
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

void evloop_set_slack_us(struct evloop *el, int64_t slack_us)
{
	el->slack_us = slack_us < 1 ? 1 : slack_us;
}

void evloop_stop(struct evloop *el)
{
	el->stop = 1;
}

uint64_t evloop_wakeups(const struct evloop *el)
{
	return el->wakeups;
}

/* Microseconds until the first timer (capped by max_us when >= 0), -1 for none. */
static int64_t evloop_timeout_us(struct evloop *el, int64_t max_us)
{
	int64_t now = evloop_now_us(), first = INT64_MAX, wait;
	int i;

	for (i = 0; i < el->timers_hw; i++)
		if (el->timers[i].id && el->timers[i].when_us < first)
			first = el->timers[i].when_us;
	if (first == INT64_MAX) {
		wait = max_us;
	} else {
		wait = first - now;
		if (wait <= 0)
			return 0;
		/* Round up: waking a little late is harmless, early means a busy spin. */
		wait = (wait + el->slack_us - 1) / el->slack_us * el->slack_us;
		if (max_us >= 0 && wait > max_us)
			wait = max_us;
	}
	/* Also wakes a program without timers now and then. */
	return wait < 0 || wait > EVLOOP_MAX_WAIT_US ? EVLOOP_MAX_WAIT_US : wait;
}

static int evloop_wait(struct evloop *el, struct epoll_event *evs, int64_t wait_us)
{
	struct timespec ts = { .tv_sec = wait_us / 1000000, .tv_nsec = wait_us % 1000000 * 1000 };
	int n;

	if (!el->no_pwait2) {
		n = epoll_pwait2(el->epfd, evs, EVLOOP_BATCH, &ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		el->no_pwait2 = 1;
	}
	return epoll_wait(el->epfd, evs, EVLOOP_BATCH, (int)((wait_us + 999) / 1000));
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
		t->moved = 0;
		again = t->fn(el, id, t->arg);
		/* The callback may have added timers (moving the table),
		 * deleted or replaced this one, or moved it itself (then its
		 * own time stands, even if that is now). */
		t = &el->timers[i];
		if (t->id != id)
			continue;
		if (again < 0)
			t->id = 0;
		else if (!t->moved)
			t->when_us = now + again;
	}
}

static int evloop_dispatch(struct evloop *el, const struct epoll_event *evs, int n)
{
	int i, delivered = 0;

	for (i = 0; i < n && !el->stop; i++) {
		int fd = (int)(uint32_t)evs[i].data.u64, mask = 0;
		uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
		struct evloop_file *f;

		/* The guard: an earlier callback of this batch deleted this
		 * registration, and the number may belong to someone else now. */
		if (fd >= el->nfiles || el->files[fd].gen != gen || !el->files[fd].mask)
			continue;
		f = &el->files[fd];
		if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			mask |= EVLOOP_READABLE;
		if (evs[i].events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			mask |= EVLOOP_WRITABLE;
		if (evs[i].events & (EPOLLHUP | EPOLLERR))
			mask |= EVLOOP_HANGUP;
		mask &= f->mask;
		if (mask && f->fn) {
			f->fn(el, fd, mask, f->arg);
			delivered++;
		}
	}
	return delivered;
}

int evloop_run_once(struct evloop *el, int64_t max_wait_us)
{
	struct epoll_event evs[EVLOOP_BATCH];
	int n;

	if (el->before_sleep)
		el->before_sleep(el, el->before_sleep_arg);
	if (el->stop)
		return 0;
	n = evloop_wait(el, evs, evloop_timeout_us(el, max_wait_us));
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	el->wakeups++;
	n = evloop_dispatch(el, evs, n);
	evloop_run_timers(el);
	return n;
}

int evloop_run(struct evloop *el)
{
	int rc;

	el->stop = 0;
	while (!el->stop) {
		rc = evloop_run_once(el, -1);
		if (rc < 0)
			return rc;
	}
	return 0;
}
