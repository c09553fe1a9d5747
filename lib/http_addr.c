/*
 * http_addr.c - the listen address of lib/http, shared by the build with
 * libmicrohttpd (http.c) and the one without (http_none.c), so a
 * configuration is checked the same way whichever was built. Only numeric
 * addresses: a name would need a lookup before the loop runs, and the
 * address is the user's explicit choice of where the rig is reachable.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "http_addr.h"
#include "resolve.h"

int http_parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64], port[8], *end;
	long p;

	memset(ss, 0, sizeof(*ss));
	if (!listen || resolve_split(listen, host, sizeof(host), port, sizeof(port)) < 0)
		return -EINVAL;
	p = strtol(port, &end, 10);
	if (!port[0] || *end || p < 0 || p > 65535)
		return -EINVAL;
	if (inet_pton(AF_INET, host, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

int http_is_loopback(const char *listen)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (http_parse_listen(listen, &ss, &len) < 0)
		return -EINVAL;
	if (ss.ss_family == AF_INET)
		return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr);
}
