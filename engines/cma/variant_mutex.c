/* SPDX-License-Identifier: MIT */
/*
 * variant_mutex.c - cma-mutex: cma->lock is a mutex, as in the kernel
 * before the patch of seed 000.  Every release, the atomic ones included,
 * takes it; an atomic release that finds it held would have slept
 * (atomic_sleeps), which is the bug cma_release_nowait was written for.
 */
#include "cma.h"

static void *mutex_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	static const struct cma_variant v = {.spinlock = false};
	return cma_create(env, &v, err);
}

const struct mmr_engine_ops cma_mutex_ops = {
	CMA_ENGINE_OPS,
	.name = "cma-mutex",
	/* cma->lock was a mutex until "mm/cma: change cma mutex to irq safe spinlock" (5.13, seed 000's v2). */
	.kernel = "-5.12",
	.baseline = true,
	.same_code[MMR_OP_RELEASE] = "cma-release-mutex",
	.description = "CMA area over the page model, cma->lock a mutex (baseline): atomic releases may sleep",
	.create = mutex_create,
};
