/* SPDX-License-Identifier: MIT */
/*
 * variant_spinlock.c - cma-spinlock: cma->lock an irq-safe spinlock, what
 * v2 of the patch in seed 000 chose instead of the workqueue.  Releases
 * from any context take it directly and never sleep; the price is that
 * waiters spin, and the bitmap search of a large area holds it.
 *
 * A spinlock and a mutex cannot share the lock class "cma->lock" in one
 * process: replay this variant in an mmreplay run of its own.
 */
#include "cma.h"

static void *spinlock_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	static const struct cma_variant v = {.spinlock = true};
	return cma_create(env, &v, err);
}

const struct mmr_engine_ops cma_spinlock_ops = {
	CMA_ENGINE_OPS,
	.name = "cma-spinlock",
	/* An irq-safe spinlock since "mm/cma: change cma mutex to irq safe spinlock" (5.13, seed 000's v2). */
	.kernel = "5.13-",
	.description = "CMA area, cma->lock a spinlock (v2 of cma_release_nowait): releases never sleep",
	.create = spinlock_create,
};
