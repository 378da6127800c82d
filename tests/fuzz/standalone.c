/* SPDX-License-Identifier: MIT */
/*
 * standalone.c - a main for a fuzz target in builds without libFuzzer
 * (gcc, the normal and sanitizer builds): run the target once on each
 * file named, or on each file of each directory named, in name order.
 * ctest runs the reproducers of tests/fuzz/corpus/ so, and a crash found
 * by the fuzzer can be debugged with any compiler:
 *
 *   build/tests/fuzz/fuzz_reader tests/fuzz/corpus/reader
 *   MMR_FUZZ_SAVE=t.mmr build/tests/fuzz/fuzz_replay crash-1234 && mmreplay dump t.mmr
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

/* Run the target on the file PATH.  Returns 0, or -1 when it cannot be read. */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t len = 0, cap = 4096;
	uint8_t *buf = malloc(cap);
	size_t k;
	while (buf && (k = fread(buf + len, 1, cap - len, f)) > 0)
		if ((len += k) == cap) {
			uint8_t *g = realloc(buf, cap *= 2);
			if (!g)
				free(buf);
			buf = g;
		}
	fclose(f);
	if (!buf)
		fz_fatal("%s: out of memory", path);
	fprintf(stderr, "running %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every regular file of DIR.  Returns how many ran, or -1. */
static long run_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name);
	long ran = 0;
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path))
				ran = -1;
			else if (ran >= 0)
				ran++;
		}
		free(names[i]);
	}
	free(names);
	return ran;
}

int main(int argc, char **argv)
{
	long total = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		long ran = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) ? -1 : 1;
		if (ran < 0)
			return 2;
		total += ran;
	}
	fprintf(stderr, "%s: %ld inputs ran\n", argv[0], total);
	return 0;
}
