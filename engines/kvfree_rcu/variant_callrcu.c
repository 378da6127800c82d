/* SPDX-License-Identifier: MIT */
/*
 * variant_callrcu.c - kvfree-rcu-callrcu, a baseline: no blocks at all,
 * one call_rcu() per object through its own rcu_head, freed one by one
 * after the grace period, as kfree_rcu() was before the bulk interface.
 * Both forms alike: the model's objects always have room for the
 * rcu_head (the real one-argument form has none, so this is the best case
 * of the two-argument form).
 *
 * The callbacks wait on their CPU's list, pushed without a lock (the
 * kernel's call_rcu() touches only its own CPU's list, with interrupts
 * off), until the CPU's monitor takes them all for the next grace period
 * (queue.c).  One callback per object is what lets this baseline reach
 * qhimark and force quiescent states, where the block variants hand RCU
 * one callback per batch.
 */
#include "kvfree_rcu.h"

static void callrcu_call(struct kr_engine *e, unsigned cpu, void *obj, bool headless)
{
	struct kr_cpu *c = &e->cpus[cpu];
	struct kr_obj_hdr *h = (struct kr_obj_hdr *)obj - 1;
	struct kr_rcu_head *head = obj;
	atomic_fetch_add_explicit(&e->n.baseline_calls, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->n.baseline_headless, headless, memory_order_relaxed);
	h->queued_ns = mmr_now_ns();
	atomic_fetch_add_explicit(&c->cbs, 1, memory_order_relaxed);
	struct kr_rcu_head *old = atomic_load_explicit(&c->cb_list, memory_order_relaxed);
	do
		head->next = old;
	while (!atomic_compare_exchange_weak_explicit(&c->cb_list, &old, head, memory_order_release,
						      memory_order_relaxed));
	/* The first callback since the monitor took the list: a grace period is wanted now. */
	if (!old)
		mmr_ttimer_kick(&e->monitors[cpu]);
}

const struct kr_variant kr_callrcu_variant = {
	.ops = {
		KR_ENGINE_OPS,
		.name = "kvfree-rcu-callrcu",
		.description = "kvfree_rcu baseline: one call_rcu() per object, freed one by one",
	},
	.name = "callrcu",
	.call = callrcu_call,
	.callbacks = true,
};
