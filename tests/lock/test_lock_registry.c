/* SPDX-License-Identifier: MIT */
/*
 * test_lock_registry.c - classes and the statistics around them: one
 * class per name, kind mismatches and bad names refused, concurrent
 * creation, counts that survive their thread's exit, reset of live and
 * exited threads' counts, collect's fields, the kernel type a class is
 * declared to stand for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lock_script.h"

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(mmr_lock_kind_name(MMR_LOCK_SPIN), "spinlock");
	assert_string_equal(mmr_lock_kind_name(MMR_LOCK_MUTEX), "mutex");
	assert_string_equal(mmr_lock_kind_name(MMR_LOCK_RWLOCK), "rwlock");
	assert_string_equal(mmr_lock_kind_name(MMR_LOCK_BIT), "bit_spinlock");
	assert_null(mmr_lock_kind_name(MMR_LOCK_KINDS));
}

/* One class per name and kind: the same name as another kind is a class of its own. */
static void test_kind_mismatch(void **state)
{
	(void)state;
	struct mmr_lock_class *c = mmr_lock_class_get("zone->lock", MMR_LOCK_SPIN);
	assert_non_null(c);
	assert_ptr_equal(mmr_lock_class_get("zone->lock", MMR_LOCK_SPIN), c);
	struct mmr_lock_class *m_cls = mmr_lock_class_get("zone->lock", MMR_LOCK_MUTEX);
	assert_non_null(m_cls);
	assert_ptr_not_equal(m_cls, c);
	assert_ptr_equal(mmr_lock_class_get("zone->lock", MMR_LOCK_MUTEX), m_cls);

	struct mmr_spinlock s;
	assert_int_equal(mmr_spin_init(&s, "zone->lock"), 0);
	assert_ptr_equal(s.cls, c);
	struct mmr_mutex m;
	assert_int_equal(mmr_mutex_init(&m, "zone->lock"), 0);
	assert_ptr_equal(m.cls, m_cls);
	/* Each class counts its own acquisitions, and both show under the one name. */
	mmr_lock_stats_reset();
	mmr_spin_lock(&s);
	mmr_spin_unlock(&s);
	mmr_mutex_lock(&m);
	mmr_mutex_unlock(&m);
	mmr_mutex_lock(&m);
	mmr_mutex_unlock(&m);
	mmr_mutex_destroy(&m);
	size_t n;
	struct mmr_lock_stats *st = mmr_lock_stats_collect(&n);
	unsigned seen = 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(st[i].name, "zone->lock") == 0) {
			assert_int_equal(st[i].side[MMR_LOCK_EXCL].acquisitions, st[i].kind == MMR_LOCK_SPIN ? 1 : 2);
			seen++;
		}
	free(st);
	assert_int_equal(seen, 2);
}

static void test_bad_names(void **state)
{
	(void)state;
	char name[80];
	memset(name, 'n', sizeof(name));
	name[63] = '\0';
	assert_non_null(mmr_lock_class_get(name, MMR_LOCK_SPIN)); /* 63 bytes: the longest */
	name[63] = 'n';
	name[64] = '\0';
	assert_null(mmr_lock_class_get(name, MMR_LOCK_SPIN));
	assert_null(mmr_lock_class_get("", MMR_LOCK_SPIN));
	assert_null(mmr_lock_class_get(NULL, MMR_LOCK_SPIN));
	assert_null(mmr_lock_class_get("bad kind", MMR_LOCK_KINDS));
}

enum { NAMES = 100, GETTERS = 4 }; /* past 32 and 64 classes: the table grows twice */

struct getter {
	unsigned first;
	struct mmr_lock_class *got[NAMES];
};

/* Get every name, starting at a different one per thread, so creations race with lookups and growth. */
static void *getter_main(void *arg)
{
	struct getter *g = arg;
	for (unsigned i = 0; i < NAMES; i++) {
		unsigned k = (g->first + i) % NAMES;
		char name[32];
		snprintf(name, sizeof(name), "race.%u", k);
		g->got[k] = mmr_lock_class_get(name, (enum mmr_lock_kind)(k % MMR_LOCK_KINDS));
	}
	return NULL;
}

/* Threads creating the same 100 classes at once all get the same class per name. */
static void test_concurrent_get(void **state)
{
	(void)state;
	static struct getter g[GETTERS];
	pthread_t t[GETTERS];
	for (unsigned i = 0; i < GETTERS; i++) {
		g[i].first = i * NAMES / GETTERS;
		t[i] = script_start(getter_main, &g[i]);
	}
	for (unsigned i = 0; i < GETTERS; i++)
		script_join(t[i]);
	for (unsigned k = 0; k < NAMES; k++) {
		assert_non_null(g[0].got[k]);
		for (unsigned i = 1; i < GETTERS; i++)
			assert_ptr_equal(g[i].got[k], g[0].got[k]);
	}
	size_t n;
	struct mmr_lock_stats *all = mmr_lock_stats_collect(&n);
	assert_non_null(all);
	unsigned found = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned k;
		if (sscanf(all[i].name, "race.%u", &k) == 1) {
			found++;
			assert_int_equal(all[i].kind, k % MMR_LOCK_KINDS);
		}
	}
	assert_int_equal(found, NAMES);
	free(all);
}

struct worker {
	struct mmr_spinlock *l;
	struct mmr_rwlock *rw;
	unsigned n;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	for (unsigned i = 0; i < w->n; i++) {
		mmr_spin_lock(w->l);
		mmr_spin_unlock(w->l);
		mmr_read_lock(w->rw);
		mmr_read_unlock(w->rw);
	}
	return NULL;
}

static void assert_counts(const char *name, unsigned side, uint64_t acquisitions)
{
	struct mmr_lock_stats *st = script_stats(name);
	assert_int_equal(st->side[side].acquisitions, acquisitions);
	assert_int_equal(st->side[side].hold.count, acquisitions);
	assert_int_equal(st->side[side].contended, 0);
	free(st);
}

/* What exited threads counted is still collected, added to live threads' counts, until reset. */
static void test_exited_threads_and_reset(void **state)
{
	(void)state;
	struct mmr_spinlock l;
	struct mmr_rwlock rw;
	assert_int_equal(mmr_spin_init(&l, "exit.spin"), 0);
	assert_int_equal(mmr_rwlock_init(&rw, "exit.rw"), 0);
	mmr_lock_stats_reset();

	struct worker w = { &l, &rw, 10 };
	script_join(script_start(worker_main, &w));
	assert_counts("exit.spin", MMR_LOCK_EXCL, 10);
	assert_counts("exit.rw", MMR_LOCK_READ, 10);
	assert_counts("exit.rw", MMR_LOCK_EXCL, 0);

	w.n = 7;
	script_join(script_start(worker_main, &w)); /* a second exited thread adds to the first */
	w.n = 3;
	worker_main(&w); /* and the live main thread to both */
	assert_counts("exit.spin", MMR_LOCK_EXCL, 20);
	assert_counts("exit.rw", MMR_LOCK_READ, 20);

	mmr_lock_stats_reset(); /* zeroes the exited threads' totals and the live thread's block */
	struct mmr_lock_stats *st = script_stats("exit.spin");
	script_assert_side_empty(&st->side[MMR_LOCK_EXCL]);
	free(st);
	st = script_stats("exit.rw");
	script_assert_side_empty(&st->side[MMR_LOCK_EXCL]);
	script_assert_side_empty(&st->side[MMR_LOCK_READ]);
	free(st);

	w.n = 2;
	worker_main(&w);
	script_join(script_start(worker_main, &w));
	assert_counts("exit.spin", MMR_LOCK_EXCL, 4);
	assert_counts("exit.rw", MMR_LOCK_READ, 4);
}

/* collect gives every class, with its name and kind, in one array. */
static void test_collect_lists_every_class(void **state)
{
	(void)state;
	assert_non_null(mmr_lock_class_get("collect.bit", MMR_LOCK_BIT));
	size_t n = 0;
	struct mmr_lock_stats *all = mmr_lock_stats_collect(&n);
	assert_non_null(all);
	bool seen_bit = false, seen_zone = false;
	for (size_t i = 0; i < n; i++) {
		assert_true(strlen(all[i].name) > 0);
		if (strcmp(all[i].name, "collect.bit") == 0) {
			seen_bit = true;
			assert_int_equal(all[i].kind, MMR_LOCK_BIT);
			script_assert_side_empty(&all[i].side[MMR_LOCK_EXCL]);
		}
		/* test_kind_mismatch made a spinlock and a mutex class of this name. */
		if (strcmp(all[i].name, "zone->lock") == 0 && all[i].kind == MMR_LOCK_SPIN)
			seen_zone = true;
	}
	assert_true(seen_bit);
	assert_true(seen_zone);
	free(all);
}

/* A class keeps the kernel type and irq state declared last; undeclared it is unknown. */
static void test_kernel_type(void **state)
{
	(void)state;
	assert_string_equal(mmr_kernel_lock_name(MMR_KL_SPINLOCK), "spinlock_t");
	assert_string_equal(mmr_kernel_lock_name(MMR_KL_UNKNOWN), "unknown");
	assert_null(mmr_kernel_lock_name(MMR_KL_TYPES));
	assert_true(mmr_kernel_lock_spins(MMR_KL_RAW_SPINLOCK, false) && mmr_kernel_lock_spins(MMR_KL_BIT_SPINLOCK, false) &&
		    mmr_kernel_lock_spins(MMR_KL_RWLOCK, false) && mmr_kernel_lock_spins(MMR_KL_SPINLOCK, false));
	assert_false(mmr_kernel_lock_spins(MMR_KL_MUTEX, false) || mmr_kernel_lock_spins(MMR_KL_WW_MUTEX, false) ||
		     mmr_kernel_lock_spins(MMR_KL_RWSEM, false) || mmr_kernel_lock_spins(MMR_KL_UNKNOWN, false));
	/* PREEMPT_RT: spinlock_t and rwlock_t sleep and keep interrupts on; raw and bit spinlocks spin. */
	assert_true(mmr_kernel_lock_spins(MMR_KL_RAW_SPINLOCK, true) && mmr_kernel_lock_spins(MMR_KL_BIT_SPINLOCK, true));
	assert_false(mmr_kernel_lock_spins(MMR_KL_SPINLOCK, true) || mmr_kernel_lock_spins(MMR_KL_RWLOCK, true));
	assert_true(mmr_kernel_lock_irqs_off(MMR_KL_SPINLOCK, true, false));
	assert_false(mmr_kernel_lock_irqs_off(MMR_KL_SPINLOCK, true, true));
	assert_true(mmr_kernel_lock_irqs_off(MMR_KL_RAW_SPINLOCK, true, true));
	assert_false(mmr_kernel_lock_irqs_off(MMR_KL_RAW_SPINLOCK, false, true));
	assert_true(mmr_kernel_lock_rt_hazard(MMR_KL_BIT_SPINLOCK));
	assert_false(mmr_kernel_lock_rt_hazard(MMR_KL_RAW_SPINLOCK));
	struct mmr_spinlock a, b;
	assert_int_equal(mmr_spin_init(&a, "declared"), 0);
	assert_int_equal(mmr_spin_init(&b, "undeclared"), 0);
	mmr_lock_class_declare(a.cls, MMR_KL_RAW_SPINLOCK, false);
	mmr_lock_class_declare(a.cls, MMR_KL_SPINLOCK, true);
	mmr_lock_class_declare(a.cls, MMR_KL_TYPES, false); /* out of range: ignored */
	mmr_lock_class_declare(NULL, MMR_KL_MUTEX, true);
	size_t n;
	struct mmr_lock_stats *st = mmr_lock_stats_collect(&n);
	unsigned seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(st[i].name, "declared") == 0) {
			assert_int_equal(st[i].kernel_type, MMR_KL_SPINLOCK);
			assert_true(st[i].irqs_off);
			seen++;
		} else if (strcmp(st[i].name, "undeclared") == 0) {
			assert_int_equal(st[i].kernel_type, MMR_KL_UNKNOWN);
			assert_false(st[i].irqs_off);
			seen++;
		}
	}
	free(st);
	assert_int_equal(seen, 2);
}

/*
 * Merging two sides (threads, or the runs of a replay) adds every count,
 * the queued waits and the preempted ones included, keeps the larger
 * maximums and merges the histograms.
 */
static void test_side_merge(void **state)
{
	(void)state;
	struct mmr_lock_side *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	assert_non_null(a);
	assert_non_null(b);
	a->wait.min = a->hold.min = b->wait.min = b->hold.min = UINT64_MAX;
	*a = (struct mmr_lock_side){.acquisitions = 10, .contended = 4, .contended_queued = 1, .slept = 1,
				    .in_atomic = 2, .wait_ns_total = 100, .wait_ns_max = 60, .hold_ns_total = 500,
				    .hold_ns_max = 90, .holds_preempted = 1, .hold_preempted_ns_total = 7,
				    .hold_preempted_ns_max = 7, .waits_preempted = 2, .wait_preempted_ns_total = 9,
				    .wait_preempted_ns_max = 5, .wait = a->wait, .hold = a->hold};
	*b = (struct mmr_lock_side){.acquisitions = 5, .contended = 3, .contended_queued = 2, .slept = 0,
				    .in_atomic = 1, .wait_ns_total = 40, .wait_ns_max = 70, .hold_ns_total = 50,
				    .hold_ns_max = 20, .holds_preempted = 3, .hold_preempted_ns_total = 30,
				    .hold_preempted_ns_max = 12, .waits_preempted = 1, .wait_preempted_ns_total = 4,
				    .wait_preempted_ns_max = 4, .wait = b->wait, .hold = b->hold};
	a->wait.count = 1, a->wait.buckets[60] = 1, a->wait.min = a->wait.max = 60;
	b->wait.count = 1, b->wait.buckets[70] = 1, b->wait.min = b->wait.max = 70;
	mmr_lock_side_merge(a, b);
	assert_int_equal(a->acquisitions, 15);
	assert_int_equal(a->contended, 7);
	assert_int_equal(a->contended_queued, 3);
	assert_int_equal(a->slept, 1);
	assert_int_equal(a->in_atomic, 3);
	assert_int_equal(a->wait_ns_total, 140);
	assert_int_equal(a->wait_ns_max, 70);
	assert_int_equal(a->hold_ns_total, 550);
	assert_int_equal(a->hold_ns_max, 90);
	assert_int_equal(a->holds_preempted, 4);
	assert_int_equal(a->hold_preempted_ns_total, 37);
	assert_int_equal(a->hold_preempted_ns_max, 12);
	assert_int_equal(a->waits_preempted, 3);
	assert_int_equal(a->wait_preempted_ns_total, 13);
	assert_int_equal(a->wait_preempted_ns_max, 5);
	assert_int_equal(a->wait.count, 2);
	assert_int_equal(a->wait.min, 60);
	assert_int_equal(a->wait.max, 70);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names),
		cmocka_unit_test(test_side_merge),
		cmocka_unit_test(test_kind_mismatch),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_concurrent_get),
		cmocka_unit_test(test_exited_threads_and_reset),
		cmocka_unit_test(test_collect_lists_every_class),
		cmocka_unit_test(test_kernel_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
