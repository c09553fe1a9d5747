/*
 * pool_log.h - ducopool's one logging module: `sec.usec message` lines on
 * stderr, only when --verbose is on. stdout is reserved for the lines scripts
 * parse (`listening on`, `http on`, stats JSON), so logs never go there.
 */
#ifndef POOL_LOG_H
#define POOL_LOG_H

void pool_log_enable(int on);
void pool_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
