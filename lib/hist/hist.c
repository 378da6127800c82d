/* SPDX-License-Identifier: MIT */
/*
 * hist.c - the log-linear histogram.
 *
 * Bucket layout, with S = MMR_HIST_SUB (128) and K = MMR_HIST_SUB_BITS (7):
 * values 0..S-1 get one bucket each.  A value v >= S whose most significant
 * bit is m has shift = m - K, and its top K+1 bits (v >> shift, in S..2S-1)
 * pick one of S sub-buckets of width 1 << shift; its bucket is shift * S +
 * (v >> shift).  Both cases are the one formula once the shift is taken
 * from v | S (whose msb is K for small v), so finding a bucket is a clz, a
 * shift and an add, with no branch: cheap enough for latency recording in
 * the replay hot loop.
 *
 * A bucket's width is at most 1/S of its low bound, which bounds the error
 * of any value reported from it (percentiles) to under 0.8% of the value,
 * from 1 ns to 2^64 - 1 ns.
 */
#include <math.h>
#include <string.h>

#include "mmr_hist.h"

/* Buckets below this hold exactly one value each. */
#define HIST_LINEAR MMR_HIST_SUB

void mmr_hist_init(struct mmr_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

uint64_t mmr_hist_bucket_low(unsigned b)
{
	if (b >= MMR_HIST_BUCKETS)
		return UINT64_MAX;
	if (b < HIST_LINEAR)
		return b;
	unsigned shift = (b >> MMR_HIST_SUB_BITS) - 1;
	uint64_t mant = (b & (MMR_HIST_SUB - 1)) + MMR_HIST_SUB;
	return mant << shift;
}

uint64_t mmr_hist_bucket_high(unsigned b)
{
	if (b >= MMR_HIST_BUCKETS)
		return UINT64_MAX;
	if (b < HIST_LINEAR)
		return b;
	unsigned shift = (b >> MMR_HIST_SUB_BITS) - 1;
	/* The last bucket ends exactly at UINT64_MAX: (2S - 1) << (64 - K - 1), plus that width - 1. */
	return mmr_hist_bucket_low(b) + ((1ull << shift) - 1);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

void mmr_hist_add_n(struct mmr_hist *h, uint64_t v, uint64_t n)
{
	uint64_t prod;
	if (n == 0)
		return;
	h->buckets[mmr_hist_bucket(v)] += n;
	h->count += n;
	h->sum = __builtin_mul_overflow(v, n, &prod) ? UINT64_MAX : sat_add(h->sum, prod);
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void mmr_hist_merge(struct mmr_hist *dst, const struct mmr_hist *src)
{
	if (src->count == 0)
		return;
	for (unsigned b = 0; b < MMR_HIST_BUCKETS; b++)
		dst->buckets[b] += src->buckets[b];
	dst->count += src->count;
	dst->sum = sat_add(dst->sum, src->sum);
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t mmr_hist_percentile(const struct mmr_hist *h, double p)
{
	if (h->count == 0)
		return 0;
	if (!(p > 0)) /* also catches NaN */
		p = 0;
	if (p > 100)
		p = 100;
	/*
	 * The rank of the wanted value, 1-based: the smallest r with
	 * r >= p% of count.  p * count / 100 rather than p / 100 * count,
	 * so that whole percentages of round counts come out exact.
	 */
	double want = ceil(p * (double)h->count / 100.0);
	uint64_t rank = want < 1 ? 1 : want >= (double)h->count ? h->count : (uint64_t)want;
	uint64_t seen = 0;
	unsigned b = mmr_hist_bucket(h->min);
	for (; b < MMR_HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank)
			break;
	}
	uint64_t v = mmr_hist_bucket_high(b < MMR_HIST_BUCKETS ? b : MMR_HIST_BUCKETS - 1);
	if (v > h->max)
		v = h->max;
	if (v < h->min)
		v = h->min;
	return v;
}

double mmr_hist_mean(const struct mmr_hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}
