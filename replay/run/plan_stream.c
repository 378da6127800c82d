/* SPDX-License-Identifier: MIT */
/*
 * plan_stream.c - the plan of a trace, whole or one window at a time.
 *
 * A trace whose ops fit in a window is planned once, whole, and replayed
 * from memory as often as asked.  A longer one is planned a window at a
 * time while the replay runs: the planner's bookkeeping (live objects,
 * slots, who touched each last) goes on from one window to the next, the
 * streams hold one window's ops, and the replay threads meet between
 * windows (run.c), so an op never waits for one of an earlier window.
 * Memory then follows the live set and the window, not the trace's length.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_internal.h"

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

static void planner_free(struct rp_planner *pl)
{
	if (!pl)
		return;
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
	free(pl);
}

/* The objects still live when the trace ends, abandoned ones too.  Returns 0, or -1 when out of memory. */
static int collect_live(struct rp_planner *pl)
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

/*
 * The trace's end, once every event is planned: what stays live, what
 * was never unmapped, the figures of the whole.  Returns 0, or -1 (ERR).
 */
static int finish(struct rp_plan *p, struct mmr_error *err)
{
	struct rp_planner *pl = p->pl;
	if (collect_live(pl)) {
		snprintf(err->msg, sizeof(err->msg), "replay: out of memory");
		return -1;
	}
	p->skip.unpaired_maps += pl->nheld; /* never unmapped before the trace ended */
	p->trace_cpus = (unsigned)pl->cpus.len;
	p->span_ns = pl->any ? pl->last_ts - pl->first_ts : 0;
	planner_free(pl);
	p->pl = NULL;
	if (p->ops == 0) {
		char fams[128];
		family_list(p->engine->families, fams, sizeof(fams));
		snprintf(err->msg, sizeof(err->msg),
			 "%s: no event engine %s can replay: it takes %s events (and --as FAMILY "
			 "replays other families as one of those)", p->trace, p->engine->name, fams);
		return -1;
	}
	return 0;
}

int rp_plan_open(struct mmr_reader *r, const struct mmr_engine_ops *engine, const struct mmr_replay_opts *o,
		 struct rp_plan *p, struct mmr_error *err)
{
	double gap_s = o->max_gap_s > 0 ? o->max_gap_s : MMR_MAX_GAP_DEFAULT_S;
	memset(p, 0, sizeof(*p));
	p->engine = engine;
	p->trace = o->trace;
	p->nthreads = o->threads;
	if (!p->nthreads && count_threads(r, o, &p->nthreads, err))
		return -1;
	if (p->nthreads > PLAN_MAX_THREADS) {
		snprintf(err->msg, sizeof(err->msg), "replay: %u threads, at most %u", p->nthreads, PLAN_MAX_THREADS);
		return -1;
	}
	struct rp_planner *pl = p->pl = calloc(1, sizeof(*pl));
	p->streams = calloc(p->nthreads, sizeof(*p->streams));
	if (pl) {
		*pl = (struct rp_planner){.p = p, .eng = engine, .o = o, .r = r, .free_hm = UINT32_MAX,
					  .release = RP_NO_SLOT, .max_gap_ns = (uint64_t)(gap_s * 1e9),
					  .limit = o->max_events ? o->max_events : UINT64_MAX};
		pl->free_head = malloc(p->nthreads * sizeof(*pl->free_head));
	}
	for (unsigned t = 0; pl && pl->free_head && t < p->nthreads; t++)
		pl->free_head[t] = RP_NO_SLOT;
	if (!p->streams || !pl || !pl->free_head) {
		rp_plan_free(p);
		snprintf(err->msg, sizeof(err->msg), "replay: out of memory");
		return -1;
	}
	if (mmr_reader_seek_block(r, 0, err)) {
		rp_plan_free(p);
		return -1;
	}
	return 0;
}

/* The next event of the trace in *EV.  Returns 1, 0 at the end (or the -n limit), -1 (ERR). */
static int next_event(struct rp_planner *pl, const struct mmr_event **ev, struct mmr_error *err)
{
	if (pl->p->events >= pl->limit)
		return 0;
	while (pl->at == pl->nevs) {
		int rc = mmr_reader_next_block(pl->r, &pl->evs, &pl->nevs, err);
		if (rc != 1)
			return rc;
		pl->at = 0;
	}
	*ev = &pl->evs[pl->at++];
	return 1;
}

int rp_plan_window(struct rp_plan *p, uint64_t max_ops, struct mmr_error *err)
{
	struct rp_planner *pl = p->pl;
	if (!pl)
		return 0; /* planned whole already */
	for (unsigned t = 0; t < p->nthreads; t++)
		rp_stream_next_window(&p->streams[t]);
	p->windows++;
	pl->window_ops = 0;
	const struct mmr_event *ev;
	int rc = 0;
	while (pl->window_ops < max_ops && (rc = next_event(pl, &ev, err)) == 1) {
		p->events++;
		if (rp_planner_event(pl, ev)) {
			snprintf(err->msg, sizeof(err->msg), "replay: out of memory planning event %llu",
				 (unsigned long long)p->events);
			return -1;
		}
	}
	if (rc == 1) {
		/* The window is full: is there an event after it?  (It came from the block in hand.) */
		if ((rc = next_event(pl, &ev, err)) == 1) {
			pl->at--;
			return 1;
		}
	}
	if (rc < 0)
		return -1;
	return finish(p, err) ? -1 : 0;
}

int rp_plan_build(struct mmr_reader *r, const struct mmr_engine_ops *engine,
		  const struct mmr_replay_opts *o, struct rp_plan *p, struct mmr_error *err)
{
	if (rp_plan_open(r, engine, o, p, err))
		return -1;
	if (rp_plan_window(p, UINT64_MAX, err) == 0)
		return 0;
	rp_plan_free(p);
	return -1;
}

void rp_plan_free(struct rp_plan *p)
{
	planner_free(p->pl);
	p->pl = NULL;
	for (unsigned t = 0; p->streams && t < p->nthreads; t++)
		rp_stream_free(&p->streams[t]);
	free(p->streams);
	free(p->sites);
	free(p->live_end);
	free(p->gaps);
	p->streams = NULL;
	p->sites = NULL;
	p->live_end = NULL;
	p->gaps = NULL;
}
