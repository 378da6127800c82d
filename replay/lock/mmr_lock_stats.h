/* SPDX-License-Identifier: MIT */
/*
 * mmr_lock_stats.h - the runner's side of the lock library (mmr_lock.h):
 * the kernel mode the locks follow, the statistics each class gathers,
 * and the watch on preempted holders.  Engines take locks; only the
 * runner, its tests and benchmarks read or steer them.
 */
#ifndef MMR_LOCK_STATS_H
#define MMR_LOCK_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmr_hist.h"
#include "mmr_lock.h"

#ifdef __cplusplus
extern "C" {
#endif
/*
 * Replay as a PREEMPT_RT kernel would run (ON) or as the default kernel
 * (the default): under RT, waiters for a class declared spinlock_t or
 * rwlock_t sleep on a futex instead of spinning, as PREEMPT_RT turns those
 * into sleeping locks; raw and bit spinlocks go on spinning.  Set before
 * threads start.
 */
void mmr_lock_set_kernel_rt(bool on);
bool mmr_lock_kernel_rt(void);

/* ---- statistics ---------------------------------------------------------- */

/* One side of a class: exclusive holders (all kinds), or an rwlock's readers. */
struct mmr_lock_side {
	uint64_t acquisitions;
	uint64_t contended;       /* acquisitions whose first try failed */
	/*
	 * Contended ones that began to wait while another thread already
	 * waited for a lock of the class: the waits x86's queued spinlock
	 * traces (lock:contention_begin fires only once a waiter queues behind
	 * the one spinning on the pending bit).  A spinlock counts the waiters
	 * of its own lock; the other kinds, which validate does not compare
	 * this way, those of the class (an upper bound where it has several).
	 */
	uint64_t contended_queued;
	uint64_t slept;           /* contended ones whose waiter slept (a sleeping lock under --kernel rt) */
	/*
	 * Acquisitions made while the thread held a raw or bit spinlock, of a
	 * lock that sleeps on PREEMPT_RT (spinlock_t, rwlock_t, any mutex):
	 * a sleep in atomic context there, invalid whatever the timing.
	 */
	uint64_t in_atomic;
	uint64_t wait_ns_total, wait_ns_max;
	uint64_t hold_ns_total, hold_ns_max;
	struct mmr_hist wait;     /* ns from the first try to acquisition, contended ones only */
	struct mmr_hist hold;     /* ns from acquisition to release */
	/*
	 * Holds whose holder was preempted (switched out while runnable), and
	 * waits whose waiter was, or during which a hold of the class was:
	 * what a kernel spinlock cannot suffer.  Counted here instead of in the
	 * figures above, which are therefore the kernel-comparable ones.  Only
	 * while mmr_lock_set_preempt_watch is on.
	 */
	uint64_t holds_preempted, hold_preempted_ns_total, hold_preempted_ns_max;
	uint64_t waits_preempted, wait_preempted_ns_total, wait_preempted_ns_max;
};

enum { MMR_LOCK_EXCL, MMR_LOCK_READ, MMR_LOCK_SIDES };

struct mmr_lock_stats {
	char name[64];
	enum mmr_lock_kind kind;
	enum mmr_kernel_lock kernel_type; /* as declared (mmr_lock_class_declare) */
	bool irqs_off;
	struct mmr_lock_side side[MMR_LOCK_SIDES]; /* READ only for rwlocks */
};

/*
 * Add SRC's counts and histograms to DST's (maximums: the larger): one
 * class over threads, or over the runs of a replay.
 */
void mmr_lock_side_merge(struct mmr_lock_side *dst, const struct mmr_lock_side *src);

/*
 * Every class's statistics, summed over threads, in *N entries (free()
 * the array).  Call while no thread takes a lock (after a replay).
 * Returns NULL with *N = 0 when there are no classes or memory runs out.
 */
struct mmr_lock_stats *mmr_lock_stats_collect(size_t *n);

/* Zero every class's statistics (between repeats); same quiescence rule, and no lock held. */
void mmr_lock_stats_reset(void);

/*
 * Time waits and holds (the default) or only count acquisitions and
 * contention (the replay's --no-timing).  Set before threads start.
 */
void mmr_lock_set_timing(bool on);

/*
 * Watch holders for preemption (off by default): every thread that takes
 * a lock afterwards reads the kernel's record of its own context switches
 * (a perf_event_open(2) context-switch stream, one per thread), and a hold
 * during which its thread was switched out while runnable (preempted, or
 * yielded to another task) is counted as preempted, as is one of a lock
 * that spins in the kernel during which it was switched out at all; so is
 * a wait during which its waiter was preempted or a hold of its class
 * was, and a hold around such a wait (struct mmr_lock_side).  Set before
 * threads start.
 * Returns 0, or -1 with why the kernel refused in WHY (LEN bytes) when
 * ON and this thread cannot open the stream; watching is then off.
 */
int mmr_lock_set_preempt_watch(bool on, char *why, size_t len);

/* How many locks the calling thread holds now (every kind). */
unsigned mmr_lock_held_by_self(void);

/* Threads that took a lock while watching was on but could not be watched (their holds count as not preempted). */
uint64_t mmr_lock_preempt_unwatched(void);
#ifdef __cplusplus
}
#endif

#endif /* MMR_LOCK_STATS_H */
