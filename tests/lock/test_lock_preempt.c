/* SPDX-License-Identifier: MIT */
/*
 * test_lock_preempt.c - a holder that is preempted while it holds a lock
 * is told apart (mmr_lock_set_preempt_watch): its hold is counted as
 * preempted and kept out of the hold figures, a waiter behind it has its
 * wait marked too, a mutex holder that blocks (sleeps) is not preempted
 * (not every time: a loaded machine may preempt it for real) while a
 * spinlock holder that blocks is marked (the kernel's never leaves its
 * CPU), and
 * with watching off nothing is marked.
 *
 * The preemption is forced without any timing threshold: the holder and
 * a second thread are pinned to one CPU, and the holder keeps the lock
 * until it has seen the second thread run, which it can only do after
 * the scheduler took the CPU from the (still runnable) holder.
 */
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "lock_script.h"
#include "mmr_lock_stats.h"

/* How long a blocking holder sleeps with the lock held. */
#define BLOCK_NS 200000
/* Blocking holds played: a loaded machine may preempt some of them for real, never all. */
#define BLOCKED_HOLDS 20

/* The NTH CPU this thread may run on, or -1. */
static int cpu_nth(unsigned nth)
{
	cpu_set_t set;
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set) && nth-- == 0)
			return c;
	return -1;
}

static void pin_self(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	assert_int_equal(pthread_setaffinity_np(pthread_self(), sizeof(set), &set), 0);
}

struct scene {
	struct mmr_spinlock lock;
	int cpu;                 /* where the holder and the intruder run */
	sem_t go;                /* the intruder's start, posted while the lock is held */
	atomic_bool intruder_ran;
	atomic_bool held;        /* the holder has the lock */
	bool with_waiter;        /* a thread on another CPU waits for the lock */
	bool sleep_instead;      /* the holder blocks instead of being preempted */
};

static void *intruder_main(void *arg)
{
	struct scene *s = arg;
	pin_self(s->cpu);
	while (sem_wait(&s->go) != 0)
		;
	atomic_store(&s->intruder_ran, true);
	return NULL;
}

static void *holder_main(void *arg)
{
	struct scene *s = arg;
	pin_self(s->cpu);
	pthread_t in;
	/* Made before the hold: creating a thread may block the creator (sanitizers wait for the child). */
	if (!s->sleep_instead)
		assert_int_equal(pthread_create(&in, NULL, intruder_main, s), 0);
	mmr_spin_lock(&s->lock);
	atomic_store(&s->held, true);
	if (s->sleep_instead) {
		struct timespec ts = {0, BLOCK_NS};
		nanosleep(&ts, NULL);
	} else {
		sem_post(&s->go);
		/* Runnable all along: the intruder runs only if the scheduler preempts this thread. */
		while (!atomic_load_explicit(&s->intruder_ran, memory_order_relaxed))
			;
	}
	/* A waiter, when there is one, is waiting before the hold ends. */
	if (s->with_waiter)
		while (mmr_lock_class_waiting(s->lock.cls) == 0)
			;
	mmr_spin_unlock(&s->lock);
	if (!s->sleep_instead)
		pthread_join(in, NULL);
	return NULL;
}

static void *waiter_main(void *arg)
{
	struct scene *s = arg;
	pin_self(cpu_nth(1));
	while (!atomic_load(&s->held))
		;
	mmr_spin_lock(&s->lock); /* contended: the holder releases only after the flag */
	mmr_spin_unlock(&s->lock);
	return NULL;
}

/* One hold by a holder preempted (or sleeping), with a waiter on another CPU when there is one. */
static void play(const char *cls, bool sleep_instead, bool with_waiter)
{
	struct scene s = {.cpu = cpu_nth(0), .sleep_instead = sleep_instead, .with_waiter = with_waiter};
	atomic_init(&s.intruder_ran, false);
	atomic_init(&s.held, false);
	assert_int_equal(sem_init(&s.go, 0, 0), 0);
	assert_int_equal(mmr_spin_init(&s.lock, cls), 0);
	pthread_t h, w;
	assert_int_equal(pthread_create(&h, NULL, holder_main, &s), 0);
	if (with_waiter)
		assert_int_equal(pthread_create(&w, NULL, waiter_main, &s), 0);
	pthread_join(h, NULL);
	if (with_waiter)
		pthread_join(w, NULL);
	sem_destroy(&s.go);
}

static bool watching;

/* Watching needs perf_event_open(2); a kernel that refuses it skips the tests, saying why. */
static int watch_on(void **state)
{
	(void)state;
	char why[256];
	watching = mmr_lock_set_preempt_watch(true, why, sizeof(why)) == 0;
	if (!watching)
		print_message("skipped: %s\n", why);
	return 0;
}

static void test_preempted_hold_is_marked(void **state)
{
	(void)state;
	if (!watching)
		skip();
	play("preempt.hold", false, false);
	struct mmr_lock_side s = script_side("preempt.hold", MMR_LOCK_EXCL);
	assert_int_equal(s.acquisitions, 1);
	assert_int_equal(s.holds_preempted, 1);
	assert_true(s.hold_preempted_ns_total > 0);
	assert_int_equal(s.hold_preempted_ns_max, s.hold_preempted_ns_total);
	/* Out of the kernel-comparable figures. */
	assert_int_equal(s.hold.count, 0);
	assert_int_equal(s.hold_ns_total, 0);
	assert_int_equal(mmr_lock_preempt_unwatched(), 0);
}

static void test_waiter_behind_preempted_holder_is_marked(void **state)
{
	(void)state;
	if (!watching)
		skip();
	if (cpu_nth(1) < 0) {
		print_message("skipped: one CPU, no room for a waiter beside the holder\n");
		return;
	}
	play("preempt.wait", false, true);
	struct mmr_lock_side s = script_side("preempt.wait", MMR_LOCK_EXCL);
	assert_int_equal(s.acquisitions, 2);
	assert_int_equal(s.contended, 1);
	assert_int_equal(s.waits_preempted, 1);
	assert_int_equal(s.wait.count, 0);
	/* The holder's; the waiter's own short hold may be preempted for real on a loaded machine. */
	assert_true(s.holds_preempted >= 1);
}

/* A mutex's holder may block by design: a sleep while holding is not a preemption. */
static void test_blocked_mutex_holder_is_not_preempted(void **state)
{
	(void)state;
	if (!watching)
		skip();
	struct mmr_mutex m;
	assert_int_equal(mmr_mutex_init(&m, "preempt.mutex"), 0);
	for (int i = 0; i < BLOCKED_HOLDS; i++) {
		mmr_mutex_lock(&m);
		struct timespec ts = {0, BLOCK_NS};
		nanosleep(&ts, NULL);
		mmr_mutex_unlock(&m);
	}
	mmr_mutex_destroy(&m);
	struct mmr_lock_side s = script_side("preempt.mutex", MMR_LOCK_EXCL);
	assert_int_equal(s.acquisitions, BLOCKED_HOLDS);
	/* Were a block a preemption, every one would be marked. */
	assert_true(s.holds_preempted < BLOCKED_HOLDS);
	assert_int_equal(s.hold.count + s.holds_preempted, BLOCKED_HOLDS);
	assert_true(s.hold_ns_total >= s.hold.count * (uint64_t)BLOCK_NS);
}

/* A spinlock's holder never leaves its CPU in the kernel: blocking while holding one is marked too. */
static void test_blocked_spinlock_holder_is_marked(void **state)
{
	(void)state;
	if (!watching)
		skip();
	play("preempt.sleep", true, false);
	struct mmr_lock_side s = script_side("preempt.sleep", MMR_LOCK_EXCL);
	assert_int_equal(s.acquisitions, 1);
	assert_int_equal(s.holds_preempted, 1);
	assert_int_equal(s.hold.count, 0);
}

static void test_watch_off_marks_nothing(void **state)
{
	(void)state;
	if (!watching)
		skip();
	char why[8];
	assert_int_equal(mmr_lock_set_preempt_watch(false, why, sizeof(why)), 0);
	play("preempt.off", false, false);
	struct mmr_lock_side s = script_side("preempt.off", MMR_LOCK_EXCL);
	assert_int_equal(s.acquisitions, 1);
	assert_int_equal(s.holds_preempted, 0);
	assert_int_equal(s.hold.count, 1);
	assert_true(mmr_lock_set_preempt_watch(true, why, 0) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preempted_hold_is_marked),
		cmocka_unit_test(test_waiter_behind_preempted_holder_is_marked),
		cmocka_unit_test(test_blocked_mutex_holder_is_not_preempted),
		cmocka_unit_test(test_blocked_spinlock_holder_is_marked),
		cmocka_unit_test(test_watch_off_marks_nothing),
	};
	return cmocka_run_group_tests(tests, watch_on, NULL);
}
