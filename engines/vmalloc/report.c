/* SPDX-License-Identifier: MIT */
/*
 * report.c - what a vmalloc engine says after a run (its figures, the
 * address space it holds) and the check of its invariants, its pages
 * included.
 */
#include <stdlib.h>

#include "mmr_counters.h"
#include "vmalloc.h"

/* Areas on every node's lists of one kind, summed. */
struct vm_census {
	uint64_t busy, lazy, pool, pool_bytes;
};

static struct vm_census census(const struct vm_engine *e)
{
	struct vm_census c = {0};
	for (unsigned i = 0; i < e->nr_nodes; i++) {
		const struct vm_node *vn = &e->nodes[i];
		c.busy += vn->busy.len;
		c.lazy += vn->lazy.len + vn->purge.len;
		for (unsigned p = 0; p < VM_POOL_PAGES; p++) {
			c.pool += vn->pool[p].list.len;
			c.pool_bytes += vn->pool[p].list.len * (p + 1) * VM_PAGE;
		}
	}
	return c;
}

/* Address space not free: busy areas, and lazy and pooled ones that keep their addresses. */
uint64_t vm_engine_footprint(void *engine)
{
	struct vm_engine *e = engine;
	return (e->vend - e->vstart) - e->space.bytes;
}

static uint64_t load(atomic_ullong *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* The replay threads' counts as the report gives them, before the purge side's and the address space's. */
#define C(field, key) MMR_COUNTER(struct vm_op_counts, field, key, MMR_SUM)
static const struct mmr_counter vm_op_rows[] = {
	C(allocs, "allocs"), C(frees, "frees"), C(failed, "failed"), C(pool_hits, "pool_hits"),
	C(pool_misses, "pool_misses"), C(global_allocs, "global_allocs"), C(pages, "pages_allocated"),
	C(pages_freed, "pages_freed"), C(page_failures, "page_failures"),
};
#undef C
MMR_COUNTERS_ALL(vm_op_rows, struct vm_op_counts);
static const struct mmr_counters vm_op_counters = MMR_COUNTERS(vm_op_rows);

struct vm_op_counts vm_op_counts(const struct vm_engine *e)
{
	struct vm_op_counts s = {0};
	for (unsigned i = 0; i < e->nr_threads; i++)
		mmr_counters_add(&vm_op_counters, &s, &e->threads[i].n);
	return s;
}

void vm_engine_report(void *engine, const struct mmr_figures *r)
{
	struct vm_engine *e = engine;
	struct vm_counts *n = &e->n;
	struct vm_census c = census(e);
	struct vm_op_counts o = vm_op_counts(e);
	struct mmr_zone_stats z = {0};
	if (e->zone)
		mmr_zone_stats(e->zone, &z);
	const struct {
		const char *key;
		uint64_t v;
	} u[] = {
		{"sync_purges", load(&n->sync_purges)}, {"purge_requests", load(&n->purge_requests)}, {"purges", n->purges},
		{"purge_ns_total", n->purge_ns_total}, {"purge_ns_max", n->purge_ns_max},
		{"areas_purged", n->areas_purged}, {"helper_purges", n->helper_purges},
		{"to_pool", load(&n->to_pool)}, {"to_free_space", load(&n->to_free)},
		{"pool_other_node", load(&n->cross_node_pool)}, {"decayed", load(&n->decayed)},
		{"nodes", e->nr_nodes}, {"lazy_max_pages", e->lazy_max},
		{"lazy_pages", atomic_load(&e->lazy_pages)}, {"busy_areas", c.busy}, {"lazy_areas", c.lazy},
		{"pool_areas", c.pool}, {"pool_bytes", c.pool_bytes}, {"free_blocks", e->space.blocks},
		{"free_bytes", e->space.bytes}, {"largest_free_block", vs_largest(&e->space)},
		{"decay_merged", load(&n->decay_merged)}, {"ram_pages", e->ram_pages}, {"zone_free_pages", z.free_pages},
		{"zone_pcp_pages", z.pcp_pages}, {"zone_pcp_hits", z.pcp_hits},
		{"zone_lock_acquisitions", z.zone_lock_acquisitions},
	};
	mmr_counters_report(&vm_op_counters, &o, r);
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		r->u64(r->ctx, u[i].key, u[i].v);
	r->f64(r->ctx, "purge_ns_mean", n->purges ? (double)n->purge_ns_total / (double)n->purges : 0);
	struct mmr_error err;
	r->u64(r->ctx, "check_ok", vm_engine_check(e, &err) == 0);
}

/* ---- the check ------------------------------------------------------------ */

struct span {
	uint64_t start, end;
};

struct spans {
	struct span *v;
	size_t n, cap;
};

static int add_span(void *ctx, uint64_t start, uint64_t end)
{
	struct spans *s = ctx;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		struct span *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = (struct span){start, end};
	return 0;
}

static int add_list(struct spans *s, const struct vm_list *l)
{
	for (const struct vm_area *va = l->head; va; va = va->next)
		if (add_span(s, va->start, va->end))
			return -1;
	return 0;
}

static int by_start(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Every area of every node onto S; -1 with ERR when a pool holds an area of another size. */
static int gather(const struct vm_engine *e, struct spans *s, struct mmr_error *err)
{
	for (unsigned i = 0; i < e->nr_nodes; i++) {
		const struct vm_node *vn = &e->nodes[i];
		if (add_list(s, &vn->busy) || add_list(s, &vn->lazy) || add_list(s, &vn->purge))
			return -1;
		for (unsigned p = 0; p < VM_POOL_PAGES; p++) {
			for (const struct vm_area *va = vn->pool[p].list.head; va; va = va->next)
				if (va->end - va->start != (p + 1) * VM_PAGE) {
					snprintf(err->msg, sizeof(err->msg), "vmalloc: node %u's pool of %u pages holds an area of %llu",
						 i, p + 1, (unsigned long long)((va->end - va->start) / VM_PAGE));
					return -1;
				}
			if (add_list(s, &vn->pool[p].list))
				return -1;
		}
	}
	return 0;
}

/* Frames the areas on L hold; -1 with ERR when one holds what it should not (WANT_PAGES: busy, mapped in full). */
static int64_t list_frames(const struct vm_engine *e, const struct vm_list *l, bool want_pages, struct mmr_error *err)
{
	int64_t sum = 0;
	for (const struct vm_area *va = l->head; va; va = va->next) {
		uint64_t want = want_pages && e->zone ? vm_area_frames(va->start, va->end) : 0;
		if (va->nr_pages != want || (want && (!va->pfn || !va->mapped)) || (!want && (va->pfn || va->mapped))) {
			snprintf(err->msg, sizeof(err->msg), "vmalloc: a %s area at %#llx holds %llu pages (%s), not %llu",
				 want_pages ? "busy" : "free", (unsigned long long)va->start,
				 (unsigned long long)va->nr_pages, va->mapped ? "mapped" : "unmapped", (unsigned long long)want);
			return -1;
		}
		sum += (int64_t)va->nr_pages;
	}
	return sum;
}

/*
 * The pages: busy areas hold theirs, mapped, and no other area holds any;
 * the zone has as many frames out as the busy areas hold, and the threads
 * took that many more than they gave back; the zone's own invariants.
 */
static int check_pages(struct vm_engine *e, struct mmr_error *err)
{
	int64_t held = 0;
	for (unsigned i = 0; i < e->nr_nodes; i++) {
		const struct vm_node *vn = &e->nodes[i];
		int64_t busy = list_frames(e, &vn->busy, true, err);
		if (busy < 0 || list_frames(e, &vn->lazy, false, err) < 0 || list_frames(e, &vn->purge, false, err) < 0)
			return -1;
		for (unsigned p = 0; p < VM_POOL_PAGES; p++)
			if (list_frames(e, &vn->pool[p].list, false, err) < 0)
				return -1;
		held += busy;
	}
	if (!e->zone)
		return 0;
	struct mmr_zone_stats z;
	struct vm_op_counts o = vm_op_counts(e);
	mmr_zone_stats(e->zone, &z);
	uint64_t out = mmr_zone_pages_out(&z);
	if (out != (uint64_t)held || o.pages - o.pages_freed != (uint64_t)held) {
		snprintf(err->msg, sizeof(err->msg),
			 "vmalloc: busy areas hold %lld pages, the zone has %llu out, the threads took %llu and gave back %llu",
			 (long long)held, (unsigned long long)out, (unsigned long long)o.pages, (unsigned long long)o.pages_freed);
		return -1;
	}
	return mmr_zone_check(e->zone, err);
}

int vm_engine_check(struct vm_engine *e, struct mmr_error *err)
{
	struct spans s = {0};
	err->msg[0] = '\0';
	int rc = gather(e, &s, err);
	if (!rc)
		rc = vs_walk(&e->space, add_span, &s);
	if (rc && !err->msg[0])
		snprintf(err->msg, sizeof(err->msg), "vmalloc: out of memory for the check");
	if (rc) {
		free(s.v);
		return -1;
	}
	qsort(s.v, s.n, sizeof(*s.v), by_start);
	uint64_t at = e->vstart;
	for (size_t i = 0; i < s.n && !rc; i++) {
		if (s.v[i].start != at || s.v[i].end <= s.v[i].start) {
			snprintf(err->msg, sizeof(err->msg), "vmalloc: %s at %#llx (expected the next span at %#llx)",
				 s.v[i].start < at ? "overlap" : "hole", (unsigned long long)s.v[i].start,
				 (unsigned long long)at);
			rc = -1;
		}
		at = s.v[i].end;
	}
	if (!rc && at != e->vend) {
		snprintf(err->msg, sizeof(err->msg), "vmalloc: the spans end at %#llx, the range at %#llx",
			 (unsigned long long)at, (unsigned long long)e->vend);
		rc = -1;
	}
	free(s.v);
	return rc ? rc : check_pages(e, err);
}
