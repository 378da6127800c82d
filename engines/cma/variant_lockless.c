/* SPDX-License-Identifier: MIT */
/*
 * variant_lockless.c - cma-lockless-clear: David Hildenbrand's idea in
 * seed 000.  A release clears its bits with atomic bit operations and no
 * lock, so it can run in any context; allocation still searches and sets
 * under the (mutex) cma->lock.  A search racing a clear may miss a range
 * that has just come free, never hand out one still in use, since the
 * frames are freed before their bits clear.
 */
#include "cma.h"

static void *lockless_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	static const struct cma_variant v = {.spinlock = false, .lockless_clear = true};
	return cma_create(env, &v, err);
}

const struct mmr_engine_ops cma_lockless_clear_ops = {
	CMA_ENGINE_OPS,
	.name = "cma-lockless-clear",
	.description = "CMA area, releases clear the bitmap with atomic ops and no lock; allocation under a mutex",
	.create = lockless_create,
};
