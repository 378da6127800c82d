/* SPDX-License-Identifier: MIT */
/*
 * variant_nodes.c - vmalloc-nodes, the seed patch (002): each vmap node
 * keeps pools of free areas by size, 1 to 256 pages, under vn->pool_lock.
 * An allocation first takes the head of its size's pool on its CPU's node
 * (if that area has the alignment asked for; else the area goes to the
 * pool's tail and the allocation falls back to the free space).  Either
 * way the area is marked as asked from that node, so its free goes to
 * that node's lazy list and the purge puts it into that node's pool: the
 * pools fill with what each CPU uses.  Each purge first decays every pool
 * by a quarter of its areas.
 *
 * Two details kept from the patch as posted: an area that came from the
 * free space also gets the node of the CPU that asked, wherever its
 * address lies (Baoquan He's question in the thread; the report counts
 * the areas a pool takes from another node's addresses as
 * pool_other_node); and a pool of fewer than four areas is emptied by a
 * decay, as the patch's loop runs on when its quarter is zero.
 */
#include "vmalloc.h"

static struct vm_pool *pool_of(struct vm_node *vn, uint64_t size)
{
	uint64_t pages = size / VM_PAGE;
	return pages >= 1 && pages <= VM_POOL_PAGES ? &vn->pool[pages - 1] : NULL;
}

static struct vm_area *nodes_node_alloc(struct vm_thread *t, uint64_t size, uint64_t align, uint32_t *vn_id)
{
	struct vm_engine *e = t->e;
	unsigned cpu = t->cpu;
	*vn_id = 0;
	if (e->nr_nodes == 1)
		return NULL; /* one node: the patch goes to the free space and marks no node */
	unsigned id = cpu % e->nr_nodes;
	struct vm_node *vn = &e->nodes[id];
	struct vm_pool *pool = pool_of(vn, size);
	struct vm_area *va = NULL;
	*vn_id = id + 1;
	if (!pool)
		return NULL;
	mmr_spin_lock(&vn->pool_lock);
	struct vm_area *head = pool->list.head;
	if (head && (head->start & (align - 1)) == 0) {
		vm_list_del(&pool->list, head);
		va = head;
	} else if (head) {
		vm_list_del(&pool->list, head);
		vm_list_add(&pool->list, head);
	}
	mmr_spin_unlock(&vn->pool_lock);
	if (va)
		t->n.pool_hits++;
	else
		t->n.pool_misses++;
	return va;
}

static bool nodes_pool_add(struct vm_engine *e, struct vm_node *vn, struct vm_area *va)
{
	struct vm_pool *pool = pool_of(vn, va->end - va->start);
	if (!pool)
		return false;
	mmr_spin_lock(&vn->pool_lock);
	bool room = !e->pool_max || pool->list.len < e->pool_max;
	if (room)
		vm_list_add(&pool->list, va);
	mmr_spin_unlock(&vn->pool_lock);
	if (!room)
		return false;
	atomic_fetch_add_explicit(&e->n.to_pool, 1, memory_order_relaxed);
	if (vm_addr_node(e, va->start) != vn)
		atomic_fetch_add_explicit(&e->n.cross_node_pool, 1, memory_order_relaxed);
	return true;
}

static void nodes_decay(struct vm_engine *e, struct vm_node *vn, bool full, struct vm_list *to_free)
{
	(void)e;
	for (unsigned p = 0; p < VM_POOL_PAGES; p++) {
		struct vm_list taken = {0};
		/* Detach the pool while it decays: allocations meanwhile find it empty. */
		mmr_spin_lock(&vn->pool_lock);
		vm_list_splice(&taken, &vn->pool[p].list);
		mmr_spin_unlock(&vn->pool_lock);
		if (!taken.len)
			continue;
		uint64_t n = full || taken.len < 4 ? taken.len : taken.len / 4;
		while (n-- && taken.head) {
			struct vm_area *va = taken.head;
			vm_list_del(&taken, va);
			vm_list_add(to_free, va);
		}
		if (!taken.len)
			continue;
		/* Only this purge adds to pools, so the pool is still empty: what is left goes back whole. */
		mmr_spin_lock(&vn->pool_lock);
		vm_list_splice(&vn->pool[p].list, &taken);
		mmr_spin_unlock(&vn->pool_lock);
	}
}

const struct vm_variant vm_nodes = {
	.ops = {
		VM_ENGINE_OPS,
		.name = "vmalloc-nodes",
		/* The vmap nodes and their size pools were merged for 6.9 ("Mitigate a vmap lock contention", seed 002). */
		.kernel = "6.9-",
		.description = "vmalloc model with per-node size pools (the 2024 seed patch): most allocations off free_vmap_area_lock",
	},
	.node_alloc = nodes_node_alloc,
	.pool_add = nodes_pool_add,
	.decay = nodes_decay,
};

