/* SPDX-License-Identifier: MIT */
/*
 * lock_internal.h - what the lock library's files share: the class and
 * per-thread structures, and the bookkeeping every lock kind does around
 * its acquisition and release, inlined so that the uncontended path is a
 * few loads and stores to the calling thread's own memory.
 *
 * The protocol, identical for every kind:
 *
 *	struct lock_attempt a;
 *	lock_attempt_begin(&a);          timing flag, clock before the first try
 *	if (!first try) {
 *		lock_wait_begin(cls);    contended: the class's waiting gauge
 *		... wait and take ...
 *		lock_wait_end(cls, &a);
 *	}
 *	lock_acquired(cls, side, key, aux, &a);
 *	...
 *	uint64_t t = lock_release_time();   read while still holding
 *	release
 *	lock_released(key, aux, t);
 *
 * Nothing here is exported: the shared library's version script
 * (mmr_lock.map) exports only the API of mmr_lock.h.
 */
#ifndef MMR_LOCK_INTERNAL_H
#define MMR_LOCK_INTERNAL_H

#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mmr_clock.h"
#include "mmr_hist.h"

#pragma GCC visibility push(default)
#include "mmr_lock.h"
#pragma GCC visibility pop

#pragma GCC visibility push(hidden)

#define LOCK_LIKELY(x) __builtin_expect(!!(x), 1)
#define LOCK_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* Longest class name, with its NUL: what struct mmr_lock_stats can hold. */
#define LOCK_NAME_MAX sizeof(((struct mmr_lock_stats *)0)->name)

struct mmr_lock_class {
	char name[LOCK_NAME_MAX];
	enum mmr_lock_kind kind;
	_Atomic unsigned kernel_type; /* enum mmr_kernel_lock, as declared */
	atomic_bool irqs_off;
	unsigned id;     /* dense, in creation order: indexes each thread's blocks */
	unsigned nsides; /* 2 for rwlocks (exclusive, read), else 1 */
	/* What threads that have exited counted (stats.c), under the registry lock. */
	struct mmr_lock_side *retired;
	/*
	 * Written only by contended acquisitions, so on a line of its own:
	 * the fields above are read on every acquisition by every thread.
	 */
	alignas(64) atomic_uint waiting;
};

/* One lock this thread holds, and when it took it (clock ticks). */
struct held_lock {
	const void *key;          /* the lock, or a bit lock's word */
	uintptr_t aux;            /* a bit lock's bit, an rwlock's side */
	struct mmr_lock_side *side; /* where its hold time goes */
	uint64_t t0;
};

/*
 * Everything one thread owns: its statistics blocks, one per class it has
 * used (indexed by class id), and its stack of held locks.  Allocated on
 * the thread's first acquisition, on cache lines of its own, so that no
 * other thread writes near it; registered on the list collect walks.
 */
struct lock_thread {
	struct mmr_lock_side **blocks; /* [nblocks]: NULL, or the class's nsides sides */
	unsigned nblocks;
	unsigned depth, cap; /* held[0..depth) */
	unsigned atomic_depth; /* raw and bit spinlocks held: atomic context on every kernel */
	struct held_lock *held;
	struct lock_thread *next, *prev; /* the registry's list, under its lock */
};

/* The calling thread's, or NULL before its first acquisition (stats.c). */
extern __thread struct lock_thread *mmr_lock_self __attribute__((tls_model("initial-exec")));
/* mmr_lock_set_timing's flag. */
extern atomic_bool mmr_lock_timing_on;
/* mmr_lock_set_kernel_rt's flag. */
extern atomic_bool mmr_lock_rt_on;

/* ---- class.c: the registry ------------------------------------------------ */

/* Guards the class list and the thread list; never taken on an acquisition. */
extern pthread_mutex_t mmr_lock_registry;
/* Every class, by id; read under mmr_lock_registry. */
extern struct mmr_lock_class **mmr_lock_classes;
extern unsigned mmr_lock_nclasses;

/* Print "mmr_lock: WHAT" (with ERR's text when nonzero) and abort. */
_Noreturn void mmr_lock_die(const char *what, int err);

/* ---- stats.c: per-thread blocks ------------------------------------------- */

/* The calling thread's side SIDE of CLS, registering the thread and allocating the block as needed. */
struct mmr_lock_side *mmr_lock_side_slow(struct mmr_lock_class *cls, unsigned side);
/* Record one hold of NS nanoseconds in S. */
void mmr_lock_record_hold(struct mmr_lock_side *s, uint64_t ns);
/* Record one contended wait of NS nanoseconds in S. */
void mmr_lock_record_wait(struct mmr_lock_side *s, uint64_t ns);

/* ---- held.c: the held-lock stack ------------------------------------------ */

/* Room for one more entry on T's stack (grows it; dies when memory runs out). */
void mmr_lock_held_grow(struct lock_thread *t);
/* Remove the newest entry of T for (KEY, AUX) below the top; false when there is none. */
bool mmr_lock_held_take(struct lock_thread *t, const void *key, uintptr_t aux, struct held_lock *out);

/* ---- spin.c: waiting ------------------------------------------------------ */

/* How long one waiter has waited, in steps. */
struct lock_wait {
	unsigned steps;
};

/* One step of a wait: a pause instruction at first, sched_yield once the wait has grown. */
void mmr_lock_wait_step(struct lock_wait *w);

/*
 * Whether waiters for CLS sleep: under --kernel rt, a class declared
 * spinlock_t or rwlock_t (PREEMPT_RT makes both sleeping locks).
 */
static inline bool lock_sleeps(const struct mmr_lock_class *cls)
{
	if (LOCK_LIKELY(!atomic_load_explicit(&mmr_lock_rt_on, memory_order_relaxed)))
		return false;
	unsigned t = atomic_load_explicit(&cls->kernel_type, memory_order_relaxed);
	return t == MMR_KL_SPINLOCK || t == MMR_KL_RWLOCK;
}

/* Whether kernel type KT spins with preemption off on every kernel (raw and bit spinlocks): atomic context. */
static inline bool lock_type_atomic(unsigned kt)
{
	return kt == MMR_KL_RAW_SPINLOCK || kt == MMR_KL_BIT_SPINLOCK;
}

/* Sleep while *WORD is SEEN (bounded: a lost wake-up costs at most a few ms). */
void mmr_lock_futex_wait(atomic_uint *word, unsigned seen);
/* Wake every thread sleeping on *WORD. */
void mmr_lock_futex_wake(atomic_uint *word);

/* ---- the protocol ---------------------------------------------------------- */

/* What one lock() call carries from before its first try to its bookkeeping. */
struct lock_attempt {
	bool timing;
	bool contended;
	bool slept;   /* the wait slept (a sleeping lock under --kernel rt) */
	uint64_t t0;  /* ticks before the first try (0 without timing) */
	uint64_t t1;  /* ticks at acquisition */
};

/* The calling thread's side SIDE of class CLS. */
static inline struct mmr_lock_side *lock_side(struct mmr_lock_class *cls, unsigned side)
{
	struct lock_thread *t = mmr_lock_self;
	if (LOCK_LIKELY(t != NULL && cls->id < t->nblocks)) {
		struct mmr_lock_side *b = t->blocks[cls->id];
		if (LOCK_LIKELY(b != NULL))
			return b + side;
	}
	return mmr_lock_side_slow(cls, side);
}

/* Before the first try: the wait, if any, is timed from here. */
static inline void lock_attempt_begin(struct lock_attempt *a)
{
	a->timing = atomic_load_explicit(&mmr_lock_timing_on, memory_order_relaxed);
	a->contended = false;
	a->slept = false;
	a->t0 = a->timing ? mmr_clock_ticks() : 0;
	a->t1 = a->t0;
}

/*
 * The first try failed.  The gauge is raised with release order after the
 * caller has made its wait visible in the lock word (rwlocks), so that a
 * thread that sees the gauge also sees that.
 */
static inline void lock_wait_begin(struct mmr_lock_class *cls)
{
	atomic_fetch_add_explicit(&cls->waiting, 1, memory_order_release);
}

/* Acquired after waiting. */
static inline void lock_wait_end(struct mmr_lock_class *cls, struct lock_attempt *a)
{
	atomic_fetch_sub_explicit(&cls->waiting, 1, memory_order_relaxed);
	a->contended = true;
	if (a->timing)
		a->t1 = mmr_clock_ticks();
}

/* A successful trylock: acquired now, never contended. */
static inline void lock_attempt_trylock(struct lock_attempt *a)
{
	a->timing = atomic_load_explicit(&mmr_lock_timing_on, memory_order_relaxed);
	a->contended = false;
	a->slept = false;
	a->t0 = a->t1 = a->timing ? mmr_clock_ticks() : 0;
}

/* Count the acquisition of (KEY, AUX) in side SIDE of CLS and, when timing, remember when. */
static inline void lock_acquired(struct mmr_lock_class *cls, unsigned side, const void *key,
				 uintptr_t aux, const struct lock_attempt *a)
{
	struct mmr_lock_side *s = lock_side(cls, side);
	s->acquisitions++;
	struct lock_thread *self = mmr_lock_self; /* set by lock_side */
	unsigned kt = atomic_load_explicit(&cls->kernel_type, memory_order_relaxed);
	if (LOCK_UNLIKELY(self->atomic_depth) && mmr_kernel_lock_sleeps_rt((enum mmr_kernel_lock)kt))
		s->in_atomic++;
	self->atomic_depth += lock_type_atomic(kt);
	if (LOCK_UNLIKELY(a->contended)) {
		s->contended++;
		s->slept += a->slept;
		if (a->timing)
			mmr_lock_record_wait(s, mmr_clock_to_ns(a->t1 - a->t0));
	}
	if (!a->timing)
		return;
	struct lock_thread *t = mmr_lock_self; /* set by lock_side */
	if (LOCK_UNLIKELY(t->depth == t->cap))
		mmr_lock_held_grow(t);
	t->held[t->depth++] = (struct held_lock){ .key = key, .aux = aux, .side = s, .t0 = a->t1 };
}

/* A lock of CLS is being released: the thread leaves atomic context with its last raw or bit spinlock. */
static inline void lock_leave(const struct mmr_lock_class *cls)
{
	struct lock_thread *self = mmr_lock_self;
	unsigned kt = atomic_load_explicit(&cls->kernel_type, memory_order_relaxed);
	if (lock_type_atomic(kt) && self && self->atomic_depth)
		self->atomic_depth--;
}

/*
 * Read the clock for a hold's end while the lock is still held; 0 without
 * timing (neither source reads 0 once the machine is up).
 */
static inline uint64_t lock_release_time(void)
{
	return atomic_load_explicit(&mmr_lock_timing_on, memory_order_relaxed) ? mmr_clock_ticks() : 0;
}

/*
 * After releasing (KEY, AUX) at ticks T (from lock_release_time): record
 * its hold.  Locks are mostly released newest first, so the top of the
 * stack is checked inline.  No entry (taken while timing was off): nothing.
 */
static inline void lock_released(const void *key, uintptr_t aux, uint64_t t)
{
	struct lock_thread *self = mmr_lock_self;
	if (t == 0 || self == NULL || self->depth == 0)
		return;
	struct held_lock *top = &self->held[self->depth - 1];
	struct held_lock h;
	if (LOCK_LIKELY(top->key == key && top->aux == aux)) {
		h = *top;
		self->depth--;
	} else if (!mmr_lock_held_take(self, key, aux, &h)) {
		return;
	}
	mmr_lock_record_hold(h.side, mmr_clock_to_ns(t - h.t0));
}

#pragma GCC visibility pop

#endif /* MMR_LOCK_INTERNAL_H */
