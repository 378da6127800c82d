/* SPDX-License-Identifier: MIT */
/*
 * mmr_stats.h - what is in a trace, in the manner of `perf kmem stat`:
 * counts per family and op, slab bytes and fragmentation, pages by order,
 * cross-CPU frees, object lifetimes, top call sites, live bytes at the end.
 * The JSON keys are documented in docs/stats-json.md.
 */
#ifndef MMR_STATS_H
#define MMR_STATS_H

#include <stdio.h>

#include "mmr_trace.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mmr_stats;

/* Empty statistics.  Returns NULL when out of memory. */
struct mmr_stats *mmr_stats_new(void);

/* Account one event.  Returns 0, or -1 when out of memory. */
int mmr_stats_add(struct mmr_stats *s, const struct mmr_event *ev);

/*
 * Read every event of R into new statistics.  Returns them, or NULL with
 * ERR filled when the trace is corrupt or memory runs out.
 */
struct mmr_stats *mmr_stats_from_reader(struct mmr_reader *r, struct mmr_error *err);

/*
 * The statistics as a JSON document (a string to free()), symbols and
 * trace metadata taken from R (may be NULL).  NULL when out of memory.
 */
char *mmr_stats_json(const struct mmr_stats *s, const struct mmr_reader *r);

/* The statistics as a human-readable report on F, like perf kmem stat. */
void mmr_stats_print(const struct mmr_stats *s, const struct mmr_reader *r, FILE *f);

/* Valid events of FAMILY (enum mmr_family) in S; 0 out of range. */
uint64_t mmr_stats_family_events(const struct mmr_stats *s, unsigned family);

void mmr_stats_free(struct mmr_stats *s);

#ifdef __cplusplus
}
#endif

#endif /* MMR_STATS_H */
