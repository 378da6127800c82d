/* SPDX-License-Identifier: MIT */
/*
 * variant_vmap_locked.c - dmabuf-vmap-locked, the proposed contract
 * (Thomas Zimmermann's patch v2): the caller holds the reservation lock
 * from vmap through the use to vunmap, and nothing is pinned; every vmap
 * builds the mapping and every vunmap tears it down.  A move waits for
 * the lock instead of failing.  vmap and vunmap of a buffer must come
 * from one replay thread (the lock is its own across the two calls).
 *
 * A vmap of a buffer the caller holds already is dma_buf_vmap's own case:
 * the caller holds the lock dma_buf_vmap asserts, the mapping exists, so
 * it takes a reference on it and the mapping goes at the last vunmap.  A
 * vmap of a buffer another thread holds would wait for that thread's
 * vunmap, which the trace puts after it: refused.
 */
#include "dmabuf.h"

static int locked_vmap(struct db_thread *t, struct db_buf *b)
{
	uint64_t t0 = mmr_now_ns();
	int rc;
	if (db_held_vmap(t, b, t0, &rc))
		return rc;
	mmr_mutex_lock(&b->resv);
	if (db_map(t, b)) {
		mmr_mutex_unlock(&b->resv);
		return MMR_CALL_FAILED;
	}
	db_held_add(t, b);
	db_use_begin(b, t0);
	return MMR_CALL_OK;
}

static int locked_vunmap(struct db_thread *t, struct db_buf *b)
{
	if (db_held_vunmap_refused(t, b))
		return MMR_CALL_REFUSED;
	db_copy(t, b);
	if (b->vmap_count == 1)
		db_unmap(t, b);
	db_use_end(t, b);
	if (b->vmap_count)
		return MMR_CALL_OK; /* a nested use ended: the mapping and the lock stay with the first */
	db_let_go(t, b);
	return MMR_CALL_OK;
}

const struct db_variant db_vmap_locked = {
	.ops = {
		DB_ENGINE_OPS,
		.name = "dmabuf-vmap-locked",
		.description = "dma-buf model, proposed rule: the caller holds dma_resv across vmap, use and vunmap; no pin",
	},
	.vmap = locked_vmap,
	.vunmap = locked_vunmap,
	.caller_holds_lock = true,
};
