/* SPDX-License-Identifier: MIT */
/*
 * engine.c - the vmalloc engines' common part: the range, the nodes and
 * their busy and lazy lists, the alloc and free paths, the report.  The
 * handle of an area is its descriptor's address.
 *
 * An allocation asks the variant first (vmalloc-nodes: the pool of its
 * CPU's node), else takes the lowest fit from the free space under
 * free_vmap_area_lock; when nothing fits it purges everything, pools
 * included, and tries once more, as the kernel does before it fails.
 * The area joins the busy list of the node its address falls in; then,
 * outside every vmap lock, it takes its pages and maps them (pages.c).  A
 * free takes it off that list, unmaps it and puts it on a lazy list: the
 * node it was asked from when it has one, else its address's node; then
 * its pages go back.  Its address stays taken until a purge.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmalloc.h"

/* x86_64's vmalloc range with 4-level page tables: 32 TiB from 0xffffc90000000000. */
#define VM_START 0xffffc90000000000ull
#define VM_SIZE (32ull << 40)

/* What the calls came to, beside their latencies. */
const struct mmr_engine_outcome vm_outcomes[] = {
	{.key = "pool_hits", .unit = "allocs", .better = MMR_BETTER_MORE, .op = "alloc",
	 .help = "allocations served from a node's pool, off free_vmap_area_lock"},
	{.key = "global_allocs", .unit = "allocs", .better = MMR_BETTER_FEWER, .op = "alloc",
	 .help = "allocations that searched the free space under free_vmap_area_lock"},
	{.key = "sync_purges", .unit = "allocs", .better = MMR_BETTER_FEWER, .op = "alloc",
	 .help = "allocations that found no room, purged every lazy area and searched again"},
	{.key = "purges", .unit = "purges", .better = MMR_BETTER_NEITHER, .help = "purges of the lazy areas"},
	{.key = "areas_purged", .unit = "areas", .better = MMR_BETTER_NEITHER, .help = "areas the purges gave back"},
	{.key = "pages_allocated", .unit = "pages", .better = MMR_BETTER_NEITHER, .op = "alloc",
	 .help = "pages the vmallocs took from the page model (pcp lists, zone->lock), map_ns_per_page each to map"},
	{.key = "page_failures", .unit = "allocs", .better = MMR_BETTER_FEWER, .op = "alloc",
	 .help = "vmallocs that failed for want of pages: the zone ran out, or the size passed its pages"},
	{0},
};

const struct mmr_engine_param vm_params[] = {
	MMR_OPTION("nodes", "0", "vmap nodes; 0: one per replay thread"),
	MMR_OPTION("lazy_max_pages", "0", "lazily freed pages that start a purge; 0: the kernel's 32 MiB x fls(threads)"),
	MMR_COST("flush_ns", "5866", "busy work per purge for the TLB flush, ns (one shootdown; the seed gives no figure)",
		 "tlb_shootdown_ns", MMR_REF_MACHINE, 500, 100000),
	MMR_OPTION("zone_pages", "16", "addresses interleave over the nodes in runs of this many pages"),
	MMR_OPTION("pool_max", "0", "vmalloc-nodes: areas a pool keeps at most; 0: no limit, as the seed patch"),
	MMR_OPTION("purge_sync", "0", "1: the free that passes lazy_max_pages purges at once itself (repeatable runs); 0: the drain worker does"),
	MMR_OPTION("pages", "1", "1: a vmalloc takes its pages from the page model and maps them, a vfree unmaps and frees them; 0: the address space only"),
	MMR_OPTION("ram_pages", "262144", "frames in the zone the pages come from (262144: 1 GiB, the page model's default zone)"),
	/* The per-page costs dmabuf's vmap charges, from the same measurements (docs/calibrate.md). */
	MMR_COST("map_ns_per_page", MMR_REF_PTE_MAP_NS, "page-table set-up per page a vmalloc maps (vmap_pages_range), ns",
		 "pte_map_ns", MMR_REF_MACHINE, 5, 1000),
	MMR_COST("unmap_ns_per_page", MMR_REF_PTE_UNMAP_NS,
		 "page-table teardown per page at vfree, ns (the measurement holds a TLB flush share the kernel leaves to the purge: high)",
		 "pte_unmap_ns", MMR_REF_MACHINE, 2, 1000),
	{0},
};

void vm_list_add(struct vm_list *l, struct vm_area *va)
{
	va->next = NULL;
	va->prev = l->tail;
	if (l->tail)
		l->tail->next = va;
	else
		l->head = va;
	l->tail = va;
	l->len++;
}

void vm_list_del(struct vm_list *l, struct vm_area *va)
{
	if (va->prev)
		va->prev->next = va->next;
	else
		l->head = va->next;
	if (va->next)
		va->next->prev = va->prev;
	else
		l->tail = va->prev;
	va->prev = va->next = NULL;
	l->len--;
}

void vm_list_splice(struct vm_list *to, struct vm_list *from)
{
	if (!from->head)
		return;
	if (to->tail) {
		to->tail->next = from->head;
		from->head->prev = to->tail;
	} else {
		to->head = from->head;
	}
	to->tail = from->tail;
	to->len += from->len;
	*from = (struct vm_list){0};
}

void vm_free_list(struct vm_list *l)
{
	for (struct vm_area *va = l->head, *next; va; va = next) {
		next = va->next;
		free(va->pfn);
		free(va);
	}
	*l = (struct vm_list){0};
}

void vm_reclaim(struct vm_engine *e, struct vm_list *to_free)
{
	if (!to_free->head)
		return;
	atomic_fetch_add_explicit(&e->n.to_free, to_free->len, memory_order_relaxed);
	mmr_spin_lock(&e->free_lock);
	for (struct vm_area *va = to_free->head; va; va = va->next)
		vs_free(&e->space, va->start, va->end); /* out of memory leaves the range taken: never reused */
	mmr_spin_unlock(&e->free_lock);
	vm_free_list(to_free);
}

static int give_back(void *engine, uint64_t start, uint64_t end)
{
	struct vm_engine *e = engine;
	vs_free(&e->space, start, end); /* out of memory leaves the range taken, as in vm_reclaim */
	return 0;
}

void vm_reclaim_merged(struct vm_engine *e, struct vm_list *to_free)
{
	if (!to_free->head)
		return;
	/* decay_va_pool_node's private tree (decay_root): touching areas become one block, no lock held. */
	struct vs_space merged = {0};
	for (struct vm_area *va = to_free->head; va; va = va->next)
		if (vs_free(&merged, va->start, va->end)) {
			vs_destroy(&merged);
			vm_reclaim(e, to_free); /* no memory for the tree: one by one under the lock */
			return;
		}
	atomic_fetch_add_explicit(&e->n.decay_merged, to_free->len - merged.blocks, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->n.to_free, to_free->len, memory_order_relaxed);
	vm_free_list(to_free);
	/* reclaim_list_global: the lock only while the merged blocks go in. */
	mmr_spin_lock(&e->free_lock);
	vs_walk(&merged, give_back, e);
	mmr_spin_unlock(&e->free_lock);
	vs_destroy(&merged);
}

/* The options into E; -1 with ERR for a value out of range. */
static int read_opts(struct vm_engine *e, const struct mmr_engine_env *env, struct mmr_error *err)
{
	uint64_t nodes, lazy, zone, sync, pages;
	if (mmr_engine_param_u64(env, vm_params, "nodes", &nodes, err) ||
	    mmr_engine_param_u64(env, vm_params, "lazy_max_pages", &lazy, err) ||
	    mmr_engine_param_u64(env, vm_params, "flush_ns", &e->flush_ns, err) ||
	    mmr_engine_param_u64(env, vm_params, "zone_pages", &zone, err) ||
	    mmr_engine_param_u64(env, vm_params, "pool_max", &e->pool_max, err) ||
	    mmr_engine_param_u64(env, vm_params, "purge_sync", &sync, err) ||
	    mmr_engine_param_u64(env, vm_params, "pages", &pages, err) ||
	    mmr_engine_param_u64(env, vm_params, "ram_pages", &e->ram_pages, err) ||
	    mmr_engine_param_u64(env, vm_params, "map_ns_per_page", &e->map_ns, err) ||
	    mmr_engine_param_u64(env, vm_params, "unmap_ns_per_page", &e->unmap_ns, err))
		return -1;
	if (nodes > 1024 || zone == 0 || zone > (1u << 20) || e->flush_ns > 1000000000ull || lazy > (1ull << 32) || sync > 1 ||
	    pages > 1 || e->ram_pages < 64 || e->ram_pages > (1u << 24) || e->map_ns > 1000000 || e->unmap_ns > 1000000) {
		snprintf(err->msg, sizeof(err->msg),
			 "vmalloc: nodes 0..1024, zone_pages 1..1048576, flush_ns up to 1e9, lazy_max_pages up to 2^32, "
			 "purge_sync and pages 0 or 1, ram_pages 64..16777216 (kvfree_rcu's zone range), map and unmap_ns_per_page up to 1000000");
		return -1;
	}
	e->purge_sync = sync;
	if (!pages)
		e->ram_pages = 0; /* no zone: every area is address space only */
	unsigned fls = 0;
	for (unsigned t = env->threads; t; t >>= 1)
		fls++;
	e->nr_nodes = nodes ? (unsigned)nodes : env->threads;
	e->lazy_max = lazy ? lazy : fls * ((32ull << 20) / VM_PAGE);
	e->zone_bytes = zone * VM_PAGE;
	return 0;
}

static int init_locks(struct vm_engine *e)
{
	int rc = mmr_spin_init(&e->free_lock, "free_vmap_area_lock") | mmr_mutex_init(&e->purge_lock, "vmap_purge_lock");
	for (unsigned i = 0; i < e->nr_nodes; i++) {
		struct vm_node *vn = &e->nodes[i];
		rc |= mmr_spin_init(&vn->busy_lock, "vn->busy.lock") | mmr_spin_init(&vn->lazy_lock, "vn->lazy.lock") |
		      mmr_spin_init(&vn->pool_lock, "vn->pool_lock");
		if (rc == 0) {
			mmr_lock_class_declare(vn->busy_lock.cls, MMR_KL_SPINLOCK, false);
			mmr_lock_class_declare(vn->lazy_lock.cls, MMR_KL_SPINLOCK, false);
			mmr_lock_class_declare(vn->pool_lock.cls, MMR_KL_SPINLOCK, false);
		}
	}
	if (rc == 0) {
		/* mm/vmalloc.c takes them with plain spin_lock and mutex_lock. */
		mmr_lock_class_declare(e->free_lock.cls, MMR_KL_SPINLOCK, false);
		mmr_lock_class_declare(e->purge_lock.cls, MMR_KL_MUTEX, false);
	}
	pthread_mutex_init(&e->wq_mu, NULL);
	pthread_cond_init(&e->wq_cv, NULL);
	return rc;
}

void *vm_engine_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	const struct vm_variant *v = MMR_ENGINE_VARIANT(env, struct vm_variant, ops, vm_engine_create);
	if (!v) {
		snprintf(err->msg, sizeof(err->msg), "vmalloc: env->engine is not a vmalloc variant's ops");
		return NULL;
	}
	struct vm_engine *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err->msg, sizeof(err->msg), "vmalloc: out of memory");
		return NULL;
	}
	e->v = v;
	e->vstart = VM_START;
	e->vend = VM_START + VM_SIZE;
	if (read_opts(e, env, err)) {
		free(e);
		return NULL;
	}
	e->nr_helpers = e->nr_nodes - 1;
	e->nr_threads = env->threads;
	e->nodes = aligned_alloc(64, e->nr_nodes * sizeof(*e->nodes));
	e->helpers = calloc(e->nr_helpers + 1, sizeof(*e->helpers));
	e->threads = aligned_alloc(64, e->nr_threads * sizeof(*e->threads));
	/* The pages' zone: pcp lists per replay thread, as the kernel's per CPU; no memory behind the frames. */
	struct mmr_zone_cfg zc = {.pages = e->ram_pages, .pcp = true, .cpus = e->nr_threads ? e->nr_threads : 1};
	err->msg[0] = '\0';
	if (!e->nodes || !e->helpers || !e->threads || vs_init(&e->space, e->vstart, e->vend) ||
	    (e->ram_pages && !(e->zone = mmr_zone_create(&zc, err)))) {
		if (!err->msg[0])
			snprintf(err->msg, sizeof(err->msg), "vmalloc: out of memory for %u nodes", e->nr_nodes);
		vs_destroy(&e->space);
		free(e->nodes);
		free(e->helpers);
		free(e->threads);
		free(e);
		return NULL;
	}
	for (unsigned t = 0; t < e->nr_threads; t++)
		e->threads[t] = (struct vm_thread){.e = e, .cpu = t};
	memset(e->nodes, 0, e->nr_nodes * sizeof(*e->nodes));
	for (unsigned h = 0; h < e->nr_helpers; h++)
		e->helpers[h].node = -1;
	if (init_locks(e)) {
		snprintf(err->msg, sizeof(err->msg), "vmalloc: cannot create its lock classes");
		vm_engine_destroy(e);
		return NULL;
	}
	return e;
}

void vm_engine_destroy(void *engine)
{
	struct vm_engine *e = engine;
	for (unsigned i = 0; i < e->nr_nodes; i++) {
		struct vm_node *vn = &e->nodes[i];
		vm_free_list(&vn->busy);
		vm_free_list(&vn->lazy);
		vm_free_list(&vn->purge);
		for (unsigned p = 0; p < VM_POOL_PAGES; p++)
			vm_free_list(&vn->pool[p].list);
	}
	vs_destroy(&e->space);
	if (e->zone)
		mmr_zone_destroy(e->zone);
	mmr_mutex_destroy(&e->purge_lock);
	pthread_cond_destroy(&e->wq_cv);
	pthread_mutex_destroy(&e->wq_mu);
	free(e->nodes);
	free(e->helpers);
	free(e->threads);
	free(e);
}

void *vm_engine_thread_init(void *engine, unsigned tid)
{
	struct vm_engine *e = engine;
	return &e->threads[tid % e->nr_threads];
}

/* An area from the free space, purging everything once when none fits. */
static uint64_t global_alloc(struct vm_engine *e, uint64_t size, uint64_t align)
{
	for (int purged = 0;; purged++) {
		mmr_spin_lock(&e->free_lock);
		uint64_t addr = vs_alloc(&e->space, size, align);
		mmr_spin_unlock(&e->free_lock);
		if (addr != VM_NONE || purged)
			return addr;
		atomic_fetch_add_explicit(&e->n.sync_purges, 1, memory_order_relaxed);
		vm_purge(e, true);
	}
}

/*
 * VA off the busy list, unmapped and onto a lazy list; then its pages back
 * to the zone: vfree's order (remove_vm_area, then the pages).
 */
static void area_release(struct vm_thread *t, struct vm_area *va)
{
	struct vm_engine *e = t->e;
	struct vm_node *vn = vm_addr_node(e, va->start);
	mmr_spin_lock(&vn->busy_lock);
	vm_list_del(&vn->busy, va);
	mmr_spin_unlock(&vn->busy_lock);
	/* The pages leave the descriptor now: once lazy, a purge may pool it and another CPU take it. */
	uint64_t *pfn = va->pfn, frames = va->nr_pages;
	if (va->mapped)
		mmr_busy_ns(frames * e->unmap_ns); /* the entries cleared, the TLB flush left to the purge */
	va->pfn = NULL;
	va->nr_pages = 0;
	va->mapped = false;
	uint64_t pages = (va->end - va->start) / VM_PAGE;
	uint64_t lazy = atomic_fetch_add_explicit(&e->lazy_pages, pages, memory_order_relaxed) + pages;
	/* Back to the node it was asked from, so that its pool fills with what that CPU uses. */
	struct vm_node *to = va->vn_id ? vm_id_node(e, va->vn_id) : vn;
	mmr_spin_lock(&to->lazy_lock);
	vm_list_add(&to->lazy, va);
	mmr_spin_unlock(&to->lazy_lock);
	if (lazy > e->lazy_max) {
		if (e->purge_sync)
			vm_purge(e, false);
		else
			vm_purge_request(e);
	}
	if (pfn)
		vm_pages_release(t, pfn, frames);
}

int vm_engine_alloc(void *thread, struct mmr_call *op)
{
	struct vm_thread *t = thread;
	struct vm_engine *e = t->e;
	/* The area holds the request rounded to pages and its guard page, as the trace's bytes_alloc says. */
	uint64_t size = op->bytes_alloc ? op->bytes_alloc : ((op->size + VM_PAGE - 1) & ~(VM_PAGE - 1)) + VM_PAGE;
	uint64_t align = op->aux > VM_PAGE ? op->aux : VM_PAGE;
	uint32_t vn_id = 0;
	t->n.allocs++;
	if (align & (align - 1))
		align = VM_PAGE; /* not a power of two: the trace's field is not an alignment */
	size = (size + VM_PAGE - 1) & ~(VM_PAGE - 1);
	if (e->zone && vm_area_frames(0, size) > e->ram_pages) {
		/* More pages than the machine has: __vmalloc_node_range refuses before reserving anything. */
		t->n.failed++;
		t->n.page_failures++;
		return -1;
	}
	struct vm_area *va = e->v->node_alloc(t, size, align, &vn_id);
	if (!va) {
		uint64_t addr = (va = malloc(sizeof(*va))) ? global_alloc(e, size, align) : VM_NONE;
		if (addr == VM_NONE) {
			free(va);
			t->n.failed++;
			return -1;
		}
		t->n.global_allocs++;
		*va = (struct vm_area){.start = addr, .end = addr + size};
	}
	va->vn_id = vn_id;
	struct vm_node *vn = vm_addr_node(e, va->start);
	mmr_spin_lock(&vn->busy_lock);
	vm_list_add(&vn->busy, va);
	mmr_spin_unlock(&vn->busy_lock);
	if (vm_pages_populate(t, va)) {
		/* Short of pages: the half-made area is vfree()d, as __vmalloc_area_node's failure path does. */
		area_release(t, va);
		t->n.failed++;
		t->n.page_failures++;
		return -1;
	}
	op->handle = (uint64_t)(uintptr_t)va;
	return 0;
}

int vm_engine_free(void *thread, struct mmr_call *op)
{
	struct vm_thread *t = thread;
	t->n.frees++;
	area_release(t, (struct vm_area *)(uintptr_t)op->handle);
	return 0;
}
