/* SPDX-License-Identifier: MIT */
/*
 * variant_zonelock.c - page-zonelock: no per-CPU lists, so every
 * allocation and every free takes zone->lock.  The baseline the pcp lists
 * are measured against.
 *
 * Options: zone_mb (4096), max_order (11).
 */
#include "page_engine.h"

static const struct mmr_engine_param zonelock_params[] = {
	PAGE_ENGINE_PARAMS,
	{0},
};

static void *zonelock_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	struct mmr_zone_cfg cfg = {.pcp = false};
	return page_engine_create(env, &cfg, err);
}

const struct mmr_engine_ops page_zonelock_ops = {
	PAGE_ENGINE_OPS,
	.name = "page-zonelock",
	.baseline = true,
	.description = "buddy allocator model, every page alloc and free under zone->lock",
	.params = zonelock_params,
	.create = zonelock_create,
};
