/* SPDX-License-Identifier: MIT */
/*
 * test_tclock.c - the trace clock (replay/tclock): a timer fires when the
 * watermark passes its due and not before, once per due, every due up to
 * the trace's end fires at the end and none past it, kicks and stops wake
 * a sleeper, a paced due waits for its wall time, and periodic timers on
 * threads that race the watermark fire exactly as often as the trace's
 * length says.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "mmr_tclock_run.h"

/* The watermark the tests move by hand. */
static atomic_uint_fast64_t mark;

static uint64_t test_watermark(void *ctx)
{
	(void)ctx;
	return atomic_load(&mark);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct sleeper {
	struct mmr_ttimer *t;
	uint64_t due, period; /* PERIOD > 0: a periodic worker, sleeping again after each firing */
	atomic_bool stop;
	atomic_int why; /* its first wake-up; -1 while asleep */
	pthread_t th;
};

static void *sleep_main(void *arg)
{
	struct sleeper *s = arg;
	enum mmr_ttimer_wake why = mmr_ttimer_sleep(s->t, s->due, &s->stop);
	atomic_store(&s->why, (int)why);
	while (s->period && why != MMR_TT_STOP)
		why = mmr_ttimer_sleep(s->t, s->due += s->period, &s->stop);
	return NULL;
}

static void sleeper_start(struct sleeper *s, struct mmr_ttimer *t, uint64_t due, uint64_t period)
{
	s->t = t;
	s->due = due;
	s->period = period;
	atomic_init(&s->stop, false);
	atomic_init(&s->why, -1);
	assert_int_equal(pthread_create(&s->th, NULL, sleep_main, s), 0);
}

static void sleeper_join(struct sleeper *s)
{
	pthread_join(s->th, NULL);
}

/* Wait until T sleeps on C: its state says so, and C's earliest due has taken its due in. */
static void wait_sleeping(struct mmr_tclock *c, struct mmr_ttimer *t)
{
	while (atomic_load(&t->state) != MMR_TT_SLEEPING || atomic_load(mmr_tclock_earliest(c)) > atomic_load(&t->due))
		nanosleep(&(struct timespec){0, 100000}, NULL);
}

/* Not before the watermark passes the due (all events at it replayed); then at once, counted. */
static void test_fires_when_passed(void **state)
{
	(void)state;
	atomic_store(&mark, 0);
	struct mmr_tclock *c = mmr_tclock_create(1000, 0, test_watermark, NULL);
	struct mmr_ttimer t;
	assert_non_null(c);
	assert_int_equal(mmr_ttimer_init(&t, c, "probe"), 0);
	mmr_tclock_start(c, mono_ns());
	struct sleeper s;
	sleeper_start(&s, &t, 100, 0);
	wait_sleeping(c, &t);
	assert_int_equal(atomic_load(mmr_tclock_earliest(c)), 100);
	atomic_store(&mark, 100); /* the events at 100 are not all replayed yet */
	mmr_tclock_poke(c);
	nanosleep(&(struct timespec){0, 20000000}, NULL);
	assert_int_equal(atomic_load(&s.why), -1);
	assert_int_equal(t.fired, 0);
	atomic_store(&mark, 101);
	mmr_tclock_poke(c);
	sleeper_join(&s);
	assert_int_equal(atomic_load(&s.why), MMR_TT_DUE);
	assert_int_equal(t.fired, 1);
	assert_int_equal(t.first_due, 100);
	assert_int_equal(atomic_load(mmr_tclock_earliest(c)), UINT64_MAX);
	assert_int_equal(mmr_tclock_now(c), 101);
	/* A due the replay has passed already fires without a poke. */
	assert_int_equal(mmr_ttimer_sleep(&t, 50, &s.stop), MMR_TT_DUE);
	assert_int_equal(t.fired, 2);
	assert_int_equal(t.late_ns_max, 51);
	mmr_ttimer_fini(&t);
	mmr_tclock_destroy(c);
}

/* At the end every due up to the last event fires; one past it waits for the stop. */
static void test_end_fires_up_to_the_end(void **state)
{
	(void)state;
	atomic_store(&mark, 0);
	struct mmr_tclock *c = mmr_tclock_create(1000, 0, test_watermark, NULL);
	struct mmr_ttimer a, b;
	assert_int_equal(mmr_ttimer_init(&a, c, "in"), 0);
	assert_int_equal(mmr_ttimer_init(&b, c, "past"), 0);
	mmr_tclock_start(c, mono_ns());
	struct sleeper sa, sb;
	sleeper_start(&sa, &a, 400, 400); /* due at 400 and 800, then past the end */
	sleeper_start(&sb, &b, 1001, 0);
	wait_sleeping(c, &a);
	wait_sleeping(c, &b);
	mmr_tclock_end(c, 60000000000ull); /* returns once A fired twice and both sleep past the end */
	assert_int_equal(a.fired, 2);
	assert_int_equal(atomic_load(&sa.why), MMR_TT_DUE);
	assert_int_equal(atomic_load(&sb.why), -1);
	assert_int_equal(mmr_tclock_now(c), 1000);
	atomic_store(&sa.stop, true);
	atomic_store(&sb.stop, true);
	mmr_tclock_stop(c);
	sleeper_join(&sa);
	sleeper_join(&sb);
	assert_int_equal(atomic_load(&sb.why), MMR_TT_STOP);
	assert_int_equal(b.fired, 0);
	struct mmr_tclock_stat *st;
	int n = mmr_tclock_stats(c, &st);
	assert_int_equal(n, 2);
	assert_string_equal(st[0].name, "in");
	assert_int_equal(st[0].fired, 2);
	assert_int_equal(st[0].last_due, 800);
	assert_int_equal(st[0].nmarks, 2);
	assert_int_equal(st[1].fired, 0);
	mmr_tclock_stats_free(st, n);
	mmr_ttimer_fini(&a);
	mmr_ttimer_fini(&b);
	mmr_tclock_destroy(c);
}

/* A worker too slow to catch up after the replay is cut when the end's budget runs out, and says where. */
struct slow {
	struct mmr_ttimer *t;
	atomic_bool stop;
	enum mmr_ttimer_wake last;
	pthread_t th;
};

static void *slow_main(void *arg)
{
	struct slow *s = arg;
	uint64_t due = 10;
	while ((s->last = mmr_ttimer_sleep(s->t, due, &s->stop)) == MMR_TT_DUE) {
		nanosleep(&(struct timespec){0, 2000000}, NULL); /* 2 ms a firing */
		due += 10;
	}
	return NULL;
}

static void test_end_budget_cuts(void **state)
{
	(void)state;
	atomic_store(&mark, 0);
	struct mmr_tclock *c = mmr_tclock_create(100000, 0, test_watermark, NULL); /* 10,000 dues */
	struct mmr_ttimer t;
	assert_int_equal(mmr_ttimer_init(&t, c, "slow"), 0);
	mmr_tclock_start(c, mono_ns());
	struct slow s = {.t = &t};
	atomic_init(&s.stop, false);
	assert_int_equal(pthread_create(&s.th, NULL, slow_main, &s), 0);
	wait_sleeping(c, &t);
	uint64_t t0 = mono_ns();
	mmr_tclock_end(c, 50000000); /* 50 ms to catch up: room for some 25 of the 10,000 */
	assert_true(mono_ns() - t0 < 5000000000ull);
	pthread_join(s.th, NULL); /* the cut stops it without STOP being set */
	assert_int_equal(s.last, MMR_TT_STOP);
	assert_true(t.fired > 0 && t.fired < 10000);
	assert_int_equal(t.cut_due, (t.fired + 1) * 10);
	struct mmr_tclock_stat *st;
	int n = mmr_tclock_stats(c, &st);
	assert_int_equal(n, 1);
	assert_int_equal(st[0].cut_due, t.cut_due);
	mmr_tclock_stats_free(st, n);
	mmr_ttimer_fini(&t);
	mmr_tclock_destroy(c);
}

/* The end waits for a worker that had not slept on its timer yet, and its dues up to the end fire. */
struct ender {
	struct mmr_tclock *c;
	atomic_bool done;
	pthread_t th;
};

static void *end_main(void *arg)
{
	struct ender *e = arg;
	mmr_tclock_end(e->c, 60000000000ull);
	atomic_store(&e->done, true);
	return NULL;
}

static void test_end_waits_for_late_worker(void **state)
{
	(void)state;
	atomic_store(&mark, 0);
	struct mmr_tclock *c = mmr_tclock_create(1000, 0, test_watermark, NULL);
	struct mmr_ttimer t;
	assert_int_equal(mmr_ttimer_init(&t, c, "late"), 0);
	mmr_tclock_start(c, mono_ns());
	struct ender e = {.c = c};
	atomic_init(&e.done, false);
	assert_int_equal(pthread_create(&e.th, NULL, end_main, &e), 0);
	nanosleep(&(struct timespec){0, 30000000}, NULL);
	assert_false(atomic_load(&e.done)); /* a timer never slept on is not yet parked */
	struct sleeper s;
	sleeper_start(&s, &t, 400, 400); /* its worker starts only now */
	pthread_join(e.th, NULL);
	assert_int_equal(t.fired, 2); /* 400 and 800: nothing lost to the late start */
	atomic_store(&s.stop, true);
	mmr_tclock_stop(c);
	sleeper_join(&s);
	mmr_ttimer_fini(&t);
	mmr_tclock_destroy(c);
}

/* A kick wakes the sleeper, and one that came while it was busy is not lost. */
static void test_kick(void **state)
{
	(void)state;
	atomic_store(&mark, 0);
	struct mmr_tclock *c = mmr_tclock_create(1000, 0, test_watermark, NULL);
	struct mmr_ttimer t;
	assert_int_equal(mmr_ttimer_init(&t, c, "kicked"), 0);
	mmr_tclock_start(c, mono_ns());
	struct sleeper s;
	sleeper_start(&s, &t, 500, 0);
	wait_sleeping(c, &t);
	mmr_ttimer_kick(&t);
	sleeper_join(&s);
	assert_int_equal(atomic_load(&s.why), MMR_TT_KICKED);
	assert_int_equal(t.fired, 0);
	mmr_ttimer_kick(&t); /* busy: the next sleep sees it */
	assert_int_equal(mmr_ttimer_sleep(&t, 500, &s.stop), MMR_TT_KICKED);
	mmr_ttimer_fini(&t);
	mmr_tclock_destroy(c);
}

/* Paced, a due waits for its wall time even when the events are all replayed. */
static void test_paced_waits_for_wall_time(void **state)
{
	(void)state;
	atomic_store(&mark, UINT64_MAX);
	/* Half speed: trace time 10 ms is 20 ms of wall time after the start. */
	struct mmr_tclock *c = mmr_tclock_create(100000000, 0.5, test_watermark, NULL);
	struct mmr_ttimer t;
	atomic_bool stop = false;
	assert_int_equal(mmr_ttimer_init(&t, c, "paced"), 0);
	uint64_t start = mono_ns();
	mmr_tclock_start(c, start);
	assert_int_equal(mmr_ttimer_sleep(&t, 10000000, &stop), MMR_TT_DUE);
	assert_true(mono_ns() - start >= 20000000);
	mmr_ttimer_fini(&t);
	mmr_tclock_destroy(c);
}

/* Without a clock a timer sleeps in wall time. */
static void test_wall_clock(void **state)
{
	(void)state;
	struct mmr_ttimer t;
	atomic_bool stop = false;
	assert_int_equal(mmr_ttimer_init(&t, NULL, "wall"), 0);
	uint64_t now = mmr_tclock_now(NULL);
	assert_int_equal(mmr_ttimer_sleep(&t, now + 3000000, &stop), MMR_TT_DUE);
	assert_true(mmr_tclock_now(NULL) >= now + 3000000);
	atomic_store(&stop, true);
	assert_int_equal(mmr_ttimer_sleep(&t, now + 1000000000000ull, &stop), MMR_TT_STOP);
	mmr_ttimer_fini(&t);
}

/*
 * The runner's way, with threads: "replay threads" step through events
 * 0..END, each publishing its position and poking when it crosses the
 * earliest due, while periodic timers fire every PERIOD.  Every timer
 * fires END / PERIOD times, whatever the interleaving.
 */
#define RACE_THREADS 2
#define RACE_TIMERS 3
#define RACE_END 200000ull

static atomic_uint_fast64_t pos[RACE_THREADS];
static struct mmr_tclock *race_clock;

static uint64_t race_watermark(void *ctx)
{
	(void)ctx;
	uint64_t w = UINT64_MAX;
	for (unsigned i = 0; i < RACE_THREADS; i++) {
		uint64_t p = atomic_load_explicit(&pos[i], memory_order_relaxed);
		if (p < w)
			w = p;
	}
	return w;
}

static void *race_replay(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	const atomic_uint_fast64_t *earliest = mmr_tclock_earliest(race_clock);
	/* Event times id, id + 2, id + 4... up to END: the next event is the thread's position. */
	for (uint64_t ts = id; ts <= RACE_END; ts += RACE_THREADS) {
		uint64_t next = ts + RACE_THREADS <= RACE_END ? ts + RACE_THREADS : UINT64_MAX;
		atomic_store_explicit(&pos[id], next, memory_order_relaxed);
		uint64_t due = atomic_load_explicit(earliest, memory_order_relaxed);
		if (ts <= due && next > due)
			mmr_tclock_poke(race_clock);
	}
	return NULL;
}

struct racer {
	struct mmr_ttimer t;
	uint64_t period;
	atomic_bool *stop;
	pthread_t th;
};

static void *race_timer(void *arg)
{
	struct racer *r = arg;
	uint64_t due = r->period;
	while (mmr_ttimer_sleep(&r->t, due, r->stop) == MMR_TT_DUE)
		due += r->period;
	return NULL;
}

static void test_race_exact_firings(void **state)
{
	(void)state;
	static const uint64_t periods[RACE_TIMERS] = {997, 5003, 65536};
	for (unsigned i = 0; i < RACE_THREADS; i++)
		atomic_init(&pos[i], i);
	race_clock = mmr_tclock_create(RACE_END, 0, race_watermark, NULL);
	assert_non_null(race_clock);
	atomic_bool stop = false;
	struct racer r[RACE_TIMERS];
	for (unsigned i = 0; i < RACE_TIMERS; i++) {
		r[i].period = periods[i];
		r[i].stop = &stop;
		assert_int_equal(mmr_ttimer_init(&r[i].t, race_clock, "racer"), 0);
		assert_int_equal(pthread_create(&r[i].th, NULL, race_timer, &r[i]), 0);
	}
	pthread_t th[RACE_THREADS];
	mmr_tclock_start(race_clock, mono_ns());
	for (unsigned i = 0; i < RACE_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, race_replay, (void *)(uintptr_t)i), 0);
	for (unsigned i = 0; i < RACE_THREADS; i++)
		pthread_join(th[i], NULL);
	mmr_tclock_end(race_clock, 60000000000ull);
	atomic_store(&stop, true);
	mmr_tclock_stop(race_clock);
	uint64_t total = 0;
	for (unsigned i = 0; i < RACE_TIMERS; i++) {
		pthread_join(r[i].th, NULL);
		assert_int_equal(r[i].t.fired, RACE_END / periods[i]);
		assert_int_equal(r[i].t.last_due, RACE_END / periods[i] * periods[i]);
		total += r[i].t.fired;
	}
	struct mmr_tclock_stat *st;
	int n = mmr_tclock_stats(race_clock, &st);
	assert_int_equal(n, 1);
	assert_int_equal(st[0].timers, RACE_TIMERS);
	assert_int_equal(st[0].fired, total);
	mmr_tclock_stats_free(st, n);
	for (unsigned i = 0; i < RACE_TIMERS; i++)
		mmr_ttimer_fini(&r[i].t);
	mmr_tclock_destroy(race_clock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fires_when_passed),
		cmocka_unit_test(test_end_fires_up_to_the_end),
		cmocka_unit_test(test_end_budget_cuts),
		cmocka_unit_test(test_end_waits_for_late_worker),
		cmocka_unit_test(test_kick),
		cmocka_unit_test(test_paced_waits_for_wall_time),
		cmocka_unit_test(test_wall_clock),
		cmocka_unit_test(test_race_exact_firings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
