/* SPDX-License-Identifier: MIT */
/*
 * rwlock.c - the spinning reader-writer lock.
 *
 * One 32-bit word holds the whole state, so that every transition is one
 * compare-and-swap and readers, writers and waiters always agree:
 *
 *	bit  0       a writer holds the lock
 *	bits 1..10   writers waiting (up to 1023)
 *	bits 11..20  readers waiting (up to 1023)
 *	bits 21..31  readers holding (up to 2047)
 *
 * Writers are preferred, like the kernel's queued rwlock outside interrupt
 * context: a reader enters only while no writer holds *or waits*, so a
 * stream of overlapping readers cannot starve a writer.  Waiters are
 * counted in the word because mmr_rwlock_is_contended must see them (a
 * writer doing long work, as zsmalloc compaction, drops the lock when
 * someone waits), and the writer count is what holds new readers off.
 *
 * Contention: a first try fails only when the lock is really unavailable
 * to that side (a writer holds or waits, for a reader; anyone holds, for
 * a writer).  A compare-and-swap that loses a race to another reader
 * entering is retried, not counted: readers do not contend with readers.
 */
#include "lock_internal.h"

#define RW_WRITER 1u
#define RW_WWAIT_ONE (1u << 1)
#define RW_WWAIT_MASK (0x3ffu << 1)
#define RW_RWAIT_ONE (1u << 11)
#define RW_RWAIT_MASK (0x3ffu << 11)
#define RW_READER_ONE (1u << 21)
#define RW_READER_MASK (0x7ffu << 21)

/* What keeps a reader out: a writer holding or waiting. */
#define RW_READER_BLOCKED (RW_WRITER | RW_WWAIT_MASK)
/* What keeps a writer out: anyone holding. */
#define RW_WRITER_BLOCKED (RW_WRITER | RW_READER_MASK)

/** Unlocked, in class NAME; -1 when the class cannot be had. */
int mmr_rwlock_init(struct mmr_rwlock *l, const char *name)
{
	l->cls = mmr_lock_class_get(name, MMR_LOCK_RWLOCK);
	atomic_init(&l->v, 0);
	return l->cls ? 0 : -1;
}

/*
 * Move L from a state without BLOCKED bits to that state plus ADD (which
 * may also drop a waiter), retrying while the CAS only lost a race; false
 * as soon as a BLOCKED bit is seen.
 */
static inline bool rw_try(struct mmr_rwlock *l, unsigned blocked, unsigned add)
{
	unsigned v = atomic_load_explicit(&l->v, memory_order_relaxed);
	while (!(v & blocked)) {
		if (atomic_compare_exchange_weak_explicit(&l->v, &v, v + add, memory_order_acquire,
							  memory_order_relaxed))
			return true;
	}
	return false;
}

/*
 * Sleep while the BLOCKED bits of L's word stay set (a sleeping rwlock
 * under --kernel rt); any change of the word wakes it to look again.
 */
static void rw_sleep(struct mmr_rwlock *l, unsigned blocked)
{
	unsigned v = atomic_load_explicit(&l->v, memory_order_relaxed);
	if (v & blocked)
		mmr_lock_futex_wait(&l->v, v);
}

/* Under --kernel rt: wake L's sleepers when the word OLD, before a release, had waiters. */
static inline void rw_wake(struct mmr_rwlock *l, unsigned old)
{
	if (LOCK_UNLIKELY(atomic_load_explicit(&mmr_lock_rt_on, memory_order_relaxed)) &&
	    (old & (RW_WWAIT_MASK | RW_RWAIT_MASK)))
		mmr_lock_futex_wake(&l->v);
}

/*
 * Wait as a registered waiter (WAIT_ONE already added to the word) until
 * the BLOCKED bits clear, then enter with ADD and drop the registration in
 * the same CAS.
 */
static void rw_wait(struct mmr_rwlock *l, unsigned blocked, unsigned wait_one, unsigned add,
		    struct lock_attempt *a)
{
	struct lock_wait w = { 0 };
	bool sleeps = lock_sleeps(l->cls);
	lock_wait_begin(l->cls, a);
	while (!rw_try(l, blocked, add - wait_one)) {
		if (sleeps) {
			rw_sleep(l, blocked);
			a->slept = true;
		} else {
			mmr_lock_wait_step(&w);
		}
	}
	lock_wait_end(l->cls, a);
}

/** Take L shared; contended when a writer held or waited at the first try. */
void mmr_read_lock(struct mmr_rwlock *l)
{
	struct lock_attempt a;
	lock_attempt_begin(&a);
	if (LOCK_UNLIKELY(!rw_try(l, RW_READER_BLOCKED, RW_READER_ONE))) {
		atomic_fetch_add_explicit(&l->v, RW_RWAIT_ONE, memory_order_relaxed);
		rw_wait(l, RW_READER_BLOCKED, RW_RWAIT_ONE, RW_READER_ONE, &a);
	}
	lock_acquired(l->cls, MMR_LOCK_READ, l, MMR_LOCK_READ, &a);
}

/** Take L shared if no writer holds or waits; a failure is not counted. */
bool mmr_read_trylock(struct mmr_rwlock *l)
{
	if (!rw_try(l, RW_READER_BLOCKED, RW_READER_ONE))
		return false;
	struct lock_attempt a;
	lock_attempt_trylock(&a);
	lock_acquired(l->cls, MMR_LOCK_READ, l, MMR_LOCK_READ, &a);
	return true;
}

/** Release one shared hold of L. */
void mmr_read_unlock(struct mmr_rwlock *l)
{
	lock_leave(l->cls);
	struct lock_release r;
	lock_release_begin(l->cls, l, MMR_LOCK_READ, &r);
	rw_wake(l, atomic_fetch_sub_explicit(&l->v, RW_READER_ONE, memory_order_release));
	lock_released(&r);
}

/** Take L exclusive; contended when anyone held it at the first try. */
void mmr_write_lock(struct mmr_rwlock *l)
{
	struct lock_attempt a;
	lock_attempt_begin(&a);
	if (LOCK_UNLIKELY(!rw_try(l, RW_WRITER_BLOCKED, RW_WRITER))) {
		/* Counted in the word at once: from here on, new readers stay out. */
		atomic_fetch_add_explicit(&l->v, RW_WWAIT_ONE, memory_order_relaxed);
		rw_wait(l, RW_WRITER_BLOCKED, RW_WWAIT_ONE, RW_WRITER, &a);
	}
	lock_acquired(l->cls, MMR_LOCK_EXCL, l, MMR_LOCK_EXCL, &a);
}

/* How long a sleeping mmr_write_lock_unless waiter sleeps before it looks at its give-up test again. */
#define UNLESS_SLEEP_NS 50000

/** As mmr_write_lock, but withdraw from the wait (taking nothing) once GIVE_UP(CTX) is true. */
bool mmr_write_lock_unless(struct mmr_rwlock *l, bool (*give_up)(void *ctx), void *ctx)
{
	struct lock_attempt a;
	lock_attempt_begin(&a);
	if (LOCK_LIKELY(rw_try(l, RW_WRITER_BLOCKED, RW_WRITER))) {
		lock_acquired(l->cls, MMR_LOCK_EXCL, l, MMR_LOCK_EXCL, &a);
		return true;
	}
	if (give_up(ctx))
		return false;
	/* Registered as mmr_write_lock's waiter is, so that new readers stay out while it waits. */
	atomic_fetch_add_explicit(&l->v, RW_WWAIT_ONE, memory_order_relaxed);
	struct lock_wait w = { 0 };
	bool sleeps = lock_sleeps(l->cls);
	lock_wait_begin(l->cls, &a);
	while (!rw_try(l, RW_WRITER_BLOCKED, RW_WRITER - RW_WWAIT_ONE)) {
		if (give_up(ctx)) {
			/* Gone as if it had never come: the readers it held off may enter. */
			rw_wake(l, atomic_fetch_sub_explicit(&l->v, RW_WWAIT_ONE, memory_order_release));
			atomic_fetch_sub_explicit(&l->cls->waiting, 1, memory_order_relaxed);
			return false;
		}
		if (sleeps) {
			/*
			 * A sleeping rwlock under --kernel rt.  Whatever makes GIVE_UP
			 * true does not touch the word, so no release wakes this sleep
			 * for it: a short bound makes the give-up seen within 50 us.
			 */
			unsigned v = atomic_load_explicit(&l->v, memory_order_relaxed);
			if (v & RW_WRITER_BLOCKED)
				mmr_lock_futex_wait_ns(&l->v, v, UNLESS_SLEEP_NS);
			a.slept = true;
		} else {
			mmr_lock_wait_step(&w);
		}
	}
	lock_wait_end(l->cls, &a);
	lock_acquired(l->cls, MMR_LOCK_EXCL, l, MMR_LOCK_EXCL, &a);
	return true;
}

/** Take L exclusive only if nobody holds it and no writer waits for it; never waits. */
bool mmr_write_trylock(struct mmr_rwlock *l)
{
	if (!rw_try(l, RW_WRITER_BLOCKED | RW_WWAIT_MASK, RW_WRITER))
		return false;
	struct lock_attempt a;
	lock_attempt_trylock(&a);
	lock_acquired(l->cls, MMR_LOCK_EXCL, l, MMR_LOCK_EXCL, &a);
	return true;
}

/** Whether a thread other than the caller (a holder of L) waits for or holds L. */
bool mmr_rwlock_is_contended(struct mmr_rwlock *l)
{
	unsigned v = atomic_load_explicit(&l->v, memory_order_relaxed);
	if (v & (RW_WWAIT_MASK | RW_RWAIT_MASK))
		return true;
	if (v & RW_WRITER)
		return false; /* the caller is the writer */
	return (v & RW_READER_MASK) > RW_READER_ONE; /* readers besides the caller */
}

/** Release the exclusive hold of L (the waiter counts in the word stay as they are). */
void mmr_write_unlock(struct mmr_rwlock *l)
{
	lock_leave(l->cls);
	struct lock_release r;
	lock_release_begin(l->cls, l, MMR_LOCK_EXCL, &r);
	rw_wake(l, atomic_fetch_sub_explicit(&l->v, RW_WRITER, memory_order_release));
	lock_released(&r);
}
