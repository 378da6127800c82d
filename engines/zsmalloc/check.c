/* SPDX-License-Identifier: MIT */
/*
 * check.c - the zsmalloc model's invariants, checked with no thread inside
 * (after a replay, in the test): lists, use counts, free lists, handles
 * pointing at the objects that point back at them, pages in use.
 */
#include "zsmalloc.h"

/* Check Z of C on list FG; adds its allocated objects to *OBJS.  0, or -1 with ERR. */
static int check_zspage(struct zs_pool *p, struct zs_class *c, struct zs_zspage *z, int fg, uint64_t *objs,
			struct mmr_error *err)
{
	if (z->class != c || z->fullness != fg || zs_get_fullness(c, z) != fg || z->isolated) {
		snprintf(err->msg, sizeof(err->msg), "class %u: zspage on list %d says list %d, use %u of %u%s", c->size,
			 fg, z->fullness, z->inuse, c->objs_per_zspage, z->isolated ? ", isolated" : "");
		return -1;
	}
	unsigned used = 0;
	for (unsigned idx = 0; idx < c->objs_per_zspage; idx++) {
		struct zs_handle *h = zs_obj_handle(p, z, idx);
		if (!h)
			continue;
		used++;
		unsigned long obj = atomic_load(&h->obj);
		uint64_t pfn = zs_obj_pfn(obj);
		if (zs_obj_idx(obj) != idx || pfn != z->pfn[idx * c->size / ZS_PAGE] || p->owner[pfn] != z ||
		    (obj & (1ul << ZS_PIN_BIT))) {
			snprintf(err->msg, sizeof(err->msg), "class %u: object %u's handle names frame %llu object %u%s",
				 c->size, idx, (unsigned long long)pfn, zs_obj_idx(obj),
				 (obj & 1) ? " and is still pinned" : "");
			return -1;
		}
	}
	unsigned free_len = 0;
	for (int f = z->freeobj; f >= 0 && free_len <= c->objs_per_zspage; free_len++) {
		if (c->huge)
			f = -1;
		else
			f = (int)(*(uint64_t *)(void *)zs_zspage_byte(p, z, (unsigned)f * c->size) >> 1) - 1;
	}
	if (used != z->inuse || free_len != c->objs_per_zspage - used) {
		snprintf(err->msg, sizeof(err->msg), "class %u: zspage uses %u, holds %u objects, %u on its free list",
			 c->size, z->inuse, used, free_len);
		return -1;
	}
	*objs += used;
	return 0;
}

/* The class's lists against its counters; adds objects and pages. */
static int check_class(struct zs_pool *p, struct zs_class *c, uint64_t *objs, uint64_t *pages, struct mmr_error *err)
{
	uint64_t zspages = 0, cobjs = 0;
	for (int fg = 0; fg < ZS_NR_FULLNESS; fg++)
		for (struct zs_zspage *z = c->list[fg]; z; z = z->next, zspages++)
			if (check_zspage(p, c, z, fg, &cobjs, err))
				return -1;
	if (zspages != c->zspages || cobjs != c->objs_used) {
		snprintf(err->msg, sizeof(err->msg), "class %u: %llu zspages and %llu objects listed, counted %llu and %llu",
			 c->size, (unsigned long long)zspages, (unsigned long long)cobjs,
			 (unsigned long long)c->zspages, (unsigned long long)c->objs_used);
		return -1;
	}
	*objs += cobjs;
	*pages += zspages * c->pages_per_zspage;
	return 0;
}

int zs_pool_check(struct zs_pool *p, struct zs_handle *const *live, size_t nlive, struct mmr_error *err)
{
	uint64_t objs = 0, pages = 0;
	for (unsigned i = 0; i < p->nr_classes; i++)
		if (check_class(p, &p->classes[i], &objs, &pages, err))
			return -1;
	struct mmr_zone_stats st;
	mmr_zone_stats(p->zone, &st);
	if (mmr_zone_pages_out(&st) != pages) {
		snprintf(err->msg, sizeof(err->msg), "zspages hold %llu pages, the zone has %llu handed out",
			 (unsigned long long)pages, (unsigned long long)mmr_zone_pages_out(&st));
		return -1;
	}
	if (!live)
		return 0;
	for (size_t i = 0; i < nlive; i++) {
		unsigned long obj = atomic_load(&live[i]->obj);
		struct zs_zspage *z = p->owner[zs_obj_pfn(obj)];
		if (!z || zs_obj_handle(p, z, zs_obj_idx(obj)) != live[i]) {
			snprintf(err->msg, sizeof(err->msg), "live handle %zu: its object does not name it", i);
			return -1;
		}
	}
	/* Each live handle has its own slot (a slot names one handle); no other object is allocated. */
	if (objs != nlive) {
		snprintf(err->msg, sizeof(err->msg), "%llu objects allocated, %zu handles live",
			 (unsigned long long)objs, nlive);
		return -1;
	}
	return 0;
}
