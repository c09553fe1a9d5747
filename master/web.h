/*
 * web.h - ducomaster's HTTP side: the paths lib/http serves, each read from
 * the rig's live snapshot (master/status.h): /api/status (the snapshot as
 * JSON), /metrics (Prometheus text, master/metrics.h) and / (the dashboard
 * page, embedded). Nothing here changes the rig: every path is read-only.
 */
#ifndef WEB_H
#define WEB_H

#include "http.h"

struct rig;

/* lib/http's handler; arg is the struct rig. */
void web_handle(void *arg, const char *path, struct http_reply *rep);

#endif
