/* SPDX-License-Identifier: MIT */
/*
 * hugetlb_cma.c - "hugetlb-cma": gigantic hugetlb pages allocated from a
 * CMA area reserved with hugetlb_cma= and freed again, the load of seed 000
 * (cma_release_nowait()).  Tasks on every CPU grow and shrink their use of
 * 1 GiB pages (a VM host starting and stopping guests); a page is freed
 * from whatever context drops the last reference, and when that context
 * holds hugetlb_lock (a spinlock) the release must not sleep on cma->lock:
 * that share of releases is MMR_OP_RELEASE_NOWAIT with MMR_EF_ATOMIC.
 * The area holds a fixed number of gigantic pages; a task finding it full
 * releases instead of failing.
 */
#include <stdlib.h>

#include "wl_internal.h"

enum { P_AREA, P_ORDER, P_NOWAIT, P_ALLOC, P_GAP, NPARAMS };

static const struct mmr_workload_param hc_params[NPARAMS] = {
	[P_AREA] = {"area-pages", 8, 1, 4096, "gigantic pages the CMA area holds"},
	[P_ORDER] = {"order", 18, 9, 20,
		     "page order of one allocation (18: 1 GiB with 4 KiB pages)"},
	[P_NOWAIT] = {"nowait-pct", 50, 0, 100,
		      "share of releases from atomic context (cma_release_nowait)"},
	[P_ALLOC] = {"alloc-pct", 50, 1, 99,
		     "share of a task's operations that allocate while the area has room"},
	[P_GAP] = {"gap-us", 2000, 1, 10000000,
		   "mean time between one task's operations (a gigantic cma_alloc migrates a lot)"},
};

#define PID_TASK 6000 /* "qemu-system-x86": guests backed by 1 GiB pages */
/* The area starts at 4 GiB, aligned for the largest order allowed. */
#define BASE_PFN 0x100000ull

enum { SITE_ALLOC, SITE_RELEASE, SITE_RELEASE_NOWAIT, NSITES };

struct hc {
	uint64_t area, order, nowait_pct, alloc_pct, gap_ns;
	struct wl_vec free_slots; /* area slots, the most recently released on top */
	struct wl_set live;       /* allocated slots */
	uint64_t site[NSITES];
};

static uint64_t hc_bytes(const struct hc *hc)
{
	return (1ull << hc->order) * WL_PAGE_SIZE;
}

static int hc_alloc(struct wl_sim *s, struct hc *hc, uint32_t cpu)
{
	uint32_t slot = (uint32_t)wl_vec_pop(&hc->free_slots);
	uint64_t pfn = BASE_PFN + ((uint64_t)slot << hc->order);
	struct mmr_event ev = wl_event(s, cpu, PID_TASK + (int32_t)cpu, MMR_OP_ALLOC, pfn);
	ev.bytes_req = hc_bytes(hc);
	ev.bytes_alloc = hc_bytes(hc);
	ev.order = (uint8_t)hc->order;
	ev.gfp = WL_GFP_KERNEL;
	ev.call_site = hc->site[SITE_ALLOC];
	int rc = wl_emit(s, &ev);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed++;
	return wl_set_add(&hc->live, slot) ? wl_oom(s) : 0;
}

/* Drop a page some task holds, from whichever CPU the last put_page runs on. */
static int hc_release(struct wl_sim *s, struct hc *hc, uint32_t cpu)
{
	uint32_t slot = wl_set_pick(&hc->live, &s->rng);
	bool nowait = wl_chance(&s->rng, hc->nowait_pct);
	uint64_t pfn = BASE_PFN + ((uint64_t)slot << hc->order);
	struct mmr_event ev = wl_event(s, cpu, PID_TASK + (int32_t)cpu,
				       nowait ? MMR_OP_RELEASE_NOWAIT : MMR_OP_RELEASE, pfn);
	ev.bytes_req = hc_bytes(hc);
	ev.order = (uint8_t)hc->order;
	ev.flags = nowait ? MMR_EF_ATOMIC : 0;
	ev.call_site = hc->site[nowait ? SITE_RELEASE_NOWAIT : SITE_RELEASE];
	int rc = wl_emit(s, &ev);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed--;
	wl_set_del(&hc->live, slot);
	return wl_vec_push(&hc->free_slots, slot) ? wl_oom(s) : 0;
}

static int hc_step(struct wl_sim *s, void *ctx, const struct wl_wake *wk)
{
	struct hc *hc = ctx;
	bool room = hc->free_slots.len > 0;
	bool alloc = room && (!hc->live.len || wl_chance(&s->rng, hc->alloc_pct));
	/* Once only releases fit in the budget, release; with nothing live the
	 * exact event count wins (and the area has room then). */
	if (alloc && !wl_afford(s, 1) && hc->live.len)
		alloc = false;
	int rc = alloc ? hc_alloc(s, hc, wk->cpu) : hc_release(s, hc, wk->cpu);
	if (rc)
		return rc;
	return wl_wake_at(s, s->now + 1 + wl_exp(&s->rng, hc->gap_ns), wk->cpu, 0, 0);
}

static const char *const hc_site_names[NSITES] = {
	[SITE_ALLOC] = "alloc_gigantic_page+0x9d",
	[SITE_RELEASE] = "free_gigantic_page+0x4e",
	[SITE_RELEASE_NOWAIT] = "free_gigantic_page+0x2a",
};

static int hc_setup(struct wl_sim *s, struct hc *hc, const struct mmr_workload_config *cfg)
{
	hc->area = cfg->params[P_AREA];
	hc->order = cfg->params[P_ORDER];
	hc->nowait_pct = cfg->params[P_NOWAIT];
	hc->alloc_pct = cfg->params[P_ALLOC];
	hc->gap_ns = cfg->params[P_GAP] * WL_NS_PER_US;
	/* Push in reverse so the first allocation takes the lowest pfn, as the
	 * bitmap search from the area's start does. */
	for (uint64_t i = hc->area; i-- > 0;)
		if (wl_vec_push(&hc->free_slots, i))
			return wl_oom(s);
	if (wl_symbols(s, WL_KERNEL_TEXT + 0x300000, hc_site_names, NSITES, hc->site) ||
	    wl_comms(s, PID_TASK, "qemu-system-x86"))
		return -1;
	for (uint32_t cpu = 0; cpu < s->cpus; cpu++)
		if (wl_wake_at(s, wl_exp(&s->rng, hc->gap_ns), cpu, 0, 0))
			return -1;
	return 0;
}

static int hc_generate(const struct mmr_workload_config *cfg, struct mmr_writer *w,
		       struct mmr_error *err)
{
	struct wl_sim s;
	struct hc hc = {0};
	int rc = wl_sim_init(&s, &wl_hugetlb_cma, cfg, w, err);
	if (!rc)
		rc = hc_setup(&s, &hc, cfg);
	if (!rc)
		rc = wl_sim_run(&s, hc_step, &hc);
	wl_vec_free(&hc.free_slots);
	wl_set_free(&hc.live);
	wl_sim_destroy(&s);
	return rc;
}

/* The hugetlb-cma workload. */
const struct mmr_workload wl_hugetlb_cma = {
	.name = "hugetlb-cma",
	.summary = "gigantic hugetlb pages from a CMA area, released from process or atomic context",
	.mirrors = "hugetlb_cma= gigantic page pool (seed 000: cma_release_nowait)",
	.family = MMR_FAM_CMA,
	.params = hc_params,
	.nparams = NPARAMS,
	.generate = hc_generate,
};
