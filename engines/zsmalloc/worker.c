/* SPDX-License-Identifier: MIT */
/*
 * worker.c - the compaction and migration worker.  Every interval_us of
 * trace time (mmr_tclock.h) it compacts every class (kcompactd or the
 * shrinker calling zs_compact).  Page migration is driven by the trace's
 * own page pressure: every pressure_pages pages the pool takes from the
 * zone (zram storing what the trace swaps out) kick the worker for a batch
 * of migrate_pages pages, each of a zspage taken off its list (isolated)
 * under class->lock, moved to a new frame by the variant, put back, as
 * page migration does with zsmalloc's movable pages.  The batches owed
 * follow from the pages taken alone, so a trace asks for the same number
 * at any pacing; those still owed when the run ends are run then.  With
 * pressure_pages 0 a batch follows every pass, as before.  Its pages come
 * from and go to the worker's own pcp lists (the CPU after the replay
 * threads').
 */
#include "zsmalloc.h"

unsigned zs_engine_workers(void *engine)
{
	(void)engine;
	return 1;
}

/* Migrate one page of some zspage; the class cursor walks the classes. */
static void migrate_one(struct zs_pool *p, unsigned cpu)
{
	struct zs_class *c = NULL;
	struct zs_zspage *z = NULL;
	unsigned pick = p->mig_cursor;
	for (unsigned tries = 0; !z && tries < p->nr_classes; tries++) {
		c = &p->classes[p->mig_cursor++ % p->nr_classes];
		zs_class_lock(p, c);
		z = zs_isolate_for_migration(c, pick);
		zs_class_unlock(p, c);
	}
	if (!z)
		return;
	unsigned page_i = pick % c->pages_per_zspage;
	uint64_t old = z->pfn[page_i]; /* only the migrator changes an isolated zspage's frames */
	uint64_t new_pfn = mmr_pages_alloc(p->zone, cpu, 0, MMR_MT_MOVABLE, 0);
	if (new_pfn != MMR_NO_PAGE) {
		bool ok = p->v->migrate_page(p, z, page_i, new_pfn) == 0;
		mmr_pages_free(p->zone, cpu, ok ? old : new_pfn, 0);
		struct zs_counts *n = zs_cpu_counts(p, cpu);
		if (ok)
			n->migrations++;
		else
			n->migrate_backoffs++;
	}
	zs_class_lock(p, c);
	z->isolated = false;
	if (z->inuse == 0)
		zs_free_zspage(p, c, z, cpu); /* its last object was freed while it was away */
	else
		zs_putback_zspage(c, z);
	zs_class_unlock(p, c);
}

static void migrate_batch(struct zs_pool *p)
{
	for (uint64_t i = 0; i < p->migrate_pages; i++)
		migrate_one(p, p->nr_threads);
	p->batches++;
}

void zs_worker_migrate_owed(struct zs_pool *p)
{
	if (!p->pressure_pages)
		return;
	uint64_t owed = atomic_load_explicit(&p->pages_taken, memory_order_relaxed) / p->pressure_pages;
	while (p->batches < owed)
		migrate_batch(p);
}

void zs_worker_pass(struct zs_pool *p)
{
	unsigned cpu = p->nr_threads;
	uint64_t t0 = mmr_now_ns();
	zs_compact(p, cpu);
	if (!p->pressure_pages)
		migrate_batch(p);
	uint64_t ns = mmr_now_ns() - t0;
	pthread_mutex_lock(&p->stats_mu);
	mmr_hist_add(&p->pass, ns);
	pthread_mutex_unlock(&p->stats_mu);
	atomic_fetch_add_explicit(&p->passes, 1, memory_order_relaxed);
}

void zs_engine_worker(void *engine, unsigned idx, const atomic_bool *stop)
{
	struct zs_pool *p = engine;
	(void)idx;
	uint64_t start = mmr_now_ns();
	/* A pass every interval of trace time: the same passes on every run of a trace, whatever the pacing. */
	uint64_t due = mmr_tclock_origin(p->timer.clock) + p->interval_ns;
	enum mmr_ttimer_wake why;
	while ((why = mmr_ttimer_sleep(&p->timer, due, stop)) != MMR_TT_STOP) {
		if (why == MMR_TT_KICKED) {
			zs_worker_migrate_owed(p);
			continue;
		}
		if (why != MMR_TT_DUE)
			continue;
		zs_worker_pass(p);
		due += p->interval_ns;
	}
	zs_worker_migrate_owed(p); /* what the last pages taken asked for */
	p->worker_ns = mmr_now_ns() - start;
}
