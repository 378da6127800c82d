/* SPDX-License-Identifier: MIT */
/* event.c - names of families and ops, and which ops begin or end a life. */
#include <string.h>

#include "mmr_trace.h"

static const char *const family_names[MMR_FAM_COUNT] = {
	[MMR_FAM_SLAB] = "slab",
	[MMR_FAM_PAGE] = "page",
	[MMR_FAM_VMALLOC] = "vmalloc",
	[MMR_FAM_PERCPU] = "percpu",
	[MMR_FAM_CMA] = "cma",
	[MMR_FAM_ZSMALLOC] = "zsmalloc",
	[MMR_FAM_KVFREE_RCU] = "kvfree_rcu",
	[MMR_FAM_DMABUF] = "dmabuf",
	[MMR_FAM_DMA] = "dma",
};

static const char *const op_names[MMR_OP_COUNT] = {
	[MMR_OP_ALLOC] = "alloc",
	[MMR_OP_FREE] = "free",
	[MMR_OP_REALLOC] = "realloc",
	[MMR_OP_MAP] = "map",
	[MMR_OP_UNMAP] = "unmap",
	[MMR_OP_RELEASE] = "release",
	[MMR_OP_RELEASE_NOWAIT] = "release_nowait",
	[MMR_OP_KVFREE_RCU] = "kvfree_rcu",
	[MMR_OP_VMAP] = "vmap",
	[MMR_OP_VUNMAP] = "vunmap",
	[MMR_OP_ATTACH] = "attach",
	[MMR_OP_DETACH] = "detach",
	[MMR_OP_MOVE] = "move",
	[MMR_OP_COMPACT] = "compact",
	[MMR_OP_PURGE] = "purge",
	[MMR_OP_ZONE_ALLOC] = "zone_alloc",
	[MMR_OP_PCP_DRAIN] = "pcp_drain",
	[MMR_OP_RCU_RECLAIM] = "rcu_reclaim",
};

static const char *const flag_names[] = {
	"atomic", "headless", "map_write", "node", "cache", "batched", "failed",
};

const char *mmr_event_flag_name(unsigned bit)
{
	return bit < sizeof(flag_names) / sizeof(flag_names[0]) ? flag_names[bit] : NULL;
}

const char *mmr_family_name(unsigned family)
{
	return family < MMR_FAM_COUNT ? family_names[family] : NULL;
}

const char *mmr_op_name(unsigned op)
{
	return op < MMR_OP_COUNT ? op_names[op] : NULL;
}

static int name_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; name && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int mmr_family_from_name(const char *name)
{
	return name_index(family_names, MMR_FAM_COUNT, name);
}

int mmr_op_from_name(const char *name)
{
	return name_index(op_names, MMR_OP_COUNT, name);
}

bool mmr_op_starts_object(unsigned op)
{
	return op == MMR_OP_ALLOC || op == MMR_OP_REALLOC;
}

bool mmr_op_ends_object(unsigned op)
{
	return op == MMR_OP_FREE || op == MMR_OP_RELEASE || op == MMR_OP_RELEASE_NOWAIT ||
	       op == MMR_OP_KVFREE_RCU;
}

const char *mmr_tool_version(void)
{
	return "mmreplay " MMR_VERSION;
}
