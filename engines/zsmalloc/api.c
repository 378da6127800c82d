/* SPDX-License-Identifier: MIT */
/*
 * api.c - zs_malloc, zs_free, zs_map_object, zs_unmap_object and
 * zs_compact, common to the variants: the variant's hooks take the locks
 * that differ (struct zs_variant), class->lock around allocation is the
 * same in both.  Also the byte pattern the replay writes and checks.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zsmalloc.h"

/* The class for an object of SIZE bytes, its handle header included. */
static struct zs_class *class_for(struct zs_pool *p, uint32_t size)
{
	uint32_t with_head = size + ZS_HANDLE_SIZE;
	unsigned idx = with_head <= ZS_MIN_SIZE ? 0 : (with_head - ZS_MIN_SIZE + ZS_STEP - 1) / ZS_STEP;
	/* Past the last class: the huge class, which keeps no header in the object. */
	return p->size_class[idx < ZS_NR_CLASSES ? idx : ZS_NR_CLASSES - 1];
}

/* A new zspage of class C, its pages from thread CPU, all objects free; NULL when pages run out. */
static struct zs_zspage *alloc_zspage(struct zs_pool *p, struct zs_class *c, unsigned cpu)
{
	struct zs_zspage *z = calloc(1, sizeof(*z));
	if (!z || mmr_rwlock_init(&z->lock, "zspage->lock")) {
		free(z);
		return NULL;
	}
	mmr_lock_class_declare(z->lock.cls, MMR_KL_RWLOCK, false);
	z->class = c;
	z->fullness = -1;
	for (unsigned i = 0; i < c->pages_per_zspage; i++) {
		z->pfn[i] = mmr_pages_alloc(p->zone, cpu, 0, MMR_MT_MOVABLE, 0);
		if (z->pfn[i] == MMR_NO_PAGE) {
			while (i--)
				mmr_pages_free(p->zone, cpu, z->pfn[i], 0);
			free(z);
			return NULL;
		}
	}
	/* Chain every object on the free list, each naming the next (0 ends it). */
	for (unsigned idx = 0; !c->huge && idx < c->objs_per_zspage; idx++) {
		uint64_t next = idx + 1 < c->objs_per_zspage ? idx + 2 : 0;
		uint64_t w = next << 1;
		memcpy(zs_zspage_byte(p, z, idx * c->size), &w, sizeof(w));
	}
	z->freeobj = 0;
	/* Published to other threads through class->lock when it joins a list. */
	for (unsigned i = 0; i < c->pages_per_zspage; i++)
		p->owner[z->pfn[i]] = z;
	zs_cpu_counts(p, cpu)->zspages_alloc++;
	/* Page pressure: every pressure_pages pages taken wake the worker for a migration batch. */
	if (p->pressure_pages) {
		uint64_t n = c->pages_per_zspage;
		uint64_t before = atomic_fetch_add_explicit(&p->pages_taken, n, memory_order_relaxed);
		if ((before + n) / p->pressure_pages != before / p->pressure_pages)
			mmr_ttimer_kick(&p->timer);
	}
	return z;
}

struct zs_handle *zs_malloc(struct zs_pool *p, unsigned cpu, uint32_t size)
{
	if (size == 0 || size > ZS_PAGE)
		return NULL;
	struct zs_handle *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->size = size;
	struct zs_class *c = class_for(p, size);
	zs_class_lock(p, c);
	struct zs_zspage *z = c->list[ZS_ALMOST_FULL] ? c->list[ZS_ALMOST_FULL] : c->list[ZS_ALMOST_EMPTY];
	if (!z) {
		/* As the kernel: the new zspage's pages are allocated without class->lock. */
		zs_class_unlock(p, c);
		z = alloc_zspage(p, c, cpu);
		if (!z) {
			free(h);
			return NULL;
		}
		zs_class_lock(p, c);
		c->zspages++;
		zs_putback_zspage(c, z);
	}
	atomic_store_explicit(&h->obj, zs_obj_malloc(p, z, h), memory_order_release);
	zs_fix_fullness(c, z);
	zs_class_unlock(p, c);
	return h;
}

void zs_free(struct zs_pool *p, unsigned cpu, struct zs_handle *h)
{
	struct zs_zspage *z = p->v->free_lock(p, h);
	struct zs_class *c = z->class;
	zs_obj_free(p, z, zs_obj_idx(atomic_load_explicit(&h->obj, memory_order_relaxed)));
	int fg = zs_fix_fullness(c, z);
	p->v->free_zspage_unlock(p, h, z);
	/* An isolated zspage is freed by whoever put it back. */
	if (fg == ZS_EMPTY && !z->isolated)
		zs_free_zspage(p, c, z, cpu);
	zs_class_unlock(p, c);
	p->v->free_unlock(p, h);
	free(h);
}

/* Where object IDX of Z starts: page index and offset in it. */
static void obj_where(const struct zs_zspage *z, unsigned idx, unsigned *page_i, unsigned *off)
{
	unsigned byte = idx * z->class->size;
	*page_i = byte / ZS_PAGE;
	*off = byte % ZS_PAGE;
}

uint8_t *zs_map_object(struct zs_thread *t, struct zs_handle *h, bool write)
{
	struct zs_pool *p = t->pool;
	struct zs_zspage *z = p->v->map_lock(p, h);
	unsigned long obj = atomic_load_explicit(&h->obj, memory_order_acquire);
	struct zs_class *c = z->class;
	unsigned page_i, off;
	obj_where(z, zs_obj_idx(obj), &page_i, &off);
	uint8_t *addr = (uint8_t *)mmr_page_address(p->zone, zs_obj_pfn(obj)) + off;
	t->mspans = off + c->size > ZS_PAGE;
	if (t->mspans) {
		/* Two frames, not contiguous: through this CPU's buffer, as zsmalloc's per-CPU area. */
		if (!write) {
			unsigned first = ZS_PAGE - off;
			memcpy(t->buf, addr, first);
			memcpy(t->buf + first, mmr_page_address(p->zone, z->pfn[page_i + 1]), c->size - first);
		}
		addr = t->buf;
		t->n.spans++;
	}
	t->mapped = h;
	t->mzspage = z;
	atomic_store_explicit(&h->mapper, t->cpu + 1, memory_order_relaxed);
	t->mwrite = write;
	t->maddr = c->huge ? addr : addr + ZS_HANDLE_SIZE;
	t->n.maps++;
	return t->maddr;
}

void zs_unmap_object(struct zs_thread *t)
{
	struct zs_pool *p = t->pool;
	struct zs_handle *h = t->mapped;
	struct zs_zspage *z = t->mzspage;
	if (t->mspans && t->mwrite) {
		unsigned long obj = atomic_load_explicit(&h->obj, memory_order_acquire);
		unsigned page_i, off;
		obj_where(z, zs_obj_idx(obj), &page_i, &off);
		unsigned first = ZS_PAGE - off;
		/* The header lives in the page; only the bytes after it were the caller's. */
		memcpy((uint8_t *)mmr_page_address(p->zone, zs_obj_pfn(obj)) + off + ZS_HANDLE_SIZE,
		       t->buf + ZS_HANDLE_SIZE, first - ZS_HANDLE_SIZE);
		memcpy(mmr_page_address(p->zone, z->pfn[page_i + 1]), t->buf + first, z->class->size - first);
	}
	t->mapped = NULL;
	t->mzspage = NULL;
	t->n.unmaps++;
	p->v->map_unlock(p, h, z);
	/* Last: a thread that sees 0 here may free H, and with it Z. */
	atomic_store_explicit(&h->mapper, 0, memory_order_release);
}

void zs_note_pause(struct zs_pool *p, uint64_t ns)
{
	pthread_mutex_lock(&p->stats_mu);
	mmr_hist_add(&p->pause, ns);
	pthread_mutex_unlock(&p->stats_mu);
}

uint64_t zs_compact(struct zs_pool *p, unsigned cpu)
{
	uint64_t t0 = mmr_now_ns(), freed = 0;
	/* Largest classes first, as zs_compact walks them. */
	for (unsigned i = p->nr_classes; i--;)
		freed += p->v->compact_class(p, &p->classes[i], cpu);
	struct zs_counts *n = zs_cpu_counts(p, cpu);
	n->pages_freed += freed;
	n->compact_ns += mmr_now_ns() - t0;
	n->compactions++;
	return freed;
}

/* splitmix64: the pattern's word stream from a seed. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t pattern_word(const struct zs_handle *h, uint32_t version, uint32_t i)
{
	return mix(((uint64_t)(uintptr_t)h << 20) ^ ((uint64_t)version << 40) ^ i);
}

/*
 * Whole words are written and compared as words, the tail apart: a copy
 * of a variable length sends every word through a stack slot, and the
 * cost of that round trip changed with the slot's place in its cache line
 * (up to twice the map latency), so the replay loop's stack frame, not
 * zsmalloc, decided the map p99 (BENCHMARKS.md, "Trace time").
 */
void zs_pattern_fill(uint8_t *dst, uint32_t len, const struct zs_handle *h, uint32_t version)
{
	uint32_t i = 0;
	for (; len - i >= 8; i += 8) {
		uint64_t w = pattern_word(h, version, i / 8);
		memcpy(dst + i, &w, 8);
	}
	if (i < len) {
		uint64_t w = pattern_word(h, version, i / 8);
		memcpy(dst + i, &w, len - i);
	}
}

bool zs_pattern_check(const uint8_t *src, uint32_t len, const struct zs_handle *h, uint32_t version)
{
	uint32_t i = 0;
	for (; len - i >= 8; i += 8) {
		uint64_t v;
		memcpy(&v, src + i, 8);
		if (v != pattern_word(h, version, i / 8))
			return false;
	}
	uint64_t w = pattern_word(h, version, i / 8);
	return i == len || memcmp(src + i, &w, len - i) == 0;
}
