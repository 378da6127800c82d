/* SPDX-License-Identifier: MIT */
/*
 * tcmalloc.c - gperftools' tcmalloc (tc_malloc, tc_realloc, tc_free),
 * loaded at run time from libtcmalloc_minimal.so.4: per-thread caches in
 * front of central free lists, the userspace cousin of SLUB's per-CPU
 * slabs.  Frees are unsized (tc_free): free events carry no size.
 *
 * Options:
 *   touch=none|ends|line|all (default ends)  as libc (mmr_touch.h)
 */
#include <stddef.h>

#include "mmr_dlib.h"
#include "mmr_ualloc.h"

static void *(*tc_malloc_fn)(size_t size);
static void (*tc_free_fn)(void *p);
static void *(*tc_realloc_fn)(void *p, size_t size);
/* MallocExtension's C API: optional, the footprint is 0 without it. */
static int (*tc_property_fn)(const char *property, size_t *value);

static const struct mmr_dsym tc_syms[] = {
	{"tc_malloc", (void **)&tc_malloc_fn, false},
	{"tc_free", (void **)&tc_free_fn, false},
	{"tc_realloc", (void **)&tc_realloc_fn, false},
	{"MallocExtension_GetNumericProperty", (void **)&tc_property_fn, true},
	{NULL, NULL, false},
};

static struct mmr_dlib tc_lib = MMR_DLIB("libtcmalloc_minimal.so.4", "libtcmalloc-minimal4", tc_syms);

static const struct mmr_engine_param tc_params[] = MMR_UALLOC_PARAMS;

static const char *tc_unavailable(void)
{
	return mmr_dlib_load(&tc_lib);
}

static void *tc_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	return mmr_ualloc_create(mmr_dlib_load(&tc_lib), "tcmalloc", tc_params, env, err);
}

static int tc_alloc(void *thread, struct mmr_call *op)
{
	size_t size = mmr_ualloc_size(op->size);
	return size ? mmr_ualloc_out(thread, op, tc_malloc_fn(size)) : MMR_CALL_FAILED;
}

static int tc_free_op(void *thread, struct mmr_call *op)
{
	(void)thread;
	tc_free_fn((void *)(uintptr_t)op->handle);
	return 0;
}

static int tc_realloc_op(void *thread, struct mmr_call *op)
{
	size_t size = mmr_ualloc_size(op->size);
	return size ? mmr_ualloc_out(thread, op, tc_realloc_fn((void *)(uintptr_t)op->aux_handle, size)) : MMR_CALL_FAILED;
}

/* Bytes in allocated objects, as tcmalloc counts them (generic.current_allocated_bytes). */
static uint64_t tc_footprint(void *engine)
{
	(void)engine;
	size_t v = 0;
	if (!tc_property_fn || !tc_property_fn("generic.current_allocated_bytes", &v))
		return 0;
	return v;
}

static const struct mmr_engine_ops tc_ops = {
	.abi = MMR_ENGINE_ABI,
	.name = "tcmalloc",
	.description = "gperftools tcmalloc tc_malloc/tc_realloc/tc_free (libtcmalloc_minimal.so.4), for slab traces",
	.families = 1u << MMR_FAM_SLAB,
	.params = tc_params,
	.create = tc_create,
	.destroy = mmr_ualloc_destroy,
	.op = {[MMR_OP_ALLOC] = tc_alloc, [MMR_OP_FREE] = tc_free_op, [MMR_OP_REALLOC] = tc_realloc_op},
	.footprint = tc_footprint,
	.unavailable = tc_unavailable,
};

const struct mmr_engine_ops *const mmr_engines[] = {&tc_ops, NULL};
