/*
 * evloop.h - the single-threaded event loop every host program shares
 * (ducomaster, ducopool, ducosim): file events on epoll, timers on the
 * monotonic clock (lib/mclock.h), and a before-sleep hook. Everything a
 * program does runs from these callbacks; nothing sleeps. Timers are kept
 * in a small unsorted table because a program has at most a few hundred of
 * them and a linear scan per wake-up costs less than keeping a heap in order.
 *
 * An event is delivered only to the registration it fired for: each fd slot
 * carries a generation that changes whenever the slot is deleted or handed to
 * a new owner, and an event whose generation is stale is dropped. So a
 * callback may delete and close any fd, and whoever gets that fd number back
 * in the same iteration never sees the old owner's event. Delete an fd with
 * evloop_del_file() before close(); the loop is level-triggered, so an event
 * dropped this way fires again next time if it still holds.
 */
#ifndef EVLOOP_H
#define EVLOOP_H

#include <stdint.h>

#define EVLOOP_READABLE 1
#define EVLOOP_WRITABLE 2
/* Error or hang-up; reported even when this is the only interest. */
#define EVLOOP_HANGUP   4

struct evloop;

/* mask: what happened, within what was asked for (hang-up also sets
 * READABLE and WRITABLE where those were asked for). */
typedef void evloop_file_fn(struct evloop *el, int fd, int mask, void *arg);
/* Return a delay in microseconds to re-arm the timer, or -1 to delete it;
 * a timer the callback moved with evloop_set_timer_at keeps that time. */
typedef int64_t evloop_timer_fn(struct evloop *el, long long id, void *arg);
typedef void evloop_hook_fn(struct evloop *el, void *arg);

struct evloop *evloop_new(void);
void evloop_free(struct evloop *el);

/*
 * Watch fd for mask (replaces any previous mask; a new fn or arg makes it a
 * new registration, which pending events of the old one do not reach).
 * Returns 0 or -errno.
 */
int  evloop_add_file(struct evloop *el, int fd, int mask, evloop_file_fn *fn, void *arg);
void evloop_del_file(struct evloop *el, int fd);

/* Fire after delay_us. Returns the timer id (> 0) or -errno. */
long long evloop_add_timer(struct evloop *el, int64_t delay_us, evloop_timer_fn *fn, void *arg);
/* Move a timer to fire at an absolute monotonic time. Returns 0 or -ENOENT. */
int  evloop_set_timer_at(struct evloop *el, long long id, int64_t when_us);
int  evloop_del_timer(struct evloop *el, long long id);

void evloop_set_before_sleep(struct evloop *el, evloop_hook_fn *fn, void *arg);
/*
 * Timer granularity: a sleep is rounded up to a multiple of slack_us, so
 * timers due close together run in one wake-up (default 1000 us; 1 for a
 * program that follows the wall clock closely, such as ducosim).
 */
void evloop_set_slack_us(struct evloop *el, int64_t slack_us);

/* Run until evloop_stop(); returns 0 or -errno if epoll fails. */
int  evloop_run(struct evloop *el);
/*
 * One iteration: before-sleep hook, wait at most max_wait_us (< 0: until a
 * timer or an event), file events, due timers. Returns the number of file
 * events delivered or -errno.
 */
int  evloop_run_once(struct evloop *el, int64_t max_wait_us);
void evloop_stop(struct evloop *el);

int64_t evloop_now_us(void);
/* Counters for the benchmark: loop iterations (wake-ups). */
uint64_t evloop_wakeups(const struct evloop *el);

#endif
