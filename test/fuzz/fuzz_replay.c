/*
 * fuzz_replay.c - runs a fuzz harness without libFuzzer, for `make test`.
 *
 * Linked with one harness (LLVMFuzzerTestOneInput) and built by the normal
 * compiler as build/host/test/fuzz-replay/<harness>; it replays the
 * committed corpus test/fuzz/corpus/<harness>/ (the program's name; run
 * from the top of the tree), or the folder given as the first argument. Every corpus file is fed as it is, then a
 * fixed number of seeded mutations of them (bit flips, random bytes,
 * truncation, growth, splices), each in a heap buffer of exactly its size
 * so that ASan or valgrind flag a read past the end. A crash or an abort()
 * of an invariant ends the program without its last TAP line, which the
 * test runner counts as a failure. Deterministic. Prints TAP.
 */
/* 64-bit inode numbers and offsets on 32-bit targets too: without them
 * readdir() fails with EOVERFLOW on a file system with large inodes (what
 * the armhf build met under qemu-user). */
#define _FILE_OFFSET_BITS 64
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"

#include <libgen.h>
#define FUZZ_MUTATIONS 20000
#define FUZZ_MAX_INPUT 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

struct fz_input {
	uint8_t *data;
	size_t size;
};

static uint32_t fz_seed = 0x2545f491u;

static uint32_t fz_rnd(void)
{
	fz_seed ^= fz_seed << 13;
	fz_seed ^= fz_seed >> 17;
	fz_seed ^= fz_seed << 5;
	return fz_seed;
}

static void fz_run(const uint8_t *p, size_t n)
{
	uint8_t *copy = malloc(n ? n : 1);

	if (!copy)
		abort();
	memcpy(copy, p, n);
	LLVMFuzzerTestOneInput(copy, n);
	free(copy);
}

static int fz_load(const char *dir, struct fz_input **out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct fz_input *in = NULL;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[4096];
		FILE *f;
		struct fz_input *bigger;
		long len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		len = ftell(f);
		rewind(f);
		bigger = realloc(in, (size_t)(n + 1) * sizeof(*in));
		if (len < 0 || !bigger) {
			fclose(f);
			continue;
		}
		in = bigger;
		in[n].size = (size_t)len;
		in[n].data = malloc((size_t)len + 1);
		if (in[n].data && fread(in[n].data, 1, (size_t)len, f) == (size_t)len)
			n++;
		else
			free(in[n].data);
		fclose(f);
	}
	closedir(d);
	*out = in;
	return n;
}

int main(int argc, char **argv)
{
	char dflt[512];
	const char *dir = dflt;
	struct fz_input *in = NULL;
	static uint8_t m[FUZZ_MAX_INPUT];
	int n, i;

	snprintf(dflt, sizeof(dflt), "test/fuzz/corpus/%s", basename(argv[0]));
	if (argc > 1)
		dir = argv[1];
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	n = fz_load(dir, &in);
	if (!tap_ok(n > 0, "corpus %s: %d inputs%s", dir, n, n < 0 ? " (cannot read the folder)" : ""))
		return tap_done();
	for (i = 0; i < n; i++)
		fz_run(in[i].data, in[i].size);
	tap_ok(1, "every corpus input runs without a crash or a broken invariant");
	for (i = 0; i < FUZZ_MUTATIONS; i++) {
		const struct fz_input *a = &in[fz_rnd() % (unsigned)n];
		size_t len = a->size < sizeof(m) ? a->size : sizeof(m);

		memcpy(m, a->data, len);
		for (int edits = 1 + (int)(fz_rnd() % 4); edits; edits--) {
			const struct fz_input *b = &in[fz_rnd() % (unsigned)n];
			size_t at = len ? fz_rnd() % len : 0, k;

			switch (fz_rnd() % 6) {
			case 0: if (len) m[at] ^= (uint8_t)(1u << (fz_rnd() % 8)); break;
			case 1: if (len) m[at] = (uint8_t)fz_rnd(); break;
			case 2: len = len ? fz_rnd() % len : 0; break;
			case 3: if (len < sizeof(m)) m[len++] = (uint8_t)fz_rnd(); break;
			case 4:         /* splice: the tail of another input */
				k = b->size ? fz_rnd() % b->size : 0;
				while (k < b->size && at < sizeof(m))
					m[at++] = b->data[k++];
				len = at > len ? at : len;
				break;
			case 5: if (len) m[at] = "\n,{}\":0\0"[fz_rnd() % 8]; break;
			}
		}
		fz_run(m, len);
	}
	tap_ok(1, "%d seeded mutations of the corpus run without a crash or a broken invariant",
	       FUZZ_MUTATIONS);
	for (i = 0; i < n; i++)
		free(in[i].data);
	free(in);
	return tap_done();
}
