/* SPDX-License-Identifier: MIT */
/*
 * variant_zonelock.c - page-zonelock: no per-CPU lists, so every
 * allocation and every free takes zone->lock.  The baseline the pcp lists
 * are measured against.  Options: page_engine.h's, none of its own.
 */
#include "page_engine.h"

static const struct mmr_engine_param zonelock_params[] = {
	PAGE_ENGINE_PARAMS,
	{0},
};

/* No per-CPU lists: the zone's buddy lists are all there is. */
static int zonelock_zone(const struct mmr_engine_env *env, struct mmr_zone_cfg *cfg, struct mmr_error *err)
{
	(void)env, (void)err;
	cfg->pcp = false;
	return 0;
}

const struct page_variant page_zonelock = {
	.ops = {
		PAGE_ENGINE_OPS,
		.name = "page-zonelock",
		.baseline = true,
		.description = "buddy allocator model, every page alloc and free under zone->lock",
		.params = zonelock_params,
	},
	.zone_cfg = zonelock_zone,
};
