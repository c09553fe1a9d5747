/*
 * earn.c - REST answer parsers, DUCO/day windows, the Kolka estimate and the
 * web wallet's rules. Assumes cJSON >= 1.7 (cJSON_ParseWithOpts). Answers are
 * parsed strictly: one JSON value and nothing after it, fields of the types
 * the public API uses; a text quoted in an error is cut short and has its
 * control characters replaced, so a hostile answer cannot break the line.
 */
#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "earn.h"

const char *const earn_error_name[EARN_E_COUNT] = {
	[EARN_OK] = "ok",
	[EARN_E_TRANSPORT] = "transport",
	[EARN_E_HTTP] = "http",
	[EARN_E_HTML] = "html",
	[EARN_E_NOT_JSON] = "not-json",
	[EARN_E_FAILED] = "failed",
	[EARN_E_UNKNOWN_USER] = "unknown-user",
	[EARN_E_FIELD] = "field",
};

const char *const earn_class_name[] = {
	[EARN_CLASS_OTHER] = "other",
	[EARN_CLASS_AVR_I2C] = "AVR (I2C)",
	[EARN_CLASS_AVR_NORMAL] = "AVR (Normal)",
	[EARN_CLASS_AVR_PICO] = "AVR (Pico)",
};

/* At most max characters of s for a message: printable ASCII only. */
static void earn_quote(const char *s, size_t max, char *out, size_t len)
{
	size_t n = 0;

	for (; *s && n + 4 < len && n < max; s++)
		out[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : ' ';
	if (*s && n + 4 < len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n < len ? n : len - 1] = '\0';
}

static int earn_looks_html(const char *ctype, const char *body)
{
	while (*body == ' ' || *body == '\t' || *body == '\r' || *body == '\n')
		body++;
	return (ctype && strncasecmp(ctype, "text/html", 9) == 0) || *body == '<';
}

/* An HTML page: its <title> if it has one, for the message. */
static void earn_html_title(const char *body, char *out, size_t len)
{
	const char *t = strcasestr(body, "<title>"), *e;
	char buf[128];
	size_t n;

	if (!t || !(e = strcasestr(t + 7, "</title>"))) {
		snprintf(out, len, "no title");
		return;
	}
	n = (size_t)(e - (t + 7));
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, t + 7, n);
	buf[n] = '\0';
	earn_quote(buf, 60, out, len);
}

/*
 * The envelope every endpoint shares: HTTP status, HTML, JSON, "success".
 * On success *root is the parsed document (the caller deletes it).
 * user: for the unknown-user message (NULL: none).
 */
static int earn_envelope(long status, const char *ctype, const char *body, const char *user,
			 cJSON **root, char *err, size_t errlen)
{
	char q[96];
	const char *end = NULL;
	const cJSON *ok, *msg;

	*root = NULL;
	if (!body)
		body = "";
	if (earn_looks_html(ctype, body)) {
		earn_html_title(body, q, sizeof(q));
		snprintf(err, errlen, "an HTML page instead of JSON (HTTP %ld, '%s')", status, q);
		return -EARN_E_HTML;
	}
	*root = cJSON_ParseWithOpts(body, &end, 1);
	if (!*root) {
		if (status < 200 || status > 299) {
			earn_quote(body, 40, q, sizeof(q));
			snprintf(err, errlen, "HTTP %ld%s%s%s", status, status == 429 ?
				 " (too many requests)" : "", *q ? ": " : "", q);
			return -EARN_E_HTTP;
		}
		earn_quote(body, 40, q, sizeof(q));
		snprintf(err, errlen, "not JSON: '%s'", q);
		return -EARN_E_NOT_JSON;
	}
	ok = cJSON_GetObjectItemCaseSensitive(*root, "success");
	msg = cJSON_GetObjectItemCaseSensitive(*root, "message");
	if (cJSON_IsFalse(ok)) {
		int unknown = cJSON_IsString(msg) && strcasestr(msg->valuestring, "not found");

		earn_quote(cJSON_IsString(msg) ? msg->valuestring : "(no message)", 80, q, sizeof(q));
		cJSON_Delete(*root);
		*root = NULL;
		if (unknown) {
			char u[EARN_NAME_LEN + 8];

			earn_quote(user ? user : "?", EARN_NAME_LEN, u, sizeof(u));
			snprintf(err, errlen, "user '%s' not found (server: %s)", u, q);
			return -EARN_E_UNKNOWN_USER;
		}
		snprintf(err, errlen, "the server says: %s", q);
		return -EARN_E_FAILED;
	}
	if (status < 200 || status > 299) {
		cJSON_Delete(*root);
		*root = NULL;
		snprintf(err, errlen, "HTTP %ld%s", status,
			 status == 429 ? " (too many requests)" : "");
		return -EARN_E_HTTP;
	}
	if (!cJSON_IsObject(*root) || !cJSON_IsTrue(ok)) {
		cJSON_Delete(*root);
		*root = NULL;
		snprintf(err, errlen, "field 'success' missing or not true/false");
		return -EARN_E_FIELD;
	}
	return 0;
}

static int earn_field_err(char *err, size_t errlen, const char *what, const char *field)
{
	snprintf(err, errlen, "field '%s' missing or not %s", field, what);
	return -EARN_E_FIELD;
}

static int earn_get_num(const cJSON *o, const char *key, double *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsNumber(x) && isfinite(x->valuedouble)) {
		*v = x->valuedouble;
		return 0;
	}
	/* Some API rows carry numbers as strings ("343.2"). */
	if (cJSON_IsString(x) && *x->valuestring) {
		char *end;
		double d = strtod(x->valuestring, &end);

		if (*end == '\0' && isfinite(d)) {
			*v = d;
			return 0;
		}
	}
	return -1;
}

static void earn_get_str(const cJSON *o, const char *key, char *out, size_t len)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsString(x))
		earn_quote(x->valuestring, len - 5, out, len);
	else if (cJSON_IsNumber(x))
		snprintf(out, len, "%.0f", x->valuedouble);
	else
		out[0] = '\0';
}

/* One miner row; the numbers a table needs must be there. */
static int earn_miner_row(const cJSON *o, struct earn_miner *m, size_t i, char *err,
			  size_t errlen)
{
	static const char *const need[] = { "hashrate", "accepted", "rejected", "diff" };
	double v[4], x;
	char f[48];

	memset(m, 0, sizeof(*m));
	if (!cJSON_IsObject(o)) {
		snprintf(f, sizeof(f), "miners[%zu]", i);
		return earn_field_err(err, errlen, "an object", f);
	}
	for (int k = 0; k < 4; k++)
		if (earn_get_num(o, need[k], &v[k]) < 0 || v[k] < 0) {
			snprintf(f, sizeof(f), "miners[%zu].%s", i, need[k]);
			return earn_field_err(err, errlen, "a number >= 0", f);
		}
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "software"))) {
		snprintf(f, sizeof(f), "miners[%zu].software", i);
		return earn_field_err(err, errlen, "a string", f);
	}
	m->hashrate = v[0];
	m->accepted = (uint64_t)v[1];
	m->rejected = (uint64_t)v[2];
	m->diff = v[3] > 4e9 ? 4000000000u : (uint32_t)v[3];
	if (earn_get_num(o, "sharetime", &x) == 0 && x >= 0)
		m->sharetime = x;
	if (earn_get_num(o, "ki", &x) == 0 && x >= 0 && x < 1e6)
		m->ki = (uint32_t)x;
	earn_get_str(o, "username", m->username, sizeof(m->username));
	earn_get_str(o, "threadid", m->threadid, sizeof(m->threadid));
	earn_get_str(o, "identifier", m->identifier, sizeof(m->identifier));
	earn_get_str(o, "software", m->software, sizeof(m->software));
	earn_get_str(o, "wd", m->wd, sizeof(m->wd));
	earn_get_str(o, "ducoid", m->ducoid, sizeof(m->ducoid));
	return 0;
}

static int earn_miner_list(const cJSON *list, struct earn_miner **rows, size_t *n,
			   char *err, size_t errlen)
{
	size_t i = 0, cnt;
	const cJSON *o;
	int rc;

	*rows = NULL;
	*n = 0;
	if (!cJSON_IsArray(list))
		return earn_field_err(err, errlen, "a list", "miners");
	cnt = (size_t)cJSON_GetArraySize(list);
	if (!cnt)
		return 0;
	*rows = calloc(cnt, sizeof(**rows));
	if (!*rows) {
		snprintf(err, errlen, "out of memory");
		return -EARN_E_FIELD;
	}
	cJSON_ArrayForEach(o, list) {
		rc = earn_miner_row(o, &(*rows)[i], i, err, errlen);
		if (rc < 0) {
			free(*rows);
			*rows = NULL;
			return rc;
		}
		i++;
	}
	*n = i;
	return 0;
}

void earn_user_free(struct earn_user *u)
{
	free(u->miners);
	u->miners = NULL;
	u->nminers = 0;
}

int earn_parse_user(long status, const char *ctype, const char *body, const char *user,
		    struct earn_user *u, char *err, size_t errlen)
{
	cJSON *root;
	const cJSON *res, *bal;
	int rc;

	memset(u, 0, sizeof(*u));
	rc = earn_envelope(status, ctype, body, user, &root, err, errlen);
	if (rc < 0)
		return rc;
	res = cJSON_GetObjectItemCaseSensitive(root, "result");
	bal = cJSON_GetObjectItemCaseSensitive(res, "balance");
	if (!cJSON_IsObject(res)) {
		rc = earn_field_err(err, errlen, "an object", "result");
		goto out;
	}
	if (!cJSON_IsObject(bal)) {
		rc = earn_field_err(err, errlen, "an object", "result.balance");
		goto out;
	}
	if (earn_get_num(bal, "balance", &u->balance) < 0) {
		rc = earn_field_err(err, errlen, "a number", "result.balance.balance");
		goto out;
	}
	earn_get_str(bal, "username", u->username, sizeof(u->username));
	rc = earn_miner_list(cJSON_GetObjectItemCaseSensitive(res, "miners"), &u->miners,
			     &u->nminers, err, errlen);
	for (size_t i = 0; i < u->nminers; i++)
		u->hashrate += u->miners[i].hashrate;
out:
	cJSON_Delete(root);
	return rc;
}

void earn_rig_free(struct earn_rig *r)
{
	free(r->boards);
	r->boards = NULL;
	r->nboards = 0;
}

int earn_parse_status(long status, const char *ctype, const char *body, struct earn_rig *r,
		      char *err, size_t errlen)
{
	cJSON *root;
	const cJSON *rig, *rows, *row;
	char q[96];
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (status < 200 || status > 299) {
		snprintf(err, errlen, "HTTP %ld%s", status,
			 status == 401 || status == 403 ?
			 " (the rig has an http_token: ducowatch --status-token-file)" : "");
		return -EARN_E_HTTP;
	}
	(void)ctype;
	root = cJSON_Parse(body ? body : "");
	if (!root) {
		earn_quote(body ? body : "", 40, q, sizeof(q));
		snprintf(err, errlen, "not JSON: '%s'", q);
		return -EARN_E_NOT_JSON;
	}
	rig = cJSON_GetObjectItemCaseSensitive(root, "rig");
	rows = cJSON_GetObjectItemCaseSensitive(root, "boards");
	if (!cJSON_IsObject(rig) || !cJSON_IsArray(rows)) {
		rc = earn_field_err(err, errlen, "an object with an array", "rig, boards");
		goto out;
	}
	earn_get_str(rig, "rig_id", r->rig_id, sizeof(r->rig_id));
	earn_get_str(rig, "software", r->software, sizeof(r->software));
	r->boards = calloc((size_t)cJSON_GetArraySize(rows) + 1, sizeof(r->boards[0]));
	if (!r->boards) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	cJSON_ArrayForEach(row, rows) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(row, "identity");
		struct earn_local b = { .workers = 1 };
		size_t k;

		earn_get_str(row, "bus", b.bus, sizeof(b.bus));
		earn_get_str(row, "addr", b.addr, sizeof(b.addr));
		earn_get_str(id, "ducoid", b.ducoid, sizeof(b.ducoid));
		earn_get_str(id, "group_id", b.group_id, sizeof(b.group_id));
		if (!b.addr[0])
			continue;
		for (k = 0; k < r->nboards; k++)
			if (!strcmp(r->boards[k].bus, b.bus) && !strcmp(r->boards[k].addr, b.addr))
				break;
		if (k < r->nboards)
			r->boards[k].workers++;
		else
			r->boards[r->nboards++] = b;
	}
out:
	if (rc < 0)
		earn_rig_free(r);
	cJSON_Delete(root);
	return rc;
}

const char *const earn_match_name[] = {
	[EARN_MATCH_NONE] = "unmatched", [EARN_MATCH_DUCOID] = "ducoid",
	[EARN_MATCH_GROUP] = "group", [EARN_MATCH_ONLY] = "rig",
	[EARN_MATCH_AMBIGUOUS] = "ambiguous",
};

/* The API writes an absent id as "None". */
static int earn_id_set(const char *s)
{
	return s[0] && strcmp(s, "None") != 0;
}

int earn_match(const struct earn_rig *r, const struct earn_miner *m, enum earn_match_how *how)
{
	int found = -1, n = 0;

	*how = EARN_MATCH_NONE;
	if (earn_id_set(m->ducoid)) {
		for (size_t i = 0; i < r->nboards; i++)
			if (!strcasecmp(r->boards[i].ducoid, m->ducoid)) {
				*how = EARN_MATCH_DUCOID;
				return (int)i;
			}
		return -1;
	}
	/* The rig field as sent: "None" on both sides when unset. */
	if (strcmp(m->identifier[0] ? m->identifier : "None", r->rig_id[0] ? r->rig_id : "None"))
		return -1;
	if (earn_id_set(m->wd)) {
		for (size_t i = 0; i < r->nboards; i++)
			if (!strcmp(r->boards[i].group_id, m->wd)) {
				*how = EARN_MATCH_GROUP;
				return (int)i;
			}
		return -1;
	}
	if (r->software[0] && strcmp(m->software, r->software))
		return -1;
	for (size_t i = 0; i < r->nboards; i++)
		if (!r->boards[i].group_id[0] && r->boards[i].ducoid[0]) {
			found = (int)i;
			n++;
		}
	if (n == 1) {
		*how = EARN_MATCH_ONLY;
		return found;
	}
	if (n > 1)
		*how = EARN_MATCH_AMBIGUOUS;
	return -1;
}

int earn_parse_miners(long status, const char *ctype, const char *body, const char *user,
		      struct earn_miner **rows, size_t *n, char *err, size_t errlen)
{
	cJSON *root;
	int rc;

	*rows = NULL;
	*n = 0;
	rc = earn_envelope(status, ctype, body, user, &root, err, errlen);
	if (rc < 0)
		return rc;
	rc = earn_miner_list(cJSON_GetObjectItemCaseSensitive(root, "result"), rows, n,
			     err, errlen);
	cJSON_Delete(root);
	return rc;
}

static int earn_avr_cmp(const void *a, const void *b)
{
	const struct earn_avr_user *x = a, *y = b;

	if (x->avr_miners != y->avr_miners)
		return x->avr_miners < y->avr_miners ? 1 : -1;
	return strcmp(x->username, y->username);
}

/* Count one row for its user. */
static int earn_avr_add(struct earn_avr_user **users, size_t *n, size_t *cap,
			const char *name, const struct earn_miner *m)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*users)[i].username, name) == 0)
			break;
	if (i == *n) {
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 64;
			struct earn_avr_user *p = realloc(*users, c * sizeof(*p));

			if (!p)
				return -1;
			*users = p;
			*cap = c;
		}
		memset(&(*users)[i], 0, sizeof(**users));
		snprintf((*users)[i].username, EARN_NAME_LEN, "%s", name);
		(*n)++;
	}
	(*users)[i].miners++;
	if (strstr(m->software, "AVR")) {
		(*users)[i].avr_miners++;
		(*users)[i].avr_hashrate += m->hashrate;
	}
	return 0;
}

int earn_parse_top_avr(long status, const char *ctype, const char *body, unsigned min,
		       struct earn_avr_user **out, size_t *n, char *err, size_t errlen)
{
	cJSON *root;
	const cJSON *res, *list, *o;
	struct earn_avr_user *users = NULL;
	size_t nu = 0, cap = 0, keep = 0, idx = 0;
	struct earn_miner m;
	int rc;

	*out = NULL;
	*n = 0;
	rc = earn_envelope(status, ctype, body, NULL, &root, err, errlen);
	if (rc < 0)
		return rc;
	res = cJSON_GetObjectItemCaseSensitive(root, "result");
	if (!cJSON_IsObject(res) && !cJSON_IsArray(res)) {
		rc = earn_field_err(err, errlen, "an object or a list", "result");
		goto out;
	}
	/* {user: [rows]} or [rows with "username"] */
	cJSON_ArrayForEach(list, res) {
		const cJSON *rows = cJSON_IsArray(res) ? NULL : list;

		if (rows && !cJSON_IsArray(rows)) {
			rc = earn_field_err(err, errlen, "a list", "result.<user>");
			goto out;
		}
		if (!rows) {
			if (earn_miner_row(list, &m, idx++, err, errlen) < 0) {
				rc = -EARN_E_FIELD;
				goto out;
			}
			if (!m.username[0]) {
				rc = earn_field_err(err, errlen, "a string", "miners[].username");
				goto out;
			}
			if (earn_avr_add(&users, &nu, &cap, m.username, &m) < 0)
				goto oom;
			continue;
		}
		cJSON_ArrayForEach(o, rows) {
			if (earn_miner_row(o, &m, idx++, err, errlen) < 0) {
				rc = -EARN_E_FIELD;
				goto out;
			}
			if (earn_avr_add(&users, &nu, &cap, list->string, &m) < 0)
				goto oom;
		}
	}
	for (size_t i = 0; i < nu; i++)
		if (users[i].avr_miners >= min)
			users[keep++] = users[i];
	if (keep)
		qsort(users, keep, sizeof(*users), earn_avr_cmp);
	*out = users;
	*n = keep;
	users = NULL;
	rc = 0;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
	rc = -EARN_E_FIELD;
out:
	free(users);
	cJSON_Delete(root);
	return rc;
}

int earn_parse_key(long status, const char *ctype, const char *body, enum earn_key *k,
		   char *err, size_t errlen)
{
	cJSON *root;
	const cJSON *ok, *has;
	const char *end = NULL;
	char q[64];
	int rc = 0;

	if (!body)
		body = "";
	if (earn_looks_html(ctype, body)) {
		earn_html_title(body, q, sizeof(q));
		snprintf(err, errlen, "an HTML page instead of JSON (HTTP %ld, '%s')", status, q);
		return -EARN_E_HTML;
	}
	if (status < 200 || status > 299) {
		snprintf(err, errlen, "HTTP %ld%s", status, status == 429 ?
			 " (too many requests)" : "");
		return -EARN_E_HTTP;
	}
	/* Its own flat shape: success false is an answer here, not a failure. */
	root = cJSON_ParseWithOpts(body, &end, 1);
	if (!root) {
		earn_quote(body, 40, q, sizeof(q));
		snprintf(err, errlen, "not JSON: '%s'", q);
		return -EARN_E_NOT_JSON;
	}
	ok = cJSON_GetObjectItemCaseSensitive(root, "success");
	has = cJSON_GetObjectItemCaseSensitive(root, "has_key");
	if (!cJSON_IsBool(ok))
		rc = earn_field_err(err, errlen, "true/false", "success");
	else if (!cJSON_IsBool(has)) {
		const cJSON *msg = cJSON_GetObjectItemCaseSensitive(root, "message");

		if (cJSON_IsFalse(ok) && cJSON_IsString(msg)) {
			earn_quote(msg->valuestring, 80, q, sizeof(q));
			snprintf(err, errlen, "the server says: %s", q);
			rc = strcasestr(msg->valuestring, "not found") ? -EARN_E_UNKNOWN_USER :
			     -EARN_E_FAILED;
		} else {
			rc = earn_field_err(err, errlen, "true/false", "has_key");
		}
	} else if (cJSON_IsTrue(ok))
		*k = cJSON_IsTrue(has) ? EARN_KEY_MATCH : EARN_KEY_NONE;
	else if (cJSON_IsTrue(has))
		*k = EARN_KEY_WRONG;
	else
		rc = earn_field_err(err, errlen, "true with success false", "has_key");
	cJSON_Delete(root);
	return rc;
}

/* --- DUCO per day ----------------------------------------------------------- */
void earn_window_init(struct earn_window *w)
{
	memset(w, 0, sizeof(*w));
}

void earn_window_add(struct earn_window *w, double t, double balance)
{
	if (!w->count) {
		w->t0 = t;
		w->bal0 = balance;
		w->last_bal = balance;
		w->last_change_t = w->prev_change_t = t;
	}
	w->prev_bal = w->count ? w->last_bal : balance;
	if (w->count && balance != w->last_bal) {
		w->prev_change_t = w->last_change_t;
		w->last_change_t = t;
		w->changes++;
	}
	w->t[w->head] = t;
	w->bal[w->head] = balance;
	w->head = (w->head + 1) % EARN_WINDOW_SAMPLES;
	if (w->count < EARN_WINDOW_SAMPLES)
		w->count++;
	w->last_t = t;
	w->last_bal = balance;
}

/* The slot of the newest sample at least span_s older than the newest; else
 * the oldest kept. */
static unsigned earn_window_base(const struct earn_window *w, double span_s)
{
	unsigned i, base = 0;

	for (i = 0; i < w->count; i++) {
		unsigned k = (w->head + EARN_WINDOW_SAMPLES - 1 - i) % EARN_WINDOW_SAMPLES;

		base = k;
		if (w->last_t - w->t[k] >= span_s - 1e-9)
			break;
	}
	return base;
}

double earn_window_per_day(const struct earn_window *w, double span_s, double *covered_s)
{
	unsigned base;
	double dt;

	*covered_s = 0;
	if (w->count < 2)
		return 0.0;
	base = earn_window_base(w, span_s);
	dt = w->last_t - w->t[base];
	*covered_s = dt;
	return dt > 0 ? (w->last_bal - w->bal[base]) / dt * 86400.0 : 0.0;
}

void earn_window_figures(const struct earn_window *w, struct earn_figures *f)
{
	unsigned base;

	memset(f, 0, sizeof(*f));
	if (!w->count)
		return;
	f->balance = w->last_bal;
	f->total = w->last_bal - w->bal0;
	f->interval = w->last_bal - w->prev_bal;
	f->elapsed_s = w->last_t - w->t0;
	base = earn_window_base(w, EARN_MINUTE_S);
	f->minute = w->last_bal - w->bal[base];
	f->minute_s = w->last_t - w->t[base];
	f->duco_per_day = f->minute * 1440.0;
	f->avg_duco_per_day = f->elapsed_s > 0 ? f->total / f->elapsed_s * 86400.0 : 0.0;
	f->changed = w->count > 1 && w->last_change_t == w->last_t && w->changes;
	f->since_change_s = f->changed ? w->last_change_t - w->prev_change_t : 0.0;
}

/* --- the local estimate ----------------------------------------------------- */
double earn_kolka_efficiency(unsigned ki)
{
	return ki > 1 ? pow(0.96, (double)ki - 1.0) : 1.0;
}

double earn_share_weight(double hashrate, unsigned ki, uint64_t share_no)
{
	if (share_no <= EARN_KOLKA_FREE_SHARES || !(hashrate > 1.0) || !isfinite(hashrate))
		return 0.0;
	return 2.0 * log(hashrate) * earn_kolka_efficiency(ki);
}

double earn_share_reward(double hashrate, unsigned ki, uint64_t share_no, double div)
{
	return div > 0 ? earn_share_weight(hashrate, ki, share_no) / div : 0.0;
}

void earn_estimate_init(struct earn_estimate *e, double div)
{
	memset(e, 0, sizeof(*e));
	e->div = div > 0 && isfinite(div) ? div : EARN_REWARD_DIV_DEFAULT;
}

void earn_estimate_share(struct earn_estimate *e, double hashrate, unsigned ki,
			 uint64_t share_no)
{
	double w = earn_share_weight(hashrate, ki, share_no);

	e->shares++;
	e->paid += w > 0;
	e->weight += w;
	e->duco = e->weight / e->div;
}

int earn_estimate_calibrate(struct earn_estimate *e, double weight, double gained)
{
	double div;

	if (!(weight > 0) || !(gained > 0))
		return 0;
	div = weight / gained;
	if (!isfinite(div) || div <= 0)
		return 0;
	e->div = div;
	e->calibrated = 1;
	e->duco = e->weight / e->div;
	return 1;
}

double earn_estimate_per_day(const struct earn_estimate *e, double elapsed_s)
{
	return elapsed_s > 0 ? e->duco / elapsed_s * 86400.0 : 0.0;
}

/* --- the web wallet --------------------------------------------------------- */
enum earn_class earn_wallet_class(const char *software, uint32_t diff)
{
	if (strstr(software, "I2C"))
		return EARN_CLASS_AVR_I2C;
	if (strstr(software, "AVR"))
		return diff == 333 ? EARN_CLASS_AVR_PICO : EARN_CLASS_AVR_NORMAL;
	return EARN_CLASS_OTHER;
}

void earn_wallet_warning(const struct earn_miner *m, char *out, size_t len)
{
	enum earn_class c = earn_wallet_class(m->software, m->diff);
	int bad_rate = (c == EARN_CLASS_AVR_I2C && !(m->hashrate > 225 && m->hashrate < 270)) ||
		       (c == EARN_CLASS_AVR_NORMAL && !(m->hashrate > 280 && m->hashrate < 380));
	int low_kolka = earn_kolka_efficiency(m->ki) < 0.40;

	snprintf(out, len, "%s%s%s", bad_rate ? "Incorrect hashrate" : "",
		 bad_rate && low_kolka ? "; " : "",
		 low_kolka ? "Too many miners - low Kolka efficiency" : "");
}
