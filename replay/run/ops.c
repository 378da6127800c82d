/* SPDX-License-Identifier: MIT */
/*
 * ops.c - the op record a replay thread streams through: an event packed
 * into 32 bytes, what it shares with other ops interned as a site, and
 * what only a few ops have moved to an extension read in stream order.
 *
 * The record's size is the replay loop's cost: the untimed loop is bound
 * by how fast a thread reads its stream (BENCHMARKS.md), and every byte a
 * record carries for a field most ops leave empty is read for nothing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mremap */
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "mmr_idmap.h"
#include "run_internal.h"

static uint8_t size_class(uint64_t size)
{
	return size <= 1 ? 0 : (uint8_t)(64 - __builtin_clzll(size - 1));
}

static bool fits32(uint64_t v)
{
	return v <= UINT32_MAX;
}

static uint64_t site_hash(const struct rp_site *s)
{
	uint64_t h = s->call_site * 0x9e3779b97f4a7c15ull;
	h ^= ((uint64_t)s->gfp << 32 | (uint32_t)s->node) * 0xc2b2ae3d27d4eb4full;
	h ^= ((uint64_t)s->flags << 16 | (uint64_t)s->order << 8 | s->family) * 0x165667b19e3779f9ull;
	return h ^ (h >> 29);
}

static bool site_equal(const struct rp_site *a, const struct rp_site *b)
{
	return a->call_site == b->call_site && a->gfp == b->gfp && a->node == b->node && a->flags == b->flags &&
	       a->order == b->order && a->family == b->family;
}

/*
 * The index of site S in P, added when new.  Sites are keyed by a hash;
 * two sites of one hash take the next free key after it, so a lookup
 * walks keys from the hash until it meets S or a free key.  Returns 0, or
 * -1 when out of memory or past 2^32 - 1 sites.
 */
static int intern_site(struct rp_plan *p, struct rp_sites_index *ix, const struct rp_site *s, uint32_t *out)
{
	if (!ix->map && !(ix->map = calloc(1, sizeof(*ix->map))))
		return -1;
	for (uint64_t key = site_hash(s);; key++) {
		uint64_t *v = mmr_idmap_get(ix->map, key);
		if (!v)
			break;
		if (site_equal(&p->sites[*v], s)) {
			*out = (uint32_t)*v;
			return 0;
		}
	}
	if (p->nsites == UINT32_MAX)
		return -1;
	if (p->nsites == p->cap_sites) {
		uint32_t cap = p->cap_sites ? (p->cap_sites > UINT32_MAX / 2 ? UINT32_MAX : p->cap_sites * 2) : 64;
		struct rp_site *v = realloc(p->sites, (size_t)cap * sizeof(*v));
		if (!v)
			return -1;
		p->sites = v;
		p->cap_sites = cap;
	}
	uint64_t key = site_hash(s);
	while (mmr_idmap_get(ix->map, key))
		key++;
	if (mmr_idmap_put(ix->map, key, p->nsites))
		return -1;
	p->sites[p->nsites] = *s;
	*out = p->nsites++;
	return 0;
}

void rp_sites_index_free(struct rp_sites_index *ix)
{
	if (ix->map)
		mmr_idmap_destroy(ix->map);
	free(ix->map);
	ix->map = NULL;
}

/*
 * Stream memory comes from mmap with transparent huge pages asked for:
 * replay reads it straight through, and with 4 KiB pages a 5 M-op stream
 * is 90,000 TLB misses (BENCHMARKS.md).  It grows by mremap, which moves
 * the pages instead of copying them into new ones: no second copy
 * resident while it grows, no page zeroed twice.  Returns the array of
 * CAP ops holding OLD's (CAP_OLD of them), or NULL when out of memory
 * (OLD is then left as it was).
 */
static struct rp_op *grow_ops(struct rp_op *old, size_t cap_old, size_t cap)
{
	size_t bytes = cap * sizeof(*old);
	void *p = old ? mremap(old, cap_old * sizeof(*old), bytes, MREMAP_MAYMOVE)
		      : mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without THP the pages stay 4 KiB */
	return p;
}

void rp_stream_next_window(struct rp_stream *st)
{
	/*
	 * Give back the pages past what the window just replayed used: a
	 * stream keeps the most one window ever gave its thread, and threads
	 * busy in turns would otherwise each keep a window's worth.
	 */
	size_t keep = (st->n * sizeof(*st->ops) + 4095) & ~(size_t)4095, bytes = st->cap * sizeof(*st->ops);
	if (st->ops && keep < bytes)
		madvise((char *)st->ops + keep, bytes - keep, MADV_DONTNEED);
	st->base += st->n;
	st->n = 0;
	st->next = 0;
}

void rp_stream_free(struct rp_stream *st)
{
	if (st->ops)
		munmap(st->ops, st->cap * sizeof(*st->ops));
	free(st->ext);
	*st = (struct rp_stream){0};
}

/*
 * The extension of op I, which has one or is the stream's last op (the
 * extensions stay in stream order); made from the record's values when
 * new.  Returns it, or NULL when out of memory.
 */
static struct rp_op_ext *op_ext(struct rp_stream *st, size_t i)
{
	struct rp_op *op = &st->ops[i];
	if (op->sync & RP_EXT)
		return st->next && st->ext[st->next - 1].index == i ? &st->ext[st->next - 1] : NULL;
	if (i + 1 != st->n)
		return NULL;
	if (st->next == st->cap_ext) {
		size_t cap = st->cap_ext ? st->cap_ext * 2 : 256;
		struct rp_op_ext *x = realloc(st->ext, cap * sizeof(*x));
		if (!x)
			return NULL;
		st->ext = x;
		st->cap_ext = cap;
	}
	bool ends = op->sync & RP_ENDS;
	struct rp_op_ext *x = &st->ext[st->next++];
	*x = (struct rp_op_ext){.size = ends ? 0 : op->bytes, .bytes_alloc = op->bytes_alloc,
				.end_bytes = ends ? op->bytes : 0, .index = i, .aux_slot = RP_NO_SLOT};
	op->sync |= RP_EXT;
	op->bytes = op->bytes_alloc = 0;
	return x;
}

long rp_ops_append(struct rp_plan *p, struct rp_sites_index *ix, struct rp_stream *st,
		   const struct mmr_event *ev, uint8_t family, uint64_t ts)
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 4096;
		struct rp_op *ops = grow_ops(st->ops, st->cap, cap);
		if (!ops)
			return -1;
		st->ops = ops;
		st->cap = cap;
	}
	struct rp_site site = {.call_site = ev->call_site, .gfp = ev->gfp, .node = ev->node, .flags = ev->flags,
			       .order = ev->order, .family = family};
	uint32_t s;
	if (intern_site(p, ix, &site, &s))
		return -1;
	bool ends = mmr_op_ends_object(ev->op);
	st->ops[st->n] = (struct rp_op){
		.ts = ts, .slot = RP_NO_SLOT, .site = s, .op = ev->op, .sizeclass = size_class(ev->bytes_req),
		.sync = mmr_op_starts_object(ev->op) ? RP_STARTS : ends ? RP_ENDS : 0,
	};
	size_t i = st->n++;
	/* An end's record holds the bytes it takes off; its own size, when it has one, goes aside. */
	if (ev->aux || (ends && ev->bytes_req) || !fits32(ev->bytes_req) || !fits32(ev->bytes_alloc)) {
		struct rp_op_ext *x = op_ext(st, i);
		if (!x)
			return -1;
		x->size = ev->bytes_req;
		x->bytes_alloc = ev->bytes_alloc;
		x->aux = ev->aux;
	} else {
		st->ops[i].bytes = ends ? 0 : (uint32_t)ev->bytes_req;
		st->ops[i].bytes_alloc = (uint32_t)ev->bytes_alloc;
	}
	return (long)i;
}

int rp_ops_set_end_bytes(struct rp_stream *st, size_t i, uint64_t bytes)
{
	struct rp_op *op = &st->ops[i];
	if (!(op->sync & RP_EXT) && fits32(bytes)) {
		op->bytes = (uint32_t)bytes;
		return 0;
	}
	struct rp_op_ext *x = op_ext(st, i);
	if (!x)
		return -1;
	x->end_bytes = bytes;
	return 0;
}

int rp_ops_set_aux(struct rp_stream *st, size_t i, uint32_t slot, uint32_t seq, uint64_t end_bytes)
{
	struct rp_op_ext *x = op_ext(st, i);
	if (!x)
		return -1;
	x->aux_slot = slot;
	x->aux_seq = seq;
	x->end_bytes = end_bytes;
	return 0;
}

/* The extension of op I of ST, by its index; NULL when it has none. */
static const struct rp_op_ext *find_ext(const struct rp_stream *st, size_t i)
{
	if (!(st->ops[i].sync & RP_EXT))
		return NULL;
	size_t lo = 0, hi = st->next;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->ext[mid].index < i)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < st->next && st->ext[lo].index == i ? &st->ext[lo] : NULL;
}

void rp_ops_view(const struct rp_plan *p, unsigned t, size_t i, struct rp_op_view *v)
{
	const struct rp_stream *st = &p->streams[t];
	const struct rp_op *op = &st->ops[i];
	const struct rp_site *s = &p->sites[op->site];
	const struct rp_op_ext *x = find_ext(st, i);
	bool ends = op->sync & RP_ENDS;
	*v = (struct rp_op_view){
		.ts = op->ts, .call_site = s->call_site, .slot = op->slot, .seq = op->seq, .aux_slot = RP_NO_SLOT,
		.site = op->site, .gfp = s->gfp, .node = s->node, .flags = s->flags, .op = op->op,
		.family = s->family, .order = s->order, .sync = op->sync, .sizeclass = op->sizeclass,
	};
	if (x) {
		v->size = x->size;
		v->bytes_alloc = x->bytes_alloc;
		v->aux = x->aux;
		v->end_bytes = x->end_bytes;
		v->aux_slot = x->aux_slot;
		v->aux_seq = x->aux_seq;
	} else {
		v->size = ends ? 0 : op->bytes;
		v->bytes_alloc = op->bytes_alloc;
		v->end_bytes = ends ? op->bytes : 0;
	}
}
