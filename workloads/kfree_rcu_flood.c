/* SPDX-License-Identifier: MIT */
/*
 * kfree_rcu_flood.c - "kfree-rcu-flood": one thread per CPU allocating
 * bursts of small objects and handing each to kvfree_rcu(), like the kfree
 * test of rcuscale (kernel/rcu/rcuscale.c, kfree_rcu_test=1), the only
 * kvfree_rcu load the seed 003 thread (where the per-CPU bulk block page
 * comes from) had at hand.  A burst of back-to-back kvfree_rcu() calls
 * fills the per-CPU pointer blocks quickly, so new block pages are needed
 * at a high rate: exactly the path the thread argues about.
 *
 * A kvfree_rcu()'d object is not freed until a grace period has passed, so
 * its address cannot come back from kmalloc before then: freed addresses
 * wait out --gp-us before they are reused.
 */
#include <stdlib.h>

#include "wl_internal.h"

enum { P_OBJ_SIZE, P_BURST, P_HEADLESS, P_PAUSE, P_GP, NPARAMS };

static const struct mmr_workload_param kf_params[NPARAMS] = {
	[P_OBJ_SIZE] = {"obj-size", 24, 16, 8192,
			"bytes per object (rcuscale: 8 bytes of payload and a 16-byte rcu_head)"},
	[P_BURST] = {"burst", 8000, 1, 1000000,
		     "objects a thread allocates, then kvfree_rcu()s, per burst (rcuscale: 8000)"},
	[P_HEADLESS] = {"headless-pct", 50, 0, 100,
			"share of single-argument (headless) kvfree_rcu(ptr) calls"},
	[P_PAUSE] = {"pause-us", 500, 0, 10000000, "mean idle time between a thread's bursts"},
	[P_GP] = {"gp-us", 20000, 0, 10000000,
		  "grace period: time before a kvfree_rcu()'d address can be allocated again"},
};

#define PID_THREAD 4000 /* "kfree_scale_thr": rcuscale's kthreads, comm cut to 15 chars */

enum kf_phase { KF_ALLOC, KF_FREE };
enum { SITE_ALLOC, SITE_FREE, SITE_FREE_HEADLESS, NSITES };

struct kf_cpu {
	enum kf_phase phase;
	uint64_t done;     /* allocations in this burst */
	struct wl_vec held; /* this burst's objects, in allocation order */
	size_t head;       /* the next one to kvfree_rcu() */
};

struct kf {
	uint64_t obj_size, obj_class, burst, headless_pct, pause_ns, gp_ns;
	struct kf_cpu *cpu;
	uint32_t ncpu;
	struct wl_addr addr;
	struct wl_limbo limbo;
	uint64_t site[NSITES];
};

static int kf_alloc(struct wl_sim *s, struct kf *kf, uint32_t cpu)
{
	struct kf_cpu *c = &kf->cpu[cpu];
	if (wl_limbo_release(&kf->limbo, s->now, &kf->addr))
		return wl_oom(s);
	uint64_t id = wl_addr_get(&kf->addr);
	struct mmr_event ev = wl_event(s, cpu, PID_THREAD + (int32_t)cpu, MMR_OP_ALLOC, id);
	ev.bytes_req = kf->obj_size;
	ev.bytes_alloc = kf->obj_class;
	ev.gfp = WL_GFP_KERNEL;
	ev.call_site = kf->site[SITE_ALLOC];
	int rc = wl_emit(s, &ev);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed++;
	c->done++;
	return wl_vec_push(&c->held, id) ? wl_oom(s) : 0;
}

static int kf_free(struct wl_sim *s, struct kf *kf, uint32_t cpu)
{
	struct kf_cpu *c = &kf->cpu[cpu];
	uint64_t id = c->held.v[c->head++];
	bool headless = wl_chance(&s->rng, kf->headless_pct);
	struct mmr_event ev = wl_event(s, cpu, PID_THREAD + (int32_t)cpu, MMR_OP_KVFREE_RCU, id);
	ev.flags = headless ? MMR_EF_HEADLESS : 0;
	ev.call_site = kf->site[headless ? SITE_FREE_HEADLESS : SITE_FREE];
	int rc = wl_emit(s, &ev);
	if (rc)
		return rc < 0 ? -1 : 0;
	s->owed--;
	rc = kf->gp_ns ? wl_limbo_add(&kf->limbo, id, s->now + kf->gp_ns)
		       : wl_addr_put(&kf->addr, id);
	return rc ? wl_oom(s) : 0;
}

static int kf_step(struct wl_sim *s, void *ctx, const struct wl_wake *wk)
{
	struct kf *kf = ctx;
	struct kf_cpu *c = &kf->cpu[wk->cpu];
	uint64_t gap;
	int rc = 0;
	if (c->phase == KF_ALLOC && c->done >= kf->burst)
		c->phase = KF_FREE;
	if (c->phase == KF_ALLOC && !wl_afford(s, 1)) {
		/* Only frees fit in the budget now: end the burst early.  With
		 * nothing of its own to free, wait for the other CPUs; with
		 * nothing live anywhere, the exact event count wins. */
		if (c->head < c->held.len)
			c->phase = KF_FREE;
		else if (s->owed)
			return wl_wake_at(s, s->now + 1 + wl_exp(&s->rng, 1000), wk->cpu, 0, 0);
	}
	if (c->phase == KF_ALLOC) {
		rc = kf_alloc(s, kf, wk->cpu);
		gap = wl_exp(&s->rng, 150);
	} else if (c->head < c->held.len) {
		/* kvfree_rcu() only queues the pointer: cheaper than kmalloc. */
		rc = kf_free(s, kf, wk->cpu);
		gap = wl_exp(&s->rng, 80);
	} else {
		c->phase = KF_ALLOC;
		c->done = 0;
		c->head = 0;
		c->held.len = 0;
		gap = wl_exp(&s->rng, kf->pause_ns);
	}
	if (rc)
		return rc;
	return wl_wake_at(s, s->now + 1 + gap, wk->cpu, 0, 0);
}

static const char *const kf_site_names[NSITES] = {
	[SITE_ALLOC] = "kfree_scale_thread+0x9a",
	[SITE_FREE] = "kfree_scale_thread+0x10e",
	[SITE_FREE_HEADLESS] = "kfree_scale_thread+0xe3",
};

static int kf_setup(struct wl_sim *s, struct kf *kf, const struct mmr_workload_config *cfg)
{
	kf->obj_size = cfg->params[P_OBJ_SIZE];
	unsigned cls = wl_kmalloc_class(kf->obj_size);
	kf->obj_class = wl_kmalloc_class_size(cls);
	kf->burst = cfg->params[P_BURST];
	kf->headless_pct = cfg->params[P_HEADLESS];
	kf->pause_ns = cfg->params[P_PAUSE] * WL_NS_PER_US;
	kf->gp_ns = cfg->params[P_GP] * WL_NS_PER_US;
	wl_addr_init(&kf->addr, wl_slab_region(cls), kf->obj_class);
	kf->cpu = calloc(s->cpus, sizeof(*kf->cpu));
	if (!kf->cpu)
		return wl_oom(s);
	kf->ncpu = s->cpus;
	if (wl_symbols(s, WL_MODULE_TEXT, kf_site_names, NSITES, kf->site) ||
	    wl_comms(s, PID_THREAD, "kfree_scale_thr"))
		return -1;
	for (uint32_t cpu = 0; cpu < s->cpus; cpu++)
		if (wl_wake_at(s, wl_exp(&s->rng, 1000), cpu, 0, 0))
			return -1;
	return 0;
}

static void kf_teardown(struct kf *kf)
{
	for (uint32_t i = 0; i < kf->ncpu; i++)
		wl_vec_free(&kf->cpu[i].held);
	free(kf->cpu);
	wl_addr_free(&kf->addr);
	wl_limbo_free(&kf->limbo);
}

static int kf_generate(const struct mmr_workload_config *cfg, struct mmr_writer *w,
		       struct mmr_error *err)
{
	struct wl_sim s;
	struct kf kf = {0};
	int rc = wl_sim_init(&s, &wl_kfree_rcu_flood, cfg, w, err);
	if (!rc)
		rc = kf_setup(&s, &kf, cfg);
	if (!rc)
		rc = wl_sim_run(&s, kf_step, &kf);
	kf_teardown(&kf);
	wl_sim_destroy(&s);
	return rc;
}

/* The kfree-rcu-flood workload. */
const struct mmr_workload wl_kfree_rcu_flood = {
	.name = "kfree-rcu-flood",
	.summary = "per-CPU bursts of kmalloc then kvfree_rcu(), 1- and 2-argument forms",
	.mirrors = "rcuscale kfree_rcu_test threads (seed 003: kvfree_rcu bulk block pages)",
	.family = MMR_FAM_KVFREE_RCU,
	.params = kf_params,
	.nparams = NPARAMS,
	.generate = kf_generate,
};
