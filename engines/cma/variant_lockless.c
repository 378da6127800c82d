/* SPDX-License-Identifier: MIT */
/*
 * variant_lockless.c - cma-lockless-clear: David Hildenbrand's idea in
 * seed 000.  A release clears its bits with atomic bit operations and no
 * lock, so it can run in any context; allocation still searches and sets
 * under cma-mutex's cma->lock.  A search racing a clear may miss a range
 * that has just come free, never hand out one still in use, since the
 * frames are freed before their bits clear.
 */
#include "cma.h"

/* The bits cleared with atomic word operations (bitmap.c), no lock, in any context. */
static void lockless_clear(struct cma_thread *t, const struct cma_range *r, bool atomic)
{
	(void)atomic;
	cma_bitmap_clear(t->c->bitmap, r->bit, r->bits);
}

const struct cma_variant cma_lockless_clear = {
	.ops = {
		CMA_ENGINE_OPS,
		.name = "cma-lockless-clear",
		.description = "CMA area, releases clear the bitmap with atomic ops and no lock; allocation under a mutex",
	},
	.lock = &cma_mutex_lock,
	.clear = lockless_clear,
};
