/* SPDX-License-Identifier: MIT */
/*
 * mmr_size.h - the one bound on what an engine allocates from its own
 * heap for a trace's object, and the checked sum of a hidden header and
 * the object's size.
 *
 * The planner lets sizes up to 2^40 through (docs/trace-format.md, "Valid
 * events"), far past what any kernel hands out in one call, and an engine
 * that mallocs a trace's size must not turn that into a 1 TiB request: the
 * sanitizers abort on it (allocation-size-too-big), an overcommitting host
 * may grant it, and touch=all would then write all of it.  The kernel's
 * own ceiling is kvmalloc_node's: it refuses any size above INT_MAX, and
 * kmalloc stops far below (KMALLOC_MAX_SIZE, 4 MiB on x86_64).  So an
 * engine fails an object past INT_MAX bytes, as the kernel would.
 */
#ifndef MMR_SIZE_H
#define MMR_SIZE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest object an engine allocates for a trace: kvmalloc_node's bound. */
#define MMR_OBJ_MAX_BYTES ((uint64_t)INT_MAX)

/*
 * HEADER + SIZE in *OUT, for an object of SIZE bytes behind a HEADER of
 * the engine's own.  False, *OUT untouched, when SIZE is past
 * MMR_OBJ_MAX_BYTES or the sum does not fit a size_t: the allocation
 * fails.
 */
static inline bool mmr_obj_bytes(uint64_t size, uint64_t header, size_t *out)
{
	uint64_t sum;
	if (size > MMR_OBJ_MAX_BYTES || __builtin_add_overflow(size, header, &sum) || sum > SIZE_MAX)
		return false;
	*out = (size_t)sum;
	return true;
}

#endif /* MMR_SIZE_H */
