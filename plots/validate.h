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
#include "report.h"

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
	double p50, p99;      /* of one wait: a lone address's as stats wrote them, else the histogram's; NAN: unknown */
};

/* The kernel's side of a capture. */
struct val_kernel {
	struct val_klock *locks; /* most total wait first */
	size_t n;
	unsigned nr_cpus;
	double span_ns;     /* the trace's duration */
	char release[96];   /* uname -r of the traced kernel, "" when unknown */
	uint64_t stacked;   /* waits lengthened by the capture's own stack taking, when the file says */
	uint64_t spin_waits; /* waits on locks of type spinlock: none on a kernel that cannot trace them */
};

/* One lock's figures on one side. */
struct val_fig {
	bool present;
	bool spin;   /* the model's lock is a spinlock (spinlock_t, raw_spinlock_t) */
	bool queued; /* a spinlock counted by its waits queued behind another (mmr_validate_opts.spin_all) */
	bool untraced; /* a bit spinlock: no kernel tracepoint reports its waits */
	double per_kop, wait_share, p50, p99; /* NAN where unknown */
	double per_kop_all; /* the model's: every contended acquisition, queued or not, per 1000 ops */
};

/* One kernel lock beside one engine's lock of its name. */
struct val_row {
	const struct val_klock *k;
	struct val_fig kf, mf; /* mf.present: the engine has the lock */
	double lr;             /* mmr_validate_log_ratio of the contention rates; NAN when not paired */
};

/* A model lock that contended where the kernel reported no contention. */
struct val_extra {
	const char *name; /* the results' lock name */
	struct val_fig f;
	bool unchecked;   /* a spinlock, and the kernel traced no spinlock wait at all */
};

/* What the report is built from: the kernel's side, the engines' results and rows, the document. */
struct val {
	const struct mmr_validate_opts *o;
	struct val_kernel k;
	struct mmr_results *res;
	size_t n;
	struct val_row **rows; /* per engine, k.n rows */
	struct val_extra **extra; /* per engine, nextra[e] of them */
	size_t *nextra;
	struct mmr_validate_engine *out;
	struct rpt_doc doc;
	char datadir[4200];
	size_t points; /* locks in the plot: paired, and contended on both sides */
};

/*
 * validate_json.c: OUTDIR/validate.json, what the report says as data
 * (docs/validate.md lists the keys).  Returns 0, or -1 with ERR.
 */
int val_write_json(const struct val *v, struct mmr_error *err);

/*
 * Read PATH, a trace's statistics as `mmreplay stats --json` writes them,
 * into K (lock_contention.locks[] grouped by name).  Returns 0, or -1 with
 * ERR (unreadable, not JSON, no lock_contention: a capture without -e lock).
 */
int val_kernel_load(const char *path, struct val_kernel *k, struct mmr_error *err);
void val_kernel_free(struct val_kernel *k);

#endif /* MMR_VALIDATE_INTERNAL_H */
