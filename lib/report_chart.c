/*
 * report_chart.c - the report's charts: where each board's job time goes,
 * the multi-board overview, one chart of trends per board (hashrate, share
 * time, job phases over time) and the earnings curve. Each chart is drawn
 * once, through struct report_canvas (rectangles, polylines, text); this
 * file's canvas writes SVG 1.1, ducoreport's other one (cairo) writes PNG,
 * so both pictures are the same. Sized for a phone: one column, 720 units
 * wide, text of 20-30 units, so a picture scaled to a 400-pixel screen
 * still reads. Assumes report_run_finish() ran (samples sorted by time).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report.h"

#define CH_W          720.0
#define CH_MARGIN_L   96.0
#define CH_MARGIN_R   24.0
#define CH_TITLE      30.0      /* font sizes */
#define CH_LABEL      22.0
#define CH_TICK       20.0
#define CH_PANEL_H    300.0
#define CH_PANEL_GAP  120.0
#define CH_LEGEND_ROW 34.0
#define CH_MAX_POINTS 120       /* buckets across a trend */

static const char *const ch_board_colour[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
	"#17becf", "#7f7f7f", "#bcbd22",
};
#define CH_NCOLOURS (sizeof(ch_board_colour) / sizeof(ch_board_colour[0]))

/* The phases of a job, as the "where the time goes" chart shows them. */
static const char *const ch_part_name[REPORT_NPARTS] = {
	"wait for job", "transfer", "hashing", "detection", "rate-limit hold",
	"wait for verdict", "processing",
};
static const char *const ch_part_colour[REPORT_NPARTS] = {
	"#d9534f", "#f0ad4e", "#5cb85c", "#a5d6a7", "#5bc0de", "#9b59b6", "#999999",
};

const char *report_chart_name(enum report_chart c)
{
	static const char *const names[REPORT_NCHARTS] = {
		"phases", "overview", "board", "earnings",
	};

	return c < REPORT_NCHARTS ? names[c] : "?";
}

/* ---- the SVG canvas --------------------------------------------------- */

static void svg_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default:
			/* XML 1.0 has no place for control characters, and a name
			 * from a hostile log need not be UTF-8: plain ASCII only */
			fputc((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f ? *s : '?', f);
		}
	}
}

static void svg_rect(void *ctx, double x, double y, double w, double h, const char *fill,
		     const char *title)
{
	FILE *f = ctx;

	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"", x, y,
		w, h, fill);
	if (title) {
		fputs("><title>", f);
		svg_esc(f, title);
		fputs("</title></rect>\n", f);
	} else {
		fputs("/>\n", f);
	}
}

static void svg_line(void *ctx, const double *xy, int n, const char *stroke, double width)
{
	FILE *f = ctx;

	if (n < 2)
		return;
	fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" "
		"stroke-linejoin=\"round\" points=\"", stroke, width);
	for (int i = 0; i < n; i++)
		fprintf(f, "%s%.1f,%.1f", i ? " " : "", xy[2 * i], xy[2 * i + 1]);
	fputs("\"/>\n", f);
}

static void svg_text(void *ctx, double x, double y, double size, int anchor, int bold,
		     const char *fill, const char *s)
{
	FILE *f = ctx;

	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\"%s%s fill=\"%s\">", x, y, size,
		anchor < 0 ? "" : anchor ? " text-anchor=\"end\"" : " text-anchor=\"middle\"",
		bold ? " font-weight=\"bold\"" : "", fill);
	svg_esc(f, s);
	fputs("</text>\n", f);
}

/* ---- axes and panels ---------------------------------------------------- */

/* A step of 1, 2 or 5 times a power of ten giving about n ticks up to max. */
static double ch_step(double max, int n)
{
	double raw = max / n, p = pow(10, floor(log10(raw))), m = raw / p;

	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static void ch_fmt(char *out, size_t cap, double v)
{
	if (fabs(v) >= 10000)
		snprintf(out, cap, "%.0fk", v / 1000);
	else if (fabs(v) >= 100 || v == floor(v))
		snprintf(out, cap, "%.0f", v);
	else
		snprintf(out, cap, "%.2g", v);
}

struct ch_panel {
	double x, y, w, h;      /* plot area */
	double xmax, ymax;      /* data range (from 0) */
};

/* Frame, grid, ticks and labels; xunit scales the time axis (s -> min or h). */
static void ch_panel_draw(const struct report_canvas *cv, struct ch_panel *p, const char *title,
			  const char *ylabel, const char *xlabel, double xunit)
{
	double ys = ch_step(p->ymax, 4), xs = ch_step(p->xmax / xunit, 5);
	char t[32];

	p->ymax = ceil(p->ymax / ys) * ys;
	cv->text(cv->ctx, CH_MARGIN_L - 80, p->y - 44, CH_LABEL + 2, -1, 1, "#222", title);
	cv->text(cv->ctx, CH_MARGIN_L - 80, p->y - 14, CH_TICK, -1, 0, "#555", ylabel);
	cv->rect(cv->ctx, p->x, p->y, p->w, p->h, "#f7f7f7", NULL);
	for (double v = 0; v <= p->ymax + ys / 2; v += ys) {
		double y = p->y + p->h - v / p->ymax * p->h, xy[4] = { p->x, y, p->x + p->w, y };

		cv->line(cv->ctx, xy, 2, "#dddddd", 1.5);
		ch_fmt(t, sizeof(t), v);
		cv->text(cv->ctx, p->x - 8, y + 7, CH_TICK, 1, 0, "#444", t);
	}
	for (double v = 0; v * xunit <= p->xmax * 1.0001; v += xs) {
		double x = p->x + v * xunit / p->xmax * p->w, xy[4] = { x, p->y + p->h, x, p->y + p->h + 8 };

		cv->line(cv->ctx, xy, 2, "#444", 1.5);
		ch_fmt(t, sizeof(t), v);
		cv->text(cv->ctx, x, p->y + p->h + 30, CH_TICK, 0, 0, "#444", t);
	}
	cv->text(cv->ctx, p->x + p->w, p->y + p->h + 56, CH_TICK, 1, 0, "#555", xlabel);
}

/* A polyline of (t, v) with v nan as a break. */
static void ch_series(const struct report_canvas *cv, const struct ch_panel *p, const double *t,
		      const double *v, int n, const char *colour)
{
	double *xy = malloc((size_t)(n > 0 ? n : 1) * 2 * sizeof(*xy));
	int m = 0;

	if (!xy)
		return;
	for (int i = 0; i <= n; i++) {
		if (i == n || !isfinite(v[i])) {
			if (m == 1) {   /* a lone point: a short tick so it shows */
				xy[2] = xy[0] + 3;
				xy[3] = xy[1];
				m = 2;
			}
			cv->line(cv->ctx, xy, m, colour, 3);
			m = 0;
			continue;
		}
		xy[2 * m] = p->x + t[i] / p->xmax * p->w;
		xy[2 * m + 1] = p->y + p->h - (v[i] < 0 ? 0 : v[i]) / p->ymax * p->h;
		m++;
	}
	free(xy);
}

static double ch_xunit(double span_s, const char **label)
{
	if (span_s > 3 * 3600) {
		*label = "hours since start";
		return 3600;
	}
	if (span_s > 300) {
		*label = "minutes since start";
		return 60;
	}
	*label = "seconds since start";
	return 1;
}

/* ---- time series from the samples --------------------------------------- */

struct ch_trend {
	int n;                  /* buckets */
	double bucket_s;
	double *t;              /* bucket middle, s since the first verdict */
	double *rate;           /* [board * n + k]: nonces / bucket; board nboards: the rig */
	double *share_ms;       /* mean overall ms of the board's jobs in the bucket, nan: none */
	double *part_ms;        /* [(board * n + k) * REPORT_NPARTS + p] */
};

static void ch_trend_free(struct ch_trend *tr)
{
	free(tr->t);
	free(tr->rate);
	free(tr->share_ms);
	free(tr->part_ms);
}

static int ch_trend(const struct report_run *run, struct ch_trend *tr)
{
	static const double steps[] = { 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200,
					21600, 43200, 86400 };
	const struct report_sample *s = run->sample;
	size_t ns = run->nsamples, first = 0;
	int nb = run->nboards, n;
	double *cnt;
	int64_t t0;

	memset(tr, 0, sizeof(*tr));
	while (first < ns && !s[first].wall_us)
		first++;
	if (first == ns || run->span_s <= 0)
		return -ENODATA;
	t0 = s[first].wall_us;
	tr->bucket_s = steps[sizeof(steps) / sizeof(steps[0]) - 1];
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (run->span_s / steps[i] <= CH_MAX_POINTS) {
			tr->bucket_s = steps[i];
			break;
		}
	n = (int)ceil(run->span_s / tr->bucket_s);
	if (n < 1)
		n = 1;
	if (n > 4 * CH_MAX_POINTS)      /* a span longer than the last step covers */
		n = 4 * CH_MAX_POINTS;
	tr->n = n;
	tr->t = calloc((size_t)n, sizeof(double));
	tr->rate = calloc((size_t)(nb + 1) * n, sizeof(double));
	tr->share_ms = calloc((size_t)nb * n, sizeof(double));
	tr->part_ms = calloc((size_t)nb * n * REPORT_NPARTS, sizeof(double));
	cnt = calloc((size_t)nb * n, sizeof(double));
	if (!tr->t || !tr->rate || !tr->share_ms || !tr->part_ms || !cnt) {
		free(cnt);
		ch_trend_free(tr);
		return -ENOMEM;
	}
	for (int k = 0; k < n; k++)
		tr->t[k] = (k + 0.5) * tr->bucket_s;
	for (size_t i = first; i < ns; i++) {
		int b = s[i].slave, k = (int)((s[i].wall_us - t0) / 1e6 / tr->bucket_s);
		double *pm;

		if (k >= n)
			k = n - 1;
		if (b >= nb)
			continue;
		tr->rate[(size_t)b * n + k] += s[i].nonce;
		tr->rate[(size_t)nb * n + k] += s[i].nonce;
		cnt[(size_t)b * n + k]++;
		if (isfinite(s[i].overall_ms))
			tr->share_ms[(size_t)b * n + k] += s[i].overall_ms;
		pm = &tr->part_ms[((size_t)b * n + k) * REPORT_NPARTS];
		/* the parts the samples keep; the rest of the job is "processing" */
		{
			double g = isfinite(s[i].get_job_ms) ? s[i].get_job_ms : 0;
			double h = isfinite(s[i].hash_ms) ? s[i].hash_ms : 0;
			double w = isfinite(s[i].hold_ms) ? s[i].hold_ms : 0;
			double v = isfinite(s[i].verdict_ms) ? s[i].verdict_ms : 0;
			double o = isfinite(s[i].overall_ms) ? s[i].overall_ms : 0;

			pm[REPORT_GETJOB] += g;
			pm[REPORT_HASH] += h;
			pm[REPORT_HOLD] += w;
			pm[REPORT_VERDICT] += v;
			pm[REPORT_PROCESS] += o - g - h - w - v > 0 ? o - g - h - w - v : 0;
		}
	}
	for (int b = 0; b <= nb; b++)
		for (int k = 0; k < n; k++) {
			/* the last bucket may be cut short by the end of the log */
			double len = k == n - 1 ? run->span_s - k * tr->bucket_s : tr->bucket_s;

			tr->rate[(size_t)b * n + k] /= len > 1 ? len : 1;
			if (b == nb)
				continue;
			if (cnt[(size_t)b * n + k] > 0) {
				tr->share_ms[(size_t)b * n + k] /= cnt[(size_t)b * n + k];
				for (int p = 0; p < REPORT_NPARTS; p++)
					tr->part_ms[((size_t)b * n + k) * REPORT_NPARTS + p] /=
						cnt[(size_t)b * n + k];
			} else {
				tr->share_ms[(size_t)b * n + k] = NAN;
				for (int p = 0; p < REPORT_NPARTS; p++)
					tr->part_ms[((size_t)b * n + k) * REPORT_NPARTS + p] = NAN;
			}
		}
	free(cnt);
	return 0;
}

static double ch_max(const double *v, size_t n)
{
	double m = 0;

	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]) && v[i] > m)
			m = v[i];
	return m > 0 ? m * 1.1 : 1;
}

/* ---- the charts ----------------------------------------------------------- */

static double ch_phases_height(int rows)
{
	return 110 + rows * 86.0 + 4 * CH_LEGEND_ROW + 40;
}

/* Where each board's job time goes: one bar per board (and the rig), mean ms by phase. */
static void ch_phases(const struct report_canvas *cv, const struct report_stats *const *rows,
		      int n, const struct report_stats *rig)
{
	int nrows = n + (n > 1);
	double max_ms = 0, top = 110, bar_h = 40, left = 24, width = CH_W - 48, y;
	char t[160];

	for (int i = 0; i < nrows; i++) {
		const struct report_stats *s = i < n ? rows[i] : rig;
		double tot = 0;

		for (int p = 0; p < REPORT_NPARTS; p++)
			tot += report_mean(s->part_ms[p], s->jobs);
		if (tot > max_ms)
			max_ms = tot;
	}
	if (max_ms <= 0)
		max_ms = 1;
	cv->text(cv->ctx, left, 44, CH_TITLE, -1, 1, "#222", "Where each job's time goes");
	snprintf(t, sizeof(t), "mean per job; the longest bar is %.0f ms", max_ms);
	cv->text(cv->ctx, left, 80, CH_TICK, -1, 0, "#555", t);
	for (int i = 0; i < nrows; i++) {
		const struct report_stats *s = i < n ? rows[i] : rig;
		double x = left;

		y = top + i * 86.0;
		snprintf(t, sizeof(t), "%s: %.0f ms per job, %.0f%% hashing", s->name,
			 report_mean(s->overall_ms, s->jobs), 100.0 * report_duty(s));
		cv->text(cv->ctx, left, y + 22, CH_LABEL, -1, i == n, "#222", t);
		for (int p = 0; p < REPORT_NPARTS; p++) {
			double ms = report_mean(s->part_ms[p], s->jobs), w = ms / max_ms * width;

			if (w <= 0)
				continue;
			snprintf(t, sizeof(t), "%s: %.0f ms", ch_part_name[p], ms);
			cv->rect(cv->ctx, x, y + 32, w, bar_h, ch_part_colour[p], t);
			x += w;
		}
	}
	y = top + nrows * 86.0 + 10;
	for (int p = 0; p < REPORT_NPARTS; p++) {
		double x = left + (p % 2) * (width / 2), yy = y + (p / 2) * CH_LEGEND_ROW;

		cv->rect(cv->ctx, x, yy, 24, 24, ch_part_colour[p], NULL);
		cv->text(cv->ctx, x + 34, yy + 20, CH_LABEL, -1, 0, "#222", ch_part_name[p]);
	}
}

static void ch_legend(const struct report_canvas *cv, const struct report_run *run, double y,
		      int with_rig)
{
	int n = run->nboards + with_rig;

	for (int i = 0; i < n; i++) {
		double x = 24 + (i % 2) * (CH_W - 48) / 2, yy = y + (i / 2) * CH_LEGEND_ROW;
		const char *c = i < run->nboards ? ch_board_colour[i % CH_NCOLOURS] : "#000000";

		cv->rect(cv->ctx, x, yy, 24, 8, c, NULL);
		cv->text(cv->ctx, x + 34, yy + 12, CH_LABEL, -1, i >= run->nboards, "#222",
			 i < run->nboards ? run->board[i].st.name : "rig (sum)");
	}
}

static double ch_legend_h(int n)
{
	return ((n + 1) / 2) * CH_LEGEND_ROW;
}

static double ch_overview_height(const struct report_run *run)
{
	return 90 + 2 * (CH_PANEL_H + CH_PANEL_GAP) + ch_legend_h(run->nboards + 1) + 20;
}

/* Every board's hashrate over time, and the rig's sum. */
static void ch_overview(const struct report_canvas *cv, const struct report_run *run,
			const struct ch_trend *tr)
{
	const char *xl;
	double xu = ch_xunit(run->span_s, &xl);
	struct ch_panel p = { CH_MARGIN_L, 90 + CH_PANEL_GAP - 20, CH_W - CH_MARGIN_L - CH_MARGIN_R,
			      CH_PANEL_H, run->span_s, 0 };
	char t[96];
	int n = tr->n, nb = run->nboards;

	cv->text(cv->ctx, 24, 44, CH_TITLE, -1, 1, "#222", "Rig overview");
	snprintf(t, sizeof(t), "%d boards, %.0f s buckets", nb, tr->bucket_s);
	cv->text(cv->ctx, 24, 78, CH_TICK, -1, 0, "#555", t);
	p.ymax = ch_max(tr->rate, (size_t)nb * n);
	ch_panel_draw(cv, &p, "Hashrate per board", "nonces/s", xl, xu);
	for (int b = 0; b < nb; b++)
		ch_series(cv, &p, tr->t, &tr->rate[(size_t)b * n], n, ch_board_colour[b % CH_NCOLOURS]);
	p.y += CH_PANEL_H + CH_PANEL_GAP;
	p.ymax = ch_max(&tr->rate[(size_t)nb * n], (size_t)n);
	ch_panel_draw(cv, &p, "Hashrate of the rig", "nonces/s", xl, xu);
	ch_series(cv, &p, tr->t, &tr->rate[(size_t)nb * n], n, "#000000");
	ch_legend(cv, run, p.y + CH_PANEL_H + 80, 1);
}

static double ch_board_height(void)
{
	return 90 + 3 * (CH_PANEL_H + CH_PANEL_GAP) + 4 * CH_LEGEND_ROW + 20;
}

/* One board: its hashrate, its share time and its job's phases over time. */
static void ch_board(const struct report_canvas *cv, const struct report_run *run,
		     const struct ch_trend *tr, int b)
{
	static const int shown[] = { REPORT_GETJOB, REPORT_HASH, REPORT_HOLD, REPORT_VERDICT,
				     REPORT_PROCESS };
	const struct report_board *bd = &run->board[b];
	const char *xl, *colour = ch_board_colour[b % CH_NCOLOURS];
	double xu = ch_xunit(run->span_s, &xl);
	struct ch_panel p = { CH_MARGIN_L, 90 + CH_PANEL_GAP - 20, CH_W - CH_MARGIN_L - CH_MARGIN_R,
			      CH_PANEL_H, run->span_s, 0 };
	int n = tr->n;
	double *v = malloc((size_t)n * sizeof(*v)), y;
	char t[160];

	if (!v)
		return;
	snprintf(t, sizeof(t), "Board %s", bd->st.name);
	cv->text(cv->ctx, 24, 44, CH_TITLE, -1, 1, "#222", t);
	snprintf(t, sizeof(t), "%u jobs, %.1f nonces/s, chip %.0f H/s, %.0f s buckets", bd->st.jobs,
		 isfinite(bd->eff_rate) ? bd->eff_rate : 0, isfinite(bd->chip_rate) ? bd->chip_rate : 0,
		 tr->bucket_s);
	cv->text(cv->ctx, 24, 78, CH_TICK, -1, 0, "#555", t);
	p.ymax = ch_max(&tr->rate[(size_t)b * n], (size_t)n);
	ch_panel_draw(cv, &p, "Hashrate", "nonces/s", xl, xu);
	ch_series(cv, &p, tr->t, &tr->rate[(size_t)b * n], n, colour);
	p.y += CH_PANEL_H + CH_PANEL_GAP;
	p.ymax = ch_max(&tr->share_ms[(size_t)b * n], (size_t)n);
	ch_panel_draw(cv, &p, "Share time (request to verdict)", "ms per job", xl, xu);
	ch_series(cv, &p, tr->t, &tr->share_ms[(size_t)b * n], n, colour);
	p.y += CH_PANEL_H + CH_PANEL_GAP;
	p.ymax = 0;
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		for (int k = 0; k < n; k++) {
			double x = tr->part_ms[((size_t)b * n + k) * REPORT_NPARTS + shown[i]];

			if (isfinite(x) && x * 1.1 > p.ymax)
				p.ymax = x * 1.1;
		}
	if (p.ymax <= 0)
		p.ymax = 1;
	ch_panel_draw(cv, &p, "Job phases", "mean ms per job", xl, xu);
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		for (int k = 0; k < n; k++)
			v[k] = tr->part_ms[((size_t)b * n + k) * REPORT_NPARTS + shown[i]];
		ch_series(cv, &p, tr->t, v, n, ch_part_colour[shown[i]]);
	}
	y = p.y + CH_PANEL_H + 80;
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		double x = 24 + (i % 2) * (CH_W - 48) / 2, yy = y + (i / 2) * CH_LEGEND_ROW;

		cv->rect(cv->ctx, x, yy, 24, 8, ch_part_colour[shown[i]], NULL);
		cv->text(cv->ctx, x + 34, yy + 12, CH_LABEL, -1, 0, "#222", ch_part_name[shown[i]]);
	}
	free(v);
}

static double ch_earn_height(void)
{
	/* the panel starts at 90 + CH_PANEL_GAP - 20; its time axis needs 60 below */
	return 90 + CH_PANEL_GAP - 20 + CH_PANEL_H + 70;
}

/* The wallet's balance over the log, from its earnings records. */
static void ch_earnings(const struct report_canvas *cv, const struct report_run *run)
{
	int64_t t0 = 0, t1 = 0;
	double lo = INFINITY, hi = -INFINITY, *t, *v;
	struct ch_panel p = { CH_MARGIN_L, 90 + CH_PANEL_GAP - 20, CH_W - CH_MARGIN_L - CH_MARGIN_R,
			      CH_PANEL_H, 1, 0 };
	const char *xl;
	double xu;
	char title[96];
	int m = 0;

	for (size_t i = 0; i < run->nearn; i++) {
		const struct report_earn *e = &run->earn[i];

		if (!e->wall_us || !isfinite(e->balance))
			continue;
		t0 = !t0 || e->wall_us < t0 ? e->wall_us : t0;
		t1 = e->wall_us > t1 ? e->wall_us : t1;
		lo = e->balance < lo ? e->balance : lo;
		hi = e->balance > hi ? e->balance : hi;
	}
	t = malloc((run->nearn + 1) * sizeof(*t));
	v = malloc((run->nearn + 1) * sizeof(*v));
	if (!t || !v || t1 <= t0) {
		cv->text(cv->ctx, 24, 44, CH_TITLE, -1, 1, "#222", "Earnings: too few records");
		free(t);
		free(v);
		return;
	}
	/* the curve is the gain since the first record: small changes stay visible */
	for (size_t i = 0; i < run->nearn; i++) {
		const struct report_earn *e = &run->earn[i];

		if (!e->wall_us || !isfinite(e->balance))
			continue;
		t[m] = (e->wall_us - t0) / 1e6;
		v[m++] = e->balance - lo;
	}
	p.xmax = (t1 - t0) / 1e6;
	p.ymax = hi - lo > 0 ? (hi - lo) * 1.1 : 1;
	xu = ch_xunit(p.xmax, &xl);
	cv->text(cv->ctx, 24, 44, CH_TITLE, -1, 1, "#222", "Earnings");
	snprintf(title, sizeof(title), "balance from %.4f to %.4f DUCO; %.3f DUCO/day", lo, hi,
		 isfinite(run->duco_per_day) ? run->duco_per_day : 0);
	cv->text(cv->ctx, 24, 78, CH_TICK, -1, 0, "#555", title);
	ch_panel_draw(cv, &p, "Gain since the first record", "DUCO", xl, xu);
	/* time order for the line */
	for (int i = 1; i < m; i++)
		for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
			double a = t[j], b = v[j];

			t[j] = t[j - 1];
			v[j] = v[j - 1];
			t[j - 1] = a;
			v[j - 1] = b;
		}
	ch_series(cv, &p, t, v, m, "#2ca02c");
	free(t);
	free(v);
}

int report_chart_size(const struct report_run *run, enum report_chart c, double *w, double *h)
{
	*w = CH_W;
	switch (c) {
	case REPORT_CHART_PHASES:
		*h = ch_phases_height(run->nboards + (run->nboards > 1));
		return 0;
	case REPORT_CHART_OVERVIEW:
		*h = ch_overview_height(run);
		return run->span_s > 0 ? 0 : -ENODATA;
	case REPORT_CHART_BOARD:
		*h = ch_board_height();
		return run->span_s > 0 ? 0 : -ENODATA;
	case REPORT_CHART_EARNINGS:
		*h = ch_earn_height();
		return run->nearn >= 2 ? 0 : -ENODATA;
	default:
		return -EINVAL;
	}
}

int report_chart_draw(const struct report_canvas *cv, struct report_run *run, enum report_chart c,
		      int board)
{
	struct ch_trend tr;
	double w, h;
	int rc;

	report_run_finish(run);
	rc = report_chart_size(run, c, &w, &h);
	if (rc)
		return rc;
	cv->rect(cv->ctx, 0, 0, w, h, "#ffffff", NULL);
	if (c == REPORT_CHART_PHASES) {
		const struct report_stats **rows = calloc((size_t)run->nboards + 1, sizeof(*rows));

		if (!rows)
			return -ENOMEM;
		for (int i = 0; i < run->nboards; i++)
			rows[i] = &run->board[i].st;
		ch_phases(cv, rows, run->nboards, &run->rig);
		free(rows);
		return 0;
	}
	if (c == REPORT_CHART_EARNINGS) {
		ch_earnings(cv, run);
		return 0;
	}
	if (c == REPORT_CHART_BOARD && (board < 0 || board >= run->nboards))
		return -EINVAL;
	rc = ch_trend(run, &tr);
	if (rc)
		return rc;
	if (c == REPORT_CHART_OVERVIEW)
		ch_overview(cv, run, &tr);
	else
		ch_board(cv, run, &tr, board);
	ch_trend_free(&tr);
	return 0;
}

static FILE *ch_svg_open(const char *path, double w, double h)
{
	FILE *f = fopen(path, "w");

	if (f)
		fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
			"viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\">\n", w, h, w, h);
	return f;
}

int report_chart_svg(const char *path, struct report_run *run, enum report_chart c, int board)
{
	struct report_canvas cv = { .rect = svg_rect, .line = svg_line, .text = svg_text };
	double w, h;
	FILE *f;
	int rc;

	report_run_finish(run);
	rc = report_chart_size(run, c, &w, &h);
	if (rc)
		return rc;
	f = ch_svg_open(path, w, h);
	if (!f)
		return -errno;
	cv.ctx = f;
	rc = report_chart_draw(&cv, run, c, board);
	fprintf(f, "</svg>\n");
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

int report_svg(const char *path, const struct report_stats *const *slaves, int n,
	       const struct report_stats *rig)
{
	struct report_canvas cv = { .rect = svg_rect, .line = svg_line, .text = svg_text };
	double h = ch_phases_height(n + (n > 1));
	FILE *f = ch_svg_open(path, CH_W, h);

	if (!f)
		return -errno;
	cv.ctx = f;
	svg_rect(f, 0, 0, CH_W, h, "#ffffff", NULL);
	ch_phases(&cv, slaves, n, rig);
	fprintf(f, "</svg>\n");
	return fclose(f) ? -errno : 0;
}
