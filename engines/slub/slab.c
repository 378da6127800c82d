/* SPDX-License-Identifier: MIT */
/*
 * slab.c - one slab: pages from the page model carved into objects of one
 * size, the free ones chained through their first two bytes (an object
 * index), and the map from a frame back to its slab.
 */
#include <stdlib.h>
#include <string.h>

#include "slub.h"

void *slub_obj(const struct slub_slab *slab, uint32_t i)
{
	return slab->base + (size_t)i * slab->cache->size;
}

uint32_t slub_index(const struct slub_slab *slab, const void *obj)
{
	return (uint32_t)(((const uint8_t *)obj - slab->base) / slab->cache->size);
}

uint16_t slub_next(const struct slub_slab *slab, uint32_t i)
{
	uint16_t next;
	memcpy(&next, slub_obj(slab, i), sizeof(next));
	return next;
}

void slub_set_next(struct slub_slab *slab, uint32_t i, uint16_t next)
{
	memcpy(slub_obj(slab, i), &next, sizeof(next));
}

struct slub_slab *slub_slab_of(const struct slub *s, const void *obj)
{
	uint64_t pfn = (uint64_t)((const uint8_t *)obj - s->base) / MMR_PAGE_SIZE;
	return s->slab_of[pfn];
}

struct slub_slab *slub_slab_new(struct slub_cpu *cpu, struct slub_cache *c)
{
	struct slub *s = cpu->s;
	uint64_t pfn = mmr_pages_alloc(s->zone, cpu->cpu, c->order, MMR_MT_UNMOVABLE, 0);
	if (pfn == MMR_NO_PAGE)
		return NULL;
	struct slub_slab *slab = calloc(1, sizeof(*slab));
	if (!slab) {
		mmr_pages_free(s->zone, cpu->cpu, pfn, c->order);
		return NULL;
	}
	slab->cache = c;
	slab->pfn = pfn;
	slab->base = mmr_page_address(s->zone, pfn);
	/* Chain every object, in address order, as a fresh slab is. */
	for (uint32_t i = 0; i < c->objects; i++)
		slub_set_next(slab, i, i + 1 < c->objects ? (uint16_t)(i + 1) : SLUB_NONE);
	/* Frozen, all objects in the new owner's private list: none on the word's own list. */
	atomic_init(&slab->word, SW_MAKE(SLUB_NONE, c->objects, 1, 0));
	for (uint64_t f = 0; f < (1ull << c->order); f++)
		s->slab_of[pfn + f] = slab;
	cpu->n.slabs_new++;
	return slab;
}

void slub_slab_discard(struct slub_cpu *cpu, struct slub_slab *slab)
{
	struct slub *s = cpu->s;
	unsigned order = slab->cache->order;
	for (uint64_t f = 0; f < (1ull << order); f++)
		s->slab_of[slab->pfn + f] = NULL;
	mmr_pages_free(s->zone, cpu->cpu, slab->pfn, order);
	free(slab);
	cpu->n.slabs_freed++;
}
