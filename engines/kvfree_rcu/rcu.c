/* SPDX-License-Identifier: MIT */
/*
 * rcu.c - the model's RCU: liburcu's membarrier flavour (urcu-memb), whose
 * readers cost about what the kernel's do (a per-thread counter, no
 * barrier: the writer's membarrier() does the ordering).
 *
 * ThreadSanitizer cannot see that ordering: membarrier(2) and liburcu's
 * own atomics are outside its view (liburcu is not built with it), so a
 * correct free after a grace period would look like a race with the
 * reader it waited for.  In a TSan build the guarantee is stated to it
 * instead: every read-side unlock releases one sync object and every
 * grace period's end acquires it.  That is the RCU rule itself, "a reader's
 * section happens before the end of a grace period that waits for it",
 * slightly widened (it also orders sections that began after the grace
 * period did), so it can hide a real race but never invent one.
 *
 * No call_rcu(): the callrcu baseline keeps its callbacks in per-CPU
 * lists that the engine's monitors reclaim (queue.c), so every grace
 * period of the model goes through kr_synchronize and waits for its
 * readers as the others do.
 */
#include <urcu/urcu-memb.h>

#include "kvfree_rcu.h"

#if defined(__SANITIZE_THREAD__)
#define KR_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KR_TSAN 1
#endif
#endif

#ifdef KR_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
static char kr_gp_sync;
#define tsan_acquire(a) __tsan_acquire(a)
#define tsan_release(a) __tsan_release(a)
#else
#define tsan_acquire(a) ((void)(a))
#define tsan_release(a) ((void)(a))
#endif

void kr_rcu_register(void)
{
	urcu_memb_register_thread();
}

void kr_rcu_unregister(void)
{
	urcu_memb_unregister_thread();
}

void kr_rcu_read_lock(void)
{
	urcu_memb_read_lock();
}

void kr_rcu_read_unlock(void)
{
#ifdef KR_TSAN
	tsan_release(&kr_gp_sync);
#endif
	urcu_memb_read_unlock();
}

void kr_rcu_synchronize(void)
{
	urcu_memb_synchronize_rcu();
#ifdef KR_TSAN
	tsan_acquire(&kr_gp_sync);
#endif
}
