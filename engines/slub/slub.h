/* SPDX-License-Identifier: MIT */
/*
 * slub.h - the SLUB-like slab allocator model shared by its files.
 *
 * The design, after the kernel's SLUB (read for understanding only):
 * - caches of one object size; the kmalloc caches by size class (8 B to
 *   8 KiB), kmem_cache_alloc's keyed by the trace's object size (and call
 *   site, with cache_by_site=1); larger kmallocs go to the page model;
 * - slabs of one or more pages from the page model (a backed zone, so
 *   objects are real memory), their free objects chained through their
 *   first bytes;
 * - per replay thread ("CPU") an active slab per cache whose free objects
 *   it allocates and frees without any lock or atomic: the fast path;
 * - the active slab is "frozen": frees from other threads go onto its own
 *   free list with a compare-and-swap, and the owner takes them when its
 *   private list runs dry;
 * - per node partial lists under "n->list_lock": a slab that has a free
 *   object and is no thread's active slab.  A free to such a slab is a
 *   compare-and-swap on its word, lockless, unless the slab moves between
 *   lists: a full slab (on no list) goes onto the partial list, an empty
 *   one back to the page model when the node already holds min_partial
 *   partial slabs; those take n->list_lock.  (The kernel's per-CPU partial
 *   lists, which defer even that, are not modelled.)
 */
#ifndef SLUB_H
#define SLUB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mmr_engine.h"
#include "mmr_lock.h"
#include "mmr_pages.h"
#include "mmr_touch.h"

#define SLUB_NONE 0xffffu          /* end of a free list of object indices */
#define SLUB_MAX_CACHES 4096u      /* slots of the cache table */
#define SLUB_KMALLOC_MAX 8192u     /* larger kmallocs go to the page model */

/*
 * A slab's shared state in one word, changed only by compare-and-swap:
 * the head of its free list (an object index), objects in use, the frozen
 * bit, and a tag that changes on every update so that a stale head is
 * never taken for a current one.
 */
#define SW_HEAD(w) ((uint32_t)((w) & 0xffff))
#define SW_INUSE(w) ((uint32_t)(((w) >> 16) & 0xffff))
#define SW_FROZEN(w) ((bool)(((w) >> 32) & 1))
#define SW_TAG(w) ((w) >> 33)
#define SW_MAKE(head, inuse, frozen, tag) \
	((uint64_t)(head) | (uint64_t)(inuse) << 16 | (uint64_t)(frozen) << 32 | (uint64_t)(tag) << 33)

struct slub_cache;

struct slub_slab {
	struct slub_cache *cache;
	uint64_t pfn;               /* first frame */
	uint8_t *base;              /* its memory */
	_Atomic uint64_t word;      /* SW_* fields */
	struct slub_slab *prev, *next; /* on its node's partial list, under n->list_lock */
	bool on_partial;            /* under n->list_lock */
};

struct slub_node {
	struct mmr_spinlock list_lock; /* "n->list_lock" */
	struct slub_slab *partial;
	unsigned nr_partial;
};

struct slub_cache {
	uint32_t size;              /* object size, a multiple of 8 */
	uint64_t site;              /* call site it is keyed by, 0 for none */
	uint32_t id;                /* index of the per-thread active slabs */
	uint16_t objects;           /* per slab */
	uint8_t order;              /* of each slab */
	struct slub_node node;      /* one NUMA node */
};

/* One replay thread's view: its active slab and private free list per cache. */
struct slub_cpu_slab {
	struct slub_slab *slab;
	uint16_t freelist;          /* private, object index, SLUB_NONE when empty */
	uint16_t taken;             /* objects taken from the slab's word into the private list */
};

struct slub;

/*
 * Counters a thread keeps to itself, plain, and adds to the engine's
 * totals when it goes (slub.c's table, mmr_counters.h): its context
 * goes with it.
 */
struct slub_counts {
	uint64_t fast_allocs, fast_frees, slow_allocs, remote_frees, lockless_frees, locked_frees;
	uint64_t slabs_new, slabs_freed, large_allocs, failed;
};

struct slub_cpu {
	struct slub *s;
	unsigned cpu;
	struct slub_cpu_slab *active; /* SLUB_MAX_CACHES of them */
	struct slub_counts n;
};

struct slub {
	struct mmr_zone *zone;
	struct slub_slab **slab_of;   /* per frame: the slab it belongs to, or NULL */
	uint8_t *large_order;         /* per frame: order + 1 of a large kmalloc starting here, 0 none */
	uint8_t *base;                /* frame 0's address */
	_Atomic(struct slub_cache *) caches[SLUB_MAX_CACHES];
	struct mmr_mutex slab_mutex;  /* "slab_mutex": creating caches */
	enum mmr_touch touch;
	bool by_site;
	bool prefault;
	unsigned min_partial;
	unsigned threads;
	/*
	 * Every thread's counts, added to as threads leave, under totals_mu:
	 * machinery (no kernel lock stands for it), so not instrumented.
	 */
	pthread_mutex_t totals_mu;
	struct slub_counts totals;
};

/* ---- slab.c --------------------------------------------------------------- */

/* A new, frozen slab of CACHE for CPU, all objects free, none handed out.  NULL when no pages. */
struct slub_slab *slub_slab_new(struct slub_cpu *cpu, struct slub_cache *c);
/* Give SLAB's pages back and free it (its objects are all free). */
void slub_slab_discard(struct slub_cpu *cpu, struct slub_slab *slab);
/* The object I of SLAB, and the index of OBJ in it. */
void *slub_obj(const struct slub_slab *slab, uint32_t i);
uint32_t slub_index(const struct slub_slab *slab, const void *obj);
/* The next-free link kept in a free object's first bytes. */
uint16_t slub_next(const struct slub_slab *slab, uint32_t i);
void slub_set_next(struct slub_slab *slab, uint32_t i, uint16_t next);
/* The slab OBJ lies in, or NULL when it is no slab object. */
struct slub_slab *slub_slab_of(const struct slub *s, const void *obj);

/* ---- cache.c -------------------------------------------------------------- */

/* The cache for SIZE bytes (and SITE, when keyed by site), made on first use.  NULL when full. */
struct slub_cache *slub_cache_get(struct slub *s, uint32_t size, uint64_t site);
/* Size class of a kmalloc of SIZE bytes (8 .. 8192). */
uint32_t slub_kmalloc_size(uint64_t size);

/* ---- alloc.c: the object paths --------------------------------------------- */

void *slub_alloc(struct slub_cpu *cpu, struct slub_cache *c);
void slub_free(struct slub_cpu *cpu, void *obj);
/* Return thread CPU's active slabs to their caches (before the thread goes). */
void slub_flush_cpu(struct slub_cpu *cpu);

#endif /* SLUB_H */
