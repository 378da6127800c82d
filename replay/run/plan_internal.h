/* SPDX-License-Identifier: MIT */
/*
 * plan_internal.h - what the planner's two files share: plan.c plans one
 * event at a time, plan_stream.c reads the trace into windows of them.
 * Not public.
 */
#ifndef PLAN_INTERNAL_H
#define PLAN_INTERNAL_H

#include "mmr_idmap.h"
#include "run_internal.h"

#define PLAN_MAX_THREADS 1024u

/* Bookkeeping while planning, kept from one window to the next, freed after the last. */
struct rp_planner {
	struct rp_plan *p;
	const struct mmr_engine_ops *eng;
	const struct mmr_replay_opts *o;
	/* Where the next window starts: event AT of the block EVS (NEVS events) the reader gave last. */
	struct mmr_reader *r;
	const struct mmr_event *evs;
	size_t nevs, at;
	uint64_t limit;         /* events to read at most (-n) */
	uint64_t window_ops;    /* ops planned into the window being planned */
	struct mmr_idmap live;  /* (family, id) -> slot of the live object */
	struct mmr_idmap ended; /* (family, id) of objects that ended: to tell double frees */
	struct mmr_idmap who;   /* cpu or pid -> dense index, for the thread mapping */
	struct mmr_idmap cpus;  /* cpus seen */
	struct rp_sites_index sites;
	/* Per slot: the thread of its last op, and its index in that thread's ops of all windows. */
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

/* Plan EV into PL's window.  Returns 0, or -1 when out of memory. */
int rp_planner_event(struct rp_planner *pl, const struct mmr_event *ev);

#endif /* PLAN_INTERNAL_H */
