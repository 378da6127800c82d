/* SPDX-License-Identifier: MIT */
/*
 * lock_script.h - helpers for scripting contention in the lock tests.
 *
 * Contention is scripted, never hoped for: a holder releases only after
 * it has seen the waiter registered (mmr_lock_class_waiting), so "the
 * second thread's first try failed" is a fact, not a race that a busy
 * machine could lose.  Holds are timed with CLOCK_MONOTONIC_RAW, the clock
 * the library's timer is calibrated against, and the tests assert only
 * lower bounds that these holds guarantee.
 */
#ifndef LOCK_SCRIPT_H
#define LOCK_SCRIPT_H

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdint.h>

#include "mmr_lock_stats.h"

/*
 * How long a scripted holder holds, and the least the library may report
 * for it: 1 ms (5%) below, for the timer's calibration error (the TSC rate
 * is measured over 20 ms at start-up).
 */
#define SCRIPT_HOLD_MS 21u
#define SCRIPT_HOLD_MIN_NS 20000000ull

/* Start FN(ARG) on a new thread. */
pthread_t script_start(void *(*fn)(void *), void *arg);
/* Join T. */
void script_join(pthread_t t);
/* Sleep until at least MS ms of CLOCK_MONOTONIC_RAW have passed. */
void script_hold_ms(unsigned ms);
/* Return once at least N threads wait for a lock of class CLS. */
void script_wait_waiters(const struct mmr_lock_class *cls, unsigned n);
/* A one-shot signal between two threads (a semaphore). */
struct script_signal {
	sem_t sem;
};
void script_signal_init(struct script_signal *s);
void script_signal_post(struct script_signal *s);
void script_signal_wait(struct script_signal *s);
void script_signal_destroy(struct script_signal *s);

/* A copy of class NAME's statistics (free() it); fails the test when absent. */
struct mmr_lock_stats *script_stats(const char *name);
/* Side SIDE of class NAME's statistics, by value; fails the test when absent. */
struct mmr_lock_side script_side(const char *name, unsigned side);
/* Assert that side S recorded nothing at all. */
void script_assert_side_empty(const struct mmr_lock_side *s);
/* Assert that side S has no times: no waits or holds recorded, totals and maxima 0. */
void script_assert_side_untimed(const struct mmr_lock_side *s);

#endif
