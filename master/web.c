/*
 * web.c - the paths of ducomaster's HTTP side (see web.h). Every answer is
 * made from a fresh snapshot when asked for, so a page never shows figures
 * older than the request; a snapshot costs a walk over the boards, far
 * less than the request's own socket work.
 */
#include <cJSON.h>
#include <stdlib.h>
#include <string.h>
#include "jsonout.h"
#include "metrics.h"
#include "rig.h"
#include "status.h"
#include "web.h"
#include "dashboard_html.h"

static void web_json(struct http_reply *rep, cJSON *o)
{
	size_t len = 0;
	char *text = o ? jsonout_line(o, &len) : NULL;

	cJSON_Delete(o);
	if (!text) {
		rep->status = 500;
		return;
	}
	rep->type = "application/json";
	rep->body = text;
	rep->len = len;
	rep->owned = 1;
}

void web_handle(void *arg, const char *path, struct http_reply *rep)
{
	struct rig *r = arg;

	if (!strcmp(path, "/api/status")) {
		cJSON *o;

		rig_snapshot(r);
		o = status_json(&r->snap);
		/* "earnings", as the summary's JSON has it (master/earnwatch) */
		if (o && earnwatch_json(o, &r->earn) < 0) {
			cJSON_Delete(o);
			o = NULL;
		}
		web_json(rep, o);
		return;
	}
	if (!strcmp(path, "/") || !strcmp(path, "/index.html")) {
		rep->type = "text/html; charset=utf-8";
		rep->body = (const char *)dashboard_html;
		rep->len = dashboard_html_len;
		rep->cache = "no-cache";
		return;
	}
	if (!strcmp(path, "/api/history")) {
		web_json(rep, history_json(&r->history));
		return;
	}
	if (!strcmp(path, "/metrics")) {
		struct metrics_extra x = {
			.version = DUCOMASTER_VERSION,
			.start_time_s = r->start_wall_us / 1e6,
			.http_requests = http_requests(r->http),
			.http_refused = http_refused(r->http),
		};

		struct earnwatch_snap e;

		earnwatch_snapshot(&r->earn, &e);
		x.earn_source = e.source;
		x.earn_gained = strcmp(e.source, "rest") ? e.est_duco : e.gained;
		x.earn_per_day = strcmp(e.source, "rest") ? e.est_duco_per_day : e.duco_per_day;
		x.earn_per_day_since_start = strcmp(e.source, "rest") ? e.est_duco_per_day :
					     e.duco_per_day_since_start;
		x.earn_miners = e.miners;
		rig_snapshot(r);
		rep->body = metrics_text(&r->snap, &x, &rep->len);
		if (!rep->body) {
			rep->status = 500;
			return;
		}
		rep->owned = 1;
		rep->type = "text/plain; version=0.0.4; charset=utf-8";
		return;
	}
	rep->status = 404;
}
