/* SPDX-License-Identifier: MIT */
/*
 * alloc.c - the object paths of the SLUB model: the lockless fast path on
 * the thread's active slab, the slow path that takes remote frees, a
 * partial slab or a new one, and frees that go to another slab.
 *
 * A slab's word (slub.h) counts in "inuse" every object not on the word's
 * own free list: for a frozen slab that includes the owner's private
 * list, so a frozen slab is "full" in the word until the owner gives its
 * private list back.
 */
#include <stdlib.h>

#include "slub.h"

static bool cas(struct slub_slab *slab, uint64_t *w, uint64_t next)
{
	return atomic_compare_exchange_weak_explicit(&slab->word, w, next, memory_order_acq_rel,
						     memory_order_acquire);
}

/* Add SLAB to its node's partial list.  Under n->list_lock. */
static void partial_add(struct slub_node *n, struct slub_slab *slab)
{
	slab->prev = NULL;
	slab->next = n->partial;
	if (n->partial)
		n->partial->prev = slab;
	n->partial = slab;
	slab->on_partial = true;
	n->nr_partial++;
}

/* Take SLAB off its node's partial list.  Under n->list_lock. */
static void partial_del(struct slub_node *n, struct slub_slab *slab)
{
	if (slab->prev)
		slab->prev->next = slab->next;
	else
		n->partial = slab->next;
	if (slab->next)
		slab->next->prev = slab->prev;
	slab->on_partial = false;
	n->nr_partial--;
}

/*
 * Freeze a partial slab for CS: its whole free list becomes the thread's
 * private list.  Under n->list_lock; lockless frees may still push onto
 * the word, so the compare-and-swap retries.
 */
static void freeze(struct slub_cpu_slab *cs, struct slub_slab *slab)
{
	uint64_t w = atomic_load_explicit(&slab->word, memory_order_acquire);
	while (!cas(slab, &w, SW_MAKE(SLUB_NONE, slab->cache->objects, 1, SW_TAG(w) + 1)))
		;
	cs->slab = slab;
	cs->freelist = (uint16_t)SW_HEAD(w);
}

/*
 * CS's active slab has no private free object: take what other threads
 * freed onto it, or unfreeze it as full.  Returns true when objects came.
 */
static bool refill_or_unfreeze(struct slub_cpu_slab *cs)
{
	struct slub_slab *slab = cs->slab;
	uint64_t w = atomic_load_explicit(&slab->word, memory_order_acquire);
	for (;;) {
		bool some = SW_HEAD(w) != SLUB_NONE;
		uint64_t next = SW_MAKE(SLUB_NONE, slab->cache->objects, some, SW_TAG(w) + 1);
		if (cas(slab, &w, next)) {
			if (some) {
				cs->freelist = (uint16_t)SW_HEAD(w);
				return true;
			}
			cs->slab = NULL; /* full and nobody's: a free will put it on the partial list */
			return false;
		}
	}
}

/* The slow path: remote frees, else a partial slab, else a new one.  Returns false when out of pages. */
static bool slow_path(struct slub_cpu *cpu, struct slub_cache *c, struct slub_cpu_slab *cs)
{
	cpu->n.slow_allocs++;
	if (cs->slab && refill_or_unfreeze(cs))
		return true;
	struct slub_node *n = &c->node;
	mmr_spin_lock(&n->list_lock);
	struct slub_slab *slab = n->partial;
	if (slab) {
		partial_del(n, slab);
		freeze(cs, slab);
	}
	mmr_spin_unlock(&n->list_lock);
	if (slab)
		return true;
	slab = slub_slab_new(cpu, c);
	if (!slab)
		return false;
	cs->slab = slab;
	cs->freelist = 0;
	return true;
}

void *slub_alloc(struct slub_cpu *cpu, struct slub_cache *c)
{
	struct slub_cpu_slab *cs = &cpu->active[c->id];
	if (cs->freelist == SLUB_NONE) {
		if (!slow_path(cpu, c, cs)) {
			cpu->n.failed++;
			return NULL;
		}
	} else {
		cpu->n.fast_allocs++;
	}
	uint32_t i = cs->freelist;
	cs->freelist = slub_next(cs->slab, i);
	return slub_obj(cs->slab, i);
}

/*
 * A free to a slab that is not the thread's active one.  It pushes the
 * object onto the slab's word with a compare-and-swap and takes no lock,
 * as the kernel's free does, unless the slab is nobody's and changes
 * lists: it was full (so on no list, and now has a free object) or this
 * is its last object (so it may go back to the page model).  Those take
 * n->list_lock before the compare-and-swap, so that a slab's list and its
 * word change together; freezing a partial slab holds the lock too.
 */
static void slab_free(struct slub_cpu *cpu, struct slub_slab *slab, uint32_t i)
{
	struct slub_node *n = &slab->cache->node;
	bool locked = false;
	uint64_t w = atomic_load_explicit(&slab->word, memory_order_acquire);
	for (;;) {
		bool frozen = SW_FROZEN(w);
		bool moves = !frozen && (SW_HEAD(w) == SLUB_NONE || SW_INUSE(w) == 1);
		if (moves && !locked) {
			mmr_spin_lock(&n->list_lock);
			locked = true;
			w = atomic_load_explicit(&slab->word, memory_order_acquire);
			continue;
		}
		slub_set_next(slab, i, (uint16_t)SW_HEAD(w));
		if (cas(slab, &w, SW_MAKE(i, SW_INUSE(w) - 1, frozen, SW_TAG(w) + 1)))
			break;
	}
	if (SW_FROZEN(w))
		cpu->n.remote_frees++;
	else if (!locked)
		cpu->n.lockless_frees++;
	if (!locked)
		return;
	struct slub_slab *discard = NULL;
	if (!SW_FROZEN(w)) {
		if (!slab->on_partial)
			partial_add(n, slab);
		/* An empty slab goes back to the page model once the node keeps enough partial ones. */
		if (SW_INUSE(w) == 1 && n->nr_partial > cpu->s->min_partial) {
			partial_del(n, slab);
			discard = slab;
		}
		cpu->n.locked_frees++;
	}
	mmr_spin_unlock(&n->list_lock);
	if (discard)
		slub_slab_discard(cpu, discard);
}

void slub_free(struct slub_cpu *cpu, void *obj)
{
	struct slub_slab *slab = slub_slab_of(cpu->s, obj);
	struct slub_cpu_slab *cs = &cpu->active[slab->cache->id];
	uint32_t i = slub_index(slab, obj);
	if (cs->slab == slab) {
		slub_set_next(slab, i, cs->freelist);
		cs->freelist = (uint16_t)i;
		cpu->n.fast_frees++;
		return;
	}
	slab_free(cpu, slab, i);
}

/*
 * Give CS's slab back: its private free objects onto the slab's list and
 * the slab unfrozen in one compare-and-swap (remote frees may still push
 * onto it until then), then onto the partial list, or back to the page
 * model when empty and the node has partial slabs enough.  Under
 * n->list_lock, as every change to an unfrozen slab is.
 */
static void deactivate(struct slub_cpu *cpu, struct slub_cpu_slab *cs)
{
	struct slub_slab *slab = cs->slab;
	struct slub_cache *c = slab->cache;
	struct slub_node *n = &c->node;
	uint32_t k = 0, last = SLUB_NONE;
	for (uint32_t i = cs->freelist; i != SLUB_NONE; i = slub_next(slab, i), k++)
		last = i;
	mmr_spin_lock(&n->list_lock);
	uint64_t w = atomic_load_explicit(&slab->word, memory_order_acquire);
	uint32_t head;
	do {
		if (k)
			slub_set_next(slab, last, (uint16_t)SW_HEAD(w));
		head = k ? cs->freelist : SW_HEAD(w);
	} while (!cas(slab, &w, SW_MAKE(head, SW_INUSE(w) - k, 0, SW_TAG(w) + 1)));
	uint32_t inuse = SW_INUSE(w) - k;
	bool discard = inuse == 0 && n->nr_partial >= cpu->s->min_partial;
	if (inuse < c->objects && !discard)
		partial_add(n, slab);
	mmr_spin_unlock(&n->list_lock);
	cs->slab = NULL;
	cs->freelist = SLUB_NONE;
	if (discard)
		slub_slab_discard(cpu, slab);
}

void slub_flush_cpu(struct slub_cpu *cpu)
{
	for (unsigned k = 0; k < SLUB_MAX_CACHES; k++)
		if (cpu->active[k].slab)
			deactivate(cpu, &cpu->active[k]);
}
