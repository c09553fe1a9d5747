/*
 * pool_acct.c - users, workers and totals kept in two singly linked lists.
 *
 * Lists, not hash tables: a local pool sees tens to a few hundred workers,
 * and the per-user / per-IP limits are counted by walking them at JOB time,
 * which costs nothing at that size and can never drift out of sync.
 */
#include "pool_acct.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const pool_reason_text[POOL_R_COUNT] = {
	[POOL_R_INCORRECT_RESULT] = "Incorrect result",
	[POOL_R_INVALID_DATA]     = "Invalid data",
	[POOL_R_TOO_HIGH_START]   = "Too high starting difficulty",
	[POOL_R_TOO_LOW_START]    = "Too low starting difficulty",
	[POOL_R_TOO_LOW_DIFF]     = "Too low difficulty",
	[POOL_R_DUCOID_CHANGED]   = "DUCOID changed",
	[POOL_R_INCORRECT_DATA]   = "Incorrect data",
	[POOL_R_NO_USERNAME]      = "No username specified",
	[POOL_R_USER_BANNED]      = "User banned",
	[POOL_R_TOO_MANY_WORKERS] = "Too many workers",
};

/* Shares that count in the "rejected" columns; the rest are refusals. */
static int pool_acct_is_share_reason(enum pool_reason r)
{
	return r <= POOL_R_DUCOID_CHANGED;
}

void pool_acct_init(struct pool_acct *a, const struct pool_cfg *cfg, uint64_t seed,
		    int64_t now_ms)
{
	*a = (struct pool_acct){
		.cfg = cfg,
		.next_id = 1,
		.seed = seed,
		.start_ms = now_ms,
		.start_wall = time(NULL),
	};
}

void pool_acct_free(struct pool_acct *a)
{
	while (a->workers) {
		struct pool_worker *w = a->workers;

		a->workers = w->next;
		free(w);
	}
	while (a->users) {
		struct pool_user *u = a->users;

		a->users = u->next;
		free(u);
	}
}

struct pool_worker *pool_acct_worker_open(struct pool_acct *a, const char *ip,
					  uint16_t port, int64_t now_ms)
{
	struct pool_worker *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->id = a->next_id++;
	snprintf(w->ip, sizeof(w->ip), "%s", ip);
	w->port = port;
	w->open = 1;
	w->key_ok = 1;
	w->opened_ms = now_ms;
	w->opened_wall = time(NULL);
	/* Append, so dumps list workers in connection order. */
	struct pool_worker **p = &a->workers;
	while (*p)
		p = &(*p)->next;
	*p = w;
	a->connections++;
	return w;
}

void pool_acct_worker_close(struct pool_acct *a, struct pool_worker *w, int64_t now_ms)
{
	if (!w->open)
		return;
	w->open = 0;
	w->closed_ms = now_ms;
	if (w->user)
		w->user->open_workers--;
}

void pool_acct_expire(struct pool_acct *a, int64_t now_ms)
{
	int64_t ttl = (int64_t)(a->cfg->miner_ttl_s * 1000.0);
	struct pool_worker **p = &a->workers;

	while (*p) {
		struct pool_worker *w = *p;
		int64_t last = w->last_share_ms ? w->last_share_ms : w->closed_ms;

		if (!w->open && now_ms - last >= ttl) {
			*p = w->next;
			free(w);
		} else {
			p = &w->next;
		}
	}
}

struct pool_user *pool_acct_user(struct pool_acct *a, const char *name, int create)
{
	struct pool_user *u;

	for (u = a->users; u; u = u->next)
		if (strcmp(u->name, name) == 0)
			return u;
	if (!create)
		return NULL;
	u = calloc(1, sizeof(*u));
	if (!u)
		return NULL;
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->created = time(NULL);
	for (int i = 0; i < a->cfg->nkeys; i++)
		if (strcmp(a->cfg->keys[i].user, u->name) == 0) {
			snprintf(u->key, sizeof(u->key), "%s", a->cfg->keys[i].key);
			u->has_key = 1;
		}
	u->next = a->users;
	a->users = u;
	return u;
}

int pool_acct_count_user(const struct pool_acct *a, const struct pool_user *u)
{
	return u ? u->open_workers : 0;
}

int pool_acct_count_ip(const struct pool_acct *a, const char *ip)
{
	int n = 0;

	for (const struct pool_worker *w = a->workers; w; w = w->next)
		n += w->open && w->user && strcmp(w->ip, ip) == 0;
	return n;
}

int pool_acct_register(struct pool_acct *a, struct pool_worker *w, const char *user,
		       const char *key)
{
	struct pool_user *u = pool_acct_user(a, user, 1);
	int by_user, by_ip;

	if (!u)
		return -ENOMEM;
	by_user = pool_acct_count_user(a, u) + 1;
	by_ip = pool_acct_count_ip(a, w->ip) + 1;
	w->user = u;
	w->ki = (uint32_t)(by_user > by_ip ? by_user : by_ip);
	/* The real pool never says BAD for a wrong key: it just doesn't pay. */
	w->key_ok = !u->has_key || strcmp(u->key, key) == 0;
	u->open_workers++;
	return 0;
}

void pool_acct_reject(struct pool_acct *a, struct pool_worker *w, enum pool_reason r)
{
	int share = pool_acct_is_share_reason(r);

	a->by_reason[r]++;
	a->rejected += share;
	if (w) {
		w->by_reason[r]++;
		w->rejected += share;
		if (w->user) {
			w->user->by_reason[r]++;
			w->user->rejected += share;
		}
	}
}

void pool_acct_accept(struct pool_acct *a, struct pool_worker *w, int block,
		      double hashrate, int payable)
{
	struct pool_user *u = w->user;
	double reward = 0.0;

	a->accepted++;
	a->blocks += block != 0;
	w->accepted++;
	w->blocks += block != 0;
	u->accepted++;
	u->blocks += block != 0;
	u->last_login = time(NULL);
	/* Kolka: nothing for the first 10 shares of a connection. */
	if (w->accepted > 10 && w->key_ok && payable && hashrate > 1.0)
		reward = 2.0 * log(hashrate) / a->cfg->reward_div *
			 pow(0.96, (double)w->ki - 1.0);
	else {
		w->unpaid++;
		u->unpaid++;
	}
	w->reward += reward;
	u->balance += reward;
}

static cJSON *pool_acct_reasons_json(const uint64_t by_reason[POOL_R_COUNT])
{
	cJSON *o = cJSON_CreateObject();

	for (int r = 0; o && r < POOL_R_COUNT; r++)
		cJSON_AddNumberToObject(o, pool_reason_text[r], (double)by_reason[r]);
	return o;
}

static cJSON *pool_acct_worker_json(const struct pool_worker *w)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)w->id);
	cJSON_AddStringToObject(o, "ip", w->ip);
	cJSON_AddNumberToObject(o, "port", w->port);
	cJSON_AddBoolToObject(o, "open", w->open);
	if (w->user)
		cJSON_AddStringToObject(o, "username", w->user->name);
	else
		cJSON_AddNullToObject(o, "username");
	cJSON_AddStringToObject(o, "tier", w->tier);
	cJSON_AddNumberToObject(o, "diff", w->diff);
	cJSON_AddStringToObject(o, "software", w->software);
	cJSON_AddStringToObject(o, "rig", w->rig);
	cJSON_AddStringToObject(o, "ducoid", w->ducoid);
	cJSON_AddNumberToObject(o, "jobs", (double)w->jobs);
	cJSON_AddNumberToObject(o, "accepted", (double)w->accepted);
	cJSON_AddNumberToObject(o, "rejected", (double)w->rejected);
	cJSON_AddNumberToObject(o, "blocks", (double)w->blocks);
	cJSON_AddNumberToObject(o, "unpaid", (double)w->unpaid);
	cJSON_AddItemToObject(o, "rejected_by_reason", pool_acct_reasons_json(w->by_reason));
	cJSON_AddNumberToObject(o, "share_time_s", w->share_time_s);
	cJSON_AddNumberToObject(o, "hashrate", w->hashrate);
	cJSON_AddNumberToObject(o, "reported_hashrate", w->reported_hashrate);
	cJSON_AddNumberToObject(o, "ping_s", w->ping_s);
	cJSON_AddNumberToObject(o, "ki", w->ki);
	cJSON_AddBoolToObject(o, "key_ok", w->key_ok);
	cJSON_AddNumberToObject(o, "reward", w->reward);
	return o;
}

cJSON *pool_acct_stats_json(const struct pool_acct *a, int64_t now_ms)
{
	cJSON *root = cJSON_CreateObject(), *pool, *users, *workers;
	int open = 0;
	char seed[24];

	if (!root)
		return NULL;
	for (const struct pool_worker *w = a->workers; w; w = w->next)
		open += w->open;
	pool = cJSON_AddObjectToObject(root, "pool");
	if (!pool)
		goto fail;
	cJSON_AddStringToObject(pool, "name", a->cfg->name);
	/* A string: a JSON number would round a 64-bit seed. */
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)a->seed);
	cJSON_AddStringToObject(pool, "seed", seed);
	cJSON_AddNumberToObject(pool, "uptime_s", (double)(now_ms - a->start_ms) / 1000.0);
	cJSON_AddNumberToObject(pool, "connections", (double)a->connections);
	cJSON_AddNumberToObject(pool, "open", open);
	cJSON_AddNumberToObject(pool, "jobs", (double)a->jobs);
	cJSON_AddNumberToObject(pool, "accepted", (double)a->accepted);
	cJSON_AddNumberToObject(pool, "rejected", (double)a->rejected);
	cJSON_AddNumberToObject(pool, "blocks", (double)a->blocks);
	cJSON_AddNumberToObject(pool, "timeouts", (double)a->timeouts);
	cJSON_AddNumberToObject(pool, "drops_injected", (double)a->drops_injected);
	cJSON_AddNumberToObject(pool, "garbage_injected", (double)a->garbage_injected);
	cJSON_AddNumberToObject(pool, "ignored", (double)a->ignored);
	{
		cJSON *sent = cJSON_AddObjectToObject(pool, "verdicts_sent");

		if (sent) {
			cJSON_AddNumberToObject(sent, "GOOD", (double)a->sent_good);
			cJSON_AddNumberToObject(sent, "BLOCK", (double)a->sent_block);
			cJSON_AddNumberToObject(sent, "BAD", (double)a->sent_bad);
		}
	}
	cJSON_AddItemToObject(pool, "rejected_by_reason", pool_acct_reasons_json(a->by_reason));

	users = cJSON_AddArrayToObject(root, "users");
	if (!users)
		goto fail;
	for (const struct pool_user *u = a->users; u; u = u->next) {
		cJSON *o = cJSON_CreateObject();

		if (!o)
			goto fail;
		cJSON_AddItemToArray(users, o);
		cJSON_AddStringToObject(o, "username", u->name);
		cJSON_AddNumberToObject(o, "accepted", (double)u->accepted);
		cJSON_AddNumberToObject(o, "rejected", (double)u->rejected);
		cJSON_AddNumberToObject(o, "blocks", (double)u->blocks);
		cJSON_AddNumberToObject(o, "unpaid", (double)u->unpaid);
		cJSON_AddNumberToObject(o, "balance", u->balance);
		cJSON_AddNumberToObject(o, "workers", u->open_workers);
		cJSON_AddItemToObject(o, "rejected_by_reason",
				      pool_acct_reasons_json(u->by_reason));
	}
	workers = cJSON_AddArrayToObject(root, "workers");
	if (!workers)
		goto fail;
	for (const struct pool_worker *w = a->workers; w; w = w->next) {
		cJSON *o = pool_acct_worker_json(w);

		if (!o)
			goto fail;
		cJSON_AddItemToArray(workers, o);
	}
	return root;
fail:
	cJSON_Delete(root);
	return NULL;
}

cJSON *pool_acct_miner_json(const struct pool_acct *a, const struct pool_worker *w)
{
	cJSON *o = cJSON_CreateObject();
	char id[24];

	if (!o)
		return NULL;
	snprintf(id, sizeof(id), "%llu", (unsigned long long)w->id);
	cJSON_AddStringToObject(o, "threadid", id);
	cJSON_AddStringToObject(o, "username", w->user ? w->user->name : "");
	cJSON_AddNumberToObject(o, "hashrate", w->hashrate);
	cJSON_AddNumberToObject(o, "sharetime", w->share_time_s);
	cJSON_AddNumberToObject(o, "accepted", (double)w->accepted);
	cJSON_AddNumberToObject(o, "rejected", (double)w->rejected);
	cJSON_AddNumberToObject(o, "diff", w->diff);
	cJSON_AddStringToObject(o, "software", w->software);
	cJSON_AddStringToObject(o, "identifier", w->rig[0] ? w->rig : "None");
	cJSON_AddStringToObject(o, "algorithm", "DUCO-S1");
	cJSON_AddStringToObject(o, "pool", a->cfg->name);
	cJSON_AddStringToObject(o, "wd", w->wallet_id[0] ? w->wallet_id : "None");
	cJSON_AddNumberToObject(o, "ki", w->ki);
	return o;
}

cJSON *pool_acct_balance_json(const struct pool_user *u)
{
	cJSON *o = cJSON_CreateObject();
	char created[32];
	struct tm tm;

	if (!o)
		return NULL;
	gmtime_r(&u->created, &tm);
	strftime(created, sizeof(created), "%d/%m/%Y %H:%M:%S", &tm);
	cJSON_AddStringToObject(o, "username", u->name);
	cJSON_AddNumberToObject(o, "balance", u->balance);
	cJSON_AddStringToObject(o, "verified", "yes");
	cJSON_AddStringToObject(o, "created", created);
	cJSON_AddNumberToObject(o, "stake_date", 0);
	cJSON_AddNumberToObject(o, "stake_amount", 0);
	cJSON_AddNumberToObject(o, "last_login", (double)u->last_login);
	return o;
}
