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
#include <string.h>

#include "mmr_engine.h"
#include "mmr_touch.h"

struct libc_engine {
	enum mmr_touch touch;
};

static const struct mmr_engine_param libc_params[] = {
	MMR_TOUCH_PARAM,
	{NULL, NULL, NULL},
};

static void *libc_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	enum mmr_touch touch;
	if (mmr_touch_opt(env, &touch, err))
		return NULL;
	struct libc_engine *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err->msg, sizeof(err->msg), "libc engine: out of memory");
		return NULL;
	}
	e->touch = touch;
	return e;
}

/* Objects still allocated at the end are the trace's: the process exit takes them. */
static void libc_destroy(void *engine)
{
	free(engine);
}

/* malloc(0) may return NULL; a zero-byte request is one byte here so every object has an address. */
static size_t nonzero(uint64_t size)
{
	return size ? (size_t)size : 1;
}

/* The new object P of OP, or a failure when there is none. */
static int handed_out(const struct libc_engine *e, struct mmr_call *op, void *p)
{
	if (!p)
		return -1;
	mmr_touch(e->touch, p, nonzero(op->size));
	op->handle = (uint64_t)(uintptr_t)p;
	return 0;
}

static int libc_alloc(void *thread, struct mmr_call *op)
{
	return handed_out(thread, op, malloc(nonzero(op->size)));
}

static int libc_free(void *thread, struct mmr_call *op)
{
	(void)thread;
	free((void *)(uintptr_t)op->handle);
	return 0;
}

static int libc_realloc(void *thread, struct mmr_call *op)
{
	return handed_out(thread, op, realloc((void *)(uintptr_t)op->aux_handle, nonzero(op->size)));
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
	.description = "glibc malloc/realloc/free, for slab traces",
	.families = 1u << MMR_FAM_SLAB,
	.params = libc_params,
	.create = libc_create,
	.destroy = libc_destroy,
	.op = {[MMR_OP_ALLOC] = libc_alloc, [MMR_OP_FREE] = libc_free, [MMR_OP_REALLOC] = libc_realloc},
	.footprint = libc_footprint,
};

const struct mmr_engine_ops *const mmr_engines[] = {&libc_ops, NULL};
