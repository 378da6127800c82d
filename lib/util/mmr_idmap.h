/* SPDX-License-Identifier: MIT */
/*
 * mmr_idmap.h - a map from 64-bit object ids (pointers, pfns, handles) to
 * 64-bit values, open addressing with linear probing and backward-shift
 * deletion, so long traces with millions of alloc/free pairs never slow
 * down from tombstones.  Used by stats to pair frees with allocations and
 * by replay preprocessing to give objects dense slot ids.
 */
#ifndef MMR_IDMAP_H
#define MMR_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct mmr_idmap {
	uint64_t *keys;
	uint64_t *vals;
	uint8_t *used;
	size_t cap; /* power of two */
	size_t len;
};

/* Empty map.  Returns 0, or -1 when out of memory. */
int mmr_idmap_init(struct mmr_idmap *m, size_t expected);
void mmr_idmap_destroy(struct mmr_idmap *m);

/* Set KEY to VAL (replacing).  Returns 0, or -1 when out of memory. */
int mmr_idmap_put(struct mmr_idmap *m, uint64_t key, uint64_t val);
/* Pointer to KEY's value, or NULL; valid until the next put or del. */
uint64_t *mmr_idmap_get(const struct mmr_idmap *m, uint64_t key);
/*
 * KEY's value, inserted as *FOUND false (its value undefined) when it was
 * absent: one probe where a get and a put would take two.  Returns a
 * pointer valid until the next put, slot or del, or NULL when out of memory.
 */
uint64_t *mmr_idmap_slot(struct mmr_idmap *m, uint64_t key, bool *found);
/* Remove every key, keeping the memory: refilling it costs no allocation. */
void mmr_idmap_clear(struct mmr_idmap *m);
/* Remove KEY, storing its value in *VAL when VAL is not NULL.  Returns true when it was there. */
bool mmr_idmap_del(struct mmr_idmap *m, uint64_t key, uint64_t *val);

/* Iterate: start with *pos = 0; returns false when done. */
bool mmr_idmap_next(const struct mmr_idmap *m, size_t *pos, uint64_t *key, uint64_t *val);

#ifdef __cplusplus
}
#endif

#endif /* MMR_IDMAP_H */
