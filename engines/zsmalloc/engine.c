/* SPDX-License-Identifier: MIT */
/*
 * engine.c - the zsmalloc engines' common part: options, the pool and its
 * size classes, the replay ops and the report.  The handle the runner
 * keeps for an object is its zs_handle's address.
 *
 * A MAP event maps the object and touches its bytes for real: a write map
 * fills them with a pattern of the handle and a write counter, a read map
 * checks they still hold the last one written (mismatches are reported).
 * The mapping is held until the thread's UNMAP of that handle; any other
 * op on the thread first unmaps it (a compact event would otherwise wait
 * on the thread's own mapping), as does the thread's exit.
 */
#include <stdlib.h>
#include <string.h>

#include "zsmalloc.h"

const struct mmr_engine_param zs_params[] = {
	MMR_COST("interval_us", "10000", "trace time between the compaction worker's passes, us", NULL,
		 "assumed: zsmalloc compacts when the shrinker or kcompactd calls it, at no fixed rate", 1000, 1000000),
	MMR_COST("migrate_pages", "16", "pages the worker migrates per pass (page migration rate = this / interval)", NULL,
		 "assumed: the rate of page migration (compaction, CMA) is the system's, not zsmalloc's", 1, 1024),
	MMR_COST("pressure_pages", "256",
		 "pages the pool takes from the zone per migration batch of migrate_pages pages; 0: a batch every pass",
		 NULL, "assumed: compaction wakes as free memory falls, and the pages zram stores are what the trace's "
		 "own swap-out takes from it (seed 004 gives no rate)", 16, 65536),
	MMR_OPTION("zone_mb", "1024", "size of the backed page zone the zspages come from, MiB"),
	{0},
};

/* What compaction and page migration came to, beside their latencies. */
const struct mmr_engine_outcome zs_outcomes[] = {
	{.key = "compact_op_pages_freed", .unit = "pages", .better = MMR_BETTER_MORE, .op = "compact", .work = true,
	 .help = "pages the trace's compact events gave back to the zone"},
	{.key = "pages_freed", .unit = "pages", .better = MMR_BETTER_MORE,
	 .help = "pages compaction gave back, the worker's passes and the trace's events together"},
	{.key = "objs_moved", .unit = "objects", .better = MMR_BETTER_NEITHER, .op = "compact",
	 .help = "objects compaction moved (worker and events)"},
	{.key = "backoffs", .unit = "classes", .better = MMR_BETTER_FEWER, .op = "compact",
	 .help = "classes compaction gave up on because migrate_lock was contended"},
	{.key = "pin_busy", .unit = "objects", .better = MMR_BETTER_FEWER, .op = "compact",
	 .help = "objects compaction could not move because their handle was pinned"},
	{.key = "migrate_backoffs", .unit = "pages", .better = MMR_BETTER_FEWER,
	 .help = "page migrations the worker gave up on (an object of the page pinned or the lock busy)"},
	{.key = "migrations", .unit = "pages", .better = MMR_BETTER_MORE, .help = "pages the worker migrated"},
	{0},
};

/* Pages per zspage for objects of SIZE: the fewest that waste the least, as zsmalloc picks. */
static unsigned pages_per_zspage(unsigned size)
{
	unsigned best = 1, best_used = 0;
	for (unsigned i = 1; i <= ZS_MAX_PAGES; i++) {
		unsigned bytes = i * ZS_PAGE, used = (bytes - bytes % size) * 100 / bytes;
		if (used > best_used) {
			best_used = used;
			best = i;
		}
	}
	return best;
}

/* The classes, merged where zspages would be alike, each lower size pointing to the class above. */
static int init_classes(struct zs_pool *p)
{
	p->classes = aligned_alloc(64, ZS_NR_CLASSES * sizeof(*p->classes));
	if (!p->classes)
		return -1;
	memset(p->classes, 0, ZS_NR_CLASSES * sizeof(*p->classes));
	struct zs_class *prev = NULL;
	for (unsigned i = ZS_NR_CLASSES; i--;) {
		unsigned size = ZS_MIN_SIZE + i * ZS_STEP;
		unsigned pages = pages_per_zspage(size), objs = pages * ZS_PAGE / size;
		if (prev && prev->pages_per_zspage == pages && prev->objs_per_zspage == objs) {
			p->size_class[i] = prev;
			continue;
		}
		struct zs_class *c = &p->classes[p->nr_classes++];
		*c = (struct zs_class){.size = size, .objs_per_zspage = objs, .pages_per_zspage = pages, .index = i,
				       .huge = objs == 1};
		if (mmr_spin_init(&c->lock, "class->lock"))
			return -1;
		mmr_lock_class_declare(c->lock.cls, MMR_KL_SPINLOCK, false);
		p->size_class[i] = prev = c;
	}
	return 0;
}

/* The options into P; -1 with ERR on a value out of range. */
static int read_opts(struct zs_pool *p, const struct mmr_engine_env *env, uint64_t *zone_mb, struct mmr_error *err)
{
	uint64_t us;
	if (mmr_engine_param_u64(env, zs_params, "interval_us", &us, err) ||
	    mmr_engine_param_u64(env, zs_params, "migrate_pages", &p->migrate_pages, err) ||
	    mmr_engine_param_u64(env, zs_params, "pressure_pages", &p->pressure_pages, err) ||
	    mmr_engine_param_u64(env, zs_params, "zone_mb", zone_mb, err))
		return -1;
	if (us == 0 || us > 60000000ull || p->migrate_pages > 65536 || p->pressure_pages > (1u << 20) ||
	    *zone_mb < 4 || *zone_mb > 65536) {
		snprintf(err->msg, sizeof(err->msg),
			 "zsmalloc: interval_us 1..60000000, migrate_pages 0..65536, pressure_pages 0..1048576, "
			 "zone_mb 4..65536");
		return -1;
	}
	p->interval_ns = us * 1000;
	return 0;
}

static int init_pool(struct zs_pool *p, const struct mmr_engine_env *env, uint64_t zone_mb, struct mmr_error *err)
{
	/* One pcp list set per replay thread, and one for the worker's CPU. */
	struct mmr_zone_cfg zc = {.pages = zone_mb * (1u << 20) / ZS_PAGE, .backed = true, .pcp = true,
				  .cpus = env->threads + 1};
	p->zone = mmr_zone_create(&zc, err);
	if (!p->zone)
		return -1;
	p->nr_pfns = zc.pages;
	p->nr_threads = env->threads;
	p->owner = calloc(p->nr_pfns, sizeof(*p->owner));
	/* Each on its own cache lines: a thread's counts are written on every call. */
	p->threads = aligned_alloc(64, (p->nr_threads + 1) * sizeof(*p->threads));
	if (p->threads)
		memset(p->threads, 0, (p->nr_threads + 1) * sizeof(*p->threads));
	if (!p->owner || !p->threads || init_classes(p))
		goto nomem;
	for (unsigned t = 0; t <= p->nr_threads; t++) {
		p->threads[t] = (struct zs_thread){.pool = p, .cpu = t, .buf = aligned_alloc(64, ZS_PAGE)};
		if (!p->threads[t].buf)
			goto nomem;
	}
	p->pin_class = mmr_lock_class_get("handle pin bit", MMR_LOCK_BIT);
	if (!p->pin_class || mmr_rwlock_init(&p->migrate_lock, "pool->migrate_lock")) {
		snprintf(err->msg, sizeof(err->msg), "zsmalloc: cannot create its lock classes");
		return -1;
	}
	mmr_lock_class_declare(p->pin_class, MMR_KL_BIT_SPINLOCK, false);
	mmr_lock_class_declare(p->migrate_lock.cls, MMR_KL_RWLOCK, false);
	return 0;
nomem:
	snprintf(err->msg, sizeof(err->msg), "zsmalloc: out of memory");
	return -1;
}

void *zs_engine_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	const struct zs_variant *v = MMR_ENGINE_VARIANT(env, struct zs_variant, ops, zs_engine_create);
	if (!v) {
		snprintf(err->msg, sizeof(err->msg), "zsmalloc: env->engine is not a zsmalloc variant's ops");
		return NULL;
	}
	struct zs_pool *p = calloc(1, sizeof(*p));
	uint64_t zone_mb;
	if (!p) {
		snprintf(err->msg, sizeof(err->msg), "zsmalloc: out of memory");
		return NULL;
	}
	p->v = v;
	pthread_mutex_init(&p->stats_mu, NULL);
	mmr_hist_init(&p->pause);
	mmr_hist_init(&p->pass);
	if (read_opts(p, env, &zone_mb, err) || init_pool(p, env, zone_mb, err) ||
	    mmr_engine_timer_init(&p->timer, env, "zsmalloc worker pass", err)) {
		zs_engine_destroy(p);
		return NULL;
	}
	return p;
}

void zs_engine_destroy(void *engine)
{
	struct zs_pool *p = engine;
	mmr_ttimer_fini(&p->timer);
	/* Every zspage is reachable from a list or an owner entry: free each once, by its first frame. */
	for (uint64_t pfn = 0; p->owner && pfn < p->nr_pfns; pfn++) {
		struct zs_zspage *z = p->owner[pfn];
		if (!z || z->pfn[0] != pfn)
			continue;
		for (unsigned idx = 0; idx < z->class->objs_per_zspage; idx++)
			free(zs_obj_handle(p, z, idx));
		/* Its other frames may come later (page migration reorders them): forget them all first. */
		for (unsigned i = 0; i < z->class->pages_per_zspage; i++)
			p->owner[z->pfn[i]] = NULL;
		free(z);
	}
	for (unsigned t = 0; p->threads && t <= p->nr_threads; t++)
		free(p->threads[t].buf);
	if (p->zone)
		mmr_zone_destroy(p->zone);
	pthread_mutex_destroy(&p->stats_mu);
	free(p->owner);
	free(p->threads);
	free(p->classes);
	free(p);
}
