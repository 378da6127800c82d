/* SPDX-License-Identifier: MIT */
/*
 * null.c - the engine that does nothing: every op succeeds at once.  What
 * a replay with it costs is the harness itself (planning, dependency
 * waits, timing), the floor under every other engine's figures.
 */
#include "mmr_engine.h"

static int null_engine_ctx;

static void *null_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	(void)env;
	(void)err;
	return &null_engine_ctx;
}

static void null_destroy(void *engine)
{
	(void)engine;
}

/* Allocations need a non-zero handle: the slot number, plus one. */
static int null_start(void *thread, struct mmr_call *op)
{
	(void)thread;
	op->handle = (uint64_t)op->slot + 1;
	return 0;
}

static int null_op(void *thread, struct mmr_call *op)
{
	(void)thread;
	(void)op;
	return 0;
}

static const struct mmr_engine_ops null_ops = {
	.abi = MMR_ENGINE_ABI,
	.name = "null",
	.description = "does nothing: measures the replay harness itself",
	.families = MMR_FAM_ALLOCATORS,
	.create = null_create,
	.destroy = null_destroy,
	.op = {
		[MMR_OP_ALLOC] = null_start, [MMR_OP_REALLOC] = null_start,
		[MMR_OP_FREE] = null_op, [MMR_OP_MAP] = null_op, [MMR_OP_UNMAP] = null_op,
		[MMR_OP_RELEASE] = null_op, [MMR_OP_RELEASE_NOWAIT] = null_op,
		[MMR_OP_KVFREE_RCU] = null_op, [MMR_OP_VMAP] = null_op, [MMR_OP_VUNMAP] = null_op,
		[MMR_OP_ATTACH] = null_op, [MMR_OP_DETACH] = null_op, [MMR_OP_MOVE] = null_op,
		[MMR_OP_COMPACT] = null_op, [MMR_OP_PURGE] = null_op, [MMR_OP_ZONE_ALLOC] = null_op,
		[MMR_OP_PCP_DRAIN] = null_op, [MMR_OP_RCU_RECLAIM] = null_op,
	},
};

const struct mmr_engine_ops *const mmr_engines[] = {&null_ops, NULL};
