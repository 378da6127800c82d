/* SPDX-License-Identifier: MIT */
/*
 * test_hist.c - the log-linear histogram: bucket bounds tile the whole
 * 64-bit range, every value lands in a bucket that holds it, the error is
 * within 1/128, percentiles of known data, add_n, merge, saturation.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmr_hist.h"
#include "mmr_json.h"

/* xorshift64*: deterministic, so a failure reproduces. */
static uint64_t rng_next(uint64_t *st)
{
	uint64_t x = *st;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*st = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* A value of random magnitude: uniform bits would almost all be huge. */
static uint64_t rng_value(uint64_t *st)
{
	unsigned bits = (unsigned)(rng_next(st) % 65);
	uint64_t v = rng_next(st);
	return bits == 64 ? v : v & ((1ull << bits) - 1);
}

static void test_bounds_tile_the_range(void **state)
{
	(void)state;
	assert_int_equal(MMR_HIST_BUCKETS, 7424); /* 58 powers of two past the first 128 values, 128 each */
	assert_int_equal(mmr_hist_bucket_low(0), 0);
	assert_true(mmr_hist_bucket_high(MMR_HIST_BUCKETS - 1) == UINT64_MAX);
	for (unsigned b = 0; b < MMR_HIST_BUCKETS; b++) {
		uint64_t lo = mmr_hist_bucket_low(b), hi = mmr_hist_bucket_high(b);
		assert_true(lo <= hi);
		assert_int_equal(mmr_hist_bucket(lo), b);
		assert_int_equal(mmr_hist_bucket(hi), b);
		if (b + 1 < MMR_HIST_BUCKETS)
			assert_true(mmr_hist_bucket_low(b + 1) == hi + 1); /* contiguous, monotonic */
		if (b < MMR_HIST_SUB)
			assert_true(lo == b && hi == b); /* small values are exact */
		else
			assert_true((hi - lo) <= lo / MMR_HIST_SUB); /* width within 1/128 */
	}
}

static void check_value(uint64_t v)
{
	unsigned b = mmr_hist_bucket(v);
	assert_true(b < MMR_HIST_BUCKETS);
	uint64_t lo = mmr_hist_bucket_low(b), hi = mmr_hist_bucket_high(b);
	assert_true(lo <= v);
	assert_true(v <= hi);
	/* Reporting the bucket's upper bound is off by less than v/128. */
	if (v)
		assert_true((double)(hi - v) / (double)v <= 1.0 / MMR_HIST_SUB);
}

static void test_values_land_in_their_bucket(void **state)
{
	(void)state;
	uint64_t st = 0x9e3779b97f4a7c15ull;
	for (uint64_t v = 0; v < 5000; v++)
		check_value(v);
	for (unsigned k = 0; k < 64; k++) {
		uint64_t p = 1ull << k;
		check_value(p);
		check_value(p - 1);
		check_value(p + 1);
		check_value(p | (p >> 1));
	}
	check_value(UINT64_MAX);
	check_value(UINT64_MAX - 1);
	for (int i = 0; i < 200000; i++)
		check_value(rng_value(&st));
	/* Known buckets: one value each below 256, then two per bucket up to 512. */
	assert_int_equal(mmr_hist_bucket(127), 127);
	assert_int_equal(mmr_hist_bucket(128), 128);
	assert_int_equal(mmr_hist_bucket(255), 255);
	assert_int_equal(mmr_hist_bucket(256), 256);
	assert_int_equal(mmr_hist_bucket(257), 256);
	assert_int_equal(mmr_hist_bucket(258), 257);
	assert_int_equal(mmr_hist_bucket(UINT64_MAX), MMR_HIST_BUCKETS - 1);
}

static void test_empty(void **state)
{
	(void)state;
	struct mmr_hist h;
	mmr_hist_init(&h);
	assert_int_equal(h.count, 0);
	assert_true(h.min == UINT64_MAX);
	assert_int_equal(h.max, 0);
	assert_int_equal(mmr_hist_percentile(&h, 50), 0);
	assert_true(mmr_hist_mean(&h) == 0.0);
}

static void test_percentiles_known_data(void **state)
{
	(void)state;
	struct mmr_hist *h = malloc(sizeof(*h));
	assert_non_null(h);
	mmr_hist_init(h);
	for (uint64_t v = 1; v <= 1000; v++)
		mmr_hist_add(h, v);
	assert_int_equal(h->count, 1000);
	assert_int_equal(h->min, 1);
	assert_int_equal(h->max, 1000);
	assert_int_equal(h->sum, 500500);
	assert_true(mmr_hist_mean(h) == 500.5);
	/* Value 500 sits in [500, 501], 900 in [900, 903], 990 in [988, 991]. */
	assert_int_equal(mmr_hist_percentile(h, 50), 501);
	assert_int_equal(mmr_hist_percentile(h, 90), 903);
	assert_int_equal(mmr_hist_percentile(h, 99), 991);
	/* 1000 sits in [1000, 1003]: clamped to the max. */
	assert_int_equal(mmr_hist_percentile(h, 100), 1000);
	assert_int_equal(mmr_hist_percentile(h, 150), 1000);
	assert_int_equal(mmr_hist_percentile(h, 0), 1);
	assert_int_equal(mmr_hist_percentile(h, -3), 1);

	/* Small values are exact. */
	mmr_hist_init(h);
	for (uint64_t v = 1; v <= 5; v++)
		mmr_hist_add(h, v);
	assert_int_equal(mmr_hist_percentile(h, 50), 3);
	assert_int_equal(mmr_hist_percentile(h, 20), 1);
	assert_int_equal(mmr_hist_percentile(h, 21), 2);
	assert_int_equal(mmr_hist_percentile(h, 100), 5);

	/* One value: every percentile is that value, never the bucket bound. */
	mmr_hist_init(h);
	mmr_hist_add(h, 1000000);
	assert_int_equal(mmr_hist_percentile(h, 1), 1000000);
	assert_int_equal(mmr_hist_percentile(h, 99.9), 1000000);
	free(h);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void test_percentile_error_bound(void **state)
{
	(void)state;
	enum { N = 20000 };
	uint64_t *v = malloc(N * sizeof(*v)), st = 42;
	struct mmr_hist *h = malloc(sizeof(*h));
	assert_non_null(v);
	assert_non_null(h);
	mmr_hist_init(h);
	for (int i = 0; i < N; i++) {
		v[i] = rng_value(&st) >> 8;
		mmr_hist_add(h, v[i]);
	}
	qsort(v, N, sizeof(*v), cmp_u64);
	static const double ps[] = {1, 10, 25, 50, 75, 90, 99, 99.9};
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		size_t rank = (size_t)ceil(ps[i] * N / 100.0); /* 1-based, as the header defines */
		uint64_t exact = v[rank - 1], got = mmr_hist_percentile(h, ps[i]);
		assert_true(got >= exact);
		assert_true((double)(got - exact) <= (double)exact / MMR_HIST_SUB);
	}
	free(v);
	free(h);
}

static void test_add_n_and_merge(void **state)
{
	(void)state;
	struct mmr_hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *all = malloc(sizeof(*all));
	uint64_t st = 7;
	assert_true(a && b && all);
	mmr_hist_init(a);
	mmr_hist_init(b);
	mmr_hist_init(all);
	for (int i = 0; i < 10000; i++) {
		uint64_t x = rng_value(&st) >> 4;
		mmr_hist_add(i % 3 ? a : b, x);
		mmr_hist_add(all, x);
	}
	mmr_hist_add_n(a, 12345, 7);
	for (int i = 0; i < 7; i++)
		mmr_hist_add(all, 12345);
	mmr_hist_add_n(a, 99, 0); /* nothing */
	mmr_hist_merge(a, b);
	assert_true(memcmp(a, all, sizeof(*a)) == 0);

	/* Merging an empty histogram changes nothing, into an empty one copies. */
	mmr_hist_init(b);
	mmr_hist_merge(a, b);
	assert_true(memcmp(a, all, sizeof(*a)) == 0);
	mmr_hist_merge(b, all);
	assert_true(memcmp(b, all, sizeof(*b)) == 0);
	free(a);
	free(b);
	free(all);
}

static void test_sum_saturates(void **state)
{
	(void)state;
	struct mmr_hist h;
	mmr_hist_init(&h);
	mmr_hist_add(&h, UINT64_MAX - 1);
	mmr_hist_add(&h, 5);
	assert_true(h.sum == UINT64_MAX);
	assert_int_equal(h.count, 2);
	assert_true(h.max == UINT64_MAX - 1);
	assert_int_equal(h.min, 5);
	mmr_hist_init(&h);
	mmr_hist_add_n(&h, 1ull << 40, 1ull << 30);
	assert_true(h.sum == UINT64_MAX);
	assert_true(h.count == 1ull << 30);
	assert_true(mmr_hist_percentile(&h, 50) == 1ull << 40);
}

/*
 * Written as JSON and read back (validate reads both sides' waits so),
 * a histogram keeps its count and buckets, and every percentile is the
 * one of the original but where the original clamped to its max, which
 * the JSON does not hold: there, the bucket's high bound.
 */
static void test_json_round_trip(void **state)
{
	(void)state;
	struct mmr_hist *h = malloc(sizeof(*h)), *back = malloc(sizeof(*back));
	assert_non_null(h);
	assert_non_null(back);
	mmr_hist_init(h);
	mmr_hist_init(back);
	uint64_t st = 42;
	for (int i = 0; i < 5000; i++)
		mmr_hist_add(h, rng_value(&st) >> 20);
	struct mmr_json j = {.ok = true};
	cJSON *o = cJSON_CreateObject();
	mmr_hist_json(&j, o, "h", h, 1);
	assert_true(j.ok);
	/* Written out and parsed, as a reader sees it (numbers are written as raw text). */
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	assert_non_null(text);
	o = cJSON_Parse(text);
	free(text);
	assert_non_null(o);
	assert_int_equal(mmr_hist_from_json(back, cJSON_GetObjectItem(o, "h")), 0);
	assert_int_equal(back->count, h->count);
	assert_memory_equal(back->buckets, h->buckets, sizeof(h->buckets));
	const double ps[] = {1, 50, 90, 99, 99.9};
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		uint64_t a = mmr_hist_percentile(h, ps[i]), b = mmr_hist_percentile(back, ps[i]);
		if (a != h->max)
			assert_int_equal(a, b);
		else
			assert_int_equal(b, mmr_hist_bucket_high(mmr_hist_bucket(a)));
	}
	/* Not an array, a bucket without a count, high below low: refused. */
	cJSON *bad = cJSON_Parse("[{\"low\": 5, \"high\": 4, \"count\": 1}]");
	assert_int_equal(mmr_hist_from_json(back, bad), -1);
	cJSON_Delete(bad);
	bad = cJSON_Parse("[{\"low\": 5, \"high\": 5}]");
	assert_int_equal(mmr_hist_from_json(back, bad), -1);
	cJSON_Delete(bad);
	assert_int_equal(mmr_hist_from_json(back, o), -1);
	cJSON_Delete(o);
	free(h);
	free(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds_tile_the_range),
		cmocka_unit_test(test_values_land_in_their_bucket),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_percentiles_known_data),
		cmocka_unit_test(test_percentile_error_bound),
		cmocka_unit_test(test_add_n_and_merge),
		cmocka_unit_test(test_sum_saturates),
		cmocka_unit_test(test_json_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
