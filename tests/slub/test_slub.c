/* SPDX-License-Identifier: MIT */
/*
 * test_slub.c - the SLUB model's invariants, driven through its engine
 * operations on two threads: no object handed out twice, objects aligned,
 * a free from another thread goes back to the slab the object came from,
 * and when everything is freed every slab is empty.
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
	assert_true(atomic_load(&s->totals[3]) + atomic_load(&s->totals[4]) + atomic_load(&s->totals[5]) > 0);
	assert_int_equal(atomic_load(&errors), 0);
	assert_int_equal(mmr_zone_check(s->zone, &err), 0);
	ops->destroy(engine);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
