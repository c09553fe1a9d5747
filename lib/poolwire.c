/*
 * poolwire.c - the pool's job line, parsed once (see poolwire.h).
 */
#include "poolwire.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "duco_s1.h"

static int poolwire_is_hex(const char *p)
{
	for (int i = 0; i < DUCO_S1_HEX; i++)
		if (!isxdigit((unsigned char)p[i]))
			return 0;
	return 1;
}

int poolwire_parse_job(const char *s, struct poolwire_job *jl)
{
	const char *d = s + 2 * DUCO_S1_HEX + 2;        /* the difficulty */
	char *end;
	unsigned long diff;

	/* strnlen: the hex checks below must not read past a short line */
	if (strnlen(s, 2 * DUCO_S1_HEX + 3) < 2 * DUCO_S1_HEX + 3 ||
	    !poolwire_is_hex(s) || s[DUCO_S1_HEX] != ',' ||
	    !poolwire_is_hex(s + DUCO_S1_HEX + 1) || s[2 * DUCO_S1_HEX + 1] != ',' ||
	    !isdigit((unsigned char)*d))
		return -EPROTO;
	errno = 0;
	diff = strtoul(d, &end, 10);
	if (errno || *end || diff == 0 || diff > DUCO_MAX_NONCE / 100)
		return -EPROTO;
	memcpy(jl->last_hash, s, DUCO_S1_HEX);
	jl->last_hash[DUCO_S1_HEX] = '\0';
	memcpy(jl->expected_hex, s + DUCO_S1_HEX + 1, DUCO_S1_HEX);
	jl->expected_hex[DUCO_S1_HEX] = '\0';
	if (duco_hex_to_bin(jl->expected_hex, jl->expected, DUCO_SHA1_DIGEST) < 0)
		return -EPROTO;
	jl->diff = (uint32_t)diff;
	return 0;
}

void poolwire_job_to_slave(const struct poolwire_job *jl, struct duco_job *job)
{
	memcpy(job->last_hash, jl->last_hash, DUCO_S1_HEX);
	memcpy(job->expected, jl->expected, DUCO_SHA1_DIGEST);
	job->start_nonce = 0;
	job->end_nonce = jl->diff * 100;
}

void poolwire_ducoid(const uint8_t id[8], char out[POOLWIRE_DUCOID_LEN + 1])
{
	memcpy(out, "DUCOID", 6);
	duco_bin_to_hex(id, 8, out + 6, 1);
	out[POOLWIRE_DUCOID_LEN] = '\0';
}
