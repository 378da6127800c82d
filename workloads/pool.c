/* SPDX-License-Identifier: MIT */
/*
 * pool.c - live-object bookkeeping for the generators: object records by
 * slot, sets with O(1) random pick, and address allocators that reuse
 * freed addresses the way the real allocators do (last freed, first
 * reused; after a grace period; after a lazy purge).  Everything is O(1)
 * amortised per operation, so a million events cost no more than a
 * thousand times a thousand.
 */
#include <stdlib.h>
#include <string.h>

#include "wl_internal.h"

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

/* Push X onto V. */
int wl_vec_push(struct wl_vec *v, uint64_t x)
{
	if (grow((void **)&v->v, &v->cap, v->len + 1, sizeof(*v->v)))
		return -1;
	v->v[v->len++] = x;
	return 0;
}

/* Pop the top of V (not empty). */
uint64_t wl_vec_pop(struct wl_vec *v)
{
	return v->v[--v->len];
}

/* Release V's memory. */
void wl_vec_free(struct wl_vec *v)
{
	free(v->v);
	*v = (struct wl_vec){0};
}

/* A slot for a new life: the most recently freed one, else a new one. */
int64_t wl_obj_new(struct wl_objs *o)
{
	if (o->free_slots.len)
		return (int64_t)wl_vec_pop(&o->free_slots);
	size_t cap = o->cap;
	if (o->len == UINT32_MAX || grow((void **)&o->v, &cap, (size_t)o->len + 1, sizeof(*o->v)))
		return -1;
	o->cap = (uint32_t)cap;
	o->v[o->len] = (struct wl_obj){0};
	return o->len++;
}

/* End SLOT's life. */
int wl_obj_del(struct wl_objs *o, uint32_t slot)
{
	o->v[slot].gen++;
	return wl_vec_push(&o->free_slots, slot);
}

/* Release O's memory. */
void wl_objs_free(struct wl_objs *o)
{
	free(o->v);
	wl_vec_free(&o->free_slots);
	*o = (struct wl_objs){0};
}

/* Add SLOT to S (no-op when present). */
int wl_set_add(struct wl_set *s, uint32_t slot)
{
	if (slot >= s->pcap) {
		size_t old = s->pcap;
		if (grow((void **)&s->pos, &s->pcap, (size_t)slot + 1, sizeof(*s->pos)))
			return -1;
		memset(s->pos + old, 0, (s->pcap - old) * sizeof(*s->pos));
	}
	if (s->pos[slot])
		return 0;
	if (grow((void **)&s->items, &s->cap, s->len + 1, sizeof(*s->items)))
		return -1;
	s->items[s->len++] = slot;
	s->pos[slot] = (uint32_t)s->len;
	return 0;
}

/* Remove SLOT from S by moving the last member into its place. */
void wl_set_del(struct wl_set *s, uint32_t slot)
{
	if (!wl_set_has(s, slot))
		return;
	size_t i = s->pos[slot] - 1;
	uint32_t last = s->items[--s->len];
	s->items[i] = last;
	s->pos[last] = (uint32_t)i + 1;
	s->pos[slot] = 0;
}

/* True when SLOT is in S. */
bool wl_set_has(const struct wl_set *s, uint32_t slot)
{
	return slot < s->pcap && s->pos[slot] != 0;
}

/* A uniformly chosen member of S (not empty). */
uint32_t wl_set_pick(const struct wl_set *s, struct wl_rng *r)
{
	return s->items[wl_below(r, s->len)];
}

/* Release S's memory. */
void wl_set_free(struct wl_set *s)
{
	free(s->items);
	free(s->pos);
	*s = (struct wl_set){0};
}

/* Start a fixed-size address range at BASE. */
void wl_addr_init(struct wl_addr *a, uint64_t base, uint64_t stride)
{
	*a = (struct wl_addr){.next = base, .stride = stride};
}

/* The most recently freed address, else a new one past all handed out. */
uint64_t wl_addr_get(struct wl_addr *a)
{
	if (a->free.len)
		return wl_vec_pop(&a->free);
	uint64_t id = a->next;
	a->next += a->stride;
	return id;
}

/* Give ID back for reuse. */
int wl_addr_put(struct wl_addr *a, uint64_t id)
{
	return wl_vec_push(&a->free, id);
}

/* Release A's memory. */
void wl_addr_free(struct wl_addr *a)
{
	wl_vec_free(&a->free);
}

/* Slab region I: 256 GiB apart inside the direct map, room for tens of
 * millions of live objects per region. */
uint64_t wl_slab_region(unsigned i)
{
	return WL_DIRECT_MAP + ((uint64_t)i << 38);
}

/* Queue ID, reusable from READY_TS on.  Callers add in non-decreasing READY_TS. */
int wl_limbo_add(struct wl_limbo *l, uint64_t id, uint64_t ready_ts)
{
	if (l->len == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		uint64_t *ids = malloc(cap * sizeof(*ids));
		uint64_t *ready = malloc(cap * sizeof(*ready));
		if (!ids || !ready) {
			free(ids);
			free(ready);
			return -1;
		}
		for (size_t i = 0; i < l->len; i++) {
			ids[i] = l->id[(l->head + i) % l->cap];
			ready[i] = l->ready[(l->head + i) % l->cap];
		}
		free(l->id);
		free(l->ready);
		l->id = ids;
		l->ready = ready;
		l->cap = cap;
		l->head = 0;
	}
	size_t tail = (l->head + l->len) % l->cap;
	l->id[tail] = id;
	l->ready[tail] = ready_ts;
	l->len++;
	return 0;
}

/* Return every address whose grace period is over to A. */
int wl_limbo_release(struct wl_limbo *l, uint64_t now, struct wl_addr *a)
{
	while (l->len && l->ready[l->head] <= now) {
		if (wl_addr_put(a, l->id[l->head]))
			return -1;
		l->head = (l->head + 1) % l->cap;
		l->len--;
	}
	return 0;
}

/* Release L's memory. */
void wl_limbo_free(struct wl_limbo *l)
{
	free(l->id);
	free(l->ready);
	*l = (struct wl_limbo){0};
}

/* An empty space of SIZE bytes from BASE for areas of up to MAX_PAGES pages. */
int wl_vspace_init(struct wl_vspace *v, uint64_t base, uint64_t size, size_t max_pages)
{
	*v = (struct wl_vspace){.next = base, .end = base + size, .npages = max_pages + 1};
	v->by_pages = calloc(v->npages, sizeof(*v->by_pages));
	return v->by_pages ? 0 : -1;
}

static unsigned log2_u64(uint64_t x)
{
	return 63 - (unsigned)__builtin_clzll(x);
}

/* A reusable area, or the next one carved from the top. */
uint64_t wl_vspace_get(struct wl_vspace *v, uint64_t pages, uint64_t align)
{
	if (align > WL_PAGE_SIZE) {
		struct wl_vec *va = v->by_align[log2_u64(align)];
		if (va[0].len && va[1].v[va[1].len - 1] == pages) {
			va[1].len--;
			return wl_vec_pop(&va[0]);
		}
	} else if (pages < v->npages && v->by_pages[pages].len) {
		return wl_vec_pop(&v->by_pages[pages]);
	}
	uint64_t start = (v->next + align - 1) & ~(align - 1);
	if (start < v->next || start > v->end || v->end - start < pages * WL_PAGE_SIZE)
		return 0;
	v->next = start + pages * WL_PAGE_SIZE;
	return start;
}

/* Give the area VA back (areas larger than the space's limit are dropped). */
int wl_vspace_put(struct wl_vspace *v, uint64_t va, uint64_t pages, uint64_t align)
{
	if (align > WL_PAGE_SIZE) {
		struct wl_vec *b = v->by_align[log2_u64(align)];
		if (wl_vec_push(&b[0], va))
			return -1;
		return wl_vec_push(&b[1], pages);
	}
	return pages < v->npages ? wl_vec_push(&v->by_pages[pages], va) : 0;
}

/* Release V's memory. */
void wl_vspace_free(struct wl_vspace *v)
{
	for (size_t i = 0; v->by_pages && i < v->npages; i++)
		wl_vec_free(&v->by_pages[i]);
	for (size_t i = 0; i < 64; i++) {
		wl_vec_free(&v->by_align[i][0]);
		wl_vec_free(&v->by_align[i][1]);
	}
	free(v->by_pages);
	*v = (struct wl_vspace){0};
}
