/*
 * jsonout.c - rounding numbers and writing a cJSON object as one line.
 * Assumes cJSON 1.7, which prints a whole double as an integer and other
 * numbers with up to 17 significant digits: rounding first keeps "1.5" from
 * turning into "1.4999999999999999".
 */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "jsonout.h"

cJSON *jsonout_num(cJSON *obj, const char *key, double v, int decimals)
{
	if (!isfinite(v))
		return cJSON_AddNullToObject(obj, key);
	if (decimals >= 0) {
		double scale = pow(10.0, decimals), r = round(v * scale) / scale;

		/* a huge value would overflow the scaling: keep it as it is */
		if (isfinite(r))
			v = r;
	}
	return cJSON_AddNumberToObject(obj, key, v);
}

char *jsonout_line(const cJSON *obj, size_t *len)
{
	char *text = cJSON_PrintUnformatted(obj), *line;
	size_t n;

	if (!text)
		return NULL;
	n = strlen(text);
	/* cJSON's text goes back through cJSON_free: with allocation hooks
	 * (cJSON_InitHooks) it is not malloc's to realloc or free */
	line = malloc(n + 2);
	if (line)
		memcpy(line, text, n);
	cJSON_free(text);
	if (!line)
		return NULL;
	line[n] = '\n';
	line[n + 1] = '\0';
	if (len)
		*len = n + 1;
	return line;
}

int jsonout_fprint(FILE *f, const cJSON *obj)
{
	size_t len;
	char *line = jsonout_line(obj, &len);
	int rc = 0;

	if (!line)
		return -ENOMEM;
	if (fwrite(line, 1, len, f) != len || fflush(f))
		rc = -EIO;
	free(line);
	return rc;
}
