/*
 * ducoreport - turn ducomaster job logs into the timing report rig owners
 * tune with, and into a picture of where each slave's time goes.
 *
 * Input: job-log files, one JSON object per job per line (keys as written by
 * ducomaster: slave, verdict, get_job_wait_ms, transfer_ms, slave_elapsed_ms,
 * busy_polls, hold_ms, get_res_wait_ms, overall_ms, processing_ms, hashrate,
 * ts). A line that is not such an object is counted and skipped, never fatal,
 * so a log cut short by a power failure still reports. Output: a per-slave
 * and whole-rig table in the spirit of the original rig notes (requests,
 * ReqWait, SndWait, hashing, polls, duty cycle, shares) and, with --svg, a
 * stacked bar chart of the mean job time per slave.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#define MAX_SLAVES 256

enum part {             /* the phases of one job, in the order they happen */
	P_GETJOB,       /* R -> J: waiting for the pool's job */
	P_TRANSFER,     /* J -> K: job frame to the slave */
	P_HASH,         /* slave hashing (its own timer) */
	P_DETECT,       /* result ready -> seen by a status poll */
	P_HOLD,         /* W: result held by the rate limit */
	P_VERDICT,      /* E -> verdict: waiting for GOOD/BAD */
	P_PROCESS,      /* the rest: polling, bus, master work */
	P_COUNT
};

static const char *part_name[P_COUNT] = {
	"wait for job", "transfer", "hashing", "detection", "rate-limit hold", "wait for verdict",
	"processing",
};
static const char *part_key[P_COUNT] = {
	"get_job_wait_ms", "transfer_ms", "slave_elapsed_ms", "detect_ms", "hold_ms",
	"get_res_wait_ms", "processing_ms",
};
static const char *part_colour[P_COUNT] = {
	"#d9534f", "#f0ad4e", "#5cb85c", "#c8e6c9", "#5bc0de", "#9b59b6", "#999999",
};

struct slave_stats {
	char name[48];
	unsigned long jobs, good, bad, block, polls;
	double part_ms[P_COUNT];
	double overall_ms, hashrate_sum;
	char first_ts[40], last_ts[40];
};

struct report {
	struct slave_stats slave[MAX_SLAVES];
	int nslaves;
	unsigned long lines, skipped;
};

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0.0;
}

/*
 * A simulated bus is named by its socket path, usually in a temp dir that
 * changes every run: keep the file name so names stay short and comparable
 * across runs ("sim:/tmp/ducorig-run.X/sim.sock:0x08" -> "sim:sim.sock:0x08").
 */
static void display_name(char *out, size_t cap, const char *name)
{
	const char *slash = strrchr(name, '/');

	if (!strncmp(name, "sim:", 4) && slash)
		snprintf(out, cap, "sim:%s", slash + 1);
	else
		snprintf(out, cap, "%s", name);
}

static struct slave_stats *slave_for(struct report *r, const char *raw)
{
	char name[sizeof r->slave[0].name];
	int i;

	display_name(name, sizeof name, raw);

	for (i = 0; i < r->nslaves; i++)
		if (!strcmp(r->slave[i].name, name))
			return &r->slave[i];
	if (r->nslaves == MAX_SLAVES)
		return NULL;
	memset(&r->slave[r->nslaves], 0, sizeof r->slave[0]);
	snprintf(r->slave[r->nslaves].name, sizeof r->slave[0].name, "%s", name);
	return &r->slave[r->nslaves++];
}

static void add_line(struct report *r, const char *line)
{
	cJSON *o = cJSON_Parse(line);
	const cJSON *slave, *verdict, *ts;
	struct slave_stats *s;
	int p;

	r->lines++;
	slave = cJSON_GetObjectItemCaseSensitive(o, "slave");
	verdict = cJSON_GetObjectItemCaseSensitive(o, "verdict");
	if (!cJSON_IsObject(o) || !cJSON_IsString(slave) || !cJSON_IsString(verdict) ||
	    !(s = slave_for(r, slave->valuestring))) {
		r->skipped++;
		cJSON_Delete(o);
		return;
	}
	s->jobs++;
	if (!strncmp(verdict->valuestring, "GOOD", 4))
		s->good++;
	else if (!strncmp(verdict->valuestring, "BLOCK", 5))
		s->block++;
	else
		s->bad++;
	for (p = 0; p < P_COUNT; p++)
		s->part_ms[p] += num(o, part_key[p]);
	s->overall_ms += num(o, "overall_ms");
	s->polls += (unsigned long)num(o, "busy_polls");
	s->hashrate_sum += num(o, "hashrate");
	ts = cJSON_GetObjectItemCaseSensitive(o, "ts");
	if (cJSON_IsString(ts)) {
		if (!s->first_ts[0])
			snprintf(s->first_ts, sizeof s->first_ts, "%s", ts->valuestring);
		snprintf(s->last_ts, sizeof s->last_ts, "%s", ts->valuestring);
	}
	cJSON_Delete(o);
}

static int read_file(struct report *r, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	if (!f)
		return -errno;
	while ((len = getline(&line, &cap, f)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (len)
			add_line(r, line);
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return 0;
}

static void sum_into(struct slave_stats *t, const struct slave_stats *s)
{
	int p;

	t->jobs += s->jobs;
	t->good += s->good;
	t->bad += s->bad;
	t->block += s->block;
	t->polls += s->polls;
	for (p = 0; p < P_COUNT; p++)
		t->part_ms[p] += s->part_ms[p];
	t->overall_ms += s->overall_ms;
	t->hashrate_sum += s->hashrate_sum;
	/* ISO 8601 UTC stamps sort as strings. */
	if (s->first_ts[0] && (!t->first_ts[0] || strcmp(s->first_ts, t->first_ts) < 0))
		memcpy(t->first_ts, s->first_ts, sizeof t->first_ts);
	if (strcmp(s->last_ts, t->last_ts) > 0)
		memcpy(t->last_ts, s->last_ts, sizeof t->last_ts);
}

static double mean(double total, unsigned long n)
{
	return n ? total / (double)n : 0.0;
}

static void print_row(FILE *out, const struct slave_stats *s, int w)
{
	double duty = s->overall_ms > 0 ? 100.0 * s->part_ms[P_HASH] / s->overall_ms : 0.0;

	fprintf(out, "%-*s %6lu %8.0f %8.0f %6.0f %8.0f %6.0f %8.0f %7.1f %6.1f %5.1f%% %6lu %4lu %5lu\n",
		w, s->name, s->jobs, mean(s->part_ms[P_GETJOB], s->jobs),
		mean(s->part_ms[P_HASH], s->jobs), mean(s->part_ms[P_DETECT], s->jobs),
		mean(s->part_ms[P_VERDICT], s->jobs),
		mean(s->part_ms[P_HOLD], s->jobs), mean(s->overall_ms, s->jobs),
		mean(s->hashrate_sum, s->jobs), mean((double)s->polls, s->jobs), duty,
		s->good, s->bad, s->block);
}

static void print_table(FILE *out, const struct report *r, const struct slave_stats *rig)
{
	int i, w = 5;

	for (i = 0; i < r->nslaves; i++)
		if ((int)strlen(r->slave[i].name) > w)
			w = (int)strlen(r->slave[i].name);
	fprintf(out, "%-*s %6s %8s %8s %6s %8s %6s %8s %7s %6s %6s %6s %4s %5s\n",
		w, "slave", "jobs", "ReqWait", "hashing", "detect", "SndWait", "hold", "overall",
		"H/s", "polls", "duty", "good", "bad", "block");
	fprintf(out, "%-*s %6s %8s %8s %6s %8s %6s %8s %7s %6s %6s\n", w, "", "", "mean ms",
		"mean ms", "ms", "mean ms", "ms", "mean ms", "mean", "/job", "");
	for (i = 0; i < r->nslaves; i++)
		print_row(out, &r->slave[i], w);
	if (r->nslaves > 1)
		print_row(out, rig, w);
	if (rig->first_ts[0])
		fprintf(out, "from %s to %s\n", rig->first_ts, rig->last_ts);
	fprintf(out, "totals: ReqWait %.0f ms, SndWait %.0f ms, hashing %.0f ms, busy polls %lu\n"
		"duty = hashing / overall; detect = result ready -> seen by a poll (for a held\n"
		"result it overlaps what would otherwise be hold)\n",
		rig->part_ms[P_GETJOB], rig->part_ms[P_VERDICT], rig->part_ms[P_HASH], rig->polls);
	if (r->skipped)
		fprintf(out, "skipped %lu of %lu lines that were not job records\n", r->skipped, r->lines);
}

static void svg_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		default: fputc(*s, f);
		}
	}
}

/* One horizontal bar per slave: mean milliseconds per job, split by phase. */
static int write_svg(const char *path, const struct report *r, const struct slave_stats *rig)
{
	const int left = 150, right = 110, bar_h = 22, gap = 10, top = 60, width = 900;
	int rows = r->nslaves + (r->nslaves > 1), height = top + rows * (bar_h + gap) + 70;
	double max_ms = 0, scale, tick;
	FILE *f = fopen(path, "w");
	int i, p;

	if (!f)
		return -errno;
	for (i = 0; i < rows; i++) {
		const struct slave_stats *s = i < r->nslaves ? &r->slave[i] : rig;
		double tot = 0;

		for (p = 0; p < P_COUNT; p++)
			tot += mean(s->part_ms[p], s->jobs);
		if (tot > max_ms)
			max_ms = tot;
	}
	if (max_ms <= 0)
		max_ms = 1;
	scale = (width - left - right) / max_ms;
	for (tick = 1; tick * 10 < max_ms; tick *= 10)
		;
	if (max_ms / tick < 3)
		tick /= 2;
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"font-family=\"sans-serif\" font-size=\"12\">\n", width, height);
	fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
	fprintf(f, "<text x=\"%d\" y=\"24\" font-size=\"16\" font-weight=\"bold\">"
		"Where each job's time goes (mean per job, ms)</text>\n", left);
	for (double t = 0; t <= max_ms + 1e-9; t += tick) {
		int x = left + (int)(t * scale);

		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>\n",
			x, top - 8, x, top + rows * (bar_h + gap));
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#666\">%.0f</text>\n",
			x, top - 12, t);
	}
	for (i = 0; i < rows; i++) {
		const struct slave_stats *s = i < r->nslaves ? &r->slave[i] : rig;
		int y = top + i * (bar_h + gap);
		double x = left, duty = s->overall_ms > 0 ? 100.0 * s->part_ms[P_HASH] / s->overall_ms : 0;

		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 8, y + 15);
		svg_escape(f, s->name);
		fprintf(f, "</text>\n");
		for (p = 0; p < P_COUNT; p++) {
			double w = mean(s->part_ms[p], s->jobs) * scale;

			if (w <= 0)
				continue;
			fprintf(f, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\">"
				"<title>%s: %.0f ms</title></rect>\n", x, y, w, bar_h, part_colour[p],
				part_name[p], mean(s->part_ms[p], s->jobs));
			x += w;
		}
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" fill=\"#333\">%.0f%% hashing</text>\n",
			x + 6, y + 15, duty);
	}
	for (p = 0; p < P_COUNT; p++) {
		int x = 20 + p * 125, y = height - 30;

		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
			"<text x=\"%d\" y=\"%d\">%s</text>\n", x, y, part_colour[p], x + 16, y + 11,
			part_name[p]);
	}
	fprintf(f, "</svg>\n");
	return fclose(f) ? -errno : 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct slave_stats *)a)->name, ((const struct slave_stats *)b)->name);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ducoreport [--svg FILE] [--json] JOBLOG...\n"
		"\n"
		"Summarise ducomaster job logs (one JSON object per job per line; '-'\n"
		"reads standard input): per slave and for the whole rig, the mean wait\n"
		"for a job (ReqWait), hashing time, wait for the verdict (SndWait),\n"
		"rate-limit hold, overall job time, reported hashrate, status polls per\n"
		"job, duty cycle (hashing / overall) and shares by verdict.\n"
		"\n"
		"  --svg FILE   also draw where each slave's job time goes, as SVG\n"
		"  --json       print the rig totals as one JSON line at the end\n"
		"  -h, --help   this text\n"
		"\n"
		"Exit status: 0 report printed, 1 no job records found, 2 usage or I/O error.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "svg", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct report r;
	struct slave_stats rig;
	const char *svg = NULL;
	int c, i, json = 0, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': svg = optarg; break;
		case 'j': json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	for (i = optind; i < argc; i++) {
		rc = read_file(&r, argv[i]);
		if (rc) {
			fprintf(stderr, "ducoreport: %s: %s\n", argv[i], strerror(-rc));
			return 2;
		}
	}
	qsort(r.slave, (size_t)r.nslaves, sizeof r.slave[0], by_name);
	memset(&rig, 0, sizeof rig);
	snprintf(rig.name, sizeof rig.name, "rig");
	for (i = 0; i < r.nslaves; i++)
		sum_into(&rig, &r.slave[i]);
	if (!rig.jobs) {
		fprintf(stderr, "ducoreport: no job records in %lu lines\n", r.lines);
		return 1;
	}
	print_table(stdout, &r, &rig);
	if (svg) {
		rc = write_svg(svg, &r, &rig);
		if (rc) {
			fprintf(stderr, "ducoreport: %s: %s\n", svg, strerror(-rc));
			return 2;
		}
		printf("chart written to %s\n", svg);
	}
	if (json)
		printf("{\"slaves\":%d,\"jobs\":%lu,\"good\":%lu,\"bad\":%lu,\"block\":%lu,"
		       "\"req_wait_ms\":%.1f,\"hash_ms\":%.1f,\"snd_wait_ms\":%.1f,\"overall_ms\":%.1f,"
		       "\"polls_per_job\":%.2f,\"duty_cycle\":%.4f,\"skipped_lines\":%lu}\n",
		       r.nslaves, rig.jobs, rig.good, rig.bad, rig.block,
		       mean(rig.part_ms[P_GETJOB], rig.jobs), mean(rig.part_ms[P_HASH], rig.jobs),
		       mean(rig.part_ms[P_VERDICT], rig.jobs), mean(rig.overall_ms, rig.jobs),
		       mean((double)rig.polls, rig.jobs),
		       rig.overall_ms > 0 ? rig.part_ms[P_HASH] / rig.overall_ms : 0.0, r.skipped);
	return 0;
}
