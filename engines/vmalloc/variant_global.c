/* SPDX-License-Identifier: MIT */
/*
 * variant_global.c - vmalloc-global: every allocation searches the one
 * free space under free_vmap_area_lock, and every purged area goes back
 * into it under the same lock.  The design before the seed patch (nodes
 * already hold the busy and lazy areas, as in the series' earlier
 * patches), and the baseline the pools are measured against.
 */
#include "vmalloc.h"

static struct vm_area *global_node_alloc(struct vm_thread *t, uint64_t size, uint64_t align, uint32_t *vn_id)
{
	(void)t, (void)size, (void)align;
	*vn_id = 0;
	return NULL;
}

static bool global_pool_add(struct vm_engine *e, struct vm_node *vn, struct vm_area *va)
{
	(void)e, (void)vn, (void)va;
	return false;
}

static void global_decay(struct vm_engine *e, struct vm_node *vn, bool full, struct vm_list *to_free)
{
	(void)e, (void)vn, (void)full, (void)to_free;
}

const struct vm_variant vm_global = {
	.ops = {
		VM_ENGINE_OPS,
		.name = "vmalloc-global",
		/* One free_vmap_area_lock until the vmap nodes of 6.9 ("Mitigate a vmap lock contention", seed 002). */
		.kernel = "-6.8",
		.baseline = true,
		.description = "vmalloc model: every allocation and purge under the one free_vmap_area_lock",
	},
	.node_alloc = global_node_alloc,
	.pool_add = global_pool_add,
	.decay = global_decay,
};

