/*
 * joblog.h - the timing record users tune their rigs with: one JSON object
 * per job per line (the seed's getJobWait / getResWait / overall /
 * processing split, plus the hold of state W and the polls of state K).
 * Each line goes out in one write(2) on an O_APPEND file, so a reader or a
 * stop signal never sees half a line; SIGHUP reopens the file. Lines are
 * written with cJSON (every string escaped); a number that is not finite is
 * written as null, and read back as nan. The reader is the one ducoreport
 * and the tests use: a line that is not a record is skipped, never fatal,
 * so a log cut short by a power failure still reads.
 */
#ifndef JOBLOG_H
#define JOBLOG_H

#include <stdint.h>

struct joblog_rec {
	int64_t wall_us;        /* verdict time, wall clock */
	const char *slave;      /* "bus:0xAA" */
	uint32_t job;           /* per-slave job counter */
	uint32_t diff;
	uint32_t nonce;
	double hashrate;        /* reported */
	double r_slave;         /* nonce / slave elapsed */
	const char *verdict;    /* GOOD, BLOCK, BAD */
	const char *reason;     /* BAD reason or "" */
	double get_job_wait_ms; /* R -> J */
	double transfer_ms;     /* J -> K */
	double slave_elapsed_ms;
	uint32_t busy_polls;
	double detect_ms;       /* slave done (by its clock) -> host saw it */
	double hold_ms;         /* W */
	double get_res_wait_ms; /* E -> verdict */
	double overall_ms;      /* request -> verdict */
	double processing_ms;   /* overall minus the parts above */
	double master_ms;       /* measured: time the master spent on the job,
				   bus transactions included */
};

struct joblog {
	int fd;                 /* -1: disabled */
	char path[256];
	uint64_t lines, write_errors;
};

#define JOBLOG_TS_LEN 32        /* 2026-11-21T13:41:46.151Z */

/* A record read back: the record, and the storage its strings point into. */
struct joblog_entry {
	struct joblog_rec rec;
	char slave[96];
	char verdict[24];
	char reason[160];
	char ts[JOBLOG_TS_LEN];         /* as written; "" when missing */
};

/* path "" disables the log. Returns 0 or -errno. */
int  joblog_open(struct joblog *j, const char *path);
int  joblog_reopen(struct joblog *j);
void joblog_close(struct joblog *j);
/* Format one record as a JSON line (with '\n'); returns its length or -ERANGE. */
int  joblog_format(const struct joblog_rec *r, char *buf, unsigned len);
int  joblog_write(struct joblog *j, const struct joblog_rec *r);
/*
 * Parse one line into e. A missing or non-numeric timing field reads as 0,
 * null as nan. 0, or -EINVAL when the line is not a record (not a JSON
 * object, or no "slave" or "verdict" string).
 */
int  joblog_parse(const char *line, struct joblog_entry *e);
/*
 * Read a job-log file ("-" = stdin) and call fn for each record (fn returns
 * 0 to go on). Counts all non-empty lines and the skipped ones. 0 or -errno.
 */
int  joblog_read(const char *path, int (*fn)(void *ctx, const struct joblog_entry *e),
		 void *ctx, unsigned long *lines, unsigned long *skipped);

#endif
