/* SPDX-License-Identifier: MIT */
/*
 * idmap.c - open-addressing map from 64-bit ids to 64-bit values.
 *
 * Linear probing keeps a lookup to one or two cache lines; deletion shifts
 * the following entries of the probe run back instead of leaving
 * tombstones, so a map that sees millions of put/del pairs (every
 * allocation and free of a long trace) never fills with dead slots and
 * never needs a rebuild to stay fast.
 *
 * Keys are pointers, pfns or handles: their low bits are often all zero
 * (alignment) and their high bits all alike, so they go through a full
 * 64-bit avalanche mixer before being masked to the table size.
 *
 * A zeroed struct mmr_idmap is a valid empty map, and destroy leaves one
 * behind, so destroy may be called twice and init again after it.
 */
#include <stdlib.h>
#include <string.h>

#include "mmr_idmap.h"

#define IDMAP_MIN_CAP 16u

/* The MurmurHash3 / SplitMix64 finalizer: every input bit flips about half of the output bits. */
static inline uint64_t idmap_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

static inline size_t idmap_home(const struct mmr_idmap *m, uint64_t key)
{
	return (size_t)idmap_mix(key) & (m->cap - 1);
}

/* Grow before the load passes 70%: linear probing degrades quickly beyond it. */
static inline bool idmap_too_full(size_t len, size_t cap)
{
	return len * 10 >= cap * 7;
}

/* Smallest power-of-two capacity that holds N entries under the load limit; 0 on overflow. */
static size_t idmap_cap_for(size_t n)
{
	size_t cap = IDMAP_MIN_CAP;
	if (n > SIZE_MAX / 20 / sizeof(uint64_t))
		return 0;
	while (idmap_too_full(n, cap))
		cap <<= 1;
	return cap;
}

/* Fresh, empty arrays of CAP slots in M.  Returns 0, or -1 leaving M untouched. */
static int idmap_alloc(struct mmr_idmap *m, size_t cap)
{
	uint64_t *keys = malloc(cap * sizeof(*keys));
	uint64_t *vals = malloc(cap * sizeof(*vals));
	uint8_t *used = calloc(cap, 1);
	if (!keys || !vals || !used) {
		free(keys);
		free(vals);
		free(used);
		return -1;
	}
	m->keys = keys;
	m->vals = vals;
	m->used = used;
	m->cap = cap;
	m->len = 0;
	return 0;
}

int mmr_idmap_init(struct mmr_idmap *m, size_t expected)
{
	memset(m, 0, sizeof(*m));
	size_t cap = idmap_cap_for(expected);
	return cap ? idmap_alloc(m, cap) : -1;
}

void mmr_idmap_destroy(struct mmr_idmap *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

/* Slot of KEY, or of the empty slot that ends its probe run.  M->cap must be nonzero. */
static size_t idmap_find(const struct mmr_idmap *m, uint64_t key)
{
	size_t mask = m->cap - 1, i = idmap_home(m, key);
	/* Terminates: the load limit guarantees an empty slot. */
	while (m->used[i] && m->keys[i] != key)
		i = (i + 1) & mask;
	return i;
}

/* Place a key known to be absent; no growth check. */
static void idmap_insert_new(struct mmr_idmap *m, uint64_t key, uint64_t val)
{
	size_t i = idmap_find(m, key);
	m->used[i] = 1;
	m->keys[i] = key;
	m->vals[i] = val;
	m->len++;
}

/* Rehash into twice the capacity.  Returns 0, or -1 leaving M as it was. */
static int idmap_grow(struct mmr_idmap *m)
{
	struct mmr_idmap old = *m;
	size_t cap = old.cap ? old.cap * 2 : IDMAP_MIN_CAP;
	if (old.cap > SIZE_MAX / 20 / sizeof(uint64_t) || idmap_alloc(m, cap)) {
		*m = old;
		return -1;
	}
	for (size_t i = 0; i < old.cap; i++)
		if (old.used[i])
			idmap_insert_new(m, old.keys[i], old.vals[i]);
	mmr_idmap_destroy(&old);
	return 0;
}

int mmr_idmap_put(struct mmr_idmap *m, uint64_t key, uint64_t val)
{
	if (m->cap) {
		size_t i = idmap_find(m, key);
		if (m->used[i]) {
			m->vals[i] = val;
			return 0;
		}
	}
	if (!m->cap || idmap_too_full(m->len + 1, m->cap)) {
		if (idmap_grow(m))
			return -1;
	}
	idmap_insert_new(m, key, val);
	return 0;
}

uint64_t *mmr_idmap_slot(struct mmr_idmap *m, uint64_t key, bool *found)
{
	if (m->cap) {
		size_t i = idmap_find(m, key);
		if (m->used[i]) {
			*found = true;
			return &m->vals[i];
		}
	}
	*found = false;
	if ((!m->cap || idmap_too_full(m->len + 1, m->cap)) && idmap_grow(m))
		return NULL;
	size_t i = idmap_find(m, key);
	m->used[i] = 1;
	m->keys[i] = key;
	m->len++;
	return &m->vals[i];
}

void mmr_idmap_clear(struct mmr_idmap *m)
{
	if (m->cap)
		memset(m->used, 0, m->cap);
	m->len = 0;
}

uint64_t *mmr_idmap_get(const struct mmr_idmap *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	size_t i = idmap_find(m, key);
	return m->used[i] ? &m->vals[i] : NULL;
}

bool mmr_idmap_del(struct mmr_idmap *m, uint64_t key, uint64_t *val)
{
	if (!m->cap)
		return false;
	size_t mask = m->cap - 1, hole = idmap_find(m, key);
	if (!m->used[hole])
		return false;
	if (val)
		*val = m->vals[hole];
	/*
	 * Backward shift: walk the rest of the probe run; an entry may fill
	 * the hole when the hole lies on its own probe path, i.e. between its
	 * home slot and where it sits now (cyclically).  Then the entry's old
	 * slot is the new hole.  The run ends at the first empty slot.
	 */
	for (size_t j = (hole + 1) & mask; m->used[j]; j = (j + 1) & mask) {
		size_t home = idmap_home(m, m->keys[j]);
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			m->keys[hole] = m->keys[j];
			m->vals[hole] = m->vals[j];
			hole = j;
		}
	}
	m->used[hole] = 0;
	m->len--;
	return true;
}

bool mmr_idmap_next(const struct mmr_idmap *m, size_t *pos, uint64_t *key, uint64_t *val)
{
	for (size_t i = *pos; i < m->cap; i++) {
		if (m->used[i]) {
			if (key)
				*key = m->keys[i];
			if (val)
				*val = m->vals[i];
			*pos = i + 1;
			return true;
		}
	}
	*pos = m->cap;
	return false;
}
