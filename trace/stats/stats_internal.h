/* SPDX-License-Identifier: MIT */
/*
 * stats_internal.h - what stats.c accumulates, shared with the two
 * writers (stats_json.c, stats_text.c).  Not installed, not public.
 */
#ifndef MMR_STATS_INTERNAL_H
#define MMR_STATS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "mmr_hist.h"
#include "mmr_idmap.h"
#include "mmr_stats.h"

#define STATS_PAGE_SIZE 4096ull
/* How many call sites the reports list. */
#define STATS_TOP_SITES 10
/* How many locks the text report lists (the JSON lists every one). */
#define STATS_TOP_LOCKS 20
/*
 * How many locks keep a wait histogram (59 KiB each, 59 MiB for all):
 * real traces contend a few dozen lock addresses; past this, a lock's
 * percentiles are left out and counted (stats_locks.no_hist).
 */
#define STATS_LOCK_HISTS 1024
/* Orders are a byte in the event model. */
#define STATS_ORDERS 256
/* No call site (record of an object whose site could not be stored). */
#define STATS_NO_SITE UINT32_MAX

/* One live object: just enough to account its end. */
struct stats_obj {
	uint64_t id;
	uint64_t ts_ns;
	uint64_t bytes; /* bytes_alloc; page family: 4096 << order */
	uint32_t cpu;
	uint32_t site; /* index into mmr_stats.sites */
};

/*
 * One family.  Live objects sit in a dense array (swap-removed on free) and
 * the map finds them by id, so memory follows the live set, not the trace.
 */
struct stats_family {
	struct mmr_idmap map; /* id -> index into objs */
	/*
	 * Slab only: id -> bytes of its last life, for every pointer freed so
	 * far.  perf kmem stat counts a free as freed bytes whenever its
	 * pointer was ever allocated in the trace (a repeated free again), and
	 * bytes_freed follows it so the two agree on the same events.
	 */
	struct mmr_idmap gone;
	struct stats_obj *objs;
	size_t nobjs, cap_objs;

	uint64_t events;
	uint64_t ops[MMR_OP_COUNT];
	uint64_t allocs;           /* objects started (alloc, realloc's new id) */
	uint64_t frees;            /* objects ended (ends_object ops, realloc's old id) */
	uint64_t unmatched_frees;  /* ends whose object was not live */
	uint64_t unmatched_allocs; /* starts of an id already live: its end was lost */
	uint64_t cross_cpu_frees;  /* matched ends on another CPU than the start */
	uint64_t failed_allocs;    /* allocations that failed (flag failed; slab: pointer 0) */
	uint64_t bytes_req, bytes_alloc, bytes_freed;
	uint64_t live_bytes;
};

/* One call site, over every family's object starts. */
struct stats_site {
	uint64_t addr;
	uint64_t allocs, bytes_req, bytes_alloc;
	uint64_t frees, cross_cpu_frees; /* matched ends of objects started here */
};

/* One kernel lock, by address (stats_lock.c has how waits are paired and counted). */
struct stats_lock_row {
	uint64_t addr;
	uint64_t flags;     /* MMR_LCB_* of its first contention_begin */
	uint64_t contended; /* waits begun */
	uint64_t acquired;  /* waits ended: the ones with a wait time */
	uint64_t wait_total, wait_max, wait_min;
	/*
	 * Its waits' histogram, for percentiles: made at its first wait, for
	 * the first STATS_LOCK_HISTS locks only, as one is 59 KiB and a trace
	 * may name any number of lock addresses.  NULL: none kept.
	 */
	struct mmr_hist *wait_hist;
	uint64_t caller;      /* most frequent call site of its begins (the code that contended), 0 if none */
	uint64_t caller_hits; /* begins from that caller */
	uint64_t stacked;     /* begins whose stack was taken (MMR_EF_STACKED): their waits ran longer */
};

/* How often one lock's begins came from one call site. */
struct stats_lock_caller {
	uint64_t addr, site, hits;
};

/* One task's waits, over every lock (what `perf lock contention -t` lists). */
struct stats_lock_task {
	int32_t pid;
	uint64_t contended, acquired, wait_total, wait_max;
};

/* A wait begun and not yet ended. */
struct stats_wait {
	uint64_t addr, waiter, ts_ns;
};

struct stats_locks {
	struct mmr_idmap lock_map; /* lock address -> index into rows */
	struct stats_lock_row *rows;
	size_t nrows, cap_rows;
	struct mmr_idmap task_map; /* pid -> index into tasks */
	struct stats_lock_task *tasks;
	size_t ntasks, cap_tasks;
	struct mmr_idmap pending;  /* wait key -> index into waits */
	struct stats_wait *waits;
	size_t nwaits, cap_waits;
	struct mmr_idmap caller_map; /* (lock, site) key -> index into callers */
	struct stats_lock_caller *callers;
	size_t ncallers, cap_callers;
	uint64_t nested_begins;    /* begins of a wait already begun */
	uint64_t unmatched_ends;   /* ends with no wait begun in the trace */
	size_t nhists;             /* rows with a wait_hist */
	uint64_t no_hist;          /* locks that waited but got no histogram (STATS_LOCK_HISTS) */
};

/* Account one valid lock event.  Returns 0, or -1 when out of memory. */
int stats_locks_add(struct stats_locks *l, const struct mmr_event *ev);
void stats_locks_free(struct stats_locks *l);
/*
 * Indices of L's locks that were contended, most total wait first, into
 * *IDX (malloc'd; NULL when out of memory).  Returns how many.
 */
size_t stats_locks_order(const struct stats_locks *l, uint32_t **idx);
/*
 * The kernel's name for ROW's lock: the trace's symbol at its address (a
 * static lock), else the lock its most frequent caller takes
 * (mmr_kernel_lock_of_wait on the caller's symbol, docs/kernel-locks.md).
 * *BY (may be NULL) gets "symbol" or "caller".  Returns the name, or NULL
 * when neither names it (the report then shows address and caller).
 */
const char *stats_lock_name_by(const struct stats_lock_row *row, const struct mmr_reader *r, const char **by);

/* stats_lock_name_by without saying how: the name, or NULL. */
const char *stats_lock_name(const struct stats_lock_row *row, const struct mmr_reader *r);

/* Waits begun, and ns waited, over every lock. */
uint64_t stats_locks_contended(const struct stats_locks *l);
uint64_t stats_locks_wait(const struct stats_locks *l);

struct mmr_stats {
	uint64_t events;
	uint64_t first_ts_ns, last_ts_ns; /* smallest and largest timestamp */
	struct stats_family fam[MMR_FAM_COUNT];
	uint64_t slab_null_frees;    /* kfree(NULL) and the like */
	/* Events out of their valid range (mmr_event_check), left out of every figure but events. */
	struct mmr_invalid_counts invalid;
	uint64_t page_by_order[STATS_ORDERS];
	struct mmr_hist lifetime; /* ns from start to end of matched objects */
	struct mmr_idmap site_map; /* call-site address -> index into sites */
	struct stats_site *sites;
	size_t nsites, cap_sites;
	struct stats_locks locks; /* family lock: the kernel's contention */
};

/*
 * Fill IDX with up to MAX indices of known (nonzero) call sites, most bytes
 * allocated first, then most allocations, then lowest address.  Returns how many.
 */
size_t stats_top_sites(const struct mmr_stats *s, uint32_t *idx, size_t max);

/* Live objects and bytes summed over the families. */
uint64_t stats_live_objects(const struct mmr_stats *s);
uint64_t stats_live_bytes(const struct mmr_stats *s);
/* Matched ends on another CPU, summed over the families. */
uint64_t stats_cross_cpu_frees(const struct mmr_stats *s);
/* Timestamp span of the events, 0 when there are fewer than two. */
uint64_t stats_duration_ns(const struct mmr_stats *s);

/* 100 * (alloc - req) / alloc, and 0 when nothing was allocated. */
double stats_frag_pct(uint64_t req, uint64_t alloc);

#endif /* MMR_STATS_INTERNAL_H */
