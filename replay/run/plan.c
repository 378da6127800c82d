/* SPDX-License-Identifier: MIT */
/*
 * plan.c - turn a trace into one op stream per replay thread, once, before
 * any timing starts.
 *
 * Every object lifetime gets a dense slot, so the hot loop indexes arrays
 * and never hashes a pointer.  Ops on one slot keep their trace order: an
 * op whose slot's previous op went to another thread waits for it
 * (RP_WAIT), and that previous op publishes its completion (RP_PUBLISH).
 * That keeps every real cross-CPU dependency (a free on another CPU than
 * the allocation) and adds none: ops on different objects never wait on
 * each other.
 *
 * One exception to plain trace order: a zsmalloc mapping is an atomic
 * section on its CPU (nothing else of the allocator runs there until the
 * unmap), and an engine holds the mapping's locks from map to unmap.  In
 * the replay a thread that waited for another while holding them could
 * deadlock against a writer queued on them, and a map never unmapped (a
 * trace cut short, a lost event) would hold them for ever.  So a map is
 * held back until its unmap on the same CPU comes, and the two go out
 * together, the map just before the unmap: the ops the trace put between
 * them (other CPUs' folded onto this thread) run before.  A map with no
 * unmap on its CPU, or whose object another op touches first, is skipped
 * and counted, as is an unmap with no map (see hold_map, pair_unmap).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_internal.h"

static uint64_t obj_key(unsigned family, uint64_t id)
{
	return id * 0x9e3779b97f4a7c15ull + family;
}

/* Room for slot S.  Returns 0, or -1 when out of memory. */
static int grow_slots(struct rp_planner *pl, uint32_t s)
{
	if (s < pl->cap_slots)
		return 0;
	size_t cap = pl->cap_slots ? pl->cap_slots * 2 : 4096;
	uint32_t *lt = realloc(pl->last_thread, cap * sizeof(*lt));
	if (lt)
		pl->last_thread = lt;
	size_t *li = realloc(pl->last_index, cap * sizeof(*li));
	if (li)
		pl->last_index = li;
	uint32_t *sq = realloc(pl->seq, cap * sizeof(*sq));
	if (sq)
		pl->seq = sq;
	uint8_t *fam = realloc(pl->family, cap * sizeof(*fam));
	if (fam)
		pl->family = fam;
	uint64_t *by = realloc(pl->bytes, cap * sizeof(*by));
	if (by)
		pl->bytes = by;
	uint32_t *hd = realloc(pl->held, cap * sizeof(*hd));
	if (hd)
		pl->held = hd;
	uint32_t *fn = realloc(pl->free_next, cap * sizeof(*fn));
	if (fn)
		pl->free_next = fn;
	if (!lt || !li || !sq || !fam || !by || !hd || !fn)
		return -1;
	pl->cap_slots = cap;
	return 0;
}

/*
 * A slot for a new object of FAMILY started on thread T: the last one T
 * ended, or a new one.  Returns it, or RP_NO_SLOT when out of memory or
 * past 2^32 - 2 slots live.
 */
static uint32_t new_slot(struct rp_planner *pl, uint8_t family, uint32_t t)
{
	uint32_t s = pl->free_head[t];
	if (s != RP_NO_SLOT) {
		pl->free_head[t] = pl->free_next[s];
	} else {
		s = pl->p->nslots;
		if (s == RP_NO_SLOT - 1 || grow_slots(pl, s))
			return RP_NO_SLOT;
		pl->seq[s] = 0;
		pl->last_thread[s] = UINT32_MAX;
		pl->held[s] = UINT32_MAX;
		pl->p->nslots++;
	}
	pl->family[s] = family;
	pl->p->objects++;
	return s;
}

/*
 * Slot S's object ended on thread T: the slot goes on T's free list.  Its
 * op numbers go on from where they are (the waits compare them), so a
 * slot whose count nears 2^32 is retired instead.
 */
static void release_slot(struct rp_planner *pl, uint32_t s, uint32_t t)
{
	if (pl->seq[s] >= UINT32_MAX / 2)
		return;
	pl->free_next[s] = pl->free_head[t];
	pl->free_head[t] = s;
}

/* Dense index of KEY (a cpu or pid) among those seen, for the thread mapping. */
static int dense(struct mmr_idmap *m, uint64_t key, uint64_t *out)
{
	uint64_t *v = mmr_idmap_get(m, key);
	if (v) {
		*out = *v;
		return 0;
	}
	*out = m->len;
	return mmr_idmap_put(m, key, m->len);
}

/* The replay thread of EV, before folding onto the thread count. */
static int thread_of(struct rp_planner *pl, const struct mmr_event *ev, uint64_t *t)
{
	switch (pl->o->map) {
	case MMR_MAP_PID:
		return dense(&pl->who, (uint64_t)(uint32_t)ev->pid, t);
	case MMR_MAP_HASH:
		*t = (ev->id * 0x9e3779b97f4a7c15ull) >> 40;
		return 0;
	default:
		return dense(&pl->who, ev->cpu, t);
	}
}

/*
 * Tie op (thread T, index I of this window), the stream's last, to its
 * slot S's previous op: the waits and publishes.  Returns 0, or -1 when
 * out of memory.
 */
static int chain(struct rp_planner *pl, uint32_t s, uint32_t t, size_t i, bool aux)
{
	struct rp_stream *st = &pl->p->streams[t];
	struct rp_op *op = &st->ops[i];
	uint32_t prev = pl->last_thread[s];
	/*
	 * A previous op of an earlier window is done before this window starts
	 * (the threads meet between windows): nothing to wait for.
	 */
	if (prev != UINT32_MAX && prev != t && pl->last_index[s] >= pl->p->streams[prev].base) {
		op->sync |= aux ? RP_AUX_WAIT : RP_WAIT;
		struct rp_op *before = &pl->p->streams[prev].ops[pl->last_index[s] - pl->p->streams[prev].base];
		/* The previous op may have used S as its main or its aux slot. */
		before->sync |= before->slot == s ? RP_PUBLISH : RP_AUX_PUBLISH;
	}
	pl->last_thread[s] = t;
	pl->last_index[s] = st->base + i;
	if (aux) /* a realloc ends its old object */
		return rp_ops_set_aux(st, i, s, pl->seq[s]++, pl->bytes[s]);
	op->slot = s;
	op->seq = pl->seq[s]++;
	return (op->sync & RP_ENDS) ? rp_ops_set_end_bytes(st, i, pl->bytes[s]) : 0;
}

/*
 * A gap no pacing should sleep through (an idle stretch of a capture, a
 * damaged timestamp) ends at trace time TS: pacing leaves out all of it
 * but max_gap.  Returns 0, or -1 when out of memory.
 */
static int note_gap(struct rp_planner *pl, uint64_t ts)
{
	struct rp_plan *p = pl->p;
	if (p->ngaps == p->cap_gaps) {
		size_t cap = p->cap_gaps ? p->cap_gaps * 2 : 16;
		struct rp_gap *g = realloc(p->gaps, cap * sizeof(*g));
		if (!g)
			return -1;
		p->gaps = g;
		p->cap_gaps = cap;
	}
	uint64_t before = p->ngaps ? p->gaps[p->ngaps - 1].cut : 0;
	p->gaps[p->ngaps++] = (struct rp_gap){ts - pl->first_ts, before + (ts - pl->last_ts - pl->max_gap_ns)};
	return 0;
}

/* Append an op for EV to thread T's stream.  Returns its index, or -1 when out of memory. */
static long append(struct rp_planner *pl, uint32_t t, const struct mmr_event *ev, uint8_t family)
{
	if (!pl->any) {
		pl->first_ts = pl->last_ts = pl->p->first_ts = ev->ts_ns;
		pl->any = true;
	}
	if (ev->ts_ns > pl->last_ts) {
		if (ev->ts_ns - pl->last_ts > pl->max_gap_ns && note_gap(pl, ev->ts_ns))
			return -1;
		pl->last_ts = ev->ts_ns;
	}
	/* The trace clock: never back (events of two CPUs can be out of order), long gaps cut. */
	uint64_t cut = pl->p->ngaps ? pl->p->gaps[pl->p->ngaps - 1].cut : 0;
	pl->p->clock_end = pl->last_ts - pl->first_ts - cut;
	long i = rp_ops_append(pl->p, &pl->sites, &pl->p->streams[t], ev, family, pl->p->clock_end);
	if (i < 0)
		return -1;
	pl->p->ops++;
	pl->p->ops_by[ev->op]++;
	pl->window_ops++;
	return i;
}

uint64_t rp_plan_trace_ts(const struct rp_plan *p, uint64_t ts)
{
	size_t lo = 0, hi = p->ngaps; /* the gaps that end at or before TS are gaps[0..lo) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->gaps[mid].end - p->gaps[mid].cut <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return p->first_ts + ts + (lo ? p->gaps[lo - 1].cut : 0);
}

/* Count an end of an object that is not live: ended before, or never seen. */
static void count_dead_end(struct rp_planner *pl, uint64_t key)
{
	if (mmr_idmap_get(&pl->ended, key))
		pl->p->skip.double_frees++;
	else
		pl->p->skip.unknown_frees++;
}

/* Drop every map held back on slot S: its object is used before their unmaps came. */
static void drop_held(struct rp_planner *pl, uint32_t s)
{
	while (pl->held[s] != UINT32_MAX) {
		uint32_t h = pl->held[s];
		pl->held[s] = pl->hm[h].next;
		pl->hm[h].next = pl->free_hm;
		pl->free_hm = h;
		pl->nheld--;
		pl->p->skip.unpaired_maps++;
	}
}

/*
 * End the live object ID of FAMILY in op (T, I) as its main or aux slot.
 * Returns 1 when it was live, 0 when not (counted), -1 when out of memory.
 */
static int end_object(struct rp_planner *pl, unsigned family, uint64_t id, uint32_t t, size_t i, bool aux)
{
	uint64_t key = obj_key(family, id), slot;
	if (!mmr_idmap_del(&pl->live, key, &slot)) {
		count_dead_end(pl, key);
		return 0;
	}
	drop_held(pl, (uint32_t)slot);
	if (chain(pl, (uint32_t)slot, t, i, aux))
		return -1;
	if (aux)
		/*
		 * Not the realloc's new slot: when the realloc fails, the runner
		 * clears the new slot's handle and then keeps the old object by
		 * the handle in its slot, which must still be there.
		 */
		pl->release = (uint32_t)slot;
	else
		release_slot(pl, (uint32_t)slot, t);
	return mmr_idmap_put(&pl->ended, key, 1) ? -1 : 1;
}

/*
 * The live object in slot S was allocated again at its address: its free
 * was lost, it stays allocated through the replay and is freed after it.
 * Returns 0, or -1 when out of memory.
 */
static int abandon(struct rp_planner *pl, uint32_t s)
{
	if (pl->nabandoned == pl->cap_abandoned) {
		size_t cap = pl->cap_abandoned ? pl->cap_abandoned * 2 : 64;
		struct rp_live *v = realloc(pl->abandoned, cap * sizeof(*v));
		if (!v)
			return -1;
		pl->abandoned = v;
		pl->cap_abandoned = cap;
	}
	pl->abandoned[pl->nabandoned++] = (struct rp_live){s, pl->family[s]};
	drop_held(pl, s);
	pl->p->skip.live_reuse++;
	return 0;
}

/* Whether EV can be replayed at all; counts it when not. */
static bool wanted(struct rp_planner *pl, const struct mmr_event *ev, uint8_t *family)
{
	if (!mmr_invalid_note(&pl->p->skip.invalid, ev))
		return false;
	uint8_t fam = ev->family;
	if (!(pl->eng->families & (1u << fam)) && pl->o->as_family >= 0 && pl->o->as_family != MMR_FAM_LOCK)
		fam = (uint8_t)pl->o->as_family;
	/*
	 * The kernel's lock waits are what the engines are measured against,
	 * not work to replay: never replayed, whatever an engine claims, never
	 * turned into another family's op by --as, nor another family's into
	 * theirs (--as lock is no family to replay as).
	 */
	if (ev->family == MMR_FAM_LOCK || !(pl->eng->families & (1u << fam))) {
		pl->p->skip.family[ev->family]++;
		return false;
	}
	if (!pl->eng->op[ev->op]) {
		pl->p->skip.op[ev->op]++;
		return false;
	}
	bool slab_null = ev->family == MMR_FAM_SLAB && ev->id == 0;
	if (mmr_op_starts_object(ev->op) && ((ev->flags & MMR_EF_FAILED) || slab_null)) {
		pl->p->skip.failed_allocs++;
		return false;
	}
	*family = fam;
	return true;
}

/* Ops that act on a live object without ending it. */
static bool uses_object(unsigned op)
{
	return op == MMR_OP_MAP || op == MMR_OP_UNMAP || op == MMR_OP_VMAP || op == MMR_OP_VUNMAP ||
	       op == MMR_OP_ATTACH || op == MMR_OP_DETACH || op == MMR_OP_MOVE;
}

/* A free entry of the held-map pool, chained onto slot S.  Returns it, or UINT32_MAX when out of memory. */
static uint32_t held_entry(struct rp_planner *pl, uint32_t s)
{
	uint32_t h = pl->free_hm;
	if (h != UINT32_MAX) {
		pl->free_hm = pl->hm[h].next;
	} else {
		if (pl->nhm == pl->cap_hm) {
			uint32_t cap = pl->cap_hm ? pl->cap_hm * 2 : 16;
			struct held_map *g = cap > pl->cap_hm ? realloc(pl->hm, cap * sizeof(*g)) : NULL;
			if (!g)
				return UINT32_MAX;
			pl->hm = g;
			pl->cap_hm = cap;
		}
		h = pl->nhm++;
	}
	pl->hm[h].next = pl->held[s];
	pl->held[s] = h;
	pl->nheld++;
	return h;
}

/* Hold back EV, a map of slot S, until its unmap.  Returns 0, or -1 when out of memory. */
static int hold_map(struct rp_planner *pl, uint32_t s, const struct mmr_event *ev, uint8_t family)
{
	uint32_t h = pl->held[s];
	while (h != UINT32_MAX && pl->hm[h].ev.cpu != ev->cpu)
		h = pl->hm[h].next;
	if (h != UINT32_MAX)
		pl->p->skip.unpaired_maps++; /* a second map on the CPU before the unmap: the first never closed */
	else if ((h = held_entry(pl, s)) == UINT32_MAX)
		return -1;
	pl->hm[h].ev = *ev;
	pl->hm[h].family = family;
	return 0;
}

/*
 * The map held back for an unmap EV of slot S on the same CPU, taken off
 * the slot's list; NULL when there is none (the unmap is then skipped).
 */
static const struct held_map *pair_unmap(struct rp_planner *pl, uint32_t s, const struct mmr_event *ev)
{
	for (uint32_t *link = &pl->held[s]; *link != UINT32_MAX; link = &pl->hm[*link].next) {
		uint32_t h = *link;
		if (pl->hm[h].ev.cpu != ev->cpu)
			continue;
		*link = pl->hm[h].next;
		pl->hm[h].next = pl->free_hm;
		pl->free_hm = h;
		pl->nheld--;
		return &pl->hm[h];
	}
	pl->p->skip.unpaired_unmaps++;
	return NULL;
}

/* Append EV for live slot S on thread T and tie it to the slot's previous op.  Returns 0 or -1. */
static int append_use(struct rp_planner *pl, uint32_t t, const struct mmr_event *ev, uint8_t family, uint32_t s)
{
	long i = append(pl, t, ev, family);
	return i < 0 ? -1 : chain(pl, s, t, (size_t)i, false);
}

/*
 * A map or unmap of live slot S on thread T: a map is held back; an unmap
 * goes out right after the map it closes.  Returns 0, or -1 when out of memory.
 */
static int plan_mapping(struct rp_planner *pl, uint32_t t, const struct mmr_event *ev, uint8_t family, uint32_t s)
{
	if (ev->op == MMR_OP_MAP)
		return hold_map(pl, s, ev, family);
	const struct held_map *m = pair_unmap(pl, s, ev);
	if (!m)
		return 0;
	struct mmr_event map = m->ev; /* the pool may move when it grows: a copy */
	return append_use(pl, t, &map, m->family, s) || append_use(pl, t, ev, family, s) ? -1 : 0;
}

int rp_planner_event(struct rp_planner *pl, const struct mmr_event *ev)
{
	uint8_t family;
	uint64_t t, cpu;
	if (!wanted(pl, ev, &family))
		return 0;
	uint64_t key = obj_key(family, ev->id);
	bool ends = mmr_op_ends_object(ev->op), starts = mmr_op_starts_object(ev->op);
	uint64_t *live = mmr_idmap_get(&pl->live, key);
	/* Ends and uses of objects the trace never started are skipped before taking a thread. */
	if ((ends || uses_object(ev->op)) && !live) {
		if (ends)
			count_dead_end(pl, key);
		else
			pl->p->skip.unknown_uses++;
		return 0;
	}
	if (thread_of(pl, ev, &t) || dense(&pl->cpus, ev->cpu, &cpu))
		return -1;
	uint32_t th = (uint32_t)(t % pl->p->nthreads);
	if (live && (ev->op == MMR_OP_MAP || ev->op == MMR_OP_UNMAP))
		return plan_mapping(pl, th, ev, family, (uint32_t)*live);
	if (uses_object(ev->op))
		drop_held(pl, (uint32_t)*live);
	if (ends || uses_object(ev->op)) {
		long i = append(pl, th, ev, family);
		if (i < 0)
			return -1;
		if (ends)
			return end_object(pl, family, ev->id, th, (size_t)i, false) < 0 ? -1 : 0;
		return chain(pl, (uint32_t)*live, th, (size_t)i, false);
	}
	long i = append(pl, th, ev, family);
	if (i < 0)
		return -1;
	if (!starts)
		return 0; /* purge, compact, ...: no object */
	/* realloc: the old object ends in the same op (krealloc(NULL) has none). */
	if (ev->op == MMR_OP_REALLOC && ev->aux && end_object(pl, family, ev->aux, th, (size_t)i, true) < 0)
		return -1;
	uint64_t *old = mmr_idmap_get(&pl->live, key);
	if (old && abandon(pl, (uint32_t)*old))
		return -1;
	uint32_t s = new_slot(pl, family, th);
	if (s == RP_NO_SLOT || mmr_idmap_put(&pl->live, key, s))
		return -1;
	/* An address freed and allocated again is a live one: only a later end of it can be a double free. */
	mmr_idmap_del(&pl->ended, key, NULL);
	if (pl->release != RP_NO_SLOT) {
		release_slot(pl, pl->release, th);
		pl->release = RP_NO_SLOT;
	}
	pl->bytes[s] = rp_object_bytes(ev->bytes_req, family, ev->order);
	return chain(pl, s, th, (size_t)i, false);
}

