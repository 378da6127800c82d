/* SPDX-License-Identifier: MIT */
/*
 * mmr_pages.h - the page allocator model the page engines replay against
 * and the other engines (slub, CMA, kvfree_rcu) take their pages from, so
 * that all of them share one buddy allocator and its zone->lock contention
 * shows in their reports.
 *
 * A zone is a range of page frames [0, pages) with the buddy allocator's
 * free lists per order and migratetype, split and merged under
 * "zone->lock"; optionally with per-CPU page lists ("pcp") that serve
 * small orders without the zone lock and refill from, or drain to, the
 * buddy lists in batches.  "CPU" here is the replay thread: each thread
 * owns its pcp lists and touches no other's, as a CPU with interrupts off
 * does; a set of pcp lists (a CPU number) is used by one thread at a time.  Optionally the zone is backed by real memory, so that a page
 * frame has an address the engine can write.
 *
 * Built as a static, position-independent library linked into every
 * engine object that needs it.  All functions are thread-safe except
 * create and destroy.
 */
#ifndef MMR_PAGES_H
#define MMR_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmr_event.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A page frame number that is none: the allocation failed. */
#define MMR_NO_PAGE UINT64_MAX

/* Migratetypes, as the kernel's free lists are split. */
enum mmr_migratetype {
	MMR_MT_UNMOVABLE,
	MMR_MT_MOVABLE,
	MMR_MT_RECLAIMABLE,
	MMR_MT_COUNT
};

struct mmr_zone_cfg {
	uint64_t pages;         /* frames in the zone; 0 picks 1 GiB of 4 KiB pages */
	unsigned max_order;     /* largest order + 1 (the kernel's NR_PAGE_ORDERS); 0 picks 11 */
	bool backed;            /* give frames real memory (mmr_page_address), huge pages where it can */
	bool prefault;          /* with backed: fault all of it in at create, as the kernel's direct map is
	                         * always mapped (else the first use of a frame pays a page fault) */
	bool pcp;               /* per-CPU lists on */
	unsigned cpus;          /* per-CPU list sets (replay threads); at least 1 */
	unsigned pcp_high;      /* pages a CPU's lists hold before draining; 0 picks the kernel-like default */
	unsigned pcp_batch;     /* pages moved per refill or drain; 0 picks the kernel-like default */
	unsigned pcp_orders;    /* orders below this use the pcp lists; 0 picks 4 (orders 0..3: the kernel's
	                         * PAGE_ALLOC_COSTLY_ORDER is 3) */
	/*
	 * Watermarks in free pages, checked on the buddy path: an allocation
	 * that would leave fewer than min fails (half of min with
	 * MMR_PAGES_HIGH), one that leaves fewer than low is counted.  All
	 * three 0 picks kernel-like defaults from pages; to run with none,
	 * give high alone.
	 */
	uint64_t wmark_min, wmark_low, wmark_high;
};

struct mmr_zone;

/*
 * A zone as CFG says, all of it free.  Returns NULL with ERR filled when
 * a value is out of range or memory runs out.
 */
struct mmr_zone *mmr_zone_create(const struct mmr_zone_cfg *cfg, struct mmr_error *err);
void mmr_zone_destroy(struct mmr_zone *z);

/* The zone's configuration as it runs, the defaults filled in. */
const struct mmr_zone_cfg *mmr_zone_cfg(const struct mmr_zone *z);

/* Flags for mmr_pages_alloc. */
enum mmr_pages_flag {
	/*
	 * Only from CPU's own pcp list, never the zone lock: fails (returns
	 * MMR_NO_PAGE) when the list has no page of that order.  What a caller
	 * that must not take locks (kvfree_rcu's page for its block) can do.
	 */
	MMR_PAGES_NOLOCK = 1u << 0,
	/* Allowed below the min watermark (GFP_ATOMIC's reserve). */
	MMR_PAGES_HIGH = 1u << 1,
	/*
	 * When the pcp list of the migratetype asked for is empty, the first
	 * block on any other migratetype's list of that order (the kernel's
	 * order: unmovable, movable, reclaimable), as seed 003's
	 * __rcu_alloc_page_lockless() takes "the first page of any
	 * migratetype".  Only the pcp lists: the buddy path ignores it.
	 */
	MMR_PAGES_ANY_MT = 1u << 2,
};

/*
 * The trace's gfp flags as the model reads them, for every engine that
 * replays page events (the page engines, kvfree_rcu's trace pages): the
 * kernel's gfp bits __GFP_MOVABLE, __GFP_RECLAIMABLE and __GFP_HIGH
 * (include/linux/gfp_types.h; stable since 4.x).
 */
#define MMR_GFP_MOVABLE 0x08u
#define MMR_GFP_RECLAIMABLE 0x10u
#define MMR_GFP_HIGH 0x20u

/* The migratetype an allocation with GFP asks for, as the kernel's gfp_migratetype(). */
static inline unsigned mmr_gfp_migratetype(uint32_t gfp)
{
	return gfp & MMR_GFP_MOVABLE ? MMR_MT_MOVABLE : gfp & MMR_GFP_RECLAIMABLE ? MMR_MT_RECLAIMABLE : MMR_MT_UNMOVABLE;
}

/*
 * The mmr_pages_alloc flags of a trace's page allocation with GFP and
 * event flags EV_FLAGS (MMR_EF_*): __GFP_HIGH or an atomic caller may dip
 * into the reserve below the min watermark.
 */
static inline unsigned mmr_gfp_pages_flags(uint32_t gfp, unsigned ev_flags)
{
	return (gfp & MMR_GFP_HIGH) || (ev_flags & MMR_EF_ATOMIC) ? MMR_PAGES_HIGH : 0;
}

/*
 * 2^ORDER contiguous frames, aligned to their size, of MIGRATETYPE, for
 * thread CPU: from CPU's pcp list when the zone has them and ORDER is
 * small enough, else from the buddy lists under zone->lock.  Returns the
 * first frame, or MMR_NO_PAGE when there is none (counted as a failure).
 */
uint64_t mmr_pages_alloc(struct mmr_zone *z, unsigned cpu, unsigned order, unsigned migratetype,
			 unsigned flags);

/*
 * Give back the block at PFN that mmr_pages_alloc handed out, from thread
 * CPU: to CPU's pcp list (draining a batch when it passes high), or
 * straight to the buddy lists, merging with free buddies.  ORDER should be
 * the order it was allocated with; the block's own order is used, and a
 * different ORDER is counted (order_mismatch).  A PFN that is not an
 * allocated block (a double free) is counted in bad_frees and ignored.
 */
void mmr_pages_free(struct mmr_zone *z, unsigned cpu, uint64_t pfn, unsigned order);

/*
 * Give every block on CPU's pcp lists back to the buddy lists, under
 * zone->lock (what the kernel does before it takes a contiguous range).
 * Only the thread that uses CPU's lists may call it.
 */
void mmr_pages_drain(struct mmr_zone *z, unsigned cpu);

/*
 * COUNT contiguous frames from PFN, of any alignment, taken out of the
 * buddy lists as one run (CMA's allocation); the frames must all be free.
 * Returns 0, or -1 when some frame in the range is not free.
 */
int mmr_pages_take_range(struct mmr_zone *z, uint64_t pfn, uint64_t count);

/* Give back COUNT contiguous frames from PFN, taken by take_range or alloc, merging as it goes. */
void mmr_pages_free_range(struct mmr_zone *z, uint64_t pfn, uint64_t count);

/* The address of frame PFN in a backed zone (NULL when the zone is not backed). */
void *mmr_page_address(const struct mmr_zone *z, uint64_t pfn);

/* Bytes per frame: 4096. */
#define MMR_PAGE_SIZE 4096u

struct mmr_zone_stats {
	uint64_t pages, free_pages;       /* in the buddy lists; pcp-held pages are not free here */
	uint64_t pcp_pages;               /* held on pcp lists, all CPUs */
	uint64_t allocs, frees, failed;   /* mmr_pages_alloc / free calls, and failed allocs */
	uint64_t pcp_hits;                /* allocations served from a pcp list without zone->lock */
	uint64_t refills, drains;         /* batch moves between the pcp lists and the buddy lists (a
	                                   * refill may drain first to stay within high: one refill) */
	uint64_t direct;                  /* calls that took zone->lock for themselves: buddy-path
	                                   * allocs and frees, mmr_pages_drain, ranges */
	uint64_t zone_lock_acquisitions;  /* times this zone took zone->lock: refills + drains + direct */
	uint64_t splits, merges;          /* buddy splits and merges */
	uint64_t below_low;               /* buddy-path allocations that found free pages below low */
	uint64_t fallbacks;               /* buddy allocations served from another migratetype */
	uint64_t bad_frees, order_mismatch; /* frees of no allocated block; frees given another order */
	uint64_t by_order_free[16];       /* free blocks per order (first 16 orders) */
};

/* The zone's figures now.  Exact when no thread is inside the zone. */
void mmr_zone_stats(const struct mmr_zone *z, struct mmr_zone_stats *st);

/*
 * Frames handed out of the zone: neither free in the buddy lists nor on a
 * pcp list.  Read while other threads run, the two counts may overlap (a
 * refill between them): never below 0.
 */
static inline uint64_t mmr_zone_pages_out(const struct mmr_zone_stats *st)
{
	uint64_t held = st->free_pages + st->pcp_pages;
	return held < st->pages ? st->pages - held : 0;
}

/*
 * Check the buddy invariants: every free block aligned to its order and
 * within the zone, no frame in two free blocks, no free block whose buddy
 * of the same order is also free (they would have merged), free pages
 * equal to the sum over the lists, pcp lists within high.  Returns 0, or
 * -1 with the first broken invariant in ERR.  Call with no thread inside.
 */
int mmr_zone_check(const struct mmr_zone *z, struct mmr_error *err);

#ifdef __cplusplus
}
#endif

#endif /* MMR_PAGES_H */
