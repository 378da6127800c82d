/* SPDX-License-Identifier: MIT */
/*
 * test_vmalloc_pages.c - the vmalloc model's pages and its decay (issue
 * 17, part 2): a vmalloc takes one page per page of its request from the
 * page model and a vfree gives them back, on whichever thread frees; a
 * size past the zone fails before reserving anything, a zone that runs
 * out fails the call and gives the half-made area back; the page-table
 * costs are the options' values; and a pool's decayed areas are merged
 * with each other before free_vmap_area_lock is taken, not under it.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "outcome_check.h"
#include "vm_test.h"



/* Frames out of E's zone now: neither free nor on a pcp list. */
static uint64_t zone_out(const struct vm_engine *e)
{
	struct mmr_zone_stats z;
	mmr_zone_stats(e->zone, &z);
	return mmr_zone_pages_out(&z);
}

/* A vmalloc of SIZE bytes (BYTES_ALLOC the area with its guard page, as a trace has it, or 0) on CTX. */
static int vmalloc_call(const struct mmr_engine_ops *ops, void *ctx, uint64_t size, uint64_t bytes_alloc,
			uint64_t *handle)
{
	struct mmr_call c = {.size = size, .bytes_alloc = bytes_alloc, .aux = VM_PAGE, .slot = UINT32_MAX, .node = -1,
			     .family = MMR_FAM_VMALLOC};
	int rc = ops->op[MMR_OP_ALLOC](ctx, &c);
	*handle = c.handle;
	return rc;
}

static void vfree_call(const struct mmr_engine_ops *ops, void *ctx, uint64_t handle)
{
	struct mmr_call c = {.handle = handle, .slot = UINT32_MAX, .node = -1, .family = MMR_FAM_VMALLOC};
	assert_int_equal(ops->op[MMR_OP_FREE](ctx, &c), 0);
}

/* No purge runs unless the test calls one: the lazy limit far away, frees purging on their own thread. */
static const char *quiet_keys[] = {"lazy_max_pages", "purge_sync", "flush_ns", "map_ns_per_page", "unmap_ns_per_page"};
static const char *quiet_values[] = {"4294967296", "1", "0", "0", "0"};

/*
 * Requests as a trace gives them: SIZE bytes, or the area's bytes_alloc
 * (the request rounded to pages and the guard page); the pages each must
 * take: the request rounded up to pages, the guard page never backed.
 */
static const struct {
	uint64_t size, bytes_alloc, pages;
} sizes[] = {
	{1, 0, 1},
	{VM_PAGE, 0, 1},
	{VM_PAGE + 1, 0, 2},
	{100 * VM_PAGE - 5, 0, 100},
	{3 * VM_PAGE - 100, 4 * VM_PAGE, 3},
	{300 * VM_PAGE, 0, 300},
};
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static void pages_follow_sizes(const struct mmr_engine_ops *ops)
{
	static struct oc_report r;
	struct vm_engine *e = make_opts(ops, 5, quiet_keys, quiet_values);
	void *cpu0 = ops->thread_init(e, 0), *cpu1 = ops->thread_init(e, 1);
	uint64_t h[NSIZES], total = 0;
	assert_non_null(e->zone);
	for (size_t i = 0; i < NSIZES; i++) {
		assert_int_equal(vmalloc_call(ops, cpu0, sizes[i].size, sizes[i].bytes_alloc, &h[i]), 0);
		const struct vm_area *va = (const void *)(uintptr_t)h[i];
		assert_int_equal(va->nr_pages, sizes[i].pages);
		assert_true(va->mapped);
		total += sizes[i].pages;
		assert_int_equal(zone_out(e), total);
	}
	check_ok(e); /* the busy areas' frames are the zone's frames out, all distinct */
	oc_take_checked(&r, ops, e);
	assert_int_equal(oc_value(&r, "pages_allocated"), total);
	assert_int_equal(oc_value(&r, "pages_freed"), 0);
	/* Frees on the other thread: its pages go back from there, the area keeps none while lazy. */
	uint64_t freed = 0;
	for (size_t i = 0; i < NSIZES; i += 2) {
		vfree_call(ops, cpu1, h[i]);
		freed += sizes[i].pages;
		assert_int_equal(zone_out(e), total - freed);
		assert_null(((const struct vm_area *)(uintptr_t)h[i])->pfn);
	}
	check_ok(e);
	for (size_t i = 1; i < NSIZES; i += 2)
		vfree_call(ops, cpu0, h[i]);
	assert_int_equal(zone_out(e), 0);
	oc_take_checked(&r, ops, e);
	assert_int_equal(oc_value(&r, "pages_allocated"), total);
	assert_int_equal(oc_value(&r, "pages_freed"), total);
	assert_int_equal(oc_value(&r, "page_failures"), 0);
	vm_purge(e, true);
	check_ok(e);
	assert_int_equal(e->space.blocks, 1);
	ops->destroy(e);
}

static void test_pages_follow_sizes(void **state)
{
	(void)state;
	pages_follow_sizes(&vm_global.ops);
	pages_follow_sizes(&vm_nodes.ops);
}

/*
 * A zone of 1024 frames (64 of them below its min watermark): a vmalloc
 * of more pages than the zone has fails before it reserves an area; one
 * that finds the zone short reserves its area, takes what it can, and
 * gives both back, leaving the area lazy; neither changes the pages the
 * other areas hold.
 */
static void test_page_failures(void **state)
{
	(void)state;
	static struct oc_report r;
	const char *keys[] = {"lazy_max_pages", "purge_sync", "flush_ns", "ram_pages"};
	const char *values[] = {"4294967296", "1", "0", "1024"};
	struct vm_engine *e = make_opts(&vm_global.ops, 4, keys, values);
	void *cpu0 = vm_global.ops.thread_init(e, 0);
	uint64_t a, b, c;
	assert_int_equal(vmalloc_call(&vm_global.ops, cpu0, 2000 * VM_PAGE, 0, &c), -1);
	oc_take_checked(&r, &vm_global.ops, e);
	assert_int_equal(oc_value(&r, "page_failures"), 1);
	assert_int_equal(oc_value(&r, "global_allocs"), 0);
	assert_int_equal(oc_value(&r, "lazy_areas"), 0);
	assert_int_equal(vmalloc_call(&vm_global.ops, cpu0, 600 * VM_PAGE, 0, &a), 0);
	assert_int_equal(vmalloc_call(&vm_global.ops, cpu0, 600 * VM_PAGE, 0, &b), -1);
	assert_int_equal(zone_out(e), 600);
	check_ok(e);
	oc_take_checked(&r, &vm_global.ops, e);
	assert_int_equal(oc_value(&r, "page_failures"), 2);
	assert_int_equal(oc_value(&r, "failed"), 2);
	assert_int_equal(oc_value(&r, "global_allocs"), 2);
	assert_int_equal(oc_value(&r, "lazy_areas"), 1);
	assert_true(oc_value(&r, "pages_allocated") > 600); /* the second took some before the zone ran short */
	assert_int_equal(oc_value(&r, "pages_allocated") - oc_value(&r, "pages_freed"), 600);
	vfree_call(&vm_global.ops, cpu0, a);
	assert_int_equal(zone_out(e), 0);
	check_ok(e);
	vm_global.ops.destroy(e);
}

/* The page-table costs are the options' values, their defaults the reference machine's; pages=0 takes none. */
static void test_page_options(void **state)
{
	(void)state;
	struct vm_engine *e = make_opts(&vm_nodes.ops, 0, NULL, NULL);
	assert_int_equal(e->map_ns, 103);
	assert_int_equal(e->unmap_ns, 64);
	assert_int_equal(e->ram_pages, 262144);
	vm_nodes.ops.destroy(e);
	const char *keys[] = {"map_ns_per_page", "unmap_ns_per_page", "ram_pages"}, *values[] = {"211", "7", "4096"};
	e = make_opts(&vm_nodes.ops, 3, keys, values);
	assert_int_equal(e->map_ns, 211);
	assert_int_equal(e->unmap_ns, 7);
	struct mmr_zone_stats z;
	mmr_zone_stats(e->zone, &z);
	assert_int_equal(z.pages, 4096);
	vm_nodes.ops.destroy(e);
	const char *off[] = {"pages"}, *zero[] = {"0"};
	e = make_opts(&vm_global.ops, 1, off, zero);
	assert_null(e->zone);
	uint64_t h;
	void *cpu0 = vm_global.ops.thread_init(e, 0);
	assert_int_equal(vmalloc_call(&vm_global.ops, cpu0, 10 * VM_PAGE, 0, &h), 0);
	assert_int_equal(((const struct vm_area *)(uintptr_t)h)->nr_pages, 0);
	assert_int_equal(vm_op_counts(e).pages, 0);
	check_ok(e);
	vm_global.ops.destroy(e);
	const char *bad[] = {"ram_pages"}, *bad_v[] = {"10"};
	struct mmr_engine_env env = {.engine = &vm_global.ops, .threads = 2, .online_cpus = 2, .slots = 4, .nopts = 1,
				     .keys = bad, .values = bad_v};
	struct mmr_error err = {{0}};
	assert_null(vm_global.ops.create(&env, &err));
	assert_non_null(strstr(err.msg, "ram_pages"));
}

/* ---- decay outside free_vmap_area_lock ---------------------------------------- */

#define DECAY_AREAS 16

struct purge_arg {
	struct vm_engine *e;
	atomic_bool done;
};

static void *full_purge(void *arg)
{
	struct purge_arg *p = arg;
	vm_purge(p->e, true);
	atomic_store(&p->done, true);
	return NULL;
}

/*
 * Node 1's pool holds DECAY_AREAS areas that touch each other.  While
 * this thread holds free_vmap_area_lock, a full purge decays them: by the
 * time it waits for the lock it has already merged them into one block
 * (decay_merged, DECAY_AREAS - 1), as decay_va_pool_node merges into its
 * own tree before reclaim_list_global takes the lock.  Merging under the
 * lock would find decay_merged still 0 there.
 */
static void test_decay_merges_outside_lock(void **state)
{
	(void)state;
	struct vm_engine *e = make_opts(&vm_nodes.ops, 5, quiet_keys, quiet_values);
	void *cpu1 = vm_nodes.ops.thread_init(e, 1);
	uint64_t h[DECAY_AREAS];
	for (unsigned i = 0; i < DECAY_AREAS; i++)
		assert_int_equal(vmalloc_call(&vm_nodes.ops, cpu1, VM_PAGE, 0, &h[i]), 0);
	for (unsigned i = 0; i < DECAY_AREAS; i++)
		vfree_call(&vm_nodes.ops, cpu1, h[i]);
	vm_purge(e, false);
	assert_int_equal(e->nodes[1].pool[1].list.len, DECAY_AREAS); /* one page and its guard page */
	assert_int_equal(atomic_load(&e->n.decay_merged), 0);

	struct purge_arg p = {.e = e};
	atomic_init(&p.done, false);
	pthread_t th;
	mmr_spin_lock(&e->free_lock);
	assert_int_equal(pthread_create(&th, NULL, full_purge, &p), 0);
	/* Until the purge waits for the lock (or, wrongly, needs it not at all). */
	while (mmr_lock_class_waiting(e->free_lock.cls) == 0 && !atomic_load(&p.done))
		sched_yield();
	uint64_t merged_before_lock = atomic_load(&e->n.decay_merged);
	bool waited = !atomic_load(&p.done);
	mmr_spin_unlock(&e->free_lock);
	pthread_join(th, NULL);
	assert_true(waited);
	assert_int_equal(merged_before_lock, DECAY_AREAS - 1);
	assert_int_equal(atomic_load(&e->n.decayed), DECAY_AREAS);
	check_ok(e);
	assert_int_equal(e->space.blocks, 1);
	assert_int_equal(e->space.bytes, e->vend - e->vstart);
	vm_nodes.ops.destroy(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pages_follow_sizes),
		cmocka_unit_test(test_page_failures),
		cmocka_unit_test(test_page_options),
		cmocka_unit_test(test_decay_merges_outside_lock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
