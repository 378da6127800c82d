/* SPDX-License-Identifier: MIT */
/*
 * fuzz_plan.c - the replay planner alone (replay/run/plan.c), against what
 * it promises the runner and the engines, without running anything: a
 * thousand plans a second where fuzz_replay runs ten replays.
 *
 * Input: F0 F1 (the families the engine takes), O0 O1 O2 (the ops it
 * does), S0 (threads 1..8, mapping), S1 (--as), S2 (-n), then events as in
 * fuzz_replay (fz_decode_event).  The plan must hold:
 *   - every op in range (mmr_event_check), of a family and an op the
 *     engine takes: no engine ever sees another;
 *   - per object, its ops numbered 0..k-1, each after the one before:
 *     earlier on the same thread, or waited for (RP_WAIT) and published
 *     (RP_PUBLISH) across threads;
 *   - no deadlock: the streams run to their end when each op waits for its
 *     object's previous one (a simulation of the runner);
 *   - a zsmalloc map is followed at once by its unmap on the same thread;
 *   - the objects left live at the end are distinct, and none has ended;
 *   - the counts add up, and the gaps cut for pacing are in order;
 *   - planned again a window of three ops at a time, the same ops, with
 *     some of the same waits, and the same figures.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "run_internal.h"

#define MAX_EVENTS 4096

/* Every op of the plan being checked, whole (rp_ops_view): views[t][i]. */
static struct rp_op_view **views;

static int nop(void *thread, struct mmr_call *call)
{
	(void)thread;
	call->handle = 1;
	return MMR_CALL_OK;
}

static void *create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	(void)env;
	(void)err;
	return NULL;
}

static void destroy(void *engine)
{
	(void)engine;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

/* An engine of the families and ops the input names; its ops are never called. */
static void make_engine(struct fz_cursor *c, struct mmr_engine_ops *e)
{
	uint32_t fams = (uint32_t)fz_u8(c) | (uint32_t)fz_u8(c) << 8;
	uint32_t ops = (uint32_t)fz_u8(c) | (uint32_t)fz_u8(c) << 8 | (uint32_t)fz_u8(c) << 16;
	*e = (struct mmr_engine_ops){.abi = MMR_ENGINE_ABI, .name = "fuzz", .create = create, .destroy = destroy};
	/* Mostly every family and op, as the null engine: bits clear to leave some out. */
	e->families = ~fams & ((1u << MMR_FAM_COUNT) - 1);
	for (unsigned k = 0; k < MMR_OP_COUNT; k++)
		e->op[k] = ops & (1u << k) ? NULL : nop;
	if (!e->families)
		e->families = 1u << MMR_FAM_SLAB;
	e->op[MMR_OP_ALLOC] = nop;
}

static void settings(struct fz_cursor *c, struct mmr_replay_opts *o)
{
	uint8_t s0 = fz_u8(c), s1 = fz_u8(c), s2 = fz_u8(c);
	static const enum mmr_replay_map maps[4] = {MMR_MAP_CPU, MMR_MAP_PID, MMR_MAP_HASH, MMR_MAP_CPU};
	o->threads = 1 + (s0 & 7);
	o->map = maps[(s0 >> 3) & 3];
	o->max_gap_s = s0 & 32 ? 1e-6 : 0;
	o->as_family = s1 & 0x80 ? (int)((s1 & 0x7f) % MMR_FAM_COUNT) : -1;
	o->max_events = s0 & 64 ? s2 : 0;
}

/* Where each use of an object is: per slot, per seq, the thread and index (and whether as aux). */
struct use {
	uint32_t thread;
	uint32_t index;
	bool aux;
	bool seen;
};

struct uses {
	struct use **by_slot; /* by_slot[s][q] */
	uint32_t *count;      /* uses of each slot */
	uint32_t nslots;
};

static void note_use(struct uses *u, uint32_t s, uint32_t q, uint32_t t, size_t i, bool aux)
{
	if (s >= u->nslots)
		fz_finding("op %u.%zu: slot %u of %u", t, i, s, u->nslots);
	if (q >= u->count[s])
		fz_finding("op %u.%zu: seq %u of slot %u, which has %u uses", t, i, q, s, u->count[s]);
	struct use *x = &u->by_slot[s][q];
	if (x->seen)
		fz_finding("slot %u seq %u twice: ops %u.%u and %u.%zu", s, q, x->thread, x->index, t, i);
	*x = (struct use){t, (uint32_t)i, aux, true};
}

/* Each op in range and of what the engine takes; with --as, its family's rules may not apply. */
static void check_op(const struct mmr_engine_ops *e, bool as, uint32_t t, size_t i)
{
	const struct rp_op_view *op = &views[t][i];
	struct mmr_event ev = {.family = op->family, .op = op->op, .order = op->order, .bytes_req = op->size,
			       .bytes_alloc = op->bytes_alloc, .aux = op->aux, .node = op->node};
	if (op->family >= MMR_FAM_COUNT || op->op >= MMR_OP_COUNT)
		fz_finding("op %u.%zu: family %u op %u", t, i, op->family, op->op);
	if (op->family == MMR_FAM_LOCK)
		fz_finding("op %u.%zu: a lock wait replayed (the kernel's contention is never replayed)", t, i);
	if (!(e->families & (1u << op->family)) || !e->op[op->op])
		fz_finding("op %u.%zu: %s %s, which the engine does not take", t, i, mmr_family_name(op->family),
			   mmr_op_name(op->op));
	enum mmr_event_invalid why = mmr_event_check(&ev);
	if (why != MMR_EVENT_VALID && !(as && (why == MMR_INVALID_OP || why == MMR_INVALID_ALIGN)))
		fz_finding("op %u.%zu: %s %s out of range: %s", t, i, mmr_family_name(op->family),
			   mmr_op_name(op->op), mmr_event_invalid_name(why));
	if ((op->sync & (RP_STARTS | RP_ENDS)) && op->slot == RP_NO_SLOT)
		fz_finding("op %u.%zu: a start or end without an object", t, i);
}

/* Count the uses of every slot, then place each; then each use's predecessor. */
static void check_order(const struct rp_plan *p, struct uses *u)
{
	for (uint32_t t = 0; t < p->nthreads; t++)
		for (size_t i = 0; i < p->streams[t].n; i++) {
			const struct rp_op_view *op = &views[t][i];
			if (op->slot != RP_NO_SLOT && op->slot < u->nslots)
				u->count[op->slot]++;
			if (op->aux_slot != RP_NO_SLOT && op->aux_slot < u->nslots)
				u->count[op->aux_slot]++;
		}
	for (uint32_t s = 0; s < u->nslots; s++)
		if (!(u->by_slot[s] = calloc(u->count[s] ? u->count[s] : 1, sizeof(struct use))))
			fz_fatal("out of memory");
	for (uint32_t t = 0; t < p->nthreads; t++)
		for (size_t i = 0; i < p->streams[t].n; i++) {
			const struct rp_op_view *op = &views[t][i];
			if (op->slot != RP_NO_SLOT)
				note_use(u, op->slot, op->seq, t, i, false);
			if (op->aux_slot != RP_NO_SLOT)
				note_use(u, op->aux_slot, op->aux_seq, t, i, true);
		}
	for (uint32_t s = 0; s < u->nslots; s++)
		for (uint32_t q = 1; q < u->count[s]; q++) {
			const struct use *a = &u->by_slot[s][q - 1], *b = &u->by_slot[s][q];
			const struct rp_op_view *before = &views[a->thread][a->index];
			const struct rp_op_view *op = &views[b->thread][b->index];
			if (a->thread == b->thread) {
				if (a->index >= b->index)
					fz_finding("slot %u: op %u comes at %u.%u, after op %u at %u.%u", s, q - 1, a->thread,
						   a->index, q, b->thread, b->index);
				continue;
			}
			if (!(op->sync & (b->aux ? RP_AUX_WAIT : RP_WAIT)))
				fz_finding("slot %u: op %u at %u.%u does not wait for op %u at %u.%u", s, q, b->thread,
					   b->index, q - 1, a->thread, a->index);
			if (!(before->sync & (a->aux ? RP_AUX_PUBLISH : RP_PUBLISH)))
				fz_finding("slot %u: op %u at %u.%u does not publish for op %u at %u.%u", s, q - 1,
					   a->thread, a->index, q, b->thread, b->index);
		}
}

/* Run the streams as the runner does, one op a thread a round: they must all end. */
static void check_runs(const struct rp_plan *p)
{
	uint32_t *done = calloc(p->nslots ? p->nslots : 1, sizeof(*done));
	size_t *at = calloc(p->nthreads, sizeof(*at)), left = p->ops;
	if (!done || !at)
		fz_fatal("out of memory");
	while (left) {
		bool moved = false;
		for (uint32_t t = 0; t < p->nthreads; t++) {
			if (at[t] == p->streams[t].n)
				continue;
			const struct rp_op_view *op = &views[t][at[t]];
			if (((op->sync & RP_WAIT) && done[op->slot] < op->seq) ||
			    ((op->sync & RP_AUX_WAIT) && done[op->aux_slot] < op->aux_seq))
				continue;
			if (op->sync & RP_PUBLISH)
				done[op->slot] = op->seq + 1;
			if (op->sync & RP_AUX_PUBLISH)
				done[op->aux_slot] = op->aux_seq + 1;
			at[t]++;
			left--;
			moved = true;
		}
		if (!moved)
			fz_finding("deadlock: %zu ops left, every thread waiting", left);
	}
	free(done);
	free(at);
}

/*
 * Maps go out just before their unmaps; live-at-end objects are distinct;
 * the lives of a slot (it is taken again once its object ended) do not
 * overlap, and the slot live when the trace ends is the one freed after.
 */
static void check_pairs_and_live(const struct rp_plan *p, const struct uses *u)
{
	uint8_t *live = calloc(p->nslots ? p->nslots : 1, 1);
	if (!live)
		fz_fatal("out of memory");
	for (uint32_t t = 0; t < p->nthreads; t++)
		for (size_t i = 0; i < p->streams[t].n; i++) {
			const struct rp_op_view *op = &views[t][i], *next = op + 1, *prev = op - 1;
			if (op->op == MMR_OP_MAP && (i + 1 == p->streams[t].n || next->op != MMR_OP_UNMAP ||
						     next->slot != op->slot))
				fz_finding("op %u.%zu: a map not followed by its unmap", t, i);
			if (op->op == MMR_OP_UNMAP && (i == 0 || prev->op != MMR_OP_MAP || prev->slot != op->slot))
				fz_finding("op %u.%zu: an unmap not right after its map", t, i);
		}
	for (size_t k = 0; k < p->nlive_end; k++) {
		uint32_t s = p->live_end[k].slot;
		if (s >= p->nslots || (live[s] & 1))
			fz_finding("live at the end twice, or no slot: %u", s);
		live[s] |= 1;
	}
	/* Each slot's lives one after the other: a start only on a free slot, an end or use only on a live one. */
	for (uint32_t s = 0; s < p->nslots; s++) {
		bool open = false;
		for (uint32_t q = 0; q < u->count[s]; q++) {
			const struct use *x = &u->by_slot[s][q];
			uint8_t sync = views[x->thread][x->index].sync;
			bool starts = !x->aux && (sync & RP_STARTS), ends = x->aux || (sync & RP_ENDS);
			if (starts == open)
				fz_finding("slot %u op %u: %s", s, q, open ? "a start on a live slot" : "an op on a free slot");
			open = starts || !ends;
		}
		if (open != (bool)(live[s] & 1))
			fz_finding("slot %u: %s at the end, %s", s, open ? "live" : "free",
				   live[s] & 1 ? "yet freed after the replay" : "yet not freed after the replay");
	}
	free(live);
}

static void check_counts(const struct rp_plan *p)
{
	uint64_t n = 0, by = 0;
	for (uint32_t t = 0; t < p->nthreads; t++)
		n += p->streams[t].n;
	for (unsigned k = 0; k < MMR_OP_COUNT; k++)
		by += p->ops_by[k];
	if (n != p->ops || by != p->ops || p->ops > p->events)
		fz_finding("%llu ops in the streams, %llu planned, %llu by op, %llu events", (unsigned long long)n,
			   (unsigned long long)p->ops, (unsigned long long)by, (unsigned long long)p->events);
	for (size_t g = 1; g < p->ngaps; g++)
		if (p->gaps[g].end < p->gaps[g - 1].end || p->gaps[g].cut < p->gaps[g - 1].cut)
			fz_finding("pacing gaps out of order at %zu", g);
}

/*
 * The records as the runner reads them: every site in the table, and the
 * extensions in stream order, one for each op with RP_EXT, so a cursor
 * that moves on at each such op meets each op's own.
 */
static void check_records(const struct rp_plan *p)
{
	for (uint32_t t = 0; t < p->nthreads; t++) {
		const struct rp_stream *st = &p->streams[t];
		size_t k = 0;
		for (size_t i = 0; i < st->n; i++) {
			if (st->ops[i].site >= p->nsites)
				fz_finding("op %u.%zu: site %u of %u", t, i, st->ops[i].site, p->nsites);
			if (!(st->ops[i].sync & RP_EXT)) {
				if (st->ops[i].sync & (RP_AUX_WAIT | RP_AUX_PUBLISH))
					fz_finding("op %u.%zu: an aux wait or publish and no extension", t, i);
				continue;
			}
			if (k == st->next || st->ext[k].index != i)
				fz_finding("op %u.%zu: its extension is not the next one", t, i);
			k++;
		}
		if (k != st->next)
			fz_finding("thread %u: %zu extensions, %zu ops have one", t, st->next, k);
	}
}

static void make_views(const struct rp_plan *p)
{
	if (!(views = calloc(p->nthreads, sizeof(*views))))
		fz_fatal("out of memory");
	for (uint32_t t = 0; t < p->nthreads; t++) {
		if (!(views[t] = calloc(p->streams[t].n + 1, sizeof(**views))))
			fz_fatal("out of memory");
		for (size_t i = 0; i < p->streams[t].n; i++)
			rp_ops_view(p, t, i, &views[t][i]);
	}
}

static void free_views(const struct rp_plan *p)
{
	for (uint32_t t = 0; t < p->nthreads; t++)
		free(views[t]);
	free(views);
	views = NULL;
}

/* Op I of a window of W, planned as op G of the whole plan's thread T (views[T][G]): the same op. */
static void same_op(const struct rp_plan *w, uint32_t t, size_t i, size_t g)
{
	const uint8_t cross = RP_WAIT | RP_PUBLISH | RP_AUX_WAIT | RP_AUX_PUBLISH;
	struct rp_op_view v;
	rp_ops_view(w, t, i, &v);
	const struct rp_op_view *x = &views[t][g];
	bool same = v.ts == x->ts && v.size == x->size && v.bytes_alloc == x->bytes_alloc && v.aux == x->aux &&
		    v.call_site == x->call_site && v.end_bytes == x->end_bytes && v.slot == x->slot &&
		    v.seq == x->seq && v.aux_slot == x->aux_slot && v.aux_seq == x->aux_seq && v.gfp == x->gfp &&
		    v.node == x->node && v.flags == x->flags && v.op == x->op && v.family == x->family &&
		    v.order == x->order && v.sizeclass == x->sizeclass && (v.sync & ~cross) == (x->sync & ~cross);
	if (!same)
		fz_finding("op %u.%zu: planned in windows, it is not the whole plan's", t, g);
	/* Between windows the threads meet: a window's waits are some of the whole plan's, never others. */
	if ((v.sync & cross) & ~(x->sync & cross))
		fz_finding("op %u.%zu: waits or publishes in windows where the whole plan does not", t, g);
}

/*
 * Planned again from R a few ops at a time, the trace gives the whole
 * plan's ops, slots, skips and live objects (plan_stream.c).
 */
static void check_windows(const struct rp_plan *p, struct mmr_reader *r, const struct mmr_engine_ops *e,
			  const struct mmr_replay_opts *o)
{
	struct rp_plan w;
	struct mmr_error err;
	struct mmr_replay_opts wo = *o;
	wo.threads = p->nthreads;
	if (rp_plan_open(r, e, &wo, &w, &err))
		fz_finding("planning in windows refused: %s", err.msg);
	int more;
	uint64_t ops = 0;
	do {
		if ((more = rp_plan_window(&w, 3, &err)) < 0)
			fz_finding("a window refused: %s", err.msg);
		for (uint32_t t = 0; t < w.nthreads; t++)
			for (size_t i = 0; i < w.streams[t].n; i++, ops++) {
				size_t g = w.streams[t].base + i;
				if (g >= p->streams[t].n)
					fz_finding("thread %u: more ops in windows than whole", t);
				same_op(&w, t, i, g);
			}
	} while (more == 1);
	bool live_same = w.nlive_end == p->nlive_end;
	for (size_t k = 0; live_same && k < w.nlive_end; k++)
		live_same = w.live_end[k].slot == p->live_end[k].slot && w.live_end[k].family == p->live_end[k].family;
	if (ops != p->ops || w.ops != p->ops || w.events != p->events || w.nslots != p->nslots ||
	    w.objects != p->objects || memcmp(w.ops_by, p->ops_by, sizeof(w.ops_by)) ||
	    memcmp(&w.skip, &p->skip, sizeof(w.skip)) || !live_same || w.clock_end != p->clock_end ||
	    w.ngaps != p->ngaps || w.trace_cpus != p->trace_cpus || w.span_ns != p->span_ns ||
	    w.first_ts != p->first_ts)
		fz_finding("planned in windows, the trace's figures differ from the whole plan's");
	rp_plan_free(&w);
}

static void check_plan(const struct rp_plan *p, struct mmr_reader *r, const struct mmr_engine_ops *e,
		       const struct mmr_replay_opts *o)
{
	bool as = o->as_family >= 0;
	check_records(p);
	make_views(p);
	struct uses u = {.nslots = p->nslots};
	u.by_slot = calloc(p->nslots ? p->nslots : 1, sizeof(*u.by_slot));
	u.count = calloc(p->nslots ? p->nslots : 1, sizeof(*u.count));
	if (!u.by_slot || !u.count)
		fz_fatal("out of memory");
	for (uint32_t t = 0; t < p->nthreads; t++)
		for (size_t i = 0; i < p->streams[t].n; i++)
			check_op(e, as, t, i);
	check_counts(p);
	check_order(p, &u);
	check_runs(p);
	check_pairs_and_live(p, &u);
	check_windows(p, r, e, o);
	free_views(p);
	for (uint32_t s = 0; s < u.nslots; s++)
		free(u.by_slot[s]);
	free(u.by_slot);
	free(u.count);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mmr_event events[MAX_EVENTS];
	struct fz_cursor c = {data, size};
	struct mmr_engine_ops e;
	struct mmr_replay_opts o = {0};
	char path[512];
	make_engine(&c, &e);
	settings(&c, &o);
	o.engine = &e;
	struct fz_evstate st = {.families = e.families, .prev = {.node = -1}};
	size_t n = 0;
	while (n < MAX_EVENTS && fz_decode_event(&c, &st, &events[n]))
		n++;
	/* Stored blocks: compressing is no part of what this target tests. */
	struct mmr_writer_opts wo = {.stored = true};
	if (!fz_write_events(fz_path(path, sizeof(path), "plan.mmr"), events, n, &wo))
		return 0;
	fz_save(path);
	o.trace = path;
	struct mmr_error err;
	struct mmr_reader *r = mmr_reader_open(path, &err);
	if (!r)
		fz_finding("the writer's own file is refused: %s", err.msg);
	struct rp_plan p;
	if (rp_plan_build(r, &e, &o, &p, &err) == 0) {
		check_plan(&p, r, &e, &o);
		rp_plan_free(&p);
	}
	mmr_reader_close(r);
	return 0;
}
