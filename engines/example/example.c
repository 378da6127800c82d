/* SPDX-License-Identifier: MIT */
/*
 * example.c - the smallest engine worth copying (docs/engines.md walks
 * through it).  It models an allocator with one global lock around its
 * bookkeeping: every allocation and free takes "example->lock", counts
 * the live objects and bytes, and stays in the lock for `hold_ns` of busy
 * work, so that replaying with more threads shows what one global lock
 * costs.  Objects are plain malloc memory behind a small header that
 * remembers their size; the handle is the pointer to the header.  An
 * object past MMR_OBJ_MAX_BYTES (mmr_size.h) fails, as the kernel's would.
 *
 * Options (example_params[] below, where their defaults are written
 * once, for `mmreplay list engines` and create alike):
 *   hold_ns=N        busy work inside the lock per call, in ns
 *   lock=spin|mutex  the lock's kind
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mmr_engine.h"
#include "mmr_lock.h"
#include "mmr_size.h"
#include "mmr_time.h"

struct example {
	struct mmr_spinlock spin;
	struct mmr_mutex mutex;
	bool use_mutex;
	uint64_t hold_ns;
	uint64_t live_objects, live_bytes, peak_bytes; /* under the lock */
};

static const struct mmr_engine_param example_params[] = {
	MMR_COST("hold_ns", "0", "busy work inside the lock per call, in ns", NULL,
		 "the example's knob: by default the lock is held for the bookkeeping alone", 0, 10000),
	MMR_OPTION("lock", "spin", "the lock's kind: spin or mutex"),
	{0},
};

static void *example_create(const struct mmr_engine_env *env, struct mmr_error *err)
{
	const char *kind;
	err->msg[0] = '\0';
	/* The value given, else the default example_params declares: the one place it is written. */
	if (mmr_engine_param_str(env, example_params, "lock", &kind, err))
		return NULL;
	if (strcmp(kind, "spin") != 0 && strcmp(kind, "mutex") != 0) {
		snprintf(err->msg, sizeof(err->msg), "engine option lock=%s: spin or mutex", kind);
		return NULL;
	}
	struct example *e = calloc(1, sizeof(*e));
	if (!e) {
		snprintf(err->msg, sizeof(err->msg), "example engine: out of memory");
		return NULL;
	}
	e->use_mutex = strcmp(kind, "mutex") == 0;
	if (mmr_engine_param_u64(env, example_params, "hold_ns", &e->hold_ns, err) ||
	    (e->use_mutex ? mmr_mutex_init(&e->mutex, "example->lock") : mmr_spin_init(&e->spin, "example->lock"))) {
		if (!err->msg[0])
			snprintf(err->msg, sizeof(err->msg), "example engine: lock class example->lock is taken");
		free(e);
		return NULL;
	}
	return e;
}

static void example_destroy(void *engine)
{
	struct example *e = engine;
	if (e->use_mutex)
		mmr_mutex_destroy(&e->mutex);
	free(e);
}

static void lock(struct example *e)
{
	if (e->use_mutex)
		mmr_mutex_lock(&e->mutex);
	else
		mmr_spin_lock(&e->spin);
}

static void unlock(struct example *e)
{
	if (e->use_mutex)
		mmr_mutex_unlock(&e->mutex);
	else
		mmr_spin_unlock(&e->spin);
}

/* What sits before each object: its size, for the free. */
struct header {
	uint64_t size;
	uint64_t pad; /* keeps the object 16-byte aligned, as malloc's are */
};

static int example_alloc(void *thread, struct mmr_call *op)
{
	struct example *e = thread;
	uint64_t size = op->size ? op->size : 1;
	size_t bytes;
	/* Checked: the header plus a trace's size must neither wrap nor ask for absurd memory. */
	struct header *p = mmr_obj_bytes(size, sizeof(*p), &bytes) ? malloc(bytes) : NULL;
	if (!p)
		return MMR_CALL_FAILED; /* as the kernel's kmalloc fails: counted, part of the work */
	p->size = size;
	lock(e);
	e->live_objects++;
	e->live_bytes += size;
	if (e->live_bytes > e->peak_bytes)
		e->peak_bytes = e->live_bytes;
	mmr_busy_ns(e->hold_ns);
	unlock(e);
	op->handle = (uint64_t)(uintptr_t)p;
	return MMR_CALL_OK;
}

static int example_free(void *thread, struct mmr_call *op)
{
	struct example *e = thread;
	struct header *p = (struct header *)(uintptr_t)op->handle;
	uint64_t size = p->size;
	free(p);
	lock(e);
	e->live_objects--;
	e->live_bytes -= size;
	mmr_busy_ns(e->hold_ns);
	unlock(e);
	return MMR_CALL_OK;
}

/* Bytes the engine holds for the trace's objects now, headers included. */
static uint64_t example_footprint(void *engine)
{
	struct example *e = engine;
	return e->live_bytes + e->live_objects * sizeof(struct header);
}

static void example_report(void *engine, const struct mmr_figures *r)
{
	struct example *e = engine;
	r->u64(r->ctx, "live_objects", e->live_objects);
	r->u64(r->ctx, "peak_bytes", e->peak_bytes);
}

static const struct mmr_engine_ops example_ops = {
	.abi = MMR_ENGINE_ABI,
	.name = "example",
	.description = "one global lock around the bookkeeping: the engine docs/engines.md explains",
	.families = 1u << MMR_FAM_SLAB,
	.params = example_params,
	.create = example_create,
	.destroy = example_destroy,
	.op = {[MMR_OP_ALLOC] = example_alloc, [MMR_OP_FREE] = example_free},
	.footprint = example_footprint,
	.report = example_report,
};

const struct mmr_engine_ops *const mmr_engines[] = {&example_ops, NULL};
