/* SPDX-License-Identifier: MIT */
/*
 * bad_plugins.c - engine objects that must be refused, built four times:
 * with BAD_ABI an engine claiming another interface version, with
 * BAD_OUTCOME one declaring an outcome of an op that does not exist, with
 * BAD_COST a cost option with no range, and else one without an alloc op.
 */
#include "mmr_engine.h"

static void *bad_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	(void)env;
	(void)err;
	return NULL;
}

static void bad_destroy(void *e)
{
	(void)e;
}

static int bad_op(void *t, struct mmr_call *c)
{
	(void)t;
	(void)c;
	return 0;
}

#ifdef BAD_OUTCOME
static const struct mmr_engine_outcome bad_outcomes[] = {
	{.key = "moves_failed", .unit = "moves", .better = MMR_BETTER_FEWER, .op = "teleport"},
	{0},
};
#endif

#ifdef BAD_COST
static const struct mmr_engine_param bad_params[] = {
	MMR_COST("flush_ns", "5000", "a TLB flush", NULL, "a guess", 100, 100),
	{0},
};
#endif

static const struct mmr_engine_ops bad_ops = {
#ifdef BAD_ABI
	.abi = 9999,
	.op = {[MMR_OP_ALLOC] = bad_op},
#elif defined(BAD_OUTCOME)
	.abi = MMR_ENGINE_ABI,
	.op = {[MMR_OP_ALLOC] = bad_op},
	.outcomes = bad_outcomes,
#elif defined(BAD_COST)
	.abi = MMR_ENGINE_ABI,
	.op = {[MMR_OP_ALLOC] = bad_op},
	.params = bad_params,
#else
	.abi = MMR_ENGINE_ABI,
	.op = {[MMR_OP_FREE] = bad_op},
#endif
	.name = "bad",
	.families = 1u << MMR_FAM_SLAB,
	.create = bad_create,
	.destroy = bad_destroy,
};

const struct mmr_engine_ops *const mmr_engines[] = {&bad_ops, NULL};
