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
#include "rig.h"
#include "status.h"
#include "web.h"

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
		rig_snapshot(r);
		web_json(rep, status_json(&r->snap));
		return;
	}
	rep->status = 404;
}
