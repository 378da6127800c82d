/* SPDX-License-Identifier: MIT */
/*
 * queue.c - kvfree_rcu() itself and the monitors that reclaim.
 *
 * A call takes its CPU's krcp->lock and stores the pointer in the CPU's
 * current block; when that is full (or there is none) it asks the variant
 * for a page, under the lock, as the 2020 kernel did (the nesting of
 * zone->lock inside krcp->lock that the thread is about).  Without a page
 * the two-argument form links the object's rcu_head onto the CPU's list;
 * the one-argument form drops the lock, waits for a grace period itself
 * and frees the object.
 *
 * Monitor I (a worker thread standing for CPU I's monitor_work and
 * kfree_rcu_work) wakes every tick (a quarter of drain_ms, 0.2 to 5 ms)
 * of trace time (mmr_tclock.h), so a trace drains as many batches under
 * any pacing.  When CPU I's batch is drain_ms old, or flush_blocks blocks
 * are full (the call that fills them kicks the monitor), it
 * takes the batch under krcp->lock, waits for a grace period with
 * synchronize_rcu() and frees every object, then gives the block pages
 * back.  synchronize_rcu() in the worker rather than call_rcu(): the
 * reclaim then runs on a thread that stands for CPU I, so its page frees
 * go to CPU I's pcp set as the kernel's per-CPU work does, the grace
 * period's length is measured where it is waited for, and one batch per
 * CPU is in flight at a time (the kernel allowed two, KFREE_N_BATCHES).
 *
 * The worker after the monitors, for the variants that have one, is the
 * refill worker;
 * the readers (readers.c) come after every other worker.
 */
#include "kvfree_rcu.h"

/* Store OBJ in C's current block; false when there is no room. */
static bool block_add(struct kr_cpu *c, void *obj)
{
	struct kr_block *b = c->cur.blocks;
	if (!b || b->nr == KR_BLOCK_MAX)
		return false;
	b->ptrs[b->nr++] = obj;
	c->cur.nobjs++;
	return true;
}

/* A new block at the head of C's chain on page PFN. */
static void block_push(struct kr_engine *e, struct kr_cpu *c, uint64_t pfn)
{
	struct kr_block *b = mmr_page_address(e->zone, pfn);
	b->pfn = pfn;
	b->nr = 0;
	b->next = c->cur.blocks;
	c->cur.blocks = b;
	c->cur.nblocks++;
	mmr_max_u64(&e->n.block_pages_peak, atomic_fetch_add_explicit(&e->n.block_pages, 1, memory_order_relaxed) + 1);
	if (e->flush_blocks && c->cur.nblocks > e->flush_blocks &&
	    !atomic_exchange_explicit(&c->flush, true, memory_order_relaxed))
		c->kick_monitor = true;
}

/* Under C's lock: store OBJ in a block, or link its rcu_head.  False: the caller must wait itself. */
static bool queue_locked(struct kr_engine *e, unsigned cpu, struct kr_cpu *c, void *obj, bool headless)
{
	bool was_empty = c->cur.nobjs == 0;
	if (!block_add(c, obj)) {
		uint64_t pfn = e->v->get_page(e, cpu);
		if (pfn != MMR_NO_PAGE) {
			c->n.block_pages++;
			block_push(e, c, pfn);
			block_add(c, obj);
		} else {
			c->n.page_failures++;
			if (headless) {
				c->n.fb_sync++;
				return false;
			}
			struct kr_rcu_head *h = obj;
			h->next = c->cur.head;
			c->cur.head = h;
			c->cur.nobjs++;
			c->n.fb_head++;
		}
	}
	if (was_empty)
		c->first_ts = c->call_ts;
	return true;
}

void kr_kvfree(struct kr_thread *t, void *obj, bool headless, uint64_t ts)
{
	struct kr_engine *e = t->e;
	mmr_max_u64(&e->n.waiting_peak, atomic_fetch_add_explicit(&e->n.waiting, 1, memory_order_relaxed) + 1);
	if (e->v->call) {
		e->v->call(e, t->cpu, obj, headless);
		return;
	}
	struct kr_cpu *c = &e->cpus[t->cpu];
	mmr_spin_lock(&c->lock);
	c->n.calls++;
	c->n.headless += headless;
	c->call_ts = ts;
	bool queued = queue_locked(e, t->cpu, c, obj, headless);
	bool kick = c->kick_monitor;
	c->kick_monitor = false;
	mmr_spin_unlock(&c->lock);
	if (kick)
		mmr_ttimer_kick(&e->monitors[t->cpu]);
	if (!queued) {
		kr_synchronize(e, false); /* the one-argument fallback: this caller waits for the readers */
		kr_obj_free(e, obj);
	}
}

int kr_engine_kvfree_rcu(void *thread, struct mmr_call *op)
{
	kr_kvfree(thread, (void *)(uintptr_t)op->handle, op->flags & MMR_EF_HEADLESS, op->ts);
	return 0;
}

/*
 * A plain free of a real slab trace replayed --as kvfree_rcu: the
 * two-argument form.  A page event's free is page traffic, not a kvfree_rcu().
 */
int kr_engine_free(void *thread, struct mmr_call *op)
{
	if (op->family == MMR_FAM_PAGE)
		return kr_trace_page_free(thread, op);
	kr_kvfree(thread, (void *)(uintptr_t)op->handle, false, op->ts);
	return 0;
}

/*
 * Take CPU C's batch when it is due at trace time NOW (or at once with
 * FORCE); false when there is none.  A replay that ran ahead of the
 * monitor can have queued the batch's first object after NOW: not due.
 */
static bool take_batch(struct kr_engine *e, struct kr_cpu *c, bool force, uint64_t now, struct kr_batch *out)
{
	bool early = atomic_load_explicit(&c->flush, memory_order_relaxed);
	mmr_spin_lock(&c->lock);
	uint64_t first = c->first_ts;
	bool due = c->cur.nobjs && (force || early || (now >= first && now - first >= e->drain_ns));
	if (due) {
		*out = c->cur;
		c->cur = (struct kr_batch){0};
		atomic_store_explicit(&c->flush, false, memory_order_relaxed);
	}
	mmr_spin_unlock(&c->lock);
	if (due && early && !force)
		atomic_fetch_add_explicit(&e->n.early_flushes, 1, memory_order_relaxed);
	return due;
}

/* After the grace period: free every object of B at once, then give its pages back. */
static void reclaim(struct kr_engine *e, unsigned cpu, struct kr_batch *b)
{
	for (struct kr_block *blk = b->blocks, *next; blk; blk = next) {
		next = blk->next;
		for (uint64_t i = 0; i < blk->nr; i++)
			kr_obj_free(e, blk->ptrs[i]);
		atomic_fetch_sub_explicit(&e->n.block_pages, 1, memory_order_relaxed);
		e->v->put_page(e, cpu, blk->pfn);
	}
	for (struct kr_rcu_head *h = b->head, *next; h; h = next) {
		next = h->next;
		kr_obj_free(e, h);
	}
}

/* Hand CPU's batch to RCU and reclaim it, at trace time NOW; false when there was nothing due. */
static bool drain_cpu(struct kr_engine *e, unsigned cpu, bool force, uint64_t now)
{
	struct kr_batch b;
	if (!take_batch(e, &e->cpus[cpu], force, now, &b))
		return false;
	/* The batch is one callback to RCU (queue_rcu_work): it never forces quiescent states. */
	kr_synchronize_counted(e, false);
	reclaim(e, cpu, &b);
	return true;
}

/*
 * callrcu: take CPU's callbacks, wait for a grace period and invoke them
 * one by one; false when there were none.  As the kernel's call_rcu(),
 * the grace period forces quiescent states when the CPU's callbacks have
 * grown by more than qhimark since it last did; the mark follows the
 * list back down as callbacks are invoked (the hysteresis of rcu_do_batch).
 */
static bool invoke_callbacks(struct kr_engine *e, unsigned cpu)
{
	struct kr_cpu *c = &e->cpus[cpu];
	struct kr_rcu_head *h = atomic_exchange_explicit(&c->cb_list, NULL, memory_order_acquire);
	if (!h)
		return false;
	uint64_t n = atomic_load_explicit(&c->cbs, memory_order_relaxed);
	bool force = e->qhimark && n > c->cbs_last_force + e->qhimark;
	if (force)
		c->cbs_last_force = n;
	kr_synchronize(e, force);
	uint64_t done = 0;
	for (struct kr_rcu_head *next; h; h = next, done++) {
		next = h->next;
		struct kr_obj_hdr *hdr = (struct kr_obj_hdr *)h - 1;
		kr_note_gp(e, mmr_now_ns() - hdr->queued_ns);
		kr_obj_free(e, h);
	}
	n = atomic_fetch_sub_explicit(&c->cbs, done, memory_order_relaxed) - done;
	if (n == 0 || n + e->qhimark < c->cbs_last_force)
		c->cbs_last_force = n;
	return true;
}

/* Reclaim what CPU has queued, due or not; false when there was nothing. */
static bool drain_any(struct kr_engine *e, unsigned cpu, bool force, uint64_t now)
{
	return e->v->callbacks ? invoke_callbacks(e, cpu) : !e->v->call && drain_cpu(e, cpu, force, now);
}

void kr_drain_all(struct kr_engine *e)
{
	for (unsigned i = 0; i < e->ncpu; i++)
		while (drain_any(e, i, true, 0))
			;
}

/* The workers before the readers: the monitors and the refill worker. */
static unsigned first_reader(const struct kr_engine *e)
{
	return kr_monitors(e) + (e->v->refill ? 1 : 0);
}

unsigned kr_engine_workers(void *engine)
{
	struct kr_engine *e = engine;
	return first_reader(e) + e->readers.n;
}

/* The refill worker: a round whenever a CPU asks, and every tick of trace time (the pool's trims). */
static void refill_worker(struct kr_engine *e, const atomic_bool *stop)
{
	struct mmr_ttimer *tm = &e->refill_timer;
	uint64_t due = mmr_tclock_origin(tm->clock) + e->tick_ns;
	enum mmr_ttimer_wake why;
	while ((why = mmr_ttimer_sleep(tm, due, stop)) != MMR_TT_STOP) {
		e->v->refill(e, why == MMR_TT_DUE ? due : mmr_tclock_now(tm->clock));
		if (why == MMR_TT_DUE)
			due += e->tick_ns;
	}
}

/* Monitor IDX: a look at its CPU's batch every tick of trace time, and when the CPU kicks it. */
static void monitor(struct kr_engine *e, unsigned idx, const atomic_bool *stop)
{
	struct mmr_ttimer *tm = &e->monitors[idx];
	uint64_t due = mmr_tclock_origin(tm->clock) + e->tick_ns;
	enum mmr_ttimer_wake why;
	while ((why = mmr_ttimer_sleep(tm, due, stop)) != MMR_TT_STOP) {
		uint64_t now = why == MMR_TT_DUE ? due : mmr_tclock_now(tm->clock);
		if (idx == 0)
			kr_sample(e, now);
		drain_any(e, idx, false, now);
		if (why == MMR_TT_DUE)
			due += e->tick_ns;
	}
}

void kr_engine_worker(void *engine, unsigned idx, const atomic_bool *stop)
{
	struct kr_engine *e = engine;
	if (idx >= first_reader(e)) {
		kr_reader_run(e, idx - first_reader(e), stop);
		return;
	}
	/* Running: the readers go on past the stop until it returns (readers.c). */
	atomic_fetch_add_explicit(&e->readers.others, 1, memory_order_relaxed);
	kr_rcu_register();
	if (idx == kr_monitors(e)) {
		refill_worker(e, stop);
		kr_rcu_unregister();
		atomic_fetch_sub_explicit(&e->readers.others, 1, memory_order_relaxed);
		return;
	}
	monitor(e, idx, stop);
	/* The run is over: what is queued goes now, so that the report sees it reclaimed. */
	while (drain_any(e, idx, true, 0))
		;
	kr_rcu_unregister();
	atomic_fetch_sub_explicit(&e->readers.others, 1, memory_order_relaxed);
}
