/* SPDX-License-Identifier: MIT */
/*
 * zsmalloc.h - the zsmalloc model shared by its files and its two variants.
 *
 * The design, after the kernel's mm/zsmalloc.c around the 2021 series the
 * seed (004) reviews (read for understanding only):
 * - size classes from 32 bytes to a page in 16-byte steps; classes whose
 *   zspages would have the same pages and objects are merged into the
 *   larger one (zs_class.c);
 * - a zspage is 1 to 4 order-0 pages from the page model (mmr_pages.h,
 *   backed), not contiguous in memory, so an object may span two pages;
 *   a zspage sits on its class's fullness list (empty, almost empty,
 *   almost full, full);
 * - a handle is a small allocated word holding the object's location,
 *   <page frame, object index>, so that migration can move the object and
 *   rewrite the word in place; its lowest bit is the pre-2021 pin bit.  An
 *   allocated object starts with its handle's address (tag bit set), a free
 *   one with the next free index, as the kernel does; the huge class (one
 *   object a page) keeps the handle in the zspage instead;
 * - objects hold real bytes: map returns a pointer into the page, or copies
 *   an object spanning two pages into the thread's buffer (the kernel's
 *   per-CPU area) and back on unmap;
 * - compaction moves objects from sparse zspages into fuller ones and frees
 *   the emptied zspages; page migration moves one page of a zspage to a new
 *   frame.  A worker runs both every interval (worker.c); the trace's
 *   compact events run compaction on the replay thread (the shrinker);
 * - the variants differ in how map, free, compaction and migration exclude
 *   each other (variant_*.c, behind struct zs_variant).
 */
#ifndef ZSMALLOC_H
#define ZSMALLOC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mmr_engine.h"
#include "mmr_hist.h"
#include "mmr_lock.h"
#include "mmr_time.h"
#include "mmr_pages.h"

#define ZS_PAGE 4096u
#define ZS_MIN_SIZE 32u
#define ZS_STEP 16u
#define ZS_NR_CLASSES ((ZS_PAGE - ZS_MIN_SIZE) / ZS_STEP + 1) /* 255 */
#define ZS_MAX_PAGES 4u                                       /* pages per zspage at most */
#define ZS_HANDLE_SIZE 8u                                     /* header of an allocated object */
#define ZS_PIN_BIT 0u                                         /* HANDLE_PIN_BIT (zsmalloc-pinbit) */
#define ZS_IDX_BITS 12u                                       /* object index bits of a location */
#define ZS_MAX_OBJS (ZS_MAX_PAGES * ZS_PAGE / ZS_MIN_SIZE)

enum zs_fullness { ZS_EMPTY, ZS_ALMOST_EMPTY, ZS_ALMOST_FULL, ZS_FULL, ZS_NR_FULLNESS };

/* A handle: the kernel's word plus the model's bookkeeping of the bytes written. */
struct zs_handle {
	atomic_ulong obj; /* location << 1; bit 0 the pin bit */
	uint32_t size;    /* bytes asked for */
	uint32_t version; /* writes so far: the pattern the bytes must hold (0: never written) */
	/*
	 * The replay thread that holds it mapped, plus one; 0: none.  Set by
	 * the mapper, cleared by it as the last thing its unmap does, so that
	 * another thread that reads 0 may free the handle.
	 */
	atomic_uint mapper;
};

struct zs_class;

struct zs_zspage {
	struct zs_class *class;
	uint64_t pfn[ZS_MAX_PAGES];
	unsigned inuse;                /* objects allocated */
	int freeobj;                   /* first free object, -1: none */
	int fullness;                  /* list it is on; -1 while isolated or off every list */
	bool isolated;                 /* taken for page migration: no allocation from it, no free of it */
	struct zs_zspage *prev, *next; /* on the class's fullness list */
	struct zs_handle *huge;        /* huge class: its only object's handle */
	struct mmr_rwlock lock;        /* "zspage->lock" */
	/*
	 * Mappings of its objects held by a replay thread that is between two
	 * ops, outside the engine: they last until that thread's next op, which
	 * may wait on any other thread, so no writer of the lock waits for them.
	 */
	atomic_uint parked;
};

struct zs_class {
	struct mmr_spinlock lock; /* "class->lock" */
	unsigned size, objs_per_zspage, pages_per_zspage, index;
	bool huge;
	struct zs_zspage *list[ZS_NR_FULLNESS];
	uint64_t zspages, objs_used; /* under lock */
} __attribute__((aligned(64)));

/*
 * Counts, one set per CPU of the model (each replay thread's zs_thread,
 * and the worker's, the slot after them), bumped with plain increments
 * by the one thread that runs that CPU.  Counters shared by the threads
 * would bounce their cache line between the CPUs on nearly every call:
 * contention neither kernel design has, timed into the latencies and
 * throughput the variants are compared on.  Compaction and migration
 * count on the CPU that runs them as well (the worker's, or a replay
 * thread's for a trace's compact event): a compaction moves objects one
 * by one, and a replay thread compacting beside the worker would
 * otherwise share a line with it.  Summed by zs_counts_sum (ops.c's
 * table, mmr_counters.h) at report time, when the runner has joined
 * every thread.
 */
struct zs_counts {
	uint64_t mallocs, failed, frees, maps, unmaps, spans, verified, mismatches;
	uint64_t unmatched_unmaps, implicit_unmaps, refused_map_mapped, refused_free_mapped;
	uint64_t compactions, pages_freed, objs_moved, backoffs, pin_busy;
	uint64_t op_compactions, op_pages_freed; /* the trace's compact events alone (the worker's apart) */
	uint64_t migrations, migrate_backoffs, zspages_alloc, zspages_freed;
	uint64_t compact_ns; /* time inside compaction, all callers */
};

/* A replay thread is a CPU: its pcp lists, its map buffer and its counts. */
struct zs_thread {
	struct zs_pool *pool;
	unsigned cpu;
	uint8_t *buf;                /* the per-CPU copy area for objects spanning two pages */
	/* The mapping held from a MAP event to its UNMAP. */
	struct zs_handle *mapped;
	struct zs_zspage *mzspage;
	struct zs_zspage *parked;    /* mzspage, while this thread is outside the engine with it mapped */
	uint8_t *maddr;              /* what map returned */
	bool mwrite, mspans;
	struct zs_counts n;          /* this CPU's; only its own thread writes them */
} __attribute__((aligned(64)));

struct zs_pool;

/*
 * A zsmalloc engine: its ops (the mmr_engines[] entry; zs_engine_create
 * finds the rest from env->engine) and what the variant decides: how each
 * path excludes the others.  The lock ranks feed the debug build's order
 * check (zs_ld_*); 0 for a lock the variant does not have.
 */
struct zs_variant {
	struct mmr_engine_ops ops;
	const char *name;
	unsigned rank_pin, rank_migrate, rank_class, rank_zspage;
	/* Map: lock what keeps H's object in place; returns its zspage. */
	struct zs_zspage *(*map_lock)(struct zs_pool *p, struct zs_handle *h);
	void (*map_unlock)(struct zs_pool *p, struct zs_handle *h, struct zs_zspage *z);
	/* Free: returns H's zspage with its class->lock held. */
	struct zs_zspage *(*free_lock)(struct zs_pool *p, struct zs_handle *h);
	/* After the object is freed, before the zspage may be: drop what guards the zspage. */
	void (*free_zspage_unlock)(struct zs_pool *p, struct zs_handle *h, struct zs_zspage *z);
	/* After class->lock is dropped. */
	void (*free_unlock)(struct zs_pool *p, struct zs_handle *h);
	/* Compact one class; returns pages freed. */
	uint64_t (*compact_class)(struct zs_pool *p, struct zs_class *c, unsigned cpu);
	/* Move page PAGE_I of isolated zspage Z to frame NEW_PFN; 0, or -1 when it backed off. */
	int (*migrate_page)(struct zs_pool *p, struct zs_zspage *z, unsigned page_i, uint64_t new_pfn);
};

extern const struct zs_variant zs_pinbit_variant, zs_migrate_lock_variant;

struct zs_pool {
	const struct zs_variant *v;
	struct mmr_zone *zone;
	uint64_t nr_pfns;
	struct zs_zspage **owner; /* frame -> its zspage (the kernel's page->private) */
	struct zs_class *size_class[ZS_NR_CLASSES];
	struct zs_class *classes; /* the distinct ones, nr_classes of them */
	unsigned nr_classes;
	struct mmr_rwlock migrate_lock;   /* "pool->migrate_lock" (zsmalloc-migrate-lock) */
	struct mmr_lock_class *pin_class; /* "handle pin bit" (zsmalloc-pinbit) */
	unsigned nr_threads;
	struct zs_thread *threads;        /* nr_threads + 1: the last is the worker's CPU */
	uint64_t interval_ns, migrate_pages, pause_spin_ns;
	uint64_t pressure_pages;          /* pages taken from the zone per migration batch; 0: a batch per pass */
	atomic_ullong pages_taken;        /* pages the pool took from the zone for zspages */
	uint64_t batches;                 /* worker only: migration batches run */
	struct mmr_ttimer timer;          /* the worker: a pass every interval_ns of trace time, kicked by pressure */
	unsigned mig_cursor;              /* worker only: next class to take a page from */
	uint64_t worker_ns;               /* worker only: time it ran */
	pthread_mutex_t stats_mu;         /* the histograms below (model bookkeeping, not a kernel lock) */
	struct mmr_hist pause, pass;      /* exclusive-hold stretches of compaction; whole passes */
	/*
	 * Worker passes: bumped once per pass by the worker alone, never on a
	 * replay thread's path, so one shared atomic costs nothing; it may be
	 * read while the worker runs (the unit test waits on it for a pass).
	 */
	atomic_ullong passes;
	/* Compactions and migrations that let a zspage be rather than wait for a parked mapping. */
	atomic_ullong parked_backoffs;
};

/* The counts of thread CPU (nr_threads: the worker's). */
static inline struct zs_counts *zs_cpu_counts(struct zs_pool *p, unsigned cpu)
{
	return &p->threads[cpu].n;
}

/* Every CPU's counts, summed.  Exact when no thread is inside the pool. */
struct zs_counts zs_counts_sum(const struct zs_pool *p);

/* ---- lock order check (debug builds) -------------------------------------- */

/* Order violations seen; with zs_ld_fatal (the default) the first aborts instead. */
extern atomic_uint zs_ld_violations;
extern bool zs_ld_fatal;
/* Taking (blocking) a lock of RANK: every lock held must rank lower (equal with NESTED). */
void zs_ld_acquire(unsigned rank, bool nested);
/* A successful trylock: held, but no order to keep. */
void zs_ld_acquired(unsigned rank);
void zs_ld_release(unsigned rank);

/* ---- pool.c: classes, zspages, objects ------------------------------------ */

/* Location encoding: the frame the object starts in and its index in the zspage. */
static inline unsigned long zs_obj(uint64_t pfn, unsigned idx)
{
	return (unsigned long)((pfn << ZS_IDX_BITS) | idx) << 1;
}
static inline uint64_t zs_obj_pfn(unsigned long obj)
{
	return (obj >> 1) >> ZS_IDX_BITS;
}
static inline unsigned zs_obj_idx(unsigned long obj)
{
	return (unsigned)((obj >> 1) & ((1u << ZS_IDX_BITS) - 1));
}
/* The zspage H's word points into (stable while the caller keeps H's object in place). */
static inline struct zs_zspage *zs_handle_zspage(const struct zs_pool *p, struct zs_handle *h)
{
	return p->owner[zs_obj_pfn(atomic_load_explicit(&h->obj, memory_order_relaxed))];
}

void zs_class_lock(struct zs_pool *p, struct zs_class *c);
void zs_class_unlock(struct zs_pool *p, struct zs_class *c);
void zs_zspage_read_lock(struct zs_pool *p, struct zs_zspage *z);
void zs_zspage_read_unlock(struct zs_pool *p, struct zs_zspage *z);
/*
 * Z's lock for write (NESTED: a second zspage's, beside one held), unless a mapping of one of
 * its objects is parked (zs_zspage.parked) before or while it waits: then
 * false, nothing taken, counted in parked_backoffs.  What compaction and
 * migration take, so that they never wait on a thread that is waiting on
 * someone they hold up.
 */
bool zs_zspage_write_lock_unparked(struct zs_pool *p, struct zs_zspage *z, bool nested);
void zs_zspage_write_unlock(struct zs_pool *p, struct zs_zspage *z);

/* Address of byte OFF (within the zspage) of Z. */
uint8_t *zs_zspage_byte(const struct zs_pool *p, const struct zs_zspage *z, unsigned off);
/* The handle of object IDX of Z, NULL when that object is free.  Under class->lock. */
struct zs_handle *zs_obj_handle(const struct zs_pool *p, const struct zs_zspage *z, unsigned idx);
/* A free object of Z (not full) taken for H; returns its location.  Under class->lock. */
unsigned long zs_obj_malloc(struct zs_pool *p, struct zs_zspage *z, struct zs_handle *h);
/* Object IDX of Z back on its free list.  Under class->lock. */
void zs_obj_free(struct zs_pool *p, struct zs_zspage *z, unsigned idx);
/* The fullness group Z's use puts it in. */
int zs_get_fullness(const struct zs_class *c, const struct zs_zspage *z);
/* Move Z to the list its use says (not while isolated); returns its group.  Under class->lock. */
int zs_fix_fullness(struct zs_class *c, struct zs_zspage *z);
/* Take a zspage off the lists for compaction: a sparse SOURCE or a full-ish target; NULL: none. */
struct zs_zspage *zs_isolate_zspage(struct zs_class *c, bool source);
/* Put Z back on the list its use says; returns the group. */
int zs_putback_zspage(struct zs_class *c, struct zs_zspage *z);
/*
 * Take a zspage of C off its list for page migration, marked isolated: no
 * allocation lands in it and a free that empties it leaves it to the
 * migrator.  PICK varies which.  NULL when C has none.  Under class->lock.
 */
struct zs_zspage *zs_isolate_for_migration(struct zs_class *c, unsigned pick);
/* Whether compacting C could free a zspage. */
bool zs_can_compact(const struct zs_class *c);
/* Free empty Z's pages from thread CPU (off every list already or on the empty one).  Under class->lock. */
void zs_free_zspage(struct zs_pool *p, struct zs_class *c, struct zs_zspage *z, unsigned cpu);

/*
 * Move objects of SRC, from index *IDX on, into DST until SRC has none
 * left (returns true) or DST is full (false), counted on thread CPU.
 * With PIN, each handle is try-pinned first and a busy one skipped; its
 * new location keeps the pin bit until unpinned.  Under class->lock and
 * whatever the variant needs.
 */
bool zs_migrate_zspage(struct zs_pool *p, struct zs_zspage *src, struct zs_zspage *dst, unsigned *idx, bool pin,
		       unsigned cpu);
/* The handles of the allocated objects starting in page PAGE_I of Z, into OUT; returns how many. */
unsigned zs_page_handles(const struct zs_pool *p, const struct zs_zspage *z, unsigned page_i,
			 struct zs_handle **out);
/* Copy page PAGE_I of Z to NEW_PFN, point its handles there (keeping their pin bits) and the zspage. */
void zs_move_page(struct zs_pool *p, struct zs_zspage *z, unsigned page_i, uint64_t new_pfn);

/* ---- api.c: zs_malloc, zs_free, zs_map_object, zs_unmap_object ----------- */

/* A handle for SIZE bytes from thread CPU, NULL when SIZE is 0 or over a page, or pages run out. */
struct zs_handle *zs_malloc(struct zs_pool *p, unsigned cpu, uint32_t size);
/* Free H's object and H, from thread CPU. */
void zs_free(struct zs_pool *p, unsigned cpu, struct zs_handle *h);
/* Map H's object on thread T: a pointer to its bytes, valid until zs_unmap_object.  WRITE: not copied in. */
uint8_t *zs_map_object(struct zs_thread *t, struct zs_handle *h, bool write);
/* End T's mapping, copying a spanning object back when it was mapped for write. */
void zs_unmap_object(struct zs_thread *t);
/* Run compaction over every class from thread CPU; returns pages freed. */
uint64_t zs_compact(struct zs_pool *p, unsigned cpu);
/* Record one exclusive stretch of compaction of NS nanoseconds (the pause readers see). */
void zs_note_pause(struct zs_pool *p, uint64_t ns);

/* Fill LEN bytes at DST with the pattern of H's write VERSION. */
void zs_pattern_fill(uint8_t *dst, uint32_t len, const struct zs_handle *h, uint32_t version);
/* True when LEN bytes at SRC hold the pattern of H's write VERSION. */
bool zs_pattern_check(const uint8_t *src, uint32_t len, const struct zs_handle *h, uint32_t version);

/*
 * Check the pool with no thread inside: every zspage's objects and free
 * list agree with its use count and its list, every allocated object's
 * handle points back at it, the pages the zspages hold are the pages the
 * zone has handed out.  LIVE (when not NULL) are the NLIVE handles that
 * must be alive: each must be found exactly once, and no other.  Returns
 * 0, or -1 with ERR.
 */
int zs_pool_check(struct zs_pool *p, struct zs_handle *const *live, size_t nlive, struct mmr_error *err);

/* ---- engine.c and worker.c ------------------------------------------------ */

/* The engine for ENV with variant V; NULL with ERR on a bad option or no memory. */
/* The engine for ENV, with the variant env->engine is the ops of; NULL with ERR. */
void *zs_engine_create(const struct mmr_engine_env *env, struct mmr_error *err);
extern const struct mmr_engine_param zs_params[];
extern const struct mmr_engine_outcome zs_outcomes[];
void zs_engine_destroy(void *engine);
void *zs_engine_thread_init(void *engine, unsigned tid);
void zs_engine_thread_exit(void *thread);
int zs_engine_alloc(void *thread, struct mmr_call *op);
int zs_engine_free(void *thread, struct mmr_call *op);
int zs_engine_map(void *thread, struct mmr_call *op);
int zs_engine_unmap(void *thread, struct mmr_call *op);
int zs_engine_compact(void *thread, struct mmr_call *op);
uint64_t zs_engine_footprint(void *engine);
void zs_engine_report(void *engine, const struct mmr_figures *r);
unsigned zs_engine_workers(void *engine);
/* The compaction and migration worker: a pass every interval until *STOP. */
void zs_engine_worker(void *engine, unsigned idx, const atomic_bool *stop);
/* One worker pass on the worker's CPU: compaction, then migrate_pages pages. */
void zs_worker_pass(struct zs_pool *p);
/* The migration batches the pool's page pressure asks for and the worker has not run: run them. */
void zs_worker_migrate_owed(struct zs_pool *p);

/* The members of a zsmalloc variant's mmr_engine_ops besides name and description. */
#define ZS_ENGINE_OPS                                                                              \
	.abi = MMR_ENGINE_ABI, .families = 1u << MMR_FAM_ZSMALLOC, .params = zs_params,                   \
	.create = zs_engine_create,                                                                        \
	.outcomes = zs_outcomes,                                                                           \
	.destroy = zs_engine_destroy, .thread_init = zs_engine_thread_init,                                \
	.thread_exit = zs_engine_thread_exit,                                                              \
	.op = {[MMR_OP_ALLOC] = zs_engine_alloc, [MMR_OP_FREE] = zs_engine_free,                           \
	       [MMR_OP_MAP] = zs_engine_map, [MMR_OP_UNMAP] = zs_engine_unmap,                             \
	       [MMR_OP_COMPACT] = zs_engine_compact},                                                      \
	.workers = zs_engine_workers, .worker = zs_engine_worker, .footprint = zs_engine_footprint,       \
	.report = zs_engine_report

#endif /* ZSMALLOC_H */
