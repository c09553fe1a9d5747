/*
 * jsonout.h - the few helpers every program uses to write JSON with cJSON:
 * numbers rounded to a fixed number of decimals (so a log line stays short),
 * and an object written as one line. No program formats JSON by hand, so
 * every string is escaped by cJSON. A number that is not finite (nan, inf)
 * is written as null: cJSON does that itself, and jsonout_num adds null
 * explicitly, so readers see null, never a bare nan.
 */
#ifndef JSONOUT_H
#define JSONOUT_H

#include <stdio.h>

struct cJSON;

#define JSONOUT_EXACT (-1)      /* decimals: keep every digit */

/* Add key: v rounded to decimals (or JSONOUT_EXACT), null if not finite. NULL on ENOMEM. */
struct cJSON *jsonout_num(struct cJSON *obj, const char *key, double v, int decimals);
/* The object as one line of text with '\n' (free() it), *len its length; NULL on ENOMEM. */
char *jsonout_line(const struct cJSON *obj, size_t *len);
/* Write the object as one line to f and flush. 0 or -errno. */
int   jsonout_fprint(FILE *f, const struct cJSON *obj);

#endif
