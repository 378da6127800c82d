/* SPDX-License-Identifier: MIT */
/*
 * fuzz_reader.c - the .mmr reader and the statistics over what it reads.
 *
 * The input is a trace file.  Its checksums are made right first
 * (fz_mmr_fix_sums): a mutated file with a stale checksum stops at the
 * first check, and every byte change is known to be caught there
 * (tests/trace/test_format.c); with them right, a mutation reaches the
 * sizes, counts, varints and columns behind.  Then the trace is read as
 * `mmreplay stats` reads it (fz_consume_trace).  MMR_FUZZ_SAVE keeps the
 * repaired file.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[512];
	uint8_t *copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	fz_mmr_fix_sums(copy, size);
	fz_write_file(fz_path(path, sizeof(path), "in.mmr"), copy, size);
	free(copy);
	fz_save(path);
	fz_consume_trace(path, false);
	return 0;
}
