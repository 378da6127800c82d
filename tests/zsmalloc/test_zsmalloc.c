/* SPDX-License-Identifier: MIT */
/*
 * test_zsmalloc.c - the zsmalloc model's invariants, for both variants: on
 * two threads allocating, writing, reading and freeing objects while the
 * compaction and migration worker runs beside them, every handle maps to
 * the bytes last written to it (checked against the test's own write
 * counts); afterwards every live handle names its own object slot, no
 * other object is allocated, and the pages the zspages hold are the pages
 * the zone handed out.  The lock order is asserted inside the model in
 * debug builds; a test shows the assertion catches a wrong order.  A
 * mapping a thread keeps between ops (its unmap lost) makes no other
 * thread, nor the worker, wait for it.  Every declared outcome is in the
 * report, and a compact event after frees that leave zspages sparse gives
 * pages back (outcome_check.h).
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
#include "zsmalloc.h"

#define NTHREADS 2
#define SLOTS 700
#define ITERS 12000

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Sizes as zram's: mostly compressed pages of a few hundred bytes to 3 KiB, some whole pages. */
static uint32_t pick_size(uint32_t r)
{
	if (r % 10 == 0)
		return ZS_PAGE;
	return 20 + (r >> 8) % 3200;
}

struct tworker {
	const struct mmr_engine_ops *ops;
	void *engine;
	atomic_bool stop;
};

static void *run_worker(void *arg)
{
	struct tworker *w = arg;
	w->ops->worker(w->engine, 0, &w->stop);
	return NULL;
}

struct tthread {
	const struct mmr_engine_ops *ops;
	struct zs_pool *pool;
	unsigned tid;
	struct zs_handle *h[SLOTS];
	uint32_t version[SLOTS]; /* the test's own count of writes per slot */
	atomic_uint *failures;
};

/* Map slot I for read through the API and compare with the test's own version; false on a mismatch. */
static bool bytes_ok(struct zs_thread *zt, struct zs_handle *h, uint32_t version)
{
	const uint8_t *b = zs_map_object(zt, h, false);
	bool ok = zs_pattern_check(b, h->size, h, version);
	zs_unmap_object(zt);
	return ok;
}

/* One step on slot I: allocate and write it, rewrite it, read it, or free it. */
static void step(struct tthread *t, struct zs_thread *zt, unsigned i, uint32_t r)
{
	struct mmr_call op = {.handle = (uint64_t)(uintptr_t)t->h[i]};
	if (!t->h[i]) {
		op.size = pick_size(r);
		if (t->ops->op[MMR_OP_ALLOC](zt, &op)) {
			atomic_fetch_add(t->failures, 1);
			return;
		}
		t->h[i] = (struct zs_handle *)(uintptr_t)op.handle;
	}
	if (r % 7 == 0 || t->version[i] == 0) {
		op.flags = MMR_EF_MAP_WRITE;
		t->ops->op[MMR_OP_MAP](zt, &op);
		t->ops->op[MMR_OP_UNMAP](zt, &op);
		t->version[i]++;
	} else if (!bytes_ok(zt, t->h[i], t->version[i])) {
		atomic_fetch_add(t->failures, 1);
	}
	if (r % 5 == 0) {
		t->ops->op[MMR_OP_FREE](zt, &op);
		t->h[i] = NULL;
		t->version[i] = 0;
	}
}

static void *run_thread(void *arg)
{
	struct tthread *t = arg;
	struct zs_thread *zt = t->ops->thread_init(t->pool, t->tid);
	uint32_t seed = 0x9e3779b9u * (t->tid + 1);
	for (unsigned it = 0; it < ITERS; it++) {
		uint32_t r = next_rand(&seed);
		step(t, zt, r % SLOTS, r >> 10);
		if (it % 1500 == 1499) {
			/* Let a worker pass happen between our steps: compaction meets live maps and frees. */
			unsigned long long passes = atomic_load(&t->pool->passes);
			while (atomic_load(&t->pool->passes) == passes)
				sched_yield();
			struct mmr_call op = {0};
			t->ops->op[MMR_OP_COMPACT](zt, &op);
		}
	}
	t->ops->thread_exit(zt);
	return NULL;
}

/* The handles of all threads still alive, into OUT; returns how many. */
static size_t collect(struct tthread *th, struct zs_handle **out)
{
	size_t n = 0;
	for (unsigned k = 0; k < NTHREADS; k++)
		for (unsigned i = 0; i < SLOTS; i++)
			if (th[k].h[i])
				out[n++] = th[k].h[i];
	return n;
}

static void check_pool(struct zs_pool *p, struct tthread *th)
{
	static struct zs_handle *live[NTHREADS * SLOTS];
	struct mmr_error err = {{0}};
	size_t n = collect(th, live);
	if (zs_pool_check(p, live, n, &err))
		fail_msg("%s", err.msg);
	struct zs_thread *zt = &p->threads[0];
	for (unsigned k = 0; k < NTHREADS; k++)
		for (unsigned i = 0; i < SLOTS; i++)
			if (th[k].h[i])
				assert_true(bytes_ok(zt, th[k].h[i], th[k].version[i]));
}

static void concurrent(const struct mmr_engine_ops *ops)
{
	const char *keys[] = {"interval_us", "migrate_pages", "zone_mb"};
	const char *vals[] = {"200", "64", "64"};
	struct mmr_engine_env env = {.engine = ops, .threads = NTHREADS, .online_cpus = 2, .nopts = 3,
				     .keys = keys, .values = vals};
	struct mmr_error err = {{0}};
	struct zs_pool *p = ops->create(&env, &err);
	assert_non_null(p);
	static struct tthread th[NTHREADS];
	atomic_uint failures = 0;
	struct tworker w = {.ops = ops, .engine = p};
	pthread_t wt, rt[NTHREADS];
	assert_int_equal(pthread_create(&wt, NULL, run_worker, &w), 0);
	for (unsigned k = 0; k < NTHREADS; k++) {
		memset(&th[k], 0, sizeof(th[k]));
		th[k] = (struct tthread){.ops = ops, .pool = p, .tid = k, .failures = &failures};
		assert_int_equal(pthread_create(&rt[k], NULL, run_thread, &th[k]), 0);
	}
	for (unsigned k = 0; k < NTHREADS; k++)
		pthread_join(rt[k], NULL);
	atomic_store(&w.stop, true);
	pthread_join(wt, NULL);
	assert_int_equal(atomic_load(&failures), 0);
	assert_int_equal(zs_counts_sum(p).mismatches, 0);
	assert_true(atomic_load(&p->passes) > 0);
	check_pool(p, th);

	/* Free three in four: sparse zspages that a compaction must empty, moving objects. */
	uint64_t moved = zs_counts_sum(p).objs_moved;
	for (unsigned k = 0; k < NTHREADS; k++)
		for (unsigned i = 0; i < SLOTS; i++)
			if (th[k].h[i] && i % 4) {
				zs_free(p, 0, th[k].h[i]);
				th[k].h[i] = NULL;
			}
	assert_true(zs_compact(p, 0) > 0);
	assert_true(zs_counts_sum(p).objs_moved > moved);
	check_pool(p, th);
	assert_int_equal(zs_ld_violations, 0);
	ops->destroy(p);
}

static void test_pinbit_concurrent(void **state)
{
	(void)state;
	concurrent(&zs_pinbit_variant.ops);
}

static void test_migrate_lock_concurrent(void **state)
{
	(void)state;
	concurrent(&zs_migrate_lock_variant.ops);
}

/* Every size from 1 byte to a page has a class that holds it with its header; zspages of 1..4 pages. */
static void test_classes(void **state)
{
	(void)state;
	struct mmr_engine_env env = {.engine = &zs_pinbit_variant.ops, .threads = 1, .online_cpus = 1};
	struct mmr_error err = {{0}};
	struct zs_pool *p = zs_pinbit_variant.ops.create(&env, &err);
	assert_non_null(p);
	assert_true(p->nr_classes > 1 && p->nr_classes < ZS_NR_CLASSES);
	for (unsigned i = 0; i < p->nr_classes; i++) {
		struct zs_class *c = &p->classes[i];
		assert_in_range(c->pages_per_zspage, 1, ZS_MAX_PAGES);
		assert_int_equal(c->objs_per_zspage, c->pages_per_zspage * ZS_PAGE / c->size);
	}
	struct zs_handle *h[ZS_PAGE];
	for (uint32_t size = 1; size <= ZS_PAGE; size++) {
		h[size - 1] = zs_malloc(p, 0, size);
		assert_non_null(h[size - 1]);
		struct zs_class *c = zs_handle_zspage(p, h[size - 1])->class;
		assert_true(c->huge ? c->size >= size : c->size >= size + ZS_HANDLE_SIZE);
	}
	assert_null(zs_malloc(p, 0, 0));
	assert_null(zs_malloc(p, 0, ZS_PAGE + 1));
	assert_int_equal(zs_pool_check(p, h, ZS_PAGE, &err), 0);
	for (uint32_t size = 1; size <= ZS_PAGE; size++)
		zs_free(p, 0, h[size - 1]);
	assert_int_equal(zs_pool_check(p, NULL, 0, &err), 0);
	assert_int_equal(zs_engine_footprint(p), 0); /* every page back */
	zs_pinbit_variant.ops.destroy(p);
}

/* ---- page migration follows the pool's page pressure -------------------------- */

/*
 * Every pressure_pages pages the pool takes ask for one batch of
 * migrate_pages migrations, whatever the worker's passes do; with
 * pressure_pages 0 a pass migrates and the pages taken ask for nothing.
 */
static void pressure_batches(const char *pressure, uint64_t *pages, uint64_t *batches, uint64_t *tried)
{
	const char *keys[] = {"interval_us", "migrate_pages", "zone_mb", "pressure_pages"};
	const char *vals[] = {"1000000", "2", "16", pressure};
	struct mmr_engine_env env = {.engine = &zs_pinbit_variant.ops, .threads = 1, .online_cpus = 2, .nopts = 4,
				     .keys = keys, .values = vals};
	struct mmr_error err = {{0}};
	struct zs_pool *p = zs_pinbit_variant.ops.create(&env, &err);
	assert_non_null(p);
	static struct zs_handle *h[300];
	for (unsigned i = 0; i < 300; i++)
		assert_non_null(h[i] = zs_malloc(p, 0, 4096)); /* stored whole: a page each */
	zs_worker_migrate_owed(p);
	*pages = atomic_load(&p->pages_taken);
	*batches = p->batches;
	struct zs_counts *n = zs_cpu_counts(p, p->nr_threads);
	*tried = n->migrations + n->migrate_backoffs;
	for (unsigned i = 0; i < 300; i++)
		zs_free(p, 0, h[i]);
	zs_pinbit_variant.ops.destroy(p);
}

static void test_migration_by_pressure(void **state)
{
	(void)state;
	uint64_t pages, batches, tried;
	pressure_batches("32", &pages, &batches, &tried);
	assert_int_equal(pages, 300);
	assert_int_equal(batches, pages / 32);
	assert_int_equal(tried, batches * 2);
	pressure_batches("0", &pages, &batches, &tried);
	assert_int_equal(pages, 0); /* not even counted */
	assert_int_equal(batches, 0);
	assert_int_equal(tried, 0);
}

/* ---- a mapping held between two ops blocks no one ---------------------------- */

/*
 * One op (and, with OP2, a second one after it) on a thread of its own,
 * joined: another CPU's calls, with their own lock-order record.
 */
struct elsewhere {
	const struct mmr_engine_ops *ops;
	void *ctx; /* NULL: a worker pass on the pool instead */
	struct zs_pool *pool;
	unsigned op, op2;
	struct mmr_call call;
	int rc, rc2;
};

static void *elsewhere_main(void *arg)
{
	struct elsewhere *a = arg;
	if (!a->ctx) {
		zs_worker_pass(a->pool);
		return NULL;
	}
	struct mmr_call c = a->call;
	a->rc = a->ops->op[a->op](a->ctx, &c);
	if (a->op2)
		a->rc2 = a->ops->op[a->op2](a->ctx, &a->call);
	return NULL;
}

static int run_elsewhere(struct elsewhere *a)
{
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, elsewhere_main, a), 0);
	pthread_join(t, NULL);
	return a->rc;
}

/* OP on H by replay thread context CTX, on a thread of its own. */
static int op_on(const struct mmr_engine_ops *ops, void *ctx, unsigned op, struct zs_handle *h, uint16_t flags)
{
	struct elsewhere a = {.ops = ops, .ctx = ctx, .op = op,
			      .call = {.handle = (uint64_t)(uintptr_t)h, .size = 100, .flags = flags}};
	return run_elsewhere(&a);
}

/* OP on H by CTX on this thread: a mapping is released by the thread that took it, as in a replay. */
static int op_here(const struct mmr_engine_ops *ops, void *ctx, unsigned op, struct zs_handle *h, uint16_t flags)
{
	struct mmr_call c = {.handle = (uint64_t)(uintptr_t)h, .size = 100, .flags = flags};
	return ops->op[op](ctx, &c);
}

/*
 * Thread 0 maps an object and goes on to other ops without unmapping it
 * (the trace lost the unmap): the mapping lasts until thread 0's next op,
 * which in a replay may wait for thread 1.  So nothing may wait for it:
 * thread 1's free and map of that handle are refused (pinbit spun on the
 * pin for ever; migrate-lock freed the handle under the mapping), and the
 * worker's migration and compaction and a compact event let its zspage
 * be (they waited for its lock for ever) while a map of another object in
 * it goes through.  Once thread 0 unmaps, the free goes through; an unmap
 * of nothing mapped is refused.
 */
static void parked_mapping(const struct mmr_engine_ops *ops)
{
	/* pressure_pages 0: a worker pass migrates too, so the pass below meets the parked mapping. */
	const char *keys[] = {"interval_us", "migrate_pages", "zone_mb", "pressure_pages"};
	const char *vals[] = {"1000000", "16", "16", "0"};
	struct mmr_engine_env env = {.engine = ops, .threads = 2, .online_cpus = 2, .nopts = 4,
				     .keys = keys, .values = vals};
	struct mmr_error err = {{0}};
	struct zs_pool *p = ops->create(&env, &err);
	assert_non_null(p);
	void *t0 = ops->thread_init(p, 0), *t1 = ops->thread_init(p, 1);
	struct mmr_call a = {.size = 100}, b = {.size = 100};
	assert_int_equal(ops->op[MMR_OP_ALLOC](t0, &a), 0);
	assert_int_equal(ops->op[MMR_OP_ALLOC](t0, &b), 0);
	struct zs_handle *h = (struct zs_handle *)(uintptr_t)a.handle, *h2 = (struct zs_handle *)(uintptr_t)b.handle;
	assert_ptr_equal(zs_handle_zspage(p, h), zs_handle_zspage(p, h2));
	assert_int_equal(op_here(ops, t0, MMR_OP_MAP, h, MMR_EF_MAP_WRITE), 0);
	assert_int_equal(op_on(ops, t1, MMR_OP_FREE, h, 0), MMR_CALL_REFUSED);
	assert_int_equal(op_on(ops, t1, MMR_OP_MAP, h, 0), MMR_CALL_REFUSED);
	struct elsewhere pass = {.pool = p};
	run_elsewhere(&pass);
	assert_int_equal(op_on(ops, t1, MMR_OP_COMPACT, NULL, 0), 0);
	assert_true(atomic_load(&p->parked_backoffs) > 0);
	struct elsewhere m = {.ops = ops, .ctx = t1, .op = MMR_OP_MAP, .op2 = MMR_OP_UNMAP,
			      .call = {.handle = (uint64_t)(uintptr_t)h2}};
	run_elsewhere(&m);
	assert_int_equal(m.rc, 0);
	assert_int_equal(m.rc2, 0);
	assert_int_equal(op_here(ops, t0, MMR_OP_UNMAP, h, 0), 0);
	assert_int_equal(op_here(ops, t0, MMR_OP_UNMAP, h, 0), MMR_CALL_REFUSED);
	assert_int_equal(op_on(ops, t1, MMR_OP_FREE, h, 0), 0);
	const struct zs_counts n = zs_counts_sum(p);
	assert_int_equal(n.refused_free_mapped, 1);
	assert_int_equal(n.refused_map_mapped, 1);
	assert_int_equal(n.unmatched_unmaps, 1);
	assert_int_equal(atomic_load(&zs_handle_zspage(p, h2)->parked), 0);
	assert_int_equal(zs_pool_check(p, &h2, 1, &err), 0);
	assert_int_equal(op_here(ops, t0, MMR_OP_FREE, h2, 0), 0);
	ops->thread_exit(t0);
	ops->thread_exit(t1);
	assert_int_equal(zs_ld_violations, 0);
	ops->destroy(p);
}

static void test_pinbit_parked_mapping(void **state)
{
	(void)state;
	parked_mapping(&zs_pinbit_variant.ops);
}

static void test_migrate_lock_parked_mapping(void **state)
{
	(void)state;
	parked_mapping(&zs_migrate_lock_variant.ops);
}

/* ---- outcomes ---------------------------------------------------------------- */

#define SPARSE_OBJS 600

/* A trace compact event on thread context T. */
static void compact_event(const struct mmr_engine_ops *ops, void *t)
{
	struct mmr_call c = {.slot = UINT32_MAX, .node = -1};
	assert_int_equal(ops->op[MMR_OP_COMPACT](t, &c), 0);
}

/*
 * Every declared outcome is reported, as a u64 under its key, and a
 * trace compact event gives pages back only when frees have left
 * zspages sparse: over objects that fill their zspages it frees nothing;
 * after three objects in four are freed it moves the rest together and
 * frees pages, counted as the event's own (compact_op_pages_freed) and
 * in the total (pages_freed).  No worker runs: every figure is the
 * events'.
 */
static void sparse_compact(const struct mmr_engine_ops *ops)
{
	static struct oc_report r;
	static struct zs_handle *h[SPARSE_OBJS];
	const char *keys[] = {"zone_mb"}, *vals[] = {"16"};
	struct mmr_engine_env env = {.engine = ops, .threads = 1, .online_cpus = 1, .nopts = 1,
				     .keys = keys, .values = vals};
	struct mmr_error err = {{0}};
	struct zs_pool *p = ops->create(&env, &err);
	assert_non_null(p);
	void *t = ops->thread_init(p, 0);
	for (unsigned i = 0; i < SPARSE_OBJS; i++) {
		struct mmr_call c = {.size = 200, .slot = i, .node = -1};
		assert_int_equal(ops->op[MMR_OP_ALLOC](t, &c), 0);
		h[i] = (struct zs_handle *)(uintptr_t)c.handle;
	}
	compact_event(ops, t);
	oc_take_checked(&r, ops, p);
	assert_int_equal(oc_value(&r, "compact_op_pages_freed"), 0);
	assert_int_equal(oc_value(&r, "pages_freed"), 0);
	assert_int_equal(oc_value(&r, "objs_moved"), 0);
	size_t live = 0;
	for (unsigned i = 0; i < SPARSE_OBJS; i++) {
		if (i % 4 == 0) {
			h[live++] = h[i];
			continue;
		}
		struct mmr_call c = {.handle = (uint64_t)(uintptr_t)h[i], .slot = i, .node = -1};
		assert_int_equal(ops->op[MMR_OP_FREE](t, &c), 0);
	}
	compact_event(ops, t);
	oc_take_checked(&r, ops, p);
	uint64_t freed = oc_value(&r, "compact_op_pages_freed");
	assert_true(freed > 0);
	assert_int_equal(oc_value(&r, "pages_freed"), freed);
	assert_true(oc_value(&r, "objs_moved") > 0);
	/* Nothing was mapped and nothing else compacted: no object pinned, no lock contended. */
	assert_int_equal(oc_value(&r, "pin_busy") + oc_value(&r, "backoffs"), 0);
	assert_int_equal(oc_value(&r, "migrations") + oc_value(&r, "migrate_backoffs"), 0);
	assert_int_equal(zs_pool_check(p, h, live, &err), 0);
	for (size_t i = 0; i < live; i++)
		assert_int_equal(ops->op[MMR_OP_FREE](t, &(struct mmr_call){.handle = (uint64_t)(uintptr_t)h[i]}), 0);
	ops->thread_exit(t);
	ops->destroy(p);
}

/* sparse_compact for both variants. */
static void test_outcomes(void **state)
{
	(void)state;
	sparse_compact(&zs_pinbit_variant.ops);
	sparse_compact(&zs_migrate_lock_variant.ops);
}

/* The debug build's order check fires on a lock taken out of order (and not on a nested one). */
static void test_lock_order_check(void **state)
{
	(void)state;
#ifdef NDEBUG
	skip();
#else
	unsigned before = atomic_load(&zs_ld_violations);
	zs_ld_fatal = false;
	zs_ld_acquire(2, false);
	zs_ld_acquire(2, true); /* nested: allowed */
	assert_int_equal(atomic_load(&zs_ld_violations), before);
	zs_ld_acquire(1, false); /* lower rank under a higher one */
	assert_int_equal(atomic_load(&zs_ld_violations), before + 1);
	zs_ld_release(1);
	zs_ld_release(2);
	zs_ld_release(2);
	zs_ld_fatal = true;
	atomic_store(&zs_ld_violations, before);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_lock_order_check),
		cmocka_unit_test(test_pinbit_concurrent),
		cmocka_unit_test(test_migrate_lock_concurrent),
		cmocka_unit_test(test_migration_by_pressure),
		cmocka_unit_test(test_pinbit_parked_mapping),
		cmocka_unit_test(test_migrate_lock_parked_mapping),
		cmocka_unit_test(test_outcomes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
