/* SPDX-License-Identifier: MIT */
/*
 * test_vmalloc.c - the vmalloc model's invariants: the free space finds
 * the lowest fit (checked against a brute-force search over a small
 * range); after random allocations and frees on two threads with the
 * purge workers running, no two areas overlap, busy, lazy and pooled
 * areas and free space tile the range, alignments hold, every pool holds
 * its own size only; once everything is freed and purged the range is one
 * free block again.  Every declared outcome is in the report, and moves
 * with the variant: the pools serve allocations under vmalloc-nodes only
 * (outcome_check.h).
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "outcome_check.h"
#include "vm_test.h"


static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* ---- the free space against a page map ------------------------------------ */

#define SPACE_PAGES 2048u

/* The lowest page-aligned start of SIZE free pages in MAP, or VM_NONE. */
static uint64_t brute_lowest(const uint8_t *map, uint64_t pages)
{
	for (uint64_t p = 0; p + pages <= SPACE_PAGES; p++) {
		uint64_t k = 0;
		while (k < pages && !map[p + k])
			k++;
		if (k == pages)
			return p;
	}
	return VM_NONE;
}

static void test_space_lowest_fit(void **state)
{
	(void)state;
	static uint8_t map[SPACE_PAGES];
	struct vs_space s;
	uint64_t base = 1ull << 40, taken[512][2];
	size_t n = 0;
	uint32_t seed = 12345;
	memset(map, 0, sizeof(map));
	assert_int_equal(vs_init(&s, base, base + SPACE_PAGES * VM_PAGE), 0);
	for (int i = 0; i < 20000; i++) {
		uint32_t r = next_rand(&seed);
		if (n && (r % 3 == 0 || n == 512)) {
			size_t k = (r >> 4) % n;
			assert_int_equal(vs_free(&s, taken[k][0], taken[k][1]), 0);
			for (uint64_t a = taken[k][0]; a < taken[k][1]; a += VM_PAGE)
				map[(a - base) / VM_PAGE] = 0;
			memcpy(taken[k], taken[--n], sizeof(taken[k]));
			continue;
		}
		uint64_t pages = 1 + (r >> 8) % 16;
		uint64_t want = brute_lowest(map, pages);
		uint64_t got = vs_alloc(&s, pages * VM_PAGE, VM_PAGE);
		assert_int_equal(got, want == VM_NONE ? VM_NONE : base + want * VM_PAGE);
		if (got == VM_NONE)
			continue;
		for (uint64_t a = got; a < got + pages * VM_PAGE; a += VM_PAGE)
			map[(a - base) / VM_PAGE] = 1;
		taken[n][0] = got;
		taken[n][1] = got + pages * VM_PAGE;
		n++;
	}
	while (n--)
		assert_int_equal(vs_free(&s, taken[n][0], taken[n][1]), 0);
	assert_int_equal(s.blocks, 1);
	assert_int_equal(vs_largest(&s), SPACE_PAGES * VM_PAGE);
	vs_destroy(&s);
}

/* An aligned request lands aligned, and never above a block that surely held it. */
static void test_space_alignment(void **state)
{
	(void)state;
	struct vs_space s;
	uint64_t base = 0x10000;
	assert_int_equal(vs_init(&s, base + VM_PAGE, base + 4096 * VM_PAGE), 0);
	uint64_t a = vs_alloc(&s, 3 * VM_PAGE, 64 * VM_PAGE);
	assert_int_equal(a % (64 * VM_PAGE), 0);
	uint64_t b = vs_alloc(&s, VM_PAGE, VM_PAGE);
	assert_int_equal(b, base + VM_PAGE); /* the hole below the aligned area is used */
	assert_int_equal(vs_alloc(&s, 8192 * VM_PAGE, VM_PAGE), VM_NONE);
	vs_destroy(&s);
}

/* ---- the engines on two threads -------------------------------------------- */

#define THREADS 2
#define SLOTS 600

struct churn {
	const struct mmr_engine_ops *ops;
	void *engine;
	unsigned tid;
	uint64_t handle[SLOTS], align[SLOTS];
};

static atomic_uint errors;

static void *churn(void *arg)
{
	struct churn *c = arg;
	void *ctx = c->ops->thread_init(c->engine, c->tid);
	uint32_t seed = 777 + c->tid;
	for (int i = 0; i < 60000; i++) {
		uint32_t r = next_rand(&seed);
		unsigned k = (r >> 3) % SLOTS;
		struct mmr_call call = {.handle = c->handle[k], .node = -1, .family = MMR_FAM_VMALLOC};
		if (c->handle[k]) {
			if (c->ops->op[MMR_OP_FREE](ctx, &call))
				atomic_fetch_add(&errors, 1);
			c->handle[k] = 0;
			continue;
		}
		/* Mostly small areas (the pools' sizes), some large, some aligned. */
		call.size = (r % 8 ? 1 + (r >> 12) % 8 : 1 + (r >> 12) % 400) * VM_PAGE - (r & 0x3ff);
		call.aux = r % 16 == 0 ? VM_PAGE << ((r >> 20) % 8) : VM_PAGE;
		if (c->ops->op[MMR_OP_ALLOC](ctx, &call) == 0) {
			const struct vm_area *va = (const void *)(uintptr_t)call.handle;
			if (va->start % call.aux || va->end - va->start < call.size)
				atomic_fetch_add(&errors, 1);
			c->handle[k] = call.handle;
		}
	}
	return NULL;
}

struct worker_arg {
	const struct mmr_engine_ops *ops;
	void *engine;
	unsigned idx;
	atomic_bool *stop;
};

static void *worker(void *arg)
{
	struct worker_arg *w = arg;
	w->ops->worker(w->engine, w->idx, w->stop);
	return NULL;
}

static void run_engine(const struct mmr_engine_ops *ops)
{
	const char *keys[] = {"lazy_max_pages", "flush_ns"}, *values[] = {"2000", "0"};
	struct mmr_engine_env env = {.engine = ops, .threads = THREADS, .online_cpus = 2, .slots = SLOTS * THREADS,
				     .nopts = 2, .keys = keys, .values = values};
	struct mmr_error err = {{0}};
	struct vm_engine *e = ops->create(&env, &err);
	if (!e)
		fail_msg("%s", err.msg);
	atomic_bool stop = false;
	unsigned nw = ops->workers(e);
	pthread_t wt[8], th[THREADS];
	struct worker_arg wa[8];
	static struct churn c[THREADS];
	assert_true(nw <= 8);
	for (unsigned i = 0; i < nw; i++) {
		wa[i] = (struct worker_arg){ops, e, i, &stop};
		pthread_create(&wt[i], NULL, worker, &wa[i]);
	}
	for (unsigned t = 0; t < THREADS; t++) {
		memset(&c[t], 0, sizeof(c[t]));
		c[t] = (struct churn){.ops = ops, .engine = e, .tid = t};
		pthread_create(&th[t], NULL, churn, &c[t]);
	}
	for (unsigned t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	atomic_store(&stop, true);
	for (unsigned i = 0; i < nw; i++)
		pthread_join(wt[i], NULL);
	assert_int_equal(atomic_load(&errors), 0);
	check_ok(e);
	assert_true(e->n.purges > 0);

	/* Everything back: freed, purged with the pools decayed whole, one free block again. */
	void *ctx = ops->thread_init(e, 0);
	for (unsigned t = 0; t < THREADS; t++)
		for (unsigned k = 0; k < SLOTS; k++)
			if (c[t].handle[k]) {
				struct mmr_call call = {.handle = c[t].handle[k]};
				ops->op[MMR_OP_FREE](ctx, &call);
			}
	vm_purge(e, false);
	check_ok(e);
	vm_purge(e, true);
	check_ok(e);
	assert_int_equal(e->space.blocks, 1);
	assert_int_equal(e->space.bytes, e->vend - e->vstart);
	assert_int_equal(atomic_load(&e->lazy_pages), 0);
	ops->destroy(e);
}

static void test_global(void **state)
{
	(void)state;
	run_engine(&vm_global.ops);
}

static void test_nodes(void **state)
{
	(void)state;
	run_engine(&vm_nodes.ops);
}

/* The pools: a purged area returns to the node it was asked from, and a later request of its size takes it. */
static void test_pool_reuse(void **state)
{
	(void)state;
	struct mmr_engine_env env = {.engine = &vm_nodes.ops, .threads = 2, .online_cpus = 2, .slots = 4};
	struct mmr_error err = {{0}};
	struct vm_engine *e = vm_nodes.ops.create(&env, &err);
	assert_non_null(e);
	void *cpu1 = vm_nodes.ops.thread_init(e, 1);
	struct mmr_call a = {.size = 3 * VM_PAGE, .aux = VM_PAGE};
	assert_int_equal(vm_nodes.ops.op[MMR_OP_ALLOC](cpu1, &a), 0);
	const struct vm_area *va = (const void *)(uintptr_t)a.handle;
	uint64_t start = va->start;
	assert_int_equal(vm_nodes.ops.op[MMR_OP_FREE](cpu1, &a), 0);
	assert_int_equal(e->nodes[1].lazy.len, 1);
	vm_purge(e, false);
	assert_int_equal(e->nodes[1].pool[3].list.len, 1); /* 3 pages and the guard page */
	struct mmr_call b = {.size = 3 * VM_PAGE, .aux = VM_PAGE};
	assert_int_equal(vm_nodes.ops.op[MMR_OP_ALLOC](cpu1, &b), 0);
	assert_int_equal(((const struct vm_area *)(uintptr_t)b.handle)->start, start);
	assert_int_equal(vm_op_counts(e).pool_hits, 1);
	vm_nodes.ops.destroy(e);
}

static bool helper_alive(struct vm_engine *e)
{
	pthread_mutex_lock(&e->wq_mu);
	bool alive = e->helpers[0].alive;
	pthread_mutex_unlock(&e->wq_mu);
	return alive;
}

/* Lazy pages several times the limit: the purge hands a node to a helper worker. */
static void test_purge_helpers(void **state)
{
	(void)state;
	const char *keys[] = {"lazy_max_pages"}, *values[] = {"16"};
	struct mmr_engine_env env = {.engine = &vm_global.ops, .threads = 2, .online_cpus = 2, .slots = 64, .nopts = 1,
				     .keys = keys, .values = values};
	struct mmr_error err = {{0}};
	struct vm_engine *e = vm_global.ops.create(&env, &err);
	assert_non_null(e);
	assert_int_equal(vm_global.ops.workers(e), 2);
	/* 2 x 20 frees of 2 pages (one and its guard), on both nodes' lists, with no worker yet to purge. */
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		void *ctx = vm_global.ops.thread_init(e, cpu);
		for (int i = 0; i < 20; i++) {
			struct mmr_call c = {.size = VM_PAGE, .aux = VM_PAGE};
			assert_int_equal(vm_global.ops.op[MMR_OP_ALLOC](ctx, &c), 0);
			assert_int_equal(vm_global.ops.op[MMR_OP_FREE](ctx, &c), 0);
		}
	}
	assert_int_equal(atomic_load(&e->lazy_pages), 80);
	atomic_bool stop = false;
	struct worker_arg helper = {&vm_global.ops, e, 1, &stop}, drain = {&vm_global.ops, e, 0, &stop};
	pthread_t ht, dt;
	pthread_create(&ht, NULL, worker, &helper);
	while (!helper_alive(e))
		sched_yield();
	pthread_create(&dt, NULL, worker, &drain);
	while (atomic_load(&e->lazy_pages) > 0)
		sched_yield();
	atomic_store(&stop, true);
	pthread_join(dt, NULL);
	pthread_join(ht, NULL);
	assert_int_equal(e->n.helper_purges, 1);
	assert_int_equal(e->n.areas_purged, 40);
	check_ok(e);
	vm_global.ops.destroy(e);
}

/* ---- outcomes ------------------------------------------------------------------ */

#define REUSE_AREAS 16


/* An area of SIZE bytes on CTX: its handle. */
static uint64_t area_new(const struct mmr_engine_ops *ops, void *ctx, uint64_t size)
{
	struct mmr_call c = {.size = size, .aux = VM_PAGE, .slot = UINT32_MAX, .node = -1, .family = MMR_FAM_VMALLOC};
	assert_int_equal(ops->op[MMR_OP_ALLOC](ctx, &c), 0);
	return c.handle;
}

/* A free of area H on CTX: lazy until a purge. */
static void area_free(const struct mmr_engine_ops *ops, void *ctx, uint64_t h)
{
	struct mmr_call c = {.handle = h, .slot = UINT32_MAX, .node = -1, .family = MMR_FAM_VMALLOC};
	assert_int_equal(ops->op[MMR_OP_FREE](ctx, &c), 0);
}

/*
 * OPS's report after one-page areas are allocated on replay thread 1,
 * freed, and allocated again.  With lazy_max_pages 8 and purge_sync the
 * frees purge on their own thread (the 5th, 10th and 15th): no worker, so
 * the figures are exact.
 */
static void reuse(const struct mmr_engine_ops *ops, struct oc_report *r)
{
	const char *keys[] = {"lazy_max_pages", "purge_sync", "flush_ns"}, *values[] = {"8", "1", "0"};
	struct vm_engine *e = make_opts(ops, 3, keys, values);
	void *ctx = ops->thread_init(e, 1);
	uint64_t h[REUSE_AREAS];
	for (unsigned i = 0; i < REUSE_AREAS; i++)
		h[i] = area_new(ops, ctx, VM_PAGE);
	for (unsigned i = 0; i < REUSE_AREAS; i++)
		area_free(ops, ctx, h[i]);
	for (unsigned i = 0; i < REUSE_AREAS; i++)
		h[i] = area_new(ops, ctx, VM_PAGE);
	oc_take_checked(r, ops, e);
	for (unsigned i = 0; i < REUSE_AREAS; i++)
		area_free(ops, ctx, h[i]);
	check_ok(e);
	ops->destroy(e);
}

/*
 * OPS's sync_purges before and after an allocation that finds the range
 * full of lazily freed areas: 31 areas of 1 TiB (the largest a trace
 * asks for, MMR_MAX_BYTES, and a guard page) fill the 32 TiB range,
 * 15 freed stay lazy (under lazy_max_pages), and one more must purge
 * them itself to fit.  The address space only (pages=0): no zone has a
 * TiB of pages to back them.
 */
static void full_range(const struct mmr_engine_ops *ops, uint64_t *before, uint64_t *after)
{
	static struct oc_report r;
	const char *keys[] = {"lazy_max_pages", "flush_ns", "pages"}, *values[] = {"4294967296", "0", "0"};
	struct vm_engine *e = make_opts(ops, 3, keys, values);
	void *ctx = ops->thread_init(e, 0);
	uint64_t h[32];
	for (unsigned i = 0; i < 31; i++)
		h[i] = area_new(ops, ctx, MMR_MAX_BYTES);
	for (unsigned i = 0; i < 15; i++)
		area_free(ops, ctx, h[i]);
	oc_take_checked(&r, ops, e);
	*before = oc_value(&r, "sync_purges");
	h[31] = area_new(ops, ctx, MMR_MAX_BYTES);
	oc_take_checked(&r, ops, e);
	*after = oc_value(&r, "sync_purges");
	assert_int_equal(oc_value(&r, "areas_purged"), 15);
	for (unsigned i = 15; i < 32; i++)
		area_free(ops, ctx, h[i]);
	check_ok(e);
	ops->destroy(e);
}

/*
 * Every declared outcome is reported, as a u64 under its key, and moves
 * with the variant: once purges have filled node 1's pools, vmalloc-nodes
 * serves allocations from them (pool_hits) off the free space
 * (global_allocs), where vmalloc-global searches the free space every
 * time.  In both, an allocation that finds no room purges itself
 * (sync_purges), and the purges and the areas they gave back are counted.
 */
static void test_outcomes(void **state)
{
	(void)state;
	static struct oc_report nodes, global;
	reuse(&vm_nodes.ops, &nodes);
	reuse(&vm_global.ops, &global);
	assert_true(oc_value(&nodes, "pool_hits") > 0);
	assert_int_equal(oc_value(&nodes, "pool_hits") + oc_value(&nodes, "global_allocs"), 2 * REUSE_AREAS);
	assert_int_equal(oc_value(&global, "pool_hits"), 0);
	assert_int_equal(oc_value(&global, "global_allocs"), 2 * REUSE_AREAS);
	const struct oc_report *both[] = {&nodes, &global};
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(oc_value(both[i], "purges"), 3);
		assert_int_equal(oc_value(both[i], "areas_purged"), 15);
		assert_int_equal(oc_value(both[i], "sync_purges"), 0);
	}
	const struct mmr_engine_ops *const all[] = {&vm_nodes.ops, &vm_global.ops};
	for (size_t i = 0; i < 2; i++) {
		uint64_t before, after;
		full_range(all[i], &before, &after);
		assert_int_equal(before, 0);
		assert_int_equal(after, 1);
	}
}

int main(void)
{
	atomic_init(&errors, 0);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_space_lowest_fit), cmocka_unit_test(test_space_alignment),
		cmocka_unit_test(test_global),           cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_pool_reuse),       cmocka_unit_test(test_purge_helpers),
		cmocka_unit_test(test_outcomes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
