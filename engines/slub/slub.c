/* SPDX-License-Identifier: MIT */
/*
 * slub.c - the `slub` engine: slab traces replayed into the SLUB model
 * (slub.h), its slabs and large kmallocs taken from a page-model zone with
 * per-CPU lists, so that zone->lock shows beside n->list_lock.
 *
 * kmalloc goes to the kmalloc-N cache of its size class; kmem_cache_alloc
 * (events with the cache flag) to a cache of the trace's object size, and
 * of its call site too with cache_by_site=1.  Past 8 KiB a kmalloc takes
 * pages straight from the zone, as the kernel's large kmalloc does.
 *
 * Options: slub_params[] below (zone_mb, prefault, min_partial,
 * cache_by_site, touch), where their defaults are written.
 */
#include <stdlib.h>
#include <string.h>

#include "mmr_counters.h"
#include "slub.h"

/* What the calls came to, beside their latencies. */
static const struct mmr_engine_outcome slub_outcomes[] = {
	{.key = "slow_allocs", .unit = "allocs", .better = MMR_BETTER_FEWER, .op = "alloc",
	 .help = "allocations that left the lockless per-CPU freelist for the slow path"},
	{.key = "slabs_new", .unit = "slabs", .better = MMR_BETTER_NEITHER, .help = "slabs taken from the page model"},
	{0},
};

static const struct mmr_engine_param slub_params[] = {
	MMR_OPTION("zone_mb", "1024", "size of the page-model zone the slabs come from, in MiB"),
	MMR_OPTION("prefault", "0", "1: fault the zone in before the replay, as the kernel direct map always is (1 GiB: about 2 s); 0: on first touch, in huge pages"),
	MMR_OPTION("min_partial", "5", "partial slabs a node keeps before empty ones go back to the page model"),
	MMR_OPTION("cache_by_site", "0", "1: kmem_cache_alloc caches keyed by object size and call site, 0: by size"),
	MMR_TOUCH_PARAM,
	{0},
};

static int read_opts(struct slub *s, const struct mmr_engine_env *env, uint64_t *zone_mb, struct mmr_error *err)
{
	uint64_t min_partial, by_site, prefault;
	if (mmr_engine_param_u64(env, slub_params, "zone_mb", zone_mb, err) ||
	    mmr_engine_param_u64(env, slub_params, "prefault", &prefault, err) ||
	    mmr_engine_param_u64(env, slub_params, "min_partial", &min_partial, err) ||
	    mmr_engine_param_u64(env, slub_params, "cache_by_site", &by_site, err) ||
	    mmr_touch_opt(env, slub_params, &s->touch, err))
		return -1;
	if (*zone_mb < 16 || *zone_mb > (1u << 20) || by_site > 1 || prefault > 1 || min_partial > 1000) {
		snprintf(err->msg, sizeof(err->msg),
			 "slub: zone_mb 16..1048576, cache_by_site and prefault 0 or 1, min_partial 0..1000");
		return -1;
	}
	s->prefault = prefault;
	s->min_partial = (unsigned)min_partial;
	s->by_site = by_site;
	return 0;
}

static void slub_destroy(void *engine);

static void *slub_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	struct slub *s = calloc(1, sizeof(*s));
	uint64_t zone_mb;
	if (!s) {
		snprintf(err->msg, sizeof(err->msg), "slub: out of memory");
		return NULL;
	}
	s->threads = env->threads;
	if (read_opts(s, env, &zone_mb, err)) {
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->totals_mu, NULL);
	struct mmr_zone_cfg cfg = {.pages = zone_mb * (1024 * 1024 / MMR_PAGE_SIZE), .backed = true, .prefault = s->prefault,
				   .pcp = true, .cpus = env->threads, .pcp_orders = 4};
	err->msg[0] = '\0';
	s->zone = mmr_zone_create(&cfg, err);
	s->slab_of = calloc(cfg.pages, sizeof(*s->slab_of));
	s->large_order = calloc(cfg.pages, 1);
	if (!s->zone || !s->slab_of || !s->large_order || mmr_mutex_init(&s->slab_mutex, "slab_mutex")) {
		if (!err->msg[0])
			snprintf(err->msg, sizeof(err->msg), "slub: out of memory for a %llu MiB zone",
				 (unsigned long long)zone_mb);
		slub_destroy(s);
		return NULL;
	}
	mmr_lock_class_declare(s->slab_mutex.cls, MMR_KL_MUTEX, false);
	s->base = mmr_page_address(s->zone, 0);
	return s;
}

/* Every slab still standing, found through the frame map, freed with its pages. */
static void free_slabs(struct slub *s)
{
	struct mmr_zone_stats st;
	mmr_zone_stats(s->zone, &st);
	for (uint64_t f = 0; f < st.pages; f++) {
		struct slub_slab *slab = s->slab_of[f];
		if (!slab || slab->pfn != f)
			continue;
		for (uint64_t g = 0; g < (1ull << slab->cache->order); g++)
			s->slab_of[f + g] = NULL;
		free(slab);
	}
}

static void slub_destroy(void *engine)
{
	struct slub *s = engine;
	if (s->zone && s->slab_of)
		free_slabs(s);
	for (unsigned i = 0; i < SLUB_MAX_CACHES; i++)
		free(atomic_load(&s->caches[i]));
	mmr_mutex_destroy(&s->slab_mutex);
	pthread_mutex_destroy(&s->totals_mu);
	if (s->zone)
		mmr_zone_destroy(s->zone);
	free(s->slab_of);
	free(s->large_order);
	free(s);
}

static void *slub_thread_init(void *engine, unsigned tid)
{
	struct slub_cpu *cpu = calloc(1, sizeof(*cpu));
	if (!cpu)
		return NULL;
	cpu->active = malloc(SLUB_MAX_CACHES * sizeof(*cpu->active));
	if (!cpu->active) {
		free(cpu);
		return NULL;
	}
	for (unsigned k = 0; k < SLUB_MAX_CACHES; k++)
		cpu->active[k] = (struct slub_cpu_slab){NULL, SLUB_NONE, 0};
	cpu->s = engine;
	cpu->cpu = tid;
	return cpu;
}

/* The counters as the report gives them, in its order. */
#define C(field, key) MMR_COUNTER(struct slub_counts, field, key, MMR_SUM)
static const struct mmr_counter slub_counter_rows[] = {
	C(fast_allocs, "fast_allocs"), C(fast_frees, "fast_frees"), C(slow_allocs, "slow_allocs"),
	C(remote_frees, "remote_frees"), C(lockless_frees, "lockless_frees"), C(locked_frees, "locked_frees"),
	C(slabs_new, "slabs_new"), C(slabs_freed, "slabs_freed"), C(large_allocs, "large_allocs"), C(failed, "failed"),
};
#undef C
MMR_COUNTERS_ALL(slub_counter_rows, struct slub_counts);
static const struct mmr_counters slub_counters = MMR_COUNTERS(slub_counter_rows);

static void slub_thread_exit(void *thread)
{
	struct slub_cpu *cpu = thread;
	struct slub *s = cpu->s;
	slub_flush_cpu(cpu);
	pthread_mutex_lock(&s->totals_mu);
	mmr_counters_add(&slub_counters, &s->totals, &cpu->n);
	pthread_mutex_unlock(&s->totals_mu);
	free(cpu->active);
	free(cpu);
}

/*
 * Pages for a kmalloc past 8 KiB, straight from the zone, *CAP bytes of
 * them.  NULL when there are none, or when SIZE is past the zone's largest
 * block: checked first, so that the rounding and the order never come near
 * a wrap or a shift past the page model's orders (the kernel's kmalloc
 * fails past KMALLOC_MAX_SIZE the same way).
 */
static void *large_alloc(struct slub_cpu *cpu, uint64_t size, uint64_t *cap)
{
	struct slub *s = cpu->s;
	unsigned orders = mmr_zone_cfg(s->zone)->max_order, order = 0;
	if (size > (uint64_t)MMR_PAGE_SIZE << (orders - 1)) {
		cpu->n.failed++;
		return NULL;
	}
	while ((uint64_t)MMR_PAGE_SIZE << order < size)
		order++;
	uint64_t pfn = mmr_pages_alloc(s->zone, cpu->cpu, order, MMR_MT_UNMOVABLE, 0);
	if (pfn == MMR_NO_PAGE) {
		cpu->n.failed++;
		return NULL;
	}
	s->large_order[pfn] = (uint8_t)(order + 1);
	cpu->n.large_allocs++;
	*cap = (uint64_t)MMR_PAGE_SIZE << order;
	return mmr_page_address(s->zone, pfn);
}

/*
 * An object for the call, *CAP bytes: kmalloc's size class, or the cache
 * the event names.  A kmem_cache event's object is the larger of its two
 * sizes: the cache's (bytes_alloc) is never smaller than the request in a
 * kernel's trace, and when a trace says so anyway the object must still
 * hold what the caller writes.  Never smaller than the call's size.
 */
static void *alloc_for(struct slub_cpu *cpu, const struct mmr_call *call, uint64_t *cap)
{
	struct slub *s = cpu->s;
	bool cache = call->flags & MMR_EF_CACHE;
	uint64_t size = cache && call->bytes_alloc > call->size ? call->bytes_alloc : call->size;
	if (size == 0)
		size = 1; /* an object of its own all the same: the smallest class, never a page */
	uint32_t cls = size > SLUB_KMALLOC_MAX ? 0 : cache ? (uint32_t)size : slub_kmalloc_size(size);
	if (!cls)
		return large_alloc(cpu, size, cap);
	struct slub_cache *c = slub_cache_get(s, cls, cache && s->by_site ? call->call_site : 0);
	void *p = c ? slub_alloc(cpu, c) : NULL;
	if (!c)
		cpu->n.failed++; /* the cache table is full */
	if (p)
		*cap = c->size;
	return p;
}

/* Bytes the object at P can hold: its cache's size, or its large allocation's pages. */
static uint64_t capacity(const struct slub *s, const void *p)
{
	uint64_t pfn = (uint64_t)((const uint8_t *)p - s->base) / MMR_PAGE_SIZE;
	if (s->large_order[pfn])
		return (uint64_t)MMR_PAGE_SIZE << (s->large_order[pfn] - 1);
	return s->slab_of[pfn]->cache->size;
}

static void free_object(struct slub_cpu *cpu, void *p)
{
	struct slub *s = cpu->s;
	uint64_t pfn = (uint64_t)((uint8_t *)p - s->base) / MMR_PAGE_SIZE;
	if (s->large_order[pfn]) {
		unsigned order = s->large_order[pfn] - 1u;
		s->large_order[pfn] = 0;
		mmr_pages_free(s->zone, cpu->cpu, pfn, order);
		return;
	}
	slub_free(cpu, p);
}

/* A new object for CALL, touched, in call->handle; *CAP: the bytes it holds.  -1 when there is none. */
static int new_object(struct slub_cpu *cpu, struct mmr_call *call, uint64_t *cap)
{
	void *p = alloc_for(cpu, call, cap);
	if (!p)
		return -1;
	uint64_t size = call->size ? call->size : 1;
	mmr_touch(cpu->s->touch, p, size < *cap ? size : *cap);
	call->handle = (uint64_t)(uintptr_t)p;
	return 0;
}

static int slub_op_alloc(void *thread, struct mmr_call *call)
{
	uint64_t cap;
	return new_object(thread, call, &cap);
}

static int slub_op_free(void *thread, struct mmr_call *call)
{
	free_object(thread, (void *)(uintptr_t)call->handle);
	return 0;
}

/*
 * krealloc: a new object of the new size, the old one's bytes copied (no
 * more than either holds), the old one freed.  No new object (a size past
 * the largest block, or no memory): the old one stays as it was, as
 * krealloc leaves it.  No old one (aux 0: krealloc(NULL)): an allocation.
 */
static int slub_op_realloc(void *thread, struct mmr_call *call)
{
	struct slub_cpu *cpu = thread;
	void *old = (void *)(uintptr_t)call->aux_handle;
	uint64_t cap;
	if (new_object(cpu, call, &cap))
		return -1;
	if (old) {
		uint64_t keep = capacity(cpu->s, old);
		keep = keep < cap ? keep : cap;
		memcpy((void *)(uintptr_t)call->handle, old, keep < call->size ? keep : call->size);
		free_object(cpu, old);
	}
	return 0;
}

/* Pages the model holds: what the zone has handed out. */
static uint64_t slub_footprint(void *engine)
{
	struct slub *s = engine;
	struct mmr_zone_stats st;
	mmr_zone_stats(s->zone, &st);
	return mmr_zone_pages_out(&st) * MMR_PAGE_SIZE;
}

/* Its counters, the caches made, and the figures of the zone the slabs come from (zone_*). */
static void slub_report(void *engine, const struct mmr_figures *r)
{
	struct slub *s = engine;
	struct mmr_zone_stats st;
	unsigned caches = 0;
	pthread_mutex_lock(&s->totals_mu);
	mmr_counters_report(&slub_counters, &s->totals, r);
	pthread_mutex_unlock(&s->totals_mu);
	for (unsigned i = 0; i < SLUB_MAX_CACHES; i++)
		caches += atomic_load(&s->caches[i]) != NULL;
	r->u64(r->ctx, "caches", caches);
	mmr_zone_stats(s->zone, &st);
	r->u64(r->ctx, "zone_lock_acquisitions", st.zone_lock_acquisitions);
	r->u64(r->ctx, "zone_pcp_refills", st.refills);
	r->u64(r->ctx, "zone_pcp_drains", st.drains);
}

static const struct mmr_engine_ops slub_ops = {
	.abi = MMR_ENGINE_ABI,
	.name = "slub",
	/* SLUB is the default slab allocator since 2.6.23 (and the only one since 6.8). */
	.kernel = "2.6.23-",
	.description = "SLUB model: per-CPU slabs with a lockless fast path, partial lists under n->list_lock",
	.families = 1u << MMR_FAM_SLAB,
	.params = slub_params,
	.outcomes = slub_outcomes,
	.create = slub_create,
	.destroy = slub_destroy,
	.thread_init = slub_thread_init,
	.thread_exit = slub_thread_exit,
	.op = {[MMR_OP_ALLOC] = slub_op_alloc, [MMR_OP_FREE] = slub_op_free, [MMR_OP_REALLOC] = slub_op_realloc},
	.footprint = slub_footprint,
	.report = slub_report,
};

const struct mmr_engine_ops *const mmr_engines[] = {&slub_ops, NULL};
