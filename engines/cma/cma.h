/* SPDX-License-Identifier: MIT */
/*
 * cma.h - what the CMA engines share: one contiguous memory area over a
 * range of the page model's zone, its allocation bitmap under cma->lock,
 * and the allocation and release paths (alloc.c), which call the
 * variant's hooks where seed 000 argues: what kind of lock cma->lock is,
 * how a release clears its bits, what release_nowait defers.  A variant
 * file (variant_*.c) holds its hooks and its ops in one struct
 * cma_variant, so the diff between two variants is one file; cma-nowait
 * and cma-lockless-clear take cma-mutex's lock (and cma-nowait its
 * release), as the patches they model start from it.
 *
 * The model, after seed 000 (cma_release_nowait) and the CMA half of seed
 * 001 (allocation modes):
 *  - cma_alloc finds the next zero run in the bitmap under cma->lock, sets
 *    it, drops the lock and "migrates" the range: takes its frames out of
 *    the page model (mmr_pages_take_range).  A frame that some other page
 *    user holds or that sits on a per-CPU list fails the range, as does
 *    an unmovable page (a per-pageblock chance, drawn once for the run:
 *    a pinned page stays where it is); the bits are cleared
 *    again and the search moves on past the range.
 *  - cma_release gives the frames back to the page model and clears the
 *    bits, as the variant's clear hook says.  Releases from atomic
 *    context (op release_nowait, or the atomic flag) must not sleep: with
 *    a mutex the model try-locks first and counts a failed try as a sleep
 *    in atomic context.
 */
#ifndef CMA_H
#define CMA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mmr_engine.h"
#include "mmr_hist.h"
#include "mmr_lock.h"
#include "mmr_time.h"
#include "mmr_pages.h"

/* Counters of one replay thread (or of the workqueue worker), summed by the report. */
struct cma_counts {
	uint64_t allocs, alloc_failures, retries, migrate_failures, busy_failures, unmovable_failures;
	uint64_t drains, flushes, flush_waits, flush_wait_ns, flush_wait_ns_max;
	uint64_t releases, atomic_releases, atomic_sleeps, delayed_releases, deferred_done;
	uint64_t movable_failures, migrated_pages;
	/* Releases whose size is not their allocation's, and the pages they named past it or left held. */
	uint64_t release_mismatches, release_pages_beyond, release_pages_kept;
};

/*
 * A handle names its allocation whole: the first pfn + 1 in the low 32
 * bits, the pages allocated in the high 32 (the area has at most 2^31
 * pages, so both fit).  A release then knows what it may give back from
 * the handle alone, with no table to look up and no lock to take, which
 * cma-lockless-clear's release must not.
 */
static inline uint64_t cma_handle(uint64_t pfn, uint64_t count)
{
	return (pfn + 1) | count << 32;
}

static inline uint64_t cma_handle_pfn(uint64_t handle)
{
	return (handle & 0xffffffffu) - 1;
}

static inline uint64_t cma_handle_count(uint64_t handle)
{
	return handle >> 32;
}

/*
 * What one release gives back: PAGES frames from PFN, then BITS bitmap
 * bits from BIT.  Never more than its allocation holds (cma_release_range).
 */
struct cma_range {
	uint64_t pfn, pages, bit, bits;
};

struct cma;
struct cma_thread;

/*
 * An item for the workqueue (workqueue.c): a node of a lock-free stack
 * whose FN the worker runs on its own thread T, as a work_struct's func;
 * the queue frees the item after.  R is the release it finishes.
 */
struct cma_work {
	struct cma_work *next;
	void (*fn)(struct cma_thread *t, struct cma_work *w);
	struct cma_range r;
};

/* cma->lock's kind: the first half of seed 000's question (a mutex in v1, a spinlock in v2). */
struct cma_lock_kind {
	/*
	 * Make C's lock "cma->lock" and declare its kernel type: 0, or -1
	 * (nothing made) when its class cannot be had.
	 */
	int (*init)(struct cma *c);
	/* Undo a successful init. */
	void (*destroy)(struct cma *c);
	void (*lock)(struct cma *c);
	void (*unlock)(struct cma *c);
};

/*
 * A CMA engine: its ops (the mmr_engines[] entry, create finding the rest
 * from env->engine) and the hooks the common paths call.
 */
struct cma_variant {
	struct mmr_engine_ops ops;
	const struct cma_lock_kind *lock;
	/*
	 * A release's second half, its frames already back: clear bits R
	 * of the bitmap, under cma->lock or not; ATOMIC when the caller may
	 * not sleep (counts t->n.atomic_sleeps where it would have).
	 */
	void (*clear)(struct cma_thread *t, const struct cma_range *r, bool atomic);
	/*
	 * Or NULL: release_nowait's own way, true when it took R over
	 * (deferred it); false, or NULL, releases in place as an atomic caller.
	 */
	bool (*release_nowait)(struct cma_thread *t, const struct cma_range *r);
	/* Or NULL: run at the top of cma_alloc's loop, before every range it tries. */
	void (*before_range)(struct cma_thread *t);
};

/* A replay thread: its CPU in the page model, its movable pages and its figures. */
struct cma_thread {
	struct cma *c;
	unsigned cpu;
	uint64_t *ring;          /* movable pages this CPU's "other users" hold, oldest first */
	unsigned ring_len, ring_head;
	struct cma_counts n;
	struct mmr_hist *alloc_waited, *alloc_nowait; /* alloc latency with and without a flush wait */
} __attribute__((aligned(64)));

struct cma {
	const struct cma_variant *v;
	struct mmr_zone *zone;
	uint64_t pages;          /* the area: frames [0, pages) of the zone */
	unsigned order_per_bit;
	uint64_t nbits;
	atomic_ulong *bitmap;    /* atomics so that the lockless clear and the locked search can meet */
	union {
		struct mmr_mutex mutex;
		struct mmr_spinlock spin;
	} lock;                  /* "cma->lock" */
	bool fail_fast;
	unsigned retries;        /* normal mode: searches again after busy ranges */
	uint64_t migrate_ns;     /* busy-wait per migrated page */
	uint32_t unmovable_ppm;  /* chance per million that a pageblock holds an unmovable page, for the run */
	unsigned movable_pages;  /* order-0 movable pages each thread's other users keep */
	atomic_uint_fast64_t last_failed;  /* fail-fast: bit where the last range failed */
	atomic_bool delayed;     /* CMA_DELAYED_RELEASE: the area has seen a deferred release_nowait */
	/* The workqueue: pushed by a variant that defers work (cma-nowait), popped by the worker. */
	_Atomic(struct cma_work *) wq_head;
	atomic_uint_fast64_t wq_queued, wq_done;
	atomic_uint wq_kick;     /* bumped by every queueing: the futex word the idle worker sleeps on */
	unsigned threads;
	struct cma_thread *thread; /* threads + 1: the last is the worker's */
};

/*
 * The engine for ENV, with the hooks of the variant env->engine is the
 * ops of.  Returns NULL with ERR (one line) on a bad option value, an
 * engine that is no CMA variant, or when memory runs out.
 */
void *cma_create(const struct mmr_engine_env *env, struct mmr_error *err);
/* Frees everything; delayed releases still queued are done first. */
void cma_destroy(void *engine);
/* Replay thread TID's context (CPU TID modulo the threads). */
void *cma_thread_init(void *engine, unsigned tid);
/* cma_alloc of the call's size, aligned to its order: 0 and the handle (cma_handle), or -1 when full. */
int cma_op_alloc(void *thread, struct mmr_call *op);
/*
 * cma_release of the call's handle and size; atomic when the call is
 * flagged so.  Returns 0.  A size other than the allocation's releases
 * only what both name (cma_release_range).
 */
int cma_op_release(void *thread, struct mmr_call *op);
/* An atomic-context release: the variant's release_nowait, else cma_op_release as an atomic caller. */
int cma_op_release_nowait(void *thread, struct mmr_call *op);
/* Frames R back to the page model, then its bits cleared by the variant's hook; counted on T. */
void cma_release(struct cma_thread *t, const struct cma_range *r, bool atomic);
/*
 * What the release OP on thread T gives back, counted on T when its size
 * is not its allocation's: the pages both name (from the allocation's
 * start, at most what it holds) and the bits all of whose pages go back.
 * The one place every variant's release and release_nowait decide it.
 */
struct cma_range cma_release_range(struct cma_thread *t, const struct mmr_call *op);
/* Bitmap bits that COUNT pages take: a partial last bit is a whole one. */
static inline uint64_t cma_pages_to_bits(const struct cma *c, uint64_t count)
{
	return (count + (1ull << c->order_per_bit) - 1) >> c->order_per_bit;
}
/* Bytes of the area allocated now. */
uint64_t cma_footprint(void *engine);
/* The engine's figures: counters summed over threads, bitmap use, alloc latency split by flush. */
void cma_report(void *engine, const struct mmr_figures *r);

/* The workqueue's worker, for a variant that queues work (cma-nowait): one, running items until *STOP. */
unsigned cma_workers(void *engine);
void cma_worker(void *engine, unsigned idx, const atomic_bool *stop);

/* Queue W (malloc'd, W->fn set); safe from any thread, never sleeps. */
void cma_wq_queue(struct cma *c, struct cma_work *w);
/* Run every queued item now on thread T's counters; returns how many ran. */
uint64_t cma_wq_run(struct cma *c, struct cma_thread *t);
/* flush_workqueue: wait until every item queued before the call has run; counted on T. */
void cma_wq_flush(struct cma *c, struct cma_thread *t);

/* cma->lock, whichever kind the variant chose. */
void cma_lock(struct cma *c);
void cma_unlock(struct cma *c);

/* ---- bitmap.c: the allocation bitmap, one bit per 2^order_per_bit pages --- */

/*
 * The first bit I, aligned to MASK + 1, with FROM <= I < BEFORE and bits
 * [I, I + LEN) all zero and within NBITS.  Returns UINT64_MAX when none.
 * Callers hold cma->lock, so no other search or set runs, but a lockless
 * clear may: a bit seen set may be clear by now, which only loses a chance.
 */
uint64_t cma_bitmap_find(atomic_ulong *bm, uint64_t nbits, uint64_t from, uint64_t before, uint64_t len,
			 uint64_t mask);
/* Set bits [I, I + LEN). */
void cma_bitmap_set(atomic_ulong *bm, uint64_t i, uint64_t len);
/* Clear bits [I, I + LEN), with release order (the frames were freed before). */
void cma_bitmap_clear(atomic_ulong *bm, uint64_t i, uint64_t len);
/* Whether bit I is set. */
bool cma_bitmap_test(atomic_ulong *bm, uint64_t i);
/* Bits set among the first NBITS. */
uint64_t cma_bitmap_weight(atomic_ulong *bm, uint64_t nbits);

/* The members of a CMA variant's ops besides name, description and what it adds (kernel, workers). */
#define CMA_ENGINE_OPS                                                                            \
	.abi = MMR_ENGINE_ABI, .families = 1u << MMR_FAM_CMA, .create = cma_create,                \
	.destroy = cma_destroy, .params = cma_params, .outcomes = cma_outcomes,                    \
	.thread_init = cma_thread_init,                                                            \
	.op = {[MMR_OP_ALLOC] = cma_op_alloc, [MMR_OP_RELEASE] = cma_op_release,                  \
	       [MMR_OP_RELEASE_NOWAIT] = cma_op_release_nowait},                                   \
	.footprint = cma_footprint, .report = cma_report

extern const struct mmr_engine_outcome cma_outcomes[];
extern const struct mmr_engine_param cma_params[];

/* cma-mutex's lock and release, which cma-nowait and cma-lockless-clear build on (variant_mutex.c). */
extern const struct cma_lock_kind cma_mutex_lock;
void cma_mutex_clear(struct cma_thread *t, const struct cma_range *r, bool atomic);

extern const struct cma_variant cma_mutex, cma_nowait, cma_spinlock, cma_lockless_clear;

#endif /* CMA_H */
