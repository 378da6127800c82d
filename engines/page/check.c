/* SPDX-License-Identifier: MIT */
/*
 * check.c - the buddy invariants, for tests and for an engine that wants
 * to say its zone is sound after a run.  Walks every frame and list once.
 */
#include <stdarg.h>
#include <stdio.h>

#include "page_internal.h"

static int broken(struct mmr_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int broken(struct mmr_error *err, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err->msg, sizeof(err->msg), "page zone: ");
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* Free blocks and pcp blocks found walking the frames, to hold the lists against. */
struct walk {
	uint64_t buddy_blocks, buddy_pages, pcp_blocks;
};

/* The block at F is well formed: aligned, inside the zone, its tails tails; free ones not mergeable. */
static int check_block(const struct mmr_zone *z, uint64_t f, struct walk *w, struct mmr_error *err)
{
	uint16_t info = pg_info(z, f);
	unsigned o = PG_ORDER(info);
	uint64_t n = 1ull << o;
	if (PG_STATE(info) == PG_TAIL)
		return broken(err, "frame %llu is a tail of no block", (unsigned long long)f);
	if (o >= z->cfg.max_order || f % n || f + n > z->cfg.pages)
		return broken(err, "block at %llu of order %u misaligned or past the zone", (unsigned long long)f, o);
	for (uint64_t t = f + 1; t < f + n; t++)
		if (pg_info(z, t) != PG_INFO(PG_TAIL, 0))
			return broken(err, "frame %llu inside the block at %llu is in another block too",
				      (unsigned long long)t, (unsigned long long)f);
	if (PG_STATE(info) == PG_PCP)
		w->pcp_blocks++;
	if (PG_STATE(info) != PG_BUDDY)
		return 0;
	uint64_t buddy = f ^ n;
	if (o + 1 < z->cfg.max_order && buddy + n <= z->cfg.pages && pg_info(z, buddy) == info)
		return broken(err, "free blocks at %llu and %llu of order %u are buddies and did not merge",
			      (unsigned long long)f, (unsigned long long)buddy, o);
	if (z->frame[f].mt != z->pb_mt[f >> z->pb_order])
		return broken(err, "free block at %llu is on another migratetype's list than its pageblock's",
			      (unsigned long long)f);
	w->buddy_blocks++;
	w->buddy_pages += n;
	return 0;
}

/* List L holds blocks of ORDER in STATE, with links that agree both ways; *N counts them. */
static int check_list(const struct mmr_zone *z, const struct pg_list *l, unsigned order, enum pg_state state,
		      unsigned mt, uint64_t *n, struct mmr_error *err)
{
	uint32_t prev = PG_NIL;
	for (uint32_t f = l->head; f != PG_NIL; prev = f, f = z->frame[f].next) {
		if (f >= z->cfg.pages || pg_info(z, f) != PG_INFO(state, order) || z->frame[f].mt != mt)
			return broken(err, "list of order %u, migratetype %u holds frame %u, which does not belong there",
				      order, mt, f);
		if (z->frame[f].prev != prev)
			return broken(err, "list of order %u: frame %u's back link is wrong", order, f);
		if (++*n > z->cfg.pages)
			return broken(err, "list of order %u loops", order);
	}
	if (l->tail != prev)
		return broken(err, "list of order %u: tail is not its last frame", order);
	return 0;
}

static int check_pcp(const struct mmr_zone *z, const struct walk *w, struct mmr_error *err)
{
	uint64_t blocks = 0;
	for (unsigned c = 0; c < z->cfg.cpus; c++) {
		uint64_t pages = 0;
		for (unsigned o = 0; o < PG_MAX_ORDERS; o++)
			for (unsigned m = 0; m < MMR_MT_COUNT; m++) {
				uint64_t n = 0;
				if (check_list(z, &z->pcp[c].list[o][m], o, PG_PCP, m, &n, err))
					return -1;
				blocks += n;
				pages += n << o;
			}
		if (pages != pg_read(&z->pcp[c].count))
			return broken(err, "CPU %u's pcp lists hold %llu pages, its count says %llu", c,
				      (unsigned long long)pages, (unsigned long long)pg_read(&z->pcp[c].count));
		if (pages > z->cfg.pcp_high)
			return broken(err, "CPU %u's pcp lists hold %llu pages, above high (%u)", c,
				      (unsigned long long)pages, z->cfg.pcp_high);
	}
	if (blocks != w->pcp_blocks)
		return broken(err, "%llu blocks marked as on pcp lists, %llu on them", (unsigned long long)w->pcp_blocks,
			      (unsigned long long)blocks);
	return 0;
}

int mmr_zone_check(const struct mmr_zone *z, struct mmr_error *err)
{
	struct walk w = {0};
	for (uint64_t f = 0; f < z->cfg.pages; f += 1ull << PG_ORDER(pg_info(z, f)))
		if (check_block(z, f, &w, err))
			return -1;
	uint64_t blocks = 0, pages = 0;
	for (unsigned o = 0; o < PG_MAX_ORDERS; o++) {
		uint64_t in_order = 0;
		for (unsigned m = 0; m < MMR_MT_COUNT; m++) {
			uint64_t n = 0;
			if (check_list(z, &z->free[o][m], o, PG_BUDDY, m, &n, err))
				return -1;
			in_order += n;
		}
		if (in_order != pg_read(&z->nr_free[o]))
			return broken(err, "order %u: %llu free blocks on the lists, its count says %llu", o,
				      (unsigned long long)in_order, (unsigned long long)pg_read(&z->nr_free[o]));
		blocks += in_order;
		pages += in_order << o;
	}
	if (blocks != w.buddy_blocks || pages != w.buddy_pages)
		return broken(err, "%llu free blocks in the zone, %llu on the lists", (unsigned long long)w.buddy_blocks,
			      (unsigned long long)blocks);
	if (pages != pg_read(&z->free_pages))
		return broken(err, "%llu free pages on the lists, the count says %llu", (unsigned long long)pages,
			      (unsigned long long)pg_read(&z->free_pages));
	return check_pcp(z, &w, err);
}
