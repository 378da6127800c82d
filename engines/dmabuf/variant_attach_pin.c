/* SPDX-License-Identifier: MIT */
/*
 * variant_attach_pin.c - dmabuf-attach-pin, drm_prime's default: an
 * attachment pins the buffer, so vmap itself only takes the reservation
 * lock to build the mapping and pins nothing.  A buffer vmapped while no
 * importer is attached is not pinned at all: a move during the copy goes
 * through, and the report counts it (moved_while_mapped), the hazard the
 * thread points at.
 */
#include "dmabuf.h"

static int attach_vmap(struct db_thread *t, struct db_buf *b)
{
	uint64_t t0 = mmr_now_ns();
	mmr_mutex_lock(&b->resv);
	int rc = db_map(t, b);
	if (!rc) {
		t->n.nested_vmaps += b->vmap_count != 0; /* dma_buf_vmap's reference on the mapping there is */
		db_use_begin(b, t0);
	}
	mmr_mutex_unlock(&b->resv);
	return rc ? MMR_CALL_FAILED : MMR_CALL_OK;
}

/* The last reference tears the mapping down; a vunmap with none in use is refused (the kernel BUG()s). */
static int attach_vunmap(struct db_thread *t, struct db_buf *b)
{
	if (!b->vmap_count) {
		t->n.refused_vunmap_unmapped++;
		return MMR_CALL_REFUSED;
	}
	db_copy(t, b);
	mmr_mutex_lock(&b->resv);
	if (b->vmap_count == 1)
		db_unmap(t, b);
	db_use_end(t, b);
	mmr_mutex_unlock(&b->resv);
	return MMR_CALL_OK;
}

const struct db_variant db_attach_pin = {
	.ops = {
		DB_ENGINE_OPS,
		.name = "dmabuf-attach-pin",
		.description = "dma-buf model, drm_prime's default: attachments pin; vmap only locks to map",
	},
	.vmap = attach_vmap,
	.vunmap = attach_vunmap,
	.pin_at_attach = true,
};
