/* SPDX-License-Identifier: MIT */
/*
 * mmr_lock.h - the instrumented locks every engine takes: spinlock, mutex,
 * rwlock and bit spinlock, each created with the kernel's own lock name
 * ("free_vmap_area_lock", "cma->lock", "pool->migrate_lock", "zone->lock").
 *
 * Locks of one name form a class; per class, summed over every instance
 * and thread: acquisitions, contended acquisitions (the first try failed),
 * time waiting and time held (total, max and a histogram), readers and
 * writers apart for rwlocks.  That is the contention report; the runner
 * reads it through mmr_lock_stats.h.
 *
 * Built as a shared library so that the mmreplay binary and every engine
 * plugin it loads share one set of classes.
 */
#ifndef MMR_LOCK_H
#define MMR_LOCK_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum mmr_lock_kind {
	MMR_LOCK_SPIN,   /* spinlock_t: spins, then yields when the wait grows */
	MMR_LOCK_MUTEX,  /* struct mutex: sleeps */
	MMR_LOCK_RWLOCK, /* rwlock_t: spinning, readers share; a waiting writer holds off new readers */
	MMR_LOCK_BIT,    /* bit_spin_lock: one bit of a word, as zsmalloc's handle pin bit */
	MMR_LOCK_KINDS
};

/* "spinlock", "mutex", "rwlock", "bit_spinlock"; NULL when out of range. */
const char *mmr_lock_kind_name(enum mmr_lock_kind kind);

/*
 * The kernel lock a class stands for: a userspace lock cannot disable
 * preemption or interrupts, so what the kernel's costs would be is read
 * from this (an irq-safe spinlock's hold is interrupts-off time, a
 * spinning lock's wait is CPU burnt) and, under PREEMPT_RT, which locks
 * would sleep.
 */
enum mmr_kernel_lock {
	MMR_KL_UNKNOWN,      /* not declared */
	MMR_KL_SPINLOCK,     /* spinlock_t: spins; a sleeping lock under PREEMPT_RT */
	MMR_KL_RAW_SPINLOCK, /* raw_spinlock_t: spins on every kernel */
	MMR_KL_RWLOCK,       /* rwlock_t: spins; sleeps under PREEMPT_RT */
	MMR_KL_BIT_SPINLOCK, /* bit_spin_lock: spins on every kernel, preemption off (an RT hazard) */
	MMR_KL_MUTEX,        /* struct mutex */
	MMR_KL_RWSEM,        /* struct rw_semaphore */
	MMR_KL_WW_MUTEX,     /* struct ww_mutex (dma_resv) */
	MMR_KL_TYPES
};

/* "spinlock_t", "raw_spinlock_t", ...; "unknown" for MMR_KL_UNKNOWN; NULL when out of range. */
const char *mmr_kernel_lock_name(enum mmr_kernel_lock type);

/*
 * True for the kernel types whose waiters spin (burning their CPU) rather
 * than sleep, on a PREEMPT_RT kernel when RT: there spinlock_t and
 * rwlock_t sleep, and raw and bit spinlocks still spin.
 */
bool mmr_kernel_lock_spins(enum mmr_kernel_lock type, bool rt);

/*
 * True when a lock of TYPE taken with interrupts off (IRQS_OFF) keeps
 * them off while held: on PREEMPT_RT (RT) only a raw spinlock does.
 */
bool mmr_kernel_lock_irqs_off(enum mmr_kernel_lock type, bool irqs_off, bool rt);

/*
 * True for the kernel types that spin with preemption disabled even on
 * PREEMPT_RT and have no owner to boost: bit spinlocks.
 */
bool mmr_kernel_lock_rt_hazard(enum mmr_kernel_lock type);

/* True for the kernel types that may sleep on PREEMPT_RT: every type but raw and bit spinlocks (and unknown). */
bool mmr_kernel_lock_sleeps_rt(enum mmr_kernel_lock type);

/* All locks of one name.  Opaque; created once, never freed. */
struct mmr_lock_class;

/*
 * The class NAME of KIND, created on first use (thread-safe; finding an
 * existing class takes no lock).  One name may have a class of each kind
 * (cma->lock is a mutex in one variant, a spinlock in another).  Returns
 * NULL when NAME is NULL, empty or longer than 63 bytes (struct
 * mmr_lock_stats holds 63), or when memory runs out.
 */
struct mmr_lock_class *mmr_lock_class_get(const char *name, enum mmr_lock_kind kind);

/*
 * How many threads wait for a lock of class CLS right now: their first
 * try failed and they have not acquired it yet.  A gauge for monitors and
 * for tests that script contention; it never enters the statistics.
 */
unsigned mmr_lock_class_waiting(const struct mmr_lock_class *cls);

/*
 * Declare what class CLS stands for in the kernel: TYPE, and IRQS_OFF
 * when the kernel takes it with interrupts disabled (spin_lock_irqsave,
 * spin_lock_irq).  Engines declare each lock once it is made; the latest
 * declaration holds, for every lock of the class.  NULL CLS: nothing.
 */
void mmr_lock_class_declare(struct mmr_lock_class *cls, enum mmr_kernel_lock type, bool irqs_off);

/* ---- spinlock ------------------------------------------------------------ */

struct mmr_spinlock {
	atomic_uint v;
	/*
	 * Threads waiting for this lock: a wait that begins behind another is
	 * one x86's queued spinlock would trace (contended_queued, per lock
	 * here rather than per class, as the classes of SLUB's n->list_lock
	 * and the vmap nodes' locks hold many locks).
	 */
	atomic_uint waiters;
	struct mmr_lock_class *cls;
};

/*
 * Every lock is released by the thread that took it, as in the kernel;
 * hold times are matched to acquisitions per thread.
 */

/* Unlocked, in class NAME.  Returns 0, or -1 when the class cannot be had (see above). */
int mmr_spin_init(struct mmr_spinlock *l, const char *name);
/* Take L, spinning (then yielding) while another thread holds it. */
void mmr_spin_lock(struct mmr_spinlock *l);
/* True when taken; a failed trylock counts as neither acquisition nor contention. */
bool mmr_spin_trylock(struct mmr_spinlock *l);
/* Release L. */
void mmr_spin_unlock(struct mmr_spinlock *l);

/* ---- mutex --------------------------------------------------------------- */

struct mmr_mutex {
	pthread_mutex_t m;
	struct mmr_lock_class *cls;
};

/* Unlocked, in class NAME (adaptive where the C library has it).  0, or -1 as mmr_spin_init. */
int mmr_mutex_init(struct mmr_mutex *l, const char *name);
/* Free what mmr_mutex_init set up; L must be unlocked. */
void mmr_mutex_destroy(struct mmr_mutex *l);
/* Take L, sleeping while another thread holds it. */
void mmr_mutex_lock(struct mmr_mutex *l);
/* True when taken; a failed trylock is not counted. */
bool mmr_mutex_trylock(struct mmr_mutex *l);
/* Release L. */
void mmr_mutex_unlock(struct mmr_mutex *l);

/* ---- rwlock -------------------------------------------------------------- */

struct mmr_rwlock {
	atomic_uint v; /* readers count, writer and writer-waiting bits */
	struct mmr_lock_class *cls;
};

/*
 * Limits of the one-word lock: at most 2047 readers holding it, 1023
 * threads waiting to read and 1023 waiting to write, at once.
 */

/* Unlocked, in class NAME.  0, or -1 as mmr_spin_init. */
int mmr_rwlock_init(struct mmr_rwlock *l, const char *name);
/* Take L shared; waits while a writer holds it or waits for it. */
void mmr_read_lock(struct mmr_rwlock *l);
/* True when taken shared (fails while a writer holds or waits); a failure is not counted. */
bool mmr_read_trylock(struct mmr_rwlock *l);
/* Release a shared hold of L. */
void mmr_read_unlock(struct mmr_rwlock *l);
/* Take L exclusive; waits for every reader and writer to leave. */
void mmr_write_lock(struct mmr_rwlock *l);
/* For a writer that backs off when the lock is busy (zsmalloc compaction): never waits. */
bool mmr_write_trylock(struct mmr_rwlock *l);
/*
 * Take L exclusive as mmr_write_lock does (waiting, holding new readers
 * off, counted alike), but ask GIVE_UP(CTX) before the wait and at every
 * step of it: once it is true, withdraw and return false, having taken
 * nothing; the withdrawn wait counts as neither acquisition nor
 * contention.  For a writer that may be waiting for a holder that will
 * not let go before the writer does something else (zsmalloc's compaction
 * and migration, against a mapping held between two replayed ops).
 * GIVE_UP must not take L.
 */
bool mmr_write_lock_unless(struct mmr_rwlock *l, bool (*give_up)(void *ctx), void *ctx);
/*
 * For a holder of L (read or write, once): true when some thread waits for
 * or holds the lock besides the caller's own hold.
 */
bool mmr_rwlock_is_contended(struct mmr_rwlock *l);
/* Release the exclusive hold of L. */
void mmr_write_unlock(struct mmr_rwlock *l);

/* ---- bit spinlock -------------------------------------------------------- */

/*
 * Take bit BIT of *WORD as a spinlock of class CLS (other bits are left
 * alone).  CLS is a class of kind MMR_LOCK_BIT, never NULL; BIT is below
 * the width of unsigned long.
 */
void mmr_bit_lock(atomic_ulong *word, unsigned bit, struct mmr_lock_class *cls);
/* True when the bit was clear and is now taken; a failure is not counted. */
bool mmr_bit_trylock(atomic_ulong *word, unsigned bit, struct mmr_lock_class *cls);
/* Clear bit BIT of *WORD (taken by this thread), leaving the other bits alone. */
void mmr_bit_unlock(atomic_ulong *word, unsigned bit, struct mmr_lock_class *cls);

#ifdef __cplusplus
}
#endif

#endif /* MMR_LOCK_H */
