/* SPDX-License-Identifier: MIT */
/* plugin.c - the zsmalloc family's engines, one plugin object. */
#include "zsmalloc.h"

extern const struct mmr_engine_ops zs_pinbit_ops, zs_migrate_lock_ops;

const struct mmr_engine_ops *const mmr_engines[] = {&zs_pinbit_ops, &zs_migrate_lock_ops, NULL};
