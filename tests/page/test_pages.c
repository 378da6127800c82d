/* SPDX-License-Identifier: MIT */
/*
 * test_pages.c - the page allocator model's invariants: after random
 * allocations and frees on one and two threads no frame is handed out
 * twice, the checker finds the lists sound and the pcp lists within high,
 * and once everything is back every block has merged with its buddy; plus
 * the lockless mode, ranges, watermarks, and zone->lock counts that agree
 * with the refills and drains.  The page engines: every declared outcome
 * is in the report, and moves with the variant and the load
 * (outcome_check.h).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmr_lock_stats.h"
#include "mmr_pages.h"
#include "outcome_check.h"
#include "page_engine.h"

#define PAGES 4096u

static void check_ok(struct mmr_zone *z)
{
	struct mmr_error err = {{0}};
	int rc = mmr_zone_check(z, &err);
	if (rc)
		fail_msg("%s", err.msg);
}

static struct mmr_zone *zone(bool pcp, unsigned cpus, unsigned high, unsigned batch)
{
	/* wmark_high alone: no min or low, so the whole zone can be handed out. */
	struct mmr_zone_cfg cfg = {.pages = PAGES, .pcp = pcp, .cpus = cpus, .pcp_high = high,
				   .pcp_batch = batch, .wmark_high = 1};
	struct mmr_error err = {{0}};
	struct mmr_zone *z = mmr_zone_create(&cfg, &err);
	if (!z)
		fail_msg("%s", err.msg);
	return z;
}

/* Every page free again and merged: PAGES / 1024 blocks of order 10, nothing else. */
static void assert_all_merged(struct mmr_zone *z)
{
	struct mmr_zone_stats st;
	mmr_zone_stats(z, &st);
	assert_int_equal(st.free_pages, PAGES);
	assert_int_equal(st.pcp_pages, 0);
	for (unsigned o = 0; o < 10; o++)
		assert_int_equal(st.by_order_free[o], 0);
	assert_int_equal(st.by_order_free[10], PAGES / 1024);
}

/* A block a thread holds. */
struct held {
	uint64_t pfn;
	unsigned order;
};

/*
 * Pages handed out, one flag each: a page handed out twice, or a block
 * misaligned, counts as an error (cmocka cannot fail from another thread;
 * the main thread asserts the count).
 */
static _Atomic uint8_t owned[PAGES];
static atomic_uint errors;

static void own(uint64_t pfn, unsigned order, uint8_t to)
{
	for (uint64_t p = pfn; p < pfn + (1ull << order); p++)
		if (atomic_exchange(&owned[p], to) == to)
			atomic_fetch_add(&errors, 1);
}

struct churn {
	struct mmr_zone *z;
	unsigned cpu, steps;
	uint32_t seed;
	struct held *held;
	size_t n;
};

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Random allocations (orders 0..5, mostly small) and frees of the thread's own blocks. */
static void *churn(void *arg)
{
	struct churn *c = arg;
	for (unsigned i = 0; i < c->steps; i++) {
		uint32_t r = next_rand(&c->seed);
		if (c->n && (r % 8 < 3 || c->n >= 512)) {
			size_t k = (r >> 8) % c->n;
			struct held h = c->held[k];
			c->held[k] = c->held[--c->n];
			own(h.pfn, h.order, 0);
			mmr_pages_free(c->z, c->cpu, h.pfn, h.order);
			continue;
		}
		unsigned order = r % 16 < 10 ? 0 : (r >> 4) % 6;
		uint64_t pfn = mmr_pages_alloc(c->z, c->cpu, order, (r >> 12) % MMR_MT_COUNT, 0);
		if (pfn == MMR_NO_PAGE)
			continue;
		if (pfn % (1ull << order) || pfn + (1ull << order) > PAGES) {
			atomic_fetch_add(&errors, 1);
			continue;
		}
		own(pfn, order, 1);
		c->held[c->n++] = (struct held){pfn, order};
	}
	return NULL;
}

static void give_back(struct churn *c)
{
	while (c->n) {
		struct held h = c->held[--c->n];
		own(h.pfn, h.order, 0);
		mmr_pages_free(c->z, c->cpu, h.pfn, h.order);
	}
	mmr_pages_drain(c->z, c->cpu);
}

static void run_churn(bool pcp, unsigned threads)
{
	struct mmr_zone *z = zone(pcp, threads, 0, 0);
	struct churn c[2];
	pthread_t tid[2];
	for (unsigned t = 0; t < threads; t++) {
		c[t] = (struct churn){.z = z, .cpu = t, .steps = 40000, .seed = 0x9e3779b9u * (t + 1)};
		c[t].held = calloc(512, sizeof(struct held));
		assert_non_null(c[t].held);
		assert_int_equal(pthread_create(&tid[t], NULL, churn, &c[t]), 0);
	}
	for (unsigned t = 0; t < threads; t++)
		pthread_join(tid[t], NULL);
	assert_int_equal(atomic_load(&errors), 0);
	check_ok(z);
	struct mmr_zone_stats st;
	mmr_zone_stats(z, &st);
	uint64_t held = 0;
	for (unsigned t = 0; t < threads; t++)
		for (size_t k = 0; k < c[t].n; k++)
			held += 1ull << c[t].held[k].order;
	/* Conservation: every page is free, on a pcp list, or held by a thread. */
	assert_int_equal(st.free_pages + st.pcp_pages + held, PAGES);
	assert_true(st.merges > 0 && st.splits > 0);
	assert_int_equal(st.zone_lock_acquisitions, st.refills + st.drains + st.direct);
	if (pcp)
		assert_true(st.pcp_hits > 0 && st.refills > 0 && st.drains > 0);
	else
		assert_int_equal(st.pcp_hits + st.refills + st.drains + st.pcp_pages, 0);
	for (unsigned t = 0; t < threads; t++) {
		give_back(&c[t]);
		free(c[t].held);
	}
	assert_int_equal(atomic_load(&errors), 0);
	check_ok(z);
	assert_all_merged(z);
	mmr_zone_destroy(z);
}

static void test_churn_zonelock_1(void **state) { (void)state; run_churn(false, 1); }
static void test_churn_pcp_1(void **state) { (void)state; run_churn(true, 1); }
static void test_churn_zonelock_2(void **state) { (void)state; run_churn(false, 2); }
static void test_churn_pcp_2(void **state) { (void)state; run_churn(true, 2); }

/* zone->lock is taken once per refill and once per drain on the pcp path, never otherwise. */
static void test_pcp_batches(void **state)
{
	(void)state;
	struct mmr_zone *z = zone(true, 1, 20, 5);
	uint64_t pfn[40];
	for (unsigned i = 0; i < 40; i++)
		assert_int_not_equal(pfn[i] = mmr_pages_alloc(z, 0, 0, MMR_MT_MOVABLE, 0), MMR_NO_PAGE);
	struct mmr_zone_stats st;
	mmr_zone_stats(z, &st);
	assert_int_equal(st.refills, 8); /* 40 pages in batches of 5 */
	assert_int_equal(st.pcp_hits, 32);
	for (unsigned i = 0; i < 40; i++) {
		mmr_pages_free(z, 0, pfn[i], 0);
		check_ok(z); /* within high after every free */
	}
	mmr_zone_stats(z, &st);
	assert_true(st.drains >= 4);
	assert_true(st.pcp_pages <= 20);
	assert_int_equal(st.direct, 0);
	assert_int_equal(st.zone_lock_acquisitions, st.refills + st.drains);
	assert_int_equal(st.allocs, 40);
	assert_int_equal(st.frees, 40);
	mmr_zone_destroy(z);
}

/* NOLOCK takes only from the CPU's own list: fails on an empty one, and never touches zone->lock. */
static void test_nolock(void **state)
{
	(void)state;
	struct mmr_zone *z = zone(true, 2, 20, 5);
	struct mmr_zone_stats st;
	assert_int_equal(mmr_pages_alloc(z, 0, 0, MMR_MT_UNMOVABLE, MMR_PAGES_NOLOCK), MMR_NO_PAGE);
	uint64_t pfn = mmr_pages_alloc(z, 0, 0, MMR_MT_UNMOVABLE, 0);
	assert_int_not_equal(pfn, MMR_NO_PAGE);
	mmr_zone_stats(z, &st);
	uint64_t locks = st.zone_lock_acquisitions;
	assert_int_equal(locks, 1);
	uint64_t again = mmr_pages_alloc(z, 0, 0, MMR_MT_UNMOVABLE, MMR_PAGES_NOLOCK);
	assert_int_not_equal(again, MMR_NO_PAGE);
	assert_int_not_equal(again, pfn);
	/* CPU 1's lists are empty: no page for it, though CPU 0 has some. */
	assert_int_equal(mmr_pages_alloc(z, 1, 0, MMR_MT_UNMOVABLE, MMR_PAGES_NOLOCK), MMR_NO_PAGE);
	/* Orders above the pcp orders never come without the lock. */
	assert_int_equal(mmr_pages_alloc(z, 0, 5, MMR_MT_UNMOVABLE, MMR_PAGES_NOLOCK), MMR_NO_PAGE);
	mmr_zone_stats(z, &st);
	assert_int_equal(st.zone_lock_acquisitions, locks);
	assert_int_equal(st.failed, 3);
	mmr_pages_free(z, 0, pfn, 0);
	mmr_pages_free(z, 0, again, 0);
	mmr_pages_drain(z, 0);
	check_ok(z);
	assert_all_merged(z);
	mmr_zone_destroy(z);
}

/* An unaligned range comes out whole, nothing inside it is handed out, and it merges back. */
static void test_range(void **state)
{
	(void)state;
	struct mmr_zone *z = zone(false, 1, 0, 0);
	assert_int_equal(mmr_pages_take_range(z, 13, 700), 0);
	check_ok(z);
	assert_int_equal(mmr_pages_take_range(z, 700, 20), -1); /* overlaps */
	uint64_t pfn;
	unsigned n = 0;
	static uint64_t got[PAGES];
	while ((pfn = mmr_pages_alloc(z, 0, 0, MMR_MT_MOVABLE, 0)) != MMR_NO_PAGE) {
		assert_true(pfn < 13 || pfn >= 713);
		got[n++] = pfn;
	}
	assert_int_equal(n, PAGES - 700);
	check_ok(z);
	assert_int_equal(mmr_pages_take_range(z, 0, 1), -1); /* handed out */
	mmr_pages_free_range(z, 13, 700);
	for (unsigned i = 0; i < n; i++)
		mmr_pages_free(z, 0, got[i], 0);
	check_ok(z);
	assert_all_merged(z);
	mmr_zone_destroy(z);
}

/* zone->lock's acquisitions so far. */
static uint64_t zone_lock_acquisitions(void)
{
	size_t n;
	uint64_t a = 0;
	struct mmr_lock_stats *st = mmr_lock_stats_collect(&n);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(st[i].name, "zone->lock"))
			a += st[i].side[MMR_LOCK_EXCL].acquisitions;
	free(st);
	return a;
}

/*
 * A range is taken and freed one pageblock (512 frames) per zone->lock
 * hold, as the kernel isolates and frees it; a range whose last pageblock
 * holds an allocated frame fails and gives back what it took of the
 * others.
 */
static void test_range_per_pageblock(void **state)
{
	(void)state;
	struct mmr_zone *z = zone(false, 1, 0, 0);
	uint64_t a0 = zone_lock_acquisitions();
	assert_int_equal(mmr_pages_take_range(z, 100, 3 * 512), 0); /* 100..1636: pageblocks 0 to 3 */
	assert_int_equal(zone_lock_acquisitions() - a0, 4);
	mmr_pages_free_range(z, 100, 3 * 512);
	assert_int_equal(zone_lock_acquisitions() - a0, 8);
	check_ok(z);
	assert_all_merged(z);
	/* An allocated frame in the third pageblock: the first two were taken, then given back. */
	assert_int_equal(mmr_pages_take_range(z, 1024 + 7, 1), 0);
	assert_int_equal(mmr_pages_take_range(z, 0, 3 * 512), -1);
	check_ok(z);
	assert_int_equal(mmr_pages_take_range(z, 0, 1024), 0); /* free again */
	mmr_pages_free_range(z, 0, 1024);
	mmr_pages_free_range(z, 1024 + 7, 1);
	check_ok(z);
	assert_all_merged(z);
	mmr_zone_destroy(z);
}

/* Below min an allocation fails; HIGH may use half of the reserve; dips below low are counted. */
static void test_watermarks(void **state)
{
	(void)state;
	struct mmr_zone_cfg cfg = {.pages = 1024, .cpus = 1, .wmark_min = 100, .wmark_low = 200, .wmark_high = 300};
	struct mmr_error err;
	struct mmr_zone *z = mmr_zone_create(&cfg, &err);
	assert_non_null(z);
	unsigned n = 0, high = 0;
	while (mmr_pages_alloc(z, 0, 0, MMR_MT_UNMOVABLE, 0) != MMR_NO_PAGE)
		n++;
	while (mmr_pages_alloc(z, 0, 0, MMR_MT_UNMOVABLE, MMR_PAGES_HIGH) != MMR_NO_PAGE)
		high++;
	struct mmr_zone_stats st;
	mmr_zone_stats(z, &st);
	assert_int_equal(n, 1024 - 100);
	assert_int_equal(high, 50);
	assert_int_equal(st.below_low, 150); /* 100 to reach min, 50 into the reserve */
	assert_int_equal(st.failed, 2);
	mmr_zone_destroy(z);
}

/* A double free and a free of the wrong order are counted, and the zone stays sound. */
static void test_bad_frees(void **state)
{
	(void)state;
	struct mmr_zone *z = zone(true, 1, 0, 0);
	uint64_t pfn = mmr_pages_alloc(z, 0, 2, MMR_MT_MOVABLE, 0);
	mmr_pages_free(z, 0, pfn, 0);
	mmr_pages_free(z, 0, pfn, 2);
	mmr_pages_free(z, 0, PAGES + 5, 0);
	struct mmr_zone_stats st;
	mmr_zone_stats(z, &st);
	assert_int_equal(st.order_mismatch, 1);
	assert_int_equal(st.bad_frees, 2);
	mmr_pages_drain(z, 0);
	check_ok(z);
	assert_all_merged(z);
	mmr_zone_destroy(z);
}

static void test_bad_config(void **state)
{
	(void)state;
	struct mmr_zone_cfg cfg = {.pages = PAGES, .pcp = true, .pcp_high = 10, .pcp_batch = 20};
	struct mmr_error err = {{0}};
	assert_null(mmr_zone_create(&cfg, &err));
	assert_string_equal(err.msg, "page zone: pcp high below batch");
	cfg = (struct mmr_zone_cfg){.pages = 64, .wmark_min = 10, .wmark_low = 5, .wmark_high = 20};
	assert_null(mmr_zone_create(&cfg, &err));
	assert_string_equal(err.msg, "page zone: watermarks not min <= low <= high");
}

/* A zone whose size is no multiple of the largest block still hands out every frame. */
static void test_odd_size(void **state)
{
	(void)state;
	struct mmr_zone_cfg cfg = {.pages = 1000, .cpus = 1, .max_order = 4, .wmark_high = 1};
	struct mmr_error err;
	struct mmr_zone *z = mmr_zone_create(&cfg, &err);
	assert_non_null(z);
	check_ok(z);
	unsigned n = 0;
	while (mmr_pages_alloc(z, 0, 3, MMR_MT_MOVABLE, 0) != MMR_NO_PAGE)
		n++;
	assert_int_equal(n, 125);
	check_ok(z);
	mmr_zone_destroy(z);
}

/* ---- the page engines' outcomes, through their ops ------------------------------- */

#define GFP_MOVABLE 0x08u /* __GFP_MOVABLE, as the engines read a trace's gfp flags */
#define SMALL_PAGES 64u

/*
 * A page engine of OPS over a 16 MiB zone (4096 frames) on one replay
 * thread; page-pcp with batches of 8 pages, as the kernel's formula gives
 * such a small zone batches of one (every allocation a refill).
 */
static void *page_engine(const struct mmr_engine_ops *ops)
{
	const char *keys[] = {"zone_mb", "pcp_batch"}, *values[] = {"16", "8"};
	struct mmr_engine_env env = {.engine = ops, .threads = 1, .online_cpus = 1, .slots = PAGES, .keys = keys,
				     .values = values, .nopts = ops == &page_pcp.ops ? 2 : 1};
	struct mmr_error err = {{0}};
	void *e = ops->create(&env, &err);
	if (!e)
		fail_msg("%s", err.msg);
	return e;
}

/* An order-0 page with GFP on CTX: its handle, 0 when the allocation failed. */
static uint64_t page_get(const struct mmr_engine_ops *ops, void *ctx, uint32_t gfp)
{
	struct mmr_call c = {.gfp = gfp, .slot = UINT32_MAX, .node = -1, .family = MMR_FAM_PAGE};
	int rc = ops->op[MMR_OP_ALLOC](ctx, &c);
	assert_true(rc == MMR_CALL_OK || rc == MMR_CALL_FAILED);
	return rc ? 0 : c.handle;
}

/*
 * OPS's report after SMALL_PAGES movable pages taken and given back, in
 * SMALL; then after one unmovable page and movable ones until the zone
 * refuses, in PRESSED.  The zone starts all movable.
 */
static void page_run(const struct mmr_engine_ops *ops, struct oc_report *small, struct oc_report *pressed)
{
	void *e = page_engine(ops);
	void *ctx = ops->thread_init(e, 0);
	uint64_t h[SMALL_PAGES];
	for (unsigned i = 0; i < SMALL_PAGES; i++)
		assert_int_not_equal(h[i] = page_get(ops, ctx, GFP_MOVABLE), 0);
	for (unsigned i = 0; i < SMALL_PAGES; i++)
		assert_int_equal(ops->op[MMR_OP_FREE](ctx, &(struct mmr_call){.handle = h[i], .node = -1}), 0);
	oc_take_checked(small, ops, e);
	assert_int_not_equal(page_get(ops, ctx, 0), 0);
	unsigned got = 0;
	while (page_get(ops, ctx, GFP_MOVABLE))
		assert_true(++got < PAGES);
	oc_take_checked(pressed, ops, e);
	ops->destroy(e); /* the zone goes whole, the pages still held with it */
}

/*
 * Every declared outcome is reported, as a u64 under its key, and moves
 * with the variant and the load: page-pcp serves a page again from its
 * CPU's list (pcp_hits) where page-zonelock never does; an unmovable
 * page in an all-movable zone takes another migratetype's block
 * (fallbacks); and a zone drained to its min watermark went below low
 * on the way (below_low_wmark).  A few movable pages do neither.
 */
static void test_engine_outcomes(void **state)
{
	(void)state;
	static struct oc_report small[2], pressed[2];
	const struct mmr_engine_ops *const all[] = {&page_pcp.ops, &page_zonelock.ops};
	for (size_t i = 0; i < 2; i++) {
		page_run(all[i], &small[i], &pressed[i]);
		assert_int_equal(oc_value(&small[i], "fallbacks"), 0);
		assert_int_equal(oc_value(&small[i], "below_low_wmark"), 0);
		assert_true(oc_value(&pressed[i], "fallbacks") > 0);
		assert_true(oc_value(&pressed[i], "below_low_wmark") > 0);
	}
	assert_true(oc_value(&small[0], "pcp_hits") > 0);
	assert_true(oc_value(&pressed[0], "pcp_hits") > oc_value(&small[0], "pcp_hits"));
	assert_int_equal(oc_value(&small[1], "pcp_hits"), 0);
	assert_int_equal(oc_value(&pressed[1], "pcp_hits"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_churn_zonelock_1), cmocka_unit_test(test_churn_pcp_1),
		cmocka_unit_test(test_churn_zonelock_2), cmocka_unit_test(test_churn_pcp_2),
		cmocka_unit_test(test_pcp_batches),      cmocka_unit_test(test_nolock),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_range_per_pageblock),            cmocka_unit_test(test_watermarks),
		cmocka_unit_test(test_bad_frees),        cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_odd_size),
		cmocka_unit_test(test_engine_outcomes),
	};
	atomic_init(&errors, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
