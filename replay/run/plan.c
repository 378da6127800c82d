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

#include "mmr_idmap.h"
#include "run_internal.h"

#define PLAN_MAX_THREADS 1024u

/* Bookkeeping while planning, freed after. */
struct planner {
	struct rp_plan *p;
	const struct mmr_engine_ops *eng;
	const struct mmr_replay_opts *o;
	struct mmr_idmap live;  /* (family, id) -> slot of the live object */
	struct mmr_idmap ended; /* (family, id) of objects that ended: to tell double frees */
	struct mmr_idmap who;   /* cpu or pid -> dense index, for the thread mapping */
	struct mmr_idmap cpus;  /* cpus seen */
	struct rp_sites_index sites;
	/* Per slot: the thread and stream index of its last op. */
	uint32_t *last_thread;
	size_t *last_index;
	uint32_t *seq;
	uint64_t *bytes;        /* per slot: its object's live bytes, for the op that ends it */
	uint8_t *family;        /* per slot */
	uint32_t *free_next;    /* per slot: the next of its thread's free slots */
	size_t cap_slots;
	/*
	 * Per thread: its last ended object's slot, head of the list of those
	 * it ended before (free_next).  A start on the thread takes the head,
	 * so the slot arrays hold the live objects, not every object of the
	 * trace, and the one the replay touches next is the one it touched
	 * last, as an allocator's free list would give.  Only the thread that
	 * ended the object reuses its slot: its start then follows the end in
	 * the stream, with no wait on another thread that the trace lacks.
	 */
	uint32_t *free_head;
	uint32_t release;       /* a realloc's old slot, freed once the new object has its own */
	/* Objects whose address was allocated again while live: they never end. */
	struct rp_live *abandoned;
	size_t nabandoned, cap_abandoned;
	uint64_t first_ts, last_ts, max_gap_ns;
	bool any;
	/*
	 * zsmalloc maps held back until their unmap: a pool of entries, those
	 * of one slot chained from held[slot] (UINT32_MAX: none), free ones
	 * chained from free_hm; nheld in use.
	 */
	struct held_map {
		struct mmr_event ev;
		uint32_t next;
		uint8_t family;
	} *hm;
	uint32_t nhm, cap_hm, free_hm, nheld, *held;
};

static uint64_t obj_key(unsigned family, uint64_t id)
{
	return id * 0x9e3779b97f4a7c15ull + family;
}

/* Room for slot S.  Returns 0, or -1 when out of memory. */
static int grow_slots(struct planner *pl, uint32_t s)
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
static uint32_t new_slot(struct planner *pl, uint8_t family, uint32_t t)
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
static void release_slot(struct planner *pl, uint32_t s, uint32_t t)
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
static int thread_of(struct planner *pl, const struct mmr_event *ev, uint64_t *t)
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
 * Tie op (thread T, index I), the stream's last, to its slot S's previous
 * op: the waits and publishes.  Returns 0, or -1 when out of memory.
 */
static int chain(struct planner *pl, uint32_t s, uint32_t t, size_t i, bool aux)
{
	struct rp_stream *st = &pl->p->streams[t];
	struct rp_op *op = &st->ops[i];
	uint32_t prev = pl->last_thread[s];
	if (prev != UINT32_MAX && prev != t) {
		op->sync |= aux ? RP_AUX_WAIT : RP_WAIT;
		struct rp_op *before = &pl->p->streams[prev].ops[pl->last_index[s]];
		/* The previous op may have used S as its main or its aux slot. */
		before->sync |= before->slot == s ? RP_PUBLISH : RP_AUX_PUBLISH;
	}
	pl->last_thread[s] = t;
	pl->last_index[s] = i;
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
static int note_gap(struct planner *pl, uint64_t ts)
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
static long append(struct planner *pl, uint32_t t, const struct mmr_event *ev, uint8_t family)
{
	if (!pl->any) {
		pl->first_ts = pl->last_ts = ev->ts_ns;
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
static void count_dead_end(struct planner *pl, uint64_t key)
{
	if (mmr_idmap_get(&pl->ended, key))
		pl->p->skip.double_frees++;
	else
		pl->p->skip.unknown_frees++;
}

/* Drop every map held back on slot S: its object is used before their unmaps came. */
static void drop_held(struct planner *pl, uint32_t s)
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
static int end_object(struct planner *pl, unsigned family, uint64_t id, uint32_t t, size_t i, bool aux)
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
		pl->release = (uint32_t)slot; /* not the realloc's new slot: it holds the old object if the realloc fails */
	else
		release_slot(pl, (uint32_t)slot, t);
	return mmr_idmap_put(&pl->ended, key, 1) ? -1 : 1;
}

/*
 * The live object in slot S was allocated again at its address: its free
 * was lost, it stays allocated through the replay and is freed after it.
 * Returns 0, or -1 when out of memory.
 */
static int abandon(struct planner *pl, uint32_t s)
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
static bool wanted(struct planner *pl, const struct mmr_event *ev, uint8_t *family)
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
static uint32_t held_entry(struct planner *pl, uint32_t s)
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
static int hold_map(struct planner *pl, uint32_t s, const struct mmr_event *ev, uint8_t family)
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
static const struct held_map *pair_unmap(struct planner *pl, uint32_t s, const struct mmr_event *ev)
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
static int append_use(struct planner *pl, uint32_t t, const struct mmr_event *ev, uint8_t family, uint32_t s)
{
	long i = append(pl, t, ev, family);
	return i < 0 ? -1 : chain(pl, s, t, (size_t)i, false);
}

/*
 * A map or unmap of live slot S on thread T: a map is held back; an unmap
 * goes out right after the map it closes.  Returns 0, or -1 when out of memory.
 */
static int plan_mapping(struct planner *pl, uint32_t t, const struct mmr_event *ev, uint8_t family, uint32_t s)
{
	if (ev->op == MMR_OP_MAP)
		return hold_map(pl, s, ev, family);
	const struct held_map *m = pair_unmap(pl, s, ev);
	if (!m)
		return 0;
	struct mmr_event map = m->ev; /* the pool may move when it grows: a copy */
	return append_use(pl, t, &map, m->family, s) || append_use(pl, t, ev, family, s) ? -1 : 0;
}

/* Plan one event.  Returns 0, or -1 when out of memory. */
static int plan_event(struct planner *pl, const struct mmr_event *ev)
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

/* The default thread count: the mapping's distinct CPUs or tasks, by a first pass. */
static int count_threads(struct mmr_reader *r, const struct mmr_replay_opts *o, unsigned *n,
			 struct mmr_error *err)
{
	struct mmr_idmap seen = {0};
	const struct mmr_event *evs;
	size_t k;
	int rc;
	if (mmr_reader_seek_block(r, 0, err))
		return -1;
	while ((rc = mmr_reader_next_block(r, &evs, &k, err)) == 1)
		for (size_t i = 0; i < k; i++) {
			uint64_t key = o->map == MMR_MAP_PID ? (uint64_t)(uint32_t)evs[i].pid : evs[i].cpu;
			if (!mmr_idmap_get(&seen, key) && mmr_idmap_put(&seen, key, 1)) {
				mmr_idmap_destroy(&seen);
				snprintf(err->msg, sizeof(err->msg), "replay: out of memory");
				return -1;
			}
		}
	/* Hashing has no natural count: as many as the trace has CPUs. */
	*n = seen.len ? (unsigned)(seen.len < 256 ? seen.len : 256) : 1;
	mmr_idmap_destroy(&seen);
	return rc < 0 ? -1 : 0;
}

static void planner_free(struct planner *pl)
{
	mmr_idmap_destroy(&pl->live);
	mmr_idmap_destroy(&pl->ended);
	mmr_idmap_destroy(&pl->who);
	mmr_idmap_destroy(&pl->cpus);
	rp_sites_index_free(&pl->sites);
	free(pl->last_thread);
	free(pl->last_index);
	free(pl->seq);
	free(pl->family);
	free(pl->bytes);
	free(pl->abandoned);
	free(pl->hm);
	free(pl->held);
	free(pl->free_next);
	free(pl->free_head);
}

/* The objects still live when the trace ends, abandoned ones too.  Returns 0, or -1 when out of memory. */
static int collect_live(struct planner *pl)
{
	size_t pos = 0, n = pl->nabandoned;
	uint64_t key, slot;
	pl->p->live_end = malloc((pl->live.len + n + 1) * sizeof(*pl->p->live_end));
	if (!pl->p->live_end)
		return -1;
	if (n)
		memcpy(pl->p->live_end, pl->abandoned, n * sizeof(*pl->abandoned));
	while (mmr_idmap_next(&pl->live, &pos, &key, &slot))
		pl->p->live_end[n++] = (struct rp_live){(uint32_t)slot, pl->family[slot]};
	pl->p->nlive_end = n;
	return 0;
}

/* "slab, page" for the engine's families, for the nothing-to-replay error. */
static void family_list(uint32_t families, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned f = 0; f < MMR_FAM_COUNT && n < len; f++)
		if (families & (1u << f))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", mmr_family_name(f));
}

static int plan_events(struct planner *pl, struct mmr_reader *r, struct mmr_error *err)
{
	const struct mmr_event *evs;
	size_t k;
	int rc = 0;
	if (mmr_reader_seek_block(r, 0, err))
		return -1;
	uint64_t limit = pl->o->max_events ? pl->o->max_events : UINT64_MAX;
	while (pl->p->events < limit && (rc = mmr_reader_next_block(r, &evs, &k, err)) == 1) {
		for (size_t i = 0; i < k && pl->p->events < limit; i++) {
			pl->p->events++;
			if (plan_event(pl, &evs[i])) {
				snprintf(err->msg, sizeof(err->msg), "replay: out of memory planning event %llu",
					 (unsigned long long)pl->p->events);
				return -1;
			}
		}
	}
	return rc < 0 ? -1 : 0;
}

int rp_plan_build(struct mmr_reader *r, const struct mmr_engine_ops *engine,
		  const struct mmr_replay_opts *o, struct rp_plan *p, struct mmr_error *err)
{
	double gap_s = o->max_gap_s > 0 ? o->max_gap_s : MMR_MAX_GAP_DEFAULT_S;
	struct planner pl = {.p = p, .eng = engine, .o = o, .free_hm = UINT32_MAX, .release = RP_NO_SLOT,
			     .max_gap_ns = (uint64_t)(gap_s * 1e9)};
	memset(p, 0, sizeof(*p));
	p->nthreads = o->threads;
	if (!p->nthreads && count_threads(r, o, &p->nthreads, err))
		return -1;
	if (p->nthreads > PLAN_MAX_THREADS) {
		snprintf(err->msg, sizeof(err->msg), "replay: %u threads, at most %u", p->nthreads, PLAN_MAX_THREADS);
		return -1;
	}
	p->streams = calloc(p->nthreads, sizeof(*p->streams));
	pl.free_head = malloc(p->nthreads * sizeof(*pl.free_head));
	for (unsigned t = 0; pl.free_head && t < p->nthreads; t++)
		pl.free_head[t] = RP_NO_SLOT;
	if (!p->streams || !pl.free_head) {
		planner_free(&pl);
		rp_plan_free(p);
		snprintf(err->msg, sizeof(err->msg), "replay: out of memory");
		return -1;
	}
	int rc = plan_events(&pl, r, err);
	if (rc == 0 && collect_live(&pl)) {
		snprintf(err->msg, sizeof(err->msg), "replay: out of memory");
		rc = -1;
	}
	p->skip.unpaired_maps += pl.nheld; /* never unmapped before the trace ended */
	p->trace_cpus = (unsigned)pl.cpus.len;
	p->span_ns = pl.any ? pl.last_ts - pl.first_ts : 0;
	p->first_ts = pl.first_ts;
	planner_free(&pl);
	if (rc == 0 && p->ops == 0) {
		char fams[128];
		family_list(engine->families, fams, sizeof(fams));
		snprintf(err->msg, sizeof(err->msg),
			 "%s: no event engine %s can replay: it takes %s events (and --as FAMILY "
			 "replays other families as one of those)", o->trace, engine->name, fams);
		rc = -1;
	}
	if (rc)
		rp_plan_free(p);
	return rc;
}

void rp_plan_free(struct rp_plan *p)
{
	for (unsigned t = 0; p->streams && t < p->nthreads; t++)
		rp_stream_free(&p->streams[t]);
	free(p->streams);
	free(p->sites);
	p->sites = NULL;
	free(p->live_end);
	free(p->gaps);
	p->streams = NULL;
	p->live_end = NULL;
	p->gaps = NULL;
}
