/* SPDX-License-Identifier: MIT */
/*
 * import_tracedat.c - placeholder on the perf-import branch only.
 *
 * The trace.dat importer is written on another branch, in a file of this
 * name; this stub exists so that this branch links, and is replaced by
 * that file when the branches are merged.
 */
#include "cap_internal.h"

int cap_import_tracedat(const char *in, const char *out, struct mmr_import_summary *sum,
			struct mmr_error *err)
{
	(void)out;
	(void)sum;
	cap_errf(err, in, 0, "trace.dat import is not in this build");
	return -1;
}
