/*
 * fuzz_config.c - fuzz harness for the strict JSON config loader (lib/options)
 * with ducomaster's own option table, then its cross-field checks.
 *
 * The input is a config file's contents. Invariants: the loader returns 0 or
 * a negative errno and always leaves a NUL-terminated message; a config it
 * accepts and config_validate() passes holds no comma or control character
 * in a field that goes on the wire, and no non-finite number. No read past
 * the input (ASan, or the replay driver's exact-size heap copy).
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_wire_field(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p == ',' || *p < 0x20 || *p == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config c;
	char err[512];
	int rc;

	config_defaults(&c);
	memset(err, 'x', sizeof(err));
	err[sizeof(err) - 1] = '\0';
	rc = opt_load_text(&config_table, &c, "fuzz.json", (const char *)data, size, err,
			   sizeof(err));
	if (rc > 0 || strlen(err) >= sizeof(err))
		abort();
	if (rc == 0 && config_validate(&c, err, sizeof(err)) == 0) {
		fuzz_wire_field(c.user);
		fuzz_wire_field(c.rig_id);
		fuzz_wire_field(c.software);
		fuzz_wire_field(c.mining_key);
		if (!isfinite(c.max_hashrate) || !isfinite(c.margin) || !isfinite(c.duration_s))
			abort();
		for (int a = 0x08; a <= 0x77; a++) {
			double max, margin;

			config_slave_limit(&c, (uint8_t)a, &max, &margin);
			if (!isfinite(max) || !isfinite(margin))
				abort();
		}
	}
	return 0;
}
