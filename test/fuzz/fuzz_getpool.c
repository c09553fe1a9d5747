/*
 * fuzz_getpool.c - fuzz harness for the getPool answer (master/discover.c's
 * discover_parse): the JSON a pool-discovery server sends back.
 *
 * Invariants: 0, -EPROTO or -ECONNREFUSED only; on 0 the "host:port" it
 * gives is NUL-terminated within its buffer, ends in a port 1..65535 and
 * holds no character that could break the address (control, space, comma).
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *json = malloc(size + 1), hostport[300];
	const char *colon;
	char *end;
	long port;
	int rc;

	if (!json)
		return 0;
	memcpy(json, data, size);
	json[size] = '\0';
	memset(hostport, 'x', sizeof(hostport));
	rc = discover_parse(json, hostport, sizeof(hostport));
	if (rc != 0 && rc != -EPROTO && rc != -ECONNREFUSED)
		abort();
	if (rc == 0) {
		if (!memchr(hostport, '\0', sizeof(hostport)))
			abort();
		colon = strrchr(hostport, ':');
		if (!colon || colon == hostport)
			abort();
		port = strtol(colon + 1, &end, 10);
		if (*end || port < 1 || port > 65535)
			abort();
		for (const unsigned char *p = (const unsigned char *)hostport; *p; p++)
			if (*p <= 0x20 || *p == ',' || *p == 0x7f)
				abort();
	}
	free(json);
	return 0;
}
