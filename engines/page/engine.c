/* SPDX-License-Identifier: MIT */
/*
 * engine.c - the page engines' common part: page family events replayed
 * on one zone of the page model, each replay thread a CPU.  The handle of
 * a block is its first frame number plus one (a handle is never 0).
 *
 * The trace's gfp flags choose the migratetype (__GFP_MOVABLE,
 * __GFP_RECLAIMABLE) and whether the allocation may dip into the reserve
 * below the min watermark (__GFP_HIGH, or an atomic caller), as
 * mmr_pages.h's mmr_gfp_* read them for every engine with page events.
 */
#include <stddef.h>
#include <stdlib.h>

#include "mmr_counters.h"
#include "page_engine.h"

struct page_engine;

struct page_thread {
	struct page_engine *e;
	unsigned cpu;
} __attribute__((aligned(64)));

struct page_engine {
	struct mmr_zone *zone;
	unsigned threads;
	struct page_thread *thread;
};

void *page_engine_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	const struct page_variant *v = MMR_ENGINE_VARIANT(env, struct page_variant, ops, page_engine_create);
	struct mmr_zone_cfg zc = {0}, *cfg = &zc;
	uint64_t mb, max_order;
	if (!v) {
		snprintf(err->msg, sizeof(err->msg), "page: env->engine is not a page variant's ops");
		return NULL;
	}
	if (v->zone_cfg(env, cfg, err) || mmr_engine_param_u64(env, v->ops.params, "zone_mb", &mb, err) ||
	    mmr_engine_param_u64(env, v->ops.params, "max_order", &max_order, err))
		return NULL;
	if (mb == 0 || mb > (1ull << 24) || max_order == 0 || max_order > 16) {
		snprintf(err->msg, sizeof(err->msg), "engine option %s: out of range",
			 mb == 0 || mb > (1ull << 24) ? "zone_mb (1..16777216)" : "max_order (1..16)");
		return NULL;
	}
	cfg->pages = mb * (1024 * 1024 / MMR_PAGE_SIZE);
	cfg->max_order = (unsigned)max_order;
	cfg->cpus = env->threads;
	struct page_engine *e = calloc(1, sizeof(*e));
	struct page_thread *t = aligned_alloc(64, env->threads * sizeof(*t));
	if (!e || !t) {
		snprintf(err->msg, sizeof(err->msg), "page engine: out of memory");
		free(e);
		free(t);
		return NULL;
	}
	err->msg[0] = '\0';
	e->zone = mmr_zone_create(cfg, err);
	if (!e->zone) {
		free(e);
		free(t);
		return NULL;
	}
	e->threads = env->threads;
	e->thread = t;
	for (unsigned i = 0; i < env->threads; i++)
		t[i] = (struct page_thread){.e = e, .cpu = i};
	return e;
}

void page_engine_destroy(void *engine)
{
	struct page_engine *e = engine;
	mmr_zone_destroy(e->zone);
	free(e->thread);
	free(e);
}

void *page_engine_thread_init(void *engine, unsigned tid)
{
	struct page_engine *e = engine;
	return &e->thread[tid % e->threads];
}

int page_engine_alloc(void *thread, struct mmr_call *op)
{
	struct page_thread *t = thread;
	uint64_t pfn = mmr_pages_alloc(t->e->zone, t->cpu, op->order, mmr_gfp_migratetype(op->gfp),
				       mmr_gfp_pages_flags(op->gfp, op->flags));
	if (pfn == MMR_NO_PAGE)
		return -1;
	op->handle = pfn + 1;
	return 0;
}

int page_engine_free(void *thread, struct mmr_call *op)
{
	struct page_thread *t = thread;
	mmr_pages_free(t->e->zone, t->cpu, op->handle - 1, op->order);
	return 0;
}

uint64_t page_engine_footprint(void *engine)
{
	struct page_engine *e = engine;
	struct mmr_zone_stats st;
	mmr_zone_stats(e->zone, &st);
	return (st.pages - st.free_pages) * MMR_PAGE_SIZE;
}

/* What the calls came to, beside their latencies; failed allocations are the runner's alloc.failed. */
const struct mmr_engine_outcome page_outcomes[] = {
	{.key = "pcp_hits", .unit = "allocs", .better = MMR_BETTER_MORE, .op = "alloc",
	 .help = "allocations served from a per-CPU list, off zone->lock"},
	{.key = "fallbacks", .unit = "allocs", .better = MMR_BETTER_FEWER, .op = "alloc",
	 .help = "allocations that took another migratetype's block"},
	{.key = "below_low_wmark", .unit = "allocs", .better = MMR_BETTER_FEWER, .op = "alloc",
	 .help = "allocations that left the zone below its low watermark (kswapd would wake)"},
	{0},
};

/*
 * The zone's figures the report gives, by name: the zone is the one set
 * of counters (mmr_zone_stats has summed its CPUs' already).
 */
#define C(field, key) MMR_COUNTER(struct mmr_zone_stats, field, key, MMR_SUM)
static const struct mmr_counter zone_rows[] = {
	C(pages, "zone_pages"), C(free_pages, "free_pages"), C(pcp_pages, "pcp_pages"),
	C(allocs, "page_allocs"), C(frees, "page_frees"), C(failed, "failed_allocs"), C(pcp_hits, "pcp_hits"),
	C(refills, "refills"), C(drains, "drains"), C(direct, "direct_lock_calls"),
	C(zone_lock_acquisitions, "zone_lock_acquisitions"), C(splits, "splits"), C(merges, "merges"),
	C(fallbacks, "fallbacks"), C(below_low, "below_low_wmark"), C(bad_frees, "bad_frees"),
	C(order_mismatch, "order_mismatch_frees"),
};
#undef C
static const struct mmr_counters zone_counters = MMR_COUNTERS(zone_rows);

void page_engine_report(void *engine, const struct mmr_figures *r)
{
	struct page_engine *e = engine;
	const struct mmr_zone_cfg *c = mmr_zone_cfg(e->zone);
	struct mmr_zone_stats st;
	struct mmr_error err;
	mmr_zone_stats(e->zone, &st);
	mmr_counters_report(&zone_counters, &st, r);
	uint64_t ops = st.allocs + st.frees;
	r->f64(r->ctx, "zone_lock_per_1000_ops", ops ? 1000.0 * (double)st.zone_lock_acquisitions / (double)ops : 0);
	if (c->pcp) {
		r->u64(r->ctx, "pcp_high", c->pcp_high);
		r->u64(r->ctx, "pcp_batch", c->pcp_batch);
	}
	r->u64(r->ctx, "wmark_min", c->wmark_min);
	r->u64(r->ctx, "wmark_low", c->wmark_low);
	r->u64(r->ctx, "wmark_high", c->wmark_high);
	r->u64(r->ctx, "zone_check_ok", mmr_zone_check(e->zone, &err) == 0);
}

const struct mmr_engine_ops *const mmr_engines[] = {&page_zonelock.ops, &page_pcp.ops, NULL};
