/* SPDX-License-Identifier: MIT */
/*
 * held.c - the slow paths of each thread's stack of held locks.
 *
 * A hold time is the time between an acquisition and its release, and
 * only the acquiring thread knows when it acquired: the lock word has no
 * room for a timestamp (a bit lock is one bit; an rwlock has many
 * readers at once).  So each thread keeps what it holds, with the time it
 * took it, on a stack of its own.  Releases are nearly always of the
 * newest lock, which lock_released checks inline; this file handles the
 * rest: growing the stack, and releases out of order (hand-over-hand
 * locking, or dropping an outer lock first).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lock_internal.h"

/* Deep enough for any engine's nesting without growing; the kernel itself rarely nests past a few. */
#define HELD_INITIAL 16u

void mmr_lock_held_grow(struct lock_thread *t)
{
	unsigned cap = t->cap ? t->cap * 2 : HELD_INITIAL;
	struct held_lock *h = realloc(t->held, cap * sizeof(*h));
	if (!h)
		mmr_lock_die("no memory for the held-lock stack", ENOMEM);
	t->held = h;
	t->cap = cap;
}

bool mmr_lock_held_take(struct lock_thread *t, const void *key, uintptr_t aux, struct held_lock *out)
{
	/* Newest first: a lock taken twice (recursive readers) releases its latest hold. */
	for (unsigned i = t->depth; i-- > 0;) {
		if (t->held[i].key != key || t->held[i].aux != aux)
			continue;
		*out = t->held[i];
		memmove(&t->held[i], &t->held[i + 1], (t->depth - i - 1) * sizeof(t->held[0]));
		t->depth--;
		return true;
	}
	return false;
}
