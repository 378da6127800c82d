/* SPDX-License-Identifier: MIT */
/*
 * test_cma.c - the CMA engines' invariants, driven through their own op
 * functions: after random allocations and releases on two threads the
 * bitmap is exactly the set of live allocations, none overlapping; with
 * cma-nowait an allocation right after a delayed release finds the space
 * (the flush works); fail-fast resumes at the cached failed pfn where
 * normal mode starts over; an atomic release that meets a held mutex is
 * counted as a sleep, and is not with the spinlock or the lockless clear;
 * a release whose size is not its allocation's gives back only what both
 * name, and every order and size within the trace's bounds is safe.
 * Every declared outcome is in the report, and moves with the mode and
 * the variant (outcome_check.h).
 *
 * The binary runs the mutex variants by default and cma-spinlock when
 * given the argument "spinlock" (two ctest entries, which ctest can run
 * side by side).
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

#include "cma.h"
#include "outcome_check.h"

#define PAGES 4096u
#define CHUNK 512u /* order 9 */

/* Engine with OPS and options "k=v" strings (NULL-terminated), on THREADS threads. */
static struct cma *make(const struct mmr_engine_ops *ops, unsigned threads, const char *const *kv)
{
	const char *keys[16], *values[16];
	char buf[16][64];
	size_t n = 0;
	for (; kv && kv[n]; n++) {
		snprintf(buf[n], sizeof(buf[n]), "%s", kv[n]);
		char *eq = strchr(buf[n], '=');
		*eq = '\0';
		keys[n] = buf[n];
		values[n] = eq + 1;
	}
	struct mmr_engine_env env = {.engine = ops, .threads = threads, .online_cpus = 2, .nopts = n, .keys = keys,
				     .values = values};
	struct mmr_error err = {{0}};
	struct cma *c = ops->create(&env, &err);
	if (!c)
		fail_msg("%s", err.msg);
	return c;
}

/* One figure of the engine's report. */
struct want {
	const char *key;
	uint64_t value;
	bool found;
};

static void want_u64(void *ctx, const char *key, uint64_t v)
{
	struct want *w = ctx;
	if (!strcmp(key, w->key)) {
		w->value = v;
		w->found = true;
	}
}

static void want_f64(void *ctx, const char *key, double v)
{
	(void)ctx, (void)key, (void)v;
}

static uint64_t figure(struct cma *c, const char *key)
{
	struct want w = {.key = key};
	cma_report(c, &(struct mmr_figures){&w, want_u64, want_f64});
	if (!w.found)
		fail_msg("no figure %s in the report", key);
	return w.value;
}

static uint64_t alloc_pages(const struct mmr_engine_ops *ops, struct cma *c, unsigned tid, unsigned order)
{
	struct mmr_call m = {.size = (uint64_t)MMR_PAGE_SIZE << order, .order = (uint8_t)order, .node = -1};
	if (ops->op[MMR_OP_ALLOC](cma_thread_init(c, tid), &m))
		return MMR_NO_PAGE;
	assert_int_equal(cma_handle_count(m.handle), 1ull << order);
	return cma_handle_pfn(m.handle);
}

static void release_pages(const struct mmr_engine_ops *ops, struct cma *c, unsigned tid, uint64_t pfn,
			  unsigned order, enum mmr_op how, uint16_t flags)
{
	struct mmr_call m = {.handle = cma_handle(pfn, 1ull << order), .size = (uint64_t)MMR_PAGE_SIZE << order,
			     .order = (uint8_t)order, .flags = flags, .node = -1};
	assert_int_equal(ops->op[how](cma_thread_init(c, tid), &m), 0);
}

/* An allocation of SIZE bytes (0: of ORDER) on thread 0: its handle, or 0 when it failed. */
static uint64_t alloc_call(const struct mmr_engine_ops *ops, struct cma *c, uint64_t size, unsigned order)
{
	struct mmr_call m = {.size = size, .order = (uint8_t)order, .node = -1};
	int rc = ops->op[MMR_OP_ALLOC](cma_thread_init(c, 0), &m);
	assert_true(rc == 0 || rc == MMR_CALL_FAILED);
	return rc ? 0 : m.handle;
}

/* A release (HOW) of HANDLE that names SIZE bytes, whatever its allocation was, on thread 0. */
static void release_call(const struct mmr_engine_ops *ops, struct cma *c, uint64_t handle, uint64_t size,
			 enum mmr_op how)
{
	struct mmr_call m = {.handle = handle, .size = size, .flags = how == MMR_OP_RELEASE_NOWAIT, .node = -1};
	assert_int_equal(ops->op[how](cma_thread_init(c, 0), &m), 0);
	cma_wq_run(c, &c->thread[c->threads]); /* cma-nowait's deferred half, here and now */
}

/* The workqueue worker of cma-nowait on a thread of its own, as the runner starts it. */
struct worker {
	struct cma *c;
	atomic_bool stop;
	pthread_t tid;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	cma_worker(w->c, 0, &w->stop);
	return NULL;
}

static void worker_start(struct worker *w, struct cma *c)
{
	w->c = c;
	atomic_init(&w->stop, false);
	assert_int_equal(pthread_create(&w->tid, NULL, worker_main, w), 0);
}

static void worker_stop(struct worker *w)
{
	atomic_store(&w->stop, true);
	pthread_join(w->tid, NULL);
}

/* ---- the bitmap is the set of live allocations ----------------------------- */

struct live {
	uint64_t pfn;
	unsigned order;
};

struct churn {
	const struct mmr_engine_ops *ops;
	struct cma *c;
	unsigned tid, steps;
	uint32_t seed;
	struct live held[64];
	size_t n;
};

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Random allocations of orders 4..8 and releases of the thread's own, a third of them atomic. */
static void *churn_main(void *arg)
{
	struct churn *ch = arg;
	for (unsigned i = 0; i < ch->steps; i++) {
		uint32_t r = next_rand(&ch->seed);
		if (ch->n && (r % 8 < 3 || ch->n == 64)) {
			size_t k = (r >> 8) % ch->n;
			struct live l = ch->held[k];
			ch->held[k] = ch->held[--ch->n];
			enum mmr_op how = (r >> 16) % 3 == 0 ? MMR_OP_RELEASE_NOWAIT : MMR_OP_RELEASE;
			release_pages(ch->ops, ch->c, ch->tid, l.pfn, l.order, how, how == MMR_OP_RELEASE_NOWAIT);
			continue;
		}
		unsigned order = 4 + (r >> 4) % 5;
		uint64_t pfn = alloc_pages(ch->ops, ch->c, ch->tid, order);
		if (pfn != MMR_NO_PAGE)
			ch->held[ch->n++] = (struct live){pfn, order};
	}
	return NULL;
}

/* At a quiescent point: every bit set iff a live allocation covers it, and none overlap. */
static void check_bitmap(struct cma *c, struct churn *ch, unsigned threads)
{
	static uint8_t cover[PAGES];
	memset(cover, 0, sizeof(cover));
	unsigned overlaps = 0, misaligned = 0, mismatched = 0;
	for (unsigned t = 0; t < threads; t++)
		for (size_t k = 0; k < ch[t].n; k++) {
			struct live l = ch[t].held[k];
			misaligned += l.pfn % (1ull << l.order) != 0 || l.pfn + (1ull << l.order) > PAGES;
			for (uint64_t p = l.pfn; p < l.pfn + (1ull << l.order) && p < PAGES; p++)
				overlaps += cover[p]++ != 0;
		}
	for (uint64_t p = 0; p < PAGES; p++)
		mismatched += cma_bitmap_test(c->bitmap, p) != (cover[p] != 0);
	assert_int_equal(overlaps, 0);
	assert_int_equal(misaligned, 0);
	assert_int_equal(mismatched, 0);
	struct mmr_error err = {{0}};
	if (mmr_zone_check(c->zone, &err))
		fail_msg("%s", err.msg);
}

static void run_bitmap(const struct mmr_engine_ops *ops, const char *mode)
{
	char m[32];
	snprintf(m, sizeof(m), "mode=%s", mode);
	const char *kv[] = {"pages=4096", "movable_pages=8", m, NULL};
	struct cma *c = make(ops, 2, kv);
	struct churn ch[2];
	for (unsigned t = 0; t < 2; t++)
		ch[t] = (struct churn){.ops = ops, .c = c, .tid = t, .steps = 3000, .seed = 0x9e3779b9u * (t + 7)};
	for (unsigned round = 0; round < 4; round++) {
		struct worker w;
		pthread_t tid[2];
		if (ops->workers && ops->workers(c))
			worker_start(&w, c);
		for (unsigned t = 0; t < 2; t++)
			assert_int_equal(pthread_create(&tid[t], NULL, churn_main, &ch[t]), 0);
		for (unsigned t = 0; t < 2; t++)
			pthread_join(tid[t], NULL);
		if (ops->workers && ops->workers(c))
			worker_stop(&w); /* runs what is still queued: the quiescent point */
		check_bitmap(c, ch, 2);
	}
	assert_true(figure(c, "allocs") > 100);
	assert_int_equal(figure(c, "bitmap_pages_in_use") == 0, ch[0].n + ch[1].n == 0);
	cma_destroy(c);
}

/* ---- cma-nowait: the flush makes a just-released range allocatable -------------- */

static void nowait_flush(void **state)
{
	(void)state;
	/* One chunk and no other page users: the only range there is, is the one just released. */
	const char *kv[] = {"pages=512", "movable_pages=0", NULL};
	struct cma *c = make(&cma_nowait.ops, 1, kv);
	struct worker w;
	worker_start(&w, c);
	unsigned failed = 0;
	for (unsigned i = 0; i < 200; i++) {
		uint64_t pfn = alloc_pages(&cma_nowait.ops, c, 0, 9);
		failed += pfn != 0;
		if (pfn == 0)
			release_pages(&cma_nowait.ops, c, 0, pfn, 9, MMR_OP_RELEASE_NOWAIT, MMR_EF_ATOMIC);
	}
	worker_stop(&w);
	assert_int_equal(failed, 0);
	assert_int_equal(figure(c, "delayed_releases"), 200);
	assert_int_equal(figure(c, "deferred_done"), 200);
	assert_int_equal(figure(c, "flushes"), 199); /* every alloc after the first delayed release */
	assert_int_equal(figure(c, "atomic_sleeps"), 0);
	assert_int_equal(figure(c, "bitmap_pages_in_use"), 0);
	cma_destroy(c);
}

/* The flush is inside cma_alloc's loop, as the patch puts it: every range tried waits for it, retries too. */
static void nowait_flush_per_try(void **state)
{
	(void)state;
	/* Two ranges, both with an unmovable page on every try; no retry after a pass of busy ranges. */
	const char *kv[] = {"pages=1024", "movable_pages=0", "unmovable_ppm=1000000", "retries=0", NULL};
	struct cma *c = make(&cma_nowait.ops, 1, kv);
	struct worker w;
	worker_start(&w, c);
	/* The area's delayed-release flag, as its first cma_release_nowait sets it. */
	atomic_store(&c->delayed, true);
	assert_int_equal(alloc_pages(&cma_nowait.ops, c, 0, 9), MMR_NO_PAGE);
	worker_stop(&w);
	assert_int_equal(figure(c, "unmovable_failures"), 2);
	assert_int_equal(figure(c, "flushes"), 3); /* two ranges tried, and the search that found none left */
	cma_destroy(c);
}

/* An unmovable page stays where it is: a range that met one fails on every try; the others never do. */
static void unmovable_persists(void **state)
{
	(void)state;
	/* 64 ranges of one pageblock each, about a quarter of them with an unmovable page. */
	const char *kv[] = {"pages=32768", "movable_pages=0", "unmovable_ppm=250000", "retries=0", NULL};
	struct cma *c = make(&cma_mutex.ops, 1, kv);
	uint64_t got[64], again[64];
	unsigned n = 0, m = 0;
	while (n < 64 && (got[n] = alloc_pages(&cma_mutex.ops, c, 0, 9)) != MMR_NO_PAGE)
		n++;
	/* A draw per try would let a later alloc through a pageblock an earlier one failed on: all 64 in the end. */
	assert_true(n > 0 && n < 64);
	assert_true(figure(c, "unmovable_failures") > 0);
	for (unsigned i = 0; i < n; i++)
		release_pages(&cma_mutex.ops, c, 0, got[i], 9, MMR_OP_RELEASE, 0);
	while (m < 64 && (again[m] = alloc_pages(&cma_mutex.ops, c, 0, 9)) != MMR_NO_PAGE)
		m++;
	assert_int_equal(m, n); /* the same pageblocks, in the same order */
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(again[i], got[i]);
	cma_destroy(c);
}

/* ---- fail-fast resumes at the cached pfn -------------------------------------- */

/*
 * Chunk 2 holds a page some other user has; allocations take chunks 0, 1,
 * then fail on 2 and take 3.  With chunk 0 released and the page gone
 * again, fail-fast looks at 2 first; normal mode starts at 0.
 */
static uint64_t after_failure(const struct mmr_engine_ops *ops, const char *mode)
{
	const char *kv[] = {"pages=4096", "movable_pages=0", mode, NULL};
	struct cma *c = make(ops, 1, kv);
	const uint64_t blocker = 2 * CHUNK + 5;
	assert_int_equal(mmr_pages_take_range(c->zone, blocker, 1), 0);
	assert_int_equal(alloc_pages(ops, c, 0, 9), 0);
	assert_int_equal(alloc_pages(ops, c, 0, 9), CHUNK);
	assert_int_equal(alloc_pages(ops, c, 0, 9), 3 * CHUNK);
	assert_int_equal(figure(c, "migrate_failures"), 1);
	release_pages(ops, c, 0, 0, 9, MMR_OP_RELEASE, 0);
	mmr_pages_free_range(c->zone, blocker, 1);
	uint64_t got = alloc_pages(ops, c, 0, 9);
	cma_destroy(c);
	return got;
}

static void fail_fast_resumes(void **state)
{
	(void)state;
	assert_int_equal(after_failure(&cma_mutex.ops, "mode=fail-fast"), 2 * CHUNK);
	assert_int_equal(after_failure(&cma_mutex.ops, "mode=normal"), 0);
}

/* ---- atomic releases against a held cma->lock --------------------------------- */

struct releaser {
	const struct mmr_engine_ops *ops;
	struct cma *c;
	uint64_t pfn;
	atomic_bool done;
};

static void *releaser_main(void *arg)
{
	struct releaser *r = arg;
	release_pages(r->ops, r->c, 1, r->pfn, 9, MMR_OP_RELEASE_NOWAIT, MMR_EF_ATOMIC);
	atomic_store(&r->done, true);
	return NULL;
}

/*
 * Thread 1 releases from atomic context while this thread holds cma->lock.
 * A mutex variant's release waits for it and counts a sleep; a spinlock
 * variant's spins (no sleep); the lockless clear finishes while the lock
 * is still held.  Returns the atomic_sleeps figure.
 */
static uint64_t release_under_held_lock(const struct mmr_engine_ops *ops, enum mmr_lock_kind kind)
{
	const char *kv[] = {"pages=1024", "movable_pages=0", NULL};
	struct cma *c = make(ops, 2, kv);
	struct releaser r = {.ops = ops, .c = c, .pfn = alloc_pages(ops, c, 0, 9)};
	atomic_init(&r.done, false);
	assert_int_equal(r.pfn, 0);
	struct mmr_lock_class *cls = mmr_lock_class_get("cma->lock", kind);
	assert_non_null(cls);
	pthread_t tid;
	cma_lock(c);
	assert_int_equal(pthread_create(&tid, NULL, releaser_main, &r), 0);
	if (ops == &cma_lockless_clear.ops) {
		/* It finishes without the lock; had it taken it, it would be waiting instead. */
		while (!atomic_load(&r.done) && mmr_lock_class_waiting(cls) == 0)
			sched_yield();
		assert_true(atomic_load(&r.done));
	} else {
		while (mmr_lock_class_waiting(cls) == 0)
			sched_yield(); /* until the release waits for the lock */
		assert_false(atomic_load(&r.done));
	}
	cma_unlock(c);
	pthread_join(tid, NULL);
	uint64_t sleeps = figure(c, "atomic_sleeps");
	assert_int_equal(figure(c, "bitmap_pages_in_use"), 0);
	cma_destroy(c);
	return sleeps;
}

static void atomic_sleeps_mutex(void **state)
{
	(void)state;
	assert_int_equal(release_under_held_lock(&cma_mutex.ops, MMR_LOCK_MUTEX), 1);
	assert_int_equal(release_under_held_lock(&cma_lockless_clear.ops, MMR_LOCK_MUTEX), 0);
}

static void atomic_sleeps_spinlock(void **state)
{
	(void)state;
	assert_int_equal(release_under_held_lock(&cma_spinlock.ops, MMR_LOCK_SPIN), 0);
}

/* ---- a release only ever gives back what its allocation holds ----------------- */

static void zone_ok(struct cma *c)
{
	struct mmr_error err = {{0}};
	if (mmr_zone_check(c->zone, &err))
		fail_msg("%s", err.msg);
}

/*
 * Four 16-page allocations fill a 64-page area (one bitmap word).  A
 * release naming 32 pages gives back its own 16 and leaves its neighbour
 * allocated; one naming 1 MiB at the area's end stays inside the bitmap;
 * a short one (8 pages) leaves the rest allocated.  Then a 32-page
 * allocation finds the first two ranges free again.
 */
static void release_mismatch(const struct mmr_engine_ops *ops, enum mmr_op how)
{
	const char *kv[] = {"pages=64", "movable_pages=0", NULL};
	struct cma *c = make(ops, 1, kv);
	uint64_t h[4];
	for (unsigned i = 0; i < 4; i++) {
		h[i] = alloc_call(ops, c, 16 * MMR_PAGE_SIZE, 4);
		assert_int_equal(cma_handle_pfn(h[i]), 16 * i);
	}
	release_call(ops, c, h[0], 32 * MMR_PAGE_SIZE, how);
	assert_true(cma_bitmap_test(c->bitmap, 16));
	assert_int_equal(mmr_pages_take_range(c->zone, 16, 1), -1); /* still the second allocation's */
	release_call(ops, c, h[3], 1u << 20, how);
	release_call(ops, c, h[2], 8 * MMR_PAGE_SIZE, how);
	assert_int_equal(figure(c, "bitmap_pages_in_use"), 16 + 8);
	assert_int_equal(mmr_pages_take_range(c->zone, 32, 8), 0); /* the short release's pages are free */
	mmr_pages_free_range(c->zone, 32, 8);
	assert_int_equal(mmr_pages_take_range(c->zone, 40, 1), -1); /* and the rest is not */
	release_call(ops, c, h[1], 16 * MMR_PAGE_SIZE, how);
	assert_int_equal(figure(c, "release_mismatches"), 3);
	assert_int_equal(figure(c, "release_pages_beyond"), 16 + 240);
	assert_int_equal(figure(c, "release_pages_kept"), 8);
	assert_int_equal(figure(c, "bitmap_pages_in_use"), 8);
	zone_ok(c);
	assert_int_equal(cma_handle_pfn(alloc_call(ops, c, 32 * MMR_PAGE_SIZE, 5)), 0);
	cma_destroy(c);
}

/*
 * Every order up to MMR_MAX_ORDER, by order alone and with sizes up to
 * 1 TiB: what fits the area is allocated and released, the rest fails,
 * and the area ends empty.  A 3-page allocation with 4 pages per bit
 * takes 3 frames, so that releasing it frees them all and the whole area
 * is allocatable again.
 */
static void every_order(const struct mmr_engine_ops *ops)
{
	const char *kv[] = {"pages=4096", "movable_pages=0", NULL};
	struct cma *c = make(ops, 1, kv);
	for (unsigned o = 0; o <= MMR_MAX_ORDER; o++) {
		uint64_t h = alloc_call(ops, c, 0, o);
		assert_int_equal(h != 0, (1u << o) <= 4096);
		if (h)
			release_call(ops, c, h, (uint64_t)MMR_PAGE_SIZE << o, MMR_OP_RELEASE);
		assert_int_equal(alloc_call(ops, c, MMR_MAX_BYTES, o), 0);
		assert_int_equal(alloc_call(ops, c, MMR_MAX_BYTES - 1, o), 0);
	}
	assert_int_equal(figure(c, "bitmap_pages_in_use"), 0);
	zone_ok(c);
	cma_destroy(c);
	const char *kv2[] = {"pages=8", "order_per_bit=2", "movable_pages=0", NULL};
	c = make(ops, 1, kv2);
	uint64_t h = alloc_call(ops, c, 3 * MMR_PAGE_SIZE, 0);
	assert_int_equal(cma_handle_pfn(h), 0);
	release_call(ops, c, h, 3 * MMR_PAGE_SIZE, MMR_OP_RELEASE);
	h = alloc_call(ops, c, 8 * MMR_PAGE_SIZE, 0);
	assert_int_equal(cma_handle_pfn(h), 0);
	release_call(ops, c, h, 8 * MMR_PAGE_SIZE, MMR_OP_RELEASE);
	zone_ok(c);
	cma_destroy(c);
}

static void release_mismatch_mutex(void **state)
{
	(void)state;
	const struct mmr_engine_ops *const ops[] = {&cma_mutex.ops, &cma_nowait.ops, &cma_lockless_clear.ops};
	for (size_t i = 0; i < 3; i++) {
		release_mismatch(ops[i], MMR_OP_RELEASE);
		release_mismatch(ops[i], MMR_OP_RELEASE_NOWAIT);
		every_order(ops[i]);
	}
}

static void release_mismatch_spinlock(void **state)
{
	(void)state;
	release_mismatch(&cma_spinlock.ops, MMR_OP_RELEASE);
	release_mismatch(&cma_spinlock.ops, MMR_OP_RELEASE_NOWAIT);
	every_order(&cma_spinlock.ops);
}

/* ---- outcomes ------------------------------------------------------------------ */

/*
 * OPS's report, in MODE, after an allocation of the whole one-chunk
 * area failed on a frame another page user holds, then succeeded with
 * the frame back, and its release came through release_nowait.
 */
static void busy_then_nowait(const struct mmr_engine_ops *ops, const char *mode, struct oc_report *r)
{
	const char *kv[] = {"pages=512", "movable_pages=0", "retries=5", mode, NULL};
	struct cma *c = make(ops, 1, kv);
	const uint64_t blocker = 5;
	assert_int_equal(mmr_pages_take_range(c->zone, blocker, 1), 0);
	assert_int_equal(alloc_call(ops, c, 0, 9), 0);
	mmr_pages_free_range(c->zone, blocker, 1);
	uint64_t h = alloc_call(ops, c, 0, 9);
	assert_int_equal(cma_handle_pfn(h), 0);
	release_call(ops, c, h, CHUNK * MMR_PAGE_SIZE, MMR_OP_RELEASE_NOWAIT);
	oc_take_checked(r, ops, c);
	assert_int_equal(oc_value(r, "bitmap_pages_in_use"), 0);
	cma_destroy(c);
}

/*
 * Every declared outcome is reported, as a u64 under its key, and moves
 * with the mode and the variant: a busy frame fails the range once
 * per search, which normal mode repeats `retries` (5) times and
 * fail-fast does not; only cma-nowait sends release_nowait's clear to
 * the workqueue (delayed_releases).  One thread: no release meets a
 * held lock, and no allocation waits for the workqueue.
 */
static void outcomes_of(const struct mmr_engine_ops *ops)
{
	static struct oc_report normal, fast;
	busy_then_nowait(ops, "mode=normal", &normal);
	busy_then_nowait(ops, "mode=fail-fast", &fast);
	assert_int_equal(oc_value(&normal, "retries"), 5);
	assert_int_equal(oc_value(&normal, "busy_failures"), 6);
	assert_int_equal(oc_value(&normal, "migrate_failures"), 6);
	assert_int_equal(oc_value(&fast, "retries"), 0);
	assert_int_equal(oc_value(&fast, "busy_failures"), 1);
	assert_int_equal(oc_value(&fast, "migrate_failures"), 1);
	const struct oc_report *both[] = {&normal, &fast};
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(oc_value(both[i], "migrated_pages"), CHUNK);
		assert_int_equal(oc_value(both[i], "delayed_releases"), ops == &cma_nowait.ops);
		assert_int_equal(oc_value(both[i], "atomic_sleeps"), 0);
		assert_int_equal(oc_value(both[i], "flush_waits"), 0);
	}
}

/* outcomes_of for the variants whose cma->lock is a mutex. */
static void outcomes_mutex(void **state)
{
	(void)state;
	outcomes_of(&cma_mutex.ops);
	outcomes_of(&cma_nowait.ops);
	outcomes_of(&cma_lockless_clear.ops);
}

/* outcomes_of for cma-spinlock (a binary of its own: see main). */
static void outcomes_spinlock(void **state)
{
	(void)state;
	outcomes_of(&cma_spinlock.ops);
}

static void bitmap_mutex(void **state)
{
	(void)state;
	run_bitmap(&cma_mutex.ops, "normal");
	run_bitmap(&cma_mutex.ops, "fail-fast");
}

static void bitmap_nowait(void **state)
{
	(void)state;
	run_bitmap(&cma_nowait.ops, "normal");
	run_bitmap(&cma_nowait.ops, "fail-fast");
}

static void bitmap_lockless(void **state)
{
	(void)state;
	run_bitmap(&cma_lockless_clear.ops, "normal");
	run_bitmap(&cma_lockless_clear.ops, "fail-fast");
}

static void bitmap_spinlock(void **state)
{
	(void)state;
	run_bitmap(&cma_spinlock.ops, "normal");
	run_bitmap(&cma_spinlock.ops, "fail-fast");
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "spinlock")) {
		const struct CMUnitTest spin[] = {
			cmocka_unit_test(bitmap_spinlock),
			cmocka_unit_test(atomic_sleeps_spinlock),
			cmocka_unit_test(release_mismatch_spinlock),
			cmocka_unit_test(outcomes_spinlock),
		};
		return cmocka_run_group_tests_name("cma_spinlock", spin, NULL, NULL);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bitmap_mutex),
		cmocka_unit_test(bitmap_nowait),
		cmocka_unit_test(bitmap_lockless),
		cmocka_unit_test(nowait_flush),
		cmocka_unit_test(nowait_flush_per_try),
		cmocka_unit_test(unmovable_persists),
		cmocka_unit_test(fail_fast_resumes),
		cmocka_unit_test(atomic_sleeps_mutex),
		cmocka_unit_test(release_mismatch_mutex),
		cmocka_unit_test(outcomes_mutex),
	};
	return cmocka_run_group_tests_name("cma", tests, NULL, NULL);
}
