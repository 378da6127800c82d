/* SPDX-License-Identifier: MIT */
/*
 * cma_bulk.c - "cma-bulk": secure video playback taking its buffers from a
 * CMA area in bulk, the load of seed 001's second thread (cma_alloc_bulk):
 * a playback session needs "several hundred MB" physically contiguous, as
 * 4800 order-4 chunks (300 MiB), and gives them all back when it stops.
 * A player on each CPU idles, then allocates a session's chunks in one
 * burst (the loop of one cma_alloc_bulk call: one cma_alloc event per
 * chunk, microseconds apart), plays, and releases them in a burst.  A
 * session that finds the area full plays with what it got.  The proposed
 * call was never merged, so there is no tracepoint of the bulk call
 * itself; what a trace of it would hold is these per-chunk events.
 */
#include <stdlib.h>

#include "wl_internal.h"

enum { P_AREA, P_CHUNKS, P_ORDER, P_BURST, P_PLAY, P_IDLE, NPARAMS };

static const struct mmr_workload_param cb_params[NPARAMS] = {
	[P_AREA] = {"area-chunks", 8192, 1, 1u << 20, "chunks the CMA area holds (8192 order-4 chunks: 512 MiB)"},
	[P_CHUNKS] = {"chunks", 4800, 1, 1u << 20, "chunks one playback session asks for (seed 001: 4800)"},
	[P_ORDER] = {"order", 4, 0, 10, "page order of one chunk (seed 001: order 4, 64 KiB)"},
	[P_BURST] = {"burst-us", 2, 1, 1000000, "mean time between two chunks of one burst"},
	[P_PLAY] = {"play-ms", 50, 1, 3600000, "mean time a session plays before it releases its chunks"},
	[P_IDLE] = {"idle-ms", 20, 1, 3600000, "mean time a player idles between sessions"},
};

#define PID_PLAYER 7000 /* "mediaserver": the secure playback service */
/* The area starts at 4 GiB. */
#define BASE_PFN 0x100000ull

enum { SITE_ALLOC, SITE_RELEASE, NSITES };

/* What a player's wake-up does next (wl_wake.kind). */
enum { W_IDLE, W_GRAB, W_PLAY, W_DROP };

struct player {
	struct wl_vec held; /* the session's chunks (area slots) */
	uint64_t asked;     /* chunks this session still asks for */
};

struct cb {
	uint64_t area, chunks, order, burst_ns, play_ns, idle_ns;
	struct wl_vec free_slots; /* area slots, the most recently released on top */
	struct player *players;
	uint32_t nplayers;
	uint64_t site[NSITES];
};

static int cb_emit(struct wl_sim *s, struct cb *cb, uint32_t cpu, unsigned op, uint32_t slot)
{
	uint64_t pfn = BASE_PFN + ((uint64_t)slot << cb->order);
	struct mmr_event ev = wl_event(s, cpu, PID_PLAYER + (int32_t)cpu, op, pfn);
	ev.bytes_req = (1ull << cb->order) * WL_PAGE_SIZE;
	ev.order = (uint8_t)cb->order;
	if (op == MMR_OP_ALLOC) {
		ev.bytes_alloc = ev.bytes_req;
		ev.gfp = WL_GFP_KERNEL;
	}
	ev.call_site = cb->site[op == MMR_OP_ALLOC ? SITE_ALLOC : SITE_RELEASE];
	return wl_emit(s, &ev);
}

/* One chunk of the burst; how the player goes on. */
static int cb_grab(struct wl_sim *s, struct cb *cb, struct player *p, uint32_t cpu)
{
	/* With nothing owed, the exact event count wins: a last chunk may stay taken. */
	if (p->asked && cb->free_slots.len && (wl_afford(s, 1) || s->owed == 0)) {
		uint32_t slot = (uint32_t)wl_vec_pop(&cb->free_slots);
		int rc = cb_emit(s, cb, cpu, MMR_OP_ALLOC, slot);
		if (rc)
			return rc < 0 ? -1 : 0;
		s->owed++;
		p->asked--;
		if (wl_vec_push(&p->held, slot))
			return wl_oom(s);
		return wl_wake_at(s, s->now + 1 + wl_exp(&s->rng, cb->burst_ns), cpu, W_GRAB, 0);
	}
	/* All it asked for, or all there was room or budget for: play. */
	return wl_wake_at(s, s->now + 1 + wl_exp(&s->rng, cb->play_ns), cpu, W_PLAY, 0);
}

/* One chunk given back; the session ends with its last. */
static int cb_drop(struct wl_sim *s, struct cb *cb, struct player *p, uint32_t cpu)
{
	if (!p->held.len)
		return wl_wake_at(s, s->now + 1 + wl_exp(&s->rng, cb->idle_ns), cpu, W_IDLE, 0);
	uint32_t slot = (uint32_t)p->held.v[p->held.len - 1];
	int rc = cb_emit(s, cb, cpu, MMR_OP_RELEASE, slot);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed--;
	wl_vec_pop(&p->held);
	if (wl_vec_push(&cb->free_slots, slot))
		return wl_oom(s);
	return wl_wake_at(s, s->now + 1 + wl_exp(&s->rng, cb->burst_ns), cpu, W_DROP, 0);
}

static int cb_step(struct wl_sim *s, void *ctx, const struct wl_wake *wk)
{
	struct cb *cb = ctx;
	struct player *p = &cb->players[wk->cpu];
	switch (wk->kind) {
	case W_IDLE: /* a session starts */
		p->asked = cb->chunks;
		return cb_grab(s, cb, p, wk->cpu);
	case W_GRAB:
		return cb_grab(s, cb, p, wk->cpu);
	default: /* W_PLAY, then W_DROP: the session stops */
		return cb_drop(s, cb, p, wk->cpu);
	}
}

static const char *const cb_site_names[NSITES] = {
	[SITE_ALLOC] = "cma_alloc_bulk+0x1b2",
	[SITE_RELEASE] = "secure_heap_free+0x5c",
};

static int cb_setup(struct wl_sim *s, struct cb *cb, const struct mmr_workload_config *cfg)
{
	cb->area = cfg->params[P_AREA];
	cb->chunks = cfg->params[P_CHUNKS];
	cb->order = cfg->params[P_ORDER];
	cb->burst_ns = cfg->params[P_BURST] * WL_NS_PER_US;
	cb->play_ns = cfg->params[P_PLAY] * WL_NS_PER_MS;
	cb->idle_ns = cfg->params[P_IDLE] * WL_NS_PER_MS;
	cb->nplayers = s->cpus;
	cb->players = calloc(s->cpus, sizeof(*cb->players));
	if (!cb->players)
		return wl_oom(s);
	/* In reverse, so the first chunk takes the lowest pfn, as the bitmap search from the area's start does. */
	for (uint64_t i = cb->area; i-- > 0;)
		if (wl_vec_push(&cb->free_slots, i))
			return wl_oom(s);
	if (wl_symbols(s, WL_KERNEL_TEXT + 0x310000, cb_site_names, NSITES, cb->site) ||
	    wl_comms(s, PID_PLAYER, "mediaserver"))
		return -1;
	for (uint32_t cpu = 0; cpu < s->cpus; cpu++)
		if (wl_wake_at(s, wl_exp(&s->rng, cb->idle_ns), cpu, W_IDLE, 0))
			return -1;
	return 0;
}

static int cb_generate(const struct mmr_workload_config *cfg, struct mmr_writer *w, struct mmr_error *err)
{
	struct wl_sim s;
	struct cb cb = {0};
	int rc = wl_sim_init(&s, &wl_cma_bulk, cfg, w, err);
	if (!rc)
		rc = cb_setup(&s, &cb, cfg);
	if (!rc)
		rc = wl_sim_run(&s, cb_step, &cb);
	for (uint32_t i = 0; cb.players && i < cb.nplayers; i++)
		wl_vec_free(&cb.players[i].held);
	free(cb.players);
	wl_vec_free(&cb.free_slots);
	wl_sim_destroy(&s);
	return rc;
}

/* The cma-bulk workload. */
const struct mmr_workload wl_cma_bulk = {
	.name = "cma-bulk",
	.summary = "secure video sessions taking thousands of order-4 CMA chunks in bursts, then releasing them",
	.mirrors = "cma_alloc_bulk for secure playback buffers (seed 001: 4800 order-4 chunks, 300 MiB)",
	.family = MMR_FAM_CMA,
	.params = cb_params,
	.nparams = NPARAMS,
	.generate = cb_generate,
};
