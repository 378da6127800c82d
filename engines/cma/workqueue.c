/* SPDX-License-Identifier: MIT */
/*
 * workqueue.c - the workqueue cma-nowait queues on: one global queue, one
 * worker (the engine's background thread), as the patch queues the rest
 * of a cma_release_nowait on system_wq.  What an item does is its own
 * function (variant_nowait.c), as a work_struct's.  Queueing must not
 * sleep, since the caller is atomic, so the queue is a lock-free stack:
 * the kernel's queue_work takes only a raw spinlock for a moment, and a
 * CAS is the nearest userspace equivalent that adds no lock class of its
 * own.
 *
 * Completion is counted (wq_queued, wq_done), which is what flush needs:
 * flush_workqueue waits for the items queued before it, not for an empty
 * queue forever.
 *
 * Queueing wakes the idle worker, as queue_work wakes a kworker: it bumps
 * wq_kick and FUTEX_WAKEs it, which never sleeps, so the wake-up the
 * release pays and the worker's delay are the machine's real ones.
 */
#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "cma.h"

void cma_wq_queue(struct cma *c, struct cma_work *w)
{
	/* Count first: a flush that sees the item pushed must also see it counted. */
	atomic_fetch_add_explicit(&c->wq_queued, 1, memory_order_seq_cst);
	struct cma_work *head = atomic_load_explicit(&c->wq_head, memory_order_relaxed);
	do
		w->next = head;
	while (!atomic_compare_exchange_weak_explicit(&c->wq_head, &head, w, memory_order_release,
						      memory_order_relaxed));
	atomic_fetch_add_explicit(&c->wq_kick, 1, memory_order_release);
	syscall(SYS_futex, (unsigned *)&c->wq_kick, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

uint64_t cma_wq_run(struct cma *c, struct cma_thread *t)
{
	uint64_t n = 0;
	struct cma_work *w;
	while ((w = atomic_exchange_explicit(&c->wq_head, NULL, memory_order_acquire))) {
		while (w) {
			struct cma_work *next = w->next;
			w->fn(t, w);
			free(w);
			n++;
			w = next;
		}
	}
	if (n)
		atomic_fetch_add_explicit(&c->wq_done, n, memory_order_release);
	return n;
}

void cma_wq_flush(struct cma *c, struct cma_thread *t)
{
	uint64_t target = atomic_load_explicit(&c->wq_queued, memory_order_seq_cst);
	t->n.flushes++;
	if (atomic_load_explicit(&c->wq_done, memory_order_acquire) >= target)
		return;
	/* Work is pending: wait for the worker, as flush_workqueue sleeps until it is done. */
	uint64_t t0 = mmr_now_ns();
	while (atomic_load_explicit(&c->wq_done, memory_order_acquire) < target)
		sched_yield();
	uint64_t waited = mmr_now_ns() - t0;
	t->n.flush_waits++;
	t->n.flush_wait_ns += waited;
	if (waited > t->n.flush_wait_ns_max)
		t->n.flush_wait_ns_max = waited;
}

unsigned cma_workers(void *engine)
{
	(void)engine;
	return 1; /* listed by the variants that queue work only */
}

void cma_worker(void *engine, unsigned idx, const atomic_bool *stop)
{
	struct cma *c = engine;
	struct cma_thread *t = &c->thread[c->threads];
	(void)idx;
	/* The timeout only bounds how late the worker sees STOP, which nothing wakes it for. */
	const struct timespec stop_check = {0, 10000000};
	while (!atomic_load_explicit(stop, memory_order_acquire)) {
		unsigned kick = atomic_load_explicit(&c->wq_kick, memory_order_acquire);
		if (cma_wq_run(c, t) == 0)
			syscall(SYS_futex, (unsigned *)&c->wq_kick, FUTEX_WAIT_PRIVATE, kick, &stop_check, NULL, 0);
	}
	/* Nothing queued is left behind: the report's bitmap is the replay's end state. */
	cma_wq_run(c, t);
}
