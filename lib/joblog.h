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
 *
 * Besides job records the log carries periodic records of other kinds: a
 * line whose object has a "type" string member ("rig": the master's own
 * figures every 60 s; "earnings": the wallet's). Job records have no
 * "type". A reader hands typed records to whoever knows the type and skips
 * the others without error, so an old ducoreport reads a newer log.
 */
#ifndef JOBLOG_H
#define JOBLOG_H

#include <stdint.h>

struct cJSON;

struct joblog_rec {
	int64_t wall_us;        /* verdict time, wall clock */
	const char *slave;      /* "bus:0xAA": the board */
	uint32_t worker;        /* the board's pool worker (thread) 0.. */
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

#define JOBLOG_TYPE_RIG "rig"
#define JOBLOG_RIG_PERIOD_S 60          /* how often ducomaster writes one */

/* A board's trouble counters, since the master started. */
struct joblog_board_faults {
	const char *board;      /* named as in job records' "slave" */
	uint32_t bus_errors;    /* transfers retried as noise (CRC errors, NACKs) */
	uint32_t faults;        /* slave faults: the board reset and the job retried */
	uint32_t wrong_nonces;  /* results that failed the host's check */
	uint32_t timeouts;      /* pool answers that did not come in time */
	uint32_t disconnects;   /* pool connections lost */
};

/* "rig": what the master knows about itself (written at start, every
 * JOBLOG_RIG_PERIOD_S and at stop). Its counters run from the process's
 * start, so a restart shows as uptime_s going down. */
struct joblog_rig {
	int64_t wall_us;
	double uptime_s;        /* since the master started */
	double cpu_s;           /* user + system CPU of the master since its start */
	long rss_kb;            /* peak resident set */
	const char *version;    /* ducomaster's */
	const char *log_level;  /* error, warn, info, debug */
	uint32_t boards;        /* slaves configured or found */
	uint32_t reconnects;    /* pool connections made after each board's first */
	/* boards with any trouble, written as "faults": {board: {counters}} */
	const struct joblog_board_faults *faults;
	uint32_t nfaults;
};

struct joblog_rig_entry {
	struct joblog_rig rig;
	char version[32];
	char log_level[16];
};

/* What joblog_read_all met, line by line. */
struct joblog_counts {
	unsigned long lines;    /* non-empty lines */
	unsigned long jobs;     /* job records */
	unsigned long typed;    /* typed records (known to the caller or not) */
	unsigned long skipped;  /* lines that were not a record (torn, not JSON, keys missing) */
	unsigned long too_long; /* lines over JOBLOG_READ_LINE_MAX, skipped unread */
};

#define JOBLOG_READ_LINE_MAX 65536      /* a record is a few hundred bytes: more is garbage */

/* The reader's callbacks; either may be NULL. Each returns 0 to go on. */
struct joblog_reader {
	int (*job)(void *ctx, const struct joblog_entry *e);
	/* a typed record: its type and the object (valid during the call only) */
	int (*typed)(void *ctx, const char *type, const struct cJSON *obj);
	void *ctx;
};

/* path "" disables the log. Returns 0 or -errno. */
int  joblog_open(struct joblog *j, const char *path);
int  joblog_reopen(struct joblog *j);
void joblog_close(struct joblog *j);
/* Format one record as a JSON line (with '\n'); returns its length or -ERANGE. */
int  joblog_format(const struct joblog_rec *r, char *buf, unsigned len);
int  joblog_write(struct joblog *j, const struct joblog_rec *r);
/*
 * A typed record: obj must carry "type"; "ts" (wall_us) is put first. The
 * object is written as one line, in one write(2). 0 or -errno.
 */
int  joblog_write_typed(struct joblog *j, const char *type, int64_t wall_us,
			const struct cJSON *obj);
int  joblog_write_rig(struct joblog *j, const struct joblog_rig *r);
/* A "rig" record's members into e (missing numbers 0, strings ""); its
 * "faults" are left to joblog_rig_faults. 0 or -EINVAL. */
int  joblog_rig_parse(const struct cJSON *obj, struct joblog_rig_entry *e);
/* "2026-11-21T13:41:46.151Z" -> microseconds since the epoch; 0 if not that form. */
int64_t joblog_ts_us(const char *ts);
/* A "rig" record's "faults" into out[max] (board names point into obj). The count. */
int  joblog_rig_faults(const struct cJSON *obj, struct joblog_board_faults *out, int max);
/*
 * Parse one line into e. A missing or non-numeric timing field reads as 0,
 * null as nan. 0, or -EINVAL when the line is not a record (not a JSON
 * object, or no "slave" or "verdict" string).
 */
int  joblog_parse(const char *line, struct joblog_entry *e);
/*
 * Read a job-log file ("-" = stdin): job records to rd->job, typed records
 * to rd->typed, everything counted in c (added to). A callback's non-zero
 * return stops the read and is returned. 0 or -errno.
 */
int  joblog_read_all(const char *path, const struct joblog_reader *rd, struct joblog_counts *c);
/*
 * The same for job records only: fn for each; lines counts the non-empty
 * lines, skipped the ones that were neither a job record nor a typed one.
 */
int  joblog_read(const char *path, int (*fn)(void *ctx, const struct joblog_entry *e),
		 void *ctx, unsigned long *lines, unsigned long *skipped);

#endif
