/* SPDX-License-Identifier: MIT */
/* plugin.c - the kvfree_rcu family's engines, one plugin object. */
#include "kvfree_rcu.h"

const struct mmr_engine_ops *const mmr_engines[] = {&kr_nowait_variant.ops, &kr_lockless_variant.ops,
						     &kr_pool_variant.ops, &kr_callrcu_variant.ops, &kr_sync_variant.ops,
						     NULL};
