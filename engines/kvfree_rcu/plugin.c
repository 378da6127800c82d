/* SPDX-License-Identifier: MIT */
/* plugin.c - the kvfree_rcu family's engines, one plugin object. */
#include "kvfree_rcu.h"

extern const struct mmr_engine_ops kr_nowait_ops, kr_lockless_ops, kr_pool_ops, kr_callrcu_ops, kr_sync_ops;

const struct mmr_engine_ops *const mmr_engines[] = {&kr_nowait_ops, &kr_lockless_ops, &kr_pool_ops,
						     &kr_callrcu_ops, &kr_sync_ops, NULL};
