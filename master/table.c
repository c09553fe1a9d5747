/*
 * table.c - the live status table (see table.h). Every column has a fixed
 * width and every value is clipped to it, so no figure can push a row past
 * 80 columns; the header and the legend are written to the same widths.
 */
#include <stdio.h>
#include <string.h>
#include "table.h"

static void table_age(char *out, size_t cap, double s)
{
	if (s < 0)
		snprintf(out, cap, "-");
	else if (s < 100)
		snprintf(out, cap, "%.0fs", s);
	else if (s < 6000)
		snprintf(out, cap, "%.0fm", s / 60);
	else
		snprintf(out, cap, "%.0fh", s / 3600);
}

static const char *table_mark(enum status_mark m)
{
	/* The two that need the user: upper case, seen at a glance. */
	switch (m) {
	case STATUS_OK:      return "ok";
	case STATUS_SLOW:    return "slow";
	case STATUS_FAULTY:  return "FAULTY";
	case STATUS_OFFLINE: return "OFFLINE";
	}
	return "?";
}

/* A count in at most width (>= 2) characters: 12345, then 123k, 12M, 4G. */
static void table_count(char *out, size_t cap, unsigned long n, int width)
{
	static const char units[] = "kMG";
	unsigned long div = 1000;

	snprintf(out, cap, "%lu", n);
	for (int u = 0; units[u] && (int)strlen(out) > width; u++, div *= 1000)
		snprintf(out, cap, "%lu%c", n / div, units[u]);
}

/* The header and the rows share these widths. */
#define TABLE_HEAD "%-2s %-4s %-12s %-7s %5s %5s %4s %4s %7s %7s %5s %5s"

void table_row(char *buf, size_t cap, const struct status_board *b)
{
	char age[8], good[12], bad[12];
	int n;

	table_age(age, sizeof(age), b->since_share_s);
	table_count(good, sizeof(good), (unsigned long)(b->good + b->block), 5);
	table_count(bad, sizeof(bad), (unsigned long)b->bad, 4);
	n = snprintf(buf, cap, "%c  0x%02x %-12.12s %-7.7s %5.5s %5.5s %4.4s %4.1f", b->state, b->addr,
		     b->bus, table_mark(b->mark), age, good, bad,
		     b->reject_pct > 99.9 ? 99.9 : b->reject_pct);
	if (n < 0 || (size_t)n >= cap)
		return;
	if (b->dsub)
		snprintf(buf + n, cap - (size_t)n, "  D/%.20s", b->dsub);
	else
		snprintf(buf + n, cap - (size_t)n, " %7.1f %7.1f %5.1f %5.1f",
			 b->hashrate > 99999 ? 99999.0 : b->hashrate,
			 b->r_slave > 99999 ? 99999.0 : b->r_slave,
			 b->crc_per_1k > 999 ? 999.0 : b->crc_per_1k,
			 b->retry_per_1k > 999 ? 999.0 : b->retry_per_1k);
	if (strlen(buf) > TABLE_WIDTH)
		buf[TABLE_WIDTH] = '\0';
}

/* One board's health in TABLE_HEALTH_W columns: Vcc, die temperature,
 * the board's uptime, its reset cause; or why there is none. */
#define TABLE_HEALTH_W 39
void table_health(char *buf, size_t cap, const struct status_board *b)
{
	char vcc[12] = "-", temp[12] = "-", up[8], reset[64];
	const char *state = b->health ? b->health : "pending";

	if (strcmp(state, "ok")) {
		snprintf(buf, cap, "0x%02x health %s", b->addr,
			 strcmp(state, "n/a") ? "pending" : "n/a (firmware)");
		return;
	}
	if (b->vcc_v == b->vcc_v)
		snprintf(vcc, sizeof(vcc), "%.2fV", b->vcc_v > 9.99 ? 9.99 : b->vcc_v);
	if (b->temp_c == b->temp_c)
		snprintf(temp, sizeof(temp), "%.1fC",
			 b->temp_c > 999 ? 999.0 : b->temp_c < -99 ? -99.0 : b->temp_c);
	table_age(up, sizeof(up), b->board_uptime_s > 3.6e7 ? 3.6e7 : b->board_uptime_s);
	status_reset_names(b->m->b->ident.reset_cause, reset, sizeof(reset));
	snprintf(buf, cap, "0x%02x %5.5s %6.6s up %5.5s %-12.12s", b->addr, vcc, temp, up, reset);
	if (strlen(buf) > TABLE_HEALTH_W)
		buf[TABLE_HEALTH_W] = '\0';
}

/* Two boards' health per line, each board once (its first worker's row). */
static void table_health_lines(FILE *f, const struct status_snap *st)
{
	char one[TABLE_WIDTH], line[TABLE_WIDTH + 1] = "";
	int k = 0;

	for (int i = 0; i < st->n; i++) {
		if (st->b[i].m->index != 0)
			continue;
		table_health(one, sizeof(one), &st->b[i]);
		if (k++ % 2 == 0) {
			snprintf(line, sizeof(line), "%-*s", TABLE_HEALTH_W, one);
		} else {
			size_t l = strlen(line);

			snprintf(line + l, sizeof(line) - l, " %s", one);
			fprintf(f, "%.*s\n", TABLE_WIDTH, line);
			line[0] = '\0';
		}
	}
	if (line[0])
		fprintf(f, "%.*s\n", TABLE_WIDTH, line);
}

/* The rig's own line under the header (its earnings, summary_set_extra),
 * clipped like every other line. */
static void table_extra(FILE *f)
{
	const struct summary_extra *x = summary_get_extra();
	char buf[4 * TABLE_WIDTH] = "";
	FILE *m;

	if (!x->table_line || !(m = fmemopen(buf, sizeof(buf) - 1, "w")))
		return;
	x->table_line(m, x->arg);
	fclose(m);
	for (char *save = NULL, *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		fprintf(f, "%.*s\n", TABLE_WIDTH, l);
}

void table_draw(FILE *f, const struct status_snap *st)
{
	const struct report_stats *r = &st->tot.sum.rep;
	char line[TABLE_WIDTH + 64];

	/* Home + clear: the table is redrawn whole, never scrolls. */
	fprintf(f, "\033[H\033[2J");
	snprintf(line, sizeof(line),
		 "ducomaster %.0fs pool %.22s boards %d/%d online shares %lu bad %lu %.0f/h",
		 st->uptime_s, st->pool[0] ? st->pool : "(discovering)", st->online, st->boards,
		 (unsigned long)(r->good + r->block), (unsigned long)r->bad, st->shares_per_hour);
	line[TABLE_WIDTH] = '\0';
	fprintf(f, "%s\n", line);
	table_extra(f);
	fprintf(f, "\n");
	fprintf(f, TABLE_HEAD "\n", "St", "Addr", "Bus", "Mark", "Last", "Good", "Bad", "Rej%",
		"H/s rep", "H/s AVR", "CRC/k", "Rty/k");
	for (int i = 0; i < st->n; i++) {
		table_row(line, sizeof(line), &st->b[i]);
		fprintf(f, "%s\n", line);
	}
	fprintf(f, "\n");
	table_health_lines(f, st);
	fprintf(f, "\nD down C connected R asked J job K hashing W held E sent F bad G good\n"
		   "Last: since the last share  Rej%%: of verdicts  CRC/k, Rty/k: per 1000 transfers\n"
		   "Health: Vcc, die temperature, the board's uptime, its reset cause\n");
	fflush(f);
}
