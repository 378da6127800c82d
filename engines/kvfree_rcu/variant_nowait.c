/* SPDX-License-Identifier: MIT */
/*
 * variant_nowait.c - kvfree-rcu-nowait: the block page comes from the page
 * allocator's normal path, as __get_free_page(GFP_NOWAIT | __GFP_NOWARN):
 * this CPU's pcp list, refilled from the buddy lists under zone->lock when
 * empty (inside krcp->lock, the nesting the thread objects to on
 * PREEMPT_RT), watermarks obeyed.  Fails only when the zone runs low.
 * After the grace period the page goes back to the same CPU's pcp list.
 */
#include "kvfree_rcu.h"

static uint64_t nowait_get_page(struct kr_engine *e, unsigned cpu)
{
	return kr_block_page_alloc(e, cpu, 0);
}

static void nowait_put_page(struct kr_engine *e, unsigned cpu, uint64_t pfn)
{
	kr_block_page_free(e, cpu, pfn);
}

const struct kr_variant kr_nowait_variant = {
	.ops = {
		KR_ENGINE_OPS,
		.name = "kvfree-rcu-nowait",
		.baseline = true,
		.description = "kvfree_rcu model: block page by __get_free_page(GFP_NOWAIT), pcp refilled under zone->lock",
	},
	.name = "nowait",
	.get_page = nowait_get_page,
	.put_page = nowait_put_page,
};
