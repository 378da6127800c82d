/* SPDX-License-Identifier: MIT */
/* plugin.c - the CMA family's engines, one plugin object over the mmr_cma library. */
#include "cma.h"

const struct mmr_engine_ops *const mmr_engines[] = {&cma_mutex.ops, &cma_nowait.ops, &cma_spinlock.ops,
						    &cma_lockless_clear.ops, NULL};
