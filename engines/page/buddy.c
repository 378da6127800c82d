/* SPDX-License-Identifier: MIT */
/*
 * buddy.c - the buddy lists of a zone: take a block (splitting a larger
 * one, falling back to another migratetype when its own lists are empty),
 * put one back (merging with its buddy while the buddy is free), and take
 * or give back an unaligned range.  Everything here runs under zone->lock.
 */
#include "page_internal.h"

void pg_lock(struct mmr_zone *z)
{
	mmr_spin_lock(&z->lock);
	pg_add(&z->lock_acquisitions, 1);
}

void pg_unlock(struct mmr_zone *z)
{
	mmr_spin_unlock(&z->lock);
}

void pg_list_push(struct mmr_zone *z, struct pg_list *l, uint32_t pfn)
{
	struct pg_frame *f = &z->frame[pfn];
	f->prev = PG_NIL;
	f->next = l->head;
	if (l->head != PG_NIL)
		z->frame[l->head].prev = pfn;
	else
		l->tail = pfn;
	l->head = pfn;
}

void pg_list_del(struct mmr_zone *z, struct pg_list *l, uint32_t pfn)
{
	struct pg_frame *f = &z->frame[pfn];
	if (f->prev != PG_NIL)
		z->frame[f->prev].next = f->next;
	else
		l->head = f->next;
	if (f->next != PG_NIL)
		z->frame[f->next].prev = f->prev;
	else
		l->tail = f->prev;
}

static unsigned pb_mt_of(const struct mmr_zone *z, uint64_t pfn)
{
	return z->pb_mt[pfn >> z->pb_order];
}

/* Put the free block of ORDER at PFN on the list its pageblock says. */
static void free_add(struct mmr_zone *z, uint64_t pfn, unsigned order)
{
	unsigned mt = pb_mt_of(z, pfn);
	z->frame[pfn].mt = (uint8_t)mt;
	pg_set_info(z, pfn, PG_BUDDY, order);
	pg_list_push(z, &z->free[order][mt], (uint32_t)pfn);
	pg_add(&z->nr_free[order], 1);
	pg_add(&z->free_pages, 1ull << order);
}

/* Take the free block of ORDER at PFN off its list; its head becomes a tail until the caller says more. */
static void free_del(struct mmr_zone *z, uint64_t pfn, unsigned order)
{
	pg_list_del(z, &z->free[order][z->frame[pfn].mt], (uint32_t)pfn);
	pg_set_info(z, pfn, PG_TAIL, 0);
	pg_add(&z->nr_free[order], (uint64_t)-1);
	pg_add(&z->free_pages, -(1ull << order));
}

/* The largest order a block at PFN may have inside [PFN, END). */
static unsigned fit_order(const struct mmr_zone *z, uint64_t pfn, uint64_t end)
{
	unsigned o = 0;
	while (o + 1 < z->cfg.max_order && (pfn & ((2ull << o) - 1)) == 0 && pfn + (2ull << o) <= end)
		o++;
	return o;
}

void pg_buddy_put_run(struct mmr_zone *z, uint64_t from, uint64_t to)
{
	while (from < to) {
		unsigned o = fit_order(z, from, to);
		free_add(z, from, o);
		from += 1ull << o;
	}
}

void pg_buddy_put(struct mmr_zone *z, uint64_t pfn, unsigned order)
{
	while (order + 1 < z->cfg.max_order) {
		uint64_t buddy = pfn ^ (1ull << order);
		if (buddy + (1ull << order) > z->cfg.pages || pg_info(z, buddy) != PG_INFO(PG_BUDDY, order))
			break;
		free_del(z, buddy, order);
		pg_set_info(z, pfn, PG_TAIL, 0);
		pfn &= ~(1ull << order);
		order++;
		pg_add(&z->merges, 1);
	}
	free_add(z, pfn, order);
}

/*
 * MT now owns the pageblock(s) of the free block at PFN of ORDER: a
 * fallback that takes a large block, or one for unmovable or reclaimable
 * memory, claims the whole pageblock so that the next such allocations
 * find their own lists stocked instead of scattering over movable blocks.
 * The pageblock's other free blocks move with it.
 */
static void claim(struct mmr_zone *z, uint64_t pfn, unsigned order, unsigned mt)
{
	uint64_t pb = 1ull << z->pb_order;
	uint64_t start = pfn & ~(pb - 1);
	uint64_t end = order >= z->pb_order ? pfn + (1ull << order) : start + pb;
	if (end > z->cfg.pages)
		end = z->cfg.pages;
	for (uint64_t b = start; b < end; b += pb)
		z->pb_mt[b >> z->pb_order] = (uint8_t)mt;
	for (uint64_t f = start; f < end;) {
		uint16_t info = pg_info(z, f);
		unsigned o = PG_ORDER(info);
		if (PG_STATE(info) == PG_BUDDY && z->frame[f].mt != mt) {
			free_del(z, f, o);
			free_add(z, f, o);
		}
		f += 1ull << o;
	}
}

/* Migratetypes to fall back to, in the order tried. */
static const uint8_t fallback[MMR_MT_COUNT][MMR_MT_COUNT - 1] = {
	[MMR_MT_UNMOVABLE] = {MMR_MT_RECLAIMABLE, MMR_MT_MOVABLE},
	[MMR_MT_MOVABLE] = {MMR_MT_RECLAIMABLE, MMR_MT_UNMOVABLE},
	[MMR_MT_RECLAIMABLE] = {MMR_MT_UNMOVABLE, MMR_MT_MOVABLE},
};

/*
 * The head of a free block of at least ORDER for MT, or PG_NIL.  Its own
 * lists from the smallest order up; else another migratetype's, from the
 * largest block down, as stealing a large block fragments least.
 */
static uint32_t find_block(struct mmr_zone *z, unsigned order, unsigned mt, unsigned *found)
{
	for (unsigned o = order; o < z->cfg.max_order; o++)
		if (z->free[o][mt].head != PG_NIL) {
			*found = o;
			return z->free[o][mt].head;
		}
	for (unsigned o = z->cfg.max_order; o-- > order;)
		for (unsigned i = 0; i < MMR_MT_COUNT - 1; i++) {
			uint32_t head = z->free[o][fallback[mt][i]].head;
			if (head == PG_NIL)
				continue;
			pg_add(&z->fallbacks, 1);
			if (o >= z->pb_order / 2 || mt != MMR_MT_MOVABLE)
				claim(z, head, o, mt);
			*found = o;
			return head;
		}
	return PG_NIL;
}

/* Whether an allocation of ORDER may go below the watermarks; counts a dip below low. */
static bool watermark_ok(struct mmr_zone *z, unsigned order, bool high)
{
	uint64_t free = pg_read(&z->free_pages), want = 1ull << order;
	uint64_t min = high ? z->cfg.wmark_min / 2 : z->cfg.wmark_min;
	if (free < want || free - want < min)
		return false;
	if (free - want < z->cfg.wmark_low)
		pg_add(&z->below_low, 1);
	return true;
}

uint64_t pg_buddy_take(struct mmr_zone *z, unsigned order, unsigned mt, bool high, enum pg_state state)
{
	unsigned o;
	uint32_t head;
	if (!watermark_ok(z, order, high) || (head = find_block(z, order, mt, &o)) == PG_NIL) {
		pg_add(&z->buddy_failed, 1);
		return MMR_NO_PAGE;
	}
	free_del(z, head, o);
	/* Split: the upper halves go back, each on the list its pageblock says. */
	while (o > order) {
		o--;
		free_add(z, head + (1ull << o), o);
		pg_add(&z->splits, 1);
	}
	pg_set_info(z, head, state, order);
	z->frame[head].mt = (uint8_t)mt;
	return head;
}

/* The head of the free block that holds frame PFN, or PG_NIL when the frame is not free. */
static uint32_t free_block_of(const struct mmr_zone *z, uint64_t pfn, unsigned *order)
{
	for (unsigned o = 0; o < z->cfg.max_order; o++) {
		uint64_t head = pfn & ~((1ull << o) - 1);
		if (pg_info(z, head) == PG_INFO(PG_BUDDY, o)) {
			*order = o;
			return (uint32_t)head;
		}
	}
	return PG_NIL;
}

/*
 * The range functions hold zone->lock one pageblock at a time, as the
 * kernel's alloc_contig_range isolates and takes a range pageblock by
 * pageblock and free_contig_range frees it in pieces: a 1 GiB range held
 * under one lock hold would stall every other allocation of the zone for
 * the whole range, which no kernel does.  Unlike the kernel, which first
 * marks every pageblock of the range isolated, the model takes the
 * pageblocks one after the other, so another allocation may take a frame
 * of a later one meanwhile: the range then fails and gives back what it
 * took, as a failed isolation would.
 */

/* The end of the pageblock chunk of [F, END) that starts at F. */
static uint64_t chunk_end(const struct mmr_zone *z, uint64_t f, uint64_t end)
{
	uint64_t next = (f | ((1ull << z->pb_order) - 1)) + 1;
	return next < end ? next : end;
}

/* Whether every frame of [PFN, END) is free; zone->lock held. */
static bool all_free(struct mmr_zone *z, uint64_t pfn, uint64_t end)
{
	unsigned o;
	for (uint64_t f = pfn; f < end;) {
		uint32_t head = free_block_of(z, f, &o);
		if (head == PG_NIL)
			return false;
		f = head + (1ull << o);
	}
	return true;
}

/* Take the free frames [PFN, END) out of the buddy lists, keeping what their blocks hold outside; lock held. */
static void take_free(struct mmr_zone *z, uint64_t pfn, uint64_t end)
{
	unsigned o = 0;
	for (uint64_t f = pfn; f < end;) {
		uint32_t head = free_block_of(z, f, &o);
		uint64_t bend = head + (1ull << o);
		free_del(z, head, o);
		pg_buddy_put_run(z, head, pfn > head ? pfn : head);
		for (uint64_t t = f; t < bend && t < end; t++)
			pg_set_info(z, t, PG_TAKEN, 0);
		if (bend > end)
			pg_buddy_put_run(z, end, bend);
		pg_add(&z->splits, 1);
		f = bend;
	}
}

/* Give back [PFN, END) (taken runs and allocated blocks); lock held. */
static void free_locked(struct mmr_zone *z, uint64_t pfn, uint64_t end)
{
	for (uint64_t f = pfn; f < end;) {
		uint16_t info = pg_info(z, f);
		if (PG_STATE(info) == PG_USED) {
			pg_buddy_put(z, f, PG_ORDER(info));
			f += 1ull << PG_ORDER(info);
			continue;
		}
		if (PG_STATE(info) != PG_TAKEN) {
			pg_add(&z->range_bad_frees, 1);
			f++;
			continue;
		}
		/* A run of taken frames goes back as the largest aligned blocks it holds. */
		uint64_t run = f;
		while (run < end && pg_info(z, run) == PG_INFO(PG_TAKEN, 0))
			run++;
		while (f < run) {
			unsigned o = fit_order(z, f, run);
			for (uint64_t t = f + 1; t < f + (1ull << o); t++)
				pg_set_info(z, t, PG_TAIL, 0);
			pg_buddy_put(z, f, o);
			f += 1ull << o;
		}
	}
}

/* Give back [PFN, END), one pageblock per lock hold. */
static void free_chunks(struct mmr_zone *z, uint64_t pfn, uint64_t end)
{
	for (uint64_t f = pfn; f < end;) {
		uint64_t ce = chunk_end(z, f, end);
		pg_lock(z);
		free_locked(z, f, ce);
		pg_unlock(z);
		f = ce;
	}
}

int mmr_pages_take_range(struct mmr_zone *z, uint64_t pfn, uint64_t count)
{
	uint64_t end = pfn + count;
	if (count == 0 || pfn >= z->cfg.pages || count > z->cfg.pages - pfn)
		return -1;
	atomic_fetch_add_explicit(&z->range_ops, 1, memory_order_relaxed); /* outside zone->lock now */
	for (uint64_t f = pfn; f < end;) {
		uint64_t ce = chunk_end(z, f, end);
		pg_lock(z);
		bool ok = all_free(z, f, ce);
		if (ok)
			take_free(z, f, ce);
		pg_unlock(z);
		if (!ok) {
			/* All or nothing: what this call took goes back, as a failed isolation undoes itself. */
			free_chunks(z, pfn, f);
			return -1;
		}
		f = ce;
	}
	return 0;
}

void mmr_pages_free_range(struct mmr_zone *z, uint64_t pfn, uint64_t count)
{
	uint64_t end = pfn + count;
	if (pfn >= z->cfg.pages || count > z->cfg.pages - pfn)
		end = pfn >= z->cfg.pages ? pfn : z->cfg.pages;
	atomic_fetch_add_explicit(&z->range_ops, 1, memory_order_relaxed); /* outside zone->lock now */
	free_chunks(z, pfn, end);
}
