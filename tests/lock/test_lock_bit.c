/* SPDX-License-Identifier: MIT */
/*
 * test_lock_bit.c - the bit spinlock leaves the rest of its word alone:
 * exact word values around lock and unlock at the word's edges, other
 * bits of one word are independent locks, and atomic updates of other bits
 * by another thread while the lock bit is taken and released are never
 * lost.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "lock_script.h"

#define TOP_BIT (sizeof(unsigned long) * 8 - 1)

static struct mmr_lock_class *bit_class(const char *name)
{
	struct mmr_lock_class *c = mmr_lock_class_get(name, MMR_LOCK_BIT);
	assert_non_null(c);
	return c;
}

/* Lock and unlock set and clear exactly the one bit, whatever the others are. */
static void test_other_bits_untouched(void **state)
{
	(void)state;
	struct mmr_lock_class *c = bit_class("bit.word");
	const unsigned long patterns[] = { 0, ~0ul & ~1ul, 0xa5a5a5a5a5a5a5a4ul, ~0ul >> 1 };
	const unsigned bits[] = { 0, 1, 31, 32, (unsigned)TOP_BIT };
	unsigned taken = 0;
	for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]); p++) {
		for (size_t b = 0; b < sizeof(bits) / sizeof(bits[0]); b++) {
			unsigned long mask = 1ul << bits[b];
			unsigned long pat = patterns[p] & ~mask;
			atomic_ulong w;
			atomic_init(&w, pat);
			mmr_bit_lock(&w, bits[b], c);
			assert_true(atomic_load(&w) == (pat | mask));
			assert_false(mmr_bit_trylock(&w, bits[b], c));
			assert_true(atomic_load(&w) == (pat | mask));
			mmr_bit_unlock(&w, bits[b], c);
			assert_true(atomic_load(&w) == pat);
			assert_true(mmr_bit_trylock(&w, bits[b], c));
			assert_true(atomic_load(&w) == (pat | mask));
			mmr_bit_unlock(&w, bits[b], c);
			assert_true(atomic_load(&w) == pat);
			taken += 2;
		}
	}
	struct mmr_lock_stats *st = script_stats("bit.word");
	assert_int_equal(st->kind, MMR_LOCK_BIT);
	assert_int_equal(st->side[MMR_LOCK_EXCL].acquisitions, taken);
	assert_int_equal(st->side[MMR_LOCK_EXCL].contended, 0);
	assert_int_equal(st->side[MMR_LOCK_EXCL].hold.count, taken);
	free(st);
}

/* Two bits of one word are two locks; each hold is matched to its own bit. */
static void test_bits_independent(void **state)
{
	(void)state;
	struct mmr_lock_class *c = bit_class("bit.pair");
	atomic_ulong w;
	atomic_init(&w, 0);
	mmr_bit_lock(&w, 3, c);
	assert_true(mmr_bit_trylock(&w, 4, c));
	assert_true(atomic_load(&w) == 0x18ul);
	mmr_bit_unlock(&w, 3, c); /* out of order: the newest hold is bit 4's */
	assert_true(atomic_load(&w) == 0x10ul);
	mmr_bit_unlock(&w, 4, c);
	assert_true(atomic_load(&w) == 0);
	struct mmr_lock_stats *st = script_stats("bit.pair");
	assert_int_equal(st->side[MMR_LOCK_EXCL].acquisitions, 2);
	assert_int_equal(st->side[MMR_LOCK_EXCL].hold.count, 2);
	free(st);
}

enum { TOGGLES = 20000, LOCKS = 20000, LOCK_BIT = 40 };

struct toggler {
	atomic_ulong *w;
	struct mmr_lock_class *c;
	unsigned long seen_bad; /* lock-bit states the locker saw wrongly */
};

/* Flip bits 0 and the top bit TOGGLES times each, without the lock, with atomic xor. */
static void *toggler_main(void *arg)
{
	struct toggler *t = arg;
	for (int i = 0; i < TOGGLES; i++)
		atomic_fetch_xor(t->w, 1ul | (1ul << TOP_BIT));
	return NULL;
}

/* Take and release the lock bit LOCKS times, checking it is set while held. */
static void *locker_main(void *arg)
{
	struct toggler *t = arg;
	for (int i = 0; i < LOCKS; i++) {
		mmr_bit_lock(t->w, LOCK_BIT, t->c);
		if (!(atomic_load(t->w) & (1ul << LOCK_BIT)))
			t->seen_bad++;
		mmr_bit_unlock(t->w, LOCK_BIT, t->c);
	}
	return NULL;
}

/* Concurrent xors of other bits survive every fetch_or/fetch_and of the lock bit. */
static void test_concurrent_other_bits(void **state)
{
	(void)state;
	atomic_ulong w;
	const unsigned long start = 0x0f0f000000000000ul; /* bits the toggler never touches */
	atomic_init(&w, start);
	struct toggler t = { .w = &w, .c = bit_class("bit.toggle") };
	pthread_t a = script_start(toggler_main, &t);
	pthread_t b = script_start(locker_main, &t);
	script_join(a);
	script_join(b);
	assert_int_equal(t.seen_bad, 0);
	assert_true(atomic_load(&w) == start); /* an even number of flips of bits 0 and 63, lock bit clear */
	struct mmr_lock_stats *st = script_stats("bit.toggle");
	assert_int_equal(st->side[MMR_LOCK_EXCL].acquisitions, LOCKS);
	assert_int_equal(st->side[MMR_LOCK_EXCL].contended, 0); /* nobody else takes the bit */
	free(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_bits_untouched),
		cmocka_unit_test(test_bits_independent),
		cmocka_unit_test(test_concurrent_other_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
