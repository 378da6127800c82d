/* SPDX-License-Identifier: MIT */
/*
 * mmr_time.h - the clock and the modelled work every engine needs: a
 * monotonic time in ns, a busy-wait that stands for work the model does
 * not do for real (a TLB flush, a page-table walk, a copy between memory
 * domains), and a running maximum several threads update.
 */
#ifndef MMR_TIME_H
#define MMR_TIME_H

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

/* Strict ISO C (-std=c17) hides the POSIX clocks; say so instead of an implicit declaration. */
#ifndef CLOCK_MONOTONIC
#error "mmr_time.h needs POSIX clocks: compile with -D_GNU_SOURCE (or -std=gnu17)"
#endif

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t mmr_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Spin for NS nanoseconds: the CPU stays busy, as it would doing the work
 * modelled, and a lock held meanwhile is held that long.
 */
static inline void mmr_busy_ns(uint64_t ns)
{
	if (!ns)
		return;
	uint64_t end = mmr_now_ns() + ns;
	while (mmr_now_ns() < end)
		;
}

/* Raise *MAX to V when V is larger; lock-free, for counters any thread updates. */
static inline void mmr_max_u64(atomic_ullong *max, uint64_t v)
{
	unsigned long long old = atomic_load_explicit(max, memory_order_relaxed);
	while (v > old && !atomic_compare_exchange_weak_explicit(max, &old, v, memory_order_relaxed, memory_order_relaxed))
		;
}

#endif /* MMR_TIME_H */
