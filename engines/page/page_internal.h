/* SPDX-License-Identifier: MIT */
/*
 * page_internal.h - the page allocator model's state, shared by its files
 * (zone.c, buddy.c, pcp.c, check.c).  Not for engines: they use mmr_pages.h.
 *
 * Every frame has a small descriptor.  A block (free, on a pcp list, or
 * handed out) is a run of 2^order frames aligned to its size; its first
 * frame, the head, says what the block is and its order, every other frame
 * of it is a tail.  So the zone is always a sequence of blocks, which is
 * what the checker walks.
 *
 * A free block sits on the list of its order and of the migratetype of the
 * pageblock its head lies in; when an allocation falls back to another
 * migratetype and claims a pageblock, the free blocks inside it move to
 * the claimer's lists, so that rule always holds.
 */
#ifndef PAGE_INTERNAL_H
#define PAGE_INTERNAL_H

#include <stdatomic.h>

#include "mmr_lock.h"
#include "mmr_pages.h"

#define PG_NIL UINT32_MAX      /* end of a list of frames */
#define PG_MAX_ORDERS 16u      /* orders 0..15 at most */
#define PG_PAGEBLOCK_ORDER 9u  /* 2 MiB pageblocks, the unit a migratetype is set for */

/* What a head frame is; tails are PG_TAIL. */
enum pg_state {
	PG_TAIL,
	PG_BUDDY,  /* head of a free block on a buddy list */
	PG_PCP,    /* head of a block on a pcp list */
	PG_USED,   /* head of a block handed out by mmr_pages_alloc */
	PG_TAKEN,  /* one frame taken by mmr_pages_take_range (order 0) */
};

/*
 * State and order in one atomic word: a pcp path changes it without
 * zone->lock (handed out -> on a pcp list) while a merge under the lock
 * reads it to ask whether a buddy is free; the lock holder only acts on
 * PG_BUDDY, which only lock holders set or clear.
 */
#define PG_INFO(state, order) ((uint16_t)((state) | (order) << 8))
#define PG_STATE(info) ((enum pg_state)((info) & 0xff))
#define PG_ORDER(info) ((unsigned)((info) >> 8))

struct pg_frame {
	uint32_t prev, next;   /* on a buddy list (under zone->lock) or a pcp list (its owner) */
	_Atomic uint16_t info;
	uint8_t mt;            /* the migratetype list the block is on */
};

/*
 * A counter written by one thread at a time (the lock holder or the
 * owner) and read by stats: relaxed loads and stores, no locked
 * read-modify-write, so the fast path pays nothing for it.
 */
typedef _Atomic uint64_t pg_count;

static inline void pg_add(pg_count *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

static inline uint64_t pg_read(const pg_count *c)
{
	return atomic_load_explicit((pg_count *)c, memory_order_relaxed);
}

struct pg_list {
	uint32_t head, tail;
};

/* One CPU's pcp lists and counters, on their own cache lines. */
struct pg_pcp {
	struct pg_list list[PG_MAX_ORDERS][MMR_MT_COUNT]; /* orders below pcp_orders */
	pg_count count;        /* pages on the lists */
	pg_count allocs, frees, failed, pcp_hits, order_mismatch, bad_frees, direct;
} __attribute__((aligned(64)));

struct mmr_zone {
	struct mmr_zone_cfg cfg;   /* with the defaults filled in */
	struct pg_frame *frame;
	uint8_t *pb_mt;            /* migratetype per pageblock */
	unsigned pb_order;         /* pageblock order: min(9, max_order - 1) */
	uint8_t *mem;              /* backing memory, or NULL */
	size_t mem_bytes;
	struct pg_pcp *pcp;        /* cfg.cpus of them */

	struct mmr_spinlock lock;  /* "zone->lock": everything below */
	struct pg_list free[PG_MAX_ORDERS][MMR_MT_COUNT];
	pg_count nr_free[PG_MAX_ORDERS];
	pg_count free_pages;
	pg_count lock_acquisitions, refills, drains, splits, merges, below_low, fallbacks;
	pg_count buddy_failed, range_bad_frees, range_ops;
};

/* ---- buddy.c: the free lists, all under zone->lock ------------------------ */

/* Lock and unlock zone->lock, counting the acquisition. */
void pg_lock(struct mmr_zone *z);
void pg_unlock(struct mmr_zone *z);

/*
 * A block of ORDER for MT from the buddy lists (falling back to other
 * migratetypes), its head marked STATE; MMR_NO_PAGE when the watermark
 * (min, or half of it with HIGH) or the lists say no.  Lock held.
 */
uint64_t pg_buddy_take(struct mmr_zone *z, unsigned order, unsigned mt, bool high, enum pg_state state);

/* Put the block of ORDER at PFN back on the buddy lists, merging with free buddies.  Lock held. */
void pg_buddy_put(struct mmr_zone *z, uint64_t pfn, unsigned order);

/* Put [FROM, TO) on the buddy lists as the largest aligned blocks, merging none.  Lock held. */
void pg_buddy_put_run(struct mmr_zone *z, uint64_t from, uint64_t to);

/* The frame's info word. */
static inline uint16_t pg_info(const struct mmr_zone *z, uint64_t pfn)
{
	return atomic_load_explicit(&((struct mmr_zone *)z)->frame[pfn].info, memory_order_relaxed);
}

static inline void pg_set_info(struct mmr_zone *z, uint64_t pfn, enum pg_state state, unsigned order)
{
	atomic_store_explicit(&z->frame[pfn].info, PG_INFO(state, order), memory_order_relaxed);
}

/* ---- lists (buddy.c): doubly linked through the frames ---------------------- */

void pg_list_push(struct mmr_zone *z, struct pg_list *l, uint32_t pfn);
void pg_list_del(struct mmr_zone *z, struct pg_list *l, uint32_t pfn);

#endif /* PAGE_INTERNAL_H */
