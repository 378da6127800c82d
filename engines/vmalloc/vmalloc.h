/* SPDX-License-Identifier: MIT */
/*
 * vmalloc.h - the vmalloc model shared by its files and its two variants.
 *
 * The design, after the kernel's mm/vmalloc.c of the 2024 series the seed
 * (002) reviews (read for understanding only):
 * - a virtual address range [vstart, vend) as numbers; its free space in
 *   a tree ordered by address, each node knowing the largest free block
 *   below it, searched for the lowest address that fits a size and an
 *   alignment, under "free_vmap_area_lock" (space.c);
 * - vmap nodes: busy areas kept by the node their address falls in
 *   ("vn->busy.lock"); freed areas go on a node's lazy list
 *   ("vn->lazy.lock") and stay there, address still taken, until the lazy
 *   pages pass lazy_max_pages; then a purge (purge.c) under
 *   "vmap_purge_lock" flushes the TLB once and gives the lazy areas back;
 * - the variants differ only in where an area comes from and where a
 *   purged one goes: vmalloc-global, back to the free space, every
 *   allocation from it; vmalloc-nodes, per-node pools of areas by size
 *   ("vn->pool_lock") tried first and refilled at purge time
 *   (variant_*.c, behind struct vm_variant);
 * - an area's pages (pages.c): a vmalloc takes them from a page model zone
 *   (pcp lists, "zone->lock") and pays the page-table set-up per page,
 *   after the area is reserved and outside the vmap locks; a vfree pays
 *   the teardown and gives them back, as __vmalloc_area_node and vfree do.
 */
#ifndef VMALLOC_H
#define VMALLOC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mmr_engine.h"
#include "mmr_lock.h"
#include "mmr_pages.h"
#include "mmr_time.h"

#define VM_PAGE 4096ull
#define VM_POOL_PAGES 256u /* pools hold areas of 1..256 pages (the seed's MAX_VA_SIZE_PAGES) */
#define VM_NONE UINT64_MAX /* no address */

/* ---- space.c: the free space --------------------------------------------- */

struct vs_node;

struct vs_space {
	struct vs_node *root;
	uint64_t blocks; /* free blocks */
	uint64_t bytes;  /* free bytes */
};

/* All of [START, END) free.  Returns 0, or -1 when memory runs out. */
int vs_init(struct vs_space *s, uint64_t start, uint64_t end);
void vs_destroy(struct vs_space *s);
/*
 * The lowest address A with [A, A + SIZE) free, A a multiple of ALIGN (a
 * power of two), taken out of the free space; VM_NONE when nothing fits
 * (or memory for the split runs out).
 */
uint64_t vs_alloc(struct vs_space *s, uint64_t size, uint64_t align);
/* Give [START, END) back, merged with free neighbours.  Returns 0, or -1 when memory runs out. */
int vs_free(struct vs_space *s, uint64_t start, uint64_t end);
/* The largest free block's size. */
uint64_t vs_largest(const struct vs_space *s);
/* Call FN on every free block in address order; stops at and returns FN's first non-zero. */
int vs_walk(const struct vs_space *s, int (*fn)(void *ctx, uint64_t start, uint64_t end), void *ctx);

/* ---- areas, lists and nodes ---------------------------------------------- */

struct vm_area {
	uint64_t start, end;
	uint32_t vn_id;              /* node the area was asked for from, plus one; 0: none */
	bool mapped;                 /* its pages are in the page tables (paid for at map_ns_per_page) */
	struct vm_area *prev, *next; /* on one list: busy, lazy, purge or pool */
	/*
	 * The frames behind a busy area (the kernel's vm_struct pages array),
	 * NULL with no pages: lazy and pooled areas have none, as vfree gives
	 * the pages back at once and only the addresses wait for a purge.
	 */
	uint64_t *pfn;
	uint64_t nr_pages;
};

struct vm_list {
	struct vm_area *head, *tail;
	uint64_t len;
};

void vm_list_add(struct vm_list *l, struct vm_area *va);
void vm_list_del(struct vm_list *l, struct vm_area *va);
/* Move all of FROM to the end of TO. */
void vm_list_splice(struct vm_list *to, struct vm_list *from);

struct vm_pool {
	struct vm_list list;
};

struct vm_node {
	struct mmr_spinlock busy_lock; /* "vn->busy.lock" */
	struct vm_list busy;
	struct mmr_spinlock lazy_lock; /* "vn->lazy.lock" */
	struct vm_list lazy;
	struct vm_list purge;          /* taken off lazy by the purge, its own */
	struct mmr_spinlock pool_lock; /* "vn->pool_lock" (vmalloc-nodes) */
	struct vm_pool pool[VM_POOL_PAGES];
	bool skip_populate;            /* this purge sends everything back to the free space */
	uint64_t purged;               /* areas this node's last purge handled */
} __attribute__((aligned(64)));

struct vm_engine;
struct vm_thread;

/*
 * A vmalloc engine: its ops (the mmr_engines[] entry; vm_engine_create
 * finds the rest from env->engine) and what the variant decides; the rest
 * of the model is common.
 */
struct vm_variant {
	struct mmr_engine_ops ops;
	/*
	 * An area of SIZE bytes aligned to ALIGN for replay thread T without
	 * touching the free space, or NULL; *VN_ID says which node the area
	 * counts as asked from (0: none), also when it returns NULL.
	 */
	struct vm_area *(*node_alloc)(struct vm_thread *t, uint64_t size, uint64_t align, uint32_t *vn_id);
	/* At purge: keep VA, purged from node VN, in VN's pools instead of freeing it.  True when kept. */
	bool (*pool_add)(struct vm_engine *e, struct vm_node *vn, struct vm_area *va);
	/* At purge, before the lazy areas: move part of VN's pools (all with FULL) onto TO_FREE. */
	void (*decay)(struct vm_engine *e, struct vm_node *vn, bool full, struct vm_list *to_free);
};

extern const struct vm_variant vm_global, vm_nodes;

/* Counters of the purge side, bumped by any thread (per purge or per area purged: rarely). */
struct vm_counts {
	atomic_ullong sync_purges, purge_requests;
	atomic_ullong to_pool, to_free, cross_node_pool, decayed;
	/* Decayed areas merged with another before free_vmap_area_lock was taken (vm_reclaim_merged). */
	atomic_ullong decay_merged;
	/* Under vmap_purge_lock. */
	uint64_t purges, purge_ns_total, purge_ns_max, areas_purged, helper_purges;
};

/*
 * Per-op counts, kept by each replay thread on its own cache line: a
 * counter shared by the threads would bounce between CPUs on every call
 * and add contention the model does not have.  Summed by vm_op_counts
 * (report.c's table, mmr_counters.h).
 */
struct vm_op_counts {
	uint64_t allocs, frees, failed, global_allocs, pool_hits, pool_misses;
	uint64_t pages, pages_freed, page_failures; /* frames taken and given back; allocs short of frames */
};

/* A replay thread is a CPU: its number picks its node. */
struct vm_thread {
	struct vm_engine *e;
	unsigned cpu;
	struct vm_op_counts n;
} __attribute__((aligned(64)));

struct vm_helper {
	int node;        /* node to purge, -1: none */
	bool alive;      /* its worker runs and takes jobs */
};

struct vm_engine {
	const struct vm_variant *v;
	uint64_t vstart, vend;
	uint64_t zone_bytes;           /* addresses interleave over nodes in units of this */
	unsigned nr_nodes;
	struct vm_node *nodes;
	unsigned nr_threads;
	struct vm_thread *threads;
	struct mmr_spinlock free_lock; /* "free_vmap_area_lock" */
	struct vs_space space;
	atomic_ullong lazy_pages;
	uint64_t lazy_max;             /* pages */
	uint64_t flush_ns;             /* cost of one TLB flush */
	uint64_t map_ns, unmap_ns;     /* page-table set-up and teardown, per page */
	struct mmr_zone *zone;         /* the pages' zone; NULL with pages=0 (address space only) */
	uint64_t ram_pages;            /* its frames */
	uint64_t pool_max;             /* areas per pool, 0: no limit */
	bool purge_sync;               /* the free past the limit purges itself, not the worker */
	struct mmr_mutex purge_lock;   /* "vmap_purge_lock" */
	/* The workqueue: worker 0 runs the purge, the others help it (purge.c). */
	pthread_mutex_t wq_mu;
	pthread_cond_t wq_cv;
	bool purge_wanted;             /* under wq_mu */
	atomic_bool purge_pending;     /* a request is on its way: frees need not signal again */
	unsigned nr_helpers;
	struct vm_helper *helpers;     /* under wq_mu */
	struct vm_counts n;
};

/* The node address ADDR belongs to. */
static inline struct vm_node *vm_addr_node(const struct vm_engine *e, uint64_t addr)
{
	return &e->nodes[((addr - e->vstart) / e->zone_bytes) % e->nr_nodes];
}

/* Node id encoding: 0 means none, so an area's vn_id is the node's index plus one. */
static inline struct vm_node *vm_id_node(const struct vm_engine *e, uint32_t vn_id)
{
	return vn_id ? &e->nodes[vn_id - 1] : NULL;
}

/* ---- engine.c ------------------------------------------------------------- */

/*
 * The engine for ENV, with the hooks of the variant env->engine is the
 * ops of; NULL with ERR on a bad option, an engine that is no vmalloc
 * variant, or no memory.
 */
void *vm_engine_create(const struct mmr_engine_env *env, struct mmr_error *err);
/* Give every area in TO_FREE back to the free space (under free_vmap_area_lock) and free them. */
void vm_reclaim(struct vm_engine *e, struct vm_list *to_free);
/*
 * The same for a pool's decayed areas, as the seed patch gives them back:
 * merged with each other first, outside free_vmap_area_lock, so that the
 * lock covers only the insertion of the merged blocks.
 */
void vm_reclaim_merged(struct vm_engine *e, struct vm_list *to_free);
/* Free the descriptors on L (and any page array one still holds); L empty after. */
void vm_free_list(struct vm_list *l);

/*
 * Check the model when no thread is inside: busy, lazy and pool areas and
 * free blocks never overlap and tile the range whole; every pool holds
 * areas of its size only.  Returns 0, or -1 with ERR.
 */
int vm_engine_check(struct vm_engine *e, struct mmr_error *err);

/* The replay threads' per-op counts, summed.  Exact when no thread is inside. */
struct vm_op_counts vm_op_counts(const struct vm_engine *e);

/* ---- pages.c -------------------------------------------------------------- */

/* The frames an area of [START, END) holds: all but its guard page. */
static inline uint64_t vm_area_frames(uint64_t start, uint64_t end)
{
	uint64_t pages = (end - start) / VM_PAGE;
	return pages ? pages - 1 : 0;
}

/*
 * Busy area VA's frames from the zone on T's CPU, then their page-table
 * set-up; VA holds what it got.  Returns 0, or -1 when the zone ran out
 * (VA then holds the frames it got, unmapped, for the free path).
 */
int vm_pages_populate(struct vm_thread *t, struct vm_area *va);
/* Give N frames PFN[] back to the zone from T's CPU and free the array (pfn may be NULL). */
void vm_pages_release(struct vm_thread *t, uint64_t *pfn, uint64_t n);

/* ---- purge.c -------------------------------------------------------------- */

/* A free made the lazy pages pass the limit: ask the purge worker to run. */
void vm_purge_request(struct vm_engine *e);
/* Purge now, on this thread, under vmap_purge_lock; FULL empties the pools too. */
void vm_purge(struct vm_engine *e, bool full);
unsigned vm_purge_workers(void *engine);
void vm_purge_worker(void *engine, unsigned idx, const atomic_bool *stop);

/* The members of a vmalloc variant's mmr_engine_ops besides name, description and kernel. */
#define VM_ENGINE_OPS                                                                           \
	.abi = MMR_ENGINE_ABI, .families = 1u << MMR_FAM_VMALLOC, .params = vm_params,                 \
	.create = vm_engine_create,                                                                      \
	.outcomes = vm_outcomes,                                                                         \
	.destroy = vm_engine_destroy, .thread_init = vm_engine_thread_init,                              \
	.op = {[MMR_OP_ALLOC] = vm_engine_alloc, [MMR_OP_FREE] = vm_engine_free},                        \
	.workers = vm_purge_workers, .worker = vm_purge_worker, .footprint = vm_engine_footprint,        \
	.report = vm_engine_report

extern const struct mmr_engine_param vm_params[];
extern const struct mmr_engine_outcome vm_outcomes[];
void vm_engine_destroy(void *engine);
void *vm_engine_thread_init(void *engine, unsigned tid);
int vm_engine_alloc(void *thread, struct mmr_call *op);
int vm_engine_free(void *thread, struct mmr_call *op);
uint64_t vm_engine_footprint(void *engine);
void vm_engine_report(void *engine, const struct mmr_figures *r);

#endif /* VMALLOC_H */
