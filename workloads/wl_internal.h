/* SPDX-License-Identifier: MIT */
/*
 * wl_internal.h - the simulation core shared by the synthetic workloads:
 * a deterministic PRNG and distributions (dist.c), the scheduler that
 * merges per-CPU activity by timestamp and stops at exactly the asked
 * number of events (sim.c), and live-object bookkeeping with allocator-like
 * address reuse (pool.c).  Nothing here is public API.
 *
 * How a generator works: every simulated actor (a per-CPU test thread, a
 * worker, a pending free) is a wake-up in one binary heap ordered by
 * (timestamp, sequence).  The loop pops the earliest, the workload's step
 * function emits zero or more events stamped with that time and schedules
 * the actor's next wake-up.  Timestamps are therefore non-decreasing and the
 * whole trace is a pure function of the seed and the config.
 *
 * The ops budget: `owed` counts the events still needed to end every open
 * life (a free per live object, an unmap per mapping, ...).  A step may only
 * start something new while the events left after it still cover what is
 * owed (wl_afford); otherwise it closes something.  So the trace ends with
 * everything freed whenever the numbers allow, and always with exactly
 * cfg->ops events.
 */
#ifndef WL_INTERNAL_H
#define WL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmr_workload.h"

#define WL_PAGE_SIZE 4096ull
#define WL_PAGE_SHIFT 12
#define WL_MAX_CPUS 8192u
#define WL_NS_PER_US 1000ull
#define WL_NS_PER_MS 1000000ull
#define WL_NS_PER_S 1000000000ull

/* gfp masks as a 5.x/6.x kernel prints them in kmem events. */
#define WL_GFP_KERNEL 0xcc0u /* __GFP_IO | __GFP_FS | __GFP_RECLAIM */
#define WL_GFP_ATOMIC 0xa20u /* __GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM */
#define WL_GFP_NOIO 0xc00u   /* __GFP_RECLAIM only */

/* Kernel-like address ranges (x86_64, 4-level paging) for ids and call sites. */
#define WL_DIRECT_MAP 0xffff888100000000ull /* slab objects */
#define WL_VMALLOC_BASE 0xffffc90000000000ull
#define WL_KERNEL_TEXT 0xffffffff81000000ull
#define WL_MODULE_TEXT 0xffffffffc0400000ull

/* The registered workloads (one .c file each). */
extern const struct mmr_workload wl_vmalloc_test;
extern const struct mmr_workload wl_kfree_rcu_flood;
extern const struct mmr_workload wl_zram_swap;
extern const struct mmr_workload wl_hugetlb_cma;
extern const struct mmr_workload wl_cma_bulk;
extern const struct mmr_workload wl_fbdev_damage;
extern const struct mmr_workload wl_slab_mix;

/* ---- PRNG and distributions (dist.c) --------------------------------- */

/* xoshiro256**: fast, 256 bits of state, and the same stream on every machine. */
struct wl_rng {
	uint64_t s[4];
};

/* Seed R from SEED through splitmix64, so nearby seeds give unrelated streams. */
void wl_rng_seed(struct wl_rng *r, uint64_t seed);
/* The next 64 random bits. */
uint64_t wl_rng_next(struct wl_rng *r);
/* Uniform in [0, n), unbiased; N must be > 0. */
uint64_t wl_below(struct wl_rng *r, uint64_t n);
/* Uniform in [lo, hi], inclusive; LO <= HI. */
uint64_t wl_range(struct wl_rng *r, uint64_t lo, uint64_t hi);
/* True with probability PCT/100. */
bool wl_chance(struct wl_rng *r, uint64_t pct);
/* Exponential with the given mean, rounded to an integer (0 when MEAN is 0). */
uint64_t wl_exp(struct wl_rng *r, uint64_t mean);

#define WL_TABLE_MAX 32

/* A weighted table: index i is drawn with probability w[i] / sum(w). */
struct wl_table {
	uint64_t cum[WL_TABLE_MAX];
	size_t n;
};

/* Build T from N (<= WL_TABLE_MAX) weights, not all zero. */
void wl_table_init(struct wl_table *t, const uint32_t *weights, size_t n);
/* Draw an index from T. */
size_t wl_table_pick(const struct wl_table *t, struct wl_rng *r);

/* Number of kmalloc size classes (8 .. 8192). */
#define WL_KMALLOC_CLASSES 13
/* Size of kmalloc class I. */
uint64_t wl_kmalloc_class_size(unsigned i);
/* Index of the smallest kmalloc class holding SIZE (1..8192). */
unsigned wl_kmalloc_class(uint64_t size);

/* ---- Growable arrays and object bookkeeping (pool.c) ---------------- */

/* A growable array of u64, used as a stack. */
struct wl_vec {
	uint64_t *v;
	size_t len, cap;
};

/* Push X.  Returns 0, or -1 when out of memory. */
int wl_vec_push(struct wl_vec *v, uint64_t x);
/* Pop the last element; the vector must not be empty. */
uint64_t wl_vec_pop(struct wl_vec *v);
void wl_vec_free(struct wl_vec *v);

/* A simulated object.  gen changes at every death, so a wake-up naming an
 * old life of a reused slot can tell it is stale. */
struct wl_obj {
	uint64_t id;    /* address, handle, pfn or buffer id */
	uint64_t bytes; /* size the workload needs to remember */
	uint64_t aux;   /* workload-specific (owning buffer, site, ...) */
	uint32_t gen;
	uint32_t cpu;   /* CPU it was allocated on */
	uint32_t kind;  /* workload-specific (class, cache, role) */
	uint32_t count; /* workload-specific (attachments, state) */
};

/* Object records addressed by slot, slots reused last-in first-out. */
struct wl_objs {
	struct wl_obj *v;
	uint32_t len, cap;
	struct wl_vec free_slots;
};

/* A fresh slot (its gen kept from the last life).  Returns -1 when out of memory. */
int64_t wl_obj_new(struct wl_objs *o);
/* End the life in SLOT: bump its gen and make the slot reusable.  Returns 0 or -1 (memory). */
int wl_obj_del(struct wl_objs *o, uint32_t slot);
void wl_objs_free(struct wl_objs *o);

/* A set of slots with O(1) add, remove and uniform random pick. */
struct wl_set {
	uint32_t *items;
	uint32_t *pos; /* pos[slot] = index in items + 1, 0 when absent */
	size_t len, cap, pcap;
};

int wl_set_add(struct wl_set *s, uint32_t slot);
void wl_set_del(struct wl_set *s, uint32_t slot);
bool wl_set_has(const struct wl_set *s, uint32_t slot);
/* A uniformly chosen member; the set must not be empty. */
uint32_t wl_set_pick(const struct wl_set *s, struct wl_rng *r);
void wl_set_free(struct wl_set *s);

/* Fixed-size addresses (one slab cache, a handle cache): freed addresses
 * come back last-in first-out, as a slab freelist hands out the object
 * freed most recently; otherwise the range grows by STRIDE. */
struct wl_addr {
	uint64_t next, stride;
	struct wl_vec free;
};

void wl_addr_init(struct wl_addr *a, uint64_t base, uint64_t stride);
uint64_t wl_addr_get(struct wl_addr *a);
int wl_addr_put(struct wl_addr *a, uint64_t id);
void wl_addr_free(struct wl_addr *a);
/* Base address of slab region I: regions are far enough apart never to meet. */
uint64_t wl_slab_region(unsigned i);

/* Addresses that may only be reused after a delay (an RCU grace period):
 * a FIFO ordered by the time each becomes reusable. */
struct wl_limbo {
	uint64_t *id, *ready;
	size_t head, len, cap;
};

int wl_limbo_add(struct wl_limbo *l, uint64_t id, uint64_t ready_ts);
/* Move every address whose time has come (ready <= NOW) back to A.  0 or -1 (memory). */
int wl_limbo_release(struct wl_limbo *l, uint64_t now, struct wl_addr *a);
void wl_limbo_free(struct wl_limbo *l);

/* Page-granular virtual address space (vmalloc): freed areas are reused
 * last-in first-out by requests of the same size (and, for areas asked
 * with a larger alignment, the same alignment), otherwise carved from the
 * top of what has been handed out so far, up to a fixed end. */
struct wl_vspace {
	uint64_t next, end;
	struct wl_vec *by_pages;  /* by_pages[n]: freed page-aligned areas of n pages */
	size_t npages;
	struct wl_vec by_align[64][2]; /* [log2 align]: freed areas (va, pages) */
};

int wl_vspace_init(struct wl_vspace *v, uint64_t base, uint64_t size, size_t max_pages);
/* An area of PAGES pages aligned to ALIGN (a power of two >= a page); 0 when
 * the space is exhausted.  Return it with the same PAGES and ALIGN. */
uint64_t wl_vspace_get(struct wl_vspace *v, uint64_t pages, uint64_t align);
int wl_vspace_put(struct wl_vspace *v, uint64_t va, uint64_t pages, uint64_t align);
void wl_vspace_free(struct wl_vspace *v);

/* ---- The scheduler (sim.c) -------------------------------------------- */

/* One pending wake-up of an actor. */
struct wl_wake {
	uint64_t ts;  /* when */
	uint64_t seq; /* tie-break: first scheduled, first run */
	uint64_t arg; /* workload-specific */
	uint32_t cpu;
	uint32_t kind; /* workload-specific */
};

struct wl_sim {
	const struct mmr_workload *wl;
	struct mmr_writer *w;
	struct mmr_error *err;
	struct wl_rng rng;
	struct wl_wake *heap;
	size_t nheap, capheap;
	uint64_t seq;
	uint64_t now;     /* timestamp of the wake-up being run */
	uint64_t ops;     /* events to write */
	uint64_t emitted; /* events written so far */
	uint64_t owed;    /* events needed to close everything open (see above) */
	uint32_t cpus;
	uint8_t family;
};

/* Run the wake-up WK; emit events and schedule more.  0, or -1 with the error filled. */
typedef int (*wl_step_fn)(struct wl_sim *s, void *ctx, const struct wl_wake *wk);

/* Check CFG, seed the PRNG, remember W and ERR.  0, or -1 with ERR filled. */
int wl_sim_init(struct wl_sim *s, const struct mmr_workload *wl,
		const struct mmr_workload_config *cfg, struct mmr_writer *w, struct mmr_error *err);
void wl_sim_destroy(struct wl_sim *s);
/* Pop wake-ups in time order and run STEP until exactly ops events are written. */
int wl_sim_run(struct wl_sim *s, wl_step_fn step, void *ctx);
/* Schedule a wake-up at TS (never earlier than now).  0, or -1 (out of memory, ERR filled). */
int wl_wake_at(struct wl_sim *s, uint64_t ts, uint32_t cpu, uint32_t kind, uint64_t arg);

/* True when, after one more event, the events left still cover what is owed plus GROW. */
static inline bool wl_afford(const struct wl_sim *s, uint64_t grow)
{
	uint64_t left = s->ops - s->emitted;
	return left >= 1 && left - 1 >= s->owed + grow;
}

/* An event of the workload's family at the current time; unused fields zero, node -1. */
struct mmr_event wl_event(const struct wl_sim *s, uint32_t cpu, int32_t pid, unsigned op,
			  uint64_t id);
/* Write EV.  0 when written, 1 when the ops budget is already spent (nothing written),
 * -1 when the writer failed (ERR filled by it). */
int wl_emit(struct wl_sim *s, const struct mmr_event *ev);
/* Fill ERR with "workload NAME: out of memory" and return -1. */
int wl_oom(struct wl_sim *s);
/* Fill ERR with "workload NAME: " and the formatted rest; return -1. */
int wl_fail(struct wl_sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Name call sites: NAMES are "function+0xoff"; names of one function share its
 * start address, functions are laid out from BASE.  Addresses go to ADDRS. */
int wl_symbols(struct wl_sim *s, uint64_t base, const char *const *names, size_t n,
	       uint64_t *addrs);
/* Name the per-CPU tasks PID_BASE + cpu; FMT may hold one %u, the CPU number. */
int wl_comms(struct wl_sim *s, int32_t pid_base, const char *fmt);
/* Name one task. */
int wl_comm(struct wl_sim *s, int32_t pid, const char *comm);

#endif /* WL_INTERNAL_H */
