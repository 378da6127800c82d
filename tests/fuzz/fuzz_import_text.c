/* SPDX-License-Identifier: MIT */
/*
 * fuzz_import_text.c - the text-trace importer (capture/import_text.c):
 * the input is the text file (`mmreplay dump`'s form).  What an import
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
	fz_import(data, size, "in.txt", cap_import_text);
	return 0;
}
