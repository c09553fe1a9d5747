/*
 * history.c - the rig's last hour (see history.h).
 */
#include <cJSON.h>
#include <math.h>
#include "history.h"
#include "jsonout.h"
#include "mclock.h"

void history_take(struct history *h, const struct status_snap *st, int64_t wall_us,
		  double duco_per_day)
{
	struct history_sample *x = &h->s[h->next];
	const struct report_stats *r = &st->tot.sum.rep;

	*x = (struct history_sample){
		.uptime_s = st->uptime_s,
		.wall_us = wall_us,
		.hashrate = st->hashrate,
		.online = st->online,
		.boards = st->boards,
		.jobs = r->jobs,
		.good = r->good,
		.bad = r->bad,
		.block = r->block,
		.duco_per_day = duco_per_day,
	};
	for (int i = 0; i < st->n; i++)
		if (st->b[i].online)
			x->measured += st->b[i].r_slave;
	for (int p = 0; p < REPORT_NPARTS; p++)
		x->part_ms[p] = r->part_ms[p];
	h->next = (h->next + 1) % HISTORY_SAMPLES;
	if (h->count < HISTORY_SAMPLES)
		h->count++;
}

cJSON *history_json(const struct history *h)
{
	static const char *const parts[REPORT_NPARTS] = {
		"req_wait", "transfer", "hash", "detect", "hold", "snd_wait", "processing",
	};
	cJSON *o = cJSON_CreateObject(), *list;
	int first = (h->next - h->count + HISTORY_SAMPLES) % HISTORY_SAMPLES;

	if (!o)
		return NULL;
	jsonout_num(o, "interval_s", HISTORY_INTERVAL_S, JSONOUT_EXACT);
	list = cJSON_AddArrayToObject(o, "samples");
	for (int i = 0; list && i < h->count; i++) {
		const struct history_sample *x = &h->s[(first + i) % HISTORY_SAMPLES];
		cJSON *e = cJSON_CreateObject(), *pm;
		char ts[32];

		if (!e)
			break;
		mclock_iso8601(x->wall_us, ts, sizeof(ts));
		cJSON_AddStringToObject(e, "ts", ts);
		jsonout_num(e, "uptime_s", x->uptime_s, 1);
		jsonout_num(e, "hashrate", x->hashrate, 2);
		jsonout_num(e, "measured", x->measured, 2);
		jsonout_num(e, "online", x->online, JSONOUT_EXACT);
		jsonout_num(e, "boards", x->boards, JSONOUT_EXACT);
		jsonout_num(e, "jobs", x->jobs, JSONOUT_EXACT);
		jsonout_num(e, "good", x->good, JSONOUT_EXACT);
		jsonout_num(e, "bad", x->bad, JSONOUT_EXACT);
		jsonout_num(e, "block", x->block, JSONOUT_EXACT);
		if (isfinite(x->duco_per_day))
			jsonout_num(e, "duco_per_day", x->duco_per_day, 4);
		pm = cJSON_AddObjectToObject(e, "part_ms");
		for (int p = 0; pm && p < REPORT_NPARTS; p++)
			jsonout_num(pm, parts[p], x->part_ms[p], 1);
		cJSON_AddItemToArray(list, e);
	}
	return o;
}
