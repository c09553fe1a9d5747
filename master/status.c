/*
 * status.c - the live snapshot (see status.h) and its JSON for /api/status.
 * Assumes Linux /proc for the process figures (current RSS, open fds); where
 * it cannot be read they stay 0.
 */
#include <cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "duco_proto.h"
#include "jsonout.h"
#include "report.h"
#include "status.h"

const char *status_mark_name(enum status_mark m)
{
	switch (m) {
	case STATUS_OK:      return "ok";
	case STATUS_SLOW:    return "slow";
	case STATUS_FAULTY:  return "faulty";
	case STATUS_OFFLINE: return "offline";
	}
	return "?";
}

const char *status_board_name(uint8_t id)
{
	switch (id) {
#define STATUS_BOARD_CASE(sym, num, name) case DUCO_BOARD_##sym: return name;
	DUCO_BOARD_LIST(STATUS_BOARD_CASE)
#undef STATUS_BOARD_CASE
	case DUCO_BOARD_HOSTMODEL: return "host-model";
	default:                   return "unknown";
	}
}

void status_reset_names(uint8_t cause, char *out, size_t cap)
{
	static const struct { uint8_t bit; const char *name; } bits[] = {
		{ DUCO_RESET_POWERON, "power-on" }, { DUCO_RESET_EXTERNAL, "external" },
		{ DUCO_RESET_BROWNOUT, "brown-out" }, { DUCO_RESET_WATCHDOG, "watchdog" },
		{ DUCO_RESET_SOFT, "soft" },
	};
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if ((cause & bits[i].bit) && len < cap)
			len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? "," : "",
						bits[i].name);
	if (!out[0])
		snprintf(out, cap, "none");
}

static double status_per_1k(uint32_t n, uint32_t of)
{
	return of ? 1000.0 * n / of : 0.0;
}

/* Current RSS and open fds from /proc (the rusage figure is the peak). */
static void status_process(long *rss_kb, int *fds)
{
	long pages = 0, size = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	DIR *d;
	struct dirent *e;

	*rss_kb = 0;
	*fds = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &size, &pages) == 2)
			*rss_kb = pages * (sysconf(_SC_PAGESIZE) / 1024);
		fclose(f);
	}
	d = opendir("/proc/self/fd");
	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			(*fds)++;
	closedir(d);
	(*fds)--;       /* the directory's own */
}

/* The last health answer in physical units, with the board's calibration. */
static void status_health_take(struct status_board *b, const struct board *bd, int64_t now)
{
	const struct duco_health *h = &bd->hl;

	b->vcc_v = b->temp_c = b->board_uptime_s = b->health_age_s = b->bus_resets = NAN;
	b->health = bd->health == BOARD_HEALTH_OK ? "ok" :
		    bd->health == BOARD_HEALTH_NA ? "n/a" : "pending";
	b->health_reads = bd->health_reads;
	b->health_failures = bd->health_failures;
	if (bd->health != BOARD_HEALTH_OK)
		return;
	if (h->sensors & DUCO_HEALTH_VCC)
		b->vcc_v = duco_health_vcc_mv(h->vbg_adc, bd->bandgap_mv) / 1000;
	if (h->sensors & DUCO_HEALTH_TEMP)
		b->temp_c = duco_health_temp_c(h->temp_adc, bd->bandgap_mv, bd->temp_offset_c,
					       bd->temp_gain);
	if (!(b->vcc_v > 0))
		b->vcc_v = NAN;         /* a count of 0 is no reading */
	b->board_uptime_s = h->uptime_s;
	b->health_age_s = (now - bd->health_at_us) / 1e6;
	b->bus_resets = h->bus_resets;
}

static void status_board_take(struct status_board *b, const struct miner *s, int64_t now)
{
	const struct report_stats *rep = &s->st.rep;
	uint32_t shares = rep->good + rep->block, jobs = rep->jobs;
	double mean_job_s = jobs ? rep->overall_ms / jobs / 1000.0 : 0;
	double slow_s = STATUS_SLOW_FACTOR * mean_job_s;

	memset(b, 0, sizeof(*b));
	b->m = s;
	snprintf(b->name, sizeof(b->name), "%s", s->name);
	snprintf(b->bus_spec, sizeof(b->bus_spec), "%s", s->b->io.bus ? s->b->io.bus->spec : "?");
	report_display_name(b->bus, sizeof(b->bus), b->bus_spec);
	b->addr = s->b->io.addr;
	b->board = status_board_name(s->b->ident.board_id);
	b->state = miner_state_letter(s->state);
	b->dsub = s->state == MINER_D ? miner_dsub_name(s->dsub) : NULL;
	b->online = s->b->io_ready;
	b->since_share_s = s->last_share_us ? (now - s->last_share_us) / 1e6 : -1;
	b->diff = s->last.diff;
	b->good = rep->good;
	b->bad = rep->bad;
	b->block = rep->block;
	b->reject_pct = jobs ? 100.0 * rep->bad / jobs : 0;
	b->hashrate = s->last.hashrate;
	b->r_slave = s->last.r_slave;
	b->last_overall_ms = s->last.overall_ms;
	b->last_hash_ms = s->last.slave_elapsed_ms;
	b->last_hold_ms = s->last.hold_ms;
	b->last_polls = s->last.busy_polls;
	b->duty = report_duty(rep);
	b->xfers = s->b->io.st.xfers;
	b->crc_retries = s->b->io.st.crc_retries;
	b->nack_retries = s->b->io.st.nack_retries;
	b->io_failures = s->b->io.st.failures;
	b->polls = s->b->io.st.polls;
	status_health_take(b, s->b, now);
	b->crc_per_1k = status_per_1k(b->crc_retries, b->xfers);
	b->retry_per_1k = status_per_1k(b->crc_retries + b->nack_retries, b->xfers);
	if (slow_s < STATUS_SLOW_MIN_S)
		slow_s = STATUS_SLOW_MIN_S;
	if (!b->online)
		b->mark = STATUS_OFFLINE;
	else if ((s->last_fault_us && now - s->last_fault_us < STATUS_FAULT_WINDOW_S * 1000000LL) ||
		 (jobs >= STATUS_MIN_JOBS && b->reject_pct >= STATUS_FAULTY_REJECT_PCT) ||
		 b->retry_per_1k > STATUS_FAULTY_RETRY_PER_1K)
		b->mark = STATUS_FAULTY;
	else if (shares && b->since_share_s > slow_s)
		b->mark = STATUS_SLOW;
	else
		b->mark = STATUS_OK;
}

void status_take(struct status_snap *st, struct miner *const *slaves, int n, double wall_s,
		 int64_t now_us, const char *pool)
{
	const struct report_stats *r;

	memset(st, 0, sizeof(*st));
	if (n > CONFIG_MAX_SLAVES)
		n = CONFIG_MAX_SLAVES;
	st->uptime_s = wall_s;
	st->pool = pool ? pool : "";
	st->n = n;
	summary_totals(&st->tot, slaves, n, wall_s);
	r = &st->tot.sum.rep;
	st->n = 0;
	for (int i = 0; i < n; i++) {
		struct status_board *b = &st->b[st->n];

		/* a worker the board's thread count leaves unused shows nothing */
		if (slaves[i]->index && !miner_active(slaves[i]))
			continue;
		status_board_take(b, slaves[i], now_us);
		snprintf(b->worker, sizeof(b->worker), "%d", slaves[i]->index);
		st->n++;
		if (b->online) {
			if (!slaves[i]->index)
				st->online++;
			st->hashrate += b->hashrate;
		}
	}
	st->boards = 0;
	for (int i = 0; i < n; i++)
		st->boards += !slaves[i]->index;
	st->shares_per_hour = wall_s > 0 ? 3600.0 * (r->good + r->block) / wall_s : 0;
	st->reject_pct = r->jobs ? 100.0 * r->bad / r->jobs : 0;
	st->cpu_s = st->tot.cpu_s;
	st->peak_rss_kb = st->tot.rss_kb;
	status_process(&st->rss_kb, &st->fds);
}

static cJSON *status_board_json(const struct status_board *b)
{
	const struct miner *s = b->m;
	cJSON *o = cJSON_CreateObject(), *id, *io, *ev, *hl;
	char addr[8], state[2] = { b->state, 0 }, reset[64];

	if (!o)
		return NULL;
	snprintf(addr, sizeof(addr), "0x%02x", b->addr);
	cJSON_AddStringToObject(o, "name", b->name);
	cJSON_AddStringToObject(o, "bus", b->bus);
	cJSON_AddStringToObject(o, "addr", addr);
	cJSON_AddStringToObject(o, "board", b->board);
	cJSON_AddStringToObject(o, "worker", b->worker);
	cJSON_AddStringToObject(o, "state", state);
	cJSON_AddStringToObject(o, "state_name", miner_state_name(s->state));
	if (b->dsub)
		cJSON_AddStringToObject(o, "step", b->dsub);
	cJSON_AddBoolToObject(o, "online", b->online);
	cJSON_AddStringToObject(o, "mark", status_mark_name(b->mark));
	if (b->since_share_s >= 0)
		jsonout_num(o, "since_share_s", b->since_share_s, 1);
	else
		cJSON_AddNullToObject(o, "since_share_s");
	jsonout_num(o, "diff", b->diff, JSONOUT_EXACT);
	jsonout_num(o, "good", b->good, JSONOUT_EXACT);
	jsonout_num(o, "bad", b->bad, JSONOUT_EXACT);
	jsonout_num(o, "block", b->block, JSONOUT_EXACT);
	jsonout_num(o, "reject_pct", b->reject_pct, 2);
	jsonout_num(o, "hashrate", b->hashrate, 2);
	jsonout_num(o, "r_slave", b->r_slave, 2);
	jsonout_num(o, "job_ms", b->last_overall_ms, 1);
	jsonout_num(o, "hash_ms", b->last_hash_ms, 1);
	jsonout_num(o, "hold_ms", b->last_hold_ms, 1);
	jsonout_num(o, "job_polls", b->last_polls, JSONOUT_EXACT);
	jsonout_num(o, "duty_cycle", b->duty, 4);
	io = cJSON_AddObjectToObject(o, "bus_io");
	if (io) {
		jsonout_num(io, "transfers", b->xfers, JSONOUT_EXACT);
		jsonout_num(io, "polls", b->polls, JSONOUT_EXACT);
		jsonout_num(io, "crc_retries", b->crc_retries, JSONOUT_EXACT);
		jsonout_num(io, "nack_retries", b->nack_retries, JSONOUT_EXACT);
		jsonout_num(io, "failures", b->io_failures, JSONOUT_EXACT);
		jsonout_num(io, "crc_per_1k", b->crc_per_1k, 3);
		jsonout_num(io, "retry_per_1k", b->retry_per_1k, 3);
	}
	ev = cJSON_AddObjectToObject(o, "events");
	if (ev) {
		jsonout_num(ev, "slave_faults", s->st.slave_faults, JSONOUT_EXACT);
		jsonout_num(ev, "bus_errors", s->st.bus_errors, JSONOUT_EXACT);
		jsonout_num(ev, "wrong_nonces", s->st.wrong_nonces, JSONOUT_EXACT);
		jsonout_num(ev, "requests", s->st.requests, JSONOUT_EXACT);
		jsonout_num(ev, "connects", s->st.connects, JSONOUT_EXACT);
		jsonout_num(ev, "disconnects", s->st.disconnects, JSONOUT_EXACT);
		jsonout_num(ev, "timeouts", s->st.timeouts, JSONOUT_EXACT);
		jsonout_num(ev, "tier_moves", s->st.tier_moves, JSONOUT_EXACT);
	}
	/* The identity last read (0s before the first). */
	id = cJSON_AddObjectToObject(o, "identity");
	if (id) {
		char fw[16];

		snprintf(fw, sizeof(fw), "%u.%u", s->b->ident.fw_version >> 8, s->b->ident.fw_version & 0xff);
		cJSON_AddStringToObject(id, "ducoid", s->b->ducoid);
		/* The results' 6th field ("" none). */
		cJSON_AddStringToObject(id, "group_id", board_group_sent(s->b) ? board_group_sent(s->b) : "");
		cJSON_AddStringToObject(id, "fw_version", fw);
		jsonout_num(id, "f_cpu", s->b->ident.f_cpu, JSONOUT_EXACT);
		status_reset_names(s->b->ident.reset_cause, reset, sizeof(reset));
		cJSON_AddStringToObject(id, "reset_cause", reset);
		jsonout_num(id, "crc_errors", s->b->ident.crc_errors, JSONOUT_EXACT);
		jsonout_num(id, "frame_errors", s->b->ident.frame_errors, JSONOUT_EXACT);
		jsonout_num(id, "overruns", s->b->ident.overruns, JSONOUT_EXACT);
	}
	/* Health: null for a reading the board does not have (or not yet). */
	hl = cJSON_AddObjectToObject(o, "health");
	if (hl) {
		cJSON_AddStringToObject(hl, "status", b->health);
		jsonout_num(hl, "supply_volts", b->vcc_v, 3);
		jsonout_num(hl, "temperature_celsius", b->temp_c, 1);
		jsonout_num(hl, "uptime_s", b->board_uptime_s, JSONOUT_EXACT);
		jsonout_num(hl, "age_s", b->health_age_s, 1);
		jsonout_num(hl, "bus_resets", b->bus_resets, JSONOUT_EXACT);
	}
	return o;
}

cJSON *status_json(const struct status_snap *st)
{
	const struct report_stats *r = &st->tot.sum.rep;
	cJSON *o = cJSON_CreateObject(), *rig, *boards, *sum;

	if (!o)
		return NULL;
	rig = cJSON_AddObjectToObject(o, "rig");
	if (rig) {
		jsonout_num(rig, "uptime_s", st->uptime_s, 1);
		cJSON_AddStringToObject(rig, "pool", st->pool);
		/* What the pool lists each miner under: a watcher of the REST API
		 * finds this rig's rows by them (with each board's group_id). */
		if (st->rig_id)
			cJSON_AddStringToObject(rig, "rig_id", st->rig_id);
		if (st->software)
			cJSON_AddStringToObject(rig, "software", st->software);
		jsonout_num(rig, "boards", st->boards, JSONOUT_EXACT);
		jsonout_num(rig, "workers", st->n, JSONOUT_EXACT);
		jsonout_num(rig, "online", st->online, JSONOUT_EXACT);
		jsonout_num(rig, "hashrate", st->hashrate, 2);
		jsonout_num(rig, "cpu_s", st->cpu_s, 3);
		jsonout_num(rig, "rss_kb", (double)st->rss_kb, JSONOUT_EXACT);
		jsonout_num(rig, "fds", st->fds, JSONOUT_EXACT);
	}
	sum = cJSON_AddObjectToObject(o, "summary");
	if (sum) {
		jsonout_num(sum, "jobs", r->jobs, JSONOUT_EXACT);
		jsonout_num(sum, "good", r->good, JSONOUT_EXACT);
		jsonout_num(sum, "bad", r->bad, JSONOUT_EXACT);
		jsonout_num(sum, "block", r->block, JSONOUT_EXACT);
		jsonout_num(sum, "reject_pct", st->reject_pct, 2);
		jsonout_num(sum, "shares_per_hour", st->shares_per_hour, 1);
		jsonout_num(sum, "duty_cycle", report_duty(r), 4);
		jsonout_num(sum, "requests", st->tot.sum.requests, JSONOUT_EXACT);
		jsonout_num(sum, "slave_faults", st->tot.sum.slave_faults, JSONOUT_EXACT);
		jsonout_num(sum, "tier_moves", st->tot.sum.tier_moves, JSONOUT_EXACT);
		for (int p = 0; p < REPORT_NPARTS; p++) {
			static const char *const keys[REPORT_NPARTS] = {
				"req_wait_ms", "transfer_ms", "hash_ms", "detect_ms", "hold_ms",
				"snd_wait_ms", "processing_ms",
			};
			jsonout_num(sum, keys[p], report_mean(r->part_ms[p], r->jobs), 2);
		}
	}
	boards = cJSON_AddArrayToObject(o, "boards");
	for (int i = 0; boards && i < st->n; i++)
		cJSON_AddItemToArray(boards, status_board_json(&st->b[i]));
	if (!rig || !sum || !boards) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}
