/* SPDX-License-Identifier: MIT */
/*
 * test_kvfree_pages.c - the trace's own page events in the kvfree_rcu
 * engines (issue 17, §4): a slab and page capture replayed --as kvfree_rcu
 * has mm_page_alloc / mm_page_free events, and they are page traffic on
 * the zone the block pages come from, not kvfree_rcu() calls:
 * - a page event's alloc takes 2^order frames of the zone on the replay
 *   thread's CPU (handle: first frame + 1, aligned to its order), counted
 *   apart from the block pages; its free gives them back; an order the
 *   zone cannot serve fails;
 * - block pages and trace pages come from one zone: a tiny zone filled by
 *   trace pages leaves kvfree-rcu-nowait no block page (a fallback), and
 *   freeing them gives it one again;
 * - kvfree-rcu-lockless takes its page from any migratetype's pcp list,
 *   as the seed patch does, so movable trace pages freed on the CPU serve
 *   it without a refill.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "kvfree_rcu.h"

/* An engine of OPS for one thread with zone_pages ZONE and no drain before the end. */
static struct kr_engine *make(const struct mmr_engine_ops *ops, const char *zone)
{
	const char *keys[] = {"zone_pages", "drain_ms"}, *values[] = {zone, "60000"};
	struct mmr_engine_env env = {.engine = ops, .threads = 1, .online_cpus = 2, .nopts = 2, .keys = keys,
				     .values = values};
	struct mmr_error err = {0};
	struct kr_engine *e = ops->create(&env, &err);
	if (!e)
		fail_msg("create %s: %s", ops->name, err.msg);
	return e;
}

/* Frames out of the zone now: neither free nor on a pcp list. */
static uint64_t zone_used(const struct kr_engine *e)
{
	struct mmr_zone_stats st;
	mmr_zone_stats(e->zone, &st);
	return st.pages - st.free_pages - st.pcp_pages;
}

/* A trace page event's alloc of ORDER with GFP on T; its handle, or 0 when it failed (MMR_CALL_FAILED). */
static uint64_t page_alloc(struct kr_thread *t, unsigned order, uint32_t gfp)
{
	struct mmr_call c = {.family = MMR_FAM_PAGE, .order = (uint8_t)order, .gfp = gfp, .size = 4096ull << order};
	int rc = kr_engine_alloc(t, &c);
	if (rc == MMR_CALL_FAILED)
		return 0;
	assert_int_equal(rc, MMR_CALL_OK);
	assert_int_not_equal(c.handle, 0);
	return c.handle;
}

static void page_free(struct kr_thread *t, uint64_t handle, unsigned order)
{
	struct mmr_call c = {.family = MMR_FAM_PAGE, .order = (uint8_t)order, .handle = handle};
	assert_int_equal(kr_engine_free(t, &c), MMR_CALL_OK);
}

/* One object allocated and handed to kvfree_rcu() (the two-argument form) on T. */
static void kvfree_one(struct kr_thread *t)
{
	struct mmr_call a = {.family = MMR_FAM_KVFREE_RCU, .size = 64};
	assert_int_equal(kr_engine_alloc(t, &a), MMR_CALL_OK);
	struct mmr_call f = {.family = MMR_FAM_KVFREE_RCU, .handle = a.handle};
	assert_int_equal(kr_engine_kvfree_rcu(t, &f), MMR_CALL_OK);
}

static void finish(struct kr_engine *e, struct kr_thread *t)
{
	kr_drain_all(e);
	kr_wait_reclaimed(e);
	struct mmr_zone_stats st;
	mmr_zone_stats(e->zone, &st);
	assert_int_equal(st.bad_frees, 0);
	assert_int_equal(st.order_mismatch, 0);
	kr_engine_thread_exit(t);
	kr_engine_destroy(e);
}

/* A page event's alloc and free go through the zone, with their order, and are no kvfree_rcu() call. */
static void test_page_event_through_zone(void **state)
{
	(void)state;
	struct kr_engine *e = make(&kr_nowait_variant.ops, "4096");
	struct kr_thread *t = kr_engine_thread_init(e, 0);
	struct mmr_zone_stats before, after;
	mmr_zone_stats(e->zone, &before);
	uint64_t h = page_alloc(t, 2, MMR_GFP_MOVABLE);
	assert_int_not_equal(h, 0);
	assert_int_equal((h - 1) % 4, 0); /* handle = first frame + 1, the block aligned to its order */
	assert_true(h - 1 < 4096);
	mmr_zone_stats(e->zone, &after);
	assert_int_equal(after.allocs, before.allocs + 1);
	assert_int_equal(zone_used(e), 4);
	assert_int_equal(atomic_load(&e->n.live_bytes), 0); /* no malloc'd object */
	page_free(t, h, 2);
	mmr_zone_stats(e->zone, &after);
	assert_int_equal(after.frees, before.frees + 1);
	assert_int_equal(zone_used(e), 0);
	/* Order 11 is past the zone's largest (max_order 11: orders 0..10): the runner's failed alloc. */
	assert_int_equal(page_alloc(t, 11, 0), 0);
	struct kr_cpu_counts c = kr_cpu_totals(e);
	assert_int_equal(c.trace_page_allocs, 1);
	assert_int_equal(c.trace_page_frees, 1);
	assert_int_equal(c.trace_page_failures, 1);
	assert_int_equal(c.calls, 0);
	assert_int_equal(c.block_pages, 0);
	finish(e, t);
}

/*
 * nowait in a 64-frame zone: trace pages take it down to the min
 * watermark, and the next block page fails (a fallback, counted); once
 * they are freed a block page comes from the same zone again.
 */
static void test_trace_pages_starve_block_pages(void **state)
{
	(void)state;
	struct kr_engine *e = make(&kr_nowait_variant.ops, "64");
	struct kr_thread *t = kr_engine_thread_init(e, 0);
	uint64_t h[64];
	unsigned n = 0;
	while (n < 64 && (h[n] = page_alloc(t, 0, 0)) != 0)
		n++;
	assert_true(n > 0 && n < 64);
	assert_int_equal(kr_cpu_totals(e).trace_page_failures, 1);
	kvfree_one(t);
	struct kr_cpu_counts c = kr_cpu_totals(e);
	assert_int_equal(c.block_pages, 0);
	assert_int_equal(c.page_failures, 1);
	assert_int_equal(c.fb_head, 1);
	while (n)
		page_free(t, h[--n], 0);
	kvfree_one(t);
	c = kr_cpu_totals(e);
	assert_int_equal(c.block_pages, 1);
	assert_int_equal(c.page_failures, 1);
	assert_int_equal(c.trace_page_frees, c.trace_page_allocs);
	finish(e, t);
}

/*
 * lockless: movable trace pages freed on the CPU sit on its movable pcp
 * list; the lockless take finds its unmovable list empty and takes one of
 * them, as __rmqueue_lockless() walks every migratetype, with no refill.
 */
static void test_lockless_takes_any_migratetype(void **state)
{
	(void)state;
	struct kr_engine *e = make(&kr_lockless_variant.ops, "4096");
	struct kr_thread *t = kr_engine_thread_init(e, 0);
	uint64_t h = page_alloc(t, 0, MMR_GFP_MOVABLE);
	assert_int_not_equal(h, 0);
	page_free(t, h, 0);
	kvfree_one(t);
	struct kr_cpu_counts c = kr_cpu_totals(e);
	assert_int_equal(c.block_pages, 1);
	assert_int_equal(c.page_failures, 0);
	assert_false(atomic_load(&e->cpus[0].need_refill));
	assert_int_equal(atomic_load(&e->n.refills), 0);
	finish(e, t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_event_through_zone),
		cmocka_unit_test(test_trace_pages_starve_block_pages),
		cmocka_unit_test(test_lockless_takes_any_migratetype),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
