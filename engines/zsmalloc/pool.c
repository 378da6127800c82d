/* SPDX-License-Identifier: MIT */
/*
 * pool.c - the zsmalloc model's zspages and objects: free lists inside the
 * objects, fullness groups, isolation for compaction, object and page
 * moves, and the debug build's lock order check.  Locking is the callers'
 * (api.c and the variants); this file says under which lock each runs.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zsmalloc.h"

/* ---- lock order check ------------------------------------------------------ */

atomic_uint zs_ld_violations;
bool zs_ld_fatal = true;

#ifndef NDEBUG
#define ZS_RANKS 8
/* Locks of each rank this thread holds: a thread's own record, so no lock guards it. */
static _Thread_local unsigned zs_held[ZS_RANKS];
#endif

void zs_ld_acquire(unsigned rank, bool nested)
{
#ifndef NDEBUG
	bool ok = true;
	for (unsigned r = rank; r < ZS_RANKS; r++)
		if (zs_held[r] && (r > rank || !nested))
			ok = false;
	if (!ok) {
		atomic_fetch_add(&zs_ld_violations, 1);
		fprintf(stderr, "zsmalloc: lock of rank %u taken while holding one of rank >= %u\n", rank, rank);
		assert(!zs_ld_fatal);
	}
	zs_held[rank]++;
#else
	(void)rank, (void)nested;
#endif
}

void zs_ld_acquired(unsigned rank)
{
#ifndef NDEBUG
	zs_held[rank]++;
#else
	(void)rank;
#endif
}

void zs_ld_release(unsigned rank)
{
#ifndef NDEBUG
	assert(zs_held[rank] > 0);
	zs_held[rank]--;
#else
	(void)rank;
#endif
}

/* ---- ranked locks ------------------------------------------------------------ */

void zs_class_lock(struct zs_pool *p, struct zs_class *c)
{
	zs_ld_acquire(p->v->rank_class, false);
	mmr_spin_lock(&c->lock);
}

void zs_class_unlock(struct zs_pool *p, struct zs_class *c)
{
	mmr_spin_unlock(&c->lock);
	zs_ld_release(p->v->rank_class);
}

void zs_zspage_read_lock(struct zs_pool *p, struct zs_zspage *z)
{
	zs_ld_acquire(p->v->rank_zspage, false);
	mmr_read_lock(&z->lock);
}

void zs_zspage_read_unlock(struct zs_pool *p, struct zs_zspage *z)
{
	mmr_read_unlock(&z->lock);
	zs_ld_release(p->v->rank_zspage);
}

static bool has_parked(void *z)
{
	return atomic_load_explicit(&((struct zs_zspage *)z)->parked, memory_order_acquire) != 0;
}

bool zs_zspage_write_lock_unparked(struct zs_pool *p, struct zs_zspage *z, bool nested)
{
	zs_ld_acquire(p->v->rank_zspage, nested);
	if (mmr_write_lock_unless(&z->lock, has_parked, z))
		return true;
	zs_ld_release(p->v->rank_zspage);
	atomic_fetch_add_explicit(&p->parked_backoffs, 1, memory_order_relaxed);
	return false;
}

void zs_zspage_write_unlock(struct zs_pool *p, struct zs_zspage *z)
{
	mmr_write_unlock(&z->lock);
	zs_ld_release(p->v->rank_zspage);
}

/* ---- objects ------------------------------------------------------------------ */

uint8_t *zs_zspage_byte(const struct zs_pool *p, const struct zs_zspage *z, unsigned off)
{
	return (uint8_t *)mmr_page_address(p->zone, z->pfn[off / ZS_PAGE]) + off % ZS_PAGE;
}

/* The first word of object IDX: a tagged handle address, or a free link. */
static uint64_t *obj_head(const struct zs_pool *p, const struct zs_zspage *z, unsigned idx)
{
	return (uint64_t *)(void *)zs_zspage_byte(p, z, idx * z->class->size);
}

struct zs_handle *zs_obj_handle(const struct zs_pool *p, const struct zs_zspage *z, unsigned idx)
{
	if (z->class->huge)
		return idx == 0 ? z->huge : NULL;
	uint64_t w = *obj_head(p, z, idx);
	return (w & 1) ? (struct zs_handle *)(uintptr_t)(w & ~1ull) : NULL;
}

unsigned long zs_obj_malloc(struct zs_pool *p, struct zs_zspage *z, struct zs_handle *h)
{
	struct zs_class *c = z->class;
	unsigned idx = (unsigned)z->freeobj;
	if (c->huge) {
		z->huge = h;
		z->freeobj = -1;
	} else {
		uint64_t *head = obj_head(p, z, idx);
		/* A free object's word is (next index + 1) << 1: tag bit clear, 0 ends the list. */
		z->freeobj = (int)(*head >> 1) - 1;
		*head = (uint64_t)(uintptr_t)h | 1;
	}
	z->inuse++;
	c->objs_used++;
	return zs_obj(z->pfn[idx * c->size / ZS_PAGE], idx);
}

void zs_obj_free(struct zs_pool *p, struct zs_zspage *z, unsigned idx)
{
	struct zs_class *c = z->class;
	if (c->huge)
		z->huge = NULL;
	else
		*obj_head(p, z, idx) = (uint64_t)(z->freeobj + 1) << 1;
	z->freeobj = (int)idx;
	z->inuse--;
	c->objs_used--;
}

/* ---- fullness ------------------------------------------------------------------ */

int zs_get_fullness(const struct zs_class *c, const struct zs_zspage *z)
{
	if (z->inuse == 0)
		return ZS_EMPTY;
	if (z->inuse == c->objs_per_zspage)
		return ZS_FULL;
	/* The kernel's threshold: up to three quarters used is almost empty. */
	return z->inuse <= 3 * c->objs_per_zspage / 4 ? ZS_ALMOST_EMPTY : ZS_ALMOST_FULL;
}

static void list_del(struct zs_class *c, struct zs_zspage *z)
{
	if (z->prev)
		z->prev->next = z->next;
	else
		c->list[z->fullness] = z->next;
	if (z->next)
		z->next->prev = z->prev;
	z->prev = z->next = NULL;
	z->fullness = -1;
}

static void list_add(struct zs_class *c, struct zs_zspage *z, int fg)
{
	z->prev = NULL;
	z->next = c->list[fg];
	if (z->next)
		z->next->prev = z;
	c->list[fg] = z;
	z->fullness = fg;
}

int zs_fix_fullness(struct zs_class *c, struct zs_zspage *z)
{
	int fg = zs_get_fullness(c, z);
	if (z->isolated || z->fullness < 0 || fg == z->fullness)
		return fg;
	list_del(c, z);
	list_add(c, z, fg);
	return fg;
}

struct zs_zspage *zs_isolate_zspage(struct zs_class *c, bool source)
{
	/* Sources from the sparse end, targets from the full end, as __zs_compact picks them. */
	static const int src_order[] = {ZS_ALMOST_EMPTY, ZS_ALMOST_FULL};
	static const int dst_order[] = {ZS_ALMOST_FULL, ZS_ALMOST_EMPTY};
	const int *order = source ? src_order : dst_order;
	for (int i = 0; i < 2; i++) {
		struct zs_zspage *z = c->list[order[i]];
		if (z) {
			list_del(c, z);
			return z;
		}
	}
	return NULL;
}

int zs_putback_zspage(struct zs_class *c, struct zs_zspage *z)
{
	int fg = zs_get_fullness(c, z);
	list_add(c, z, fg);
	return fg;
}

bool zs_can_compact(const struct zs_class *c)
{
	uint64_t allocated = c->zspages * c->objs_per_zspage;
	if (allocated <= c->objs_used)
		return false;
	return (allocated - c->objs_used) / c->objs_per_zspage * c->pages_per_zspage > 0;
}

void zs_free_zspage(struct zs_pool *p, struct zs_class *c, struct zs_zspage *z, unsigned cpu)
{
	if (z->fullness >= 0)
		list_del(c, z);
	c->zspages--;
	for (unsigned i = 0; i < c->pages_per_zspage; i++) {
		p->owner[z->pfn[i]] = NULL;
		mmr_pages_free(p->zone, cpu, z->pfn[i], 0);
	}
	zs_cpu_counts(p, cpu)->zspages_freed++;
	free(z);
}

/* ---- moves -------------------------------------------------------------------- */

/* Copy LEN bytes of zspage objects, a page piece at a time (the pages are not contiguous). */
static void copy_obj(struct zs_pool *p, struct zs_zspage *dz, unsigned doff, struct zs_zspage *sz, unsigned soff,
		     unsigned len)
{
	while (len) {
		unsigned n = len;
		if (ZS_PAGE - doff % ZS_PAGE < n)
			n = ZS_PAGE - doff % ZS_PAGE;
		if (ZS_PAGE - soff % ZS_PAGE < n)
			n = ZS_PAGE - soff % ZS_PAGE;
		memcpy(zs_zspage_byte(p, dz, doff), zs_zspage_byte(p, sz, soff), n);
		doff += n, soff += n, len -= n;
	}
}

bool zs_migrate_zspage(struct zs_pool *p, struct zs_zspage *src, struct zs_zspage *dst, unsigned *idx, bool pin,
		       unsigned cpu)
{
	struct zs_counts *n = zs_cpu_counts(p, cpu);
	struct zs_class *c = src->class;
	for (; *idx < c->objs_per_zspage; ++*idx) {
		struct zs_handle *h = zs_obj_handle(p, src, *idx);
		if (!h)
			continue;
		if (dst->inuse == c->objs_per_zspage)
			return false;
		if (pin && !mmr_bit_trylock(&h->obj, ZS_PIN_BIT, p->pin_class)) {
			n->pin_busy++;
			continue; /* in use: it stays, and so does its zspage */
		}
		if (pin)
			zs_ld_acquired(p->v->rank_pin);
		unsigned long obj = zs_obj_malloc(p, dst, h);
		unsigned didx = zs_obj_idx(obj);
		/* The header and the bytes move together: the header already names H. */
		copy_obj(p, dst, didx * c->size, src, *idx * c->size, c->size);
		atomic_store_explicit(&h->obj, obj | (pin ? 1ul << ZS_PIN_BIT : 0), memory_order_release);
		if (pin) {
			mmr_bit_unlock(&h->obj, ZS_PIN_BIT, p->pin_class);
			zs_ld_release(p->v->rank_pin);
		}
		zs_obj_free(p, src, *idx);
		n->objs_moved++;
	}
	return true;
}

unsigned zs_page_handles(const struct zs_pool *p, const struct zs_zspage *z, unsigned page_i,
			 struct zs_handle **out)
{
	const struct zs_class *c = z->class;
	unsigned n = 0;
	/* Objects that start in this page: the page's handles name its frame. */
	for (unsigned idx = (page_i * ZS_PAGE + c->size - 1) / c->size;
	     idx < c->objs_per_zspage && idx * c->size < (page_i + 1) * ZS_PAGE; idx++) {
		struct zs_handle *h = zs_obj_handle(p, z, idx);
		if (h)
			out[n++] = h;
	}
	return n;
}

void zs_move_page(struct zs_pool *p, struct zs_zspage *z, unsigned page_i, uint64_t new_pfn)
{
	struct zs_handle *hs[ZS_PAGE / ZS_MIN_SIZE + 1];
	uint64_t old = z->pfn[page_i];
	memcpy(mmr_page_address(p->zone, new_pfn), mmr_page_address(p->zone, old), ZS_PAGE);
	unsigned n = zs_page_handles(p, z, page_i, hs);
	for (unsigned i = 0; i < n; i++) {
		unsigned long w = atomic_load_explicit(&hs[i]->obj, memory_order_relaxed);
		unsigned long pinbit = w & (1ul << ZS_PIN_BIT);
		atomic_store_explicit(&hs[i]->obj, zs_obj(new_pfn, zs_obj_idx(w)) | pinbit, memory_order_release);
	}
	p->owner[new_pfn] = z;
	z->pfn[page_i] = new_pfn;
	p->owner[old] = NULL;
}

struct zs_zspage *zs_isolate_for_migration(struct zs_class *c, unsigned pick)
{
	static const int order[] = {ZS_FULL, ZS_ALMOST_FULL, ZS_ALMOST_EMPTY};
	for (int i = 0; i < 3; i++) {
		struct zs_zspage *z = c->list[order[(pick + (unsigned)i) % 3]];
		/* A few steps in, so that the same zspage is not taken every time. */
		for (unsigned k = pick % 8; z && z->next && k; k--)
			z = z->next;
		if (z) {
			list_del(c, z);
			z->isolated = true;
			return z;
		}
	}
	return NULL;
}
