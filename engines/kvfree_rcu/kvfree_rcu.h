/* SPDX-License-Identifier: MIT */
/*
 * kvfree_rcu.h - the kvfree_rcu() model shared by its files and its five
 * variants.
 *
 * The design, after the kernel's kernel/rcu/tree.c of autumn 2020 that the
 * seed thread (003) argues about (read for understanding only):
 * - objects are real allocations; kvfree_rcu(ptr) must not free ptr
 *   before a grace period that began after the call has ended.  Grace
 *   periods are real: liburcu's membarrier flavour (rcu.c);
 * - each CPU (replay thread) has a krcp under the spinlock "krcp->lock":
 *   a chain of bulk blocks, each one page from the page model holding a
 *   small header and then pointers, and a list of objects linked through
 *   their own rcu_head (the two-argument fallback);
 * - a monitor per CPU (queue.c) hands the CPU's chain to RCU after
 *   drain_ms, or early when flush_blocks blocks are full, waits for the
 *   grace period and frees every pointer of a block at once, then gives
 *   the block page back;
 * - when no block page can be had, the two-argument form links the
 *   object's rcu_head; the one-argument form calls synchronize_rcu() and
 *   frees the object itself, blocking the caller;
 * - grace periods wait for readers: the engine's last workers run RCU
 *   read-side sections of reader_ns, and the model's synchronize_rcu()
 *   lasts one to two of them, unless it forces quiescent states
 *   (expedited, or a CPU's callback list past qhimark; readers.c);
 * - the trace's own page events (mm_page_alloc / mm_page_free of a slab
 *   and page capture) are page traffic on the same zone and the same
 *   CPU's pcp lists as the block pages, so a variant's page takes contend
 *   with the rest of the machine's page allocations, and theirs with it;
 * - the variants differ in one thing, where a block page comes from and
 *   where it goes after the grace period (struct kr_variant, one
 *   variant_*.c each); the baselines (callrcu, sync) replace the whole
 *   call instead.
 */
#ifndef KVFREE_RCU_H
#define KVFREE_RCU_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mmr_engine.h"
#include "mmr_lock.h"
#include "mmr_time.h"
#include "mmr_pages.h"

/* ---- rcu.c: liburcu, with what ThreadSanitizer cannot see made explicit ---- */

/* A callback's link, as the kernel's struct rcu_head: 16 bytes at the start of an object. */
struct kr_rcu_head {
	void *next;
	void (*func)(struct kr_rcu_head *head);
};

/* Make this thread an RCU reader (liburcu needs it before kr_rcu_read_lock). */
void kr_rcu_register(void);
void kr_rcu_unregister(void);
/* A read-side critical section; nests. */
void kr_rcu_read_lock(void);
void kr_rcu_read_unlock(void);
/* Wait for a full grace period: every read-side section begun before the call has ended. */
void kr_rcu_synchronize(void);

/* ---- objects ---------------------------------------------------------------- */

/*
 * A hidden header in front of every object (as malloc keeps its own): the
 * engine and the time of the kvfree_rcu() call, for callbacks that get
 * nothing but the rcu_head.  The object the trace sees starts after it,
 * at least 16 bytes so that its rcu_head fits.
 */
struct kr_obj_hdr {
	struct kr_engine *e;
	uint64_t size;
	uint64_t queued_ns;
	uint64_t pad;
};

#define KR_MIN_OBJ 16u
#define KR_POISON 0x6b /* written over a freed object with poison=1, as SLUB's POISON_FREE */

/* ---- blocks --------------------------------------------------------------- */

/* A bulk block: the page itself, a header and then pointers. */
struct kr_block {
	uint64_t pfn;
	struct kr_block *next;
	uint64_t nr;
	void *ptrs[];
};

#define KR_BLOCK_MAX ((MMR_PAGE_SIZE - sizeof(struct kr_block)) / sizeof(void *))

/* A batch handed to RCU: the blocks and the rcu_head list of one CPU. */
struct kr_batch {
	struct kr_block *blocks;
	struct kr_rcu_head *head; /* linked through next */
	uint64_t nblocks, nobjs;
};

/*
 * Counters of one CPU, bumped under its krcp->lock; the trace's own page
 * events (trace_page_*) by its replay thread alone, as they take no
 * krcp->lock.  Read once the run is over: summed by kr_cpu_totals
 * (report.c's table, mmr_counters.h).
 */
struct kr_cpu_counts {
	uint64_t calls, headless, block_pages, page_failures, fb_head, fb_sync;
	uint64_t trace_page_allocs, trace_page_frees, trace_page_failures;
};

/* One CPU's kvfree_rcu state: the kernel's struct kfree_rcu_cpu. */
struct kr_cpu {
	struct mmr_spinlock lock;     /* "krcp->lock" */
	struct kr_batch cur;          /* being filled; its first block is the one in use */
	uint64_t first_ts;            /* trace time of cur's first object (cur.nobjs > 0) */
	uint64_t call_ts;             /* trace time of the call in progress under lock */
	atomic_bool flush;            /* flush_blocks reached: the monitor goes now */
	bool kick_monitor;            /* flush just set: the call kicks the monitor once it unlocks */
	struct kr_cpu_counts n;
	/*
	 * kvfree-rcu-callrcu: call_rcu()'s callbacks of this CPU, pushed by
	 * its replay thread and taken whole by its monitor; cbs counts them
	 * from the push to their invocation (the kernel's n_cbs), and
	 * cbs_last_force (the monitor's) is the count when quiescent states
	 * were last forced for them (its qlen_last_fqs_check).
	 */
	_Atomic(struct kr_rcu_head *) cb_list;
	atomic_ullong cbs;
	uint64_t cbs_last_force;
	/* The RCU-owned page pool (kvfree-rcu-pool), under lock. */
	uint64_t *pool;
	uint64_t pool_n;
	uint64_t pool_last_take_ts;   /* trace time */
	atomic_bool need_refill;      /* asked of the refill worker */
	/*
	 * Being on this CPU: a thread holds it while it uses this CPU's pcp
	 * set (the replay thread taking a block page, the CPU's workers
	 * allocating or freeing pages "on that CPU").  It stands for the
	 * CPU's exclusivity, not a kernel lock, so it stays out of the lock
	 * report; on_cpu_waits counts the times it was busy.
	 */
	pthread_mutex_t on_cpu;
	atomic_ullong on_cpu_waits;
} __attribute__((aligned(64)));

struct kr_engine;

/*
 * A kvfree_rcu engine: its ops (the mmr_engines[] entry; kr_engine_create
 * finds the rest from env->engine) and what the variant decides: where a
 * block page comes from and where it goes.
 */
struct kr_variant {
	struct mmr_engine_ops ops;
	const char *name;
	/*
	 * A block page for CPU, under its krcp->lock on its replay thread:
	 * the first frame, or MMR_NO_PAGE (the call falls back).  NULL: the
	 * variant replaces the whole call (call below).
	 */
	uint64_t (*get_page)(struct kr_engine *e, unsigned cpu);
	/* Give back a block page after its grace period, on CPU's monitor (no lock held). */
	void (*put_page)(struct kr_engine *e, unsigned cpu, uint64_t pfn);
	/* The refill worker's round over every CPU at trace time NOW; NULL: no refill worker. */
	void (*refill)(struct kr_engine *e, uint64_t now);
	/* The baselines: the whole kvfree_rcu(OBJ) call.  NULL for the block variants. */
	void (*call)(struct kr_engine *e, unsigned cpu, void *obj, bool headless);
	/* The call queues callbacks on cpus[].cb_list, which the CPU's monitor reclaims (callrcu). */
	bool callbacks;
	/* The end of create, the engine made: what the variant fills before the replay (the pool's pages); or NULL. */
	void (*start)(struct kr_engine *e);
	/* Each CPU keeps a pool of pool_pages block pages (create allocates its array). */
	bool cpu_pool;
	/* Every call frees by waiting for a grace period itself: each one counts as a synchronize_rcu() fallback. */
	bool all_sync;
};

extern const struct kr_variant kr_nowait_variant, kr_lockless_variant, kr_pool_variant,
	kr_callrcu_variant, kr_sync_variant;

/* Engine-wide counters, bumped by any thread. */
struct kr_counts {
	atomic_ullong waiting, waiting_peak;  /* objects handed to kvfree_rcu() and not yet freed */
	atomic_ullong block_pages, block_pages_peak;
	atomic_ullong pool_pages, pool_pages_peak;
	atomic_ullong freed, live_bytes;
	atomic_ullong gp_batches, gp_ns_total, gp_ns_max; /* hand-off to reclaim, per batch */
	atomic_ullong sync_calls, sync_ns_total, sync_ns_max; /* every wait in kr_synchronize (readers.c) */
	atomic_ullong sync_forced;                            /* of those, the ones that forced quiescent states */
	atomic_ullong refills, refill_pages, trims, trimmed_pages, early_flushes;
	atomic_ullong baseline_calls, baseline_headless; /* callrcu and sync count here */
};

#define KR_SAMPLES 16

/* ---- readers.c: RCU readers, and the grace period that waits for them ---- */

/* Reader threads an engine may run: one per CPU of a large machine is more than a model needs. */
#define KR_READERS_MAX 64

/* One reader thread; seq and running under kr_readers.mu. */
struct kr_reader {
	uint64_t seq;  /* sections begun */
	bool running;  /* between its start and its stop: grace periods wait for it */
	uint64_t rng;  /* its own xorshift state, for the section lengths */
};

struct kr_readers {
	unsigned n;                           /* reader threads; 0: none (grace periods as bare liburcu) */
	uint64_t len_ns, jitter_ns, gap_ns;   /* a section lasts len_ns + U[0, jitter_ns]; gap_ns between */
	pthread_mutex_t mu;
	pthread_cond_t cv;                    /* a section begun, or a reader started or stopped */
	unsigned waiters;                     /* grace periods waiting for sections to begin */
	bool inited;
	struct kr_reader *r;
	unsigned forcing;                     /* grace periods forcing quiescent states now */
	uint64_t forced;                      /* grace periods that did, ever */
	atomic_ullong sections;               /* sections ended */
	atomic_ullong sections_cut;           /* of those, the ones a forced grace period ended early */
	atomic_ullong section_ns_total;       /* their length as slept, wall time */
	atomic_uint others;                   /* the engine's other workers running: readers outlast them */
};

/* RD's rd->n readers (their lengths set by the caller).  0, or -1 when out of memory. */
int kr_readers_init(struct kr_readers *rd);
void kr_readers_fini(struct kr_readers *rd);
/* Reader I's worker body: sections until *STOP. */
void kr_reader_run(struct kr_engine *e, unsigned i, const atomic_bool *stop);
/*
 * The model's synchronize_rcu(): wait until every running reader has
 * begun a section since the call, then for a grace period, at least
 * gp_ns in all; with FORCE
 * (or the engine's expedited), end the sections in flight and wait for
 * the grace period only.  Counted in sync_calls, sync_forced and
 * sync_ns_*; returns its length in ns.
 */
uint64_t kr_synchronize(struct kr_engine *e, bool force);

struct kr_engine {
	const struct kr_variant *v;
	unsigned ncpu;
	struct kr_cpu *cpus;
	struct mmr_zone *zone;
	uint64_t drain_ns, flush_blocks, tick_ns; /* trace time */
	uint64_t pool_pages, pool_low, trim_ns;
	bool poison;
	bool expedited;         /* every grace period forces quiescent states */
	uint64_t gp_ns;         /* a normal grace period's least length (wall time: a cost) */
	uint64_t qhimark;       /* callbacks on a CPU's list that force them; 0: never */
	/*
	 * The timed mechanisms, on the trace clock: monitor I every tick (and
	 * when CPU I's blocks reach flush_blocks), the refill worker every tick
	 * (and when a CPU asks).
	 */
	struct mmr_ttimer *monitors;
	unsigned nmonitors;
	struct mmr_ttimer refill_timer;
	/* Objects waiting, sampled by monitor 0 in trace time; the interval doubles when the array fills. */
	uint64_t samples[KR_SAMPLES];
	unsigned nsamples;
	uint64_t sample_ns, next_sample_ns, start_ns;
	struct kr_readers readers;
	struct kr_counts n;
};

/* A replay thread's context: its CPU. */
struct kr_thread {
	struct kr_engine *e;
	unsigned cpu;
};

/* ---- engine.c -------------------------------------------------------------- */

extern const struct mmr_engine_param kr_params[];
extern const struct mmr_engine_outcome kr_outcomes[];
/*
 * The engine for ENV, with the variant env->engine is the ops of; NULL
 * with ERR on a bad option, an engine that is no kvfree_rcu variant, or
 * no memory.
 */
void *kr_engine_create(const struct mmr_engine_env *env, struct mmr_error *err);
void kr_engine_destroy(void *engine);
void *kr_engine_thread_init(void *engine, unsigned tid);
void kr_engine_thread_exit(void *thread);
int kr_engine_alloc(void *thread, struct mmr_call *op);
/* Free OBJ now (poisoned first with poison=1) and count it; its grace period is over. */
void kr_obj_free(struct kr_engine *e, void *obj);
/*
 * Wait until every object handed to kvfree_rcu() has been freed (by the
 * monitors, while they run): rcu_barrier() by the engine's own count.
 */
void kr_wait_reclaimed(struct kr_engine *e);
/*
 * 2^ORDER frames of migratetype MT from the zone on CPU's pcp set, as a
 * thread running on CPU (FLAGS: MMR_PAGES_*): block pages and the trace's
 * own page allocations alike.  The first frame, or MMR_NO_PAGE.
 */
uint64_t kr_cpu_page_alloc(struct kr_engine *e, unsigned cpu, unsigned order, unsigned mt, unsigned flags);
/* Give the block of ORDER at PFN back to the zone on CPU's pcp set. */
void kr_cpu_page_free(struct kr_engine *e, unsigned cpu, uint64_t pfn, unsigned order);
/* A block page: one frame, unmovable, as __get_free_page(GFP_NOWAIT) gives (FLAGS: MMR_PAGES_*). */
uint64_t kr_block_page_alloc(struct kr_engine *e, unsigned cpu, unsigned flags);
void kr_block_page_free(struct kr_engine *e, unsigned cpu, uint64_t pfn);
/* The free of a trace's page event (MMR_FAM_PAGE) on THREAD's CPU: its block back to the zone. */
int kr_trace_page_free(struct kr_thread *t, const struct mmr_call *op);
/* Ask the refill worker to look at CPU (once until it has). */
void kr_refill_request(struct kr_engine *e, unsigned cpu);
/* Count a grace period of GP ns in E's figures (gp_batches, gp_ns_total, gp_ns_max). */
void kr_note_gp(struct kr_engine *e, uint64_t gp);
/* kr_synchronize (readers.c), its length also counted with kr_note_gp. */
void kr_synchronize_counted(struct kr_engine *e, bool force);
/* Monitors: one per CPU, or one for a baseline without callbacks (its samples only). */
unsigned kr_monitors(const struct kr_engine *e);

/* ---- queue.c ------------------------------------------------------------- */

/* kvfree_rcu(OBJ) on THREAD's CPU at trace time TS, HEADLESS for the one-argument form. */
void kr_kvfree(struct kr_thread *t, void *obj, bool headless, uint64_t ts);
int kr_engine_kvfree_rcu(void *thread, struct mmr_call *op);
int kr_engine_free(void *thread, struct mmr_call *op);
unsigned kr_engine_workers(void *engine);
void kr_engine_worker(void *engine, unsigned idx, const atomic_bool *stop);
/* Hand every CPU's batch to RCU and reclaim it, on this thread (destroy, tests). */
void kr_drain_all(struct kr_engine *e);

/* ---- report.c ---------------------------------------------------------------- */

uint64_t kr_engine_footprint(void *engine);
void kr_engine_report(void *engine, const struct mmr_figures *r);
/* Sum of every CPU's counters (call with no replay thread inside). */
struct kr_cpu_counts kr_cpu_totals(const struct kr_engine *e);
/* Record a sample of the waiting objects when one is due (monitor 0). */
void kr_sample(struct kr_engine *e, uint64_t now);

/*
 * The members of a kvfree_rcu variant's mmr_engine_ops besides name,
 * description and create.  The page family is the trace's own page
 * traffic, on the zone the block pages come from.  No same_code for
 * alloc: its page allocations contend with the variant's block-page takes
 * on zone->lock and the pcp lists, so a difference there is the variant's
 * effect on the rest of the machine's page traffic (seed 003), not noise.
 */
#define KR_ENGINE_OPS                                                                               \
	.abi = MMR_ENGINE_ABI, .families = 1u << MMR_FAM_KVFREE_RCU | 1u << MMR_FAM_PAGE,              \
	.params = kr_params, .outcomes = kr_outcomes, .create = kr_engine_create,                        \
	.destroy = kr_engine_destroy, .thread_init = kr_engine_thread_init,                              \
	.thread_exit = kr_engine_thread_exit,                                                            \
	.op = {[MMR_OP_ALLOC] = kr_engine_alloc, [MMR_OP_KVFREE_RCU] = kr_engine_kvfree_rcu,             \
	       [MMR_OP_FREE] = kr_engine_free},                                                          \
	.workers = kr_engine_workers, .worker = kr_engine_worker, .footprint = kr_engine_footprint,      \
	.report = kr_engine_report

#endif /* KVFREE_RCU_H */
