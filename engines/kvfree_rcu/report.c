/* SPDX-License-Identifier: MIT */
/*
 * report.c - what a kvfree_rcu engine says after a run: calls and the
 * fallbacks they took (also per 1000 calls), block and pool pages,
 * objects waiting for a grace period (peak and samples over time), the
 * time from hand-off to reclaim, the model's synchronize_rcu() calls and
 * their length with the readers they waited for, the trace's own page
 * events apart from the block pages, and the zone's figures.
 */
#include "kvfree_rcu.h"
#include "mmr_counters.h"

static uint64_t load(const atomic_ullong *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* The CPUs' counts as the report gives them, before the engine-wide figures. */
#define C(field, key) MMR_COUNTER(struct kr_cpu_counts, field, key, MMR_SUM)
static const struct mmr_counter kr_cpu_rows[] = {
	C(calls, "calls"), C(headless, "calls_headless"), C(block_pages, "block_pages_taken"),
	C(page_failures, "page_failures"), C(fb_head, "fallback_rcu_head"), C(fb_sync, "fallback_sync"),
	C(trace_page_allocs, "trace_page_allocs"), C(trace_page_frees, "trace_page_frees"),
	C(trace_page_failures, "trace_page_failures"),
};
#undef C
MMR_COUNTERS_ALL(kr_cpu_rows, struct kr_cpu_counts);
static const struct mmr_counters kr_cpu_counters = MMR_COUNTERS(kr_cpu_rows);

struct kr_cpu_counts kr_cpu_totals(const struct kr_engine *e)
{
	struct kr_cpu_counts t = {0};
	for (unsigned i = 0; i < e->ncpu; i++)
		mmr_counters_add(&kr_cpu_counters, &t, &e->cpus[i].n);
	/* The baselines keep no per-CPU state: their calls are counted engine-wide. */
	t.calls += load(&e->n.baseline_calls);
	t.headless += load(&e->n.baseline_headless);
	if (e->v->all_sync)
		t.fb_sync += load(&e->n.baseline_calls);
	return t;
}

void kr_sample(struct kr_engine *e, uint64_t now)
{
	if (now < e->next_sample_ns)
		return;
	if (e->nsamples == KR_SAMPLES) {
		/* Keep every other sample and sample half as often: any run length fits. */
		for (unsigned i = 0; i < KR_SAMPLES / 2; i++)
			e->samples[i] = e->samples[2 * i];
		e->nsamples = KR_SAMPLES / 2;
		e->sample_ns *= 2;
	}
	e->samples[e->nsamples++] = load(&e->n.waiting);
	e->next_sample_ns = e->start_ns + e->nsamples * e->sample_ns;
}

/* The objects, and every frame out of the zone: block, pool and the trace's own pages. */
uint64_t kr_engine_footprint(void *engine)
{
	struct kr_engine *e = engine;
	struct mmr_zone_stats st;
	mmr_zone_stats(e->zone, &st);
	return load(&e->n.live_bytes) + mmr_zone_pages_out(&st) * MMR_PAGE_SIZE;
}

static double per_1000(uint64_t n, uint64_t calls)
{
	return calls ? 1000.0 * (double)n / (double)calls : 0.0;
}

static void report_zone(struct kr_engine *e, const struct mmr_figures *r)
{
	struct mmr_zone_stats st;
	mmr_zone_stats(e->zone, &st);
	const struct mmr_zone_cfg *cfg = mmr_zone_cfg(e->zone);
	r->u64(r->ctx, "zone_pages", cfg->pages);
	r->u64(r->ctx, "pcp_high", cfg->pcp_high);
	r->u64(r->ctx, "pcp_batch", cfg->pcp_batch);
	r->u64(r->ctx, "zone_allocs", st.allocs);
	r->u64(r->ctx, "zone_failed", st.failed);
	r->u64(r->ctx, "zone_pcp_hits", st.pcp_hits);
	r->u64(r->ctx, "zone_pcp_refills", st.refills);
	r->u64(r->ctx, "zone_lock_acquisitions", st.zone_lock_acquisitions);
	uint64_t waits = 0;
	for (unsigned i = 0; i < e->ncpu; i++)
		waits += load(&e->cpus[i].on_cpu_waits);
	r->u64(r->ctx, "on_cpu_waits", waits);
}

void kr_engine_report(void *engine, const struct mmr_figures *r)
{
	struct kr_engine *e = engine;
	struct kr_cpu_counts t = kr_cpu_totals(e);
	struct kr_counts *n = &e->n;
	const struct {
		const char *key;
		uint64_t v;
	} u[] = {
		{"block_pages_peak", load(&n->block_pages_peak)}, {"block_pages_now", load(&n->block_pages)},
		{"pool_pages_peak", load(&n->pool_pages_peak)}, {"pool_pages_now", load(&n->pool_pages)},
		{"waiting_peak", load(&n->waiting_peak)}, {"waiting_now", load(&n->waiting)},
		{"objects_freed", load(&n->freed)}, {"gp_batches", load(&n->gp_batches)},
		{"gp_ns_max", load(&n->gp_ns_max)}, {"refills", load(&n->refills)},
		{"refill_pages", load(&n->refill_pages)}, {"trims", load(&n->trims)},
		{"trimmed_pages", load(&n->trimmed_pages)}, {"early_flushes", load(&n->early_flushes)},
		{"block_capacity", KR_BLOCK_MAX}, {"drain_ms", e->drain_ns / 1000000},
		{"waiting_sample_ms", e->sample_ns / 1000000}, {"waiting_samples", e->nsamples},
		{"synchronize_rcu_calls", load(&n->sync_calls)}, {"synchronize_rcu_ns_max", load(&n->sync_ns_max)},
		{"synchronize_rcu_forced", load(&n->sync_forced)}, {"reader_sections_cut", load(&e->readers.sections_cut)},
		{"gp_ns", e->gp_ns}, {"qhimark", e->qhimark}, {"expedited", e->expedited},
		{"readers", e->readers.n}, {"reader_ns", e->readers.len_ns},
		{"reader_sections", load(&e->readers.sections)},
	};
	mmr_counters_report(&kr_cpu_counters, &t, r);
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		r->u64(r->ctx, u[i].key, u[i].v);
	uint64_t b = load(&n->gp_batches);
	r->f64(r->ctx, "gp_ns_mean", b ? (double)load(&n->gp_ns_total) / (double)b : 0.0);
	uint64_t sc = load(&n->sync_calls);
	r->f64(r->ctx, "synchronize_rcu_ns_mean", sc ? (double)load(&n->sync_ns_total) / (double)sc : 0.0);
	r->f64(r->ctx, "synchronize_rcu_ms_total", (double)load(&n->sync_ns_total) / 1e6);
	uint64_t sections = load(&e->readers.sections);
	r->f64(r->ctx, "reader_section_ns_mean",
	       sections ? (double)load(&e->readers.section_ns_total) / (double)sections : 0.0);
	r->f64(r->ctx, "fallback_rcu_head_per_1000", per_1000(t.fb_head, t.calls));
	r->f64(r->ctx, "fallback_sync_per_1000", per_1000(t.fb_sync, t.calls));
	r->f64(r->ctx, "fallbacks_per_1000", per_1000(t.fb_head + t.fb_sync, t.calls));
	for (unsigned i = 0; i < e->nsamples; i++) {
		char key[32];
		snprintf(key, sizeof(key), "waiting_sample_%02u", i);
		r->u64(r->ctx, key, e->samples[i]);
	}
	report_zone(e, r);
}
