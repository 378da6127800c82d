/* SPDX-License-Identifier: MIT */
/*
 * variant_spinlock.c - cma-spinlock: cma->lock an irq-safe spinlock, what
 * v2 of the patch in seed 000 chose instead of the workqueue.  Releases
 * from any context take it directly and never sleep; the price is that
 * waiters spin, and the bitmap search of a large area holds it.
 */
#include "cma.h"

static int lock_init(struct cma *c)
{
	if (mmr_spin_init(&c->lock.spin, "cma->lock"))
		return -1;
	/* Taken with spin_lock_irq, as mm/cma.c does since 5.13. */
	mmr_lock_class_declare(c->lock.spin.cls, MMR_KL_SPINLOCK, true);
	return 0;
}

static void lock_destroy(struct cma *c)
{
	(void)c; /* a spinlock holds nothing to free */
}

static void lock_take(struct cma *c)
{
	mmr_spin_lock(&c->lock.spin);
}

static void lock_drop(struct cma *c)
{
	mmr_spin_unlock(&c->lock.spin);
}

static const struct cma_lock_kind spinlock_lock = {
	.init = lock_init, .destroy = lock_destroy, .lock = lock_take, .unlock = lock_drop,
};

/* The bits cleared under the spinlock, whatever the caller's context: it spins, never sleeps. */
static void spinlock_clear(struct cma_thread *t, const struct cma_range *r, bool atomic)
{
	struct cma *c = t->c;
	(void)atomic;
	mmr_spin_lock(&c->lock.spin);
	cma_bitmap_clear(c->bitmap, r->bit, r->bits);
	mmr_spin_unlock(&c->lock.spin);
}

const struct cma_variant cma_spinlock = {
	.ops = {
		CMA_ENGINE_OPS,
		.name = "cma-spinlock",
		/* An irq-safe spinlock since "mm/cma: change cma mutex to irq safe spinlock" (5.13, seed 000's v2). */
		.kernel = "5.13-",
		.description = "CMA area, cma->lock a spinlock (v2 of cma_release_nowait): releases never sleep",
	},
	.lock = &spinlock_lock,
	.clear = spinlock_clear,
};
