/* SPDX-License-Identifier: MIT */
/*
 * engine.c - the CMA engines' life: options, the zone the area lives in,
 * the per-thread contexts, cma->lock made by the variant's hooks, the
 * report.  The allocation and release paths are in alloc.c, the
 * workqueue cma-nowait queues on in workqueue.c, each variant's hooks in
 * its variant_*.c, the engine list in plugin.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cma.h"
#include "mmr_counters.h"

/* Area size limits: one bitmap bit at least, and frame numbers that fit the page model. */
#define CMA_MAX_PAGES (1ull << 31)

/* The options of every variant: the one place each default is written (read_opts reads them from here). */
const struct mmr_engine_param cma_params[] = {
	MMR_OPTION("pages", "2097152", "pages in the CMA area (2097152: 8 GiB, hugetlb-cma's 8 gigantic pages)"),
	MMR_OPTION("order_per_bit", "0", "pages per bitmap bit, as a power of two"),
	MMR_OPTION("mode", "normal", "normal (drain this CPU's pcp lists, retry) or fail-fast (no drain, no retry, "
		   "resume at the last failed pfn)"),
	MMR_OPTION("retries", "5", "normal mode: whole-area searches after one that met only busy ranges"),
	MMR_COST("migrate_ns", "0", "busy-wait per page migrated, ns (0: the model's bookkeeping only)", NULL,
		 "assumed 0: migration runs after cma->lock is dropped (mm/cma.c), so it lengthens each cma_alloc "
		 "but not the lock contention seed 000 is about; calibrate's page_copy_ns is a lower bound per page",
		 0, 4000),
	MMR_OPTION("unmovable_ppm", "0", "chance per million that a pageblock holds an unmovable page (for the run)"),
	MMR_OPTION("movable_pages", "16", "order-0 movable pages other page users keep per CPU (0: none)"),
	{0},
};

/* What the calls came to, beside their latencies; failed allocations are the runner's alloc.failed. */
const struct mmr_engine_outcome cma_outcomes[] = {
	{.key = "atomic_sleeps", .unit = "calls", .better = MMR_BETTER_FEWER,
	 .help = "releases from atomic context that found the mutex cma->lock taken: where the kernel would sleep"},
	{.key = "retries", .unit = "searches", .better = MMR_BETTER_FEWER, .op = "alloc",
	 .help = "whole-area searches again after one that met only busy ranges"},
	{.key = "busy_failures", .unit = "ranges", .better = MMR_BETTER_FEWER, .op = "alloc",
	 .help = "ranges given up because a frame was busy"},
	{.key = "migrate_failures", .unit = "ranges", .better = MMR_BETTER_FEWER, .op = "alloc",
	 .help = "ranges set in the bitmap whose migration failed"},
	{.key = "flush_waits", .unit = "calls", .better = MMR_BETTER_FEWER, .op = "alloc",
	 .help = "allocations that waited for the release workqueue to drain"},
	{.key = "delayed_releases", .unit = "calls", .better = MMR_BETTER_NEITHER, .op = "release_nowait",
	 .help = "releases whose bitmap clear went to the workqueue"},
	{.key = "migrated_pages", .unit = "pages", .better = MMR_BETTER_NEITHER, .op = "alloc",
	 .help = "movable pages migrated out of the ranges taken"},
	{0},
};

/* Options into C; -1 with ERR naming the first bad one. */
static int read_opts(struct cma *c, const struct mmr_engine_env *env, struct mmr_error *err)
{
	uint64_t pages, opb, retries, mig, ppm, movable;
	const char *mode;
	if (mmr_engine_param_u64(env, cma_params, "pages", &pages, err) ||
	    mmr_engine_param_u64(env, cma_params, "order_per_bit", &opb, err) ||
	    mmr_engine_param_u64(env, cma_params, "retries", &retries, err) ||
	    mmr_engine_param_u64(env, cma_params, "migrate_ns", &mig, err) ||
	    mmr_engine_param_u64(env, cma_params, "unmovable_ppm", &ppm, err) ||
	    mmr_engine_param_u64(env, cma_params, "movable_pages", &movable, err) ||
	    mmr_engine_param_str(env, cma_params, "mode", &mode, err))
		return -1;
	const char *bad = pages < 1 || pages > CMA_MAX_PAGES ? "pages: 1..2147483648"
		: opb > 20 ? "order_per_bit: 0..20"
		: pages >> opb == 0 ? "pages: fewer than one bitmap bit (2^order_per_bit)"
		: retries > 1000 ? "retries: 0..1000"
		: mig > 1000000 ? "migrate_ns: 0..1000000"
		: ppm > 1000000 ? "unmovable_ppm: 0..1000000"
		: movable > 4096 ? "movable_pages: 0..4096"
		: strcmp(mode, "normal") && strcmp(mode, "fail-fast") ? "mode: normal or fail-fast" : NULL;
	if (bad) {
		snprintf(err->msg, sizeof(err->msg), "cma: engine option %s", bad);
		return -1;
	}
	c->pages = pages;
	c->order_per_bit = (unsigned)opb;
	c->nbits = pages >> opb; /* a partial last bit's pages are not managed, as in the kernel */
	c->retries = (unsigned)retries;
	c->migrate_ns = mig;
	c->unmovable_ppm = (uint32_t)ppm;
	c->movable_pages = (unsigned)movable;
	c->fail_fast = !strcmp(mode, "fail-fast");
	return 0;
}

/* The zone: the area at its start and room beyond it for the other page users' pages. */
static int make_zone(struct cma *c, unsigned cpus, struct mmr_error *err)
{
	uint64_t extra = c->pages / 8 > 8192 ? c->pages / 8 : 8192;
	/* No watermarks (high alone): the area's frames are all usable, as CMA pageblocks are. */
	struct mmr_zone_cfg cfg = {.pages = c->pages + extra, .pcp = true, .cpus = cpus, .wmark_high = 1};
	err->msg[0] = '\0';
	c->zone = mmr_zone_create(&cfg, err);
	return c->zone ? 0 : -1;
}

static int make_threads(struct cma *c, unsigned threads)
{
	c->threads = threads;
	c->thread = aligned_alloc(64, (threads + 1) * sizeof(*c->thread));
	if (!c->thread)
		return -1;
	memset(c->thread, 0, (threads + 1) * sizeof(*c->thread));
	for (unsigned i = 0; i <= threads; i++) {
		struct cma_thread *t = &c->thread[i];
		t->c = c;
		t->cpu = i < threads ? i : 0; /* the worker never touches pcp lists */
		t->ring = calloc(c->movable_pages ? c->movable_pages : 1, sizeof(*t->ring));
		t->alloc_waited = malloc(sizeof(*t->alloc_waited));
		t->alloc_nowait = malloc(sizeof(*t->alloc_nowait));
		if (!t->ring || !t->alloc_waited || !t->alloc_nowait)
			return -1;
		mmr_hist_init(t->alloc_waited);
		mmr_hist_init(t->alloc_nowait);
	}
	return 0;
}

void *cma_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	const struct cma_variant *v = MMR_ENGINE_VARIANT(env, struct cma_variant, ops, cma_create);
	if (!v) {
		snprintf(err->msg, sizeof(err->msg), "cma: env->engine is not a CMA variant's ops");
		return NULL;
	}
	struct cma *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err->msg, sizeof(err->msg), "cma: out of memory");
		return NULL;
	}
	c->v = v;
	if (read_opts(c, env, err)) {
		free(c);
		return NULL;
	}
	if (v->lock->init(c)) {
		snprintf(err->msg, sizeof(err->msg), "cma: cannot create lock class cma->lock: out of memory");
		free(c);
		return NULL;
	}
	unsigned threads = env->threads ? env->threads : 1;
	c->bitmap = calloc((c->nbits + 63) / 64, sizeof(*c->bitmap));
	if (!c->bitmap || make_threads(c, threads)) {
		snprintf(err->msg, sizeof(err->msg), "cma: out of memory for a %llu-page area",
			 (unsigned long long)c->pages);
		cma_destroy(c);
		return NULL;
	}
	if (make_zone(c, threads, err)) { /* ERR says why */
		cma_destroy(c);
		return NULL;
	}
	return c;
}

void cma_destroy(void *engine)
{
	struct cma *c = engine;
	if (c->thread) {
		cma_wq_run(c, &c->thread[c->threads]);
		for (unsigned i = 0; i <= c->threads; i++) {
			free(c->thread[i].ring);
			free(c->thread[i].alloc_waited);
			free(c->thread[i].alloc_nowait);
		}
	}
	c->v->lock->destroy(c);
	mmr_zone_destroy(c->zone);
	free(c->thread);
	free(c->bitmap);
	free(c);
}

void *cma_thread_init(void *engine, unsigned tid)
{
	struct cma *c = engine;
	return &c->thread[tid % c->threads];
}

void cma_lock(struct cma *c)
{
	c->v->lock->lock(c);
}

void cma_unlock(struct cma *c)
{
	c->v->lock->unlock(c);
}

uint64_t cma_footprint(void *engine)
{
	struct cma *c = engine;
	return (cma_bitmap_weight(c->bitmap, c->nbits) << c->order_per_bit) * MMR_PAGE_SIZE;
}

/* The counters as the report gives them, summed over threads and the worker (the longest wait: the largest). */
#define C(field, key, how) MMR_COUNTER(struct cma_counts, field, key, how)
static const struct mmr_counter cma_counter_rows[] = {
	C(allocs, "allocs", MMR_SUM), C(alloc_failures, "alloc_failures", MMR_SUM), C(retries, "retries", MMR_SUM),
	C(migrate_failures, "migrate_failures", MMR_SUM), C(busy_failures, "busy_failures", MMR_SUM),
	C(unmovable_failures, "unmovable_failures", MMR_SUM), C(drains, "drains", MMR_SUM),
	C(flushes, "flushes", MMR_SUM), C(flush_waits, "flush_waits", MMR_SUM), C(flush_wait_ns, "flush_wait_ns", MMR_SUM),
	C(releases, "releases", MMR_SUM), C(atomic_releases, "atomic_releases", MMR_SUM),
	C(atomic_sleeps, "atomic_sleeps", MMR_SUM), C(delayed_releases, "delayed_releases", MMR_SUM),
	C(deferred_done, "deferred_done", MMR_SUM), C(movable_failures, "movable_failures", MMR_SUM),
	C(migrated_pages, "migrated_pages", MMR_SUM), C(release_mismatches, "release_mismatches", MMR_SUM),
	C(release_pages_beyond, "release_pages_beyond", MMR_SUM), C(release_pages_kept, "release_pages_kept", MMR_SUM),
	C(flush_wait_ns_max, "flush_wait_ns_max", MMR_MAX),
};
#undef C
MMR_COUNTERS_ALL(cma_counter_rows, struct cma_counts);
static const struct mmr_counters cma_counters = MMR_COUNTERS(cma_counter_rows);

void cma_report(void *engine, const struct mmr_figures *r)
{
	struct cma *c = engine;
	struct cma_counts n = {0};
	struct mmr_hist waited, nowait;
	struct mmr_zone_stats st;
	struct mmr_error err;
	mmr_hist_init(&waited);
	mmr_hist_init(&nowait);
	for (unsigned i = 0; i <= c->threads; i++) {
		mmr_counters_add(&cma_counters, &n, &c->thread[i].n);
		mmr_hist_merge(&waited, c->thread[i].alloc_waited);
		mmr_hist_merge(&nowait, c->thread[i].alloc_nowait);
	}
	mmr_counters_report(&cma_counters, &n, r);
	r->u64(r->ctx, "allocs_after_flush_wait", waited.count);
	r->f64(r->ctx, "alloc_p99_ns_flush_wait", waited.count ? (double)mmr_hist_percentile(&waited, 99) : 0);
	r->f64(r->ctx, "alloc_p99_ns_no_flush_wait", nowait.count ? (double)mmr_hist_percentile(&nowait, 99) : 0);
	r->u64(r->ctx, "area_pages", c->pages);
	r->u64(r->ctx, "order_per_bit", c->order_per_bit);
	r->u64(r->ctx, "fail_fast", c->fail_fast);
	r->u64(r->ctx, "delayed_release_flag", atomic_load(&c->delayed));
	r->u64(r->ctx, "bitmap_pages_in_use", cma_bitmap_weight(c->bitmap, c->nbits) << c->order_per_bit);
	r->u64(r->ctx, "workqueue_pending", atomic_load(&c->wq_queued) - atomic_load(&c->wq_done));
	mmr_zone_stats(c->zone, &st);
	r->u64(r->ctx, "zone_pages", st.pages);
	r->u64(r->ctx, "zone_free_pages", st.free_pages);
	r->u64(r->ctx, "zone_pcp_pages", st.pcp_pages);
	r->u64(r->ctx, "zone_lock_acquisitions", st.zone_lock_acquisitions);
	r->u64(r->ctx, "zone_check_ok", mmr_zone_check(c->zone, &err) == 0);
}
