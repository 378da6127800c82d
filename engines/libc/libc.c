/* SPDX-License-Identifier: MIT */
/*
 * libc.c - glibc's malloc, realloc and free, for slab traces: the
 * userspace allocator every other engine can be held against.  It takes
 * no mmreplay locks; glibc's own arena locking shows as latency.
 *
 * Options:
 *   touch=none|ends|line|all (default ends)  what of each object to write
 *                          before handing it out (mmr_touch.h)
 */
#include <malloc.h>
#include <stdlib.h>

#include "mmr_ualloc.h"

static const struct mmr_engine_param libc_params[] = MMR_UALLOC_PARAMS;

static void *libc_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	return mmr_ualloc_create(NULL, "libc", libc_params, env, err);
}

static int libc_alloc(void *thread, struct mmr_call *op)
{
	size_t size = mmr_ualloc_size(op->size);
	return size ? mmr_ualloc_out(thread, op, malloc(size)) : MMR_CALL_FAILED;
}

static int libc_free(void *thread, struct mmr_call *op)
{
	(void)thread;
	free((void *)(uintptr_t)op->handle);
	return 0;
}

/* Past the bound the old object stays as it was, as when realloc itself fails. */
static int libc_realloc(void *thread, struct mmr_call *op)
{
	size_t size = mmr_ualloc_size(op->size);
	return size ? mmr_ualloc_out(thread, op, realloc((void *)(uintptr_t)op->aux_handle, size)) : MMR_CALL_FAILED;
}

static uint64_t libc_footprint(void *engine)
{
	(void)engine;
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static const struct mmr_engine_ops libc_ops = {
	.abi = MMR_ENGINE_ABI,
	.name = "libc",
	.baseline = true,
	.description = "glibc malloc/realloc/free, for slab traces",
	.families = 1u << MMR_FAM_SLAB,
	.params = libc_params,
	.create = libc_create,
	.destroy = mmr_ualloc_destroy,
	.op = {[MMR_OP_ALLOC] = libc_alloc, [MMR_OP_FREE] = libc_free, [MMR_OP_REALLOC] = libc_realloc},
	.footprint = libc_footprint,
};

const struct mmr_engine_ops *const mmr_engines[] = {&libc_ops, NULL};
