/* SPDX-License-Identifier: MIT */
/*
 * variant_vmap_cached.c - dmabuf-vmap-cached, Daniel Vetter's "V2 ...
 * should have some caching in exporters": the caller holds the
 * reservation lock across vmap, use and vunmap as in the proposed
 * contract, but the exporter keeps the kernel mapping after vunmap and
 * reuses it at the next vmap; only a move tears it down.  vmap and vunmap
 * of a buffer must come from one replay thread.  A vmap of a buffer the
 * caller holds takes a reference, one of a buffer another thread holds is
 * refused, as in dmabuf-vmap-locked.
 */
#include "dmabuf.h"

static int cached_vmap(struct db_thread *t, struct db_buf *b)
{
	uint64_t t0 = mmr_now_ns();
	int rc;
	if (db_held_vmap(t, b, t0, &rc))
		return rc;
	mmr_mutex_lock(&b->resv);
	if (b->mapped) {
		t->n.cache_hits++;
	} else if (db_map(t, b)) {
		mmr_mutex_unlock(&b->resv);
		return MMR_CALL_FAILED;
	}
	db_held_add(t, b);
	db_use_begin(b, t0);
	return MMR_CALL_OK;
}

static int cached_vunmap(struct db_thread *t, struct db_buf *b)
{
	if (db_held_vunmap_refused(t, b))
		return MMR_CALL_REFUSED;
	db_copy(t, b);
	db_use_end(t, b);
	if (b->vmap_count)
		return MMR_CALL_OK; /* a nested use ended: the lock stays with the first */
	db_let_go(t, b);
	return MMR_CALL_OK;
}

const struct db_variant db_vmap_cached = {
	.ops = {
		DB_ENGINE_OPS,
		.name = "dmabuf-vmap-cached",
		.description = "dma-buf model: caller holds dma_resv for vmap; the exporter caches the mapping until a move",
	},
	.vmap = cached_vmap,
	.vunmap = cached_vunmap,
	.caller_holds_lock = true,
};
