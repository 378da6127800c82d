/* SPDX-License-Identifier: MIT */
/*
 * vmalloc_test.c - "vmalloc-test": one thread per CPU cycling through the
 * allocation patterns of the kernel's vmalloc stress module
 * (lib/test_vmalloc.c), the load seed 002 (offloading free_vmap_area_lock
 * with per-node pools) was measured with.  Every thread hammers the same
 * global free-space tree, which is the contention that thread is about.
 *
 * vfree() is lazy in the kernel: a freed area keeps its addresses until a
 * purge runs, triggered once enough lazily freed pages pile up.  The model
 * does the same, so addresses are reused only after an MMR_OP_PURGE, and
 * then last-in first-out for the same size, as a best-fit search over a
 * just-merged hole tends to give.
 */
#include <stdlib.h>

#include "wl_internal.h"

enum { P_MAX_PAGES, P_TESTS, P_LOOPS, P_ALIGN_SHIFT, P_LAZY, NPARAMS };

static const struct mmr_workload_param vt_params[NPARAMS] = {
	[P_MAX_PAGES] = {"max-pages", 100, 1, 16384,
			 "random-size test: requests of 1..max-pages pages"},
	[P_TESTS] = {"tests", 15, 1, 15,
		     "test mix, a bitmask: 1 fix-size, 2 full-fit, 4 random-size, 8 align"},
	[P_LOOPS] = {"loops", 256, 1, 1000000,
		     "iterations of one test (full-fit: areas it fragments) before the next test"},
	[P_ALIGN_SHIFT] = {"max-align-shift", 23, 13, 30,
			   "align test: alignments of 2^13..2^max-align-shift bytes"},
	[P_LAZY] = {"lazy-max-pages", 32768, 0, 1u << 24,
		    "lazily freed pages that trigger a purge; 0: no purges, areas reused at once"},
};

enum vt_test { T_FIX, T_FULL_FIT, T_RANDOM, T_ALIGN, NTESTS };
/* full-fit: fill with area/junk pairs, free the junk, fit single pages into
 * the holes, free the rest. */
enum { FF_FILL, FF_PUNCH, FF_FIT, FF_DRAIN };
enum vt_action { A_ALLOC, A_FREE_CUR, A_FREE_JUNK, A_FREE_PTR, A_PURGE, A_PASS };

#define PID_TEST 10000  /* "vmalloc_test/N", the module's per-CPU kthreads */
#define PID_WORKER 100  /* "kworker/N:2", runs the purge */

struct vt_area {
	uint64_t va;
	uint64_t pages; /* including the guard page */
	uint64_t align;
};

/* The vmalloc range of x86_64 with 4-level paging. */
#define VMALLOC_SIZE (32ull << 40)

struct vt_list {
	struct vt_area *v;
	size_t len, cap;
};

struct vt_cpu {
	unsigned test, phase;
	uint64_t iter;
	bool holding;
	struct vt_area cur;
	struct vt_list ptrs, junk;
};

struct vt {
	uint64_t max_pages, tests, loops, align_shift, lazy_max;
	struct vt_cpu *cpu;
	uint32_t ncpu;
	struct wl_vspace space;
	struct vt_list lazy;
	uint64_t lazy_pages;
	uint64_t site_alloc[NTESTS], site_free[NTESTS], site_purge;
};

static int list_push(struct vt_list *l, struct vt_area a)
{
	if (l->len == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct vt_area *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->len++] = a;
	return 0;
}

static void vt_next_test(const struct vt *vt, struct vt_cpu *c)
{
	do
		c->test = (c->test + 1) % NTESTS;
	while (!(vt->tests >> c->test & 1));
	c->iter = 0;
	c->phase = FF_FILL;
}

/* What the CPU's current test does next, moving through phases and tests. */
static enum vt_action vt_plan(const struct vt *vt, struct vt_cpu *c)
{
	for (;;) {
		if (c->holding)
			return A_FREE_CUR;
		if (c->test != T_FULL_FIT) {
			if (c->iter < vt->loops)
				return A_ALLOC;
		} else if (c->phase == FF_FILL) {
			if (c->ptrs.len + c->junk.len < 2 * vt->loops)
				return A_ALLOC;
			c->phase = FF_PUNCH;
			continue;
		} else if (c->phase == FF_PUNCH) {
			if (c->junk.len)
				return A_FREE_JUNK;
			c->phase = FF_FIT;
			continue;
		} else if (c->phase == FF_FIT) {
			if (c->iter < vt->loops)
				return A_ALLOC;
			c->phase = FF_DRAIN;
			continue;
		} else if (c->ptrs.len) {
			return A_FREE_PTR;
		}
		vt_next_test(vt, c);
	}
}

/* vmalloc as the current test calls it; returns the pages the area spans. */
static int vt_alloc(struct wl_sim *s, struct vt *vt, uint32_t cpu, uint64_t *span)
{
	struct vt_cpu *c = &vt->cpu[cpu];
	uint64_t pages = 1, align = WL_PAGE_SIZE;
	if (c->test == T_RANDOM)
		pages = wl_range(&s->rng, 1, vt->max_pages);
	uint64_t bytes = pages * WL_PAGE_SIZE;
	/* Random sizes end in a partial page, as kvmalloc-style callers ask,
	 * so the rounding up to whole pages shows in bytes_alloc. */
	if (c->test == T_RANDOM)
		bytes -= wl_below(&s->rng, WL_PAGE_SIZE);
	if (c->test == T_ALIGN)
		align = 1ull << wl_range(&s->rng, WL_PAGE_SHIFT + 1, vt->align_shift);
	/* Every vmalloc area carries one unmapped guard page after it. */
	struct vt_area a = {wl_vspace_get(&vt->space, pages + 1, align), pages + 1, align};
	if (!a.va)
		return wl_fail(s, "the simulated vmalloc range (32 TiB) is exhausted;"
			       " lower --loops, --max-align-shift or --lazy-max-pages");
	struct mmr_event ev = wl_event(s, cpu, PID_TEST + (int32_t)cpu, MMR_OP_ALLOC, a.va);
	ev.bytes_req = bytes;
	ev.bytes_alloc = a.pages * WL_PAGE_SIZE;
	ev.aux = align;
	ev.gfp = WL_GFP_KERNEL;
	ev.call_site = vt->site_alloc[c->test];
	int rc = wl_emit(s, &ev);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed++;
	*span = a.pages;
	if (c->test == T_FULL_FIT && c->phase == FF_FILL)
		rc = list_push(c->ptrs.len == c->junk.len ? &c->ptrs : &c->junk, a);
	else {
		c->cur = a;
		c->holding = true;
	}
	return rc ? wl_oom(s) : 0;
}

/* The lazy purge: a worker frees every lazily freed area at once. */
static int vt_purge(struct wl_sim *s, struct vt *vt, uint32_t cpu)
{
	struct mmr_event ev = wl_event(s, cpu, PID_WORKER + (int32_t)cpu, MMR_OP_PURGE, 0);
	ev.call_site = vt->site_purge;
	int rc = wl_emit(s, &ev);
	if (rc)
		return rc < 0 ? -1 : 0;
	for (size_t i = 0; i < vt->lazy.len; i++)
		if (wl_vspace_put(&vt->space, vt->lazy.v[i].va, vt->lazy.v[i].pages,
				  vt->lazy.v[i].align))
			return wl_oom(s);
	vt->lazy.len = 0;
	vt->lazy_pages = 0;
	return 0;
}

/* vfree of A, allocated by TEST; may set off a purge. */
static int vt_free(struct wl_sim *s, struct vt *vt, uint32_t cpu, unsigned test,
		   struct vt_area a)
{
	struct mmr_event ev = wl_event(s, cpu, PID_TEST + (int32_t)cpu, MMR_OP_FREE, a.va);
	ev.call_site = vt->site_free[test];
	int rc = wl_emit(s, &ev);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed--;
	if (!vt->lazy_max)
		return wl_vspace_put(&vt->space, a.va, a.pages, a.align) ? wl_oom(s) : 0;
	if (list_push(&vt->lazy, a))
		return wl_oom(s);
	vt->lazy_pages += a.pages;
	if (vt->lazy_pages > vt->lazy_max && wl_afford(s, 0))
		return vt_purge(s, vt, cpu);
	return 0;
}

/* Once the budget only covers frees, free what this CPU holds. */
static enum vt_action vt_drain_action(const struct wl_sim *s, const struct vt *vt,
				      const struct vt_cpu *c)
{
	if (c->junk.len)
		return A_FREE_JUNK;
	if (c->ptrs.len)
		return A_FREE_PTR;
	/* Nothing here: pass while other CPUs still owe frees.  With nothing
	 * live anywhere, a last purge opens nothing; without purges the exact
	 * event count wins over balance. */
	return s->owed ? A_PASS : vt->lazy_max ? A_PURGE : A_ALLOC;
}

static int vt_step(struct wl_sim *s, void *ctx, const struct wl_wake *wk)
{
	struct vt *vt = ctx;
	struct vt_cpu *c = &vt->cpu[wk->cpu];
	enum vt_action act = vt_plan(vt, c);
	uint64_t span = 1;
	int rc = 0;
	if (act == A_ALLOC && !wl_afford(s, 1))
		act = vt_drain_action(s, vt, c);
	switch (act) {
	case A_ALLOC:
		rc = vt_alloc(s, vt, wk->cpu, &span);
		break;
	case A_FREE_CUR:
		c->holding = false;
		c->iter++;
		span = c->cur.pages;
		rc = vt_free(s, vt, wk->cpu, c->test, c->cur);
		break;
	case A_FREE_JUNK:
		span = c->junk.v[--c->junk.len].pages;
		rc = vt_free(s, vt, wk->cpu, T_FULL_FIT, c->junk.v[c->junk.len]);
		break;
	case A_FREE_PTR:
		span = c->ptrs.v[--c->ptrs.len].pages;
		rc = vt_free(s, vt, wk->cpu, T_FULL_FIT, c->ptrs.v[c->ptrs.len]);
		break;
	case A_PURGE:
		rc = vt_purge(s, vt, wk->cpu);
		break;
	case A_PASS:
		break;
	}
	if (rc)
		return rc;
	/* A call costs a fixed part plus a per-page part (page allocation and
	 * page-table setup on alloc, unmapping on free). */
	uint64_t mean = act == A_ALLOC ? 400 + 150 * span : 300 + 30 * span;
	return wl_wake_at(s, s->now + 1 + wl_exp(&s->rng, mean), wk->cpu, 0, 0);
}

static const char *const vt_site_names[] = {
	"fix_size_alloc_test+0x2d",     "full_fit_alloc_test+0x6e",
	"random_size_alloc_test+0x4b",  "align_shift_alloc_test+0x5c",
	"fix_size_alloc_test+0x3f",     "full_fit_alloc_test+0x12c",
	"random_size_alloc_test+0x6a",  "align_shift_alloc_test+0x77",
};

static int vt_setup(struct wl_sim *s, struct vt *vt, const struct mmr_workload_config *cfg)
{
	uint64_t sites[2 * NTESTS];
	static const char *const purge_name[] = {"drain_vmap_area_work+0x1d"};
	vt->max_pages = cfg->params[P_MAX_PAGES];
	vt->tests = cfg->params[P_TESTS];
	vt->loops = cfg->params[P_LOOPS];
	vt->align_shift = cfg->params[P_ALIGN_SHIFT];
	vt->lazy_max = cfg->params[P_LAZY];
	vt->cpu = calloc(s->cpus, sizeof(*vt->cpu));
	vt->ncpu = vt->cpu ? s->cpus : 0;
	if (!vt->cpu || wl_vspace_init(&vt->space, WL_VMALLOC_BASE, VMALLOC_SIZE,
					     vt->max_pages + 1))
		return wl_oom(s);
	if (wl_symbols(s, WL_MODULE_TEXT, vt_site_names, 2 * NTESTS, sites) ||
	    wl_symbols(s, WL_KERNEL_TEXT + 0x2a0000, purge_name, 1, &vt->site_purge) ||
	    wl_comms(s, PID_TEST, "vmalloc_test/%u") || wl_comms(s, PID_WORKER, "kworker/%u:2"))
		return -1;
	for (unsigned t = 0; t < NTESTS; t++) {
		vt->site_alloc[t] = sites[t];
		vt->site_free[t] = sites[NTESTS + t];
	}
	for (uint32_t cpu = 0; cpu < s->cpus; cpu++) {
		vt->cpu[cpu].test = NTESTS - 1;
		vt_next_test(vt, &vt->cpu[cpu]);
		if (wl_wake_at(s, wl_exp(&s->rng, 1000), cpu, 0, 0))
			return -1;
	}
	return 0;
}

static void vt_teardown(struct vt *vt)
{
	for (uint32_t i = 0; i < vt->ncpu; i++) {
		free(vt->cpu[i].ptrs.v);
		free(vt->cpu[i].junk.v);
	}
	free(vt->cpu);
	free(vt->lazy.v);
	wl_vspace_free(&vt->space);
}

static int vt_generate(const struct mmr_workload_config *cfg, struct mmr_writer *w,
		       struct mmr_error *err)
{
	struct wl_sim s;
	struct vt vt = {0};
	int rc = wl_sim_init(&s, &wl_vmalloc_test, cfg, w, err);
	if (!rc)
		rc = vt_setup(&s, &vt, cfg);
	if (!rc)
		rc = wl_sim_run(&s, vt_step, &vt);
	vt_teardown(&vt);
	wl_sim_destroy(&s);
	return rc;
}

/* The vmalloc-test workload. */
const struct mmr_workload wl_vmalloc_test = {
	.name = "vmalloc-test",
	.summary = "per-CPU fix-size, full-fit, random-size and aligned vmalloc/vfree loops",
	.mirrors = "lib/test_vmalloc.c stress threads (seed 002: free_vmap_area_lock offload)",
	.family = MMR_FAM_VMALLOC,
	.params = vt_params,
	.nparams = NPARAMS,
	.generate = vt_generate,
};
