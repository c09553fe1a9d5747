/*
 * options.c - the option table's parsers: text (command line, --set, the
 * defaults), JSON values (cJSON), the two-pass command line and the strict
 * JSON file reader, plus --help and the settings dump generated from the
 * rows. Every source ends in opt_set_text() or opt_set_json(), so a value is
 * checked the same way wherever it comes from. Assumes cJSON 1.7 (Debian
 * libcjson-dev), which turns \u0000 into a string-ending NUL without a word:
 * the reader refuses it before cJSON sees the text.
 */
#include <cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "options.h"

#define OPT_FILE_MAX   (1 << 20)        /* config files are small; refuse more */
#define OPT_SHOW_MAX   40               /* characters of a bad value echoed back */
#define OPT_NUM_TEXT   32               /* "%.17g" of a double, with room */

/* Where a value comes from: decides list replace/append and `seen`. */
enum opt_src {
	OPT_SRC_DEFAULT,
	OPT_SRC_USER,           /* file, --set, or a command-line replace */
	OPT_SRC_APPEND,         /* a repeated command-line flag */
};

#define OPT_FIELD(obj, row, type) ((type *)(void *)((char *)(obj) + (row)->off))

static const char *opt_flag_name(const struct opt_row *r)
{
	return r->flag ? r->flag : r->name;
}

static int opt_is_cli_only(const struct opt_row *r)
{
	return (r->flags & OPT_F_NOKEY) || r->type == OPT_PRESET || r->type == OPT_SET ||
	       r->type == OPT_CONFIG;
}

static int opt_takes_value(const struct opt_row *r)
{
	return r->type != OPT_FLAG && r->type != OPT_COUNT && r->type != OPT_PRESET;
}

static const struct opt_row *opt_find_key(const struct opt_table *t, const char *key)
{
	for (size_t i = 0; i < t->nrows; i++)
		if (!opt_is_cli_only(&t->rows[i]) && !strcmp(t->rows[i].name, key))
			return &t->rows[i];
	return NULL;
}

static const struct opt_row *opt_find_flag(const struct opt_table *t, const char *name,
					   size_t len)
{
	for (size_t i = 0; i < t->nrows; i++) {
		const struct opt_row *r = &t->rows[i];
		const char *f = opt_flag_name(r);

		if (!(r->flags & OPT_F_NOFLAG) && strlen(f) == len && !strncmp(f, name, len))
			return r;
	}
	return NULL;
}

static const struct opt_row *opt_find_short(const struct opt_table *t, char c)
{
	for (size_t i = 0; i < t->nrows; i++)
		if (t->rows[i].short_name && t->rows[i].short_name == c)
			return &t->rows[i];
	return NULL;
}

/* Text as shown in a complaint: quoted, and cut if long. */
static const char *opt_quote(const char *text, char *buf, size_t len)
{
	if (strlen(text) > OPT_SHOW_MAX)
		snprintf(buf, len, "'%.*s...'", OPT_SHOW_MAX, text);
	else
		snprintf(buf, len, "'%s'", text);
	return buf;
}

/* A row's value as shown in a complaint: quoted, or hidden for a secret. */
static const char *opt_show(const struct opt_row *r, const char *text, char *buf, size_t len)
{
	return r->flags & OPT_F_SECRET ? "'***'" : opt_quote(text, buf, len);
}

static int opt_range(const struct opt_row *r, double v, const char *shown, char *err,
		     size_t errlen)
{
	int excl = (r->flags & OPT_F_GT_MIN) != 0;

	if ((excl ? v > r->min : v >= r->min) && v <= r->max)
		return 0;
	if (excl)
		snprintf(err, errlen, "%s out of range: must be above %.15g and at most %.15g",
			 shown, r->min, r->max);
	else
		snprintf(err, errlen, "%s out of range %.15g..%.15g", shown, r->min, r->max);
	return -ERANGE;
}

/*
 * A whole number from text: decimal or 0x hex digits (exact, all 64 bits), or
 * any finite number that is whole ("1e3"). *exact is the magnitude when the
 * digits path was taken and the value is not negative.
 */
static int opt_whole(const char *s, double *v, uint64_t *exact, int *have_exact)
{
	const char *p = s;
	int neg = 0, base = 10;
	unsigned long long u;
	char *end;
	double d;

	*have_exact = 0;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (isxdigit((unsigned char)*p)) {
		errno = 0;
		u = strtoull(p, &end, base);
		if (!*end && errno != ERANGE) {
			*v = neg ? -(double)u : (double)u;
			*exact = u;
			*have_exact = !neg;
			return 0;
		}
		if (!*end)
			return -ERANGE;
	}
	d = strtod(s, &end);
	if (end == s || *end || !isfinite(d) || d != floor(d))
		return -EINVAL;
	*v = d;
	return 0;
}

/* Store a checked number into an integer or double field. */
static int opt_store_number(void *obj, const struct opt_row *r, double v, const uint64_t *exact,
			    const char *shown, char *err, size_t errlen)
{
	int rc;

	/* U64 with bounds 0..0: the whole 64-bit range (a seed) */
	if (r->type == OPT_U64 && r->max == 0 && v < 0) {
		snprintf(err, errlen, "%s must not be negative", shown);
		return -ERANGE;
	}
	rc = r->type == OPT_U64 && r->max == 0 ? 0 : opt_range(r, v, shown, err, errlen);
	if (rc)
		return rc;
	switch (r->type) {
	case OPT_U64:
		*OPT_FIELD(obj, r, uint64_t) = exact ? *exact : (uint64_t)v;
		break;
	case OPT_INT:
	case OPT_COUNT:
		*OPT_FIELD(obj, r, int) = (int)v;
		break;
	case OPT_UINT:
		*OPT_FIELD(obj, r, uint32_t) = (uint32_t)v;
		break;
	default:
		*OPT_FIELD(obj, r, double) = v;
		break;
	}
	return 0;
}

static int opt_number_text(void *obj, const struct opt_row *r, const char *text, char *err,
			   size_t errlen)
{
	char shown[OPT_SHOW_MAX + 8];
	uint64_t exact = 0;
	int have_exact, rc;
	double v;
	char *end;

	opt_show(r, text, shown, sizeof(shown));
	if (r->type == OPT_DBL) {
		v = strtod(text, &end);
		if (end == text || *end) {
			snprintf(err, errlen, "%s is not a number", shown);
			return -EINVAL;
		}
		if (!isfinite(v)) {
			snprintf(err, errlen, "%s is not a finite number", shown);
			return -EINVAL;
		}
		return opt_store_number(obj, r, v, NULL, shown, err, errlen);
	}
	rc = opt_whole(text, &v, &exact, &have_exact);
	if (rc == -ERANGE) {
		snprintf(err, errlen, "%s is too large", shown);
		return rc;
	}
	if (rc) {
		snprintf(err, errlen, "%s is not an integer", shown);
		return rc;
	}
	return opt_store_number(obj, r, v, have_exact ? &exact : NULL, shown, err, errlen);
}

/* Copy with C escapes \n, \r, \t, \\ expanded; -ERANGE if it does not fit. */
static int opt_unescape(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	for (; *src; src++) {
		char c = *src;

		if (c == '\\' && src[1]) {
			src++;
			switch (*src) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			default:  c = *src; break;
			}
		}
		if (n + 1 >= size)
			return -ERANGE;
		dst[n++] = c;
	}
	dst[n] = '\0';
	return 0;
}

static int opt_str_text(void *obj, const struct opt_row *r, const char *text, char *err,
			size_t errlen)
{
	char *dst = OPT_FIELD(obj, r, char);

	if (r->flags & OPT_F_UNESCAPE) {
		char *tmp = malloc(r->size);
		int rc;

		if (!tmp)
			return -ENOMEM;
		rc = opt_unescape(tmp, r->size, text);
		if (!rc)
			memcpy(dst, tmp, strlen(tmp) + 1);
		free(tmp);
		if (!rc)
			return 0;
	} else if (strlen(text) < r->size) {
		memcpy(dst, text, strlen(text) + 1);
		return 0;
	}
	snprintf(err, errlen, "longer than %zu characters", r->size - 1);
	return -ERANGE;
}

static int opt_enum_text(void *obj, const struct opt_row *r, const char *text, char *err,
			 size_t errlen)
{
	char shown[OPT_SHOW_MAX + 8];
	size_t n;

	for (int i = 0; r->names[i]; i++) {
		if (!strcasecmp(r->names[i], text)) {
			*OPT_FIELD(obj, r, int) = i;
			return 0;
		}
	}
	snprintf(err, errlen, "%s is not one of", opt_show(r, text, shown, sizeof(shown)));
	for (int i = 0; r->names[i]; i++) {
		n = strlen(err);
		snprintf(err + n, errlen - n, " %s", r->names[i]);
	}
	return -EINVAL;
}

static int opt_flag_text(void *obj, const struct opt_row *r, const char *text, char *err,
			 size_t errlen)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	char shown[OPT_SHOW_MAX + 8];

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(text, yes[i]) || !strcasecmp(text, no[i])) {
			*OPT_FIELD(obj, r, int) = !strcasecmp(text, yes[i]);
			return 0;
		}
	}
	snprintf(err, errlen, "%s is not true or false", opt_show(r, text, shown, sizeof(shown)));
	return -EINVAL;
}

/* Add one element to a list (count and capacity checked by the caller). */
static int opt_list_add(void *obj, const struct opt_row *r, char *items, int *count,
			const char *elem, char *err, size_t errlen)
{
	char shown[OPT_SHOW_MAX + 8];
	int rc;

	if (*count >= (int)r->max) {
		snprintf(err, errlen, "more than %.0f values", r->max);
		return -ERANGE;
	}
	if (strlen(elem) >= r->size) {
		snprintf(err, errlen, "%s longer than %zu characters",
			 opt_show(r, elem, shown, sizeof(shown)), r->size - 1);
		return -ERANGE;
	}
	if (r->parse && (rc = r->parse(obj, r, elem, err, errlen)))
		return rc;
	memcpy(items + (size_t)*count * r->size, elem, strlen(elem) + 1);
	(*count)++;
	return 0;
}

/*
 * "a, b,c" into the list. Built in a copy, so a refused value leaves the
 * list as it was.
 */
static int opt_list_text(void *obj, const struct opt_row *r, const char *text, int append,
			 char *err, size_t errlen)
{
	size_t bytes = (size_t)r->max * r->size;
	char *items = malloc(bytes), *copy = strdup(text), *save = NULL, *tok;
	int *countp = (int *)(void *)((char *)obj + r->count_off);
	int count = append ? *countp : 0, rc = 0;

	if (!items || !copy) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(items, OPT_FIELD(obj, r, char), bytes);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;

		while (*tok == ' ')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && end[-1] == ' ')
			*--end = '\0';
		if (*tok && (rc = opt_list_add(obj, r, items, &count, tok, err, errlen)))
			goto out;
	}
	memcpy(OPT_FIELD(obj, r, char), items, bytes);
	*countp = count;
out:
	free(items);
	free(copy);
	return rc;
}

/* One value from text into a row. Writes only the complaint into err. */
static int opt_set_text(const struct opt_table *t, void *obj, const struct opt_row *r,
			const char *text, enum opt_src src, char *err, size_t errlen)
{
	const struct opt_row *target;
	int rc;

	switch (r->type) {
	case OPT_STR:
	case OPT_CONFIG:
		rc = opt_str_text(obj, r, text, err, errlen);
		break;
	case OPT_INT:
	case OPT_UINT:
	case OPT_U64:
	case OPT_DBL:
		rc = opt_number_text(obj, r, text, err, errlen);
		break;
	case OPT_COUNT:
		if (src == OPT_SRC_APPEND) {
			int *v = OPT_FIELD(obj, r, int);

			/* -vvvv past the top level is the top level */
			*v = *v < r->max ? *v + 1 : (int)r->max;
			rc = 0;
		} else {
			rc = opt_number_text(obj, r, text, err, errlen);
		}
		break;
	case OPT_ENUM:
		rc = opt_enum_text(obj, r, text, err, errlen);
		break;
	case OPT_FLAG:
		rc = opt_flag_text(obj, r, text, err, errlen);
		break;
	case OPT_LIST:
		rc = opt_list_text(obj, r, text, src == OPT_SRC_APPEND, err, errlen);
		break;
	case OPT_CUSTOM:
		if ((r->flags & OPT_F_REPEAT) && src != OPT_SRC_APPEND)
			*(int *)(void *)((char *)obj + r->count_off) = 0;
		rc = r->parse(obj, r, text, err, errlen);
		break;
	case OPT_PRESET:
		target = opt_find_key(t, r->target);
		rc = target ? opt_set_text(t, obj, target, r->value, OPT_SRC_USER, err, errlen)
			    : -ENOENT;
		break;
	default:
		rc = -EINVAL;
		snprintf(err, errlen, "cannot be set here");
		break;
	}
	if (!rc && src != OPT_SRC_DEFAULT && r->seen_off)
		*(int *)(void *)((char *)obj + r->seen_off) = 1;
	return rc;
}

/* err = lead name tail complaint: the complaint gets the option's name. */
static void opt_prefix(char *err, size_t errlen, const char *lead, const char *name,
		       const char *tail)
{
	char *complaint = strdup(err);

	if (complaint)
		snprintf(err, errlen, "%s%s%s%s", lead, name, tail, complaint);
	free(complaint);
}

int opt_defaults(const struct opt_table *t, void *obj, char *err, size_t errlen)
{
	for (size_t i = 0; i < t->nrows; i++) {
		const struct opt_row *r = &t->rows[i];
		int numeric = r->type == OPT_INT || r->type == OPT_UINT || r->type == OPT_DBL ||
			      r->type == OPT_COUNT;

		/* a table bug, caught by every program's first run and its tests */
		if ((numeric && !(r->max > r->min)) || (r->type == OPT_LIST && r->max < 1) ||
		    (r->type == OPT_CUSTOM && !r->parse) || (r->type == OPT_ENUM && !r->names)) {
			snprintf(err, errlen, "%s: table row without bounds, names or parser", r->name);
			return -EINVAL;
		}
		if (!r->def || opt_is_cli_only(r))
			continue;
		if (opt_set_text(t, obj, r, r->def, OPT_SRC_DEFAULT, err, errlen)) {
			opt_prefix(err, errlen, "", r->name, ": default: ");
			return -EINVAL;
		}
	}
	return 0;
}

int opt_set(const struct opt_table *t, void *obj, const char *key, const char *value,
	    char *err, size_t errlen)
{
	const struct opt_row *r = opt_find_key(t, key);
	int rc;

	if (!r) {
		char shown[OPT_SHOW_MAX + 8];

		snprintf(err, errlen, "unknown key %s", opt_quote(key, shown, sizeof(shown)));
		return -ENOENT;
	}
	rc = opt_set_text(t, obj, r, value, OPT_SRC_USER, err, errlen);
	if (rc)
		opt_prefix(err, errlen, "", r->name, ": ");
	return rc;
}

/* --- JSON values ----------------------------------------------------------- */

/* A JSON scalar as the text the row's text parser takes. */
static int opt_json_scalar(const struct opt_row *r, const cJSON *v, char *buf, size_t len,
			   const char **text)
{
	if (cJSON_IsString(v)) {
		*text = v->valuestring;
		return 0;
	}
	if (cJSON_IsNumber(v)) {
		if (!isfinite(v->valuedouble))
			return -EINVAL;
		if ((r->flags & OPT_F_ADDRS) && v->valuedouble >= 0 && v->valuedouble < 256 &&
		    v->valuedouble == floor(v->valuedouble))
			snprintf(buf, len, "0x%02x", (unsigned)v->valuedouble);
		else
			snprintf(buf, len, "%.17g", v->valuedouble);
		*text = buf;
		return 0;
	}
	return -EINVAL;
}

/* A JSON array joined with ',' (for string rows, e.g. a list of addresses). */
static int opt_json_join(const struct opt_row *r, const cJSON *a, char **out)
{
	size_t cap = 64, n = 0;
	char *s = malloc(cap), num[OPT_NUM_TEXT];
	const cJSON *e;

	if (!s)
		return -ENOMEM;
	s[0] = '\0';
	cJSON_ArrayForEach(e, a) {
		const char *text;
		size_t need;

		if (opt_json_scalar(r, e, num, sizeof(num), &text) || strchr(text, ',')) {
			free(s);
			return -EINVAL;
		}
		need = n + strlen(text) + 2;
		if (need > cap) {
			char *bigger = realloc(s, need * 2);

			if (!bigger) {
				free(s);
				return -ENOMEM;
			}
			s = bigger;
			cap = need * 2;
		}
		n += (size_t)sprintf(s + n, "%s%s", n ? "," : "", text);
	}
	*out = s;
	return 0;
}

static const char *opt_expects(const struct opt_row *r)
{
	switch (r->type) {
	case OPT_INT: case OPT_UINT: case OPT_U64: case OPT_COUNT:
		return "an integer";
	case OPT_DBL:
		return "a number";
	case OPT_ENUM:
		return "a string";
	case OPT_FLAG:
		return "true or false";
	case OPT_LIST:
		return "a list of strings or a string";
	default:
		return r->flags & OPT_F_REPEAT ? "a string or a list of strings" : "a string";
	}
}

/* A JSON number into a number row, without going through text. */
static int opt_json_number(void *obj, const struct opt_row *r, double d, char *err,
			   size_t errlen)
{
	char num[OPT_NUM_TEXT];

	if (r->type != OPT_DBL && d != floor(d)) {
		snprintf(err, errlen, "%.17g is not an integer", d);
		return -EINVAL;
	}
	snprintf(num, sizeof(num), "%.17g", d);
	return opt_store_number(obj, r, d, NULL, num, err, errlen);
}

static int opt_set_json(const struct opt_table *t, void *obj, const struct opt_row *r,
			const cJSON *v, char *err, size_t errlen)
{
	char num[OPT_NUM_TEXT], *joined = NULL;
	const char *text = NULL;
	const cJSON *e;
	int rc = 0;

	/* cJSON reads 1e999 as inf: refused like nan and inf in text */
	if (cJSON_IsNumber(v) && !isfinite(v->valuedouble)) {
		snprintf(err, errlen, "not a finite number");
		return -EINVAL;
	}
	if (cJSON_IsBool(v) && r->type == OPT_FLAG)
		return opt_set_text(t, obj, r, cJSON_IsTrue(v) ? "true" : "false", OPT_SRC_USER,
				    err, errlen);
	if (cJSON_IsBool(v) && r->type == OPT_ENUM && r->names[0] && r->names[1] &&
	    !r->names[2])
		return opt_set_text(t, obj, r, r->names[cJSON_IsTrue(v)], OPT_SRC_USER, err, errlen);
	if (cJSON_IsNumber(v) && (r->type == OPT_INT || r->type == OPT_UINT ||
				  r->type == OPT_U64 || r->type == OPT_DBL || r->type == OPT_COUNT)) {
		rc = opt_json_number(obj, r, v->valuedouble, err, errlen);
	} else if (cJSON_IsArray(v) && (r->type == OPT_LIST || (r->flags & OPT_F_REPEAT))) {
		/* an array replaces: empty the list, then append each element */
		*(int *)(void *)((char *)obj + r->count_off) = 0;
		cJSON_ArrayForEach(e, v) {
			if (opt_json_scalar(r, e, num, sizeof(num), &text))
				goto type;
			rc = opt_set_text(t, obj, r, text, OPT_SRC_APPEND, err, errlen);
			if (rc)
				return rc;
		}
	} else if (cJSON_IsArray(v) && r->type == OPT_STR) {
		rc = opt_json_join(r, v, &joined);
		if (rc == -EINVAL)
			goto type;
		if (!rc)
			rc = opt_set_text(t, obj, r, joined, OPT_SRC_USER, err, errlen);
		free(joined);
		return rc;
	} else if (opt_json_scalar(r, v, num, sizeof(num), &text)) {
		goto type;
	} else {
		return opt_set_text(t, obj, r, text, OPT_SRC_USER, err, errlen);
	}
	if (!rc && r->seen_off)
		*(int *)(void *)((char *)obj + r->seen_off) = 1;
	return rc;
type:
	snprintf(err, errlen, "wrong type: expected %s", opt_expects(r));
	return -EINVAL;
}

int opt_apply_json(const struct opt_table *t, void *obj, const cJSON *object,
		   const cJSON **bad, char *err, size_t errlen)
{
	const cJSON *item, *prev;
	int rc;

	if (!cJSON_IsObject(object)) {
		snprintf(err, errlen, "not a JSON object");
		return -EINVAL;
	}
	cJSON_ArrayForEach(item, object) {
		const struct opt_row *r = opt_find_key(t, item->string);

		if (bad)
			*bad = item;
		for (prev = object->child; prev != item; prev = prev->next) {
			if (!strcmp(prev->string, item->string)) {
				snprintf(err, errlen, "%s: given twice", item->string);
				return -EINVAL;
			}
		}
		if (!r) {
			char shown[OPT_SHOW_MAX + 8];

			snprintf(err, errlen, "unknown key %s",
				 opt_quote(item->string, shown, sizeof(shown)));
			return -ENOENT;
		}
		rc = opt_set_json(t, obj, r, item, err, errlen);
		if (rc) {
			opt_prefix(err, errlen, "", r->name, ": ");
			return rc;
		}
	}
	return 0;
}

/* --- JSON files ------------------------------------------------------------- */

static int opt_line_at(const char *text, const char *at)
{
	int line = 1;

	for (const char *p = text; at && p < at && *p; p++)
		line += *p == '\n';
	return line;
}

/*
 * Walk the JSON text's strings. Returns the line of the first \u0000 escape
 * (key NULL), or of the nth (from 0) `key` as a member name of the top-level
 * object.
 */
static int opt_json_walk(const char *text, const char *key, int nth)
{
	size_t klen = key ? strlen(key) : 0;
	int depth = 0, line = 1;
	const char *p = text, *s;

	for (; *p; p++) {
		if (*p == '\n')
			line++;
		else if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		if (*p != '"')
			continue;
		for (s = ++p; *p && *p != '"'; p++) {
			if (*p != '\\' || !p[1])
				continue;
			if (!key && !strncmp(p + 1, "u0000", 5))
				return line;
			p++;
		}
		if (!*p)
			return 0;
		if (key && depth == 1 && (size_t)(p - s) == klen && !strncmp(s, key, klen)) {
			const char *q = p + 1;

			while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
				q++;
			if (*q == ':' && nth-- == 0)
				return line;
		}
	}
	return 0;
}

int opt_json_line(const char *text, const char *key)
{
	return key ? opt_json_walk(text, key, 0) : 0;
}

/* The whole file, NUL-terminated, at most OPT_FILE_MAX bytes. */
static int opt_read_text(const char *path, char **textp, size_t *lenp, char *err,
			 size_t errlen)
{
	FILE *f = fopen(path, "r");
	size_t len = 0, cap = 4096;
	char *text = NULL, *bigger;
	int rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	do {
		if (len > OPT_FILE_MAX)
			break;
		cap *= 2;
		bigger = realloc(text, cap + 1);
		if (!bigger) {
			rc = -ENOMEM;
			snprintf(err, errlen, "%s: out of memory", path);
			goto out;
		}
		text = bigger;
		len += fread(text + len, 1, cap - len, f);
	} while (len == cap);
	if (ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
		goto out;
	}
	if (len > OPT_FILE_MAX) {
		rc = -EFBIG;
		snprintf(err, errlen, "%s: larger than %d bytes", path, OPT_FILE_MAX);
		goto out;
	}
	text[len] = '\0';
	*textp = text;
	*lenp = len;
	text = NULL;
out:
	free(text);
	fclose(f);
	return rc;
}

/* Parse text[0..len-1] (text[len] is NUL) strictly; name is for messages. */
static int opt_json_parse(const char *name, const char *text, size_t len, cJSON **root,
			  char *err, size_t errlen)
{
	const char *end = NULL;
	int line;

	*root = NULL;
	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "%s:%d: NUL byte in the file", name,
			 opt_line_at(text, text + strlen(text)));
		return -EINVAL;
	}
	line = opt_json_walk(text, NULL, 0);
	if (line) {
		snprintf(err, errlen, "%s:%d: NUL character (\\u0000) in a string", name, line);
		return -EINVAL;
	}
	*root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!*root) {
		snprintf(err, errlen, "%s:%d: JSON syntax error", name,
			 opt_line_at(text, end ? end : cJSON_GetErrorPtr()));
		return -EINVAL;
	}
	while (end && (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
		end++;
	if (end && *end) {
		snprintf(err, errlen, "%s:%d: text after the JSON value", name,
			 opt_line_at(text, end));
		cJSON_Delete(*root);
		*root = NULL;
		return -EINVAL;
	}
	return 0;
}

int opt_json_read(const char *path, cJSON **root, char **textp, char *err, size_t errlen)
{
	size_t len = 0;
	char *text = NULL;
	int rc;

	*root = NULL;
	*textp = NULL;
	rc = opt_read_text(path, &text, &len, err, errlen);
	if (rc)
		return rc;
	rc = opt_json_parse(path, text, len, root, err, errlen);
	if (rc) {
		free(text);
		return rc;
	}
	*textp = text;
	return 0;
}

/* Apply a parsed file's object; errors get "name:line: " in front. */
static int opt_load_root(const struct opt_table *t, void *obj, const char *name,
			 const char *text, cJSON *root, char *err, size_t errlen)
{
	const cJSON *bad = NULL;
	int rc, line;

	if (!cJSON_IsObject(root)) {
		snprintf(err, errlen, "%s:1: not a JSON object", name);
		return -EINVAL;
	}
	rc = opt_apply_json(t, obj, root, &bad, err, errlen);
	if (rc) {
		char where[24] = "";
		int nth = 0;

		/* a key given twice is reported where it comes the second time */
		for (const cJSON *p = root->child; bad && p != bad; p = p->next)
			nth += !strcmp(p->string, bad->string);
		line = bad ? opt_json_walk(text, bad->string, nth) : 0;
		if (line)
			snprintf(where, sizeof(where), ":%d", line);
		opt_prefix(err, errlen, name, where, ": ");
	}
	return rc;
}

int opt_load_file(const struct opt_table *t, void *obj, const char *path, char *err,
		  size_t errlen)
{
	cJSON *root;
	char *text;
	int rc;

	rc = opt_json_read(path, &root, &text, err, errlen);
	if (rc)
		return rc;
	rc = opt_load_root(t, obj, path, text, root, err, errlen);
	cJSON_Delete(root);
	free(text);
	return rc;
}

int opt_load_text(const struct opt_table *t, void *obj, const char *name, const char *data,
		  size_t len, char *err, size_t errlen)
{
	char *text;
	cJSON *root;
	int rc;

	if (len > OPT_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", name, OPT_FILE_MAX);
		return -EFBIG;
	}
	text = malloc(len + 1);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	memcpy(text, data, len);
	text[len] = '\0';
	rc = opt_json_parse(name, text, len, &root, err, errlen);
	if (!rc)
		rc = opt_load_root(t, obj, name, text, root, err, errlen);
	cJSON_Delete(root);
	free(text);
	return rc;
}

/* --- the command line -------------------------------------------------------- */

struct opt_walk {
	const struct opt_table *t;
	void *obj;
	unsigned char *replaced;        /* per row: a list already replaced on this line */
	char *err;
	size_t errlen;
};

static int opt_apply_arg(struct opt_walk *w, const struct opt_row *r, const char *value)
{
	size_t idx = (size_t)(r - w->t->rows);
	enum opt_src src = OPT_SRC_USER;
	const char *eq;
	char *key;
	int rc;

	if (r->type == OPT_CONFIG || (r->flags & OPT_F_EARLY))
		return 0;               /* done in the first pass */
	if (r->type == OPT_SET) {
		eq = strchr(value, '=');
		if (!eq || eq == value) {
			snprintf(w->err, w->errlen, "--%s %s: expected key=value", opt_flag_name(r),
				 value);
			return -EINVAL;
		}
		key = strndup(value, (size_t)(eq - value));
		if (!key)
			return -ENOMEM;
		rc = opt_set(w->t, w->obj, key, eq + 1, w->err, w->errlen);
		free(key);
		return rc;
	}
	if (r->type == OPT_COUNT ||
	    ((r->type == OPT_LIST || (r->flags & OPT_F_REPEAT)) && w->replaced[idx]))
		src = OPT_SRC_APPEND;
	w->replaced[idx] = 1;
	rc = opt_set_text(w->t, w->obj, r, value ? value : "1", src, w->err, w->errlen);
	if (rc)
		opt_prefix(w->err, w->errlen, "--", opt_flag_name(r), ": ");
	return rc;
}

/* --name or --name=value: the row (NULL: unknown) and an inline value. */
static int opt_long(struct opt_walk *w, const char *a, const struct opt_row **r,
		    const char **value)
{
	const char *eq = strchr(a + 2, '=');

	*r = opt_find_flag(w->t, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
	if (*r && eq && !opt_takes_value(*r)) {
		snprintf(w->err, w->errlen, "--%s takes no value", opt_flag_name(*r));
		return -EINVAL;
	}
	if (*r && eq)
		*value = eq + 1;
	return 0;
}

/*
 * -vv or -ofile: a cluster of short flags, of which a value-taking one ends
 * it. The flags before the last are applied here (pass 2); an early one
 * ends the cluster so the caller sees it.
 */
static int opt_short(struct opt_walk *w, int pass, const char *a, const struct opt_row **r,
		     const char **value)
{
	int rc;

	for (const char *c = a + 1; *c; c++) {
		*r = opt_find_short(w->t, *c);
		if (!*r || !c[1] || ((*r)->flags & OPT_F_EARLY))
			return 0;
		if (opt_takes_value(*r)) {
			*value = c + 1;
			return 0;
		}
		if (pass == 2 && (rc = opt_apply_arg(w, *r, NULL)))
			return rc;
	}
	return 0;
}

/*
 * One walk over argv. Pass 1 only finds the config file and the early flags
 * and complains about nothing (pass 2 does); pass 2 applies the rest.
 * Returns 1 when an early flag stopped the walk.
 */
static int opt_walk_argv(struct opt_walk *w, int pass, int argc, char **argv,
			 const char **config, char **args, int *nargs)
{
	int rc, only_args = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *value = NULL;
		const struct opt_row *r = NULL;

		if (only_args || a[0] != '-' || !a[1]) {
			if (pass == 2 && !w->t->args) {
				snprintf(w->err, w->errlen, "unexpected argument '%s' (see --help)", a);
				return -EINVAL;
			}
			if (pass == 2)
				args[(*nargs)++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = 1;
			continue;
		}
		rc = a[1] == '-' ? opt_long(w, a, &r, &value) : opt_short(w, pass, a, &r, &value);
		if (pass == 1 && (rc || !r || (opt_takes_value(r) && !value && i + 1 >= argc)))
			continue;
		if (rc)
			return rc;
		if (!r) {
			snprintf(w->err, w->errlen, "unknown option '%s' (see --help)", a);
			return -ENOENT;
		}
		if (opt_takes_value(r) && !value) {
			if (i + 1 >= argc) {
				snprintf(w->err, w->errlen, "--%s needs a value%s%s%s", opt_flag_name(r),
					 r->arg ? " (" : "", r->arg ? r->arg : "", r->arg ? ")" : "");
				return -EINVAL;
			}
			value = argv[++i];
		}
		if (pass == 2) {
			rc = opt_apply_arg(w, r, value);
			if (rc)
				return rc;
		} else if (r->flags & OPT_F_EARLY) {
			*OPT_FIELD(w->obj, r, int) = 1;
			return 1;
		} else if (r->type == OPT_CONFIG) {
			*config = value;
		}
	}
	return 0;
}

int opt_parse(const struct opt_table *t, void *obj, int argc, char **argv, int *nargs,
	      char *err, size_t errlen)
{
	struct opt_walk w = { .t = t, .obj = obj, .err = err, .errlen = errlen };
	const char *config = NULL;
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	int rc, n = 0;

	w.replaced = calloc(t->nrows + 1, 1);
	if (!args || !w.replaced) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (nargs)
		*nargs = 0;
	rc = opt_walk_argv(&w, 1, argc, argv, &config, args, &n);
	if (rc == 1) {
		rc = 0;
		goto out;
	}
	if (config) {
		for (size_t i = 0; i < t->nrows; i++) {
			const struct opt_row *r = &t->rows[i];

			if (r->type != OPT_CONFIG)
				continue;
			rc = opt_str_text(obj, r, config, err, errlen);
			if (rc) {
				opt_prefix(err, errlen, "--", opt_flag_name(r), ": ");
				goto out;
			}
		}
		rc = opt_load_file(t, obj, config, err, errlen);
		if (rc)
			goto out;
	}
	rc = opt_walk_argv(&w, 2, argc, argv, &config, args, &n);
	if (rc)
		goto out;
	for (int i = 0; i < n; i++)
		argv[i + 1] = args[i];
	if (n + 1 < argc)
		argv[n + 1] = NULL;
	if (nargs)
		*nargs = n;
out:
	free(args);
	free(w.replaced);
	return rc;
}

/* --- help and dump ------------------------------------------------------------- */

static void opt_bounds(const struct opt_row *r, char *buf, size_t len)
{
	buf[0] = '\0';
	if (r->type == OPT_INT || r->type == OPT_UINT || r->type == OPT_DBL)
		snprintf(buf, len, " (%s%.15g..%.15g)", r->flags & OPT_F_GT_MIN ? "above " : "",
			 r->min, r->max);
	else if (r->type == OPT_ENUM) {
		size_t n;

		snprintf(buf, len, " (");
		for (int i = 0; r->names[i]; i++) {
			n = strlen(buf);
			snprintf(buf + n, len - n, "%s%s", i ? ", " : "", r->names[i]);
		}
		n = strlen(buf);
		snprintf(buf + n, len - n, ")");
	}
}

void opt_help(const struct opt_table *t, FILE *f)
{
	int has_config = 0;
	char left[80], bounds[160];

	if (t->synopsis)
		fputs(t->synopsis, f);
	for (size_t i = 0; i < t->nrows; i++) {
		const struct opt_row *r = &t->rows[i];

		has_config |= r->type == OPT_CONFIG;
		if (r->flags & OPT_F_NOFLAG)
			continue;
		if (r->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", r->short_name, opt_flag_name(r),
				 r->arg ? " " : "", r->arg ? r->arg : "");
		else
			snprintf(left, sizeof(left), "--%s%s%s", opt_flag_name(r), r->arg ? " " : "",
				 r->arg ? r->arg : "");
		/* a long left column gets its own line */
		if (strlen(left) > 28)
			fprintf(f, "  %s\n  %-28s %s", left, "", r->help);
		else
			fprintf(f, "  %-28s %s", left, r->help);
		if (r->def && r->def[0])
			fprintf(f, " [%s]", r->def);
		fputc('\n', f);
	}
	if (has_config) {
		fprintf(f, "\nConfig file keys (also --set key=value):\n");
		for (size_t i = 0; i < t->nrows; i++) {
			const struct opt_row *r = &t->rows[i];

			if (opt_is_cli_only(r))
				continue;
			opt_bounds(r, bounds, sizeof(bounds));
			fprintf(f, "  %-20s %s%s [%s]\n", r->name, r->help, bounds,
				r->def && r->def[0] ? r->def : "\"\"");
		}
	}
	if (t->footer)
		fputs(t->footer, f);
}

void opt_dump(const struct opt_table *t, const void *obj, FILE *f)
{
	const char *base = obj;

	for (size_t i = 0; i < t->nrows; i++) {
		const struct opt_row *r = &t->rows[i];
		const void *p = base + r->off;

		if (opt_is_cli_only(r))
			continue;
		fprintf(f, "%-20s ", r->name);
		if (r->flags & OPT_F_SECRET) {
			fprintf(f, "%s\n", r->def && !strcmp(p, r->def) ? r->def : "(set, hidden)");
			continue;
		}
		switch (r->type) {
		case OPT_STR:
			fprintf(f, "%s\n", (const char *)p);
			break;
		case OPT_INT:
		case OPT_COUNT:
			fprintf(f, "%d\n", *(const int *)p);
			break;
		case OPT_UINT:
			fprintf(f, "%lu\n", (unsigned long)*(const uint32_t *)p);
			break;
		case OPT_U64:
			fprintf(f, "%llu\n", (unsigned long long)*(const uint64_t *)p);
			break;
		case OPT_DBL:
			fprintf(f, "%g\n", *(const double *)p);
			break;
		case OPT_ENUM:
			fprintf(f, "%s\n", r->names[*(const int *)p]);
			break;
		case OPT_FLAG:
			fprintf(f, "%s\n", *(const int *)p ? "true" : "false");
			break;
		case OPT_LIST: {
			int n = *(const int *)(const void *)(base + r->count_off);

			for (int k = 0; k < n; k++)
				fprintf(f, "%s%s", k ? "," : "", (const char *)p + (size_t)k * r->size);
			fputc('\n', f);
			break;
		}
		default:
			fprintf(f, "(set)\n");
			break;
		}
	}
}
