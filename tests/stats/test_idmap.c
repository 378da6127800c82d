/* SPDX-License-Identifier: MIT */
/*
 * test_idmap.c - the id map against a plain reference array: random
 * put/get/del over key pools small enough to keep probe runs long and
 * wrapping (so backward-shift deletion is exercised hard) and large enough
 * to grow; iteration visits every key once; growth and load factor.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mmr_idmap.h"

static uint64_t rng_next(uint64_t *st)
{
	uint64_t x = *st;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*st = x;
	return x * 0x2545f4914f6cdd1dull;
}

struct ref {
	size_t n;
	uint64_t *key;
	uint64_t *val;
	bool *present;
	size_t live;
};

/* Keys as the map meets them: kernel pointers (64-byte aligned), pfns, 0 and all-ones. */
static void ref_init(struct ref *r, size_t n, uint64_t *st)
{
	r->n = n;
	r->key = calloc(n, sizeof(*r->key));
	r->val = calloc(n, sizeof(*r->val));
	r->present = calloc(n, sizeof(*r->present));
	r->live = 0;
	assert_true(r->key && r->val && r->present);
	for (size_t i = 0; i < n; i++) {
		switch (i % 4) {
		case 0: r->key[i] = 0xffff888000000000ull + (i << 6); break;
		case 1: r->key[i] = 0x100000 + i; break;
		case 2: r->key[i] = rng_next(st); break;
		default: r->key[i] = (((rng_next(st) & 0xffffull) << 20) | i) << 12; break;
		}
	}
	r->key[0] = 0;
	if (n > 1)
		r->key[1] = UINT64_MAX;
	/* Keys must be distinct for the reference to mean anything. */
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n && n <= 64; k++)
			assert_true(r->key[i] != r->key[k]);
}

static void ref_free(struct ref *r)
{
	free(r->key);
	free(r->val);
	free(r->present);
}

/* Every reference key agrees with the map, iteration visits each live key exactly once. */
static void check_all(const struct mmr_idmap *m, const struct ref *r)
{
	assert_int_equal(m->len, r->live);
	assert_true(m->cap && (m->cap & (m->cap - 1)) == 0);
	assert_true(m->len * 10 < m->cap * 7);
	size_t used = 0;
	for (size_t i = 0; i < m->cap; i++)
		used += m->used[i] != 0;
	assert_int_equal(used, m->len);
	for (size_t i = 0; i < r->n; i++) {
		uint64_t *v = mmr_idmap_get(m, r->key[i]);
		if (r->present[i]) {
			assert_non_null(v);
			assert_true(*v == r->val[i]);
		} else {
			assert_null(v);
		}
	}
	bool *seen = calloc(r->n, 1);
	assert_non_null(seen);
	size_t pos = 0, visits = 0;
	uint64_t k, v;
	while (mmr_idmap_next(m, &pos, &k, &v)) {
		size_t i = 0;
		while (i < r->n && r->key[i] != k)
			i++;
		assert_true(i < r->n);
		assert_true(r->present[i]);
		assert_false(seen[i]);
		assert_true(v == r->val[i]);
		seen[i] = true;
		visits++;
	}
	assert_int_equal(visits, r->live);
	assert_false(mmr_idmap_next(m, &pos, &k, &v)); /* stays done */
	free(seen);
}

static void random_ops(size_t pool, int ops, uint64_t seed, size_t expected)
{
	struct ref r;
	struct mmr_idmap m;
	uint64_t st = seed;
	ref_init(&r, pool, &st);
	assert_int_equal(mmr_idmap_init(&m, expected), 0);
	for (int op = 0; op < ops; op++) {
		size_t i = rng_next(&st) % pool;
		unsigned what = (unsigned)(rng_next(&st) % 100);
		if (what < 50) {
			uint64_t v = rng_next(&st);
			assert_int_equal(mmr_idmap_put(&m, r.key[i], v), 0);
			r.live += !r.present[i];
			r.present[i] = true;
			r.val[i] = v;
		} else if (what < 85) {
			uint64_t v = 12345;
			bool had = mmr_idmap_del(&m, r.key[i], (what & 1) ? &v : NULL);
			assert_true(had == r.present[i]);
			if (had && (what & 1))
				assert_true(v == r.val[i]);
			r.live -= had;
			r.present[i] = false;
		} else {
			uint64_t *v = mmr_idmap_get(&m, r.key[i]);
			assert_true((v != NULL) == r.present[i]);
			if (v)
				assert_true(*v == r.val[i]);
		}
		assert_int_equal(m.len, r.live);
		if (op % 5000 == 4999)
			check_all(&m, &r);
	}
	check_all(&m, &r);
	mmr_idmap_destroy(&m);
	ref_free(&r);
}

/* 20 keys in 16..32 slots: long, wrapping probe runs, every delete shifts. */
static void test_random_small_pool(void **state)
{
	(void)state;
	random_ops(20, 40000, 1, 0);
}

/* Thousands of keys: growth while deleting, many collisions at 70% load. */
static void test_random_large_pool(void **state)
{
	(void)state;
	random_ops(3000, 60000, 2, 0);
	random_ops(3000, 20000, 3, 5000);
}

static void test_growth(void **state)
{
	(void)state;
	struct mmr_idmap m;
	enum { N = 100000 };
	assert_int_equal(mmr_idmap_init(&m, 0), 0);
	size_t cap0 = m.cap, grows = 0, last = m.cap;
	assert_true(cap0 >= 1 && (cap0 & (cap0 - 1)) == 0);
	for (uint64_t i = 0; i < N; i++) {
		assert_int_equal(mmr_idmap_put(&m, 0xffff888000000000ull + i * 64, i), 0);
		if (m.cap != last) {
			assert_int_equal(m.cap, last * 2);
			last = m.cap;
			grows++;
		}
		assert_true(m.len * 10 < m.cap * 7);
	}
	assert_int_equal(m.len, N);
	assert_true(grows > 5);
	/* Load stays above a third right after growing: no runaway capacity. */
	assert_true(m.cap < N * 4);
	for (uint64_t i = 0; i < N; i++) {
		uint64_t *v = mmr_idmap_get(&m, 0xffff888000000000ull + i * 64);
		assert_non_null(v);
		assert_true(*v == i);
	}
	for (uint64_t i = 0; i < N; i++)
		assert_true(mmr_idmap_del(&m, 0xffff888000000000ull + i * 64, NULL));
	assert_int_equal(m.len, 0);
	size_t pos = 0;
	assert_false(mmr_idmap_next(&m, &pos, NULL, NULL));
	mmr_idmap_destroy(&m);
}

static void test_expected_avoids_growth(void **state)
{
	(void)state;
	struct mmr_idmap m;
	assert_int_equal(mmr_idmap_init(&m, 1000), 0);
	size_t cap = m.cap;
	assert_true(cap * 7 > 1000 * 10);
	for (uint64_t i = 0; i < 1000; i++)
		assert_int_equal(mmr_idmap_put(&m, i << 12, i), 0);
	assert_int_equal(m.cap, cap);
	mmr_idmap_destroy(&m);
}

static void test_replace_pointer_and_zeroed(void **state)
{
	(void)state;
	struct mmr_idmap m;
	memset(&m, 0, sizeof(m));
	/* A zeroed map is empty and usable. */
	assert_null(mmr_idmap_get(&m, 5));
	assert_false(mmr_idmap_del(&m, 5, NULL));
	size_t pos = 0;
	assert_false(mmr_idmap_next(&m, &pos, NULL, NULL));
	assert_int_equal(mmr_idmap_put(&m, 5, 50), 0);
	assert_int_equal(mmr_idmap_put(&m, 5, 51), 0); /* replaces */
	assert_int_equal(m.len, 1);
	uint64_t *v = mmr_idmap_get(&m, 5);
	assert_non_null(v);
	assert_int_equal(*v, 51);
	*v = 77; /* the pointer writes through */
	uint64_t out = 0;
	assert_true(mmr_idmap_del(&m, 5, &out));
	assert_int_equal(out, 77);
	assert_false(mmr_idmap_del(&m, 5, &out));
	mmr_idmap_destroy(&m);
	mmr_idmap_destroy(&m); /* twice is fine */
	assert_int_equal(mmr_idmap_init(&m, 3), 0);
	mmr_idmap_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_small_pool),
		cmocka_unit_test(test_random_large_pool),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_expected_avoids_growth),
		cmocka_unit_test(test_replace_pointer_and_zeroed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
