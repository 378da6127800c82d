/* SPDX-License-Identifier: MIT */
/*
 * cache.c - finding and making caches.  Caches are never removed during a
 * run, so the table is read without a lock (an acquire load per probe) and
 * only a miss takes "slab_mutex" to make one, as kmem_cache_create does.
 */
#include <stdlib.h>
#include <string.h>

#include "slub.h"

/* The kmalloc size classes, as the kernel's kmalloc-N caches. */
static const uint32_t kmalloc_sizes[] = {8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192};

uint32_t slub_kmalloc_size(uint64_t size)
{
	for (size_t i = 0; i < sizeof(kmalloc_sizes) / sizeof(kmalloc_sizes[0]); i++)
		if (size <= kmalloc_sizes[i])
			return kmalloc_sizes[i];
	return 0;
}

static unsigned fls(unsigned x)
{
	return x ? 32 - (unsigned)__builtin_clz(x) : 0;
}

/*
 * Slab order and objects for SIZE, the way SLUB sizes slabs: the smallest
 * order up to 3 (the costly order) that holds enough objects for the CPUs
 * to share, 4 * (fls(cpus) + 1), or order 3 when none does.
 */
static void geometry(struct slub_cache *c, unsigned cpus)
{
	unsigned want = 4 * (fls(cpus) + 1);
	for (unsigned order = 0; order <= 3; order++) {
		unsigned n = (MMR_PAGE_SIZE << order) / c->size;
		c->order = (uint8_t)order;
		c->objects = (uint16_t)(n < SLUB_NONE ? n : SLUB_NONE - 1);
		if (n >= want)
			return;
	}
}

static unsigned slot_of(uint32_t size, uint64_t site, unsigned probe)
{
	uint64_t h = (size * 0x9e3779b97f4a7c15ull) ^ (site * 0xc2b2ae3d27d4eb4full);
	return (unsigned)((h >> 32) + probe) % SLUB_MAX_CACHES;
}

/* The cache of (SIZE, SITE) in the table, or the first empty slot's index in *EMPTY. */
static struct slub_cache *lookup(struct slub *s, uint32_t size, uint64_t site, unsigned *empty)
{
	for (unsigned p = 0; p < SLUB_MAX_CACHES; p++) {
		unsigned i = slot_of(size, site, p);
		struct slub_cache *c = atomic_load_explicit(&s->caches[i], memory_order_acquire);
		if (!c) {
			*empty = i;
			return NULL;
		}
		if (c->size == size && c->site == site)
			return c;
	}
	*empty = SLUB_MAX_CACHES;
	return NULL;
}

static struct slub_cache *create(struct slub *s, uint32_t size, uint64_t site, unsigned i)
{
	struct slub_cache *c = calloc(1, sizeof(*c));
	if (!c || mmr_spin_init(&c->node.list_lock, "n->list_lock")) {
		free(c);
		return NULL;
	}
	mmr_lock_class_declare(c->node.list_lock.cls, MMR_KL_SPINLOCK, true); /* spin_lock_irqsave in mm/slub.c */
	c->size = size;
	c->site = site;
	c->id = i;
	geometry(c, s->threads);
	atomic_store_explicit(&s->caches[i], c, memory_order_release);
	return c;
}

struct slub_cache *slub_cache_get(struct slub *s, uint32_t size, uint64_t site)
{
	unsigned empty;
	/* Objects hold their free-list link; the kernel aligns to 8 bytes as well. */
	size = size < 8 ? 8 : (size + 7) & ~7u;
	struct slub_cache *c = lookup(s, size, site, &empty);
	if (c)
		return c;
	mmr_mutex_lock(&s->slab_mutex);
	c = lookup(s, size, site, &empty);
	if (!c && empty < SLUB_MAX_CACHES)
		c = create(s, size, site, empty);
	mmr_mutex_unlock(&s->slab_mutex);
	return c;
}
