/* SPDX-License-Identifier: MIT */
/*
 * variant_nowait.c - cma-nowait: the patch of seed 000.  A release_nowait
 * frees all pages but the first at once (the first holds the work item,
 * as the patch keeps it in the page) and queues a work item that frees
 * the first and clears the bitmap under cma-mutex's cma->lock; once the
 * area has seen one (CMA_DELAYED_RELEASE), every cma_alloc flushes the
 * workqueue first, so that a range released a moment ago can be found.
 * Plain releases are cma-mutex's.
 */
#include "cma.h"

/*
 * The deferred half, on the worker: the first page back to the page
 * model, then the bits cleared under cma->lock (the worker may sleep on it).
 */
static void nowait_work(struct cma_thread *t, struct cma_work *w)
{
	struct cma *c = t->c;
	mmr_pages_free_range(c->zone, w->r.pfn, 1);
	cma_lock(c);
	cma_bitmap_clear(c->bitmap, w->r.bit, w->r.bits);
	cma_unlock(c);
	t->n.deferred_done++;
}

/* cma_release_nowait: the first half now, the rest queued; false (in place) when no item can be had. */
static bool nowait_release(struct cma_thread *t, const struct cma_range *r)
{
	struct cma *c = t->c;
	struct cma_work *w = malloc(sizeof(*w));
	if (!w)
		return false;
	if (r->pages > 1)
		mmr_pages_free_range(c->zone, r->pfn + 1, r->pages - 1);
	*w = (struct cma_work){.fn = nowait_work, .r = *r};
	if (!atomic_load_explicit(&c->delayed, memory_order_relaxed))
		atomic_store_explicit(&c->delayed, true, memory_order_release);
	t->n.delayed_releases++;
	t->n.atomic_releases++;
	cma_wq_queue(c, w);
	return true;
}

/*
 * The patch flushes the release workqueue at the top of cma_alloc's loop,
 * before every range it tries, once the area has delayed releases: a
 * retry after a failed migration waits again.
 */
static void nowait_before_range(struct cma_thread *t)
{
	if (atomic_load_explicit(&t->c->delayed, memory_order_acquire))
		cma_wq_flush(t->c, t);
}

const struct cma_variant cma_nowait = {
	.ops = {
		CMA_ENGINE_OPS,
		.name = "cma-nowait",
		.same_code[MMR_OP_RELEASE] = "cma-release-mutex", /* plain releases: cma-mutex's code */
		.description = "cma-mutex plus cma_release_nowait: bitmap cleared by a workqueue, cma_alloc flushes it",
		.workers = cma_workers,
		.worker = cma_worker,
	},
	.lock = &cma_mutex_lock,
	.clear = cma_mutex_clear,
	.release_nowait = nowait_release,
	.before_range = nowait_before_range,
};
