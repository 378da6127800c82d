/* SPDX-License-Identifier: MIT */
/*
 * bitlock.c - the bit spinlock: one bit of an atomic word is the lock, and
 * the rest of the word belongs to its owner (zsmalloc keeps a handle's
 * object location beside its pin bit).  Taking and releasing use
 * fetch_or and fetch_and on the one bit, so concurrent updates of the
 * other bits by atomic operations are never lost.
 *
 * The class is passed on every call because there is no lock structure to
 * keep it in; waiting is the spinlock's (spin.c).
 */
#include <assert.h>
#include <limits.h>

#include "lock_internal.h"

static inline unsigned long bit_mask(unsigned bit)
{
	assert(bit < sizeof(unsigned long) * CHAR_BIT);
	return 1ul << bit;
}

/** Take bit BIT of *WORD; contended when it was already set at the first try. */
void mmr_bit_lock(atomic_ulong *word, unsigned bit, struct mmr_lock_class *cls)
{
	unsigned long mask = bit_mask(bit);
	struct lock_attempt a;
	lock_attempt_begin(&a);
	if (LOCK_UNLIKELY(atomic_fetch_or_explicit(word, mask, memory_order_acquire) & mask)) {
		struct lock_wait w = { 0 };
		lock_wait_begin(cls, &a);
		do {
			while (atomic_load_explicit(word, memory_order_relaxed) & mask)
				mmr_lock_wait_step(&w);
		} while (atomic_fetch_or_explicit(word, mask, memory_order_acquire) & mask);
		lock_wait_end(cls, &a);
	}
	lock_acquired(cls, MMR_LOCK_EXCL, word, bit, &a);
}

/** Take bit BIT of *WORD if it is clear; a failure is not counted. */
bool mmr_bit_trylock(atomic_ulong *word, unsigned bit, struct mmr_lock_class *cls)
{
	unsigned long mask = bit_mask(bit);
	if ((atomic_load_explicit(word, memory_order_relaxed) & mask) ||
	    (atomic_fetch_or_explicit(word, mask, memory_order_acquire) & mask))
		return false;
	struct lock_attempt a;
	lock_attempt_trylock(&a);
	lock_acquired(cls, MMR_LOCK_EXCL, word, bit, &a);
	return true;
}

/** Clear bit BIT of *WORD, releasing it. */
void mmr_bit_unlock(atomic_ulong *word, unsigned bit, struct mmr_lock_class *cls)
{
	lock_leave(cls); /* the hold itself is found by (word, bit) on this thread's stack */
	struct lock_release r;
	lock_release_begin(cls, word, bit, &r);
	atomic_fetch_and_explicit(word, ~bit_mask(bit), memory_order_release);
	lock_released(&r);
}
