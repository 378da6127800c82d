/* SPDX-License-Identifier: MIT */
/*
 * mmr_tclock_run.h - the runner's side of the trace clock (mmr_tclock.h):
 * making a run's clock, starting, ending and stopping it, and reading what
 * its timers did.  Engines only read the clock and sleep on its timers;
 * this part stays out of the SDK so that no engine can end a run.
 */
#ifndef MMR_TCLOCK_RUN_H
#define MMR_TCLOCK_RUN_H

#include <stdatomic.h>
#include <stdint.h>

#include "mmr_tclock.h"

#ifdef __cplusplus
extern "C" {
#endif


/*
 * The watermark: the trace time of the earliest event not yet replayed
 * (every event before it has been), UINT64_MAX when all have.  Called by
 * the clock from any thread; it must be cheap and must not block.
 */
typedef uint64_t (*mmr_tclock_watermark_fn)(void *ctx);

/*
 * A clock for one run whose last event is at END, the watermark from
 * FN(CTX).  PACE_FACTOR > 0: --pace original at that speed (trace time D
 * is wall time start + D / PACE_FACTOR); 0: as fast as possible.  NULL
 * when out of memory.
 */
struct mmr_tclock *mmr_tclock_create(uint64_t end, double pace_factor, mmr_tclock_watermark_fn fn, void *ctx);
void mmr_tclock_destroy(struct mmr_tclock *c);

/* The replay started at START_MONO_NS (CLOCK_MONOTONIC): pacing and marks count from it. */
void mmr_tclock_start(struct mmr_tclock *c, uint64_t start_mono_ns);

/*
 * The trace time a timer waits for, the earliest, UINT64_MAX when none
 * sleeps: a replay thread whose next event is past it and whose current
 * one is not calls mmr_tclock_poke.  Read with a relaxed load in the
 * replay loop.
 */
const atomic_uint_fast64_t *mmr_tclock_earliest(const struct mmr_tclock *c);

/* A replay thread crossed the earliest due: fire what the watermark has passed. */
void mmr_tclock_poke(struct mmr_tclock *c);

/*
 * Every replay thread has finished: fire every due up to the last event,
 * and return once each timer sleeps past it or has stopped.  A mechanism
 * that fell behind the replay catches up for at most BUDGET_NS of wall
 * time: after that its sleep returns MMR_TT_STOP and the first due it did
 * not run is kept (cut_due), since a trace of hours with a mechanism every
 * millisecond could otherwise keep the run going for as long.  An engine
 * stuck inside one pass keeps this waiting: the runner's guard reports it.
 */
void mmr_tclock_end(struct mmr_tclock *c, uint64_t budget_ns);

/* Wake every sleeper to see its STOP (the runner set it). */
void mmr_tclock_stop(struct mmr_tclock *c);

/* One name's timers, summed. */
struct mmr_tclock_stat {
	char name[48];
	unsigned timers;
	uint64_t fired, late_ns_total, late_ns_max, first_due, last_due; /* dues: trace ns */
	uint64_t cut_due;      /* the earliest due a timer of this name left unrun at the end; UINT64_MAX: none */
	uint64_t *marks;  /* wall ns from the start of the replay, NMARKS of them, sorted (free()) */
	uint32_t nmarks;
};

/*
 * The figures of every timer on C, one entry per name in the order first
 * made, into *OUT (free with mmr_tclock_stats_free).  Returns how many,
 * or -1 when out of memory.
 */
int mmr_tclock_stats(const struct mmr_tclock *c, struct mmr_tclock_stat **out);
void mmr_tclock_stats_free(struct mmr_tclock_stat *s, int n);

#ifdef __cplusplus
}
#endif

#endif /* MMR_TCLOCK_RUN_H */
