/* SPDX-License-Identifier: MIT */
/*
 * ops.c - the zsmalloc engines' replay ops, footprint and report.  See
 * engine.c for what a MAP event does with the bytes.
 */
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

struct zs_counts zs_counts_sum(const struct zs_pool *p)
{
	struct zs_counts s = {0};
	for (unsigned i = 0; i <= p->nr_threads; i++) {
		const struct zs_counts *c = &p->threads[i].n;
		s.mallocs += c->mallocs;
		s.failed += c->failed;
		s.frees += c->frees;
		s.maps += c->maps;
		s.unmaps += c->unmaps;
		s.spans += c->spans;
		s.verified += c->verified;
		s.mismatches += c->mismatches;
		s.unmatched_unmaps += c->unmatched_unmaps;
		s.implicit_unmaps += c->implicit_unmaps;
		s.refused_map_mapped += c->refused_map_mapped;
		s.refused_free_mapped += c->refused_free_mapped;
		s.compactions += c->compactions;
		s.pages_freed += c->pages_freed;
		s.objs_moved += c->objs_moved;
		s.backoffs += c->backoffs;
		s.op_compactions += c->op_compactions;
		s.op_pages_freed += c->op_pages_freed;
		s.pin_busy += c->pin_busy;
		s.migrations += c->migrations;
		s.migrate_backoffs += c->migrate_backoffs;
		s.zspages_alloc += c->zspages_alloc;
		s.zspages_freed += c->zspages_freed;
		s.compact_ns += c->compact_ns;
	}
	return s;
}

/* Called once the runner has joined the replay threads and the worker: the per-CPU counts are final. */
void zs_engine_report(void *engine, const struct mmr_figures *r)
{
	struct zs_pool *p = engine;
	const struct zs_counts n = zs_counts_sum(p);
	const struct {
		const char *key;
		uint64_t v;
	} c[] = {
		{"mallocs", n.mallocs}, {"failed", n.failed}, {"frees", n.frees}, {"maps", n.maps},
		{"unmaps", n.unmaps}, {"spanning_maps", n.spans}, {"verified", n.verified},
		{"mismatches", n.mismatches}, {"unmatched_unmaps", n.unmatched_unmaps},
		{"implicit_unmaps", n.implicit_unmaps}, {"refused_map_mapped", n.refused_map_mapped},
		{"refused_free_mapped", n.refused_free_mapped},
		{"parked_backoffs", atomic_load(&p->parked_backoffs)}, {"compactions", n.compactions},
		{"passes", atomic_load(&p->passes)}, {"pages_freed", n.pages_freed}, {"objs_moved", n.objs_moved},
		{"backoffs", n.backoffs}, {"pin_busy", n.pin_busy}, {"migrations", n.migrations},
		{"migration_batches", p->batches}, {"pages_taken", atomic_load(&p->pages_taken)},
		{"migrate_backoffs", n.migrate_backoffs}, {"zspages_alloc", n.zspages_alloc},
		{"zspages_freed", n.zspages_freed}, {"compact_op_pages_freed", n.op_pages_freed},
		{"compact_ops", n.op_compactions},
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		r->u64(r->ctx, c[i].key, c[i].v);
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
