/* SPDX-License-Identifier: MIT */
/*
 * test_dmabuf.c - the dma-buf model's promises: a buffer never moves
 * while pinned, nor, under the rules that lock or pin, while its mapping
 * is in use; the mapping count returns to zero; and where each rule
 * differs (a move during a vmap fails under vmap-pin, waits under
 * vmap-locked, goes through under attach-pin with no attachment).  The
 * concurrent case runs a damage worker, a thread moving and attaching,
 * and the evictor at once.  Sequences no task would run neither block nor
 * corrupt: a second vmap takes a reference, a vmap of a buffer another
 * thread holds is refused, a vmap never unmapped ends with its thread, a
 * detach with no attachment is refused.  Every declared outcome is in the
 * report, and moves with the rule (outcome_check.h).
 */
#include <limits.h>
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

#include "dmabuf.h"
#include "outcome_check.h"

static const struct mmr_engine_ops *const all[] = {&db_vmap_pin.ops, &db_vmap_locked.ops, &db_vmap_cached.ops,
						   &db_attach_pin.ops};

static struct db_engine *make(const struct mmr_engine_ops *ops, const char *evict_us)
{
	const char *keys[] = {"evict_us", "copy_kib", "vmap_ns_per_page"}, *values[] = {evict_us, "64", "0"};
	struct mmr_engine_env env = {.engine = ops, .threads = 2, .online_cpus = 2, .slots = 64, .nopts = 3, .keys = keys,
				     .values = values};
	struct mmr_error err = {{0}};
	struct db_engine *e = ops->create(&env, &err);
	if (!e)
		fail_msg("%s", err.msg);
	return e;
}

static uint64_t new_buf(const struct mmr_engine_ops *ops, void *ctx, uint64_t size)
{
	struct mmr_call c = {.size = size};
	assert_int_equal(ops->op[MMR_OP_ALLOC](ctx, &c), 0);
	return c.handle;
}

static int call(const struct mmr_engine_ops *ops, void *ctx, unsigned op, uint64_t h)
{
	struct mmr_call c = {.handle = h};
	return ops->op[op](ctx, &c);
}

/* A move during a vmap, by rule: fails (pinned), waits for the vunmap, or goes through. */
static void test_move_during_vmap(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const struct mmr_engine_ops *ops = all[i];
		struct db_engine *e = make(ops, "0");
		void *ctx = ops->thread_init(e, 0);
		uint64_t fb = new_buf(ops, ctx, 1 << 20);
		assert_int_equal(call(ops, ctx, MMR_OP_VMAP, fb), 0);
		int moved = call(ops, ctx, MMR_OP_MOVE, fb);
		assert_int_equal(call(ops, ctx, MMR_OP_VUNMAP, fb), 0);
		if (ops == &db_vmap_pin.ops) {
			assert_int_equal(moved, -1);
			assert_int_equal(db_counts_sum(e).move_failures, 1);
		} else {
			assert_int_equal(moved, 0);
			assert_int_equal(db_counts_sum(e).moves, 1);
		}
		/* Only attach-pin lets the move happen under the mapping in use. */
		assert_int_equal(db_counts_sum(e).moved_while_mapped, ops == &db_attach_pin.ops);
		assert_int_equal(db_counts_sum(e).deferred_ops, ops == &db_vmap_locked.ops || ops == &db_vmap_cached.ops);
		/* With an attachment, attach-pin's buffer is pinned and the move fails. */
		if (ops == &db_attach_pin.ops) {
			assert_int_equal(call(ops, ctx, MMR_OP_ATTACH, fb), 0);
			assert_int_equal(call(ops, ctx, MMR_OP_MOVE, fb), -1);
			assert_int_equal(call(ops, ctx, MMR_OP_DETACH, fb), 0);
		}
		call(ops, ctx, MMR_OP_FREE, fb);
		assert_int_equal(db_counts_sum(e).bad_frees, 0);
		ops->destroy(e);
	}
}

/* The cached rule keeps the mapping over vunmap and builds it again only after a move. */
static void test_cache(void **state)
{
	(void)state;
	const struct mmr_engine_ops *ops = &db_vmap_cached.ops;
	struct db_engine *e = make(ops, "0");
	void *ctx = ops->thread_init(e, 0);
	uint64_t fb = new_buf(ops, ctx, 1 << 20);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(call(ops, ctx, MMR_OP_VMAP, fb), 0);
		assert_int_equal(call(ops, ctx, MMR_OP_VUNMAP, fb), 0);
	}
	assert_int_equal(db_counts_sum(e).maps_built, 1);
	assert_int_equal(db_counts_sum(e).cache_hits, 2);
	assert_int_equal(call(ops, ctx, MMR_OP_MOVE, fb), 0);
	assert_int_equal(db_counts_sum(e).maps_torn, 1);
	assert_int_equal(call(ops, ctx, MMR_OP_VMAP, fb), 0);
	assert_int_equal(call(ops, ctx, MMR_OP_VUNMAP, fb), 0);
	assert_int_equal(db_counts_sum(e).maps_built, 2);
	call(ops, ctx, MMR_OP_FREE, fb);
	ops->destroy(e);
}

/* Under the rules where the caller holds the lock, vunmap must come from the thread that vmapped. */
static void test_vunmap_other_thread(void **state)
{
	(void)state;
	const struct mmr_engine_ops *ops = &db_vmap_locked.ops;
	struct db_engine *e = make(ops, "0");
	void *t0 = ops->thread_init(e, 0), *t1 = ops->thread_init(e, 1);
	uint64_t fb = new_buf(ops, t0, 1 << 20);
	assert_int_equal(call(ops, t0, MMR_OP_VMAP, fb), 0);
	assert_int_equal(call(ops, t1, MMR_OP_VUNMAP, fb), MMR_CALL_REFUSED);
	assert_int_equal(db_counts_sum(e).vunmap_other_thread, 1);
	assert_int_equal(call(ops, t0, MMR_OP_VUNMAP, fb), 0);
	assert_int_equal(((struct db_buf *)(uintptr_t)fb)->vmap_count, 0);
	call(ops, t0, MMR_OP_FREE, fb);
	ops->destroy(e);
}

/* ---- sequences a trace can hold that no kernel task would run ---------------- */

/* Whether B's reservation lock is free now (taken and given back at once). */
static bool resv_free(uint64_t h)
{
	struct db_buf *b = (struct db_buf *)(uintptr_t)h;
	if (!mmr_mutex_trylock(&b->resv))
		return false;
	mmr_mutex_unlock(&b->resv);
	return true;
}

/*
 * A second vmap of a mapped buffer on the same thread takes a reference,
 * as dma_buf_vmap does, in every rule: the mapping goes at the last
 * vunmap, and a vunmap with no mapping in use is refused.  Under the
 * rules where the caller holds the lock, the second vmap waited for the
 * lock its own thread held: for ever.
 */
static void test_vmap_twice(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const struct mmr_engine_ops *ops = all[i];
		struct db_engine *e = make(ops, "0");
		void *ctx = ops->thread_init(e, 0);
		uint64_t fb = new_buf(ops, ctx, 1 << 20);
		struct db_buf *b = (struct db_buf *)(uintptr_t)fb;
		assert_int_equal(call(ops, ctx, MMR_OP_VMAP, fb), 0);
		assert_int_equal(call(ops, ctx, MMR_OP_VMAP, fb), 0);
		assert_int_equal(call(ops, ctx, MMR_OP_VUNMAP, fb), 0);
		assert_int_equal(b->vmap_count, 1);
		assert_true(b->mapped);
		assert_int_equal(call(ops, ctx, MMR_OP_VUNMAP, fb), 0);
		assert_int_equal(b->vmap_count, 0);
		assert_int_equal(b->pin, 0);
		assert_int_equal(b->mapped, ops == &db_vmap_cached.ops);
		assert_true(resv_free(fb));
		assert_int_equal(call(ops, ctx, MMR_OP_VUNMAP, fb), MMR_CALL_REFUSED);
		assert_int_equal(b->vmap_count, 0);
		const struct db_counts n = db_counts_sum(e);
		assert_int_equal(n.nested_vmaps, 1);
		assert_int_equal(n.refused_vunmap_unmapped, 1);
		assert_int_equal(n.maps_built, 1);
		assert_int_equal(n.frames, 2);
		call(ops, ctx, MMR_OP_FREE, fb);
		ops->destroy(e);
	}
}

/*
 * Where the caller holds the lock from vmap to vunmap: a vmap from
 * another thread would wait for a vunmap the trace puts after it, and is
 * refused, as is that thread's vunmap.  A vmap never unmapped keeps its
 * lock only until its thread ends: then the ops put off behind it run
 * (the holder's own free among them), and the lock is free again.
 */
static void test_vmap_held(void **state)
{
	(void)state;
	const struct mmr_engine_ops *const held[] = {&db_vmap_locked.ops, &db_vmap_cached.ops};
	for (size_t i = 0; i < 2; i++) {
		const struct mmr_engine_ops *ops = held[i];
		struct db_engine *e = make(ops, "0");
		void *t0 = ops->thread_init(e, 0), *t1 = ops->thread_init(e, 1);
		uint64_t a = new_buf(ops, t0, 1 << 20), b = new_buf(ops, t0, 1 << 20);
		assert_int_equal(call(ops, t0, MMR_OP_VMAP, a), 0);
		assert_int_equal(call(ops, t1, MMR_OP_VMAP, a), MMR_CALL_REFUSED);
		assert_int_equal(call(ops, t1, MMR_OP_VUNMAP, a), MMR_CALL_REFUSED);
		assert_int_equal(call(ops, t1, MMR_OP_MOVE, a), 0); /* put off until the lock goes */
		assert_int_equal(call(ops, t0, MMR_OP_VMAP, b), 0);
		assert_int_equal(call(ops, t0, MMR_OP_FREE, b), 0); /* its holder's own free, put off as well */
		assert_false(resv_free(a));
		assert_non_null(ops->thread_exit);
		ops->thread_exit(t0);
		assert_true(resv_free(a));
		const struct db_counts n = db_counts_sum(e);
		assert_int_equal(n.refused_vmap_held, 1);
		assert_int_equal(n.vunmap_other_thread, 1);
		assert_int_equal(n.implicit_vunmaps, 2);
		assert_int_equal(n.moves, 1);
		assert_int_equal(e->nlive, 1); /* b was freed by the deferred free */
		assert_int_equal(((struct db_buf *)(uintptr_t)a)->vmap_count, 0);
		assert_int_equal(call(ops, t1, MMR_OP_VMAP, a), 0);
		assert_int_equal(call(ops, t1, MMR_OP_VUNMAP, a), 0);
		call(ops, t1, MMR_OP_FREE, a);
		ops->destroy(e);
	}
}

/* A detach with no attachment changes nothing (attach-pin's pin count stays), and buffers past the bound fail. */
static void test_detach_and_sizes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const struct mmr_engine_ops *ops = all[i];
		struct db_engine *e = make(ops, "0");
		void *ctx = ops->thread_init(e, 0);
		uint64_t fb = new_buf(ops, ctx, 4096);
		assert_int_equal(call(ops, ctx, MMR_OP_DETACH, fb), MMR_CALL_REFUSED);
		assert_int_equal(call(ops, ctx, MMR_OP_ATTACH, fb), 0);
		assert_int_equal(call(ops, ctx, MMR_OP_DETACH, fb), 0);
		assert_int_equal(call(ops, ctx, MMR_OP_DETACH, fb), MMR_CALL_REFUSED);
		assert_int_equal(((struct db_buf *)(uintptr_t)fb)->pin, 0);
		assert_int_equal(db_counts_sum(e).refused_detach_unattached, 2);
		const uint64_t bad[] = {MMR_MAX_BYTES, (uint64_t)INT_MAX + 1};
		for (size_t k = 0; k < 2; k++) {
			struct mmr_call c = {.size = bad[k]};
			assert_int_equal(ops->op[MMR_OP_ALLOC](ctx, &c), MMR_CALL_FAILED);
		}
		call(ops, ctx, MMR_OP_FREE, fb);
		ops->destroy(e);
	}
}

/* ---- outcomes ----------------------------------------------------------------- */

/* The figures of one buffer's life under OPS (test_outcomes), against what its rule does. */
static void check_rule_outcomes(const struct mmr_engine_ops *ops, const struct oc_report *r, int mapped_move,
				int attached_move)
{
	const bool pin_vmap = ops == &db_vmap_pin.ops, pin_attach = ops == &db_attach_pin.ops;
	const bool cached = ops == &db_vmap_cached.ops, holds = ops == &db_vmap_locked.ops || cached;
	/* Pinned: the move fails, and the runner counts it from the call's result. */
	assert_int_equal(mapped_move, pin_vmap ? MMR_CALL_FAILED : MMR_CALL_OK);
	assert_int_equal(attached_move, pin_attach ? MMR_CALL_FAILED : MMR_CALL_OK);
	assert_int_equal(oc_value(r, "move_failures"), pin_vmap || pin_attach);
	/* The buffer was made outside VRAM and is not there yet when a pin refuses it: scanout is blocked. */
	assert_int_equal(oc_value(r, "scanout_blocked"), pin_vmap || pin_attach);
	/* Only attach-pin moves the buffer from under the mapping in use. */
	assert_int_equal(oc_value(r, "moved_while_mapped"), pin_attach);
	/* Where the caller holds the lock, the move waits for the vunmap that lets it go. */
	assert_int_equal(oc_value(r, "deferred_ops"), holds);
	/* The cached rule builds the mapping once; the second and third vmaps find it. */
	assert_int_equal(oc_value(r, "maps_built"), cached ? 1 : 3);
	assert_int_equal(oc_value(r, "cache_hits"), cached ? 2 : 0);
	/* No evictor ran. */
	assert_int_equal(oc_value(r, "evictions") + oc_value(r, "eviction_failures"), 0);
}

/*
 * Every declared outcome is reported, as a u64 under its key, and moves
 * with the rule: a buffer mapped twice, then moved during a third vmap,
 * then moved while attached.  The move fails where the buffer is pinned
 * (during the vmap under vmap-pin, while attached under attach-pin), is
 * put off to the vunmap where the caller holds the lock (deferred_ops),
 * and goes through under the mapping in use with attach-pin
 * (moved_while_mapped); vmap-cached builds the mapping once.
 */
static void test_outcomes(void **state)
{
	(void)state;
	static struct oc_report r;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		const struct mmr_engine_ops *ops = all[i];
		struct db_engine *e = make(ops, "0");
		void *ctx = ops->thread_init(e, 0);
		uint64_t fb = new_buf(ops, ctx, 1 << 20);
		for (int k = 0; k < 2; k++) {
			assert_int_equal(call(ops, ctx, MMR_OP_VMAP, fb), 0);
			assert_int_equal(call(ops, ctx, MMR_OP_VUNMAP, fb), 0);
		}
		assert_int_equal(call(ops, ctx, MMR_OP_VMAP, fb), 0);
		int mapped_move = call(ops, ctx, MMR_OP_MOVE, fb);
		assert_int_equal(call(ops, ctx, MMR_OP_VUNMAP, fb), 0);
		assert_int_equal(call(ops, ctx, MMR_OP_ATTACH, fb), 0);
		int attached_move = call(ops, ctx, MMR_OP_MOVE, fb);
		assert_int_equal(call(ops, ctx, MMR_OP_DETACH, fb), 0);
		assert_int_equal(call(ops, ctx, MMR_OP_FREE, fb), 0);
		ops->thread_exit(ctx);
		oc_take_checked(&r, ops, e);
		check_rule_outcomes(ops, &r, mapped_move, attached_move);
		ops->destroy(e);
	}
}

/* ---- concurrent: damage worker, a mover, the evictor ------------------------- */

struct run {
	const struct mmr_engine_ops *ops;
	struct db_engine *e;
	uint64_t fb;
	atomic_bool done;
	atomic_uint fb_moved; /* moves of the framebuffer that went through */
	atomic_bool mover_started;
};

static void *damage_worker(void *arg)
{
	struct run *r = arg;
	void *ctx = r->ops->thread_init(r->e, 0);
	while (!atomic_load(&r->mover_started))
		sched_yield();
	for (int i = 0; i < 400; i++) {
		r->ops->op[MMR_OP_VMAP](ctx, &(struct mmr_call){.handle = r->fb});
		r->ops->op[MMR_OP_VUNMAP](ctx, &(struct mmr_call){.handle = r->fb});
	}
	atomic_store(&r->done, true);
	return NULL;
}

/* Moves the framebuffer behind the worker's back, and churns buffers of its own with attachments. */
static void *mover(void *arg)
{
	struct run *r = arg;
	void *ctx = r->ops->thread_init(r->e, 1);
	uint64_t mine[4] = {0};
	atomic_store(&r->mover_started, true);
	/* On past the worker's end, so that some moves find the framebuffer idle whatever the timing. */
	unsigned after = 0;
	for (unsigned i = 0; !atomic_load(&r->done) || ++after <= 50; i++) {
		if (db_move(ctx, (struct db_buf *)(uintptr_t)r->fb) == 0)
			atomic_fetch_add(&r->fb_moved, 1);
		uint64_t *h = &mine[i % 4];
		if (!*h) {
			struct mmr_call c = {.size = 65536};
			if (r->ops->op[MMR_OP_ALLOC](ctx, &c) == 0)
				*h = c.handle;
		} else if (i % 3 == 0) {
			r->ops->op[MMR_OP_ATTACH](ctx, &(struct mmr_call){.handle = *h});
			r->ops->op[MMR_OP_MOVE](ctx, &(struct mmr_call){.handle = *h});
			r->ops->op[MMR_OP_DETACH](ctx, &(struct mmr_call){.handle = *h});
		} else {
			r->ops->op[MMR_OP_FREE](ctx, &(struct mmr_call){.handle = *h});
			*h = 0;
		}
	}
	for (int k = 0; k < 4; k++)
		if (mine[k])
			r->ops->op[MMR_OP_FREE](ctx, &(struct mmr_call){.handle = mine[k]});
	return NULL;
}

struct ev_arg {
	const struct mmr_engine_ops *ops;
	void *e;
	atomic_bool *stop;
};

static void *evictor(void *arg)
{
	struct ev_arg *a = arg;
	a->ops->worker(a->e, 0, a->stop);
	return NULL;
}

static void run_concurrent(const struct mmr_engine_ops *ops)
{
	static struct run r;
	r = (struct run){.ops = ops, .e = make(ops, "50")};
	atomic_init(&r.done, false);
	atomic_init(&r.fb_moved, 0);
	atomic_init(&r.mover_started, false);
	void *ctx = ops->thread_init(r.e, 0);
	r.fb = new_buf(ops, ctx, 1 << 20);
	atomic_bool stop = false;
	struct ev_arg ev = {ops, r.e, &stop};
	pthread_t w, d, m;
	assert_int_equal(ops->workers(r.e), 1);
	pthread_create(&w, NULL, evictor, &ev);
	pthread_create(&d, NULL, damage_worker, &r);
	pthread_create(&m, NULL, mover, &r);
	pthread_join(d, NULL);
	pthread_join(m, NULL);
	atomic_store(&stop, true);
	pthread_join(w, NULL);
	const struct db_counts n = db_counts_sum(r.e);
	assert_int_equal(n.moved_while_pinned, 0);
	if (ops != &db_attach_pin.ops)
		assert_int_equal(n.moved_while_mapped, 0);
	assert_int_equal(n.frames, 400);
	assert_int_equal(n.bad_frees, 0);
	assert_true(atomic_load(&r.fb_moved) > 0);
	struct db_buf *fb = (struct db_buf *)(uintptr_t)r.fb;
	assert_int_equal(fb->vmap_count, 0);
	assert_int_equal(fb->pin, 0);
	call(ops, ctx, MMR_OP_FREE, r.fb);
	ops->destroy(r.e);
}

static void test_concurrent_pin(void **state) { (void)state; run_concurrent(&db_vmap_pin.ops); }
static void test_concurrent_locked(void **state) { (void)state; run_concurrent(&db_vmap_locked.ops); }
static void test_concurrent_cached(void **state) { (void)state; run_concurrent(&db_vmap_cached.ops); }
static void test_concurrent_attach(void **state) { (void)state; run_concurrent(&db_attach_pin.ops); }

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_move_during_vmap),  cmocka_unit_test(test_cache),
		cmocka_unit_test(test_vunmap_other_thread),
		cmocka_unit_test(test_vmap_twice),        cmocka_unit_test(test_vmap_held),
		cmocka_unit_test(test_detach_and_sizes),
		cmocka_unit_test(test_outcomes),
		cmocka_unit_test(test_concurrent_pin),    cmocka_unit_test(test_concurrent_locked),
		cmocka_unit_test(test_concurrent_cached), cmocka_unit_test(test_concurrent_attach),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
