/* SPDX-License-Identifier: MIT */
/*
 * test_lock_exclusive.c - the statistics of every exclusive kind (spinlock,
 * mutex, rwlock write side, bit spinlock) against scripted patterns with
 * exact expected counts: uncontended runs, one scripted contention (timed
 * and untimed), failed and successful trylocks, releases out of order.
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

/* A class name unique to this test and kind. */
static const char *class_name(const struct xlock_ops *ops, const char *what)
{
	static char buf[64];
	snprintf(buf, sizeof(buf), "x.%s.%s", ops->name, what);
	return buf;
}

static int setup(void **state)
{
	(void)state;
	mmr_lock_set_timing(true);
	mmr_lock_stats_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	mmr_lock_set_timing(true);
	return 0;
}

/* N lock/unlock pairs on one thread: N acquisitions, none contended, N holds, no waits. */
static void test_uncontended(void **state)
{
	const struct xlock_ops *ops = *state;
	enum { N = 1000 };
	struct xlock x;
	const char *name = class_name(ops, "uncontended");
	xlock_init(&x, ops, name);
	for (int i = 0; i < N; i++) {
		ops->lock(&x);
		ops->unlock(&x);
	}
	struct mmr_lock_stats *st = script_stats(name);
	assert_string_equal(st->name, name);
	assert_int_equal(st->kind, ops->kind);
	const struct mmr_lock_side *s = &st->side[MMR_LOCK_EXCL];
	assert_int_equal(s->acquisitions, N);
	assert_int_equal(s->contended, 0);
	assert_int_equal(s->wait.count, 0);
	assert_int_equal(s->wait_ns_total, 0);
	assert_int_equal(s->hold.count, N);
	assert_true(s->hold_ns_total >= s->hold_ns_max);
	script_assert_side_empty(&st->side[MMR_LOCK_READ]);
	free(st);
	ops->destroy(&x);
}

struct holder {
	struct xlock *x;
	struct script_signal held;
};

/* Take the lock, tell the main thread, hold until it waits and then SCRIPT_HOLD_MS longer. */
static void *holder_main(void *arg)
{
	struct holder *h = arg;
	h->x->ops->lock(h->x);
	script_signal_post(&h->held);
	script_wait_waiters(h->x->cls, 1);
	script_hold_ms(SCRIPT_HOLD_MS);
	h->x->ops->unlock(h->x);
	return NULL;
}

/* A holder thread takes X; the main thread's lock then fails its first try and waits it out. */
static void run_scripted_contention(struct xlock *x)
{
	struct holder h = { .x = x };
	script_signal_init(&h.held);
	pthread_t t = script_start(holder_main, &h);
	script_signal_wait(&h.held);
	x->ops->lock(x); /* held: contended */
	assert_int_equal(mmr_lock_class_waiting(x->cls), 0);
	x->ops->unlock(x);
	script_join(t);
	script_signal_destroy(&h.held);
}

/* One contended acquisition out of two; the wait and the holder's hold last the scripted hold. */
static void test_contended(void **state)
{
	const struct xlock_ops *ops = *state;
	struct xlock x;
	const char *name = class_name(ops, "contended");
	xlock_init(&x, ops, name);
	run_scripted_contention(&x);
	struct mmr_lock_stats *st = script_stats(name);
	const struct mmr_lock_side *s = &st->side[MMR_LOCK_EXCL];
	assert_int_equal(s->acquisitions, 2);
	assert_int_equal(s->contended, 1);
	assert_int_equal(s->contended_queued, 0);
	assert_int_equal(s->wait.count, 1);
	assert_true(s->wait_ns_total >= SCRIPT_HOLD_MIN_NS);
	assert_int_equal(s->wait_ns_max, s->wait_ns_total);
	assert_true(s->wait.min >= SCRIPT_HOLD_MIN_NS);
	assert_int_equal(s->hold.count, 2);
	assert_true(s->hold_ns_max >= SCRIPT_HOLD_MIN_NS);
	assert_true(s->hold.max >= SCRIPT_HOLD_MIN_NS);
	assert_true(s->hold_ns_total >= s->hold_ns_max);
	script_assert_side_empty(&st->side[MMR_LOCK_READ]);
	free(st);
	ops->destroy(&x);
}

/* The same script without timing: the same counts, and no time anywhere. */
static void test_contended_untimed(void **state)
{
	const struct xlock_ops *ops = *state;
	struct xlock x;
	const char *name = class_name(ops, "untimed");
	xlock_init(&x, ops, name);
	mmr_lock_set_timing(false);
	run_scripted_contention(&x);
	for (int i = 0; i < 10; i++) {
		ops->lock(&x);
		ops->unlock(&x);
	}
	mmr_lock_set_timing(true);
	struct mmr_lock_stats *st = script_stats(name);
	const struct mmr_lock_side *s = &st->side[MMR_LOCK_EXCL];
	assert_int_equal(s->acquisitions, 12);
	assert_int_equal(s->contended, 1);
	script_assert_side_untimed(s);
	script_assert_side_empty(&st->side[MMR_LOCK_READ]);
	free(st);
	ops->destroy(&x);
}

static void *waiter_main(void *arg)
{
	struct xlock *x = arg;
	x->ops->lock(x);
	x->ops->unlock(x);
	return NULL;
}

/*
 * The main thread holds X; a first waiter starts waiting, then a second
 * while the first still waits: both contended, the second queued behind
 * the first, which is the only wait x86's queued spinlock would trace.
 */
static void test_queued(void **state)
{
	const struct xlock_ops *ops = *state;
	struct xlock x;
	const char *name = class_name(ops, "queued");
	xlock_init(&x, ops, name);
	ops->lock(&x);
	pthread_t first = script_start(waiter_main, &x);
	script_wait_waiters(x.cls, 1);
	pthread_t second = script_start(waiter_main, &x);
	script_wait_waiters(x.cls, 2);
	ops->unlock(&x);
	script_join(first);
	script_join(second);
	struct mmr_lock_stats *st = script_stats(name);
	const struct mmr_lock_side *s = &st->side[MMR_LOCK_EXCL];
	assert_int_equal(s->acquisitions, 3);
	assert_int_equal(s->contended, 2);
	assert_int_equal(s->contended_queued, 1);
	free(st);
	ops->destroy(&x);
}

struct tryer {
	struct xlock *x;
	bool got;
	struct script_signal tried;
};

static void *tryer_main(void *arg)
{
	struct tryer *t = arg;
	t->got = t->x->ops->trylock(t->x);
	script_signal_post(&t->tried);
	return NULL;
}

/* A trylock on a held lock fails and counts nothing; one on a free lock is an uncontended acquisition. */
static void test_trylock(void **state)
{
	const struct xlock_ops *ops = *state;
	struct xlock x;
	const char *name = class_name(ops, "trylock");
	xlock_init(&x, ops, name);
	struct tryer tr = { .x = &x, .got = true };
	script_signal_init(&tr.tried);
	ops->lock(&x);
	pthread_t t = script_start(tryer_main, &tr);
	script_signal_wait(&tr.tried);
	script_join(t);
	assert_false(tr.got);
	ops->unlock(&x);
	assert_true(ops->trylock(&x));
	assert_false(ops->trylock(&x)); /* held by this very thread: fails too, uncounted */
	ops->unlock(&x);
	script_signal_destroy(&tr.tried);

	struct mmr_lock_stats *st = script_stats(name);
	const struct mmr_lock_side *s = &st->side[MMR_LOCK_EXCL];
	assert_int_equal(s->acquisitions, 2);
	assert_int_equal(s->contended, 0);
	assert_int_equal(s->wait.count, 0);
	assert_int_equal(s->hold.count, 2);
	free(st);
	ops->destroy(&x);
}

/*
 * Outer taken, held, inner taken, held, outer released first: each hold
 * is matched to its own acquisition, so the outer one spans both holds.
 */
static void test_release_out_of_order(void **state)
{
	const struct xlock_ops *ops = *state;
	struct xlock outer, inner;
	char outer_name[64];
	snprintf(outer_name, sizeof(outer_name), "%s", class_name(ops, "outer"));
	const char *inner_name = class_name(ops, "inner");
	xlock_init(&outer, ops, outer_name);
	xlock_init(&inner, ops, inner_name);
	ops->lock(&outer);
	script_hold_ms(SCRIPT_HOLD_MS);
	ops->lock(&inner);
	script_hold_ms(SCRIPT_HOLD_MS);
	ops->unlock(&outer);
	ops->unlock(&inner);

	struct mmr_lock_stats *so = script_stats(outer_name);
	struct mmr_lock_stats *si = script_stats(inner_name);
	assert_int_equal(so->side[MMR_LOCK_EXCL].hold.count, 1);
	assert_int_equal(si->side[MMR_LOCK_EXCL].hold.count, 1);
	assert_true(so->side[MMR_LOCK_EXCL].hold_ns_max >= 2 * SCRIPT_HOLD_MIN_NS);
	assert_true(si->side[MMR_LOCK_EXCL].hold_ns_max >= SCRIPT_HOLD_MIN_NS);
	free(so);
	free(si);
	ops->destroy(&outer);
	ops->destroy(&inner);
}

#define KIND_TESTS(ops)                                                                             \
	{ #ops ": uncontended", test_uncontended, setup, teardown, (void *)&ops },                  \
	{ #ops ": contended", test_contended, setup, teardown, (void *)&ops },                      \
	{ #ops ": contended, timing off", test_contended_untimed, setup, teardown, (void *)&ops },   \
	{ #ops ": a waiter queued behind another", test_queued, setup, teardown, (void *)&ops },     \
	{ #ops ": trylock", test_trylock, setup, teardown, (void *)&ops },                          \
	{ #ops ": release out of order", test_release_out_of_order, setup, teardown, (void *)&ops }

int main(void)
{
	const struct CMUnitTest tests[] = {
		KIND_TESTS(xlock_spin),
		KIND_TESTS(xlock_mutex),
		KIND_TESTS(xlock_write),
		KIND_TESTS(xlock_bit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
