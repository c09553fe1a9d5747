/*
 * fuzz_pool_http.c - fuzz harness for ducopool's REST handlers
 * (sim/ducopool/pool_http.c), called directly through pool_http_answer():
 * the routing of /getPool, /mining_key, /balances/, /miners/, /users/, the
 * query arguments, the JSON views of a pool that has a user "alice" with
 * two workers, shares accepted and rejected, and a key.
 *
 * Input: lines; the first is the method, the second the URL path, every
 * further "key=value" line a query argument. Invariants: always a body
 * (memory permitting) that prints as JSON, parses back, and carries a
 * boolean "success" (or, for /getPool, the pool's own fields); the status
 * is 200, 404 or 405; no number in it is non-finite (nothing prints "nan"
 * or "inf" where JSON has no such thing).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "pool_acct.h"
#include "pool_cfg.h"
#include "pool_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_ARGS 8

struct fz_req {
	char *key[FZ_ARGS], *value[FZ_ARGS];
	int n;
};

static const char *fz_arg(void *ctx, const char *key)
{
	struct fz_req *q = ctx;

	for (int i = 0; i < q->n; i++)
		if (!strcmp(q->key[i], key))
			return q->value[i];
	return NULL;
}

static struct pool_cfg fz_cfg;
static struct pool_acct fz_acct;

static void fz_setup(void)
{
	struct pool_worker *w;

	pool_cfg_defaults(&fz_cfg);
	snprintf(fz_cfg.keys[0].user, sizeof(fz_cfg.keys[0].user), "alice");
	snprintf(fz_cfg.keys[0].key, sizeof(fz_cfg.keys[0].key), "s3cret");
	fz_cfg.nkeys = 1;
	pool_acct_init(&fz_acct, &fz_cfg, 3, 1000);
	for (int i = 0; i < 2; i++) {
		w = pool_acct_worker_open(&fz_acct, "127.0.0.1", (uint16_t)(4000 + i), 1000);
		if (!w || pool_acct_register(&fz_acct, w, "alice", i ? "s3cret" : "wrong"))
			abort();
		for (int k = 0; k < 12; k++)
			pool_acct_accept(&fz_acct, w, k == 5, 350.0 + k, 1);
		pool_acct_reject(&fz_acct, w, 0);
	}
}

/* No non-finite number anywhere in the tree. */
static void fz_finite(const cJSON *o)
{
	for (; o; o = o->next) {
		if (cJSON_IsNumber(o) && !isfinite(o->valuedouble))
			abort();
		fz_finite(o->child);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), *line, *save = NULL, *method = NULL, *url = NULL, *out;
	struct fz_req q = { .n = 0 };
	unsigned status = 0;
	cJSON *body, *back;

	if (!text)
		return 0;
	if (!fz_acct.cfg)
		fz_setup();
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq;

		if (!method)
			method = line;
		else if (!url)
			url = line;
		else if (q.n < FZ_ARGS && (eq = strchr(line, '='))) {
			*eq = '\0';
			q.key[q.n] = line;
			q.value[q.n++] = eq + 1;
		}
	}
	if (!method || !url) {
		free(text);
		return 0;
	}
	body = pool_http_answer(&fz_cfg, &fz_acct, "127.0.0.1", 2811, 2000, method, url, fz_arg, &q,
				&status);
	if (status != 200 && status != 404 && status != 405)
		abort();
	if (body) {
		fz_finite(body);
		out = cJSON_PrintUnformatted(body);
		back = out ? cJSON_Parse(out) : NULL;
		if (out && (!back || !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(back, "success"))))
			abort();
		cJSON_Delete(back);
		free(out);
		cJSON_Delete(body);
	}
	free(text);
	return 0;
}
