/* SPDX-License-Identifier: MIT */
/* demo.h - what cmd_demo.c and demo_claims.c share: the seed families and the demo's state. */
#ifndef CLI_DEMO_H
#define CLI_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "mmr_catalog.h"
#include "mmr_report.h"

/* The most seed families the demo runs (the catalog's, plan/families.json): its arrays are sized by it. */
#define DEMO_FAMILIES 5

struct demo {
	const char *out, *repeat;
	struct mmr_catalog cat;                   /* the families and claims (plan/families.json) */
	struct mmr_claim *claim_defs;             /* the catalog's claims, as the claims page takes them */
	struct mmr_claim_result *claims;          /* demo_claims.c: one per claim */
	struct mmr_verdict *claim_lines;          /* the claims as the index lists them */
	char *claim_cmds[DEMO_FAMILIES];
	bool capture, tty, robust;
	unsigned step, steps;
	char real[4300];        /* the real trace the "live" families replay */
	char real_what[512];    /* how it was got, for the index */
	struct timespec t0;
	/* Per family its generated workload, its real trace, PREEMPT_RT's locks; and the claims. */
	/* ... and the models against this kernel (validate, on the live capture). */
	struct mmr_index_entry entries[3 * DEMO_FAMILIES + 2];
	struct mmr_compare_result results[3 * DEMO_FAMILIES + 2];
	char *texts[3 * DEMO_FAMILIES + 2][4]; /* href, label, text, intro: owned */
	size_t nentries;
	bool live;                            /* d->real is the live capture, lock contention in it */
	struct mmr_verdict *validate_lines;   /* validate's per-engine lines, as the index lists them */
};

/* demo_claims.c: the commands that made family F's figures (index FI), its generated TRACE; kept in D. */
void demo_claim_commands(struct demo *d, const struct mmr_catalog_family *f, size_t fi, const char *trace);
/* Judge every seed claim by its family's comparison, write DIR/seed-claims.md and .html and add them to the index.  An exit code. */
int demo_claims(struct demo *d);
void demo_claims_free(struct demo *d);

#endif /* CLI_DEMO_H */
