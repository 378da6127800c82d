/* SPDX-License-Identifier: MIT */
/*
 * variant_callrcu.c - kvfree-rcu-callrcu, a baseline: no blocks at all,
 * one call_rcu() per object through its own rcu_head, freed one by one in
 * the callback, as kfree_rcu() was before the bulk interface.  Both forms
 * alike: the model's objects always have room for the rcu_head (the real
 * one-argument form has none, so this is the best case of the
 * two-argument form).  The callbacks run on liburcu's callback thread.
 */
#include "kvfree_rcu.h"

static void callrcu_cb(struct kr_rcu_head *head)
{
	kr_rcu_cb_enter(head);
	struct kr_obj_hdr *h = (struct kr_obj_hdr *)head - 1;
	struct kr_engine *e = h->e;
	kr_note_gp(e, mmr_now_ns() - h->queued_ns);
	kr_obj_free(e, head);
}

static void callrcu_call(struct kr_engine *e, unsigned cpu, void *obj, bool headless)
{
	(void)cpu;
	struct kr_obj_hdr *h = (struct kr_obj_hdr *)obj - 1;
	atomic_fetch_add_explicit(&e->n.baseline_calls, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->n.baseline_headless, headless, memory_order_relaxed);
	h->queued_ns = mmr_now_ns();
	kr_rcu_call(obj, callrcu_cb);
}

const struct kr_variant kr_callrcu_variant = {
	.name = "callrcu",
	.call = callrcu_call,
};

static void *callrcu_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	return kr_engine_create(&kr_callrcu_variant, env, err);
}

const struct mmr_engine_ops kr_callrcu_ops = {
	KR_ENGINE_OPS,
	.name = "kvfree-rcu-callrcu",
	.description = "kvfree_rcu baseline: one call_rcu() per object, freed one by one",
	.create = callrcu_create,
};
