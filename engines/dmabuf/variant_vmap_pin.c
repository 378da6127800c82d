/* SPDX-License-Identifier: MIT */
/*
 * variant_vmap_pin.c - dmabuf-vmap-pin, the old de-facto rule (Daniel
 * Vetter in the thread): vmap takes the reservation lock itself and pins
 * the buffer while it is mapped; vunmap unpins.  The copy runs unlocked
 * but pinned, so a move meanwhile fails instead of waiting.
 */
#include "dmabuf.h"

static int pin_vmap(struct db_thread *t, struct db_buf *b)
{
	uint64_t t0 = mmr_now_ns();
	mmr_mutex_lock(&b->resv);
	int rc = db_map(t, b);
	if (!rc) {
		t->n.nested_vmaps += b->vmap_count != 0; /* dma_buf_vmap's reference on the mapping there is */
		b->pin++;
		db_use_begin(b, t0);
	}
	mmr_mutex_unlock(&b->resv);
	return rc ? MMR_CALL_FAILED : MMR_CALL_OK;
}

/* The last reference tears the mapping down; a vunmap with none in use is refused (the kernel BUG()s). */
static int pin_vunmap(struct db_thread *t, struct db_buf *b)
{
	if (!b->vmap_count) {
		t->n.refused_vunmap_unmapped++;
		return MMR_CALL_REFUSED;
	}
	db_copy(t, b);
	mmr_mutex_lock(&b->resv);
	if (b->vmap_count == 1)
		db_unmap(t, b);
	b->pin--;
	db_use_end(t, b);
	mmr_mutex_unlock(&b->resv);
	return MMR_CALL_OK;
}

const struct db_variant db_vmap_pin = {
	.ops = {
		DB_ENGINE_OPS,
		.name = "dmabuf-vmap-pin",
		.baseline = true,
		.description = "dma-buf model, old rule: vmap locks dma_resv itself and pins while mapped",
	},
	.vmap = pin_vmap,
	.vunmap = pin_vunmap,
};
