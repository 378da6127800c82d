/* SPDX-License-Identifier: MIT */
/*
 * jemalloc.c - jemalloc 5 through its non-standard API (mallocx, dallocx,
 * rallocx), loaded at run time from libjemalloc.so.2: FreeBSD's libc
 * malloc and the allocator of many servers, held against the kernel's.
 *
 * Frees use dallocx, not sized sdallocx: free events carry no size
 * (docs/trace-format.md), as kfree() gets none.
 *
 * Debian's jemalloc has 2.6 KiB of initial-exec TLS, more than glibc keeps
 * for libraries loaded late: the process must start with
 * GLIBC_TUNABLES=glibc.rtld.optional_static_tls=4096 (mmreplay re-executes
 * itself with it, cli/main.c), or the engine says it is unavailable and why.
 *
 * Options:
 *   touch=none|ends|line|all (default ends)  as libc (mmr_touch.h)
 */
#include <stddef.h>

#include "mmr_dlib.h"
#include "mmr_ualloc.h"

static void *(*je_mallocx)(size_t size, int flags);
static void (*je_dallocx)(void *ptr, int flags);
static void *(*je_rallocx)(void *ptr, size_t size, int flags);
static int (*je_mallctl)(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);

static const struct mmr_dsym je_syms[] = {
	{"mallocx", (void **)&je_mallocx, false},
	{"dallocx", (void **)&je_dallocx, false},
	{"rallocx", (void **)&je_rallocx, false},
	{"mallctl", (void **)&je_mallctl, false},
	{NULL, NULL, false},
};

static struct mmr_dlib je_lib = MMR_DLIB("libjemalloc.so.2", "libjemalloc2", je_syms);

static const struct mmr_engine_param je_params[] = MMR_UALLOC_PARAMS;

static const char *je_unavailable(void)
{
	return mmr_dlib_load(&je_lib);
}

static void *je_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	return mmr_ualloc_create(mmr_dlib_load(&je_lib), "jemalloc", je_params, env, err);
}

static int je_alloc(void *thread, struct mmr_call *op)
{
	size_t size = mmr_ualloc_size(op->size);
	return size ? mmr_ualloc_out(thread, op, je_mallocx(size, 0)) : MMR_CALL_FAILED;
}

static int je_free(void *thread, struct mmr_call *op)
{
	(void)thread;
	je_dallocx((void *)(uintptr_t)op->handle, 0);
	return 0;
}

/* rallocx of NULL is undefined: a realloc of no object is an allocation, as krealloc(NULL) is. */
static int je_realloc(void *thread, struct mmr_call *op)
{
	void *old = (void *)(uintptr_t)op->aux_handle;
	size_t size = mmr_ualloc_size(op->size);
	if (!size)
		return MMR_CALL_FAILED;
	return mmr_ualloc_out(thread, op, old ? je_rallocx(old, size, 0) : je_mallocx(size, 0));
}

/* Bytes in allocated objects (stats.allocated), refreshed by advancing the stats epoch; 0 when a build has no stats. */
static uint64_t je_footprint(void *engine)
{
	(void)engine;
	uint64_t epoch = 1;
	size_t allocated = 0, len = sizeof(allocated);
	if (je_mallctl("epoch", NULL, NULL, &epoch, sizeof(epoch)) ||
	    je_mallctl("stats.allocated", &allocated, &len, NULL, 0))
		return 0;
	return allocated;
}

static const struct mmr_engine_ops je_ops = {
	.abi = MMR_ENGINE_ABI,
	.name = "jemalloc",
	.description = "jemalloc 5 mallocx/rallocx/dallocx (libjemalloc.so.2), for slab traces",
	.families = 1u << MMR_FAM_SLAB,
	.params = je_params,
	.create = je_create,
	.destroy = mmr_ualloc_destroy,
	.op = {[MMR_OP_ALLOC] = je_alloc, [MMR_OP_FREE] = je_free, [MMR_OP_REALLOC] = je_realloc},
	.footprint = je_footprint,
	.unavailable = je_unavailable,
};

const struct mmr_engine_ops *const mmr_engines[] = {&je_ops, NULL};
