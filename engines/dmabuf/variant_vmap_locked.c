/* SPDX-License-Identifier: MIT */
/*
 * variant_vmap_locked.c - dmabuf-vmap-locked, the proposed contract
 * (Thomas Zimmermann's patch v2): the caller holds the reservation lock
 * from vmap through the use to vunmap, and nothing is pinned; every vmap
 * builds the mapping and every vunmap tears it down.  A move waits for
 * the lock instead of failing.  vmap and vunmap of a buffer must come
 * from one replay thread (the lock is its own across the two calls).
 */
#include "dmabuf.h"

static int locked_vmap(struct db_thread *t, struct db_buf *b)
{
	uint64_t t0 = mmr_now_ns();
	mmr_mutex_lock(&b->resv);
	if (db_map(t, b)) {
		mmr_mutex_unlock(&b->resv);
		return -1;
	}
	atomic_store_explicit(&b->holder, t->tid + 1, memory_order_relaxed);
	db_use_begin(b, t0);
	return 0;
}

static int locked_vunmap(struct db_thread *t, struct db_buf *b)
{
	if (atomic_load_explicit(&b->holder, memory_order_relaxed) != t->tid + 1) {
		t->n.vunmap_other_thread++;
		return -1;
	}
	db_copy(t, b);
	db_unmap(t, b);
	db_use_end(t, b);
	atomic_store_explicit(&b->holder, 0, memory_order_relaxed);
	mmr_mutex_unlock(&b->resv);
	db_run_deferred(t, b);
	return 0;
}

const struct db_variant db_vmap_locked = {.vmap = locked_vmap, .vunmap = locked_vunmap, .caller_holds_lock = true};

static void *locked_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	return db_create(&db_vmap_locked, env, err);
}

const struct mmr_engine_ops db_vmap_locked_ops = {
	DB_ENGINE_OPS,
	.name = "dmabuf-vmap-locked",
	.description = "dma-buf model, proposed rule: the caller holds dma_resv across vmap, use and vunmap; no pin",
	.create = locked_create,
};
