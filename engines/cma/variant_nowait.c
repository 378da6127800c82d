/* SPDX-License-Identifier: MIT */
/*
 * variant_nowait.c - cma-nowait: the patch of seed 000.  A release_nowait
 * frees all pages but the first at once and queues a work item that frees
 * the first and clears the bitmap under the (mutex) cma->lock; once the
 * area has seen one (CMA_DELAYED_RELEASE), every cma_alloc flushes the
 * workqueue first, so that a range released a moment ago can be found.
 * Plain releases behave as cma-mutex's.
 */
#include "cma.h"

static void *nowait_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	static const struct cma_variant v = {.spinlock = false, .nowait = true};
	return cma_create(env, &v, err);
}

const struct mmr_engine_ops cma_nowait_ops = {
	CMA_ENGINE_OPS,
	.name = "cma-nowait",
	.same_code[MMR_OP_RELEASE] = "cma-release-mutex", /* plain releases: cma-mutex's code */
	.description = "cma-mutex plus cma_release_nowait: bitmap cleared by a workqueue, cma_alloc flushes it",
	.create = nowait_create,
	.workers = cma_workers,
	.worker = cma_worker,
};
