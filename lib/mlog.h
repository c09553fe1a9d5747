/*
 * mlog.h - the one logging module of every host program (ducomaster,
 * ducopool): leveled lines to stderr or to a file that SIGHUP reopens
 * (logrotate). A line reads
 *     2026-11-21T13:41:46.151Z info  ducopool: conn 3 from 127.0.0.1:40122
 * : an ISO 8601 UTC timestamp with milliseconds (the job log's format, so
 * the two line up; UTC because a Pi's local zone may change under it), the
 * level padded to five characters, the optional program name, the message.
 * Each line is written with a single write(2) so a signal or a concurrent
 * reader never sees half a line. Libraries below it return -errno; no
 * caller may pass a mining key in a message (ducopool masks the JOB lines
 * it logs).
 */
#ifndef MLOG_H
#define MLOG_H

enum mlog_level {
	MLOG_ERROR = 0,
	MLOG_WARN  = 1,
	MLOG_INFO  = 2,
	MLOG_DEBUG = 3,
};

/* path NULL or "" = stderr. Returns 0 or -errno (then stderr is used). */
int  mlog_open(const char *path, enum mlog_level level);
/* Name put before each message ("ducopool: "); NULL or "" for none. */
void mlog_set_ident(const char *ident);
int  mlog_reopen(void);
void mlog_close(void);
void mlog_set_level(enum mlog_level level);
int  mlog_enabled(enum mlog_level level);
/* 1 when log lines go to a terminal (the live table then keeps quiet). */
int  mlog_to_tty(void);
void mlog_msg(enum mlog_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define mlog_error(...) mlog_msg(MLOG_ERROR, __VA_ARGS__)
#define mlog_warn(...)  mlog_msg(MLOG_WARN, __VA_ARGS__)
#define mlog_info(...)  mlog_msg(MLOG_INFO, __VA_ARGS__)
#define mlog_debug(...) do { if (mlog_enabled(MLOG_DEBUG)) mlog_msg(MLOG_DEBUG, __VA_ARGS__); } while (0)

#endif
