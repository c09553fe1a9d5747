/*
 * evloop.h - the master's single-threaded event loop: file events on epoll,
 * timers on the monotonic clock, and a before-sleep hook. Everything the
 * daemon does runs from these callbacks; nothing sleeps. Timers are kept in a
 * small unsorted table because a rig has at most a few hundred of them and a
 * linear scan per wake-up costs less than keeping a heap in order.
 */
#ifndef EVLOOP_H
#define EVLOOP_H

#include <stdint.h>

#define EVLOOP_READABLE 1
#define EVLOOP_WRITABLE 2

#define EVLOOP_MAX_FDS    1024
#define EVLOOP_MAX_TIMERS 512

struct evloop;

typedef void evloop_file_fn(struct evloop *el, int fd, int mask, void *arg);
/* Return a delay in microseconds to re-arm the timer, or -1 to delete it. */
typedef int64_t evloop_timer_fn(struct evloop *el, long long id, void *arg);
typedef void evloop_hook_fn(struct evloop *el, void *arg);

struct evloop *evloop_new(void);
void evloop_free(struct evloop *el);

/* Watch fd for mask (replaces any previous mask). Returns 0 or -errno. */
int  evloop_add_file(struct evloop *el, int fd, int mask, evloop_file_fn *fn, void *arg);
void evloop_del_file(struct evloop *el, int fd);

/* Fire after delay_us. Returns the timer id (> 0) or -errno. */
long long evloop_add_timer(struct evloop *el, int64_t delay_us, evloop_timer_fn *fn, void *arg);
/* Move a timer to fire at an absolute monotonic time. Returns 0 or -ENOENT. */
int  evloop_set_timer_at(struct evloop *el, long long id, int64_t when_us);
int  evloop_del_timer(struct evloop *el, long long id);

void evloop_set_before_sleep(struct evloop *el, evloop_hook_fn *fn, void *arg);

/* Run until evloop_stop(); returns 0 or -errno if epoll fails. */
int  evloop_run(struct evloop *el);
void evloop_stop(struct evloop *el);

int64_t evloop_now_us(void);
/* Counters for the benchmark: loop iterations (wake-ups). */
uint64_t evloop_wakeups(const struct evloop *el);

#endif
