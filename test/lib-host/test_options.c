/*
 * test_options.c - lib/options on a table with every row type: defaults,
 * text and JSON values, bounds (inclusive and exclusive), nan and inf refused
 * in text and JSON, whole-number rules, strings too long, lists and repeated
 * flags, the two-pass command line (config file first, flags override, early
 * --help, positional arguments), strict JSON files (text after the object,
 * NUL bytes and \u0000, duplicate and unknown keys, the failing line), the
 * generated --help and the dump with a secret masked. TAP on stdout; temp
 * files only under $TMPDIR.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "options.h"
#include "tap.h"

struct sample {
	int      pad;           /* seen_off 0 means "none": keep fields off offset 0 */
	char     name[8];
	char     secret[16];
	char     banner[8];
	int      count;
	uint32_t freq;
	uint64_t seed;
	double   ratio, rate;
	int      mode, fast, verbose, help;
	char     items[3][8];
	int      nitems;
	int      custom_sum, ncustom;
	char     config[256];
	int      rate_seen;
	int      table;
};

static const char *const sample_modes[] = { "off", "auto", NULL };

/* CUSTOM: adds a number below 100, counts the calls */
static int sample_custom(void *obj, const struct opt_row *row, const char *text, char *err,
			 size_t errlen)
{
	struct sample *s = obj;
	int v = atoi(text);

	if (v >= 100) {
		snprintf(err, errlen, "'%s' is 100 or more", text);
		return -EINVAL;
	}
	s->custom_sum = s->ncustom ? s->custom_sum + v : v;
	s->ncustom++;
	return 0;
}

#define F(f) .off = offsetof(struct sample, f)
#define SZ(f) F(f), .size = sizeof(((struct sample *)0)->f)

static const struct opt_row sample_rows[] = {
	{ .name = "config", .type = OPT_CONFIG, SZ(config), .arg = "FILE", .help = "config file" },
	{ .name = "name", .type = OPT_STR, SZ(name), .def = "abc", .arg = "TEXT", .help = "a name" },
	{ .name = "secret", .type = OPT_STR, SZ(secret), .def = "None", .flags = OPT_F_SECRET,
	  .flag = "key", .help = "a secret" },
	{ .name = "banner", .type = OPT_STR, SZ(banner), .def = "x\\n", .flags = OPT_F_UNESCAPE,
	  .help = "escaped text" },
	{ .name = "count", .type = OPT_INT, F(count), .min = -5, .max = 1000, .def = "10",
	  .arg = "N", .help = "an int" },
	{ .name = "freq", .type = OPT_UINT, F(freq), .min = 1, .max = 4294967295.0, .def = "16",
	  .help = "a u32" },
	{ .name = "seed", .type = OPT_U64, F(seed), .help = "a u64" },
	{ .name = "ratio", .type = OPT_DBL, F(ratio), .min = 0, .max = 0.5, .def = "0.05",
	  .help = "a fraction" },
	{ .name = "rate", .type = OPT_DBL, F(rate), .min = 0, .max = 1e7, .def = "350",
	  .flags = OPT_F_GT_MIN, .seen_off = offsetof(struct sample, rate_seen),
	  .flag = "the-rate", .help = "above zero" },
	{ .name = "mode", .type = OPT_ENUM, F(mode), .names = sample_modes, .def = "auto",
	  .help = "an enum" },
	{ .name = "fast", .type = OPT_FLAG, F(fast), .help = "a flag" },
	{ .name = "verbose", .type = OPT_COUNT, F(verbose), .short_name = 'v', .min = 0, .max = 3,
	  .help = "a counter" },
	{ .name = "items", .type = OPT_LIST, F(items), .size = sizeof(((struct sample *)0)->items[0]),
	  .max = 3,
	  .count_off = offsetof(struct sample, nitems), .flag = "item", .help = "a list" },
	{ .name = "custom", .type = OPT_CUSTOM, .parse = sample_custom, .flags = OPT_F_REPEAT,
	  .count_off = offsetof(struct sample, ncustom), .help = "a repeatable custom" },
	{ .name = "hidden_key", .type = OPT_INT, F(pad), .min = 0, .max = 9, .def = "0",
	  .flags = OPT_F_NOFLAG, .help = "file only" },
	{ .name = "no-table", .type = OPT_PRESET, .target = "mode", .value = "off",
	  .help = "mode off" },
	{ .name = "set", .type = OPT_SET, .arg = "KEY=VALUE", .help = "set a key" },
	{ .name = "help", .type = OPT_FLAG, F(help), .flags = OPT_F_EARLY | OPT_F_NOKEY,
	  .help = "help" },
};

static const struct opt_table sample_table = {
	.prog = "sample", OPT_ROWS(sample_rows),
	.synopsis = "usage: sample [options] FILE...\n", .footer = "end of help\n", .args = 1,
};

static char tmpdir[256], err[512];

static void fresh(struct sample *s)
{
	memset(s, 0, sizeof(*s));
	if (opt_defaults(&sample_table, s, err, sizeof(err)))
		tap_diag("defaults: %s", err);
}

static int set(struct sample *s, const char *key, const char *value)
{
	err[0] = '\0';
	return opt_set(&sample_table, s, key, value, err, sizeof(err));
}

static const char *write_file(const char *name, const char *text, size_t len)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (f) {
		fwrite(text, 1, len, f);
		fclose(f);
	}
	return path;
}

static int load(struct sample *s, const char *name, const char *text)
{
	err[0] = '\0';
	return opt_load_file(&sample_table, s, write_file(name, text, strlen(text)), err,
			     sizeof(err));
}

static int parse(struct sample *s, int *nargs, int argc, const char **args)
{
	char *argv[16];

	for (int i = 0; i < argc; i++)
		argv[i] = (char *)args[i];
	argv[argc] = NULL;
	err[0] = '\0';
	return opt_parse(&sample_table, s, argc, argv, nargs, err, sizeof(err));
}

static void test_defaults_and_text(void)
{
	struct sample s;

	tap_ok(opt_defaults(&sample_table, &(struct sample){ 0 }, err, sizeof(err)) == 0,
	       "every default passes its own row");
	fresh(&s);
	tap_ok(!strcmp(s.name, "abc") && s.count == 10 && s.freq == 16 && s.ratio == 0.05 &&
	       s.rate == 350 && s.mode == 1 && !strcmp(s.banner, "x\n") && !s.rate_seen,
	       "defaults set, escapes expanded, a default is not 'seen'");
	tap_ok(set(&s, "count", "-5") == 0 && s.count == -5 && set(&s, "count", "1000") == 0,
	       "int bounds are inclusive");
	tap_ok(set(&s, "count", "1001") == -ERANGE && strstr(err, "count") &&
	       strstr(err, "-5..1000"), "int above max: -ERANGE naming key and bounds (%s)", err);
	tap_ok(set(&s, "count", "0x10") == 0 && s.count == 16, "hex integer");
	tap_ok(set(&s, "count", "010") == 0 && s.count == 10, "a leading zero is decimal, not octal");
	tap_ok(set(&s, "count", "1e2") == 0 && s.count == 100, "whole number in exponent form");
	tap_ok(set(&s, "count", "2.5") == -EINVAL && strstr(err, "not an integer"),
	       "fraction for an int refused (%s)", err);
	tap_ok(set(&s, "count", "12x") == -EINVAL && set(&s, "count", "") == -EINVAL,
	       "trailing junk and empty refused");
	tap_ok(set(&s, "count", "nan") == -EINVAL && set(&s, "count", "inf") == -EINVAL,
	       "nan and inf refused for an int");
	tap_ok(set(&s, "freq", "4294967295") == 0 && s.freq == 4294967295u &&
	       set(&s, "freq", "4294967296") == -ERANGE && set(&s, "freq", "0") == -ERANGE,
	       "u32 full range, bounds enforced");
	tap_ok(set(&s, "seed", "18446744073709551615") == 0 && s.seed == UINT64_MAX,
	       "u64 keeps all 64 bits");
	tap_ok(set(&s, "seed", "18446744073709551616") == -ERANGE && set(&s, "seed", "-1") == -ERANGE,
	       "u64 overflow and negative refused (%s)", err);
	tap_ok(set(&s, "ratio", "0.5") == 0 && set(&s, "ratio", "0.50001") == -ERANGE,
	       "double bounds inclusive");
	tap_ok(set(&s, "ratio", "nan") == -EINVAL && strstr(err, "finite") &&
	       set(&s, "ratio", "-inf") == -EINVAL && set(&s, "ratio", "1e999") == -EINVAL,
	       "nan, -inf and overflow refused for a double (%s)", err);
	tap_ok(set(&s, "rate", "0") == -ERANGE && strstr(err, "above") &&
	       set(&s, "rate", "1e-9") == 0 && s.rate_seen, "exclusive min; a user value is seen");
	tap_ok(set(&s, "name", "1234567") == 0 && set(&s, "name", "12345678") == -ERANGE &&
	       strstr(err, "longer than 7") && !strcmp(s.name, "1234567"),
	       "string too long: -ERANGE 'longer than', old value kept (%s)", err);
	tap_ok(set(&s, "banner", "a\\tbcdef") == 0 && set(&s, "banner", "a\\tbcdefg") == -ERANGE,
	       "unescaped length counts");
	tap_ok(set(&s, "secret", "0123456789abcdefXYZ") == -ERANGE && !strstr(err, "0123"),
	       "a secret is never echoed (%s)", err);
	tap_ok(set(&s, "mode", "OFF") == 0 && s.mode == 0 && set(&s, "mode", "on") == -EINVAL &&
	       strstr(err, "off auto"), "enum case-insensitive, refusal lists names (%s)", err);
	tap_ok(set(&s, "fast", "true") == 0 && s.fast == 1 && set(&s, "fast", "no") == 0 &&
	       s.fast == 0 && set(&s, "fast", "maybe") == -EINVAL, "flag words");
	tap_ok(set(&s, "items", "a, b ,c") == 0 && s.nitems == 3 && !strcmp(s.items[1], "b"),
	       "list from text, spaces trimmed");
	tap_ok(set(&s, "items", "a,b,c,d") == -ERANGE && s.nitems == 3,
	       "list over capacity refused, old list kept");
	tap_ok(set(&s, "items", "12345678") == -ERANGE && strstr(err, "longer than"),
	       "list element too long (%s)", err);
	tap_ok(set(&s, "nosuch", "1") == -ENOENT && strstr(err, "nosuch"), "unknown key named");
	tap_ok(set(&s, "help", "1") == -ENOENT && set(&s, "no-table", "x") == -ENOENT,
	       "command-line-only rows are not keys");
	tap_ok(set(&s, "custom", "5") == 0 && s.custom_sum == 5 && set(&s, "custom", "100") == -EINVAL &&
	       strstr(err, "custom: '100' is 100 or more"), "custom parser, complaint prefixed (%s)", err);
}

static void test_json(void)
{
	struct sample s;
	char nul[] = "{\"name\":\"a\0b\"}";

	fresh(&s);
	tap_ok(load(&s, "good.json", "{\"name\":\"xy\",\"count\":\"7\",\"ratio\":0.25,\"mode\":false,"
		    "\"fast\":true,\"items\":[\"p\",\"q\"],\"custom\":[1,2,3],\"seed\":42,"
		    "\"hidden_key\":4}\n") == 0 &&
	       !strcmp(s.name, "xy") && s.count == 7 && s.ratio == 0.25 && s.mode == 0 && s.fast &&
	       s.nitems == 2 && s.ncustom == 3 && s.custom_sum == 6 && s.seed == 42 && s.pad == 4,
	       "JSON file: strings for numbers, bool for a two-valued enum, arrays (%s)", err);
	tap_ok(load(&s, "range.json", "{\n\"name\": \"a\",\n  \"count\": 5000}") == -ERANGE &&
	       strstr(err, "range.json:3: count: 5000 out of range"),
	       "value error names file, line and key (%s)", err);
	tap_ok(load(&s, "unknown.json", "{\"name\":\"a\",\n\"cuont\":1}") == -ENOENT &&
	       strstr(err, ":2: unknown key 'cuont'"), "unknown key with its line (%s)", err);
	tap_ok(load(&s, "syntax.json", "{\"name\":\n\"a\",,}") == -EINVAL && strstr(err, ":2:"),
	       "syntax error gives the line (%s)", err);
	tap_ok(load(&s, "trailing.json", "{\"name\":\"a\"}\n{\"count\":1}\n") == -EINVAL &&
	       strstr(err, ":2: text after"), "text after the object refused (%s)", err);
	tap_ok(load(&s, "trailing2.json", "{\"name\":\"a\"} x") == -EINVAL,
	       "junk after the object refused");
	tap_ok(load(&s, "ws.json", "\n{\"name\":\"a\"}\n\n\t \n") == 0, "whitespace after is fine");
	tap_ok(load(&s, "escnul.json", "{\"name\":\n\"a\\u0000b\"}") == -EINVAL &&
	       strstr(err, ":2: NUL"), "\\u0000 in a string refused (%s)", err);
	tap_ok(load(&s, "escbs.json", "{\"name\":\"\\\\u0000\"}") == 0 &&
	       !strcmp(s.name, "\\u0000"), "an escaped backslash before u0000 is not a NUL");
	tap_ok(opt_load_file(&sample_table, &s, write_file("rawnul.json", nul, sizeof(nul) - 1),
			     err, sizeof(err)) == -EINVAL && strstr(err, "NUL byte"),
	       "raw NUL byte refused (%s)", err);
	tap_ok(load(&s, "long.json", "{\"name\":\"123456789\"}") == -ERANGE &&
	       strstr(err, "name: longer than 7"), "over-long string is 'too long', not a type error (%s)", err);
	tap_ok(load(&s, "type.json", "{\"count\":[1]}") == -EINVAL && strstr(err, "wrong type"),
	       "wrong JSON type named (%s)", err);
	tap_ok(load(&s, "frac.json", "{\"count\":1.5}") == -EINVAL && strstr(err, "not an integer"),
	       "JSON fraction for an int refused");
	tap_ok(load(&s, "inf.json", "{\"ratio\":1e999}") == -EINVAL && strstr(err, "finite"),
	       "JSON number that overflows to inf refused (%s)", err);
	tap_ok(load(&s, "nan.json", "{\"ratio\":\"nan\"}") == -EINVAL, "JSON string nan refused");
	{
		const char text[] = "{\"count\":9}{";      /* the length stops before the { */

		fresh(&s);
		tap_ok(opt_load_text(&sample_table, &s, "mem", text, sizeof(text) - 2, err,
				     sizeof(err)) == 0 && s.count == 9 &&
		       opt_load_text(&sample_table, &s, "mem", text, sizeof(text) - 1, err,
				     sizeof(err)) == -EINVAL && strstr(err, "mem:1: text after"),
		       "opt_load_text: the text's length is the file, no NUL needed (%s)", err);
	}
	tap_ok(load(&s, "null.json", "{\"ratio\":null}") == -EINVAL && strstr(err, "wrong type") &&
	       load(&s, "nulls.json", "{\"name\":null}") == -EINVAL &&
	       load(&s, "nulli.json", "{\"count\":null}") == -EINVAL,
	       "null for a number, a string or an int refused, not read as 0 or nan (%s)", err);
	tap_ok(load(&s, "dup.json", "{\"count\":1,\n\"count\":2}") == -EINVAL &&
	       strstr(err, ":2: count: given twice"), "duplicate key refused (%s)", err);
	tap_ok(load(&s, "array.json", "[1,2]") == -EINVAL && strstr(err, "not a JSON object"),
	       "top level must be an object");
	tap_ok(load(&s, "cli.json", "{\"help\":true}") == -ENOENT, "command-line rows not in files");
	tap_ok(opt_load_file(&sample_table, &s, "/nonexistent/x.json", err, sizeof(err)) == -ENOENT,
	       "missing file: -errno");
	{
		size_t big = (1 << 20) + 10;
		char *text = malloc(big);

		if (text) {
			memset(text, ' ', big);
			text[0] = '{';
			text[big - 1] = '}';
			tap_ok(opt_load_file(&sample_table, &s, write_file("big.json", text, big), err,
					     sizeof(err)) == -EFBIG,
			       "a file over 1 MiB is refused (%s)", err);
			tap_ok(opt_load_file(&sample_table, &s, write_file("max.json", text, 1 << 20),
					     err, sizeof(err)) == -EINVAL,
			       "a file of exactly 1 MiB is read (then refused as unfinished JSON)");
			free(text);
		}
	}
}

static void test_argv(void)
{
	struct sample s;
	int n = -1;
	char cfg[600];

	snprintf(cfg, sizeof(cfg), "%s", write_file("argv.json", "{\"count\":5,\"items\":[\"f\"]}",
						     strlen("{\"count\":5,\"items\":[\"f\"]}")));
	fresh(&s);
	tap_ok(parse(&s, &n, 11, (const char *[]){ "p", "--count=7", "in1", "--config", cfg,
		     "-vv", "--item", "a", "--item=b,c", "--", "--in2" }) == 0 &&
	       s.count == 7 && s.verbose == 2 && s.nitems == 3 && !strcmp(s.items[0], "a") && n == 2,
	       "file first, flags override, first --item replaces the file's list (%s)", err);
	fresh(&s);
	{
		char *argv[] = { "p", "a", "--fast", "b", NULL };

		tap_ok(opt_parse(&sample_table, &s, 4, argv, &n, err, sizeof(err)) == 0 && n == 2 &&
		       !strcmp(argv[1], "a") && !strcmp(argv[2], "b") && s.fast,
		       "positional arguments collected in order");
	}
	fresh(&s);
	tap_ok(parse(&s, &n, 4, (const char *[]){ "p", "--bogus", "--count=x", "--help" }) == 0 &&
	       s.help, "--help stops parsing before any complaint");
	fresh(&s);
	tap_ok(parse(&s, &n, 2, (const char *[]){ "p", "--bogus" }) == -ENOENT &&
	       strstr(err, "unknown option '--bogus'"), "unknown option (%s)", err);
	tap_ok(parse(&s, &n, 2, (const char *[]){ "p", "--cou" }) == -ENOENT,
	       "no prefix abbreviations");
	tap_ok(parse(&s, &n, 2, (const char *[]){ "p", "--count" }) == -EINVAL &&
	       strstr(err, "--count needs a value (N)"), "missing value (%s)", err);
	tap_ok(parse(&s, &n, 2, (const char *[]){ "p", "--fast=1" }) == -EINVAL &&
	       strstr(err, "takes no value"), "flag with a value refused");
	tap_ok(parse(&s, &n, 3, (const char *[]){ "p", "--ratio", "inf" }) == -EINVAL &&
	       strstr(err, "--ratio: 'inf' is not a finite number"), "inf on the command line (%s)", err);
	tap_ok(parse(&s, &n, 3, (const char *[]){ "p", "--key", "hunter2hunter2hunter2" }) == -ERANGE &&
	       !strstr(err, "hunter2") && strstr(err, "--key"), "secret flag, own spelling, not echoed (%s)", err);
	fresh(&s);
	tap_ok(parse(&s, &n, 5, (const char *[]){ "p", "--set", "count=3", "--set", "mode=off" }) == 0 &&
	       s.count == 3 && s.mode == 0, "--set key=value");
	tap_ok(parse(&s, &n, 3, (const char *[]){ "p", "--set", "count" }) == -EINVAL &&
	       strstr(err, "key=value"), "--set without '='");
	tap_ok(parse(&s, &n, 3, (const char *[]){ "p", "--set", "hidden_key=9" }) == 0 && s.pad == 9 &&
	       parse(&s, &n, 3, (const char *[]){ "p", "--hidden_key", "1" }) == -ENOENT,
	       "a file-only key is reachable by --set, not as a flag");
	fresh(&s);
	tap_ok(parse(&s, &n, 2, (const char *[]){ "p", "--no-table" }) == 0 && s.mode == 0,
	       "preset flag sets its key");
	tap_ok(parse(&s, &n, 5, (const char *[]){ "p", "-vvvv", "-v", "--the-rate", "2" }) == 0 &&
	       s.verbose == 3 && s.rate == 2, "counter capped at max; flag spelled apart from key");
	fresh(&s);
	tap_ok(parse(&s, &n, 5, (const char *[]){ "p", "--custom", "1", "--custom", "2" }) == 0 &&
	       s.ncustom == 2 && s.custom_sum == 3, "repeated custom flag appends");
	fresh(&s);
	tap_ok(parse(&s, &n, 3, (const char *[]){ "p", "--config", "/nonexistent.json" }) == -ENOENT,
	       "unreadable --config file refused");
}

static void test_help_and_dump(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct sample s;

	opt_help(&sample_table, f);
	fclose(f);
	tap_ok(strstr(buf, "usage: sample") && strstr(buf, "--count N") && strstr(buf, "[10]") &&
	       strstr(buf, "-v, --verbose") && strstr(buf, "--key") && strstr(buf, "--the-rate") &&
	       strstr(buf, "end of help") && !strstr(buf, "--hidden_key"),
	       "help: synopsis, flags with arguments and defaults, footer");
	tap_ok(strstr(buf, "Config file keys") && strstr(buf, "hidden_key") &&
	       strstr(buf, "(-5..1000)") && strstr(buf, "(off, auto)"),
	       "help lists the file keys with bounds and names");
	free(buf);
	fresh(&s);
	set(&s, "secret", "topsecret");
	f = open_memstream(&buf, &len);
	opt_dump(&sample_table, &s, f);
	fclose(f);
	tap_ok(strstr(buf, "(set, hidden)") && !strstr(buf, "topsecret") && strstr(buf, "count"),
	       "dump masks the secret");
	free(buf);
}

int main(void)
{
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/test_options.XXXXXX", t ? t : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_defaults_and_text();
	test_json();
	test_argv();
	test_help_and_dump();
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			tap_diag("could not remove %s", tmpdir);
	}
	return tap_done();
}
