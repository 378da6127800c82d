/* SPDX-License-Identifier: MIT */
/*
 * mmr_hist.h - a log-linear histogram of 64-bit values (latencies in ns,
 * object lifetimes, sizes), in the manner of HdrHistogram: each power of
 * two is split into MMR_HIST_SUB linear sub-buckets, so any recorded value
 * is known to within 1/MMR_HIST_SUB of itself.  Fixed size, no allocation,
 * mergeable; one writer at a time.
 */
#ifndef MMR_HIST_H
#define MMR_HIST_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MMR_HIST_SUB_BITS 7
#define MMR_HIST_SUB (1u << MMR_HIST_SUB_BITS)
/* Values below MMR_HIST_SUB get a bucket each; then 128 per power of two (< 0.8% error). */
#define MMR_HIST_BUCKETS ((64 - MMR_HIST_SUB_BITS + 1) * MMR_HIST_SUB)

struct mmr_hist {
	uint64_t count;
	uint64_t sum; /* saturates at UINT64_MAX */
	uint64_t min; /* UINT64_MAX while empty */
	uint64_t max;
	uint64_t buckets[MMR_HIST_BUCKETS];
};

/* Empty H. */
void mmr_hist_init(struct mmr_hist *h);
/* Bucket of V, and the smallest and largest value bucket B holds. */
static inline unsigned mmr_hist_bucket(uint64_t v)
{
	/* 63 - clz(v | S) is the msb of v, or K when v < S. */
	unsigned shift = (unsigned)(63 - MMR_HIST_SUB_BITS) - (unsigned)__builtin_clzll(v | MMR_HIST_SUB);
	return (shift << MMR_HIST_SUB_BITS) + (unsigned)(v >> shift);
}
uint64_t mmr_hist_bucket_low(unsigned b);
uint64_t mmr_hist_bucket_high(unsigned b);

/*
 * Record V once.  Inline: the replay's timed loop records twice per op
 * (the op's and its size class's), and a call into another library each
 * time is work the loop does not need (BENCHMARKS.md, "Replay harness").
 */
static inline void mmr_hist_add(struct mmr_hist *h, uint64_t v)
{
	h->buckets[mmr_hist_bucket(v)]++;
	h->count++;
	h->sum = h->sum + v < v ? UINT64_MAX : h->sum + v; /* saturates */
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}
/* Record V N times. */
void mmr_hist_add_n(struct mmr_hist *h, uint64_t v, uint64_t n);
/* Add every value of SRC to DST. */
void mmr_hist_merge(struct mmr_hist *dst, const struct mmr_hist *src);


/*
 * Value at percentile P (0..100): the upper bound of the bucket holding
 * it, clamped to [min, max].  0 when H is empty.
 */
uint64_t mmr_hist_percentile(const struct mmr_hist *h, double p);
/* Mean of the recorded values, 0 when empty. */
double mmr_hist_mean(const struct mmr_hist *h);

struct mmr_json;
struct cJSON;

/*
 * Add H's non-empty buckets to the JSON object PARENT as array KEY of
 * {"low", "high", "count"}, bounds multiplied by SCALE (1: as recorded;
 * ns per tick for a histogram of clock ticks) and rounded.
 */
void mmr_hist_json(struct mmr_json *j, struct cJSON *parent, const char *key,
		   const struct mmr_hist *h, double scale);

/*
 * The inverse of mmr_hist_json with SCALE 1: add the buckets of ARRAY (as
 * mmr_hist_json wrote them) to H, each count at its bucket's low bound,
 * which falls in the same bucket of H, and H's max raised to the bucket's
 * high bound, so its percentiles are the bucket highs they were.  Returns 0, or -1 when ARRAY is
 * not such an array (H then holds the buckets read before the bad one).
 */
int mmr_hist_from_json(struct mmr_hist *h, const struct cJSON *array);

#ifdef __cplusplus
}
#endif

#endif /* MMR_HIST_H */
