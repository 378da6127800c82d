/* SPDX-License-Identifier: MIT */
/*
 * dist.c - the PRNG and the distributions the workloads draw from.
 *
 * Only integer arithmetic and IEEE double + - * / are used, never libm:
 * log() may differ in its last bit between libm versions and machines, and
 * a seed must give the same trace bytes wherever it is generated.
 */
#include "wl_internal.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Seed R from SEED; splitmix64 never yields the all-zero xoshiro state. */
void wl_rng_seed(struct wl_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* The next 64 bits of xoshiro256**. */
uint64_t wl_rng_next(struct wl_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n): reject the few values that would bias the modulo. */
uint64_t wl_below(struct wl_rng *r, uint64_t n)
{
	uint64_t limit = -n % n; /* 2^64 mod n: below it, x % n would be biased */
	uint64_t x;
	do
		x = wl_rng_next(r);
	while (x < limit);
	return x % n;
}

/* Uniform in [lo, hi]. */
uint64_t wl_range(struct wl_rng *r, uint64_t lo, uint64_t hi)
{
	if (hi - lo == UINT64_MAX)
		return wl_rng_next(r);
	return lo + wl_below(r, hi - lo + 1);
}

/* True with probability pct/100. */
bool wl_chance(struct wl_rng *r, uint64_t pct)
{
	return wl_below(r, 100) < pct;
}

#define LN2 0.69314718055994530942

/* Natural log of an integer K >= 1, to double precision. */
static double ln_u64(uint64_t k)
{
	int e = 63 - __builtin_clzll(k);
	/* k < 2^53 here, so both conversions and the power-of-two division are exact. */
	double m = (double)k / (double)(1ull << e);
	if (m > 1.4142135623730951) {
		m *= 0.5;
		e++;
	}
	/* ln m = 2 atanh(s); |s| <= 0.172, so twelve odd terms reach 1e-18. */
	double s = (m - 1.0) / (m + 1.0);
	double s2 = s * s, term = s, sum = 0.0;
	for (int i = 1; i < 25; i += 2) {
		sum += term / i;
		term *= s2;
	}
	return 2.0 * sum + e * LN2;
}

/* Exponential by inversion: -mean * ln(U), U uniform in (0, 1] with 53 bits. */
uint64_t wl_exp(struct wl_rng *r, uint64_t mean)
{
	if (mean == 0)
		return 0;
	uint64_t k = (wl_rng_next(r) >> 11) + 1; /* U = k / 2^53 */
	double e = 53.0 * LN2 - ln_u64(k);
	if (e < 0.0)
		e = 0.0;
	return (uint64_t)((double)mean * e + 0.5);
}

/* Build the cumulative weights of T. */
void wl_table_init(struct wl_table *t, const uint32_t *weights, size_t n)
{
	uint64_t sum = 0;
	t->n = n < WL_TABLE_MAX ? n : WL_TABLE_MAX;
	for (size_t i = 0; i < t->n; i++) {
		sum += weights[i];
		t->cum[i] = sum;
	}
}

/* Draw from T: binary search for the first cumulative weight above x. */
size_t wl_table_pick(const struct wl_table *t, struct wl_rng *r)
{
	uint64_t x = wl_below(r, t->cum[t->n - 1]);
	size_t lo = 0, hi = t->n - 1;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->cum[mid] > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* The kmalloc caches of a SLUB kernel with 4 KiB pages: powers of two plus
 * the 96 and 192 byte caches that catch the many requests just above 64 and
 * 128 bytes. */
static const uint16_t kmalloc_sizes[WL_KMALLOC_CLASSES] = {
	8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192,
};

/* Size of kmalloc class I. */
uint64_t wl_kmalloc_class_size(unsigned i)
{
	return i < WL_KMALLOC_CLASSES ? kmalloc_sizes[i] : 0;
}

/* The smallest kmalloc class that holds SIZE; the largest for anything bigger. */
unsigned wl_kmalloc_class(uint64_t size)
{
	for (unsigned i = 0; i < WL_KMALLOC_CLASSES; i++)
		if (size <= kmalloc_sizes[i])
			return i;
	return WL_KMALLOC_CLASSES - 1;
}
