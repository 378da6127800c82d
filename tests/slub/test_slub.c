/* SPDX-License-Identifier: MIT */
/*
 * test_slub.c - the SLUB model's invariants, driven through its engine
 * operations on two threads: no object handed out twice, objects aligned,
 * a free from another thread goes back to the slab the object came from,
 * and when everything is freed every slab is empty; sizes up to the
 * trace's 1 TiB bound fail cleanly, and krealloc and kmem_cache events
 * never write past the object they get.  Every declared outcome is in
 * the report, and counts the slow path and new slabs (outcome_check.h).
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "outcome_check.h"
#include "slub.h"

extern const struct mmr_engine_ops *const mmr_engines[];

#define OBJS 20000
#define THREADS 2

static const struct mmr_engine_ops *ops;
static void *engine;

/* What each object was: its address, its slab, its size, and who may free it. */
struct obj {
	void *p;
	struct slub_slab *slab;
	uint64_t size;
	_Atomic int state; /* 0 free, 1 live */
};

static struct obj objs[OBJS];

/* Failures seen on the worker threads (cmocka can only fail on the main one). */
static atomic_uint errors;

static struct mmr_call call_for(uint32_t i)
{
	static const uint64_t sizes[] = {8, 24, 64, 100, 192, 256, 700, 2048, 5000, 20000};
	struct mmr_call c = {.slot = i, .node = -1, .family = MMR_FAM_SLAB};
	c.size = sizes[(i * 2654435761u) % 10];
	if (i % 3 == 0) {
		c.flags = MMR_EF_CACHE; /* a kmem_cache_alloc of an odd size */
		c.size = c.bytes_alloc = 40 + (i % 5) * 8;
	}
	return c;
}

/* Thread T allocates the objects of its parity and frees the other thread's. */
static void *worker(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg;
	void *ctx = ops->thread_init(engine, t);
	for (uint32_t i = t; i < OBJS; i += THREADS) {
		struct mmr_call c = call_for(i);
		if (ops->op[MMR_OP_ALLOC](ctx, &c) != 0) {
			atomic_fetch_add(&errors, 1);
			return NULL;
		}
		objs[i].p = (void *)(uintptr_t)c.handle;
		objs[i].size = c.size;
		struct slub *s = engine;
		objs[i].slab = c.size <= SLUB_KMALLOC_MAX ? slub_slab_of(s, objs[i].p) : NULL;
		atomic_store_explicit(&objs[i].state, 1, memory_order_release);
		/* Free the other thread's object from a while back: a cross-CPU free. */
		if (i >= 64) {
			uint32_t j = i - 63; /* the other parity */
			while (atomic_load_explicit(&objs[j].state, memory_order_acquire) != 1)
				sched_yield();
			struct slub *s2 = engine;
			if (objs[j].slab && slub_slab_of(s2, objs[j].p) != objs[j].slab)
				atomic_fetch_add(&errors, 1);
			struct mmr_call f = {.handle = (uint64_t)(uintptr_t)objs[j].p, .slot = j, .node = -1};
			if (ops->op[MMR_OP_FREE](ctx, &f) != 0)
				atomic_fetch_add(&errors, 1);
			atomic_store_explicit(&objs[j].state, 2, memory_order_release);
		}
	}
	ops->thread_exit(ctx);
	return NULL;
}

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct obj *)a)->p, y = (uintptr_t)((const struct obj *)b)->p;
	return x < y ? -1 : x > y;
}

static void test_two_threads(void **state)
{
	(void)state;
	ops = mmr_engines[0];
	struct mmr_engine_env env = {.threads = THREADS, .online_cpus = 2, .slots = OBJS};
	struct mmr_error err = {{0}};
	engine = ops->create(&env, &err);
	if (!engine)
		fail_msg("%s", err.msg);
	memset(objs, 0, sizeof(objs));
	pthread_t th[THREADS];
	for (unsigned t = 0; t < THREADS; t++)
		pthread_create(&th[t], NULL, worker, (void *)(uintptr_t)t);
	for (unsigned t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);

	/* Live objects never overlap: sorted by address, each ends before the next begins. */
	static struct obj live[OBJS];
	size_t n = 0;
	for (uint32_t i = 0; i < OBJS; i++) {
		if (atomic_load(&objs[i].state) == 1)
			live[n++] = objs[i];
		uintptr_t p = (uintptr_t)objs[i].p;
		assert_int_equal(p % 8, 0);
		if (objs[i].size <= 4096 && (objs[i].size & (objs[i].size - 1)) == 0)
			assert_int_equal(p % objs[i].size, 0); /* power-of-two sizes, naturally aligned */
	}
	qsort(live, n, sizeof(*live), cmp_ptr);
	for (size_t i = 1; i < n; i++)
		assert_true((uintptr_t)live[i - 1].p + live[i - 1].size <= (uintptr_t)live[i].p);

	/* Free the rest on a fresh thread context; then every slab is empty, on a partial list or gone. */
	void *ctx = ops->thread_init(engine, 0);
	for (size_t i = 0; i < n; i++) {
		struct mmr_call f = {.handle = (uint64_t)(uintptr_t)live[i].p, .node = -1};
		assert_int_equal(ops->op[MMR_OP_FREE](ctx, &f), 0);
	}
	ops->thread_exit(ctx);
	struct slub *s = engine;
	struct mmr_zone_stats st;
	mmr_zone_stats(s->zone, &st);
	for (uint64_t f = 0; f < st.pages; f++) {
		struct slub_slab *slab = s->slab_of[f];
		if (slab && slab->pfn == f) {
			uint64_t w = atomic_load(&slab->word);
			assert_int_equal(SW_INUSE(w), 0);
			assert_false(SW_FROZEN(w));
			assert_true(slab->on_partial);
		}
		assert_int_equal(s->large_order[f], 0);
	}
	/* Frees from the other thread went through the remote, lockless or locked path. */
	assert_true(s->totals.remote_frees + s->totals.lockless_frees + s->totals.locked_frees > 0);
	assert_int_equal(atomic_load(&errors), 0);
	assert_int_equal(mmr_zone_check(s->zone, &err), 0);
	ops->destroy(engine);
}

/* ---- sizes at the trace's bounds, and krealloc ----------------------------- */

static void *make_engine(const char *touch)
{
	const char *keys[] = {"touch"}, *values[] = {touch};
	struct mmr_engine_env env = {.threads = 1, .online_cpus = 2, .slots = 16, .nopts = 1, .keys = keys,
				     .values = values};
	struct mmr_error err = {{0}};
	void *e = mmr_engines[0]->create(&env, &err);
	if (!e)
		fail_msg("%s", err.msg);
	return e;
}

/* An allocation (or, with AUX, a realloc of AUX) on CTX: the object, NULL when it failed. */
static uint8_t *op_new(void *ctx, uint64_t size, uint64_t bytes_alloc, uint16_t flags, uint8_t *aux)
{
	const struct mmr_engine_ops *o = mmr_engines[0];
	struct mmr_call c = {.size = size, .bytes_alloc = bytes_alloc, .flags = flags, .node = -1,
			     .aux_handle = (uint64_t)(uintptr_t)aux};
	int rc = o->op[aux ? MMR_OP_REALLOC : MMR_OP_ALLOC](ctx, &c);
	assert_true(rc == 0 || rc == MMR_CALL_FAILED);
	return rc ? NULL : (uint8_t *)(uintptr_t)c.handle;
}

static void op_free(void *ctx, uint8_t *p)
{
	struct mmr_call c = {.handle = (uint64_t)(uintptr_t)p, .node = -1};
	assert_int_equal(mmr_engines[0]->op[MMR_OP_FREE](ctx, &c), 0);
}

/* Every slab empty and no large allocation left: what a run that freed everything must end with. */
static void all_free(struct slub *s)
{
	struct mmr_zone_stats st;
	struct mmr_error err = {{0}};
	mmr_zone_stats(s->zone, &st);
	for (uint64_t f = 0; f < st.pages; f++) {
		struct slub_slab *slab = s->slab_of[f];
		if (slab && slab->pfn == f)
			assert_int_equal(SW_INUSE(atomic_load(&slab->word)), 0);
		assert_int_equal(s->large_order[f], 0);
	}
	if (mmr_zone_check(s->zone, &err))
		fail_msg("%s", err.msg);
}

/*
 * Sizes up to 1 TiB fail at once, past the zone's largest block (4 MiB);
 * the largest block itself is allocated; a kmem_cache object of 0 bytes
 * is a small object, not a page.
 */
static void test_huge_sizes(void **state)
{
	(void)state;
	struct slub *s = make_engine("ends");
	void *ctx = mmr_engines[0]->thread_init(s, 0);
	const uint64_t largest = (uint64_t)MMR_PAGE_SIZE << 10;
	const uint64_t fail[] = {MMR_MAX_BYTES, MMR_MAX_BYTES - 1, largest + 1};
	for (size_t i = 0; i < 3; i++) {
		assert_null(op_new(ctx, fail[i], 0, 0, NULL));
		assert_null(op_new(ctx, fail[i], fail[i], MMR_EF_CACHE, NULL));
		assert_null(op_new(ctx, 8, fail[i], MMR_EF_CACHE, NULL));
	}
	uint8_t *big = op_new(ctx, largest, 0, 0, NULL), *zero = op_new(ctx, 0, 0, MMR_EF_CACHE, NULL);
	assert_non_null(big);
	assert_non_null(zero);
	assert_int_equal(s->large_order[(uint64_t)(zero - s->base) / MMR_PAGE_SIZE], 0);
	op_free(ctx, big);
	op_free(ctx, zero);
	mmr_engines[0]->thread_exit(ctx);
	all_free(s);
	mmr_engines[0]->destroy(s);
}

/*
 * A kmem_cache event whose request (17 bytes) is larger than its cache's
 * object size (16): every object must hold the 17 bytes written, so no
 * two live ones overlap.  With 16-byte objects the writes ran into the
 * next object's free-list link: objects handed out twice, a hang or a
 * wild free.
 */
static void test_cache_smaller_than_request(void **state)
{
	(void)state;
	struct slub *s = make_engine("all");
	void *ctx = mmr_engines[0]->thread_init(s, 0);
	static struct obj o[600];
	for (size_t i = 0; i < 600; i++) {
		o[i] = (struct obj){.p = op_new(ctx, 17, 16, MMR_EF_CACHE, NULL), .size = 17};
		assert_non_null(o[i].p);
	}
	qsort(o, 600, sizeof(*o), cmp_ptr);
	for (size_t i = 1; i < 600; i++)
		assert_true((uintptr_t)o[i - 1].p + 17 <= (uintptr_t)o[i].p);
	for (size_t i = 0; i < 600; i++)
		op_free(ctx, o[i].p);
	mmr_engines[0]->thread_exit(ctx);
	all_free(s);
	mmr_engines[0]->destroy(s);
}

/*
 * krealloc of 64 KiB into a kmem_cache event that says 4 KiB: the new
 * object holds the 64 KiB and they are copied; a realloc to 1 TiB fails
 * and leaves the object as it was; krealloc(NULL) allocates; shrinking
 * copies what fits.
 */
static void test_krealloc(void **state)
{
	(void)state;
	struct slub *s = make_engine("none");
	void *ctx = mmr_engines[0]->thread_init(s, 0);
	uint8_t *a = op_new(ctx, 65536, 0, 0, NULL);
	assert_non_null(a);
	for (size_t i = 0; i < 65536; i++)
		a[i] = (uint8_t)(i * 7);
	uint8_t *b = op_new(ctx, 65536, 4096, MMR_EF_CACHE, a);
	assert_non_null(b);
	assert_null(op_new(ctx, MMR_MAX_BYTES, 0, 0, b));
	for (size_t i = 0; i < 65536; i++)
		assert_int_equal(b[i], (uint8_t)(i * 7));
	uint8_t *c = op_new(ctx, 16, 0, 0, b);
	assert_non_null(c);
	assert_int_equal(c[15], (uint8_t)(15 * 7));
	uint8_t *d = op_new(ctx, 100, 0, 0, NULL);
	assert_non_null(d);
	op_free(ctx, c);
	op_free(ctx, d);
	mmr_engines[0]->thread_exit(ctx);
	all_free(s);
	mmr_engines[0]->destroy(s);
}

/* ---- outcomes ------------------------------------------------------------------ */

#define RUN_OBJS 1024u

/*
 * The engine's report after RUN_OBJS kmallocs of 64 bytes on one thread:
 * with REUSE each freed before the next (the same object over again),
 * else all kept until the end.
 */
static void alloc_run(bool reuse, struct oc_report *r)
{
	const struct mmr_engine_ops *o = mmr_engines[0];
	static uint8_t *p[RUN_OBJS];
	struct slub *s = make_engine("none");
	void *ctx = o->thread_init(s, 0);
	for (unsigned i = 0; i < RUN_OBJS; i++) {
		assert_non_null(p[i] = op_new(ctx, 64, 0, 0, NULL));
		if (reuse)
			op_free(ctx, p[i]);
	}
	for (unsigned i = 0; !reuse && i < RUN_OBJS; i++)
		op_free(ctx, p[i]);
	o->thread_exit(ctx); /* the thread's counts join the engine's here */
	oc_take_checked(r, o, s);
	all_free(s);
	o->destroy(s);
}

/*
 * Every declared outcome is reported, as a u64 under its key, and counts
 * what the allocations did: one that finds the thread's per-CPU free
 * list empty takes the slow path (slow_allocs), and here a new slab
 * (slabs_new).  An object freed and taken again goes slow only the first
 * time, on one slab; objects kept go slow once per slab they fill, whose
 * pages come through the zone's pcp lists.
 */
static void test_outcomes(void **state)
{
	(void)state;
	static struct oc_report reuse, keep;
	alloc_run(true, &reuse);
	alloc_run(false, &keep);
	assert_int_equal(oc_value(&reuse, "slow_allocs"), 1);
	assert_int_equal(oc_value(&reuse, "slabs_new"), 1);
	assert_true(oc_value(&keep, "slabs_new") > 1);
	assert_int_equal(oc_value(&keep, "slow_allocs"), oc_value(&keep, "slabs_new"));
	const struct oc_report *both[] = {&reuse, &keep};
	for (size_t i = 0; i < 2; i++)
		assert_int_equal(oc_value(both[i], "slow_allocs") + oc_value(both[i], "fast_allocs"), RUN_OBJS);
	/* The zone's figures under the spelling every engine that takes pages gives them (engines/README.md). */
	uint64_t refills = oc_value(&keep, "zone_pcp_refills");
	assert_true(refills > 0);
	assert_true(oc_value(&keep, "zone_lock_acquisitions") >= refills + oc_value(&keep, "zone_pcp_drains"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_threads),
		cmocka_unit_test(test_huge_sizes),
		cmocka_unit_test(test_cache_smaller_than_request),
		cmocka_unit_test(test_krealloc),
		cmocka_unit_test(test_outcomes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
