/* SPDX-License-Identifier: MIT */
/*
 * fuzz_import_perf.c - the perf.data importer (capture/import_perf.c,
 * perf_records.c, tracing_data.c): the input is the perf.data.  What an import
 * writes must read back whole (fz_import).
 */
#include "cap_internal.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_import(data, size, "in.data", cap_import_perf);
	return 0;
}
