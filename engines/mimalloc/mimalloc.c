/* SPDX-License-Identifier: MIT */
/*
 * mimalloc.c - Microsoft's mimalloc 2 (mi_malloc, mi_realloc, mi_free),
 * loaded at run time from libmimalloc.so.2: free-list sharding per page,
 * the allocator closest in shape to SLUB's per-slab freelists.
 *
 * Its footprint is the memory it has committed (mi_process_info), not the
 * bytes in objects: a release build counts no object bytes.
 *
 * Options:
 *   touch=none|ends|line|all (default ends)  as libc (mmr_touch.h)
 */
#include <stddef.h>

#include "mmr_dlib.h"
#include "mmr_ualloc.h"

static void *(*mi_malloc_fn)(size_t size);
static void (*mi_free_fn)(void *p);
static void *(*mi_realloc_fn)(void *p, size_t size);
static void (*mi_process_info_fn)(size_t *elapsed_ms, size_t *user_ms, size_t *system_ms, size_t *rss,
				  size_t *peak_rss, size_t *commit, size_t *peak_commit, size_t *faults);

static const struct mmr_dsym mi_syms[] = {
	{"mi_malloc", (void **)&mi_malloc_fn, false},
	{"mi_free", (void **)&mi_free_fn, false},
	{"mi_realloc", (void **)&mi_realloc_fn, false},
	{"mi_process_info", (void **)&mi_process_info_fn, false},
	{NULL, NULL, false},
};

static struct mmr_dlib mi_lib = MMR_DLIB("libmimalloc.so.2", "libmimalloc2.0", mi_syms);

static const struct mmr_engine_param mi_params[] = MMR_UALLOC_PARAMS;

static const char *mi_unavailable(void)
{
	return mmr_dlib_load(&mi_lib);
}

static void *mi_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	return mmr_ualloc_create(mmr_dlib_load(&mi_lib), "mimalloc", mi_params, env, err);
}

static int mi_alloc(void *thread, struct mmr_call *op)
{
	size_t size = mmr_ualloc_size(op->size);
	return size ? mmr_ualloc_out(thread, op, mi_malloc_fn(size)) : MMR_CALL_FAILED;
}

static int mi_free_op(void *thread, struct mmr_call *op)
{
	(void)thread;
	mi_free_fn((void *)(uintptr_t)op->handle);
	return 0;
}

static int mi_realloc_op(void *thread, struct mmr_call *op)
{
	size_t size = mmr_ualloc_size(op->size);
	return size ? mmr_ualloc_out(thread, op, mi_realloc_fn((void *)(uintptr_t)op->aux_handle, size)) : MMR_CALL_FAILED;
}

/* Bytes mimalloc has committed from the OS now. */
static uint64_t mi_footprint(void *engine)
{
	(void)engine;
	size_t elapsed, user, sys, rss, peak_rss, commit = 0, peak_commit, faults;
	mi_process_info_fn(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
	return commit;
}

static const struct mmr_engine_ops mi_ops = {
	.abi = MMR_ENGINE_ABI,
	.name = "mimalloc",
	.description = "mimalloc 2 mi_malloc/mi_realloc/mi_free (libmimalloc.so.2), for slab traces",
	.families = 1u << MMR_FAM_SLAB,
	.params = mi_params,
	.create = mi_create,
	.destroy = mmr_ualloc_destroy,
	.op = {[MMR_OP_ALLOC] = mi_alloc, [MMR_OP_FREE] = mi_free_op, [MMR_OP_REALLOC] = mi_realloc_op},
	.footprint = mi_footprint,
	.unavailable = mi_unavailable,
};

const struct mmr_engine_ops *const mmr_engines[] = {&mi_ops, NULL};
