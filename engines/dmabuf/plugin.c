/* SPDX-License-Identifier: MIT */
/* plugin.c - the dma-buf family's engines, one plugin object. */
#include "dmabuf.h"

const struct mmr_engine_ops *const mmr_engines[] = {&db_vmap_pin.ops, &db_vmap_locked.ops, &db_vmap_cached.ops,
						     &db_attach_pin.ops, NULL};
