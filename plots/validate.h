/* SPDX-License-Identifier: MIT */
/*
 * validate.h - what validate.c (the report) and validate_kernel.c (the
 * kernel's side, read from `mmreplay stats --json`) share.  Not public.
 */
#ifndef MMR_VALIDATE_INTERNAL_H
#define MMR_VALIDATE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmr_hist.h"
#include "mmr_report.h"

/*
 * One kernel lock as validate pairs it: every address of one kernel lock
 * name summed (zone->lock has one per zone, vn->busy.lock one per node),
 * or one unnamed address on its own.
 */
struct val_klock {
	char name[96];   /* the kernel's lock name, "" when the capture could not name it */
	char label[200]; /* what the report calls it: the name, or "0xADDR (caller)" */
	unsigned addrs;  /* lock addresses summed */
	uint64_t contended, wait_ns;
	struct mmr_hist hist; /* its waits, from the lock rows' wait_histogram[] */
	bool hist_known;      /* every address had one */
};

/* The kernel's side of a capture. */
struct val_kernel {
	struct val_klock *locks; /* most total wait first */
	size_t n;
	unsigned nr_cpus;
	double span_ns;     /* the trace's duration */
	char release[96];   /* uname -r of the traced kernel, "" when unknown */
	uint64_t stacked;   /* waits lengthened by the capture's own stack taking, when the file says */
};

/*
 * Read PATH, a trace's statistics as `mmreplay stats --json` writes them,
 * into K (lock_contention.locks[] grouped by name).  Returns 0, or -1 with
 * ERR (unreadable, not JSON, no lock_contention: a capture without -e lock).
 */
int val_kernel_load(const char *path, struct val_kernel *k, struct mmr_error *err);
void val_kernel_free(struct val_kernel *k);

#endif /* MMR_VALIDATE_INTERNAL_H */
