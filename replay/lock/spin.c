/* SPDX-License-Identifier: MIT */
/*
 * spin.c - the spinlock, and how every spinning kind waits.
 *
 * A kernel spinlock's holder cannot be preempted, so its waiters spin.
 * Here the holder is an ordinary thread, and a replay may run more threads
 * than there are CPUs: a waiter that spun until the holder ran again would
 * burn its whole time slice while the holder sits in the run queue.  So a
 * waiter spins with the CPU's pause hint for a short while (a holder that
 * is running releases within that, and the waiter sees it at once), then
 * yields the CPU on every further step.
 *
 * The lock word is 0 (free) or 1 (held).  Waiters read it until it looks
 * free and only then try to take it, so they share the cache line instead
 * of passing it back and forth with atomic writes.
 *
 * Under --kernel rt a class declared spinlock_t is a sleeping lock, as
 * PREEMPT_RT makes it: a waiter marks the word 2 (held, with sleepers)
 * and sleeps on it; the release that finds 2 wakes one.
 */
#include <linux/futex.h>
#include <limits.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lock_internal.h"

/*
 * Pause steps before yielding.  A pause is 10 to 150 cycles depending on
 * the CPU, so this is a few microseconds: longer than most critical
 * sections, far shorter than a time slice.
 */
#define SPIN_PAUSES 128u

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("isb" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

void mmr_lock_wait_step(struct lock_wait *w)
{
	if (w->steps < SPIN_PAUSES) {
		w->steps++;
		cpu_relax();
	} else {
		sched_yield();
	}
}

void mmr_lock_futex_wait_ns(atomic_uint *word, unsigned seen, long ns)
{
	struct timespec ts = {0, ns};
	syscall(SYS_futex, (unsigned *)word, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
}

void mmr_lock_futex_wait(atomic_uint *word, unsigned seen)
{
	/* The release that should wake it always does; the timeout only bounds the cost of a bug. */
	mmr_lock_futex_wait_ns(word, seen, 10000000);
}

void mmr_lock_futex_wake(atomic_uint *word)
{
	syscall(SYS_futex, (unsigned *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/** Unlocked, in class NAME; -1 when the class cannot be had. */
int mmr_spin_init(struct mmr_spinlock *l, const char *name)
{
	l->cls = mmr_lock_class_get(name, MMR_LOCK_SPIN);
	atomic_init(&l->v, 0);
	atomic_init(&l->waiters, 0);
	return l->cls ? 0 : -1;
}

/*
 * One try: 0 to 1 by compare-and-swap, which never touches a held word
 * (an exchange would turn --kernel rt's 2, "held, with sleepers", into 1,
 * and the release would then wake nobody).
 */
static inline bool spin_try(struct mmr_spinlock *l)
{
	unsigned free = 0;
	return atomic_compare_exchange_strong_explicit(&l->v, &free, 1, memory_order_acquire, memory_order_relaxed);
}

/** Take L; a failed first try makes this a contended acquisition. */
void mmr_spin_lock(struct mmr_spinlock *l)
{
	struct lock_attempt a;
	lock_attempt_begin(&a);
	if (LOCK_UNLIKELY(!spin_try(l))) {
		struct lock_wait w = { 0 };
		/*
		 * Queued behind a waiter of this very lock, not of the class
		 * (mmr_lock.h).  Counted before the class's gauge goes up, so that
		 * whoever sees the gauge (a test scripting two waiters) sees this.
		 */
		bool queued = atomic_fetch_add_explicit(&l->waiters, 1, memory_order_relaxed) != 0;
		lock_wait_begin(l->cls, &a);
		a.queued = queued;
		if (lock_sleeps(l->cls)) {
			while (atomic_exchange_explicit(&l->v, 2, memory_order_acquire) != 0) {
				mmr_lock_futex_wait(&l->v, 2);
				a.slept = true;
			}
		} else {
			do {
				while (atomic_load_explicit(&l->v, memory_order_relaxed))
					mmr_lock_wait_step(&w);
			} while (!spin_try(l));
		}
		atomic_fetch_sub_explicit(&l->waiters, 1, memory_order_relaxed);
		lock_wait_end(l->cls, &a);
	}
	lock_acquired(l->cls, MMR_LOCK_EXCL, l, 0, &a);
}

/** Take L if it is free; a failure is not counted. */
bool mmr_spin_trylock(struct mmr_spinlock *l)
{
	/* Look first: a failing trylock then does not take the line from the holder. */
	if (atomic_load_explicit(&l->v, memory_order_relaxed) || !spin_try(l))
		return false;
	struct lock_attempt a;
	lock_attempt_trylock(&a);
	lock_acquired(l->cls, MMR_LOCK_EXCL, l, 0, &a);
	return true;
}

/** Release L. */
void mmr_spin_unlock(struct mmr_spinlock *l)
{
	lock_leave(l->cls);
	struct lock_release r;
	lock_release_begin(l->cls, l, 0, &r);
	/* Only a sleeping lock's word can say "held, with sleepers": a raw one is released with a store. */
	if (LOCK_UNLIKELY(lock_sleeps(l->cls))) {
		if (atomic_exchange_explicit(&l->v, 0, memory_order_release) == 2)
			mmr_lock_futex_wake(&l->v);
	} else {
		atomic_store_explicit(&l->v, 0, memory_order_release);
	}
	lock_released(&r);
}
