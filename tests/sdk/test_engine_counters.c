/* SPDX-License-Identifier: MIT */
/*
 * test_engine_counters.c - mmr_counters.h, the engine SDK's per-thread
 * figures: a table declared once, sets counted on several threads at
 * once with plain increments, combined after the threads are joined (sums,
 * maxima, a gauge that goes below 0 in one set), and handed to the
 * figure sink in the table's order under its keys, unkeyed counters
 * left out and members the table does not name left alone.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mmr_counters.h"

#define THREADS 4
#define ROUNDS 100000u

/* A thread's set, declared in another order than the report's. */
struct counts {
	uint64_t waits, calls, wait_ns_max, wait_ns_total, bytes;
};

#define C(field, key, how) MMR_COUNTER(struct counts, field, key, how)
static const struct mmr_counter rows[] = {
	C(calls, "calls", MMR_SUM), C(waits, "waits", MMR_SUM), C(wait_ns_max, "wait_ns_max", MMR_MAX),
	C(bytes, "bytes", MMR_SUM), C(wait_ns_total, NULL, MMR_SUM),
};
#undef C
MMR_COUNTERS_ALL(rows, struct counts);
static const struct mmr_counters counters = MMR_COUNTERS(rows);

/* Each on its own cache lines, as the engines keep them. */
struct thread {
	unsigned tid;
	struct counts n;
} __attribute__((aligned(64)));

/*
 * Thread TID: ROUNDS calls, a wait every TID + 1 of them lasting its
 * round number, and bytes: thread 0 frees what thread 1 allocates, so
 * thread 0's set goes below 0 and thread 1's above.
 */
static void *count(void *arg)
{
	struct thread *t = arg;
	for (uint64_t i = 0; i < ROUNDS; i++) {
		t->n.calls++;
		if (i % (t->tid + 1) == 0) {
			t->n.waits++;
			t->n.wait_ns_total += i;
			if (i > t->n.wait_ns_max)
				t->n.wait_ns_max = i;
		}
	}
	if (t->tid < 2)
		t->n.bytes += t->tid ? 4096 : (uint64_t)-8192;
	return NULL;
}

/* What the sink got, in order. */
struct sink {
	const char *key[8];
	uint64_t value[8];
	unsigned n, f64s;
};

static void sink_u64(void *ctx, const char *key, uint64_t value)
{
	struct sink *s = ctx;
	assert_true(s->n < 8);
	s->key[s->n] = key;
	s->value[s->n++] = value;
}

static void sink_f64(void *ctx, const char *key, double value)
{
	(void)key, (void)value;
	((struct sink *)ctx)->f64s++;
}

static void test_threads_summed_and_reported_in_order(void **state)
{
	(void)state;
	static struct thread t[THREADS];
	pthread_t th[THREADS];
	for (unsigned i = 0; i < THREADS; i++) {
		t[i] = (struct thread){.tid = i};
		assert_int_equal(pthread_create(&th[i], NULL, count, &t[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);

	struct counts sum = {0};
	for (unsigned i = 0; i < THREADS; i++)
		mmr_counters_add(&counters, &sum, &t[i].n);
	uint64_t waits = 0, wait_ns = 0;
	for (unsigned tid = 0; tid < THREADS; tid++)
		for (uint64_t i = 0; i < ROUNDS; i += tid + 1)
			waits++, wait_ns += i;
	assert_int_equal(sum.calls, THREADS * ROUNDS);
	assert_int_equal(sum.waits, waits);
	assert_int_equal(sum.wait_ns_total, wait_ns);
	assert_int_equal(sum.wait_ns_max, ROUNDS - 1); /* thread 0 waits on every round */
	assert_int_equal((int64_t)sum.bytes, -4096);

	struct sink s = {0};
	mmr_counters_report(&counters, &sum, &(struct mmr_figures){&s, sink_u64, sink_f64});
	const char *keys[] = {"calls", "waits", "wait_ns_max", "bytes"};
	const uint64_t values[] = {sum.calls, sum.waits, sum.wait_ns_max, sum.bytes};
	assert_int_equal(s.n, 4); /* wait_ns_total has no key */
	assert_int_equal(s.f64s, 0);
	for (unsigned i = 0; i < 4; i++) {
		assert_string_equal(s.key[i], keys[i]);
		assert_int_equal(s.value[i], values[i]);
	}
}

/* A set with members that are no counters: the table names some, the rest stay as they were. */
struct mixed {
	uint64_t peak;
	uint64_t hits;
	uint64_t scratch;
};

static void test_unnamed_members_untouched(void **state)
{
	(void)state;
	static const struct mmr_counter mixed_rows[] = {
		MMR_COUNTER(struct mixed, hits, "hits", MMR_SUM),
		MMR_COUNTER(struct mixed, peak, "peak", MMR_MAX),
	};
	static const struct mmr_counters mixed_counters = MMR_COUNTERS(mixed_rows);
	assert_int_equal(mixed_counters.rows, 2);
	assert_int_equal(mixed_rows[0].off, offsetof(struct mixed, hits));
	struct mixed acc = {.scratch = 7}, a = {.peak = 5, .hits = 2, .scratch = 100}, b = {.peak = 3, .hits = 9};
	mmr_counters_add(&mixed_counters, &acc, &a);
	mmr_counters_add(&mixed_counters, &acc, &b);
	assert_int_equal(acc.hits, 11);
	assert_int_equal(acc.peak, 5);
	assert_int_equal(acc.scratch, 7);
	struct sink s = {0};
	mmr_counters_report(&mixed_counters, &acc, &(struct mmr_figures){&s, sink_u64, sink_f64});
	assert_int_equal(s.n, 2);
	assert_string_equal(s.key[0], "hits");
	assert_string_equal(s.key[1], "peak");
	assert_int_equal(s.value[1], 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_summed_and_reported_in_order),
		cmocka_unit_test(test_unnamed_members_untouched),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
