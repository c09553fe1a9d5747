/*
 * ratelimit.c - hold, poll-gap, connect-window and backoff arithmetic.
 * Assumes times in monotonic microseconds. Rates are in H/s as doubles: the
 * pool compares the reported float against the tier's bounds.
 */
#include "ratelimit.h"

#include "duco_rand.h"

/*
 * When a paced share leaves: at the target's moment, unless that moment
 * plus the expected lateness would fall below the band's lower edge; then
 * late_us before that edge, but never before the upper edge (the reported
 * rate at an on-time send stays below hi). Times in us after the job.
 */
static int64_t ratelimit_aim_us(uint32_t nonce, const struct ratelimit_pace *p)
{
	/* Rounded up to the microsecond, so the rate is never above the target. */
	int64_t at = (int64_t)(nonce / p->target * 1e6 + 0.999), top, bottom;

	if (!(p->lo > 0 && p->lo < p->target && p->target < p->hi))
		return at;
	top = (int64_t)(nonce / p->hi * 1e6) + 1;       /* first us with rate < hi */
	bottom = (int64_t)(nonce / p->lo * 1e6 + 0.999) - 1;   /* last us with rate > lo */
	if (at + p->late_us > bottom)
		at = bottom - p->late_us;
	return at < top ? top : at;
}

void ratelimit_decide(struct ratelimit_decision *d, uint32_t nonce, uint32_t elapsed_us,
		      int64_t job_us, int64_t now_us, const struct ratelimit_pace *p)
{
	/* A 0 us elapsed time cannot be measured: treat it as 1 us (very fast). */
	double secs = (elapsed_us ? elapsed_us : 1) / 1e6;

	d->r_slave = nonce / secs;
	d->send_at_us = now_us;
	d->held = 0;
	d->paced = 0;
	if (d->r_slave <= p->target) {
		/* Like the official miner: a slow slave is never held. */
		d->reported = d->r_slave;
		return;
	}
	/* Faster than the target: the result waits for its moment. */
	d->paced = 1;
	d->send_at_us = job_us + ratelimit_aim_us(nonce, p);
	if (d->send_at_us > now_us)
		d->held = 1;
	else
		d->send_at_us = now_us;
	d->reported = ratelimit_achieved(nonce, job_us, d->send_at_us, d->r_slave);
}

double ratelimit_achieved(uint32_t nonce, int64_t job_us, int64_t send_us, double r_slave)
{
	double a;

	if (send_us <= job_us)
		return r_slave;
	a = nonce / ((send_us - job_us) / 1e6);
	return a < r_slave ? a : r_slave;
}

int64_t ratelimit_poll_gap(int64_t since_k_us, double rate_est, double limit,
			   int adaptive, int64_t interval_us, int64_t max_gap_us)
{
	int64_t gap = interval_us;

	if (adaptive && rate_est > limit && limit > 0) {
		/*
		 * 10 % of the speed ratio's excess is kept as slack because the
		 * estimate comes from earlier jobs and the slave's clock. The
		 * geometric argument ignores the AVR's ~1 ms to start a job, so
		 * for the first RATELIMIT_EARLY_US the polls come every
		 * RATELIMIT_FIRST_POLL_US: a nonce of 1 is needed within 4.4 ms
		 * at 225 H/s (a few 1-byte polls, cheap next to the job frame).
		 */
		double ratio = 1.0 + (rate_est / limit - 1.0) * 0.9;
		int64_t geo = (int64_t)(since_k_us * (ratio - 1.0));

		gap = since_k_us < RATELIMIT_EARLY_US ? RATELIMIT_FIRST_POLL_US : geo;
	}
	if (gap > max_gap_us)
		gap = max_gap_us;
	return gap < 1000 ? 1000 : gap;
}

void ratelimit_late_init(struct ratelimit_late *l, int64_t floor_us)
{
	*l = (struct ratelimit_late){ .floor_us = floor_us };
}

void ratelimit_late_add(struct ratelimit_late *l, int64_t late_us)
{
	double x = late_us > 0 ? (double)late_us : 0.0, err;

	if (!l->samples) {
		l->samples = 1;
		l->mean_us = x;
		l->dev_us = x / 2;
		return;
	}
	/* RFC 6298's gains: 1/8 for the mean, 1/4 for the deviation. */
	err = x - l->mean_us;
	l->mean_us += err / 8;
	l->dev_us += ((err < 0 ? -err : err) - l->dev_us) / 4;
}

int64_t ratelimit_late_us(const struct ratelimit_late *l)
{
	int64_t e = (int64_t)(l->mean_us + 4 * l->dev_us + 0.5);

	if (e > RATELIMIT_LATE_MAX_US)
		e = RATELIMIT_LATE_MAX_US;
	return e > l->floor_us ? e : l->floor_us;
}

int64_t ratelimit_band_end_us(uint32_t nonce, double lo)
{
	/* The last microsecond with a rate still above lo. */
	return lo > 0 ? (int64_t)(nonce / lo * 1e6 + 0.999) - 1 : INT64_MAX / 2;
}

uint32_t ratelimit_nonce_after(double gone)
{
	/* Nonce 0 reports a rate of 0 wherever it is sent: 1 is the first
	 * that the band can hold. 4e9 stands for "none left" (a job's range
	 * ends far below it) and keeps the conversion defined. */
	if (!(gone > 0))
		return 1;
	return gone >= 4e9 ? 4000000000u : (uint32_t)gone + 1;
}

uint32_t ratelimit_min_open_nonce(int64_t busy_age_us, double rate_est)
{
	return ratelimit_nonce_after(0.9 * rate_est *
				     (double)(busy_age_us - RATELIMIT_START_US) / 1e6);
}

void ratelimit_xfer_add(struct ratelimit_xfer *x, int64_t took_us)
{
	double t = took_us > 0 ? (double)took_us : 0.0;

	x->mean_us = x->samples++ ? x->mean_us + (t - x->mean_us) / 8 : t;
}

int64_t ratelimit_xfer_us(const struct ratelimit_xfer *x)
{
	return x->samples ? (int64_t)(x->mean_us * 1.1 + 0.5) : RATELIMIT_XFER_DEFAULT_US;
}

const char *ratelimit_auto_tier(double rate)
{
	if (rate > 1000)
		return "DUE";
	if (rate > 550)
		return "ARM";
	if (rate > 380)
		return "MEGA";
	return "AVR";
}

void ratelimit_conn_init(struct ratelimit_conn *c, int max, int64_t window_us,
			 int64_t stagger_us)
{
	*c = (struct ratelimit_conn){
		.max = max > RATELIMIT_CONN_MAX ? RATELIMIT_CONN_MAX : max,
		.window_us = window_us,
		.stagger_us = stagger_us,
		.last_us = INT64_MIN / 2,
	};
}

int64_t ratelimit_conn_admit(struct ratelimit_conn *c, int64_t now_us)
{
	int64_t next = 0;

	/* Forget connects that left the window. */
	while (c->count && c->stamps[c->head] <= now_us - c->window_us) {
		c->head = (c->head + 1) % RATELIMIT_CONN_MAX;
		c->count--;
	}
	if (c->count >= c->max)
		next = c->stamps[c->head] + c->window_us + 1;
	if (c->last_us + c->stagger_us > now_us && c->last_us + c->stagger_us > next)
		next = c->last_us + c->stagger_us;
	if (next > now_us)
		return next;
	c->stamps[(c->head + c->count) % RATELIMIT_CONN_MAX] = now_us;
	c->count++;
	c->last_us = now_us;
	return 0;
}

uint32_t ratelimit_rand(uint32_t *state)
{
	/* enough to spread retries, not for secrets */
	return duco_rand(state);
}

int64_t ratelimit_backoff_us(int attempt, int64_t base_us, int64_t cap_us, uint32_t *rng)
{
	int64_t d = base_us;
	int i;

	for (i = 0; i < attempt && d < cap_us; i++)
		d *= 2;
	if (d > cap_us)
		d = cap_us;
	/* +-25 % so a rig's slaves do not all retry in the same millisecond. */
	return d - d / 4 + (int64_t)(ratelimit_rand(rng) % (uint32_t)(d / 2 + 1));
}
