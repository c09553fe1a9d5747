/*
 * fuzz_joblog.c - fuzz harness for the job-log reader (lib/joblog.c's
 * joblog_read_all, the one ducoreport and ducomaster's report use): the
 * input is a job-log file, read as stdin ("-"), which is the input itself
 * here (fmemopen: no file, no syscall per input).
 *
 * Invariants: every non-empty line is counted exactly once (a job record, a
 * typed record, skipped or too long); a job record's strings end inside
 * their buffers; a record read back and written again with joblog_format
 * is one line of JSON that reads back as a job record with the same slave
 * and verdict, with no word outside its strings but null, true and false
 * (a nan read from null is written as null, never as "nan");
 * a "rig" typed record parses.
 *
 * Under ASan, cJSON allocates from an arena here (cJSON_InitHooks), emptied
 * after each input: ASan's allocator (its bookkeeping, stack traces and the
 * cold memory its quarantine hands out) was two thirds of this harness's
 * time, for about 300 allocations an input. The arena keeps what ASan
 * checked: each block is unpoisoned to its exact size between poisoned
 * gaps (overflows), freed blocks are poisoned and never reused within the
 * input (use after free), a block freed twice or a block left when the
 * input is done (a leak) aborts, and a new block is filled with ASan's
 * 0xbe. Without ASan, cJSON keeps malloc (valgrind sees it).
 */
#include <ctype.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "joblog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#if defined(__SANITIZE_ADDRESS__)
#define FZ_ARENA 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FZ_ARENA 1
#endif
#endif

#ifdef FZ_ARENA
#include <sanitizer/asan_interface.h>

#define FZ_ARENA_SIZE (32u << 20)       /* far more than a 4 KB input's trees */
#define FZ_ALIGN      16u               /* a block's header, and its gap after */
#define FZ_LIVE       0x4c495645u
#define FZ_FREED      0x46524545u

struct fz_block {                       /* in the poisoned gap before a block */
	uint32_t magic;
	uint32_t size;
	uint64_t pad;
};

static _Alignas(FZ_ALIGN) unsigned char fz_arena[FZ_ARENA_SIZE];
static size_t fz_used;                  /* bytes handed out since the reset */
static long fz_blocks;                  /* blocks not freed yet */

/* The header lives in poisoned memory: only these two touch it. */
__attribute__((no_sanitize("address"))) static void *fz_alloc(size_t n)
{
	size_t at = fz_used + FZ_ALIGN, end = at + (n + FZ_ALIGN - 1) / FZ_ALIGN * FZ_ALIGN;
	struct fz_block *b;
	void *p;

	if (n > UINT32_MAX || end + FZ_ALIGN > sizeof(fz_arena)) {
		p = malloc(n);          /* ASan's own; still counted */
		if (p)
			fz_blocks++;
		return p;
	}
	b = (struct fz_block *)(fz_arena + at - FZ_ALIGN);
	b->magic = FZ_LIVE;
	b->size = (uint32_t)n;
	p = fz_arena + at;
	fz_used = end;                  /* the next header: a gap of FZ_ALIGN at least */
	ASAN_UNPOISON_MEMORY_REGION(p, n);
	memset(p, 0xbe, n < 4096 ? n : 4096);
	fz_blocks++;
	return p;
}

__attribute__((no_sanitize("address"))) static void fz_release(void *p)
{
	struct fz_block *b;

	if (!p)
		return;
	fz_blocks--;
	if ((unsigned char *)p < fz_arena || (unsigned char *)p >= fz_arena + sizeof(fz_arena)) {
		free(p);
		return;
	}
	b = (struct fz_block *)((unsigned char *)p - FZ_ALIGN);
	if (b->magic != FZ_LIVE)
		abort();                /* freed twice, or not a block */
	b->magic = FZ_FREED;
	ASAN_POISON_MEMORY_REGION(p, b->size);
}

static void fz_arena_reset(void)
{
	static int hooked;

	if (!hooked) {
		cJSON_Hooks h = { .malloc_fn = fz_alloc, .free_fn = fz_release };

		ASAN_POISON_MEMORY_REGION(fz_arena, sizeof(fz_arena));
		cJSON_InitHooks(&h);
		hooked = 1;
	}
	if (fz_blocks)
		abort();                /* cJSON memory not given back: a leak */
	ASAN_POISON_MEMORY_REGION(fz_arena, fz_used);
	fz_used = 0;
}
#else
static void fz_arena_reset(void) { }
#endif

/*
 * Outside its strings a line of JSON has no words but null, true and false
 * (and a number's exponent): a nan or inf written as text shows there. A
 * string's "nan", or an escape before "an" ("\nan"), does not count.
 */
static int fz_word(const char *p, const char *w)
{
	/* not strncmp: its interceptor and libFuzzer's hook, for every byte */
	while (*w)
		if (*p++ != *w++)
			return 0;
	return 1;
}

static int fz_bare_words(const char *line)
{
	int in = 0;

	for (const char *p = line; *p; p++) {
		if (in) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in = 0;
		} else if (*p == '"') {
			in = 1;
		} else if (fz_word(p, "null") || fz_word(p, "true")) {
			p += 3;
		} else if (fz_word(p, "false")) {
			p += 4;
		} else if (isalpha((unsigned char)*p) &&
			   !((*p == 'e' || *p == 'E') && p > line && isdigit((unsigned char)p[-1]))) {
			return 0;
		}
	}
	return !in;
}

static int fz_job(void *ctx, const struct joblog_entry *e)
{
	static struct joblog_entry back;
	char line[4096];
	int n;

	if (!memchr(e->slave, '\0', sizeof(e->slave)) || !memchr(e->verdict, '\0', sizeof(e->verdict)) ||
	    !memchr(e->reason, '\0', sizeof(e->reason)) || !memchr(e->ts, '\0', sizeof(e->ts)))
		abort();
	n = joblog_format(&e->rec, line, sizeof(line));
	if (n < 0)
		return 0;
	if (n == 0 || line[n - 1] != '\n' || memchr(line, '\n', (size_t)n - 1))
		abort();
	if (!fz_bare_words(line))
		abort();        /* a non-finite number written as text */
	line[n - 1] = '\0';
	if (joblog_parse(line, &back) != 0 || strcmp(back.slave, e->slave) ||
	    strcmp(back.verdict, e->verdict))
		abort();
	return 0;
}

static int fz_typed(void *ctx, const char *type, const cJSON *obj)
{
	struct joblog_rig_entry r;

	if (!strcmp(type, JOBLOG_TYPE_RIG) && joblog_rig_parse(obj, &r) != 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct joblog_reader rd = { .job = fz_job, .typed = fz_typed };
	struct joblog_counts c = { 0 };
	/* glibc's fmemopen takes an empty buffer too (an empty log) */
	FILE *in = fmemopen((void *)(size ? data : (const uint8_t *)""), size, "r"), *was = stdin;

	if (!in)
		abort();
	fz_arena_reset();
	stdin = in;
	if (joblog_read_all("-", &rd, &c) != 0)
		abort();
	stdin = was;
	fclose(in);
	fz_arena_reset();
	if (c.lines != c.jobs + c.typed + c.skipped + c.too_long)
		abort();
	return 0;
}
