/* SPDX-License-Identifier: MIT */
/*
 * mmr_ualloc.h - what the engines over a loaded userspace allocator
 * (jemalloc, mimalloc, tcmalloc) share with each other and with libc: the
 * touch option, one byte for a zero-byte request and none past the bound
 * every engine keeps (mmr_size.h), and the hand-out of a new object.  The library itself comes from mmr_dlib.h.
 */
#ifndef MMR_UALLOC_H
#define MMR_UALLOC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mmr_engine.h"
#include "mmr_size.h"
#include "mmr_touch.h"

/* The engine of one run: these allocators keep their state themselves. */
struct mmr_ualloc {
	enum mmr_touch touch;
};

/*
 * The engine for a run of allocator NAME, whose library could not be
 * loaded when WHY is not NULL (mmr_dlib_load's answer; NULL for the
 * process's own allocator), its options declared by PARAMS
 * (MMR_UALLOC_PARAMS): NULL with ERR filled then, or when an option is
 * wrong.
 */
static inline void *mmr_ualloc_create(const char *why, const char *name, const struct mmr_engine_param *params,
				      const struct mmr_engine_env *env, struct mmr_error *err)
{
	if (why) {
		snprintf(err->msg, sizeof(err->msg), "%s engine: %s", name, why);
		return NULL;
	}
	enum mmr_touch touch;
	if (mmr_touch_opt(env, params, &touch, err))
		return NULL;
	struct mmr_ualloc *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err->msg, sizeof(err->msg), "%s engine: out of memory", name);
		return NULL;
	}
	e->touch = touch;
	return e;
}

/*
 * The runner has freed the trace's leftover objects before this; the
 * allocator's own caches and arenas belong to the library, loaded for good.
 */
static inline void mmr_ualloc_destroy(void *engine)
{
	free(engine);
}

/*
 * The bytes to ask the allocator for a request of SIZE: a zero-byte
 * request is one byte, as in libc, so that every object gets an address
 * of its own.  0 when SIZE is past MMR_OBJ_MAX_BYTES (mmr_size.h): the
 * engine fails the call without asking.
 */
static inline size_t mmr_ualloc_size(uint64_t size)
{
	size_t n;
	return mmr_obj_bytes(size ? size : 1, 0, &n) ? n : 0;
}

/* The new object P of OP, touched as the engine's option says, or a failure when there is none. */
static inline int mmr_ualloc_out(const struct mmr_ualloc *e, struct mmr_call *op, void *p)
{
	if (!p)
		return -1;
	mmr_touch(e->touch, p, mmr_ualloc_size(op->size));
	op->handle = (uint64_t)(uintptr_t)p;
	return 0;
}

/* The engine parameters of every such engine: the touch option alone. */
#define MMR_UALLOC_PARAMS {MMR_TOUCH_PARAM, {0}}

#endif /* MMR_UALLOC_H */
