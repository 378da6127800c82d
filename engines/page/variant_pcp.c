/* SPDX-License-Identifier: MIT */
/*
 * variant_pcp.c - page-pcp: per-CPU page lists in front of the buddy
 * lists, as the kernel has them.  Blocks up to pcp_max_order come from and
 * go to the replay thread's own lists with no lock; zone->lock is taken
 * once per batch, to refill an empty list or drain a CPU that holds more
 * than high pages.  Options: page_engine.h's and the lists' own below
 * (pcp_max_order 3 is PAGE_ALLOC_COSTLY_ORDER; pcp_batch 0, the kernel's
 * zone_batchsize formula, gives 63 for zones of 1 GiB and more).
 */
#include "page_engine.h"

static const struct mmr_engine_param pcp_params[] = {
	PAGE_ENGINE_PARAMS,
	MMR_OPTION("pcp_high", "0", "pages a CPU's lists hold before a batch drains; 0: 6 x pcp_batch"),
	MMR_OPTION("pcp_batch", "0", "pages per refill or drain; 0: the kernel's zone_batchsize formula"),
	MMR_OPTION("pcp_max_order", "3", "orders up to this use the per-CPU lists"),
	{0},
};

/* Per-CPU lists of orders up to pcp_max_order, with the high and batch the options give. */
static int pcp_zone(const struct mmr_engine_env *env, struct mmr_zone_cfg *cfg, struct mmr_error *err)
{
	uint64_t high, batch, max_order;
	if (mmr_engine_param_u64(env, pcp_params, "pcp_high", &high, err) ||
	    mmr_engine_param_u64(env, pcp_params, "pcp_batch", &batch, err) ||
	    mmr_engine_param_u64(env, pcp_params, "pcp_max_order", &max_order, err))
		return -1;
	if (high > UINT32_MAX || batch > UINT32_MAX || max_order > 15) {
		snprintf(err->msg, sizeof(err->msg), "engine option %s: out of range",
			 max_order > 15 ? "pcp_max_order (0..15)" : "pcp_high or pcp_batch (below 2^32)");
		return -1;
	}
	*cfg = (struct mmr_zone_cfg){.pcp = true, .pcp_high = (unsigned)high, .pcp_batch = (unsigned)batch,
				     .pcp_orders = (unsigned)max_order + 1};
	return 0;
}

const struct page_variant page_pcp = {
	.ops = {
		PAGE_ENGINE_OPS,
		.name = "page-pcp",
		/*
		 * Per-CPU page lists batching zone->lock are older than any kernel a
		 * capture can read: the bound is the kmem tracepoints' (2.6.32), a
		 * tracing bound rather than the design's.
		 */
		.kernel = "2.6.32-",
		.description = "buddy allocator model with per-CPU page lists (high, batch): zone->lock once per batch",
		.params = pcp_params,
	},
	.zone_cfg = pcp_zone,
};
