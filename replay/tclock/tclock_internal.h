/* SPDX-License-Identifier: MIT */
/*
 * tclock_internal.h - what the trace clock's files share.  Not public.
 */
#ifndef TCLOCK_INTERNAL_H
#define TCLOCK_INTERNAL_H

#include <pthread.h>

#pragma GCC visibility push(default)
#include "mmr_tclock_run.h"
#pragma GCC visibility pop

#pragma GCC visibility push(hidden)

#define TC_NEVER UINT64_MAX
#define TC_MAX_TIMERS 4096 /* a run's timers at most: one per worker, and workers are few */

struct mmr_tclock {
	uint64_t end;                    /* trace time of the last event */
	double pace_factor;              /* > 0: --pace original */
	mmr_tclock_watermark_fn fn;
	void *ctx;
	atomic_uint_fast64_t earliest;   /* the earliest due a timer sleeps for; TC_NEVER: none */
	atomic_uint_fast64_t watermark;  /* the highest FN has said: the clock never goes back */
	atomic_uint_fast64_t start_mono; /* 0 until the replay starts */
	atomic_bool ended;
	atomic_uint_fast64_t end_deadline; /* mono ns after which dues left at the end are cut */
	pthread_mutex_t mu;              /* timers[] and earliest's recomputation */
	struct mmr_ttimer **timers;
	unsigned ntimers, cap;
};

/* CLOCK_MONOTONIC in ns. */
uint64_t tc_mono_ns(void);

/* The watermark, raised to what FN says now; TC_NEVER once the clock ended. */
uint64_t tc_watermark(struct mmr_tclock *c);

/* T's sleeper re-reads its state (a due passed, the run started, ended or stopped). */
void tc_wake(struct mmr_ttimer *t);

/* Recompute C's earliest due from its sleeping timers, C's lock held. */
void tc_update_earliest_locked(struct mmr_tclock *c);

#pragma GCC visibility pop

#endif /* TCLOCK_INTERNAL_H */
