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
 * section on its CPU (nothing else runs there until the unmap), but when
 * the trace's CPUs are folded onto fewer threads, another CPU's ops land
 * inside it.  A thread that then waits for another thread while holding
 * the mapping's locks can deadlock the replay against a writer queued on
 * them (seen under load: zsmalloc-pinbit, page migration).  So an unmap is
 * moved back to just after its own CPU's last op, before the other CPUs'
 * ops, as the kernel would have run it (see close_window).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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
	/* Per slot: the thread and stream index of its last op. */
	uint32_t *last_thread;
	size_t *last_index;
	uint32_t *seq;
	uint64_t *bytes;        /* per slot: its object's live bytes, for the op that ends it */
	uint8_t *family;        /* per slot */
	size_t cap_slots;
	/* Objects whose address was allocated again while live: they never end. */
	struct rp_live *abandoned;
	size_t nabandoned, cap_abandoned;
	uint64_t first_ts, last_ts;
	bool any;
	/* Open zsmalloc mappings: on which thread, of which CPU, and where that CPU's ops end. */
	struct plan_window {
		uint32_t thread, slot;
		uint64_t cpu;
		size_t own_end;
	} *win;
	size_t nwin, cap_win;
};

static uint64_t obj_key(unsigned family, uint64_t id)
{
	return id * 0x9e3779b97f4a7c15ull + family;
}

static uint8_t size_class(uint64_t size)
{
	return size <= 1 ? 0 : (uint8_t)(64 - __builtin_clzll(size - 1));
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
	if (!lt || !li || !sq || !fam || !by)
		return -1;
	pl->cap_slots = cap;
	return 0;
}

/* A new slot of FAMILY.  Returns it, or RP_NO_SLOT when out of memory or past 2^32 - 2 objects. */
static uint32_t new_slot(struct planner *pl, uint8_t family)
{
	uint32_t s = pl->p->nslots;
	if (s == RP_NO_SLOT - 1 || grow_slots(pl, s))
		return RP_NO_SLOT;
	pl->seq[s] = 0;
	pl->family[s] = family;
	pl->last_thread[s] = UINT32_MAX;
	pl->p->nslots++;
	return s;
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

/* Tie op (thread T, index I) to its slot S's previous op: the waits and publishes. */
static void chain(struct planner *pl, uint32_t s, uint32_t t, size_t i, bool aux)
{
	struct rp_op *op = &pl->p->streams[t].ops[i];
	uint32_t prev = pl->last_thread[s];
	if (prev != UINT32_MAX && prev != t) {
		op->sync |= aux ? RP_AUX_WAIT : RP_WAIT;
		struct rp_op *before = &pl->p->streams[prev].ops[pl->last_index[s]];
		/* The previous op may have used S as its main or its aux slot. */
		before->sync |= before->slot == s ? RP_PUBLISH : RP_AUX_PUBLISH;
	}
	if (aux) {
		op->aux_slot = s;
		op->aux_seq = pl->seq[s]++;
		op->end_bytes = pl->bytes[s]; /* a realloc ends its old object */
	} else {
		op->slot = s;
		op->seq = pl->seq[s]++;
		if (op->sync & RP_ENDS)
			op->end_bytes = pl->bytes[s];
	}
	pl->last_thread[s] = t;
	pl->last_index[s] = i;
}

/*
 * Stream memory comes from mmap with transparent huge pages asked for:
 * replay reads it straight through, and with 4 KiB pages a 5 M-op stream
 * is 90,000 TLB misses (BENCHMARKS.md).  Returns the new array holding the
 * first N ops of OLD (CAP_OLD slots), or NULL when out of memory.
 */
static struct rp_op *grow_ops(struct rp_op *old, size_t n, size_t cap_old, size_t cap)
{
	size_t bytes = cap * sizeof(*old);
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without THP the pages stay 4 KiB */
	if (n)
		memcpy(p, old, n * sizeof(*old));
	if (old)
		munmap(old, cap_old * sizeof(*old));
	return p;
}

/* Append an op for EV to thread T's stream.  Returns its index, or -1 when out of memory. */
static long append(struct planner *pl, uint32_t t, const struct mmr_event *ev, uint8_t family)
{
	struct rp_stream *st = &pl->p->streams[t];
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 4096;
		struct rp_op *ops = grow_ops(st->ops, st->n, st->cap, cap);
		if (!ops)
			return -1;
		st->ops = ops;
		st->cap = cap;
	}
	if (!pl->any) {
		pl->first_ts = ev->ts_ns;
		pl->any = true;
	}
	pl->last_ts = ev->ts_ns > pl->last_ts ? ev->ts_ns : pl->last_ts;
	st->ops[st->n] = (struct rp_op){
		.ts = ev->ts_ns > pl->first_ts ? ev->ts_ns - pl->first_ts : 0,
		.size = ev->bytes_req, .bytes_alloc = ev->bytes_alloc, .aux = ev->aux,
		.call_site = ev->call_site, .slot = RP_NO_SLOT, .aux_slot = RP_NO_SLOT,
		.gfp = ev->gfp, .node = ev->node, .flags = ev->flags, .op = ev->op,
		.family = family, .order = ev->order, .sizeclass = size_class(ev->bytes_req),
		.sync = mmr_op_starts_object(ev->op) ? RP_STARTS : mmr_op_ends_object(ev->op) ? RP_ENDS : 0,
	};
	pl->p->ops++;
	pl->p->ops_by[ev->op]++;
	return (long)st->n++;
}

/* Count an end of an object that is not live: ended before, or never seen. */
static void count_dead_end(struct planner *pl, uint64_t key)
{
	if (mmr_idmap_get(&pl->ended, key))
		pl->p->skip.double_frees++;
	else
		pl->p->skip.unknown_frees++;
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
	chain(pl, (uint32_t)slot, t, i, aux);
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
	pl->p->skip.live_reuse++;
	return 0;
}

/* Whether EV can be replayed at all; counts it when not. */
static bool wanted(struct planner *pl, const struct mmr_event *ev, uint8_t *family)
{
	enum mmr_event_invalid why = mmr_event_check(ev);
	if (why != MMR_EVENT_VALID) {
		pl->p->skip.invalid[why][ev->family][ev->op]++;
		pl->p->skip.invalid_total++;
		return false;
	}
	uint8_t fam = ev->family;
	if (!(pl->eng->families & (1u << fam)) && pl->o->as_family >= 0)
		fam = (uint8_t)pl->o->as_family;
	if (!(pl->eng->families & (1u << fam))) {
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

/* Op I of thread T from CPU: it extends the open windows of its CPU on T.  MAP opens one. */
static int track_windows(struct planner *pl, uint32_t t, uint64_t cpu, size_t i, const struct mmr_event *ev,
			 uint32_t slot)
{
	for (size_t w = 0; w < pl->nwin; w++)
		if (pl->win[w].thread == t && pl->win[w].cpu == cpu && !(ev->op == MMR_OP_UNMAP && pl->win[w].slot == slot))
			pl->win[w].own_end = i + 1; /* (the window's own unmap is what close_window moves) */
	if (ev->op != MMR_OP_MAP)
		return 0;
	if (pl->nwin == pl->cap_win) {
		size_t cap = pl->cap_win ? pl->cap_win * 2 : 16;
		struct plan_window *g = realloc(pl->win, cap * sizeof(*g));
		if (!g)
			return -1;
		pl->win = g;
		pl->cap_win = cap;
	}
	pl->win[pl->nwin++] = (struct plan_window){t, slot, cpu, i + 1};
	return 0;
}

/* Whether op (T, K) names slot S, as its main or aux slot. */
static bool touches(const struct rp_op *op, uint32_t s)
{
	return op->slot == s || op->aux_slot == s;
}

/*
 * The unmap just planned as op I of thread T closes slot S's window: move
 * it back to the end of its own CPU's ops, past the other CPUs' ops folded
 * in since the map (unless one of them uses S: its order on S must hold).
 * Moving an op that waits for nothing earlier cannot make a thread wait.
 */
static void close_window(struct planner *pl, uint32_t t, uint32_t s, size_t i)
{
	size_t w = 0, to;
	while (w < pl->nwin && !(pl->win[w].thread == t && pl->win[w].slot == s))
		w++;
	if (w == pl->nwin)
		return;
	to = pl->win[w].own_end;
	pl->win[w] = pl->win[--pl->nwin];
	struct rp_op *ops = pl->p->streams[t].ops, u = ops[i];
	if (to >= i || (u.sync & (RP_WAIT | RP_AUX_WAIT)))
		return;
	for (size_t k = to; k < i; k++)
		if (touches(&ops[k], s))
			return;
	/* The ops in between shift by one: the slots whose last op they are follow them. */
	for (size_t k = i; k-- > to;) {
		uint32_t ss[2] = {ops[k].slot, ops[k].aux_slot};
		for (int j = 0; j < 2; j++)
			if (ss[j] != RP_NO_SLOT && pl->last_thread[ss[j]] == t && pl->last_index[ss[j]] == k)
				pl->last_index[ss[j]] = k + 1;
		ops[k + 1] = ops[k];
	}
	ops[to] = u;
	pl->last_index[s] = to;
	for (size_t v = 0; v < pl->nwin; v++)
		if (pl->win[v].thread == t && pl->win[v].own_end > to)
			pl->win[v].own_end++;
	pl->p->moved_unmaps++;
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
	long i = append(pl, th, ev, family);
	if (i < 0 || track_windows(pl, th, ev->cpu, (size_t)i, ev, live ? (uint32_t)*live : RP_NO_SLOT))
		return -1;
	if (ends)
		return end_object(pl, family, ev->id, th, (size_t)i, false) < 0 ? -1 : 0;
	if (uses_object(ev->op)) {
		chain(pl, (uint32_t)*live, th, (size_t)i, false);
		if (ev->op == MMR_OP_UNMAP)
			close_window(pl, th, (uint32_t)*live, (size_t)i);
		return 0;
	}
	if (!starts)
		return 0; /* purge, compact, ...: no object */
	/* realloc: the old object ends in the same op (krealloc(NULL) has none). */
	if (ev->op == MMR_OP_REALLOC && ev->aux && end_object(pl, family, ev->aux, th, (size_t)i, true) < 0)
		return -1;
	uint64_t *old = mmr_idmap_get(&pl->live, key);
	if (old && abandon(pl, (uint32_t)*old))
		return -1;
	uint32_t s = new_slot(pl, family);
	if (s == RP_NO_SLOT || mmr_idmap_put(&pl->live, key, s))
		return -1;
	pl->bytes[s] = rp_op_bytes(&pl->p->streams[th].ops[i]);
	chain(pl, s, th, (size_t)i, false);
	return 0;
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
	free(pl->last_thread);
	free(pl->last_index);
	free(pl->seq);
	free(pl->family);
	free(pl->bytes);
	free(pl->abandoned);
	free(pl->win);
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
	struct planner pl = {.p = p, .eng = engine, .o = o};
	memset(p, 0, sizeof(*p));
	p->nthreads = o->threads;
	if (!p->nthreads && count_threads(r, o, &p->nthreads, err))
		return -1;
	if (p->nthreads > PLAN_MAX_THREADS) {
		snprintf(err->msg, sizeof(err->msg), "replay: %u threads, at most %u", p->nthreads, PLAN_MAX_THREADS);
		return -1;
	}
	p->streams = calloc(p->nthreads, sizeof(*p->streams));
	if (!p->streams) {
		snprintf(err->msg, sizeof(err->msg), "replay: out of memory");
		return -1;
	}
	int rc = plan_events(&pl, r, err);
	if (rc == 0 && collect_live(&pl)) {
		snprintf(err->msg, sizeof(err->msg), "replay: out of memory");
		rc = -1;
	}
	p->trace_cpus = (unsigned)pl.cpus.len;
	p->span_ns = pl.any ? pl.last_ts - pl.first_ts : 0;
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
		if (p->streams[t].ops)
			munmap(p->streams[t].ops, p->streams[t].cap * sizeof(*p->streams[t].ops));
	free(p->streams);
	free(p->live_end);
	p->streams = NULL;
	p->live_end = NULL;
}
