/* SPDX-License-Identifier: MIT */
/*
 * mmr_demo.h - `mmreplay demo` as a plan: the family catalog
 * (mmr_catalog.h) made into a plan of one group per family and real
 * trace, run as any plan is, and the demo's own page over the plan's
 * reports: the seed threads' claims, judged against the comparisons the
 * plan made.
 */
#ifndef MMR_DEMO_H
#define MMR_DEMO_H

#include <stdbool.h>
#include <stddef.h>

#include "mmr_catalog.h"
#include "mmr_plan.h"
#include "mmr_report.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MMR_DEMO_THREADS 2           /* replay threads, and the generated workloads' CPUs */
#define MMR_DEMO_REAL_EVENTS 20000   /* events of a "live" real trace each replay takes */
#define MMR_DEMO_BUNDLED "fs-walk.mmr" /* the real trace when there is no live capture */

/*
 * The demo's plan (named "demo"): for each family of CAT, group FAMILY,
 * its engines, baseline and engine options on its generated workload
 * (seed 1, MMR_DEMO_THREADS CPUs) at MMR_DEMO_THREADS threads, under both
 * kernel modes where the family says rt; where the family has a real
 * trace, group FAMILY-real on it: a bundled trace as it is, or for "live"
 * REAL (a path, or a bundled trace's name) replayed --as FAMILY, its first
 * MMR_DEMO_REAL_EVENTS events.  Each group is titled with the family's
 * heading, described by its question (and why it has no real trace), its
 * reference engines its references.  REPEAT runs each.  The plan's text
 * (p->text) is what `mmreplay demo --print-plan` prints.  Returns the
 * plan (mmr_plan_free it), or NULL with ERR: out of memory, or a catalog
 * the plan reader refuses (its line, naming "demo").
 */
struct mmr_plan *mmr_demo_plan(const struct mmr_catalog *cat, const char *real, unsigned repeat, struct mmr_error *err);

/* The claims page and its index entry (mmr_demo_claims). */
struct mmr_demo_claims {
	struct mmr_claim *defs;          /* per claim of the catalog */
	struct mmr_claim_result *results;
	struct mmr_verdict *lines;       /* as the index lists them: weighing nothing in its first verdicts */
	size_t n;
	char **commands;                 /* per cell judged ("zsmalloc (kernel rt)" its own): what makes its figures */
	size_t ncommands;
	struct mmr_index_entry entry;    /* the index's section for the page */
};

/*
 * Judge every claim of CAT against the comparison of its family's
 * generated workload in the demo plan P (JOBS its expansion; CELLS[c]
 * cell c's comparison or NULL, as mmr_plan_report's before_index gets
 * them; a claim judged under PREEMPT_RT the cell under --kernel rt), then
 * write DIR/seed-claims.md and .html and fill C (mmr_demo_claims_free it)
 * with the page's index entry.  Returns 0, or -1 with ERR: out of memory,
 * the page not written.
 */
int mmr_demo_claims(const struct mmr_catalog *cat, const struct mmr_plan *p, const struct mmr_plan_jobs *jobs,
		    const struct mmr_compare_result *const *cells, const char *dir, struct mmr_demo_claims *c,
		    struct mmr_error *err);
void mmr_demo_claims_free(struct mmr_demo_claims *c);

#ifdef __cplusplus
}
#endif

#endif /* MMR_DEMO_H */
