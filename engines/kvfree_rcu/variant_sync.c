/* SPDX-License-Identifier: MIT */
/*
 * variant_sync.c - kvfree-rcu-sync, a baseline: every call waits for a
 * grace period with synchronize_rcu() and then frees the object, the
 * one-argument form's fallback taken every time (the caller blocks).
 */
#include "kvfree_rcu.h"

static void sync_call(struct kr_engine *e, unsigned cpu, void *obj, bool headless)
{
	(void)cpu;
	atomic_fetch_add_explicit(&e->n.baseline_calls, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&e->n.baseline_headless, headless, memory_order_relaxed);
	kr_synchronize_counted(e, false);
	kr_obj_free(e, obj);
}

const struct kr_variant kr_sync_variant = {
	.ops = {
		KR_ENGINE_OPS,
		.name = "kvfree-rcu-sync",
		.description = "kvfree_rcu baseline: synchronize_rcu() then free, on every call",
	},
	.name = "sync",
	.call = sync_call,
	.all_sync = true,
};
