/* SPDX-License-Identifier: MIT */
/*
 * mmr_tclock.h - trace time for the engines: the clock their timed
 * mechanisms run by (kvfree_rcu's drain, zsmalloc's compaction passes,
 * the dma-buf evictor), and timers that fire in trace time.
 *
 * A replay compresses its trace (--pace asap plays seconds of events in
 * milliseconds) or stretches it; a mechanism that slept 20 ms of wall
 * time would then fire a different number of times per event than the
 * kernel's did.  On the trace clock a timer due at trace time D fires
 * once every event at or before D has been replayed (and, under --pace
 * original, once D's wall time has come too), so a trace gives its
 * mechanisms the same firings whatever the pacing.  Firing does not stop
 * the replay: the mechanism's work runs beside the events after D, as a
 * kernel worker runs beside the CPUs' allocations; results say how far
 * the replay had run past D when it did ("late").
 *
 * Trace time is in ns from the trace's first replayed event, with the
 * gaps the planner cuts (--max-gap) left out, and never goes back.
 *
 * A NULL clock is wall time (CLOCK_MONOTONIC ns): what an engine gets
 * outside a replay, in its own tests.
 *
 * Built as a shared library with the lock library's rules: the runner
 * and every engine plugin share one.  The runner makes, ends and reads
 * the clock through replay/tclock/mmr_tclock_run.h, which engines never see.
 */
#ifndef MMR_TCLOCK_H
#define MMR_TCLOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A replay's trace clock; the runner makes one per run. */
struct mmr_tclock;

/* Firing times a timer keeps for the timeline; past this every other goes and the stride doubles. */
#define MMR_TTIMER_MARKS 256

/*
 * A timed mechanism, embedded in the engine (one per worker that sleeps
 * on it).  Fields are the library's; an engine only passes it around.
 */
struct mmr_ttimer {
	struct mmr_tclock *clock; /* NULL: wall time */
	const char *name;         /* "kvfree_rcu monitor": timers of one name are reported together */
	atomic_uint wake;         /* futex word: bumped by the clock and by kicks */
	atomic_uint kicks;        /* mmr_ttimer_kick calls */
	unsigned kicks_seen;
	atomic_uint state;        /* enum mmr_ttimer_state */
	atomic_uint_fast64_t due; /* while sleeping: the trace time it waits for */
	/* Written by the sleeping thread alone, read by the runner after the workers stopped. */
	uint64_t fired, late_ns_total, late_ns_max, first_due, last_due;
	uint64_t cut_due; /* UINT64_MAX, or the first due the end's budget left unrun (mmr_tclock_end) */
	uint64_t marks[MMR_TTIMER_MARKS]; /* wall ns from the replay's start of every STRIDE-th firing */
	uint32_t nmarks, stride;
};

/*
 * NEW: made, never slept on (its worker may not have started yet: the end
 * of a run waits for it); IDLE: its sleeper returned MMR_TT_STOP.
 */
enum mmr_ttimer_state { MMR_TT_NEW, MMR_TT_IDLE, MMR_TT_SLEEPING, MMR_TT_BUSY };

/* Why mmr_ttimer_sleep returned. */
enum mmr_ttimer_wake {
	MMR_TT_DUE,    /* its trace time came: the mechanism fires */
	MMR_TT_KICKED, /* mmr_ttimer_kick: the engine's own event (a CPU asked for pages) */
	MMR_TT_STOP,   /* the run is over */
};

/* ---- for engines -------------------------------------------------------- */

/*
 * Trace time now, as seen off the replay threads: every event before it
 * has been replayed.  Once the replay is over, the last event's time.  A
 * replay thread has its event's own time in mmr_call.ts.  NULL: wall ns.
 */
uint64_t mmr_tclock_now(struct mmr_tclock *c);

/*
 * Where a periodic mechanism counts its periods from: 0, the trace's
 * first event, on a replay's clock (not when its worker happened to
 * start, which varies from run to run); now on wall time (C NULL).
 */
uint64_t mmr_tclock_origin(struct mmr_tclock *c);

/*
 * Make T a timer named NAME (a string that outlives it) on C, which may
 * be NULL; make it only for a worker that will sleep on it (the end of a
 * run waits for that worker's first sleep, for at most its catch-up
 * budget).  Returns 0, or -1 when C has no room for another timer (at most
 * 4096 per run).
 */
int mmr_ttimer_init(struct mmr_ttimer *t, struct mmr_tclock *c, const char *name);

/* Take T off its clock.  After the workers sleeping on it have returned. */
void mmr_ttimer_fini(struct mmr_ttimer *t);

/*
 * Sleep until trace time DUE, a kick, or *STOP.  A periodic mechanism asks
 * for mmr_tclock_origin plus its period, then for its previous due plus
 * it, never for now plus it, so that its firings are the same on every
 * run of a trace.  A kick that came while
 * the caller was busy returns at once.  Returns why it woke; on
 * MMR_TT_DUE the firing is counted.
 */
enum mmr_ttimer_wake mmr_ttimer_sleep(struct mmr_ttimer *t, uint64_t due, const atomic_bool *stop);

/* Wake T's sleeper with MMR_TT_KICKED (or make its next sleep return so).  Never sleeps. */
void mmr_ttimer_kick(struct mmr_ttimer *t);

#ifdef __cplusplus
}
#endif

#endif /* MMR_TCLOCK_H */
