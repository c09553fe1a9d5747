/*
 * options.h - the one option table of every host program: rows of (name,
 * type, bounds, default, help, offset into the program's settings struct)
 * that drive the defaults, the command line (`--name value`, `--name=value`,
 * `-v`, `--set key=value`), a JSON config file (cJSON), `--help` and the
 * settings dump, so a value from any source passes the same checks and every
 * error names the option, and for a file also the file and the line.
 *
 * Rules every program gets from here:
 * - Integers: decimal or 0x hex (no octal: "010" is ten), or a number in
 *   exponent form that is whole ("1e3"); numbers must be finite (nan and inf
 *   are refused in text and in JSON) and within the row's bounds.
 * - A string longer than its buffer is refused as "longer than N characters"
 *   (-ERANGE), never cut.
 * - A JSON file holds one object and nothing after it; a NUL inside a string
 *   (\u0000) or in the file is refused; a key given twice is refused; an
 *   unknown key is an error. JSON strings are also accepted for numbers
 *   ("380"), numbers for strings, true/false for flags and for two-valued
 *   enums (false = the first name, true = the second), arrays for lists.
 * - List rows: a text value "a,b,c" or a JSON array replaces the list; a
 *   repeated command-line flag appends, and its first use on a command line
 *   replaces what the defaults or the file gave.
 * - Command-line options are exact names (no unique-prefix abbreviations).
 * - Secret rows are never echoed in an error or printed by opt_dump.
 *
 * Library code: returns 0 or -errno (-EINVAL bad value or syntax, -ERANGE
 * out of bounds or too long, -ENOENT unknown option or key, -EFBIG file too
 * large) with a message in the caller's buffer; prints only in opt_help and
 * opt_dump, to the stream it is given.
 */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <stddef.h>
#include <stdio.h>

struct cJSON;

enum opt_type {
	OPT_STR,        /* char[size] */
	OPT_INT,        /* int */
	OPT_UINT,       /* uint32_t */
	OPT_U64,        /* uint64_t, all 64 bits kept from text */
	OPT_DBL,        /* double, finite */
	OPT_ENUM,       /* int: index into names[], matched case-insensitively */
	OPT_FLAG,       /* int set to 1; no value on the command line */
	OPT_COUNT,      /* int incremented per use (-v -v) */
	OPT_LIST,       /* char[max][size], element count in the int at count_off */
	OPT_CUSTOM,     /* parse() does the work (repeatable with count_off) */
	OPT_PRESET,     /* command-line flag without a value: sets key target to value */
	OPT_SET,        /* --set key=value: any row that has a key */
	OPT_CONFIG,     /* --config FILE: path kept in char[size], file loaded first */
};

/* Row flags. */
#define OPT_F_SECRET   0x01u    /* never echoed or printed */
#define OPT_F_NOFLAG   0x02u    /* a file key / --set key only, no command-line flag */
#define OPT_F_NOKEY    0x04u    /* command line only, not a file key */
#define OPT_F_EARLY    0x08u    /* --help, --version: stop parsing and return at once */
#define OPT_F_GT_MIN   0x10u    /* min is exclusive (> min) */
#define OPT_F_UNESCAPE 0x20u    /* STR: expand \n \r \t \\ */
#define OPT_F_ADDRS    0x40u    /* JSON array numbers are I2C addresses, written 0x%02x */
#define OPT_F_REPEAT   0x80u    /* CUSTOM: repeatable, like a list (count_off) */

struct opt_row;

/*
 * A custom parser: set the field(s) from text. Write only the complaint in
 * err (the caller prefixes the option's name); return 0 or -errno.
 */
typedef int (*opt_parse_fn)(void *obj, const struct opt_row *row, const char *text,
			    char *err, size_t errlen);

struct opt_row {
	const char *name;       /* JSON key and --set key; also the flag unless .flag */
	enum opt_type type;
	size_t off;             /* field in the settings struct */
	size_t size;            /* STR/LIST/CONFIG: buffer (element) size */
	double min, max;        /* numbers: bounds; LIST: max = capacity */
	const char *def;        /* default as the text a user would type; NULL: none */
	const char *const *names;       /* ENUM: value names, NULL-terminated */
	opt_parse_fn parse;     /* CUSTOM; for LIST: checks one element (optional) */
	size_t count_off;       /* LIST, OPT_F_REPEAT CUSTOM: int element count */
	size_t seen_off;        /* >0: int set to 1 when a user (not a default) sets it
				   (so never the struct's first field) */
	const char *flag;       /* command-line name if not name ("pool-url") */
	char short_name;        /* -v */
	const char *target;     /* PRESET: the key it sets ... */
	const char *value;      /* ... to this value */
	const char *arg;        /* metavariable in --help: FILE, N, ADDR:PORT */
	const char *help;
	unsigned flags;         /* OPT_F_* */
};

/* .rows and .nrows of a table from a row array. */
#define OPT_ROWS(r) .rows = (r), .nrows = sizeof(r) / sizeof((r)[0])

struct opt_table {
	const char *prog;       /* for messages and --help */
	const struct opt_row *rows;
	size_t nrows;
	const char *synopsis;   /* --help: printed first */
	const char *footer;     /* --help: printed after the options and keys */
	int args;               /* 1: positional arguments allowed */
};

/* Set every row that has a default. 0, or -EINVAL if a default is refused (a bug). */
int  opt_defaults(const struct opt_table *t, void *obj, char *err, size_t errlen);
/*
 * Parse argv: a CONFIG row's file is loaded first (the last one given), then
 * the options are applied in their order, so flags override the file. Stops
 * early, returning 0, after an OPT_F_EARLY flag (the caller checks it). With
 * t->args, positional arguments (and everything after "--") are moved to
 * argv[1..*nargs] in their order; otherwise they are errors.
 */
int  opt_parse(const struct opt_table *t, void *obj, int argc, char **argv, int *nargs,
	       char *err, size_t errlen);
/* Set one key from text, as --set key=value does. */
int  opt_set(const struct opt_table *t, void *obj, const char *key, const char *value,
	     char *err, size_t errlen);
/* Load a JSON object file of keys. Errors read "path:line: key: complaint". */
int  opt_load_file(const struct opt_table *t, void *obj, const char *path,
		   char *err, size_t errlen);
/* The same for a file's contents already in memory (need not end in NUL). */
int  opt_load_text(const struct opt_table *t, void *obj, const char *name, const char *text,
		   size_t len, char *err, size_t errlen);
/* Apply one parsed JSON object; with bad != NULL it is set to the failing member. */
int  opt_apply_json(const struct opt_table *t, void *obj, const struct cJSON *object,
		    const struct cJSON **bad, char *err, size_t errlen);
/*
 * Read and parse a JSON file strictly (size <= 1 MiB, nothing after the
 * value, no NUL): *root to cJSON_Delete, *text (to free) for opt_json_line.
 */
int  opt_json_read(const char *path, struct cJSON **root, char **text, char *err, size_t errlen);
/* The line of the top-level object's key in text, or 0 if not found. */
int  opt_json_line(const char *text, const char *key);
/* Usage: synopsis, the command-line options, the file keys (with a CONFIG row), footer. */
void opt_help(const struct opt_table *t, FILE *f);
/* Every key row and its value, one per line (secrets masked). */
void opt_dump(const struct opt_table *t, const void *obj, FILE *f);

#endif
