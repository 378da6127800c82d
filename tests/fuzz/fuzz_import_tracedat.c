/* SPDX-License-Identifier: MIT */
/*
 * fuzz_import_tracedat.c - the trace.dat importer (capture/import_tracedat.c,
 * tracedat_read.c, tracing_data.c): the input is the trace.dat.  What an import
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
	fz_import(data, size, "in.dat", cap_import_tracedat);
	return 0;
}
