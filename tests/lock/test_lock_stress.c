/* SPDX-License-Identifier: MIT */
/*
 * test_lock_stress.c - mutual exclusion under load: 2 and 4 threads (on
 * however many CPUs there are: 4 threads on 2 CPUs is the oversubscribed
 * case spinning must survive) increment a plain counter under each
 * exclusive kind, and the final value, the acquisition count and the
 * number of holders seen at once are exact.  For the rwlock, readers
 * check under the read side that the writers' two counters never differ.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lock_script.h"
#include "xlock.h"

enum { ITERS = 20000, MAX_THREADS = 4 };

struct shared {
	struct xlock x;
	unsigned long counter;   /* plain: only the lock protects it */
	atomic_uint inside;      /* holders at once: must never pass 1 */
	atomic_uint overlaps;
};

static void *incrementer_main(void *arg)
{
	struct shared *sh = arg;
	for (int i = 0; i < ITERS; i++) {
		sh->x.ops->lock(&sh->x);
		if (atomic_fetch_add_explicit(&sh->inside, 1, memory_order_relaxed) != 0)
			atomic_fetch_add_explicit(&sh->overlaps, 1, memory_order_relaxed);
		sh->counter++;
		atomic_fetch_sub_explicit(&sh->inside, 1, memory_order_relaxed);
		sh->x.ops->unlock(&sh->x);
	}
	return NULL;
}

/* NTHREADS increment under a lock of OPS's kind; TIMED: whether timing is on. */
static void run_exclusion(const struct xlock_ops *ops, unsigned nthreads, bool timed)
{
	static struct shared sh;
	char name[64];
	snprintf(name, sizeof(name), "stress.%s.%u%s", ops->name, nthreads, timed ? "" : ".untimed");
	xlock_init(&sh.x, ops, name);
	sh.counter = 0;
	atomic_init(&sh.inside, 0);
	atomic_init(&sh.overlaps, 0);
	pthread_t t[MAX_THREADS];
	for (unsigned i = 0; i < nthreads; i++)
		t[i] = script_start(incrementer_main, &sh);
	for (unsigned i = 0; i < nthreads; i++)
		script_join(t[i]);
	assert_int_equal(sh.counter, (unsigned long)nthreads * ITERS);
	assert_int_equal(atomic_load(&sh.overlaps), 0);

	struct mmr_lock_stats *st = script_stats(name);
	const struct mmr_lock_side *s = &st->side[MMR_LOCK_EXCL];
	assert_int_equal(s->acquisitions, (uint64_t)nthreads * ITERS);
	assert_true(s->contended <= s->acquisitions);
	if (timed) {
		assert_int_equal(s->wait.count, s->contended);
		assert_int_equal(s->hold.count, s->acquisitions);
	} else {
		script_assert_side_untimed(s);
	}
	free(st);
	ops->destroy(&sh.x);
}

static void test_exclusion(void **state)
{
	const struct xlock_ops *ops = *state;
	run_exclusion(ops, 2, true);
	run_exclusion(ops, 4, true);
}

struct rw_shared {
	struct mmr_rwlock l;
	unsigned long a, b; /* writers keep them equal */
	atomic_uint torn;   /* reads that saw them differ */
};

static void *rw_writer_main(void *arg)
{
	struct rw_shared *sh = arg;
	for (int i = 0; i < ITERS; i++) {
		mmr_write_lock(&sh->l);
		sh->a++;
		sh->b++;
		mmr_write_unlock(&sh->l);
	}
	return NULL;
}

static void *rw_reader_main(void *arg)
{
	struct rw_shared *sh = arg;
	for (int i = 0; i < ITERS; i++) {
		mmr_read_lock(&sh->l);
		if (sh->a != sh->b)
			atomic_fetch_add_explicit(&sh->torn, 1, memory_order_relaxed);
		mmr_read_unlock(&sh->l);
	}
	return NULL;
}

/* Two writers and two readers: exact final counts, no torn read, exact acquisitions per side. */
static void test_rwlock_mixed(void **state)
{
	(void)state;
	static struct rw_shared sh;
	assert_int_equal(mmr_rwlock_init(&sh.l, "stress.rw.mixed"), 0);
	atomic_init(&sh.torn, 0);
	pthread_t t[4];
	t[0] = script_start(rw_writer_main, &sh);
	t[1] = script_start(rw_reader_main, &sh);
	t[2] = script_start(rw_writer_main, &sh);
	t[3] = script_start(rw_reader_main, &sh);
	for (int i = 0; i < 4; i++)
		script_join(t[i]);
	assert_int_equal(sh.a, 2ul * ITERS);
	assert_int_equal(sh.b, 2ul * ITERS);
	assert_int_equal(atomic_load(&sh.torn), 0);
	struct mmr_lock_stats *st = script_stats("stress.rw.mixed");
	assert_int_equal(st->side[MMR_LOCK_EXCL].acquisitions, 2ull * ITERS);
	assert_int_equal(st->side[MMR_LOCK_READ].acquisitions, 2ull * ITERS);
	assert_int_equal(st->side[MMR_LOCK_EXCL].hold.count, 2ull * ITERS);
	assert_int_equal(st->side[MMR_LOCK_READ].hold.count, 2ull * ITERS);
	assert_int_equal(mmr_lock_class_waiting(sh.l.cls), 0);
	free(st);
}

/* The exclusion test once more without timing: counts still exact. */
static void test_exclusion_untimed(void **state)
{
	const struct xlock_ops *ops = *state;
	mmr_lock_set_timing(false);
	run_exclusion(ops, 2, false);
	run_exclusion(ops, 4, false);
	mmr_lock_set_timing(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		{ "spin", test_exclusion, NULL, NULL, (void *)&xlock_spin },
		{ "mutex", test_exclusion, NULL, NULL, (void *)&xlock_mutex },
		{ "rwlock write", test_exclusion, NULL, NULL, (void *)&xlock_write },
		{ "bit", test_exclusion, NULL, NULL, (void *)&xlock_bit },
		{ "rwlock readers and writers", test_rwlock_mixed, NULL, NULL, NULL },
		{ "spin, timing off", test_exclusion_untimed, NULL, NULL, (void *)&xlock_spin },
		{ "bit, timing off", test_exclusion_untimed, NULL, NULL, (void *)&xlock_bit },
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
