/*
 * poolwire.h - the parts of the pool's text protocol that more than one
 * program speaks, written once: the job line "<last_hash>,<expected>,<diff>"
 * (ducomaster reads it from the pool, ducoctl and ducosim from their command
 * lines) with the search range it implies (nonces 0 .. diff * 100, as the
 * official miners search), and a board's DUCOID as the result line and the
 * tools show it.
 */
#ifndef POOLWIRE_H
#define POOLWIRE_H

#include <stdint.h>

#include "duco_proto.h"
#include "duco_s1.h"

struct poolwire_job {
	char last_hash[DUCO_S1_HEX + 1];
	char expected_hex[DUCO_S1_HEX + 1];
	uint8_t expected[DUCO_SHA1_DIGEST];
	uint32_t diff;
};

/*
 * Parse exactly one job line (no trailing text, no newline): two 40-digit
 * hex digests and a decimal difficulty of 1 .. DUCO_MAX_NONCE / 100.
 * Returns 0 or -EPROTO.
 */
int  poolwire_parse_job(const char *s, struct poolwire_job *jl);
/* The slave job it asks for: nonces 0 .. diff * 100. job_id is left as it is. */
void poolwire_job_to_slave(const struct poolwire_job *jl, struct duco_job *job);

#define POOLWIRE_DUCOID_LEN (6 + 16)     /* "DUCOID" + 16 uppercase hex */

/* "DUCOID" and the 8 signature-row bytes in uppercase hex, NUL-terminated. */
void poolwire_ducoid(const uint8_t id[8], char out[POOLWIRE_DUCOID_LEN + 1]);

#endif
