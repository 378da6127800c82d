/* SPDX-License-Identifier: MIT */
/*
 * variant_pool.c - kvfree-rcu-pool: the alternative Michal Hocko and Mel
 * Gorman asked for, a page pool owned by RCU, one per CPU (under the CPU's
 * krcp->lock).  A call takes a page from its CPU's pool only: no page
 * allocator call in the caller's context at all.  The pool is filled to
 * pool_pages at start; when a take leaves it below pool_low (the
 * watermark) or finds it empty, the refill worker fills it back to
 * pool_pages from normal context (the page allocator's normal path on that
 * CPU); a pool not taken from for pool_trim_ms is trimmed to pool_low.
 * Block pages come back to their CPU's pool after the grace period (to
 * the page allocator when the pool is full).
 */
#include "kvfree_rcu.h"

static void count_pool(struct kr_engine *e, int64_t d)
{
	uint64_t now = atomic_fetch_add_explicit(&e->n.pool_pages, (uint64_t)d, memory_order_relaxed) + (uint64_t)d;
	mmr_max_u64(&e->n.pool_pages_peak, now);
}

static uint64_t pool_get_page(struct kr_engine *e, unsigned cpu)
{
	struct kr_cpu *c = &e->cpus[cpu];
	uint64_t pfn = MMR_NO_PAGE;
	if (c->pool_n) {
		pfn = c->pool[--c->pool_n];
		count_pool(e, -1);
		c->pool_last_take_ts = c->call_ts;
	}
	if (c->pool_n < e->pool_low || pfn == MMR_NO_PAGE)
		kr_refill_request(e, cpu);
	return pfn;
}

/* Push PFN onto CPU's pool when there is room; false when it is full.  Lock held. */
static bool pool_push(struct kr_engine *e, struct kr_cpu *c, uint64_t pfn)
{
	if (c->pool_n >= e->pool_pages)
		return false;
	c->pool[c->pool_n++] = pfn;
	count_pool(e, 1);
	return true;
}

static void pool_put_page(struct kr_engine *e, unsigned cpu, uint64_t pfn)
{
	struct kr_cpu *c = &e->cpus[cpu];
	mmr_spin_lock(&c->lock);
	bool kept = pool_push(e, c, pfn);
	mmr_spin_unlock(&c->lock);
	if (!kept)
		kr_block_page_free(e, cpu, pfn);
}

/* Fill CPU's pool back to pool_pages: pages allocated outside the lock, pushed under it. */
static void pool_fill(struct kr_engine *e, unsigned cpu)
{
	struct kr_cpu *c = &e->cpus[cpu];
	mmr_spin_lock(&c->lock);
	uint64_t want = e->pool_pages - c->pool_n;
	mmr_spin_unlock(&c->lock);
	atomic_fetch_add_explicit(&e->n.refills, 1, memory_order_relaxed);
	for (uint64_t k = 0; k < want; k++) {
		uint64_t pfn = kr_block_page_alloc(e, cpu, 0);
		if (pfn == MMR_NO_PAGE)
			break;
		mmr_spin_lock(&c->lock);
		bool kept = pool_push(e, c, pfn);
		mmr_spin_unlock(&c->lock);
		if (!kept) {
			kr_block_page_free(e, cpu, pfn);
			break;
		}
		atomic_fetch_add_explicit(&e->n.refill_pages, 1, memory_order_relaxed);
	}
}

/* Give back what CPU's pool holds above pool_low when it has not been taken from for a while. */
static void pool_trim(struct kr_engine *e, unsigned cpu, uint64_t now)
{
	struct kr_cpu *c = &e->cpus[cpu];
	uint64_t out[64], n = 0;
	do {
		n = 0;
		mmr_spin_lock(&c->lock);
		if (c->pool_n > e->pool_low && now >= c->pool_last_take_ts &&
		    now - c->pool_last_take_ts >= e->trim_ns)
			while (n < 64 && c->pool_n > e->pool_low)
				out[n++] = c->pool[--c->pool_n];
		mmr_spin_unlock(&c->lock);
		count_pool(e, -(int64_t)n);
		for (uint64_t k = 0; k < n; k++)
			kr_block_page_free(e, cpu, out[k]);
		if (n) {
			atomic_fetch_add_explicit(&e->n.trims, 1, memory_order_relaxed);
			atomic_fetch_add_explicit(&e->n.trimmed_pages, n, memory_order_relaxed);
		}
	} while (n == 64);
}

static void pool_refill(struct kr_engine *e, uint64_t now)
{
	for (unsigned i = 0; i < e->ncpu; i++) {
		if (atomic_exchange_explicit(&e->cpus[i].need_refill, false, memory_order_acq_rel))
			pool_fill(e, i);
		else
			pool_trim(e, i, now);
	}
}

/*
 * Every CPU's pool filled to pool_pages before the replay; the refill
 * counters are zeroed after, as this fill is none the run's calls caused.
 */
static void pool_start(struct kr_engine *e)
{
	for (unsigned i = 0; i < e->ncpu; i++) {
		pool_fill(e, i);
		e->cpus[i].pool_last_take_ts = e->start_ns;
	}
	atomic_store(&e->n.refills, 0);
	atomic_store(&e->n.refill_pages, 0);
}

const struct kr_variant kr_pool_variant = {
	.ops = {
		KR_ENGINE_OPS,
		.name = "kvfree-rcu-pool",
		.description = "kvfree_rcu model: block page from an RCU-owned per-CPU pool, refilled by a worker at a watermark",
	},
	.name = "pool",
	.get_page = pool_get_page,
	.put_page = pool_put_page,
	.refill = pool_refill,
	.start = pool_start,
	.cpu_pool = true,
};
