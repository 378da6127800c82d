/* SPDX-License-Identifier: MIT */
/*
 * dmabuf.h - the dma-buf model shared by its files and its four variants.
 *
 * After the dma-buf half of seed 001 (dri-devel, Dec 2020: who takes the
 * reservation lock around vmap, and who pins), read for understanding:
 * - a buffer has a reservation lock ("dma_resv", a sleeping lock), a pin
 *   count, a placement domain (vram, gtt, system), attachments and a
 *   kernel mapping with a use count;
 * - a move (the trace's TTM moves, and an evictor worker under memory
 *   pressure) takes the reservation lock and moves the buffer to another
 *   domain, unless it is pinned: then the eviction fails;
 * - the damage worker (fbdev emulation) vmaps the framebuffer, copies the
 *   damage into it for real, and vunmaps it, once per frame;
 * - the variants (variant_*.c) differ only in vmap and vunmap: who takes
 *   the lock, for how long, and whether the buffer is pinned meanwhile.
 */
#ifndef DMABUF_H
#define DMABUF_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mmr_engine.h"
#include "mmr_lock.h"
#include "mmr_time.h"

#define DB_PAGE 4096ull

enum db_domain { DB_SYSTEM, DB_GTT, DB_VRAM, DB_DOMAINS };

struct db_buf {
	uint64_t size;
	struct mmr_mutex resv;      /* "dma_resv" */
	/* Under resv: */
	unsigned pin;               /* pins: vmap-pin's vmaps, attach-pin's attachments */
	unsigned attachments;
	unsigned vmap_count;        /* mappings in use */
	bool mapped;                /* the kernel mapping exists (in use, or cached) */
	enum db_domain domain;
	uint8_t *pages;             /* the buffer's memory, made on its first mapping */
	/* The mapping in use: what its vmap call took (the frame's first part), where it mapped. */
	uint64_t frame_ns;
	enum db_domain mapped_domain;
	atomic_uint refs;           /* the trace's reference and the evictor's while it works */
	atomic_uint holder;         /* replay thread holding resv from vmap to vunmap, plus one; 0: none */
	/*
	 * Ops put off while a caller holds resv from vmap to vunmap (MMR_OP_*).
	 * The trace orders a buffer's ops, and the replay keeps that order: an
	 * op the trace puts between a vmap and its vunmap must finish before
	 * the vunmap starts, yet under the proposed contract it would wait for
	 * the lock until after the vunmap.  Blocking would deadlock the replay,
	 * so such an op is queued here and run by the vunmap once it has let
	 * the lock go: what the task would have done after its wait.  A vunmap
	 * comes after every op the trace put before it, but the end of the
	 * holder's thread (db_thread_exit) may meet another thread's op: qlock
	 * (machinery, not a kernel lock) makes "holder set, so queue it" and
	 * "holder cleared, queue taken" one step each.
	 */
	atomic_bool qlock;
	unsigned *pending;
	unsigned npending, cap_pending;
	unsigned slot;              /* index in the engine's live list, under live_mu */
	/* On its holder's list of buffers it holds resv across a mapping for (db_thread.held). */
	struct db_buf *held_prev, *held_next;
};

struct db_engine;

/*
 * Counts, one set per thread that works on buffers (each replay thread's
 * db_thread, and the evictor's, the slot after them), bumped with plain
 * increments by that thread alone.  Counters shared by the threads
 * would bounce their cache line between the CPUs on every call:
 * contention no vmap rule has, timed into the latencies and throughput
 * the rules are compared on.  The evictor works once a millisecond, off
 * the replay threads' path, but gets a set of its own rather than shared
 * atomics because its moves and last references go through the same
 * functions as the replay threads' (db_move, db_put).  Summed by
 * db_counts_sum (engine.c's table, mmr_counters.h) for the report and the
 * footprint, both taken after the runner has joined every thread (the
 * footprint's mem_bytes too: no one reads it while the replay runs).
 */
struct db_counts {
	uint64_t vmaps, vunmaps, maps_built, maps_torn, cache_hits;
	uint64_t frames, missed_frames, frame_ns_total, frame_ns_max;
	uint64_t moves, move_failures, evictions, eviction_failures, eviction_ns_total, eviction_ns_max;
	uint64_t moved_while_mapped, moved_while_pinned, bad_frees, copy_bytes;
	uint64_t scanout_blocked;   /* moves refused by a pin holding the buffer outside VRAM */
	uint64_t vunmap_other_thread, deferred_ops, deferred_ns;
	/* The kernel's reference on a mapped buffer; mappings a thread's exit ended; refusals by reason. */
	uint64_t nested_vmaps, implicit_vunmaps;
	uint64_t refused_vmap_held, refused_vunmap_unmapped, refused_detach_unattached, refused_no_memory;
	/*
	 * Buffer memory made here less that freed here: another thread may
	 * free it, so one set can go below 0, modulo 2^64; the sum, read as
	 * int64_t, is right.
	 */
	uint64_t mem_bytes;
};

/* One replay thread, or the evictor. */
struct db_thread {
	struct db_engine *e;
	unsigned tid;
	struct db_counts n; /* only this thread writes them */
	uint64_t call_t0;   /* when the vunmap call in progress began: the frame's second part */
	/*
	 * Buffers whose resv this thread holds from a vmap to its vunmap
	 * (-vmap-locked, -vmap-cached): what its exit lets go of when the
	 * trace never unmapped them, so that no lock outlives its holder.
	 */
	struct db_buf *held;
} __attribute__((aligned(64)));

/* A dma-buf engine: its ops (the mmr_engines[] entry; db_create finds the rest from env->engine) and what it decides. */
struct db_variant {
	struct mmr_engine_ops ops;
	/*
	 * Map B for use by T: MMR_CALL_OK, MMR_CALL_FAILED when it cannot (no
	 * memory), MMR_CALL_REFUSED when T would wait for itself or for a
	 * holder that only a later op of the trace lets go.  A buffer mapped
	 * already gives its mapping and a reference, as dma_buf_vmap does.
	 */
	int (*vmap)(struct db_thread *t, struct db_buf *b);
	/*
	 * End T's use of B's mapping (the damage copy happens just before);
	 * the last reference tears it down (or caches it).  MMR_CALL_REFUSED
	 * when B has no mapping in use that T may end.
	 */
	int (*vunmap)(struct db_thread *t, struct db_buf *b);
	/* Attachments pin the buffer (drm_prime's default). */
	bool pin_at_attach;
	/* The caller holds resv from vmap to vunmap (the proposed contract). */
	bool caller_holds_lock;
};

extern const struct db_variant db_vmap_pin, db_vmap_locked, db_vmap_cached, db_attach_pin;

struct db_engine {
	const struct db_variant *v;
	uint64_t vmap_ns_per_page, vunmap_ns_per_page, move_ns_per_page;
	uint64_t copy_bytes, frame_ns, evict_us;
	struct mmr_ttimer evict_timer;  /* the evictor's tries, every evict_us of trace time */
	uint8_t *shadow;             /* the fbdev shadow buffer the damage is copied from */
	unsigned nr_threads;
	struct db_thread *threads;   /* nr_threads + 1: the last is the evictor's */
	/* Live buffers, for the evictor: machinery, not a kernel lock, so not instrumented. */
	pthread_mutex_t live_mu;
	struct db_buf **live;
	unsigned nlive, cap_live;
};

/* Every thread's counts, summed.  Exact when no thread is inside the engine. */
struct db_counts db_counts_sum(const struct db_engine *e);

/* ---- buffer.c ------------------------------------------------------------- */

/* T: the thread doing it, whose counts these functions bump. */

/* Build B's kernel mapping if it has none (the page-table cost per page).  Under resv.  -1: no memory. */
int db_map(struct db_thread *t, struct db_buf *b);
/* Tear B's kernel mapping down.  Under resv. */
void db_unmap(struct db_thread *t, struct db_buf *b);
/* A use of the mapping begins (T0 = its vmap's start) and ends.  Under resv or a pin. */
void db_use_begin(struct db_buf *b, uint64_t t0);
void db_use_end(struct db_thread *t, struct db_buf *b);
/* The damage copy into B's mapping: real memcpy from the shadow buffer. */
void db_copy(struct db_thread *t, struct db_buf *b);
/*
 * Move B to another domain under its reservation lock, unless pinned.
 * Returns 0 when it moved, -1 when pinned (an eviction failure).
 */
int db_move(struct db_thread *t, struct db_buf *b);
/* Drop a reference; the last one frees B. */
void db_put(struct db_thread *t, struct db_buf *b);
/* T now holds B's resv across a mapping, or no longer does. */
void db_held_add(struct db_thread *t, struct db_buf *b);
void db_held_del(struct db_thread *t, struct db_buf *b);
/* Whether thread T holds B's resv across a mapping; whether another thread does. */
bool db_held_by(const struct db_thread *t, const struct db_buf *b);
bool db_held_elsewhere(const struct db_thread *t, const struct db_buf *b);
/*
 * What every rule whose caller holds resv across a mapping does first in
 * a vmap: the holder's nested vmap takes one more use (MMR_CALL_OK, timed
 * from T0), one while another thread holds B is refused (it would wait
 * for an unmap the trace orders after it).  Returns true when that
 * decided the call (*RC), false when the variant goes on to lock B.
 */
bool db_held_vmap(struct db_thread *t, struct db_buf *b, uint64_t t0, int *rc);
/* A vunmap by a thread that does not hold B: counted and true (refused); false when T holds it. */
bool db_held_vunmap_refused(struct db_thread *t, const struct db_buf *b);

/* ---- engine.c -------------------------------------------------------------- */

/*
 * T, which holds B's lock since its vmap, lets go: no longer the holder,
 * the lock released, then the ops put off meanwhile run (timed in the
 * caller, a vunmap).  B may be gone afterwards (a deferred free).
 */
void db_let_go(struct db_thread *t, struct db_buf *b);

/* The engine for ENV, with the variant env->engine is the ops of; NULL with ERR. */
void *db_create(const struct mmr_engine_env *env, struct mmr_error *err);
void db_destroy(void *engine);
void *db_thread_init(void *engine, unsigned tid);
/* A replay thread's end: the mappings it still holds resv for are unmapped (implicit_vunmaps). */
void db_thread_exit(void *thread);
int db_op_alloc(void *thread, struct mmr_call *op);
int db_op_free(void *thread, struct mmr_call *op);
int db_op_attach(void *thread, struct mmr_call *op);
int db_op_detach(void *thread, struct mmr_call *op);
int db_op_vmap(void *thread, struct mmr_call *op);
int db_op_vunmap(void *thread, struct mmr_call *op);
int db_op_move(void *thread, struct mmr_call *op);
unsigned db_workers(void *engine);
void db_evictor(void *engine, unsigned idx, const atomic_bool *stop);
uint64_t db_footprint(void *engine);
void db_report(void *engine, const struct mmr_figures *r);

extern const struct mmr_engine_param db_params[];
extern const struct mmr_engine_outcome db_outcomes[];

/* The members of a dma-buf variant's mmr_engine_ops besides name and description. */
#define DB_ENGINE_OPS                                                                                 \
	.abi = MMR_ENGINE_ABI, .families = 1u << MMR_FAM_DMABUF, .params = db_params, .create = db_create,   \
	.outcomes = db_outcomes, .same_code[MMR_OP_ALLOC] = "dmabuf-alloc",                                    \
	.destroy = db_destroy, .thread_init = db_thread_init, .thread_exit = db_thread_exit,                  \
	.op = {[MMR_OP_ALLOC] = db_op_alloc, [MMR_OP_FREE] = db_op_free, [MMR_OP_ATTACH] = db_op_attach,       \
	       [MMR_OP_DETACH] = db_op_detach, [MMR_OP_VMAP] = db_op_vmap, [MMR_OP_VUNMAP] = db_op_vunmap,     \
	       [MMR_OP_MOVE] = db_op_move},                                                                    \
	.workers = db_workers, .worker = db_evictor, .footprint = db_footprint, .report = db_report

#endif /* DMABUF_H */
