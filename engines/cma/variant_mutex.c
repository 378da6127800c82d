/* SPDX-License-Identifier: MIT */
/*
 * variant_mutex.c - cma-mutex: cma->lock is a mutex, as in the kernel
 * before the patch of seed 000.  Every release, the atomic ones included,
 * takes it; an atomic release that finds it held would have slept
 * (atomic_sleeps), which is the bug cma_release_nowait was written for.
 * cma-nowait and cma-lockless-clear keep this lock (and cma-nowait this
 * release), so it is exported to them.
 */
#include "cma.h"

static int lock_init(struct cma *c)
{
	if (mmr_mutex_init(&c->lock.mutex, "cma->lock"))
		return -1;
	/* A sleeping lock, taken with plain mutex_lock: mm/cma.c until 5.12. */
	mmr_lock_class_declare(c->lock.mutex.cls, MMR_KL_MUTEX, false);
	return 0;
}

static void lock_destroy(struct cma *c)
{
	mmr_mutex_destroy(&c->lock.mutex);
}

static void lock_take(struct cma *c)
{
	mmr_mutex_lock(&c->lock.mutex);
}

static void lock_drop(struct cma *c)
{
	mmr_mutex_unlock(&c->lock.mutex);
}

const struct cma_lock_kind cma_mutex_lock = {
	.init = lock_init, .destroy = lock_destroy, .lock = lock_take, .unlock = lock_drop,
};

/*
 * The bits cleared under the mutex.  An atomic caller may not sleep, so
 * the model try-locks first: a failed try is where the kernel would have
 * slept in atomic context, counted, and the model then waits for it.
 */
void cma_mutex_clear(struct cma_thread *t, const struct cma_range *r, bool atomic)
{
	struct cma *c = t->c;
	if (!atomic) {
		mmr_mutex_lock(&c->lock.mutex);
	} else if (!mmr_mutex_trylock(&c->lock.mutex)) {
		t->n.atomic_sleeps++;
		mmr_mutex_lock(&c->lock.mutex);
	}
	cma_bitmap_clear(c->bitmap, r->bit, r->bits);
	mmr_mutex_unlock(&c->lock.mutex);
}

const struct cma_variant cma_mutex = {
	.ops = {
		CMA_ENGINE_OPS,
		.name = "cma-mutex",
		/* cma->lock was a mutex until "mm/cma: change cma mutex to irq safe spinlock" (5.13, seed 000's v2). */
		.kernel = "-5.12",
		.baseline = true,
		.same_code[MMR_OP_RELEASE] = "cma-release-mutex",
		.description = "CMA area over the page model, cma->lock a mutex (baseline): atomic releases may sleep",
	},
	.lock = &cma_mutex_lock,
	.clear = cma_mutex_clear,
};
