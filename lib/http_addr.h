/*
 * http_addr.h - lib/http's listen address parser (internal to lib/http*.c;
 * programs use http_is_loopback() from http.h).
 */
#ifndef HTTP_ADDR_H
#define HTTP_ADDR_H

#include <sys/socket.h>
#include "http.h"

/* Numeric "a.b.c.d:port" or "[v6]:port" into ss. 0 or -EINVAL. */
int http_parse_listen(const char *listen, struct sockaddr_storage *ss, socklen_t *len);

#endif
