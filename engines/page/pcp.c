/* SPDX-License-Identifier: MIT */
/*
 * pcp.c - the allocation and free entry points, and the per-CPU page
 * lists in front of the buddy lists.
 *
 * A pcp list holds blocks of one order and migratetype for one CPU.  The
 * owner takes from and adds to its head (the most recently freed block,
 * likely still in cache) without any lock; when a list is empty it is
 * refilled with a batch from the buddy lists, and when the CPU holds more
 * than high pages a batch of the coldest blocks (the lists' tails) goes
 * back; both under one zone->lock acquisition.  That batching is the whole
 * point: one lock round trip per batch instead of one per page.
 */
#include "page_internal.h"

static struct pg_pcp *pcp_of(struct mmr_zone *z, unsigned cpu)
{
	return &z->pcp[cpu < z->cfg.cpus ? cpu : cpu % z->cfg.cpus];
}

static bool pcp_serves(const struct mmr_zone *z, unsigned order)
{
	return z->cfg.pcp && order < z->cfg.pcp_orders;
}

/* Take the block at the tail of L back to the buddy lists.  Lock held. */
static uint64_t drain_one(struct mmr_zone *z, struct pg_pcp *p, struct pg_list *l, unsigned order)
{
	uint32_t pfn = l->tail;
	pg_list_del(z, l, pfn);
	pg_add(&p->count, -(1ull << order));
	pg_buddy_put(z, pfn, order);
	return 1ull << order;
}

/*
 * Give back at least WANT pages of P (all, when it has fewer), one block
 * from each non-empty list in turn so that no order or migratetype keeps
 * its cold blocks while another loses its warm ones.  Lock held.
 */
static void drain_locked(struct mmr_zone *z, struct pg_pcp *p, uint64_t want)
{
	uint64_t done = 0;
	while (done < want && pg_read(&p->count) > 0)
		for (unsigned o = 0; o < z->cfg.pcp_orders; o++)
			for (unsigned m = 0; m < MMR_MT_COUNT; m++)
				if (p->list[o][m].tail != PG_NIL && done < want)
					done += drain_one(z, p, &p->list[o][m], o);
}

/*
 * Fill P's list of ORDER and MT with a batch from the buddy lists,
 * keeping P within high (draining first when even one block would not
 * fit).  Returns false when the buddy lists gave nothing.
 */
static bool refill(struct mmr_zone *z, struct pg_pcp *p, unsigned order, unsigned mt, bool high)
{
	const struct mmr_zone_cfg *c = &z->cfg;
	uint64_t blocks = c->pcp_batch >> order ? c->pcp_batch >> order : 1;
	pg_lock(z);
	pg_add(&z->refills, 1);
	uint64_t over = pg_read(&p->count) + (1ull << order);
	if (over > c->pcp_high)
		drain_locked(z, p, over - c->pcp_high > c->pcp_batch ? over - c->pcp_high : c->pcp_batch);
	uint64_t room = (c->pcp_high - pg_read(&p->count)) >> order;
	if (blocks > room)
		blocks = room;
	uint64_t got = 0;
	for (; got < blocks; got++) {
		uint64_t pfn = pg_buddy_take(z, order, mt, high, PG_PCP);
		if (pfn == MMR_NO_PAGE)
			break;
		pg_list_push(z, &p->list[order][mt], (uint32_t)pfn);
		pg_add(&p->count, 1ull << order);
	}
	pg_unlock(z);
	return got > 0;
}

/* The block at the head of P's list of ORDER and MT, handed out. */
static uint64_t pcp_take(struct mmr_zone *z, struct pg_pcp *p, unsigned order, unsigned mt)
{
	struct pg_list *l = &p->list[order][mt];
	uint32_t pfn = l->head;
	pg_list_del(z, l, pfn);
	pg_add(&p->count, -(1ull << order));
	pg_set_info(z, pfn, PG_USED, order);
	return pfn;
}

/*
 * The first migratetype, in the kernel's order, whose pcp list of ORDER
 * holds a block, as the seed patch's __rmqueue_lockless() walks them; MT
 * when none does.
 */
static unsigned first_listed(const struct pg_pcp *p, unsigned order, unsigned mt)
{
	for (unsigned m = 0; m < MMR_MT_COUNT; m++)
		if (p->list[order][m].head != PG_NIL)
			return m;
	return mt;
}

uint64_t mmr_pages_alloc(struct mmr_zone *z, unsigned cpu, unsigned order, unsigned migratetype,
			 unsigned flags)
{
	struct pg_pcp *p = pcp_of(z, cpu);
	unsigned mt = migratetype < MMR_MT_COUNT ? migratetype : MMR_MT_UNMOVABLE;
	bool high = flags & MMR_PAGES_HIGH;
	uint64_t pfn = MMR_NO_PAGE;
	pg_add(&p->allocs, 1);
	if (order >= z->cfg.max_order) {
		/* no block that large */
	} else if (pcp_serves(z, order)) {
		if (p->list[order][mt].head == PG_NIL && (flags & MMR_PAGES_ANY_MT))
			mt = first_listed(p, order, mt);
		if (p->list[order][mt].head != PG_NIL)
			pg_add(&p->pcp_hits, 1);
		else if (flags & MMR_PAGES_NOLOCK || !refill(z, p, order, mt, high))
			goto failed;
		pfn = pcp_take(z, p, order, mt);
	} else if (!(flags & MMR_PAGES_NOLOCK)) {
		pg_add(&p->direct, 1);
		pg_lock(z);
		pfn = pg_buddy_take(z, order, mt, high, PG_USED);
		pg_unlock(z);
	}
	if (pfn != MMR_NO_PAGE)
		return pfn;
failed:
	pg_add(&p->failed, 1);
	return MMR_NO_PAGE;
}

void mmr_pages_free(struct mmr_zone *z, unsigned cpu, uint64_t pfn, unsigned order)
{
	struct pg_pcp *p = pcp_of(z, cpu);
	pg_add(&p->frees, 1);
	uint16_t info = pfn < z->cfg.pages ? pg_info(z, pfn) : 0;
	if (PG_STATE(info) != PG_USED) {
		pg_add(&p->bad_frees, 1);
		return;
	}
	if (PG_ORDER(info) != order) {
		pg_add(&p->order_mismatch, 1);
		order = PG_ORDER(info);
	}
	if (!pcp_serves(z, order)) {
		pg_add(&p->direct, 1);
		pg_lock(z);
		pg_buddy_put(z, pfn, order);
		pg_unlock(z);
		return;
	}
	pg_set_info(z, pfn, PG_PCP, order);
	pg_list_push(z, &p->list[order][z->frame[pfn].mt], (uint32_t)pfn);
	pg_add(&p->count, 1ull << order);
	uint64_t count = pg_read(&p->count);
	if (count > z->cfg.pcp_high) {
		pg_lock(z);
		pg_add(&z->drains, 1);
		drain_locked(z, p, count - z->cfg.pcp_high > z->cfg.pcp_batch ? count - z->cfg.pcp_high : z->cfg.pcp_batch);
		pg_unlock(z);
	}
}

void mmr_pages_drain(struct mmr_zone *z, unsigned cpu)
{
	struct pg_pcp *p = pcp_of(z, cpu);
	if (!pg_read(&p->count))
		return;
	pg_add(&p->direct, 1);
	pg_lock(z);
	drain_locked(z, p, UINT64_MAX);
	pg_unlock(z);
}
