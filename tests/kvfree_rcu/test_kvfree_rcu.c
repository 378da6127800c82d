/* SPDX-License-Identifier: MIT */
/*
 * test_kvfree_rcu.c - the kvfree_rcu model's promises, for each of its
 * five engines:
 * - no object is freed before a grace period that began after its
 *   kvfree_rcu() call: a reader thread in read-side sections checks the
 *   magic of objects it found published, while two threads replace and
 *   kvfree_rcu() them with the monitors running (freed objects are
 *   poisoned, so an early free shows as a broken magic);
 * - the same, step by step: while a reader holds a section begun before
 *   the call, the reclaim cannot have freed the object;
 * - every object is eventually freed, none twice (counts; ASan sees the
 *   rest);
 * - when block pages run out (a tiny zone, an empty pcp list, an empty
 *   pool) the fallbacks are taken and counted, and the refill brings pages
 *   back;
 * - with readers of reader_ns configured, a grace period lasts at least
 *   reader_ns: the model's synchronize_rcu(), a monitor's batch, the
 *   headless fallback and kvfree-rcu-sync's call (a lower bound only:
 *   sleeps never end early, so it cannot fail by chance); with readers
 *   off no reader runs and no grace period waits for one;
 * - an object size past the engines' bound fails, its header never wraps;
 * - every declared outcome is in the report, and the fallbacks show there
 *   only when block pages run out (outcome_check.h).
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
#include <time.h>

#include <cmocka.h>

#include "kvfree_rcu.h"
#include "mmr_size.h"
#include "outcome_check.h"

#define MAGIC 0x5afe0b1ec7ull
#define OBJ_SIZE 64u
#define WORDS (OBJ_SIZE / 8)
#define FIRST 2u /* words 0 and 1 are the rcu_head the engine may link */

/* An engine of OPS for THREADS threads with options KV ("key", "value", ..., NULL). */
static struct kr_engine *make(const struct mmr_engine_ops *ops, unsigned threads, const char *const *kv)
{
	const char *keys[16], *values[16];
	size_t n = 0;
	for (; kv && kv[2 * n]; n++) {
		keys[n] = kv[2 * n];
		values[n] = kv[2 * n + 1];
	}
	struct mmr_engine_env env = {.engine = ops, .threads = threads, .online_cpus = 2, .nopts = n, .keys = keys,
				     .values = values};
	struct mmr_error err = {0};
	struct kr_engine *e = ops->create(&env, &err);
	if (!e)
		fail_msg("create %s: %s", ops->name, err.msg);
	return e;
}

/*
 * An object: word FIRST its serial, the rest the magic mixed with it, so
 * that neither a poisoned object nor a new one at the same address (malloc
 * reuses a freed chunk at once) passes for the one a reader found.
 */
static atomic_ullong serials = 1;

static void *obj_new(void *thread)
{
	struct mmr_call c = {.size = OBJ_SIZE};
	assert_int_equal(kr_engine_alloc(thread, &c), 0);
	uint64_t *w = (uint64_t *)(uintptr_t)c.handle, serial = atomic_fetch_add(&serials, 1);
	w[FIRST] = serial;
	for (unsigned i = FIRST + 1; i < WORDS; i++)
		w[i] = MAGIC ^ serial;
	return w;
}

/* The object W, found with serial SERIAL, is intact. */
static bool obj_same(const uint64_t *w, uint64_t serial)
{
	if (w[FIRST] != serial)
		return false;
	for (unsigned i = FIRST + 1; i < WORDS; i++)
		if (w[i] != (MAGIC ^ serial))
			return false;
	return true;
}

static bool obj_ok(const uint64_t *w)
{
	return obj_same(w, w[FIRST]);
}

/* ---- the engine's workers on their own threads, as the runner starts them ---- */

struct workers;

struct worker_arg {
	struct workers *w;
	unsigned idx;
};

struct workers {
	struct kr_engine *e;
	const struct mmr_engine_ops *ops;
	atomic_bool stop;
	unsigned n;
	pthread_t th[8];
	struct worker_arg arg[8];
};

static void *worker_main(void *p)
{
	struct worker_arg *a = p;
	a->w->ops->worker(a->w->e, a->idx, &a->w->stop);
	return NULL;
}

static void workers_start(struct workers *w, const struct mmr_engine_ops *ops, struct kr_engine *e)
{
	w->e = e;
	w->ops = ops;
	atomic_init(&w->stop, false);
	w->n = ops->workers(e);
	assert_true(w->n <= 8);
	for (unsigned i = 0; i < w->n; i++) {
		w->arg[i].w = w;
		w->arg[i].idx = i;
		assert_int_equal(pthread_create(&w->th[i], NULL, worker_main, &w->arg[i]), 0);
	}
}

static void workers_stop(struct workers *w)
{
	atomic_store(&w->stop, true);
	for (unsigned i = 0; i < w->n; i++)
		pthread_join(w->th[i], NULL);
}

/* ---- concurrent: readers never see a freed object -------------------------------- */

#define SLOTS 16u
#define ITERS 6000u

struct shared {
	struct kr_engine *e;
	_Atomic(uint64_t *) slot[2][SLOTS];
	atomic_uint writers_left;
	atomic_bool reading; /* the reader is in its loop: the writers start then */
	atomic_ullong violations, reads, calls, failures;
};

struct writer_ctx {
	struct shared *s;
	unsigned tid;
};

static void *writer_main(void *p)
{
	struct writer_ctx *a = p;
	struct shared *s = a->s;
	struct kr_thread *t = kr_engine_thread_init(s->e, a->tid);
	if (!t) {
		atomic_fetch_add(&s->failures, 1);
		atomic_fetch_sub(&s->writers_left, 1);
		return NULL;
	}
	uint32_t seed = 77 + a->tid;
	while (!atomic_load(&s->reading))
		sched_yield();
	for (unsigned i = 0; i < ITERS + SLOTS; i++) {
		if (i % 64 == 0)
			sched_yield(); /* let the reader in between, even where calls do not wait */
		/*
		 * Before emptying the slots, wait for the reader to have read one:
		 * on a loaded machine (under TSan, with the engine's own reader
		 * thread beside it) the reader could otherwise sleep through
		 * every write and check nothing.
		 */
		while (i == ITERS && !atomic_load(&s->reads))
			sched_yield();
		unsigned k = i % SLOTS;
		uint64_t *nw = i < ITERS ? obj_new(t) : NULL;
		uint64_t *old = atomic_exchange_explicit(&s->slot[a->tid][k], nw, memory_order_acq_rel);
		seed = seed * 1103515245u + 12345u;
		if (old) {
			kr_kvfree(t, old, (seed >> 16) % 4 == 0, mmr_tclock_now(NULL));
			atomic_fetch_add(&s->calls, 1);
		}
	}
	kr_engine_thread_exit(t);
	atomic_fetch_sub(&s->writers_left, 1);
	return NULL;
}

static void *reader_main(void *p)
{
	struct shared *s = p;
	kr_rcu_register();
	atomic_store(&s->reading, true);
	while (atomic_load(&s->writers_left)) {
		kr_rcu_read_lock();
		for (unsigned w = 0; w < 2; w++)
			for (unsigned k = 0; k < SLOTS; k++) {
				uint64_t *o = atomic_load_explicit(&s->slot[w][k], memory_order_acquire);
				if (!o)
					continue;
				/* Read it twice, a little apart: a free in between shows (poison or a new serial). */
				uint64_t serial = o[FIRST];
				if (!obj_same(o, serial))
					atomic_fetch_add(&s->violations, 1);
				sched_yield();
				if (!obj_same(o, serial))
					atomic_fetch_add(&s->violations, 1);
				atomic_fetch_add_explicit(&s->reads, 1, memory_order_relaxed);
			}
		kr_rcu_read_unlock();
	}
	kr_rcu_unregister();
	return NULL;
}

static void run_readers_and_writers(const struct mmr_engine_ops *ops)
{
	/* No RCU reader threads and no least length: this is about frees after a grace period, not its length (12,000 sync waits). */
	static const char *const kv[] = {"poison", "1", "drain_ms", "2", "pcp_high", "24", "pcp_batch", "4",
					 "pool_pages", "8", "pool_low", "2", "readers", "0", "gp_ns", "0", NULL};
	struct shared s = {.e = make(ops, 2, kv)};
	atomic_init(&s.writers_left, 2);
	struct workers w;
	workers_start(&w, ops, s.e);
	pthread_t rd, wr[2];
	struct writer_ctx wa[2] = {{&s, 0}, {&s, 1}};
	assert_int_equal(pthread_create(&rd, NULL, reader_main, &s), 0);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&wr[i], NULL, writer_main, &wa[i]), 0);
	for (unsigned i = 0; i < 2; i++)
		pthread_join(wr[i], NULL);
	pthread_join(rd, NULL);
	workers_stop(&w);
	kr_drain_all(s.e);
	kr_wait_reclaimed(s.e);
	struct kr_cpu_counts t = kr_cpu_totals(s.e);
	assert_int_equal(atomic_load(&s.failures), 0);
	assert_int_equal(atomic_load(&s.violations), 0);
	assert_true(atomic_load(&s.reads) > 0);
	assert_int_equal(t.calls, 2 * ITERS);
	assert_int_equal(atomic_load(&s.calls), 2 * ITERS);
	/* Every object freed once: none left waiting, none freed twice (the count would pass the calls). */
	assert_int_equal(atomic_load(&s.e->n.freed), 2 * ITERS);
	assert_int_equal(atomic_load(&s.e->n.waiting), 0);
	assert_int_equal(atomic_load(&s.e->n.live_bytes), 0);
	assert_int_equal(atomic_load(&s.e->n.block_pages), 0);
	kr_engine_destroy(s.e);
}

static void test_readers_nowait(void **state)
{
	(void)state;
	run_readers_and_writers(&kr_nowait_variant.ops);
}

static void test_readers_lockless(void **state)
{
	(void)state;
	run_readers_and_writers(&kr_lockless_variant.ops);
}

static void test_readers_pool(void **state)
{
	(void)state;
	run_readers_and_writers(&kr_pool_variant.ops);
}

static void test_readers_callrcu(void **state)
{
	(void)state;
	run_readers_and_writers(&kr_callrcu_variant.ops);
}

static void test_readers_sync(void **state)
{
	(void)state;
	run_readers_and_writers(&kr_sync_variant.ops);
}

/* ---- step by step: the reclaim waits for a reader that came first ---------------- */

struct holder {
	uint64_t *obj;
	atomic_int phase; /* 1: inside its section; 2: told to leave; 3: left */
	atomic_bool ok_inside;
};

static void *holder_main(void *p)
{
	struct holder *h = p;
	kr_rcu_register();
	kr_rcu_read_lock();
	atomic_store(&h->phase, 1);
	while (atomic_load(&h->phase) != 2)
		sched_yield();
	atomic_store(&h->ok_inside, obj_ok(h->obj));
	kr_rcu_read_unlock();
	atomic_store(&h->phase, 3);
	kr_rcu_unregister();
	return NULL;
}

struct drainer {
	struct kr_engine *e;
	atomic_bool done;
};

static void *drainer_main(void *p)
{
	struct drainer *d = p;
	kr_rcu_register();
	kr_drain_all(d->e);
	atomic_store(&d->done, true);
	kr_rcu_unregister();
	return NULL;
}

/*
 * A reader enters its section; the object is kvfree_rcu()'d and a reclaim
 * started; however long the reclaim is given, the object stays unfreed
 * until the reader leaves, and is freed after.
 */
static void run_reader_first(const struct mmr_engine_ops *ops, bool headless)
{
	static const char *const kv[] = {"poison", "1", "drain_ms", "60000", NULL};
	struct kr_engine *e = make(ops, 1, kv);
	struct kr_thread *t = kr_engine_thread_init(e, 0);
	struct holder h = {.obj = obj_new(t)};
	pthread_t ht, dt;
	assert_int_equal(pthread_create(&ht, NULL, holder_main, &h), 0);
	while (atomic_load(&h.phase) != 1)
		sched_yield();
	kr_kvfree(t, h.obj, headless, mmr_tclock_now(NULL));
	struct drainer d = {.e = e};
	assert_int_equal(pthread_create(&dt, NULL, drainer_main, &d), 0);
	for (int i = 0; i < 200; i++) { /* give a wrong reclaim every chance to free early */
		assert_int_equal(atomic_load(&e->n.freed), 0);
		struct timespec ts = {0, 100000};
		nanosleep(&ts, NULL);
	}
	assert_int_equal(atomic_load(&e->n.freed), 0);
	atomic_store(&h.phase, 2);
	pthread_join(ht, NULL);
	pthread_join(dt, NULL);
	assert_true(atomic_load(&h.ok_inside));
	assert_true(atomic_load(&d.done));
	kr_wait_reclaimed(e);
	assert_int_equal(atomic_load(&e->n.freed), 1);
	kr_engine_thread_exit(t);
	kr_engine_destroy(e);
}

static void test_reader_first_blocks(void **state)
{
	(void)state;
	run_reader_first(&kr_nowait_variant.ops, false);
	run_reader_first(&kr_nowait_variant.ops, true);
	run_reader_first(&kr_lockless_variant.ops, false); /* empty pcp list: the rcu_head fallback */
	run_reader_first(&kr_pool_variant.ops, false);
	run_reader_first(&kr_callrcu_variant.ops, false);
}

/* ---- fallbacks when block pages run out ---------------------------------------------- */

/* N kvfree_rcu() calls on T, every HEADLESS_EVERYth headless (0: none). */
static void flood(struct kr_thread *t, unsigned n, unsigned headless_every)
{
	for (unsigned i = 0; i < n; i++)
		kr_kvfree(t, obj_new(t), headless_every && i % headless_every == 0, mmr_tclock_now(NULL));
}

static void finish(struct kr_engine *e, struct kr_thread *t, uint64_t calls)
{
	kr_drain_all(e);
	assert_int_equal(atomic_load(&e->n.freed), calls);
	assert_int_equal(atomic_load(&e->n.waiting), 0);
	kr_engine_thread_exit(t);
	kr_engine_destroy(e);
}

/* nowait: a 64-page zone runs dry at its min watermark; both fallbacks are taken. */
static void test_fallback_nowait_tiny_zone(void **state)
{
	(void)state;
	static const char *const kv[] = {"zone_pages", "64", "drain_ms", "60000", "gp_ns", "0", NULL};
	struct kr_engine *e = make(&kr_nowait_variant.ops, 1, kv);
	struct kr_thread *t = kr_engine_thread_init(e, 0);
	unsigned n = 80 * (unsigned)KR_BLOCK_MAX;
	flood(t, n, 4);
	struct kr_cpu_counts c = kr_cpu_totals(e);
	assert_int_equal(c.calls, n);
	assert_true(c.block_pages > 0 && c.block_pages < 64);
	assert_true(c.page_failures > 0);
	assert_true(c.fb_head > 0);
	assert_true(c.fb_sync > 0);
	assert_int_equal(c.fb_head + c.fb_sync, c.page_failures);
	finish(e, t, n);
}

/* lockless: the pcp list starts empty, so the first call falls back and asks for a refill. */
static void test_fallback_lockless_refill(void **state)
{
	(void)state;
	static const char *const kv[] = {"drain_ms", "60000", "gp_ns", "0", NULL};
	struct kr_engine *e = make(&kr_lockless_variant.ops, 1, kv);
	struct kr_thread *t = kr_engine_thread_init(e, 0);
	flood(t, 10, 0);
	struct kr_cpu_counts c = kr_cpu_totals(e);
	assert_int_equal(c.block_pages, 0);
	assert_int_equal(c.fb_head, 10);
	assert_true(atomic_load(&e->cpus[0].need_refill));
	e->v->refill(e, mmr_tclock_now(NULL)); /* the worker's round, here */
	assert_false(atomic_load(&e->cpus[0].need_refill));
	assert_int_equal(atomic_load(&e->n.refill_pages), 1);
	flood(t, 10, 2);
	c = kr_cpu_totals(e);
	assert_int_equal(c.block_pages, 1);
	assert_int_equal(c.fb_head, 10);
	assert_int_equal(c.fb_sync, 0);
	finish(e, t, 20);
}

/* pool: four pages, then fallbacks; the refill fills it back. */
static void test_fallback_pool_empty(void **state)
{
	(void)state;
	static const char *const kv[] = {"drain_ms", "60000", "pool_pages", "4", "pool_low", "1", "gp_ns", "0", NULL};
	struct kr_engine *e = make(&kr_pool_variant.ops, 1, kv);
	struct kr_thread *t = kr_engine_thread_init(e, 0);
	assert_int_equal(e->cpus[0].pool_n, 4);
	unsigned n = 5 * (unsigned)KR_BLOCK_MAX;
	flood(t, n, 0);
	struct kr_cpu_counts c = kr_cpu_totals(e);
	assert_int_equal(c.block_pages, 4);
	assert_int_equal(c.fb_head, KR_BLOCK_MAX);
	assert_int_equal(e->cpus[0].pool_n, 0);
	assert_true(atomic_load(&e->cpus[0].need_refill));
	e->v->refill(e, mmr_tclock_now(NULL));
	assert_int_equal(e->cpus[0].pool_n, 4);
	kr_drain_all(e); /* the four block pages come back, to a full pool: the page allocator takes them */
	assert_int_equal(e->cpus[0].pool_n, 4);
	assert_int_equal(atomic_load(&e->n.pool_pages), 4);
	finish(e, t, n);
}

/* ---- grace periods wait for the readers ------------------------------------------- */

/* A section long enough that nothing else in a grace period comes near it. */
#define READER_NS 20000000ull

/* Until every reader of E runs (the worker threads have reached their loops). */
static void wait_readers_running(struct kr_engine *e)
{
	struct timespec ms = {0, 1000000};
	for (;;) {
		unsigned running = 0;
		pthread_mutex_lock(&e->readers.mu);
		for (unsigned i = 0; i < e->readers.n; i++)
			running += e->readers.r[i].running;
		pthread_mutex_unlock(&e->readers.mu);
		if (running == e->readers.n)
			return;
		nanosleep(&ms, NULL);
	}
}

/* OPS's engine on one thread with one reader of READER_NS and its workers running. */
static struct kr_engine *with_readers(const struct mmr_engine_ops *ops, struct workers *w, struct kr_thread **t)
{
	static const char *const kv[] = {"readers", "1", "reader_ns", "20000000", "drain_ms", "60000", NULL};
	struct kr_engine *e = make(ops, 1, kv);
	assert_int_equal(e->readers.n, 1);
	*t = kr_engine_thread_init(e, 0);
	workers_start(w, ops, e);
	wait_readers_running(e);
	/* And every other worker: a reader told to stop outlasts only the workers already running. */
	struct timespec ms = {0, 1000000};
	while (atomic_load(&e->readers.others) != ops->workers(e) - e->readers.n)
		nanosleep(&ms, NULL);
	return e;
}

/*
 * Half a section: a grace period that starts now finds the reader midway,
 * where liburcu alone would wait only for the rest of its section (a
 * grace period begun at a section's boundary waits for a whole one even
 * so, which would hide a model that does not wait for the next section).
 */
static void midway(void)
{
	struct timespec half = {0, (long)(READER_NS / 2)};
	nanosleep(&half, NULL);
}

/* kvfree_rcu(OBJ) on T, HEADLESS or not, begun midway through a section; how long the call took, ns. */
static uint64_t timed_kvfree(struct kr_thread *t, bool headless)
{
	void *obj = obj_new(t);
	midway();
	uint64_t t0 = mmr_now_ns();
	kr_kvfree(t, obj, headless, mmr_tclock_now(NULL));
	return mmr_now_ns() - t0;
}

/*
 * With one reader of READER_NS: the model's synchronize_rcu() lasts at
 * least that; so does lockless's headless fallback (its pcp list starts
 * empty, so the first call has no block page) and the batch the monitor
 * drains when the workers stop (gp_ns_max); the report shows the waits.
 */
static void test_gp_waits_for_readers_block(void **state)
{
	(void)state;
	struct workers w;
	struct kr_thread *t;
	struct kr_engine *e = with_readers(&kr_lockless_variant.ops, &w, &t);
	midway();
	uint64_t t0 = mmr_now_ns();
	assert_true(kr_synchronize(e, false) >= READER_NS);
	assert_true(mmr_now_ns() - t0 >= READER_NS);
	assert_true(timed_kvfree(t, true) >= READER_NS);
	assert_int_equal(kr_cpu_totals(e).fb_sync, 1);
	/* Queued, not waited for; the monitor's drain at the stop waits, the reader still running. */
	kr_kvfree(t, obj_new(t), false, mmr_tclock_now(NULL));
	midway();
	workers_stop(&w);
	assert_int_equal(atomic_load(&e->n.gp_batches), 1);
	assert_true(atomic_load(&e->n.gp_ns_max) >= READER_NS);
	struct oc_report r = {0};
	oc_take_checked(&r, &kr_lockless_variant.ops, e);
	assert_int_equal(oc_value(&r, "synchronize_rcu_calls"), 3);
	assert_true(oc_value(&r, "synchronize_rcu_ns_max") >= READER_NS);
	assert_true(oc_value(&r, "reader_sections") >= 1);
	assert_int_equal(oc_value(&r, "readers"), 1);
	finish(e, t, 2);
}

/* kvfree-rcu-sync: every call waits for a grace period, so for the reader's section. */
static void test_gp_waits_for_readers_sync(void **state)
{
	(void)state;
	struct workers w;
	struct kr_thread *t;
	struct kr_engine *e = with_readers(&kr_sync_variant.ops, &w, &t);
	assert_true(timed_kvfree(t, true) >= READER_NS);
	assert_true(timed_kvfree(t, false) >= READER_NS);
	workers_stop(&w);
	assert_int_equal(atomic_load(&e->n.sync_calls), 2);
	assert_true(atomic_load(&e->n.sync_ns_max) >= READER_NS);
	finish(e, t, 2);
}

/*
 * Readers off, as before there were any: readers=0, or a section of 0 ns.
 * No reader worker starts, and a grace period waits for none (it counts
 * no reader section), without a bound on its length.
 */
static void test_gp_readers_off(void **state)
{
	(void)state;
	static const char *const none[] = {"readers", "0", "reader_ns", "1000000000", NULL};
	static const char *const zero[] = {"readers", "4", "reader_ns", "0", NULL};
	static const char *const on[] = {"readers", "4", NULL};
	const char *const *const kvs[] = {none, zero};
	for (size_t k = 0; k < 2; k++) {
		struct workers w;
		struct kr_engine *e = make(&kr_sync_variant.ops, 1, kvs[k]);
		struct kr_thread *t = kr_engine_thread_init(e, 0);
		assert_int_equal(e->readers.n, 0);
		workers_start(&w, &kr_sync_variant.ops, e);
		assert_int_equal(w.n, 1); /* the baseline's sample monitor alone */
		timed_kvfree(t, true);
		workers_stop(&w);
		assert_int_equal(atomic_load(&e->n.sync_calls), 1);
		assert_int_equal(atomic_load(&e->readers.sections), 0);
		finish(e, t, 1);
	}
	/* The readers come after every other worker. */
	struct kr_engine *e = make(&kr_pool_variant.ops, 2, on);
	assert_int_equal(kr_pool_variant.ops.workers(e), 2 + 1 + 4);
	kr_engine_destroy(e);
}

/* Until E's reader has begun a section (and, with sections of a second, is in it). */
static void wait_section_begun(struct kr_engine *e)
{
	struct timespec ms = {0, 1000000};
	for (;;) {
		pthread_mutex_lock(&e->readers.mu);
		uint64_t seq = e->readers.r[0].seq;
		pthread_mutex_unlock(&e->readers.mu);
		if (seq)
			return;
		nanosleep(&ms, NULL);
	}
}

/*
 * Forced quiescent states: with one reader in a section of a whole second,
 * a grace period that forces them (asked for, or every one with
 * expedited=1) cuts the section short and is over long before it; a
 * normal one would wait a second or two.
 */
static void test_gp_forced(void **state)
{
	(void)state;
	static const char *const asked[] = {"readers", "1", "reader_ns", "1000000000", "drain_ms", "60000", NULL};
	static const char *const exp[] = {"readers", "1", "reader_ns", "1000000000", "drain_ms", "60000",
					  "expedited", "1", NULL};
	const char *const *const kvs[] = {asked, exp};
	for (size_t k = 0; k < 2; k++) {
		struct workers w;
		struct kr_engine *e = make(&kr_sync_variant.ops, 1, kvs[k]);
		struct kr_thread *t = kr_engine_thread_init(e, 0);
		workers_start(&w, &kr_sync_variant.ops, e);
		wait_readers_running(e);
		wait_section_begun(e);
		assert_true(kr_synchronize(e, k == 0) < 500000000ull);
		assert_int_equal(atomic_load(&e->n.sync_forced), 1);
		assert_true(atomic_load(&e->readers.sections_cut) >= 1);
		workers_stop(&w);
		finish(e, t, 0);
	}
}

/*
 * callrcu's callbacks force quiescent states when a CPU's list has grown
 * by more than qhimark since it last did: 150 callbacks past a mark of
 * 100 do, the next 50 do not (the mark came back down with the list), and
 * with qhimark=0 nothing ever does.
 */
static void test_callrcu_qhimark(void **state)
{
	(void)state;
	static const char *const mark[] = {"qhimark", "100", "readers", "0", "gp_ns", "0", NULL};
	static const char *const never[] = {"qhimark", "0", "readers", "0", "gp_ns", "0", NULL};
	struct kr_engine *e = make(&kr_callrcu_variant.ops, 1, mark);
	struct kr_thread *t = kr_engine_thread_init(e, 0);
	flood(t, 150, 0);
	kr_drain_all(e); /* the monitor's work, on this thread */
	assert_int_equal(atomic_load(&e->n.sync_forced), 1);
	flood(t, 50, 0);
	kr_drain_all(e);
	assert_int_equal(atomic_load(&e->n.sync_calls), 2);
	assert_int_equal(atomic_load(&e->n.sync_forced), 1);
	finish(e, t, 200);
	e = make(&kr_callrcu_variant.ops, 1, never);
	t = kr_engine_thread_init(e, 0);
	flood(t, 20000, 0);
	kr_drain_all(e);
	assert_int_equal(atomic_load(&e->n.sync_forced), 0);
	finish(e, t, 20000);
}

/* ---- outcomes: through the engine's ops, as a replay calls them ---------------------- */

/* N objects allocated and kvfree_rcu()'d through OPS on T, every fourth headless. */
static void flood_ops(const struct mmr_engine_ops *ops, void *t, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct mmr_call a = {.size = OBJ_SIZE, .slot = UINT32_MAX, .node = -1};
		assert_int_equal(ops->op[MMR_OP_ALLOC](t, &a), 0);
		struct mmr_call f = {.handle = a.handle, .slot = UINT32_MAX, .node = -1,
				     .flags = i % 4 == 0 ? MMR_EF_HEADLESS : 0};
		assert_int_equal(ops->op[MMR_OP_KVFREE_RCU](t, &f), 0);
	}
}

/* kvfree-rcu-nowait's report after N calls on a zone of ZONE_PAGES frames, every object reclaimed. */
static void report_after_flood(const char *zone_pages, unsigned n, struct oc_report *r)
{
	const struct mmr_engine_ops *ops = &kr_nowait_variant.ops;
	const char *const kv[] = {"zone_pages", zone_pages, "drain_ms", "60000", "gp_ns", "0", NULL};
	struct kr_engine *e = make(ops, 1, kv);
	void *t = ops->thread_init(e, 0);
	assert_non_null(t);
	flood_ops(ops, t, n);
	kr_drain_all(e); /* the monitors' reclaim, here: no worker runs */
	oc_take_checked(r, ops, e);
	ops->thread_exit(t);
	ops->destroy(e);
}

/*
 * Every declared outcome is reported, as a u64 under its key, and the
 * fallbacks are taken only when block pages run out: with the default
 * zone no call falls back; in a 64-page zone, dry at its min watermark,
 * two-argument calls link their rcu_head (fallback_rcu_head) and
 * headless ones wait in synchronize_rcu() (fallback_sync), one for each
 * page not got (page_failures).  Either way every object is freed.
 */
static void test_outcomes(void **state)
{
	(void)state;
	static struct oc_report plenty, tiny;
	const unsigned n = 80 * (unsigned)KR_BLOCK_MAX;
	report_after_flood("65536", n, &plenty);
	report_after_flood("64", n, &tiny);
	assert_int_equal(oc_value(&plenty, "fallback_rcu_head"), 0);
	assert_int_equal(oc_value(&plenty, "fallback_sync"), 0);
	assert_int_equal(oc_value(&plenty, "page_failures"), 0);
	assert_true(oc_value(&tiny, "fallback_rcu_head") > 0);
	assert_true(oc_value(&tiny, "fallback_sync") > 0);
	assert_int_equal(oc_value(&tiny, "fallback_rcu_head") + oc_value(&tiny, "fallback_sync"),
			 oc_value(&tiny, "page_failures"));
	/* A block holds KR_BLOCK_MAX pointers: the plentiful zone gave a page for each block's worth. */
	assert_true(oc_value(&plenty, "block_pages_taken") >= 80);
	assert_true(oc_value(&tiny, "block_pages_taken") < oc_value(&plenty, "block_pages_taken"));
	assert_int_equal(oc_value(&plenty, "objects_freed"), n);
	assert_int_equal(oc_value(&tiny, "objects_freed"), n);
}

/*
 * Sizes the header would wrap or that no kernel allocates fail, in all
 * five engines; with poison=1 a wrapped size poisoned that many bytes of
 * a 32-byte chunk.  A size at the bound's edge still fits the sum.
 */
static void test_sizes_past_the_bound(void **state)
{
	(void)state;
	const struct mmr_engine_ops *const all[] = {&kr_nowait_variant.ops, &kr_lockless_variant.ops, &kr_pool_variant.ops,
						    &kr_callrcu_variant.ops, &kr_sync_variant.ops};
	const uint64_t bad[] = {UINT64_MAX - 8, UINT64_MAX - sizeof(struct kr_obj_hdr) + 1, MMR_MAX_BYTES,
				MMR_OBJ_MAX_BYTES + 1};
	static const char *const kv[] = {"poison", "1", "gp_ns", "0", NULL};
	for (size_t k = 0; k < 5; k++) {
		struct kr_engine *e = make(all[k], 1, kv);
		struct kr_thread *t = kr_engine_thread_init(e, 0);
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct mmr_call c = {.size = bad[i]};
			assert_int_equal(kr_engine_alloc(t, &c), MMR_CALL_FAILED);
		}
		struct mmr_call c = {.size = 0};
		assert_int_equal(kr_engine_alloc(t, &c), 0);
		struct mmr_call f = {.handle = c.handle};
		assert_int_equal(kr_engine_kvfree_rcu(t, &f), 0);
		kr_drain_all(e);
		kr_wait_reclaimed(e);
		assert_int_equal(atomic_load(&e->n.live_bytes), 0);
		kr_engine_thread_exit(t);
		kr_engine_destroy(e);
	}
}

/* Bad options: one error line naming the limit. */
static void test_bad_options(void **state)
{
	(void)state;
	const char *keys[] = {"pool_low"}, *values[] = {"500"};
	struct mmr_engine_env env = {.engine = &kr_pool_variant.ops, .threads = 1, .nopts = 1, .keys = keys,
				     .values = values};
	struct mmr_error err = {0};
	assert_null(kr_pool_variant.ops.create(&env, &err));
	assert_non_null(strstr(err.msg, "pool_low above pool_pages"));
	values[0] = "lots";
	memset(&err, 0, sizeof(err));
	assert_null(kr_pool_variant.ops.create(&env, &err));
	assert_non_null(strstr(err.msg, "not an unsigned number"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers_nowait),
		cmocka_unit_test(test_readers_lockless),
		cmocka_unit_test(test_readers_pool),
		cmocka_unit_test(test_readers_callrcu),
		cmocka_unit_test(test_readers_sync),
		cmocka_unit_test(test_reader_first_blocks),
		cmocka_unit_test(test_fallback_nowait_tiny_zone),
		cmocka_unit_test(test_fallback_lockless_refill),
		cmocka_unit_test(test_fallback_pool_empty),
		cmocka_unit_test(test_gp_waits_for_readers_block),
		cmocka_unit_test(test_gp_waits_for_readers_sync),
		cmocka_unit_test(test_gp_readers_off),
		cmocka_unit_test(test_gp_forced),
		cmocka_unit_test(test_callrcu_qhimark),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_sizes_past_the_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
