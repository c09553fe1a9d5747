/*
 * summary.c - ducomaster's text and JSON summaries, and the live table.
 * The job-record part comes from lib/report (the same code ducoreport
 * prints with); this file adds the daemon's own counts.
 */
#include <cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "jsonout.h"
#include "summary.h"

#define SUMMARY_SECONDS_PER_HOUR 3600.0
#define SUMMARY_JOBS_PER_CPU     1000.0         /* CPU seconds per this many jobs */
#define SUMMARY_CPU_DECIMALS     4

static struct summary_extra summary_x;

void summary_set_extra(const struct summary_extra *x)
{
	summary_x = x ? *x : (struct summary_extra){ 0 };
}

const struct summary_extra *summary_get_extra(void)
{
	return &summary_x;
}

static void summary_add(struct miner_stats *t, const struct miner_stats *s)
{
	report_sum(&t->rep, &s->rep);
	t->requests += s->requests;
	for (int i = 0; i < POOL_BAD_NREASONS; i++)
		t->bad_by_reason[i] += s->bad_by_reason[i];
	t->tier_moves += s->tier_moves;
	t->refusals += s->refusals;
	t->holds += s->holds;
	t->deferred += s->deferred;
	t->slave_faults += s->slave_faults;
	t->wrong_nonces += s->wrong_nonces;
	t->bus_errors += s->bus_errors;
	t->connects += s->connects;
	t->connect_failures += s->connect_failures;
	t->disconnects += s->disconnects;
	t->timeouts += s->timeouts;
}

void summary_totals(struct summary_totals *t, struct miner *const *slaves, int n, double wall_s)
{
	struct rusage ru;

	memset(t, 0, sizeof(*t));
	report_init(&t->sum.rep, "rig");
	for (int i = 0; i < n; i++)
		summary_add(&t->sum, &slaves[i]->st);
	t->wall_s = wall_s;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		t->cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			   ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		t->rss_kb = ru.ru_maxrss;
	}
}

/* A board's rows summed over its workers; returns its active workers. */
static int summary_board(struct miner *const *slaves, int n, const struct board *b,
			 struct report_stats *out)
{
	int active = 0;

	report_init(out, b->name);
	for (int i = 0; i < n; i++) {
		if (slaves[i]->b != b)
			continue;
		report_sum(out, &slaves[i]->st.rep);
		active += miner_active(slaves[i]);
	}
	return active;
}

/* The share of the wall time the board spent hashing its workers' jobs. */
static double summary_board_duty(const struct report_stats *r, double wall_s)
{
	return wall_s > 0 ? r->part_ms[REPORT_HASH] / (1000.0 * wall_s) : 0.0;
}

static double summary_shares_per_hour(const struct report_stats *r, double wall_s)
{
	return wall_s > 0 ? SUMMARY_SECONDS_PER_HOUR * (r->good + r->block) / wall_s : 0.0;
}

/* What a slave's record sums cannot tell: faults and connection trouble. */
static void summary_events(FILE *f, const struct miner_stats *s)
{
	fprintf(f, "  faults %lu (wrong nonces %lu, bus errors retried %lu)  connects %lu "
		"(failed %lu)  disconnects %lu  timeouts %lu\n",
		(unsigned long)s->slave_faults, (unsigned long)s->wrong_nonces,
		(unsigned long)s->bus_errors, (unsigned long)s->connects,
		(unsigned long)s->connect_failures, (unsigned long)s->disconnects,
		(unsigned long)s->timeouts);
}

void summary_text(FILE *f, struct miner *const *slaves, int n, double wall_s,
		  struct report_run *run)
{
	const struct report_stats **rows = calloc((size_t)n + 1, sizeof(*rows));
	struct summary_totals t;
	const struct miner_stats *s = &t.sum;

	struct report_stats *boards = calloc((size_t)n + 1, sizeof(*boards));
	const struct board **bp = calloc((size_t)n + 1, sizeof(*bp));
	int nb = 0, workers = 0, threaded = 0;

	summary_totals(&t, slaves, n, wall_s);
	fprintf(f, "=== ducomaster summary after %.1f s ===\n", wall_s);
	if (rows && boards && bp) {
		/* One row per board, its workers summed: what the AVR did. */
		for (int i = 0; i < n; i++) {
			int k;

			if (slaves[i]->index)
				continue;
			k = summary_board(slaves, n, slaves[i]->b, &boards[nb]);
			workers += k;
			threaded |= k > 1;
			rows[nb] = &boards[nb];
			bp[nb++] = slaves[i]->b;
		}
	}
	/* The job records name the board: the report's rows are per board. */
	if (run && run->rig.jobs)
		report_run_text(f, run);
	else if (rows && boards && bp)
		report_text(f, rows, nb, &s->rep);
	/* With threads, the pool's view too: one row per worker. */
	if (threaded) {
		int nw = 0;

		fprintf(f, "per worker (pool connection):\n");
		for (int i = 0; i < n; i++)
			if (miner_active(slaves[i]))
				rows[nw++] = &slaves[i]->st.rep;
		report_text(f, rows, nw, &s->rep);
	}
	if (threaded)
		fprintf(f, "rig (%d slaves, %d workers)\n", nb, workers);
	else
		fprintf(f, "rig (%d slaves)\n", nb);
	fprintf(f, "  requests %lu  tier moves %lu, refusals %lu, holds %lu  shares/h %.0f\n",
		(unsigned long)s->requests, (unsigned long)s->tier_moves,
		(unsigned long)s->refusals, (unsigned long)s->holds,
		summary_shares_per_hour(&s->rep, wall_s));
	summary_events(f, s);
	fprintf(f, "  master CPU %.2f s (%.3f s per %.0f jobs)  peak RSS %ld kB\n", t.cpu_s,
		report_mean(SUMMARY_JOBS_PER_CPU * t.cpu_s, s->rep.jobs), SUMMARY_JOBS_PER_CPU,
		t.rss_kb);
	for (int i = 0; threaded && i < nb; i++)
		fprintf(f, "%s: %d thread(s), shares/h %.0f, board duty %.1f%%\n", boards[i].name,
			bp[i]->threads ? bp[i]->threads : 1, summary_shares_per_hour(&boards[i], wall_s),
			100.0 * summary_board_duty(&boards[i], wall_s));
	if (summary_x.text)
		summary_x.text(f, summary_x.arg);
	free(boards);
	free(bp);
	free(rows);
	for (int i = 0; i < n; i++) {
		const struct miner_stats *m = &slaves[i]->st;

		if (!m->slave_faults && !m->disconnects && !m->timeouts && !m->bus_errors &&
		    !m->tier_moves && !m->refusals)
			continue;
		fprintf(f, "%s: tier moves %lu, refusals %lu\n", m->rep.name,
			(unsigned long)m->tier_moves, (unsigned long)m->refusals);
		summary_events(f, m);
	}
	fflush(f);
}

int summary_json(FILE *f, struct miner *const *slaves, int n, double wall_s)
{
	struct summary_totals t;
	const struct miner_stats *s = &t.sum;
	cJSON *o = cJSON_CreateObject(), *why;
	int rc;

	cJSON *arr;
	int nb = 0, workers = 0;
	double duty = 0;

	summary_totals(&t, slaves, n, wall_s);
	for (int i = 0; i < n; i++)
		nb += !slaves[i]->index;
	rc = o ? report_json(o, &s->rep, nb, wall_s) : -ENOMEM;
	if (rc)
		goto out;
	/* Per board: its threads, shares and the share of time it hashed. */
	arr = cJSON_AddArrayToObject(o, "boards");
	for (int i = 0; arr && i < n; i++) {
		struct report_stats br;
		cJSON *b;
		int k;

		if (slaves[i]->index)
			continue;
		k = summary_board(slaves, n, slaves[i]->b, &br);
		workers += k;
		duty += summary_board_duty(&br, wall_s);
		b = cJSON_CreateObject();
		if (!b || !cJSON_AddItemToArray(arr, b)) {
			cJSON_Delete(b);
			rc = -ENOMEM;
			goto out;
		}
		cJSON_AddStringToObject(b, "slave", br.name);
		jsonout_num(b, "threads", k, JSONOUT_EXACT);
		jsonout_num(b, "good", br.good + br.block, JSONOUT_EXACT);
		jsonout_num(b, "bad", br.bad, JSONOUT_EXACT);
		jsonout_num(b, "duty", summary_board_duty(&br, wall_s), 4);
	}
	jsonout_num(o, "workers", workers, JSONOUT_EXACT);
	jsonout_num(o, "board_duty", nb ? duty / nb : 0.0, 4);
	jsonout_num(o, "requests", s->requests, JSONOUT_EXACT);
	jsonout_num(o, "tier_moves", s->tier_moves, JSONOUT_EXACT);
	jsonout_num(o, "refusals", s->refusals, JSONOUT_EXACT);
	jsonout_num(o, "holds", s->holds, JSONOUT_EXACT);
	jsonout_num(o, "transfers_deferred", s->deferred, JSONOUT_EXACT);
	jsonout_num(o, "slave_faults", s->slave_faults, JSONOUT_EXACT);
	jsonout_num(o, "wrong_nonces", s->wrong_nonces, JSONOUT_EXACT);
	jsonout_num(o, "connects", s->connects, JSONOUT_EXACT);
	jsonout_num(o, "disconnects", s->disconnects, JSONOUT_EXACT);
	jsonout_num(o, "cpu_s", t.cpu_s, 3);
	jsonout_num(o, "cpu_s_per_1000_jobs", report_mean(SUMMARY_JOBS_PER_CPU * t.cpu_s,
							  s->rep.jobs), SUMMARY_CPU_DECIMALS);
	jsonout_num(o, "rss_kb", (double)t.rss_kb, JSONOUT_EXACT);
	why = cJSON_AddObjectToObject(o, "bad_by_reason");
	for (int i = 0; why && i < POOL_BAD_NREASONS; i++)
		jsonout_num(why, pool_bad_name((enum pool_bad_reason)i), s->bad_by_reason[i],
			    JSONOUT_EXACT);
	if (why && summary_x.json)
		rc = summary_x.json(o, summary_x.arg);
	rc = why && !rc ? jsonout_fprint(f, o) : rc ? rc : -ENOMEM;
out:
	cJSON_Delete(o);
	return rc;
}
