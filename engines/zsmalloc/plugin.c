/* SPDX-License-Identifier: MIT */
/* plugin.c - the zsmalloc family's engines, one plugin object. */
#include "zsmalloc.h"

const struct mmr_engine_ops *const mmr_engines[] = {&zs_pinbit_variant.ops, &zs_migrate_lock_variant.ops, NULL};
