/* SPDX-License-Identifier: MIT */
/* plugin.c - the dma-buf family's engines, one plugin object. */
#include "dmabuf.h"

extern const struct mmr_engine_ops db_vmap_pin_ops, db_vmap_locked_ops, db_vmap_cached_ops, db_attach_pin_ops;

const struct mmr_engine_ops *const mmr_engines[] = {&db_vmap_pin_ops, &db_vmap_locked_ops, &db_vmap_cached_ops,
						     &db_attach_pin_ops, NULL};
