/* SPDX-License-Identifier: MIT */
/*
 * ops.c - the zsmalloc engines' replay ops, footprint and report.  See
 * engine.c for what a MAP event does with the bytes.
 */
#include "mmr_counters.h"
#include "zsmalloc.h"

void *zs_engine_thread_init(void *engine, unsigned tid)
{
	struct zs_pool *p = engine;
	return &p->threads[tid % p->nr_threads];
}

/*
 * Thread T enters the engine: a mapping it left held since its MAP op is no
 * longer parked (zs_zspage.parked), and unless this op is the UNMAP it is
 * unmapped first (implicit_unmaps), as no other op may run inside a
 * mapping: a compact or free would wait on the thread's own pin or lock.
 */
static void enter(struct zs_thread *t, bool unmap_pending)
{
	if (t->parked) {
		atomic_fetch_sub_explicit(&t->parked->parked, 1, memory_order_release);
		t->parked = NULL;
	}
	if (unmap_pending && t->mapped) {
		t->n.implicit_unmaps++;
		zs_unmap_object(t);
	}
}

/*
 * The other thread that holds H mapped, or 0.  Read after the runner
 * published that thread's MAP of H, so that a mapping seen gone is gone
 * (zs_unmap_object clears it last) and one seen held is held or being
 * unmapped.
 */
static unsigned mapped_elsewhere(const struct zs_handle *h)
{
	return atomic_load_explicit(&((struct zs_handle *)h)->mapper, memory_order_acquire);
}

void zs_engine_thread_exit(void *thread)
{
	enter(thread, true);
}

int zs_engine_alloc(void *thread, struct mmr_call *op)
{
	struct zs_thread *t = thread;
	struct zs_pool *p = t->pool;
	enter(t, true);
	t->n.mallocs++;
	struct zs_handle *h = op->size <= ZS_PAGE ? zs_malloc(p, t->cpu, (uint32_t)op->size) : NULL;
	if (!h) {
		t->n.failed++;
		return -1;
	}
	op->handle = (uint64_t)(uintptr_t)h;
	return 0;
}

/*
 * A free of a handle another thread holds mapped would wait on that
 * mapping (pinbit) or free it under it (migrate-lock), and the mapping
 * ends only at that thread's next op, which may wait for this one: refused.
 */
int zs_engine_free(void *thread, struct mmr_call *op)
{
	struct zs_thread *t = thread;
	struct zs_handle *h = (struct zs_handle *)(uintptr_t)op->handle;
	enter(t, true);
	if (mapped_elsewhere(h)) {
		t->n.refused_free_mapped++;
		return MMR_CALL_REFUSED;
	}
	t->n.frees++;
	zs_free(t->pool, t->cpu, h);
	return 0;
}

/*
 * The mapping stays held when the op returns (parked) until the thread's
 * UNMAP or next op.  A handle another thread holds mapped is refused, for
 * the reason a free of it is.
 */
int zs_engine_map(void *thread, struct mmr_call *op)
{
	struct zs_thread *t = thread;
	struct zs_handle *h = (struct zs_handle *)(uintptr_t)op->handle;
	bool write = op->flags & MMR_EF_MAP_WRITE;
	enter(t, true);
	if (mapped_elsewhere(h)) {
		t->n.refused_map_mapped++;
		return MMR_CALL_REFUSED;
	}
	uint8_t *bytes = zs_map_object(t, h, write);
	if (write) {
		zs_pattern_fill(bytes, h->size, h, ++h->version);
	} else if (h->version) {
		if (zs_pattern_check(bytes, h->size, h, h->version))
			t->n.verified++;
		else
			t->n.mismatches++;
	}
	t->parked = t->mzspage;
	atomic_fetch_add_explicit(&t->parked->parked, 1, memory_order_release);
	return 0;
}

/* An unmap of what the thread does not hold mapped (an implicit unmap ended it, or no map was) is refused. */
int zs_engine_unmap(void *thread, struct mmr_call *op)
{
	struct zs_thread *t = thread;
	enter(t, false);
	if (!t->mapped || t->mapped != (struct zs_handle *)(uintptr_t)op->handle) {
		t->n.unmatched_unmaps++;
		return MMR_CALL_REFUSED;
	}
	zs_unmap_object(t);
	return 0;
}

int zs_engine_compact(void *thread, struct mmr_call *op)
{
	struct zs_thread *t = thread;
	(void)op;
	enter(t, true);
	t->n.op_pages_freed += zs_compact(t->pool, t->cpu);
	t->n.op_compactions++;
	return 0;
}

uint64_t zs_engine_footprint(void *engine)
{
	struct zs_pool *p = engine;
	struct mmr_zone_stats st;
	mmr_zone_stats(p->zone, &st);
	return mmr_zone_pages_out(&st) * ZS_PAGE;
}

static void report_hist(const struct mmr_figures *r, const char *key, const struct mmr_hist *h)
{
	char k[64];
	snprintf(k, sizeof(k), "%s_p50_ns", key);
	r->u64(r->ctx, k, mmr_hist_percentile(h, 50));
	snprintf(k, sizeof(k), "%s_p99_ns", key);
	r->u64(r->ctx, k, mmr_hist_percentile(h, 99));
	snprintf(k, sizeof(k), "%s_max_ns", key);
	r->u64(r->ctx, k, mmr_hist_percentile(h, 100));
	snprintf(k, sizeof(k), "%s_count", key);
	r->u64(r->ctx, k, h->count);
}

/* The counts as the report gives them, beside the pool's own figures; compaction's time it gives in seconds. */
#define C(field, key, how) MMR_COUNTER(struct zs_counts, field, key, how)
static const struct mmr_counter zs_counter_rows[] = {
	C(mallocs, "mallocs", MMR_SUM), C(failed, "failed", MMR_SUM), C(frees, "frees", MMR_SUM),
	C(maps, "maps", MMR_SUM), C(unmaps, "unmaps", MMR_SUM), C(spans, "spanning_maps", MMR_SUM),
	C(verified, "verified", MMR_SUM), C(mismatches, "mismatches", MMR_SUM),
	C(unmatched_unmaps, "unmatched_unmaps", MMR_SUM), C(implicit_unmaps, "implicit_unmaps", MMR_SUM),
	C(refused_map_mapped, "refused_map_mapped", MMR_SUM), C(refused_free_mapped, "refused_free_mapped", MMR_SUM),
	C(compactions, "compactions", MMR_SUM), C(pages_freed, "pages_freed", MMR_SUM),
	C(objs_moved, "objs_moved", MMR_SUM), C(backoffs, "backoffs", MMR_SUM), C(pin_busy, "pin_busy", MMR_SUM),
	C(migrations, "migrations", MMR_SUM), C(migrate_backoffs, "migrate_backoffs", MMR_SUM),
	C(zspages_alloc, "zspages_alloc", MMR_SUM), C(zspages_freed, "zspages_freed", MMR_SUM),
	C(op_pages_freed, "compact_op_pages_freed", MMR_SUM), C(op_compactions, "compact_ops", MMR_SUM),
	C(compact_ns, NULL, MMR_SUM),
};
#undef C
MMR_COUNTERS_ALL(zs_counter_rows, struct zs_counts);
static const struct mmr_counters zs_counters = MMR_COUNTERS(zs_counter_rows);

struct zs_counts zs_counts_sum(const struct zs_pool *p)
{
	struct zs_counts s = {0};
	for (unsigned i = 0; i <= p->nr_threads; i++)
		mmr_counters_add(&zs_counters, &s, &p->threads[i].n);
	return s;
}

/* Called once the runner has joined the replay threads and the worker: the per-CPU counts are final. */
void zs_engine_report(void *engine, const struct mmr_figures *r)
{
	struct zs_pool *p = engine;
	const struct zs_counts n = zs_counts_sum(p);
	mmr_counters_report(&zs_counters, &n, r);
	r->u64(r->ctx, "parked_backoffs", atomic_load(&p->parked_backoffs));
	r->u64(r->ctx, "passes", atomic_load(&p->passes));
	r->u64(r->ctx, "migration_batches", p->batches);
	r->u64(r->ctx, "pages_taken", atomic_load(&p->pages_taken));
	uint64_t freed = n.pages_freed, cns = n.compact_ns;
	r->u64(r->ctx, "classes", p->nr_classes);
	r->f64(r->ctx, "compact_s", cns / 1e9);
	r->f64(r->ctx, "worker_s", p->worker_ns / 1e9);
	r->f64(r->ctx, "pages_freed_per_s", p->worker_ns ? freed / (p->worker_ns / 1e9) : 0.0);
	r->f64(r->ctx, "pages_freed_per_compact_s", cns ? freed / (cns / 1e9) : 0.0);
	report_hist(r, "pause", &p->pause);
	report_hist(r, "pass", &p->pass);
	struct mmr_error err = {{0}};
	r->u64(r->ctx, "check_ok", zs_pool_check(p, NULL, 0, &err) == 0);
	if (err.msg[0])
		fprintf(stderr, "zsmalloc: check: %s\n", err.msg);
}
