/* SPDX-License-Identifier: MIT */
/*
 * bitmap.c - the CMA area's allocation bitmap.  Words are atomics in every
 * variant: cma-lockless-clear clears bits with no lock while a search
 * under cma->lock reads them, and the others pay only relaxed loads.
 * Sets and clears are read-modify-writes of whole words, so a lockless
 * clear never loses a neighbour's bit set under the lock.
 */
#include "cma.h"

#define BITS 64u

/* Mask of bits [lo, hi) within one word, 0 <= lo < hi <= 64. */
static unsigned long word_mask(unsigned lo, unsigned hi)
{
	unsigned long m = hi == BITS ? ~0ul : (1ul << hi) - 1;
	return m & ~((1ul << lo) - 1);
}

/* The first set bit in [i, end), or end when there is none. */
static uint64_t next_set(atomic_ulong *bm, uint64_t i, uint64_t end)
{
	while (i < end) {
		uint64_t w = i / BITS;
		unsigned lo = (unsigned)(i % BITS);
		unsigned hi = end - w * BITS >= BITS ? BITS : (unsigned)(end - w * BITS);
		unsigned long v = atomic_load_explicit(&bm[w], memory_order_acquire) & word_mask(lo, hi);
		if (v)
			return w * BITS + (uint64_t)__builtin_ctzl(v);
		i = (w + 1) * BITS;
	}
	return end;
}

uint64_t cma_bitmap_find(atomic_ulong *bm, uint64_t nbits, uint64_t from, uint64_t before, uint64_t len,
			 uint64_t mask)
{
	if (len == 0 || len > nbits)
		return UINT64_MAX;
	uint64_t i = (from + mask) & ~mask;
	while (i < before && i + len <= nbits) {
		uint64_t set = next_set(bm, i, i + len);
		if (set == i + len)
			return i;
		/* Jump past the set bit to the next aligned start: nothing before it can fit. */
		i = (set + 1 + mask) & ~mask;
	}
	return UINT64_MAX;
}

/* Apply OR (set) or AND-NOT (clear) to bits [i, i + len), a word at a time. */
static void change(atomic_ulong *bm, uint64_t i, uint64_t len, bool set)
{
	uint64_t end = i + len;
	while (i < end) {
		uint64_t w = i / BITS;
		unsigned lo = (unsigned)(i % BITS);
		unsigned hi = end - w * BITS >= BITS ? BITS : (unsigned)(end - w * BITS);
		unsigned long m = word_mask(lo, hi);
		if (set)
			atomic_fetch_or_explicit(&bm[w], m, memory_order_relaxed);
		else
			atomic_fetch_and_explicit(&bm[w], ~m, memory_order_release);
		i = (w + 1) * BITS;
	}
}

void cma_bitmap_set(atomic_ulong *bm, uint64_t i, uint64_t len)
{
	change(bm, i, len, true);
}

void cma_bitmap_clear(atomic_ulong *bm, uint64_t i, uint64_t len)
{
	change(bm, i, len, false);
}

bool cma_bitmap_test(atomic_ulong *bm, uint64_t i)
{
	return atomic_load_explicit(&bm[i / BITS], memory_order_acquire) >> (i % BITS) & 1;
}

uint64_t cma_bitmap_weight(atomic_ulong *bm, uint64_t nbits)
{
	uint64_t n = 0;
	for (uint64_t w = 0; w * BITS < nbits; w++) {
		unsigned hi = nbits - w * BITS >= BITS ? BITS : (unsigned)(nbits - w * BITS);
		n += (uint64_t)__builtin_popcountl(atomic_load_explicit(&bm[w], memory_order_relaxed) &
						  word_mask(0, hi));
	}
	return n;
}
