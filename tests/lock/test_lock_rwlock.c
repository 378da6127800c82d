/* SPDX-License-Identifier: MIT */
/*
 * test_lock_rwlock.c - what only the rwlock does: readers share without
 * contending, a writer waits for the readers and counts as contended, a
 * waiting writer holds off new readers, write_trylock never waits,
 * write_lock_unless withdraws whole, is_contended, and readers' and
 * writers' statistics kept apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lock_script.h"

static int setup(void **state)
{
	(void)state;
	mmr_lock_set_timing(true);
	mmr_lock_stats_reset();
	return 0;
}

/* A reader thread: takes L shared, says so, releases when told. */
struct reader {
	struct mmr_rwlock *l;
	struct script_signal held, release;
	unsigned wait_for_waiters; /* if nonzero: release once that many wait, after the scripted hold */
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	mmr_read_lock(r->l);
	script_signal_post(&r->held);
	if (r->wait_for_waiters) {
		script_wait_waiters(r->l->cls, r->wait_for_waiters);
		script_hold_ms(SCRIPT_HOLD_MS);
	} else {
		script_signal_wait(&r->release);
	}
	mmr_read_unlock(r->l);
	return NULL;
}

static pthread_t reader_start(struct reader *r, struct mmr_rwlock *l, unsigned wait_for_waiters)
{
	r->l = l;
	r->wait_for_waiters = wait_for_waiters;
	script_signal_init(&r->held);
	script_signal_init(&r->release);
	pthread_t t = script_start(reader_main, r);
	script_signal_wait(&r->held);
	return t;
}

static void reader_end(struct reader *r, pthread_t t)
{
	script_join(t);
	script_signal_destroy(&r->held);
	script_signal_destroy(&r->release);
}

/* A second reader enters while the first holds: no contention, and each sees the other. */
static void test_readers_share(void **state)
{
	(void)state;
	struct mmr_rwlock l;
	assert_int_equal(mmr_rwlock_init(&l, "rw.share"), 0);
	struct reader r;
	pthread_t t = reader_start(&r, &l, 0);
	mmr_read_lock(&l);
	assert_true(mmr_rwlock_is_contended(&l)); /* the other reader holds it too */
	assert_false(mmr_write_trylock(&l));
	script_signal_post(&r.release);
	reader_end(&r, t);
	assert_false(mmr_rwlock_is_contended(&l)); /* the caller alone */
	mmr_read_unlock(&l);

	struct mmr_lock_stats *st = script_stats("rw.share");
	assert_int_equal(st->kind, MMR_LOCK_RWLOCK);
	const struct mmr_lock_side *rd = &st->side[MMR_LOCK_READ];
	assert_int_equal(rd->acquisitions, 2);
	assert_int_equal(rd->contended, 0);
	assert_int_equal(rd->wait.count, 0);
	assert_int_equal(rd->hold.count, 2);
	script_assert_side_empty(&st->side[MMR_LOCK_EXCL]); /* the failed write_trylock */
	free(st);
}

/* Two readers hold; a writer fails its first try, waits for both, and counts as contended. */
static void test_writer_waits_for_readers(void **state)
{
	(void)state;
	struct mmr_rwlock l;
	assert_int_equal(mmr_rwlock_init(&l, "rw.writer_waits"), 0);
	struct reader r1, r2;
	pthread_t t1 = reader_start(&r1, &l, 1);
	pthread_t t2 = reader_start(&r2, &l, 1);
	mmr_write_lock(&l); /* both readers release SCRIPT_HOLD_MS after this waits */
	assert_false(mmr_rwlock_is_contended(&l));
	mmr_write_unlock(&l);
	reader_end(&r1, t1);
	reader_end(&r2, t2);

	struct mmr_lock_stats *st = script_stats("rw.writer_waits");
	const struct mmr_lock_side *w = &st->side[MMR_LOCK_EXCL], *rd = &st->side[MMR_LOCK_READ];
	assert_int_equal(w->acquisitions, 1);
	assert_int_equal(w->contended, 1);
	assert_int_equal(w->wait.count, 1);
	assert_true(w->wait_ns_total >= SCRIPT_HOLD_MIN_NS);
	assert_int_equal(w->hold.count, 1);
	assert_int_equal(rd->acquisitions, 2);
	assert_int_equal(rd->contended, 0);
	assert_int_equal(rd->wait.count, 0);
	assert_int_equal(rd->hold.count, 2);
	assert_true(rd->hold.min >= SCRIPT_HOLD_MIN_NS); /* both readers held through the writer's wait */
	free(st);
}

/* Who got the lock in which order. */
struct order {
	atomic_uint next;
	unsigned writer, late_reader;
	bool writer_saw_contention;
	struct mmr_rwlock *l;
};

static void *writer_main(void *arg)
{
	struct order *o = arg;
	mmr_write_lock(o->l);
	o->writer = atomic_fetch_add(&o->next, 1);
	/* The late reader waits behind this writer by now (the script saw it): contended. */
	o->writer_saw_contention = mmr_rwlock_is_contended(o->l);
	mmr_write_unlock(o->l);
	return NULL;
}

static void *late_reader_main(void *arg)
{
	struct order *o = arg;
	mmr_read_lock(o->l);
	o->late_reader = atomic_fetch_add(&o->next, 1);
	mmr_read_unlock(o->l);
	return NULL;
}

/*
 * A reader holds; a writer waits; from then on new readers stay out
 * (trylock fails, lock waits) although only readers hold the lock; the
 * writer goes first when the reader leaves, then the late reader.
 */
static void test_waiting_writer_holds_off_readers(void **state)
{
	(void)state;
	struct mmr_rwlock l;
	assert_int_equal(mmr_rwlock_init(&l, "rw.writer_first"), 0);
	struct order o = { .l = &l };
	atomic_init(&o.next, 0);
	struct reader r;
	pthread_t tr = reader_start(&r, &l, 0);
	pthread_t tw = script_start(writer_main, &o);
	script_wait_waiters(l.cls, 1);
	assert_false(mmr_read_trylock(&l));
	assert_false(mmr_write_trylock(&l));
	pthread_t tl = script_start(late_reader_main, &o);
	script_wait_waiters(l.cls, 2);
	script_signal_post(&r.release);
	reader_end(&r, tr);
	script_join(tw);
	script_join(tl);
	assert_int_equal(o.writer, 0);
	assert_int_equal(o.late_reader, 1);
	assert_true(o.writer_saw_contention);

	struct mmr_lock_stats *st = script_stats("rw.writer_first");
	const struct mmr_lock_side *w = &st->side[MMR_LOCK_EXCL], *rd = &st->side[MMR_LOCK_READ];
	assert_int_equal(w->acquisitions, 1);
	assert_int_equal(w->contended, 1);
	assert_int_equal(rd->acquisitions, 2); /* the first reader and the late one; the trylock failed */
	assert_int_equal(rd->contended, 1);
	assert_int_equal(rd->wait.count, 1);
	free(st);
}

struct write_holder {
	struct mmr_rwlock *l;
	struct script_signal held;
};

static void *write_holder_main(void *arg)
{
	struct write_holder *h = arg;
	mmr_write_lock(h->l);
	script_signal_post(&h->held);
	script_wait_waiters(h->l->cls, 1);
	script_hold_ms(SCRIPT_HOLD_MS);
	mmr_write_unlock(h->l);
	return NULL;
}

/* A reader that finds a writer holding is contended and waits for the whole hold. */
static void test_reader_waits_for_writer(void **state)
{
	(void)state;
	struct mmr_rwlock l;
	assert_int_equal(mmr_rwlock_init(&l, "rw.reader_waits"), 0);
	struct write_holder h = { .l = &l };
	script_signal_init(&h.held);
	pthread_t t = script_start(write_holder_main, &h);
	script_signal_wait(&h.held);
	assert_false(mmr_read_trylock(&l));
	mmr_read_lock(&l);
	mmr_read_unlock(&l);
	script_join(t);
	script_signal_destroy(&h.held);

	struct mmr_lock_stats *st = script_stats("rw.reader_waits");
	const struct mmr_lock_side *w = &st->side[MMR_LOCK_EXCL], *rd = &st->side[MMR_LOCK_READ];
	assert_int_equal(w->acquisitions, 1);
	assert_int_equal(w->contended, 0);
	assert_true(w->hold_ns_max >= SCRIPT_HOLD_MIN_NS);
	assert_int_equal(rd->acquisitions, 1);
	assert_int_equal(rd->contended, 1);
	assert_true(rd->wait_ns_max >= SCRIPT_HOLD_MIN_NS);
	free(st);
}

/* A lone holder of either side is not contended; trylocks succeed on a free lock and count. */
static void test_alone(void **state)
{
	(void)state;
	struct mmr_rwlock l;
	assert_int_equal(mmr_rwlock_init(&l, "rw.alone"), 0);
	assert_true(mmr_write_trylock(&l));
	assert_false(mmr_rwlock_is_contended(&l));
	assert_false(mmr_read_trylock(&l));
	assert_false(mmr_write_trylock(&l));
	mmr_write_unlock(&l);
	assert_true(mmr_read_trylock(&l));
	assert_false(mmr_rwlock_is_contended(&l));
	assert_false(mmr_write_trylock(&l));
	mmr_read_unlock(&l);
	mmr_read_lock(&l);
	mmr_read_unlock(&l);

	struct mmr_lock_stats *st = script_stats("rw.alone");
	assert_int_equal(st->side[MMR_LOCK_EXCL].acquisitions, 1);
	assert_int_equal(st->side[MMR_LOCK_EXCL].hold.count, 1);
	assert_int_equal(st->side[MMR_LOCK_READ].acquisitions, 2);
	assert_int_equal(st->side[MMR_LOCK_READ].hold.count, 2);
	assert_int_equal(st->side[MMR_LOCK_EXCL].contended + st->side[MMR_LOCK_READ].contended, 0);
	free(st);
}

/* GIVE_UP for mmr_write_lock_unless: true from its Nth question on. */
static bool give_up_after(void *ctx)
{
	unsigned *left = ctx;
	return *left == 0 || --*left == 0;
}

/*
 * A writer that gives up withdraws whole: it took nothing, counted
 * nothing, and new readers are no longer held off; on a free lock it
 * takes it as mmr_write_lock does, asking nothing.
 */
static void test_write_lock_unless(void **state)
{
	(void)state;
	struct mmr_rwlock l;
	assert_int_equal(mmr_rwlock_init(&l, "rw.unless"), 0);
	mmr_read_lock(&l);
	unsigned left = 3;
	assert_false(mmr_write_lock_unless(&l, give_up_after, &left));
	assert_int_equal(left, 0);
	assert_int_equal(mmr_lock_class_waiting(l.cls), 0);
	assert_true(mmr_read_trylock(&l)); /* no writer left waiting to hold it off */
	mmr_read_unlock(&l);
	mmr_read_unlock(&l);
	left = 0; /* would give up at once, if it were asked */
	assert_true(mmr_write_lock_unless(&l, give_up_after, &left));
	mmr_write_unlock(&l);
	assert_true(mmr_read_trylock(&l));
	mmr_read_unlock(&l);

	struct mmr_lock_stats *st = script_stats("rw.unless");
	assert_int_equal(st->side[MMR_LOCK_EXCL].acquisitions, 1);
	assert_int_equal(st->side[MMR_LOCK_EXCL].contended, 0);
	assert_int_equal(st->side[MMR_LOCK_READ].acquisitions, 3);
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_readers_share, setup),
		cmocka_unit_test_setup(test_writer_waits_for_readers, setup),
		cmocka_unit_test_setup(test_waiting_writer_holds_off_readers, setup),
		cmocka_unit_test_setup(test_reader_waits_for_writer, setup),
		cmocka_unit_test_setup(test_alone, setup),
		cmocka_unit_test_setup(test_write_lock_unless, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
