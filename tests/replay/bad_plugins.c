/* SPDX-License-Identifier: MIT */
/*
 * bad_plugins.c - engine objects that must be refused, built twice: with
 * BAD_ABI an engine claiming another interface version, with NO_ALLOC one
 * without an alloc op.
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

static const struct mmr_engine_ops bad_ops = {
#ifdef BAD_ABI
	.abi = 9999,
	.op = {[MMR_OP_ALLOC] = bad_op},
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
