/* SPDX-License-Identifier: MIT */
/* robust.h - compare --robust (compare_robust.c), for cmd_compare.c. */
#ifndef CLI_ROBUST_H
#define CLI_ROBUST_H

#include <stdbool.h>
#include <stddef.h>

#include "mmr_calibrate.h"
#include "mmr_replay.h"
#include "mmr_report.h"

struct robust {
	const struct mmr_compare_opts *opts; /* the comparison asked for */
	unsigned steps, repeat;              /* points per cost option; most runs per re-run */
	bool quiet;
	bool measured_only;                  /* vary only the costs calibrate measures, not the assumptions */
	const char *cmd;                     /* whose messages these are (NULL: compare) */
	struct mmr_results *res;             /* the engines compared */
	size_t n;
	struct mmr_engine_catalog *cat;
	struct mmr_profile profile_store;
	const struct mmr_profile *profile;   /* as replay takes it, or NULL */
	struct mmr_robust_point *points;
	struct mmr_compare_result *results;  /* one per point */
	size_t npoints;
	struct mmr_robust robust;            /* what the final comparison gets */
};

/* Load the results of RB->opts' directories, the engines and the profile.  Returns an exit code. */
int cli_robust_load(struct robust *rb, const struct mmr_compare_opts *o);
/* Replay and compare at every point of every cost option, into RB->robust.  Returns an exit code. */
int cli_robust_run(struct robust *rb);
void cli_robust_free(struct robust *rb);

#endif /* CLI_ROBUST_H */
