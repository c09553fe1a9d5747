/*
 * earnwatch.c - the key check, the balance watch and the local estimate of
 * ducomaster. Everything runs from the rig's loop: the REST client's
 * requests are file events and timers (lib/rest), the watch is one timer;
 * nothing here waits. The REST API is pool_url's server when the pool is
 * discovered there, or rest_api when given; with a fixed pool address and
 * no rest_api there is none (a local or private pool may have no REST side,
 * and tests must never reach the public one), and the estimate stands alone.
 * The mining key itself is sent only to that API's /mining_key and never
 * logged.
 */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include "earnwatch.h"
#include "jsonout.h"
#include "mclock.h"
#include "mlog.h"

static const char *const earnwatch_key_text[] = {
	[EW_KEY_UNCHECKED] = "unchecked",
	[EW_KEY_OK] = "ok",
	[EW_KEY_NO_KEY] = "account has no key",
	[EW_KEY_WRONG] = "WRONG",
	[EW_KEY_UNKNOWN] = "check failed",
};

const char *earnwatch_api(const struct config *cfg)
{
	if (cfg->rest_api[0])
		return cfg->rest_api;
	/* Discovery's server has the REST API; a fixed pool says nothing. */
	if (cfg->pool_url[0] && (cfg->pool_url_explicit || !cfg->pool[0]))
		return cfg->pool_url;
	return "";
}

static double earnwatch_now_s(const struct earnwatch *w)
{
	return (double)mclock_now_us(NULL) / 1e6;
}

/* The rig's estimate: the slaves' weights over the divisor in use. */
static void earnwatch_estimate(const struct earnwatch *w, double *weight, uint64_t *paid)
{
	*weight = 0;
	*paid = 0;
	for (int i = 0; i < w->nslaves; i++) {
		*weight += w->slaves[i]->st.est.weight;
		*paid += w->slaves[i]->st.est.paid;
	}
}

static void earnwatch_tick_in(struct earnwatch *w, double s);

static void earnwatch_user_answer(void *arg, const struct rest_answer *a)
{
	struct earnwatch *w = arg;
	struct earn_user u;
	double weight;
	uint64_t paid;
	int rc;

	if (a->rc) {
		snprintf(w->error, sizeof(w->error), "balance: no answer from %s (%s)",
			 earnwatch_api(w->cfg), strerror(-a->rc));
		mlog_warn("%s", w->error);
		earnwatch_record(w);
		return;
	}
	rc = earn_parse_user(a->status, a->content_type, a->body, w->cfg->user, &u,
			     w->error, sizeof(w->error));
	if (rc < 0) {
		char why[sizeof(w->error)];

		rest_penalize(&w->rest);
		snprintf(why, sizeof(why), "%s", w->error);
		snprintf(w->error, sizeof(w->error), "balance: %.180s", why);
		mlog_warn("%s", w->error);
		earnwatch_record(w);
		return;
	}
	w->error[0] = '\0';
	earnwatch_estimate(w, &weight, &paid);
	if (!w->win.count)
		w->weight0 = weight;
	earn_window_add(&w->win, earnwatch_now_s(w), u.balance);
	w->last_answer_us = mclock_now_us(NULL);
	w->miners = (unsigned)u.nminers;
	w->server_hashrate = u.hashrate;
	/* Calibrate the estimate's divisor from what the pool really paid. */
	{
		struct earn_figures f;
		struct earn_estimate e;

		earn_window_figures(&w->win, &f);
		earn_estimate_init(&e, w->div);
		if (paid >= EARNWATCH_CALIB_SHARES &&
		    earn_estimate_calibrate(&e, weight - w->weight0, f.total)) {
			w->div = e.div;
			w->calibrated = 1;
		}
	}
	earn_user_free(&u);
	earnwatch_record(w);
}

static void earnwatch_key_answer(void *arg, const struct rest_answer *a)
{
	struct earnwatch *w = arg;
	enum earn_key k;
	char err[200];
	int rc = a->rc ? -EARN_E_TRANSPORT :
		 earn_parse_key(a->status, a->content_type, a->body, &k, err, sizeof(err));

	if (a->rc)
		snprintf(err, sizeof(err), "no answer (%s)", strerror(-a->rc));
	if (rc < 0) {
		w->key = EW_KEY_UNKNOWN;
		mlog_warn("mining key: cannot check it at %s/mining_key: %s", earnwatch_api(w->cfg),
			  err);
	} else if (k == EARN_KEY_MATCH) {
		w->key = EW_KEY_OK;
		mlog_info("mining key: the account's key matches");
	} else if (k == EARN_KEY_NONE) {
		w->key = EW_KEY_NO_KEY;
		if (strcmp(w->cfg->mining_key, "None") != 0)
			mlog_warn("mining key: account %s has no mining key set: the configured "
				  "key is not needed (shares are paid without one)", w->cfg->user);
		else
			mlog_info("mining key: account %s has no mining key set", w->cfg->user);
	} else {
		w->key = EW_KEY_WRONG;
		if (w->cfg->key_check == CONFIG_KEY_CHECK_ERROR) {
			mlog_error("mining key: WRONG for account %s: the pool accepts the shares "
				   "but pays nothing, the rig would mine for nothing; fix mining_key "
				   "(or --set key_check=warn to mine anyway)", w->cfg->user);
			w->stop_code = 2;
			evloop_stop(w->el);
			return;
		}
		mlog_error("mining key: WRONG for account %s: the rig mines for nothing "
			   "(key_check=warn)", w->cfg->user);
	}
	w->state = EW_WATCH;
	earnwatch_tick_in(w, 0);
}

static int64_t earnwatch_on_timer(struct evloop *el, long long id, void *arg)
{
	struct earnwatch *w = arg;
	char path[900], esc_u[400], esc_k[400];
	int rc = 0;

	if (w->state == EW_OFF) {
		earnwatch_record(w);
		return EARNWATCH_RECORD_S * 1000000LL;
	}
	if (rest_busy(&w->rest))
		return (int64_t)(w->cfg->watch_balance_s * 1e6);
	if (rest_escape(w->cfg->user, esc_u, sizeof(esc_u)) < 0)
		return -1;
	if (w->state == EW_KEY) {
		if (rest_escape(w->cfg->mining_key, esc_k, sizeof(esc_k)) < 0)
			return -1;
		snprintf(path, sizeof(path), "/mining_key?u=%s&k=%s", esc_u, esc_k);
		rc = rest_get(&w->rest, path, earnwatch_key_answer, w);
		w->timer = 0;
		if (rc < 0)
			mlog_warn("mining key: cannot ask: %s", strerror(-rc));
		return -1;      /* the answer starts the ticks */
	}
	snprintf(path, sizeof(path), "/users/%s?limit=1", esc_u);
	rc = rest_get(&w->rest, path, earnwatch_user_answer, w);
	if (rc < 0)
		mlog_warn("balance: cannot ask: %s", strerror(-rc));
	return w->cfg->watch_balance_s > 0 ? (int64_t)(w->cfg->watch_balance_s * 1e6) : -1;
}

static void earnwatch_tick_in(struct earnwatch *w, double s)
{
	if (w->state == EW_WATCH && w->cfg->watch_balance_s <= 0)
		return;         /* key checked, no balance watch asked for */
	if (w->timer)
		evloop_del_timer(w->el, w->timer);
	w->timer = evloop_add_timer(w->el, (int64_t)(s * 1e6), earnwatch_on_timer, w);
	if (w->timer < 0)
		w->timer = 0;
}

int earnwatch_start(struct earnwatch *w, const struct config *cfg, struct evloop *el,
		    struct joblog *joblog, struct miner *const *slaves, int nslaves)
{
	const char *api = earnwatch_api(cfg);
	int rc;

	memset(w, 0, sizeof(*w));
	w->cfg = cfg;
	w->el = el;
	w->joblog = joblog;
	w->slaves = slaves;
	w->nslaves = nslaves;
	w->div = cfg->reward_div;
	w->start_us = mclock_now_us(NULL);
	earn_window_init(&w->win);
	w->state = EW_OFF;
	if (api[0] && (cfg->watch_balance_s > 0 || cfg->key_check != CONFIG_KEY_CHECK_OFF)) {
		rc = rest_init(&w->rest, el, NULL, api, REST_INTERVAL_DEFAULT_US, REST_TIMEOUT_MS);
		if (rc < 0) {
			mlog_warn("earnings: REST API %s: %s (the local estimate only)", api,
				  strerror(-rc));
		} else {
			w->rest_ok = 1;
			w->state = cfg->key_check != CONFIG_KEY_CHECK_OFF ? EW_KEY : EW_WATCH;
		}
	}
	if (w->state == EW_OFF)
		mlog_info("earnings: %s; the summary shows the local estimate (reward_div %.0f)",
			  api[0] ? "balance watch off" : "no REST API (fixed pool, no rest_api)",
			  w->div);
	else
		mlog_info("earnings: REST API %s, balance every %.0f s%s", api,
			  cfg->watch_balance_s, w->state == EW_KEY ? ", mining key check first" : "");
	if (w->state == EW_OFF) {
		if (joblog && joblog->fd >= 0)
			w->timer = evloop_add_timer(el, EARNWATCH_RECORD_S * 1000000LL,
						    earnwatch_on_timer, w);
	} else {
		earnwatch_tick_in(w, 0);
	}
	if (w->timer < 0)
		w->timer = 0;
	return 0;
}

void earnwatch_stop(struct earnwatch *w)
{
	if (w->timer > 0)
		evloop_del_timer(w->el, w->timer);
	w->timer = 0;
	if (w->rest_ok)
		rest_free(&w->rest);
	w->rest_ok = 0;
}

void earnwatch_snapshot(const struct earnwatch *w, struct earnwatch_snap *s)
{
	struct earn_figures f;
	double weight, elapsed = (double)(mclock_now_us(NULL) - w->start_us) / 1e6;
	uint64_t paid;

	memset(s, 0, sizeof(*s));
	earn_window_figures(&w->win, &f);
	s->rest = w->rest_ok;
	s->have = w->win.count > 0;
	s->balance = f.balance;
	s->gained = f.total;
	s->duco_per_day = earn_window_per_day(&w->win, EARNWATCH_RECENT_S, &s->recent_s);
	s->duco_per_day_since_start = f.avg_duco_per_day;
	s->miners = w->miners;
	s->server_hashrate = w->server_hashrate;
	earnwatch_estimate(w, &weight, &paid);
	s->reward_div = w->div > 0 ? w->div : EARN_REWARD_DIV_DEFAULT;
	s->est_duco = weight / s->reward_div;
	s->est_duco_per_day = elapsed > 0 ? s->est_duco / elapsed * 86400.0 : 0.0;
	s->calibrated = w->calibrated;
	/* The measured figures need two answers; until then the estimate. */
	s->source = w->win.count >= 2 ? "rest" : "estimate";
	s->key = w->key;
	s->key_text = earnwatch_key_text[w->key];
	s->last_error = w->error;
	s->requests = w->rest_ok ? w->rest.requests : 0;
	s->failures = w->rest_ok ? w->rest.failures_total : 0;
	s->since_answer_s = w->last_answer_us ?
			    (double)(mclock_now_us(NULL) - w->last_answer_us) / 1e6 : -1;
}

void earnwatch_text(FILE *f, const struct earnwatch *w)
{
	struct earnwatch_snap s;

	earnwatch_snapshot(w, &s);
	if (!strcmp(s.source, "rest"))
		fprintf(f, "  earnings (rest): gained %.6f DUCO, %.2f DUCO/day over the last %.0f s, "
			"%.2f DUCO/day since start; %u miners listed, balance %.6f\n", s.gained,
			s.duco_per_day, s.recent_s, s.duco_per_day_since_start, s.miners, s.balance);
	fprintf(f, "  earnings (%s): %.6f DUCO = %.2f DUCO/day by the pool's formula, "
		"reward_div %.0f%s\n", strcmp(s.source, "rest") ? "estimate, no REST answer" :
		"local estimate", s.est_duco, s.est_duco_per_day, s.reward_div,
		s.calibrated ? " (calibrated from the balance growth)" : " (default)");
	if (s.rest)
		fprintf(f, "  mining key %s; REST requests %lu, failed %lu%s%s\n", s.key_text,
			(unsigned long)s.requests, (unsigned long)s.failures,
			s.last_error[0] ? "; last error: " : "", s.last_error);
}

void earnwatch_table_line(FILE *f, const struct earnwatch *w)
{
	struct earnwatch_snap s;

	earnwatch_snapshot(w, &s);
	if (!strcmp(s.source, "rest"))
		fprintf(f, "earned %.6f DUCO  %.2f DUCO/day (last %.0f s)  %.2f/day since start  "
			"%u miners listed  key %s\n", s.gained, s.duco_per_day, s.recent_s,
			s.duco_per_day_since_start, s.miners, s.key_text);
	else
		fprintf(f, "estimate %.6f DUCO  %.2f DUCO/day (pool formula, reward_div %.0f)%s%s\n",
			s.est_duco, s.est_duco_per_day, s.reward_div,
			s.rest ? "  key " : "", s.rest ? s.key_text : "");
}

static void earnwatch_fill(cJSON *o, const struct earnwatch *w, const struct earnwatch_snap *s,
			   int boards)
{
	cJSON_AddStringToObject(o, "source", s->source);
	jsonout_num(o, "balance", s->balance, JSONOUT_EXACT);
	jsonout_num(o, "gained", s->gained, 9);
	jsonout_num(o, "duco_per_day", !strcmp(s->source, "rest") ? s->duco_per_day :
		    s->est_duco_per_day, 4);
	jsonout_num(o, "duco_per_day_since_start", !strcmp(s->source, "rest") ?
		    s->duco_per_day_since_start : s->est_duco_per_day, 4);
	cJSON_AddNumberToObject(o, "miners", s->miners);
	jsonout_num(o, "est_duco", s->est_duco, 9);
	jsonout_num(o, "est_duco_per_day", s->est_duco_per_day, 4);
	jsonout_num(o, "reward_div", s->reward_div, 1);
	cJSON_AddBoolToObject(o, "calibrated", s->calibrated);
	cJSON_AddStringToObject(o, "key", s->key_text);
	if (boards) {
		cJSON *list = cJSON_AddArrayToObject(o, "boards");

		for (int i = 0; list && i < w->nslaves; i++) {
			const struct miner *m = w->slaves[i];
			cJSON *b = cJSON_CreateObject();

			if (!b)
				break;
			cJSON_AddItemToArray(list, b);
			cJSON_AddStringToObject(b, "slave", m->name);
			cJSON_AddNumberToObject(b, "shares", (double)m->st.est.shares);
			cJSON_AddNumberToObject(b, "paid", (double)m->st.est.paid);
			jsonout_num(b, "est_duco", m->st.est.weight / s->reward_div, 9);
		}
	}
}

int earnwatch_json(cJSON *o, const struct earnwatch *w)
{
	struct earnwatch_snap s;
	cJSON *e = cJSON_AddObjectToObject(o, "earnings");

	if (!e)
		return -ENOMEM;
	earnwatch_snapshot(w, &s);
	earnwatch_fill(e, w, &s, 0);
	return 0;
}

void earnwatch_record(struct earnwatch *w)
{
	struct earnwatch_snap s;
	cJSON *o;

	if (!w->joblog || w->joblog->fd < 0)
		return;
	o = cJSON_CreateObject();
	if (!o)
		return;
	earnwatch_snapshot(w, &s);
	cJSON_AddStringToObject(o, "type", JOBLOG_TYPE_EARNINGS);
	earnwatch_fill(o, w, &s, 1);
	if (joblog_write_typed(w->joblog, JOBLOG_TYPE_EARNINGS, mclock_wall_us(), o) < 0)
		mlog_warn("joblog: cannot write the earnings record");
	cJSON_Delete(o);
}
