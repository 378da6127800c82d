/* SPDX-License-Identifier: MIT */
/*
 * mmr_clock.h - the replay's timer: the CPU's time-stamp counter where it
 * is invariant (constant rate, running in every C-state), else
 * CLOCK_MONOTONIC_RAW.  Reading it is a few nanoseconds, so it can time a
 * single allocator call; its own cost is measured and reported.
 */
#ifndef MMR_CLOCK_H
#define MMR_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Set by mmr_clock_init: true when ticks are TSC cycles, false when ns of CLOCK_MONOTONIC_RAW. */
extern bool mmr_clock_tsc;

/*
 * Pick the source and calibrate it (about 20 ms against CLOCK_MONOTONIC_RAW
 * when it is the TSC).  Safe to call more than once; the first call does
 * the work.  MMR_CLOCK=monotonic in the environment forces the fallback.
 */
void mmr_clock_init(void);

/* The current time in ticks of the chosen source. */
static inline uint64_t mmr_clock_ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	/*
	 * Not serialized (no lfence, no rdtscp): a fence makes the CPU finish
	 * every earlier load first, which on the replay's streaming loop
	 * tripled the cost of timing a call (BENCHMARKS.md).  The price is that
	 * a call shorter than the out-of-order window is timed to within a few
	 * tens of instructions; the timer's own cost, measured the same way, is
	 * taken off every figure.
	 */
	if (mmr_clock_tsc)
		return __rdtsc();
#endif
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Nanoseconds in TICKS. */
uint64_t mmr_clock_to_ns(uint64_t ticks);

/* "tsc" or "monotonic_raw". */
const char *mmr_clock_name(void);

/* Ticks per second of the chosen source (1e9 for monotonic_raw). */
double mmr_clock_hz(void);

/*
 * The cost of one timed interval with nothing in it: the median, over many
 * tries, of two back-to-back readings, in ns.  What every measured latency
 * includes and the results subtract.
 */
double mmr_clock_overhead_ns(void);

#ifdef __cplusplus
}
#endif

#endif /* MMR_CLOCK_H */
