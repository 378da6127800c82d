/* SPDX-License-Identifier: MIT */
/*
 * variant_lockless.c - kvfree-rcu-lockless: the seed patch's
 * __rcu_alloc_page_lockless(): the first page on this CPU's pcp lists, no
 * zone->lock, no refill, no watermark; fails when they are empty.  As the
 * patch, every migratetype's list is tried (MMR_PAGES_ANY_MT): the
 * trace's own page events fill the movable and reclaimable lists of the
 * same zone, and the lockless take may drain them.
 *
 * A failure asks the refill worker, which then allocates one page through
 * the normal path "on that CPU" (holding the CPU's on_cpu, so that it and
 * the replay thread never use the pcp set at once, as the kernel's worker
 * bound to that CPU and the task cannot run at once): the empty list is
 * refilled with a batch under zone->lock, and the page itself goes back
 * onto the list.  That is the patch's "worker triggered by a failure calls
 * __get_free_page() on that CPU", and until it has run, calls fall back.
 */
#include "kvfree_rcu.h"

static uint64_t lockless_get_page(struct kr_engine *e, unsigned cpu)
{
	uint64_t pfn = kr_block_page_alloc(e, cpu, MMR_PAGES_NOLOCK | MMR_PAGES_ANY_MT);
	if (pfn == MMR_NO_PAGE)
		kr_refill_request(e, cpu);
	return pfn;
}

static void lockless_put_page(struct kr_engine *e, unsigned cpu, uint64_t pfn)
{
	kr_block_page_free(e, cpu, pfn);
}

static void lockless_refill(struct kr_engine *e, uint64_t now)
{
	(void)now;
	for (unsigned i = 0; i < e->ncpu; i++) {
		if (!atomic_exchange_explicit(&e->cpus[i].need_refill, false, memory_order_acq_rel))
			continue;
		uint64_t pfn = kr_block_page_alloc(e, i, 0);
		atomic_fetch_add_explicit(&e->n.refills, 1, memory_order_relaxed);
		if (pfn != MMR_NO_PAGE) {
			kr_block_page_free(e, i, pfn);
			atomic_fetch_add_explicit(&e->n.refill_pages, 1, memory_order_relaxed);
		}
	}
}

const struct kr_variant kr_lockless_variant = {
	.ops = {
		KR_ENGINE_OPS,
		.name = "kvfree-rcu-lockless",
		.description = "kvfree_rcu model: block page from this CPU's pcp list only (the seed patch), worker refills",
	},
	.name = "lockless",
	.get_page = lockless_get_page,
	.put_page = lockless_put_page,
	.refill = lockless_refill,
};
