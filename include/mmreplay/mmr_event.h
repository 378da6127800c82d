/* SPDX-License-Identifier: MIT */
/*
 * mmr_event.h - the event model every stage shares: which allocator
 * family an event belongs to, what it did (the op), its flags, the valid
 * range of its fields, and the one-line error every failing call fills.
 *
 * Types only.  The trace file (trace/mmr_trace.h) stores these events;
 * an engine (mmr_engine.h) sees them as calls.
 */
#ifndef MMR_EVENT_H
#define MMR_EVENT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Allocator families: which kernel allocator an event belongs to. */
enum mmr_family {
	MMR_FAM_SLAB,       /* kmalloc, kmem_cache_alloc and their frees */
	MMR_FAM_PAGE,       /* buddy allocator: mm_page_alloc / mm_page_free */
	MMR_FAM_VMALLOC,    /* vmap areas */
	MMR_FAM_PERCPU,     /* percpu allocator */
	MMR_FAM_CMA,        /* contiguous memory allocator */
	MMR_FAM_ZSMALLOC,   /* zsmalloc pools (zram, zswap) */
	MMR_FAM_KVFREE_RCU, /* kvfree_rcu() deferred frees */
	MMR_FAM_DMABUF,     /* dma-buf buffers and their kernel mappings */
	MMR_FAM_DMA,        /* DMA API allocations: dma_alloc_* / dma_free_* */
	/*
	 * Not an allocator: the kernel's own lock contention (lock:contention_begin
	 * and _end), recorded beside the allocations it slowed.  No engine takes
	 * it; the replay skips it with a count, stats reports it per lock.
	 */
	MMR_FAM_LOCK,
	MMR_FAM_COUNT
};

/* The families whose events an engine can replay: every one but lock. */
#define MMR_FAM_ALLOCATORS (((1u << MMR_FAM_COUNT) - 1) & ~(1u << MMR_FAM_LOCK))

/*
 * Operations.  Which fields an op uses is documented per op in
 * docs/trace-format.md; "id" always names the object the op acts on.
 */
enum mmr_op {
	MMR_OP_ALLOC,          /* object id comes to life */
	MMR_OP_FREE,           /* object id dies */
	MMR_OP_REALLOC,        /* id is the new object, aux the old one */
	MMR_OP_MAP,            /* zsmalloc map of handle id */
	MMR_OP_UNMAP,          /* zsmalloc unmap of handle id */
	MMR_OP_RELEASE,        /* cma_release of pfn id */
	MMR_OP_RELEASE_NOWAIT, /* cma_release_nowait: release from atomic context */
	MMR_OP_KVFREE_RCU,     /* kvfree_rcu(id): the free is deferred past a grace period */
	MMR_OP_VMAP,           /* kernel mapping of buffer id (dma-buf vmap) */
	MMR_OP_VUNMAP,         /* its removal */
	MMR_OP_ATTACH,         /* device attachment aux to buffer id */
	MMR_OP_DETACH,         /* removal of attachment aux from buffer id */
	MMR_OP_MOVE,           /* buffer id migrates (e.g. TTM move to another domain) */
	MMR_OP_COMPACT,        /* pool-wide compaction request (zsmalloc) */
	MMR_OP_PURGE,          /* lazy-free purge (vmalloc purge_vmap_area_lazy) */
	MMR_OP_ZONE_ALLOC,     /* page block taken from the buddy lists under zone->lock */
	MMR_OP_PCP_DRAIN,      /* page block drained from a per-CPU list back to the buddy lists */
	MMR_OP_RCU_RECLAIM,    /* kvfree_rcu batch freed after its grace period; aux = objects */
	MMR_OP_CONTENTION_BEGIN, /* lock: task pid starts waiting for lock id; aux = MMR_LCB_* flags */
	MMR_OP_CONTENTION_END,   /* lock: pid stops waiting for id; aux = ret (0 acquired, or -errno) */
	MMR_OP_COUNT
};

/* Event flags. */
enum mmr_event_flag {
	MMR_EF_ATOMIC = 1u << 0,    /* issued from atomic context */
	MMR_EF_HEADLESS = 1u << 1,  /* kvfree_rcu single-argument form (no rcu_head) */
	MMR_EF_MAP_WRITE = 1u << 2, /* zsmalloc map for write (otherwise read) */
	MMR_EF_NODE = 1u << 3,      /* allocation asked for a specific NUMA node */
	MMR_EF_CACHE = 1u << 4,     /* slab: kmem_cache_alloc/free rather than kmalloc/kfree */
	MMR_EF_BATCHED = 1u << 5,   /* page: freed through a batched path */
	MMR_EF_FAILED = 1u << 6,    /* an allocation that failed: no object came to life */
	/*
	 * lock: a contention_begin whose call_site came from a kernel stack
	 * taken at the begin (trace 1.1); taking it lengthened this wait.
	 */
	MMR_EF_STACKED = 1u << 7,
};

/*
 * Flags of a contention_begin (its aux): the kernel's LCB_F_* values as the
 * tracepoint prints them, which say what kind of lock waited.
 */
enum mmr_lock_flag {
	MMR_LCB_SPIN = 1u << 0,
	MMR_LCB_READ = 1u << 1,
	MMR_LCB_WRITE = 1u << 2,
	MMR_LCB_RT = 1u << 3,
	MMR_LCB_PERCPU = 1u << 4,
	MMR_LCB_MUTEX = 1u << 5,
};

/*
 * One allocator event.  Unused fields are zero, except node, which is -1
 * when unknown.  Every field round-trips through the file exactly.
 */
struct mmr_event {
	uint64_t ts_ns;       /* timestamp in the trace's clock, nanoseconds */
	uint64_t id;          /* object: pointer, pfn, va, handle or buffer id */
	uint64_t aux;         /* op-specific second value (realloc: old id; vmalloc alloc: alignment) */
	uint64_t bytes_req;   /* bytes requested (or pages, for cma: see docs) */
	uint64_t bytes_alloc; /* bytes actually handed out */
	uint64_t call_site;   /* caller address; 0 when unknown */
	uint32_t gfp;         /* gfp flags as the kernel printed them */
	int32_t pid;          /* task id, 0 for kernel context */
	uint32_t cpu;         /* CPU the event happened on */
	int32_t node;         /* NUMA node, -1 when unknown */
	uint16_t flags;       /* enum mmr_event_flag bits */
	uint8_t family;       /* enum mmr_family */
	uint8_t op;           /* enum mmr_op */
	uint8_t order;        /* page order (page, cma) */
};

/*
 * The valid range of an event's fields (docs/trace-format.md, "Valid
 * events").  A file can hold any value; every consumer checks an event
 * with mmr_event_check before using it and skips, with a count per
 * reason, one that is out of range, so that no size, shift, index or sum
 * downstream can wrap.  The bounds are beyond anything a kernel produces.
 */
#define MMR_MAX_ORDER 20            /* page and cma order; no kernel's MAX_PAGE_ORDER passed 16 */
#define MMR_MAX_BYTES (1ull << 40)  /* bytes_req, bytes_alloc and a vmalloc alignment: 1 TiB */
#define MMR_MAX_CPUS 8192           /* cpu below it, nr_cpus at most it: the kernel's largest NR_CPUS */
#define MMR_MAX_NODES 1024          /* node below it or -1: the kernel's largest MAX_NUMNODES */

/*
 * Errors.  Every failing function fills one of these with a single line
 * saying where and what went wrong: a file and byte offset for the
 * trace's readers ("trace.mmr: offset 4096: block checksum mismatch"),
 * the option for an engine's create ("engine option pool=0: out of range").
 */
struct mmr_error {
	char msg[512];
};

#ifdef __cplusplus
}
#endif

#endif /* MMR_EVENT_H */
