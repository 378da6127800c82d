/* SPDX-License-Identifier: MIT */
/*
 * pages.c - the memory behind a vmalloc area, so that a vmalloc costs
 * what the kernel's costs around its vmap locks and the locks' share of
 * an op is the kernel's.  What mm/vmalloc.c does (read for understanding
 * only; v6.x, __vmalloc_node_range, __vmalloc_area_node,
 * vm_area_alloc_pages, vfree, remove_vm_area):
 *
 * - vmalloc reserves the area first (alloc_vmap_area: the free space
 *   under free_vmap_area_lock, the busy tree under its lock); then, with
 *   no vmap lock held, takes one order-0 page per page of the area but
 *   the guard page, through the bulk page allocator (the CPU's pcp lists,
 *   refilled in batches under zone->lock), and sets up the page tables
 *   for them (vmap_pages_range).  A size above the machine's pages fails
 *   before anything is reserved; pages that run out fail the call, which
 *   vfree()s the half-made area.
 * - vfree takes the area off the busy tree, clears its page-table entries
 *   without a TLB flush (the flush waits for the lazy purge), puts the
 *   area on the lazy list, and only then frees its pages one by one, on
 *   the freeing CPU's pcp lists.
 *
 * Here the zone is the page model's (engines/page), one per engine, its
 * pcp lists one set per replay thread; the page-table work is busy time
 * at the profile's pte_map_ns and pte_unmap_ns per page (the MMR_COST
 * entries in engine.c).  The frame array stands for the kernel's
 * area->pages (kmalloc'ed, or vmalloc'ed itself past a page: that nested
 * vmalloc is not modelled).
 */
#include <stdlib.h>

#include "vmalloc.h"

int vm_pages_populate(struct vm_thread *t, struct vm_area *va)
{
	struct vm_engine *e = t->e;
	uint64_t n = vm_area_frames(va->start, va->end);
	va->pfn = NULL;
	va->nr_pages = 0;
	va->mapped = false;
	if (!e->zone || !n)
		return 0;
	uint64_t *pfn = malloc(n * sizeof(*pfn));
	if (!pfn)
		return -1;
	va->pfn = pfn;
	/* GFP_KERNEL: unmovable pages, no reserve (vm_area_alloc_pages takes order 0 in bulk). */
	for (uint64_t i = 0; i < n; i++) {
		uint64_t p = mmr_pages_alloc(e->zone, t->cpu, 0, MMR_MT_UNMOVABLE, 0);
		if (p == MMR_NO_PAGE)
			return -1;
		pfn[va->nr_pages++] = p;
		t->n.pages++;
	}
	/* vmap_pages_range: every page's entry set, the area's lock long released. */
	mmr_busy_ns(n * e->map_ns);
	va->mapped = true;
	return 0;
}

void vm_pages_release(struct vm_thread *t, uint64_t *pfn, uint64_t n)
{
	struct vm_engine *e = t->e;
	for (uint64_t i = 0; i < n; i++)
		mmr_pages_free(e->zone, t->cpu, pfn[i], 0);
	t->n.pages_freed += n;
	free(pfn);
}
