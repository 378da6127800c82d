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
 *		lock_wait_begin(cls, &a);  contended: the class's waiting gauge
 *		... wait and take ...
 *		lock_wait_end(cls, &a);
 *	}
 *	lock_acquired(cls, side, key, aux, &a);
 *	...
 *	struct lock_release r;
 *	lock_release_begin(cls, key, aux, &r);   while still holding
 *	release
 *	lock_released(&r);
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
#include <linux/perf_event.h>

#include "mmr_clock.h"
#include "mmr_hist.h"

#pragma GCC visibility push(default)
#include "mmr_lock_stats.h"
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
	/*
	 * Holds of this class whose holder was preempted, counted before the
	 * release that ends them: a waiter that sees it change while it waited
	 * waited (perhaps) behind such a holder.  Written only by those rare
	 * releases, so it shares the contended line.
	 */
	atomic_uint preempted_holds;
};

/* One lock this thread holds, and when it took it (clock ticks). */
struct held_lock {
	const void *key;          /* the lock, or a bit lock's word */
	uintptr_t aux;            /* a bit lock's bit, an rwlock's side */
	struct mmr_lock_side *side; /* where its hold time goes */
	uint64_t t0;
	uint64_t preempts0;       /* the thread's preemption count at acquisition (preempt.c) */
	uint64_t switches0;       /* and its switch count */
};

/*
 * A thread's own context-switch records (preempt.c): the kernel appends
 * one to a ring it shares with the thread at each switch, so whether the
 * thread was preempted between two points is one load of the ring's head
 * when it was not.
 */
struct lock_pwatch {
	int fd;
	volatile struct perf_event_mmap_page *meta;
	const unsigned char *data;
	uint64_t mask;     /* the data ring's size - 1 */
	uint64_t tail;     /* how far the thread has read */
	uint64_t preempts; /* switches out while runnable read so far, and waits marked (lock_wait_end) */
	uint64_t switches; /* every switch out read so far (blocking too), and waits marked */
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
	unsigned nheld;        /* locks held, of every kind, timed or not */
	struct held_lock *held;
	struct lock_pwatch *pw; /* NULL unless holders are watched for preemption */
	struct lock_thread *next, *prev; /* the registry's list, under its lock */
};

/* The calling thread's, or NULL before its first acquisition (stats.c). */
extern __thread struct lock_thread *mmr_lock_self __attribute__((tls_model("initial-exec")));
/* mmr_lock_set_timing's flag. */
extern atomic_bool mmr_lock_timing_on;
/* mmr_lock_set_kernel_rt's flag. */
extern atomic_bool mmr_lock_rt_on;

/* ---- preempt.c: whether a holder was preempted ---------------------------- */

/* mmr_lock_set_preempt_watch's flag. */
extern atomic_bool mmr_lock_pwatch_on;
/* Open T's record ring when watching is on; on failure T stays unwatched (counted). */
void mmr_lock_pwatch_open(struct lock_thread *t);
/* Close T's ring. */
void mmr_lock_pwatch_close(struct lock_thread *t);
/* Read P's records up to HEAD, counting preemptions. */
void mmr_lock_pwatch_read(struct lock_pwatch *p, uint64_t head);

/* Bring P's preemption count up to date: one load when nothing happened. */
static inline uint64_t lock_pwatch_sync(struct lock_pwatch *p)
{
	uint64_t head = __atomic_load_n(&p->meta->data_head, __ATOMIC_ACQUIRE);
	if (__builtin_expect(head != p->tail, 0))
		mmr_lock_pwatch_read(p, head);
	return p->preempts;
}

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
/* Record one hold of NS nanoseconds in S: apart when its holder was PREEMPTED. */
void mmr_lock_record_hold(struct mmr_lock_side *s, uint64_t ns, bool preempted);
/* Record one contended wait of NS nanoseconds in S: apart when PREEMPTED (lock_attempt). */
void mmr_lock_record_wait(struct mmr_lock_side *s, uint64_t ns, bool preempted);

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
/* Sleep while *WORD is SEEN, at most NS nanoseconds. */
void mmr_lock_futex_wait_ns(atomic_uint *word, unsigned seen, long ns);
/* Wake every thread sleeping on *WORD. */
void mmr_lock_futex_wake(atomic_uint *word);

/* ---- the protocol ---------------------------------------------------------- */

/* What one lock() call carries from before its first try to its bookkeeping. */
struct lock_attempt {
	bool timing;
	bool contended;
	bool slept;     /* the wait slept (a sleeping lock under --kernel rt) */
	bool queued;    /* another thread was already waiting for the class when this wait began */
	bool preempted; /* the waiter, or a holder it may have waited behind, was preempted */
	unsigned gen0;  /* the class's preempted holds when the wait began */
	uint64_t p0;    /* the waiter's own preemptions then */
	uint64_t t0;    /* ticks before the first try (0 without timing) */
	uint64_t t1;    /* ticks at acquisition */
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
	a->queued = false;
	a->preempted = false;
	a->t0 = a->timing ? mmr_clock_ticks() : 0;
	a->t1 = a->t0;
}

/* The calling thread's preemption count, or 0 when it is not watched. */
static inline uint64_t lock_preempts_now(void)
{
	struct lock_thread *self = mmr_lock_self;
	return self && self->pw ? lock_pwatch_sync(self->pw) : 0;
}

/*
 * The first try failed.  The gauge is raised with release order after the
 * caller has made its wait visible in the lock word (rwlocks), so that a
 * thread that sees the gauge also sees that.
 */
static inline void lock_wait_begin(struct mmr_lock_class *cls, struct lock_attempt *a)
{
	a->queued = atomic_fetch_add_explicit(&cls->waiting, 1, memory_order_release) != 0;
	a->gen0 = atomic_load_explicit(&cls->preempted_holds, memory_order_relaxed);
	a->p0 = lock_preempts_now();
}

/*
 * Acquired after waiting.  A preempted holder counts its hold in the class
 * before its release, and this thread's acquisition follows that release,
 * so a change since the wait began is seen here.
 */
static inline void lock_wait_end(struct mmr_lock_class *cls, struct lock_attempt *a)
{
	atomic_fetch_sub_explicit(&cls->waiting, 1, memory_order_relaxed);
	a->contended = true;
	if (a->timing)
		a->t1 = mmr_clock_ticks();
	a->preempted = atomic_load_explicit(&cls->preempted_holds, memory_order_acquire) != a->gen0 ||
		       lock_preempts_now() != a->p0;
	/* The holds this thread is inside grew by the same time: they are marked too. */
	struct lock_thread *self = mmr_lock_self;
	if (a->preempted && self && self->pw) {
		self->pw->preempts++;
		self->pw->switches++;
	}
}

/* A successful trylock: acquired now, never contended. */
static inline void lock_attempt_trylock(struct lock_attempt *a)
{
	a->timing = atomic_load_explicit(&mmr_lock_timing_on, memory_order_relaxed);
	a->contended = false;
	a->slept = false;
	a->preempted = false;
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
	self->nheld++;
	if (LOCK_UNLIKELY(a->contended)) {
		s->contended++;
		s->contended_queued += a->queued;
		s->slept += a->slept;
		if (a->timing)
			mmr_lock_record_wait(s, mmr_clock_to_ns(a->t1 - a->t0), a->preempted);
	}
	if (!a->timing)
		return;
	if (LOCK_UNLIKELY(self->depth == self->cap))
		mmr_lock_held_grow(self);
	/* Synced first: an initializer's expressions have no order, and switches must be read after. */
	uint64_t preempts0 = self->pw ? lock_pwatch_sync(self->pw) : 0;
	uint64_t switches0 = self->pw ? self->pw->switches : 0;
	self->held[self->depth++] = (struct held_lock){
		.key = key, .aux = aux, .side = s, .t0 = a->t1, .preempts0 = preempts0, .switches0 = switches0};
}

/* A lock of CLS is being released: the thread leaves atomic context with its last raw or bit spinlock. */
static inline void lock_leave(const struct mmr_lock_class *cls)
{
	struct lock_thread *self = mmr_lock_self;
	unsigned kt = atomic_load_explicit(&cls->kernel_type, memory_order_relaxed);
	if (!self)
		return;
	if (lock_type_atomic(kt) && self->atomic_depth)
		self->atomic_depth--;
	if (self->nheld)
		self->nheld--;
}

/*
 * Whether hold H of CLS was off its CPU in a way the kernel's could not
 * be.  A holder of a lock that spins in the kernel (with preemption off)
 * never leaves its CPU there, so any switch counts, blocking ones too (a
 * page fault's I/O, the process's mmap_lock).  A sleeping lock's holder
 * may block by design, so only a preemption counts.
 */
static inline bool lock_hold_left_cpu(const struct mmr_lock_class *cls, struct lock_pwatch *p,
				      const struct held_lock *h)
{
	uint64_t preempts = lock_pwatch_sync(p);
	unsigned kt = atomic_load_explicit(&cls->kernel_type, memory_order_relaxed);
	bool spins = kt == MMR_KL_UNKNOWN ? cls->kind != MMR_LOCK_MUTEX
					   : mmr_kernel_lock_spins((enum mmr_kernel_lock)kt,
								   atomic_load_explicit(&mmr_lock_rt_on, memory_order_relaxed));
	return spins ? p->switches != h->switches0 : preempts != h->preempts0;
}

/* A hold being ended: what lock_release_begin found, for lock_released. */
struct lock_release {
	bool have;      /* a timed hold of this thread's */
	bool preempted; /* its holder was preempted during it */
	struct held_lock h;
	uint64_t t;     /* ticks at its end */
};

/*
 * While (KEY, AUX) of CLS is still held: end its hold.  Locks are mostly
 * released newest first, so the top of the stack is checked inline.  A
 * preempted hold is counted in the class now, before the release that
 * lets a waiter in (lock_wait_end).  No entry (taken while timing was
 * off): nothing to record.
 */
static inline void lock_release_begin(struct mmr_lock_class *cls, const void *key, uintptr_t aux,
				      struct lock_release *r)
{
	r->have = false;
	struct lock_thread *self = mmr_lock_self;
	if (!atomic_load_explicit(&mmr_lock_timing_on, memory_order_relaxed) || self == NULL ||
	    self->depth == 0)
		return;
	r->t = mmr_clock_ticks();
	struct held_lock *top = &self->held[self->depth - 1];
	if (LOCK_LIKELY(top->key == key && top->aux == aux)) {
		r->h = *top;
		self->depth--;
	} else if (!mmr_lock_held_take(self, key, aux, &r->h)) {
		return;
	}
	r->have = true;
	r->preempted = self->pw && lock_hold_left_cpu(cls, self->pw, &r->h);
	if (LOCK_UNLIKELY(r->preempted))
		atomic_fetch_add_explicit(&cls->preempted_holds, 1, memory_order_release);
}

/* After the release: record the hold lock_release_begin ended. */
static inline void lock_released(const struct lock_release *r)
{
	if (r->have)
		mmr_lock_record_hold(r->h.side, mmr_clock_to_ns(r->t - r->h.t0), r->preempted);
}


#pragma GCC visibility pop

#endif /* MMR_LOCK_INTERNAL_H */
