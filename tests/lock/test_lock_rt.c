/* SPDX-License-Identifier: MIT */
/*
 * test_lock_rt.c - --kernel rt: a waiter for a class declared spinlock_t
 * or rwlock_t sleeps (its CPU time over a long wait stays small, and the
 * wait counts as slept), raw and bit spinlocks keep spinning, the default
 * kernel spins for them all, the sleeping locks still exclude, and a
 * lock that sleeps on RT taken under a raw spinlock is counted.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lock_script.h"
#include "mmr_lock_stats.h"

#define HOLD_NS 150000000ull /* how long the holder keeps the lock while the waiter waits */

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

enum which { SPIN, RWLOCK_READER, BIT, WRITER_UNLESS };

struct waiter {
	enum which which;
	struct mmr_spinlock *spin;
	struct mmr_rwlock *rw;
	atomic_ulong *word;
	struct mmr_lock_class *bit_cls;
	atomic_bool *started;
	uint64_t cpu_ns;
};

/* A give-up test that never gives up. */
static bool never(void *ctx)
{
	(void)ctx;
	return false;
}

static void *wait_main(void *arg)
{
	struct waiter *w = arg;
	atomic_store(w->started, true);
	uint64_t c0 = thread_cpu_ns();
	switch (w->which) {
	case SPIN:
		mmr_spin_lock(w->spin);
		w->cpu_ns = thread_cpu_ns() - c0;
		mmr_spin_unlock(w->spin);
		break;
	case RWLOCK_READER:
		mmr_read_lock(w->rw);
		w->cpu_ns = thread_cpu_ns() - c0;
		mmr_read_unlock(w->rw);
		break;
	case BIT:
		mmr_bit_lock(w->word, 3, w->bit_cls);
		w->cpu_ns = thread_cpu_ns() - c0;
		mmr_bit_unlock(w->word, 3, w->bit_cls);
		break;
	case WRITER_UNLESS:
		assert_true(mmr_write_lock_unless(w->rw, never, NULL));
		w->cpu_ns = thread_cpu_ns() - c0;
		mmr_write_unlock(w->rw);
		break;
	}
	return NULL;
}

/*
 * Hold the lock of W for HOLD_NS while a thread waits for it; returns the
 * waiter's CPU time over its wait.
 */
static uint64_t hold_against_waiter(struct waiter *w)
{
	atomic_bool started = false;
	w->started = &started;
	switch (w->which) {
	case SPIN: mmr_spin_lock(w->spin); break;
	case RWLOCK_READER: case WRITER_UNLESS: mmr_write_lock(w->rw); break;
	case BIT: mmr_bit_lock(w->word, 3, w->bit_cls); break;
	}
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, wait_main, w), 0);
	while (!atomic_load(&started))
		sched_yield();
	nanosleep(&(struct timespec){0, (long)HOLD_NS}, NULL);
	switch (w->which) {
	case SPIN: mmr_spin_unlock(w->spin); break;
	case RWLOCK_READER: case WRITER_UNLESS: mmr_write_unlock(w->rw); break;
	case BIT: mmr_bit_unlock(w->word, 3, w->bit_cls); break;
	}
	pthread_join(th, NULL);
	return w->cpu_ns;
}

/* RT: a spinlock_t waiter sleeps: a sliver of CPU over a 150 ms wait, and the wait counts as slept. */
static void test_rt_spinlock_sleeps(void **state)
{
	(void)state;
	struct mmr_spinlock l;
	assert_int_equal(mmr_spin_init(&l, "rt spinlock_t"), 0);
	mmr_lock_class_declare(l.cls, MMR_KL_SPINLOCK, true);
	mmr_lock_set_kernel_rt(true);
	mmr_lock_stats_reset();
	struct waiter w = {.which = SPIN, .spin = &l};
	uint64_t cpu = hold_against_waiter(&w);
	mmr_lock_set_kernel_rt(false);
	struct mmr_lock_side s = script_side("rt spinlock_t", MMR_LOCK_EXCL);
	assert_int_equal(s.acquisitions, 2);
	/* The waiter may have come after the release on a loaded machine: then it neither waited nor slept. */
	assert_int_equal(s.slept, s.contended);
	assert_true(cpu < HOLD_NS / 5);
}

/*
 * RT: a writer that may give up (zsmalloc's zspage lock) sleeps too, in
 * short bounded sleeps so that it still sees its give-up test: the wait
 * counts as slept.
 */
static void test_rt_write_lock_unless_sleeps(void **state)
{
	(void)state;
	struct mmr_rwlock l;
	assert_int_equal(mmr_rwlock_init(&l, "rt rwlock_t unless"), 0);
	mmr_lock_class_declare(l.cls, MMR_KL_RWLOCK, false);
	mmr_lock_set_kernel_rt(true);
	mmr_lock_stats_reset();
	struct waiter w = {.which = WRITER_UNLESS, .rw = &l};
	hold_against_waiter(&w);
	mmr_lock_set_kernel_rt(false);
	struct mmr_lock_side s = script_side("rt rwlock_t unless", MMR_LOCK_EXCL);
	assert_int_equal(s.acquisitions, 2);
	assert_int_equal(s.slept, s.contended);
}

/* RT: a raw spinlock still spins; so does a spinlock_t on the default kernel. */
static void test_raw_and_default_spin(void **state)
{
	(void)state;
	struct mmr_spinlock raw, plain;
	assert_int_equal(mmr_spin_init(&raw, "rt raw_spinlock_t"), 0);
	assert_int_equal(mmr_spin_init(&plain, "default spinlock_t"), 0);
	mmr_lock_class_declare(raw.cls, MMR_KL_RAW_SPINLOCK, true);
	mmr_lock_class_declare(plain.cls, MMR_KL_SPINLOCK, true);
	mmr_lock_stats_reset();
	mmr_lock_set_kernel_rt(true);
	struct waiter w = {.which = SPIN, .spin = &raw};
	hold_against_waiter(&w);
	mmr_lock_set_kernel_rt(false);
	w.spin = &plain;
	hold_against_waiter(&w);
	struct mmr_lock_side r = script_side("rt raw_spinlock_t", MMR_LOCK_EXCL);
	struct mmr_lock_side p = script_side("default spinlock_t", MMR_LOCK_EXCL);
	assert_int_equal(r.acquisitions, 2);
	assert_int_equal(r.slept, 0);
	assert_int_equal(p.acquisitions, 2);
	assert_int_equal(p.slept, 0);
}

/* RT: a reader waiting on a rwlock_t's writer sleeps; a bit spinlock's waiter spins. */
static void test_rt_rwlock_sleeps_bit_spins(void **state)
{
	(void)state;
	struct mmr_rwlock rw;
	assert_int_equal(mmr_rwlock_init(&rw, "rt rwlock_t"), 0);
	mmr_lock_class_declare(rw.cls, MMR_KL_RWLOCK, false);
	struct mmr_lock_class *bit = mmr_lock_class_get("rt bit_spin_lock", MMR_LOCK_BIT);
	assert_non_null(bit);
	mmr_lock_class_declare(bit, MMR_KL_BIT_SPINLOCK, false);
	atomic_ulong word = 0;
	mmr_lock_stats_reset();
	mmr_lock_set_kernel_rt(true);
	struct waiter w = {.which = RWLOCK_READER, .rw = &rw};
	uint64_t cpu = hold_against_waiter(&w);
	w = (struct waiter){.which = BIT, .word = &word, .bit_cls = bit};
	hold_against_waiter(&w);
	mmr_lock_set_kernel_rt(false);
	struct mmr_lock_side r = script_side("rt rwlock_t", MMR_LOCK_READ);
	struct mmr_lock_side b = script_side("rt bit_spin_lock", MMR_LOCK_EXCL);
	assert_int_equal(r.acquisitions, 1);
	assert_int_equal(r.slept, r.contended);
	assert_true(cpu < HOLD_NS / 5);
	assert_int_equal(b.acquisitions, 2);
	assert_int_equal(b.slept, 0);
	assert_int_equal(atomic_load(&word), 0);
}

/* RT: the sleeping locks still exclude: 4 threads, counts exact. */
#define EXCL_THREADS 4
#define EXCL_ROUNDS 20000

static struct mmr_spinlock excl_spin;
static struct mmr_rwlock excl_rw;
static uint64_t excl_count, excl_rw_count;

static void *excl_main(void *arg)
{
	(void)arg;
	for (unsigned i = 0; i < EXCL_ROUNDS; i++) {
		mmr_spin_lock(&excl_spin);
		excl_count++;
		mmr_spin_unlock(&excl_spin);
		if (i % 4) {
			mmr_read_lock(&excl_rw);
			uint64_t seen = excl_rw_count;
			mmr_read_unlock(&excl_rw);
			(void)seen;
		} else {
			mmr_write_lock(&excl_rw);
			excl_rw_count++;
			mmr_write_unlock(&excl_rw);
		}
	}
	return NULL;
}

static void test_rt_excludes(void **state)
{
	(void)state;
	assert_int_equal(mmr_spin_init(&excl_spin, "rt excl spinlock_t"), 0);
	assert_int_equal(mmr_rwlock_init(&excl_rw, "rt excl rwlock_t"), 0);
	mmr_lock_class_declare(excl_spin.cls, MMR_KL_SPINLOCK, false);
	mmr_lock_class_declare(excl_rw.cls, MMR_KL_RWLOCK, false);
	mmr_lock_set_kernel_rt(true);
	pthread_t th[EXCL_THREADS];
	for (unsigned i = 0; i < EXCL_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, excl_main, NULL), 0);
	for (unsigned i = 0; i < EXCL_THREADS; i++)
		pthread_join(th[i], NULL);
	mmr_lock_set_kernel_rt(false);
	assert_int_equal(excl_count, (uint64_t)EXCL_THREADS * EXCL_ROUNDS);
	assert_int_equal(excl_rw_count, (uint64_t)EXCL_THREADS * EXCL_ROUNDS / 4);
	assert_int_equal(atomic_load(&excl_spin.v), 0);
	assert_int_equal(atomic_load(&excl_rw.v), 0);
}

/* A lock that sleeps on RT, taken under a raw or bit spinlock, counts; not under a plain one; reset clears it. */
static void test_in_atomic(void **state)
{
	(void)state;
	struct mmr_spinlock raw, plain, inner;
	struct mmr_mutex m;
	assert_int_equal(mmr_spin_init(&raw, "atomic raw"), 0);
	assert_int_equal(mmr_spin_init(&plain, "atomic plain"), 0);
	assert_int_equal(mmr_spin_init(&inner, "atomic inner"), 0);
	assert_int_equal(mmr_mutex_init(&m, "atomic mutex"), 0);
	mmr_lock_class_declare(raw.cls, MMR_KL_RAW_SPINLOCK, true);
	mmr_lock_class_declare(plain.cls, MMR_KL_SPINLOCK, false);
	mmr_lock_class_declare(inner.cls, MMR_KL_SPINLOCK, false);
	mmr_lock_class_declare(m.cls, MMR_KL_MUTEX, false);
	mmr_lock_stats_reset();
	mmr_spin_lock(&raw);
	mmr_spin_lock(&inner); /* invalid on RT */
	mmr_spin_unlock(&inner);
	mmr_spin_unlock(&raw);
	mmr_spin_lock(&plain);
	mmr_spin_lock(&inner); /* fine: nests under a spinlock_t */
	mmr_mutex_lock(&m);    /* a bug on any kernel, but not this count's */
	mmr_mutex_unlock(&m);
	mmr_spin_unlock(&inner);
	mmr_spin_unlock(&plain);
	mmr_spin_lock(&inner); /* after the raw lock went: fine */
	mmr_spin_unlock(&inner);
	assert_int_equal(script_side("atomic inner", MMR_LOCK_EXCL).in_atomic, 1);
	assert_int_equal(script_side("atomic mutex", MMR_LOCK_EXCL).in_atomic, 0);
	assert_int_equal(script_side("atomic raw", MMR_LOCK_EXCL).in_atomic, 0);
	mmr_lock_stats_reset();
	assert_int_equal(script_side("atomic inner", MMR_LOCK_EXCL).in_atomic, 0);
	mmr_mutex_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rt_write_lock_unless_sleeps),
		cmocka_unit_test(test_rt_spinlock_sleeps),
		cmocka_unit_test(test_raw_and_default_spin),
		cmocka_unit_test(test_rt_rwlock_sleeps_bit_spins),
		cmocka_unit_test(test_rt_excludes),
		cmocka_unit_test(test_in_atomic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
